//! `memrc run MODEL.toml` and `memrc check MODEL.toml`: model files end to end.
//!
//! **Output directory** (default `out/<model name>`), written all at once or not at all
//! ([`crate::output::Staged`], `summary.json` last):
//!
//! - `traces.csv`: header `t_s,<probe columns>`, one row per sampled step. A probe column is the
//!   probe's name followed by its SI unit (`v_soma_V`, `mem.phi_Wb`, `i_na_A_per_m2`, `g_mem_S`;
//!   dimensionless states have no suffix: `na.m`). Probes sampled less often than every step
//!   (`every`) have empty cells on the rows they skip.
//! - `traces.npz`: NumPy archive with the array `t` (the rows of `traces.csv`, seconds) and one
//!   float64 array per probe named by its column, aligned with `t` (NaN where the CSV cell is
//!   empty). `numpy.load("traces.npz")["v_soma_V"]`.
//! - `summary.json`: model, solver and its statistics (iterations, changes and residuals of the
//!   trajectory-space iteration; step counts of the ODE methods), grid, per node the initial,
//!   final, minimum and maximum voltage and the spike times, per probe its final, minimum and
//!   maximum, the energy balance (eq. 56–58) with its residual, and wall times.
//! - `traces.svg`, `traces.png`: the recorded variables against time, one panel per kind
//!   (voltages, states of each unit, currents, conductances).
//!
//! Hopfield models (`[hopfield]`) write the same files: columns `V1_V … Vn_V`, `Phi1_V …`,
//! `L_W`, and the Hopfield figure.
//!
//! **Spikes**: upward crossings of 0 mV, reported for the nodes that start below −10 mV
//! (membranes; the format has no threshold key), located inside the step where they happen from
//! the solver's dense output: the continuous extension of `dopri5`/`sdirk2`, and the cubic
//! Hermite interpolant of the step's end values and derivatives for the fixed-step methods,
//! `relaxation` and `stepping` (error `O(dt⁴)`; linear interpolation of the samples had a floor of
//! a few µs at 0.1 ms). Other nodes (devices driven around 0 V) have no `spikes` entry.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use memrc::analysis::energy::{EnergyBalance, energy_balance, energy_balance_for};
use memrc::circuit::Circuit;
use memrc::circuit::discrete::CircuitSolution;
use memrc::circuit::relaxation::{
    RelaxationOptions, solve_relaxation_observed, solve_stepping_observed,
};
use memrc::circuit::system::CircuitSystem;
use memrc::discretisation::LinearStep;
use memrc::error::{Error as MemrcError, SolverError};
use memrc::hopfield::HopfieldRun;
use memrc::solver::{Config, Crossing, Method, Output, Statistics, solve};
use memrc::{Grid, Trajectory};
use memrc_io::units::{self, Dimension};
use memrc_io::{
    CircuitModel, DEFAULT_MEMORY_LIMIT, HopfieldModel, LoadedModel, ModelKind, OutputFormat,
    ProbeTarget, Solver, human_bytes, solver_names,
};
use serde_json::{Value, json};

use crate::output::{Staged, unit_tag};
use crate::progress::{self, Interrupted, Monitor};
use crate::traces::Traces;
use crate::{example_plot, plot};

/// Command-line overrides of a model's `[simulation]` and `[output]`.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--solver NAME`.
    pub solver: Option<String>,
    /// `--t-end T` (seconds, or with a time unit: `20ms`, `"20 ms"`).
    pub t_end: Option<String>,
    /// `--dt DT`.
    pub dt: Option<String>,
    /// `--seed S` (network models).
    pub seed: Option<u64>,
    /// `--threads K` (network models).
    pub threads: Option<usize>,
}

/// Largest number of chunks an ODE run is split into (progress and cancellation points).
const ODE_CHUNKS: usize = 100;
/// Nodes starting below this are membranes whose 0 mV crossings are spikes \[V\].
const MEMBRANE_BELOW: f64 = -10e-3;
/// Spike threshold \[V\].
const SPIKE_THRESHOLD: f64 = 0.0;

/// The loader's options: the default, with the input limit of `MEMRC_INPUT_LIMIT` (bytes)
/// when that is set.
fn load_options() -> Result<memrc_io::LoadOptions> {
    let mut o = memrc_io::LoadOptions::default();
    if let Ok(v) = std::env::var("MEMRC_INPUT_LIMIT") {
        o.input_limit = v
            .trim()
            .parse()
            .map_err(|_| anyhow!("MEMRC_INPUT_LIMIT '{v}': expected a number of bytes"))?;
    }
    Ok(o)
}

/// Loads a model file; a loader error is its one line `file:line:col: message`.
pub fn load(path: &Path) -> Result<LoadedModel> {
    memrc_io::load_with(path, &load_options()?).map_err(|e| anyhow!("{e}"))
}

/// Loads a model file for `memrc check`: network models are validated and their memory
/// estimated, not built.
pub fn load_for_check(path: &Path) -> Result<LoadedModel> {
    memrc_io::load_with(path, &load_options()?.build_networks(false)).map_err(|e| anyhow!("{e}"))
}

