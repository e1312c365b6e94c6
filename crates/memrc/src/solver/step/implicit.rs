//! Implicit one-step methods with simplified Newton iterations on a dense LU.
//!
//! Every implicit stage here has the form `Y = z + c f(t_s, Y)`, solved by Newton with the
//! matrix `M = I − c J`, `J = ∂f/∂x` evaluated once at the start of the step and `M`
//! factored once per step size ([`DenseLu`]), then reused for all iterations (and, for SDIRK2,
//! both stages, which share `c = γh`).
//!
//! - [`Trapezoid`] (Crank–Nicolson): `x₁ = x₀ + h/2 (f(t, x₀) + f(t + h, x₁))`. Order 2,
//!   A-stable, satisfies discrete energy identities exactly; but its stability function
//!   `R(z) = (1 + z/2)/(1 − z/2) → −1` as `z → −∞`, so stiff transients are not damped: they
//!   flip sign every step and decay only like `|R(λh)|ᵏ`.
//! - [`Sdirk2`]: the two-stage, stiffly accurate, L-stable SDIRK of order 2 with
//!   `γ = 1 − 1/√2` (Alexander 1977):
//!
//!   ```text
//!     γ   | γ
//!     1   | 1−γ   γ
//!     ----+----------
//!         | 1−γ   γ
//!   ```
//!
//!   `R(∞) = 0`: stiff components are damped in one step. Chosen over TR-BDF2 (also L-stable,
//!   order 2) for its simpler structure — an RK tableau with equal diagonal, so one LU per step,
//!   and the result is the last stage — and over fixed-step BDF2 because it is one-step: it
//!   restarts at breakpoints (pulse edges) without a start-up procedure and changes step size
//!   freely. The embedded first-order solution `x̂₁ = x₀ + h k₁` gives the estimate
//!   `h γ (k₂ − k₁)`, filtered through `M⁻¹` (Shampine's device) so stiff components do not
//!   inflate it. Its continuous extension (cubic Hermite on the end points and their
//!   derivatives) is not accurate for stiff components, so the driver lands on output times.

use super::lu::DenseLu;
use super::{AdaptiveStep, Attempt, FixedStep, error_norm, starting_step};
use crate::error::SolverError;
use crate::solver::{Statistics, check_finite};
use crate::system::System;

/// Newton settings of implicit stages (from [`crate::solver::Config`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonSettings {
    /// Relative weight in the update norm.
    pub rtol: f64,
    /// Absolute weight in the update norm.
    pub atol: f64,
    /// Converged when the weighted RMS update is below this.
    pub tol: f64,
    /// Iterations before giving up.
    pub max_iters: usize,
}

impl Default for NewtonSettings {
    fn default() -> Self {
        NewtonSettings {
            rtol: 1e-6,
            atol: 1e-9,
            tol: 1e-3,
            max_iters: 10,
        }
    }
}

/// Outcome of a Newton solve.
enum Newton {
    Converged,
    Failed { change: f64, residual: f64 },
}

/// Newton buffers shared by the implicit methods.
#[derive(Debug, Clone)]
struct NewtonWork {
    jac: Vec<f64>,
    lu: DenseLu,
    f: Vec<f64>,
    delta: Vec<f64>,
}

impl NewtonWork {
    fn new(n: usize) -> Self {
        NewtonWork {
            jac: vec![0.0; n * n],
            lu: DenseLu::new(n),
            f: vec![0.0; n],
            delta: vec![0.0; n],
        }
    }

    fn jacobian(&mut self, system: &dyn System, t: f64, x: &[f64], stats: &mut Statistics) {
        system.jacobian(t, x, &mut self.jac);
        stats.jacobian_evals += 1;
    }

    fn factor(&mut self, c: f64, t: f64, stats: &mut Statistics) -> Result<(), SolverError> {
        stats.lu_factorizations += 1;
        self.lu
            .factor_shifted(&self.jac, c)
            .map_err(|_| SolverError::Singular {
                what: "Newton matrix I - c J".into(),
                t,
            })
    }

