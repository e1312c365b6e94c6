//! Drives one element and measures the paper's properties on the response: the data behind
//! `summary.json`, `traces.csv` and the plots of `memrc element NAME`.
//!
//! The drive is the **terminal** voltage `v` (membrane voltage for channels). The analysis works
//! on the **port voltage** `w = v − E` of the memristive part (`E` = [`Element::battery`]), as the
//! library's trait does: currents, conductances, energies and the gradient identities are those
//! of the memristive part in series with its battery.

use anyhow::{Context, Result};
use memrc::analysis::MetricFloor;
use memrc::analysis::assumptions::{
    FadingReport, LoopSweep, PassivityReport, PinchReport, PositivityReport, fading_memory,
    hysteresis_sweep, loop_area, passivity, pinching, positivity,
};
use memrc::analysis::gradient::{
    GradientReport, IdentityReport, Path, PathOptions, cocontent, dissipation, gradient,
};
use memrc::memconductance::{Options, Response, memconductance};
use memrc::{Element, Trajectory};
use serde::Serialize;

use crate::drive::Drive;

/// Frequencies of the loop-area sweep, as multiples of the drive frequency.
pub const SWEEP_FACTORS: [f64; 6] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0];

/// Everything computed for one run.
#[derive(Debug)]
pub struct Run {
    /// Terminal voltages `v` (dimension `n_ports`) \[V\].
    pub v: Trajectory,
    /// Response of the element to `w` from its rest state at `w(0)`.
    pub response: Response,
    /// The reports.
    pub reports: Reports,
}

/// The measured properties (serialised into `summary.json`).
#[derive(Debug, Serialize)]
pub struct Reports {
    /// Passivity of the memristive part (eq. 12), energies in J (J/m² for densities).
    pub passivity: PassivityReport,
    /// Assumption 2 / 3: `ε`, symmetry.
    pub positivity: PositivityReport,
    /// Pinched hysteresis (one-ports; `None` for multi-ports, where it is not defined port by
    /// port).
    pub pinch: Option<PinchReport>,
    /// Eq. (29a).
    pub dissipation: IdentityReport,
    /// Eq. (31) along each path.
    pub cocontent: Vec<Named<IdentityReport>>,
    /// Eq. (33d) in each direction.
    pub gradient: Vec<Named<GradientReport>>,
    /// Assumption 1, measured by a perturbation of the first half of the drive.
    pub fading_memory: FadingSummary,
    /// Loop area against frequency (one-ports).
    pub hysteresis_sweep: Option<LoopSweep>,
    /// Per-port energies and loop areas.
    pub ports: Vec<PortReport>,
}

/// A report with the name of the path or direction it belongs to.
#[derive(Debug, Serialize)]
pub struct Named<T> {
    /// Path or direction.
    pub name: &'static str,
    /// The report.
    #[serde(flatten)]
    pub report: T,
}

/// The fading-memory measurement without its decay samples.
#[derive(Debug, Serialize)]
pub struct FadingSummary {
    /// End of the perturbation `τ` \[s\].
    pub tau_s: f64,
    /// Size of the perturbation of the port voltage on `t ≤ τ` \[V\].
    #[serde(rename = "delta_V")]
    pub delta: f64,
    /// `max |Δg|` at `τ`.
    pub effect_at_tau: f64,
    /// `max |Δg|` at the end.
    pub effect_at_end: f64,
    /// Decay rate `λ` \[1/s\]; `None` when the effect vanished at once (no memory, `λ = ∞`).
    pub lambda_per_s: Option<f64>,
    /// `lambda_per_s` is only a lower bound.
    pub lambda_is_lower_bound: bool,
}

impl From<(FadingReport, f64)> for FadingSummary {
    fn from((r, delta): (FadingReport, f64)) -> Self {
        Self {
            tau_s: r.tau,
            delta,
            effect_at_tau: r.effect_at_tau,
            effect_at_end: r.effect_at_end,
            lambda_per_s: r.lambda.is_finite().then_some(r.lambda),
            lambda_is_lower_bound: r.lower_bound,
        }
    }
}

/// One port's share.
#[derive(Debug, Serialize)]
pub struct PortReport {
    /// Port index (0-based; port 0 is driven).
    pub port: usize,
    /// Whether this port carries the drive (the others are held at a constant voltage).
    pub driven: bool,
    /// Battery `E` \[V\].
    #[serde(rename = "battery_V")]
    pub battery: f64,
    /// `∫ w_p i_p dt` [J or J/m²].
    pub dissipated_energy: f64,
    /// `|∮ i_p dv_p|` over the whole run.
    pub loop_area: f64,
    /// Smallest and largest terminal voltage \[V\].
    #[serde(rename = "v_range_V")]
    pub v_range: [f64; 2],
    /// Smallest and largest current.
    pub i_range: [f64; 2],
}

impl Reports {
    /// Largest relative error of the co-content identity over the paths.
    pub fn cocontent_max(&self) -> f64 {
        max_of(self.cocontent.iter().map(|r| r.report.rel_error))
    }

    /// Largest relative error of the gradient identity over the directions.
    pub fn gradient_max(&self) -> f64 {
        max_of(self.gradient.iter().map(|r| r.report.rel_error))
    }