/// Parses a time option (`20ms`, `"20 ms"`; a bare number only for models whose time has no
/// unit, `unitless`: Hopfield networks, and 0) \[s\]. A bare number for a model with physical
/// time is refused with a hint rather than read as seconds (`--t-end 200` would be 200 s).
fn time_option(flag: &str, text: &str, unitless: bool) -> Result<f64> {
    let q = units::parse_quantity(text).map_err(|e| anyhow!("{flag} '{text}': {e}"))?;
    match q.dim {
        None if unitless || q.value == 0.0 => {}
        None => bail!(
            "{flag} {text}: give a unit, e.g. {}ms (a bare number would be seconds)",
            text.trim()
        ),
        Some(d) if d == Dimension::TIME => {}
        Some(d) => bail!(
            "{flag} '{text}': expected a time (s), got '{}' ({})",
            q.unit,
            d.describe()
        ),
    }
    if !q.value.is_finite() {
        bail!("{flag} '{text}' is not finite");
    }
    Ok(q.value)
}

/// Whole number of steps of `dt` in `span`, as the loader counts them.
fn whole_steps(span: f64, dt: f64, what: &str) -> Result<usize> {
    let r = span / dt;
    if !(r.is_finite() && r < 1e15) {
        bail!("{what}: {r:e} steps of {dt} s, far too many");
    }
    let n = r.round();
    if (r - n).abs() > 1e-6 * r.max(1.0) || n < 1.0 {
        bail!(
            "{what}: the span {span} s is not a whole number of steps dt = {dt} s ({r:.3} steps)"
        );
    }
    Ok(n as usize)
}

/// Values stored per sample by the solver (the loader's memory rule, plus the copy of the ODE
/// solution as node and state trajectories).
fn solver_values_per_sample(c: &Circuit, solver: &Solver) -> usize {
    let n = c.n_nodes();
    match solver {
        Solver::Relaxation(_) | Solver::Stepping { .. } => {
            n + n * n
                + n
                + c.branches()
                    .iter()
                    .map(|br| {
                        let p = br.ports.len();
                        p + p * p + br.element.n_states()
                    })
                    .sum::<usize>()
        }
        Solver::Ode { .. } => 2 * (n + c.n_states().max(1)),
    }
}

/// Expected cost of a circuit run.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    /// Time steps.
    pub steps: usize,
    /// Bytes of the recorded traces.
    pub trace_bytes: f64,
    /// Bytes held by the solver.
    pub solver_bytes: f64,
}

impl Cost {
    /// Refuses runs above the memory limit (before anything is allocated).
    pub fn check(&self) -> Result<()> {
        let total = self.trace_bytes + self.solver_bytes;
        if total > DEFAULT_MEMORY_LIMIT as f64 {
            bail!(
                "the run would need about {} (traces {}, solver {}), more than the limit of {}: use a larger --dt or a shorter --t-end",
                human_bytes(total),
                human_bytes(self.trace_bytes),
                human_bytes(self.solver_bytes),
                human_bytes(DEFAULT_MEMORY_LIMIT as f64)
            );
        }
        Ok(())
    }
}

/// Cost of running `m` as configured.
pub fn circuit_cost(m: &CircuitModel) -> Cost {
    let samples = m.simulation.steps as f64 + 1.0;
    Cost {
        steps: m.simulation.steps,
        trace_bytes: samples * (m.probes.len() as f64 + 1.0) * 8.0,
        solver_bytes: samples
            * solver_values_per_sample(&m.circuit, &m.simulation.solver) as f64
            * 8.0,
    }
}

/// Cost of a Hopfield run: voltages, outputs and `L` per step, plus the traces.
pub fn hopfield_cost(h: &HopfieldModel) -> Cost {
    let n = h.network.n_units() as f64;
    let steps = (h.t_end / h.dt).round().max(1.0);
    Cost {
        steps: steps as usize,
        trace_bytes: (steps + 1.0) * (2.0 * n + 2.0) * 8.0,
        solver_bytes: (steps + 1.0) * (2.0 * n + 1.0) * 8.0,
    }
}

/// The solver named `name`, keeping the model's settings where they carry over (the scheme of
/// relaxation/stepping, the tolerances of adaptive methods).
fn solver_named(name: &str, old: &Solver, dt: f64) -> Result<Solver> {
    let scheme = match old {
        Solver::Relaxation(o) => o.scheme,
        Solver::Stepping { scheme } => *scheme,
        Solver::Ode { .. } => LinearStep::Exponential2,
    };
    let (rtol, atol) = match old {
        Solver::Ode { config, .. } if config.rtol > 0.0 => (config.rtol, config.atol),
        _ => (1e-6, 1e-9),
    };
    let method = match name {
        "relaxation" => {
            return Ok(match old {
                Solver::Relaxation(o) => Solver::Relaxation(*o),
                _ => Solver::Relaxation(RelaxationOptions::default().scheme(scheme)),
            });
        }
        "stepping" => return Ok(Solver::Stepping { scheme }),
        other => match other.parse::<Method>() {
            Ok(method) => method,
            _ => {
                let names = solver_names();
                let hint = memrc::error::hint(other, names.iter().copied());
                bail!(
                    "unknown --solver '{other}'{hint}; expected one of {}",
                    names.join(", ")
                );
            }
        },
    };
    let config = if method.is_adaptive() {
        Config::adaptive(rtol, atol).with_dt(dt)
    } else {
        Config::fixed(dt)
    };
    Ok(Solver::Ode { method, config })
}

