//! Traub & Miles (1991) sodium and potassium channels, with the rates used by Brian2's COBAHH
//! benchmark example and NEST's `hh_cond_exp_traub`: `traub-na` and `traub-k`.
//!
//! Rates with `V` the membrane voltage and `V_T` the threshold shift, both in mV, rates in
//! 1/ms (R. D. Traub and R. Miles, *Neuronal Networks of the Hippocampus*, Cambridge
//! University Press, 1991; as written in Brian2's `COBAHH` example, `V_T = −63 mV`):
//!
//! ```text
//!   α_m = 0.32 (13 − V + V_T) / (e^{(13 − V + V_T)/4} − 1)
//!   β_m = 0.28 (V − V_T − 40) / (e^{(V − V_T − 40)/5} − 1)
//!   α_h = 0.128 e^{(17 − V + V_T)/18}
//!   β_h = 4 / (1 + e^{(40 − V + V_T)/5})
//!   α_n = 0.032 (15 − V + V_T) / (e^{(15 − V + V_T)/5} − 1)
//!   β_n = 0.5 e^{(10 − V + V_T)/40}
//! ```
//!
//! `α_m`, `β_m` and `α_n` have removable singularities (at `V_T + 13`, `V_T + 40` and
//! `V_T + 15` mV); they are evaluated as linoids `A u/(1 − e^{−u})` (Brian2 writes them with
//! `exprel`), exact to rounding and smooth there. The functions below take `V` and `V_T` in
//! volts and return 1/s; derivatives `d/dV` are in 1/(s·V).

use super::{e_rev, gbar};
use crate::element::gate::{GateKinetics, VoltageFn};
use crate::element::{KindInfo, StateInfo};
use crate::params::ParamInfo;

const SOURCE: &str = "R. D. Traub and R. Miles, Neuronal Networks of the Hippocampus (1991); rates as in Brian2's COBAHH example and NEST hh_cond_exp_traub";

/// `α_m` with threshold shift `v_t` \[V\] as a [`VoltageFn`] of the membrane voltage.
pub const fn alpha_m_fn(v_t: f64) -> VoltageFn {
    VoltageFn::Linoid {
        amplitude: 1.28e3,
        v_half: v_t + 0.013,
        scale: 0.004,
    }
}
/// `β_m` with threshold shift `v_t` \[V\].
pub const fn beta_m_fn(v_t: f64) -> VoltageFn {
    VoltageFn::Linoid {
        amplitude: 1.4e3,
        v_half: v_t + 0.040,
        scale: -0.005,
    }
}
/// `α_h` with threshold shift `v_t` \[V\].
pub const fn alpha_h_fn(v_t: f64) -> VoltageFn {
    VoltageFn::Exp {
        amplitude: 128.0,
        v_half: v_t + 0.017,
        scale: -0.018,
    }
}
/// `β_h` with threshold shift `v_t` \[V\].
pub const fn beta_h_fn(v_t: f64) -> VoltageFn {
    VoltageFn::Sigmoid {
        amplitude: 4.0e3,
        v_half: v_t + 0.040,
        scale: 0.005,
    }
}
/// `α_n` with threshold shift `v_t` \[V\].
pub const fn alpha_n_fn(v_t: f64) -> VoltageFn {
    VoltageFn::Linoid {
        amplitude: 160.0,
        v_half: v_t + 0.015,
        scale: 0.005,
    }
}
/// `β_n` with threshold shift `v_t` \[V\].
pub const fn beta_n_fn(v_t: f64) -> VoltageFn {
    VoltageFn::Exp {
        amplitude: 500.0,
        v_half: v_t + 0.010,
        scale: -0.040,
    }
}

/// Sodium gates `[m, h]` for threshold shift `v_t` \[V\].
pub const fn sodium_gates(v_t: f64) -> [GateKinetics; 2] {
    [
        GateKinetics::AlphaBeta {
            alpha: alpha_m_fn(v_t),
            beta: beta_m_fn(v_t),
        },
        GateKinetics::AlphaBeta {
            alpha: alpha_h_fn(v_t),
            beta: beta_h_fn(v_t),
        },
    ]
}

/// Potassium gate `n` for threshold shift `v_t` \[V\].
pub const fn potassium_gate(v_t: f64) -> GateKinetics {
    GateKinetics::AlphaBeta {
        alpha: alpha_n_fn(v_t),
        beta: beta_n_fn(v_t),
    }
}

macro_rules! rate_fns {
    ($($name:ident, $dname:ident, $c:ident, $doc:literal;)*) => {$(
        #[doc = concat!("`", $doc, "` \\[1/s\\] at membrane voltage `v` \\[V\\], threshold shift `v_t` \\[V\\].")]
        #[inline]
        pub fn $name(v: f64, v_t: f64) -> f64 {
            $c(v_t).eval(v)
        }

        #[doc = concat!("Derivative of `", $doc, "` with respect to `v` \\[1/(s·V)\\].")]
        #[inline]
        pub fn $dname(v: f64, v_t: f64) -> f64 {
            $c(v_t).eval_with_slope(v).1
        }
    )*};
}

