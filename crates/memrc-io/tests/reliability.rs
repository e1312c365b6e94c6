//! Issue #14 §3 and §4: physical quantities outside their plausible ranges are located load
//! errors naming the value and the range, and error lines are brief (an excerpt of a long
//! value, numbers printed briefly).

mod common;

use common::{assert_edits, example, load_message};

fn text(name: &str) -> String {
    std::fs::read_to_string(example(name)).expect("example")
}

/// The reproducers and the class around them: voltages (initial values, reversal
/// potentials, thresholds, voltage sources) beyond ±10 V, currents beyond ±10 A and current
/// densities beyond ±1000 A/m², each as a string with a unit or as a bare SI number, in a
/// circuit, a network and a Hopfield file. Values at the bounds load.
#[test]
fn implausible_quantities_are_located_load_errors() {
    let hh = text("hh_step.toml");
    assert_edits(
        &hh,
        "hh.toml",
        &[
            (
                "initial = \"rest\"",
                "initial = \"1e300 V\"",
                "hh.toml:17:11: 'initial' = '1e300 V' is outside the plausible range ±10 V of a voltage",
            ),
            (
                "initial = \"rest\"",
                "initial = 1e300",
                "hh.toml:17:11: 'initial' = 1e300 is outside the plausible range ±10 V of a voltage",
            ),
            (
                "initial = \"rest\"",
                "initial = \"-10.5 V\"",
                "hh.toml:17:11: 'initial' = '-10.5 V' is outside the plausible range ±10 V of a voltage",
            ),
            ("initial = \"rest\"", "initial = \"-10 V\"", "loaded"),
            (
                "amplitude = \"10 uA/cm^2\"",
                "amplitude = \"1e300 uA/cm^2\"",
                "hh.toml:39:13: 'amplitude' = '1e300 uA/cm^2' is outside the plausible range ±1000 A/m^2 (±100 mA/cm^2) of a current density",
            ),
            (
                "amplitude = \"10 uA/cm^2\"",
                "amplitude = \"100 mA/cm^2\"",
                "loaded",
            ),
            (
                "amplitude = \"10 uA/cm^2\"",
                "amplitude = \"101 mA/cm^2\"",
                "hh.toml:39:13: 'amplitude' = '101 mA/cm^2' is outside the plausible range ±1000 A/m^2 (±100 mA/cm^2) of a current density",
            ),
        ],
    );
    let channels = text("hh_user_channels.toml");
    assert_edits(
        &channels,
        "ch.toml",
        &[(
            "e_rev = \"50 mV\"",
            "e_rev = \"50 kV\"",
            "ch.toml:17:9: 'e_rev' = '50 kV' is outside the plausible range ±10 V of a voltage",
        )],
    );
    let net = text("small_network.toml");
    assert_edits(
        &net,
        "net.toml",
        &[
            (
                "i_ext = { low = \"0 nA\", high = \"0.4 nA\" }",
                "i_ext = \"1e300 nA\"",
                "net.toml:34:9: 'initial.i_ext' = '1e300 nA' is outside the plausible range ±10 A of a current",
            ),
            (
                "high = \"0.4 nA\"",
                "high = \"11 A\"",
                "net.toml:34:32: 'initial.i_ext' = '11 A' is outside the plausible range ±10 A of a current",
            ),
            (
                "threshold = \"-20 mV\"",
                "threshold = \"-20 V\"",
                "net.toml:19:13: 'threshold' = '-20 V' is outside the plausible range ±10 V of a voltage",
            ),
            (
                "e_rev = \"-80 mV\"",
                "e_rev = \"-80 V\"",
                "net.toml:30:9: 'e_rev' = '-80 V' is outside the plausible range ±10 V of a voltage",
            ),
            (
                "v = { low = \"-70 mV\", high = \"-60 mV\" }",
                "v = { low = \"-70 V\", high = \"-60 mV\" }",
                "net.toml:33:13: 'initial.v' = '-70 V' is outside the plausible range ±10 V of a voltage",
            ),
        ],
    );
    let hop = text("hopfield.toml");
    assert_edits(
        &hop,
        "hop.toml",
        &[
            (
                "initial = [1, -1]",
                "initial = [1e308, -1e308]",
                "hop.toml:14:12: 'initial' = 1e308 is outside the plausible range ±10 V of a voltage",
            ),
            (
                "input = [0.5, -0.3]",
                "input = [0.5, -1e300]",
                "hop.toml:11:15: 'input' = -1e300 is outside the plausible range ±10 A of a current",
            ),
        ],
    );
}

