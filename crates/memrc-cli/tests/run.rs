//! End-to-end tests of `memrc run`, `memrc check` and `memrc example NAME` on the model files
//! under `examples/`, running the built binary on temporary directories.
//!
//! **Golden summaries.** `tests/golden/<example>.json` holds the key numbers of each example's
//! `summary.json` (solver, steps, iteration counts, per node the final voltage and the spike
//! times, per probe the final value, the energy residual). They are compared with tolerances
//! that mean something: spike counts exactly, spike times to 1 µs (1 % of the 0.1 ms step),
//! final voltages to 1 µV, probe values to 1e-6 relative (+1e-12 absolute), iteration counts
//! to ±2, adaptive step counts to 5 %, and the relative energy residual must stay below
//! 10 × its golden value (or 1e-12). To regenerate them after an intended change, run
//!
//! ```text
//! MEMRC_BLESS=1 cargo test -p memrc-cli --test run
//! ```
//!
//! and review the diff of `tests/golden/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{memrc, memrc_env, path, stderr, stdout, summary};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `memrc run examples/NAME.toml --out DIR --quiet EXTRA`; returns the summary.
fn run_example(name: &str, dir: &Path, extra: &[&str]) -> Value {
    let file = repo().join(format!("examples/{name}.toml"));
    let mut args = vec!["run", path(&file), "--out", path(dir), "--quiet"];
    args.extend_from_slice(extra);
    let o = memrc(&args);
    assert!(o.status.success(), "{name}: {}", stderr(&o));
    summary(dir)
}

/// `DIR/spikes.csv` as text and as its rows `(t [s], id)`, after checking its header and that
/// each spike's population (third column) is the one its id falls in (`summary.json`).
fn spikes_csv(dir: &Path) -> (String, Vec<(f64, u32)>) {
    let csv = std::fs::read_to_string(dir.join("spikes.csv")).expect("spikes.csv");
    let pops = summary(dir)["populations"].clone();
    let population_of = |id: u32| {
        pops.as_array()
            .and_then(|ps| {
                ps.iter().find(|p| {
                    let (o, n) = (p["offset"].as_u64(), p["size"].as_u64());
                    o.zip(n)
                        .is_some_and(|(o, n)| u64::from(id) >= o && u64::from(id) < o + n)
                })
            })
            .and_then(|p| p["name"].as_str())
            .map(String::from)
    };
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("t_s,id,population"));
    let rows = lines
        .map(|l| {
            let mut f = l.split(',');
            let (t, id, pop) = (f.next(), f.next(), f.next());
            let id: u32 = id.and_then(|x| x.parse().ok()).expect("id");
            assert_eq!(pop.map(String::from), population_of(id), "{l}");
            (t.and_then(|x| x.parse().ok()).expect("t"), id)
        })
        .collect();
    (csv, rows)
}

/// `DIR/traces.csv`, after checking its header line and that it has `rows` rows below it.
fn traces_csv(dir: &Path, header: &str, rows: usize) -> String {
    let traces = std::fs::read_to_string(dir.join("traces.csv")).expect("traces.csv");
    assert_eq!(traces.lines().next(), Some(header));
    assert_eq!(traces.lines().count(), 1 + rows);
    traces
}

/// Whether an example file is a spiking network model (`[network]`).
fn is_network(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|t| t.lines().any(|l| l.trim() == "[network]"))
}

/// The circuit and Hopfield examples (network examples have their own tests).
fn example_files() -> Vec<(String, PathBuf)> {
    all_example_files()
        .into_iter()
        .filter(|(_, p)| !is_network(p))
        .collect()
}

/// Every example model file, by name.
fn all_example_files() -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (name, p)
        })
        .collect();
    v.sort();
    assert!(v.len() >= 7, "{v:?}");
    v
}

/// Extra options for long examples.
fn shortening(name: &str) -> &'static [&'static str] {
    match name {
        // 100 ms of repetitive firing: 40 ms keep three spikes and exercise --t-end.
        "hh_step" => &["--t-end", "40 ms"],
        _ => &[],
    }
}

/// Fails the test with a one-line reason unless the error output is one line.
fn assert_one_line_error(o: &Output, what: &str) {
    assert!(!o.status.success(), "{what}: succeeded");
    let e = stderr(o);
    assert_eq!(e.trim_end().lines().count(), 1, "{what}: {e}");
    assert!(e.starts_with("error: "), "{what}: {e}");
}