    /// Floored metric samples: `(dissipation, co-content, gradient)`.
    pub fn degenerate(&self) -> (usize, usize, usize) {
        (
            self.dissipation.degenerate_samples,
            self.cocontent
                .iter()
                .map(|r| r.report.degenerate_samples)
                .sum(),
            self.gradient
                .iter()
                .map(|r| r.report.degenerate_samples)
                .sum(),
        )
    }
}

fn max_of(it: impl Iterator<Item = f64>) -> f64 {
    // NaN propagates: a NaN error must not look like a pass.
    it.fold(0.0, |m: f64, x| {
        if x.is_nan() || m.is_nan() {
            f64::NAN
        } else {
            m.max(x)
        }
    })
}

fn range(values: impl Iterator<Item = f64>) -> [f64; 2] {
    values.fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], x| {
        [lo.min(x), hi.max(x)]
    })
}

/// The terminal voltages: port 0 follows the drive, the other ports are held at `hold` \[V\].
pub fn terminal_voltages(el: &dyn Element, drive: &Drive, hold: f64) -> Result<Trajectory> {
    let v0 = drive.trajectory()?;
    let n = el.n_ports();
    let grid = *v0.grid();
    let mut data = Vec::with_capacity(grid.len() * n);
    for k in 0..grid.len() {
        data.push(v0.at(k)[0]);
        data.extend(std::iter::repeat_n(hold, n - 1));
    }
    Ok(Trajectory::new(grid, n, data)?)
}

/// Runs the element on the drive and measures everything.
pub fn run(el: &dyn Element, drive: &Drive, hold: f64) -> Result<Run> {
    let n = el.n_ports();
    let v = terminal_voltages(el, drive, hold)?;
    let batteries: Vec<f64> = (0..n).map(|p| el.battery(p)).collect();
    let mut w = v.clone();
    for k in 0..w.len() {
        for (x, e) in w.at_mut(k).iter_mut().zip(&batteries) {
            *x -= e;
        }
    }
    let mut x0 = vec![0.0; el.n_states()];
    el.initial_state(w.at(0), &mut x0);
    let opts = Options::default();
    let response = memconductance(el, &w, &x0, opts).context("integrating the element")?;

    let passivity = passivity(&w, &response.i)?;
    let positivity = positivity(&response.g)?;
    let pinch = (n == 1).then(|| pinching(el, &w, &response.x));
    let floor = MetricFloor::default();
    let dissipation = dissipation(&w, &response, floor)?;

    // Directions for the bent path and the gradient: smooth, of the size of the drive.
    let grid = *w.grid();
    let (t0, t1) = (grid.t0(), grid.t_end());
    let span = t1 - t0;
    let scale = drive.amplitude.abs().max(drive.offset.abs()).max(1e-3);
    let vector = |f: &dyn Fn(f64) -> f64| -> Result<Trajectory> {
        let data = (0..grid.len())
            .flat_map(|k| {
                let val = scale * f(grid.time(k));
                (0..n).map(move |p| if p == 0 { val } else { 0.5 * val })
            })
            .collect();
        Ok(Trajectory::new(grid, n, data)?)
    };
    let bump = vector(&|t| (-((t - t0 - 0.5 * span) / (0.125 * span)).powi(2)).exp())?;
    let other_sine = vector(&|t| (std::f64::consts::TAU * 2.7 / span * (t - t0) + 0.3).sin())?;

    let path_opts = PathOptions::default();
    let paths = [
        Path::Straight,
        Path::Quadratic,
        Path::Sine,
        Path::Staggered,
        Path::Bent(bump.clone()),
    ];
    let cocontent = paths
        .iter()
        .map(|p| {
            Ok(Named {
                name: p.name(),
                report: cocontent(el, &w, p, path_opts)
                    .with_context(|| format!("co-content along the {} path", p.name()))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let directions = [("drive", w.clone()), ("bump", bump), ("sine", other_sine)];
    let gradient = directions
        .iter()
        .map(|(name, dir)| {
            Ok(Named {
                name,
                report: gradient(el, &w, dir, path_opts)
                    .with_context(|| format!("gradient in the {name} direction"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let delta = 0.1 * scale;
    let fading = fading_memory(el, &w, &x0, t0 + 0.5 * span, delta)?;

    let hysteresis_sweep = if n == 1 {
        let freqs: Vec<f64> = SWEEP_FACTORS.iter().map(|m| m * drive.frequency).collect();
        Some(hysteresis_sweep(
            el,
            drive.offset - batteries[0],
            drive.amplitude,
            &freqs,
            2,
            400,
            &x0,
        )?)
    } else {
        None
    };

    let ports = (0..n)
        .map(|p| {
            let (wp, ip, vp) = (column(&w, p)?, column(&response.i, p)?, column(&v, p)?);
            Ok(PortReport {
                port: p,
                driven: p == 0,
                battery: batteries[p],
                dissipated_energy: wp.inner(&ip)?,
                loop_area: loop_area(&vp, &ip),
                v_range: range(vp.data().iter().copied()),
                i_range: range(ip.data().iter().copied()),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Run {
        v,
        response,
        reports: Reports {
            passivity,
            positivity,
            pinch,
            dissipation,
            cocontent,
            gradient,
            fading_memory: (fading, delta).into(),
            hysteresis_sweep,
            ports,
        },
    })
}

/// Component `c` of a trajectory as a scalar trajectory.
pub fn column(t: &Trajectory, c: usize) -> Result<Trajectory> {
    Ok(Trajectory::scalar(*t.grid(), t.component(c))?)
}
