//! `[[probe]] variable = "current", source = "vin"` through a run: the column `i_vin_A` is
//! `Circuit::voltage_source_current` at every sample (checked against the closed form of the
//! HP memristor circuits in memrc-io's `tests/voltage_circuits.rs`); unknown sources and a
//! probe naming both an element and a source are located errors.

use memrc::Grid;
use memrc::circuit::relaxation::solve_stepping;
use memrc_io::{ModelKind, Solver, load_str};
use memrc_run::{Overrides, Silent};

/// `examples/hp_voltage_ideal.toml` and its number of lines.
fn example() -> (String, usize) {
    let path = format!(
        "{}/../../examples/hp_voltage_ideal.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("example");
    let lines = text.lines().count();
    (text, lines)
}

#[test]
fn the_column_is_the_source_current() {
    let (text, _) = example();
    let text = format!("{text}\n[[probe]]\nvariable = \"current\"\nsource = \"vin\"\n");
    let model = load_str(&text, "m.toml").unwrap_or_else(|e| panic!("{e}"));
    let ModelKind::Circuit(c) = &model.kind else {
        panic!("a circuit");
    };
    let Solver::Stepping { scheme } = c.simulation.solver else {
        panic!("time stepping");
    };
    let (v0, x0) = c.initial_state().expect("initial state");
    let grid =
        Grid::span(c.simulation.t_start, c.simulation.t_end, c.simulation.steps).expect("grid");
    let sol = solve_stepping(&c.circuit, grid, &v0, &x0, scheme).expect("solves");
    let want: Vec<f64> = (0..grid.len())
        .map(|k| {
            let t = grid.time(k);
            c.circuit
                .voltage_source_current(0, t, sol.v.at(k), sol.x.at(k))
        })
        .collect();
    let out = memrc_run::run(model, &Overrides::default(), &mut Silent).expect("runs");
    let col = out
        .traces
        .columns
        .iter()
        .find(|c| c.name == "i_vin_A")
        .unwrap_or_else(|| panic!("no column i_vin_A"));
    assert_eq!((col.unit.as_str(), col.group.as_str()), ("A", "current"));
    assert_eq!(col.values, want);
    // Not trivial: the 1.5 V sine drives about 0.1 mA through the memristor.
    assert!(
        want.iter().any(|&i| i > 9e-5),
        "{:?}",
        want.iter().fold(0.0_f64, |m, &i| m.max(i))
    );
}

#[test]
fn unknown_sources_are_located() {
    let (text, lines) = example();
    let probe = |keys: &str| format!("{text}\n[[probe]]\nvariable = \"current\"\n{keys}\n");
    let msg = |t: String| {
        load_str(&t, "m.toml")
            .map(|_| ())
            .expect_err("refused")
            .to_string()
    };
    assert_eq!(
        msg(probe("source = \"vim\"")),
        format!(
            "m.toml:{}:10: probe refers to undefined voltage source 'vim' (did you mean 'vin'?); voltage sources: vin",
            lines + 4
        )
    );
    assert_eq!(
        msg(probe("source = \"vin\"\nelement = \"hp\"")),
        format!(
            "m.toml:{}:11: a 'current' probe records an element's port ('element') or a voltage source ('source'), not both",
            lines + 5
        )
    );
}
