//! How the cost of a neuron-step grows with N when nothing but the neurons themselves is
//! simulated: Traub–Miles neurons with two (idle) exponential receptors, a constant drive and
//! no synapses, 0.1 s at 1 thread. Separates the memory traffic of the neuron state (streamed
//! from L3 or DRAM once it outgrows L2) from spike delivery in the COBAHH scaling series
//! (`bench/peers/run.sh --scaling`).
//!
//! `cargo bench -p memrc --bench net_streaming` (prints one line per size, 3 repetitions).

use memrc::net::{Init, NetworkBuilder, PopulationSpec, Receptor, TraubMiles};

fn main() {
    let sizes = [4000usize, 16_000, 64_000, 256_000, 1_000_000];
    println!("N, ns per neuron-step (3 runs, alternating sizes), mean rate [Hz]");
    let mut results = vec![Vec::new(); sizes.len()];
    let mut rates = vec![0.0; sizes.len()];
    for _ in 0..3 {
        for (k, &n) in sizes.iter().enumerate() {
            let mut b = NetworkBuilder::new(1e-4, 1);
            b.population(
                PopulationSpec::new("x", n, TraubMiles::cobahh())
                    .receptor(Receptor::exponential("ge", 5e-3, 0.0))
                    .receptor(Receptor::exponential("gi", 10e-3, -0.08))
                    .refractory(3e-3)
                    .init(
                        "v",
                        Init::Normal {
                            mean: -0.065,
                            sd: 0.005,
                        },
                    )
                    .init(
                        "i_ext",
                        Init::Uniform {
                            low: 0.0,
                            high: 1e-9,
                        },
                    ),
            );
            let Ok(mut net) = b.build() else {
                eprintln!("N = {n}: cannot build");
                return;
            };
            match net.run(0.1, 1) {
                Ok(out) => {
                    results[k].push(out.stats.ns_per_neuron_step);
                    rates[k] = out.mean_rate();
                }
                Err(e) => {
                    eprintln!("N = {n}: {e}");
                    return;
                }
            }
        }
    }
    for ((n, r), rate) in sizes.iter().zip(&results).zip(&rates) {
        let mut r = r.clone();
        r.sort_by(f64::total_cmp);
        println!(
            "{n}, {:.2} (min {:.2}, max {:.2}), {rate:.1}",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1]
        );
    }
}
