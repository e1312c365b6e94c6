//! Time-stepping solvers for a [`System`] `ẋ = f(t, x)`.
//!
//! The entry point is [`solve`]: pick a [`Method`] — one of the schemes of `ẋ = a − b x` that
//! the memRC discretisation uses ([`Method::Linear`] of a [`LinearStep`], applied to the whole
//! system) or a general Runge–Kutta method — fill a [`Config`] (step, tolerances,
//! breakpoints), and get a [`Solution`] sampled on a uniform output grid ([`Output`]) with the
//! run's [`Statistics`].
//!
//! | method | order | step | needs | use it when |
//! |---|---|---|---|---|
//! | [`LinearStep::ExponentialEuler`] | 1 | fixed | [`System::split`] | cheap, unconditionally stable gating updates (Rush–Larsen) |
//! | [`LinearStep::Exponential2`] | 2 | fixed | [`System::split`] | HH-type models at moderate `dt` (coefficients averaged over the step) |
//! | [`LinearStep::ExponentialLinear`] | 2 | fixed | [`System::split`] | as EXP2, coefficients linear over the step |
//! | [`LinearStep::ImplicitEuler`] | 1 | fixed | Jacobian | robust, L-stable, first order |
//! | [`LinearStep::Trapezoid`] | 2 | fixed | Jacobian | energy-consistent reference; A-stable but not L-stable |
//! | [`Method::Rk4`] | 4 | fixed | — | smooth non-stiff problems, reference runs |
//! | [`Method::DormandPrince45`] | 5(4) | adaptive | — | non-stiff problems to a tolerance, dense output |
//! | [`Method::Sdirk2`] | 2(1) | adaptive | Jacobian | stiff circuits (L-stable) |
//!
//! Fixed-step methods split every interval between consecutive output times and breakpoints
//! ([`Config::t_stops`]) into equal steps no larger than [`Config::dt`], so they land exactly on
//! both. Adaptive methods step exactly onto the breakpoints; Dormand–Prince fills the output
//! grid from its 4th-order continuous extension, SDIRK2 also lands on every output time (a
//! Hermite interpolant of a stiff solution inherits derivative errors `λ·δ`, so it is not
//! used). The per-step building blocks live in [`step`].
//!
//! **Breakpoints.** A step that ends on a breakpoint `t_s` evaluates `f` no later than the
//! float just below `t_s`, and the next step restarts from `f(t_s, x)`: a right-hand side that
//! switches on at `t_s` (written `t >= t_s`) is integrated with its left limit before `t_s` and
//! its right limit after, with no error-test failures at the edge.
//!
//! Failures are [`SolverError`]s: invalid settings give `BadSetting`, a state that becomes NaN or
//! infinite gives `NonFinite` naming the state ([`System::state_names`]); no NaN is returned.

pub mod step;

use crate::discretisation::LinearStep;
use crate::error::{Error, SolverError};
use crate::system::System;

use step::{AdaptiveStep, Attempt, Ctx, FixedStep};

/// Time-stepping method. See the table in the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// A one-step scheme of `ẋ = a − b x` ([`LinearStep`], one definition shared with the
    /// memRC discretisation) applied to the whole system: the exponential schemes on
    /// [`System::split`] ([`step::Exponential`]: exponential Euler / Rush–Larsen with the split
    /// frozen at the left node, order 1; EXP2 with the split averaged over the step, order 2),
    /// implicit Euler and the trapezoid (Crank–Nicolson) rule by simplified Newton
    /// ([`step::Theta`]).
    Linear(LinearStep),
    /// Classical fourth-order Runge–Kutta.
    Rk4,
    /// Dormand–Prince 5(4), adaptive, with 4th-order dense output.
    DormandPrince45,
    /// Two-stage L-stable SDIRK of order 2 (γ = 1 − 1/√2) with an embedded first-order
    /// estimate, adaptive.
    Sdirk2,
}

impl Method {
    /// Every method: the [`LinearStep`]s (in table order), then the Runge–Kutta methods.
    pub const ALL: [Method; 8] = [
        Method::Linear(LinearStep::ExponentialEuler),
        Method::Linear(LinearStep::Exponential2),
        Method::Linear(LinearStep::ExponentialLinear),
        Method::Linear(LinearStep::ImplicitEuler),
        Method::Linear(LinearStep::Trapezoid),
        Method::Rk4,
        Method::DormandPrince45,
        Method::Sdirk2,
    ];

    /// Classical order of convergence.
    pub fn order(self) -> usize {
        match self {
            Method::Linear(s) => s.order() as usize,
            Method::Sdirk2 => 2,
            Method::Rk4 => 4,
            Method::DormandPrince45 => 5,
        }
    }