/// Applies the overrides to a loaded model and checks the cost.
pub fn apply_overrides(model: &mut LoadedModel, ov: &Overrides) -> Result<Cost> {
    let unitless = matches!(model.kind, ModelKind::Hopfield(_));
    let t_end = ov
        .t_end
        .as_deref()
        .map(|s| time_option("--t-end", s, unitless))
        .transpose()?;
    let dt = ov
        .dt
        .as_deref()
        .map(|s| time_option("--dt", s, unitless))
        .transpose()?;
    if let Some(dt) = dt {
        if dt <= 0.0 {
            bail!("--dt must be positive, got {dt} s");
        }
    }
    if !matches!(model.kind, ModelKind::Network(_)) {
        for (flag, given) in [
            ("--seed", ov.seed.is_some()),
            ("--threads", ov.threads.is_some()),
        ] {
            if given {
                bail!("{flag} applies to network models only ([network] files)");
            }
        }
    }
    match &mut model.kind {
        ModelKind::Circuit(c) => {
            let sim = &mut c.simulation;
            let old_dt = sim.dt;
            if let Some(t) = t_end {
                if t <= sim.t_start {
                    bail!(
                        "--t-end {} must be later than the start of the model, t_start = {}",
                        memrc::error::time_text(t),
                        memrc::error::time_text(sim.t_start)
                    );
                }
                sim.t_end = t;
            }
            if let Some(dt) = dt {
                sim.dt = dt;
            }
            sim.steps = whole_steps(
                sim.t_end - sim.t_start,
                sim.dt,
                if dt.is_some() { "--dt" } else { "--t-end" },
            )?;
            if let Some(name) = &ov.solver {
                sim.solver = solver_named(name, &sim.solver, sim.dt)?;
            }
            if let Solver::Ode { config, .. } = &mut sim.solver {
                config.dt = sim.dt;
            }
            if dt.is_some() {
                // Probes keep their sampling interval in time (the rows of traces.csv do not
                // change with a finer --dt), which must be a whole number of the new steps; a
                // step coarser than the interval records every step.
                for p in &mut c.probes {
                    let every = p.every as f64 * old_dt;
                    let r = every / sim.dt;
                    if r < 1.0 {
                        // A step coarser than the interval: every step is recorded.
                        p.every = 1;
                        continue;
                    }
                    if (r - r.round()).abs() > 1e-6 * r {
                        bail!(
                            "--dt {}: probe '{}' samples every {}, not a whole number of steps ({r:.3}); probes keep their sampling interval under --dt, so choose a step that divides it",
                            memrc::error::time_text(sim.dt),
                            p.name,
                            memrc::error::time_text(every)
                        );
                    }
                    p.every = r.round() as usize;
                }
            }
            let cost = circuit_cost(c);
            cost.check()?;
            Ok(cost)
        }
        ModelKind::Hopfield(h) => {
            if ov.solver.is_some() {
                bail!("--solver does not apply to a Hopfield model (it is integrated by RK4)");
            }
            if let Some(t) = t_end {
                if t <= 0.0 {
                    bail!("--t-end {t} s must be later than the start of the model, 0 s");
                }
                h.t_end = t;
            }
            if let Some(dt) = dt {
                h.dt = dt;
            }
            whole_steps(h.t_end, h.dt, if dt.is_some() { "--dt" } else { "--t-end" })?;
            let cost = hopfield_cost(h);
            cost.check()?;
            Ok(cost)
        }
        ModelKind::Network(n) => {
            crate::net_run::apply_overrides(n, t_end, dt.is_some(), ov.solver.as_deref())?;
            crate::net_run::apply_seed_threads(n, ov.seed, ov.threads)?;
            let cost = Cost {
                steps: n.steps as usize,
                trace_bytes: n.recording_bytes as f64,
                solver_bytes: n.estimate.total_bytes as f64,
            };
            cost.check()?;
            Ok(cost)
        }
    }
}

/// Whether a circuit model is written per area (no node has an area and the capacitances are
/// F/m²).
fn per_area(model: &LoadedModel) -> bool {
    let nodes = &model.file.nodes;
    nodes.iter().all(|n| n.area.is_none())
        && nodes
            .first()
            .is_some_and(|n| match n.capacitance.get_ref() {
                memrc_io::schema::RawQuantity::Text(s) => units::parse_quantity(s)
                    .ok()
                    .and_then(|q| q.dim)
                    .is_some_and(|d| d == Dimension::CAPACITANCE.per_area()),
                memrc_io::schema::RawQuantity::Number(_) => false,
            })
}

/// Current of port `port` of branch `b` and its diagonal conductance at sample `k`.
fn branch_port(c: &Circuit, sol: &CircuitSolution, b: usize, port: usize, k: usize) -> (f64, f64) {
    let br = &c.branches()[b];
    let p = br.ports.len();
    let mut w = vec![0.0; p];
    let mut g = vec![0.0; p * p];
    c.port_voltages(b, sol.v.at(k), &mut w);
    let off = c.state_offset(b);
    let ns = br.element.n_states();
    let x = if ns > 0 {
        &sol.x.at(k)[off..off + ns]
    } else {
        &[][..]
    };
    br.element.conductance(x, &w, &mut g);
    let q = port.min(p.saturating_sub(1));
    let i = (0..p).map(|r| g[q * p + r] * w[r]).sum();
    (i, g[q * p + q])
}

