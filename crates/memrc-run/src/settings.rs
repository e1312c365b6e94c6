//! Loading a model and applying the overrides of a run (`--t-end`, `--dt`, `--solver`,
//! `--seed`, `--threads`; `t_end=`, `dt=`, … in Python), with the expected cost checked before
//! anything is allocated.

use std::path::Path;

use memrc::circuit::Circuit;
use memrc::circuit::relaxation::RelaxationOptions;
use memrc::discretisation::LinearStep;
use memrc::error::time_text;
use memrc::solver::{Config, Method};
use memrc_io::units::{self, Dimension};
use memrc_io::{
    CircuitModel, DEFAULT_MEMORY_LIMIT, HopfieldModel, LoadOptions, LoadedModel, ModelKind,
    NetworkModel, Solver, human_bytes, solver_names,
};

use crate::error::{Result, RunError, brief};

/// Overrides of a model's `[simulation]` (or `[network]`) settings.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--solver NAME`.
    pub solver: Option<String>,
    /// `--t-end T` with a time unit (`20ms`, `"20 ms"`).
    pub t_end: Option<String>,
    /// `--dt DT`.
    pub dt: Option<String>,
    /// `--seed S` (network models).
    pub seed: Option<u64>,
    /// `--threads K` (network models).
    pub threads: Option<usize>,
    /// Where and beyond what a network's spikes spill to disk during the run
    /// ([`crate::SpikeStore`]).
    pub spill: crate::SpillSettings,
}

/// The loader's options: the default, with the input limit of the environment variable
/// `MEMRC_INPUT_LIMIT` (bytes) when that is set.
pub fn load_options() -> Result<LoadOptions> {
    let mut o = LoadOptions::default();
    if let Ok(v) = std::env::var("MEMRC_INPUT_LIMIT") {
        o.input_limit = v.trim().parse().map_err(|_| {
            RunError::setting(format!(
                "MEMRC_INPUT_LIMIT '{v}': expected a number of bytes"
            ))
        })?;
    }
    Ok(o)
}

/// Loads a model file (networks are built).
pub fn load(path: &Path) -> Result<LoadedModel> {
    load_path_with(path, &load_options()?)
}

/// Loads `path` with `opts`; a NeuroML2 file (`.nml`) is converted to model-file text first
/// ([`memrc_io::neuroml`], as `memrc import` writes it), and errors of that text name the file
/// as `FILE.nml [imported]`.
pub fn load_path_with(path: &Path, opts: &LoadOptions) -> Result<LoadedModel> {
    match imported_text(path, opts)? {
        Some(text) => Ok(memrc_io::load_str_with(
            &text,
            &imported_origin(path),
            path.parent(),
            opts,
        )?),
        None => Ok(memrc_io::load_with(path, opts)?),
    }
}

/// The model-file text of a NeuroML2 file (`None` for any other file).
pub fn imported_text(path: &Path, opts: &LoadOptions) -> Result<Option<String>> {
    if !memrc_io::neuroml::is_neuroml_path(path) {
        return Ok(None);
    }
    let options = memrc_io::neuroml::ImportOptions::default();
    Ok(Some(memrc_io::neuroml::import_neuroml_file(
        path,
        opts.input_limit,
        &options,
    )?))
}

/// How errors name the converted text of the NeuroML2 file `path`.
pub fn imported_origin(path: &Path) -> String {
    format!("{} [imported]", path.display())
}

/// Loads a model from text; `origin` names it in errors (`<string>`), and relative paths of
/// sample and list files are resolved against `base` (the working directory if `None`).
pub fn load_str(text: &str, origin: &str, base: Option<&Path>) -> Result<LoadedModel> {
    Ok(memrc_io::load_str_with(
        text,
        origin,
        base,
        &load_options()?,
    )?)
}

/// Loads a model file for a check: networks are validated and their memory estimated, not built.
pub fn load_for_check(path: &Path) -> Result<LoadedModel> {
    load_path_with(path, &load_options()?.build_networks(false))
}

