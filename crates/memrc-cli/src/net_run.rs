//! `memrc run` and `memrc check` for spiking network models (`[network]`).
//!
//! **Output directory** (the files of `memrc run`, written all at once or not at all):
//!
//! - `spikes.csv`: header `t_s,id`, one line per spike in time order (global ids: populations
//!   numbered in file order). Not written with `[network] spikes = false`.
//! - `traces.csv`: header `t_s,<columns>`, one column per recorded neuron and variable,
//!   `POP.VAR[i]_UNIT` (`exc.v[0]_V`, `inh.ge[1]_S`, `exc.m[3]`), one row per sampled step
//!   (empty cells where a recording with a longer `every` skips the row). Only when the model
//!   has `[[recording]]`s.
//! - `traces.npz`: `t` and one float64 array per column (NaN where the CSV cell is empty), plus
//!   the spikes as `spike_t` (float64, s) and `spike_id` (uint32).
//! - `summary.json`: n, synapses, build_s, sim_s, spikes, mean rate, rate per population,
//!   steps, dt, t_end, seed, threads, kernel, memory estimate and bytes held, warnings (rounded
//!   delays and refractory periods), recordings.
//! - `raster.svg/.png` (spike raster) and `rate.svg/.png` (population rates in bins of
//!   `max(5 ms, dt)`), unless `[output] plots = false`.

use std::fmt::Write as _;
use std::io::Cursor;

use anyhow::{Context, Result, anyhow, bail};
use memrc::net::{Network, RunResult};
use memrc_io::{LoadedModel, NetworkModel, OutputFormat, human_bytes};
use serde_json::{Value, json};

use crate::output::{Staged, unit_tag};
use crate::plot;
use crate::progress::{self, Monitor};
use crate::traces::Traces;

/// Chunks a network run is split into (progress and Ctrl-C points).
const CHUNKS: u64 = 100;

/// Runs `n` (its built network if the loader built it, else a fresh build) in chunks,
/// reporting progress; returns the network and the concatenated result.
pub fn simulate(
    n: &NetworkModel,
    prebuilt: Option<Network>,
    monitor: &mut Monitor,
) -> Result<(Network, RunResult)> {
    let mut net = match prebuilt {
        Some(net) => net,
        None => n
            .builder
            .clone()
            .build()
            .map_err(|e| anyhow!("building the network: {e}"))?,
    };
    let chunk = n.steps.div_ceil(CHUNKS).max(1);
    let mut done = 0u64;
    let mut total: Option<RunResult> = None;
    while done < n.steps || total.is_none() {
        let k = chunk.min(n.steps - done);
        let r = net
            .run(k as f64 * n.dt, n.threads)
            .map_err(|e| anyhow!("simulating the network: {e}"))?;
        done += k;
        match &mut total {
            None => total = Some(r),
            Some(t) => append(t, r),
        }
        if !monitor.observe(done as f64 / n.steps.max(1) as f64) {
            break;
        }
    }
    progress::check()?;
    let total = total.ok_or_else(|| anyhow!("the run produced no result"))?;
    Ok((net, total))
}

/// Appends a continuation run to `a`.
fn append(a: &mut RunResult, b: RunResult) {
    a.t_end = b.t_end;
    a.spikes.times.extend(b.spikes.times);
    a.spikes.ids.extend(b.spikes.ids);
    for (ra, rb) in a.recordings.iter_mut().zip(b.recordings) {
        ra.times.extend(rb.times);
        for (va, vb) in ra.values.iter_mut().zip(rb.values) {
            va.extend(vb);
        }
    }
    let (sa, sb) = (&mut a.stats, b.stats);
    sa.sim_s += sb.sim_s;
    sa.steps += sb.steps;
    sa.neuron_steps += sb.neuron_steps;
    sa.spikes += sb.spikes;
    sa.synaptic_events += sb.synaptic_events;
    sa.substeps += sb.substeps;
    sa.rejected_substeps += sb.rejected_substeps;
    if sa.thread_busy_s.len() == sb.thread_busy_s.len() {
        for (x, y) in sa.thread_busy_s.iter_mut().zip(&sb.thread_busy_s) {
            *x += y;
        }
    }
    sa.ns_per_neuron_step = if sa.neuron_steps > 0 {
        sa.sim_s * 1e9 / sa.neuron_steps as f64
    } else {
        0.0
    };
}

