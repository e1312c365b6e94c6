//! Parameter sweeps (`memrc sweep FILE --set key=v1,v2,…`, `memrc.sweep(…)` in Python): the
//! grid of runs over one or more keys, run in parallel (one run per worker; a network run uses
//! one thread), each reduced to its summary metrics.
//!
//! **Values.** `key=v1,v2,…` lists them (with units: `stimulus.0.amplitude=0uA/cm^2,5uA/cm^2`, or
//! a unit after the last: `0,5,10 uA/cm^2`); `key=linspace(A, B, N) UNIT` spaces `N` values
//! evenly from `A` to `B`. Several swept keys make the grid of all combinations, the first key
//! varying slowest.
//!
//! **Metrics** (one row per run): networks `spikes`, `mean_rate_hz`, `rate_hz.POP`,
//! `first_spike_s`; circuits, for each membrane node, `spike_count.NODE`, `rate_hz.NODE`
//! (spikes per second of the run) and `first_spike_s.NODE`, plus `energy_dissipated` and
//! `energy_rel_residual`; Hopfield networks `lyapunov_final` and `equilibrium` (1 or 0).
//!
//! Every point is loaded (and its values checked) before any is run, so a bad value is found
//! before the work. A run that fails while simulating keeps its row with the error and NaN
//! metrics.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Result, RunError, brief};
use crate::set::{Set, load_text_with_sets};
use crate::{Observer, Overrides, RunOutput, SummaryBody};

/// One swept key and its values (as text with units).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    /// The key (`stimulus.0.amplitude`).
    pub key: String,
    /// The values, each as it is set (`5 uA/cm^2`).
    pub values: Vec<String>,
}

/// Splits `s` at top-level commas (not inside brackets or quotes).
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// The leading number of `s` and the rest (`5uA/cm^2` → `(5, "uA/cm^2")`).
fn number_and_unit(s: &str) -> Option<(f64, &str)> {
    let s = s.trim().trim_matches('"');
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+')
                    && (i == 0 || matches!(s.as_bytes()[i - 1], b'e' | b'E')))
                || ((c == 'e' || c == 'E') && i > 0))
        })
        .map_or(s.len(), |(i, _)| i);
    let x: f64 = s[..end].parse().ok()?;
    Some((x, s[end..].trim()))
}

impl Axis {
    /// Parses `key=v1,v2,…` or `key=linspace(A, B, N) UNIT`.
    pub fn parse(text: &str) -> Result<Self> {
        let set = Set::parse(text)?;
        let bad = |m: &str| RunError::setting(format!("--set {set}: {m}"));
        let v = set.value.trim();
        let values = if let Some(rest) = v.strip_prefix("linspace(") {
            let (args, unit) = rest
                .split_once(')')
                .ok_or_else(|| bad("linspace(A, B, N) is missing ')'"))?;
            let parts = split_top(args);
            let [a, b, n] = parts.as_slice() else {
                return Err(bad(
                    "linspace takes three arguments: linspace(A, B, N) UNIT",
                ));
            };
            let (a, b) = (
                number_and_unit(a).filter(|p| p.1.is_empty()).map(|p| p.0),
                number_and_unit(b).filter(|p| p.1.is_empty()).map(|p| p.0),
            );
            let n: usize = n
                .parse()
                .map_err(|_| bad("linspace: N must be a whole number"))?;
            let (Some(a), Some(b)) = (a, b) else {
                return Err(bad(
                    "linspace: A and B must be plain numbers, with the unit after ')'",
                ));
            };
            if !(1..=100_000).contains(&n) || !a.is_finite() || !b.is_finite() {
                return Err(bad("linspace: N must be 1 to 100000 and A, B finite"));
            }
            let unit = unit.trim();
            (0..n)
                .map(|k| {
                    let x = if n == 1 {
                        a
                    } else {
                        a + (b - a) * k as f64 / (n - 1) as f64
                    };
                    if unit.is_empty() {
                        brief(x)
                    } else {
                        format!("{} {unit}", brief(x))
                    }
                })
                .collect()
        } else {
            let mut parts = split_top(v);
            if parts.iter().any(String::is_empty) {
                return Err(bad("an empty value in the list"));
            }
            // A unit written once after the last value applies to every bare number.
            if let Some((_, unit)) = parts.last().and_then(|l| number_and_unit(l)) {
                if !unit.is_empty() {
                    let unit = unit.to_string();
                    for p in &mut parts {
                        if number_and_unit(p).is_some_and(|(_, u)| u.is_empty()) {
                            *p = format!("{p} {unit}");
                        }
                    }
                }
            }
            parts
        };
        Ok(Self {
            key: set.key,
            values,
        })
    }
}

