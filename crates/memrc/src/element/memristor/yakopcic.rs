//! The Yakopcic generalised memristor model.

use super::{device, state};
use crate::element::{Element, KindInfo, StateInfo};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Yakopcic generalised memristive device model (C. Yakopcic, T. M. Taha, G. Subramanyam,
/// R. E. Pino, S. Rogers, "A memristor device model", IEEE Electron Device Lett. 32(10),
/// 1436–1438, 2011), with `η = 1` (positive voltage grows `x`).
///
/// ```text
///   i = a1 x sinh(b v)   (v ≥ 0),      i = a2 x sinh(b v)   (v < 0)
///   g(x, v) = a x sinh(b v)/v          (→ a x b at v = 0, evaluated by its series)
///   ẋ = G(v) f(x)
///   G(v) =  Ap (e^v − e^Vp)            for v >  Vp
///        = −An (e^−v − e^Vn)           for v < −Vn
///        =  0                          otherwise
///   f(x) = e^{−αp (x − xp)} wp(x)      if G > 0 and x ≥ xp,     wp = (xp − x)/(1 − xp) + 1
///        = e^{ αn (x + xn − 1)} wn(x)  if G < 0 and x ≤ 1 − xn, wn = x/(1 − xn)
///        = 1                           otherwise
/// ```
///
/// `wp` vanishes at `x = 1` and `wn` at `x = 0`, so the exact flow keeps `x ∈ (0, 1]`;
/// [`Element::project_state`] clamps numerical overshoot into `[0, 1]`. Note that `g → 0` as
/// `x → 0`: after a long negative drive the device is nearly insulating.
///
/// | param    | unit | default | range      | meaning                                     |
/// |----------|------|---------|------------|---------------------------------------------|
/// | `a1`     | A    | 0.17    | (0, inf)   | current scale for `v ≥ 0`                   |
/// | `a2`     | A    | 0.17    | (0, inf)   | current scale for `v < 0`                   |
/// | `b`      | 1/V  | 0.05    | (0, inf)   | sinh steepness                              |
/// | `vp`     | V    | 0.16    | (0, inf)   | positive threshold                          |
/// | `vn`     | V    | 0.15    | (0, inf)   | negative threshold (magnitude)              |
/// | `ap`     | 1/s  | 4000    | (0, inf)   | positive switching rate                     |
/// | `an`     | 1/s  | 4000    | (0, inf)   | negative switching rate                     |
/// | `xp`     | 1    | 0.3     | [0, 1)     | onset of the positive window                |
/// | `xn`     | 1    | 0.5     | [0, 1)     | `1 − xn` is the onset of the negative window |
/// | `alphap` | 1    | 1       | [0, inf)   | decay of the positive window                |
/// | `alphan` | 1    | 5       | [0, inf)   | decay of the negative window                |
/// | `x0`     | 1    | 0.11    | (0, 1]     | initial state                               |
///
/// **Default picture.** These are the paper's parameters for the Oblea et al. device
/// (`x0 = 0.11` as in the authors' SPICE model). The switching rates are fast for a 1 Hz
/// drive: under `v = sin(2πt)` V the state jumps to `x ≈ 1` within a few milliseconds of
/// crossing `Vp = 0.16` V and decays towards 0 after crossing `−Vn` (down to `x ≈ 1e-118`, i.e.
/// a practically insulating device). The loop is then a switching loop: below the thresholds
/// the rising branch carries `x ≈ x0` (first period) or `x ≈ 0` (later periods) while the
/// falling branch carries `x ≈ 1`, e.g. 0.09 mA vs 0.85 mA at 0.1 V in the first period; above
/// about 0.3 V both branches have `x ≈ 1` and coincide (at 0.5 V they are equal). A gradual
/// loop with the default parameters needs a faster drive: at 0.5 V, 100 Hz (the drive of the
/// authors' examples) the state cycles in about `[0.075, 0.98]` and the currents at 0.25 V are
/// 0.38 mA (rising) vs 2.1 mA (falling). Slower switching (`ap = an = 10`) gives a gradual
/// loop at 1 V, 1 Hz.
///
/// The Jacobian is the finite-difference default of [`Element::jacobian`].
#[derive(Debug, Clone, PartialEq)]
pub struct Yakopcic {
    /// The parameter set the device was built from (reported by `param_values`).
    params: ParamSet,
    a1: f64,
    a2: f64,
    b: f64,
    vp: f64,
    vn: f64,
    ap: f64,
    an: f64,
    xp: f64,
    xn: f64,
    alphap: f64,
    alphan: f64,
    x0: f64,
}

const INF: f64 = f64::INFINITY;

/// A dimensionless parameter with range `[0, max]`.
const fn dimensionless(name: &'static str, default: f64, max: f64, doc: &'static str) -> ParamInfo {
    ParamInfo::new(name, "1", default, 0.0, max, doc)
}

const PARAMS: &[ParamInfo] = &[
    ParamInfo::positive("a1", "A", 0.17, INF, "current scale for v >= 0"),
    ParamInfo::positive("a2", "A", 0.17, INF, "current scale for v < 0"),
    ParamInfo::positive("b", "1/V", 0.05, INF, "steepness of the sinh I-V relation"),
    ParamInfo::positive("vp", "V", 0.16, INF, "positive switching threshold"),
    ParamInfo::positive(
        "vn",
        "V",
        0.15,
        INF,
        "negative switching threshold (magnitude)",
    ),
    ParamInfo::positive("ap", "1/s", 4000.0, INF, "positive switching rate"),
    ParamInfo::positive("an", "1/s", 4000.0, INF, "negative switching rate"),
    dimensionless(
        "xp",
        0.3,
        1.0,
        "state where positive motion starts to slow (< 1)",
    ),
    dimensionless(
        "xn",
        0.5,
        1.0,
        "1 - xn is where negative motion starts to slow (< 1)",
    ),
    dimensionless("alphap", 1.0, INF, "decay rate of the positive window"),
    dimensionless("alphan", 5.0, INF, "decay rate of the negative window"),
    ParamInfo::positive("x0", "1", 0.11, 1.0, "initial state"),
];

const STATES: &[StateInfo] = &[state(
    "x",
    "1",
    "normalised state in (0, 1]; current is proportional to x",
)];

impl Yakopcic {
    /// Catalogue description of `"yakopcic"`.
    pub const KIND: KindInfo = device(
        "yakopcic",
        "Yakopcic generalised model: sinh I-V, exponential thresholds, state windows",
        "C. Yakopcic, T. M. Taha, G. Subramanyam, R. E. Pino, S. Rogers, A memristor device model, IEEE Electron Device Lett. 32(10), 1436-1438, 2011",
        STATES,
        PARAMS,
    );

    /// Builds a Yakopcic device; checks `xp < 1` and `xn < 1`.
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        let g = |k| params.get(k);
        for key in ["xp", "xn"] {
            if g(key) >= 1.0 {
                return Err(params.inconsistent(format!(
                    "{key} = {} must be smaller than 1 (the window divides by 1 - {key})",
                    g(key)
                )));
            }
        }
        Ok(Self {
            params: params.clone(),
            a1: g("a1"),
            a2: g("a2"),
            b: g("b"),
            vp: g("vp"),
            vn: g("vn"),
            ap: g("ap"),
            an: g("an"),
            xp: g("xp"),
            xn: g("xn"),
            alphap: g("alphap"),
            alphan: g("alphan"),
            x0: g("x0"),
        })
    }

    /// The threshold function `G(v)` \[1/s\].
    #[inline]
    pub fn threshold(&self, v: f64) -> f64 {
        if v > self.vp {
            self.ap * (v.exp() - self.vp.exp())
        } else if v < -self.vn {
            -self.an * ((-v).exp() - self.vn.exp())
        } else {
            0.0
        }
    }

    /// The window `f(x)` for motion in the direction of `sign(G)`.
    #[inline]
    pub fn window(&self, x: f64, growing: bool) -> f64 {
        if growing && x >= self.xp {
            (-self.alphap * (x - self.xp)).exp() * ((self.xp - x) / (1.0 - self.xp) + 1.0)
        } else if !growing && x <= 1.0 - self.xn {
            (self.alphan * (x + self.xn - 1.0)).exp() * (x / (1.0 - self.xn))
        } else {
            1.0
        }
    }
}

