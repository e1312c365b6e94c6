//! The trajectory-space solver of a memRC circuit (eq. 55, Example 4), and time stepping of the
//! same discrete equations.
//!
//! A solution of the circuit is a zero of the operator of eq. (55),
//! `(C d/dt + grad_{1/g} E_{1/g}(·) − grad⟨·, i⟩)(v) = 0`. [`solve_relaxation`] finds it on a
//! grid by alternating, on the whole horizon (or window by window):
//!
//! 1. **Compute(g)**: the feed-forward memconductance operator of every branch, from the current
//!    voltage trajectory ([`Engine::compute_g`]);
//! 2. **Compute(v)**: the voltage equation, linear in `v` once the conductances are fixed,
//!    integrated exactly by the same one-step scheme ([`Engine::compute_v`]),
//!
//! started from the rest trajectory. The plain iteration converges linearly (the converged region
//! advances by roughly a fixed time per iteration); an optional **Newton stage**
//! ([`Engine::newton_step`]) takes over once the change is below a switch threshold — from rest
//! pure Newton diverges, so the switch matters. **Windowing** splits long horizons; each window
//! starts from the end of the previous one.
//!
//! The fixed point is the solution of the discrete equations of [`super::discrete`], which is
//! also what [`solve_stepping`] computes step by step: the two agree to the tolerances.

use std::time::Instant;

use super::Circuit;
use super::discrete::{CircuitSolution, Coupling, Engine, spike_times};
use crate::discretisation::LinearStep;
use crate::error::{Error, SolverError};
use crate::trajectory::Grid;

/// Settings of [`solve_relaxation`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RelaxationOptions {
    /// One-step scheme of the discrete equations (default [`LinearStep::Exponential2`]).
    pub scheme: LinearStep,
    /// Stop when the estimated distance of the iterate to the fixed point is `≤ tol` \[V\]
    /// (default `1e-12` V = `1e-9` mV). The estimate is the standard one from the observed
    /// contraction `θ_k = δ_k/δ_{k−1}` of the changes `δ_k = ‖v_k − v_{k−1}‖∞`:
    /// `θ_k/(1 − θ_k) · δ_k` when `θ_k < 1` (linear convergence; Hairer and Wanner, *Solving
    /// ODEs II*, §IV.8), `θ_k²/(1 − θ_k) · δ_k` after two Newton steps with `θ_k < ½`
    /// (quadratic convergence); a change `δ_k ≤ tol` also stops.
    pub tol: f64,
    /// Iteration limit per window (default 200); reaching it is an error.
    pub max_iterations: usize,
    /// Switch to Newton once the change is below this \[V\] (`None`: plain iteration only).
    pub newton_switch: Option<f64>,
    /// Treatment of the coupling between nodes in Compute(v).
    pub coupling: Coupling,
    /// Window length \[s\] (`None`: the whole horizon at once).
    pub window: Option<f64>,
    /// Threshold for the spike times reported per iteration \[V\] (default 0 V).
    pub spike_threshold: f64,
    /// Node whose spike time and peak are reported, and whose iterates are recorded.
    pub probe: usize,
    /// Keep the probe node's voltage after every iteration.
    pub record_iterates: bool,
    /// A change above this is divergence \[V\] (default 1e3 V).
    pub divergence_limit: f64,
}

impl Default for RelaxationOptions {
    fn default() -> Self {
        Self {
            scheme: LinearStep::Exponential2,
            tol: 1e-12,
            max_iterations: 200,
            newton_switch: None,
            coupling: Coupling::Direct,
            window: None,
            spike_threshold: 0.0,
            probe: 0,
            record_iterates: false,
            divergence_limit: 1e3,
        }
    }
}

impl RelaxationOptions {
    /// Sets the scheme.
    pub fn scheme(mut self, s: LinearStep) -> Self {
        self.scheme = s;
        self
    }
    /// Sets the tolerance \[V\].
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Sets the iteration limit per window.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
    /// Enables the Newton stage below `switch` \[V\].
    pub fn newton(mut self, switch: f64) -> Self {
        self.newton_switch = Some(switch);
        self
    }
    /// Sets the coupling treatment.
    pub fn coupling(mut self, c: Coupling) -> Self {
        self.coupling = c;
        self
    }
    /// Sets the window length \[s\].
    pub fn window(mut self, w: f64) -> Self {
        self.window = Some(w);
        self
    }
    /// Records the probe node's iterates.
    pub fn record_iterates(mut self, on: bool) -> Self {
        self.record_iterates = on;
        self
    }
    /// Sets the probe node.
    pub fn probe(mut self, node: usize) -> Self {
        self.probe = node;
        self
    }

