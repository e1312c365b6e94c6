//! Figures of `memrc example …`: the paper's Figure 3 for `hh-spike` and the voltage and `L`
//! traces of `hopfield`, drawn with the bundled font (see [`crate::plot`]).

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::example::HhRun;
use crate::plot::{COLOURS, FIGURE, Frame, Line, drawing, panel, tick, y_range};
use memrc::hopfield::HopfieldRun;

/// Size of Figure 3 \[px\].
pub const FIGURE3_SIZE: (u32, u32) = (1280, 900);
/// Size of the Hopfield figure \[px\].
pub const HOPFIELD_SIZE: (u32, u32) = (960, 760);

const RED: RGBColor = RGBColor(214, 39, 40);
/// Time range of the iterates panel \[ms\]: the iterates differ only around the spike.
const ZOOM: (f64, f64) = (15.0, 40.0);

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
    let s = &run.settings;
    let title = format!(
        "Hodgkin–Huxley spike (paper Example 4, Figure 3): scheme {}{}, {} steps of {} ms",
        s.scheme.name(),
        if s.newton { " + Newton" } else { "" },
        s.steps,
        tick(run.grid.dt() * 1e3)
    );
    let root = root.titled(&title, ("sans-serif", 22)).map_err(drawing)?;
    let (top, bottom) = root.split_vertically(50.percent_height());
    let (top_l, top_r) = top.split_horizontally(50.percent_width());
    let (bot_l, bot_r) = bottom.split_horizontally(62.percent_width());
    let t = run.t_ms();
    let x_range = (t[0], t[t.len() - 1]);
    let t_label = "t [ms]";

    let v = vec![Line::new(&t, run.v_mv(), COLOURS[0])];
    panel(
        &top_l,
        &FIGURE,
        &Frame {
            title: "time stepping: membrane voltage",
            x_label: t_label,
            y_label: "v [mV]",
            x: x_range,
            y: y_range(&v),
        },
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
        &FIGURE,
        &Frame {
            title: "time stepping: gating variables",
            x_label: t_label,
            y_label: "m, h, n [1]",
            x: x_range,
            y: (-0.03, 1.03),
        },
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
        &FIGURE,
        &Frame {
            title: &format!("alternating iteration: iterates 1–{k_max} (light → dark), 15–40 ms"),
            x_label: t_label,
            y_label: "v [mV]",
            x: ZOOM,
            y: y_range(&iters),
        },
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
        &FIGURE,
        &Frame {
            title: "external current",
            x_label: t_label,
            y_label: "i [µA/cm²]",
            x: x_range,
            y: (lo.min(-0.5), hi.max(0.5)),
        },
        &cur,
        None,
    )
}

/// The Hopfield figure: node voltages `V_k` (and outputs `Φ_k`, dashed) against time, and
/// `L = ½ΦᵀWΦ − IᵀΦ` decreasing.
pub fn hopfield<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, run: &HopfieldRun) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let root = root
        .titled(
            "Hopfield network C dV/dt = −W Φ(V) + I (paper eq. 50)",
            ("sans-serif", 22),
        )
        .map_err(drawing)?;
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
    // Both panels: against time, scaled to their lines, legend at the upper right.
    let traces = |area: &DrawingArea<DB, Shift>, title: &str, y_label: &str, lines: &[Line]| {
        let frame = Frame {
            title,
            x_label: "t [C/W]",
            y_label,
            x: x_range,
            y: y_range(lines),
        };
        panel(
            area,
            &FIGURE,
            &frame,
            lines,
            Some(SeriesLabelPosition::UpperRight),
        )
    };
    traces(
        &top,
        "node voltages V and outputs Φ(V)",
        "V, Φ [normalised]",
        &lines,
    )?;
    let l = vec![
        Line::new(&t, run.lyapunov.component(0), COLOURS[3]).label("L = ½ΦᵀWΦ − IᵀΦ".to_string()),
    ];
    traces(
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
        "L [normalised]",
        &l,
    )
}
