//! Neuron models of a population: the [`NeuronModel`] trait and the built-in Traub–Miles
//! Hodgkin–Huxley neuron [`TraubMiles`].
//!
//! A model owns the dynamics of its state variables (structure of arrays, one `Vec<f64>` per
//! variable, variable 0 the membrane voltage `v` \[V\] on which spikes are detected). The
//! engine hands it the summed synaptic input of every neuron, `G_syn = Σ_r g_r` \[S\] and
//! `J_syn = Σ_r g_r E_r` \[A\] over the population's receptors, so the synaptic current is
//! `J_syn − G_syn v`; receptor conductances are decayed by the engine. New models (classic HH,
//! user-defined ones) implement the trait; [`crate::net::simd`] provides the dispatch and the
//! vectorisable `exp` for their kernels.

use super::NetError;
use crate::element::KindInfo;
use crate::element::channel::hh::{C_M, Leak};
use crate::element::channel::traub::{TraubPotassium, TraubSodium, potassium_gate, sodium_gates};
use crate::element::mechanism::{GatedChannel, Mechanism};
use crate::params::Parameters;
use crate::simd::{Kernel, MulAdd, SimdLevel, dispatch, exp, linoid_series};
use std::borrow::Cow;
use std::fmt::Debug;
use std::ops::Range;

/// Name, unit and meaning of a state variable.
///
/// Built-in models list theirs in constants ([`VariableInfo::fixed`]); user-defined models name
/// theirs at run time (gate names of their channels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableInfo {
    /// Name used by initialisers and recordings.
    pub name: Cow<'static, str>,
    /// SI unit.
    pub unit: Cow<'static, str>,
    /// Meaning.
    pub doc: Cow<'static, str>,
}

impl VariableInfo {
    /// A variable described by static strings (usable in constants).
    pub const fn fixed(name: &'static str, unit: &'static str, doc: &'static str) -> Self {
        Self {
            name: Cow::Borrowed(name),
            unit: Cow::Borrowed(unit),
            doc: Cow::Borrowed(doc),
        }
    }

    /// A variable with run-time names.
    pub fn new(name: impl Into<String>, unit: impl Into<String>, doc: impl Into<String>) -> Self {
        Self {
            name: Cow::Owned(name.into()),
            unit: Cow::Owned(unit.into()),
            doc: Cow::Owned(doc.into()),
        }
    }
}

/// Checks a model's parameters against their table ([`Parameters`]): the first one outside
/// its range, or NaN, is a [`NetError::BadParameter`] naming the model and the parameter.
pub fn check_parameters<P: Parameters>(p: &P) -> Result<(), NetError> {
    match p.first_invalid() {
        None => Ok(()),
        Some((info, value)) => Err(NetError::bad_parameter(
            super::Subject::model(P::KIND, info.name),
            value,
            info.expected(),
        )),
    }
}

crate::param_struct! {
    /// The passive part of a [`ChannelNeuron`](super::ChannelNeuron): area, specific capacitance and leak. The
    /// defaults ([`Membrane::classic_hh`]) are the classic Hodgkin–Huxley membrane (the
    /// catalogue's `leak` channel, 1 µF/cm²) on the 20000 µm² of COBAHH.
    pub struct Membrane("conductance") {
        area: "m^2", positive(f64::INFINITY) = AREA,
            "membrane area (channel and leak densities are multiplied by it)";
        c_m: "F/m^2", positive(f64::INFINITY) = C_M, "specific capacitance";
        g_leak: "S/m^2", positive(f64::INFINITY) = LEAK.params[0].default,
            "leak conductance density";
        e_leak: "V", new(-1.0, 1.0) = LEAK.params[1].default, "leak reversal potential";
    }
}

impl Membrane {
    /// The membrane part of a model whose parameter table begins with the membrane's four
    /// entries (`area`, `c_m`, `g_leak`, `e_leak`, in this order: the conformance suite checks
    /// it for every preset), read by index so that it costs nothing per step.
    pub fn of<P: Parameters>(model: &P) -> Self {
        Self {
            area: model.value(0),
            c_m: model.value(1),
            g_leak: model.value(2),
            e_leak: model.value(3),
        }
    }

