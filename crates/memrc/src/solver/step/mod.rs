//! One step of each time-stepping method, with its workspace allocated once in `new(n)`.
//!
//! - [`exponential`]: [`Exponential`], the exponential schemes of
//!   [`crate::discretisation::LinearStep`] (Rush–Larsen, EXP2, exponential-linear) built on
//!   [`System::split`].
//! - [`rk`]: explicit Runge–Kutta, [`Rk4`] and [`DormandPrince45`] with dense output.
//! - [`implicit`]: [`Theta`] (implicit Euler and the trapezoid rule) and the L-stable
//!   [`Sdirk2`], with simplified Newton on a dense LU ([`crate::math::DenseLu`]).
//!
//! Fixed-step use goes through [`FixedStep`]; error-controlled use through [`AdaptiveStep`],
//! which the driver [`crate::solver::solve`] runs. Neither allocates per step. Both see the
//! system through a [`Ctx`], which counts every evaluation in the run's [`Statistics`] and
//! holds the tolerances of the error norm.

pub mod exponential;
pub mod implicit;
pub mod rk;

pub use exponential::Exponential;
pub use implicit::{NewtonSettings, Sdirk2, Theta};
pub use rk::{DormandPrince45, Rk4};

use super::Statistics;
use crate::error::SolverError;
use crate::system::System;

/// The outcome of a step: `Ok` or an unrecoverable [`SolverError`].
pub type StepResult<T = ()> = Result<T, SolverError>;

/// The system as the steppers see it, with the run's tolerances and work counters: every
/// evaluation of [`System::rhs`], [`System::split`] and [`System::jacobian`] goes through here
/// and is counted once, in one place.
pub struct Ctx<'a> {
    system: &'a dyn System,
    /// Relative tolerance of the error norm ([`Ctx::error_norm`]).
    pub rtol: f64,
    /// Absolute tolerance of the error norm (units of the states).
    pub atol: f64,
    /// Work counters of the run so far.
    pub stats: Statistics,
}

impl<'a> Ctx<'a> {
    /// [`System::prescribe`] of the system: its prescribed components of `x` at `t`.
    pub fn prescribe(&self, t: f64, x: &mut [f64]) {
        self.system.prescribe(t, x);
    }

    /// A context for `system` with the tolerances `rtol`, `atol` and zero counters.
    pub fn new(system: &'a dyn System, rtol: f64, atol: f64) -> Self {
        Ctx {
            system,
            rtol,
            atol,
            stats: Statistics::default(),
        }
    }

    /// The system.
    pub fn system(&self) -> &'a dyn System {
        self.system
    }

    /// `dx = f(t, x)`, counted in [`Statistics::rhs_evals`].
    pub fn rhs(&mut self, t: f64, x: &[f64], dx: &mut [f64]) {
        self.stats.rhs_evals += 1;
        self.system.rhs(t, x, dx);
    }

    /// The split `f = a − b x` ([`System::split`]), counted in [`Statistics::split_evals`].
    pub fn split(&mut self, t: f64, x: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        self.stats.split_evals += 1;
        self.system.split(t, x, a, b)
    }

    /// The Jacobian `∂f/∂x` ([`System::jacobian`]), counted in [`Statistics::jacobian_evals`].
    pub fn jacobian(&mut self, t: f64, x: &[f64], jac: &mut [f64]) {
        self.stats.jacobian_evals += 1;
        self.system.jacobian(t, x, jac);
    }

    /// Weighted RMS norm `√(mean((e_i / (atol + rtol·max(|a_i|, |b_i|)))²))` with the
    /// context's tolerances; NaN propagates.
    pub fn error_norm(&self, e: &[f64], a: &[f64], b: &[f64]) -> f64 {
        error_norm(e, a, b, self.rtol, self.atol)
    }

    /// `NonFinite` naming the first non-finite entry of `x`, if any.
    ///
    /// # Errors
    /// [`SolverError::NonFinite`] naming the state ([`System::state_names`]).
    pub fn check_finite(&self, t: f64, x: &[f64]) -> StepResult {
        super::check_finite(self.system, t, x)
    }

    /// The [`Attempt`] of a candidate `x_new` with the local error estimate `err`: its weighted
    /// norm against `x` and `x_new`, or `∞` when `x_new` is not finite.
    fn judge(&self, err: &[f64], x: &[f64], x_new: &[f64]) -> Attempt {
        let norm = self.error_norm(err, x, x_new);
        let finite = x_new.iter().all(|v| v.is_finite());
        Attempt::Error(if finite { norm } else { f64::INFINITY })
    }
}

