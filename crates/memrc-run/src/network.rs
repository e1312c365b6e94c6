//! Spiking network models: simulating in chunks (progress and cancellation points) into
//! recordings allocated once for the whole run, and the summary.

use std::fmt::Write as _;

use memrc::net::exchange::Exchange;
use memrc::net::{MemoryEstimate, NetWarning, Network, PopulationInfo, RunOptions, RunResult};
use memrc_io::NetworkModel;
use serde::Serialize;

use crate::error::{Result, RunError};
use crate::progress::{CHUNKS, Observer};
use crate::spikes::{SpikeStore, SpillSettings};
use crate::traces::{Population, Recorded};

/// A simulated network.
#[derive(Debug)]
pub struct NetworkRun {
    /// Counters, populations and warnings of the whole run (its `recordings` are moved to
    /// [`NetworkRun::recordings`], its spikes to [`NetworkRun::spikes`]).
    pub result: RunResult,
    /// The spikes, in memory up to a bound and on disk beyond it.
    pub spikes: SpikeStore,
    /// The recordings, neurons × time.
    pub recordings: Vec<Recorded>,
    /// Neurons.
    pub n_neurons: usize,
    /// Synapses.
    pub n_synapses: usize,
    /// Bytes the built network held (all ranks).
    pub network_bytes: u64,
    /// Processes the network was distributed over.
    pub ranks: usize,
}

fn net_error(what: &'static str) -> impl Fn(memrc::net::NetError) -> RunError {
    move |e| RunError::Network {
        what,
        message: e.to_string(),
    }
}

/// SI unit of a recorded variable of `population`: its model variable's unit, else `S` (a
/// receptor conductance).
fn unit_of(n: &NetworkModel, population: &str, variable: &str) -> String {
    n.populations
        .iter()
        .position(|(name, _)| name == population)
        .and_then(|k| n.variables.get(k))
        .and_then(|vars| vars.iter().find(|v| v.name == variable))
        .map_or("S", |v| v.unit.as_ref())
        .to_string()
}

/// Runs `n` (its network built by the loader if given, else a fresh build) in chunks, reporting
/// progress; each chunk's spikes go to a [`SpikeStore`] that spills as `spill` says; the network
/// is dropped at the end (its sizes are kept).
///
/// With an `exchange`, `n` is this rank's share of a distributed network (loaded with
/// [`memrc_io::LoadOptions::partition`]) and every rank calls this together
/// ([`Network::run_distributed`]); every rank returns the whole run's spikes and recordings,
/// and an error or an interruption on any rank ends the run on all of them.
pub fn simulate(
    n: &NetworkModel,
    prebuilt: Option<Network>,
    spill: SpillSettings,
    observer: &mut dyn Observer,
    exchange: Option<&dyn Exchange>,
) -> Result<NetworkRun> {
    let built = match prebuilt {
        Some(net) => Ok(net),
        None => n
            .builder
            .clone()
            .build()
            .map_err(net_error("building the network")),
    };
    let mut net = match exchange {
        Some(ex) => {
            let outcome = built.as_ref().map(|_| ()).map_err(|e| RunError::Network {
                what: "building the network",
                message: e.to_string(),
            });
            agree(ex, outcome)?;
            built?
        }
        None => built?,
    };
    let totals = net.recording_samples(n.steps);
    let chunk = n.steps.div_ceil(CHUNKS).max(1);
    let mut done = 0u64;
    let mut total: Option<RunResult> = None;
    let mut recordings: Vec<Recorded> = Vec::new();
    let mut spikes: Option<SpikeStore> = None;
    while done < n.steps || total.is_none() {
        let k = chunk.min(n.steps - done);
        let options = RunOptions::default().threads(n.threads);
        let mut r = match exchange {
            None => net.run_with(k as f64 * n.dt, options),
            Some(ex) => net.run_distributed(k as f64 * n.dt, options, ex),
        }
        .map_err(net_error("simulating the network"))?;
        done += k;
        let checked = crate::sanity::check_network(&net, n, &r);
        if let Some(ex) = exchange {
            agree(ex, checked)?;
        } else {
            checked?;
        }
        let chunk_recordings = std::mem::take(&mut r.recordings);
        if recordings.is_empty() {
            recordings = chunk_recordings
                .iter()
                .zip(&totals)
                .map(|(c, &m)| {
                    let m = usize::try_from(m).unwrap_or(usize::MAX);
                    Recorded {
                        unit: unit_of(n, &c.population, &c.variable),
                        population: c.population.clone(),
                        variable: c.variable.clone(),
                        neurons: c.neurons.clone(),
                        times: Vec::with_capacity(m),
                        values: vec![0.0; c.neurons.len().saturating_mul(m)],
                    }
                })
                .collect();
        }
        for ((rec, c), &m) in recordings.iter_mut().zip(chunk_recordings).zip(&totals) {
            let (m, filled) = (m as usize, rec.times.len());
            let len = c.times.len().min(m.saturating_sub(filled));
            for (j, row) in c.values.iter().enumerate() {
                rec.values[j * m + filled..j * m + filled + len].copy_from_slice(&row[..len]);
            }
            rec.times.extend_from_slice(&c.times[..len]);
        }
        spikes
            .get_or_insert_with(|| SpikeStore::new(populations(&r.populations), spill.clone()))
            .push(&mut r.spikes.times, &mut r.spikes.ids)?;
        match &mut total {
            None => total = Some(r),
            Some(t) => append(t, r),
        }
        let go_on = observer.observe(done as f64 / n.steps.max(1) as f64);
        let interrupted = match exchange {
            // Stop together: any rank's interruption stops them all.
            Some(ex) => ex.first_error((!go_on).then_some("interrupted")).is_some(),
            None => !go_on,
        };
        if interrupted {
            return Err(RunError::Interrupted);
        }
    }
    let result = total.ok_or(RunError::Network {
        what: "simulating the network",
        message: "the run produced no result".into(),
    })?;
    // Rows were allocated for the whole run; a run cut short keeps what was sampled.
    for rec in &mut recordings {
        let m = rec.values.len() / rec.neurons.len().max(1);
        let have = rec.times.len();
        if have < m {
            let mut v = Vec::with_capacity(rec.neurons.len() * have);
            for j in 0..rec.neurons.len() {
                v.extend_from_slice(&rec.values[j * m..j * m + have]);
            }
            rec.values = v;
        }
    }
    let (n_synapses, network_bytes) = match exchange {
        Some(ex) => (
            ex.sum_u64(net.n_synapses_share() as u64) as usize,
            ex.sum_u64(net.memory_bytes()),
        ),
        None => (net.n_synapses(), net.memory_bytes()),
    };
    Ok(NetworkRun {
        n_neurons: net.n_neurons(),
        n_synapses,
        network_bytes,
        ranks: exchange.map_or(1, |ex| ex.ranks()),
        result,
        spikes: spikes.unwrap_or_default(),
        recordings,
    })
}