    /// The membrane of [`HodgkinHuxley::classic`](super::HodgkinHuxley::classic).
    pub fn classic_hh() -> Self {
        Self::DEFAULTS
    }
}

/// Membrane area of the built-in network models \[m²\]: 20000 µm², Brian2's COBAHH example.
pub const AREA: f64 = 20_000e-12;

const LEAK: KindInfo = Leak::KIND;

/// Summed synaptic input of each neuron of a block, at the start of the step.
#[derive(Debug, Clone, Copy)]
pub struct SynapticInput<'a> {
    /// `G_syn = Σ_r g_r` \[S\].
    pub g: &'a [f64],
    /// `J_syn = Σ_r g_r E_r` \[A\].
    pub g_e: &'a [f64],
}

/// Dynamics of a point-neuron population.
pub trait NeuronModel: Debug + Send + Sync {
    /// Short name of the model (`"traub-miles"`).
    fn kind(&self) -> &'static str;

    /// The state variables; `variables()[0]` is the membrane voltage `v` \[V\].
    fn variables(&self) -> &[VariableInfo];

    /// Default initial value of each variable \[SI\].
    fn initial_values(&self) -> Vec<f64>;

    /// Checks the parameters (finite, in range).
    fn validate(&self) -> Result<(), NetError>;

    /// Completes the initial state after the initialisers of the population were applied:
    /// `state[k][i]` is variable `k` of neuron `i` (the model's defaults where no initialiser
    /// set it) and `explicit[k]` says whether an initialiser set variable `k`. The network
    /// builder calls it once per population, before the run. The default does nothing;
    /// [`ChannelNeuron`](super::ChannelNeuron) puts the gates that were not set at their steady
    /// state at each neuron's initial `v`.
    fn complete_initial_state(&self, state: &mut [Vec<f64>], explicit: &[bool]) {
        let _ = (state, explicit);
    }