    /// Whether the method controls its step from an error estimate (unless
    /// [`Config::fixed_step`] is set).
    pub fn is_adaptive(self) -> bool {
        matches!(self, Method::DormandPrince45 | Method::Sdirk2)
    }

    /// For explicit methods, the stability limit `h|λ|` on the negative real axis (RK4
    /// 2.785, Dormand–Prince 5 3.307; Hairer and Wanner, *Solving ODEs II*, §IV.2, Fig. 2.1);
    /// `None` for the exponential and implicit ones, which are stable for decaying linear modes.
    pub fn stability_limit(self) -> Option<f64> {
        match self {
            Method::Rk4 => Some(2.785),
            Method::DormandPrince45 => Some(3.307),
            _ => None,
        }
    }

    /// Whether the method needs the exponential split [`System::split`].
    pub fn needs_split(self) -> bool {
        matches!(self, Method::Linear(s) if s.is_exponential())
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Linear(LinearStep::ExponentialEuler) => "exponential Euler",
            Method::Linear(LinearStep::Exponential2) => "exponential-2",
            Method::Linear(LinearStep::ExponentialLinear) => "exponential-linear",
            Method::Linear(LinearStep::ImplicitEuler) => "implicit Euler",
            Method::Linear(LinearStep::Trapezoid) => "trapezoid",
            Method::Rk4 => "RK4",
            Method::DormandPrince45 => "Dormand-Prince 5(4)",
            Method::Sdirk2 => "SDIRK2",
        }
    }

    /// Short name, as in model files and on the command line: the [`LinearStep::name`] of a
    /// linear scheme (`"exp-euler"`, `"exp2"`, `"trapezoid"`, …), else `"rk4"`, `"dopri5"`,
    /// `"sdirk2"`.
    pub fn key(self) -> &'static str {
        match self {
            Method::Linear(s) => s.name(),
            Method::Rk4 => "rk4",
            Method::DormandPrince45 => "dopri5",
            Method::Sdirk2 => "sdirk2",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    /// The method whose [`Method::key`] is `s`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|m| m.key() == s).ok_or_else(|| {
            let keys: Vec<&str> = Self::ALL.iter().map(|m| m.key()).collect();
            format!("unknown method '{s}', expected one of {}", keys.join(", "))
        })
    }
}

/// Step-size controller of the adaptive methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StepControl {
    /// Proportional–integral control `h ← h · 0.9 · err^{−0.7/k} · err_prev^{0.4/k}`
    /// (Gustafsson), `k` = order of the error estimate + 1: smoother step sequences.
    #[default]
    Pi,
    /// Standard control `h ← h · 0.9 · err^{−1/k}`.
    Standard,
}

/// Solver settings. Plain data with builder-style setters; see [`Config::default`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Fixed-step methods: the largest step \[s\] (must be positive and finite). Adaptive methods:
    /// an upper bound on the first trial step (may be infinite). Default `∞`.
    pub dt: f64,
    /// Relative tolerance of adaptive methods; also scales Newton convergence. Default `1e-6`.
    pub rtol: f64,
    /// Absolute tolerance (same units as the states). Default `1e-9`.
    pub atol: f64,
    /// Largest number of steps (accepted + rejected) per run. Default `1_000_000`.
    pub max_steps: usize,
    /// Breakpoints \[s\] that every method steps exactly onto: discontinuities of `f` in `t`,
    /// e.g. the edges of a current pulse. Values outside `(t0, t_end)` are ignored.
    pub t_stops: Vec<f64>,
    /// Run an adaptive method with the constant step `dt` (no error control). Default `false`.
    pub fixed_step: bool,
    /// Largest step of adaptive methods \[s\]. Default `∞`.
    pub h_max: f64,
    /// Step-size controller of adaptive methods.
    pub control: StepControl,
    /// Newton iterations of implicit methods stop when the weighted RMS norm of the update
    /// (weights `atol + rtol |x|`) is below this. Default `1e-3`.
    pub newton_tol: f64,
    /// Newton iterations per stage before the step fails. Default `10`.
    pub max_newton_iters: usize,
    /// Upward threshold crossings to locate inside the steps ([`Crossing`]); their times are
    /// in [`Solution::crossings`]. Default none.
    pub crossings: Vec<Crossing>,
}