/// One run of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// The swept keys and their values for this run.
    pub set: BTreeMap<String, String>,
    /// The run's metrics (NaN when it failed).
    pub metrics: BTreeMap<String, f64>,
    /// Why the run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The result of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// Model name.
    pub model: String,
    /// The swept keys.
    pub axes: Vec<Axis>,
    /// One per run, in grid order (first key slowest).
    pub points: Vec<Point>,
    /// Parallel runs.
    pub jobs: usize,
    /// Wall time \[s\].
    pub wall_time_s: f64,
}

/// The metrics of a run.
pub fn metrics(out: &RunOutput) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    match &out.summary.body {
        SummaryBody::Network(s) => {
            m.insert("spikes".into(), s.spikes as f64);
            m.insert("mean_rate_hz".into(), s.mean_rate_hz);
            for (p, r) in &s.rate_hz {
                m.insert(format!("rate_hz.{p}"), r.as_f64().unwrap_or(f64::NAN));
            }
            m.insert(
                "first_spike_s".into(),
                out.spikes.first_time().unwrap_or(f64::NAN),
            );
        }
        SummaryBody::Circuit(s) => {
            let span = s.grid.t_end_s - s.grid.t_start_s;
            for n in &s.nodes {
                if let Some(times) = &n.spike_times_s {
                    m.insert(format!("spike_count.{}", n.name), times.len() as f64);
                    m.insert(format!("rate_hz.{}", n.name), times.len() as f64 / span);
                    m.insert(
                        format!("first_spike_s.{}", n.name),
                        times.first().copied().unwrap_or(f64::NAN),
                    );
                }
            }
            m.insert(
                "energy_dissipated".into(),
                s.energy.balance.total_dissipation,
            );
            m.insert("energy_rel_residual".into(), s.energy.balance.rel_residual);
        }
        SummaryBody::Hopfield(_) => {
            if let Some(r) = &out.hopfield {
                m.insert("lyapunov_final".into(), r.lyapunov_final);
                m.insert("equilibrium".into(), f64::from(u8::from(r.equilibrium)));
            }
        }
    }
    m
}

/// The grid of sets, first axis slowest.
fn grid(axes: &[Axis]) -> Vec<Vec<Set>> {
    let mut out: Vec<Vec<Set>> = vec![Vec::new()];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                a.values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(Set {
                        key: a.key.clone(),
                        value: v.clone(),
                    });
                    p
                })
            })
            .collect();
    }
    out
}

/// Runs the sweep of the model text over `axes` (with `fixed` sets and `overrides` applied to
/// every run) on `jobs` parallel workers; `observer` sees the fraction of runs done and can stop
/// the sweep.
#[allow(clippy::too_many_arguments)]
pub fn sweep(
    text: &str,
    origin: &str,
    base: Option<&Path>,
    axes: &[Axis],
    fixed: &[Set],
    overrides: &Overrides,
    jobs: usize,
    observer: &mut (dyn Observer + Send),
) -> Result<Sweep> {
    let start = std::time::Instant::now();
    if axes.is_empty() || axes.iter().any(|a| a.values.is_empty()) {
        return Err(RunError::setting(
            "a sweep needs at least one --set key=v1,v2,… with values",
        ));
    }
    let points = grid(axes);
    if points.len() > 100_000 {
        return Err(RunError::setting(format!(
            "the sweep has {} runs; at most 100000",
            points.len()
        )));
    }
    let opts = crate::settings::load_options()?;
    let all = |p: &Vec<Set>| fixed.iter().chain(p).cloned().collect::<Vec<Set>>();
    let jobs = jobs.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| RunError::setting(format!("starting {jobs} workers: {e}")))?;
    // Every point loads (values checked) before any runs.
    let names: Vec<String> = pool.install(|| {
        points
            .par_iter()
            .map(|p| {
                let mut m =
                    load_text_with_sets(text, origin, base, &all(p), &opts.build_networks(false))?;
                let mut ov = overrides.clone();
                if matches!(m.kind, memrc_io::ModelKind::Network(_)) {
                    ov.threads = Some(1);
                }
                crate::apply_overrides(&mut m, &ov)?;
                Ok(m.name)
            })
            .collect::<Result<Vec<String>>>()
    })?;
    let name = names.into_iter().next().unwrap_or_default();
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let observer = Mutex::new(observer);
    let total = points.len();
    let rows: Vec<Point> = pool.install(|| {
        points
            .par_iter()
            .map(|p| {
                let set = p.iter().map(|s| (s.key.clone(), s.value.clone())).collect();
                let result = (|| {
                    let m = load_text_with_sets(text, origin, base, &all(p), &opts)?;
                    let mut ov = overrides.clone();
                    if matches!(m.kind, memrc_io::ModelKind::Network(_)) {
                        ov.threads = Some(1);
                    }
                    let mut quit = |_f: f64| !stop.load(Ordering::Relaxed);
                    crate::run(m, &ov, &mut quit)
                })();
                let k = done.fetch_add(1, Ordering::SeqCst) + 1;
                if let Ok(mut o) = observer.lock() {
                    if !o.observe(k as f64 / total as f64) {
                        stop.store(true, Ordering::SeqCst);
                    }
                }
                match result {
                    Ok(out) => Point {
                        set,
                        metrics: metrics(&out),
                        error: None,
                    },
                    Err(e) => Point {
                        set,
                        metrics: BTreeMap::new(),
                        error: Some(e.to_string()),
                    },
                }
            })
            .collect()
    });
    if stop.load(Ordering::SeqCst) {
        return Err(RunError::Interrupted);
    }
    // Every row has every metric (NaN where a run failed or lacks it).
    let keys: std::collections::BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.metrics.keys().cloned())
        .collect();
    let rows = rows
        .into_iter()
        .map(|mut r| {
            for k in &keys {
                r.metrics.entry(k.clone()).or_insert(f64::NAN);
            }
            r
        })
        .collect();
    Ok(Sweep {
        model: name,
        axes: axes.to_vec(),
        points: rows,
        jobs,
        wall_time_s: start.elapsed().as_secs_f64(),
    })
}