/// SI unit of a recorded variable of `population`: its model variable's unit, else `S` (a
/// receptor conductance).
fn unit_of<'a>(n: &'a NetworkModel, population: &str, variable: &str) -> &'a str {
    n.populations
        .iter()
        .position(|(name, _)| name == population)
        .and_then(|k| n.variables.get(k))
        .and_then(|vars| vars.iter().find(|v| v.name == variable))
        .map_or("S", |v| v.unit.as_ref())
}

/// The recordings as columns on the union of their sample times.
pub fn traces(n: &NetworkModel, run: &RunResult) -> Traces {
    let step = |t: f64| (t / n.dt).round() as u64;
    let mut rows: Vec<u64> = run
        .recordings
        .iter()
        .flat_map(|r| r.times.iter().map(|&t| step(t)))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let mut tr = Traces {
        t: rows.iter().map(|&s| s as f64 * n.dt).collect(),
        names: Vec::new(),
        units: Vec::new(),
        groups: Vec::new(),
        columns: Vec::new(),
    };
    for r in &run.recordings {
        let unit = unit_of(n, &r.population, &r.variable);
        let positions: Vec<usize> = r
            .times
            .iter()
            .map(|&t| rows.binary_search(&step(t)).unwrap_or(0))
            .collect();
        for (i, values) in r.neurons.iter().zip(&r.values) {
            let mut col = vec![f64::NAN; rows.len()];
            for (&p, &x) in positions.iter().zip(values) {
                col[p] = x;
            }
            let suffix = if unit == "1" {
                String::new()
            } else {
                format!("_{}", unit_tag(unit))
            };
            tr.names
                .push(format!("{}.{}[{i}]{suffix}", r.population, r.variable));
            tr.units.push(unit.to_string());
            tr.groups.push(format!("{}.{}", r.population, r.variable));
            tr.columns.push(col);
        }
    }
    tr
}

/// `spikes.csv`.
fn spikes_csv(run: &RunResult) -> String {
    let mut out = String::with_capacity(run.spikes.ids.len() * 16 + 8);
    out.push_str("t_s,id\n");
    for (t, id) in run.spikes.times.iter().zip(&run.spikes.ids) {
        let _ = writeln!(out, "{t:e},{id}");
    }
    out
}

/// `traces.npz`: the trace columns and the spikes.
fn npz(traces: &Traces, run: &RunResult, spikes: bool) -> Result<Vec<u8>> {
    use ndarray::Array1;
    use ndarray_npy::NpzWriter;
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    let ctx = "writing traces.npz";
    npz.add_array("t", &Array1::from_vec(traces.t.clone()))
        .context(ctx)?;
    for (name, c) in traces.names.iter().zip(&traces.columns) {
        npz.add_array(name.as_str(), &Array1::from_vec(c.clone()))
            .context(ctx)?;
    }
    if spikes {
        npz.add_array("spike_t", &Array1::from_vec(run.spikes.times.clone()))
            .context(ctx)?;
        npz.add_array("spike_id", &Array1::from_vec(run.spikes.ids.clone()))
            .context(ctx)?;
    }
    Ok(npz.finish().context(ctx)?.into_inner())
}

