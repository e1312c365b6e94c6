//! A network split over ranks ([`super::exchange::InProcess`]: ranks as threads) gives bitwise
//! the single-process results for any ranks × threads (issue #13 §1).

use super::cobahh::Cobahh;
use super::exchange::{Exchange, InProcess};
use super::*;
use crate::circuit::Stimulus;

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|x| x.to_bits()).collect()
}

/// Spike times and ids, recordings, and the final values of `vars` (whole populations).
type Fingerprint = (Vec<u64>, Vec<u32>, Vec<Vec<u64>>, Vec<Vec<u64>>);

fn outputs(out: &RunResult) -> (Vec<u64>, Vec<u32>, Vec<Vec<u64>>) {
    let recs = out
        .recordings
        .iter()
        .flat_map(|r| r.values.iter().map(|v| bits(v)))
        .collect();
    (bits(&out.spikes.times), out.spikes.ids.clone(), recs)
}

/// Runs `net` in the given chunks (`run` one chunk) and joins the chunks' outputs; then the
/// final values of `vars` (this process's neurons).
fn chunked(
    net: &mut Network,
    chunks: &[f64],
    vars: &[(&str, &str)],
    mut run: impl FnMut(&mut Network, f64) -> RunResult,
) -> Fingerprint {
    let mut all: Option<RunResult> = None;
    for &d in chunks {
        let mut r = run(net, d);
        match &mut all {
            None => all = Some(r),
            Some(a) => {
                a.spikes.times.append(&mut r.spikes.times);
                a.spikes.ids.append(&mut r.spikes.ids);
                for (x, y) in a.recordings.iter_mut().zip(r.recordings) {
                    for (row, more) in x.values.iter_mut().zip(y.values) {
                        row.extend(more);
                    }
                }
            }
        }
    }
    let (t, ids, recs) = outputs(&all.expect("ran"));
    let state = vars
        .iter()
        .map(|(p, v)| bits(net.state(p, v).expect("exists")))
        .collect();
    (t, ids, recs, state)
}

/// Runs `b` on one process in the given chunks.
fn single(b: &NetworkBuilder, chunks: &[f64], vars: &[(&str, &str)]) -> Fingerprint {
    let mut net = b.clone().build().expect("valid");
    chunked(&mut net, chunks, vars, |net, d| {
        net.run(d, 1).expect("runs")
    })
}

