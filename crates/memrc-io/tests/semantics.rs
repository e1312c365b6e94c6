//! What loading means: unit conversion, per-area handling, stimuli from files, probes, Hopfield.

mod common;

use std::path::Path;

use common::close;
use memrc::circuit::Stimulus;
use memrc::hopfield::Hopfield;
use memrc_io::{
    Initial, LoadError, LoadedModel, ModelKind, ProbeTarget, Solver, load_str, load_str_with,
    samples,
};

const PATCH: &str = r#"[model]
name = "patch"
[simulation]
t_end = "10 ms"
dt = "0.1 ms"
[[node]]
name = "a"
capacitance = "1 uF/cm^2"
area = "20000 um^2"
initial = "-65 mV"
[[element]]
name = "k"
kind = "hh-k"
node = "a"
params = { gbar = "36 mS/cm^2" }
[[element]]
name = "l"
kind = "leak"
node = "a"
params = { gbar = "60 nS" }
[[element]]
name = "na"
kind = "hh-na"
node = "a"
[[stimulus]]
node = "a"
kind = "step"
amplitude = "10 uA/cm^2"
"#;

#[test]
fn an_area_converts_per_area_quantities_to_absolute() {
    let m = load_str(PATCH, "patch.toml").expect("loads");
    let c = m.circuit().expect("circuit");
    let area = 2e-8; // 20000 um^2 in m^2
    assert!(close(c.circuit.nodes()[0].capacitance, 0.01 * area));
    let p = |b: usize, name: &str| {
        c.circuit.branches()[b]
            .element
            .param_values()
            .into_iter()
            .find(|(n, _)| *n == name)
            .expect("param")
            .1
    };
    assert!(close(p(0, "gbar"), 360.0 * area)); // given per area
    assert!(close(p(1, "gbar"), 60e-9)); // given absolute
    assert!(close(p(2, "gbar"), 1200.0 * area)); // the per-area default
    assert_eq!(
        c.circuit.sources()[0].stimulus,
        Stimulus::Step {
            amplitude: 0.1 * area,
            start: 0.0
        }
    );
    assert_eq!(c.initial, vec![Initial::Voltage(-0.065)]);
    assert!(matches!(
        c.simulation.solver,
        Solver::Stepping {
            scheme: memrc::discretisation::LinearStep::Exponential2
        }
    ));
    assert_eq!(c.simulation.steps, 100);
    // Default probes: one voltage per node.
    assert_eq!(c.probes.len(), 1);
    assert_eq!(c.probes[0].target, ProbeTarget::Voltage { node: 0 });
    assert_eq!(c.probes[0].name, "v_a");
    let (v0, x0) = c.initial_state().expect("initial");
    assert_eq!(v0, vec![-0.065]);
    assert_eq!(x0.len(), c.circuit.n_states());
}

#[test]
fn the_same_per_area_model_without_area_stays_per_area() {
    let text = PATCH
        .replace("area = \"20000 um^2\"\n", "")
        .replace("\"60 nS\"", "\"0.3 mS/cm^2\"");
    let m = load_str(&text, "x.toml").expect("loads");
    let c = m.circuit().expect("circuit");
    assert!(close(c.circuit.nodes()[0].capacitance, 0.01));
    assert_eq!(
        c.circuit.sources()[0].stimulus,
        Stimulus::Step {
            amplitude: 0.1,
            start: 0.0
        }
    );
}

fn sampled_model(file: &str, extra: &str) -> String {
    format!(
        r#"[model]
name = "s"
[simulation]
t_end = "1 ms"
dt = "0.1 ms"
[[node]]
name = "a"
capacitance = "1 nF"
initial = "0 V"
[[element]]
name = "r"
kind = "resistor"
node = "a"
[[stimulus]]
node = "a"
kind = "samples"
file = "{file}"
{extra}
"#
    )
}

/// Loads a [`sampled_model`] text as `s.toml` with its sample files in `dir`.
fn load_sampled(text: &str, dir: &Path) -> Result<LoadedModel, LoadError> {
    load_str_with(text, "s.toml", Some(dir), &Default::default())
}

#[test]
fn sample_files_in_csv_and_npy() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("in.csv"), "t,i\n0,1\n0.5,2\n1,3\n").expect("write");
    std::fs::write(
        dir.path().join("in.npy"),
        samples::npy_bytes(&[0.0, 0.5, 1.0], &[1.0, 2.0, 3.0]),
    )
    .expect("write");
    for file in ["in.csv", "in.npy"] {
        let text = sampled_model(file, "time_unit = \"ms\"\nunit = \"nA\"");
        let m = load_sampled(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let s = &m.circuit().expect("circuit").circuit.sources()[0].stimulus;
        assert!(
            close(s.value(0.25e-3), 1.5e-9),
            "{file}: {}",
            s.value(0.25e-3)
        );
    }
    // A malformed data file: the model entry's location plus the data file's problem.
    std::fs::write(dir.path().join("bad.csv"), "t,i\n0,1\n1,x\n").expect("write");
    let e = load_sampled(&sampled_model("bad.csv", ""), dir.path()).expect_err("bad file");
    let bad = dir.path().join("bad.csv");
    assert_eq!(
        e.to_string(),
        format!(
            "s.toml:17:8: stimulus file: {}:3: expected two finite numbers 't, i', got '1,x'",
            bad.display()
        )
    );
    // A unit of the wrong dimension for the current column.
    let e =
        load_sampled(&sampled_model("in.csv", "unit = \"mV\""), dir.path()).expect_err("bad unit");
    assert_eq!(
        e.to_string(),
        "s.toml:18:8: 'unit': expected a current (A) or a current density (A/m^2) unit, got 'mV' (a voltage)"
    );
}

#[test]
fn the_hopfield_example_is_the_library_example() {
    let text = include_str!("../../../examples/hopfield.toml");
    let m = load_str(text, "hopfield.toml").expect("loads");
    let ModelKind::Hopfield(h) = &m.kind else {
        panic!("hopfield")
    };
    assert_eq!(h.network, Hopfield::example());
    assert_eq!(h.initial, Hopfield::EXAMPLE_V0.to_vec());
    assert_eq!((h.t_end, h.dt), (20.0, 0.01));
}

#[test]
fn probes_resolve_to_indices() {
    let text = include_str!("../../../examples/two_neurons.toml");
    let m = load_str(text, "two.toml").expect("loads");
    let c = m.circuit().expect("circuit");
    let names: Vec<&str> = c.probes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["v_pre", "v_post", "syn.s", "i_syn.1"]);
    let syn = 6;
    assert_eq!(
        c.probes[2].target,
        ProbeTarget::State {
            branch: syn,
            state: 0,
            index: c.circuit.state_offset(syn)
        }
    );
    assert_eq!(
        c.probes[3].target,
        ProbeTarget::Current {
            branch: syn,
            port: 1
        }
    );
    let Solver::Relaxation(o) = c.simulation.solver else {
        panic!("relaxation")
    };
    assert_eq!(o.window, Some(0.01));
    assert_eq!(o.coupling, memrc::circuit::discrete::Coupling::GaussSeidel);
    // The synapse's molar units are converted to the catalogue's (M, 1/(M s)).
    let p = c.circuit.branches()[syn].element.param_values();
    let get = |n: &str| p.iter().find(|(k, _)| *k == n).expect("param").1;
    assert!(close(get("t_max"), 1e-3));
    assert!(close(get("alpha"), 1.1e6));
    assert!(close(get("gbar"), 10.0));
}