/// An upward crossing of `threshold` by state `component` (e.g. a spike of a membrane
/// voltage), located inside the step where it happens from the method's dense output: the
/// continuous extension of the adaptive methods ([`AdaptiveStep::interpolate`]), and for the
/// fixed-step methods the cubic Hermite interpolant of the step's end values and derivatives
/// `f(t, x)` ([`crate::math::hermite_crossing`]; error `O(h⁴)`, against `O(h²)` for linear
/// interpolation of samples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    /// Index of the state.
    pub component: usize,
    /// Threshold (units of the state).
    pub threshold: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dt: f64::INFINITY,
            rtol: 1e-6,
            atol: 1e-9,
            max_steps: 1_000_000,
            t_stops: Vec::new(),
            fixed_step: false,
            h_max: f64::INFINITY,
            control: StepControl::Pi,
            newton_tol: 1e-3,
            max_newton_iters: 10,
            crossings: Vec::new(),
        }
    }
}

impl Config {
    /// Settings for a fixed step `dt` \[s\].
    pub fn fixed(dt: f64) -> Self {
        Config {
            dt,
            fixed_step: true,
            ..Config::default()
        }
    }

    /// Settings for adaptive stepping to the tolerances `rtol`, `atol`.
    pub fn adaptive(rtol: f64, atol: f64) -> Self {
        Config {
            rtol,
            atol,
            ..Config::default()
        }
    }

    /// Sets [`Config::dt`].
    pub fn with_dt(mut self, dt: f64) -> Self {
        self.dt = dt;
        self
    }

    /// Sets [`Config::rtol`] and [`Config::atol`].
    pub fn with_tolerances(mut self, rtol: f64, atol: f64) -> Self {
        self.rtol = rtol;
        self.atol = atol;
        self
    }

    /// Sets [`Config::max_steps`].
    pub fn with_max_steps(mut self, max_steps: usize) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Sets [`Config::t_stops`].
    pub fn with_t_stops(mut self, t_stops: Vec<f64>) -> Self {
        self.t_stops = t_stops;
        self
    }

    /// Sets [`Config::h_max`].
    pub fn with_h_max(mut self, h_max: f64) -> Self {
        self.h_max = h_max;
        self
    }

    /// Sets [`Config::crossings`].
    pub fn with_crossings(mut self, crossings: Vec<Crossing>) -> Self {
        self.crossings = crossings;
        self
    }

    /// Sets [`Config::control`].
    pub fn with_control(mut self, control: StepControl) -> Self {
        self.control = control;
        self
    }
}

/// The output grid of [`solve`]: uniform from `t0` to `t_end`, both included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Output {
    /// `n ≥ 1` equal intervals: `n + 1` samples.
    Intervals(usize),
    /// A sample every `dt_out` \[s\]; `t_end − t0` must be a whole multiple of it (to 1e-9).
    Every(f64),
}

/// Work counters of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Statistics {
    /// Accepted steps.
    pub accepted_steps: usize,
    /// Rejected steps (error test or Newton failure).
    pub rejected_steps: usize,
    /// Calls of [`System::rhs`] made by the solver (finite-difference Jacobians not included).
    pub rhs_evals: usize,
    /// Calls of [`System::split`].
    pub split_evals: usize,
    /// Calls of [`System::jacobian`].
    pub jacobian_evals: usize,
    /// LU factorisations of the Newton matrix.
    pub lu_factorizations: usize,
    /// Newton iterations (each one linear solve).
    pub newton_iterations: usize,
}

/// Result of [`solve`]: samples on the output grid and the run's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Output times \[s\], uniform, from `t0` to `t_end`.
    pub times: Vec<f64>,
    /// States, row-major: sample `k` is `states[k * n_states..(k + 1) * n_states]`.
    pub states: Vec<f64>,
    /// Number of states per sample.
    pub n_states: usize,
    /// State names ([`System::state_names`]).
    pub names: Vec<String>,
    /// Work counters.
    pub stats: Statistics,
    /// Per entry of [`Config::crossings`], the times of its crossings \[s\], increasing.
    pub crossings: Vec<Vec<f64>>,
}

impl Solution {
    /// State at output sample `k`.
    pub fn state(&self, k: usize) -> &[f64] {
        &self.states[k * self.n_states..(k + 1) * self.n_states]
    }

    /// The time series of state `j`.
    pub fn component(&self, j: usize) -> Vec<f64> {
        self.states
            .iter()
            .skip(j)
            .step_by(self.n_states)
            .copied()
            .collect()
    }

    /// The final state.
    pub fn last(&self) -> &[f64] {
        self.state(self.times.len() - 1)
    }
}

/// Most QR iterations of the Schur decomposition in the instability diagnosis of fixed-step
/// runs (nalgebra's default, 0, is no limit): the Francis QR algorithm needs a few iterations
/// per eigenvalue (Golub & Van Loan, *Matrix Computations*, 4th ed., §7.5), so 10 000 is
/// ample for the small Jacobians of circuits and bounds a non-converging one.
const SCHUR_ITERATIONS: usize = 10_000;

