//! Plots of a run: the `i–v` Lissajous figure and the stacked time traces, as SVG (and PNG on
//! request), with the bundled DejaVu Sans font so text renders without system fonts.
//!
//! Axes carry SI units with a prefix chosen per axis (`t \[ms\]`, `i \[µA\]`, `g \[mS/m^2\]`).

use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use memrc::Element;
use plotters::coord::Shift;
use plotters::prelude::*;

use memrc_run::element::Run;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the bundled font as `sans-serif` (once per process).
pub(crate) fn register_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the bundled plot font could not be loaded"))
    }
}

/// The colours of the lines of a panel, in turn.
pub(crate) const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// One styled line of a panel.
pub(crate) struct Line {
    x: Vec<f64>,
    y: Vec<f64>,
    colour: RGBColor,
    width: u32,
    dashed: bool,
    label: Option<String>,
}

impl Line {
    /// A solid line 2 px wide without a legend entry.
    pub(crate) fn new(x: &[f64], y: Vec<f64>, colour: RGBColor) -> Self {
        Self {
            x: x.to_vec(),
            y,
            colour,
            width: 2,
            dashed: false,
            label: None,
        }
    }
    /// With the legend entry `l`.
    pub(crate) fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    /// `w` px wide.
    pub(crate) fn width(mut self, w: u32) -> Self {
        self.width = w;
        self
    }
    /// Dashed.
    pub(crate) fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// Sizes of a panel's text and margins \[px\], and its grid and legend look.
pub(crate) struct Style {
    caption: u32,
    margin: u32,
    x_label_area: u32,
    y_label_area: u32,
    label: u32,
    axis_desc: u32,
    /// Opacity of the black major grid lines (`None`: plotters' default).
    grid: Option<f64>,
    legend_background: f64,
    /// Length of a legend key \[px\].
    legend_key: i32,
}

/// The panels of `memrc element`, `memrc run` and the network figures.
pub(crate) const PLOT: Style = Style {
    caption: 18,
    margin: 8,
    x_label_area: 40,
    y_label_area: 70,
    label: 13,
    axis_desc: 15,
    grid: None,
    legend_background: 0.8,
    legend_key: 18,
};

/// The panels of the paper's figures (`memrc example`).
pub(crate) const FIGURE: Style = Style {
    caption: 19,
    margin: 10,
    x_label_area: 46,
    y_label_area: 64,
    label: 14,
    axis_desc: 16,
    grid: Some(0.08),
    legend_background: 0.9,
    legend_key: 22,
};

/// Title, axis labels and axis ranges of a panel.
pub(crate) struct Frame<'a> {
    /// Caption.
    pub title: &'a str,
    /// Label of the x axis.
    pub x_label: &'a str,
    /// Label of the y axis.
    pub y_label: &'a str,
    /// `(lo, hi)` of x.
    pub x: (f64, f64),
    /// `(lo, hi)` of y.
    pub y: (f64, f64),
}

/// An error of plotters while drawing.
pub(crate) fn drawing(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("drawing the plot: {e:?}")
}

/// Registers the font and clears `root` to white: the start of every figure (see [`svg`], [`png`]).
pub(crate) fn blank<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    register_font()?;
    root.fill(&WHITE).map_err(drawing)
}

/// Writes a finished figure.
pub(crate) fn present<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.present()
        .map_err(|e| anyhow!("writing the plot: {e:?}"))
}

