//! The classic Hodgkin–Huxley (1952) squid-axon channels in the modern convention (rest near
//! −65 mV): sodium `hh-na`, potassium `hh-k` and `leak`.
//!
//! Rates, with `V` the membrane voltage in mV and rates in 1/ms (A. L. Hodgkin and
//! A. F. Huxley, J. Physiol. 117:500–544, 1952, shifted by −65 mV):
//!
//! ```text
//!   α_m = 0.1 (V + 40) / (1 − e^{−(V+40)/10})      β_m = 4 e^{−(V+65)/18}
//!   α_h = 0.07 e^{−(V+65)/20}                      β_h = 1 / (1 + e^{−(V+35)/10})
//!   α_n = 0.01 (V + 55) / (1 − e^{−(V+55)/10})     β_n = 0.125 e^{−(V+65)/80}
//! ```
//!
//! The functions below take `V` in volts and return rates in 1/s (`×1e3`); derivatives are in
//! 1/(s·V). `α_m` and `α_n` have removable singularities at −40 mV and −55 mV; they are
//! evaluated as `A · u/(1 − e^{−u})` with [`x_over_one_minus_exp_neg`], exact to rounding and
//! smooth there.
//!
//! [`x_over_one_minus_exp_neg`]: crate::element::x_over_one_minus_exp_neg

use super::check_kind;
use super::{e_rev, gbar};
use crate::element::gate::{GateKinetics, VoltageFn};
use crate::element::{Element, ElementJacobian, KindInfo, StateForm, StateInfo};
use crate::error::ModelError;
use crate::params::ParamSet;

/// Specific membrane capacitance of the squid axon, 1 µF/cm² \[F/m²\] (Hodgkin and Huxley
/// 1952), the paper's Example 4.
pub const C_M: f64 = 1e-2;

const SOURCE: &str =
    "A. L. Hodgkin and A. F. Huxley, J. Physiol. 117:500-544 (1952); modern -65 mV convention";

/// `α_m = 0.1 (V+40)/(1 − e^{−(V+40)/10})` per ms, as a [`VoltageFn`] in SI.
pub const ALPHA_M: VoltageFn = VoltageFn::Linoid {
    amplitude: 1.0e3,
    v_half: -0.040,
    scale: 0.010,
};
/// `β_m = 4 e^{−(V+65)/18}` per ms.
pub const BETA_M: VoltageFn = VoltageFn::Exp {
    amplitude: 4.0e3,
    v_half: -0.065,
    scale: -0.018,
};
/// `α_h = 0.07 e^{−(V+65)/20}` per ms.
pub const ALPHA_H: VoltageFn = VoltageFn::Exp {
    amplitude: 70.0,
    v_half: -0.065,
    scale: -0.020,
};
/// `β_h = 1/(1 + e^{−(V+35)/10})` per ms.
pub const BETA_H: VoltageFn = VoltageFn::Sigmoid {
    amplitude: 1.0e3,
    v_half: -0.035,
    scale: 0.010,
};
/// `α_n = 0.01 (V+55)/(1 − e^{−(V+55)/10})` per ms.
pub const ALPHA_N: VoltageFn = VoltageFn::Linoid {
    amplitude: 100.0,
    v_half: -0.055,
    scale: 0.010,
};
/// `β_n = 0.125 e^{−(V+65)/80}` per ms.
pub const BETA_N: VoltageFn = VoltageFn::Exp {
    amplitude: 125.0,
    v_half: -0.065,
    scale: -0.080,
};

/// Sodium activation gate `m`.
pub const M_GATE: GateKinetics = GateKinetics::AlphaBeta {
    alpha: ALPHA_M,
    beta: BETA_M,
};
/// Sodium inactivation gate `h`.
pub const H_GATE: GateKinetics = GateKinetics::AlphaBeta {
    alpha: ALPHA_H,
    beta: BETA_H,
};
/// Potassium activation gate `n`.
pub const N_GATE: GateKinetics = GateKinetics::AlphaBeta {
    alpha: ALPHA_N,
    beta: BETA_N,
};