/// The key numbers of a summary.
fn key_numbers(s: &Value) -> Value {
    let nodes: Vec<Value> = s["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    json!({
                        "name": n["name"],
                        "final_V": n["final_V"],
                        "spike_times_s": n.get("spike_times_s").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let probes: Vec<Value> = s["probes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| json!({ "column": p["column"], "final": p["final"] }))
                .collect()
        })
        .unwrap_or_default();
    let st = &s["solver"]["statistics"];
    json!({
        "model": s["model"],
        "solver": s["solver"]["name"],
        "steps": s["grid"]["steps"],
        "iterations": st.get("iterations").cloned().unwrap_or(Value::Null),
        "accepted_steps": st.get("accepted_steps").cloned().unwrap_or(Value::Null),
        "nodes": nodes,
        "probes": probes,
        "energy_rel_residual": s["energy"]["balance"]["rel_residual"],
        "hopfield_final_state": s["run"].get("final_state").cloned().unwrap_or(Value::Null),
        "hopfield_lyapunov_final": s["run"].get("lyapunov_final").cloned().unwrap_or(Value::Null),
    })
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn close(a: f64, b: f64, abs: f64, rel: f64) -> bool {
    (a - b).abs() <= abs + rel * b.abs()
}

/// Compares key numbers against the golden ones; returns the differences.
fn compare(got: &Value, want: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    for key in ["model", "solver", "steps"] {
        if got[key] != want[key] {
            bad.push(format!("{key}: {} vs golden {}", got[key], want[key]));
        }
    }
    if let (Some(a), Some(b)) = (got["iterations"].as_i64(), want["iterations"].as_i64()) {
        if (a - b).abs() > 2 {
            bad.push(format!("iterations {a} vs golden {b} (±2)"));
        }
    }
    if let (Some(a), Some(b)) = (
        got["accepted_steps"].as_f64(),
        want["accepted_steps"].as_f64(),
    ) {
        if !close(a, b, 2.0, 0.05) {
            bad.push(format!("accepted steps {a} vs golden {b} (5 %)"));
        }
    }
    let empty = Vec::new();
    let gn = got["nodes"].as_array().unwrap_or(&empty);
    let wn = want["nodes"].as_array().unwrap_or(&empty);
    if gn.len() != wn.len() {
        bad.push(format!("{} nodes vs golden {}", gn.len(), wn.len()));
    }
    for (g, w) in gn.iter().zip(wn) {
        let name = &w["name"];
        if !close(f(&g["final_V"]), f(&w["final_V"]), 1e-6, 0.0) {
            bad.push(format!(
                "node {name}: final {} V vs golden {} V (1 µV)",
                g["final_V"], w["final_V"]
            ));
        }
        match (g["spike_times_s"].as_array(), w["spike_times_s"].as_array()) {
            (None, None) => {}
            (Some(a), Some(b)) if a.len() == b.len() => {
                for (x, y) in a.iter().zip(b) {
                    if !close(f(x), f(y), 1e-6, 0.0) {
                        bad.push(format!(
                            "node {name}: spike at {x} s vs golden {y} s (1 µs)"
                        ));
                    }
                }
            }
            (a, b) => bad.push(format!(
                "node {name}: spikes {:?} vs golden {:?}",
                a.map(Vec::len),
                b.map(Vec::len)
            )),
        }
    }
    let gp = got["probes"].as_array().unwrap_or(&empty);
    let wp = want["probes"].as_array().unwrap_or(&empty);
    if gp.len() != wp.len() {
        bad.push(format!("{} probes vs golden {}", gp.len(), wp.len()));
    }
    for (g, w) in gp.iter().zip(wp) {
        if g["column"] != w["column"] || !close(f(&g["final"]), f(&w["final"]), 1e-12, 1e-6) {
            bad.push(format!(
                "probe {}: final {} vs golden {} {}",
                w["column"], g["final"], g["column"], w["final"]
            ));
        }
    }
    if let (Some(a), Some(b)) = (
        got["energy_rel_residual"].as_f64(),
        want["energy_rel_residual"].as_f64(),
    ) {
        if a.abs() > (10.0 * b.abs()).max(1e-12) {
            bad.push(format!(
                "energy relative residual {a:e} vs golden {b:e} (×10)"
            ));
        }
    }
    if let (Some(a), Some(b)) = (
        got["hopfield_final_state"].as_array(),
        want["hopfield_final_state"].as_array(),
    ) {
        for (x, y) in a.iter().zip(b) {
            if !close(f(x), f(y), 1e-9, 1e-9) {
                bad.push(format!("Hopfield final state {x} vs golden {y}"));
            }
        }
    }
    bad
}

/// Checks `traces.npz`: a zip of `.npy` members `t` and one per CSV column, with the CSV's
/// length and first-row values.
fn check_npz(dir: &Path, name: &str) {
    use ndarray::Array1;
    use ndarray_npy::NpzReader;
    let bytes = std::fs::read(dir.join("traces.npz")).expect("traces.npz written");
    assert_eq!(&bytes[..4], b"PK\x03\x04", "{name}: not a zip archive");
    let csv = std::fs::read_to_string(dir.join("traces.csv")).expect("traces.csv written");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let first: Vec<f64> = lines
        .next()
        .expect("a row")
        .split(',')
        .map(|x| x.parse().unwrap_or(f64::NAN))
        .collect();
    let rows = csv.lines().count() - 1;
    let mut npz =
        NpzReader::new(std::fs::File::open(dir.join("traces.npz")).expect("open")).expect("npz");
    let mut names = npz.names().expect("names");
    names.sort();
    // Keys are Python identifiers: the column names with other characters as '_'.
    let key = |h: &str| -> String {
        if h == "t_s" {
            "t".into()
        } else {
            h.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        }
    };
    let mut want: Vec<String> = header.iter().map(|h| key(h)).collect();
    want.sort();
    let strip = |n: &String| n.trim_end_matches(".npy").to_string();
    assert_eq!(
        names.iter().map(strip).collect::<Vec<_>>(),
        want,
        "{name}: npz members"
    );
    for (j, h) in header.iter().enumerate() {
        let key = key(h);
        let a: Array1<f64> = npz.by_name(&key).expect("member reads as float64 1-d");
        assert_eq!(a.len(), rows, "{name}: {key} length");
        assert!(
            a[0] == first[j] || (a[0] - first[j]).abs() <= 1e-15 * first[j].abs(),
            "{name}: {key}[0] = {} vs CSV {}",
            a[0],
            first[j]
        );
    }
}

#[test]
fn every_example_runs_and_matches_its_golden_summary() {
    let bless = std::env::var("MEMRC_BLESS").is_ok_and(|v| v == "1");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (name, file) in example_files() {
        let dir = tmp.path().join(&name);
        let mut args = vec!["run", path(&file), "--out", path(&dir), "--quiet"];
        args.extend_from_slice(shortening(&name));
        let o = memrc(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("wrote"), "{name}: {}", stdout(&o));
        for f in [
            "traces.csv",
            "traces.npz",
            "summary.json",
            "traces.svg",
            "traces.png",
        ] {
            let len = std::fs::metadata(dir.join(f)).map_or(0, |m| m.len());
            assert!(len > 100, "{name}: {f} missing or empty");
        }
        check_npz(&dir, &name);
        let summary: Value =
            serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
                .expect("summary.json parses");
        let got = key_numbers(&summary);
        let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(format!("{name}.json"));
        if bless {
            std::fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir");
            let text = serde_json::to_string_pretty(&got).expect("json") + "\n";
            std::fs::write(&golden, text).expect("write golden");
            continue;
        }
        let want: Value = match std::fs::read(&golden) {
            Ok(b) => serde_json::from_slice(&b).expect("golden parses"),
            Err(_) => {
                failures.push(format!(
                    "{name}: no golden file {} (run with MEMRC_BLESS=1)",
                    golden.display()
                ));
                continue;
            }
        };
        for d in compare(&got, &want) {
            failures.push(format!("{name}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn physical_expectations_of_the_examples() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = |name: &str, extra: &[&str]| -> Value {
        let dir = tmp
            .path()
            .join(format!("{name}{}", extra.join("_").replace(' ', "")));
        run_example(name, &dir, extra)
    };
    // Example 4: one spike near the paper's 21.9 ms; the relaxation converges.
    let s = run("hh_spike", &[]);
    let spikes = s["nodes"][0]["spike_times_s"].as_array().expect("spikes");
    assert_eq!(spikes.len(), 1);
    assert!((f(&spikes[0]) - 0.0219).abs() < 2e-4, "{}", spikes[0]);
    assert!(f(&s["solver"]["statistics"]["final_change_V"]) <= 1e-11);
    // The same model by time stepping and by an ODE method agrees on the spike time (the
    // implicit ODE methods halve a step whose Newton iteration fails on the upstroke).
    for solver in ["stepping", "exp2", "exp-linear", "trapezoid", "dopri5"] {
        let s = run("hh_spike", &["--solver", solver]);
        let sp = s["nodes"][0]["spike_times_s"].as_array().expect("spikes");
        assert_eq!(sp.len(), 1, "{solver}");
        assert!(
            (f(&sp[0]) - f(&spikes[0])).abs() < 1e-4,
            "{solver}: {}",
            sp[0]
        );
        assert_eq!(s["solver"]["name"], solver);
    }
    // Implicit Euler, first order: 0.25 ms early at the example's 0.1 ms step.
    let s = run("hh_spike", &["--solver", "implicit-euler"]);
    let sp = s["nodes"][0]["spike_times_s"].as_array().expect("spikes");
    assert_eq!(sp.len(), 1);
    assert!((f(&sp[0]) - f(&spikes[0])).abs() < 3e-4, "{}", sp[0]);
    // The synapse carries the spike: the postsynaptic neuron fires after the presynaptic one.
    let s = run("two_neurons", &[]);
    let pre = f(&s["nodes"][0]["spike_times_s"][0]);
    let post = f(&s["nodes"][1]["spike_times_s"][0]);
    assert!(post > pre && post < pre + 5e-3, "pre {pre} post {post}");
    // Devices: no spike entries, energy balance to rounding with the exponential scheme.
    let s = run("ideal_memristor", &[]);
    assert!(s["nodes"][0].get("spike_times_s").is_none());
    assert!(f(&s["energy"]["balance"]["rel_residual"]) < 1e-12);
    // Hopfield: L decreases.
    let s = run("hopfield", &[]);
    assert_eq!(s["run"]["lyapunov_decreasing"], true);
}

/// A NaN conductance fails the positivity check of `memrc check` (NaN compares false with 0, so
/// it used to pass as "≥ 0: ok"). A `[[channel]]` whose conductance is NaN on its gates' box is
/// now refused earlier, at load, at its `conductance` key (issue #14 §3).
#[test]
fn check_reports_a_nan_conductance_as_not_positive() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text =
        std::fs::read_to_string(repo().join("examples/hh_user_channels.toml")).expect("reads");
    assert!(text.contains("conductance = \"n^4\""));
    assert!(text.contains("initial = \"rest\""));
    // sqrt(-n) is NaN for every n > 0.
    let file = tmp.path().join("nan_k.toml");
    std::fs::write(
        &file,
        text.replace("conductance = \"n^4\"", "conductance = \"sqrt(-n)\"")
            .replace("initial = \"rest\"", "initial = \"-65 mV\""),
    )
    .expect("writes");
    let o = memrc(&["check", path(&file)]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(
            "nan_k.toml:26:16: channel 'my-k' conductance: g = gbar·conductance = NaN S/m^2 at n = 0.25 is not a number"
        ),
        "{err}"
    );
}

#[test]
fn check_prints_the_rest_state_of_every_example() {
    for (name, file) in example_files() {
        let o = memrc(&["check", path(&file)]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(": valid"), "{name}: {out}");
        assert!(out.contains("expected cost:"), "{name}: {out}");
        assert!(out.contains("assumption checks"), "{name}: {out}");
        if name == "hopfield" {
            assert!(out.contains("initial V"), "{name}: {out}");
        } else {
            assert!(out.contains("rest state:"), "{name}: {out}");
            assert!(out.contains("size: "), "{name}: {out}");
            assert!(out.contains("all positive: ok"), "{name}: {out}");
        }
    }
    let o = memrc(&["check", path(&repo().join("examples/hh_spike.toml"))]);
    let out = stdout(&o);
    // The HH rest state, about -65 mV.
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("v_soma = "))
        .expect("rest voltage line");
    let mv: f64 = line
        .split('=')
        .nth(1)
        .and_then(|s| s.trim().trim_end_matches("mV").trim().parse().ok())
        .expect("a number");
    assert!((mv + 65.0).abs() < 0.1, "{line}");
    assert!(
        out.contains("1 node(s), 3 state(s), 4 unknowns per time, 501 samples"),
        "{out}"
    );
}

#[test]
fn check_refuses_a_run_above_the_memory_limit() {
    let file = repo().join("examples/two_neurons.toml");
    let o = memrc(&["check", path(&file), "--t-end", "1e6 s"]);
    assert_one_line_error(&o, "huge run");
    assert!(stderr(&o).contains("more than the limit"), "{}", stderr(&o));
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let good = repo().join("examples/hh_spike.toml");
    let broken = tmp.path().join("broken.toml");
    let text = std::fs::read_to_string(&good)
        .expect("read")
        .replace("dt = \"0.1 ms\"", "dt = \"0.1 mV\"");
    std::fs::write(&broken, text).expect("write");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["run".into(), path(&tmp.path().join("missing.toml")).into()],
            "cannot read the model file",
        ),
        (
            vec!["run".into(), path(&broken).into()],
            "broken.toml:11:6: 'dt'",
        ),
        (
            vec!["check".into(), path(&broken).into()],
            "broken.toml:11:6: 'dt'",
        ),
        (
            vec!["run".into(), path(&good).into(), "--dt".into(), "0".into()],
            "--dt must be positive",
        ),
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--t-end".into(),
                "-5ms".into(),
            ],
            "must be later than the start",
        ),
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--t-end".into(),
                "0".into(),
            ],
            "must be later than the start",
        ),
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--dt".into(),
                "0.03ms".into(),
            ],
            "not a whole number of steps",
        ),
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--solver".into(),
                "rk5".into(),
            ],
            "unknown --solver 'rk5' (did you mean 'rk4'?)",
        ),
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--dt".into(),
                "1 mV".into(),
            ],
            "expected a time",
        ),
        // A bare number would silently be seconds (200 s, a 10 ms step): refused with a hint.
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--t-end".into(),
                "200".into(),
            ],
            "--t-end 200: give a unit, e.g. 200ms",
        ),
        (
            vec![
                "check".into(),
                path(&good).into(),
                "--dt".into(),
                "0.01".into(),
            ],
            "--dt 0.01: give a unit, e.g. 0.01ms",
        ),
        (
            vec![
                "run".into(),
                path(&good).into(),
                "--format".into(),
                "xls".into(),
            ],
            "unknown --format 'xls'",
        ),
    ];
    for (mut args, needle) in cases {
        if args[0] == "run" {
            args.extend(["--out".into(), path(&out).into()]);
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = memrc(&a);
        assert_one_line_error(&o, needle);
        assert!(stderr(&o).contains(needle), "{needle}: {}", stderr(&o));
        assert!(!out.exists(), "{needle}: output written");
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 1, "{needle}: {left:?}");
    }
}