    fn validate(&self, n_nodes: usize) -> Result<(), SolverError> {
        let bad = |name: &str, value: f64, reason: &str| SolverError::BadSetting {
            name: name.into(),
            value,
            reason: reason.into(),
        };
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(bad("tol", self.tol, "must be positive and finite"));
        }
        if self.max_iterations == 0 {
            return Err(bad("max_iterations", 0.0, "must be at least 1"));
        }
        if let Some(s) = self.newton_switch {
            if !(s.is_finite() && s > 0.0) {
                return Err(bad("newton_switch", s, "must be positive and finite"));
            }
        }
        if let Some(w) = self.window {
            if !(w.is_finite() && w > 0.0) {
                return Err(bad("window", w, "must be positive and finite"));
            }
        }
        if self.probe >= n_nodes {
            return Err(bad(
                "probe",
                self.probe as f64,
                "is not a node of the circuit",
            ));
        }
        Ok(())
    }
}

/// Which stage produced an iterate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Compute(g) then Compute(v).
    Plain,
    /// Newton waveform relaxation.
    Newton,
}

/// What one iteration did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct IterationRecord {
    /// Window index.
    pub window: usize,
    /// Iteration number within the window (1-based).
    pub iteration: usize,
    /// Stage.
    pub stage: Stage,
    /// `‖v_k − v_{k−1}‖∞` over the window \[V\].
    pub change: f64,
    /// Estimated distance of this iterate to the fixed point, `θ/(1−θ)·change` (∞ while the
    /// iteration is not contracting) \[V\].
    pub error_estimate: f64,
    /// Residual of the discrete voltage equations at the new iterate \[V\].
    pub residual: f64,
    /// First upward crossing of the spike threshold by the probe node \[s\], if any.
    pub spike_time: Option<f64>,
    /// Largest probe-node voltage \[V\].
    pub peak: f64,
    /// Wall time since the start of the solve \[s\].
    pub wall_time: f64,
}

/// Per-window statistics.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct WindowRecord {
    /// Window start \[s\].
    pub start: f64,
    /// Window end \[s\].
    pub end: f64,
    /// Iterations (plain + Newton).
    pub iterations: usize,
    /// Of which Newton iterations.
    pub newton_iterations: usize,
}

/// The result of [`solve_relaxation`].
#[derive(Debug, Clone)]
pub struct RelaxationResult {
    /// The converged trajectories.
    pub solution: CircuitSolution,
    /// Every iteration, in order.
    pub iterations: Vec<IterationRecord>,
    /// Every window.
    pub windows: Vec<WindowRecord>,
    /// Total work in full-sweep equivalents: `Σ_windows iterations × window steps / N`.
    pub sweep_equivalents: f64,
    /// The probe node's voltage after each iteration (if recorded; first entry is the initial
    /// guess) \[V\].
    pub iterates: Vec<Vec<f64>>,
    /// Wall time of the whole solve \[s\].
    pub wall_time: f64,
}

fn probe_stats(
    v: &[f64],
    n: usize,
    probe: usize,
    grid: &Grid,
    threshold: f64,
) -> (Option<f64>, f64, Vec<f64>) {
    let col: Vec<f64> = v.iter().skip(probe).step_by(n).copied().collect();
    let spike = spike_times(&col, grid, threshold).first().copied();
    let peak = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (spike, peak, col)
}

/// Solves `circuit` on `grid` from node voltages `v0` and states `x0` by the trajectory-space
/// iteration (see the module docs).
///
/// Errors: invalid settings ([`SolverError::BadSetting`]); non-finite values
/// ([`SolverError::NonFinite`]); divergence or the iteration limit
/// ([`SolverError::NotConverged`] with the last change and residual). Never returns NaN.
pub fn solve_relaxation(
    circuit: &Circuit,
    grid: Grid,
    v0: &[f64],
    x0: &[f64],
    opts: RelaxationOptions,
) -> Result<RelaxationResult, Error> {
    solve_relaxation_observed(circuit, grid, v0, x0, opts, &mut |_| true)
}

/// Progress of a long solve, passed to an observer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Estimated fraction done, in `[0, 1]`.
    pub fraction: f64,
    /// The iteration just finished (trajectory-space solves).
    pub iteration: Option<IterationRecord>,
}

