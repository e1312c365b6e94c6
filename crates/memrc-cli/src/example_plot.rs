//! Figures of `memrc example …`: the paper's Figure 3 for `hh-spike` and the voltage and `L`
//! traces of `hopfield`, drawn with the bundled font (see [`crate::plot`]).

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::example::HhRun;
use crate::plot::{COLOURS, register_font, tick};
use memrc::hopfield::HopfieldRun;

/// Size of Figure 3 \[px\].
pub const FIGURE3_SIZE: (u32, u32) = (1280, 900);
/// Size of the Hopfield figure \[px\].
pub const HOPFIELD_SIZE: (u32, u32) = (960, 760);

const RED: RGBColor = RGBColor(214, 39, 40);
/// Time range of the iterates panel \[ms\]: the iterates differ only around the spike.
const ZOOM: (f64, f64) = (15.0, 40.0);

/// One styled line of a panel.
struct Line {
    x: Vec<f64>,
    y: Vec<f64>,
    colour: RGBColor,
    width: u32,
    dashed: bool,
    label: Option<String>,
}

impl Line {
    fn new(x: &[f64], y: Vec<f64>, colour: RGBColor) -> Self {
        Self {
            x: x.to_vec(),
            y,
            colour,
            width: 2,
            dashed: false,
            label: None,
        }
    }
    fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    fn width(mut self, w: u32) -> Self {
        self.width = w;
        self
    }
    fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// `(lo, hi)` of every `y` with 5 % padding (never empty).
fn y_range(lines: &[Line]) -> (f64, f64) {
    let (lo, hi) = lines
        .iter()
        .flat_map(|l| l.y.iter().copied())
        .filter(|y| y.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        return (-1.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1e-12)
    };
    (lo - pad, hi + pad)
}

/// Draws one panel.
#[allow(clippy::too_many_arguments)]
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    x_range: (f64, f64),
    y_range: (f64, f64),
    lines: &[Line],
    legend: Option<SeriesLabelPosition>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the plot: {e:?}");
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 19))
        .margin(10)
        .x_label_area_size(46)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    for l in lines {
        let style = l.colour.stroke_width(l.width);
        // Only the points inside the x range (the panel may show part of the horizon).
        let eps = 1e-9 * (x_range.1 - x_range.0).abs();
        let points: Vec<(f64, f64)> =
            l.x.iter()
                .copied()
                .zip(l.y.iter().copied())
                .filter(|(x, _)| *x >= x_range.0 - eps && *x <= x_range.1 + eps)
                .collect();
        let anno = if l.dashed {
            chart
                .draw_series(DashedLineSeries::new(points, 8, 5, style))
                .map_err(err)?
        } else {
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(err)?
        };
        match (&l.label, l.dashed) {
            (Some(label), false) => {
                anno.label(label.clone())
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 22, y)], style));
            }
            (Some(label), true) => {
                anno.label(label.clone()).legend(move |(x, y)| {
                    plotters::element::DashedPathElement::new([(x, y), (x + 24, y)], 6, 4, style)
                });
            }
            (None, _) => {}
        }
    }
    if let Some(pos) = legend {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 14))
            .position(pos)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// Colour of iterate `k` of `n` (1-based): viridis from green (first) to dark purple
/// (last).
fn ramp(k: usize, n: usize) -> RGBColor {
    let h = if n > 1 {
        (k - 1) as f64 / (n - 1) as f64
    } else {
        1.0
    };
    viridis(0.8 * (1.0 - h))
}

/// The viridis colour map at `h ∈ [0, 1]` (dark purple to yellow), linear between its 8 stops.
fn viridis(h: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 8] = [
        (68.0, 1.0, 84.0),
        (70.0, 50.0, 127.0),
        (54.0, 92.0, 141.0),
        (39.0, 127.0, 143.0),
        (31.0, 162.0, 136.0),
        (74.0, 194.0, 110.0),
        (160.0, 219.0, 57.0),
        (254.0, 232.0, 37.0),
    ];
    let x = h.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let j = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - j as f64;
    let (a, b) = (STOPS[j], STOPS[j + 1]);
    let mix = |p: f64, q: f64| (p + f * (q - p)).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The iterates named in the legend: 1, 2, 3, 5, 10, K (those that exist).
fn labelled(k: usize, n: usize) -> bool {
    k == n || (k <= 3 || k == 5 || k == 10) && k < n
}