#[test]
fn an_interrupted_run_leaves_nothing_that_looks_complete() {
    // MEMRC_CANCEL_AFTER_ITERATIONS makes the observer report a Ctrl-C at its N-th call: the
    // same path as a real Ctrl-C (the solver returns Cancelled).
    for (name, solver) in [
        ("hh_spike", "relaxation"),
        ("hh_spike", "stepping"),
        ("memrc_potassium", "dopri5"),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let file = repo().join(format!("examples/{name}.toml"));
        let o = memrc_env(
            &["run", path(&file), "--out", path(&out), "--solver", solver],
            &[("MEMRC_CANCEL_AFTER_ITERATIONS", "3")],
            None,
        );
        assert_eq!(o.status.code(), Some(130), "{solver}: {}", stderr(&o));
        assert_eq!(stderr(&o), "error: interrupted\n", "{solver}");
        assert!(stdout(&o).is_empty(), "{solver}");
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert!(left.is_empty(), "{solver}: left behind {left:?}");
        // Into the directory of a previous run: its files stay as they were, nothing is added.
        std::fs::create_dir(&out).expect("mkdir");
        std::fs::write(out.join("summary.json"), "{}").expect("write");
        let o = memrc_env(
            &["run", path(&file), "--out", path(&out), "--solver", solver],
            &[("MEMRC_CANCEL_AFTER_ITERATIONS", "2")],
            None,
        );
        assert_eq!(o.status.code(), Some(130), "{solver}");
        let left: Vec<_> = std::fs::read_dir(&out)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("summary.json")],
            "{solver}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).expect("kept"),
            "{}"
        );
    }
}

