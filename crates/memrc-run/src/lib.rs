//! # memrc-run: the run pipeline
//!
//! Shared by the command line (`memrc run`, `memrc check`) and Python (`memrc.load(…).run()`):
//! load a model file ([`load`], [`load_str`]), apply overrides ([`Overrides`]), simulate
//! ([`run`]) into a typed [`RunOutput`] — time axis, trace columns with units, network
//! recordings as neurons × time arrays, spikes with their populations, and the [`Summary`] that
//! serialises to `summary.json` — and write it ([`write()`]) into an output directory that appears
//! whole ([`OutputDir`]), streaming each file to disk.
//!
//! ```no_run
//! let model = memrc_run::load(std::path::Path::new("examples/hh_spike.toml"))?;
//! let out = memrc_run::run(model, &memrc_run::Overrides::default(), &mut memrc_run::Silent)?;
//! println!("{}", out.report);
//! # Ok::<(), memrc_run::RunError>(())
//! ```

#![warn(missing_docs)]

pub mod check;
pub mod circuit;
// Elements and the embedded example files (issue #11 §2, §4).
pub mod dryrun;
pub mod element;
mod error;
pub mod examples;
pub mod hopfield;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod network;
mod outdir;
mod progress;
pub mod sanity;
mod set;
mod settings;
pub mod spikes;
pub mod sweep;
pub mod traces;
pub mod write;

use std::time::Instant;

use memrc::hopfield::HopfieldRun;
use memrc_io::{LoadedModel, ModelKind};
use serde::Serialize;

pub use check::{CheckReport, check};
pub use error::{Result, RunError, brief};
pub use network::agree;
pub use outdir::{MANIFEST, OutputDir};
pub use progress::{CHUNKS, Observer, Silent};
pub use set::{
    Set, apply as apply_sets, load_share_with_sets, load_text_with_sets, load_with_sets,
};
pub use settings::{
    Cost, Overrides, apply_overrides, cost, imported_origin, imported_text, load, load_for_check,
    load_options, load_str, time_option,
};
pub use spikes::{SpikeStore, SpillSettings};
pub use traces::{Column, Population, Recorded, Spikes, Traces};
pub use write::{Format, check_formats, parse_formats, write};

/// What a model describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A memRC circuit.
    Circuit,
    /// A Hopfield network.
    Hopfield,
    /// A spiking network.
    Network,
}

/// `summary.json`: the model, then what its kind reports.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `model.name`.
    pub model: String,
    /// `model.description`.
    pub description: String,
    /// Where the model came from.
    pub origin: String,
    /// Its kind.
    pub kind: Kind,
    /// What the kind reports.
    #[serde(flatten)]
    pub body: SummaryBody,
    /// Wall time of the whole run \[s\].
    pub wall_time_s: f64,
}

/// The kind-specific part of [`Summary`].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SummaryBody {
    /// A circuit.
    Circuit(Box<circuit::CircuitSummary>),
    /// A Hopfield network.
    Hopfield(Box<hopfield::HopfieldSummary>),
    /// A spiking network.
    Network(Box<network::NetworkSummary>),
}

/// The result of a run.
#[derive(Debug)]
pub struct RunOutput {
    /// Model name (the default output directory is `out/<name>`).
    pub name: String,
    /// The kind.
    pub kind: Kind,
    /// Trace columns on their time axis (circuit probes, Hopfield units; empty for networks).
    pub traces: Traces,
    /// Network recordings, neurons × time.
    pub recordings: Vec<Recorded>,
    /// Spikes with their populations (a circuit: membrane nodes, one per population), in memory
    /// up to a bound and on disk beyond it ([`Overrides::spill`]).
    pub spikes: SpikeStore,
    /// Whether the model asks for spike files (`[network] spikes`; circuits: no spike file).
    pub spike_files: bool,
    /// The Hopfield run (for its figure).
    pub hopfield: Option<HopfieldRun>,
    /// Population rates in bins of [`RunOutput::rate_bin`] \[Hz\] (networks, for the rate figure).
    pub rates: Vec<(String, Vec<f64>)>,
    /// Bin of [`RunOutput::rates`] \[s\].
    pub rate_bin: f64,
    /// End time \[s\].
    pub t_end: f64,
    /// The model's `[output]`: formats and whether to plot.
    pub output: memrc_io::OutputSettings,
    /// `summary.json`.
    pub summary: Summary,
    /// The lines the command line prints.
    pub report: String,
}

/// Runs a loaded model with the overrides; `observer` sees the progress and can stop the run.
pub fn run(
    model: LoadedModel,
    overrides: &Overrides,
    observer: &mut dyn Observer,
) -> Result<RunOutput> {
    run_on(model, overrides, observer, None)
}