/// A method advanced with a step chosen by the caller.
pub trait FixedStep {
    /// Advances `x` from `t` to `t + h` in place.
    ///
    /// # Errors
    /// Method-specific failures: a missing split (`BadSetting`), Newton not converging
    /// (`NotConverged`, or `NonFinite` when the iterate blew up), a singular Newton matrix.
    fn step(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult;
}

/// Outcome of one trial step of an adaptive method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    /// Weighted RMS norm of the local error estimate (weights `atol + rtol·max(|x₀|, |x₁|)`):
    /// the step is acceptable when it is ≤ 1. NaN or ∞ when the trial state is not finite.
    Error(f64),
    /// The Newton iteration of an implicit stage failed; retry with a smaller step.
    NewtonFailed {
        /// Last weighted norm of the Newton update.
        change: f64,
        /// Last weighted norm of the stage residual.
        residual: f64,
    },
}

/// A method with a local error estimate and a continuous extension.
///
/// Protocol: [`restart`](AdaptiveStep::restart) at the start and after each breakpoint; then
/// repeatedly [`attempt`](AdaptiveStep::attempt) a step, and on acceptance
/// [`accept`](AdaptiveStep::accept) it, after which [`interpolate`](AdaptiveStep::interpolate)
/// evaluates the solution inside that step until the next attempt.
pub trait AdaptiveStep {
    /// Order `q` of the error estimate: the estimate scales like `h^{q+1}`.
    fn error_order(&self) -> usize;

    /// Forgets history and evaluates what the method needs at `(t, x)` (e.g. `f(t, x)`).
    fn restart(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]);

    /// A first trial step for `(t, x)` after [`restart`](AdaptiveStep::restart) (Hairer,
    /// Nørsett & Wanner, *Solving ODEs I*, §II.4).
    fn initial_step(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) -> f64;

    /// Tries a step of size `h` from `(t, x)`; keeps the candidate internally.
    ///
    /// # Errors
    /// Only unrecoverable failures (a singular Newton matrix); a poor step is an [`Attempt`].
    fn attempt(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &[f64]) -> StepResult<Attempt>;

    /// Accepts the last attempt: writes the new state into `x`.
    fn accept(&mut self, x: &mut [f64]);

    /// The continuous extension of the last accepted step at `t + θh`, `θ ∈ [0, 1]`.
    fn interpolate(&self, theta: f64, out: &mut [f64]);

    /// Whether [`interpolate`](AdaptiveStep::interpolate) is accurate to the method's
    /// tolerance; if not, the driver lands on every output time instead.
    fn has_dense_output(&self) -> bool;
}

/// Weighted RMS norm `√(mean((e_i / (atol + rtol·max(|a_i|, |b_i|)))²))`; NaN propagates.
pub(crate) fn error_norm(e: &[f64], a: &[f64], b: &[f64], rtol: f64, atol: f64) -> f64 {
    let n = e.len().max(1) as f64;
    let s: f64 = e
        .iter()
        .zip(a.iter().zip(b))
        .map(|(e, (a, b))| {
            let w = atol + rtol * a.abs().max(b.abs());
            let r = e / w;
            // atol = 0 with a zero state: a zero error is fine, any other is infinite.
            if r.is_nan() && *e == 0.0 { 0.0 } else { r * r }
        })
        .sum();
    (s / n).sqrt()
}

/// The standard starting step: `h₀ = 0.01‖x‖/‖f‖`, refined by one explicit Euler step so that
/// `h^{p+1} max(‖f‖, ‖f′‖) ≈ 0.01`. Uses `f0 = f(t, x)`; `x1`, `f1` are scratch. One rhs call.
pub(crate) fn starting_step(
    cx: &mut Ctx<'_>,
    t: f64,
    x: &[f64],
    f0: &[f64],
    x1: &mut [f64],
    f1: &mut [f64],
    order: usize,
) -> f64 {
    let zeros = f1; // reuse as a zero vector for the norms first
    zeros.fill(0.0);
    let d0 = cx.error_norm(x, x, zeros);
    let d1 = cx.error_norm(f0, x, zeros);
    let h0 = if d0 < 1e-5 || d1 < 1e-5 || !d1.is_finite() {
        1e-6
    } else {
        0.01 * d0 / d1
    };
    for ((x1, x), f) in x1.iter_mut().zip(x).zip(f0) {
        *x1 = x + h0 * f;
    }
    let f1 = zeros;
    cx.rhs(t + h0, x1, f1);
    for (f1, f0) in f1.iter_mut().zip(f0) {
        *f1 -= f0;
    }
    let d2 = cx.error_norm(f1, x, x) / h0;
    let m = d1.max(d2);
    let h1 = if m <= 1e-15 || !m.is_finite() {
        (h0 * 1e-3).max(1e-6)
    } else {
        (0.01 / m).powf(1.0 / (order as f64 + 1.0))
    };
    (100.0 * h0).min(h1)
}