/// The probe columns of a circuit solution.
pub fn circuit_traces(model: &LoadedModel, c: &CircuitModel, sol: &CircuitSolution) -> Traces {
    let circuit = &c.circuit;
    let grid = sol.v.grid();
    let area = per_area(model);
    let (i_unit, g_unit) = if area { ("A/m^2", "S/m^2") } else { ("A", "S") };
    let rows: Vec<usize> = (0..grid.len())
        .filter(|k| c.probes.iter().any(|p| k % p.every.max(1) == 0))
        .collect();
    let mut tr = Traces {
        t: rows.iter().map(|&k| grid.time(k)).collect(),
        names: Vec::new(),
        units: Vec::new(),
        groups: Vec::new(),
        columns: Vec::new(),
    };
    for p in &c.probes {
        let (unit, group): (String, String) = match p.target {
            ProbeTarget::Voltage { .. } => ("V".into(), "voltage".into()),
            ProbeTarget::State { branch, state, .. } => {
                let u = circuit.branches()[branch]
                    .element
                    .info()
                    .states
                    .get(state)
                    .map_or("1", |s| s.unit);
                let u = if u.is_empty() { "1" } else { u };
                (u.to_string(), format!("state [{u}]"))
            }
            ProbeTarget::Current { .. } => (i_unit.into(), "current".into()),
            ProbeTarget::Conductance { .. } => (g_unit.into(), "conductance".into()),
        };
        let name = if unit == "1" {
            p.name.clone()
        } else {
            format!("{}_{}", p.name, unit_tag(&unit))
        };
        let every = p.every.max(1);
        let col = rows
            .iter()
            .map(|&k| {
                if k % every != 0 {
                    return f64::NAN;
                }
                match p.target {
                    ProbeTarget::Voltage { node } => sol.v.at(k)[node],
                    ProbeTarget::State { index, .. } => sol.x.at(k)[index],
                    ProbeTarget::Current { branch, port } => {
                        branch_port(circuit, sol, branch, port, k).0
                    }
                    ProbeTarget::Conductance { branch, port } => {
                        branch_port(circuit, sol, branch, port, k).1
                    }
                }
            })
            .collect();
        tr.names.push(name);
        tr.units.push(unit);
        tr.groups.push(group);
        tr.columns.push(col);
    }
    tr
}

/// The columns of a Hopfield run.
pub fn hopfield_traces(run: &HopfieldRun) -> Traces {
    let n = run.units;
    let grid = run.voltages.grid();
    let mut tr = Traces {
        t: grid.times(),
        names: Vec::new(),
        units: Vec::new(),
        groups: Vec::new(),
        columns: Vec::new(),
    };
    for k in 0..n {
        tr.names.push(format!("V{}_V", k + 1));
        tr.units.push("V".into());
        tr.groups.push("voltage".into());
        tr.columns.push(run.voltages.component(k));
    }
    for k in 0..n {
        tr.names.push(format!("Phi{}_V", k + 1));
        tr.units.push("V".into());
        tr.groups.push("output".into());
        tr.columns.push(run.outputs.component(k));
    }
    tr.names.push("L_W".into());
    tr.units.push("W".into());
    tr.groups.push("L".into());
    tr.columns.push(run.lyapunov.component(0));
    tr
}

/// A solved circuit.
pub struct CircuitRun {
    /// The trajectories.
    pub solution: CircuitSolution,
    /// Solver statistics for `summary.json`.
    pub stats: Value,
    /// One line for stdout.
    pub stats_line: String,
    /// The discrete scheme (relaxation, stepping), for the energy quadrature.
    pub scheme: Option<LinearStep>,
    /// Wall time of the solve \[s\].
    pub wall_time: f64,
    /// Spike times \[s\] of every membrane node ([`membranes`]), located inside the steps.
    pub spikes: Vec<(usize, Vec<f64>)>,
}

fn cancelled_to_interrupted(e: MemrcError) -> anyhow::Error {
    match e {
        MemrcError::Solver(SolverError::Cancelled { .. }) => Interrupted.into(),
        e if progress::cancelled() => {
            let _ = e;
            Interrupted.into()
        }
        e => anyhow::Error::new(e).context("solving the circuit"),
    }
}

fn stats_json(s: &Statistics) -> Value {
    json!({
        "accepted_steps": s.accepted_steps,
        "rejected_steps": s.rejected_steps,
        "rhs_evals": s.rhs_evals,
        "split_evals": s.split_evals,
        "jacobian_evals": s.jacobian_evals,
        "lu_factorizations": s.lu_factorizations,
        "newton_iterations": s.newton_iterations,
    })
}

fn add_stats(a: &mut Statistics, b: &Statistics) {
    a.accepted_steps += b.accepted_steps;
    a.rejected_steps += b.rejected_steps;
    a.rhs_evals += b.rhs_evals;
    a.split_evals += b.split_evals;
    a.jacobian_evals += b.jacobian_evals;
    a.lu_factorizations += b.lu_factorizations;
    a.newton_iterations += b.newton_iterations;
}