rate_fns! {
    alpha_m, d_alpha_m, alpha_m_fn, "α_m";
    beta_m, d_beta_m, beta_m_fn, "β_m";
    alpha_h, d_alpha_h, alpha_h_fn, "α_h";
    beta_h, d_beta_h, beta_h_fn, "β_h";
    alpha_n, d_alpha_n, alpha_n_fn, "α_n";
    beta_n, d_beta_n, beta_n_fn, "β_n";
}

const V_T: ParamInfo = ParamInfo::new(
    "v_t",
    "V",
    -0.063,
    -1.0,
    1.0,
    "threshold shift V_T of the rate functions",
);

gated_channel! {
    /// Traub–Miles sodium channel `traub-na`.
    ///
    /// ```text
    ///   ṁ = α_m(v_m)(1 − m) − β_m(v_m) m,   ḣ = α_h(v_m)(1 − h) − β_h(v_m) h
    ///   i = ḡ m³ h (v_m − E),               v_m = w + E
    /// ```
    ///
    /// | parameter | unit | default | range | meaning |
    /// |---|---|---|---|---|
    /// | `gbar` | S/m² | 1000 (100 mS/cm²) | [0, ∞) | maximal conductance density |
    /// | `e_rev` | V | 0.050 | \[−1, 1\] | reversal potential `E_Na` |
    /// | `v_t` | V | −0.063 | \[−1, 1\] | threshold shift `V_T` |
    pub struct TraubSodium(GatedConductance<2>) {
        kind: KindInfo {
            name: "traub-na",
            summary: "Traub-Miles sodium channel (Brian2 COBAHH), g = gbar m^3 h",
            source: SOURCE,
            ports: 1,
            states: &[
                StateInfo {
                    name: "m",
                    unit: "1",
                    doc: "sodium activation",
                },
                StateInfo {
                    name: "h",
                    unit: "1",
                    doc: "sodium inactivation",
                },
            ],
            params: &[gbar(1000.0), e_rev(0.050), V_T],
            conductance_unit: "S/m^2",
            current_unit: "A/m^2",
        },
        gates: |p| sodium_gates(p.get("v_t")),
        powers: [3, 1],
    }
}

