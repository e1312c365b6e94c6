//! `memrc example …`: the paper's worked examples, end to end.
//!
//! - `hh-spike`: Example 4 and Figure 3 of the paper. The Hodgkin–Huxley membrane
//!   ([`hh_pulse_circuit`], 10 µA/cm² on 20 ≤ t ≤ 22 ms) started at its computed rest, solved on
//!   0–50 ms by time stepping ([`solve_stepping`]) and by the alternating iteration
//!   Compute(g) → Compute(v) ([`solve_relaxation`], every iterate recorded), with the energy
//!   balance of the time-stepping solution ([`energy_balance`]).
//! - `hopfield`: the two-unit network [`Hopfield::example`] from [`Hopfield::EXAMPLE_V0`],
//!   integrated until it settles, with its decreasing function `L = ½ΦᵀWΦ − IᵀΦ`.
//!
//! Internally everything is SI; the files use the paper's units (ms, mV, µA/cm², pJ/cm²).
//!
//! **`hh-spike/traces.csv`**: `t_ms, v_mV, m, h, n` (time stepping), `v_iter1_mV … v_iterK_mV`
//! (the K iterates of the alternating iteration; the rest trajectory it starts from is not a
//! column), `i_uA_per_cm2` (the input current at the node times).
//!
//! **`hh-spike/summary.json`** (see [`hh_summary`] for every key): iteration counts and
//! histories, spike times and peaks (time stepping, converged iterate and every iterate), the
//! distance between the fixed point and time stepping, wall times, the rest state, and the energy
//! terms in pJ/cm² (1 pJ/cm² = 1e-8 J/m²).
//!
//! **`hopfield/traces.csv`**: `t, V1 … Vn, Phi1 … Phin, L` (normalised units, time in `C/W`).

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use memrc::Grid;
use memrc::analysis::energy::{EnergyBalance, energy_balance, energy_balance_for};
use memrc::circuit::discrete::CircuitSolution;
use memrc::circuit::neuron::{HhParams, hh_pulse_circuit};
use memrc::circuit::relaxation::{
    RelaxationOptions, RelaxationResult, Stage, solve_relaxation, solve_stepping,
};
use memrc::discretisation::LinearStep;
use memrc::hopfield::{Hopfield, HopfieldRun};
use serde_json::{Value, json};

/// One example: its name on the command line and a one-line description.
pub struct Example {
    /// Command-line name.
    pub name: &'static str,
    /// One line for `memrc example list`.
    pub description: &'static str,
}

/// Every example, in the order `memrc example list` shows them.
pub const EXAMPLES: [Example; 2] = [
    Example {
        name: "hh-spike",
        description: "paper Example 4 / Figure 3: Hodgkin-Huxley spike, 10 uA/cm^2 on 20-22 ms, \
                      time stepping vs the alternating iteration Compute(g) -> Compute(v), energy balance",
    },
    Example {
        name: "hopfield",
        description: "paper eq. (49)-(53): two-unit Hopfield network settling to its equilibrium, \
                      L = 1/2 Phi'W Phi - I'Phi decreasing",
    },
];

/// End of the Example 4 horizon \[s\].
pub const HH_T_END: f64 = 0.050;
/// The input pulse: amplitude \[A/m²\] (10 µA/cm²), start and end \[s\].
pub const HH_PULSE: (f64, f64, f64) = (0.1, 0.020, 0.022);
/// The Newton stage takes over once the change is below this \[V\] (10 mV).
pub const NEWTON_SWITCH: f64 = 10e-3;
/// Default number of steps (0.1 ms).
pub const HH_STEPS: usize = 500;
/// Largest `--steps` (every iterate is a CSV column: keep the file reasonable).
pub const HH_MAX_STEPS: usize = 100_000;
/// High-accuracy reference (`docs/numerics.md#example-4-reference`: DOP853 at 1e-13,
/// cross-checked with Radau): 0 mV
/// up-crossing \[ms\] and peak \[mV\].
pub const REF_SPIKE_MS: f64 = 21.901_231_5;
/// See [`REF_SPIKE_MS`].
pub const REF_PEAK_MV: f64 = 39.944_946;
/// J/m² per pJ/cm².
const PJ_PER_CM2: f64 = 1e-8;
/// A/m² per µA/cm².
const UA_PER_CM2: f64 = 1e-2;

