//! The VTEAM threshold memristor model.

use super::{device, resistance_range, state};
use crate::element::{Element, KindInfo, StateInfo};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// VTEAM — voltage threshold adaptive memristor (S. Kvatinsky, M. Ramadan, E. G. Friedman,
/// A. Kolodny, "VTEAM: a general model for voltage-controlled memristors", IEEE Trans. Circuits
/// Syst. II 62(8), 786–790, 2015), with a normalised state and the linear resistance of the
/// paper's eq. (3).
///
/// ```text
///   R(x) = R_on + (R_off − R_on) x,     g = 1/R(x),     i = g v
///   ẋ = k_off (v/v_off − 1)^α_off f_off(x)    for v > v_off > 0   (switching off, x ↑)
///   ẋ = 0                                     for v_on ≤ v ≤ v_off  (dead zone)
///   ẋ = k_on  (v/v_on  − 1)^α_on  f_on(x)     for v < v_on < 0    (switching on, x ↓)
/// ```
///
/// **State and units.** The paper's state is the gap `w ∈ [w_on, w_off]` \[m\] with `k` in m/s;
/// here `x = (w − w_on)/(w_off − w_on) ∈ [0, 1]`, so `k` \[1/s\] = `k_paper / (w_off − w_on)`.
/// The defaults (`docs/numerics.md#device-parameter-sets`) are taken directly in 1/s.
///
/// **Windows.** Clamp windows: `f_off(x) = 1` for `x < 1` and `0` at `x ≥ 1`, `f_on(x) = 1` for
/// `x > 0` and `0` at `x ≤ 0`, and [`Element::project_state`] clamps `x` into `[0, 1]`. (The
/// Joglekar-type windows `1 − (2x − 1)^{2p}` vanish at both edges and would freeze a device
/// started fully on or off; the clamp avoids that "terminal state problem".)
///
/// | param       | unit | default | range        | meaning                                   |
/// |-------------|------|---------|--------------|-------------------------------------------|
/// | `r_on`      | Ohm  | 50      | (0, inf)     | resistance at `x = 0` (fully on)          |
/// | `r_off`     | Ohm  | 1e3     | (0, inf)     | resistance at `x = 1` (fully off), `> r_on` |
/// | `k_off`     | 1/s  | 5e-4    | [0, inf)     | off-switching rate                        |
/// | `k_on`      | 1/s  | -10     | (-inf, 0]    | on-switching rate (negative)              |
/// | `alpha_off` | 1    | 1       | (0, inf)     | off-switching exponent                    |
/// | `alpha_on`  | 1    | 3       | (0, inf)     | on-switching exponent                     |
/// | `v_off`     | V    | 0.02    | (0, inf)     | off threshold                             |
/// | `v_on`      | V    | -0.2    | (-inf, 0)    | on threshold                              |
/// | `x0`        | 1    | 0       | [0, 1]       | initial state                             |
///
/// **Default picture.** `x0 = 0` (fully on, 50 Ω). Under `v = sin(2πt)` V the positive
/// half-cycle slowly switches off (`x` reaches about 0.0077, `R` ≈ 57 Ω, the current at 0.5 V
/// about 11 % lower on the falling than on the rising branch); the negative half-cycle
/// (`|k_on|` is 2·10⁴ times `k_off`) resets `x` to 0 within milliseconds of crossing `v_on`.
/// The loop is therefore a lobe in the first quadrant, pinched at the origin, and the same every
/// period. Starting in the middle (`x0 = 0.5`) gives a much thinner first lobe (about 1 %).
#[derive(Debug, Clone, PartialEq)]
pub struct Vteam {
    /// The parameter set the device was built from (reported by `param_values`).
    params: ParamSet,
    r_on: f64,
    r_off: f64,
    k_off: f64,
    k_on: f64,
    alpha_off: f64,
    alpha_on: f64,
    v_off: f64,
    v_on: f64,
    x0: f64,
}

const INF: f64 = f64::INFINITY;

const PARAMS: &[ParamInfo] = &[
    ParamInfo::positive(
        "r_on",
        "Ohm",
        50.0,
        INF,
        "resistance of the fully on device (x = 0)",
    ),
    ParamInfo::positive(
        "r_off",
        "Ohm",
        1e3,
        INF,
        "resistance of the fully off device (x = 1)",
    ),
    ParamInfo::new(
        "k_off",
        "1/s",
        5e-4,
        0.0,
        INF,
        "off-switching rate of the normalised state",
    ),
    ParamInfo::new(
        "k_on",
        "1/s",
        -10.0,
        f64::NEG_INFINITY,
        0.0,
        "on-switching rate (negative)",
    ),
    ParamInfo::positive("alpha_off", "1", 1.0, INF, "off-switching exponent"),
    ParamInfo::positive("alpha_on", "1", 3.0, INF, "on-switching exponent"),
    ParamInfo::positive("v_off", "V", 0.02, INF, "off threshold voltage"),
    ParamInfo::new(
        "v_on",
        "V",
        -0.2,
        f64::NEG_INFINITY,
        0.0,
        "on threshold voltage (< 0)",
    ),
    ParamInfo::new(
        "x0",
        "1",
        0.0,
        0.0,
        1.0,
        "initial normalised state (0 = fully on)",
    ),
];

const STATES: &[StateInfo] = &[state(
    "x",
    "1",
    "normalised gap (w - w_on)/(w_off - w_on) in [0, 1]; 0 = on (low resistance)",
)];