/// Builds rank r's share of `b` for each of `ranks` ranks (threads of this process) and
/// returns `f(rank's view, its network)` of every rank, in rank order.
fn on_ranks<T: Send>(
    b: &NetworkBuilder,
    ranks: usize,
    f: impl Fn(&InProcess, Network) -> T + Sync,
) -> Vec<T> {
    let views = InProcess::ranks(ranks);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = views
            .iter()
            .map(|ex| {
                let mut b = b.clone();
                s.spawn(move || {
                    b.partition(ex.rank(), ex.ranks());
                    f(ex, b.build().expect("valid"))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("rank thread"))
            .collect()
    })
}

/// Runs `b` on `ranks` ranks of `threads` threads each; every rank's outputs must agree; the
/// state is the ranks' shares concatenated.
fn distributed(
    b: &NetworkBuilder,
    ranks: usize,
    threads: usize,
    chunks: &[f64],
    vars: &[(&str, &str)],
) -> Fingerprint {
    let per_rank: Vec<(Fingerprint, usize)> = on_ranks(b, ranks, |ex, mut net| {
        let options = RunOptions::default().threads(threads);
        assert!(
            net.run_with(0.01, options).is_err(),
            "needs run_distributed"
        );
        let fp = chunked(&mut net, chunks, vars, |net, d| {
            net.run_distributed(d, options, ex).expect("runs")
        });
        (fp, ex.rank())
    });
    let mut state: Vec<Vec<u64>> = vec![Vec::new(); vars.len()];
    let first = &per_rank[0].0;
    for ((fp, _), r) in per_rank.iter().zip(0..) {
        assert!(
            (&fp.0, &fp.1, &fp.2) == (&first.0, &first.1, &first.2),
            "rank {r} of {ranks} has other outputs than rank 0"
        );
        for (s, part) in state.iter_mut().zip(&fp.3) {
            s.extend_from_slice(part);
        }
    }
    (first.0.clone(), first.1.clone(), first.2.clone(), state)
}

fn check(b: &NetworkBuilder, chunks: &[f64], vars: &[(&str, &str)], min_spikes: usize) {
    let reference = single(b, chunks, vars);
    assert!(
        reference.1.len() >= min_spikes,
        "the network is active: {} spikes",
        reference.1.len()
    );
    for (ranks, threads) in [(2, 1), (3, 1), (2, 2), (4, 1), (5, 2)] {
        let got = distributed(b, ranks, threads, chunks, vars);
        assert!(
            got.0 == reference.0 && got.1 == reference.1,
            "{ranks} ranks x {threads} threads: spikes differ ({} vs {})",
            got.1.len(),
            reference.1.len()
        );
        assert!(
            got.2 == reference.2,
            "{ranks} x {threads}: recordings differ"
        );
        assert!(
            got.3 == reference.3,
            "{ranks} x {threads}: final state differs"
        );
    }
}

#[test]
fn cobahh_is_bitwise_the_same_on_1_to_5_ranks() {
    // Delay 0 (direct delivery) and 0.5 ms (ring); dopri5 and exponential Euler; recordings of
    // neurons on every rank; the run split in chunks (pending spikes cross chunk ends).
    for (delay, scheme) in [
        (0.0, Scheme::ExpEuler),
        (5e-4, Scheme::Dopri5 { rtol: 1e-5 }),
    ] {
        let b = Cobahh::new(400, 17)
            .p(0.2)
            .delay(delay)
            .scheme(scheme)
            .record(vec![0, 7, 199, 250, 319])
            .builder();
        let vars = [("exc", "v"), ("exc", "ge"), ("inh", "v"), ("inh", "gi")];
        check(&b, &[0.03, 0.02], &vars, 150);
    }
}

#[test]
fn inputs_lists_delays_random_weights_and_resets_are_bitwise_the_same_on_several_ranks() {
    let mut b = NetworkBuilder::new(1e-4, 5);
    b.population(
        PopulationSpec::new("a", 150, TraubMiles::cobahh())
            .receptor(Receptor::exponential("ge", 5e-3, 0.0))
            .refractory(3e-3)
            .init(
                "v",
                Init::Normal {
                    mean: -0.06,
                    sd: 0.004,
                },
            ),
    );
    b.population(
        PopulationSpec::new("b", 70, HodgkinHuxley::classic())
            .receptor(Receptor::exponential("ge", 3e-3, 0.0))
            .receptor(Receptor::exponential("gi", 8e-3, -0.08))
            .refractory(2e-3),
    );
    // Leaky integrate-and-fire neurons (leak only, reset and hold), gap-coupled among
    // themselves: the reset voltages are what the other ranks' partners read.
    let lif = ChannelNeuron::new(
        Membrane {
            e_leak: -0.070,
            g_leak: 0.5,
            ..Membrane::classic_hh()
        },
        &[],
    )
    .expect("leak only");
    b.population(
        PopulationSpec::new("c", 45, lif)
            .receptor(Receptor::exponential("ge", 5e-3, 0.0))
            .threshold(-0.050)
            .reset(-0.065)
            .refractory(2e-3)
            .init(
                "v",
                Init::Uniform {
                    low: -0.065,
                    high: -0.050,
                },
            )
            .init(
                "i_ext",
                Init::Uniform {
                    low: 0.1e-9,
                    high: 0.4e-9,
                },
            ),
    );
    b.projection(
        ProjectionSpec::new("a", "c", "ge", Connectivity::FixedInDegree(5))
            .weight(Weight::Constant(1e-9)),
    );
    b.projection(
        ProjectionSpec::new("c", "b", "ge", Connectivity::FixedProbability(0.1))
            .weight(Weight::Constant(1e-9))
            .delay(Delay::Constant(5e-4)),
    );
    b.projection(
        ProjectionSpec::gap_junction("c", "c", Connectivity::FixedProbability(0.1))
            .weight(Weight::Constant(0.5e-9)),
    );
    b.projection(
        ProjectionSpec::new("a", "b", "ge", Connectivity::FixedInDegree(12)).weight(
            Weight::Uniform {
                low: 1e-9,
                high: 4e-9,
            },
        ),
    );
    b.projection(
        ProjectionSpec::new("a", "a", "ge", Connectivity::FixedProbability(0.05)).weight(
            Weight::Uniform {
                low: 0.5e-9,
                high: 2e-9,
            },
        ),
    );
    let pairs: Vec<(u32, u32)> = (0..400u32)
        .map(|k| ((k * 7) % 70, (k * 13) % 150))
        .collect();
    let delays: Vec<f64> = (0..400).map(|k| f64::from(k % 9) * 2e-4).collect();
    let weights: Vec<f64> = (0..400).map(|k| 1e-9 + f64::from(k % 5) * 1e-10).collect();
    b.projection(
        ProjectionSpec::new("b", "a", "ge", Connectivity::List(pairs))
            .weight(Weight::Values(weights))
            .delay(Delay::Values(delays)),
    );
    b.projection(
        ProjectionSpec::new("b", "b", "gi", Connectivity::AllToAll)
            .weight(Weight::Constant(0.2e-9))
            .delay(Delay::Constant(1e-3)),
    );
    b.input(InputSpec::poisson("a", "ge", 800.0, 2e-9));
    b.input(
        InputSpec::current(
            "b",
            Stimulus::Pulse {
                amplitude: 3e-9,
                start: 5e-3,
                end: 30e-3,
            },
        )
        .neurons((0..70).step_by(3).collect()),
    );
    b.record(RecordSpec::new("a", "v", vec![0, 75, 149], 5e-4));
    b.record(RecordSpec::new("b", "gi", vec![3, 69], 1e-4));
    b.record(RecordSpec::new("c", "v", vec![0, 22, 44], 1e-4));
    let vars = [
        ("a", "v"),
        ("a", "ge"),
        ("b", "v"),
        ("b", "gi"),
        ("b", "i_ext"),
        ("c", "v"),
        ("c", "ge"),
    ];
    check(&b, &[0.02, 0.025], &vars, 100);
    // The reset population fires (ids 220..265).
    let mut net = b.clone().build().expect("valid");
    let out = net.run(0.045, 1).expect("runs");
    let fired = out.spikes.ids.iter().filter(|&&id| id >= 220).count();
    assert!(fired >= 45, "{fired} spikes of the reset population");
}

#[test]
fn couplings_are_bitwise_the_same_on_several_ranks() {
    let b = super::coupling_tests::mixed(11);
    let vars = [("hh", "v"), ("hh", "n"), ("tm", "v"), ("tm", "ge")];
    check(&b, &[0.02, 0.015], &vars, 50);
}

#[test]
fn a_failure_on_one_rank_stops_every_rank_with_its_message() {
    // Neuron 390 (on the last rank) starts at a voltage that makes it non-finite.
    let b = Cobahh::new(400, 3).p(0.05).builder();
    let errors: Vec<String> = on_ranks(&b, 3, |ex, mut net| {
        if ex.rank() == 2 {
            let lo = net.pops[1].lo;
            net.pops[1].state[0][390 - 320 - lo] = f64::NAN;
        }
        let err = net
            .run_distributed(0.005, RunOptions::default(), ex)
            .expect_err("fails on every rank");
        err.to_string()
    });
    for e in &errors {
        assert!(e.contains("rank 2") && e.contains("neuron 70"), "{e}");
    }
}

#[test]
fn delayed_spikes_are_exchanged_once_per_minimum_delay_and_stay_bitwise() {
    // Every delay at least 0.3 ms (3 steps): the ranks exchange every 4 steps; runs in chunks
    // that are not multiples of that (spikes outstanding at a chunk's end are delivered first).
    let mut b = Cobahh::new(300, 9)
        .p(0.1)
        .delay(4e-4)
        .scheme(Scheme::Exp2)
        .record(vec![1, 150, 239])
        .builder();
    let pairs: Vec<(u32, u32)> = (0..500u32)
        .map(|k| ((k * 11) % 240, (k * 17) % 60))
        .collect();
    let delays: Vec<f64> = (0..500).map(|k| 3e-4 + f64::from(k % 7) * 1e-4).collect();
    b.projection(
        ProjectionSpec::new("exc", "inh", "ge", Connectivity::List(pairs))
            .weight(Weight::Constant(2e-9))
            .delay(Delay::Values(delays)),
    );
    let vars = [("exc", "v"), ("exc", "ge"), ("inh", "ge"), ("inh", "gi")];
    check(&b, &[0.0127, 0.0031, 0.0202], &vars, 100);
    let net = b.clone().build().expect("valid");
    assert_eq!(net.exchange_interval(), 4);
}

/// Counts the collectives of an [`InProcess`] view.
#[derive(Debug)]
struct Counting<'a>(&'a InProcess, std::cell::Cell<u64>);

impl Exchange for Counting<'_> {
    fn rank(&self) -> usize {
        self.0.rank()
    }
    fn ranks(&self) -> usize {
        self.0.ranks()
    }
    fn all_gather_u64(&self, local: &[u64], out: &mut Vec<u64>, counts: &mut Vec<usize>) {
        self.1.set(self.1.get() + 1);
        self.0.all_gather_u64(local, out, counts);
    }
}

#[test]
fn the_exchange_interval_sets_the_number_of_collectives() {
    for (delay, interval) in [(0.0, 1u64), (5e-4, 6)] {
        let b = Cobahh::new(200, 4).p(0.1).delay(delay).builder();
        let calls: Vec<u64> = on_ranks(&b, 2, |v, mut net| {
            let ex = Counting(v, std::cell::Cell::new(0));
            net.run_distributed(0.03, RunOptions::default(), &ex)
                .expect("runs");
            ex.1.get()
        });
        // 300 steps: one all-gather per exchange, plus a fixed few at the end of the run.
        let exchanges = 300u64.div_ceil(interval);
        for c in calls {
            assert!(
                c >= exchanges && c <= exchanges + 8,
                "delay {delay}: {c} collectives for {exchanges} exchanges"
            );
        }
    }
}