/// Figure 3 of the paper: top, time stepping (`v` and the gates); bottom left, the iterates of
/// the alternating iteration converging to the same solution; bottom right, the input current.
pub fn figure3<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, run: &HhRun) -> Result<()>
where
    DB::ErrorType: 'static,
{
    register_font()?;
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the plot: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let s = &run.settings;
    let title = format!(
        "Hodgkin–Huxley spike (paper Example 4, Figure 3): scheme {}{}, {} steps of {} ms",
        s.scheme.name(),
        if s.newton { " + Newton" } else { "" },
        s.steps,
        tick(run.grid.dt() * 1e3)
    );
    let root = root.titled(&title, ("sans-serif", 22)).map_err(err)?;
    let (top, bottom) = root.split_vertically(50.percent_height());
    let (top_l, top_r) = top.split_horizontally(50.percent_width());
    let (bot_l, bot_r) = bottom.split_horizontally(62.percent_width());
    let t = run.t_ms();
    let x_range = (t[0], t[t.len() - 1]);
    let t_label = "t [ms]";

    let v = vec![Line::new(&t, run.v_mv(), COLOURS[0])];
    panel(
        &top_l,
        "time stepping: membrane voltage",
        t_label,
        "v [mV]",
        x_range,
        y_range(&v),
        &v,
        None,
    )?;

    let gates: Vec<Line> = ["m", "h", "n"]
        .iter()
        .enumerate()
        .map(|(g, name)| Line::new(&t, run.gate(g), COLOURS[g + 1]).label(*name))
        .collect();
    panel(
        &top_r,
        "time stepping: gating variables",
        t_label,
        "m, h, n [1]",
        x_range,
        (-0.03, 1.03),
        &gates,
        Some(SeriesLabelPosition::UpperLeft),
    )?;

    let k_max = run.iterations();
    let mut iters: Vec<Line> = (1..=k_max)
        .map(|k| {
            let l = Line::new(&t, run.iterate_mv(k), ramp(k, k_max));
            if labelled(k, k_max) {
                l.label(format!("iterate {k}"))
            } else {
                l
            }
        })
        .collect();
    iters.push(
        Line::new(&t, run.v_mv(), RED)
            .width(2)
            .dashed()
            .label("time stepping"),
    );
    panel(
        &bot_l,
        &format!("alternating iteration: iterates 1–{k_max} (light → dark), 15–40 ms"),
        t_label,
        "v [mV]",
        ZOOM,
        y_range(&iters),
        &iters,
        Some(SeriesLabelPosition::UpperRight),
    )?;

    // The current as the solver sees it: its exact average on every step, drawn as a staircase.
    let (mut ti, mut i) = (Vec::new(), Vec::new());
    for (k, a) in run.input_average.iter().enumerate() {
        ti.extend([t[k], t[k + 1]]);
        i.extend([a / 1e-2; 2]);
    }
    let cur = vec![Line::new(&ti, i, COLOURS[0])];
    let (lo, hi) = y_range(&cur);
    panel(
        &bot_r,
        "external current",
        t_label,
        "i [µA/cm²]",
        x_range,
        (lo.min(-0.5), hi.max(0.5)),
        &cur,
        None,
    )?;
    root.present()
        .map_err(|e| anyhow!("writing the plot: {e:?}"))
}

/// The Hopfield figure: node voltages `V_k` (and outputs `Φ_k`, dashed) against time, and
/// `L = ½ΦᵀWΦ − IᵀΦ` decreasing.
pub fn hopfield<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, run: &HopfieldRun) -> Result<()>
where
    DB::ErrorType: 'static,
{
    register_font()?;
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the plot: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let root = root
        .titled(
            "Hopfield network C dV/dt = −W Φ(V) + I (paper eq. 50)",
            ("sans-serif", 22),
        )
        .map_err(err)?;
    let (top, bottom) = root.split_vertically(55.percent_height());
    let t = run.voltages.grid().times();
    let x_range = (t[0], t[t.len() - 1]);
    let mut lines = Vec::new();
    for k in 0..run.units {
        let c = COLOURS[k % COLOURS.len()];
        lines.push(Line::new(&t, run.voltages.component(k), c).label(format!("V{}", k + 1)));
    }
    for k in 0..run.units {
        let c = COLOURS[k % COLOURS.len()];
        lines.push(
            Line::new(&t, run.outputs.component(k), c)
                .dashed()
                .label(format!("Φ{} = tanh V{}", k + 1, k + 1)),
        );
    }
    panel(
        &top,
        "node voltages V and outputs Φ(V)",
        "t [C/W]",
        "V, Φ [normalised]",
        x_range,
        y_range(&lines),
        &lines,
        Some(SeriesLabelPosition::UpperRight),
    )?;
    let l = vec![
        Line::new(&t, run.lyapunov.component(0), COLOURS[3]).label("L = ½ΦᵀWΦ − IᵀΦ".to_string()),
    ];
    panel(
        &bottom,
        &format!(
            "{}: {:.4} → {:.4} (largest increase per step {:.1e})",
            if run.lyapunov_decreasing {
                "L decreasing (to rounding)"
            } else {
                "L NOT decreasing"
            },
            run.lyapunov_initial,
            run.lyapunov_final,
            run.max_lyapunov_increase
        ),
        "t [C/W]",
        "L [normalised]",
        x_range,
        y_range(&l),
        &l,
        Some(SeriesLabelPosition::UpperRight),
    )?;
    root.present()
        .map_err(|e| anyhow!("writing the plot: {e:?}"))
}