fn bad(name: &str, value: f64, reason: impl Into<String>) -> Error {
    SolverError::BadSetting {
        name: name.into(),
        value,
        reason: reason.into(),
    }
    .into()
}

/// `NonFinite` naming the first non-finite entry of `x`, if any.
pub(crate) fn check_finite(system: &dyn System, t: f64, x: &[f64]) -> Result<(), SolverError> {
    match x.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(j) => {
            let variable = system
                .state_names()
                .into_iter()
                .nth(j)
                .unwrap_or_else(|| format!("x{j}"));
            Err(SolverError::NonFinite { variable, t })
        }
    }
}

/// Integrates `system` from `(t0, x0)` to `t_end` with `method` and returns the states on the
/// uniform `output` grid.
///
/// # Errors
/// [`SolverError::BadSetting`] for invalid settings (`t_end ≤ t0`, `dt ≤ 0`, tolerances,
/// `x0` of the wrong length, an exponential method on a system without [`System::split`], a
/// run needing more than `max_steps`); [`SolverError::NonFinite`] when a state becomes NaN or
/// infinite; [`SolverError::NotConverged`] when Newton fails at a fixed step or an adaptive step
/// size collapses (e.g. at a finite-time blow-up); [`SolverError::Singular`] for a singular
/// Newton matrix.
///
/// # Example
/// ```
/// use memrc::solver::{solve, Config, Method, Output};
/// use memrc::system::test_systems::{AnalyticSystem, LinearOscillator};
///
/// let sys = LinearOscillator { omega: 2.0 };
/// let cfg = Config::adaptive(1e-8, 1e-10);
/// let sol = solve(&sys, Method::DormandPrince45, &cfg, 0.0, &sys.initial(), 3.0, Output::Intervals(30))?;
/// assert!((sol.last()[0] - sys.exact(3.0)[0]).abs() < 1e-6);
/// # Ok::<(), memrc::Error>(())
/// ```
pub fn solve(
    system: &dyn System,
    method: Method,
    config: &Config,
    t0: f64,
    x0: &[f64],
    t_end: f64,
    output: Output,
) -> Result<Solution, Error> {
    let n = system.n_states();
    let times = validate(system, method, config, x0, (t0, t_end), output)?;
    let mut run = Run {
        cx: Ctx::new(system, config.rtol, config.atol),
        x: x0.to_vec(),
        states: Vec::with_capacity(times.len() * n),
        max_steps: config.max_steps,
        events: &config.crossings,
        found: vec![Vec::new(); config.crossings.len()],
        x_old: vec![0.0; n],
        f_old: vec![0.0; n],
        f_new: vec![0.0; n],
    };
    run.states.extend_from_slice(x0);
    let newton = step::NewtonSettings {
        rtol: config.rtol,
        atol: config.atol,
        tol: config.newton_tol,
        max_iters: config.max_newton_iters,
    };
    let stops = breakpoints(config, t0, t_end);
    let t_start = start_time(config, t0, t_end);
    let fixed = !method.is_adaptive() || config.fixed_step;
    if fixed {
        let mut stepper: Box<dyn FixedStep> = match method {
            Method::Linear(s) if s.is_exponential() => Box::new(step::Exponential::new(n, s)),
            Method::Linear(s) => Box::new(step::Theta::new(n, s, newton)),
            Method::Rk4 => Box::new(step::Rk4::new(n)),
            Method::DormandPrince45 => Box::new(step::DormandPrince45::new(n)),
            Method::Sdirk2 => Box::new(step::Sdirk2::new(n, newton)),
        };
        run.fixed(stepper.as_mut(), method, config, &times, &stops, t_start)?;
    } else {
        let mut stepper: Box<dyn AdaptiveStep> = match method {
            Method::Sdirk2 => Box::new(step::Sdirk2::new(n, newton)),
            _ => Box::new(step::DormandPrince45::new(n)),
        };
        run.adaptive(stepper.as_mut(), method, config, &times, &stops, t_start)?;
    }
    Ok(Solution {
        times,
        states: run.states,
        n_states: n,
        names: system.state_names(),
        stats: run.cx.stats,
        crossings: run.found,
    })
}

