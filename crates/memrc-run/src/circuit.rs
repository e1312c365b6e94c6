//! Circuit models: solving with the model's solver, the probe columns, spikes and the summary.
//!
//! **Spikes**: upward crossings of 0 mV, reported for the nodes that start below −10 mV
//! (membranes; the format has no threshold key), located inside the step where they happen from
//! the solver's dense output: the continuous extension of `dopri5`/`sdirk2`, and the cubic
//! Hermite interpolant of the step's end values and derivatives for the fixed-step methods,
//! `relaxation` and `stepping` (error `O(dt⁴)`; linear interpolation of the samples had a floor of
//! a few µs at 0.1 ms). Other nodes (devices driven around 0 V) have no `spikes` entry.

use std::fmt::Write as _;
use std::time::Instant;

use memrc::analysis::energy::{EnergyBalance, energy_balance, energy_balance_for};
use memrc::circuit::Circuit;
use memrc::circuit::discrete::CircuitSolution;
use memrc::circuit::relaxation::{solve_relaxation_observed, solve_stepping_observed};
use memrc::circuit::system::CircuitSystem;
use memrc::discretisation::LinearStep;
use memrc::error::{Error as MemrcError, SolverError};
use memrc::solver::{Config, Crossing, Output, Statistics, solve};
use memrc::{Grid, Trajectory};
use memrc_io::units::{self, Dimension};
use memrc_io::{CircuitModel, LoadedModel, ProbeTarget, Solver};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Result, RunError};
use crate::progress::{CHUNKS, Observer};
use crate::traces::{Column, Population, Spikes, Traces, unit_suffix};

/// Nodes starting below this are membranes whose 0 mV crossings are spikes \[V\].
const MEMBRANE_BELOW: f64 = -10e-3;
/// Spike threshold \[V\].
pub const SPIKE_THRESHOLD: f64 = 0.0;

/// A solved circuit.
pub struct CircuitRun {
    /// The trajectories.
    pub solution: CircuitSolution,
    /// Solver statistics for `summary.json`.
    pub stats: Value,
    /// One line for the report.
    pub stats_line: String,
    /// The discrete scheme (relaxation, stepping), for the energy quadrature.
    pub scheme: Option<LinearStep>,
    /// Wall time of the solve \[s\].
    pub wall_time: f64,
    /// Spike times \[s\] of every membrane node, located inside the steps.
    pub spikes: Vec<(usize, Vec<f64>)>,
}