/// Settings of `memrc example hh-spike`.
#[derive(Debug, Clone, Copy)]
pub struct HhSettings {
    /// One-step scheme of the discrete equations.
    pub scheme: LinearStep,
    /// Enable the Newton stage below [`NEWTON_SWITCH`].
    pub newton: bool,
    /// Number of steps on 0–50 ms.
    pub steps: usize,
    /// Tolerance of the iteration \[V\].
    pub tol: f64,
}

impl HhSettings {
    /// Checks the ranges (the library checks the rest).
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 {
            bail!("--steps must be at least 1, got 0");
        }
        if self.steps > HH_MAX_STEPS {
            bail!(
                "--steps {} is more than the limit of {HH_MAX_STEPS} (every iterate is a column of traces.csv)",
                self.steps
            );
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            bail!("--tol must be positive, got {} mV", self.tol * 1e3);
        }
        Ok(())
    }
}

/// Parses `--tol`: a bare number is in mV; a number with a unit is a voltage (`1e-12V`,
/// `1e-9mV`, `1pV`).
pub fn parse_tol(text: &str) -> Result<f64> {
    let mv = match text.trim().parse::<f64>() {
        Ok(x) => x,
        Err(_) => crate::drive::parse_quantity(text, "V").context("--tol")? * 1e3,
    };
    if !(mv.is_finite() && mv > 0.0) {
        bail!("--tol must be a positive number of mV, got '{text}'");
    }
    Ok(mv * 1e-3)
}

/// Everything `hh-spike` computed.
pub struct HhRun {
    /// The settings used.
    pub settings: HhSettings,
    /// The grid.
    pub grid: Grid,
    /// Rest voltage \[V\].
    pub rest_v: f64,
    /// Rest gates `m, h, n`.
    pub rest_gates: [f64; 3],
    /// Time-stepping solution.
    pub stepping: CircuitSolution,
    /// Columns of `m, h, n` in the state vector.
    pub gate_columns: [usize; 3],
    /// The alternating iteration (iterates recorded).
    pub relax: RelaxationResult,
    /// Energy balance of the time-stepping solution, with the quadrature consistent with the
    /// scheme ([`energy_balance_for`]).
    pub energy: EnergyBalance,
    /// The same with the scheme-independent trapezoidal quadrature ([`energy_balance`]).
    pub energy_trapezoidal: EnergyBalance,
    /// Input current at the grid nodes \[A/m²\] (see [`pulse_at`]).
    pub input: Vec<f64>,
    /// Exact average of the input current over every step, as the solvers use it \[A/m²\].
    pub input_average: Vec<f64>,
    /// Wall times \[s\]: rest state, time stepping.
    pub wall_rest: f64,
    /// See `wall_rest`.
    pub wall_stepping: f64,
}

/// The input of Example 4 at a node time `t` [A/m²]: the amplitude on `start ≤ t ≤ end`, both
/// edges included, where a node within `1e-9·dt` of an edge counts as on it (the node times
/// `k·dt` carry rounding: 220 · 0.1 ms is 22.000000000000003 ms).
pub fn pulse_at(t: f64, dt: f64) -> f64 {
    let (amp, start, end) = HH_PULSE;
    let eps = 1e-9 * dt;
    if t >= start - eps && t <= end + eps {
        amp
    } else {
        0.0
    }
}