/// Draws one panel of `lines` in `style` into `area`, with a legend at `legend` if given.
pub(crate) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &Style,
    frame: &Frame,
    lines: &[Line],
    legend: Option<SeriesLabelPosition>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| drawing(e);
    let (x_range, y_range) = (frame.x, frame.y);
    let left_out = left_out(lines);
    let caption = if left_out == 0 {
        frame.title.to_string()
    } else {
        format!(
            "{} ({left_out} point{} left out: NaN, infinite or beyond ±{})",
            frame.title,
            if left_out == 1 { "" } else { "s" },
            memrc_run::brief(PLOT_LIMIT)
        )
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", style.caption))
        .margin(style.margin)
        .x_label_area_size(style.x_label_area)
        .y_label_area_size(style.y_label_area)
        .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
        .map_err(err)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(frame.x_label)
        .y_desc(frame.y_label)
        .label_style(("sans-serif", style.label))
        .axis_desc_style(("sans-serif", style.axis_desc))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v));
    if let Some(a) = style.grid {
        mesh.bold_line_style(BLACK.mix(a));
    }
    mesh.light_line_style(WHITE.mix(0.0)).draw().map_err(err)?;
    let key = style.legend_key;
    for l in lines {
        let style = l.colour.stroke_width(l.width);
        // Only the points inside the x range (the panel may show part of the horizon).
        let eps = 1e-9 * (x_range.1 - x_range.0).abs();
        let points: Vec<(f64, f64)> =
            l.x.iter()
                .copied()
                .zip(l.y.iter().copied())
                .filter(|(x, _)| *x >= x_range.0 - eps && *x <= x_range.1 + eps)
                .filter(|&(x, y)| plottable(x) && plottable(y))
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
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + key, y)], style));
            }
            (Some(label), true) => {
                anno.label(label.clone()).legend(move |(x, y)| {
                    plotters::element::DashedPathElement::new(
                        [(x, y), (x + key + 2, y)],
                        6,
                        4,
                        style,
                    )
                });
            }
            (None, _) => {}
        }
    }
    if let Some(pos) = legend {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(style.legend_background))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", style.label))
            .position(pos)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// Colour `j` of [`COLOURS`], repeating.
fn colour(j: usize) -> RGBColor {
    COLOURS[j % COLOURS.len()]
}

/// An SI prefix for values up to `max_abs`: `(factor to multiply by, prefix)`.
fn prefix_for(max_abs: f64) -> (f64, &'static str) {
    const PREFIXES: [(f64, &str); 7] = [
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
        (1.0, ""),
        (1e-3, "m"),
        (1e-6, "µ"),
        (1e-9, "n"),
    ];
    if !(max_abs.is_finite() && max_abs > 0.0) {
        return (1.0, "");
    }
    for (p, name) in PREFIXES {
        if max_abs >= p {
            return (1.0 / p, name);
        }
    }
    (1e12, "p")
}

fn axis_label(symbol: &str, prefix: &str, unit: &str) -> String {
    if unit == "1" {
        symbol.to_string()
    } else {
        format!("{symbol} [{prefix}{unit}]")
    }
}

/// Largest magnitude a plot draws: beyond it, plotters' tick search overflows and never ends
/// (a value of 1e308 hung a run); such points are left out of the plot (the data files keep
/// them).
pub(crate) const PLOT_LIMIT: f64 = 1e300;

/// Whether `v` is drawn: finite and within [`PLOT_LIMIT`].
pub(crate) fn plottable(v: f64) -> bool {
    v.abs() <= PLOT_LIMIT
}

/// How many points of `lines` a panel leaves out: those with a coordinate that is not
/// [`plottable`] (the panel's caption says so).
pub(crate) fn left_out(lines: &[Line]) -> usize {
    lines
        .iter()
        .map(|l| {
            l.x.iter()
                .zip(&l.y)
                .filter(|&(&x, &y)| !(plottable(x) && plottable(y)))
                .count()
        })
        .sum()
}

/// `(lo, hi)` of the plottable `values` ([`plottable`]) with 5 % padding (never empty).
pub(crate) fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|&v| plottable(v))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
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

/// [`range`] of every `y` of `lines`.
pub(crate) fn y_range(lines: &[Line]) -> (f64, f64) {
    range(lines.iter().flat_map(|l| l.y.iter().copied()))
}

/// A tick label: three decimals without trailing zeros.
pub(crate) fn tick(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Draws one [`PLOT`] panel of `series` (already scaled) into `area`, in the colours in turn,
/// on the range of their values, with a legend if there is more than one.
fn series_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Line],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let frame = Frame {
        title,
        x_label,
        y_label,
        x: range(series.iter().flat_map(|s| s.x.iter().copied())),
        y: y_range(series),
    };
    let legend = (series.len() > 1).then_some(SeriesLabelPosition::UpperRight);
    panel(area, &PLOT, &frame, series, legend)
}

