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
