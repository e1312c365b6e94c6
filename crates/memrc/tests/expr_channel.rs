//! A Hodgkin–Huxley membrane written with user-defined expression channels runs the same as the
//! built-in one (same formulas: the difference is rounding only). Correctness only; the
//! timing comparison is `benches/expr_channel.rs`.

use memrc::Grid;
use memrc::circuit::neuron::{HhParams, add_hodgkin_huxley, hodgkin_huxley_expression_channels};
use memrc::circuit::relaxation::solve_stepping;
use memrc::circuit::{Circuit, CircuitBuilder, Stimulus};
use memrc::discretisation::LinearStep;

/// One HH membrane, 10 µA/cm² step at 20 ms; built-in channels or the same as expressions.
fn hh(expressions: bool) -> Circuit {
    let p = HhParams::default();
    let mut b = CircuitBuilder::new();
    let node = if expressions {
        let node = b.node("hh", p.c);
        let [na, k, l] = hodgkin_huxley_expression_channels(&p).expect("valid channels");
        b.channel("hh.na", Box::new(na), node);
        b.channel("hh.k", Box::new(k), node);
        b.channel("hh.leak", Box::new(l), node);
        node
    } else {
        add_hodgkin_huxley(&mut b, "hh", &p).expect("valid")
    };
    b.source(
        node,
        Stimulus::Step {
            amplitude: 0.1,
            start: 0.020,
        },
    );
    b.build().expect("valid circuit")
}

#[test]
fn expression_hh_matches_builtin_hh_over_500_ms() {
    let grid = Grid::span(0.0, 0.5, 5000).expect("grid");
    let mut runs = Vec::new();
    for expressions in [false, true] {
        let c = hh(expressions);
        let (v0, x0) = c.rest_state().expect("rest");
        let sol = solve_stepping(&c, grid, &v0, &x0, LinearStep::Exponential2).expect("runs");
        runs.push(sol);
    }
    let (a, b) = (runs[0].v.component(0), runs[1].v.component(0));
    let diff = a
        .iter()
        .zip(&b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
    // A spike train: the step drives repetitive firing.
    let spikes = runs[0].spike_times(0, 0.0);
    assert!(spikes.len() > 20, "{} spikes", spikes.len());
    assert!(diff * 1e3 <= 1e-9, "max |Δv| = {:e} mV", diff * 1e3);
}