/// Runs Example 4.
pub fn run_hh(settings: HhSettings) -> Result<HhRun> {
    settings.validate()?;
    let (amp, start, end) = HH_PULSE;
    let (circuit, node) =
        hh_pulse_circuit(amp, start, end).context("building the Example 4 circuit")?;
    let clock = Instant::now();
    let (v0, x0) = circuit.rest_state().context("computing the rest state")?;
    let wall_rest = clock.elapsed().as_secs_f64();
    let grid = Grid::span(0.0, HH_T_END, settings.steps)?;
    let clock = Instant::now();
    let stepping = solve_stepping(&circuit, grid, &v0, &x0, settings.scheme)
        .with_context(|| format!("time stepping ({})", settings.scheme.name()))?;
    let wall_stepping = clock.elapsed().as_secs_f64();
    let mut opts = RelaxationOptions::default()
        .scheme(settings.scheme)
        .tol(settings.tol)
        .probe(node.0)
        .record_iterates(true);
    if settings.newton {
        opts = opts.newton(NEWTON_SWITCH);
    }
    let relax = solve_relaxation(&circuit, grid, &v0, &x0, opts).with_context(|| {
        format!(
            "alternating iteration ({}{})",
            settings.scheme.name(),
            if settings.newton { ", Newton" } else { "" }
        )
    })?;
    if relax.iterates.len() != relax.iterations.len() + 1 {
        bail!(
            "internal: {} recorded iterates for {} iterations",
            relax.iterates.len(),
            relax.iterations.len()
        );
    }
    let energy =
        energy_balance_for(&circuit, &stepping, settings.scheme).context("energy balance")?;
    let energy_trapezoidal = energy_balance(&circuit, &stepping).context("energy balance")?;
    let names = &stepping.state_names;
    let column = |gate: &str| {
        names
            .iter()
            .position(|s| s.rsplit('.').next() == Some(gate))
            .with_context(|| format!("internal: no gate '{gate}' among the states {names:?}"))
    };
    let gate_columns = [column("m")?, column("h")?, column("n")?];
    let rest_gates = gate_columns.map(|c| x0.get(c).copied().unwrap_or(f64::NAN));
    let input = (0..grid.len())
        .map(|k| pulse_at(grid.time(k), grid.dt()))
        .collect();
    let mut buf = vec![0.0; circuit.n_nodes()];
    let input_average = (0..grid.steps())
        .map(|k| {
            circuit.source_average(grid.time(k), grid.time(k + 1), &mut buf);
            buf[node.0]
        })
        .collect();
    Ok(HhRun {
        settings,
        grid,
        rest_v: v0[node.0],
        rest_gates,
        stepping,
        gate_columns,
        relax,
        energy,
        energy_trapezoidal,
        input,
        input_average,
        wall_rest,
        wall_stepping,
    })
}

impl HhRun {
    /// Time-stepping voltage \[mV\].
    pub fn v_mv(&self) -> Vec<f64> {
        self.stepping
            .v
            .component(0)
            .iter()
            .map(|v| v * 1e3)
            .collect()
    }
    /// Gate `g` (0 = m, 1 = h, 2 = n) of the time-stepping solution.
    pub fn gate(&self, g: usize) -> Vec<f64> {
        self.stepping.x.component(self.gate_columns[g])
    }
    /// Iterate `k` (1-based) \[mV\].
    pub fn iterate_mv(&self, k: usize) -> Vec<f64> {
        self.relax.iterates[k].iter().map(|v| v * 1e3).collect()
    }
    /// Number of iterations K.
    pub fn iterations(&self) -> usize {
        self.relax.iterations.len()
    }
    /// Times \[ms\].
    pub fn t_ms(&self) -> Vec<f64> {
        self.grid.times().iter().map(|t| t * 1e3).collect()
    }
    /// First 0 mV up-crossing of the time-stepping solution \[ms\].
    pub fn spike_time_ms(&self) -> Option<f64> {
        self.stepping.spike_times(0, 0.0).first().map(|t| t * 1e3)
    }
    /// Largest time-stepping voltage \[mV\] and its time \[ms\] (grid node).
    pub fn peak(&self) -> (f64, f64) {
        let v = self.v_mv();
        let (k, p) =
            v.iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |(kb, b), (k, x)| {
                        if x > b { (k, x) } else { (kb, b) }
                    },
                );
        (p, self.grid.time(k) * 1e3)
    }
    /// `max |v_fixed point − v_time stepping|` \[mV\].
    pub fn max_diff_mv(&self) -> f64 {
        let a = self.stepping.v.data();
        let b = self.relax.solution.v.data();
        a.iter()
            .zip(b)
            .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
            * 1e3
    }
    /// Did the last iteration meet the tolerance?
    pub fn converged(&self) -> bool {
        self.relax
            .iterations
            .last()
            .is_some_and(|r| r.change <= self.settings.tol || r.error_estimate <= self.settings.tol)
    }
}