/// Checks the settings and returns the output times.
fn validate(
    system: &dyn System,
    method: Method,
    config: &Config,
    x0: &[f64],
    (t0, t_end): (f64, f64),
    output: Output,
) -> Result<Vec<f64>, Error> {
    let n = system.n_states();
    if !t0.is_finite() {
        return Err(bad("t0", t0, "must be finite"));
    }
    if !(t_end.is_finite() && t_end > t0) {
        return Err(bad(
            "t_end",
            t_end,
            format!("must be finite and greater than t0 = {t0}"),
        ));
    }
    if x0.len() != n {
        return Err(bad(
            "x0.len()",
            x0.len() as f64,
            format!("the system has {n} states"),
        ));
    }
    check_finite(system, t0, x0)?;
    let fixed = !method.is_adaptive() || config.fixed_step;
    if !is_positive(config.dt) || (fixed && !config.dt.is_finite()) {
        let what = if fixed {
            "must be positive and finite for a fixed step"
        } else {
            "must be positive"
        };
        return Err(bad("dt", config.dt, what));
    }
    if !(config.rtol > 0.0 && config.rtol.is_finite()) {
        return Err(bad("rtol", config.rtol, "must be positive and finite"));
    }
    if !(config.atol >= 0.0 && config.atol.is_finite()) {
        return Err(bad("atol", config.atol, "must be non-negative and finite"));
    }
    if !is_positive(config.h_max) {
        return Err(bad("h_max", config.h_max, "must be positive"));
    }
    if !is_positive(config.newton_tol) {
        return Err(bad("newton_tol", config.newton_tol, "must be positive"));
    }
    if config.max_newton_iters == 0 || config.max_steps == 0 {
        return Err(bad(
            "max_steps / max_newton_iters",
            0.0,
            "must be at least 1",
        ));
    }
    if let Some(s) = config.t_stops.iter().find(|s| !s.is_finite()) {
        return Err(bad("t_stops", *s, "breakpoints must be finite"));
    }
    if method.needs_split() {
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        if !system.split(t0, x0, &mut a, &mut b) {
            return Err(step::exponential::no_split(method.name()).into());
        }
    }
    let span = t_end - t0;
    let intervals = match output {
        Output::Intervals(0) => return Err(bad("output intervals", 0.0, "must be at least 1")),
        Output::Intervals(k) => k,
        Output::Every(d) => {
            let k = span / d;
            if !(d > 0.0
                && k.is_finite()
                && (k - k.round()).abs() <= 1e-9 * k.max(1.0)
                && k.round() >= 1.0)
            {
                return Err(bad(
                    "output dt",
                    d,
                    format!("must divide t_end - t0 = {span} into whole intervals"),
                ));
            }
            k.round() as usize
        }
    };
    let mut times: Vec<f64> = (0..intervals)
        .map(|k| t0 + span * (k as f64 / intervals as f64))
        .collect();
    times.push(t_end);
    Ok(times)
}

/// `x > 0`, false for NaN.
fn is_positive(x: f64) -> bool {
    x > 0.0
}

/// Breakpoints in `(t0, t_end]` (to the time tolerance), sorted and deduplicated. One within
/// the tolerance of `t_end` makes the last step end left of it (so a run split into pieces at
/// an edge integrates each side with its own limit); one within the tolerance of `t0` is the
/// start time ([`start_time`]).
fn breakpoints(config: &Config, t0: f64, t_end: f64) -> Vec<f64> {
    let tiny = time_tolerance(t0, t_end);
    let mut s: Vec<f64> = config
        .t_stops
        .iter()
        .copied()
        .filter(|&s| s > t0 + tiny && s <= t_end + tiny)
        .collect();
    s.sort_by(f64::total_cmp);
    s.dedup_by(|a, b| (*a - *b).abs() <= tiny);
    s
}

/// The time the first step starts from: a breakpoint within the time tolerance of `t0` (the
/// output time `t0` may be its neighbour in floating point, e.g. `10 · 0.001` against `0.01`),
/// else `t0`. Starting exactly on the edge, the first step sees the right limit of the source.
fn start_time(config: &Config, t0: f64, t_end: f64) -> f64 {
    let tiny = time_tolerance(t0, t_end);
    config
        .t_stops
        .iter()
        .copied()
        .find(|s| (s - t0).abs() <= tiny)
        .unwrap_or(t0)
}

/// Times closer than this are the same time.
fn time_tolerance(t0: f64, t_end: f64) -> f64 {
    1e-12 * t0.abs().max(t_end.abs()).max(t_end - t0)
}

/// The mutable part of one [`solve`] call.
struct Run<'a> {
    cx: Ctx<'a>,
    x: Vec<f64>,
    states: Vec<f64>,
    max_steps: usize,
    /// Crossings to locate, and the times found.
    events: &'a [Crossing],
    found: Vec<Vec<f64>>,
    /// The state at the start of the current step and `f` at both ends (Hermite location).
    x_old: Vec<f64>,
    f_old: Vec<f64>,
    f_new: Vec<f64>,
}