impl Sweep {
    /// The metric names.
    pub fn metric_names(&self) -> Vec<String> {
        self.points
            .first()
            .map(|p| p.metrics.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The default metric to plot: a rate (the first membrane node's, or a network's mean).
    pub fn default_metric(&self) -> Option<String> {
        let names = self.metric_names();
        names
            .iter()
            .find(|n| *n == "mean_rate_hz")
            .or_else(|| names.iter().find(|n| n.starts_with("rate_hz.")))
            .or_else(|| names.first())
            .cloned()
    }

    /// `sweep.csv`: the swept keys, then the metrics, then the error (if any run failed).
    pub fn csv(&self) -> String {
        use std::fmt::Write as _;
        let names = self.metric_names();
        let failed = self.points.iter().any(|p| p.error.is_some());
        let quote = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = self
            .axes
            .iter()
            .map(|a| quote(&a.key))
            .chain(names.iter().map(|n| quote(n)))
            .collect::<Vec<_>>()
            .join(",");
        if failed {
            out.push_str(",error");
        }
        out.push('\n');
        for p in &self.points {
            let mut cells: Vec<String> = self
                .axes
                .iter()
                .map(|a| quote(p.set.get(&a.key).map_or("", String::as_str)))
                .collect();
            cells.extend(names.iter().map(|n| {
                let x = p.metrics.get(n).copied().unwrap_or(f64::NAN);
                if x.is_nan() {
                    String::new()
                } else {
                    format!("{x:e}")
                }
            }));
            if failed {
                cells.push(quote(p.error.as_deref().unwrap_or("")));
            }
            let _ = writeln!(out, "{}", cells.join(","));
        }
        out
    }

    /// The swept value of `point` on axis `a` in SI (for plots), NaN if it is not a quantity.
    pub fn si_value(&self, point: &Point, a: usize) -> f64 {
        self.axes
            .get(a)
            .and_then(|ax| point.set.get(&ax.key))
            .and_then(|v| memrc_io::units::parse_quantity(v.trim_matches('"')).ok())
            .map_or(f64::NAN, |q| q.value)
    }

    /// The SI unit of axis `a` (empty if dimensionless or not a quantity).
    pub fn si_unit(&self, a: usize) -> String {
        self.axes
            .get(a)
            .and_then(|ax| ax.values.first())
            .and_then(|v| memrc_io::units::parse_quantity(v.trim_matches('"')).ok())
            .and_then(|q| q.dim)
            .map(|d| d.unit_text())
            .unwrap_or_default()
    }

    /// Runs that failed.
    pub fn failed(&self) -> usize {
        self.points.iter().filter(|p| p.error.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_lists_units_and_linspace() {
        let a = Axis::parse("stimulus.0.amplitude=0,5,10 uA/cm^2").expect("parses");
        assert_eq!(a.values, ["0 uA/cm^2", "5 uA/cm^2", "10 uA/cm^2"]);
        let a = Axis::parse("k=1ms,2 ms").expect("parses");
        assert_eq!(a.values, ["1ms", "2 ms"]);
        let a = Axis::parse("k=linspace(0, 20, 5) uA/cm^2").expect("parses");
        assert_eq!(
            a.values,
            [
                "0 uA/cm^2",
                "5 uA/cm^2",
                "10 uA/cm^2",
                "15 uA/cm^2",
                "20 uA/cm^2"
            ]
        );
        let a = Axis::parse("k=linspace(0, 1, 4)").expect("parses");
        assert_eq!(a.values, ["0", "0.333333333333", "0.666666666667", "1"]);
        assert!(Axis::parse("k=linspace(0, 1)").is_err());
        assert!(Axis::parse("k=1,,2").is_err());
        let g = grid(&[
            Axis::parse("a=1,2").expect("a"),
            Axis::parse("b=x,y,z").expect("b"),
        ]);
        assert_eq!(g.len(), 6);
        assert_eq!((g[1][0].value.as_str(), g[1][1].value.as_str()), ("1", "y"));
    }
}