    /// Advances the neurons `block` by one **exponential-Euler** step `dt` \[s\]
    /// ([`Scheme::ExpEuler`](super::Scheme::ExpEuler)): `state[k][i]` is variable `k` of
    /// neuron `i` (all vectors of equal length); `input` holds the synaptic input of the block
    /// (`input.g[i - block.start]`), held at its step-start value. The engine calls it on
    /// cache-sized blocks (a few hundred neurons), several per step; must not allocate.
    fn advance(
        &self,
        state: &mut [Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        dt: f64,
        simd: SimdLevel,
    );

    /// The right-hand side of every state equation of the neurons `block` at the state `state`
    /// (laid out as for [`Self::advance`]) and the synaptic input `input` (of the block, as
    /// there), in the form each equation has in its own variable,
    ///
    /// ```text
    ///   ẏ_k = a_k − b_k y_k          (a_k [unit/s], b_k [1/s])
    /// ```
    ///
    /// written to `a[k][i - block.start]`, `b[k][i - block.start]` (every `a[k]`, `b[k]` at
    /// least `block.len()` long). Gates: `a = α`, `b = α + β`; voltage: `a = J/C`, `b = G/C`
    /// with `G`, `J` as in [`Self::advance`]; constants (`i_ext`): `a = b = 0`. This is the one
    /// definition of the model's dynamics the higher-order schemes use
    /// ([`Scheme::Exp2`](super::Scheme::Exp2) freezes it at the step's midpoint,
    /// [`Scheme::Dopri5`](super::Scheme::Dopri5) evaluates `a − b y`); must not allocate.
    #[allow(clippy::too_many_arguments)]
    fn coefficients(
        &self,
        state: &[Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        a: &mut [Vec<f64>],
        b: &mut [Vec<f64>],
        simd: SimdLevel,
    );
}

crate::param_struct! {
/// The Traub–Miles Hodgkin–Huxley neuron of Brian2's COBAHH example (Brette et al. 2007,
/// benchmark 3), in SI units, with absolute conductances `ḡ·area`:
///
/// ```text
///   C v̇ = g_l (E_l − v) + ḡ_Na m³h (E_Na − v) + ḡ_K n⁴ (E_K − v) + J_syn − G_syn v + I_ext
///   ẋ = α_x(v) (1 − x) − β_x(v) x,      x ∈ {m, h, n}
/// ```
///
/// with the rates of [`crate::element::channel::traub`] (`u = v − V_T` in mV, rates in 1/ms):
/// `α_m = 1.28 z/(e^z − 1)`, `z = (13 − u)/4`; `β_m = 1.4 z/(e^z − 1)`, `z = (u − 40)/5`;
/// `α_h = 0.128 e^{(17 − u)/18}`; `β_h = 4/(1 + e^{(40 − u)/5})`;
/// `α_n = 0.16 z/(e^z − 1)`, `z = (15 − u)/5`; `β_n = 0.5 e^{(10 − u)/40}` (Brian2 writes the
/// three linoids with `exprel`; continuous at `z = 0`).
///
/// **Exponential Euler** (Brian2's `exponential_euler`): each equation is linear in its own
/// variable, `ẏ = a − b y`, with `a`, `b` frozen at the step start, so
/// `y ← y_∞ + (y − y_∞) e^{−b dt}`, `y_∞ = a/b`; for the gates `b = α + β`, `y_∞ = α/b`; for
/// `v`, `b = G/C`, `y_∞ = (g_l E_l + ḡ_Na m³h E_Na + ḡ_K n⁴ E_K + J_syn + I_ext)/G` with
/// `G = g_l + ḡ_Na m³h + ḡ_K n⁴ + G_syn`.
///
/// **Kernel.** Two exponentials give all six rates: `e^{−u/40}` (and its squares
/// `e^{−u/20}, e^{−u/10}, e^{−u/5}`, `e^{−u/4} = e^{−u/5} e^{−u/20}`) and `e^{(17−u)/18}`;
/// four more give the decays; all by the branch-free [`exp`]; four divisions
/// ([`traub_gate_coefficients`]). The linoids use their Taylor
/// series `1 − z/2 + z²/12 − z⁴/720 + z⁶/30240 − z⁸/1209600 + z¹⁰/47900160` for `|z| < 0.2`
/// (truncation `< 2e-18`) and the quotient elsewhere (cancellation `≲ 5e-15` relative), chosen
/// by a select, not a branch.
///
/// The parameters are those of Brian2's COBAHH example: the catalogue channels `traub-na`
/// and `traub-k` at their defaults (`ḡ_Na` 100 mS/cm², `E_Na` 50 mV, `ḡ_K` 30 mS/cm², `E_K`
/// −90 mV, `V_T` −63 mV) with a leak of 0.05 mS/cm² at −60 mV, 1 µF/cm² and 20000 µm².
///
/// Variables: `v` \[V\], `m`, `h`, `n` \[1\], `i_ext` \[A\] (a constant injected current, default 0).
    pub struct TraubMiles("traub-miles") {
        area: "m^2", positive(f64::INFINITY) = AREA, "membrane area";
        c_m: "F/m^2", positive(f64::INFINITY) = C_M, "specific capacitance";
        g_leak: "S/m^2", positive(f64::INFINITY) = 0.5, "leak conductance density";
        e_leak: "V", new(-1.0, 1.0) = -0.060, "leak reversal potential";
        g_na: "S/m^2", new(0.0, f64::INFINITY) = NA.params[0].default,
            "sodium maximal conductance density";
        e_na: "V", new(-1.0, 1.0) = NA.params[1].default, "sodium reversal potential";
        g_k: "S/m^2", new(0.0, f64::INFINITY) = K.params[0].default,
            "potassium maximal conductance density";
        e_k: "V", new(-1.0, 1.0) = K.params[1].default, "potassium reversal potential";
        v_t: "V", new(-1.0, 1.0) = NA.params[2].default, "threshold shift V_T of the rates";
    }
}

const NA: KindInfo = TraubSodium::KIND;
const K: KindInfo = TraubPotassium::KIND;

impl TraubMiles {
    /// The state variables.
    pub const VARIABLES: &'static [VariableInfo] = &[
        VariableInfo::fixed("v", "V", "membrane voltage"),
        VariableInfo::fixed("m", "1", "sodium activation"),
        VariableInfo::fixed("h", "1", "sodium inactivation"),
        VariableInfo::fixed("n", "1", "potassium activation"),
        VariableInfo::fixed("i_ext", "A", "injected current (constant during a run)"),
    ];

    /// The parameters of Brian2's COBAHH example (the table's defaults).
    pub fn cobahh() -> Self {
        Self::DEFAULTS
    }
}

impl TraubMiles {
    /// The membrane (area, capacitance, leak).
    pub fn membrane(&self) -> Membrane {
        Membrane::of(self)
    }

