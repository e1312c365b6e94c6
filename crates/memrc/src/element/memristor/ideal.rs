//! The ideal flux-controlled memristor (Chua 1971).

use super::{check_coeffs, coeff_pairs, device, poly_eval, state};
use crate::element::{Element, ElementJacobian, KindInfo, StateForm, StateInfo};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Ideal flux-controlled memristor (L. O. Chua, "Memristor — the missing circuit element",
/// IEEE Trans. Circuit Theory 18(5), 1971).
///
/// ```text
///   φ̇ = v,        i = W(φ) v,        W(φ) = a + 3 b φ²   (default; any polynomial via
///                                                        IdealMemristor::polynomial)
/// ```
///
/// The state is the flux linkage `φ` \[Wb = V·s\]; the memductance `W(φ) = dq/dφ` \[S\] is the
/// derivative of the charge–flux characteristic `q(φ) = a φ + b φ³`. The state equation is
/// linear ([`StateForm::Linear`] with `a = v`, `b = 0`), so the exponential integrator is exact
/// for piecewise-constant voltages.
///
/// | param  | unit    | default | range      | meaning                                  |
/// |--------|---------|---------|------------|------------------------------------------|
/// | `a`    | S       | 1e-3    | (0, inf)   | memductance at zero flux                 |
/// | `b`    | S/Wb^2  | 1e-2    | [0, inf)   | cubic coefficient of `q(φ)`: `W = a + 3bφ²` |
/// | `phi0` | Wb      | 0       | (-inf, inf)| initial flux                             |
///
/// **Default picture.** Under `v = sin(2πt)` V from `φ(0) = 0` the flux is
/// `φ(t) = (1 − cos 2πt)/2π ∈ [0, 1/π]`, so `W` sweeps `[1e-3, 4.04e-3]` S: at `v = 0.5` V the
/// rising branch carries `0.51` mA and the falling branch `1.83` mA — a wide loop pinched at the
/// origin. A flux range symmetric about `φ = 0` (e.g. `phi0 = −1/2π`) makes `W(φ)` retrace
/// itself on both branches and collapses the loop.
#[derive(Debug, Clone, PartialEq)]
pub struct IdealMemristor {
    /// `W(φ) = Σ coeffs\[k\] φ^k` \[S/Wb^k\].
    coeffs: Vec<f64>,
    phi0: f64,
    /// Whether the memristor came from the `(a, b)` parameter table (for `param_values`).
    from_table: bool,
}

const PARAMS: &[ParamInfo] = &[
    ParamInfo::positive("a", "S", 1e-3, f64::INFINITY, "memductance at zero flux"),
    ParamInfo::new(
        "b",
        "S/Wb^2",
        1e-2,
        0.0,
        f64::INFINITY,
        "W(phi) = a + 3 b phi^2",
    ),
    ParamInfo::new(
        "phi0",
        "Wb",
        0.0,
        f64::NEG_INFINITY,
        f64::INFINITY,
        "initial flux (V s)",
    ),
];

const STATES: &[StateInfo] = &[state(
    "phi",
    "Wb",
    "flux linkage, time integral of the voltage",
)];

impl IdealMemristor {
    /// Catalogue description of `"ideal"`.
    pub const KIND: KindInfo = device(
        "ideal",
        "ideal flux-controlled memristor, W(phi) = a + 3 b phi^2",
        "L. O. Chua, Memristor - the missing circuit element, IEEE Trans. Circuit Theory 18(5), 507-519, 1971",
        STATES,
        PARAMS,
    );

    /// The default polynomial memristor `W(φ) = a + 3 b φ²` from a parameter set of
    /// [`Self::KIND`].
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        let (a, b, phi0) = (params.get("a"), params.get("b"), params.get("phi0"));
        // a > 0 and b ≥ 0 (checked by the table) make W(φ) ≥ a > 0 for every flux.
        Ok(Self {
            coeffs: vec![a, 0.0, 3.0 * b],
            phi0,
            from_table: true,
        })
    }

    /// A memristor with any polynomial memductance `W(φ) = Σ_k coeffs\[k\] φ^k` \[S/Wb^k\] and
    /// initial flux `phi0` \[Wb\].
    ///
    /// The coefficients must be finite, at least one and at most
    /// [`MAX_POLY_DEGREE`](super::MAX_POLY_DEGREE)` + 1`. Positivity of `W` over the flux
    /// range actually visited is the caller's responsibility (it cannot be decided without
    /// the drive); only `W(phi0) > 0` is checked.
    pub fn polynomial(coeffs: Vec<f64>, phi0: f64) -> Result<Self, ModelError> {
        let name = Self::KIND.name;
        check_coeffs(name, &coeffs)?;
        PARAMS[2].check(name, phi0)?;
        let w0 = poly_eval(&coeffs, phi0).0;
        if w0 <= 0.0 {
            return Err(ModelError::Inconsistent {
                element: name.to_string(),
                reason: format!("memductance W(phi0) = {w0} S must be positive"),
            });
        }
        Ok(Self {
            coeffs,
            phi0,
            from_table: false,
        })
    }

    /// The memductance `W(φ)` \[S\].
    pub fn memductance(&self, phi: f64) -> f64 {
        poly_eval(&self.coeffs, phi).0
    }

    /// The charge–flux characteristic `q(φ) = ∫₀^φ W` \[C\].
    pub fn charge(&self, phi: f64) -> f64 {
        let mut q = 0.0;
        for (k, &c) in self.coeffs.iter().enumerate().rev() {
            q = q * phi + c / (k + 1) as f64;
        }
        q * phi
    }

    /// Polynomial coefficients of `W(φ)`.
    pub fn coefficients(&self) -> &[f64] {
        &self.coeffs
    }
}

