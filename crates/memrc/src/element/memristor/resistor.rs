//! The static nonlinear resistor `i = g(v) v` (paper eq. 19).

use super::{check_coeffs, coeff_pairs, device, poly_eval};
use crate::element::{Element, ElementJacobian, KindInfo};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Static nonlinear resistor `i = g(v) v` with a polynomial conductance (paper §III,
/// Theorem 1, eq. 19–20). No states.
///
/// ```text
///   g(v) = g0 + g2 v²                          (default; any Σ c_k v^k via ::polynomial)
///   E(v) = ∫₀^v g(u) u du = g0 v²/2 + g2 v⁴/4  (co-content, eq. 20b)
/// ```
///
/// The co-content differs from `½ g(v) v² = g0 v²/2 + g2 v⁴/2` as soon as `g2 ≠ 0`: this is the
/// paper's point that for a nonlinear resistor the dissipation `g(v) v²` and the co-content
/// are no longer proportional, while in the metric `1/g` both are `v²` and `½ v²` (eq. 24).
///
/// | param | unit   | default | range    | meaning                      |
/// |-------|--------|---------|----------|------------------------------|
/// | `g0`  | S      | 1e-3    | (0, inf) | small-signal conductance     |
/// | `g2`  | S/V^2  | 1e-3    | [0, inf) | quadratic coefficient        |
///
/// **Default picture.** `g` doubles from 1 mS at 0 V to 2 mS at 1 V: a cubic `i = g0 v + g2 v³`
/// without hysteresis.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticResistor {
    /// `g(v) = Σ coeffs\[k\] v^k` \[S/V^k\].
    coeffs: Vec<f64>,
    from_table: bool,
}

pub(super) const G0: ParamInfo = ParamInfo::positive(
    "g0",
    "S",
    1e-3,
    f64::INFINITY,
    "conductance at zero voltage",
);
pub(super) const G2: ParamInfo = ParamInfo::new(
    "g2",
    "S/V^2",
    1e-3,
    0.0,
    f64::INFINITY,
    "g(v) = g0 + g2 v^2",
);

const PARAMS: &[ParamInfo] = &[G0, G2];

impl StaticResistor {
    /// Catalogue description of `"resistor"`.
    pub const KIND: KindInfo = device(
        "resistor",
        "static nonlinear resistor i = (g0 + g2 v^2) v, no memory",
        "F. Forni, R. Sepulchre, Gradient modelling of memristive systems, eq. 19-20 (Theorem 1)",
        &[],
        PARAMS,
    );

    /// `g(v) = g0 + g2 v²` from a parameter set of [`Self::KIND`] (positive by the table's
    /// ranges `g0 > 0`, `g2 ≥ 0`).
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        Ok(Self {
            coeffs: vec![params.get("g0"), 0.0, params.get("g2")],
            from_table: true,
        })
    }

    /// `g(v) = Σ_k coeffs\[k\] v^k` \[S/V^k\].
    ///
    /// Positivity is required for every `v`. It is certified when all odd coefficients vanish
    /// and the even ones are `≥ 0` with `c0 > 0`. Otherwise the constructor checks the
    /// necessary conditions (`c0 > 0`, even degree, positive leading coefficient) and scans
    /// `g` on a fine grid over the Cauchy bound of its real roots, rejecting any non-positive
    /// sample; that scan is a strong check, not a proof (a root pair closer than the grid
    /// spacing could slip through).
    pub fn polynomial(mut coeffs: Vec<f64>) -> Result<Self, ModelError> {
        let name = Self::KIND.name;
        check_coeffs(name, &coeffs)?;
        while coeffs.len() > 1 && coeffs.last() == Some(&0.0) {
            coeffs.pop();
        }
        let err = |reason: String| ModelError::Inconsistent {
            element: name.to_string(),
            reason,
        };
        if coeffs[0] <= 0.0 {
            return Err(err(format!("g(0) = c0 = {} S must be positive", coeffs[0])));
        }
        let certified = coeffs
            .iter()
            .enumerate()
            .all(|(k, &c)| if k % 2 == 1 { c == 0.0 } else { c >= 0.0 });
        if !certified {
            let deg = coeffs.len() - 1;
            let lead = coeffs[deg];
            if deg % 2 == 1 || lead <= 0.0 {
                return Err(err(format!(
                    "g(v) of degree {deg} with leading coefficient {lead} becomes negative for large |v|"
                )));
            }
            // All real roots of g lie in |v| ≤ bound (Cauchy).
            let bound = 1.0
                + coeffs[..deg]
                    .iter()
                    .fold(0.0_f64, |m, c| m.max((c / lead).abs()));
            let n = 20_000;
            for s in 0..=n {
                let v = -bound + 2.0 * bound * f64::from(s) / f64::from(n);
                let g = poly_eval(&coeffs, v).0;
                if g <= 0.0 {
                    return Err(err(format!("g({v}) = {g} S is not positive")));
                }
            }
        }
        Ok(Self {
            coeffs,
            from_table: false,
        })
    }

    /// The conductance `g(v)` \[S\].
    #[inline]
    pub fn g(&self, v: f64) -> f64 {
        poly_eval(&self.coeffs, v).0
    }

    /// `g(v)` and `g'(v)`.
    #[inline]
    pub(super) fn g_and_slope(&self, v: f64) -> (f64, f64) {
        poly_eval(&self.coeffs, v)
    }

    /// The resistive co-content `E(v) = ∫₀^v g(u) u du = Σ_k c_k v^{k+2}/(k+2)` \[W = V·A\]
    /// (paper eq. 20b), in closed form. It differs from `½ g(v) v²` unless `g` is constant.
    pub fn cocontent(&self, v: f64) -> f64 {
        let mut e = 0.0;
        for (k, &c) in self.coeffs.iter().enumerate().rev() {
            e = e * v + c / (k + 2) as f64;
        }
        e * v * v
    }

    /// The current `i = g(v) v` \[A\].
    pub fn current(&self, v: f64) -> f64 {
        self.g(v) * v
    }

    /// Polynomial coefficients of `g(v)`.
    pub fn coefficients(&self) -> &[f64] {
        &self.coeffs
    }

    /// `(name, value)` pairs for reports.
    pub(super) fn pairs(&self) -> Vec<(&'static str, f64)> {
        if self.from_table {
            vec![
                ("g0", self.coeffs[0]),
                ("g2", self.coeffs.get(2).copied().unwrap_or(0.0)),
            ]
        } else {
            coeff_pairs(&self.coeffs).collect()
        }
    }
}