/// Scales a set of raw series to a shared prefix; returns the prefix.
fn scale_y(series: &mut [Line]) -> &'static str {
    // The prefix of the drawn values: a left-out 1e308 would otherwise pick "G" and scale
    // itself into the plottable range.
    let max = series
        .iter()
        .flat_map(|s| s.y.iter())
        .filter(|&&y| plottable(y))
        .fold(0.0_f64, |m, y| m.max(y.abs()));
    let (f, p) = prefix_for(max);
    for s in series.iter_mut() {
        s.y.iter_mut()
            .for_each(|y| *y = if plottable(*y) { *y * f } else { f64::NAN });
    }
    p
}

/// The names of a port quantity `symbol` of an `n`-port: `symbol` for one port, else `symbol1`
/// … `symbolN`.
fn port_labels(symbol: &str, n: usize) -> Vec<String> {
    if n == 1 {
        vec![symbol.to_string()]
    } else {
        (1..=n).map(|p| format!("{symbol}{p}")).collect()
    }
}

/// One line per label: component `c` of `traj` against `x`, in colour `c`.
fn component_lines(x: &[f64], traj: &memrc::Trajectory, labels: Vec<String>) -> Vec<Line> {
    labels
        .into_iter()
        .enumerate()
        .map(|(c, label)| Line::new(x, traj.component(c), colour(c)).label(label))
        .collect()
}

/// The `i–v` figure: for a one-port `i` against `v`; for an `n`-port every port current against
/// the driven terminal voltage `v1`.
pub fn lissajous<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    el: &dyn Element,
    run: &Run,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let info = el.info();
    let n = el.n_ports();
    let v1 = run.v.component(0);
    let (fv, pv) = prefix_for(v1.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
    let x: Vec<f64> = v1.iter().map(|v| v * fv).collect();
    let mut series = component_lines(&x, &run.response.i, port_labels("i", n));
    let pi = scale_y(&mut series);
    let title = if n == 1 {
        format!("{}: i against v", info.name)
    } else {
        format!("{}: port currents against the driven voltage v1", info.name)
    };
    let x_label = axis_label(if n == 1 { "v" } else { "v1" }, pv, "V");
    series_panel(
        &root,
        &title,
        &x_label,
        &axis_label("i", pi, info.current_unit),
        &series,
    )
}

/// Stacked time traces: terminal voltage(s), current(s), conductance entries and (if any) the
/// states, against time.
pub fn traces<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    el: &dyn Element,
    run: &Run,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let info = el.info();
    let n = el.n_ports();
    let ns = el.n_states();
    let grid = run.v.grid();
    let (ft, pt) = prefix_for(grid.t_end().abs());
    let t: Vec<f64> = grid.times().iter().map(|t| t * ft).collect();
    let t_label = axis_label("t", pt, "s");
    let rows = if ns > 0 { 4 } else { 3 };
    let areas = root.split_evenly((rows, 1));
    let mut v = component_lines(&t, &run.v, port_labels("v", n));
    let pv = scale_y(&mut v);
    series_panel(
        &areas[0],
        &format!("{}: terminal voltage", info.name),
        &t_label,
        &axis_label("v", pv, "V"),
        &v,
    )?;
    let mut i = component_lines(&t, &run.response.i, port_labels("i", n));
    let pi = scale_y(&mut i);
    series_panel(
        &areas[1],
        "current",
        &t_label,
        &axis_label("i", pi, info.current_unit),
        &i,
    )?;
    let g_labels = if n == 1 {
        vec!["g".to_string()]
    } else {
        (1..=n)
            .flat_map(|r| (1..=n).map(move |c| format!("g{r}{c}")))
            .collect()
    };
    let mut g = component_lines(&t, &run.response.g, g_labels);
    let pg = scale_y(&mut g);
    series_panel(
        &areas[2],
        "memconductance",
        &t_label,
        &axis_label("g", pg, info.conductance_unit),
        &g,
    )?;
    if ns > 0 {
        let names = el.state_names();
        let unit = info.states.first().map_or("1", |s| s.unit);
        let same_unit = info.states.iter().all(|s| s.unit == unit);
        let mut x = component_lines(&t, &run.response.x, names);
        let (label, px) = if same_unit && unit != "1" {
            let p = scale_y(&mut x);
            ("state".to_string(), p)
        } else {
            ("state".to_string(), "")
        };
        let y_label = if same_unit {
            axis_label(&label, px, unit)
        } else {
            label
        };
        series_panel(&areas[3], "state", &t_label, &y_label, &x)?;
    }
    Ok(())
}

