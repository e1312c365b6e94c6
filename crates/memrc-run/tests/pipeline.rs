//! The run pipeline end to end on small models: summaries, warnings, outputs.

use std::path::Path;

use memrc_run::{Overrides, Silent, SummaryBody};

fn run_file(file: &str) -> memrc_run::RunOutput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let model = memrc_run::load(&path).expect("loads");
    memrc_run::run(model, &Overrides::default(), &mut Silent).expect("runs")
}

#[test]
fn an_energy_balance_beyond_tolerance_is_a_warning_in_the_report_and_summary() {
    let out = run_file("tests/energy_off.toml");
    let SummaryBody::Circuit(c) = &out.summary.body else {
        panic!("a circuit");
    };
    assert!(c.energy.balance.rel_residual.abs() > 0.5);
    let w = c.energy.warning.as_deref().expect("a warning");
    assert!(w.contains("energy balance"), "{w}");
    assert!(
        out.report.contains("warning: the energy balance"),
        "{}",
        out.report
    );
    let json = serde_json::to_value(&out.summary).expect("serialises");
    assert!(json["energy"]["warning"].is_string(), "{json}");
    // A sound model has no warning, and its residual is within the tolerance.
    let out = run_file("../../examples/hh_spike.toml");
    let SummaryBody::Circuit(c) = &out.summary.body else {
        panic!("a circuit");
    };
    assert!(c.energy.warning.is_none());
    assert!(c.energy.balance.rel_residual.abs() <= c.energy.tolerance);
    assert!(!out.report.contains("warning"));
}

/// `memrc run` of a model file in tests/data: its error line.
fn run_error(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let model = memrc_run::load(&path).expect("loads");
    match memrc_run::run(model, &Overrides::default(), &mut Silent) {
        Ok(_) => "ran".into(),
        Err(e) => e.to_string(),
    }
}

/// Issue #14 §3: a state that leaves its physical range during a run is an error naming the
/// variable and the time, for a circuit (node voltages on every sample) and a network (at
/// chunk boundaries), instead of a run that exits 0 with NaN energies or at 5e296 V.
#[test]
fn a_state_leaving_its_physical_range_is_an_error_naming_it_and_the_time() {
    // 1 A into 1 pF ‖ 1 nS from 0.5 ms: the first sample after the pulse starts, 0.51 ms, is
    // I/g·(1 − e^(−g·dt/C)) = 1e9·(1 − e^(−0.01)) V (exact for the default exponential scheme).
    let m = run_error("leaves_range_circuit.toml");
    let (head, tail) = m.split_once(" V at t = ").expect(&m);
    assert_eq!(
        tail,
        "0.51 ms is outside the plausible range ±10 V of a voltage: the model left its physical range"
    );
    let (head, value) = head.rsplit_once(" = ").expect(&m);
    assert_eq!(head, "solving the circuit: the voltage of node 'a'");
    let v: f64 = value.parse().expect(&m);
    let exact = 1e9 * -(-0.01f64).exp_m1();
    assert!((v - exact).abs() <= 1e-9 * exact, "{v} vs {exact}");
    // The network is checked at the end of each chunk (CHUNKS = 100 of the 200 steps), its
    // membranes against ±0.5 V (memrc_io::units::MEMBRANE_VOLTAGE).
    let m = run_error("leaves_range_network.toml");
    let (head, tail) = m.split_once(" V by t = ").expect(&m);
    assert_eq!(
        tail,
        "0.2 ms is beyond the plausible range ±0.5 V of a membrane voltage: the model left its physical range"
    );
    let (head, value) = head.rsplit_once(" = ").expect(&m);
    assert_eq!(
        head,
        "simulating the network: v (membrane voltage) of neuron 0 in population 'p'"
    );
    assert!(value.parse::<f64>().expect(&m) > 0.5, "{m}");
}

/// Issue #14 §3: a gate that leaves [0, 1] (its steady state is 2) is an error naming it. The
/// gate follows n(t) = 2 − 1.5·e^(−t/1 ms) (exact along the file's exp-euler steps: constant
/// tau and inf); it passes 1 at ln 1.5 ms = 0.405 ms, so the first chunk boundary beyond (every
/// 0.2 ms) is 0.6 ms, where n = 2 − 1.5·e^(−0.6).
#[test]
fn a_gate_leaving_zero_one_is_an_error_naming_it() {
    let m = run_error("gate_leaves_range.toml");
    let (head, tail) = m.split_once(" by t = ").expect(&m);
    assert_eq!(
        tail,
        "0.6 ms is outside the range [0, 1] of a gate: the model left its physical range"
    );
    let (head, value) = head.rsplit_once(" = ").expect(&m);
    assert_eq!(
        head,
        "simulating the network: n (gate of channel 'k') of neuron 0 in population 'p'"
    );
    let n: f64 = value.parse().expect(&m);
    let exact = 2.0 - 1.5 * (-0.6f64).exp();
    // The message prints 12 significant digits.
    assert!((n - exact).abs() <= 1e-11, "{n} vs {exact}");
}
