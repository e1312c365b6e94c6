//! The [`System`] trait: the mathematics that time-stepping solvers see.
//!
//! A system is an autonomous or time-dependent ODE
//!
//! ```text
//!   ẋ = f(t, x),    x ∈ ℝⁿ
//! ```
//!
//! given by its right-hand side [`System::rhs`], optionally its Jacobian `∂f/∂x`
//! ([`System::jacobian`], finite differences by default) and optionally the *linear-diagonal
//! split* used by exponential integrators ([`System::split`]):
//!
//! ```text
//!   ẋ_j = a_j(t, x) − b_j(t, x) · x_j      for every state j.
//! ```
//!
//! Gating variables of conductance-based models have this form with `a = α(v)`,
//! `b = α(v) + β(v)`; a membrane voltage has it with `b = Σ g_k / C`, `a = (Σ g_k E_k + i)/C`.
//!
//! [`test_systems`] holds small problems with known exact solutions, used to check every solver
//! in [`crate::solver`].

/// An ODE system `ẋ = f(t, x)` as seen by the solvers in [`crate::solver`].
///
/// All buffers are caller-owned and have length [`System::n_states`] (or its square for the
/// Jacobian); implementations must not allocate in [`System::rhs`]. Times are in seconds.
pub trait System {
    /// Number of states `n`.
    fn n_states(&self) -> usize;

    /// Right-hand side: writes `dx = f(t, x)`.
    fn rhs(&self, t: f64, x: &[f64], dx: &mut [f64]);

    /// Jacobian `J_{ij} = ∂f_i/∂x_j (t, x)`, dense and row-major (`jac[i * n + j]`).
    ///
    /// The default uses forward differences, `J e_j ≈ (f(t, x + δ_j e_j) − f(t, x)) / δ_j`
    /// with `δ_j = √ε · max(|x_j|, 1)`: `n + 1` evaluations of [`System::rhs`], accurate to about
    /// `√ε ≈ 1.5e-8` relative, which is enough for Newton iterations. It allocates `3n` scratch
    /// values per call; systems used in hot loops should override it with the exact Jacobian.
    fn jacobian(&self, t: f64, x: &[f64], jac: &mut [f64]) {
        let n = self.n_states();
        let mut scratch = vec![0.0; 3 * n];
        finite_difference_jacobian(self, t, x, &mut scratch, jac);
    }

    /// Linear-diagonal split `ẋ_j = a_j(t, x) − b_j(t, x) x_j`: writes `a` and `b` and returns
    /// `true`, or returns `false` (the default) when the system does not provide one.
    ///
    /// The split must be consistent with [`System::rhs`]: `f_j = a_j − b_j x_j`. Exponential
    /// integrators freeze `a` and `b` over a step and integrate the scalar linear ODEs exactly,
    /// which is unconditionally stable for `b ≥ 0`.
    fn split(&self, t: f64, x: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        let _ = (t, x, a, b);
        false
    }

    /// Overwrites the *prescribed* components of `x` (those given as functions of time, not
    /// integrated: the voltage of a circuit node driven by an ideal voltage source) with their
    /// values at `t`. The solvers call it on the state at the end of every step and on every
    /// output sample; [`System::rhs`] must not depend on these components, and their derivative
    /// there is zero. Default: no prescribed component.
    fn prescribe(&self, t: f64, x: &mut [f64]) {
        let _ = (t, x);
    }

    /// Names of the states, used in error messages and output columns. Default: `x0, x1, …`.
    fn state_names(&self) -> Vec<String> {
        (0..self.n_states()).map(|i| format!("x{i}")).collect()
    }
}

/// Forward-difference Jacobian without allocation (see [`System::jacobian`]).
///
/// `scratch` must hold at least `3n` values; `jac` holds `n²`.
pub fn finite_difference_jacobian<S: System + ?Sized>(
    system: &S,
    t: f64,
    x: &[f64],
    scratch: &mut [f64],
    jac: &mut [f64],
) {
    let n = system.n_states();
    debug_assert!(scratch.len() >= 3 * n && jac.len() >= n * n && x.len() == n);
    let (f0, rest) = scratch.split_at_mut(n);
    let (xp, rest) = rest.split_at_mut(n);
    let fp = &mut rest[..n];
    system.rhs(t, x, f0);
    xp.copy_from_slice(x);
    for j in 0..n {
        let delta = f64::EPSILON.sqrt() * x[j].abs().max(1.0);
        xp[j] = x[j] + delta;
        // The actual increment, exactly representable, reduces rounding error.
        let dj = xp[j] - x[j];
        system.rhs(t, xp, fp);
        for i in 0..n {
            jac[i * n + j] = (fp[i] - f0[i]) / dj;
        }
        xp[j] = x[j];
    }
}

