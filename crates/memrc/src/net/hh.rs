//! The classic Hodgkin–Huxley point neuron [`HodgkinHuxley`] (model name `"hh"`) for the
//! network engine.

use super::NetError;
use super::model::{NeuronModel, SynapticInput, VariableInfo, linoid_series};
use super::simd::{Kernel, MulAdd, SimdLevel, dispatch, exp};
use std::ops::Range;

/// The classic Hodgkin–Huxley (1952) squid-axon neuron in the modern −65 mV convention, with
/// the rates of [`crate::element::channel::hh`], in SI units with absolute conductances
/// `ḡ·area`:
///
/// ```text
///   C v̇ = g_l (E_l − v) + ḡ_Na m³h (E_Na − v) + ḡ_K n⁴ (E_K − v) + J_syn − G_syn v + I_ext
///   ẋ = α_x(v) (1 − x) − β_x(v) x,      x ∈ {m, h, n}
/// ```
///
/// with (`V = v` in mV, rates in 1/ms; A. L. Hodgkin and A. F. Huxley, J. Physiol.
/// 117:500–544, 1952, shifted by −65 mV):
/// `α_m = 0.1 (V+40)/(1 − e^{−(V+40)/10})`, `β_m = 4 e^{−(V+65)/18}`,
/// `α_h = 0.07 e^{−(V+65)/20}`, `β_h = 1/(1 + e^{−(V+35)/10})`,
/// `α_n = 0.01 (V+55)/(1 − e^{−(V+55)/10})`, `β_n = 0.125 e^{−(V+65)/80}`.
///
/// **Exponential Euler**, as for [`TraubMiles`](super::TraubMiles): every equation is linear in
/// its own variable, `ẏ = a − b y`, with `a`, `b` frozen at the step start, so
/// `y ← y_∞ + (y − y_∞) e^{−b dt}`; for the gates `b = α + β`, `y_∞ = α/b`; for `v`,
/// `b = G/C`, `y_∞ = (g_l E_l + ḡ_Na m³h E_Na + ḡ_K n⁴ E_K + J_syn + I_ext)/G` with
/// `G = g_l + ḡ_Na m³h + ḡ_K n⁴ + G_syn`.
///
/// **Kernel.** Two exponentials give all six rates: `e^{−(V+65)/80}` and its squares
/// (`/40`, `/20`, `/10`; the `/10` family gives the three `(V + c)/10` terms through constant
/// factors `e^{2.5}`, `e^{1}`, `e^{3}`) and `e^{−(V+65)/18}`; three more give the gate decays
/// and one the voltage decay, all by the branch-free [`exp`](super::simd::exp). The two linoids
/// `z/(1 − e^{−z})` use their Taylor series for `|z| < 0.2` (selected, not branched), so the
/// loop vectorises on the AVX2+FMA path like the Traub–Miles kernel.
///
/// | field | unit | classic |
/// |---|---|---|
/// | `area` | m² | 2e-8 (20000 µm², as COBAHH) |
/// | `c_m` | F/m² | 1e-2 (1 µF/cm²) |
/// | `g_leak`, `e_leak` | S/m², V | 3 (0.3 mS/cm²), −0.054387 |
/// | `g_na`, `e_na` | S/m², V | 1200 (120 mS/cm²), 0.050 |
/// | `g_k`, `e_k` | S/m², V | 360 (36 mS/cm²), −0.077 |
///
/// These are [`crate::circuit::neuron::HhParams::default`]; the membrane rests at
/// −64.99637933 mV (gates at their steady states there).
///
/// Variables: `v` \[V\], `m`, `h`, `n` \[1\], `i_ext` \[A\] (a constant injected current,
/// default 0). Default initial values: `v = −65 mV` and the gates at their steady states
/// `α/(α + β)` at −65 mV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HodgkinHuxley {
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
}

impl HodgkinHuxley {
    /// The state variables (those of [`TraubMiles`](super::TraubMiles)).
    pub const VARIABLES: &'static [VariableInfo] = super::model::TraubMiles::VARIABLES;