impl Element for StaticResistor {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        self.pairs()
    }

    fn initial_state(&self, _v: &[f64], _x: &mut [f64]) {}

    fn state_rhs(&self, _x: &[f64], _v: &[f64], _dx: &mut [f64]) {}

    fn conductance(&self, _x: &[f64], v: &[f64], g: &mut [f64]) {
        g[0] = self.g(v[0]);
    }

    fn jacobian(&self, _x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        jac.dg_dv[0] = self.g_and_slope(v[0]).1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_jacobian_matches_fd, assert_rejected};
    use super::*;
    use crate::element::with_overrides;

    fn default() -> StaticResistor {
        with_overrides(&StaticResistor::KIND, &[], StaticResistor::new).expect("defaults")
    }

    #[test]
    fn jacobian_closed_form_matches_finite_differences() {
        let r = default();
        for v in [-1.2, -0.1, 0.3, 2.0] {
            assert_jacobian_matches_fd(&r, &[], &[v]);
        }
        let p = StaticResistor::polynomial(vec![1e-3, 2e-4, 5e-4]).expect("positive");
        assert_jacobian_matches_fd(&p, &[], &[0.7]);
    }

    #[test]
    fn cocontent_is_the_integral_and_differs_from_half_g_v_squared() {
        let r = default();
        for v in [-1.5, -0.3, 0.0, 0.8, 2.0] {
            // Simpson's rule on 2000 panels is exact for this quartic up to rounding.
            let n = 2000;
            let h = v / f64::from(n);
            let f = |u: f64| r.g(u) * u;
            let mut s = f(0.0) + f(v);
            for k in 1..n {
                s += f(h * f64::from(k)) * if k % 2 == 1 { 4.0 } else { 2.0 };
            }
            let quad = s * h / 3.0;
            let e = r.cocontent(v);
            assert!(
                (e - quad).abs() <= 1e-12 * (1.0 + e.abs()),
                "v = {v}: {e} vs {quad}"
            );
            assert!((e - (1e-3 * v * v / 2.0 + 1e-3 * v.powi(4) / 4.0)).abs() < 1e-16);
            if v != 0.0 {
                let half = 0.5 * r.g(v) * v * v;
                assert!(
                    half - e > 0.1 * 1e-3 * v.powi(4),
                    "E must differ from g v^2/2"
                );
            }
        }
    }

    #[test]
    fn conductance_is_positive_and_current_is_pinched() {
        let r = default();
        for v in [-3.0, -0.5, 0.0, 0.5, 3.0] {
            let mut g = [0.0];
            r.conductance(&[], &[v], &mut g);
            assert!(g[0] >= 1e-3);
            assert_eq!(r.current(v), g[0] * v);
        }
        assert_eq!(r.current(0.0), 0.0);
        assert_eq!(r.n_states(), 0);
    }

    #[test]
    fn polynomial_positivity_is_checked() {
        // Even powers with non-negative coefficients: certified.
        assert!(StaticResistor::polynomial(vec![1e-3, 0.0, 0.0, 0.0, 2e-3]).is_ok());
        // Odd term, still positive (discriminant < 0).
        assert!(StaticResistor::polynomial(vec![1.0, 1.0, 1.0]).is_ok());
        // g(0) ≤ 0, odd degree, negative leading term, or a dip below zero.
        assert!(StaticResistor::polynomial(vec![0.0, 0.0, 1.0]).is_err());
        assert!(StaticResistor::polynomial(vec![1.0, 1.0]).is_err());
        assert!(StaticResistor::polynomial(vec![1.0, 0.0, -1.0]).is_err());
        assert_rejected(
            StaticResistor::polynomial(vec![1.0, -3.0, 1.0]),
            "not positive",
        );
        assert_rejected(StaticResistor::polynomial(vec![1.0, f64::INFINITY]), "c1");
        assert_rejected(
            ParamSet::with_overrides("resistor", PARAMS, &[("g0", 0.0)]),
            "g0",
        );
        // Trailing zeros are dropped.
        let p = StaticResistor::polynomial(vec![2.0, 0.0, 0.0]).expect("constant");
        assert_eq!(p.coefficients(), &[2.0]);
        assert!((p.cocontent(2.0) - 4.0).abs() < 1e-15);
    }
}