/// Size of the Lissajous figure \[px\].
pub const LISSAJOUS_SIZE: (u32, u32) = (720, 560);

/// Size of the traces figure \[px\] for `rows` panels.
pub fn traces_size(el: &dyn Element) -> (u32, u32) {
    let rows = if el.n_states() > 0 { 4 } else { 3 };
    (900, 230 * rows)
}

/// Adds `NAME.svg` and `NAME.png` (`png` optional, default `true`) of `size` px, drawn by
/// `draw` on `root`, to the staged files (a macro because `draw` is generic over the plotters
/// backend). Returns early with the error if drawing fails.
macro_rules! add_figure {
    ($files:expr, $name:expr, $size:expr, |$root:ident| $draw:expr) => {
        $crate::plot::add_figure!($files, $name, $size, true, |$root| $draw)
    };
    ($files:expr, $name:expr, $size:expr, $png:expr, |$root:ident| $draw:expr) => {{
        let (name, size) = ($name, $size);
        $files.add(
            &format!("{name}.svg"),
            $crate::plot::svg(size, |$root| $draw)?,
        );
        if $png {
            $files.add(
                &format!("{name}.png"),
                $crate::plot::png(size, |$root| $draw)?,
            );
        }
    }};
}
pub(crate) use add_figure;

/// Draws a figure: `draw` on the blank `root` (see [`blank`]), then writes it.
fn render<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    draw: impl FnOnce(DrawingArea<DB, Shift>) -> Result<()>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    blank(&root)?;
    draw(root.clone())?;
    present(&root)
}

/// Renders a figure to an SVG string.
pub fn svg(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<Vec<u8>> {
    let mut text = String::new();
    {
        render(
            SVGBackend::with_string(&mut text, size).into_drawing_area(),
            draw,
        )?;
    }
    Ok(text.into_bytes())
}

/// Renders a figure to PNG bytes.
pub fn png(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<BitMapBackend, Shift>) -> Result<()>,
) -> Result<Vec<u8>> {
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        render(
            BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area(),
            draw,
        )?;
    }
    encode_png(&rgb, size)
}

fn encode_png(rgb: &[u8], size: (u32, u32)) -> Result<Vec<u8>> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgb, size.0, size.1, image::ColorType::Rgb8)
        .map_err(|e| anyhow!("encoding PNG: {e}"))?;
    Ok(out)
}

/// Size of the probe-traces figure \[px\]: one 230 px panel per group of columns.
pub fn probe_traces_size(groups: &[String]) -> (u32, u32) {
    let mut distinct: Vec<&String> = Vec::new();
    for g in groups {
        if !distinct.contains(&g) {
            distinct.push(g);
        }
    }
    (900, 230 * distinct.len().max(1) as u32)
}

/// The recorded variables of a model run against time: one panel per group of columns
/// (voltages, states of one unit, currents, conductances), in order of first appearance.
pub fn probe_traces<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    traces: &memrc_run::Traces,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut order: Vec<&String> = Vec::new();
    for c in &traces.columns {
        if !order.contains(&&c.group) {
            order.push(&c.group);
        }
    }
    let t_end = traces.t.last().copied().unwrap_or(1.0);
    let (ft, pt) = prefix_for(t_end.abs());
    let t_label = axis_label("t", pt, "s");
    let areas = root.split_evenly((order.len().max(1), 1));
    for (panel_index, group) in order.iter().enumerate() {
        let cols: Vec<&memrc_run::Column> = traces
            .columns
            .iter()
            .filter(|c| &c.group == *group)
            .collect();
        let unit = cols.first().map_or("1", |c| c.unit.as_str()).to_string();
        let mut series: Vec<Line> = cols
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let (x, y): (Vec<f64>, Vec<f64>) = traces
                    .t
                    .iter()
                    .zip(&c.values)
                    // NaN marks a row the probe does not sample (`Column::values`); ±∞ and
                    // huge values stay, for the panel to count as left out.
                    .filter(|(_, y)| !y.is_nan())
                    .map(|(t, y)| (t * ft, *y))
                    .unzip();
                Line {
                    x,
                    ..Line::new(&[], y, colour(j))
                }
                .label(c.name.clone())
            })
            .collect();
        let prefix = if unit == "1" {
            ""
        } else {
            scale_y(&mut series)
        };
        let symbol = group.split(' ').next().unwrap_or(group);
        let what = match series.as_slice() {
            [only] => format!("{group}: {}", only.label.as_deref().unwrap_or_default()),
            _ => group.to_string(),
        };
        let panel_title = if panel_index == 0 {
            format!("{title}: {what}")
        } else {
            what
        };
        if let Some(area) = areas.get(panel_index) {
            series_panel(
                area,
                &panel_title,
                &t_label,
                &axis_label(symbol, prefix, &unit),
                &series,
            )?;
        }
    }
    Ok(())
}

