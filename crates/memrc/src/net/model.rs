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
use super::simd::{Kernel, MulAdd, SimdLevel, dispatch, exp};
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
    /// [`ExprNeuron`](super::ExprNeuron) puts the gates that were not set at their steady
    /// state at each neuron's initial `v`.
    fn complete_initial_state(&self, state: &mut [Vec<f64>], explicit: &[bool]) {
        let _ = (state, explicit);
    }

    /// Advances the neurons `block` by one step `dt` \[s\]: `state[k][i]` is variable `k` of
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
}

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
/// | field | unit | COBAHH |
/// |---|---|---|
/// | `area` | m² | 2e-8 (20000 µm²) |
/// | `c_m` | F/m² | 1e-2 (1 µF/cm²) |
/// | `g_leak`, `e_leak` | S/m², V | 0.5 (5e-5 S/cm²), −0.060 |
/// | `g_na`, `e_na` | S/m², V | 1000 (100 mS/cm²), 0.050 |
/// | `g_k`, `e_k` | S/m², V | 300 (30 mS/cm²), −0.090 |
/// | `v_t` | V | −0.063 |
///
/// Variables: `v` \[V\], `m`, `h`, `n` \[1\], `i_ext` \[A\] (a constant injected current, default 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraubMiles {
    /// Membrane area \[m²\].
    pub area: f64,
    /// Specific capacitance \[F/m²\].
    pub c_m: f64,
    /// Leak conductance density \[S/m²\].
    pub g_leak: f64,
    /// Leak reversal \[V\].
    pub e_leak: f64,
    /// Sodium maximal conductance density \[S/m²\].
    pub g_na: f64,
    /// Sodium reversal \[V\].
    pub e_na: f64,
    /// Potassium maximal conductance density \[S/m²\].
    pub g_k: f64,
    /// Potassium reversal \[V\].
    pub e_k: f64,
    /// Threshold shift `V_T` of the rates \[V\].
    pub v_t: f64,
}

impl TraubMiles {
    /// The state variables.
    pub const VARIABLES: &'static [VariableInfo] = &[
        VariableInfo::fixed("v", "V", "membrane voltage"),
        VariableInfo::fixed("m", "1", "sodium activation"),
        VariableInfo::fixed("h", "1", "sodium inactivation"),
        VariableInfo::fixed("n", "1", "potassium activation"),
        VariableInfo::fixed("i_ext", "A", "injected current (constant during a run)"),
    ];

    /// The parameters of Brian2's COBAHH example (table above).
    pub fn cobahh() -> Self {
        Self {
            area: 20_000e-12,
            c_m: 1e-2,
            g_leak: 0.5,
            e_leak: -0.060,
            g_na: 1000.0,
            e_na: 0.050,
            g_k: 300.0,
            e_k: -0.090,
            v_t: -0.063,
        }
    }
}

impl Default for TraubMiles {
    fn default() -> Self {
        Self::cobahh()
    }
}

/// The six Traub–Miles rates `[α_m, β_m, α_h, β_h, α_n, β_n]` \[1/s\] at membrane voltage
/// `v` \[V\] with threshold shift `v_t` \[V\], as computed in the kernel (two exponentials).
#[inline(always)]
pub fn traub_rates<M: MulAdd>(v: f64, v_t: f64) -> [f64; 6] {
    let u = (v - v_t) * 1e3;
    let e40 = exp::<M>(u * (-1.0 / 40.0)); // e^{−u/40}
    let e18 = exp::<M>((17.0 - u) * (1.0 / 18.0)); // e^{(17−u)/18}
    let e20 = e40 * e40; // e^{−u/20}
    let e10 = e20 * e20;
    let e5 = e10 * e10; // e^{−u/5}
    let e4 = e5 * e20; // e^{−u/4}
    // α_m: z = (13 − u)/4, e^z = e^{13/4} e^{−u/4}.
    let zm = (13.0 - u) * 0.25;
    let am = linoid::<M>(zm, zm / M::madd(E_3_25, e4, -1.0));
    // β_m: z = (u − 40)/5, e^z = e^{−8}/e^{−u/5}: z/(e^z − 1) = z e5/(e^{−8} − e5).
    let zb = (u - 40.0) * 0.2;
    let bm = linoid::<M>(zb, zb * e5 / (E_M8 - e5));
    // β_h = 4/(1 + e^{(40 − u)/5}), e^{(40−u)/5} = e^8 e^{−u/5}.
    let bh = 4.0e3 / M::madd(E_8, e5, 1.0);
    // α_n: z = (15 − u)/5, e^z = e^3 e^{−u/5}.
    let zn = (15.0 - u) * 0.2;
    let an = linoid::<M>(zn, zn / M::madd(E_3, e5, -1.0));
    [
        1.28e3 * am,
        1.4e3 * bm,
        128.0 * e18,
        bh,
        160.0 * an,
        // β_n = 0.5 e^{(10 − u)/40} = 0.5 e^{1/4} e^{−u/40}.
        (500.0 * E_0_25) * e40,
    ]
}

const E_3_25: f64 = 25.790_339_917_193_062; // e^{3.25}
const E_M8: f64 = 3.354_626_279_025_118_4e-4; // e^{−8}
const E_8: f64 = 2_980.957_987_041_728_3; // e^8
const E_3: f64 = 20.085_536_923_187_668; // e^3
const E_0_25: f64 = 1.284_025_416_687_741_5; // e^{1/4}