    /// Default initial voltage \[V\].
    pub const V_INIT: f64 = -0.065;

    /// The classic parameters (table above).
    pub fn classic() -> Self {
        Self {
            area: 20_000e-12,
            c_m: 1e-2,
            g_leak: 3.0,
            e_leak: -0.054_387,
            g_na: 1200.0,
            e_na: 0.050,
            g_k: 360.0,
            e_k: -0.077,
        }
    }
}

impl Default for HodgkinHuxley {
    fn default() -> Self {
        Self::classic()
    }
}

const E_2_5: f64 = 12.182_493_960_703_473; // e^{2.5}
const E_1: f64 = std::f64::consts::E; // e^{1}
const E_3: f64 = 20.085_536_923_187_668; // e^{3}

/// `z/(1 − e^{−z})` given `e^{−z}`: the series of `x/(e^x − 1)` at `x = −z` for `|z| < 0.2`
/// (truncation `< 2e-18`), the quotient elsewhere (a select, not a branch).
#[inline(always)]
fn linoid_neg<M: MulAdd>(z: f64, e_mz: f64) -> f64 {
    let s = linoid_series::<M>(-z);
    let d = z / (1.0 - e_mz);
    if z.abs() < 0.2 { s } else { d }
}

/// The six classic HH rates `[α_m, β_m, α_h, β_h, α_n, β_n]` \[1/s\] at membrane voltage `v`
/// \[V\], as computed in the kernel (two exponentials).
#[inline(always)]
pub fn hh_rates<M: MulAdd>(v: f64) -> [f64; 6] {
    let d = M::madd(v, 1e3, 65.0); // V + 65 [mV]
    let e80 = exp::<M>(d * (-1.0 / 80.0)); // e^{−(V+65)/80}
    let e18 = exp::<M>(d * (-1.0 / 18.0)); // e^{−(V+65)/18}
    let e40 = e80 * e80;
    let e20 = e40 * e40;
    let e10 = e20 * e20; // e^{−(V+65)/10}
    // α_m: z = (V + 40)/10, e^{−z} = e^{2.5} e10.
    let zm = (d - 25.0) * 0.1;
    let am = 1.0e3 * linoid_neg::<M>(zm, E_2_5 * e10);
    // α_n: z = (V + 55)/10, e^{−z} = e^{1} e10.
    let zn = (d - 10.0) * 0.1;
    let an = 100.0 * linoid_neg::<M>(zn, E_1 * e10);
    // β_h = 1/(1 + e^{−(V+35)/10}), e^{−(V+35)/10} = e^{3} e10.
    let bh = 1.0e3 / M::madd(E_3, e10, 1.0);
    [am, 4.0e3 * e18, 70.0 * e20, bh, an, 125.0 * e80]
}

/// Constants of one kernel call.
#[derive(Clone, Copy)]
struct HhConst {
    dt: f64,
    dt_over_c: f64,
    gl: f64,
    gl_el: f64,
    gna: f64,
    ena: f64,
    gk: f64,
    ek: f64,
}

struct HhStep<'a> {
    c: HhConst,
    v: &'a mut [f64],
    m: &'a mut [f64],
    h: &'a mut [f64],
    n: &'a mut [f64],
    i_ext: &'a [f64],
    g_syn: &'a [f64],
    j_syn: &'a [f64],
}

