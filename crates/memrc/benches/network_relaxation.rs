//! Cost of the trajectory-space solver on a network with continuous coupling, against time
//! stepping of the same discrete equations: a ring of 24 Hodgkin–Huxley neurons, neighbours
//! joined by gap junctions and kinetic synapses, 20 ms at 0.05 ms (exp2). The solvers agree to
//! 1e-9 mV (`tests/circuits.rs`); this measures what each costs.
//!
//! `cargo bench -p memrc --bench network_relaxation`

use criterion::{Criterion, criterion_group, criterion_main};
use memrc::Grid;
use memrc::circuit::discrete::Coupling;
use memrc::circuit::neuron::{HhParams, add_hodgkin_huxley};
use memrc::circuit::relaxation::{RelaxationOptions, solve_relaxation, solve_stepping};
use memrc::circuit::{Circuit, CircuitBuilder, NodeId, Stimulus, Terminal};
use memrc::discretisation::LinearStep;
use memrc::element::build;

fn ring(n: usize) -> Circuit {
    let mut b = CircuitBuilder::new();
    let p = HhParams::default();
    let nodes: Vec<NodeId> = (0..n)
        .map(|i| add_hodgkin_huxley(&mut b, &format!("n{i}"), &p).expect("valid"))
        .collect();
    for i in 0..n {
        let (a, c) = (nodes[i], nodes[(i + 1) % n]);
        let gap = build("resistor", &[("g0", 5.0), ("g2", 0.0)]).expect("valid");
        b.branch(format!("gap{i}"), gap, a, c);
        let syn = build("synapse", &[("gbar", 30.0)]).expect("valid");
        b.multiport(
            format!("syn{i}"),
            syn,
            vec![(a.into(), Terminal::Ground), (c.into(), Terminal::Ground)],
        );
    }
    b.source(
        nodes[0],
        Stimulus::Pulse {
            amplitude: 0.2,
            start: 0.002,
            end: 0.004,
        },
    );
    b.build().expect("valid")
}

fn bench(c: &mut Criterion) {
    let circuit = ring(24);
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