impl Vteam {
    /// Catalogue description of `"vteam"`.
    pub const KIND: KindInfo = device(
        "vteam",
        "VTEAM voltage-threshold memristor, linear R(x), clamped state",
        "S. Kvatinsky, M. Ramadan, E. G. Friedman, A. Kolodny, VTEAM: a general model for voltage-controlled memristors, IEEE Trans. Circuits Syst. II 62(8), 786-790, 2015",
        STATES,
        PARAMS,
    );

    /// Builds a VTEAM device; checks `r_on < r_off` and `v_on < 0`.
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        let g = |k| params.get(k);
        let (r_on, r_off) = resistance_range(params)?;
        let v_on = g("v_on");
        if v_on >= 0.0 {
            return Err(params.inconsistent(format!("v_on = {v_on} V must be negative")));
        }
        Ok(Self {
            params: params.clone(),
            r_on,
            r_off,
            k_off: g("k_off"),
            k_on: g("k_on"),
            alpha_off: g("alpha_off"),
            alpha_on: g("alpha_on"),
            v_off: g("v_off"),
            v_on,
            x0: g("x0"),
        })
    }

    /// The resistance `R(x)` \[Ohm\].
    #[inline]
    pub fn resistance(&self, x: f64) -> f64 {
        self.r_on + (self.r_off - self.r_on) * x
    }
}

impl Element for Vteam {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    unit_state_device!();

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        let (x, v) = (x[0], v[0]);
        dx[0] = if v > self.v_off && x < 1.0 {
            self.k_off * (v / self.v_off - 1.0).powf(self.alpha_off)
        } else if v < self.v_on && x > 0.0 {
            self.k_on * (v / self.v_on - 1.0).powf(self.alpha_on)
        } else {
            0.0
        };
    }

    fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
        g[0] = 1.0 / self.resistance(x[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_jacobian_matches_fd, assert_rejected, branch_currents, state_range,
    };
    use super::*;
    use crate::element::with_overrides;

    fn make(ov: &[(&str, f64)]) -> Result<Vteam, ModelError> {
        with_overrides(&Vteam::KIND, ov, Vteam::new)
    }

    #[test]
    fn dead_zone_has_no_motion_and_thresholds_switch() {
        let m = make(&[]).expect("defaults");
        let mut dx = [1.0];
        for v in [-0.2, -0.1, 0.0, 0.01, 0.02] {
            m.state_rhs(&[0.4], &[v], &mut dx);
            assert_eq!(dx[0], 0.0, "v = {v}");
        }
        m.state_rhs(&[0.4], &[1.0], &mut dx);
        assert!((dx[0] - 5e-4 * 49.0).abs() < 1e-15);
        m.state_rhs(&[0.4], &[-1.0], &mut dx);
        assert!((dx[0] + 10.0 * 64.0).abs() < 1e-9);
        // Clamp windows: no motion out of [0, 1].
        m.state_rhs(&[1.0], &[1.0], &mut dx);
        assert_eq!(dx[0], 0.0);
        m.state_rhs(&[0.0], &[-1.0], &mut dx);
        assert_eq!(dx[0], 0.0);
    }

    #[test]
    fn default_jacobian_is_consistent_inside_the_switching_regions() {
        // VTEAM keeps the finite-difference default; check it against the analytic slope.
        let m = make(&[]).expect("defaults");
        let mut jac = crate::element::ElementJacobian::for_element(&m);
        m.jacobian(&[0.3], &[0.5], &mut jac);
        assert!((jac.df_dv[0] - 5e-4 / 0.02).abs() < 1e-9 * 5e-4 / 0.02);
        assert!((jac.dg_dx[0] + 950.0 / (50.0 + 950.0 * 0.3f64).powi(2)).abs() < 1e-9);
        assert_jacobian_matches_fd(&m, &[0.3], &[-0.6]);
    }

    #[test]
    fn conductance_is_positive_and_state_stays_in_unit_interval() {
        let m = make(&[("x0", 0.5), ("k_off", 5.0)]).expect("valid");
        let mut x = [0.5];
        let (lo, hi) = state_range(&m, &mut x, (5.0, 1.0), 2.0, 1e-4);
        assert!(
            lo >= 0.0 && hi <= 1.0 && hi > 0.99 && lo < 1e-3,
            "[{lo}, {hi}]"
        );
        for k in 0..=10 {
            let mut g = [0.0];
            m.conductance(&[f64::from(k) / 10.0], &[0.0], &mut g);
            assert!(g[0] >= 1e-3 - 1e-15 && g[0] <= 1.0 / 50.0 + 1e-15);
        }
    }

    #[test]
    fn default_loop_is_visible() {
        let m = make(&[]).expect("defaults");
        let (rise, fall) = branch_currents(&m, 1.0, 1.0, 0.5);
        let rel = (fall - rise).abs() / rise.abs().max(fall.abs());
        assert!(rel > 0.05, "rising {rise} A vs falling {fall} A ({rel})");
    }

    #[test]
    fn invalid_parameters_name_the_culprit() {
        assert_rejected(make(&[("r_off", 40.0)]), "r_on");
        assert_rejected(make(&[("v_on", 0.0)]), "v_on");
        assert_rejected(make(&[("k_on", 1.0)]), "k_on");
        assert_rejected(make(&[("v_off", f64::NAN)]), "v_off");
    }
}
