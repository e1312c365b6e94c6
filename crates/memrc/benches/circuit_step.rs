//! Per-step cost of a one-node Hodgkin–Huxley circuit (issue #10 §2; target ≤ 0.3 µs per step
//! on either path): the classic HH membrane (`hh-na`, `hh-k`, `leak`, 1 µF/cm²) under a
//! 10 µA/cm² step from 5 ms, spiking repetitively, 100 ms at dt = 0.1 ms (1000 steps) per
//! iteration, solved
//!
//! - by time stepping of the discrete memRC equations with EXP2
//!   (`circuit::relaxation::solve_stepping`), and
//! - as an ODE with the EXP2 exponential integrator (`solver::solve`, `Method::Linear(exp2)`,
//!   output every step).
//!
//! Criterion reports the time per 1000 steps: divide by 1000 for the cost per step. Run with
//! `cargo bench -p memrc --bench circuit_step`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use memrc::Grid;
use memrc::circuit::neuron::{HhParams, add_hodgkin_huxley};
use memrc::circuit::relaxation::solve_stepping;
use memrc::circuit::system::CircuitSystem;
use memrc::circuit::{Circuit, CircuitBuilder, Stimulus};
use memrc::discretisation::LinearStep;
use memrc::solver::{Config, Method, Output, solve};

const T_END: f64 = 0.1;
const STEPS: usize = 1000;

fn hh() -> Circuit {
    let mut b = CircuitBuilder::new();
    let soma = add_hodgkin_huxley(&mut b, "soma", &HhParams::default()).expect("valid");
    b.source(
        soma,
        Stimulus::Step {
            amplitude: 0.1,
            start: 0.005,
        },
    );
    b.build().expect("valid")
}

fn bench(c: &mut Criterion) {
    let circuit = hh();
    let (v0, x0) = circuit.rest_state().expect("rest");
    let grid = Grid::span(0.0, T_END, STEPS).expect("grid");
    let mut g = c.benchmark_group("hh_circuit_1000_steps");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("stepping_exp2", |b| {
        b.iter(|| {
            let s =
                solve_stepping(&circuit, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
            black_box(s.v.at(STEPS)[0])
        })
    });
    let sys = CircuitSystem::new(&circuit);
    let y0: Vec<f64> = v0.iter().chain(&x0).copied().collect();
    let cfg = Config::fixed(T_END / STEPS as f64).with_t_stops(sys.breakpoints(0.0, T_END));
    g.bench_function("ode_exp2", |b| {
        b.iter(|| {
            let s = solve(
                &sys,
                Method::Linear(LinearStep::Exponential2),
                &cfg,
                0.0,
                &y0,
                T_END,
                Output::Intervals(STEPS),
            )
            .expect("solves");
            black_box(s.last()[0])
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
