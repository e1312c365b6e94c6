//! Broken model files and their exact one-line messages.

mod common;

use common::{edited, load_message};
use memrc_io::{LoadOptions, load_str, load_str_with};

/// A small valid model; the cases below break one thing each.
const BASE: &str = r#"[model]
name = "base"

[simulation]
t_end = "50 ms"
dt = "0.1 ms"
solver = "relaxation"

[[node]]
name = "soma"
capacitance = "1 uF/cm^2"

[[element]]
name = "na"
kind = "hh-na"
node = "soma"
params = { gbar = "120 mS/cm^2", e_rev = "50 mV" }

[[element]]
name = "leak"
kind = "leak"
node = "soma"

[[stimulus]]
node = "soma"
kind = "pulse"
amplitude = "10 uA/cm^2"
start = "20 ms"
end = "22 ms"
"#;

#[test]
fn base_loads() {
    load_str(BASE, "m.toml").expect("valid");
}

fn err(text: &str) -> String {
    load_message(text, "m.toml")
}

fn with(from: &str, to: &str) -> String {
    err(&edited(BASE, from, to))
}

const HOPFIELD: &str = r#"[model]
name = "h"

[hopfield]
weights = [[2, 1], [1, 2]]
capacitance = [1, 2]
input = [0.5, -0.3]
initial = [1, -1]
t_end = 20
dt = 0.01
"#;

