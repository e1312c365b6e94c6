//! Network neuron kernels side by side: the built-in classic HH network model
//! ([`memrc::net::HodgkinHuxley`], the generic mechanism kernel over the catalogue channels,
//! vectorised with a polynomial `exp`) against the same neuron written as user-defined
//! expression channels ([`memrc::net::ChannelNeuron`]), evaluated a block at a time (the
//! default) and neuron by neuron; and the hand-fused Traub–Miles kernel of COBAHH
//! ([`memrc::net::TraubMiles`]) against the generic kernel running the same mechanisms. N = 4000
//! neurons with a random constant drive, sparse excitatory and inhibitory exponential synapses
//! (p = 0.02), dt = 0.01 ms, 5 ms (500 steps) per iteration on one thread.
//!
//! Run with `cargo bench -p memrc --bench expr_neuron`; the ratios expression/built-in and
//! generic/fused are the figures of merit.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use memrc::element::expr::ExprChannelSpec;
use memrc::net::{
    ChannelNeuron, Connectivity, HodgkinHuxley, Init, Network, NetworkBuilder, NeuronModel,
    PopulationSpec, ProjectionSpec, Receptor, TraubMiles, Weight,
};

const N: usize = 4000;

fn expr_hh(block: bool) -> ChannelNeuron {
    let p = HodgkinHuxley::classic();
    let channels = ExprChannelSpec::hodgkin_huxley((p.g_na, p.e_na), (p.g_k, p.e_k));
    ChannelNeuron::new(p.membrane(), &channels)
        .expect("valid channels")
        .with_block_evaluation(block)
}

fn network(model: impl NeuronModel + 'static) -> Network {
    let mut b = NetworkBuilder::new(1e-5, 1);
    b.population(
        PopulationSpec::new("p", N, model)
            .receptor(Receptor::exponential("ge", 5e-3, 0.0))
            .receptor(Receptor::exponential("gi", 10e-3, -0.080))
            .refractory(2e-3)
            .init(
                "v",
                Init::Uniform {
                    low: -0.070,
                    high: -0.060,
                },
            )
            .init("m", Init::Constant(0.05))
            .init("h", Init::Constant(0.6))
            .init("n", Init::Constant(0.32))
            .init(
                "i_ext",
                Init::Uniform {
                    low: 0.5e-9,
                    high: 3e-9,
                },
            ),
    );
    for (receptor, w) in [("ge", 0.2e-9), ("gi", 0.5e-9)] {
        b.projection(
            ProjectionSpec::new("p", "p", receptor, Connectivity::FixedProbability(0.02))
                .weight(Weight::Constant(w)),
        );
    }
    b.build().expect("valid network")
}

fn benches(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("hh_network_4000_5ms");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let tm = TraubMiles::cobahh();
    let traub_generic = ChannelNeuron::with_mechanisms(tm.membrane(), tm.mechanisms().into())
        .expect("valid mechanisms");
    let cases: [(&str, Network); 5] = [
        ("builtin", network(HodgkinHuxley::classic())),
        ("expression_block", network(expr_hh(true))),
        ("expression_scalar", network(expr_hh(false))),
        // The hand-fused Traub–Miles kernel (COBAHH) against the generic mechanism kernel
        // running the same channels: the measurement that keeps the fused kernel.
        ("traub_fused", network(tm)),
        ("traub_generic", network(traub_generic)),
    ];
    for (label, mut net) in cases {
        g.bench_function(label, |b| {
            b.iter(|| black_box(net.run(0.005, 1).expect("runs").stats.spikes));
        });
    }
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
