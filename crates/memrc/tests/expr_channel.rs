//! A Hodgkin–Huxley membrane written with user-defined expression channels runs the same as the
//! built-in one (same formulas: the difference is rounding only). Correctness only; the
//! timing comparison is `benches/expr_channel.rs`.

use memrc::Grid;
use memrc::circuit::neuron::{HhChannels, hh_circuit};
use memrc::circuit::relaxation::solve_stepping;
use memrc::circuit::{Circuit, Stimulus};
use memrc::discretisation::LinearStep;

/// One HH membrane, 10 µA/cm² step at 20 ms; built-in channels or the same as expressions.
fn hh(channels: HhChannels) -> Circuit {
    let step = Stimulus::Step {
        amplitude: 0.1,
        start: 0.020,
    };
    hh_circuit(step, channels).expect("valid circuit").0
}

#[test]
fn expression_hh_matches_builtin_hh_over_500_ms() {
    let grid = Grid::span(0.0, 0.5, 5000).expect("grid");
    let mut runs = Vec::new();
    for channels in [HhChannels::BuiltIn, HhChannels::Expressions] {
        let c = hh(channels);
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