/// [`run`] on one rank of a distributed run: `model` was loaded as this rank's share
/// ([`memrc_io::LoadOptions::partition`]), every rank calls this with its view of `exchange`
/// (the `mpi` feature's `mpi::World`, or [`memrc::net::exchange::InProcess`]) and every rank
/// returns the whole run's output (a caller writes it on one rank). Network models only.
pub fn run_on(
    mut model: LoadedModel,
    overrides: &Overrides,
    observer: &mut dyn Observer,
    exchange: Option<&dyn memrc::net::exchange::Exchange>,
) -> Result<RunOutput> {
    let wall = Instant::now();
    let prepared = match exchange {
        Some(ex) if ex.ranks() > 1 && !matches!(model.kind, ModelKind::Network(_)) => {
            Err(RunError::setting(format!(
                "only network models run on several processes ({} ranks here); run this {} model as one process",
                ex.ranks(),
                match model.kind {
                    ModelKind::Circuit(_) => "circuit",
                    _ => "Hopfield",
                }
            )))
        }
        _ => apply_overrides(&mut model, overrides).map(|_| ()),
    };
    // Every rank learns of any rank's error before the first collective of the run.
    match exchange {
        Some(ex) => network::agree(ex, prepared)?,
        None => prepared?,
    }
    let prebuilt = model
        .network_mut()
        .and_then(|n| n.network.take())
        .map(|b| *b);
    let mut out = match &model.kind {
        ModelKind::Circuit(c) => {
            let run = circuit::solve_circuit(c, observer)?;
            let energy = circuit::energy(c, &run)?;
            let traces = circuit::circuit_traces(&model, c, &run.solution);
            let (doc, report) = circuit::summary(&model, c, &run, &traces, energy);
            let spikes = SpikeStore::from_spikes(circuit::circuit_spikes(&c.circuit, &run.spikes));
            RunOutput {
                name: model.name.clone(),
                kind: Kind::Circuit,
                traces,
                recordings: Vec::new(),
                spikes,
                spike_files: false,
                hopfield: None,
                rates: Vec::new(),
                rate_bin: 0.0,
                t_end: c.simulation.t_end,
                output: model.output.clone(),
                summary: summary(&model, Kind::Circuit, SummaryBody::Circuit(Box::new(doc))),
                report,
            }
        }
        ModelKind::Hopfield(h) => {
            let run = hopfield::simulate(h)?;
            if !observer.observe(1.0) {
                return Err(RunError::Interrupted);
            }
            let (doc, report) = hopfield::summary(&model.name, h, &run);
            RunOutput {
                name: model.name.clone(),
                kind: Kind::Hopfield,
                traces: hopfield::traces(&run),
                recordings: Vec::new(),
                spikes: SpikeStore::default(),
                spike_files: false,
                t_end: run.t_end,
                hopfield: Some(run),
                rates: Vec::new(),
                rate_bin: 0.0,
                output: model.output.clone(),
                summary: summary(&model, Kind::Hopfield, SummaryBody::Hopfield(Box::new(doc))),
                report,
            }
        }
        ModelKind::Network(n) => {
            let mut run =
                network::simulate(n, prebuilt, overrides.spill.clone(), observer, exchange)?;
            let (doc, report) = network::summary(&model.name, n, &run);
            let bin = n.dt.max(5e-3);
            let rates = run
                .result
                .populations
                .iter()
                .map(|p| {
                    let r = run.spikes.population_rate(&run.result, &p.name, bin)?;
                    Ok((p.name.clone(), r.unwrap_or_default()))
                })
                .collect::<Result<_>>()?;
            RunOutput {
                name: model.name.clone(),
                kind: Kind::Network,
                traces: Traces::default(),
                recordings: std::mem::take(&mut run.recordings),
                spikes: network::take_spikes(&mut run),
                spike_files: n.spikes,
                hopfield: None,
                rates,
                rate_bin: bin,
                t_end: run.result.t_end,
                output: model.output.clone(),
                summary: summary(&model, Kind::Network, SummaryBody::Network(Box::new(doc))),
                report,
            }
        }
    };
    out.summary.wall_time_s = wall.elapsed().as_secs_f64();
    Ok(out)
}

fn summary(model: &LoadedModel, kind: Kind, body: SummaryBody) -> Summary {
    Summary {
        model: model.name.clone(),
        description: model.description.clone(),
        origin: model.origin.clone(),
        kind,
        body,
        wall_time_s: 0.0,
    }
}