    /// The model as generic mechanisms, the catalogue channels `traub-na` and `traub-k` with
    /// this model's `ḡ`, `E` and `V_T`: what the hand-fused kernel computes, for
    /// [`ChannelNeuron`](super::ChannelNeuron) and the conformance tests. The fused kernel is
    /// kept because it pays on COBAHH (`cargo bench -p memrc --bench expr_neuron`).
    pub fn mechanisms(&self) -> [Mechanism; 2] {
        let (na, k) = (sodium_gates(self.v_t), potassium_gate(self.v_t));
        [
            GatedChannel::new(&NA, na.to_vec(), &[3, 1], self.g_na, self.e_na).into(),
            GatedChannel::new(&K, vec![k], &[4], self.g_k, self.e_k).into(),
        ]
    }
}

const E_3_25: f64 = 25.790_339_917_193_062; // e^{3.25}
const E_M8: f64 = 3.354_626_279_025_118_4e-4; // e^{−8}
const E_8: f64 = 2_980.957_987_041_728_3; // e^8
const E_3: f64 = 20.085_536_923_187_668; // e^3
const E_0_25: f64 = 1.284_025_416_687_741_5; // e^{1/4}

/// `z/(e^z − 1)` as a (numerator, denominator) pair, `(series, 1)` for `|z| < 0.2` and
/// `(z·k, den)` elsewhere, where `den/k = e^z − 1`.
#[inline(always)]
fn linoid_pair<M: MulAdd>(z: f64, k: f64, den: f64) -> (f64, f64) {
    let s = linoid_series::<M>(z);
    if z.abs() < 0.2 {
        (s, 1.0)
    } else {
        (z * k, den)
    }
}

/// The exponential-Euler coefficients `[(b, y∞); 3]` of the gates `m, h, n` at `v` \[V\]:
/// `b = α + β` \[1/s\], `y∞ = α/(α + β)`, for threshold shift `v_t` \[V\]: the hand-fused form
/// of the catalogue channels' rates ([`crate::element::channel::traub`]; tested equal to the
/// generic kernel [`GateKinetics::coefficients_block`](crate::element::channel::GateKinetics::coefficients_block) to `2e-14` relative), two exponentials
/// for all six rates and four divisions instead of eight: with `α = A/D_α`,
/// `β = B/D_β`, `P = A D_β + B D_α`, `Q = D_α D_β` and `r = 1/(PQ)`: `b = P² r`,
/// `y∞ = A Q r`. Valid while the products stay finite: for `v − V_T ≥ −0.75 V` (and any
/// positive `v − V_T` up to 3 V tested); below, `PQ` overflows and the coefficients become NaN —
/// voltages a neuron reaches only after it has lost stability (e.g. a negative total
/// conductance), which a run then reports as [`NetError::NonFinite`].
#[inline(always)]
pub fn traub_gate_coefficients<M: MulAdd>(v: f64, v_t: f64) -> [(f64, f64); 3] {
    let u = (v - v_t) * 1e3;
    let e40 = exp::<M>(u * (-1.0 / 40.0)); // e^{−u/40}
    let e18 = exp::<M>((17.0 - u) * (1.0 / 18.0)); // e^{(17−u)/18}
    let e20 = e40 * e40;
    let e10 = e20 * e20;
    let e5 = e10 * e10; // e^{−u/5}
    let e4 = e5 * e20; // e^{−u/4}
    // m: α_m = 1280 z/(e^z − 1), z = (13 − u)/4; β_m = 1400 z e5/(e^{−8} − e5), z = (u − 40)/5.
    let zm = (13.0 - u) * 0.25;
    let (na, da) = linoid_pair::<M>(zm, 1.0, M::madd(E_3_25, e4, -1.0));
    let zb = (u - 40.0) * 0.2;
    let (nb, db) = linoid_pair::<M>(zb, e5, E_M8 - e5);
    let a = 1.28e3 * na * db;
    let p = M::madd(1.4e3 * nb, da, a);
    let q = da * db;
    let r = 1.0 / (p * q);
    let m = (p * p * r, a * q * r);
    // h: α_h = 128 e18, β_h = 4000/(1 + e^8 e5).
    let dh = M::madd(E_8, e5, 1.0);
    let a = 128.0 * e18 * dh;
    let p = a + 4.0e3;
    let r = 1.0 / (p * dh);
    let h = (p * p * r, a * dh * r);
    // n: α_n = 160 z/(e^z − 1), z = (15 − u)/5; β_n = 500 e^{1/4} e40.
    let zn = (15.0 - u) * 0.2;
    let (nn, dn) = linoid_pair::<M>(zn, 1.0, M::madd(E_3, e5, -1.0));
    let a = 160.0 * nn;
    let p = M::madd((500.0 * E_0_25) * e40, dn, a);
    let r = 1.0 / (p * dn);
    let n = (p * p * r, a * dn * r);
    [m, h, n]
}

/// Constants of one kernel call.
#[derive(Clone, Copy)]
struct TraubConst {
    v_t: f64,
    dt: f64,
    dt_over_c: f64,
    gl: f64,
    gl_el: f64,
    gna: f64,
    ena: f64,
    gk: f64,
    ek: f64,
}

impl TraubConst {
    /// Total conductance `G = g_l + ḡ_Na m³h + ḡ_K n⁴ + G_syn` \[S\] and drive
    /// `J = ḡ_Na m³h E_Na + ḡ_K n⁴ E_K + g_l E_l + J_syn + I_ext` \[A\] (`drive` =
    /// `J_syn + I_ext`), so that `C v̇ = J − G v`.
    #[inline(always)]
    fn conductance<M: MulAdd>(&self, m: f64, h: f64, n: f64, g_syn: f64, drive: f64) -> (f64, f64) {
        let gna = self.gna * (m * m * m * h);
        let n2 = n * n;
        let gk = self.gk * (n2 * n2);
        let g = self.gl + gna + gk + g_syn;
        let j = M::madd(gna, self.ena, M::madd(gk, self.ek, self.gl_el + drive));
        (g, j)
    }
}

/// [`NeuronModel::coefficients`] of [`TraubMiles`] over a block.
struct TraubCoefficients<'a> {
    c: TraubConst,
    inv_c: f64,
    state: [&'a [f64]; 5],
    g_syn: &'a [f64],
    j_syn: &'a [f64],
    a: [&'a mut [f64]; 5],
    b: [&'a mut [f64]; 5],
}

impl Kernel for TraubCoefficients<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let (c, inv_c) = (self.c, self.inv_c);
        let [v, m, h, n, i_ext] = self.state;
        let len = v.len();
        let (m, h, n, i_ext) = (&m[..len], &h[..len], &n[..len], &i_ext[..len]);
        let (g_syn, j_syn) = (&self.g_syn[..len], &self.j_syn[..len]);
        let [av, am, ah, an, ai] = self.a;
        let [bv, bm, bh, bn, bi] = self.b;
        let (av, am, ah, an, ai) = (
            &mut av[..len],
            &mut am[..len],
            &mut ah[..len],
            &mut an[..len],
            &mut ai[..len],
        );
        let (bv, bm, bh, bn, bi) = (
            &mut bv[..len],
            &mut bm[..len],
            &mut bh[..len],
            &mut bn[..len],
            &mut bi[..len],
        );
        for i in 0..len {
            let [(rm, m_inf), (rh, h_inf), (rn, n_inf)] = traub_gate_coefficients::<M>(v[i], c.v_t);
            (am[i], bm[i]) = (rm * m_inf, rm);
            (ah[i], bh[i]) = (rh * h_inf, rh);
            (an[i], bn[i]) = (rn * n_inf, rn);
            let (g, j) = c.conductance::<M>(m[i], h[i], n[i], g_syn[i], j_syn[i] + i_ext[i]);
            (av[i], bv[i]) = (j * inv_c, g * inv_c);
            (ai[i], bi[i]) = (0.0, 0.0);
        }
    }
}

struct TraubStep<'a> {
    c: TraubConst,
    v: &'a mut [f64],
    m: &'a mut [f64],
    h: &'a mut [f64],
    n: &'a mut [f64],
    i_ext: &'a [f64],
    g_syn: &'a [f64],
    j_syn: &'a [f64],
}

