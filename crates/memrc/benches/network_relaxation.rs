//! Cost of the trajectory-space solver on a network with continuous coupling, against time
//! stepping of the same discrete equations: a ring of 24 Hodgkin–Huxley neurons, neighbours
//! joined by gap junctions and kinetic synapses, 20 ms at 0.05 ms (exp2). The solvers agree to
//! 1e-9 mV (`tests/circuits.rs`); this measures what each costs.
//!
//! `cargo bench -p memrc --bench network_relaxation`

use criterion::{Criterion, criterion_group, criterion_main};
use memrc::Grid;
use memrc::circuit::discrete::Coupling;
use memrc::circuit::neuron::hh_ring;
use memrc::circuit::relaxation::{RelaxationOptions, solve_relaxation, solve_stepping};
use memrc::discretisation::LinearStep;

fn bench(c: &mut Criterion) {
    let circuit = hh_ring(24, 5.0, 30.0).expect("valid");
    let (v0, x0) = circuit.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.020, 400).expect("grid");
    let mut g = c.benchmark_group("ring24_20ms");
    g.sample_size(10);
    g.bench_function("time stepping (fixed point per step)", |b| {
        b.iter(|| {
            solve_stepping(&circuit, grid, &v0, &x0, LinearStep::Exponential2).expect("steps")
        })
    });
    for (name, coupling, window) in [
        ("jacobi WR, 5 ms windows", Coupling::Jacobi, Some(0.005)),
        (
            "gauss-seidel WR, 5 ms windows",
            Coupling::GaussSeidel,
            Some(0.005),
        ),
        ("direct WR, whole horizon", Coupling::Direct, None),
    ] {
        let mut opts = RelaxationOptions::default().coupling(coupling).tol(1e-14);
        if let Some(w) = window {
            opts = opts.window(w);
        }
        g.bench_function(name, |b| {
            b.iter(|| solve_relaxation(&circuit, grid, &v0, &x0, opts).expect("converges"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