/// Parses a time option (`20ms`, `"20 ms"`; a bare number only for models whose time has no
/// unit, `unitless`: Hopfield networks, and 0) \[s\]. A bare number for a model with physical
/// time is refused with a hint rather than read as seconds (`--t-end 200` would be 200 s).
pub fn time_option(flag: &str, text: &str, unitless: bool) -> Result<f64> {
    let q = units::parse_quantity(text)
        .map_err(|e| RunError::setting(format!("{flag} '{text}': {e}")))?;
    match q.dim {
        None if unitless || q.value == 0.0 => {}
        None => {
            return Err(RunError::setting(format!(
                "{flag} {text}: give a unit, e.g. {}ms (a bare number would be seconds)",
                text.trim()
            )));
        }
        Some(d) if d == Dimension::TIME => {}
        Some(d) => {
            return Err(RunError::setting(format!(
                "{flag} '{text}': expected a time (s), got '{}' ({})",
                q.unit,
                d.describe()
            )));
        }
    }
    if !q.value.is_finite() {
        return Err(RunError::setting(format!("{flag} '{text}' is not finite")));
    }
    Ok(q.value)
}

/// Whole number of steps of `dt` in `span`, as the loader counts them.
pub fn whole_steps(span: f64, dt: f64, what: &str) -> Result<usize> {
    let r = span / dt;
    if !(r.is_finite() && r < 1e15) {
        return Err(RunError::setting(format!(
            "{what}: {} steps of {}, far too many",
            brief(r),
            time_text(dt)
        )));
    }
    let n = r.round();
    if (r - n).abs() > 1e-6 * r.max(1.0) || n < 1.0 {
        return Err(RunError::setting(format!(
            "{what}: the span {} is not a whole number of steps dt = {} ({r:.3} steps)",
            time_text(span),
            time_text(dt)
        )));
    }
    Ok(n as usize)
}

/// Values stored per sample by a circuit solver (the loader's memory rule, plus the copy of the
/// ODE solution as node and state trajectories).
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

/// Expected cost of a run.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Cost {
    /// Time steps.
    pub steps: usize,
    /// Bytes of the recorded traces.
    pub trace_bytes: f64,
    /// Bytes held by the solver (a network: its state, synapses and building).
    pub solver_bytes: f64,
}

impl Cost {
    /// Total bytes.
    pub fn total(&self) -> f64 {
        self.trace_bytes + self.solver_bytes
    }

    /// Refuses runs above the memory limit (before anything is allocated).
    pub fn check(&self) -> Result<()> {
        if self.total() > DEFAULT_MEMORY_LIMIT as f64 {
            return Err(RunError::TooLarge {
                needed: human_bytes(self.total()),
                traces: human_bytes(self.trace_bytes),
                solver: human_bytes(self.solver_bytes),
                limit: human_bytes(DEFAULT_MEMORY_LIMIT as f64),
            });
        }
        Ok(())
    }
}

/// Cost of running a circuit as configured.
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

/// Cost of a network run: the loader's estimate (state, synapses, building) and the recordings.
pub fn network_cost(n: &NetworkModel) -> Cost {
    Cost {
        steps: n.steps as usize,
        trace_bytes: n.recording_bytes as f64,
        solver_bytes: n.estimate.total_bytes as f64,
    }
}

/// The expected cost of a loaded model as it stands.
pub fn cost(model: &LoadedModel) -> Cost {
    match &model.kind {
        ModelKind::Circuit(c) => circuit_cost(c),
        ModelKind::Hopfield(h) => hopfield_cost(h),
        ModelKind::Network(n) => network_cost(n),
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
                return Err(RunError::setting(format!(
                    "unknown --solver '{other}'{hint}; expected one of {}",
                    names.join(", ")
                )));
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
            return Err(RunError::setting(format!(
                "--dt must be positive, got {}",
                time_text(dt)
            )));
        }
    }
    if !matches!(model.kind, ModelKind::Network(_)) {
        for (flag, given) in [
            ("--seed", ov.seed.is_some()),
            ("--threads", ov.threads.is_some()),
        ] {
            if given {
                return Err(RunError::setting(format!(
                    "{flag} applies to network models only ([network] files)"
                )));
            }
        }
    }
    let cost = match &mut model.kind {
        ModelKind::Circuit(c) => {
            circuit_overrides(c, t_end, dt, ov.solver.as_deref())?;
            circuit_cost(c)
        }
        ModelKind::Hopfield(h) => {
            if ov.solver.is_some() {
                return Err(RunError::setting(
                    "--solver does not apply to a Hopfield model (it is integrated by RK4)",
                ));
            }
            if let Some(t) = t_end {
                if t <= 0.0 {
                    return Err(RunError::setting(format!(
                        "--t-end {} must be later than the start of the model, 0",
                        brief(t)
                    )));
                }
                h.t_end = t;
            }
            if let Some(dt) = dt {
                h.dt = dt;
            }
            whole_steps(h.t_end, h.dt, if dt.is_some() { "--dt" } else { "--t-end" })?;
            hopfield_cost(h)
        }
        ModelKind::Network(n) => {
            network_overrides(n, t_end, dt.is_some(), ov.solver.as_deref())?;
            seed_threads(n, ov.seed, ov.threads)?;
            network_cost(n)
        }
    };
    cost.check()?;
    Ok(cost)
}