/// [`solve_relaxation`] reporting every iteration to `observer`, which returns `false` to
/// cancel ([`SolverError::Cancelled`]). The fraction done is estimated from the windows done
/// and, within a window, from how far the change has fallen on a log scale from the first
/// iteration's towards the tolerance.
pub fn solve_relaxation_observed(
    circuit: &Circuit,
    grid: Grid,
    v0: &[f64],
    x0: &[f64],
    opts: RelaxationOptions,
    observer: &mut dyn FnMut(Progress) -> bool,
) -> Result<RelaxationResult, Error> {
    opts.validate(circuit.n_nodes())?;
    let start = Instant::now();
    let mut eng = Engine::new(circuit, grid, opts.scheme, v0, x0)?;
    let n = circuit.n_nodes();
    let steps = grid.steps();
    let window_steps = match opts.window {
        Some(w) => ((w / grid.dt()).round() as usize).clamp(1, steps),
        None => steps,
    };
    let mut iterations = Vec::new();
    let mut windows = Vec::new();
    let mut iterates = Vec::new();
    if opts.record_iterates {
        iterates.push(probe_stats(eng.voltages(), n, opts.probe, &grid, opts.spike_threshold).2);
    }
    let mut sweeps = 0.0;
    let mut k0 = 0;
    let mut w_index = 0;
    while k0 < steps {
        let k1 = (k0 + window_steps).min(steps);
        eng.hold(k0, k1);
        eng.compute_g(k0, k1)?;
        let mut newton = false;
        let mut it = 0;
        let mut newton_its = 0;
        let (mut last_change, mut last_res) = (f64::INFINITY, eng.voltage_residual(k0, k1));
        let mut first_change = f64::NAN;
        loop {
            if it >= opts.max_iterations {
                return Err(SolverError::NotConverged {
                    method: format!(
                        "trajectory-space iteration (window {w_index}, [{:.6}, {:.6}] s)",
                        grid.time(k0),
                        grid.time(k1)
                    ),
                    iterations: it,
                    last_change,
                    last_residual: last_res,
                }
                .into());
            }
            let stage = if newton { Stage::Newton } else { Stage::Plain };
            let change = if newton {
                newton_its += 1;
                eng.newton_step(k0, k1)?.0
            } else {
                eng.compute_v(k0, k1, opts.coupling)?
            };
            eng.compute_g(k0, k1)?;
            it += 1;
            let theta = change / last_change;
            // Two Newton steps in a row converge quadratically (e_k ≈ θ_k² δ_k, Deuflhard,
            // *Newton Methods for Nonlinear Problems*, §2.1); otherwise linearly.
            let quadratic = newton_its >= 2 && theta < 0.5;
            let error_estimate = if !last_change.is_finite() || theta >= 1.0 {
                f64::INFINITY
            } else if quadratic {
                theta * theta / (1.0 - theta) * change
            } else {
                theta / (1.0 - theta) * change
            };
            last_change = change;
            last_res = eng.voltage_residual(k0, k1);
            let (spike_time, peak, col) =
                probe_stats(eng.voltages(), n, opts.probe, &grid, opts.spike_threshold);
            if opts.record_iterates {
                iterates.push(col);
            }
            iterations.push(IterationRecord {
                window: w_index,
                iteration: it,
                stage,
                change,
                error_estimate,
                residual: last_res,
                spike_time,
                peak,
                wall_time: start.elapsed().as_secs_f64(),
            });
            if first_change.is_nan() {
                first_change = change;
            }
            let within = if change > 0.0 && first_change > opts.tol {
                ((first_change / change).ln() / (first_change / opts.tol).ln()).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let progress = Progress {
                fraction: (k0 as f64 + within * (k1 - k0) as f64) / steps as f64,
                iteration: iterations.last().copied(),
            };
            if !observer(progress) {
                return Err(SolverError::Cancelled {
                    at: format!("window {w_index}, iteration {it}"),
                }
                .into());
            }
            if !change.is_finite() || change > opts.divergence_limit || !last_res.is_finite() {
                return Err(SolverError::NotConverged {
                    method: format!("trajectory-space iteration diverged (window {w_index})"),
                    iterations: it,
                    last_change: change,
                    last_residual: last_res,
                }
                .into());
            }
            if change <= opts.tol || error_estimate <= opts.tol {
                break;
            }
            if let Some(sw) = opts.newton_switch {
                newton |= change < sw;
            }
        }
        sweeps += it as f64 * (k1 - k0) as f64 / steps as f64;
        windows.push(WindowRecord {
            start: grid.time(k0),
            end: grid.time(k1),
            iterations: it,
            newton_iterations: newton_its,
        });
        k0 = k1;
        w_index += 1;
    }
    Ok(RelaxationResult {
        solution: eng.solution()?,
        iterations,
        windows,
        sweep_equivalents: sweeps,
        iterates,
        wall_time: start.elapsed().as_secs_f64(),
    })
}

/// Time stepping of the same discrete equations (each step's voltages solved with the states
/// eliminated; see [`Engine::time_step`]): the reference the trajectory-space iteration
/// converges to.
pub fn solve_stepping(
    circuit: &Circuit,
    grid: Grid,
    v0: &[f64],
    x0: &[f64],
    scheme: LinearStep,
) -> Result<CircuitSolution, Error> {
    solve_stepping_observed(circuit, grid, v0, x0, scheme, &mut |_| true)
}

/// [`solve_stepping`] reporting the fraction of steps done to `observer` (about every 1 %),
/// which returns `false` to cancel.
pub fn solve_stepping_observed(
    circuit: &Circuit,
    grid: Grid,
    v0: &[f64],
    x0: &[f64],
    scheme: LinearStep,
    observer: &mut dyn FnMut(f64) -> bool,
) -> Result<CircuitSolution, Error> {
    let mut eng = Engine::new(circuit, grid, scheme, v0, x0)?;
    eng.time_step_observed(0, grid.steps(), observer)?;
    eng.solution()
}
