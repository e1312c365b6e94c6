//! First-order relaxation memristor: a resistor with a lagging conductance.

use super::resistor::{G0, G2, StaticResistor};
use super::{device, state};
use crate::element::{Element, ElementJacobian, KindInfo, StateForm, StateInfo, with_overrides};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// First-order relaxation memristor: the conductance relaxes with time constant `τ` towards
/// the conductance of a static nonlinear resistor ([`StaticResistor`]).
///
/// ```text
///   ẋ = (g∞(v) − x)/τ,      g = x,      g∞(v) = g0 + g2 v²
/// ```
///
/// The state is the conductance itself \[S\]. The state equation is linear
/// ([`StateForm::Linear`] with `a = g∞(v)/τ`, `b = 1/τ`). As `τ → 0` the state tracks
/// `g∞(v(t))` and the element reproduces the memoryless `resistor`: `x − g∞(v) = −τ ġ∞ + O(τ²)`,
/// so the current error is proportional to `τ`. Positivity: `x` stays in the convex hull of
/// `x₀` and the values of `g∞ ≥ g0 > 0`.
///
/// | param | unit  | default | range    | meaning                                              |
/// |-------|-------|---------|----------|------------------------------------------------------|
/// | `g0`  | S     | 1e-3    | (0, inf) | `g∞(0)`                                              |
/// | `g2`  | S/V^2 | 1e-3    | [0, inf) | `g∞(v) = g0 + g2 v²`                                 |
/// | `tau` | s     | 1e-2    | (0, inf) | relaxation time constant                             |
/// | `x0`  | S     | 0       | [0, inf) | initial conductance; `0` means "steady state `g∞(v)`" |
///
/// **Default picture.** With `τ = 10` ms under a 1 V sine the loop is visibly open at 10 Hz
/// (`ωτ ≈ 0.6`) and closes onto the cubic `i = g0 v + g2 v³` for slow drives or small `τ`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelaxationMemristor {
    resistor: StaticResistor,
    tau: f64,
    /// Configured initial conductance \[S\]; `None` = steady state at the initial voltage.
    x0: Option<f64>,
}

const PARAMS: &[ParamInfo] = &[
    G0,
    G2,
    ParamInfo::positive("tau", "s", 1e-2, f64::INFINITY, "relaxation time constant"),
    ParamInfo::new(
        "x0",
        "S",
        0.0,
        0.0,
        f64::INFINITY,
        "initial conductance; 0 = steady state g_inf(v) at the initial voltage",
    ),
];

const STATES: &[StateInfo] = &[state("g", "S", "conductance, relaxing towards g_inf(v)")];

impl RelaxationMemristor {
    /// Catalogue description of `"relaxation"`.
    pub const KIND: KindInfo = device(
        "relaxation",
        "first-order relaxation memristor dg/dt = (g0 + g2 v^2 - g)/tau; memoryless as tau -> 0",
        "F. Forni, R. Sepulchre, Gradient modelling of memristive systems (memoryless limit of eq. 1 towards eq. 19)",
        STATES,
        PARAMS,
    );

    /// From a parameter set of [`Self::KIND`].
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        let resistor = with_overrides(
            &StaticResistor::KIND,
            &[("g0", params.get("g0")), ("g2", params.get("g2"))],
            StaticResistor::new,
        )?;
        let x0 = params.get("x0");
        Ok(Self {
            resistor,
            tau: params.get("tau"),
            x0: (x0 > 0.0).then_some(x0),
        })
    }

    /// Relaxation towards any static resistor (e.g. [`StaticResistor::polynomial`]) with time
    /// constant `tau` \[s\] and optional initial conductance `x0` \[S\] (`None`: steady state).
    pub fn with_resistor(
        resistor: StaticResistor,
        tau: f64,
        x0: Option<f64>,
    ) -> Result<Self, ModelError> {
        let name = Self::KIND.name;
        PARAMS[2].check(name, tau)?;
        if let Some(x0) = x0 {
            ParamInfo::positive("x0", "S", 0.0, f64::INFINITY, "").check(name, x0)?;
        }
        Ok(Self { resistor, tau, x0 })
    }

    /// The static resistor the element relaxes to.
    pub fn limit(&self) -> &StaticResistor {
        &self.resistor
    }

    /// The time constant `τ` \[s\].
    pub fn tau(&self) -> f64 {
        self.tau
    }
}