macro_rules! rate_fns {
    ($($name:ident, $dname:ident, $c:ident, $doc:literal;)*) => {$(
        #[doc = concat!("`", $doc, "` \\[1/s\\] at membrane voltage `v` \\[V\\].")]
        #[inline]
        pub fn $name(v: f64) -> f64 {
            $c.eval(v)
        }

        #[doc = concat!("Derivative of `", $doc, "` with respect to `v` \\[1/(s·V)\\].")]
        #[inline]
        pub fn $dname(v: f64) -> f64 {
            $c.eval_with_slope(v).1
        }
    )*};
}

rate_fns! {
    alpha_m, d_alpha_m, ALPHA_M, "α_m";
    beta_m, d_beta_m, BETA_M, "β_m";
    alpha_h, d_alpha_h, ALPHA_H, "α_h";
    beta_h, d_beta_h, BETA_H, "β_h";
    alpha_n, d_alpha_n, ALPHA_N, "α_n";
    beta_n, d_beta_n, BETA_N, "β_n";
}

const M: StateInfo = StateInfo {
    name: "m",
    unit: "1",
    doc: "sodium activation",
};
const H: StateInfo = StateInfo {
    name: "h",
    unit: "1",
    doc: "sodium inactivation",
};
const N: StateInfo = StateInfo {
    name: "n",
    unit: "1",
    doc: "potassium activation",
};

gated_channel! {
    /// Hodgkin–Huxley sodium channel `hh-na`.
    ///
    /// ```text
    ///   ṁ = α_m(v_m)(1 − m) − β_m(v_m) m,   ḣ = α_h(v_m)(1 − h) − β_h(v_m) h
    ///   i = ḡ m³ h (v_m − E),               v_m = w + E
    /// ```
    ///
    /// | parameter | unit | default | range | meaning |
    /// |---|---|---|---|---|
    /// | `gbar` | S/m² | 1200 (120 mS/cm²) | [0, ∞) | maximal conductance density |
    /// | `e_rev` | V | 0.050 | \[−1, 1\] | reversal potential `E_Na` |
    pub struct HhSodium(GatedConductance<2>) {
        kind: KindInfo {
            name: "hh-na",
            summary: "Hodgkin-Huxley sodium channel, g = gbar m^3 h",
            source: SOURCE,
            ports: 1,
            states: &[M, H],
            params: &[gbar(1200.0), e_rev(0.050)],
            conductance_unit: "S/m^2",
            current_unit: "A/m^2",
        },
        gates: |_p| [M_GATE, H_GATE],
        powers: [3, 1],
    }
}

gated_channel! {
    /// Hodgkin–Huxley delayed-rectifier potassium channel `hh-k` (paper Example 1, eq. 2, with
    /// the standard kinetics; the paper's eq. 2 swaps `α` and `β`).
    ///
    /// ```text
    ///   ṅ = α_n(v_m)(1 − n) − β_n(v_m) n
    ///   i = ḡ n⁴ (v_m − E),                 v_m = w + E
    /// ```
    ///
    /// | parameter | unit | default | range | meaning |
    /// |---|---|---|---|---|
    /// | `gbar` | S/m² | 360 (36 mS/cm²) | [0, ∞) | maximal conductance density |
    /// | `e_rev` | V | −0.077 | \[−1, 1\] | reversal potential `E_K` |
    pub struct HhPotassium(GatedConductance<1>) {
        kind: KindInfo {
            name: "hh-k",
            summary: "Hodgkin-Huxley potassium channel, g = gbar n^4",
            source: SOURCE,
            ports: 1,
            states: &[N],
            params: &[gbar(360.0), e_rev(-0.077)],
            conductance_unit: "S/m^2",
            current_unit: "A/m^2",
        },
        gates: |_p| [N_GATE],
        powers: [4],
    }
}