fn solve_error(e: MemrcError) -> RunError {
    match e {
        MemrcError::Solver(SolverError::Cancelled { .. }) => RunError::Interrupted,
        source => RunError::simulation("solving the circuit", source),
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

/// Solves a circuit model with its (possibly overridden) solver.
pub fn solve_circuit(c: &CircuitModel, observer: &mut dyn Observer) -> Result<CircuitRun> {
    let (v0, x0) = c
        .initial_state()
        .map_err(|e| RunError::simulation("computing the initial state", e))?;
    let grid = c
        .simulation
        .grid()
        .map_err(|e| RunError::simulation("the time grid", e))?;
    let start = Instant::now();
    let circuit = &c.circuit;
    let run = match &c.simulation.solver {
        Solver::Relaxation(opts) => {
            let r = solve_relaxation_observed(circuit, grid, &v0, &x0, *opts, &mut |p| {
                observer.observe(p.fraction)
            })
            .map_err(solve_error)?;
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
            Ok(CircuitRun {
                spikes: hermite_spikes(circuit, &r.solution, &v0),
                solution: r.solution,
                stats,
                stats_line,
                scheme: Some(opts.scheme),
                wall_time: start.elapsed().as_secs_f64(),
            })
        }
        Solver::Stepping { scheme } => {
            let sol = solve_stepping_observed(circuit, grid, &v0, &x0, *scheme, &mut |f| {
                observer.observe(f)
            })
            .map_err(solve_error)?;
            Ok(CircuitRun {
                spikes: hermite_spikes(circuit, &sol, &v0),
                solution: sol,
                stats: json!({ "scheme": scheme.name(), "steps": grid.steps() }),
                stats_line: format!("{} scheme", scheme.name()),
                scheme: Some(*scheme),
                wall_time: start.elapsed().as_secs_f64(),
            })
        }
        Solver::Ode { method, config } => {
            solve_ode(circuit, grid, *method, config, &v0, &x0, observer, start)
        }
    }?;
    check_node_voltages(circuit, &run.solution)?;
    Ok(run)
}

/// Node voltages stay in their plausible range on every sample (issue #14 §3): the first
/// sample beyond it ([`memrc_io::units::PLAUSIBLE`], ±10 V; NaN too) is an error naming the node,
/// the value and the time, instead of a run that reports `NaN` energies and exits 0.
fn check_node_voltages(circuit: &Circuit, sol: &CircuitSolution) -> Result<()> {
    let n = sol.v.dim().max(1);
    let bad = sol.v.data().iter().enumerate().find_map(|(i, &x)| {
        units::check_plausible(x, Dimension::VOLTAGE)
            .err()
            .map(|m| (i, x, m))
    });
    match bad {
        None => Ok(()),
        Some((i, x, m)) => {
            let (k, j) = (i / n, i % n);
            let name = circuit
                .nodes()
                .get(j)
                .map_or("?", |node| node.name.as_str());
            Err(RunError::OutOfRange {
                what: "solving the circuit",
                message: format!(
                    "the voltage of node '{name}' = {} V at t = {} {m}: the model left its physical range",
                    crate::brief(x),
                    memrc::error::time_text(sol.v.grid().time(k))
                ),
            })
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn solve_ode(
    circuit: &Circuit,
    grid: Grid,
    method: memrc::solver::Method,
    config: &Config,
    v0: &[f64],
    x0: &[f64],
    observer: &mut dyn Observer,
    start: Instant,
) -> Result<CircuitRun> {
    let sys = CircuitSystem::new(circuit);
    let nodes = membranes(v0);
    let mut config = config
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
    let mut spikes: Vec<(usize, Vec<f64>)> = nodes.iter().map(|&j| (j, Vec::new())).collect();
    let n = circuit.n_nodes();
    let ns = circuit.n_states();
    let steps = grid.steps();
    let chunks = steps.min(CHUNKS as usize);
    let mut y: Vec<f64> = v0.iter().chain(x0).copied().collect();
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
    // One step budget for the whole run (`max_steps`, default 10⁶ accepted + rejected steps),
    // shared by the chunks: each gets what the earlier ones left.
    let budget = config.max_steps;
    let spent = |reached: String| RunError::StepBudget {
        budget,
        reached,
        t_end: memrc::error::time_text(grid.t_end()),
    };
    let mut k0 = 0;
    for ch in 1..=chunks {
        let k1 = ch * steps / chunks;
        let t1 = if k1 == steps {
            grid.t_end()
        } else {
            grid.time(k1)
        };
        let used = stats.accepted_steps + stats.rejected_steps;
        if used >= budget {
            return Err(spent(memrc::error::time_text(grid.time(k0))));
        }
        config.max_steps = budget - used;
        let sol = solve(
            &sys,
            method,
            &config,
            grid.time(k0),
            &y,
            t1,
            Output::Intervals(k1 - k0),
        )
        .map_err(|e| match e {
            // The solver's reason is "reached at t = <time>".
            MemrcError::Solver(SolverError::BadSetting { name, reason, .. })
                if name == "max_steps" =>
            {
                spent(
                    reason
                        .strip_prefix("reached at t = ")
                        .map_or_else(|| memrc::error::time_text(grid.time(k0)), str::to_string),
                )
            }
            e => solve_error(e),
        })?;
        for k in 1..sol.times.len() {
            push(sol.state(k));
        }
        y = sol.last().to_vec();
        for ((_, all), found) in spikes.iter_mut().zip(&sol.crossings) {
            all.extend_from_slice(found);
        }
        add_stats(&mut stats, &sol.stats);
        k0 = k1;
        if !observer.observe(k1 as f64 / steps as f64) {
            return Err(RunError::Interrupted);
        }
    }
    let traj = |what: &'static str, dim, data| {
        Trajectory::new(grid, dim, data).map_err(|e| RunError::simulation(what, e))
    };
    let solution = CircuitSolution {
        v: traj("node voltages", n, v)?,
        x: traj("states", ns.max(1), x)?,
        state_names: circuit.state_names(),
    };
    let mut j = stats_json(&stats);
    if let Value::Object(m) = &mut j {
        m.insert("max_steps".into(), json!(budget));
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

/// Whether a circuit model is written per area (no node has an area and the capacitances are
/// F/m²).
pub fn per_area(model: &LoadedModel) -> bool {
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
    let (i_unit, g_unit) = if per_area(model) {
        ("A/m^2", "S/m^2")
    } else {
        ("A", "S")
    };
    let rows: Vec<usize> = (0..grid.len())
        .filter(|k| c.probes.iter().any(|p| k % p.every.max(1) == 0))
        .collect();
    let mut tr = Traces {
        t: rows.iter().map(|&k| grid.time(k)).collect(),
        columns: Vec::with_capacity(c.probes.len()),
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
            ProbeTarget::Current { .. } | ProbeTarget::SourceCurrent { .. } => {
                (i_unit.into(), "current".into())
            }
            ProbeTarget::Conductance { .. } => (g_unit.into(), "conductance".into()),
        };
        let every = p.every.max(1);
        let values = rows
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
                    ProbeTarget::SourceCurrent { source } => circuit.voltage_source_current(
                        source,
                        grid.time(k),
                        sol.v.at(k),
                        sol.x.at(k),
                    ),
                }
            })
            .collect();
        tr.columns.push(Column {
            name: format!("{}{}", p.name, unit_suffix(&unit)),
            unit,
            group,
            values,
        });
    }
    tr
}

/// The spikes of a circuit run: each membrane node is a population of one.
pub fn circuit_spikes(circuit: &Circuit, spikes: &[(usize, Vec<f64>)]) -> Spikes {
    let mut all: Vec<(f64, u32)> = spikes
        .iter()
        .flat_map(|(j, ts)| ts.iter().map(move |&t| (t, *j as u32)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    Spikes {
        times: all.iter().map(|s| s.0).collect(),
        ids: all.iter().map(|s| s.1).collect(),
        populations: spikes
            .iter()
            .map(|(j, _)| Population {
                name: circuit.nodes()[*j].name.clone(),
                offset: *j,
                size: 1,
            })
            .collect(),
    }
}

/// `summary.json` of a circuit run (with the common fields of [`crate::Summary`]).
#[derive(Debug, Clone, Serialize)]
pub struct CircuitSummary {
    /// Solver name and statistics (iterations, changes and residuals of the trajectory-space
    /// iteration; step counts of the ODE methods).
    pub solver: SolverSummary,
    /// The time grid.
    pub grid: GridSummary,
    /// Sizes.
    pub size: SizeSummary,
    /// Per node: initial, final, minimum and maximum voltage, spikes of membranes.
    pub nodes: Vec<NodeSummary>,
    /// Spike threshold \[V\].
    #[serde(rename = "spike_threshold_V")]
    pub spike_threshold: f64,
    /// Per probe: final, minimum, maximum.
    pub probes: Vec<ProbeSummary>,
    /// Energy balance (eq. 56–58) and its residual.
    pub energy: EnergySummary,
    /// Wall time of the solve \[s\].
    pub solve_wall_time_s: f64,
}

/// Solver name and statistics.
#[derive(Debug, Clone, Serialize)]
pub struct SolverSummary {
    /// `relaxation`, `stepping`, an ODE method.
    pub name: String,
    /// Statistics (their keys depend on the solver).
    pub statistics: Value,
}

/// The time grid.
#[derive(Debug, Clone, Serialize)]
pub struct GridSummary {
    /// \[s\].
    pub t_start_s: f64,
    /// \[s\].
    pub t_end_s: f64,
    /// \[s\].
    pub dt_s: f64,
    /// Steps.
    pub steps: usize,
}

/// Sizes of a circuit.
#[derive(Debug, Clone, Serialize)]
pub struct SizeSummary {
    /// Nodes.
    pub nodes: usize,
    /// States.
    pub states: usize,
    /// Nodes + states.
    pub unknowns_per_time: usize,
}

/// One node.
#[derive(Debug, Clone, Serialize)]
#[allow(non_snake_case)]
pub struct NodeSummary {
    /// Name.
    pub name: String,
    /// \[V\].
    pub initial_V: f64,
    /// \[V\].
    pub final_V: f64,
    /// \[V\].
    pub min_V: f64,
    /// \[V\].
    pub max_V: f64,
    /// Spikes (membranes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike_count: Option<usize>,
    /// Spike times \[s\] (membranes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike_times_s: Option<Vec<f64>>,
}

/// One probe column.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeSummary {
    /// Column name.
    pub column: String,
    /// SI unit.
    pub unit: String,
    /// Last finite value.
    #[serde(rename = "final")]
    pub last: Option<f64>,
    /// Smallest finite value.
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
}

/// The energy balance with its unit.
#[derive(Debug, Clone, Serialize)]
pub struct EnergySummary {
    /// `J` or `J/m^2`.
    pub unit: &'static str,
    /// The balance.
    pub balance: EnergyBalance,
    /// The relative residual the quadrature should stay within ([`energy_tolerance`]).
    pub tolerance: f64,
    /// Set when the residual is beyond the tolerance (or not finite): the solution or the
    /// model is suspect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The relative energy residual a run should stay within: rounding (1e-9) for the quadrature
/// that is exact along the steps of relaxation and stepping, 1e-2 for the trapezoidal one of
/// the ODE methods (its own error is O(dt²), far below 1e-2 at the steps the examples use).
pub fn energy_tolerance(balance: &EnergyBalance) -> f64 {
    if balance.quadrature.starts_with("exact") {
        1e-9
    } else {
        1e-2
    }
}

/// The warning for a residual beyond [`energy_tolerance`] (or not finite).
fn energy_warning(balance: &EnergyBalance) -> Option<String> {
    let tol = energy_tolerance(balance);
    let r = balance.rel_residual;
    (r.is_nan() || r.abs() > tol).then(|| {
        format!(
            "the energy balance (eq. 56) is off by {r:.1e} (relative), beyond {tol:.0e} for its quadrature ({}): the solution or the model is suspect (a conductance far out of its range, or a step too large)",
            balance.quadrature
        )
    })
}

fn probe_summary(col: &Column) -> ProbeSummary {
    let vals = || col.values.iter().copied().filter(|x| x.is_finite());
    let any = vals().next().is_some();
    ProbeSummary {
        column: col.name.clone(),
        unit: col.unit.clone(),
        last: vals().next_back(),
        min: any.then(|| vals().fold(f64::INFINITY, f64::min)),
        max: any.then(|| vals().fold(f64::NEG_INFINITY, f64::max)),
    }
}

/// The energy balance of a circuit run (exact along the steps of relaxation and stepping).
pub fn energy(c: &CircuitModel, run: &CircuitRun) -> Result<EnergyBalance> {
    match run.scheme {
        Some(s) => energy_balance_for(&c.circuit, &run.solution, s),
        None => energy_balance(&c.circuit, &run.solution),
    }
    .map_err(|source| RunError::simulation("energy balance", source))
}

/// The summary and the report of a circuit run.
pub fn summary(
    model: &LoadedModel,
    c: &CircuitModel,
    run: &CircuitRun,
    traces: &Traces,
    energy: EnergyBalance,
) -> (CircuitSummary, String) {
    let circuit = &c.circuit;
    let sol = &run.solution;
    let last = sol.v.len() - 1;
    let nodes = circuit
        .nodes()
        .iter()
        .enumerate()
        .map(|(j, node)| {
            let col = sol.v.component(j);
            let spikes = run.spikes.iter().find(|(k, _)| *k == j).map(|(_, s)| s);
            NodeSummary {
                name: node.name.clone(),
                initial_V: col[0],
                final_V: col[last],
                min_V: col.iter().copied().fold(f64::INFINITY, f64::min),
                max_V: col.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                spike_count: spikes.map(Vec::len),
                spike_times_s: spikes.cloned(),
            }
        })
        .collect();
    let sim = &c.simulation;
    let unit = if per_area(model) { "J/m^2" } else { "J" };
    let mut report = format!(
        "{}: {} ({}), t = {}..{} s, {} steps\n",
        model.name,
        sim.solver.name(),
        run.stats_line,
        crate::brief(sim.t_start),
        crate::brief(sim.t_end),
        sim.steps
    );
    for (j, s) in &run.spikes {
        let name = &circuit.nodes()[*j].name;
        let times: Vec<String> = s
            .iter()
            .take(8)
            .map(|t| format!("{:.3}", t * 1e3))
            .collect();
        let at = if s.is_empty() {
            String::new()
        } else {
            format!(
                " at {} ms{}",
                times.join(", "),
                if s.len() > 8 { ", …" } else { "" }
            )
        };
        let _ = writeln!(report, "  {name}: {} spike(s){at}", s.len());
    }
    let _ = writeln!(
        report,
        "  energy: dissipated {:.4e}, batteries {:.4e}, sources {:.4e}, capacitive change {:.4e} {unit}; residual {:.1e} (relative {:.1e}, {})",
        energy.total_dissipation,
        energy.total_battery_energy,
        energy.source_energy,
        energy.capacitive_change,
        energy.residual,
        energy.rel_residual,
        energy.quadrature
    );
    let warning = energy_warning(&energy);
    if let Some(w) = &warning {
        let _ = writeln!(report, "  warning: {w}");
    }
    let doc = CircuitSummary {
        solver: SolverSummary {
            name: sim.solver.name().to_string(),
            statistics: run.stats.clone(),
        },
        grid: GridSummary {
            t_start_s: sim.t_start,
            t_end_s: sim.t_end,
            dt_s: sim.dt,
            steps: sim.steps,
        },
        size: SizeSummary {
            nodes: circuit.n_nodes(),
            states: circuit.n_states(),
            unknowns_per_time: circuit.n_nodes() + circuit.n_states(),
        },
        nodes,
        spike_threshold: SPIKE_THRESHOLD,
        probes: traces.columns.iter().map(probe_summary).collect(),
        energy: EnergySummary {
            unit,
            tolerance: energy_tolerance(&energy),
            warning,
            balance: energy,
        },
        solve_wall_time_s: run.wall_time,
    };
    (doc, report)
}