/// Solves a circuit model with its (possibly overridden) solver.
pub fn solve_circuit(c: &CircuitModel, monitor: &mut Monitor) -> Result<CircuitRun> {
    let (v0, x0) = c.initial_state().context("computing the initial state")?;
    let grid = c.simulation.grid().context("the time grid")?;
    let start = Instant::now();
    let circuit = &c.circuit;
    let mut observe = |f: f64| monitor.observe(f);
    match &c.simulation.solver {
        Solver::Relaxation(opts) => {
            let r = solve_relaxation_observed(circuit, grid, &v0, &x0, *opts, &mut |p| {
                observe(p.fraction)
            })
            .map_err(cancelled_to_interrupted)?;
            let total: usize = r.windows.iter().map(|w| w.iterations).sum();
            let newton: usize = r.windows.iter().map(|w| w.newton_iterations).sum();
            let last = r.iterations.last();
            let stats = json!({
                "scheme": opts.scheme.name(),
                "tol_V": opts.tol,
                "max_iterations": opts.max_iterations,
                "coupling": format!("{:?}", opts.coupling).to_lowercase(),
                "window_s": opts.window,
                "iterations": total,
                "newton_iterations": newton,
                "windows": r.windows,
                "sweep_equivalents": r.sweep_equivalents,
                "final_change_V": last.map(|l| l.change),
                "final_residual_V": last.map(|l| l.residual),
                "history": r.iterations,
            });
            let stats_line = format!(
                "{total} iterations in {} window(s), final change {:.1e} V, residual {:.1e} V",
                r.windows.len(),
                last.map_or(0.0, |l| l.change),
                last.map_or(0.0, |l| l.residual)
            );
            let wall_time = start.elapsed().as_secs_f64();
            Ok(CircuitRun {
                spikes: hermite_spikes(circuit, &r.solution, &v0),
                solution: r.solution,
                stats,
                stats_line,
                scheme: Some(opts.scheme),
                wall_time,
            })
        }
        Solver::Stepping { scheme } => {
            let sol = solve_stepping_observed(circuit, grid, &v0, &x0, *scheme, &mut observe)
                .map_err(cancelled_to_interrupted)?;
            let wall_time = start.elapsed().as_secs_f64();
            Ok(CircuitRun {
                spikes: hermite_spikes(circuit, &sol, &v0),
                solution: sol,
                stats: json!({ "scheme": scheme.name(), "steps": grid.steps() }),
                stats_line: format!("{} scheme", scheme.name()),
                scheme: Some(*scheme),
                wall_time,
            })
        }
        Solver::Ode { method, config } => {
            let sys = CircuitSystem::new(circuit);
            let nodes = membranes(&v0);
            let config = config
                .clone()
                .with_t_stops(sys.breakpoints(grid.t0(), grid.t_end()))
                .with_crossings(
                    nodes
                        .iter()
                        .map(|&component| Crossing {
                            component,
                            threshold: SPIKE_THRESHOLD,
                        })
                        .collect(),
                );
            let mut spikes: Vec<(usize, Vec<f64>)> =
                nodes.iter().map(|&j| (j, Vec::new())).collect();
            let n = circuit.n_nodes();
            let ns = circuit.n_states();
            let steps = grid.steps();
            let chunks = steps.min(ODE_CHUNKS);
            let mut y: Vec<f64> = v0.iter().chain(&x0).copied().collect();
            let mut v = Vec::with_capacity(grid.len() * n);
            let mut x = Vec::with_capacity(grid.len() * ns.max(1));
            let mut push = |y: &[f64]| {
                v.extend_from_slice(&y[..n]);
                if ns > 0 {
                    x.extend_from_slice(&y[n..]);
                } else {
                    x.push(0.0);
                }
            };
            push(&y);
            let mut stats = Statistics::default();
            let mut k0 = 0;
            for ch in 1..=chunks {
                let k1 = ch * steps / chunks;
                let t1 = if k1 == steps {
                    grid.t_end()
                } else {
                    grid.time(k1)
                };
                let sol = solve(
                    &sys,
                    *method,
                    &config,
                    grid.time(k0),
                    &y,
                    t1,
                    Output::Intervals(k1 - k0),
                )
                .map_err(cancelled_to_interrupted)?;
                for k in 1..sol.times.len() {
                    push(sol.state(k));
                }
                y = sol.last().to_vec();
                for ((_, all), found) in spikes.iter_mut().zip(&sol.crossings) {
                    all.extend_from_slice(found);
                }
                add_stats(&mut stats, &sol.stats);
                k0 = k1;
                if !observe(k1 as f64 / steps as f64) {
                    return Err(Interrupted.into());
                }
            }
            let solution = CircuitSolution {
                v: Trajectory::new(grid, n, v).context("node voltages")?,
                x: Trajectory::new(grid, ns.max(1), x).context("states")?,
                state_names: circuit.state_names(),
            };
            let mut j = stats_json(&stats);
            if let Value::Object(m) = &mut j {
                m.insert("method".into(), json!(method.name()));
                m.insert("adaptive".into(), json!(method.is_adaptive()));
                m.insert("rtol".into(), json!(config.rtol));
                m.insert("atol".into(), json!(config.atol));
                m.insert("chunks".into(), json!(chunks));
                m.insert("t_stops_s".into(), json!(config.t_stops));
            }
            Ok(CircuitRun {
                solution,
                stats: j,
                stats_line: format!(
                    "{} accepted, {} rejected steps, {} rhs evaluations",
                    stats.accepted_steps, stats.rejected_steps, stats.rhs_evals
                ),
                scheme: None,
                wall_time: start.elapsed().as_secs_f64(),
                spikes,
            })
        }
    }
}

fn finite_stats(col: &[f64]) -> Value {
    let vals: Vec<f64> = col.iter().copied().filter(|x| x.is_finite()).collect();
    let min = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let max = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    json!({
        "final": vals.last(),
        "min": if vals.is_empty() { None } else { Some(min) },
        "max": if vals.is_empty() { None } else { Some(max) },
    })
}

