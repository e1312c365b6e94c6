//! Conductance-based point neurons as a membrane plus mechanisms ([`ChannelNeuron`], model name
//! `"conductance"`): channels written as rate expressions ([`crate::element::expr`], the
//! `[[channel]]` sections of model files) or the catalogue's gated channels
//! ([`crate::element::mechanism`]); and the one kernel that steps them, which the built-in `hh`
//! preset uses too.

use super::NetError;
use super::model::{Membrane, NeuronModel, SynapticInput, VariableInfo};
use crate::element::expr::{ExprChannel, ExprChannelSpec};
use crate::element::mechanism::Mechanism;
use crate::simd::{Kernel, MulAdd, SimdLevel, dispatch, exp};
use std::cell::RefCell;
use std::ops::Range;

/// A conductance-based point neuron: a [`Membrane`] plus any [`Mechanism`]s, in SI units with
/// absolute conductances `ḡ·area`:
///
/// ```text
///   C v̇ = g_l (E_l − v) + Σ_c ḡ_c c_c(x_c, v) (E_c − v) + J_syn − G_syn v + I_ext
///   ẋ_j = a_j(v) − b_j(v) x_j          for every gate j with kinetics of every channel
/// ```
///
/// An expression channel's conductance factor may depend on `v` directly: through its
/// instantaneous gates (`x = x∞(v)`, not variables) and `v` in its expression. It is evaluated
/// at the `v` of the moment wherever the factor is (every scheme's coefficients, the voltage
/// update's `G` and `J`): the memoryless resistor of the paper's Theorem 1 inside the neuron,
/// exact, so `exp2`, `dopri5` and `rk23` keep their orders (no fast-gate approximation).
///
/// with `C = c_m·area`, `g_l = g_leak·area`, and for each channel `c` (its `gbar` a density
/// \[S/m²\] multiplied by the area) the conductance factor `c_c` and the gate kinetics: for a
/// gated channel ([`GatedChannel`](crate::element::mechanism::GatedChannel)) `c = ∏ x_j^{p_j}`
/// and the rates as data, evaluated by the vectorised block kernel
/// ([`GateKinetics::coefficients_block`](crate::element::gate::GateKinetics::coefficients_block),
/// branch-free `exp`); for an expression channel ([`ExprChannelSpec`]) both compiled from
/// their expressions by [`crate::element::expr`] (`v` in mV, rates in 1/ms, `τ` in ms; α/β
/// form: `a = α`, `b = α + β`; τ/x∞ form: `a = x∞/τ`, `b = 1/τ`; removable singularities by
/// their limit).
///
/// **Exponential Euler** (Brian2's `exponential_euler`, as for
/// [`TraubMiles`](super::TraubMiles) and [`HodgkinHuxley`](super::HodgkinHuxley)): every
/// equation is linear in its own variable, `ẏ = a − b y`, with `a`, `b` frozen at the step
/// start, so `y ← y∞ + (y − y∞) e^{−b dt}`, `y∞ = a/b`. Gates: `(a_j, b_j)` at the step-start
/// `v` (a gate with `b_j = 0` takes the limit `x_j + a_j dt`); voltage: with the gates at the
/// step start, `G = g_l + Σ_c ḡ_c c_c + G_syn`,
/// `v∞ = (g_l E_l + Σ_c ḡ_c c_c E_c + J_syn + I_ext)/G`, `v ← v∞ + (v − v∞) e^{−G dt/C}`.
/// The two exponentials of the update use the kernels' [`exp`](crate::simd::exp); the
/// rate expressions use the standard library's functions.
///
/// The one step (`advance_channels`) is shared with the `hh` preset
/// ([`HodgkinHuxley`](super::HodgkinHuxley) is this neuron with `hh-na` and `hh-k`).
///
/// **Evaluation of expression channels.** [`NeuronModel::advance`] evaluates each compiled program (rates,
/// conductance factors) over the whole block of neurons at once, operation by operation on a
/// per-thread scratch stack (allocated once per thread); neurons whose evaluation hits a
/// cancellation guard are evaluated again one by one so that singular points get their limit.
/// The results are bitwise identical to the neuron-by-neuron evaluation
/// ([`ChannelNeuron::with_block_evaluation`]`(false)`), which is slower.
///
/// **Variables:** `v` \[V\], then every gate of every channel in channel order (named after the
/// gate, unit 1), then `i_ext` \[A\] (a constant injected current, default 0). Gate names must
/// be distinct across the channels and differ from `i_ext` (`v` is refused by the channel).
///
/// **Initial values:** `v = e_leak` by default; every gate not initialised explicitly starts at
/// its steady state `x∞(v)` at its neuron's own initial `v`
/// ([`NeuronModel::complete_initial_state`]).
#[derive(Debug, Clone)]
pub struct ChannelNeuron {
    membrane: Membrane,
    channels: Vec<Mechanism>,
    /// State index of the first gate of each channel.
    first: Vec<usize>,
    variables: Vec<VariableInfo>,
    block_evaluation: bool,
}

