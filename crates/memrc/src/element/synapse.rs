//! Synapses: memristive two-ports between a presynaptic and a postsynaptic membrane.
//!
//! `synapse` ([`KineticSynapse`]) is the first-order kinetic synapse of the paper's Example 2
//! (eq. 3–4) with the transmitter-release model of A. Destexhe, Z. F. Mainen and
//! T. J. Sejnowski, "An efficient method for computing synaptic conductances based on a
//! kinetic model of receptor binding", Neural Computation 6:14–18 (1994):
//!
//! ```text
//!   ṡ = α T(v_pre) (1 − s) − β s
//!   T(v_pre) = T_max / (1 + e^{−(v_pre − V_p)/K_p})
//!
//!   ⎡ i_pre  ⎤   ⎡ 0    0  ⎤ ⎡ w_pre  ⎤       w_pre  = v_pre − 0
//!   ⎣ i_post ⎦ = ⎣ 0   ḡ s ⎦ ⎣ w_post ⎦,      w_post = v_post − E_syn
//! ```
//!
//! Port 0 is the presynaptic membrane (battery `0`, no current: the synapse only senses
//! `v_pre`), port 1 the postsynaptic branch in series with the battery `E_syn`. The paper's
//! eq. (3) writes `ṡ = α s + β (1 − s)` with `α` and `β` swapped; memrc uses the standard
//! form above (`α` binding, `β` unbinding). The state equation is
//! [`StateForm::Linear`] with `a = α T`, `b = α T + β`.
//!
//! **Assumption 3 holds only with `ε = 0`.** `G = diag(0, ḡ s)` is symmetric and positive
//! *semi*-definite (eigenvalues `0` and `ḡ s`), so eq. (37a) `G ≻ ε` holds for no `ε > 0`:
//! the network is passive (eq. 39 holds) but the `1/G` metric of eq. (40)–(41) is not defined
//! on the presynaptic port. Solvers that need `G⁻¹` must combine the synapse with the
//! membranes it connects (whose leak makes the total conductance definite) or floor the metric.

use crate::element::Entry;
use crate::element::channel::check_kind;
use crate::element::gate::VoltageFn;
use crate::element::{Element, ElementJacobian, KindInfo, StateForm, StateInfo};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Catalogue entries of this family.
pub const CATALOGUE: &[Entry] = &[Entry {
    info: &KineticSynapse::KIND,
    build: KineticSynapse::build,
}];

/// First-order kinetic synapse `synapse` (module docs for the equations).
///
/// | parameter | unit | default | range | meaning |
/// |---|---|---|---|---|
/// | `gbar` | S/m² | 10 (1 mS/cm²) | [0, ∞) | maximal conductance density `ḡ` |
/// | `e_syn` | V | 0 | \[−1, 1\] | synaptic reversal potential (battery of port 1) |
/// | `alpha` | 1/(M·s) | 1.1e6 | (0, ∞) | binding rate `α` |
/// | `beta` | 1/s | 190 | (0, ∞) | unbinding rate `β` |
/// | `t_max` | M | 1e-3 | (0, 1] | peak transmitter concentration `T_max` |
/// | `v_p` | V | 0.002 | \[−1, 1\] | half-activation of release `V_p` |
/// | `k_p` | V | 0.005 | (0, 1] | steepness of release `K_p` |
///
/// Defaults are the AMPA-like values of Destexhe, Mainen & Sejnowski (1994): with the
/// presynaptic membrane depolarised (`T ≈ T_max`) `s` rises with rate `α T_max + β ≈ 1290/s`
/// towards `α T_max/(α T_max + β) ≈ 0.853` (0.849 at `v_pre = +20 mV`, where `T = 0.973 T_max`);
/// at rest (`T ≈ 1.5e-9 M` at −65 mV) it decays with rate `β (1 + 9e-6)`.
#[derive(Debug, Clone)]
pub struct KineticSynapse {
    params: ParamSet,
    gbar: f64,
    e_syn: f64,
    kinetics: SynapseKinetics,
}

/// The state equation of the first-order kinetic synapse (module docs, paper eq. 3–4):
/// `ṡ = α T(v_pre)(1 − s) − β s`, `T = T_max σ((v_pre − V_p)/K_p)`. The one definition shared
/// by the `synapse` element and the network's kinetic projections
/// ([`crate::net::Kinetic`]).
#[derive(Debug, Clone, Copy)]
pub struct SynapseKinetics {
    /// Binding rate `α` \[1/(M·s)\].
    pub alpha: f64,
    /// Unbinding rate `β` \[1/s\].
    pub beta: f64,
    /// Transmitter release `T(v_pre)` \[M\]: `VoltageFn::Sigmoid` with amplitude `T_max`,
    /// half-point `V_p` and slope `K_p`.
    pub release: VoltageFn,
}