/// Error lines quote an excerpt of a long value and print numbers briefly: a 2 MB bogus
/// value gives a line under 300 characters, and 1e300 prints as 1e300.
#[test]
fn error_lines_are_brief() {
    let hh = text("hh_step.toml");
    let huge = "9".repeat(2 << 20);
    for (from, to) in [
        ("initial = \"rest\"", format!("initial = \"{huge} V\"")),
        ("initial = \"rest\"", format!("initial = \"1 {huge}\"")),
        ("initial = \"rest\"", format!("initial = \"x{huge}\"")),
        (
            "amplitude = \"10 uA/cm^2\"",
            format!("amplitude = \"10 uA/{huge}\""),
        ),
        ("name = \"soma\"", format!("name = \"{huge}\"")),
        (
            "initial = \"rest\"",
            format!("initial = \"rest\"\n{huge} = 1"),
        ),
        (
            "initial = \"rest\"",
            format!("initial = \"rest\"\nx = \"{huge}\""),
        ),
    ] {
        let m = load_message(&common::edited(&hh, from, &to), "hh.toml");
        assert!(
            m.chars().count() < 300,
            "{} chars: {}",
            m.len(),
            &m[..300.min(m.len())]
        );
        assert!(!m.contains('\n'), "{m}");
        assert_ne!(m, "loaded");
    }
    let m = load_message(
        &common::edited(&hh, "initial = \"rest\"", "initial = 1e300"),
        "hh.toml",
    );
    assert!(m.contains("= 1e300 is outside"), "{m}");
    assert_eq!(memrc::error::brief(1e300), "1e300");
    assert_eq!(memrc::error::brief(-6e-9), "-6e-9");
    assert_eq!(memrc::error::excerpt("short"), "short");
    let e = memrc::error::excerpt(&"a".repeat(100));
    assert_eq!(e, format!("{}… (40 more characters)", "a".repeat(60)));
}

/// Issue #14 §4: a circuit without an initial state (a node left at "rest" where the static
/// current has no zero, from `conductance = "-n^4"`) is refused at load with a location,
/// instead of failing in `check` or at the start of the run without one. Since the channel
/// range check (§3) the negative conductance itself is refused first, at `conductance`.
#[test]
fn a_circuit_without_an_initial_state_is_refused_at_load_with_a_location() {
    let text = text("hh_user_channels.toml");
    let m = load_message(
        &common::edited(&text, "conductance = \"n^4\"", "conductance = \"-n^4\""),
        "ch.toml",
    );
    assert_eq!(
        m,
        "ch.toml:26:16: channel 'my-k' conductance: g = gbar·conductance = -360 S/m^2 at n = 1 is negative: a channel's conductance (an open probability times its single-channel conductance) is ≥ 0"
    );
}

/// Network gates start in [0, 1] and receptors decay no faster than 1 µs, located at load
/// (they ended in a non-finite v mid-run, without a location).
#[test]
fn network_gates_and_receptor_times_are_checked_at_load() {
    let net = std::fs::read_to_string(example("small_network.toml")).expect("example");
    let exc_v = "v = { low = \"-70 mV\", high = \"-60 mV\" }";
    let cases: Vec<(String, String)> = vec![
        (
            format!("{exc_v}\nm = 1e30"),
            "'initial.m': a gate starts in [0, 1]".into(),
        ),
        (
            format!("{exc_v}\nh = {{ low = -0.5, high = 0.5 }}"),
            "got -0.5".into(),
        ),
        (
            format!("{exc_v}\nn = [{}]", vec!["1.5"; 80].join(", ")),
            "got 1.5".into(),
        ),
        (
            format!("{exc_v}\nm = 0.05\nh = {{ mean = 0.6, sd = 0.01 }}"),
            "loaded".into(),
        ),
    ];
    for (to, want) in &cases {
        let got = load_message(&net.replacen(exc_v, to, 1), "net.toml");
        assert!(got.contains(want.as_str()), "{to}: {got}");
        if want != "loaded" {
            assert!(got.starts_with("net.toml:3"), "located: {got}");
        }
    }
    let got = load_message(
        &net.replacen("tau = \"5 ms\"", "tau = \"1e-30 ms\"", 1),
        "net.toml",
    );
    assert_eq!(
        got,
        "net.toml:24:7: 'tau' = '1e-30 ms' is below the plausible 1 µs of a synaptic conductance's decay"
    );
}