/// Every case: (what is broken, the loader's message).
fn cases() -> Vec<(&'static str, String)> {
    let h = |a: &str, b: &str| err(&HOPFIELD.replacen(a, b, 1));
    let big = BASE
        .replacen("\"50 ms\"", "\"5000 s\"", 1)
        .replacen("\"0.1 ms\"", "\"1 ns\"", 1);
    let small = load_str_with(
        BASE,
        "m.toml",
        None,
        &LoadOptions::default().memory_limit(1000),
    );
    vec![
        ("unknown key", with("dt = ", "dtt = ")),
        ("unknown section", with("[simulation]", "[simulaton]")),
        ("missing key", with("dt = \"0.1 ms\"\n", "")),
        ("wrong dimension", with("\"120 mS/cm^2\"", "\"120 mV\"")),
        ("unknown unit", with("\"0.1 ms\"", "\"0.1 mss\"")),
        ("ambiguous Ms", with("\"0.1 ms\"", "\"0.1 Ms\"")),
        ("capacitance zero", with("\"1 uF/cm^2\"", "\"0 uF/cm^2\"")),
        ("negative gbar", with("\"120 mS/cm^2\"", "\"-120 mS/cm^2\"")),
        ("dt negative", with("\"0.1 ms\"", "\"-0.1 ms\"")),
        (
            "t_end before start",
            with(
                "t_end = \"50 ms\"",
                "t_start = \"60 ms\"\nt_end = \"50 ms\"",
            ),
        ),
        ("nan", with("dt = \"0.1 ms\"", "dt = nan")),
        (
            "undefined node",
            with("node = \"soma\"\nparams", "node = \"somma\"\nparams"),
        ),
        (
            "duplicate element",
            with("name = \"leak\"", "name = \"na\""),
        ),
        (
            "duplicate node",
            with(
                "[[element]]\nname = \"na\"",
                "[[node]]\nname = \"soma\"\ncapacitance = \"1 uF/cm^2\"\n\n[[element]]\nname = \"na\"",
            ),
        ),
        (
            "unknown kind",
            with("kind = \"hh-na\"", "kind = \"hh-nа2\""),
        ),
        ("unknown param", with("gbar = \"120", "gbr = \"120")),
        (
            "param out of range",
            with("e_rev = \"50 mV\"", "e_rev = \"5 V\""),
        ),
        ("mixed forms", with("\"10 uA/cm^2\"", "\"10 nA\"")),
        (
            "key not for stimulus",
            with("end = \"22 ms\"", "end = \"22 ms\"\nfrequency = \"1 Hz\""),
        ),
        (
            "key not for solver",
            with(
                "solver = \"relaxation\"",
                "solver = \"rk4\"\ntol = \"1 mV\"",
            ),
        ),
        ("unknown solver", with("\"relaxation\"", "\"relaxaton\"")),
        ("not whole steps", with("\"0.1 ms\"", "\"0.3 ms\"")),
        (
            "pulse end before start",
            with("end = \"22 ms\"", "end = \"2 ms\""),
        ),
        (
            "string where table",
            with("[model]\nname = \"base\"", "model = 3"),
        ),
        ("syntax error", with("name = \"base\"", "name = \"base")),
        (
            "missing simulation",
            with(
                "[simulation]\nt_end = \"50 ms\"\ndt = \"0.1 ms\"\nsolver = \"relaxation\"\n",
                "",
            ),
        ),
        (
            "stimulus file missing",
            with(
                "kind = \"pulse\"\namplitude = \"10 uA/cm^2\"\nstart = \"20 ms\"\nend = \"22 ms\"",
                "kind = \"samples\"\nfile = \"nope.csv\"\nunit = \"uA/cm^2\"",
            ),
        ),
        (
            "bad expression",
            with(
                "[[node]]",
                "[[channel]]\nname = \"c\"\ngbar = \"1 mS/cm^2\"\ne_rev = \"0 mV\"\nconductance = \"m^2\"\ngates.m = { alpha = \"0.1*exq(v)\", beta = \"1\" }\n\n[[node]]",
            ),
        ),
        ("hopfield asym", h("[[2, 1], [1, 2]]", "[[2, 1], [0, 2]]")),
        ("hopfield shape", h("[[2, 1], [1, 2]]", "[[2, 1], [1]]")),
        ("hopfield input", h("[0.5, -0.3]", "[0.5]")),
        (
            "hopfield sim",
            err(&format!("{HOPFIELD}\n[simulation]\nt_end = 1\ndt = 1\n")),
        ),
        ("hopfield act", h("t_end", "activation = \"tanhh\"\nt_end")),
        ("memory", err(&big)),
        (
            "memory small",
            small
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string()),
        ),
        (
            "ports",
            with(
                "node = \"soma\"\nparams",
                "ports = [[\"soma\", \"ground\"], [\"soma\", \"ground\"]]\nparams",
            ),
        ),
        (
            "synapse one port",
            with("kind = \"leak\"", "kind = \"synapse\""),
        ),
        (
            "probe state",
            err(&format!(
                "{BASE}\n[[probe]]\nvariable = \"state\"\nelement = \"na\"\nstate = \"n\"\n"
            )),
        ),
        (
            "probe every",
            err(&format!(
                "{BASE}\n[[probe]]\nvariable = \"v\"\nnode = \"soma\"\nevery = \"0.15 ms\"\n"
            )),
        ),
        (
            "area mix",
            with(
                "capacitance = \"1 uF/cm^2\"",
                "capacitance = \"1 uF/cm^2\"\narea = \"100 um^2\"\n\n[[node]]\nname = \"b\"\ncapacitance = \"1 uF/cm^2\"\n\n[[element]]\nname = \"gap\"\nkind = \"synapse\"\nports = [[\"soma\", \"ground\"], [\"b\", \"ground\"]]",
            ),
        ),
        (
            "gate both",
            with(
                "[[node]]",
                "[[channel]]\nname = \"c\"\ngbar = \"1 mS/cm^2\"\ne_rev = \"0 mV\"\nconductance = \"m\"\ngates.m = { alpha = \"1\", tau = \"1\" }\n\n[[node]]",
            ),
        ),
        (
            "cond expr",
            with(
                "[[node]]",
                "[[channel]]\nname = \"c\"\ngbar = \"1 mS/cm^2\"\ne_rev = \"0 mV\"\nconductance = \"m^3*hh\"\ngates.m = { alpha = \"1\", beta = \"1\" }\n\n[[node]]",
            ),
        ),
        (
            "initial",
            with(
                "capacitance = \"1 uF/cm^2\"",
                "capacitance = \"1 uF/cm^2\"\ninitial = \"resting\"",
            ),
        ),
        (
            "output",
            err(&format!("{BASE}\n[output]\nformats = [\"csv\", \"npx\"]\n")),
        ),
        ("bare cap", with("\"1 uF/cm^2\"", "0.01")),
        ("stimulus kind", with("\"pulse\"", "\"puls\"")),
        ("stimulus needs", with("end = \"22 ms\"\n", "")),
        (
            "probe variable",
            err(&format!("{BASE}\n[[probe]]\nvariable = \"stat\"\n")),
        ),
        (
            "probe needs",
            err(&format!("{BASE}\n[[probe]]\nvariable = \"state\"\n")),
        ),
    ]
}

