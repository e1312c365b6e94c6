//! Cost of the network engine's schemes ([`memrc::net::Scheme`]) per neuron and simulated
//! millisecond, on the work-precision problem of `bench/peers/work_precision.py` (P1): 4000
//! uncoupled Traub–Miles neurons (COBAHH parameters) under constant currents spread evenly over
//! 0.3–1.0 nA, v = −65 mV with the gates at their steady state, threshold 0 mV, dt = 0.1 ms;
//! and on COBAHH (4000 neurons, Brian2's benchmark) with each scheme. One iteration continues
//! the run by 10 ms (100 steps) on one thread. Accuracy of the same schemes: the tests of
//! `crates/memrc/src/net/scheme_tests.rs` and `bench/peers/work_precision.md`.
//!
//! Run with `cargo bench -p memrc --bench net_schemes`; ns per neuron-ms = time / 40 000.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use memrc::net::cobahh::Cobahh;
use memrc::net::{Init, Network, NetworkBuilder, PopulationSpec, Scheme, TraubMiles};

const N: usize = 4000;

/// The P1 population with `scheme`.
fn uncoupled(scheme: Scheme) -> Network {
    let model = TraubMiles::cobahh();
    let mechanisms = model.mechanisms();
    let v0 = -0.065;
    let gate = |c: usize, j: usize| Init::Constant(mechanisms[c].gate_steady_state(j, v0));
    let currents = (0..N)
        .map(|k| (0.3 + 0.7 * k as f64 / (N - 1) as f64) * 1e-9)
        .collect();
    let mut b = NetworkBuilder::new(1e-4, 0);
    b.scheme(scheme);
    b.population(
        PopulationSpec::new("p", N, model)
            .threshold(0.0)
            .refractory(2e-3)
            .init("v", Init::Constant(v0))
            .init("m", gate(0, 0))
            .init("h", gate(0, 1))
            .init("n", gate(1, 0))
            .init("i_ext", Init::Values(currents)),
    );
    b.build().expect("valid network")
}

fn benches(cr: &mut Criterion) {
    let schemes = [
        ("exp-euler", Scheme::ExpEuler),
        ("exp2", Scheme::Exp2),
        ("dopri5_rtol1e-3", Scheme::Dopri5 { rtol: 1e-3 }),
        ("rk23_rtol1e-2", Scheme::Rk23 { rtol: 1e-2 }),
        ("dopri5_rtol1e-4", Scheme::Dopri5 { rtol: 1e-4 }),
        ("dopri5_rtol1e-6", Scheme::Dopri5 { rtol: 1e-6 }),
        ("dopri5_rtol1e-8", Scheme::Dopri5 { rtol: 1e-8 }),
    ];
    for (group, cobahh) in [
        ("traub_uncoupled_4000_10ms", false),
        ("cobahh_4000_10ms", true),
    ] {
        let mut g = cr.benchmark_group(group);
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        // COBAHH: the fixed-step schemes and dopri5 at one tolerance.
        let cases = if cobahh { &schemes[..5] } else { &schemes[..] };
        for &(label, scheme) in cases {
            if cobahh && label.starts_with("dopri5_rtol1e-3") {
                continue;
            }
            let mut net = if cobahh {
                Cobahh::new(N, 1).scheme(scheme).build().expect("valid")
            } else {
                uncoupled(scheme)
            };
            // Past the initial transient.
            net.run(0.02, 1).expect("runs");
            g.bench_function(label, |b| {
                b.iter(|| black_box(net.run(0.01, 1).expect("runs").stats.spikes));
            });
        }
        g.finish();
    }
}

criterion_group!(group, benches);
criterion_main!(group);