/// `hh-spike/traces.csv`.
pub fn hh_csv(run: &HhRun) -> String {
    let k_max = run.iterations();
    let mut out = String::new();
    out.push_str("t_ms,v_mV,m,h,n");
    for k in 1..=k_max {
        let _ = write!(out, ",v_iter{k}_mV");
    }
    out.push_str(",i_uA_per_cm2\n");
    let v = run.v_mv();
    let gates = [run.gate(0), run.gate(1), run.gate(2)];
    for (j, t) in run.t_ms().iter().enumerate() {
        let _ = write!(out, "{t:e},{:e}", v[j]);
        for g in &gates {
            let _ = write!(out, ",{:e}", g[j]);
        }
        for it in &run.relax.iterates[1..] {
            let _ = write!(out, ",{:e}", it[j] * 1e3);
        }
        let _ = writeln!(out, ",{:e}", run.input[j] / UA_PER_CM2);
    }
    out
}

fn scheme_note(s: LinearStep) -> &'static str {
    match s {
        LinearStep::Trapezoid => {
            "the trapezoid scheme conserves the discrete energy: with the trapezoidal quadrature the balance holds to rounding"
        }
        LinearStep::Exponential2 | LinearStep::ExponentialEuler => {
            "each exponential step is the exact solution with the conductances frozen over the step; integrating the power exactly along it, the balance holds to rounding. energy_balance_trapezoidal_rel_residual shows the same solution with the scheme-independent trapezoidal quadrature, whose residual is the scheme's energy error"
        }
        _ => {
            "this scheme does not conserve the discrete energy: the residual is its O(dt^2) (O(dt) for first-order schemes) energy error, concentrated on the upstroke"
        }
    }
}