    /// Solves `y = z + c f(ts, y)` from the initial guess in `y`.
    #[allow(clippy::too_many_arguments)]
    fn solve(
        &mut self,
        system: &dyn System,
        ts: f64,
        c: f64,
        z: &[f64],
        y: &mut [f64],
        settings: &NewtonSettings,
        stats: &mut Statistics,
    ) -> Newton {
        let mut previous = f64::INFINITY;
        let (mut change, mut residual) = (f64::NAN, f64::NAN);
        for k in 0..settings.max_iters {
            system.rhs(ts, y, &mut self.f);
            stats.rhs_evals += 1;
            for (((d, z), f), y) in self.delta.iter_mut().zip(z).zip(&self.f).zip(y.iter()) {
                *d = z + c * f - y;
            }
            residual = error_norm(&self.delta, y, y, settings.rtol, settings.atol);
            self.lu.solve(&mut self.delta);
            stats.newton_iterations += 1;
            let negligible = self
                .delta
                .iter()
                .zip(y.iter())
                .all(|(d, y)| d.abs() <= 4.0 * f64::EPSILON * y.abs());
            for (y, d) in y.iter_mut().zip(&self.delta) {
                *y += d;
            }
            change = error_norm(&self.delta, y, y, settings.rtol, settings.atol);
            if !change.is_finite() {
                break;
            }
            if change <= settings.tol || negligible {
                return Newton::Converged;
            }
            if k > 0 {
                let rate = change / previous;
                if rate >= 1.0 {
                    break; // diverging
                }
                if rate / (1.0 - rate) * change <= settings.tol {
                    return Newton::Converged;
                }
            }
            previous = change;
        }
        Newton::Failed { change, residual }
    }
}

fn fixed_step_failure(
    system: &dyn System,
    name: &str,
    t: f64,
    y: &[f64],
    iterations: usize,
    change: f64,
    residual: f64,
) -> SolverError {
    match check_finite(system, t, y) {
        Err(e) => e,
        Ok(()) => SolverError::NotConverged {
            method: format!("{name} Newton iteration at t = {t} s"),
            iterations,
            last_change: change,
            last_residual: residual,
        },
    }
}

/// Trapezoid (Crank–Nicolson) rule, fixed step. Order 2, A-stable (not L-stable).
#[derive(Debug, Clone)]
pub struct Trapezoid {
    work: NewtonWork,
    settings: NewtonSettings,
    f0: Vec<f64>,
    z: Vec<f64>,
    y: Vec<f64>,
}

impl Trapezoid {
    /// Workspace for `n` states.
    pub fn new(n: usize, settings: NewtonSettings) -> Self {
        Trapezoid {
            work: NewtonWork::new(n),
            settings,
            f0: vec![0.0; n],
            z: vec![0.0; n],
            y: vec![0.0; n],
        }
    }
}

impl FixedStep for Trapezoid {
    fn step(
        &mut self,
        system: &dyn System,
        t: f64,
        h: f64,
        x: &mut [f64],
        stats: &mut Statistics,
    ) -> Result<(), SolverError> {
        system.rhs(t, x, &mut self.f0);
        stats.rhs_evals += 1;
        self.work.jacobian(system, t, x, stats);
        self.work.factor(0.5 * h, t, stats)?;
        for (((z, y), x), f) in self
            .z
            .iter_mut()
            .zip(self.y.iter_mut())
            .zip(x.iter())
            .zip(&self.f0)
        {
            *z = x + 0.5 * h * f;
            *y = x + h * f; // explicit Euler predictor
        }
        match self.work.solve(
            system,
            t + h,
            0.5 * h,
            &self.z,
            &mut self.y,
            &self.settings,
            stats,
        ) {
            Newton::Converged => {
                x.copy_from_slice(&self.y);
                Ok(())
            }
            Newton::Failed { change, residual } => Err(fixed_step_failure(
                system,
                "trapezoid",
                t + h,
                &self.y,
                self.settings.max_iters,
                change,
                residual,
            )),
        }
    }
}

