//! Initial values of states in circuit files (`[[element]] initial = { … }`) and voltage
//! sources (`[[stimulus]] source = "voltage"`): the neuron examples against a high-accuracy
//! solution of the same ODE from the same values (`data/initial_states_reference.json`, plain
//! Python RK4 at a 0.1–0.25 µs step, `bench/peers/initial_states_reference.py`), and the
//! located one-line messages of broken files.

mod common;

use common::assert_edits;
use memrc::Grid;
use memrc::circuit::relaxation::solve_stepping;
use memrc::circuit::system::CircuitSystem;
use memrc::solver::{Config, Crossing, Method, Output, solve};
use memrc_io::{CircuitModel, ModelKind, Solver, load};
use serde_json::Value;

fn reference(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/initial_states_reference.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("JSON");
    v[name].clone()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn model(file: &str) -> CircuitModel {
    match load(common::example(file))
        .unwrap_or_else(|e| panic!("{e}"))
        .kind
    {
        ModelKind::Circuit(c) => c,
        _ => panic!("{file} is a circuit"),
    }
}

/// Spike times \[ms\] of the example's own solver (time stepping) at `steps` steps, on the
/// Hermite interpolant of each step.
fn stepping_spikes(c: &CircuitModel, steps: usize) -> Vec<f64> {
    let Solver::Stepping { scheme } = c.simulation.solver else {
        panic!("time stepping");
    };
    let (v0, x0) = c.initial_state().expect("initial");
    let grid = Grid::span(c.simulation.t_start, c.simulation.t_end, steps).expect("grid");
    let sol = solve_stepping(&c.circuit, grid, &v0, &x0, scheme).expect("solves");
    sol.spike_times_hermite(&c.circuit, 0, 0.0)
        .iter()
        .map(|t| t * 1e3)
        .collect()
}

/// Spike times \[ms\] of Dormand–Prince at rtol 1e-10 from the example's initial state.
fn dopri_spikes(c: &CircuitModel) -> Vec<f64> {
    let sys = CircuitSystem::new(&c.circuit);
    let (v0, x0) = c.initial_state().expect("initial");
    let y0: Vec<f64> = v0.iter().chain(&x0).copied().collect();
    let sim = &c.simulation;
    let config = Config::adaptive(1e-10, 1e-12)
        .with_dt(sim.dt)
        .with_t_stops(sys.breakpoints(sim.t_start, sim.t_end))
        .with_crossings(vec![Crossing {
            component: 0,
            threshold: 0.0,
        }]);
    let sol = solve(
        &sys,
        Method::DormandPrince45,
        &config,
        sim.t_start,
        &y0,
        sim.t_end,
        Output::Intervals(1),
    )
    .expect("solves");
    sol.crossings[0].iter().map(|t| t * 1e3).collect()
}

fn max_gap(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// The example starts at the file's values, converges to the reference at second order (EXP2
/// at its dt and twice it), and Dormand–Prince at rtol 1e-10 agrees to 1e-6 ms.
fn check(file: &str, key: &str, spikes: usize, stepping_tol_ms: f64) {
    let c = model(file);
    let r = reference(key);
    let want = numbers(&r["spikes_ms"]);
    assert_eq!(want.len(), spikes, "{key}: {want:?}");
    assert!(r["richardson_ms"].as_f64().expect("bound") < 1e-8);
    let (v0, x0) = c.initial_state().expect("initial");
    let init = &r["initial"];
    assert_eq!(v0[0] * 1e3, init["v_mV"].as_f64().expect("v"));
    let names = c.circuit.state_names();
    for (state, gate) in [("na.m", "m"), ("na.h", "h"), ("k.n", "n")] {
        let k = names.iter().position(|n| n == state).expect(state);
        assert_eq!(x0[k], init[gate].as_f64().expect("gate"), "{state}");
    }
    let dp = dopri_spikes(&c);
    let e_dp = max_gap(&dp, &want);
    assert!(e_dp < 1e-6, "{key}: dopri5 {dp:?} vs {want:?}");
    let steps = c.simulation.steps;
    let e = max_gap(&stepping_spikes(&c, steps), &want);
    let e2 = max_gap(&stepping_spikes(&c, steps / 2), &want);
    let order = (e2 / e).log2();
    eprintln!(
        "{key}: stepping spike-time errors {e2:.3e} ms (2h), {e:.3e} ms (h), dopri5 {e_dp:.1e} ms"
    );
    assert!(e < stepping_tol_ms, "{key}: {e} ms");
    assert!((order - 2.0).abs() < 0.3, "{key}: {e2}, {e}: order {order}");
}

#[test]
fn hh_from_chosen_gates_matches_the_reference() {
    // One spike at 0.94 ms, no current: the depolarised start with resting gates fires.
    check("hh_initial_gates.toml", "hh_initial_gates", 1, 5e-4);
}

#[test]
fn traub_miles_from_closed_gates_matches_the_reference() {
    check("traub_initial_zero.toml", "traub_initial_zero", 11, 1e-2);
}

/// A circuit with a channel, a device and a voltage source; the cases break one thing each.
const BASE: &str = r#"[model]
name = "base"

[simulation]
t_end = "10 ms"
dt = "0.1 ms"

[[node]]
name = "soma"
capacitance = "1 uF"

[[node]]
name = "in"
capacitance = "1 pF"

[[element]]
name = "na"
kind = "hh-na"
node = "soma"
params = { gbar = "1 uS" }
initial = { m = 0.05, h = 0.6 }

[[element]]
name = "mem"
kind = "hp"
from = "in"
to = "soma"
initial = { x = 0.2 }

[[stimulus]]
node = "in"
source = "voltage"
kind = "sine"
amplitude = "1 V"
frequency = "100 Hz"
"#;

#[test]
fn initial_values_and_voltage_sources_load() {
    let m = load_model(BASE);
    let (v, x) = m.initial_state().expect("initial");
    assert_eq!(v[1], 0.0, "the driven node at V(0) = 0");
    let names = m.circuit.state_names();
    let at = |n: &str| x[names.iter().position(|s| s == n).expect(n)];
    assert_eq!((at("na.m"), at("na.h"), at("mem.x")), (0.05, 0.6, 0.2));
    assert_eq!(m.initial_states.len(), 2, "the gates; x goes through x0");
    assert_eq!(m.initial_states[0].name, "na.h");
    assert!(m.circuit.is_driven(1));
    assert_eq!(m.circuit.voltage_sources()[0].name, "vs_in");
}

#[test]
fn voltage_sources_take_every_waveform_and_per_area_resistances() {
    // A per-area membrane clamped through a specific resistance of 10 kOhm cm^2 = 1 Ohm m^2.
    let text = common::edited(
        BASE,
        "source = \"voltage\"\nkind = \"sine\"\namplitude = \"1 V\"\nfrequency = \"100 Hz\"",
        "source = \"voltage\"\nkind = \"pwl\"\npoints = [[\"0 ms\", \"-65 mV\"], [\"5 ms\", \"-20 mV\"]]",
    );
    let text = format!(
        "{text}\n[[node]]\nname = \"cell\"\ncapacitance = \"1 uF/cm^2\"\n\n[[stimulus]]\nnode = \"cell\"\nsource = \"voltage\"\nkind = \"step\"\namplitude = \"-70 mV\"\nresistance = \"10 kohm*cm^2\"\nname = \"clamp\"\n"
    );
    let m = load_model(&text);
    let vs = m.circuit.voltage_sources();
    assert_eq!(vs.len(), 2);
    assert!(vs[0].is_ideal());
    assert!((vs[0].voltage.value(2.5e-3) - (-0.0425)).abs() < 1e-15);
    assert_eq!(vs[1].name, "clamp");
    let g = vs[1].conductance.expect("series");
    assert!((g - 1.0).abs() < 1e-12, "1/(1 Ohm m^2) = 1 S/m^2, got {g}");
    // The rest state at t_start: the driven node at V(0) = -65 mV, the clamped membrane (no
    // other path to ground) at the clamp's -70 mV.
    let (v, _) = m.initial_state().expect("initial");
    assert_eq!(v[1], -0.065);
    assert!((v[2] + 0.070).abs() < 1e-12, "{}", v[2]);
}

fn load_model(text: &str) -> CircuitModel {
    match memrc_io::load_str(text, "m.toml").expect("loads").kind {
        ModelKind::Circuit(c) => c,
        _ => panic!("circuit"),
    }
}

#[test]
fn broken_initial_values_and_sources_give_located_messages() {
    assert_edits(
        BASE,
        "m.toml",
        &[
            (
                "initial = { m = 0.05, h = 0.6 }",
                "initial = { mm = 0.05 }",
                "m.toml:21:18: element 'na' (kind 'hh-na') has no state 'mm' (did you mean 'm'?); its states: m, h",
            ),
            (
                "initial = { m = 0.05, h = 0.6 }",
                "initial = { m = 1.5 }",
                "m.toml:21:17: element 'na': initial 'm' = 1.5 is outside [0, 1] (a gate or bound fraction)",
            ),
            (
                "initial = { m = 0.05, h = 0.6 }",
                "initial = { m = \"5 mV\" }",
                "m.toml:21:17: 'initial.m': expected a dimensionless number, got 'mV' (a voltage)",
            ),
            (
                "initial = { x = 0.2 }",
                "initial = { x = 1.2 }",
                "m.toml:28:17: element 'mem': initial 'x' = 1.2 is outside the range [0, 1] of kind 'hp'",
            ),
            (
                "initial = { x = 0.2 }",
                "initial = { x = 0.2 }\nparams = { x0 = 0.3 }",
                "m.toml:29:17: element 'mem' gives both params.x0 and initial.x: they set the same initial state; keep one",
            ),
            ("kind = \"hp\"", "kind = \"hp-joglekar\"", "loaded"),
            (
                "kind = \"hp\"\nfrom = \"in\"\nto = \"soma\"\ninitial = { x = 0.2 }",
                "kind = \"hp-joglekar\"\nfrom = \"in\"\nto = \"soma\"\ninitial = { s = 0.2 }",
                "m.toml:28:17: element 'mem': the initial value of state 's' of kind 'hp-joglekar' cannot be set: it follows from 'x' (set that one)",
            ),
            (
                "[[node]]\nname = \"in\"\ncapacitance = \"1 pF\"",
                "[[node]]\nname = \"in\"\ncapacitance = \"1 pF\"\ninitial = \"0.5 V\"",
                "m.toml:15:11: node 'in' is driven by the ideal voltage source 'vs_in', whose voltage it takes at every time: remove its 'initial'",
            ),
            (
                "source = \"voltage\"\nkind = \"sine\"",
                "kind = \"voltage\"",
                "m.toml:32:8: stimulus kind 'voltage': 'kind' is the waveform (pulse, step, sine, pwl, samples); write source = \"voltage\" for a voltage source",
            ),
            (
                "source = \"voltage\"",
                "source = \"volts\"",
                "m.toml:32:10: unknown stimulus source 'volts'; expected one of: current, voltage",
            ),
            (
                "amplitude = \"1 V\"",
                "amplitude = \"1 mA\"",
                "m.toml:34:13: 'amplitude': expected a voltage (V), got 'mA' (a current)",
            ),
            (
                "amplitude = \"1 V\"",
                "amplitude = \"1 V\"\nresistance = \"5 mV\"",
                "m.toml:35:14: 'resistance': expected a resistance (Ohm) or a specific resistance (Ohm*m^2, per-area circuits), got 'mV' (a voltage)",
            ),
            (
                "amplitude = \"1 V\"",
                "amplitude = \"1 V\"\nresistance = \"0 ohm\"",
                "m.toml:35:14: 'resistance' must be > 0, got '0 ohm'",
            ),
            (
                "source = \"voltage\"\nkind = \"sine\"\namplitude = \"1 V\"",
                "kind = \"sine\"\namplitude = \"1 mA\"\nresistance = \"1 kohm\"",
                "m.toml:34:14: key 'resistance' applies only to voltage sources (source = \"voltage\"); this stimulus is a current source",
            ),
            (
                "frequency = \"100 Hz\"",
                "frequency = \"100 Hz\"\n\n[[stimulus]]\nnode = \"in\"\nsource = \"voltage\"\nkind = \"step\"\namplitude = \"1 V\"\nname = \"second\"",
                "m.toml:38:8: node 'in' is already driven by the ideal voltage source 'vs_in': a node takes one ideal source (give one a 'resistance')",
            ),
            (
                "frequency = \"100 Hz\"",
                "frequency = \"100 Hz\"\n\n[[stimulus]]\nnode = \"in\"\nsource = \"voltage\"\nkind = \"step\"\namplitude = \"1 V\"\nresistance = \"1 kohm\"",
                "m.toml:38:8: duplicate voltage-source name 'vs_in' (the default vs_<node>): give each source on this node a 'name'",
            ),
        ],
    );
}