/// The membrane nodes: those starting below [`MEMBRANE_BELOW`].
fn membranes(v0: &[f64]) -> Vec<usize> {
    (0..v0.len()).filter(|&j| v0[j] < MEMBRANE_BELOW).collect()
}

/// Spike times of every membrane node of a grid solution (relaxation, stepping), on the cubic
/// Hermite interpolant of each step ([`CircuitSolution::spike_times_hermite`]).
fn hermite_spikes(c: &Circuit, sol: &CircuitSolution, v0: &[f64]) -> Vec<(usize, Vec<f64>)> {
    membranes(v0)
        .into_iter()
        .map(|j| (j, sol.spike_times_hermite(c, j, SPIKE_THRESHOLD)))
        .collect()
}

/// `summary.json` and the report of a circuit run.
fn circuit_outputs(
    model: &LoadedModel,
    c: &CircuitModel,
    run: &CircuitRun,
    energy: &EnergyBalance,
) -> (Value, String) {
    let circuit = &c.circuit;
    let sol = &run.solution;
    let last = sol.v.len() - 1;
    let spikes = &run.spikes;
    let nodes: Vec<Value> = circuit
        .nodes()
        .iter()
        .enumerate()
        .map(|(j, node)| {
            let col = sol.v.component(j);
            let mut o = json!({
                "name": node.name,
                "initial_V": col[0],
                "final_V": col[last],
                "min_V": col.iter().copied().fold(f64::INFINITY, f64::min),
                "max_V": col.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            });
            if let (Some((_, s)), Value::Object(m)) = (spikes.iter().find(|(k, _)| *k == j), &mut o)
            {
                m.insert("spike_count".into(), json!(s.len()));
                m.insert("spike_times_s".into(), json!(s));
            }
            o
        })
        .collect();
    let tr = circuit_traces(model, c, sol);
    let probes: Vec<Value> = tr
        .names
        .iter()
        .zip(&tr.columns)
        .zip(&tr.units)
        .map(|((n, col), u)| {
            let mut s = finite_stats(col);
            if let Value::Object(m) = &mut s {
                m.insert("column".into(), json!(n));
                m.insert("unit".into(), json!(u));
            }
            s
        })
        .collect();
    let sim = &c.simulation;
    let energy_unit = if per_area(model) { "J/m^2" } else { "J" };
    let doc = json!({
        "model": model.name,
        "description": model.description,
        "origin": model.origin,
        "kind": "circuit",
        "solver": { "name": sim.solver.name(), "statistics": run.stats },
        "grid": { "t_start_s": sim.t_start, "t_end_s": sim.t_end, "dt_s": sim.dt, "steps": sim.steps },
        "size": { "nodes": circuit.n_nodes(), "states": circuit.n_states(),
                  "unknowns_per_time": circuit.n_nodes() + circuit.n_states() },
        "nodes": nodes,
        "spike_threshold_V": SPIKE_THRESHOLD,
        "probes": probes,
        "energy": { "unit": energy_unit, "balance": energy },
    });
    let mut report = format!(
        "{}: {} ({}), t = {}..{} s, {} steps\n",
        model.name,
        sim.solver.name(),
        run.stats_line,
        sim.t_start,
        sim.t_end,
        sim.steps
    );
    for (j, s) in spikes {
        let name = &circuit.nodes()[*j].name;
        let times: Vec<String> = s
            .iter()
            .take(8)
            .map(|t| format!("{:.3}", t * 1e3))
            .collect();
        let _ = writeln!(
            report,
            "  {name}: {} spike(s){}{}",
            s.len(),
            if s.is_empty() { "" } else { " at " },
            if s.is_empty() {
                String::new()
            } else {
                format!(
                    "{} ms{}",
                    times.join(", "),
                    if s.len() > 8 { ", …" } else { "" }
                )
            }
        );
    }
    let _ = writeln!(
        report,
        "  energy: dissipated {:.4e}, batteries {:.4e}, sources {:.4e}, capacitive change {:.4e} {energy_unit}; residual {:.1e} (relative {:.1e}, {})",
        energy.total_dissipation,
        energy.total_battery_energy,
        energy.source_energy,
        energy.capacitive_change,
        energy.residual,
        energy.rel_residual,
        energy.quadrature
    );
    (doc, report)
}

/// Writes the files of a run.
fn stage(
    files: &mut Staged,
    names: &mut Vec<String>,
    formats: &[OutputFormat],
    traces: &Traces,
) -> Result<()> {
    if formats.contains(&OutputFormat::Csv) {
        files.add("traces.csv", traces.csv().into_bytes());
        names.push("traces.csv".into());
    }
    if formats.contains(&OutputFormat::Npy) {
        files.add("traces.npz", traces.npz()?);
        names.push("traces.npz".into());
    }
    Ok(())
}

/// Parses `--format csv,npy`.
pub fn parse_formats(s: &str) -> Result<Vec<OutputFormat>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let f = match part {
            "csv" => OutputFormat::Csv,
            "npy" | "npz" => OutputFormat::Npy,
            other => {
                bail!("unknown --format '{other}': expected csv, npy (or npz), comma-separated")
            }
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        bail!("--format needs at least one of csv, npy");
    }
    Ok(out)
}