/// Passive leak `leak`: a constant conductance in series with a battery, no states.
///
/// ```text
///   i = ḡ (v_m − E)
/// ```
///
/// A static resistor is the degenerate memristive element; with `ḡ > 0` it satisfies
/// Assumption 2 with `ε = ḡ`. `gbar = 0` is accepted (an open branch) but then the `1/g`
/// metric is undefined.
///
/// | parameter | unit | default | range | meaning |
/// |---|---|---|---|---|
/// | `gbar` | S/m² | 3 (0.3 mS/cm²) | [0, ∞) | conductance density |
/// | `e_rev` | V | −0.054387 | \[−1, 1\] | reversal potential `E_L` |
///
/// The default `E_L` makes the HH membrane rest at −65 mV (more exactly −64.9964 mV). For
/// the Traub/COBAHH neuron use `gbar = 0.5` (0.05 mS/cm²) and `e_rev = −0.060`.
#[derive(Debug, Clone)]
pub struct Leak {
    params: ParamSet,
    gbar: f64,
    e_rev: f64,
}

impl Leak {
    /// Kind description (`leak`).
    pub const KIND: KindInfo = KindInfo {
        name: "leak",
        summary: "passive leak, constant g = gbar in series with e_rev",
        source: SOURCE,
        ports: 1,
        states: &[],
        params: &[gbar(3.0), e_rev(-0.054387)],
        conductance_unit: "S/m^2",
        current_unit: "A/m^2",
    };

    /// Builds the leak from a validated parameter set of this kind.
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        check_kind(params, &Self::KIND)?;
        Ok(Self {
            params: params.clone(),
            gbar: params.get("gbar"),
            e_rev: params.get("e_rev"),
        })
    }

    /// Catalogue constructor: defaults overridden by `(key, value)` pairs \[SI\].
    pub fn build(overrides: &[(&str, f64)]) -> Result<Box<dyn Element>, ModelError> {
        let p = ParamSet::with_overrides(Self::KIND.name, Self::KIND.params, overrides)?;
        Ok(Box::new(Self::new(&p)?))
    }
}