/// Runs a network model and stages its files; returns the summary document and the report.
pub fn run(
    model: &LoadedModel,
    n: &NetworkModel,
    prebuilt: Option<Network>,
    formats: &[OutputFormat],
    files: &mut Staged,
    names: &mut Vec<String>,
    monitor: &mut Monitor,
) -> Result<(Value, String)> {
    let (net, run) = simulate(n, prebuilt, monitor)?;
    monitor.finish();
    let plots = model.output.plots;
    let traces = traces(n, &run);
    if n.spikes && formats.contains(&OutputFormat::Csv) {
        files.add("spikes.csv", spikes_csv(&run).into_bytes());
        names.push("spikes.csv".into());
    }
    if !run.recordings.is_empty() && formats.contains(&OutputFormat::Csv) {
        files.add("traces.csv", traces.csv().into_bytes());
        names.push("traces.csv".into());
    }
    if formats.contains(&OutputFormat::Npy) {
        files.add("traces.npz", npz(&traces, &run, n.spikes)?);
        names.push("traces.npz".into());
    }
    let pops: Vec<(String, usize, usize)> = run
        .populations
        .iter()
        .map(|p| (p.name.clone(), p.offset, p.size))
        .collect();
    let bin = n.dt.max(5e-3);
    let rate_series: Vec<(String, Vec<f64>)> = pops
        .iter()
        .map(|(name, _, _)| {
            (
                name.clone(),
                run.population_rate(name, bin).unwrap_or_default(),
            )
        })
        .collect();
    if plots {
        let spikes: Vec<(f64, u32)> = run
            .spikes
            .times
            .iter()
            .copied()
            .zip(run.spikes.ids.iter().copied())
            .collect();
        let title = format!("{}: spikes", model.name);
        let t_end = run.t_end;
        plot::add_figure!(files, "raster", plot::NETWORK_SIZE, |root| {
            plot::raster(root, &title, t_end, &spikes, &pops)
        });
        let title = format!("{}: population rates ({} ms bins)", model.name, bin * 1e3);
        plot::add_figure!(files, "rate", plot::NETWORK_SIZE, |root| {
            plot::rates(root, &title, bin, &rate_series)
        });
        names.extend(["raster.svg", "raster.png", "rate.svg", "rate.png"].map(String::from));
    }
    let s = &run.stats;
    let rates: serde_json::Map<String, Value> = run
        .population_rates()
        .into_iter()
        .map(|(name, r)| (name, json!(r)))
        .collect();
    let warnings: Vec<String> = run.warnings.iter().map(describe_warning).collect();
    let doc = json!({
        "model": model.name,
        "description": model.description,
        "origin": model.origin,
        "kind": "network",
        "n": net.n_neurons(),
        "synapses": net.n_synapses(),
        "build_s": s.build_s,
        "sim_s": s.sim_s,
        "spikes": s.spikes,
        "mean_rate_hz": run.mean_rate(),
        "rate_hz": rates,
        "populations": run.populations,
        "steps": s.steps,
        "dt": n.dt,
        "t_end": n.t_end,
        "seed": n.seed,
        "threads": s.threads,
        "simd": s.simd,
        "synaptic_events": s.synaptic_events,
        "ns_per_neuron_step": s.ns_per_neuron_step,
        "solver": s.scheme,
        "substeps": s.substeps,
        "rejected_substeps": s.rejected_substeps,
        "memory": {
            "estimate": n.estimate,
            "network_bytes": net.memory_bytes(),
            "recording_bytes": n.recording_bytes,
        },
        "warnings": warnings,
        "recordings": run.recordings.iter().map(|r| json!({
            "population": r.population,
            "variable": r.variable,
            "neurons": r.neurons,
            "samples": r.times.len(),
        })).collect::<Vec<_>>(),
    });
    let mut report = format!(
        "{}: {} neurons, {} synapses; built in {:.3} s, simulated {} s ({} steps) in {:.3} s on {} thread(s) ({}): {} spikes, mean rate {:.2} Hz (",
        model.name,
        net.n_neurons(),
        net.n_synapses(),
        s.build_s,
        n.t_end,
        s.steps,
        s.sim_s,
        s.threads,
        s.simd,
        s.spikes,
        run.mean_rate(),
    );
    let parts: Vec<String> = run
        .population_rates()
        .iter()
        .map(|(p, r)| format!("{p} {r:.2} Hz"))
        .collect();
    let _ = writeln!(report, "{})", parts.join(", "));
    for w in &warnings {
        let _ = writeln!(report, "  warning: {w}");
    }
    Ok((doc, report))
}

/// A build warning in words.
fn describe_warning(w: &memrc::net::NetWarning) -> String {
    use memrc::net::NetWarning;
    match w {
        NetWarning::DelayRounded {
            projection,
            given,
            used,
        } => format!(
            "projection '{projection}': delay {given} s is not a multiple of dt, rounded to {used} s"
        ),
        NetWarning::RefractoryRounded {
            population,
            given,
            used,
        } => format!(
            "population '{population}': refractory period {given} s is not a multiple of dt, rounded to {used} s"
        ),
        other => format!("{other:?}"),
    }
}