pub mod test_systems {
    //! Small ODEs with exact solutions, used to verify the solvers (convergence order, stiff
    //! damping, dense output). Each implements [`AnalyticSystem`]: an initial state at `t = 0`
    //! and the exact solution `x(t)`. All provide the exponential split.

    use super::System;

    /// A [`System`] with a known initial state at `t = 0` and exact solution.
    pub trait AnalyticSystem: System {
        /// Initial state `x(0)`.
        fn initial(&self) -> Vec<f64>;
        /// Exact solution `x(t)`.
        fn exact(&self, t: f64) -> Vec<f64>;
    }

    /// Forced linear decay `ẋ = a − b x` with constants `a`, `b`:
    /// `x(t) = a/b + (x₀ − a/b) e^{−bt}`.
    ///
    /// Constant-coefficient linear: exponential integrators are exact on it.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct ExponentialDecay {
        /// Source term `a`.
        pub a: f64,
        /// Rate `b` \[1/s\], nonzero.
        pub b: f64,
        /// Initial value `x₀`.
        pub x0: f64,
    }

    impl System for ExponentialDecay {
        fn n_states(&self) -> usize {
            1
        }
        fn rhs(&self, _t: f64, x: &[f64], dx: &mut [f64]) {
            dx[0] = self.a - self.b * x[0];
        }
        fn jacobian(&self, _t: f64, _x: &[f64], jac: &mut [f64]) {
            jac[0] = -self.b;
        }
        fn split(&self, _t: f64, _x: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
            a[0] = self.a;
            b[0] = self.b;
            true
        }
    }

    impl AnalyticSystem for ExponentialDecay {
        fn initial(&self) -> Vec<f64> {
            vec![self.x0]
        }
        fn exact(&self, t: f64) -> Vec<f64> {
            let s = self.a / self.b;
            vec![s + (self.x0 - s) * (-self.b * t).exp()]
        }
    }

    /// Harmonic oscillator `ẋ₀ = x₁`, `ẋ₁ = −ω² x₀` from `x(0) = (1, 0)`:
    /// `x(t) = (cos ωt, −ω sin ωt)`.
    ///
    /// Split: `a = (x₁, −ω² x₀)`, `b = 0` (the coupling is all in `a`, so exponential methods
    /// reduce to their underlying explicit schemes).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct LinearOscillator {
        /// Angular frequency ω \[rad/s\].
        pub omega: f64,
    }

    impl System for LinearOscillator {
        fn n_states(&self) -> usize {
            2
        }
        fn rhs(&self, _t: f64, x: &[f64], dx: &mut [f64]) {
            dx[0] = x[1];
            dx[1] = -self.omega * self.omega * x[0];
        }
        fn jacobian(&self, _t: f64, _x: &[f64], jac: &mut [f64]) {
            jac.copy_from_slice(&[0.0, 1.0, -self.omega * self.omega, 0.0]);
        }
        fn split(&self, t: f64, x: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
            self.rhs(t, x, a);
            b.fill(0.0);
            true
        }
        fn state_names(&self) -> Vec<String> {
            vec!["position".into(), "velocity".into()]
        }
    }

    impl AnalyticSystem for LinearOscillator {
        fn initial(&self) -> Vec<f64> {
            vec![1.0, 0.0]
        }
        fn exact(&self, t: f64) -> Vec<f64> {
            let w = self.omega;
            vec![(w * t).cos(), -w * (w * t).sin()]
        }
    }

    /// Prothero–Robinson problem `ẋ = −λ (x − sin t) + cos t`, stiff for large `λ > 0`:
    /// `x(t) = sin t + (x₀ − 0) e^{−λt}`.
    ///
    /// With `x₀ ≠ 0` it starts off the slow manifold `x = sin t`, so a step `h ≫ 1/λ` shows
    /// whether a method damps the fast transient (L-stable) or lets it ring (A-stable only).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct ProtheroRobinson {
        /// Stiffness λ \[1/s\], positive.
        pub lambda: f64,
        /// Initial value `x₀`.
        pub x0: f64,
    }

    impl System for ProtheroRobinson {
        fn n_states(&self) -> usize {
            1
        }
        fn rhs(&self, t: f64, x: &[f64], dx: &mut [f64]) {
            dx[0] = -self.lambda * (x[0] - t.sin()) + t.cos();
        }
        fn jacobian(&self, _t: f64, _x: &[f64], jac: &mut [f64]) {
            jac[0] = -self.lambda;
        }
        fn split(&self, t: f64, _x: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
            a[0] = self.lambda * t.sin() + t.cos();
            b[0] = self.lambda;
            true
        }
    }

    impl AnalyticSystem for ProtheroRobinson {
        fn initial(&self) -> Vec<f64> {
            vec![self.x0]
        }
        fn exact(&self, t: f64) -> Vec<f64> {
            vec![t.sin() + self.x0 * (-self.lambda * t).exp()]
        }
    }

    /// Logistic growth `ẋ = r x (1 − x/K)` (nonlinear):
    /// `x(t) = K x₀ e^{rt} / (K + x₀ (e^{rt} − 1))`.
    ///
    /// Split: `a = r x`, `b = r x / K` (state-dependent coefficients, so exponential Euler is
    /// first order here).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Logistic {
        /// Growth rate `r` \[1/s\].
        pub r: f64,
        /// Carrying capacity `K`, positive.
        pub k: f64,
        /// Initial value `x₀`, positive.
        pub x0: f64,
    }

    impl System for Logistic {
        fn n_states(&self) -> usize {
            1
        }
        fn rhs(&self, _t: f64, x: &[f64], dx: &mut [f64]) {
            dx[0] = self.r * x[0] * (1.0 - x[0] / self.k);
        }
        fn jacobian(&self, _t: f64, x: &[f64], jac: &mut [f64]) {
            jac[0] = self.r * (1.0 - 2.0 * x[0] / self.k);
        }
        fn split(&self, _t: f64, x: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
            a[0] = self.r * x[0];
            b[0] = self.r * x[0] / self.k;
            true
        }
    }

    impl AnalyticSystem for Logistic {
        fn initial(&self) -> Vec<f64> {
            vec![self.x0]
        }
        fn exact(&self, t: f64) -> Vec<f64> {
            let e = (self.r * t).exp();
            vec![self.k * self.x0 * e / (self.k + self.x0 * (e - 1.0))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_systems::*;
    use super::*;

    /// Uses the default (finite-difference) Jacobian.
    struct NoJac(Logistic);
    impl System for NoJac {
        fn n_states(&self) -> usize {
            1
        }
        fn rhs(&self, t: f64, x: &[f64], dx: &mut [f64]) {
            self.0.rhs(t, x, dx);
        }
    }

    #[test]
    fn finite_difference_jacobian_matches_exact() {
        let sys = Logistic {
            r: 2.0,
            k: 3.0,
            x0: 0.5,
        };
        let (mut exact, mut fd) = ([0.0], [0.0]);
        sys.jacobian(0.0, &[1.2], &mut exact);
        NoJac(sys).jacobian(0.0, &[1.2], &mut fd);
        assert!((exact[0] - fd[0]).abs() < 1e-7, "{exact:?} vs {fd:?}");
        let osc = LinearOscillator { omega: 3.0 };
        let (mut j, mut s) = ([0.0; 4], [0.0; 6]);
        finite_difference_jacobian(&osc, 0.0, &[0.3, -0.2], &mut s, &mut j);
        for (a, b) in j.iter().zip([0.0, 1.0, -9.0, 0.0]) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn splits_agree_with_rhs_and_exact_solutions_satisfy_the_ode() {
        let systems: Vec<Box<dyn AnalyticSystem>> = vec![
            Box::new(ExponentialDecay {
                a: 0.5,
                b: 2.0,
                x0: 1.0,
            }),
            Box::new(LinearOscillator { omega: 2.0 }),
            Box::new(ProtheroRobinson {
                lambda: 50.0,
                x0: 1.0,
            }),
            Box::new(Logistic {
                r: 1.5,
                k: 2.0,
                x0: 0.1,
            }),
        ];
        for sys in &systems {
            let n = sys.n_states();
            assert_eq!(sys.exact(0.0), sys.initial());
            let (t, h) = (0.3, 1e-6);
            let x = sys.exact(t);
            let (mut f, mut a, mut b) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            sys.rhs(t, &x, &mut f);
            assert!(sys.split(t, &x, &mut a, &mut b));
            let (xp, xm) = (sys.exact(t + h), sys.exact(t - h));
            for j in 0..n {
                assert!((f[j] - (a[j] - b[j] * x[j])).abs() < 1e-12 * (1.0 + f[j].abs()));
                let fd = (xp[j] - xm[j]) / (2.0 * h);
                assert!(
                    (fd - f[j]).abs() < 1e-5 * (1.0 + f[j].abs()),
                    "{fd} vs {}",
                    f[j]
                );
            }
        }
        assert_eq!(LinearOscillator { omega: 1.0 }.state_names()[1], "velocity");
        assert_eq!(
            ExponentialDecay {
                a: 0.0,
                b: 1.0,
                x0: 1.0
            }
            .state_names(),
            ["x0"]
        );
    }
}