/// `hh-spike/summary.json`.
///
/// | key | meaning |
/// |---|---|
/// | `example`, `paper`, `scheme`, `newton`, `newton_switch_mV`, `steps`, `dt_ms`, `t_end_ms`, `tol_mV`, `input` | what was run |
/// | `rest` | `V_mV, m, h, n` for zero input |
/// | `iterations`, `plain_iterations`, `newton_iterations`, `converged` | the alternating iteration |
/// | `change_history_mV` | `‖v_k − v_{k−1}‖∞` per iteration |
/// | `residual_history` | residual of the discrete voltage equations per iterate \[mV\] |
/// | `error_estimate_history_mV` | `θ/(1−θ)·change` (`null` while not contracting) |
/// | `stage_history` | `plain` or `newton` per iteration |
/// | `iteration_spike_times_ms`, `iteration_peaks_mV` | 0 mV up-crossing (`null`: none) and peak per iterate |
/// | `spike_time_ms`, `peak_mV`, `peak_time_ms` | time stepping (peak at a grid node) |
/// | `iteration_spike_time_ms`, `iteration_peak_mV` | the converged iterate |
/// | `max_abs_diff_iteration_vs_timestepping_mV` | the fixed point against time stepping |
/// | `reference` | high-accuracy spike time and peak, and our errors against them |
/// | `wall_time_*_s`, `iteration_wall_times_s` | wall times |
/// | `energy` | pJ/cm²: `capacitive_change`, `branches[{name, dissipation, battery_energy}]`, `total_dissipation`, `total_battery_energy`, `source_energy`, `residual` |
/// | `energy_balance_rel_residual` | `|residual|` / `∫ Σ|power|` |
/// | `closed_trajectory` | eq. (58): `lhs_pJ_per_cm2`, `return_gap_mV`, `returned` |
pub fn hh_summary(run: &HhRun) -> Value {
    let s = &run.settings;
    let it = &run.relax.iterations;
    let mv = |x: f64| x * 1e3;
    let pj = |x: f64| x / PJ_PER_CM2;
    let (peak, peak_t) = run.peak();
    let spike = run.spike_time_ms();
    let fixed = run.relax.solution.v.component(0);
    let fixed_spike = memrc::circuit::discrete::spike_times(&fixed, &run.grid, 0.0)
        .first()
        .map(|t| t * 1e3);
    let fixed_peak = fixed.iter().copied().fold(f64::NEG_INFINITY, f64::max) * 1e3;
    let e = &run.energy;
    let (amp, start, end) = HH_PULSE;
    let p = HhParams::default();
    let branches: Vec<Value> = e
        .branches
        .iter()
        .map(|b| {
            json!({
                "name": b.name,
                "dissipation": pj(b.dissipation),
                "battery_energy": pj(b.battery_energy),
            })
        })
        .collect();
    let energy = json!({
        "unit": "pJ/cm^2 (1e-8 J/m^2)",
        "solution": "time stepping",
        "capacitive_change": pj(e.capacitive_change),
        "branches": branches,
        "total_dissipation": pj(e.total_dissipation),
        "total_battery_energy": pj(e.total_battery_energy),
        "source_energy": pj(e.source_energy),
        "residual": pj(e.residual),
        "balance": "capacitive_change + total_dissipation - total_battery_energy - source_energy = residual",
        "note": scheme_note(s.scheme),
    });
    let mut doc = json!({
        "example": "hh-spike",
        "paper": "Forni & Sepulchre, Gradient modelling of memristive systems, Example 4 / Figure 3",
        "model": {
            "C_uF_per_cm2": p.c / 1e-2,
            "g_Na_mS_per_cm2": p.g_na / 10.0,
            "g_K_mS_per_cm2": p.g_k / 10.0,
            "g_L_mS_per_cm2": p.g_l / 10.0,
            "E_Na_mV": mv(p.e_na),
            "E_K_mV": mv(p.e_k),
            "E_L_mV": mv(p.e_l),
        },
        "input": {
            "amplitude_uA_per_cm2": amp / UA_PER_CM2,
            "start_ms": start * 1e3,
            "end_ms": end * 1e3,
        },
        "scheme": s.scheme.name(),
        "newton": s.newton,
        "newton_switch_mV": s.newton.then_some(mv(NEWTON_SWITCH)),
        "steps": s.steps,
        "dt_ms": run.grid.dt() * 1e3,
        "t_end_ms": run.grid.t_end() * 1e3,
        "tol_mV": mv(s.tol),
    });
    merge(
        &mut doc,
        json!({
            "rest": {
                "V_mV": mv(run.rest_v),
                "m": run.rest_gates[0],
                "h": run.rest_gates[1],
                "n": run.rest_gates[2],
            },
            "iterations": it.len(),
            "plain_iterations": it.iter().filter(|r| r.stage == Stage::Plain).count(),
            "newton_iterations": it.iter().filter(|r| r.stage == Stage::Newton).count(),
            "converged": run.converged(),
            "change_history_mV": it.iter().map(|r| mv(r.change)).collect::<Vec<_>>(),
            "residual_history": it.iter().map(|r| mv(r.residual)).collect::<Vec<_>>(),
            "error_estimate_history_mV": it.iter().map(|r| mv(r.error_estimate)).collect::<Vec<_>>(),
            "stage_history": it.iter().map(|r| r.stage).collect::<Vec<_>>(),
        }),
    );
    merge(
        &mut doc,
        json!({
            "iteration_spike_times_ms": it.iter().map(|r| r.spike_time.map(|t| t * 1e3)).collect::<Vec<_>>(),
            "iteration_peaks_mV": it.iter().map(|r| mv(r.peak)).collect::<Vec<_>>(),
            "spike_time_ms": spike,
            "peak_mV": peak,
            "peak_time_ms": peak_t,
            "iteration_spike_time_ms": fixed_spike,
            "iteration_peak_mV": fixed_peak,
            "max_abs_diff_iteration_vs_timestepping_mV": run.max_diff_mv(),
        }),
    );
    merge(
        &mut doc,
        json!({
            "reference": {
                "spike_time_ms": REF_SPIKE_MS,
                "peak_mV": REF_PEAK_MV,
                "source": "independent high-accuracy solution (DOP853 at 1e-13 with breakpoints at 20 and 22 ms, cross-checked with Radau)",
                "spike_time_error_ms": spike.map(|t| t - REF_SPIKE_MS),
                "peak_error_mV": peak - REF_PEAK_MV,
            },
            "wall_time_rest_s": run.wall_rest,
            "wall_time_stepping_s": run.wall_stepping,
            "wall_time_iteration_s": run.relax.wall_time,
            "iteration_wall_times_s": it.iter().map(|r| r.wall_time).collect::<Vec<_>>(),
            "energy": energy,
            "energy_balance_rel_residual": e.rel_residual,
            "energy_quadrature": e.quadrature,
            "energy_balance_trapezoidal_rel_residual": run.energy_trapezoidal.rel_residual,
            "closed_trajectory": {
                "lhs_pJ_per_cm2": pj(e.closed.lhs),
                "minus_capacitive_change_pJ_per_cm2": pj(-e.capacitive_change),
                "return_gap_mV": mv(e.closed.return_gap),
                "returned": e.closed.returned,
                "note": "eq. (58) <v, sum_b i_b - i> = 0 holds only once the trajectory is back at rest; at 50 ms it is not. lhs = -capacitive_change + energy residual: about -6.24 pJ/cm^2 for an accurate or energy-conserving (trapezoid) solution; other schemes add their energy error",
            },
            "units": {
                "time": "ms",
                "voltage": "mV",
                "current": "uA/cm^2",
                "energy": "pJ/cm^2",
                "residual_history": "mV",
                "error_estimate_history_mV": "null while the iteration is not contracting",
            },
        }),
    );
    doc
}