gated_channel! {
    /// Traub–Miles delayed-rectifier potassium channel `traub-k`.
    ///
    /// ```text
    ///   ṅ = α_n(v_m)(1 − n) − β_n(v_m) n
    ///   i = ḡ n⁴ (v_m − E),                 v_m = w + E
    /// ```
    ///
    /// | parameter | unit | default | range | meaning |
    /// |---|---|---|---|---|
    /// | `gbar` | S/m² | 300 (30 mS/cm²) | [0, ∞) | maximal conductance density |
    /// | `e_rev` | V | −0.090 | \[−1, 1\] | reversal potential `E_K` |
    /// | `v_t` | V | −0.063 | \[−1, 1\] | threshold shift `V_T` |
    pub struct TraubPotassium(GatedConductance<1>) {
        kind: KindInfo {
            name: "traub-k",
            summary: "Traub-Miles potassium channel (Brian2 COBAHH), g = gbar n^4",
            source: SOURCE,
            ports: 1,
            states: &[StateInfo {
                name: "n",
                unit: "1",
                doc: "potassium activation",
            }],
            params: &[gbar(300.0), e_rev(-0.090), V_T],
            conductance_unit: "S/m^2",
            current_unit: "A/m^2",
        },
        gates: |p| [potassium_gate(p.get("v_t"))],
        powers: [4],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::build;
    use crate::element::channel::test_util::check_jacobian;
    use crate::error::ModelError;

    const VT: f64 = -63.0;

    /// The rates exactly as printed in the Traub/COBAHH formulas (mV, ms), evaluated literally.
    fn textbook(v: f64) -> [f64; 6] {
        [
            0.32 * (13.0 - v + VT) / (((13.0 - v + VT) / 4.0).exp() - 1.0),
            0.28 * (v - VT - 40.0) / (((v - VT - 40.0) / 5.0).exp() - 1.0),
            0.128 * ((17.0 - v + VT) / 18.0).exp(),
            4.0 / (1.0 + ((40.0 - v + VT) / 5.0).exp()),
            0.032 * (15.0 - v + VT) / (((15.0 - v + VT) / 5.0).exp() - 1.0),
            0.5 * ((10.0 - v + VT) / 40.0).exp(),
        ]
    }

    fn all(v: f64) -> [f64; 6] {
        let t = VT * 1e-3;
        [
            alpha_m(v, t),
            beta_m(v, t),
            alpha_h(v, t),
            beta_h(v, t),
            alpha_n(v, t),
            beta_n(v, t),
        ]
    }

    #[test]
    fn rates_match_the_textbook_formulas_away_from_singularities() {
        for k in 0..=30 {
            let v_mv = -100.0 + 5.0 * f64::from(k) + 0.37;
            for (g, t) in all(v_mv * 1e-3).iter().zip(textbook(v_mv)) {
                // The literal formula loses ~1e-15·|u|/|e^u − 1| to cancellation; 1e-12 covers it.
                assert!(
                    (g - 1e3 * t).abs() <= 1e-12 * g.abs(),
                    "{v_mv} mV: {g} vs {}",
                    1e3 * t
                );
            }
        }
    }

    #[test]
    fn removable_singularities_are_exact_and_smooth() {
        // (index into `all`, singular voltage [mV], value there [1/ms], u per mV of V).
        // Near the point the rate is A·L(u) with L(u) = 1 + u/2 + u²/12 − u⁴/720.
        let cases = [
            (0, VT + 13.0, 1.28, 0.25),
            (1, VT + 40.0, 1.4, -0.2),
            (4, VT + 15.0, 0.16, 0.2),
        ];
        for (idx, v0, amp, k) in cases {
            let at = all(v0 * 1e-3)[idx];
            assert!(
                at.is_finite() && (at - 1e3 * amp).abs() <= 1e-13 * 1e3 * amp,
                "{at}"
            );
            for mag in [1e-12, 1e-9, 1e-6, 1e-3] {
                for sign in [-1.0, 1.0] {
                    let d = sign * mag;
                    let u: f64 = k * d;
                    let want = 1e3 * amp * (1.0 + u / 2.0 + u * u / 12.0 - u.powi(4) / 720.0);
                    let got = all((v0 + d) * 1e-3)[idx];
                    // v0 = V_T + 13 etc. is not exactly representable in volts: the input is
                    // off by ~1e-17 V, which moves L by ~1e-15 relative at most.
                    assert!(
                        (got - want).abs() <= 1e-13 * want,
                        "{idx} at {v0}{d:+e}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn rate_derivatives_match_finite_differences() {
        let t = VT * 1e-3;
        let rates = [
            alpha_m_fn(t),
            beta_m_fn(t),
            alpha_h_fn(t),
            beta_h_fn(t),
            alpha_n_fn(t),
            beta_n_fn(t),
        ];
        for v in [-0.1, -0.05, 0.02] {
            assert_eq!(alpha_m(v, t), rates[0].eval(v));
            assert_eq!(d_beta_n(v, t), rates[5].eval_with_slope(v).1);
        }
        crate::element::channel::test_util::check_rate_slopes(&rates);
    }

    #[test]
    fn closed_form_jacobians_match_finite_differences() {
        for name in ["traub-na", "traub-k"] {
            let el = build(name, &[]).expect("defaults build");
            for v_mv in [-90.0, -65.0, -50.0, -48.0, -23.0, 0.0, 30.0] {
                let w = v_mv * 1e-3 - el.battery(0);
                for x in [[0.1, 0.6], [0.5, 0.3], [0.9, 0.05]] {
                    check_jacobian(el.as_ref(), &x[..el.n_states()], &[w]);
                }
            }
        }
    }

    #[test]
    fn defaults_follow_cobahh_and_v_t_shifts_the_rates() {
        let na = build("traub-na", &[]).expect("defaults build");
        let k = build("traub-k", &[]).expect("defaults build");
        let pv = na.param_values();
        assert_eq!(
            pv,
            vec![("gbar", 1000.0), ("e_rev", 0.050), ("v_t", -0.063)]
        );
        assert_eq!(
            k.param_values(),
            vec![("gbar", 300.0), ("e_rev", -0.090), ("v_t", -0.063)]
        );
        // Shifting V_T by δ shifts every rate curve by δ.
        let shifted = TraubPotassium::build(&[("v_t", -0.053)]).expect("valid override");
        let (mut a0, mut b0, mut a1, mut b1) = ([0.0], [0.0], [0.0], [0.0]);
        let v = -0.040;
        k.linear_coefficients(&[v - k.battery(0)], &mut a0, &mut b0);
        shifted.linear_coefficients(&[v + 0.010 - k.battery(0)], &mut a1, &mut b1);
        assert!((a0[0] - a1[0]).abs() <= 1e-12 * a0[0] && (b0[0] - b1[0]).abs() <= 1e-12 * b0[0]);
    }

    #[test]
    fn invalid_parameters_name_the_parameter() {
        for name in ["traub-na", "traub-k"] {
            let e = build(name, &[("gbar", -5.0)]).expect_err("negative gbar");
            assert!(
                matches!(&e, ModelError::ParamOutOfRange { param, .. } if param == "gbar"),
                "{e}"
            );
            let e = build(name, &[("v_t", f64::NAN)]).expect_err("NaN");
            assert!(
                matches!(&e, ModelError::NonFinite { param, .. } if param == "v_t"),
                "{e}"
            );
        }
    }
}
