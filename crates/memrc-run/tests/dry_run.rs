//! Dry runs (issue #13 §2): rank 0's share of a K-rank model is 1/K of every population and of
//! the synapses; a one-rank dry run is the real run; the communication model is its formula.

use std::path::PathBuf;

use memrc_run::dryrun::{Interconnect, predict};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

#[test]
fn shares_and_predictions_of_cobahh() {
    let net = Interconnect::INFINIBAND_EDR;
    let file = example("cobahh.toml");
    let one = predict(&file, &[], 1, Some("20ms".into()), 1, net).expect("dry run");
    assert_eq!(one.neurons, 4000);
    assert_eq!(one.comm_s_per_step, 0.0);
    assert_eq!(one.steps, 200);
    // One rank: the dry run is the run itself (same spikes).
    let model = memrc_run::load_with_sets(&file, &[], false).expect("loads");
    let ov = memrc_run::Overrides {
        t_end: Some("20ms".into()),
        ..Default::default()
    };
    let out = memrc_run::run(model, &ov, &mut memrc_run::Silent).expect("runs");
    let spikes = out.spikes.len() as f64;
    assert!(
        (one.spikes_per_step * 200.0 - spikes).abs() < 1e-9,
        "{one:?} vs {spikes}"
    );
    assert!(one.synapses > 300_000);
    for k in [4, 16] {
        let p = predict(&file, &[], k, Some("10ms".into()), 1, net).expect("dry run");
        // Every population split evenly (3200 exc + 800 inh).
        assert_eq!(p.neurons, 3200 / k + 800 / k, "{k} ranks");
        // About 1/K of the synapses (binomial in-degrees: within 5 %).
        let want = one.synapses as f64 / k as f64;
        assert!(
            (p.synapses as f64 / want - 1.0).abs() < 0.05,
            "{k}: {} vs {want}",
            p.synapses
        );
        // The model: two all-gathers (lengths, then ids) per step (cobahh.toml's delay is 0).
        assert_eq!(p.exchange_interval, 1);
        let lengths = 4.0 * k as f64;
        let ids = 4.0 * (2.0 * k as f64 + p.spikes_per_step);
        let comm = net.all_gather_s(k, lengths) + net.all_gather_s(k, ids);
        assert_eq!(p.comm_s_per_step, comm);
        assert!((p.exchange_bytes_per_step - lengths - ids).abs() < 1e-9);
        assert!(p.s_per_simulated_s > 0.0 && p.s_per_simulated_s.is_finite());
    }
    // The formula: latency × ceil(log2 K) + bytes × (K − 1)/K / bandwidth.
    let x = Interconnect {
        latency_s: 1e-6,
        bandwidth_bytes_per_s: 1e9,
    };
    assert_eq!(x.all_gather_s(1, 1e6), 0.0);
    assert!((x.all_gather_s(8, 8e3) - (3e-6 + 7e3 / 1e9)).abs() < 1e-18);
    assert!((x.all_gather_s(5, 5e3) - (3e-6 + 4e3 / 1e9)).abs() < 1e-18);
}

#[test]
fn a_dry_run_needs_a_network() {
    let e = predict(
        &example("hh_spike.toml"),
        &[],
        4,
        None,
        1,
        Interconnect::INFINIBAND_EDR,
    )
    .expect_err("a circuit");
    assert!(e.to_string().contains("network"), "{e}");
}