/// Size of the raster and rate figures \[px\].
pub const NETWORK_SIZE: (u32, u32) = (1000, 600);

/// Spike raster of a network run: one dot per spike at (time, global id), coloured by
/// population. Spikes are `times` \[s\] and global `ids`; `populations` are `(name, first id,
/// size)`.
pub fn raster<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    t_end: f64,
    times: &[f64],
    ids: &[u32],
    populations: &[(String, usize, usize)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| drawing(e);
    let n: usize = populations.iter().map(|p| p.2).sum();
    let (ft, pt) = prefix_for(t_end.abs());
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..t_end * ft, 0.0..n.max(1) as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(axis_label("t", pt, "s"))
        .y_desc("neuron id")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    for (k, (name, offset, size)) in populations.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let (lo, hi) = (*offset as u32, (*offset + *size) as u32);
        chart
            .draw_series(
                times
                    .iter()
                    .zip(ids)
                    .filter(|(_, id)| (lo..hi).contains(*id))
                    .map(|(&t, &id)| Pixel::new((t * ft, f64::from(id)), colour)),
            )
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 3), (x + 12, y + 3)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Population rates of a network run against time: `rates` are `(name, rate per bin [Hz])`
/// with bins of `bin` seconds from 0.
pub fn rates<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    bin: f64,
    rates: &[(String, Vec<f64>)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let t_end = rates.iter().map(|r| r.1.len()).max().unwrap_or(1) as f64 * bin;
    let (ft, pt) = prefix_for(t_end);
    let series: Vec<Line> = rates
        .iter()
        .enumerate()
        .map(|(j, (name, r))| {
            let x: Vec<f64> = (0..r.len()).map(|k| (k as f64 + 0.5) * bin * ft).collect();
            Line::new(&x, r.clone(), colour(j)).label(name.clone())
        })
        .collect();
    series_panel(
        &root,
        title,
        &axis_label("t", pt, "s"),
        "rate [Hz]",
        &series,
    )
}