impl Kernel for HhStep<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let c = self.c;
        let len = self.v.len();
        let (v, m, h, n) = (
            self.v,
            &mut self.m[..len],
            &mut self.h[..len],
            &mut self.n[..len],
        );
        let (i_ext, g_syn, j_syn) = (&self.i_ext[..len], &self.g_syn[..len], &self.j_syn[..len]);
        for i in 0..len {
            let vi = v[i];
            let [am, bm, ah, bh, an, bn] = hh_rates::<M>(vi);
            let (mi, hi, ni) = (m[i], h[i], n[i]);
            // Gates: y ← y∞ + (y − y∞) e^{−(α+β) dt}.
            let (sm, sh, sn) = (am + bm, ah + bh, an + bn);
            let (m_inf, h_inf, n_inf) = (am / sm, ah / sh, an / sn);
            m[i] = M::madd(mi - m_inf, exp::<M>(-sm * c.dt), m_inf);
            h[i] = M::madd(hi - h_inf, exp::<M>(-sh * c.dt), h_inf);
            n[i] = M::madd(ni - n_inf, exp::<M>(-sn * c.dt), n_inf);
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

impl NeuronModel for HodgkinHuxley {
    fn kind(&self) -> &'static str {
        "hh"
    }

    fn variables(&self) -> &[VariableInfo] {
        Self::VARIABLES
    }

    fn initial_values(&self) -> Vec<f64> {
        let [am, bm, ah, bh, an, bn] = hh_rates::<super::simd::Unfused>(Self::V_INIT);
        vec![
            Self::V_INIT,
            am / (am + bm),
            ah / (ah + bh),
            an / (an + bn),
            0.0,
        ]
    }

    fn validate(&self) -> Result<(), NetError> {
        let bad = |name: &str, value: f64, expected: &'static str| NetError::BadParameter {
            subject: super::Subject::model("hh", name),
            value,
            expected,
        };
        for (name, value) in [
            ("area", self.area),
            ("c_m", self.c_m),
            ("g_leak", self.g_leak),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(bad(name, value, "finite and > 0"));
            }
        }
        for (name, value) in [("g_na", self.g_na), ("g_k", self.g_k)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(bad(name, value, "finite and >= 0"));
            }
        }
        for (name, value) in [
            ("e_leak", self.e_leak),
            ("e_na", self.e_na),
            ("e_k", self.e_k),
        ] {
            if !(value.is_finite() && value.abs() <= 1.0) {
                return Err(bad(name, value, "finite, within [-1, 1] V"));
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
            debug_assert!(false, "invariant: hh has five variables");
            return;
        };
        let a = self.area;
        let c = HhConst {
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
            HhStep {
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
    use crate::element::channel::hh;
    use crate::net::simd::{Fused, Unfused};

    #[test]
    fn kernel_rates_match_the_element_rate_functions() {
        let f: [fn(f64) -> f64; 6] = [
            hh::alpha_m,
            hh::beta_m,
            hh::alpha_h,
            hh::beta_h,
            hh::alpha_n,
            hh::beta_n,
        ];
        let mut vs: Vec<f64> = (0..=3000).map(|k| -0.120 + 1e-4 * f64::from(k)).collect();
        for s in [-40.0, -55.0] {
            for d in [0.0, 1e-9, -1e-9, 1e-6, -1e-6, 1.999, 2.001, -1.999, -2.001] {
                vs.push((s + d) * 1e-3);
            }
        }
        let mut worst = 0.0_f64;
        for &v in &vs {
            for rates in [hh_rates::<Fused>(v), hh_rates::<Unfused>(v)] {
                for (r, fk) in rates.iter().zip(f) {
                    let want = fk(v);
                    worst = worst.max((r - want).abs() / want.abs());
                }
            }
        }
        assert!(worst <= 2e-14, "worst relative error {worst:e}");
    }

    #[test]
    fn default_initial_values_are_the_steady_state_at_minus_65_mv() {
        let x = HodgkinHuxley::classic().initial_values();
        let v = HodgkinHuxley::V_INIT;
        assert_eq!(x[0], v);
        for (got, gate) in x[1..4].iter().zip([hh::M_GATE, hh::H_GATE, hh::N_GATE]) {
            assert!((got - gate.steady_state(v)).abs() < 1e-14);
        }
        assert!(HodgkinHuxley::classic().validate().is_ok());
        let bad = HodgkinHuxley {
            g_na: -1.0,
            ..HodgkinHuxley::classic()
        };
        assert!(matches!(bad.validate(), Err(NetError::BadParameter { .. })));
    }
}
