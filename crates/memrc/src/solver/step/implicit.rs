//! Implicit one-step methods with simplified Newton iterations on a dense LU.
//!
//! Every implicit stage here has the form `Y = z + c f(t_s, Y)`, solved by Newton with the
//! matrix `M = I − c J`, `J = ∂f/∂x` evaluated once at the start of the step and `M`
//! factored once per step size ([`DenseLu`]), then reused for all iterations (and, for SDIRK2,
//! both stages, which share `c = γh`).
//!
//! - [`Theta`]: `x₁ = x₀ + h ((1 − θ) f(t, x₀) + θ f(t + h, x₁))`, the implicit schemes of
//!   [`LinearStep`] applied to the whole system. With `θ = ½` the trapezoid rule
//!   (Crank–Nicolson): order 2, A-stable, satisfies discrete energy identities exactly; but its
//!   stability function `R(z) = (1 + z/2)/(1 − z/2) → −1` as `z → −∞`, so stiff transients are
//!   not damped: they flip sign every step and decay only like `|R(λh)|ᵏ`. With `θ = 1`
//!   implicit (backward) Euler: order 1, L-stable.
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

use super::{AdaptiveStep, Attempt, Ctx, FixedStep, StepResult, error_norm, starting_step};
use crate::discretisation::LinearStep;
use crate::error::SolverError;
use crate::math::DenseLu;
use crate::solver::{Method, Statistics};

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

impl Newton {
    /// `Ok` when converged; else the error of a fixed step of `method` ending at `t` with the
    /// iterate `y`: `NonFinite` if `y` blew up, `NotConverged` otherwise.
    fn into_result(
        self,
        cx: &Ctx<'_>,
        method: &str,
        t: f64,
        y: &[f64],
        iters: usize,
    ) -> StepResult {
        let Newton::Failed { change, residual } = self else {
            return Ok(());
        };
        cx.check_finite(t, y)?;
        Err(SolverError::NotConverged {
            method: format!(
                "{method} Newton iteration at t = {}",
                crate::error::time_text(t)
            ),
            iterations: iters,
            last_change: change,
            last_residual: residual,
        })
    }
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