/// A sweep: a metric against the swept value, one line (with markers) per group
/// `(label, x, y)`.
pub fn sweep<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    groups: &[(String, Vec<f64>, Vec<f64>)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let series: Vec<Line> = groups
        .iter()
        .enumerate()
        .map(|(j, (label, x, y))| {
            let line = Line::new(x, y.clone(), colour(j));
            if label.is_empty() {
                line
            } else {
                line.label(label.clone())
            }
        })
        .collect();
    series_panel(&root, title, x_label, y_label, &series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_of_huge_values_stay_finite_and_leave_them_out() {
        let (lo, hi) = range([1e308, -1e308, 1.0, 2.0, f64::NAN].into_iter());
        assert!((hi - lo).is_finite(), "({lo}, {hi})");
        assert!(lo < 1.0 && hi > 2.0 && hi < 3.0, "({lo}, {hi})");
        assert!(!plottable(1e308) && !plottable(f64::NAN) && !plottable(f64::INFINITY));
        assert!(plottable(-1e300) && plottable(0.0));
        // Nothing plottable: a default range.
        assert_eq!(range([f64::NAN, 1e308].into_iter()), (-1.0, 1.0));
    }

    /// Renders `draw` to SVG on a worker thread and returns the text; a render that is not done
    /// after 60 s is a hang (issue #14 §1: a 1e308 trace looped forever in plotters' tick
    /// search). 60 s is a bound on hanging, not a speed requirement: a render takes
    /// milliseconds.
    fn render_svg(
        size: (u32, u32),
        draw: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> Result<()> + Send + 'static,
    ) -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(svg(size, draw).map(|b| String::from_utf8_lossy(&b).into_owned()));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => panic!("the plot failed: {e:#}"),
            Err(_) => panic!("the plot hangs"),
        }
    }

    fn traces(columns: &[(&str, Vec<f64>)]) -> memrc_run::Traces {
        let len = columns.first().map_or(0, |c| c.1.len());
        memrc_run::Traces {
            t: (0..len).map(|k| k as f64 * 1e-3).collect(),
            columns: columns
                .iter()
                .map(|(name, values)| memrc_run::Column {
                    name: (*name).to_string(),
                    unit: "V".into(),
                    group: "voltage".into(),
                    values: values.clone(),
                })
                .collect(),
        }
    }

    /// ±1e308 (finite, beyond [`PLOT_LIMIT`]) and ±∞ next to ordinary data: the plot ends, its
    /// caption counts the points left out, and the ordinary data set the axis (a left-out 1e308
    /// does not pick the prefix "G" and rescale itself into view). NaN in a trace column marks
    /// a row the probe does not sample: not drawn, not counted.
    #[test]
    fn huge_and_non_finite_data_are_left_out_and_counted() {
        let data = traces(&[
            ("a", vec![1e308, -1e308, 0.010, 0.020, 0.015, f64::NAN]),
            (
                "b",
                vec![f64::INFINITY, f64::NEG_INFINITY, 0.0, 0.005, 0.01, 0.02],
            ),
        ]);
        let size = probe_traces_size(&["voltage".to_string()]);
        let text = render_svg(size, move |root| probe_traces(root, "hostile", &data));
        assert!(
            text.contains("(4 points left out: NaN, infinite or beyond ±1e300)"),
            "{}",
            &text[..text.len().min(2000)]
        );
        assert!(text.contains("voltage [mV]"), "the axis is in mV");
        // Only non-plottable data: a default range, every point counted.
        let all_bad = traces(&[("a", vec![f64::INFINITY, 1e308, -f64::MAX])]);
        let text = render_svg(size, move |root| probe_traces(root, "bad", &all_bad));
        assert!(text.contains("(3 points left out"), "all three counted");
    }

    /// A constant series (zero span) and a single sample: a padded range, no hang, nothing
    /// left out.
    #[test]
    fn constant_and_single_sample_series_plot() {
        for values in [vec![0.07; 50], vec![0.0; 50], vec![-0.065], vec![1e300; 3]] {
            let (lo, hi) = range(values.iter().copied());
            assert!(lo < hi && (hi - lo).is_finite(), "{values:?}: ({lo}, {hi})");
            let data = traces(&[("v", values)]);
            let size = probe_traces_size(&["voltage".to_string()]);
            let text = render_svg(size, move |root| probe_traces(root, "constant", &data));
            assert!(!text.contains("left out"));
        }
    }

    /// The other panels take the same path: a sweep with NaN and 1e308 metrics and a rate plot
    /// with a NaN bin end and say what they left out.
    #[test]
    fn sweeps_and_rates_leave_out_what_they_cannot_draw() {
        let groups = vec![(
            "g".to_string(),
            vec![1.0, 2.0, 3.0, 4.0],
            vec![0.5, f64::NAN, 1e308, 0.7],
        )];
        let text = render_svg(NETWORK_SIZE, move |root| {
            sweep(root, "sweep", "x", "metric", &groups)
        });
        assert!(text.contains("(2 points left out"), "sweep");
        let rates_in = vec![("exc".to_string(), vec![5.0, f64::NAN, 7.0])];
        let text = render_svg(NETWORK_SIZE, move |root| {
            rates(root, "rates", 5e-3, &rates_in)
        });
        assert!(text.contains("(1 point left out"), "rates");
    }
}
