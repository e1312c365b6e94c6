//! `memrc run MODEL.toml` and `memrc check MODEL.toml`: argument handling, the progress bar,
//! figures and printing around the run pipeline of [`memrc_run`] (which loads, simulates and
//! writes the data files; their layout is documented in [`memrc_run::write`]).
//!
//! **Output directory** (default `out/<model name>`): the data files, `summary.json`, and the
//! figures, appearing as a whole directory that replaces the previous run's
//! ([`memrc_run::OutputDir`]):
//! - circuits: `traces.svg`/`.png`, the recorded variables against time, one panel per kind
//!   (voltages, states of each unit, currents, conductances);
//! - Hopfield networks: the Hopfield figure;
//! - spiking networks: `raster.svg/.png` (spike raster) and `rate.svg/.png` (population rates in
//!   bins of `max(5 ms, dt)`).
//!
//! Unless `[output] plots = false`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use memrc::net::exchange::Exchange;
use memrc_io::{LoadedModel, OutputFormat};
use memrc_run::{Kind, OutputDir, RunOutput};

use crate::progress::{self, Monitor};
use crate::{example_plot, plot};

pub use memrc_run::{Overrides, parse_formats};

/// Settings of one `memrc run`.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// Output directory (`None`: `out/<model name>`).
    pub out: Option<PathBuf>,
    /// Data formats (`None`: the model's `[output]`).
    pub formats: Option<Vec<OutputFormat>>,
    /// No progress bar.
    pub quiet: bool,
    /// Write beside files memrc did not write (`--force`).
    pub force: bool,
    /// Overrides.
    pub overrides: Overrides,
}

/// Stages the figures of a run.
fn figures(out: &RunOutput, dir: &mut OutputDir) -> Result<()> {
    let mut files = crate::output::Staged::new();
    match out.kind {
        Kind::Circuit => {
            let groups: Vec<String> = out.traces.columns.iter().map(|c| c.group.clone()).collect();
            let size = plot::probe_traces_size(&groups);
            let title = out.name.as_str();
            plot::add_figure!(files, "traces", size, |root| plot::probe_traces(
                root,
                title,
                &out.traces
            ));
        }
        Kind::Hopfield => {
            if let Some(run) = &out.hopfield {
                plot::add_figure!(files, "traces", example_plot::HOPFIELD_SIZE, |root| {
                    example_plot::hopfield(root, run)
                });
            }
        }
        Kind::Network => {
            let title = format!("{}: spikes", out.name);
            let pops: Vec<(String, usize, usize)> = out
                .spikes
                .populations()
                .iter()
                .map(|p| (p.name.clone(), p.offset, p.size))
                .collect();
            let spikes = out.spikes.to_spikes()?;
            let (t_end, spikes) = (out.t_end, &spikes);
            plot::add_figure!(files, "raster", plot::NETWORK_SIZE, |root| {
                plot::raster(root, &title, t_end, &spikes.times, &spikes.ids, &pops)
            });
            let title = format!(
                "{}: population rates ({} ms bins)",
                out.name,
                memrc_run::brief(out.rate_bin * 1e3)
            );
            plot::add_figure!(files, "rate", plot::NETWORK_SIZE, |root| {
                plot::rates(root, &title, out.rate_bin, &out.rates)
            });
        }
    }
    files.stage_into(dir)
}

/// Runs a loaded model and writes its directory; returns the stdout report.
pub fn run_model(model: LoadedModel, settings: &RunSettings) -> Result<String> {
    run_model_on(model, settings, None)
}

/// [`run_model`] on one rank of a distributed run (`exchange`, network models): every rank
/// simulates its share; rank 0 checks and writes the output directory and returns the report
/// (the others return an empty one).
pub fn run_model_on(
    model: LoadedModel,
    settings: &RunSettings,
    exchange: Option<&dyn Exchange>,
) -> Result<String> {
    let root = exchange.is_none_or(|ex| ex.rank() == 0);
    let out_dir = settings
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&model.name));
    let formats = settings
        .formats
        .clone()
        .unwrap_or_else(|| model.output.formats.clone());
    memrc_run::check_formats(&formats)?;
    // The directory is checked before the work, not after (on rank 0, which writes it).
    let dir = if root {
        Some(OutputDir::create(&out_dir, settings.force))
    } else {
        None
    };
    let mut dir = match (exchange, dir) {
        (None, Some(d)) => Some(d?),
        (Some(ex), d) => memrc_run::agree(ex, d.transpose())?,
        (None, None) => None,
    };
    // Spikes beyond the store's bound spill beside the outputs, not into /tmp.
    let mut overrides = settings.overrides.clone();
    if let Some(d) = &dir {
        overrides.spill.dir = Some(d.staging().to_path_buf());
    }
    let mut monitor = Monitor::new(settings.quiet || !root, &model.name);
    let out = memrc_run::run_on(model, &overrides, &mut monitor, exchange)?;
    monitor.finish();
    progress::check()?;
    let Some(mut dir) = dir.take() else {
        return Ok(String::new());
    };
    memrc_run::write(&out, &mut dir, &formats)?;
    if out.output.plots {
        figures(&out, &mut dir)?;
    }
    let summary = serde_json::to_vec_pretty(&out.summary).context("serialising summary.json")?;
    dir.add("summary.json", &summary)?;
    progress::check()?;
    let names = dir.commit()?;
    Ok(format!(
        "{}  wrote {} to {}\n",
        out.report,
        names.join(", "),
        out_dir.display()
    ))
}

/// `memrc check`: the report (nothing is simulated).
pub fn check_text(model: LoadedModel, ov: &Overrides) -> Result<String> {
    Ok(memrc_run::check(model, ov)?.text)
}