impl Kernel for TraubStep<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let c = self.c;
        let len = self.v.len();
        // Equal lengths let the compiler drop the bounds checks and vectorise.
        let (v, m, h, n) = (
            self.v,
            &mut self.m[..len],
            &mut self.h[..len],
            &mut self.n[..len],
        );
        let (i_ext, g_syn, j_syn) = (&self.i_ext[..len], &self.g_syn[..len], &self.j_syn[..len]);
        for i in 0..len {
            let vi = v[i];
            let [(bm, m_inf), (bh, h_inf), (bn, n_inf)] = traub_gate_coefficients::<M>(vi, c.v_t);
            let (mi, hi, ni) = (m[i], h[i], n[i]);
            // Gates: y ← y∞ + (y − y∞) e^{−(α+β) dt}.
            m[i] = M::madd(mi - m_inf, exp::<M>(-bm * c.dt), m_inf);
            h[i] = M::madd(hi - h_inf, exp::<M>(-bh * c.dt), h_inf);
            n[i] = M::madd(ni - n_inf, exp::<M>(-bn * c.dt), n_inf);
            // Voltage, with the gates at the step start.
            let (g, j) = c.conductance::<M>(mi, hi, ni, g_syn[i], j_syn[i] + i_ext[i]);
            let inf = j / g;
            v[i] = M::madd(vi - inf, exp::<M>(-g * c.dt_over_c), inf);
        }
    }
}