impl ChannelNeuron {
    /// Compiles the expression `channels` (their `gbar` densities \[S/m²\]) on `membrane`.
    ///
    /// Errors: [`NetError::Channel`] when a channel does not compile (parameters, gate names,
    /// expressions); [`NetError::DuplicateGate`] when two channels have a gate of the same name;
    /// [`NetError::ReservedGateName`] for a gate named `i_ext`. The membrane parameters are
    /// checked by [`NeuronModel::validate`] (the network builder calls it).
    pub fn new(membrane: Membrane, channels: &[ExprChannelSpec]) -> Result<Self, NetError> {
        let compiled = channels
            .iter()
            .map(|spec| ExprChannel::new(spec).map(Mechanism::Expr))
            .collect::<Result<Vec<_>, _>>()
            .map_err(NetError::Channel)?;
        Self::with_mechanisms(membrane, compiled)
    }

    /// A neuron of `membrane` and the mechanisms `channels` (built-in gated channels, their
    /// `gbar` densities \[S/m²\], or compiled expression channels), in order.
    ///
    /// Errors: [`NetError::DuplicateGate`], [`NetError::ReservedGateName`] as for
    /// [`ChannelNeuron::new`].
    pub fn with_mechanisms(membrane: Membrane, channels: Vec<Mechanism>) -> Result<Self, NetError> {
        let mut first = Vec::with_capacity(channels.len());
        let mut variables = vec![VariableInfo::fixed("v", "V", "membrane voltage")];
        // (gate, channel) of every gate so far.
        let mut owners: Vec<(&str, &str)> = Vec::new();
        for ch in &channels {
            for j in 0..ch.gate_count() {
                let gate = ch.gate_name(j);
                if gate == "i_ext" {
                    return Err(NetError::ReservedGateName {
                        gate: gate.to_string(),
                        channel: ch.name().to_string(),
                    });
                }
                if let Some((_, other)) = owners.iter().find(|(n, _)| *n == gate) {
                    return Err(NetError::DuplicateGate {
                        gate: gate.to_string(),
                        first: (*other).to_string(),
                        second: ch.name().to_string(),
                    });
                }
                owners.push((gate, ch.name()));
            }
            first.push(variables.len());
            for j in 0..ch.gate_count() {
                variables.push(VariableInfo::new(
                    ch.gate_name(j),
                    "1",
                    format!("gate of channel '{}'", ch.name()),
                ));
            }
        }
        variables.push(VariableInfo::fixed(
            "i_ext",
            "A",
            "injected current (constant during a run)",
        ));
        Ok(Self {
            membrane,
            channels,
            first,
            variables,
            block_evaluation: true,
        })
    }

    /// Evaluates the rate and conductance programs a block at a time (`true`, the default) or
    /// neuron by neuron (`false`). The results are bitwise identical; the switch exists for
    /// tests and benchmarks.
    pub fn with_block_evaluation(mut self, on: bool) -> Self {
        self.block_evaluation = on;
        self
    }

    /// The passive membrane.
    pub fn membrane(&self) -> Membrane {
        self.membrane
    }

    /// The channels, in order.
    pub fn channels(&self) -> &[Mechanism] {
        &self.channels
    }

    /// The channels for the kernels.
    fn channel_list(&self) -> Channels<'_> {
        Channels {
            list: &self.channels,
            first: &self.first,
            block_evaluation: self.block_evaluation,
        }
    }

    /// Steady state of every gate at `v` \[V\], in variable order.
    fn steady_states(&self, v: f64) -> impl Iterator<Item = f64> + '_ {
        self.channels
            .iter()
            .flat_map(move |c| (0..c.gate_count()).map(move |j| c.gate_steady_state(j, v)))
    }
}