#[test]
fn example_list_and_names_cover_every_model_file() {
    let o = memrc(&["example", "list"]);
    assert!(o.status.success());
    let list = stdout(&o);
    for (name, _) in all_example_files() {
        let listed = list.lines().any(|l| {
            l.split_whitespace().next().map(|n| n.replace('-', "_")) == Some(name.clone())
        });
        assert!(listed, "{name} not in the list:\n{list}");
        // Every file is embedded: --print gives it back verbatim.
        let o = memrc(&["example", &name.replace('_', "-"), "--print"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let text =
            std::fs::read_to_string(repo().join(format!("examples/{name}.toml"))).expect("read");
        assert_eq!(stdout(&o), text, "{name}: embedded copy differs");
    }
    // A model-file example runs from anywhere, into out/NAME by default; both spellings.
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = memrc_env(
        &["example", "ideal-memristor", "--quiet"],
        &[],
        Some(tmp.path()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("out/ideal_memristor/summary.json").exists());
    let dir = tmp.path().join("tn");
    let o = memrc(&[
        "example",
        "two_neurons",
        "--out",
        path(&dir),
        "--t-end",
        "10ms",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("traces.npz").exists());
    // hh_spike is the built-in Figure 3 reproduction under either spelling.
    let dir = tmp.path().join("hh");
    let o = memrc(&["example", "hh_spike", "--out", path(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("figure3.png").exists());
    // Unknown names and options: one line.
    let o = memrc(&["example", "two_neuron"]);
    assert_one_line_error(&o, "unknown example");
    assert!(
        stderr(&o).contains("did you mean 'two_neurons'"),
        "{}",
        stderr(&o)
    );
    let o = memrc(&["example", "hp_memristor", "--bogus"]);
    assert_one_line_error(&o, "unknown option");
}

#[test]
fn dt_override_resamples_probes_and_format_selects_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("o");
    let file = repo().join("examples/hh_step.toml");
    let o = memrc(&[
        "run",
        path(&file),
        "--out",
        path(&dir),
        "--t-end",
        "10ms",
        "--dt",
        "0.1ms",
        "--format",
        "csv",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dir.join("traces.npz").exists());
    let csv = std::fs::read_to_string(dir.join("traces.csv")).expect("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "t_s,v_soma_V,n");
    // 100 steps: v on every row; n every 0.5 ms = every 5th row, empty otherwise.
    assert_eq!(rows.len(), 102);
    assert!(rows[2].ends_with(','), "{}", rows[2]);
    assert!(!rows[6].ends_with(','), "{}", rows[6]);
    // A finer --dt refines the step, not the sampling: v stays every 0.05 ms (the model's dt).
    let fine = tmp.path().join("fine");
    let args = |dir: &Path, dt: &'static str, t_end: &'static str| {
        let o = memrc(&[
            "run",
            path(&file),
            "--out",
            path(dir),
            "--t-end",
            t_end,
            "--dt",
            dt,
            "--format",
            "csv",
            "-q",
        ]);
        (o, std::fs::read_to_string(dir.join("traces.csv")).ok())
    };
    let (o, csv) = args(&fine, "0.0125ms", "10ms");
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = csv.expect("csv");
    assert_eq!(csv.lines().count(), 1 + 201);
    assert!(csv.lines().nth(2).expect("row").starts_with("5e-5,"));
    let s = summary(&fine);
    assert_eq!(s["grid"]["steps"], 800);
    // A step that does not divide a probe's interval is refused, naming the probe.
    let (o, _) = args(&tmp.path().join("odd"), "0.03ms", "6ms");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("'v_soma'") && err.contains("every 0.05 ms") && err.contains("--dt 0.03 ms"),
        "{err}"
    );
}

#[test]
fn the_small_network_runs_and_writes_its_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("net");
    let file = repo().join("examples/small_network.toml");
    let o = memrc(&["run", path(&file), "--out", path(&dir), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("small_network: 100 neurons"), "{out}");
    for f in [
        "spikes.csv",
        "traces.csv",
        "traces.npz",
        "summary.json",
        "raster.svg",
        "raster.png",
        "rate.svg",
        "rate.png",
    ] {
        let len = std::fs::metadata(dir.join(f)).map_or(0, |m| m.len());
        assert!(len > 100, "{f} missing or empty");
    }
    let s: Value = summary(&dir);
    assert_eq!(s["kind"], "network");
    assert_eq!(s["n"], 100);
    assert_eq!(s["steps"], 2000);
    let spikes = s["spikes"].as_u64().expect("spikes");
    assert!(spikes > 0);
    let synapses = s["synapses"].as_u64().expect("synapses");
    assert!(synapses > 80 * 8 + 20 * 80 && synapses < 3000, "{synapses}");
    assert!(f(&s["build_s"]) >= 0.0 && f(&s["sim_s"]) > 0.0, "{s}");
    assert!(f(&s["rate_hz"]["exc"]) > 0.0 && f(&s["rate_hz"]["inh"]) > 0.0);
    assert_eq!(s["warnings"], json!([]));
    // spikes.csv: one line per spike, times on the grid, ids in range.
    let (csv, rows) = spikes_csv(&dir);
    assert_eq!(rows.len() as u64, spikes);
    assert!(
        rows.iter()
            .all(|&(t, id)| t > 0.0 && t <= 0.2 + 1e-12 && id < 100)
    );
    assert!(rows.windows(2).all(|w| w[0].0 <= w[1].0));
    // traces.csv: v of three exc neurons every step and ge of two inh neurons every 1 ms.
    traces_csv(
        &dir,
        "t_s,exc.v[0]_V,exc.v[1]_V,exc.v[2]_V,inh.ge[0]_S,inh.ge[1]_S",
        2000,
    );
    // traces.npz: keys that are Python identifiers; one neurons × samples array per
    // recording with its neuron ids (and its own times when they are not `t`); the spikes with
    // their population.
    use ndarray::{Array1, Array2};
    use ndarray_npy::NpzReader;
    let mut npz =
        NpzReader::new(std::fs::File::open(dir.join("traces.npz")).expect("open")).expect("npz");
    let mut names = npz.names().expect("names");
    names.sort();
    assert_eq!(
        names,
        [
            "exc_v_V",
            "exc_v_V_ids",
            "inh_ge_S",
            "inh_ge_S_ids",
            "inh_ge_S_t",
            "spike_id",
            "spike_population",
            "spike_t",
            "t"
        ]
    );
    let t: Array1<f64> = npz.by_name("spike_t").expect("spike_t");
    let id: Array1<u32> = npz.by_name("spike_id").expect("spike_id");
    let pop: Array1<u16> = npz.by_name("spike_population").expect("spike_population");
    assert_eq!(t.len() as u64, spikes);
    assert_eq!(id.len() as u64, spikes);
    assert_eq!((t[0], id[0]), rows[0]);
    assert!(id.iter().zip(&pop).all(|(&i, &p)| p == u16::from(i >= 80)));
    let times: Array1<f64> = npz.by_name("t").expect("t");
    let v: Array2<f64> = npz.by_name("exc_v_V").expect("v array");
    assert_eq!(v.dim(), (3, 2000));
    assert_eq!(times.len(), 2000);
    let ids: Array1<u64> = npz.by_name("exc_v_V_ids").expect("ids");
    assert_eq!(ids.to_vec(), [0, 1, 2]);
    let ge: Array2<f64> = npz.by_name("inh_ge_S").expect("ge array");
    let ge_t: Array1<f64> = npz.by_name("inh_ge_S_t").expect("ge times");
    assert_eq!(ge.dim(), (2, 200));
    assert_eq!(ge_t.len(), 200);
    assert!(ge.iter().all(|x| x.is_finite()));
    // The CSV's columns are the arrays' rows.
    let csv_v: Vec<f64> = std::fs::read_to_string(dir.join("traces.csv"))
        .expect("traces.csv")
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(2)
                .and_then(|x| x.parse().ok())
                .expect("v[1]")
        })
        .collect();
    assert_eq!(csv_v, v.row(1).to_vec());
    // The same seed gives the same spikes on another run (and any thread count).
    let dir2 = tmp.path().join("net2");
    let o = memrc(&["run", path(&file), "--out", path(&dir2), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(dir2.join("spikes.csv")).expect("spikes"),
        csv.into_bytes()
    );
}

#[test]
fn cobahh_runs_through_the_cli_and_check_reports_its_memory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("cobahh");
    let file = repo().join("examples/cobahh.toml");
    let o = memrc(&["check", path(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("exc: 3200 neurons (global ids 0..3199)"),
        "{out}"
    );
    assert!(out.contains("size: 4000 neurons, up to"), "{out}");
    assert!(out.contains("memory estimate: "), "{out}");
    let o = memrc(&[
        "run",
        path(&file),
        "--out",
        path(&dir),
        "--quiet",
        "--t-end",
        "20 ms",
        "--format",
        "npy",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: Value = summary(&dir);
    assert_eq!(s["n"], 4000);
    assert_eq!(s["steps"], 200);
    let syn = s["synapses"].as_u64().expect("synapses");
    // 0.02 · 4000² = 320000 ± a few sd.
    assert!((syn as f64 - 320_000.0).abs() < 3000.0, "{syn}");
    assert!(!dir.join("spikes.csv").exists());
    // --format npy writes .npy files, not an archive.
    assert!(dir.join("t.npy").exists());
    assert!(!dir.join("traces.npz").exists());
    // --dt does not apply to networks, nor a circuit solver.
    let o = memrc(&["run", path(&file), "--dt", "0.05ms", "--out", path(&dir)]);
    assert_one_line_error(&o, "--dt on a network");
    let o = memrc(&["check", path(&file), "--solver", "rk4"]);
    assert_one_line_error(&o, "--solver rk4 on a network (a circuit solver)");
}

/// `--seed`, `--threads` and `--solver` override a network file: the same seed gives the same
/// spikes for any thread count, another seed another network; the solver is the one asked for.
#[test]
fn seed_threads_and_solver_override_a_network_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = repo().join("examples/small_network.toml");
    let run = |name: &str, extra: &[&str]| {
        let dir = tmp.path().join(name);
        let mut args = vec!["run", path(&file), "--out", path(&dir), "--quiet"];
        args.extend_from_slice(&["--t-end", "20ms"]);
        args.extend_from_slice(extra);
        let o = memrc(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        (spikes_csv(&dir).0, summary(&dir))
    };
    let (a, sa) = run("a", &["--seed", "3", "--threads", "1"]);
    let (b, sb) = run("b", &["--seed", "3", "--threads", "2"]);
    let (c, _) = run("c", &["--seed", "4", "--threads", "1"]);
    assert_eq!(
        (sa["seed"].as_u64(), sb["threads"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(a, b, "same seed, other thread count");
    assert_ne!(a, c, "another seed is another network");
    assert_eq!(sa["solver"], "dopri5", "the default scheme");
    let (_, se) = run("e", &["--solver", "exp-euler"]);
    assert_eq!(se["solver"], "exp-euler");
    let o = memrc(&[
        "run",
        path(&repo().join("examples/hh_step.toml")),
        "--seed",
        "3",
    ]);
    assert_one_line_error(&o, "--seed on a circuit");
}

/// A Hopfield model starting at ±1e308 used to hang in plotting (the padded range overflowed in
/// plotters' tick search). Such an initial value is now a load error (issue #14 §3), and values
/// that grow huge during the run (linear units with W = −35 S·I grow as e^(35 t/C), to ~1e144 V
/// at t = 9.5 s) are an error naming the unit and the time once they leave ±10 V, in one line
/// and without hanging. The plots themselves are tested on huge and non-finite data in
/// `plot.rs`.
#[test]
fn plots_of_huge_values_do_not_hang_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(repo().join("examples/hopfield.toml")).expect("reads");
    let line = |text: &str, key: &str, new: &str| {
        let start = text.find(&format!("\n{key} = ")).expect("the line") + 1;
        let end = start + text[start..].find('\n').expect("line end");
        format!("{}{new}{}", &text[..start], &text[end..])
    };
    let text = line(&text, "weights", "weights = [[-35, 0], [0, -35]]");
    let text = line(&text, "activation", "activation = \"linear\"");
    let text = line(&text, "capacitance", "capacitance = [1, 1]");
    let text = line(&text, "t_end", "t_end = 9.5");
    let file = tmp.path().join("huge.toml");
    std::fs::write(&file, text).expect("writes");
    let dir = tmp.path().join("out");
    let o = memrc(&["run", path(&file), "--out", path(&dir), "--quiet"]);
    assert_one_line_error(&o, "a Hopfield run leaving ±10 V");
    let err = stderr(&o);
    assert!(
        err.contains("the voltage V1 of unit 1 = ")
            && err.contains("outside the plausible range ±10 V"),
        "{err}"
    );
}

#[test]
fn a_broken_network_file_is_one_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(repo().join("examples/small_network.toml"))
        .expect("read")
        .replacen("source = \"inh\"", "source = \"inhh\"", 1);
    let file = tmp.path().join("bad.toml");
    std::fs::write(&file, text).expect("write");
    let out = tmp.path().join("o");
    for args in [
        vec!["run", path(&file), "--out", path(&out)],
        vec!["check", path(&file)],
    ] {
        let cmd = args[0];
        let o = memrc(&args);
        assert_one_line_error(&o, cmd);
        assert!(
            stderr(&o).contains(
                "bad.toml:76:10: 'source': unknown population 'inhh' (did you mean 'inh'?)"
            ),
            "{}",
            stderr(&o)
        );
    }
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn the_hh_gap_ring_runs_and_its_wave_propagates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("ring");
    let s = run_example("hh_gap_ring", &dir, &[]);
    assert_eq!(s["n"], 51);
    // 50 gap junctions, 50 ring synapses and the drive.
    assert_eq!(s["synapses"], 101);
    // About one dopri5 substep per step (speed itself is measured in the benches).
    assert!(f(&s["substeps"]) <= 1.5 * 51.0 * 10_000.0, "{s}");
    let mut by_id: Vec<Vec<f64>> = vec![Vec::new(); 51];
    for (t, id) in spikes_csv(&dir).1 {
        by_id[id as usize].push(t);
    }
    // Every ring neuron fires; the j-th spike of neuron k comes after the j-th of k − 1.
    for k in 1..50 {
        assert!(!by_id[k].is_empty(), "ring neuron {k} never fires");
        for (j, t) in by_id[k].iter().enumerate() {
            let before = by_id[k - 1].get(j).copied().unwrap_or(f64::INFINITY);
            assert!(
                *t > before,
                "spike {j} of neuron {k} at {t} s is not after neuron {}'s ({before} s)",
                k - 1
            );
        }
    }
    // The pacemaker (id 50) drives neuron 0.
    assert!(by_id[50].len() >= 5 && by_id[0][0] > by_id[50][0]);
    // v of five ring neurons, the kinetic conductances onto ring neurons 0 and 1, and v of the
    // pacemaker, every 0.1 ms.
    let traces = traces_csv(
        &dir,
        "t_s,ring.v[0]_V,ring.v[1]_V,ring.v[10]_V,ring.v[25]_V,ring.v[49]_V,\
             ring.drive[0]_S,ring.drive[1]_S,ring.chem[0]_S,ring.chem[1]_S,pacemaker.v[0]_V",
        1000,
    );
    let col = |k: usize| -> Vec<f64> {
        traces
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .nth(k)
                    .expect("column")
                    .parse()
                    .expect("number")
            })
            .collect()
    };
    // Only neuron 0 is driven by the pacemaker (ḡ = 30 nS); neuron 1 receives ring neuron 0's
    // synapse (ḡ = 100 nS) and neuron 0 neuron 49's.
    let (drive0, drive1, chem1) = (col(6), col(7), col(9));
    assert!(drive1.iter().all(|&g| g == 0.0));
    let peak = drive0.iter().copied().fold(0.0, f64::max);
    assert!(
        peak > 1e-9 && peak <= 30e-9,
        "drive onto neuron 0 peaks at {peak} S"
    );
    let peak = chem1.iter().copied().fold(0.0, f64::max);
    assert!(
        peak > 1e-9 && peak <= 100e-9,
        "chem onto neuron 1 peaks at {peak} S"
    );
}

#[test]
fn the_hh_user_network_runs_with_gate_columns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("user");
    let s = run_example("hh_user_network", &dir, &[]);
    assert_eq!(s["n"], 100);
    assert_eq!(s["steps"], 20_000);
    // dopri5 at rtol 1e-4 takes about one substep per step on this model (speed itself is
    // measured in the benches).
    assert!(f(&s["substeps"]) <= 1.5 * 100.0 * 20_000.0, "{s}");
    assert!(
        f(&s["rate_hz"]["exc"]) > 5.0 && f(&s["rate_hz"]["inh"]) > 1.0,
        "{s}"
    );
    // Gates are dimensionless: no unit suffix; v in V.
    traces_csv(
        &dir,
        "t_s,exc.v[0]_V,exc.v[1]_V,exc.m[0],exc.m[1],inh.v[0]_V,inh.n[0]",
        2000,
    );
    // The embedded copy runs as well.
    let o = memrc(&["example", "hh-user-network", "--print"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("model = \"conductance\""));
}

#[test]
fn set_overrides_any_key_with_units_and_names_a_bad_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A stronger, longer pulse over a shorter run: the spike comes earlier than the default's
    // (21.25 ms at 20 uA/cm^2 against 21.5 ms at 10), and the grid follows t_end.
    let s = run_example(
        "hh_spike",
        &tmp.path().join("a"),
        &[
            "--set",
            "stimulus.0.amplitude=20uA/cm^2",
            "--set",
            "simulation.t_end=30 ms",
        ],
    );
    assert_eq!(s["grid"]["steps"], 300);
    let base = run_example("hh_spike", &tmp.path().join("b"), &[]);
    let first = |s: &Value| f(&s["nodes"][0]["spike_times_s"][0]);
    assert!(
        first(&s) < first(&base),
        "{} vs {}",
        first(&s),
        first(&base)
    );
    // Networks: [[population]] entries by name.
    let s = run_example(
        "small_network",
        &tmp.path().join("n"),
        &["--set", "population.exc.size=40", "--set", "network.seed=5"],
    );
    assert_eq!(s["seed"], 5);
    assert_eq!(s["populations"][0]["size"], 40);
    // Bad paths and values: one line naming the --set.
    let file = repo().join("examples/hh_spike.toml");
    for (set, want) in [
        (
            "element.nx.params.gbar=1",
            "--set element.nx.params.gbar=1: no [[element]] named 'nx' (did you mean 'na'?)",
        ),
        (
            "stimulus.0.amplitude=20",
            "--set stimulus.0.amplitude=20: 'amplitude': a bare number is ambiguous",
        ),
        ("simulation", "expected path.key=value"),
    ] {
        let o = memrc(&["check", path(&file), "--set", set]);
        assert_one_line_error(&o, set);
        assert!(stderr(&o).contains(want), "{set}: {}", stderr(&o));
    }
}

#[test]
fn sweep_draws_an_f_i_curve_equal_to_single_runs_for_any_jobs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = repo().join("examples/hh_step.toml");
    let sweep = |jobs: &str, out: &Path| {
        let o = memrc(&[
            "sweep",
            path(&file),
            "--set",
            "stimulus.0.amplitude=linspace(0, 20, 6) uA/cm^2",
            "--jobs",
            jobs,
            "--out",
            path(out),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("6 runs on"), "{}", stdout(&o));
        std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv")
    };
    let one = sweep("1", &tmp.path().join("a"));
    let two = sweep("2", &tmp.path().join("b"));
    assert_eq!(one, two, "the table does not depend on the parallel runs");
    for f in ["sweep.json", "sweep.svg", "sweep.png"] {
        assert!(tmp.path().join("a").join(f).exists(), "{f}");
    }
    let mut lines = one.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(header[0], "stimulus.0.amplitude");
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (rate, count) = (col("rate_hz.soma"), col("spike_count.soma"));
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[2][0], "8 uA/cm^2");
    let rates: Vec<f64> = rows
        .iter()
        .map(|r| r[rate].parse().expect("rate"))
        .collect();
    // No spikes at 0, repetitive firing at 20 uA/cm^2; the f-I curve does not fall.
    assert_eq!(rates[0], 0.0);
    assert!(rates[5] > 50.0, "{rates:?}");
    assert!(rates.windows(2).all(|w| w[1] >= w[0]), "{rates:?}");
    // Each row is the run of the same model with that value set.
    let s = run_example(
        "hh_step",
        &tmp.path().join("single"),
        &["--set", "stimulus.0.amplitude=8 uA/cm^2"],
    );
    assert_eq!(
        s["nodes"][0]["spike_count"].as_f64().expect("count"),
        rows[2][count].parse::<f64>().expect("count")
    );
    // A bad metric names the ones there are; a bad value fails before any run.
    let o = memrc(&[
        "sweep",
        path(&file),
        "--set",
        "stimulus.0.amplitude=1,2 uA/cm^2",
        "--metric",
        "rate",
        "--out",
        path(&tmp.path().join("c")),
    ]);
    assert_one_line_error(&o, "metric");
    assert!(stderr(&o).contains("rate_hz.soma"), "{}", stderr(&o));
    let o = memrc(&[
        "sweep",
        path(&file),
        "--set",
        "stimulus.0.amplitude=1,2",
        "--out",
        path(&tmp.path().join("d")),
    ]);
    assert_one_line_error(&o, "bare values");
    assert!(!tmp.path().join("d").exists());
}

/// A memrc built without the `mpi` feature, started by mpirun with several ranks, refuses to
/// run (every rank would run the whole model into the same directory).
#[cfg(not(feature = "mpi"))]
#[test]
fn without_mpi_a_multi_rank_launch_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let model = repo().join("examples/small_network.toml");
    let o = memrc_env(
        &["run", path(&model), "--out", path(&out)],
        &[("OMPI_COMM_WORLD_SIZE", "2")],
        None,
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.starts_with("error: this memrc was built without MPI"),
        "{err}"
    );
    assert!(err.contains("--features mpi"), "{err}");
    assert!(!out.exists(), "nothing written");
}