/// `γ = 1 − 1/√2`.
const GAMMA: f64 = 1.0 - std::f64::consts::FRAC_1_SQRT_2;

/// Two-stage L-stable SDIRK of order 2 with embedded error estimate. See the module docs.
#[derive(Debug, Clone)]
pub struct Sdirk2 {
    work: NewtonWork,
    settings: NewtonSettings,
    x_old: Vec<f64>,
    x_new: Vec<f64>,
    k1: Vec<f64>,
    k2: Vec<f64>,
    z: Vec<f64>,
    err: Vec<f64>,
    /// Derivative at the start of the current step (`f(t, x)` or the previous `k₂`).
    d0: Vec<f64>,
    /// Time at which `d0` is valid (NaN: unknown).
    d0_t: f64,
    /// Time at which `work.jac` was evaluated (NaN: stale).
    jac_t: f64,
    /// `h` of the current factorisation (NaN: none).
    lu_h: f64,
    h: f64,
    /// After `accept`, `d0` still belongs to the accepted step (for interpolation) and is
    /// replaced by `k₂` at the next attempt.
    shift_pending: bool,
}

impl Sdirk2 {
    /// Workspace for `n` states.
    pub fn new(n: usize, settings: NewtonSettings) -> Self {
        let v = || vec![0.0; n];
        Sdirk2 {
            work: NewtonWork::new(n),
            settings,
            x_old: v(),
            x_new: v(),
            k1: v(),
            k2: v(),
            z: v(),
            err: v(),
            d0: v(),
            d0_t: f64::NAN,
            jac_t: f64::NAN,
            lu_h: f64::NAN,
            h: 0.0,
            shift_pending: false,
        }
    }

    fn shift(&mut self) {
        if self.shift_pending {
            std::mem::swap(&mut self.d0, &mut self.k2);
            self.shift_pending = false;
        }
    }

    /// Both stages from `(t, x)`; the result in `x_new`. `Err` only for a singular matrix.
    fn stages(
        &mut self,
        system: &dyn System,
        t: f64,
        h: f64,
        x: &[f64],
        stats: &mut Statistics,
    ) -> Result<Newton, SolverError> {
        if self.jac_t != t {
            self.work.jacobian(system, t, x, stats);
            self.jac_t = t;
            self.lu_h = f64::NAN;
        }
        let c = GAMMA * h;
        if self.lu_h != h {
            self.work.factor(c, t, stats)?;
            self.lu_h = h;
        }
        // Stage 1: Y₁ = x + γh f(t + γh, Y₁), predicted along d0.
        for ((y, x), d) in self.x_new.iter_mut().zip(x).zip(&self.d0) {
            *y = x + c * d;
        }
        if let failed @ Newton::Failed { .. } =
            self.work
                .solve(system, t + c, c, x, &mut self.x_new, &self.settings, stats)
        {
            return Ok(failed);
        }
        // k₁ from the stage value (stable for stiff components, no extra f call).
        for ((k1, y), x) in self.k1.iter_mut().zip(&self.x_new).zip(x) {
            *k1 = (y - x) / c;
        }
        // Stage 2: Y₂ = z + γh f(t + h, Y₂), z = x + (1 − γ) h k₁; predicted by x + h k₁.
        for (((z, y), x), k1) in self
            .z
            .iter_mut()
            .zip(self.x_new.iter_mut())
            .zip(x)
            .zip(&self.k1)
        {
            *z = x + (1.0 - GAMMA) * h * k1;
            *y = x + h * k1;
        }
        let outcome = self.work.solve(
            system,
            t + h,
            c,
            &self.z,
            &mut self.x_new,
            &self.settings,
            stats,
        );
        for ((k2, y), z) in self.k2.iter_mut().zip(&self.x_new).zip(&self.z) {
            *k2 = (y - z) / c;
        }
        Ok(outcome)
    }