/// Settings of one `memrc run`.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// Output directory (`None`: `out/<model name>`).
    pub out: Option<PathBuf>,
    /// Data formats (`None`: the model's `[output]`).
    pub formats: Option<Vec<OutputFormat>>,
    /// No progress bar.
    pub quiet: bool,
    /// Overrides.
    pub overrides: Overrides,
}

/// Runs a loaded model and writes its directory; returns the stdout report.
pub fn run_model(mut model: LoadedModel, settings: &RunSettings) -> Result<String> {
    let wall = Instant::now();
    apply_overrides(&mut model, &settings.overrides)?;
    let out = settings
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&model.name));
    let formats = settings
        .formats
        .clone()
        .unwrap_or_else(|| model.output.formats.clone());
    let plots = model.output.plots;
    let mut files = Staged::new();
    let mut names = Vec::new();
    let mut monitor = Monitor::new(settings.quiet, &model.name);
    let prebuilt = model.network_mut().and_then(|n| n.network.take());
    let (mut doc, report) = match &model.kind {
        ModelKind::Network(n) => crate::net_run::run(
            &model,
            n,
            prebuilt,
            &formats,
            &mut files,
            &mut names,
            &mut monitor,
        )?,
        ModelKind::Circuit(c) => {
            let run = solve_circuit(c, &mut monitor)?;
            monitor.finish();
            progress::check()?;
            let energy = match run.scheme {
                Some(s) => energy_balance_for(&c.circuit, &run.solution, s),
                None => energy_balance(&c.circuit, &run.solution),
            }
            .context("energy balance")?;
            let traces = circuit_traces(&model, c, &run.solution);
            stage(&mut files, &mut names, &formats, &traces)?;
            if plots {
                let size = plot::probe_traces_size(&traces.groups);
                let title = model.name.as_str();
                plot::add_figure!(files, "traces", size, |root| plot::probe_traces(
                    root, title, &traces
                ));
                names.extend(["traces.svg".to_string(), "traces.png".to_string()]);
            }
            let (mut doc, report) = circuit_outputs(&model, c, &run, &energy);
            if let Value::Object(m) = &mut doc {
                m.insert("solve_wall_time_s".into(), json!(run.wall_time));
            }
            (doc, report)
        }
        ModelKind::Hopfield(h) => {
            let run = h
                .network
                .simulate(&h.initial, h.t_end, h.dt)
                .context("simulating the Hopfield network")?;
            monitor.observe(1.0);
            monitor.finish();
            progress::check()?;
            let traces = hopfield_traces(&run);
            stage(&mut files, &mut names, &formats, &traces)?;
            if plots {
                plot::add_figure!(files, "traces", example_plot::HOPFIELD_SIZE, |root| {
                    example_plot::hopfield(root, &run)
                });
                names.extend(["traces.svg".to_string(), "traces.png".to_string()]);
            }
            let net = &h.network;
            let doc = json!({
                "model": model.name,
                "description": model.description,
                "origin": model.origin,
                "kind": "hopfield",
                "solver": { "name": "rk4", "statistics": { "steps": run.steps, "dt": run.dt } },
                "network": {
                    "W": net.weights(),
                    "C": net.capacitances(),
                    "I": net.input(),
                    "activations": net.activations().iter().map(|a| a.name()).collect::<Vec<_>>(),
                    "V0": h.initial,
                },
                "run": run,
            });
            let report = format!(
                "{}: RK4, {} steps of {} s to t = {} s: L from {:.6} to {:.6} ({}), {}\n",
                model.name,
                run.steps,
                run.dt,
                run.t_end,
                run.lyapunov_initial,
                run.lyapunov_final,
                if run.lyapunov_decreasing {
                    "decreasing"
                } else {
                    "NOT decreasing"
                },
                if run.equilibrium {
                    "settled at an equilibrium"
                } else {
                    "not yet at an equilibrium"
                }
            );
            (doc, report)
        }
    };
    if let Value::Object(m) = &mut doc {
        m.insert("wall_time_s".into(), json!(wall.elapsed().as_secs_f64()));
    }
    files.add(
        "summary.json",
        serde_json::to_vec_pretty(&doc).context("serialising summary.json")?,
    );
    names.push("summary.json".into());
    progress::check()?;
    files.commit(&out)?;
    Ok(format!(
        "{report}  wrote {} to {}\n",
        names.join(", "),
        out.display()
    ))
}

/// The grid of a Hopfield model, for `check`.
fn hopfield_grid(h: &HopfieldModel) -> Result<Grid> {
    let steps = whole_steps(h.t_end, h.dt, "dt")?;
    Ok(Grid::span(0.0, h.t_end, steps)?)
}