    fn jacobian(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) {
        cx.jacobian(t, x, &mut self.jac);
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
    fn solve(
        &mut self,
        cx: &mut Ctx<'_>,
        (ts, c): (f64, f64),
        z: &[f64],
        y: &mut [f64],
        settings: &NewtonSettings,
    ) -> Newton {
        let mut previous = f64::INFINITY;
        let (mut change, mut residual) = (f64::NAN, f64::NAN);
        for k in 0..settings.max_iters {
            cx.rhs(ts, y, &mut self.f);
            for (((d, z), f), y) in self.delta.iter_mut().zip(z).zip(&self.f).zip(y.iter()) {
                *d = z + c * f - y;
            }
            residual = error_norm(&self.delta, y, y, settings.rtol, settings.atol);
            self.lu.solve(&mut self.delta);
            cx.stats.newton_iterations += 1;
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

/// The implicit schemes of [`LinearStep`] on the whole system, fixed step:
/// `x₁ = x₀ + h ((1 − θ) f(t, x₀) + θ f(t + h, x₁))`, with `θ = ½` for
/// [`LinearStep::Trapezoid`] (Crank–Nicolson; order 2, A-stable, not L-stable) and `θ = 1` for
/// [`LinearStep::ImplicitEuler`] (order 1, L-stable). Predicted by explicit Euler.
#[derive(Debug, Clone)]
pub struct Theta {
    scheme: LinearStep,
    theta: f64,
    work: NewtonWork,
    settings: NewtonSettings,
    f0: Vec<f64>,
    z: Vec<f64>,
    y: Vec<f64>,
}

impl Theta {
    /// Workspace for `n` states; `scheme` is [`LinearStep::Trapezoid`] or
    /// [`LinearStep::ImplicitEuler`] (any other scheme is taken as implicit Euler).
    pub fn new(n: usize, scheme: LinearStep, settings: NewtonSettings) -> Self {
        Theta {
            scheme,
            theta: if scheme == LinearStep::Trapezoid {
                0.5
            } else {
                1.0
            },
            work: NewtonWork::new(n),
            settings,
            f0: vec![0.0; n],
            z: vec![0.0; n],
            y: vec![0.0; n],
        }
    }
}

/// How often a fixed step of [`Theta`] is halved when its Newton iteration fails (down to
/// `h/64`), before the failure is reported.
const MAX_HALVINGS: u32 = 6;

impl Theta {
    /// One step of `h`; where Newton does not converge (or the time-step matrix is singular),
    /// the step is replaced by two steps of `h/2`, recursively up to [`MAX_HALVINGS`] times, so
    /// that a stiff upstroke inside a step does not stop the run; the failure of a step of
    /// `h/64` is reported.
    fn step_or_halve(
        &mut self,
        cx: &mut Ctx<'_>,
        t: f64,
        h: f64,
        x: &mut [f64],
        halvings: u32,
    ) -> StepResult {
        match self.attempt(cx, t, h, x) {
            Err(
                SolverError::NotConverged { .. }
                | SolverError::Singular { .. }
                | SolverError::NonFinite { .. },
            ) if halvings > 0 => {
                self.step_or_halve(cx, t, 0.5 * h, x, halvings - 1)?;
                self.step_or_halve(cx, t + 0.5 * h, 0.5 * h, x, halvings - 1)
            }
            other => other,
        }
    }

    fn attempt(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult {
        cx.rhs(t, x, &mut self.f0);
        self.work.jacobian(cx, t, x);
        let c = self.theta * h;
        self.work.factor(c, t, &mut cx.stats)?;
        let explicit = (1.0 - self.theta) * h;
        for (((z, y), x), f) in self
            .z
            .iter_mut()
            .zip(self.y.iter_mut())
            .zip(x.iter())
            .zip(&self.f0)
        {
            *z = x + explicit * f;
            *y = x + h * f; // explicit Euler predictor
        }
        let name = Method::Linear(self.scheme).name();
        let iters = self.settings.max_iters;
        self.work
            .solve(cx, (t + h, c), &self.z, &mut self.y, &self.settings)
            .into_result(cx, name, t + h, &self.y, iters)?;
        x.copy_from_slice(&self.y);
        Ok(())
    }
}

impl FixedStep for Theta {
    fn step(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult {
        self.step_or_halve(cx, t, h, x, MAX_HALVINGS)
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
    fn stages(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &[f64]) -> StepResult<Newton> {
        if self.jac_t != t {
            self.work.jacobian(cx, t, x);
            self.jac_t = t;
            self.lu_h = f64::NAN;
        }
        let c = GAMMA * h;
        if self.lu_h != h {
            self.work.factor(c, t, &mut cx.stats)?;
            self.lu_h = h;
        }
        // Stage 1: Y₁ = x + γh f(t + γh, Y₁), predicted along d0.
        for ((y, x), d) in self.x_new.iter_mut().zip(x).zip(&self.d0) {
            *y = x + c * d;
        }
        if let failed @ Newton::Failed { .. } =
            self.work
                .solve(cx, (t + c, c), x, &mut self.x_new, &self.settings)
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
        let outcome = self
            .work
            .solve(cx, (t + h, c), &self.z, &mut self.x_new, &self.settings);
        for ((k2, y), z) in self.k2.iter_mut().zip(&self.x_new).zip(&self.z) {
            *k2 = (y - z) / c;
        }
        Ok(outcome)
    }

    fn ensure_d0(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) {
        if self.d0_t != t {
            cx.rhs(t, x, &mut self.d0);
            self.d0_t = t;
        }
    }
}

impl FixedStep for Sdirk2 {
    fn step(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult {
        self.shift();
        self.ensure_d0(cx, t, x);
        let iters = self.settings.max_iters;
        self.stages(cx, t, h, x)?
            .into_result(cx, "SDIRK2", t + h, &self.x_new, iters)?;
        x.copy_from_slice(&self.x_new);
        // The next step's predictor derivative.
        std::mem::swap(&mut self.d0, &mut self.k2);
        self.d0_t = t + h;
        Ok(())
    }
}

impl AdaptiveStep for Sdirk2 {
    fn error_order(&self) -> usize {
        1
    }

    fn restart(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) {
        self.shift_pending = false;
        self.d0_t = f64::NAN;
        self.jac_t = f64::NAN;
        self.ensure_d0(cx, t, x);
    }

    fn initial_step(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) -> f64 {
        starting_step(cx, t, x, &self.d0, &mut self.z, &mut self.err, 2)
    }

    fn attempt(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &[f64]) -> StepResult<Attempt> {
        self.shift();
        self.x_old.copy_from_slice(x);
        self.h = h;
        if let Newton::Failed { change, residual } = self.stages(cx, t, h, x)? {
            return Ok(Attempt::NewtonFailed { change, residual });
        }
        for ((e, k1), k2) in self.err.iter_mut().zip(&self.k1).zip(&self.k2) {
            *e = h * GAMMA * (k2 - k1);
        }
        self.work.lu.solve(&mut self.err);
        Ok(cx.judge(&self.err, x, &self.x_new))
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