/// The outcome of something every rank of a distributed run did: an error on any rank (the
/// lowest that had one) becomes every rank's, as [`RunError::Distributed`], so that all stop
/// together.
pub fn agree<T>(ex: &dyn Exchange, local: Result<T>) -> Result<T> {
    let message = local.as_ref().err().map(ToString::to_string);
    match ex.first_error(message.as_deref()) {
        None => local,
        Some((rank, message)) => Err(RunError::Distributed { rank, message }),
    }
}

/// Appends a continuation run (without recordings) to `a`: spikes, counters, end time.
pub fn append(a: &mut RunResult, b: RunResult) {
    a.t_end = b.t_end;
    a.spikes.times.extend(b.spikes.times);
    a.spikes.ids.extend(b.spikes.ids);
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

/// The spikes of a network run, moved out of it.
pub fn take_spikes(run: &mut NetworkRun) -> SpikeStore {
    std::mem::take(&mut run.spikes)
}

/// The populations' names and global id ranges.
fn populations(p: &[PopulationInfo]) -> Vec<Population> {
    p.iter()
        .map(|p| Population {
            name: p.name.clone(),
            offset: p.offset,
            size: p.size,
        })
        .collect()
}

/// `summary.json` of a network run (with the common fields of [`crate::Summary`]).
#[derive(Debug, Clone, Serialize)]
pub struct NetworkSummary {
    /// Neurons.
    pub n: usize,
    /// Synapses.
    pub synapses: usize,
    /// Build time \[s\].
    pub build_s: f64,
    /// Simulation time \[s\].
    pub sim_s: f64,
    /// Spikes.
    pub spikes: u64,
    /// Mean rate over all neurons \[Hz\].
    pub mean_rate_hz: f64,
    /// Rate per population \[Hz\].
    pub rate_hz: serde_json::Map<String, serde_json::Value>,
    /// Populations (name, offset, size).
    pub populations: Vec<PopulationInfo>,
    /// Steps.
    pub steps: u64,
    /// Step \[s\].
    pub dt: f64,
    /// End time \[s\].
    pub t_end: f64,
    /// Seed.
    pub seed: u64,
    /// Processes (MPI ranks) the network ran on.
    pub ranks: usize,
    /// Threads (per rank).
    pub threads: usize,
    /// SIMD kernel.
    pub simd: String,
    /// Synaptic events delivered.
    pub synaptic_events: u64,
    /// Cost per neuron and step \[ns\].
    pub ns_per_neuron_step: f64,
    /// The scheme (`dopri5`, …).
    pub solver: String,
    /// Substeps of the adaptive schemes.
    pub substeps: u64,
    /// Rejected substeps.
    pub rejected_substeps: u64,
    /// Memory: estimate, bytes held by the network, recordings.
    pub memory: MemorySummary,
    /// Build warnings in words.
    pub warnings: Vec<String>,
    /// Recordings.
    pub recordings: Vec<RecordingSummary>,
}

/// Memory of a network run.
#[derive(Debug, Clone, Serialize)]
pub struct MemorySummary {
    /// The loader's estimate.
    pub estimate: MemoryEstimate,
    /// Bytes held by the built network.
    pub network_bytes: u64,
    /// Bytes of the recordings.
    pub recording_bytes: u64,
}

/// One recording.
#[derive(Debug, Clone, Serialize)]
pub struct RecordingSummary {
    /// Population.
    pub population: String,
    /// Variable.
    pub variable: String,
    /// SI unit.
    pub unit: String,
    /// Its array in `traces.npz` (neurons × samples), with `KEY_ids`.
    pub key: String,
    /// Population-local neuron ids.
    pub neurons: Vec<usize>,
    /// Samples.
    pub samples: usize,
}

/// A build warning in words.
fn describe_warning(w: &NetWarning) -> String {
    let (kind, name, what, given, used) = match w {
        NetWarning::DelayRounded {
            projection,
            given,
            used,
        } => ("projection", projection, "delay", given, used),
        NetWarning::RefractoryRounded {
            population,
            given,
            used,
        } => ("population", population, "refractory period", given, used),
        other => return format!("{other:?}"),
    };
    format!(
        "{kind} '{name}': {what} {} is not a multiple of dt, rounded to {}",
        memrc::error::time_text(*given),
        memrc::error::time_text(*used)
    )
}

/// The summary and the report of a network run.
pub fn summary(name: &str, n: &NetworkModel, run: &NetworkRun) -> (NetworkSummary, String) {
    let r = &run.result;
    let s = &r.stats;
    let rates = run.spikes.population_rates(r);
    let warnings: Vec<String> = r.warnings.iter().map(describe_warning).collect();
    let doc = NetworkSummary {
        n: run.n_neurons,
        synapses: run.n_synapses,
        build_s: s.build_s,
        sim_s: s.sim_s,
        spikes: s.spikes,
        mean_rate_hz: run.spikes.mean_rate(r),
        rate_hz: rates
            .iter()
            .map(|(p, x)| (p.clone(), serde_json::json!(x)))
            .collect(),
        populations: r.populations.clone(),
        steps: s.steps,
        dt: n.dt,
        t_end: n.t_end,
        seed: n.seed,
        ranks: run.ranks,
        threads: s.threads,
        simd: s.simd.to_string(),
        synaptic_events: s.synaptic_events,
        ns_per_neuron_step: s.ns_per_neuron_step,
        solver: s.scheme.to_string(),
        substeps: s.substeps,
        rejected_substeps: s.rejected_substeps,
        memory: MemorySummary {
            estimate: n.estimate,
            network_bytes: run.network_bytes,
            recording_bytes: n.recording_bytes,
        },
        warnings: warnings.clone(),
        recordings: run
            .recordings
            .iter()
            .map(|rec| RecordingSummary {
                population: rec.population.clone(),
                variable: rec.variable.clone(),
                unit: rec.unit.clone(),
                key: rec.key(),
                neurons: rec.neurons.clone(),
                samples: rec.times.len(),
            })
            .collect(),
    };
    let mut report = format!(
        "{name}: {} neurons, {} synapses; built in {:.3} s, simulated {} ({} steps) in {:.3} s on {}{} thread(s) ({}): {} spikes, mean rate {:.2} Hz (",
        run.n_neurons,
        run.n_synapses,
        s.build_s,
        memrc::error::time_text(n.t_end),
        s.steps,
        s.sim_s,
        if run.ranks > 1 {
            format!("{} ranks x ", run.ranks)
        } else {
            String::new()
        },
        s.threads,
        s.simd,
        s.spikes,
        run.spikes.mean_rate(r),
    );
    let parts: Vec<String> = rates
        .iter()
        .map(|(p, x)| format!("{p} {x:.2} Hz"))
        .collect();
    let _ = writeln!(report, "{})", parts.join(", "));
    for w in &warnings {
        let _ = writeln!(report, "  warning: {w}");
    }
    (doc, report)
}