/// Per-thread work arrays of [`ChannelNeuron::advance`] (one block), grown once.
#[derive(Default)]
struct Work {
    /// `v` \[V\].
    v: Vec<f64>,
    /// `v` in mV.
    vm: Vec<f64>,
    /// `G` \[S\].
    g: Vec<f64>,
    /// `G v∞` \[A\].
    j: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    gather: Vec<f64>,
}

thread_local! {
    static WORK: RefCell<Work> = RefCell::new(Work::default());
}

/// `x ← x∞ + (x − x∞) e^{−b dt}`, `x∞ = a/b` (`x + a dt` where `b = 0`).
struct GateStep<'a> {
    x: &'a mut [f64],
    a: &'a [f64],
    b: &'a [f64],
    dt: f64,
}

impl Kernel for GateStep<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let len = self.x.len();
        let (x, a, b, dt) = (self.x, &self.a[..len], &self.b[..len], self.dt);
        for i in 0..len {
            let (xi, ai, bi) = (x[i], a[i], b[i]);
            let inf = ai / bi;
            let y = M::madd(xi - inf, exp::<M>(-bi * dt), inf);
            x[i] = if bi != 0.0 { y } else { M::madd(ai, dt, xi) };
        }
    }
}

/// `v ← v∞ + (v − v∞) e^{−G dt/C}`, `v∞ = J/G`.
struct VoltageStep<'a> {
    v: &'a mut [f64],
    g: &'a [f64],
    j: &'a [f64],
    dt_over_c: f64,
}

impl Kernel for VoltageStep<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let len = self.v.len();
        let (v, g, j) = (self.v, &self.g[..len], &self.j[..len]);
        for i in 0..len {
            let inf = j[i] / g[i];
            v[i] = M::madd(v[i] - inf, exp::<M>(-g[i] * self.dt_over_c), inf);
        }
    }
}

impl NeuronModel for ChannelNeuron {
    fn kind(&self) -> &'static str {
        "conductance"
    }

    fn variables(&self) -> &[VariableInfo] {
        &self.variables
    }

    fn initial_values(&self) -> Vec<f64> {
        let v = self.membrane.e_leak;
        std::iter::once(v)
            .chain(self.steady_states(v))
            .chain(std::iter::once(0.0))
            .collect()
    }

    fn evolving(&self) -> usize {
        self.variables.len() - 1
    }

    fn validate(&self) -> Result<(), NetError> {
        super::model::check_parameters(&self.membrane)
    }

    /// Gates not initialised explicitly start at their steady state at their neuron's `v`.
    fn complete_initial_state(&self, state: &mut [Vec<f64>], explicit: &[bool]) {
        let Some((v, rest)) = state.split_first_mut() else {
            return;
        };
        for (c, ch) in self.channels.iter().enumerate() {
            for j in 0..ch.gate_count() {
                let k = self.first[c] + j;
                if explicit.get(k).copied().unwrap_or(false) {
                    continue;
                }
                if let Some(x) = rest.get_mut(k - 1) {
                    for (x, &v) in x.iter_mut().zip(v.iter()) {
                        *x = ch.gate_steady_state(j, v);
                    }
                }
            }
        }
    }

    fn advance(
        &self,
        state: &mut [Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        dt: f64,
        simd: SimdLevel,
    ) {
        if state.len() != self.variables.len() {
            debug_assert!(block.is_empty(), "invariant: one state vector per variable");
            return;
        }
        let channels = self.channel_list();
        advance_channels(&self.membrane, channels, state, block, input, dt, simd);
    }

    fn coefficients(
        &self,
        state: &[Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        a: &mut [Vec<f64>],
        b: &mut [Vec<f64>],
        simd: SimdLevel,
    ) {
        if state.len() != self.variables.len() {
            debug_assert!(block.is_empty(), "invariant: one state vector per variable");
            return;
        }
        let channels = self.channel_list();
        channel_coefficients(&self.membrane, channels, state, block, input, a, b, simd);
    }
}

/// The channels of a neuron for [`advance_channels`].
#[derive(Clone, Copy)]
pub(super) struct Channels<'a> {
    /// The mechanisms, in order.
    pub list: &'a [Mechanism],
    /// State index of the first gate of each.
    pub first: &'a [usize],
    /// Expression channels a block at a time (`true`) or neuron by neuron.
    pub block_evaluation: bool,
}