/// Moves the keys of the object `more` into the object `doc`.
fn merge(doc: &mut Value, more: Value) {
    if let (Value::Object(d), Value::Object(m)) = (doc, more) {
        d.extend(m);
    }
}

/// The stdout summary of `hh-spike`.
pub fn hh_report(run: &HhRun) -> String {
    let s = &run.settings;
    let (peak, _) = run.peak();
    let last = run.relax.iterations.last();
    let spike = run
        .spike_time_ms()
        .map_or("no spike".into(), |t| format!("spike at {t:.4} ms"));
    let e = &run.energy;
    format!(
        "hh-spike ({}{}, {} steps of {} ms): iteration {} in {} iterations (last change {:.1e} mV), \
         {:.1e} mV from time stepping\n  {spike} (reference {REF_SPIKE_MS:.4} ms), peak {peak:.2} mV \
         (reference {REF_PEAK_MV:.2} mV)\n  energy: dissipated {:.2} pJ/cm^2, residual {:.2e} pJ/cm^2 \
         (relative {:.1e}); eq. (58) lhs {:.3} pJ/cm^2 ({})\n",
        s.scheme.name(),
        if s.newton { " + Newton" } else { "" },
        s.steps,
        crate::plot::tick(run.grid.dt() * 1e3),
        if run.converged() {
            "converged"
        } else {
            "stopped"
        },
        run.iterations(),
        last.map_or(f64::NAN, |r| r.change * 1e3),
        run.max_diff_mv(),
        e.total_dissipation / PJ_PER_CM2,
        e.residual / PJ_PER_CM2,
        e.rel_residual,
        e.closed.lhs / PJ_PER_CM2,
        if e.closed.returned {
            "back at rest"
        } else {
            "not back at rest at 50 ms"
        },
    )
}

/// Default horizon of `hopfield` (normalised time).
pub const HOPFIELD_T_END: f64 = 40.0;
/// Default step of `hopfield`.
pub const HOPFIELD_DT: f64 = 0.01;
/// Largest number of steps of `hopfield`.
pub const HOPFIELD_MAX_STEPS: usize = 1_000_000;