impl Run<'_> {
    /// Whether some crossing happens between `x_old` and `x`.
    fn crosses(&self) -> bool {
        self.events
            .iter()
            .any(|e| self.x_old[e.component] < e.threshold && self.x[e.component] >= e.threshold)
    }

    /// Locates the crossings of a fixed step `t → t + h` (from `x_old` to `x`) on the cubic
    /// Hermite interpolant (two extra rhs evaluations, only for a step that crosses).
    fn locate_fixed(&mut self, t: f64, h: f64) {
        if !self.crosses() {
            return;
        }
        self.cx.rhs(t, &self.x_old, &mut self.f_old);
        self.cx.rhs(t + h, &self.x, &mut self.f_new);
        for (e, found) in self.events.iter().zip(&mut self.found) {
            let c = e.component;
            let (y0, y1) = (self.x_old[c], self.x[c]);
            if y0 < e.threshold && y1 >= e.threshold {
                let theta = crate::math::hermite_crossing(
                    [y0, y1],
                    [self.f_old[c], self.f_new[c]],
                    h,
                    e.threshold,
                );
                found.push(t + theta * h);
            }
        }
    }

    /// Locates the crossings of an accepted adaptive step `t → t + h` on the stepper's
    /// continuous extension, by bisection on `θ` to 1e-12 relative (the extension is
    /// continuous and has the step's end values at `θ = 0, 1`).
    fn locate_adaptive(&mut self, stepper: &dyn AdaptiveStep, t: f64, h: f64) {
        if !self.crosses() {
            return;
        }
        for (e, found) in self.events.iter().zip(&mut self.found) {
            let c = e.component;
            if !(self.x_old[c] < e.threshold && self.x[c] >= e.threshold) {
                continue;
            }
            let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
            while hi - lo > 1e-12 {
                let mid = 0.5 * (lo + hi);
                stepper.interpolate(mid, &mut self.f_old);
                if self.f_old[c] < e.threshold {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(t + 0.5 * (lo + hi) * h);
        }
    }

    /// Fixed steps: every interval between consecutive targets (output times and breakpoints)
    /// is split into equal steps no larger than `dt`.
    fn fixed(
        &mut self,
        stepper: &mut dyn FixedStep,
        method: Method,
        config: &Config,
        times: &[f64],
        stops: &[f64],
        t_start: f64,
    ) -> Result<(), Error> {
        let tiny = time_tolerance(times[0], times[times.len() - 1]);
        // Merge the output times (after t0) and the breakpoints into one sorted target list,
        // marking which targets are output samples.
        // Targets: (time, is an output sample, is a breakpoint). An output time on a breakpoint
        // (to the tolerance) is stepped to at the breakpoint's own time, so that the next step
        // starts exactly on the edge.
        let mut targets: Vec<(f64, bool, bool)> = times[1..]
            .iter()
            .map(|&t| match stops.iter().find(|&&s| (t - s).abs() <= tiny) {
                Some(&s) => (s, true, true),
                None => (t, true, false),
            })
            .collect();
        for &s in stops {
            if !times.iter().any(|&t| (t - s).abs() <= tiny) {
                targets.push((s, false, true));
            }
        }
        targets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let steps_in = |a: f64, b: f64| ((b - a) / config.dt * (1.0 - 1e-12)).ceil().max(1.0);
        let mut total = 0.0;
        let mut prev = times[0];
        for &(t, _, _) in &targets {
            total += steps_in(prev, t);
            prev = t;
        }
        if total > self.max_steps as f64 {
            return Err(bad(
                "max_steps",
                self.max_steps as f64,
                format!("the run needs {total} steps of dt"),
            ));
        }
        let mut t = t_start;
        for &(target, is_output, is_breakpoint) in &targets {
            let m = steps_in(t, target) as usize;
            let (start, h) = (t, (target - t) / m as f64);
            for i in 0..m {
                let t_step = start + i as f64 * h;
                // The last step before a breakpoint ends just left of it (see `left_of`).
                let h_step = match (i + 1 == m, is_breakpoint) {
                    (true, true) => left_of(target) - t_step,
                    (true, false) => target - t_step,
                    (false, _) => h,
                };
                if !self.events.is_empty() {
                    self.x_old.copy_from_slice(&self.x);
                }
                stepper.step(&mut self.cx, t_step, h_step, &mut self.x)?;
                self.cx.stats.accepted_steps += 1;
                let t_new = if i + 1 == m {
                    target
                } else {
                    start + (i + 1) as f64 * h
                };
                self.cx.prescribe(t_new, &mut self.x);
                if let Err(e) = self.cx.check_finite(t_new, &self.x) {
                    return Err(self.unstable(method, h, times, e).into());
                }
                if !self.events.is_empty() {
                    self.locate_fixed(t_step, t_new - t_step);
                }
            }
            t = target;
            if is_output {
                self.states.extend_from_slice(&self.x);
            }
        }
        Ok(())
    }

    /// The error of a fixed-step run whose state became non-finite: for an explicit method
    /// ([`Method::stability_limit`]) [`SolverError::Unstable`] with `ρ`, the largest modulus of
    /// the Jacobian's eigenvalues with negative real part (nalgebra's Schur-based eigenvalues),
    /// at the first output sample where `h·ρ` exceeds the limit (where the instability set in;
    /// the later samples are already growing); `e` itself when no sample exceeds it (e.g. a
    /// finite-time blow-up, whose growing mode no step size cures) or for other methods.
    fn unstable(&mut self, method: Method, h: f64, times: &[f64], e: SolverError) -> SolverError {
        let (Some(limit), SolverError::NonFinite { variable, t }) = (method.stability_limit(), &e)
        else {
            return e;
        };
        let n = self.x.len();
        let samples = self.states.len() / n.max(1);
        let mut jac = vec![0.0; n * n];
        let (mut rate, mut at) = (0.0_f64, times[0]);
        for (k, &tk) in times.iter().enumerate().take(samples) {
            self.cx
                .jacobian(tk, &self.states[k * n..(k + 1) * n], &mut jac);
            if jac.iter().any(|j| !j.is_finite()) {
                break;
            }
            // Decaying modes only: a growing one (a finite-time blow-up) is no instability.
            // The Schur iteration is bounded: nalgebra's `complex_eigenvalues` iterates without
            // a limit and never ended on a finite Jacobian of a generated rk4 model (issue #14
            // §1); a sample whose decomposition does not converge ends the search.
            let Some(schur) = nalgebra::linalg::Schur::try_new(
                nalgebra::DMatrix::from_row_slice(n, n, &jac),
                f64::EPSILON,
                SCHUR_ITERATIONS,
            ) else {
                break;
            };
            let rho = schur
                .complex_eigenvalues()
                .iter()
                .filter(|l| l.re < 0.0)
                .fold(0.0_f64, |m, l| m.max(l.norm()));
            if rho > rate {
                (rate, at) = (rho, tk);
            }
            if h * rho > limit {
                break;
            }
        }
        if h * rate <= limit {
            // No decaying mode beyond the limit: not an instability of the method.
            return e;
        }
        SolverError::Unstable {
            method: method.name().into(),
            dt: h,
            variable: variable.clone(),
            t: *t,
            limit,
            rate,
            at,
        }
    }

    /// Adaptive steps with error control, landing exactly on every breakpoint and on `t_end`;
    /// output samples come from the stepper's continuous extension, or, if it has none worth
    /// the name ([`AdaptiveStep::has_dense_output`]), by landing on every output time.
    fn adaptive(
        &mut self,
        stepper: &mut dyn AdaptiveStep,
        method: Method,
        config: &Config,
        times: &[f64],
        stops: &[f64],
        t_start: f64,
    ) -> Result<(), Error> {
        let n = self.x.len();
        let (t0, t_end) = (times[0], times[times.len() - 1]);
        let tiny = time_tolerance(t0, t_end);
        let k = (stepper.error_order() + 1) as f64;
        let (alpha, beta) = match config.control {
            StepControl::Pi => (0.7 / k, 0.4 / k),
            StepControl::Standard => (1.0 / k, 0.0),
        };
        let mut t = t_start;
        stepper.restart(&mut self.cx, t, &self.x);
        let mut h = stepper
            .initial_step(&mut self.cx, t, &self.x)
            .min(config.dt)
            .min(config.h_max);
        let mut err_prev: f64 = 1.0;
        let mut after_reject = false;
        let mut next_out = 1;
        let mut out = vec![0.0; n];
        // Landing points: breakpoints, t_end, and (for methods without an accurate continuous
        // extension) every output time.
        let mut landings: Vec<(f64, bool)> = stops.iter().map(|&s| (s, true)).collect();
        if stepper.has_dense_output() {
            landings.push((t_end, false));
        } else {
            landings.extend(
                times[1..]
                    .iter()
                    .filter(|&&t| !stops.iter().any(|&s| (s - t).abs() <= tiny))
                    .map(|&t| (t, false)),
            );
        }
        landings.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (stop, is_breakpoint) in landings {
            while stop - t > tiny {
                if self.cx.stats.accepted_steps + self.cx.stats.rejected_steps >= self.max_steps {
                    return Err(bad(
                        "max_steps",
                        self.max_steps as f64,
                        format!("reached at t = {}", crate::error::time_text(t)),
                    ));
                }
                let h_proposed = h.min(config.h_max);
                let lands = t + 1.01 * h_proposed >= stop;
                h = match (lands, is_breakpoint) {
                    // Stages stay left of a breakpoint: see `left_of`.
                    (true, true) => left_of(stop) - t,
                    (true, false) => stop - t,
                    (false, _) => h_proposed,
                };
                let h_min = 16.0 * f64::EPSILON * t.abs().max(tiny);
                if h < h_min {
                    return Err(collapse(
                        method,
                        t,
                        h,
                        err_prev,
                        self.cx.stats.accepted_steps,
                    ));
                }
                let attempt = stepper.attempt(&mut self.cx, t, h, &self.x)?;
                let err = match attempt {
                    Attempt::Error(e) if e <= 1.0 => e,
                    Attempt::Error(e) => {
                        // Rejected (NaN counts as too large).
                        self.cx.stats.rejected_steps += 1;
                        let fac = if e.is_finite() {
                            (0.9 * e.powf(-1.0 / k)).clamp(0.2, 0.9)
                        } else {
                            0.2
                        };
                        h *= fac;
                        after_reject = true;
                        if h < h_min {
                            return Err(collapse(method, t, h, e, self.cx.stats.accepted_steps));
                        }
                        continue;
                    }
                    Attempt::NewtonFailed { change, residual } => {
                        self.cx.stats.rejected_steps += 1;
                        h *= 0.25;
                        after_reject = true;
                        if h < h_min {
                            return Err(SolverError::NotConverged {
                                method: format!(
                                    "{} Newton iteration at t = {} (step {h:.3e} s)",
                                    method.name(),
                                    crate::error::time_text(t)
                                ),
                                iterations: config.max_newton_iters,
                                last_change: change,
                                last_residual: residual,
                            }
                            .into());
                        }
                        continue;
                    }
                };
                // Accepted.
                let t_new = if lands { stop } else { t + h };
                if !self.events.is_empty() {
                    self.x_old.copy_from_slice(&self.x);
                }
                stepper.accept(&mut self.x);
                self.cx.prescribe(t_new, &mut self.x);
                self.cx.stats.accepted_steps += 1;
                self.cx.check_finite(t_new, &self.x)?;
                if !self.events.is_empty() {
                    self.locate_adaptive(stepper, t, h);
                }
                while next_out < times.len() && times[next_out] <= t_new + tiny {
                    if times[next_out] >= t_new - tiny {
                        self.states.extend_from_slice(&self.x);
                    } else {
                        stepper.interpolate((times[next_out] - t) / h, &mut out);
                        self.cx.prescribe(times[next_out], &mut out);
                        self.cx.check_finite(times[next_out], &out)?;
                        self.states.extend_from_slice(&out);
                    }
                    next_out += 1;
                }
                let e = err.max(1e-4);
                let mut fac = 0.9 * e.powf(-alpha) * err_prev.powf(beta);
                fac = fac.clamp(0.2, if after_reject { 1.0 } else { 5.0 });
                err_prev = e;
                after_reject = false;
                t = t_new;
                // A step cut short to land on a breakpoint says nothing against the longer
                // step the controller had proposed.
                h = if lands {
                    (h * fac).max(h_proposed)
                } else {
                    h * fac
                };
            }
            // Within the time tolerance of the stop counts as on it.
            t = stop;
            if is_breakpoint {
                // Past a breakpoint the right-hand side may jump: restart from f(t⁺, x).
                stepper.restart(&mut self.cx, t, &self.x);
            }
        }
        debug_assert_eq!(next_out, times.len());
        Ok(())
    }
}

/// The largest `f64` below `t`. Steps that end on a breakpoint `t_s` are taken to `left_of(t_s)`
/// and then relabelled `t_s`, so no stage evaluates `f` at `t_s` itself: `f(t_s, ·)` is only
/// seen by the step that starts there. A right-hand side that switches at `t_s` (`t >= t_s`)
/// is thus integrated with its left limit before and its right limit after.
fn left_of(t: f64) -> f64 {
    if t > 0.0 {
        f64::from_bits(t.to_bits() - 1)
    } else if t < 0.0 {
        f64::from_bits(t.to_bits() + 1)
    } else {
        -f64::from_bits(1)
    }
}

fn collapse(method: Method, t: f64, h: f64, err: f64, steps: usize) -> Error {
    SolverError::NotConverged {
        method: format!(
            "{} step-size control (step {h:.3e} s too small at t = {})",
            method.name(),
            crate::error::time_text(t)
        ),
        iterations: steps,
        last_change: h,
        last_residual: err,
    }
    .into()
}

#[cfg(test)]
mod tests;