/// Applies `--t-end` and `--solver` (a network scheme: `exp-euler`, `exp2`, `dopri5` with the
/// file's `rtol` or its default) to a network model (`--dt` does not apply).
pub fn apply_overrides(
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
            .map_err(|e| anyhow!("--solver {name}: {e}"))?;
        n.builder.scheme(scheme);
        // The loader's prebuilt network has the file's scheme: build again.
        n.network = None;
    }
    if dt {
        bail!(
            "--dt does not apply to a network model: dt is part of the network (delays and refractory periods are whole steps); change [network] dt in the file"
        );
    }
    if let Some(t) = t_end {
        if t.is_nan() || t <= 0.0 {
            bail!("--t-end {t} s must be later than the start of the model, 0 s");
        }
        let r = t / n.dt;
        let steps = r.round();
        if !(r.is_finite() && r < 1e15) || (r - steps).abs() > 1e-6 * r.max(1.0) || steps < 1.0 {
            bail!(
                "--t-end: the span {t} s is not a whole number of steps dt = {} s ({r:.3} steps)",
                n.dt
            );
        }
        let old = n.steps.max(1) as f64;
        n.recording_bytes = (n.recording_bytes as f64 * steps / old) as u64;
        n.t_end = t;
        n.steps = steps as u64;
    }
    Ok(())
}

/// Applies `--seed` and `--threads` to a network model.
pub fn apply_seed_threads(
    n: &mut NetworkModel,
    seed: Option<u64>,
    threads: Option<usize>,
) -> Result<()> {
    if let Some(k) = threads {
        if !(1..=4096).contains(&k) {
            bail!("--threads {k}: expected 1 to 4096");
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

/// `memrc check` for a network model: sizes and the memory estimate.
pub fn check(out: &mut String, n: &NetworkModel) {
    let solver = match n.builder.current_scheme() {
        memrc::net::Scheme::Dopri5 { rtol } | memrc::net::Scheme::Rk23 { rtol } => {
            format!("{} (rtol {rtol})", n.builder.current_scheme().key())
        }
        s => s.key().to_string(),
    };
    let _ = writeln!(
        out,
        "  network: dt {} s, t_end {} s ({} steps), solver {solver}, seed {}, {} thread(s)",
        n.dt, n.t_end, n.steps, n.seed, n.threads
    );
    let _ = writeln!(out, "\npopulations:");
    let mut offset = 0;
    for (name, size) in &n.populations {
        let _ = writeln!(
            out,
            "  {name}: {size} neurons (global ids {offset}..{})",
            offset + size - 1
        );
        offset += size;
    }
    let e = &n.estimate;
    let _ = writeln!(
        out,
        "\nsize: {} neurons, up to {} synapses (mean + 6 sd for random rules)",
        e.neurons, e.synapses
    );
    let _ = writeln!(
        out,
        "memory estimate: {} total = neuron state {} + synapses {} + building {}; recordings {}",
        human_bytes((e.total_bytes + n.recording_bytes) as f64),
        human_bytes(e.neuron_bytes as f64),
        human_bytes(e.synapse_bytes as f64),
        human_bytes(e.build_bytes as f64),
        human_bytes(n.recording_bytes as f64),
    );
    let _ = writeln!(
        out,
        "  neuron state: 2 × 8 B × (model variables + 3 + receptors × (1 + delay slots), + 1 for dopri5/rk23) per neuron (state, last spike, two scratch arrays, conductances and delay rings, step size; counted twice for the per-thread copy)"
    );
    let _ = writeln!(
        out,
        "  synapses: 4 B per synapse (u32 target) + 4 B if weights vary + 2 B if delays vary, plus 8 B per presynaptic neuron (row offsets)"
    );
    let _ = writeln!(
        out,
        "  building: 8 B per synapse of the largest fixed-in-degree or list projection (temporary)"
    );
}