impl SynapseKinetics {
    /// The kinetics with binding rate `alpha` \[1/(M·s)\], unbinding rate `beta` \[1/s\], peak
    /// transmitter `t_max` \[M\], release half-point `v_p` \[V\] and steepness `k_p` \[V\].
    pub const fn new(alpha: f64, beta: f64, t_max: f64, v_p: f64, k_p: f64) -> Self {
        Self {
            alpha,
            beta,
            release: VoltageFn::Sigmoid {
                amplitude: t_max,
                v_half: v_p,
                scale: k_p,
            },
        }
    }

    /// Transmitter concentration `T(v_pre)` \[M\] at presynaptic voltage `v_pre` \[V\].
    #[inline]
    pub fn transmitter(&self, v_pre: f64) -> f64 {
        self.release.eval(v_pre)
    }

    /// `(a, b)` of `ṡ = a − b s` at presynaptic voltage `v_pre` \[V\]: `a = αT`, `b = αT + β`.
    #[inline]
    pub fn coefficients(&self, v_pre: f64) -> (f64, f64) {
        let at = self.alpha * self.transmitter(v_pre);
        (at, at + self.beta)
    }

    /// One exponential-Euler step of `s` over `dt` \[s\] with `v_pre` \[V\] held fixed:
    /// `s ← s∞ + (s − s∞) e^{−b dt}`, `s∞ = a/b` (exact for constant `v_pre`).
    #[inline]
    pub fn step(&self, s: f64, v_pre: f64, dt: f64) -> f64 {
        let (a, b) = self.coefficients(v_pre);
        let s_inf = a / b;
        s_inf + (s - s_inf) * (-b * dt).exp()
    }
}

impl KineticSynapse {
    /// Kind description (`synapse`).
    pub const KIND: KindInfo = KindInfo {
        name: "synapse",
        summary: "first-order kinetic synapse two-port, G = [[0, 0], [0, gbar s]]",
        source: "A. Destexhe, Z. F. Mainen, T. J. Sejnowski, Neural Computation 6:14-18 (1994); paper Example 2, eq. 3-4",
        ports: 2,
        states: &[StateInfo {
            name: "s",
            unit: "1",
            doc: "fraction of bound receptors",
        }],
        params: &[
            ParamInfo::new(
                "gbar",
                "S/m^2",
                10.0,
                0.0,
                f64::INFINITY,
                "maximal conductance density",
            ),
            ParamInfo::new(
                "e_syn",
                "V",
                0.0,
                -1.0,
                1.0,
                "synaptic reversal potential (battery of the postsynaptic port)",
            ),
            ParamInfo::positive(
                "alpha",
                "1/(M*s)",
                1.1e6,
                f64::INFINITY,
                "transmitter binding rate",
            ),
            ParamInfo::positive("beta", "1/s", 190.0, f64::INFINITY, "unbinding rate"),
            ParamInfo::positive("t_max", "M", 1e-3, 1.0, "peak transmitter concentration"),
            ParamInfo::new(
                "v_p",
                "V",
                0.002,
                -1.0,
                1.0,
                "presynaptic voltage of half-maximal release",
            ),
            ParamInfo::positive("k_p", "V", 0.005, 1.0, "steepness of the release sigmoid"),
        ],
        conductance_unit: "S/m^2",
        current_unit: "A/m^2",
    };

    /// Builds the synapse from a validated parameter set of this kind.
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        check_kind(params, &Self::KIND)?;
        Ok(Self {
            params: params.clone(),
            gbar: params.get("gbar"),
            e_syn: params.get("e_syn"),
            kinetics: SynapseKinetics::new(
                params.get("alpha"),
                params.get("beta"),
                params.get("t_max"),
                params.get("v_p"),
                params.get("k_p"),
            ),
        })
    }

    /// Catalogue constructor: defaults overridden by `(key, value)` pairs \[SI\].
    pub fn build(overrides: &[(&str, f64)]) -> Result<Box<dyn Element>, ModelError> {
        let p = ParamSet::with_overrides(Self::KIND.name, Self::KIND.params, overrides)?;
        Ok(Box::new(Self::new(&p)?))
    }

    /// Transmitter concentration `T(v_pre)` \[M\] at presynaptic membrane voltage `v_pre` \[V\].
    #[inline]
    pub fn transmitter(&self, v_pre: f64) -> f64 {
        self.kinetics.transmitter(v_pre)
    }

    /// `(a, b)` of `ṡ = a − b s` at presynaptic voltage `v_pre` \[V\]: `a = αT`, `b = αT + β`.
    #[inline]
    pub fn coefficients(&self, v_pre: f64) -> (f64, f64) {
        self.kinetics.coefficients(v_pre)
    }

    /// The state equation.
    pub fn kinetics(&self) -> &SynapseKinetics {
        &self.kinetics
    }
}

