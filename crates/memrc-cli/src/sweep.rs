//! `memrc sweep FILE --set key=v1,v2,…`: the grid of runs in parallel
//! ([`memrc_run::sweep`]), written as `sweep.csv`, `sweep.json` and one plot of a metric
//! against the first swept key (`sweep.svg`/`.png`; an f–I curve in one command).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use memrc_run::sweep::{Axis, Sweep};

use crate::output::Staged;
use crate::plot;
use crate::progress::Monitor;

/// The options of `memrc sweep`.
pub struct SweepSettings {
    /// The model file.
    pub model: PathBuf,
    /// Swept keys (`--set key=v1,v2,…`).
    pub axes: Vec<String>,
    /// Metric to plot (default a rate).
    pub metric: Option<String>,
    /// Parallel runs (default: the cores).
    pub jobs: Option<usize>,
    /// Output directory (default `out/<model>-sweep`).
    pub out: Option<PathBuf>,
    /// No progress bar.
    pub quiet: bool,
    /// Write beside files memrc did not write.
    pub force: bool,
    /// `--t-end`, `--solver`, `--seed` for every run.
    pub overrides: memrc_run::Overrides,
}

/// The plot of `metric` against the first multi-valued axis, one line per value of the next.
fn figure(s: &Sweep, metric: &str, files: &mut Staged) -> Result<()> {
    let multi: Vec<usize> = (0..s.axes.len())
        .filter(|&a| s.axes[a].values.len() > 1)
        .collect();
    let x_axis = multi.first().copied().unwrap_or(0);
    let group_axis = multi.get(1).copied();
    let mut lines: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    for p in &s.points {
        let label = group_axis
            .and_then(|g| p.set.get(&s.axes[g].key))
            .map_or_else(String::new, |v| {
                format!("{} = {v}", s.axes[group_axis.unwrap_or(0)].key)
            });
        let x = s.si_value(p, x_axis);
        let x = if x.is_nan() {
            // Not a quantity: the value's position.
            s.axes[x_axis]
                .values
                .iter()
                .position(|v| Some(v) == p.set.get(&s.axes[x_axis].key))
                .map_or(f64::NAN, |k| k as f64)
        } else {
            x
        };
        let y = p.metrics.get(metric).copied().unwrap_or(f64::NAN);
        match lines.iter_mut().find(|l| l.0 == label) {
            Some(l) => {
                l.1.push(x);
                l.2.push(y);
            }
            None => lines.push((label, vec![x], vec![y])),
        }
    }
    let unit = s.si_unit(x_axis);
    let x_label = if unit.is_empty() {
        s.axes[x_axis].key.clone()
    } else {
        format!("{} [{unit}]", s.axes[x_axis].key)
    };
    let title = format!("{}: {metric} against {}", s.model, s.axes[x_axis].key);
    plot::add_figure!(files, "sweep", plot::NETWORK_SIZE, |root| {
        plot::sweep(root, &title, &x_label, metric, &lines)
    });
    Ok(())
}

/// Runs the sweep and writes its directory; returns the report.
pub fn run(settings: SweepSettings) -> Result<String> {
    if settings.axes.is_empty() {
        bail!("memrc sweep needs at least one --set key=v1,v2,…");
    }
    let axes = settings
        .axes
        .iter()
        .map(|a| Axis::parse(a))
        .collect::<memrc_run::Result<Vec<_>>>()?;
    let limit = memrc_run::load_options()?.input_limit;
    let (text, origin) = if memrc_io::neuroml::is_neuroml_path(&settings.model) {
        // A NeuroML2 cell: swept on its converted model file (as `memrc run FILE.nml`).
        let opts = memrc_io::neuroml::ImportOptions::default();
        let text = memrc_io::neuroml::import_neuroml_file(&settings.model, limit, &opts)?;
        (text, format!("{} [imported]", settings.model.display()))
    } else {
        let text = memrc_io::read_input_text(&settings.model, limit)
            .map_err(|e| anyhow::anyhow!("{}: {e}", settings.model.display()))?;
        (text, settings.model.display().to_string())
    };
    let stem = settings
        .model
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let out_dir = settings
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{stem}-sweep")));
    let mut dir = memrc_run::OutputDir::create(&out_dir, settings.force)?;
    let jobs = settings
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let mut monitor = Monitor::new(settings.quiet, "sweep");
    let s = memrc_run::sweep::sweep(
        &text,
        &origin,
        settings.model.parent(),
        &axes,
        &[],
        &settings.overrides,
        jobs,
        &mut monitor,
    )?;
    monitor.finish();
    crate::progress::check()?;
    let metric = match &settings.metric {
        Some(m) => {
            let names = s.metric_names();
            if !names.contains(m) {
                let hint = memrc::error::hint(m, names.iter().map(String::as_str));
                bail!(
                    "--metric '{m}'{hint}: this sweep's metrics are {}",
                    names.join(", ")
                );
            }
            m.clone()
        }
        None => s.default_metric().unwrap_or_default(),
    };
    let mut files = Staged::new();
    files.add("sweep.csv", s.csv().into_bytes());
    files.add("sweep.json", serde_json::to_vec_pretty(&s)?);
    if !metric.is_empty() {
        figure(&s, &metric, &mut files)?;
    }
    files.stage_into(&mut dir)?;
    let names = dir.commit()?;
    let mut report = format!(
        "{}: {} runs on {} worker(s) in {:.2} s; {metric} from {} to {}\n",
        s.model,
        s.points.len(),
        s.jobs,
        s.wall_time_s,
        s.points
            .iter()
            .filter_map(|p| p.metrics.get(&metric))
            .copied()
            .fold(f64::INFINITY, f64::min),
        s.points
            .iter()
            .filter_map(|p| p.metrics.get(&metric))
            .copied()
            .fold(f64::NEG_INFINITY, f64::max),
    );
    if s.failed() > 0 {
        report.push_str(&format!(
            "  warning: {} of {} runs failed (their rows in sweep.csv give the error)\n",
            s.failed(),
            s.points.len()
        ));
    }
    report.push_str(&format!(
        "  wrote {} to {}\n",
        names.join(", "),
        out_dir.display()
    ));
    Ok(report)
}
