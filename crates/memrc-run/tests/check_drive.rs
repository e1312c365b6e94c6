//! `memrc check` on circuit files lists each voltage source (node, waveform, voltage at the
//! start, ideal or behind its resistance) and each state value set in the file.

use memrc_io::load;
use memrc_run::{Overrides, check};

fn report(example: &str) -> String {
    let path = format!("{}/../../examples/{example}", env!("CARGO_MANIFEST_DIR"));
    let model = load(&path).unwrap_or_else(|e| panic!("{e}"));
    check(model, &Overrides::default()).expect("checks").text
}

#[test]
fn voltage_sources_and_initial_states_are_listed() {
    let series = report("hp_voltage_series.toml");
    assert!(
        series.contains("\n  voltage source vin: node mid, sine, V(0) = 0 V, behind 1000 Ohm\n"),
        "{series}"
    );
    let ideal = report("hp_voltage_ideal.toml");
    assert!(
        ideal.contains(
            "\n  voltage source vin: node top, sine, V(0) = 0 V, ideal (the node takes its voltage)\n"
        ),
        "{ideal}"
    );
    let hh = report("hh_initial_gates.toml");
    for line in [
        "initial na.h = 0.6 (set in the file)",
        "initial na.m = 0.05 (set in the file)",
        "initial k.n = 0.32 (set in the file)",
    ] {
        assert!(hh.contains(&format!("\n  {line}\n")), "{line}: {hh}");
    }
    assert!(!hh.contains("voltage source"), "{hh}");
}