impl Element for RelaxationMemristor {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        let mut out = self.resistor.pairs();
        out.extend([("tau", self.tau), ("x0", self.x0.unwrap_or(0.0))]);
        out
    }

    fn initial_state(&self, v: &[f64], x: &mut [f64]) {
        x[0] = self.x0.unwrap_or_else(|| self.resistor.g(v[0]));
    }

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        dx[0] = (self.resistor.g(v[0]) - x[0]) / self.tau;
    }

    fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
        g[0] = x[0];
    }

    fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        a[0] = self.resistor.g(v[0]) / self.tau;
        b[0] = 1.0 / self.tau;
        true
    }

    fn state_form(&self) -> StateForm {
        StateForm::Linear
    }

    fn jacobian(&self, _x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        jac.df_dx[0] = -1.0 / self.tau;
        jac.df_dv[0] = self.resistor.g_and_slope(v[0]).1 / self.tau;
        jac.dg_dx[0] = 1.0;
        jac.dg_dv[0] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_jacobian_matches_fd, assert_rejected, branch_currents, current, rk4_observe, sine,
    };
    use super::*;

    fn make(ov: &[(&str, f64)]) -> Result<RelaxationMemristor, ModelError> {
        with_overrides(&RelaxationMemristor::KIND, ov, RelaxationMemristor::new)
    }

    #[test]
    fn jacobian_closed_form_matches_finite_differences() {
        let m = make(&[]).expect("defaults");
        for (x, v) in [(1e-3, 0.4), (2.5e-3, -1.1), (1.2e-3, 0.0)] {
            assert_jacobian_matches_fd(&m, &[x], &[v]);
        }
    }

    #[test]
    fn initial_state_is_steady_state_unless_configured() {
        let m = make(&[]).expect("defaults");
        let mut x = [0.0];
        m.initial_state(&[0.5], &mut x);
        assert!((x[0] - (1e-3 + 1e-3 * 0.25)).abs() < 1e-18);
        let mut dx = [1.0];
        m.state_rhs(&x, &[0.5], &mut dx);
        assert_eq!(dx[0], 0.0);
        let m = make(&[("x0", 4e-3)]).expect("valid");
        m.initial_state(&[0.5], &mut x);
        assert_eq!(x[0], 4e-3);
        let (mut a, mut b) = ([0.0], [0.0]);
        assert!(m.linear_coefficients(&[1.0], &mut a, &mut b));
        assert!((a[0] - 2e-3 / 1e-2).abs() < 1e-15 && (b[0] - 100.0).abs() < 1e-12);
        assert_eq!(m.state_form(), StateForm::Linear);
    }

    #[test]
    fn default_loop_is_open_at_10_hz() {
        let m = make(&[]).expect("defaults");
        let (rise, fall) = branch_currents(&m, 1.0, 10.0, 0.5);
        assert!(
            (fall - rise) / fall > 0.01,
            "rising {rise} vs falling {fall}"
        );
    }

    /// max over one period of a 1 V, 10 Hz sine of |i_relax − i_res|.
    fn max_deviation(tau: f64) -> f64 {
        let m = make(&[("tau", tau)]).expect("valid");
        let r = m.limit().clone();
        let drive = sine(1.0, 10.0);
        let mut x = [0.0];
        m.initial_state(&[0.0], &mut x);
        let mut worst = 0.0_f64;
        rk4_observe(&m, &drive, &mut x, 0.0, 0.1, tau / 10.0, |t, x| {
            let v = drive(t);
            worst = worst.max((current(&m, x, v) - current(&r, &[], v)).abs());
        });
        worst
    }

    #[test]
    fn memoryless_limit_reproduces_the_resistor_with_error_proportional_to_tau() {
        let d: Vec<f64> = [1e-4, 1e-5, 1e-6]
            .iter()
            .map(|&t| max_deviation(t))
            .collect();
        // Leading term: τ · max |v dg∞/dt| ≈ τ · 2 g2 ω · max|v² cos| ≈ 0.048 τ A/s.
        assert!(
            d[2] < 1e-7,
            "deviation at tau = 1e-6: {:e} A (i ~ 2e-3 A)",
            d[2]
        );
        for k in 0..2 {
            let ratio = d[k] / d[k + 1];
            assert!(
                (9.0..11.0).contains(&ratio),
                "ratio {ratio} between {:e} and {:e}",
                d[k],
                d[k + 1]
            );
        }
    }

    #[test]
    fn invalid_parameters_name_the_culprit() {
        assert_rejected(make(&[("tau", 0.0)]), "tau");
        assert_rejected(make(&[("g2", -1.0)]), "g2");
        assert_rejected(make(&[("g0", f64::NAN)]), "g0");
        let r = StaticResistor::polynomial(vec![1.0]).expect("constant");
        assert!(RelaxationMemristor::with_resistor(r.clone(), -1.0, None).is_err());
        assert!(RelaxationMemristor::with_resistor(r, 1.0, Some(0.0)).is_err());
    }
}