impl Element for IdealMemristor {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        if self.from_table {
            vec![
                ("a", self.coeffs[0]),
                ("b", self.coeffs[2] / 3.0),
                ("phi0", self.phi0),
            ]
        } else {
            let mut out: Vec<_> = coeff_pairs(&self.coeffs).collect();
            out.push(("phi0", self.phi0));
            out
        }
    }

    fn initial_state(&self, _v: &[f64], x: &mut [f64]) {
        x[0] = self.phi0;
    }

    fn state_rhs(&self, _x: &[f64], v: &[f64], dx: &mut [f64]) {
        dx[0] = v[0];
    }

    fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
        g[0] = self.memductance(x[0]);
    }

    fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        a[0] = v[0];
        b[0] = 0.0;
        true
    }

    fn state_form(&self) -> StateForm {
        StateForm::Linear
    }

    fn jacobian(&self, x: &[f64], _v: &[f64], jac: &mut ElementJacobian) {
        jac.df_dx[0] = 0.0;
        jac.df_dv[0] = 1.0;
        jac.dg_dx[0] = poly_eval(&self.coeffs, x[0]).1;
        jac.dg_dv[0] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_jacobian_matches_fd, assert_rejected, branch_currents, rk4_observe, sine,
    };
    use super::*;
    use crate::element::with_overrides;
    use std::f64::consts::PI;

    fn default() -> IdealMemristor {
        with_overrides(&IdealMemristor::KIND, &[], IdealMemristor::new).expect("defaults")
    }

    #[test]
    fn jacobian_closed_form_matches_finite_differences() {
        let m = default();
        for (phi, v) in [(0.0, 0.3), (0.2, -0.7), (-0.5, 1.0)] {
            assert_jacobian_matches_fd(&m, &[phi], &[v]);
        }
        let p = IdealMemristor::polynomial(vec![1e-3, 2e-3, -1e-4, 5e-3], 0.0).expect("valid");
        assert_jacobian_matches_fd(&p, &[0.37], &[0.2]);
    }

    #[test]
    fn flux_under_sine_matches_closed_form_and_current_is_w_times_v() {
        let m = default();
        let drive = sine(1.0, 1.0);
        let mut x = [0.0];
        m.initial_state(&[0.0], &mut x);
        let mut worst = 0.0_f64;
        rk4_observe(&m, &drive, &mut x, 0.0, 2.0, 1e-3, |t, x| {
            let exact = (1.0 - (2.0 * PI * t).cos()) / (2.0 * PI);
            worst = worst.max((x[0] - exact).abs());
            let v = drive(t);
            let i = super::super::testutil::current(&m, x, v);
            let w = 1e-3 + 3.0 * 1e-2 * x[0] * x[0];
            assert!((i - w * v).abs() <= 1e-15, "i = {i}, W v = {}", w * v);
        });
        assert!(worst <= 1e-10, "max |phi - closed form| = {worst:e}");
    }

    #[test]
    fn loop_is_wide_and_collapses_for_symmetric_flux() {
        let m = default();
        let (rise, fall) = branch_currents(&m, 1.0, 1.0, 0.5);
        assert!(
            (fall - rise).abs() / fall.abs().max(rise.abs()) > 0.01,
            "{rise} vs {fall}"
        );
        assert!(
            (rise - 0.5 * (1e-3 + 3e-2 * (0.5 * (1.0 - 3f64.sqrt() / 2.0) / PI).powi(2))).abs()
                < 1e-9
        );
        // φ(0) = −1/2π: φ(t) = −cos(2πt)/2π is symmetric about 0 and W is even: no loop.
        let sym = IdealMemristor::polynomial(vec![1e-3, 0.0, 3e-2], -0.5 / PI).expect("valid");
        let (rise, fall) = branch_currents(&sym, 1.0, 1.0, 0.5);
        assert!((fall - rise).abs() <= 1e-9 * fall.abs(), "{rise} vs {fall}");
    }

    #[test]
    fn memductance_is_positive_and_charge_integrates_it() {
        let m = default();
        for phi in [-3.0, -0.1, 0.0, 0.2, 10.0] {
            let mut g = [0.0];
            m.conductance(&[phi], &[0.0], &mut g);
            assert!(g[0] >= 1e-3);
            let q = m.charge(phi);
            assert!((q - (1e-3 * phi + 1e-2 * phi.powi(3))).abs() <= 1e-14 * (1.0 + q.abs()));
        }
        assert_eq!(
            m.param_values(),
            vec![("a", 1e-3), ("b", 1e-2), ("phi0", 0.0)]
        );
    }

    #[test]
    fn invalid_polynomials_are_rejected() {
        assert!(IdealMemristor::polynomial(vec![], 0.0).is_err());
        assert_rejected(IdealMemristor::polynomial(vec![1.0, f64::NAN], 0.0), "c1");
        assert_rejected(IdealMemristor::polynomial(vec![1.0], f64::INFINITY), "phi0");
        assert!(IdealMemristor::polynomial(vec![-1e-3, 0.0, 1.0], 0.0).is_err());
        assert_rejected(
            ParamSet::with_overrides("ideal", PARAMS, &[("a", -1.0)]),
            "'a'",
        );
    }
}
