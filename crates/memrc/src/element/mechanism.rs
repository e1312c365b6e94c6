//! Channel mechanisms: the one description of an ionic channel that the circuit path and the
//! network engine share.
//!
//! A mechanism is a conductance `g = ḡ c(x)` in series with a battery `E` (paper eq. 60a, the
//! memristive element of Example 1 with its reversal potential) whose gates obey
//! `ẋ_j = a_j(v) − b_j(v) x_j` (eq. 60b–d, in the linear form of
//! [`StateForm::Linear`](crate::element::StateForm::Linear)). It comes in two forms:
//!
//! - [`GatedChannel`]: gate kinetics as data ([`GateKinetics`], rate shapes
//!   [`VoltageFn`](super::channel::VoltageFn)) and `c(x) = ∏ x_j^{p_j}`: the built-in channels
//!   (`hh-na`, `hh-k`, `traub-na`, `traub-k`), the same constants their scalar
//!   [`Element`](crate::Element)s use ([`GatedChannel::of`]);
//! - [`ExprChannel`]: rates and `c(x)` compiled from user expressions (`[[channel]]` sections).
//!
//! Both are evaluated a block of neurons at a time ([`Mechanism::gate_coefficients_block`],
//! [`Mechanism::conductance_factor_block`]). For gated channels the block kernel is
//! [`GateKinetics::coefficients_block`], generic over the arithmetic
//! ([`MulAdd`]: SIMD level and branch-free `exp`); the scalar element runs the same kernel on a
//! block of one with the standard library's functions ([`Libm`](crate::simd::Libm)), so the
//! gradient and energy identities of the circuit path hold for the very rates the network
//! integrates.

use std::borrow::Cow;

use super::expr::ExprChannel;
use super::gate::{GateKinetics, GatedConductance};
use super::{KindInfo, StateInfo};
use crate::simd::{Kernel, MulAdd, SimdLevel, dispatch};

/// A channel with gate kinetics as data and conductance factor `c(x) = ∏_j x_j^{p_j}`.
///
/// `gbar` is a density \[S/m²\] (a network neuron multiplies it by its membrane area) and
/// `e_rev` the reversal potential \[V\]. Gates, their names and exponents are in state order.
#[derive(Debug, Clone)]
pub struct GatedChannel {
    /// Channel name (the catalogue kind, e.g. `"hh-na"`).
    pub name: Cow<'static, str>,
    /// The gates' names and units, in state order.
    pub states: Cow<'static, [StateInfo]>,
    /// The gates' kinetics, in state order.
    pub gates: Cow<'static, [GateKinetics]>,
    /// The exponents `p_j ≥ 0`.
    pub powers: Cow<'static, [i32]>,
    /// Maximal conductance density `ḡ` \[S/m²\].
    pub gbar: f64,
    /// Reversal potential `E` \[V\].
    pub e_rev: f64,
}

impl GatedChannel {
    /// The channel of catalogue kind `kind` (its name and states) with these gate kinetics,
    /// exponents, `gbar` \[S/m²\] and `e_rev` \[V\]; borrowed kinetics allocate nothing.
    pub fn new(
        kind: &'static KindInfo,
        gates: impl Into<Cow<'static, [GateKinetics]>>,
        powers: &'static [i32],
        gbar: f64,
        e_rev: f64,
    ) -> Self {
        Self {
            name: Cow::Borrowed(kind.name),
            states: Cow::Borrowed(kind.states),
            gates: gates.into(),
            powers: Cow::Borrowed(powers),
            gbar,
            e_rev,
        }
    }

    /// A gated catalogue channel as a mechanism: the kind's name and states, and the
    /// element's gates, exponents, `ḡ` \[S/m²\] and `E` \[V\] (e.g.
    /// `GatedChannel::of(&HhSodium::KIND, na.channel())`).
    pub fn of<const N: usize>(kind: &'static KindInfo, channel: &GatedConductance<N>) -> Self {
        Self {
            name: Cow::Borrowed(kind.name),
            states: Cow::Borrowed(kind.states),
            gates: Cow::Owned(channel.gates.to_vec()),
            powers: Cow::Owned(channel.powers.to_vec()),
            gbar: channel.gbar,
            e_rev: channel.e_rev,
        }
    }
}

/// One channel of a conductance-based neuron: gate kinetics as data, or compiled expressions.
#[derive(Debug, Clone)]
pub enum Mechanism {
    /// Built-in kinetics ([`GatedChannel`]).
    Gated(GatedChannel),
    /// User expressions ([`ExprChannel`]; rates in 1/ms of `v` in mV).
    Expr(ExprChannel),
}

impl From<GatedChannel> for Mechanism {
    fn from(c: GatedChannel) -> Self {
        Self::Gated(c)
    }
}