fn circuit_overrides(
    c: &mut CircuitModel,
    t_end: Option<f64>,
    dt: Option<f64>,
    solver: Option<&str>,
) -> Result<()> {
    let sim = &mut c.simulation;
    let old_dt = sim.dt;
    if let Some(t) = t_end {
        if t <= sim.t_start {
            return Err(RunError::setting(format!(
                "--t-end {} must be later than the start of the model, t_start = {}",
                time_text(t),
                time_text(sim.t_start)
            )));
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
    if let Some(name) = solver {
        sim.solver = solver_named(name, &sim.solver, sim.dt)?;
    }
    if let Solver::Ode { config, .. } = &mut sim.solver {
        config.dt = sim.dt;
    }
    if dt.is_some() {
        // Probes keep their sampling interval in time (the rows of traces.csv do not change
        // with a finer --dt), which must be a whole number of the new steps; a step coarser
        // than the interval records every step.
        for p in &mut c.probes {
            let every = p.every as f64 * old_dt;
            let r = every / sim.dt;
            if r < 1.0 {
                p.every = 1;
                continue;
            }
            if (r - r.round()).abs() > 1e-6 * r {
                return Err(RunError::setting(format!(
                    "--dt {}: probe '{}' samples every {}, not a whole number of steps ({r:.3}); probes keep their sampling interval under --dt, so choose a step that divides it",
                    time_text(sim.dt),
                    p.name,
                    time_text(every)
                )));
            }
            p.every = r.round() as usize;
        }
    }
    Ok(())
}

/// Applies `--t-end` and `--solver` (a network scheme: `exp-euler`, `exp2`, `dopri5`/`rk23`
/// with the file's `rtol` or its default) to a network model (`--dt` does not apply).
fn network_overrides(
    n: &mut NetworkModel,
    t_end: Option<f64>,
    dt: bool,
    solver: Option<&str>,
) -> Result<()> {
    if let Some(name) = solver {
        let rtol = match n.builder.current_scheme() {
            memrc::net::Scheme::Dopri5 { rtol } | memrc::net::Scheme::Rk23 { rtol } => Some(rtol),
            _ => None,
        };
        let adaptive = matches!(name, "dopri5" | "rk23");
        let scheme = memrc::net::Scheme::from_name(name, rtol.filter(|_| adaptive))
            .map_err(|e| RunError::setting(format!("--solver {name}: {e}")))?;
        n.builder.scheme(scheme);
        // The loader's prebuilt network has the file's scheme: build again.
        n.network = None;
    }
    if dt {
        return Err(RunError::setting(
            "--dt does not apply to a network model: dt is part of the network (delays and refractory periods are whole steps); change [network] dt in the file",
        ));
    }
    if let Some(t) = t_end {
        if t.is_nan() || t <= 0.0 {
            return Err(RunError::setting(format!(
                "--t-end {} must be later than the start of the model, 0 s",
                time_text(t)
            )));
        }
        let steps = whole_steps(t, n.dt, "--t-end")? as f64;
        let old = n.steps.max(1) as f64;
        n.recording_bytes = (n.recording_bytes as f64 * steps / old) as u64;
        n.t_end = t;
        n.steps = steps as u64;
    }
    Ok(())
}

/// Applies `--seed` and `--threads` to a network model.
fn seed_threads(n: &mut NetworkModel, seed: Option<u64>, threads: Option<usize>) -> Result<()> {
    if let Some(k) = threads {
        if !(1..=4096).contains(&k) {
            return Err(RunError::setting(format!(
                "--threads {k}: expected 1 to 4096"
            )));
        }
        n.threads = k;
    }
    if let Some(s) = seed {
        n.seed = s;
        n.builder.set_seed(s);
        // The loader's prebuilt network has the file's seed: build again.
        n.network = None;
    }
    Ok(())
}
