//! Built-in Hodgkin–Huxley channels against the same channels written as expressions
//! ([`memrc::element::expr`]): a 500 ms step-driven HH run (node + Na + K + leak,
//! 10 µA/cm² from 20 ms, dt = 0.1 ms, time stepping of the EXP2 discrete equations), the
//! memconductance operator of the sodium channel alone on the spiking voltage trace, and one
//! evaluation of the linear-form coefficients.
//!
//! Run with `cargo bench -p memrc --bench expr_channel`; the ratio expression/built-in is the
//! figure of merit (target ≤ 3).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use memrc::circuit::neuron::{
    HhChannels, HhParams, hh_circuit, hodgkin_huxley_expression_channels,
};
use memrc::circuit::relaxation::solve_stepping;
use memrc::circuit::{Circuit, Stimulus};
use memrc::discretisation::LinearStep;
use memrc::element::Element;
use memrc::element::channel::hh::HhSodium;
use memrc::element::expr::ExprChannel;
use memrc::memconductance::{Options, memconductance};
use memrc::{Grid, Trajectory};

fn expr_na(p: &HhParams) -> ExprChannel {
    let [na, _, _] = hodgkin_huxley_expression_channels(p).expect("valid channels");
    na
}

fn hh(channels: HhChannels) -> Circuit {
    let step = Stimulus::Step {
        amplitude: 0.1,
        start: 0.020,
    };
    hh_circuit(step, channels).expect("valid circuit").0
}

fn run(c: &Circuit, grid: Grid) -> Vec<f64> {
    let (v0, x0) = c.rest_state().expect("rest");
    solve_stepping(c, grid, &v0, &x0, LinearStep::Exponential2)
        .expect("runs")
        .v
        .component(0)
}

fn benches(cr: &mut Criterion) {
    let grid = Grid::span(0.0, 0.5, 5000).expect("grid");
    let mut g = cr.benchmark_group("hh_500ms_dt0.1");
    g.sample_size(10);
    for (label, channels) in [
        ("builtin", HhChannels::BuiltIn),
        ("expression", HhChannels::Expressions),
    ] {
        let c = hh(channels);
        g.bench_function(label, |b| b.iter(|| run(black_box(&c), grid)));
    }
    g.finish();

    // The memconductance operator of the Na channel alone, on the spiking trace.
    let p = HhParams::default();
    let v = run(&hh(HhChannels::BuiltIn), grid);
    let builtin = HhSodium::build(&[("gbar", p.g_na), ("e_rev", p.e_na)]).expect("valid");
    let ours: Box<dyn Element> = Box::new(expr_na(&p));
    let mut g = cr.benchmark_group("na_memconductance_500ms");
    for (label, el) in [("builtin", &builtin), ("expression", &ours)] {
        let w =
            Trajectory::scalar(grid, v.iter().map(|x| x - el.battery(0)).collect()).expect("trace");
        let mut x0 = vec![0.0; el.n_states()];
        el.initial_state(&[v[0] - el.battery(0)], &mut x0);
        g.bench_function(label, |b| {
            b.iter(|| memconductance(el.as_ref(), black_box(&w), &x0, Options::default()))
        });
    }
    g.finish();

    let mut g = cr.benchmark_group("na_linear_coefficients");
    for (label, el) in [("builtin", &builtin), ("expression", &ours)] {
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        g.bench_function(label, |bn| {
            bn.iter(|| {
                for k in 0..100 {
                    let w = -0.150 + 0.001 * f64::from(k);
                    el.linear_coefficients(black_box(&[w]), &mut a, &mut b);
                    black_box(&a);
                }
            })
        });
    }
    g.finish();
}

criterion_group!(expr_channel, benches);
criterion_main!(expr_channel);