impl From<ExprChannel> for Mechanism {
    fn from(c: ExprChannel) -> Self {
        Self::Expr(c)
    }
}

impl Mechanism {
    /// The channel's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Gated(c) => &c.name,
            Self::Expr(c) => c.name(),
        }
    }

    /// Number of gates.
    pub fn gate_count(&self) -> usize {
        match self {
            Self::Gated(c) => c.gates.len(),
            Self::Expr(c) => c.gate_names().len(),
        }
    }

    /// Name of gate `j`.
    pub fn gate_name(&self, j: usize) -> &str {
        match self {
            Self::Gated(c) => c.states.get(j).map_or("", |s| s.name),
            Self::Expr(c) => c.gate_names().get(j).map_or("", String::as_str),
        }
    }

    /// Maximal conductance `ḡ` \[S/m², or S when given absolute\].
    pub fn gbar(&self) -> f64 {
        match self {
            Self::Gated(c) => c.gbar,
            Self::Expr(c) => c.gbar(),
        }
    }

    /// Reversal potential `E` \[V\].
    pub fn e_rev(&self) -> f64 {
        match self {
            Self::Gated(c) => c.e_rev,
            Self::Expr(c) => c.e_rev(),
        }
    }

    /// Steady state `x∞ = a/b` of gate `j` at membrane voltage `v` \[V\].
    pub fn gate_steady_state(&self, j: usize, v: f64) -> f64 {
        match self {
            Self::Gated(c) => c.gates.get(j).map_or(f64::NAN, |g| g.steady_state(v)),
            Self::Expr(c) => c.gate_steady_state(j, v * 1e3),
        }
    }

    /// `(a[k], b[k])` of gate `j` at the block's voltages: `v` \[V\] and the same in mV
    /// (`v_mv`, what expression channels are written in). Gated channels use the vectorised
    /// kernel at `simd`; expression channels their compiled programs (bitwise equal to their
    /// scalar evaluation). `a` and `b` must be at least as long as `v`.
    pub fn gate_coefficients_block(
        &self,
        j: usize,
        v: &[f64],
        v_mv: &[f64],
        a: &mut [f64],
        b: &mut [f64],
        simd: SimdLevel,
    ) {
        match self {
            Self::Gated(c) => {
                if let Some(g) = c.gates.get(j) {
                    dispatch(simd, Coefficients { g, v, a, b });
                }
            }
            Self::Expr(c) => c.gate_coefficients_batch(j, v_mv, a, b),
        }
    }

    /// The conductance factor `c(x, v)` of every lane of a block into `out`: `gate(j)` gives
    /// gate `j` of every lane, `v_mv` the membrane voltages in mV (read by expression channels
    /// whose conductance depends on the voltage: instantaneous gates, `v` in the expression).
    pub fn conductance_factor_block<'a>(
        &self,
        gate: impl Fn(usize) -> &'a [f64],
        v_mv: &'a [f64],
        out: &mut [f64],
        simd: SimdLevel,
    ) {
        match self {
            Self::Gated(c) => {
                out.fill(1.0);
                for (j, &p) in c.powers.iter().enumerate() {
                    dispatch(
                        simd,
                        Power {
                            x: gate(j),
                            p,
                            out: &mut *out,
                        },
                    );
                }
            }
            Self::Expr(c) => c.conductance_factor_batch(gate, v_mv, out),
        }
    }
}

/// [`GateKinetics::coefficients_block`] inside the SIMD dispatch.
struct Coefficients<'a> {
    g: &'a GateKinetics,
    v: &'a [f64],
    a: &'a mut [f64],
    b: &'a mut [f64],
}

impl Kernel for Coefficients<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        self.g.coefficients_block::<M>(self.v, self.a, self.b);
    }
}

/// `out[i] *= x[i]^p`, the exponent chosen once per block (small powers by multiplication,
/// as `powi` does, so the loop vectorises).
struct Power<'a> {
    x: &'a [f64],
    p: i32,
    out: &'a mut [f64],
}

impl Kernel for Power<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let len = self.out.len().min(self.x.len());
        let (x, out) = (&self.x[..len], &mut self.out[..len]);
        match self.p {
            0 => {}
            1 => out.iter_mut().zip(x).for_each(|(o, &x)| *o *= x),
            2 => out.iter_mut().zip(x).for_each(|(o, &x)| *o *= x * x),
            3 => out.iter_mut().zip(x).for_each(|(o, &x)| *o *= x * x * x),
            4 => out.iter_mut().zip(x).for_each(|(o, &x)| {
                let x2 = x * x;
                *o *= x2 * x2;
            }),
            p => out.iter_mut().zip(x).for_each(|(o, &x)| *o *= x.powi(p)),
        }
    }
}