impl Channels<'_> {
    /// Channel `c`'s conductance factor for every neuron of the block into `out`, at the
    /// block's membrane voltages `vm` \[mV\] (read by channels whose conductance depends on
    /// `v`: instantaneous gates).
    #[allow(clippy::too_many_arguments)]
    fn conductance_factors(
        &self,
        c: usize,
        state: &[Vec<f64>],
        block: &Range<usize>,
        vm: &[f64],
        out: &mut [f64],
        gather: &mut Vec<f64>,
        simd: SimdLevel,
    ) {
        let ch = &self.list[c];
        let first = self.first[c];
        match ch {
            Mechanism::Expr(e) if !self.block_evaluation => {
                gather.resize(e.gate_names().len(), 0.0);
                for ((o, i), &v) in out.iter_mut().zip(block.clone()).zip(vm) {
                    for (j, x) in gather.iter_mut().enumerate() {
                        *x = state[first + j][i];
                    }
                    *o = e.conductance_factor(gather, v);
                }
            }
            _ => ch.conductance_factor_block(|j| &state[first + j][block.clone()], vm, out, simd),
        }
    }
}

/// The per-thread work arrays of one block, cut to its length ([`with_work`]).
struct Scratch<'w> {
    /// `v` \[V\].
    v0: &'w mut [f64],
    /// `v` in mV.
    vm: &'w mut [f64],
    /// `G` \[S\].
    g: &'w mut [f64],
    /// `J` \[A\].
    j: &'w mut [f64],
    a: &'w mut [f64],
    b: &'w mut [f64],
    gather: &'w mut Vec<f64>,
}

/// Per-neuron sums of the membrane equation over the neurons `block` at the present state:
/// `v0` \[V\], `vm` (`v` in mV), `g = G = g_l + Σ_c ḡ_c c_c + G_syn` \[S\] and
/// `j = J = g_l E_l + J_syn + I_ext + Σ_c ḡ_c c_c E_c` \[A\] (so `C v̇ = J − G v`), in this
/// order of summation, into `w` (`a` is scratch).
fn membrane_sums(
    m: &Membrane,
    channels: &Channels<'_>,
    state: &[Vec<f64>],
    block: &Range<usize>,
    input: &SynapticInput<'_>,
    w: &mut Scratch<'_>,
    simd: SimdLevel,
) {
    let (v0, vm, g, j, a, gather) = (
        &mut *w.v0,
        &mut *w.vm,
        &mut *w.g,
        &mut *w.j,
        &mut *w.a,
        &mut *w.gather,
    );
    let n = state.len();
    let area = m.area;
    let gl = m.g_leak * area;
    let gl_el = gl * m.e_leak;
    let i_ext = &state[n - 1][block.clone()];
    for (k, i) in block.clone().enumerate() {
        v0[k] = state[0][i];
        vm[k] = state[0][i] * 1e3;
        g[k] = gl;
        j[k] = gl_el + input.g_e[k] + i_ext[k];
    }
    // Channel conductances with the present gates.
    for (c, ch) in channels.list.iter().enumerate() {
        channels.conductance_factors(c, state, block, vm, a, gather, simd);
        let (gbar, e) = (ch.gbar() * area, ch.e_rev());
        for ((gk, jk), &f) in g.iter_mut().zip(j.iter_mut()).zip(a.iter()) {
            let gc = gbar * f;
            *gk += gc;
            *jk += gc * e;
        }
    }
    for (gk, &gs) in g.iter_mut().zip(input.g) {
        *gk += gs;
    }
}

