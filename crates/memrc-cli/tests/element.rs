//! End-to-end tests of `memrc element …`, running the built binary on temporary directories.

mod common;

use common::{assert_fails, csv, memrc, number, stderr, stdout, summary};
use serde_json::Value;

const FILES: [&str; 4] = ["traces.csv", "summary.json", "lissajous.svg", "traces.svg"];

fn catalogue() -> Vec<&'static memrc::KindInfo> {
    memrc::element::Catalogue::all().map(|e| e.info).collect()
}

#[test]
fn list_names_every_catalogue_kind() {
    let o = memrc(&["element", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let names: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let kinds = catalogue();
    assert!(!kinds.is_empty());
    for k in &kinds {
        assert!(names.contains(&k.name), "{} missing from:\n{text}", k.name);
    }
    assert_eq!(names.len(), kinds.len());
}

#[test]
fn info_shows_the_parameter_table() {
    for k in catalogue() {
        let o = memrc(&["element", "info", k.name]);
        assert!(o.status.success(), "{}: {}", k.name, stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(k.source), "{text}");
        for p in k.params {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().next() == Some(p.name))
                .unwrap_or_else(|| panic!("{}: no row for {}", k.name, p.name));
            assert!(line.contains(&p.range_text()), "{line}");
        }
    }
}

fn expected_header(k: &memrc::KindInfo) -> Vec<String> {
    let tag = |u: &str| u.replace('/', "_per_").replace('^', "");
    let (i, g) = (tag(k.current_unit), tag(k.conductance_unit));
    let mut h = vec!["t_s".to_string()];
    if k.ports == 1 {
        h.extend(["v_V".into(), format!("i_{i}"), format!("g_{g}")]);
    } else {
        h.extend((1..=k.ports).map(|p| format!("v{p}_V")));
        h.extend((1..=k.ports).map(|p| format!("i{p}_{i}")));
        for r in 1..=k.ports {
            h.extend((1..=k.ports).map(|c| format!("g{r}{c}_{g}")));
        }
    }
    for s in k.states {
        h.push(if s.unit == "1" {
            s.name.to_string()
        } else {
            format!("{}_{}", s.name, tag(s.unit))
        });
    }
    if k.states.is_empty() {
        // Composite elements (the π network) name their states per part, without units.
        let el = memrc::element::build(k.name, &[]).expect("catalogue element builds");
        h.extend(el.state_names());
    }
    h
}

/// The identities of eq. (29a), (31) and (33d) hold to 1e-9 (relative).
fn assert_identities_hold(doc: &Value, name: &str) {
    for key in [
        "dissipation_identity_rel_error",
        "cocontent_identity_rel_error",
        "gradient_identity_rel_error",
    ] {
        let e = number(doc, key);
        assert!(e < 1e-9, "{name}: {key} = {e}");
    }
}

#[test]
fn every_kind_runs_with_its_default_drive() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for k in catalogue() {
        let dir = tmp.path().join(k.name);
        let o = memrc(&[
            "element",
            k.name,
            "--out",
            dir.to_str().expect("utf-8 path"),
        ]);
        assert!(o.status.success(), "{}: {}", k.name, stderr(&o));
        for f in FILES {
            let len = std::fs::metadata(dir.join(f))
                .unwrap_or_else(|_| panic!("{}: {f} missing", k.name))
                .len();
            assert!(len > 0, "{}: {f} empty", k.name);
        }
        // No staging directories are left behind.
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        let (header, cols) = csv(&dir.join("traces.csv"));
        assert_eq!(header, expected_header(k), "{}", k.name);
        let rows = cols[0].len();
        assert!(rows > 100, "{}", k.name);
        for row in [0, rows - 1] {
            assert!(cols.iter().all(|c| c[row].is_finite()));
        }

        let doc: Value = summary(&dir);
        let per_area = k.current_unit.ends_with("/m^2");
        let (energy, gmin) = if per_area {
            ("dissipated_energy_J_per_m2", "min_conductance_S_per_m2")
        } else {
            ("dissipated_energy_J", "min_conductance_S")
        };
        for key in [
            energy,
            gmin,
            "passive",
            "pinched",
            "dissipation_identity_rel_error",
            "cocontent_identity_rel_error",
            "gradient_identity_rel_error",
            "parameters",
            "drive",
            "units",
            "positivity",
            "fading_memory",
            "hysteresis_sweep",
            "degenerate_metric_samples",
        ] {
            assert!(doc.get(key).is_some(), "{}: no {key}", k.name);
        }
        assert_eq!(doc["element"], k.name);
        assert_eq!(doc["passive"], true, "{}", k.name);
        assert!(number(&doc, energy) >= 0.0, "{}", k.name);
        assert_eq!(
            doc["parameters"].as_array().map(Vec::len),
            Some(k.params.len())
        );
        let degenerate = doc["degenerate_metric_samples"]["total"]
            .as_u64()
            .expect("count");
        if k.ports == 1 {
            assert_eq!(doc["pinched"], true, "{}", k.name);
            assert_eq!(
                degenerate, 0,
                "{}: the default drive floors the metric",
                k.name
            );
            assert_identities_hold(&doc, k.name);
            assert_eq!(
                doc["hysteresis_sweep"]["points"].as_array().map(Vec::len),
                Some(6)
            );
        } else if doc["positivity"]["holds"] == true {
            // A positive definite multi-port (the π network): the identities hold with 1/G.
            assert!(doc["pinched"].is_null());
            assert_eq!(degenerate, 0, "{}", k.name);
            assert_identities_hold(&doc, k.name);
        } else {
            // The synapse's G = diag(0, gbar s) is only semi-definite: the 1/G metric is
            // floored on the presynaptic port, which the summary must say.
            assert!(doc["pinched"].is_null());
            assert!(degenerate > 0, "{}", k.name);
            assert_eq!(doc["positivity"]["symmetric"], true);
            assert_eq!(doc["per_port"].as_array().map(Vec::len), Some(k.ports));
        }
    }
}