impl Element for KineticSynapse {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        self.params.pairs()
    }

    fn battery(&self, port: usize) -> f64 {
        if port == 1 { self.e_syn } else { 0.0 }
    }

    fn initial_state(&self, v: &[f64], x: &mut [f64]) {
        let (a, b) = self.coefficients(v[0]);
        x[0] = a / b;
    }

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        let (a, b) = self.coefficients(v[0]);
        dx[0] = a - b * x[0];
    }

    fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
        g[0] = 0.0;
        g[1] = 0.0;
        g[2] = 0.0;
        g[3] = self.gbar * x[0];
    }

    fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        (a[0], b[0]) = self.coefficients(v[0]);
        true
    }

    fn state_form(&self) -> StateForm {
        StateForm::Linear
    }

    /// `∂f/∂s = −(αT + β)`, `∂f/∂w_pre = α T'(v_pre)(1 − s)`, `∂f/∂w_post = 0`,
    /// `∂G_11/∂s = ḡ` (all other entries of `∂G/∂s` and all of `∂G/∂V` vanish).
    fn jacobian(&self, x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        let k = &self.kinetics;
        let (t, dt) = k.release.eval_with_slope(v[0]);
        jac.df_dx[0] = -(k.alpha * t + k.beta);
        jac.df_dv[0] = k.alpha * dt * (1.0 - x[0]);
        jac.df_dv[1] = 0.0;
        jac.dg_dx[..3].iter_mut().for_each(|e| *e = 0.0);
        jac.dg_dx[3] = self.gbar;
        jac.dg_dv.iter_mut().for_each(|e| *e = 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::build;
    use crate::element::channel::test_util::check_jacobian;

    /// RK4 with step `dt` for `steps` steps at constant port voltages.
    fn integrate(el: &dyn Element, s0: f64, v: &[f64], dt: f64, steps: usize) -> Vec<f64> {
        let f = |s: f64| {
            let mut d = [0.0];
            el.state_rhs(&[s], v, &mut d);
            d[0]
        };
        let mut out = vec![s0];
        let mut s = s0;
        for _ in 0..steps {
            let k1 = f(s);
            let k2 = f(s + 0.5 * dt * k1);
            let k3 = f(s + 0.5 * dt * k2);
            let k4 = f(s + dt * k3);
            s += dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            out.push(s);
        }
        out
    }

    #[test]
    fn rises_towards_the_steady_state_and_decays_with_rate_beta() {
        let el = build("synapse", &[]).expect("defaults build");
        let syn = KineticSynapse::new(&ParamSet::defaults("synapse", KineticSynapse::KIND.params))
            .expect("defaults");
        let (alpha, beta) = (1.1e6, 190.0);
        // Presynaptic spike plateau at +20 mV: T = T_max/(1 + e^{−18/5}).
        let v_hi = [0.020, -0.065];
        let t_hi = 1e-3 / (1.0 + (-3.6_f64).exp());
        assert!((syn.transmitter(0.020) - t_hi).abs() <= 1e-15 * t_hi);
        let (a, b) = (alpha * t_hi, alpha * t_hi + beta);
        let s_inf = a / b;
        let dt = 1e-5;
        let rise = integrate(el.as_ref(), 0.0, &v_hi, dt, 2000); // 20 ms
        for (k, s) in rise.iter().enumerate().step_by(100) {
            let t = dt * k as f64;
            let exact = s_inf * (1.0 - (-b * t).exp());
            assert!((s - exact).abs() <= 1e-9, "t = {t}: {s} vs {exact}");
        }
        let s_end = *rise.last().expect("non-empty");
        assert!(
            (s_end - s_inf).abs() <= 1e-9 && (s_inf - 0.8493).abs() < 1e-4,
            "{s_end} {s_inf}"
        );
        let mut x0 = [0.0];
        el.initial_state(&v_hi, &mut x0);
        assert!((x0[0] - s_inf).abs() <= 1e-15);

        // Back at rest: T ≈ T_max e^{−67/5} ≈ 1.5e-9 M, so b = β (1 + 9e-6).
        let v_lo = [-0.065, -0.065];
        let (mut ca, mut cb) = ([0.0], [0.0]);
        assert!(el.linear_coefficients(&v_lo, &mut ca, &mut cb));
        assert!((cb[0] / beta - 1.0).abs() < 2e-5, "b = {}", cb[0]);
        let decay = integrate(el.as_ref(), s_end, &v_lo, dt, 2000);
        let s_ss = ca[0] / cb[0]; // ≈ 9e-6, the residual release at rest
        let (s1, s2) = (decay[500] - s_ss, decay[1500] - s_ss); // 5 ms and 15 ms
        let rate = (s1 / s2).ln() / 0.010;
        assert!((rate / beta - 1.0).abs() < 2e-5, "decay rate {rate}");
        for (k, s) in decay.iter().enumerate().step_by(100) {
            let t = dt * k as f64;
            let exact = s_ss + (s_end - s_ss) * (-cb[0] * t).exp();
            assert!((s - exact).abs() <= 1e-10, "t = {t}: {s} vs {exact}");
        }
    }

    #[test]
    fn conductance_matrix_has_only_the_postsynaptic_entry() {
        let el = build("synapse", &[("gbar", 4.0), ("e_syn", -0.080)]).expect("valid");
        assert_eq!((el.n_ports(), el.n_states()), (2, 1));
        assert_eq!((el.battery(0), el.battery(1)), (0.0, -0.080));
        let mut g = [9.0; 4];
        let v = [0.030, -0.065 - el.battery(1)];
        el.conductance(&[0.25], &v, &mut g);
        assert_eq!(g, [0.0, 0.0, 0.0, 1.0]);
        let i_pre = g[0] * v[0] + g[1] * v[1];
        let i_post = g[2] * v[0] + g[3] * v[1];
        assert_eq!(i_pre, 0.0);
        assert!((i_post - 0.015).abs() < 1e-15);
        // Symmetric, positive semi-definite: v^T G v = ḡ s w_post² ≥ 0 with equality for
        // w_post = 0, whatever w_pre is (Assumption 3 only with ε = 0).
        assert_eq!(g[1], g[2]);
        let q =
            |w: [f64; 2]| w[0] * (g[0] * w[0] + g[1] * w[1]) + w[1] * (g[2] * w[0] + g[3] * w[1]);
        assert_eq!(q([1.0, 0.0]), 0.0);
        assert!(q([0.3, -0.2]) > 0.0);
    }

    #[test]
    fn closed_form_jacobian_matches_finite_differences() {
        let el = build("synapse", &[]).expect("defaults build");
        for v_pre in [-0.020, -0.010, 0.0, 0.002, 0.005, 0.030] {
            for s in [0.0_f64, 0.2, 0.9] {
                check_jacobian(el.as_ref(), &[s], &[v_pre, -0.050]);
            }
        }
        // At rest ∂f/∂w_pre = α T'(1 − s) ≈ 0.03/s is below the rounding noise of a difference
        // quotient of f ≈ −βs: compare with the textbook derivative of the sigmoid instead.
        let (v_pre, s) = (-0.065, 0.9);
        let e = (-(v_pre - 0.002) / 0.005_f64).exp();
        let dt = 1e-3 * e / ((1.0 + e) * (1.0 + e)) / 0.005;
        let mut jac = ElementJacobian::for_element(el.as_ref());
        el.jacobian(&[s], &[v_pre, 0.0], &mut jac);
        let want = 1.1e6 * dt * (1.0 - s);
        assert!(
            (jac.df_dv[0] - want).abs() <= 1e-13 * want,
            "{} vs {want}",
            jac.df_dv[0]
        );
    }

    #[test]
    fn invalid_parameters_name_the_parameter() {
        let e = build("synapse", &[("gbar", -1.0)]).expect_err("negative gbar");
        assert!(
            matches!(&e, ModelError::ParamOutOfRange { param, .. } if param == "gbar"),
            "{e}"
        );
        let e = build("synapse", &[("beta", f64::NAN)]).expect_err("NaN");
        assert!(
            matches!(&e, ModelError::NonFinite { param, .. } if param == "beta"),
            "{e}"
        );
        let e = build("synapse", &[("k_p", 0.0)]).expect_err("zero slope");
        assert!(e.to_string().contains("k_p"), "{e}");
        let e = KineticSynapse::new(&ParamSet::defaults(
            "leak",
            crate::element::channel::Leak::KIND.params,
        ))
        .expect_err("foreign set");
        assert!(matches!(e, ModelError::Inconsistent { .. }));
    }
}
