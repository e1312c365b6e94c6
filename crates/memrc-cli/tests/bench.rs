//! End-to-end tests of `memrc bench cobahh`.

mod common;

use common::{memrc, stderr};
use serde_json::Value;

#[test]
fn cobahh_prints_one_json_object() {
    let o = memrc(&[
        "bench",
        "cobahh",
        "--n",
        "200",
        "--t-end",
        "20ms",
        "--threads",
        "2",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["n"], 200);
    assert_eq!(v["threads"], 2);
    assert_eq!(v["seed"], 3);
    assert_eq!(v["tool"], "memrc");
    assert!((v["t_end"].as_f64().unwrap() - 0.02).abs() < 1e-12);
    for key in [
        "synapses",
        "build_s",
        "sim_s",
        "spikes",
        "mean_rate_hz",
        "neuron_steps_per_s",
        "ns_per_neuron_step",
        "network_bytes",
        "mean_in_degree",
    ] {
        assert!(v[key].is_number(), "{key} missing in {v}");
    }
    assert!(v.get("peak_rss_mb").is_some());
    // p = 0.02: about 0.02·200² = 800 synapses.
    let syn = v["synapses"].as_f64().unwrap();
    assert!((600.0..1000.0).contains(&syn), "{syn}");
    let steps_per_s = v["neuron_steps_per_s"].as_f64().unwrap();
    assert!(steps_per_s > 0.0);
    // Rate consistent with the spike count.
    let rate = v["mean_rate_hz"].as_f64().unwrap();
    let spikes = v["spikes"].as_f64().unwrap();
    assert!((rate - spikes / (200.0 * 0.02)).abs() < 1e-9 * rate.max(1.0));
}

#[test]
fn cobahh_in_degree_sets_p() {
    let o = memrc(&[
        "bench",
        "cobahh",
        "--n",
        "400",
        "--t-end",
        "0.005",
        "--in-degree",
        "20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert!((v["p"].as_f64().unwrap() - 0.05).abs() < 1e-15);
    let d = v["mean_in_degree"].as_f64().unwrap();
    assert!((16.0..24.0).contains(&d), "{d}");
}

#[test]
fn cobahh_bad_input_is_one_line_error() {
    for args in [
        &["--n", "0"][..],
        &["--n", "1"],
        &["--threads", "0"],
        &["--t-end", "0"],
        &["--t-end", "-1"],
        &["--t-end", "nan"],
        &["--p", "1.5"],
        &["--in-degree", "-3"],
        &["--p", "0.1", "--in-degree", "5"],
        // 10^9 neurons at p = 0.02: 2·10^16 synapses.
        &["--n", "1000000000"],
        // Beyond the u32 ids and any memory.
        &["--n", "100000000000", "--p", "0"],
    ] {
        let mut all = vec!["bench", "cobahh"];
        all.extend_from_slice(args);
        let o = memrc(&all);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}
