//! The network engine allocates per run (shards, spike lists), never per step: a run of many
//! steps allocates no more than a run of a few, beyond the amortised growth of the spike
//! lists. Counted on the calling thread, so with one thread (which runs on it); the
//! multi-threaded step runs the same per-shard code.

use memrc::net::cobahh::Cobahh;
/// One thread: it runs on the calling thread, the only one `allocation_counter` counts (its
/// counters are thread-local; rayon's workers would not be seen).
const THREADS: usize = 1;

fn allocations_of_a_run(steps: u64) -> u64 {
    let mut net = Cobahh::new(400, 3).p(0.2).build().expect("valid network");
    // A first run starts whatever is started once per network.
    net.run(1e-3, 1).expect("runs");
    let info = allocation_counter::measure(|| {
        net.run(steps as f64 * 1e-4, THREADS).expect("runs");
    });
    info.count_total
}

#[test]
fn a_long_run_allocates_no_more_than_a_short_one() {
    let counts: Vec<u64> = [20, 2000, 20_000]
        .iter()
        .map(|&s| allocations_of_a_run(s))
        .collect();
    eprintln!("allocations for 20, 2000, 20000 steps: {counts:?}");
    assert!(
        counts[0] > 0,
        "the counter counts (a run allocates its shards)"
    );
    // Per-step allocations would add thousands; amortised growth of the spike lists (their
    // capacity doubles when a step has more spikes than any before) adds a few.
    assert!(
        counts[2] <= counts[0] + 16,
        "20000 steps: {} allocations, 20 steps: {}: the step allocates",
        counts[2],
        counts[0]
    );
}