impl TraubMiles {
    /// The constants of a kernel call with step `dt` \[s\].
    fn constants(&self, dt: f64) -> TraubConst {
        let a = self.area;
        TraubConst {
            v_t: self.v_t,
            dt,
            dt_over_c: dt / (self.c_m * a),
            gl: self.g_leak * a,
            gl_el: self.g_leak * a * self.e_leak,
            gna: self.g_na * a,
            ena: self.e_na,
            gk: self.g_k * a,
            ek: self.e_k,
        }
    }
}

impl NeuronModel for TraubMiles {
    fn kind(&self) -> &'static str {
        "traub-miles"
    }

    fn variables(&self) -> &[VariableInfo] {
        Self::VARIABLES
    }

    fn initial_values(&self) -> Vec<f64> {
        vec![self.e_leak, 0.0, 0.0, 0.0, 0.0]
    }

    fn validate(&self) -> Result<(), NetError> {
        check_parameters(self)
    }

    fn advance(
        &self,
        state: &mut [Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        dt: f64,
        simd: SimdLevel,
    ) {
        let [v, m, h, n, i_ext] = state else {
            debug_assert!(false, "invariant: traub-miles has five variables");
            return;
        };
        let c = self.constants(dt);
        dispatch(
            simd,
            TraubStep {
                c,
                v: &mut v[block.clone()],
                m: &mut m[block.clone()],
                h: &mut h[block.clone()],
                n: &mut n[block.clone()],
                i_ext: &i_ext[block],
                g_syn: input.g,
                j_syn: input.g_e,
            },
        );
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
        let (Ok(st), [a0, a1, a2, a3, a4, ..], [b0, b1, b2, b3, b4, ..]) =
            (<&[Vec<f64>; 5]>::try_from(state), a, b)
        else {
            debug_assert!(false, "invariant: traub-miles has five variables");
            return;
        };
        let len = block.len();
        dispatch(
            simd,
            TraubCoefficients {
                c: self.constants(0.0),
                inv_c: 1.0 / (self.c_m * self.area),
                state: st.each_ref().map(|x| &x[block.clone()]),
                g_syn: input.g,
                j_syn: input.g_e,
                a: [a0, a1, a2, a3, a4].map(|x| &mut x[..len]),
                b: [b0, b1, b2, b3, b4].map(|x| &mut x[..len]),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::channel::traub;
    use crate::simd::{Fused, Unfused};

    #[test]
    fn gate_coefficients_are_finite_over_the_documented_range() {
        let vt = -0.063;
        for k in -750..=3000 {
            let v = vt + f64::from(k) * 1e-3;
            for c in [
                traub_gate_coefficients::<Fused>(v, vt),
                traub_gate_coefficients::<Unfused>(v, vt),
            ] {
                for (b, inf) in c {
                    assert!(b.is_finite() && b > 0.0, "b = {b} at u = {k} mV");
                    assert!((0.0..=1.0).contains(&inf), "y∞ = {inf} at u = {k} mV");
                }
            }
        }
        // Below the range the products overflow (documented, not hidden).
        let c = traub_gate_coefficients::<Fused>(vt - 0.8, vt);
        assert!(c.iter().any(|(b, inf)| !(b.is_finite() && inf.is_finite())));
    }

    #[test]
    fn fused_gate_coefficients_match_the_generic_kernel() {
        let vt = -0.063;
        // A fine grid plus the removable singularities and points just around them.
        let mut vs: Vec<f64> = (0..=3000).map(|k| -0.120 + 1e-4 * f64::from(k)).collect();
        for s in [13.0, 40.0, 15.0] {
            for d in [0.0, 1e-9, -1e-9, 1e-6, -1e-6, 0.799, 0.801, -0.799, -0.801] {
                vs.push((-63.0 + s + d) * 1e-3);
            }
        }
        let [na, k] = sodium_gates(vt).map(Some);
        let gates = [na, k, Some(potassium_gate(vt))].map(|g| g.expect("gate"));
        // The generic kernel b = α + β, y∞ = a/b over the block, in each arithmetic.
        let n = vs.len();
        let mut worst = 0.0_f64;
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        for (g, gate) in gates.iter().enumerate() {
            for arith in 0..3 {
                match arith {
                    0 => gate.coefficients_block::<Fused>(&vs, &mut a, &mut b),
                    1 => gate.coefficients_block::<Unfused>(&vs, &mut a, &mut b),
                    _ => gate.coefficients_block::<crate::simd::Libm>(&vs, &mut a, &mut b),
                }
                for (i, &v) in vs.iter().enumerate() {
                    let (wb, winf) = (b[i], a[i] / b[i]);
                    for got in [
                        traub_gate_coefficients::<Fused>(v, vt),
                        traub_gate_coefficients::<Unfused>(v, vt),
                    ] {
                        let (gb, ginf) = got[g];
                        worst = worst.max(((gb - wb) / wb).abs());
                        worst = worst.max(((ginf - winf) / winf).abs());
                    }
                }
            }
        }
        assert!(
            worst <= 2e-14,
            "gate coefficients: worst relative error {worst:e}"
        );
        // The generic kernel on a block of one is the scalar element's rate function.
        for &v in &vs {
            let mut out = [0.0];
            traub::alpha_m_fn(vt).eval_block::<crate::simd::Libm>(&[v], &mut out);
            assert_eq!(out[0].to_bits(), traub::alpha_m(v, vt).to_bits());
        }
    }
}