/// The Taylor series of `z/(e^z − 1)`, used for `|z| < 0.2` (truncation `< 2e-18`).
#[inline(always)]
pub(super) fn linoid_series<M: MulAdd>(z: f64) -> f64 {
    let z2 = z * z;
    let mut s = 1.0 / 47_900_160.0;
    s = M::madd(s, z2, -1.0 / 1_209_600.0);
    s = M::madd(s, z2, 1.0 / 30_240.0);
    s = M::madd(s, z2, -1.0 / 720.0);
    s = M::madd(s, z2, 1.0 / 12.0);
    s = M::madd(s, z, -0.5);
    M::madd(s, z, 1.0)
}

/// `z/(e^z − 1)` given the quotient `direct` computed from `e^z`: the series for `|z| < 0.2`,
/// `direct` elsewhere (a select, so loops stay vectorisable).
#[inline(always)]
fn linoid<M: MulAdd>(z: f64, direct: f64) -> f64 {
    let s = linoid_series::<M>(z);
    if z.abs() < 0.2 { s } else { direct }
}

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
/// `b = α + β` \[1/s\], `y∞ = α/(α + β)`, for threshold shift `v_t` \[V\]. Same maths as
/// [`traub_rates`], arranged for four divisions instead of eight: with `α = A/D_α`,
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
            let gna = c.gna * (mi * mi * mi * hi);
            let n2 = ni * ni;
            let gk = c.gk * (n2 * n2);
            let g = c.gl + gna + gk + g_syn[i];
            let j = M::madd(gna, c.ena, M::madd(gk, c.ek, c.gl_el + j_syn[i] + i_ext[i]));
            let inf = j / g;
            v[i] = M::madd(vi - inf, exp::<M>(-g * c.dt_over_c), inf);
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
        let positive = [
            ("area", self.area),
            ("c_m", self.c_m),
            ("g_leak", self.g_leak),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(NetError::BadParameter {
                    subject: super::Subject::model("traub-miles", name),
                    value,
                    expected: "finite and > 0",
                });
            }
        }
        for (name, value) in [("g_na", self.g_na), ("g_k", self.g_k)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(NetError::BadParameter {
                    subject: super::Subject::model("traub-miles", name),
                    value,
                    expected: "finite and >= 0",
                });
            }
        }
        for (name, value) in [
            ("e_leak", self.e_leak),
            ("e_na", self.e_na),
            ("e_k", self.e_k),
            ("v_t", self.v_t),
        ] {
            if !(value.is_finite() && value.abs() <= 1.0) {
                return Err(NetError::BadParameter {
                    subject: super::Subject::model("traub-miles", name),
                    value,
                    expected: "finite, within [-1, 1] V",
                });
            }
        }
        Ok(())
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
        let a = self.area;
        let c = TraubConst {
            v_t: self.v_t,
            dt,
            dt_over_c: dt / (self.c_m * a),
            gl: self.g_leak * a,
            gl_el: self.g_leak * a * self.e_leak,
            gna: self.g_na * a,
            ena: self.e_na,
            gk: self.g_k * a,
            ek: self.e_k,
        };
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::channel::traub;
    use crate::net::simd::{Fused, Unfused};

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
    fn kernel_rates_match_the_element_rate_functions() {
        let vt = -0.063;
        let f: [fn(f64, f64) -> f64; 6] = [
            traub::alpha_m,
            traub::beta_m,
            traub::alpha_h,
            traub::beta_h,
            traub::alpha_n,
            traub::beta_n,
        ];
        let mut worst = 0.0_f64;
        // A fine grid plus the removable singularities and points just around them.
        let mut vs: Vec<f64> = (0..=3000)
            .map(|k| -0.120 + 1e-4 * f64::from(k) / 1.0)
            .collect();
        for s in [13.0, 40.0, 15.0] {
            for d in [0.0, 1e-9, -1e-9, 1e-6, -1e-6, 0.799, 0.801, -0.799, -0.801] {
                vs.push((-63.0 + s + d) * 1e-3);
            }
        }
        for &v in &vs {
            for rates in [traub_rates::<Fused>(v, vt), traub_rates::<Unfused>(v, vt)] {
                for (r, fk) in rates.iter().zip(f) {
                    let want = fk(v, vt);
                    worst = worst.max((r - want).abs() / want.abs());
                }
            }
        }
        assert!(worst <= 2e-14, "worst relative error {worst:e}");
        // The kernel's gate coefficients b = α + β, y∞ = α/(α + β).
        let mut worst = 0.0_f64;
        for &v in &vs {
            let want = |a: fn(f64, f64) -> f64, b: fn(f64, f64) -> f64| {
                let (a, b) = (a(v, vt), b(v, vt));
                (a + b, a / (a + b))
            };
            let w = [
                want(traub::alpha_m, traub::beta_m),
                want(traub::alpha_h, traub::beta_h),
                want(traub::alpha_n, traub::beta_n),
            ];
            for got in [
                traub_gate_coefficients::<Fused>(v, vt),
                traub_gate_coefficients::<Unfused>(v, vt),
            ] {
                for ((b, inf), (wb, winf)) in got.iter().zip(w) {
                    worst = worst.max(((b - wb) / wb).abs());
                    worst = worst.max(((inf - winf) / winf).abs());
                }
            }
        }
        assert!(
            worst <= 2e-14,
            "gate coefficients: worst relative error {worst:e}"
        );
    }
}