/// Gate `jj` of channel `ch`: `a = α`, `b = α + β` at the voltages `v0` (V) / `vm` (mV).
#[allow(clippy::too_many_arguments)]
fn gate_coefficients(
    channels: &Channels<'_>,
    ch: &Mechanism,
    jj: usize,
    v0: &[f64],
    vm: &[f64],
    a: &mut [f64],
    b: &mut [f64],
    simd: SimdLevel,
) {
    match ch {
        Mechanism::Expr(e) if !channels.block_evaluation => {
            for ((ak, bk), &v) in a.iter_mut().zip(b.iter_mut()).zip(vm.iter()) {
                (*ak, *bk) = e.gate_coefficients(jj, v);
            }
        }
        _ => ch.gate_coefficients_block(jj, v0, vm, a, b, simd),
    }
}

/// Runs `f` with the per-thread work arrays grown to, and cut at, `len`.
fn with_work<R>(len: usize, f: impl FnOnce(Scratch<'_>) -> R) -> R {
    WORK.with_borrow_mut(|w| {
        for buf in [&mut w.v, &mut w.vm, &mut w.g, &mut w.j, &mut w.a, &mut w.b] {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
        }
        f(Scratch {
            v0: &mut w.v[..len],
            vm: &mut w.vm[..len],
            g: &mut w.g[..len],
            j: &mut w.j[..len],
            a: &mut w.a[..len],
            b: &mut w.b[..len],
            gather: &mut w.gather,
        })
    })
}

/// One exponential-Euler step of the neurons `block` of a membrane with channels (the
/// equations of [`ChannelNeuron`]): `state` is `v`, the gates of every channel in order, then
/// `i_ext`. Shared by [`ChannelNeuron`] and the built-in presets made of gated channels
/// ([`HodgkinHuxley`](super::HodgkinHuxley)); allocates only the per-thread scratch, once.
pub(super) fn advance_channels(
    m: &Membrane,
    channels: Channels<'_>,
    state: &mut [Vec<f64>],
    block: Range<usize>,
    input: SynapticInput<'_>,
    dt: f64,
    simd: SimdLevel,
) {
    let len = block.len();
    if len == 0 || state.len() < 2 {
        return;
    }
    with_work(len, |mut w| {
        membrane_sums(m, &channels, state, &block, &input, &mut w, simd);
        let Scratch {
            v0, vm, g, j, a, b, ..
        } = w;
        // Gates, with the rates at the step-start voltage.
        for (c, ch) in channels.list.iter().enumerate() {
            for jj in 0..ch.gate_count() {
                gate_coefficients(&channels, ch, jj, v0, vm, a, b, simd);
                let x = &mut state[channels.first[c] + jj][block.clone()];
                dispatch(simd, GateStep { x, a, b, dt });
            }
        }
        // Voltage, with the step-start gates (in g and j).
        let v = &mut state[0][block];
        let dt_over_c = dt / (m.c_m * m.area);
        dispatch(simd, VoltageStep { v, g, j, dt_over_c });
    });
}

/// [`NeuronModel::coefficients`] of a membrane with channels (the equations of
/// [`ChannelNeuron`]; state laid out as for [`advance_channels`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn channel_coefficients(
    m: &Membrane,
    channels: Channels<'_>,
    state: &[Vec<f64>],
    block: Range<usize>,
    input: SynapticInput<'_>,
    a_out: &mut [Vec<f64>],
    b_out: &mut [Vec<f64>],
    simd: SimdLevel,
) {
    let len = block.len();
    let n = state.len();
    if len == 0 || n < 2 || a_out.len() < n || b_out.len() < n {
        return;
    }
    with_work(len, |mut w| {
        membrane_sums(m, &channels, state, &block, &input, &mut w, simd);
        let Scratch { v0, vm, g, j, .. } = w;
        for (c, ch) in channels.list.iter().enumerate() {
            for jj in 0..ch.gate_count() {
                let k = channels.first[c] + jj;
                let (ak, bk) = (&mut a_out[k][..len], &mut b_out[k][..len]);
                gate_coefficients(&channels, ch, jj, v0, vm, ak, bk, simd);
            }
        }
        let inv_c = 1.0 / (m.c_m * m.area);
        for (((av, bv), &gk), &jk) in a_out[0][..len]
            .iter_mut()
            .zip(&mut b_out[0][..len])
            .zip(&*g)
            .zip(&*j)
        {
            (*av, *bv) = (jk * inv_c, gk * inv_c);
        }
        a_out[n - 1][..len].fill(0.0);
        b_out[n - 1][..len].fill(0.0);
    });
}

#[cfg(test)]
mod tests;