impl Element for Leak {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        self.params.pairs()
    }

    fn battery(&self, port: usize) -> f64 {
        if port == 0 { self.e_rev } else { 0.0 }
    }

    fn initial_state(&self, _v: &[f64], _x: &mut [f64]) {}

    fn state_rhs(&self, _x: &[f64], _v: &[f64], _dx: &mut [f64]) {}

    fn conductance(&self, _x: &[f64], _v: &[f64], g: &mut [f64]) {
        g[0] = self.gbar;
    }

    fn linear_coefficients(&self, _v: &[f64], _a: &mut [f64], _b: &mut [f64]) -> bool {
        true
    }

    fn state_form(&self) -> StateForm {
        StateForm::Linear
    }

    fn jacobian(&self, _x: &[f64], _v: &[f64], jac: &mut ElementJacobian) {
        jac.dg_dv[0] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::build;
    use crate::element::channel::test_util::check_jacobian;

    /// `L(x) = x/(1 − e^{−x})` by its Taylor series, exact to rounding for `|x| ≤ 1e-3`.
    fn linoid_series(x: f64) -> f64 {
        1.0 + x / 2.0 + x * x / 12.0 - x * x * x * x / 720.0
    }

    /// The rates as printed in `docs/numerics.md#hh-rates` (mV, ms), evaluated literally.
    fn textbook(v: f64) -> [f64; 6] {
        [
            0.1 * (v + 40.0) / (1.0 - (-(v + 40.0) / 10.0).exp()),
            4.0 * (-(v + 65.0) / 18.0).exp(),
            0.07 * (-(v + 65.0) / 20.0).exp(),
            1.0 / (1.0 + (-(v + 35.0) / 10.0).exp()),
            0.01 * (v + 55.0) / (1.0 - (-(v + 55.0) / 10.0).exp()),
            0.125 * (-(v + 65.0) / 80.0).exp(),
        ]
    }

    #[test]
    fn rates_match_the_textbook_formulas_away_from_singularities() {
        for k in 0..=30 {
            let v_mv = -100.0 + 5.0 * f64::from(k) + 0.37;
            let v = v_mv * 1e-3;
            let got = [
                alpha_m(v),
                beta_m(v),
                alpha_h(v),
                beta_h(v),
                alpha_n(v),
                beta_n(v),
            ];
            for (g, t) in got.iter().zip(textbook(v_mv)) {
                assert!(
                    (g - 1e3 * t).abs() <= 1e-13 * g.abs(),
                    "{v_mv} mV: {g} vs {}",
                    1e3 * t
                );
            }
        }
    }

    #[test]
    fn removable_singularities_are_exact_and_smooth() {
        // α_m = 1e3 L((V+40)/10) per s, α_n = 1e2 L((V+55)/10): V in mV.
        for (f, df, v0_mv, amp) in [
            (
                alpha_m as fn(f64) -> f64,
                d_alpha_m as fn(f64) -> f64,
                -40.0,
                1e3,
            ),
            (alpha_n, d_alpha_n, -55.0, 1e2),
        ] {
            let at = f(v0_mv * 1e-3);
            assert!(
                at.is_finite() && (at - amp).abs() <= 2e-16 * amp,
                "at the singularity: {at}"
            );
            for mag in [1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3] {
                for sign in [-1.0, 1.0] {
                    let d_mv = sign * mag;
                    let v = (v0_mv + d_mv) * 1e-3;
                    let x = d_mv / 10.0;
                    let want = amp * linoid_series(x);
                    let got = f(v);
                    assert!(
                        (got - want).abs() <= 1e-13 * want,
                        "{v0_mv}{d_mv:+e} mV: {got} vs {want}"
                    );
                    // dα/dV = amp · L'(x) / 10 mV, L'(x) = 1/2 + x/6 − x³/180.
                    let dwant = amp * (0.5 + x / 6.0 - x * x * x / 180.0) / 0.010;
                    let dgot = df(v);
                    assert!(
                        (dgot - dwant).abs() <= 1e-13 * dwant,
                        "slope at {v0_mv}{d_mv:+e} mV: {dgot} vs {dwant}"
                    );
                }
            }
        }
    }

    #[test]
    fn rate_derivatives_match_finite_differences() {
        let rates = [ALPHA_M, BETA_M, ALPHA_H, BETA_H, ALPHA_N, BETA_N];
        // The public rate functions are these data.
        for v in [-0.1, -0.055, -0.04, 0.02] {
            assert_eq!(alpha_m(v), rates[0].eval(v));
            assert_eq!(d_beta_n(v), rates[5].eval_with_slope(v).1);
        }
        crate::element::channel::test_util::check_rate_slopes(&rates);
    }

    /// Total ionic current density \[A/m²\] of the default HH membrane at `v` \[V\] with every
    /// gate at its steady state, and the largest single branch current.
    fn membrane_current(v: f64) -> (f64, f64) {
        let els = [build("hh-na", &[]), build("hh-k", &[]), build("leak", &[])];
        let (mut total, mut largest) = (0.0, 0.0_f64);
        for el in els {
            let el = el.expect("defaults build");
            let w = v - el.battery(0);
            let mut x = vec![0.0; el.n_states()];
            el.initial_state(&[w], &mut x);
            let mut g = [0.0];
            el.conductance(&x, &[w], &mut g);
            total += g[0] * w;
            largest = largest.max((g[0] * w).abs());
        }
        (total, largest)
    }

    #[test]
    fn rest_of_the_hh_membrane() {
        let v = -64.996_379_30e-3;
        let m = M_GATE.steady_state(v);
        let h = H_GATE.steady_state(v);
        let n = N_GATE.steady_state(v);
        assert!((m - 0.052_955_09).abs() <= 1e-8, "m = {m}");
        assert!((h - 0.595_994_13).abs() <= 1e-8, "h = {h}");
        assert!((n - 0.317_732_40).abs() <= 1e-8, "n = {n}");
        let (i, largest) = membrane_current(v);
        assert!(
            largest > 0.01,
            "branch currents are µA/cm²-sized: {largest}"
        );
        assert!(
            i.abs() <= 1e-8 * largest,
            "I = {i} A/m², largest branch {largest}"
        );
        // The zero of the steady-state I–V curve, found by bisection, against the root of the
        // same equations in 30-digit arithmetic (mpmath findroot): −64.99637933119206 mV
        // (`docs/numerics.md#hh-rest`; the earlier −64.99637930 mV is 3.1e-8 mV off that root).
        let (mut lo, mut hi) = (-0.070, -0.060);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if membrane_current(mid).0 < 0.0 {
                lo = mid
            } else {
                hi = mid
            }
        }
        let rest = 0.5 * (lo + hi);
        assert!(
            (rest + 64.996_379_331_192_06e-3).abs() <= 1e-14,
            "rest at {rest} V"
        );
    }

    #[test]
    fn closed_form_jacobians_match_finite_differences() {
        for name in ["hh-na", "hh-k", "leak"] {
            let el = build(name, &[]).expect("defaults build");
            for v_mv in [-90.0, -65.0, -55.0, -40.0, -39.9, 0.0, 30.0] {
                let w = v_mv * 1e-3 - el.battery(0);
                for x in [[0.1, 0.6], [0.5, 0.3], [0.9, 0.05]] {
                    check_jacobian(el.as_ref(), &x[..el.n_states()], &[w]);
                }
            }
        }
    }

    #[test]
    fn linear_form_and_initial_state_agree_with_rhs() {
        for name in ["hh-na", "hh-k"] {
            let el = build(name, &[]).expect("defaults build");
            assert_eq!(el.state_form(), StateForm::Linear);
            let w = -0.030 - el.battery(0);
            let x = [0.3, 0.7];
            let (mut a, mut b, mut f, mut x0) = ([0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]);
            let ns = el.n_states();
            assert!(el.linear_coefficients(&[w], &mut a[..ns], &mut b[..ns]));
            el.state_rhs(&x[..ns], &[w], &mut f[..ns]);
            el.initial_state(&[w], &mut x0[..ns]);
            for j in 0..ns {
                assert!((f[j] - (a[j] - b[j] * x[j])).abs() <= 1e-12 * b[j]);
                assert!(b[j] > 0.0 && (0.0..=1.0).contains(&x0[j]));
                assert!((x0[j] - a[j] / b[j]).abs() <= 1e-15);
            }
        }
    }

    #[test]
    fn battery_and_conductance() {
        let na = build("hh-na", &[]).expect("defaults build");
        assert_eq!(na.battery(0), 0.050);
        let mut g = [0.0];
        na.conductance(&[0.5, 0.8], &[0.0], &mut g);
        assert!((g[0] - 1200.0 * 0.125 * 0.8).abs() < 1e-12);
        let k = build("hh-k", &[("gbar", 100.0)]).expect("valid override");
        assert_eq!(k.battery(0), -0.077);
        k.conductance(&[0.5], &[0.0], &mut g);
        assert!((g[0] - 100.0 * 0.0625).abs() < 1e-12);
        let l = build("leak", &[]).expect("defaults build");
        l.conductance(&[], &[0.1], &mut g);
        assert_eq!((g[0], l.battery(0), l.n_states()), (3.0, -0.054387, 0));
    }

    #[test]
    fn invalid_parameters_name_the_parameter() {
        for name in ["hh-na", "hh-k", "leak"] {
            let e = build(name, &[("gbar", -1.0)]).expect_err("negative gbar");
            assert!(
                matches!(&e, ModelError::ParamOutOfRange { param, .. } if param == "gbar"),
                "{e}"
            );
            assert!(e.to_string().contains("gbar"));
            let e = build(name, &[("e_rev", f64::NAN)]).expect_err("NaN");
            assert!(
                matches!(&e, ModelError::NonFinite { param, .. } if param == "e_rev"),
                "{e}"
            );
            let e = build(name, &[("e_rev", 50.0)]).expect_err("mV instead of V");
            assert!(e.to_string().contains("e_rev"), "{e}");
        }
        let wrong = ParamSet::defaults("hh-k", HhPotassium::KIND.params);
        let e = HhSodium::new(&wrong).expect_err("foreign parameter set");
        assert!(matches!(e, ModelError::Inconsistent { .. }), "{e}");
    }
}