/// Runs the Hopfield example.
pub fn run_hopfield(t_end: f64, dt: f64) -> Result<(Hopfield, HopfieldRun)> {
    let steps = t_end / dt;
    if steps.is_finite() && steps > HOPFIELD_MAX_STEPS as f64 {
        bail!(
            "--t-end {t_end} with --dt {dt} gives {steps:.3e} steps, more than the limit of \
             {HOPFIELD_MAX_STEPS} (every step is a row of traces.csv); use a larger --dt"
        );
    }
    let net = Hopfield::example();
    let run = net
        .simulate(&Hopfield::EXAMPLE_V0, t_end, dt)
        .context("simulating the Hopfield example")?;
    Ok((net, run))
}

/// `hopfield/traces.csv`.
pub fn hopfield_csv(run: &HopfieldRun) -> String {
    let n = run.units;
    let grid = run.voltages.grid();
    let mut out = String::from("t");
    for k in 1..=n {
        let _ = write!(out, ",V{k}");
    }
    for k in 1..=n {
        let _ = write!(out, ",Phi{k}");
    }
    out.push_str(",L\n");
    for j in 0..grid.len() {
        let _ = write!(out, "{:e}", grid.time(j));
        for x in run.voltages.at(j).iter().chain(run.outputs.at(j)) {
            let _ = write!(out, ",{x:e}");
        }
        let _ = writeln!(out, ",{:e}", run.lyapunov.at(j)[0]);
    }
    out
}

/// `hopfield/summary.json`: the scalar fields of [`HopfieldRun`] plus the network, the analytic
/// equilibrium `Φ* = W⁻¹ I` and the check of the gradient form (53) at the initial state.
pub fn hopfield_summary(net: &Hopfield, run: &HopfieldRun) -> Result<Value> {
    let mut doc = serde_json::to_value(run).context("serialising the Hopfield run")?;
    // Φ* = W⁻¹ I for the 2×2 example.
    let w = net.weights();
    let i = net.input();
    let det = w[0] * w[3] - w[1] * w[2];
    let phi_star = [
        (w[3] * i[0] - w[1] * i[1]) / det,
        (w[0] * i[1] - w[2] * i[0]) / det,
    ];
    let err = run
        .final_outputs
        .iter()
        .zip(&phi_star)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    let check0 = net
        .gradient_form_residual(&Hopfield::EXAMPLE_V0)
        .context("checking the gradient form at V0")?;
    if let Value::Object(map) = &mut doc {
        map.insert("example".into(), json!("hopfield"));
        map.insert(
            "paper".into(),
            json!("Forni & Sepulchre, Gradient modelling of memristive systems, eq. (49)-(53)"),
        );
        map.insert(
            "network".into(),
            json!({
                "W": w,
                "C": net.capacitances(),
                "I": i,
                "activations": net.activations().iter().map(|a| a.name()).collect::<Vec<_>>(),
                "V0": Hopfield::EXAMPLE_V0,
                "units": "normalised (time in units of C/W)",
            }),
        );
        map.insert("equilibrium_outputs_exact".into(), json!(phi_star));
        map.insert("final_outputs_error".into(), json!(err));
        map.insert("gradient_form_check_at_V0".into(), json!(check0));
        map.insert(
            "decreasing_function".into(),
            json!("L = 1/2 Phi^T W Phi - I^T Phi (the paper's 1/2 Phi^T W Phi - V^T I is not decreasing)"),
        );
    }
    Ok(doc)
}

/// The stdout summary of `hopfield`.
pub fn hopfield_report(run: &HopfieldRun) -> String {
    format!(
        "hopfield ({} units, {} RK4 steps of {} to t = {}): L {} from {:.6} to {:.6} (max increase {:.1e}), \
         {} (|C dV/dt| = {:.1e}), gradient-form residual (53) {:.1e}\n",
        run.units,
        run.steps,
        run.dt,
        run.t_end,
        if run.lyapunov_decreasing {
            "decreases"
        } else {
            "does NOT decrease"
        },
        run.lyapunov_initial,
        run.lyapunov_final,
        run.max_lyapunov_increase,
        if run.equilibrium {
            "settled at the equilibrium"
        } else {
            "not yet at equilibrium"
        },
        run.final_residual,
        run.max_gradient_form_residual,
    )
}