const EXPECTED: &[&str] = &[
    // unknown key
    "m.toml:6:1: unknown key 'dtt' in [simulation] (did you mean 'dt'?)",
    // unknown section
    "m.toml:4:2: unknown section [simulaton] (did you mean '[simulation]'?)",
    // missing key
    "m.toml:4:1: missing key 'dt' in [simulation]",
    // wrong dimension
    "m.toml:17:19: 'gbar': expected a conductance (S) or a conductance density (S/m^2), got 'mV' (a voltage)",
    // unknown unit
    "m.toml:6:11: 'dt' = '0.1 mss': unknown unit 'mss' (did you mean 'ms'?)",
    // ambiguous Ms
    "m.toml:6:11: 'dt' = '0.1 Ms': unit 'Ms' is ambiguous: write 'M*s' (molar times second) or 'ms' (millisecond)",
    // capacitance zero
    "m.toml:11:15: 'capacitance' must be > 0, got '0 uF/cm^2'",
    // negative gbar
    "m.toml:17:19: element 'na': parameter 'gbar' of element 'hh-na' = -1200 S/m^2 is out of range: expected [0, inf) (written '-120 mS/cm^2')",
    // dt negative
    "m.toml:6:6: 'dt' must be > 0, got '-0.1 ms'",
    // t_end before start
    "m.toml:6:9: 't_end' = '50 ms' must be later than t_start = 0.06 s",
    // nan
    "m.toml:6:6: 'dt' must be a finite number, got NaN",
    // undefined node
    "m.toml:16:8: 'node' refers to undefined node 'somma' (did you mean 'soma'?)",
    // duplicate element
    "m.toml:20:8: duplicate element name 'na'",
    // duplicate node
    "m.toml:14:8: duplicate node name 'soma'",
    // unknown kind
    "m.toml:15:8: unknown element kind 'hh-nа2' (did you mean 'hh-na'?): not in the catalogue (memrc element list) nor a [[channel]]",
    // unknown param
    "m.toml:17:18: element kind 'hh-na' has no parameter 'gbr' (did you mean 'gbar'?); its parameters are gbar, e_rev",
    // param out of range
    "m.toml:17:42: element 'na': parameter 'e_rev' of element 'hh-na' = 5 V is out of range: expected [-1, 1] (written '5 V')",
    // mixed forms
    "m.toml:27:13: the stimulus 'amplitude' is absolute (A) but node 'soma' has no area and its capacitance is per area (F/m^2): give the node an 'area' or write both in the same form",
    // key not for stimulus
    "m.toml:30:13: key 'frequency' does not apply to a pulse stimulus (its keys: amplitude, start, end)",
    // key not for solver
    "m.toml:8:1: key 'tol' applies only to solver = 'relaxation'; this model uses 'rk4'",
    // unknown solver
    "m.toml:7:10: unknown solver 'relaxaton' (did you mean 'relaxation'?); expected one of: relaxation, stepping, exp-euler, exp2, exp-linear, implicit-euler, trapezoid, rk4, dopri5, sdirk2",
    // not whole steps
    "m.toml:6:6: the span 0.05 s is not a whole number of steps 'dt' = '0.3 ms' (166.667 steps)",
    // pulse end before start
    "m.toml:29:7: pulse 'end' = '2 ms' is before its start",
    // string where table
    "m.toml:1:9: 'model' in the top level: invalid type: integer '3', expected a table",
    // syntax error
    "m.toml:2:13: invalid basic string, expected '\"'",
    // missing simulation
    "m.toml:1:1: missing section [simulation] (t_end and dt are required)",
    // stimulus file missing
    "m.toml:27:8: stimulus file: cannot read 'nope.csv': No such file or directory (os error 2)",
    // bad expression
    "m.toml:14:26: channel 'c' gates.m.alpha: unknown function 'exq' (did you mean 'exp'?)",
    // hopfield asym
    "m.toml:5:11: [hopfield]: element 'hopfield': W is not symmetric: W[0,1] = 1 but W[1,0] = 0 (|difference| 1e0 > 1e-12·max|W| = 2e-12)",
    // hopfield shape
    "m.toml:5:11: 'weights' must be a 2 × 2 matrix (one row per unit, as many units as capacitances), got 2 row(s) of length(s) [2, 1]",
    // hopfield input
    "m.toml:7:9: 'input' needs 2 value(s), one per unit, got 1",
    // hopfield sim
    "m.toml:12:1: a [hopfield] model cannot also have [simulation] sections (t_end and dt go in [hopfield])",
    // hopfield act
    "m.toml:9:14: unknown activation 'tanhh' (did you mean 'tanh'?); expected one of: tanh, logistic, linear",
    // memory
    "m.toml:6:6: the run would store about 363.8 TiB (5000000000001 samples × 10 values × 8 B), more than the limit of 8.0 GiB: use a larger 'dt' or a shorter span",
    // memory small
    "m.toml:6:6: the run would store about 39.1 KiB (501 samples × 10 values × 8 B), more than the limit of 1000 B: use a larger 'dt' or a shorter span",
    // ports
    "m.toml:16:9: element kind 'hh-na' has 1 port(s), but 2 connection(s) are given",
    // synapse one port
    "m.toml:21:8: element kind 'synapse' has 2 port(s), but 1 connection(s) are given (use ports = [[\"plus\", \"minus\"], …], one pair per port)",
    // probe state
    "m.toml:34:9: element 'na' has no state 'n' (did you mean 'm'?); its states: m, h",
    // probe every
    "m.toml:34:9: 'every' = '0.15 ms' must be a whole multiple of dt = 0.0001 s",
    // area mix
    "m.toml:20:8: the default 'gbar' = 10 S/m^2 of element 'gap' is per area but connects nodes with and without an area: give it in absolute units (S)",
    // gate both
    "m.toml:14:11: gate 'm' of channel 'c' needs either alpha and beta, or tau and inf, or inf alone (an instantaneous gate)",
    // cond expr
    "m.toml:13:20: channel 'c' conductance: unknown gate 'hh' (did you mean 'm'?)",
    // initial
    "m.toml:12:11: 'initial' must be \"rest\" or a voltage such as \"-65 mV\", got 'resting'",
    // output
    "m.toml:32:19: unknown format 'npx' (did you mean 'npz'?); expected one of: csv, npz, npy, sonata",
    // bare cap
    "m.toml:11:15: 'capacitance': a bare number is ambiguous here: expected a capacitance (F) or a capacitance density (F/m^2); write the unit",
    // stimulus kind
    "m.toml:26:8: unknown stimulus kind 'puls' (did you mean 'pulse'?); expected one of: pulse, step, sine, pwl, samples",
    // stimulus needs
    "m.toml:26:8: a pulse stimulus needs 'end'",
    // probe variable
    "m.toml:32:12: unknown probe variable 'stat' (did you mean 'state'?); expected one of: v, state, current, conductance",
    // probe needs
    "m.toml:32:12: a 'state' probe needs 'element'",
];

#[test]
fn broken_files_give_exact_one_line_messages() {
    let cases = cases();
    assert!(cases.len() >= 15);
    let actual: Vec<String> = cases.iter().map(|(_, m)| m.clone()).collect();
    if actual.len() != EXPECTED.len() || actual.iter().zip(EXPECTED).any(|(a, e)| a != e) {
        for (name, m) in &cases {
            eprintln!("    // {name}\n    {m:?},");
        }
    }
    for ((name, got), want) in cases.iter().zip(EXPECTED) {
        assert_eq!(got, want, "{name}");
        assert!(!got.contains('\n'), "{name}: one line");
        assert!(got.starts_with("m.toml:"), "{name}: file:line:col");
    }
    assert_eq!(actual.len(), EXPECTED.len());
}