#[test]
fn options_and_png_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("hp-tri");
    let o = memrc(&[
        "element",
        "hp",
        "--drive",
        "triangle",
        "--amplitude",
        "800mV",
        "--frequency",
        "2",
        "--periods",
        "1.5",
        "--dt",
        "1ms",
        "--param",
        "r_off=20e3",
        "--png",
        "--out",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in FILES.iter().chain(&["lissajous.png", "traces.png"]) {
        assert!(dir.join(f).exists(), "{f}");
    }
    let doc: Value = summary(&dir);
    assert_eq!(doc["drive"]["waveform"], "triangle");
    assert_eq!(doc["drive"]["amplitude_V"], 0.8);
    assert_eq!(doc["drive"]["samples"], 751);
    let r_off = doc["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "r_off"))
        .expect("r_off listed");
    assert_eq!(r_off["value"], 20e3);
    // Running again into the same directory replaces it whole; a directory holding a file
    // memrc did not write is refused with one line naming it, and left as it was.
    let o = memrc(&["element", "hp", "--out", dir.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !dir.join("lissajous.png").exists(),
        "the previous run's files are gone"
    );
    std::fs::write(dir.join("notes.txt"), "mine").expect("write");
    let o = memrc(&["element", "hp", "--out", dir.to_str().expect("utf-8 path")]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(dir.join("notes.txt").exists() && dir.join("summary.json").exists());
}

/// HP + Biolek at 1 V, 0.25 Hz and `--dt 10ms`, where RK4 on the samples is unstable near
/// `x = 1`: the summary names the step-controlled method, says the step was refined, and the
/// warning on stderr says so; the default drive of the same device is not refined and quiet.
#[test]
fn a_refined_step_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("biolek");
    let out = dir.to_str().expect("utf-8 path");
    let o = memrc(&[
        "element",
        "hp-biolek",
        "--frequency",
        "0.25",
        "--dt",
        "10ms",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = summary(&dir);
    assert_eq!(doc["integration"]["method"], "dopri5");
    assert_eq!(doc["integration"]["refined"], true);
    assert_eq!(doc["integration"]["sample_intervals"], 800);
    assert!(
        stderr(&o).contains("warning: 'hp-biolek': --dt 0.01 s was refined"),
        "{}",
        stderr(&o)
    );
    let o = memrc(&["element", "hp-biolek", "--out", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(summary(&dir)["integration"]["refined"], false);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn errors_are_one_line_and_write_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let cases: &[(&[&str], &str)] = &[
        (&["element", "hp-jogelkar"], "did you mean 'hp-joglekar'"),
        (&["element", "no-such-thing"], "unknown element"),
        (&["element", "hp", "--param", "r_on"], "KEY=VALUE"),
        (
            &["element", "hp", "--param", "r_onn=10"],
            "did you mean 'r_on'",
        ),
        (&["element", "hp", "--param", "r_on=-5"], "out of range"),
        (&["element", "hp", "--param", "r_on=abc"], "not a number"),
        (&["element", "hp", "--param", "r_on=nan"], "finite"),
        (&["element", "hp", "--param", "r_on=5V"], "unit"),
        (&["element", "hp", "--dt", "0"], "--dt must be positive"),
        (&["element", "hp", "--dt", "-1ms"], "--dt must be positive"),
        (&["element", "hp", "--dt", "NaN"], "finite"),
        (&["element", "hp", "--dt", "1e-12"], "samples"),
        (&["element", "hp", "--frequency", "0"], "--frequency"),
        (&["element", "hp", "--amplitude", "inf"], "finite"),
        (&["element", "hp", "--amplitude", "1mA"], "unit"),
        (&["element", "hp", "--drive", "square"], "square"),
        (&["element", "hp", "--bogus"], "--bogus"),
    ];
    for (args, needle) in cases {
        assert_fails(args, &dir, needle);
    }
    // Missing --out: one line, nothing written anywhere.
    let o = memrc(&["element", "hp"]);
    assert!(!o.status.success());
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--out"));
    let o = memrc(&["element", "info", "hhna"]);
    assert!(!o.status.success());
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn an_output_path_that_is_a_file_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("taken");
    std::fs::write(&file, "x").expect("write");
    let o = memrc(&[
        "element",
        "resistor",
        "--out",
        file.to_str().expect("utf-8"),
    ]);
    assert!(!o.status.success());
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "x");
    assert_eq!(std::fs::read_dir(tmp.path()).expect("list").count(), 1);
}