    fn ensure_d0(&mut self, system: &dyn System, t: f64, x: &[f64], stats: &mut Statistics) {
        if self.d0_t != t {
            system.rhs(t, x, &mut self.d0);
            stats.rhs_evals += 1;
            self.d0_t = t;
        }
    }
}

impl FixedStep for Sdirk2 {
    fn step(
        &mut self,
        system: &dyn System,
        t: f64,
        h: f64,
        x: &mut [f64],
        stats: &mut Statistics,
    ) -> Result<(), SolverError> {
        self.shift();
        self.ensure_d0(system, t, x, stats);
        match self.stages(system, t, h, x, stats)? {
            Newton::Converged => {
                x.copy_from_slice(&self.x_new);
                // The next step's predictor derivative.
                std::mem::swap(&mut self.d0, &mut self.k2);
                self.d0_t = t + h;
                Ok(())
            }
            Newton::Failed { change, residual } => Err(fixed_step_failure(
                system,
                "SDIRK2",
                t + h,
                &self.x_new,
                self.settings.max_iters,
                change,
                residual,
            )),
        }
    }
}

impl AdaptiveStep for Sdirk2 {
    fn error_order(&self) -> usize {
        1
    }

    fn restart(&mut self, system: &dyn System, t: f64, x: &[f64], stats: &mut Statistics) {
        self.shift_pending = false;
        self.d0_t = f64::NAN;
        self.jac_t = f64::NAN;
        self.ensure_d0(system, t, x, stats);
    }

    fn initial_step(
        &mut self,
        system: &dyn System,
        t: f64,
        x: &[f64],
        rtol: f64,
        atol: f64,
        stats: &mut Statistics,
    ) -> f64 {
        starting_step(
            system,
            t,
            x,
            &self.d0,
            &mut self.z,
            &mut self.err,
            2,
            rtol,
            atol,
            stats,
        )
    }

    fn attempt(
        &mut self,
        system: &dyn System,
        t: f64,
        h: f64,
        x: &[f64],
        rtol: f64,
        atol: f64,
        stats: &mut Statistics,
    ) -> Result<Attempt, SolverError> {
        self.shift();
        self.x_old.copy_from_slice(x);
        self.h = h;
        if let Newton::Failed { change, residual } = self.stages(system, t, h, x, stats)? {
            return Ok(Attempt::NewtonFailed { change, residual });
        }
        for ((e, k1), k2) in self.err.iter_mut().zip(&self.k1).zip(&self.k2) {
            *e = h * GAMMA * (k2 - k1);
        }
        self.work.lu.solve(&mut self.err);
        let norm = error_norm(&self.err, x, &self.x_new, rtol, atol);
        let finite = self.x_new.iter().all(|v| v.is_finite());
        Ok(Attempt::Error(if finite { norm } else { f64::INFINITY }))
    }

    fn accept(&mut self, x: &mut [f64]) {
        x.copy_from_slice(&self.x_new);
        self.shift_pending = true;
        self.d0_t = f64::NAN; // set properly by `shift` at the next attempt
        self.jac_t = f64::NAN;
    }

    /// No: the Hermite derivative `k₂ = f(t₁, x₁)` of a stiff component carries the error
    /// `λ·δ` of a state error `δ`, which an interpolant multiplies by `h`.
    fn has_dense_output(&self) -> bool {
        false
    }

    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        // Cubic Hermite on (x₀, d₀) and (x₁, k₂).
        let (s, h) = (theta, self.h);
        let h00 = (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s);
        let h10 = s * (1.0 - s) * (1.0 - s);
        let h01 = s * s * (3.0 - 2.0 * s);
        let h11 = s * s * (s - 1.0);
        for (i, o) in out.iter_mut().enumerate() {
            *o = h00 * self.x_old[i]
                + h * h10 * self.d0[i]
                + h01 * self.x_new[i]
                + h * h11 * self.k2[i];
        }
    }
}