/// `sinh(z)/z`, exact to rounding near `z = 0`.
#[inline]
fn sinhc(z: f64) -> f64 {
    if z.abs() < 1e-3 {
        let z2 = z * z;
        1.0 + z2 / 6.0 * (1.0 + z2 / 20.0)
    } else {
        z.sinh() / z
    }
}

impl Element for Yakopcic {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    unit_state_device!();

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        let gv = self.threshold(v[0]);
        dx[0] = if gv == 0.0 {
            0.0
        } else {
            gv * self.window(x[0], gv > 0.0)
        };
    }

    fn conductance(&self, x: &[f64], v: &[f64], g: &mut [f64]) {
        let a = if v[0] >= 0.0 { self.a1 } else { self.a2 };
        g[0] = a * x[0] * self.b * sinhc(self.b * v[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_rejected, branch_currents, current, state_range};
    use super::*;
    use crate::element::with_overrides;

    fn make(ov: &[(&str, f64)]) -> Result<Yakopcic, ModelError> {
        with_overrides(&Yakopcic::KIND, ov, Yakopcic::new)
    }

    #[test]
    fn conductance_is_exact_and_finite_at_zero_voltage() {
        let m = make(&[]).expect("defaults");
        let mut g = [0.0];
        for x in [0.01, 0.11, 1.0] {
            let exact = 0.17 * x * 0.05;
            m.conductance(&[x], &[1e-12], &mut g);
            assert!((g[0] - exact).abs() <= 1e-15 * exact, "{} vs {exact}", g[0]);
            m.conductance(&[x], &[0.0], &mut g);
            assert_eq!(g[0], exact);
            assert_eq!(current(&m, &[x], 0.0), 0.0);
            // Series and direct branches agree where they meet.
            for v in [0.0199, 0.0201, -0.0201, 0.7, -1.3] {
                m.conductance(&[x], &[v], &mut g);
                let direct = 0.17 * x * (0.05 * v).sinh() / v;
                assert!(
                    (g[0] - direct).abs() <= 1e-14 * direct,
                    "v = {v}: {} vs {direct}",
                    g[0]
                );
                assert!(g[0] > 0.0);
            }
        }
    }

    #[test]
    fn thresholds_and_windows_follow_the_paper() {
        let m = make(&[]).expect("defaults");
        let mut dx = [1.0];
        for v in [-0.15, -0.1, 0.0, 0.1, 0.16] {
            m.state_rhs(&[0.5], &[v], &mut dx);
            assert_eq!(dx[0], 0.0, "v = {v}");
        }
        m.state_rhs(&[0.2], &[1.0], &mut dx);
        assert!((dx[0] - 4000.0 * (1f64.exp() - 0.16f64.exp())).abs() < 1e-9);
        m.state_rhs(&[0.7], &[-1.0], &mut dx);
        assert!((dx[0] + 4000.0 * (1f64.exp() - 0.15f64.exp())).abs() < 1e-9);
        // Windows are continuous at their onsets and vanish at the edges.
        assert!((m.window(0.3, true) - 1.0).abs() < 1e-15);
        assert!((m.window(0.5, false) - 1.0).abs() < 1e-15);
        assert!(m.window(1.0, true).abs() < 1e-15);
        assert_eq!(m.window(0.0, false), 0.0);
    }

    #[test]
    fn finite_difference_jacobian_is_usable() {
        let m = make(&[]).expect("defaults");
        let mut jac = crate::element::ElementJacobian::for_element(&m);
        m.jacobian(&[0.6], &[0.0], &mut jac);
        assert!(
            jac.dg_dv[0].abs() < 1e-9,
            "g is even in v near 0 when a1 = a2"
        );
        assert!((jac.dg_dx[0] - 0.17 * 0.05).abs() < 1e-9);
    }

    #[test]
    fn state_stays_in_unit_interval_and_default_loop_is_a_switching_loop() {
        let m = make(&[]).expect("defaults");
        let mut x = [0.11];
        let (lo, hi) = state_range(&m, &mut x, (1.0, 1.0), 3.0, 1e-4);
        assert!(lo >= 0.0 && hi <= 1.0 && hi > 0.99, "[{lo}, {hi}]");
        // Below the threshold the branches differ by the full switching range.
        let (rise, fall) = branch_currents(&m, 1.0, 1.0, 0.1);
        assert!(
            fall > 5.0 * rise && rise > 0.0,
            "rising {rise} A vs falling {fall} A at 0.1 V"
        );
    }

    #[test]
    fn default_parameters_give_a_gradual_loop_at_100_hz() {
        let m = make(&[]).expect("defaults");
        let (rise, fall) = branch_currents(&m, 0.5, 100.0, 0.5);
        assert!(
            fall > 2.0 * rise && rise > 0.0,
            "rising {rise} A vs falling {fall} A at 0.25 V"
        );
        let mut x = [0.11];
        let (lo, hi) = state_range(&m, &mut x, (0.5, 100.0), 0.03, 1e-6);
        assert!(lo > 0.05 && hi < 0.99 && hi > 0.9, "[{lo}, {hi}]");
    }

    #[test]
    fn slower_switching_gives_a_loop_at_half_amplitude() {
        let m = make(&[("ap", 10.0), ("an", 10.0)]).expect("valid");
        let (rise, fall) = branch_currents(&m, 1.0, 1.0, 0.5);
        let rel = (fall - rise).abs() / rise.abs().max(fall.abs());
        assert!(rel > 0.01, "rising {rise} A vs falling {fall} A ({rel})");
    }

    #[test]
    fn invalid_parameters_name_the_culprit() {
        assert_rejected(make(&[("xp", 1.0)]), "xp");
        assert_rejected(make(&[("b", -0.1)]), "'b'");
        assert_rejected(make(&[("x0", 0.0)]), "x0");
        assert_rejected(make(&[("ap", f64::NAN)]), "ap");
    }
}