/// `memrc check`: the report (nothing is simulated).
pub fn check_text(mut model: LoadedModel, ov: &Overrides) -> Result<String> {
    let cost = apply_overrides(&mut model, ov)?;
    let mut out = format!("{} ({}): valid\n", model.name, model.origin);
    if !model.description.is_empty() {
        let _ = writeln!(out, "  {}", model.description);
    }
    match &model.kind {
        ModelKind::Circuit(c) => check_circuit(&mut out, &model, c)?,
        ModelKind::Network(n) => crate::net_run::check(&mut out, n),
        ModelKind::Hopfield(h) => {
            let net = &h.network;
            let n = net.n_units();
            let grid = hopfield_grid(h)?;
            let _ = writeln!(
                out,
                "\nHopfield network: {n} units, RK4 on 0..{} s, dt {} s",
                h.t_end, h.dt
            );
            let _ = writeln!(out, "  initial V: {:?} V", h.initial);
            let _ = writeln!(out, "\nassumption checks:");
            let caps_ok = net.capacitances().iter().all(|c| *c > 0.0);
            let _ = writeln!(out, "  capacitances positive: {}", ok(caps_ok));
            let _ = writeln!(
                out,
                "  W symmetric (symmetrised on load): ok; smallest eigenvalue {:.4e} S: W positive definite: {}",
                net.min_weight_eigenvalue(),
                ok(net.weights_positive_definite())
            );
            let _ = writeln!(out, "\nsize: {n} unknowns per time, {} samples", grid.len());
        }
    }
    let _ = writeln!(
        out,
        "\nexpected cost: {} steps; recorded traces {}, solver {}; total {} (limit {})",
        cost.steps,
        human_bytes(cost.trace_bytes),
        human_bytes(cost.solver_bytes),
        human_bytes(cost.trace_bytes + cost.solver_bytes),
        human_bytes(DEFAULT_MEMORY_LIMIT as f64)
    );
    Ok(out)
}

fn ok(b: bool) -> &'static str {
    if b { "ok" } else { "NO" }
}

fn check_circuit(out: &mut String, model: &LoadedModel, c: &CircuitModel) -> Result<()> {
    let circuit = &c.circuit;
    let n = circuit.n_nodes();
    let ns = circuit.n_states();
    let g_unit = if per_area(model) { "S/m^2" } else { "S" };
    let sim = &c.simulation;
    let _ = writeln!(
        out,
        "  solver {}, t = {}..{} s, dt {} s, {} probe(s)",
        sim.solver.name(),
        sim.t_start,
        sim.t_end,
        sim.dt,
        c.probes.len()
    );
    let names = circuit.state_names();
    let rest = circuit.rest_state();
    let _ = writeln!(out, "\nrest state:");
    match &rest {
        Ok((v, x)) => {
            for (node, vj) in circuit.nodes().iter().zip(v) {
                let _ = writeln!(out, "  v_{} = {:.6} mV", node.name, vj * 1e3);
            }
            for (name, xj) in names.iter().zip(x) {
                let _ = writeln!(out, "  {name} = {xj:.6e}");
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  none: {e}");
        }
    }
    let (v0, x0) = c.initial_state().context("computing the initial state")?;
    if rest.as_ref().map_or(true, |(v, _)| v != &v0) {
        let _ = writeln!(out, "initial state (differs from rest):");
        for (node, vj) in circuit.nodes().iter().zip(&v0) {
            let _ = writeln!(out, "  v_{} = {:.6} mV", node.name, vj * 1e3);
        }
    }
    // Conductances at the initial state.
    let _ = writeln!(out, "\nassumption checks (at the initial state):");
    let mut all_ok = true;
    for (b, br) in circuit.branches().iter().enumerate() {
        let p = br.ports.len();
        let mut w = vec![0.0; p];
        let mut g = vec![0.0; p * p];
        circuit.port_voltages(b, &v0, &mut w);
        let off = circuit.state_offset(b);
        let nsb = br.element.n_states();
        br.element.conductance(&x0[off..off + nsb], &w, &mut g);
        // NaN propagates (f64::min would drop it), so a NaN conductance fails the check.
        let min_diag = (0..p).map(|q| g[q * p + q]).fold(f64::INFINITY, |m, x| {
            if x.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.min(x)
            }
        });
        let positive = min_diag >= 0.0;
        all_ok &= positive;
        if p == 1 {
            let _ = writeln!(
                out,
                "  {}: g = {:.6e} {g_unit} ≥ 0: {}",
                br.name,
                g[0],
                ok(positive)
            );
        } else {
            let scale = g
                .iter()
                .fold(0.0_f64, |m, x| m.max(x.abs()))
                .max(f64::MIN_POSITIVE);
            let asym = (0..p)
                .flat_map(|q| (0..p).map(move |r| (q, r)))
                .fold(0.0_f64, |m, (q, r)| {
                    m.max((g[q * p + r] - g[r * p + q]).abs())
                });
            let _ = writeln!(
                out,
                "  {} ({p}-port): min diagonal G = {:.6e} {g_unit} ≥ 0: {}; symmetry max|G - G^T| = {:.3e} (relative {:.1e}): {}",
                br.name,
                min_diag,
                ok(positive),
                asym,
                asym / scale,
                if asym <= 1e-12 * scale {
                    "symmetric"
                } else {
                    "not symmetric (a directed coupling: the gradient form holds per port)"
                }
            );
        }
    }
    let mut a = vec![0.0; n * n];
    let mut j = vec![0.0; n];
    circuit.stamp_all(&x0, &v0, &mut a, &mut j);
    for (k, node) in circuit.nodes().iter().enumerate() {
        let total = a[k * n + k];
        all_ok &= total > 0.0;
        let _ = writeln!(
            out,
            "  node {}: total conductance {:.6e} {g_unit} > 0: {}",
            node.name,
            total,
            ok(total > 0.0)
        );
    }
    let _ = writeln!(out, "  all positive: {}", ok(all_ok));
    let _ = writeln!(
        out,
        "\nsize: {n} node(s), {ns} state(s), {} unknowns per time, {} samples",
        n + ns,
        sim.steps + 1
    );
    Ok(())
}
