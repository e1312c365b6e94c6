//! `memrc import FILE.nml` and `memrc run/check FILE.nml` (NeuroML2 import).

mod common;

use common::{memrc, path, stderr, stdout, summary};

fn nml() -> String {
    format!(
        "{}/../memrc-io/tests/data/neuroml/NML2_SingleCompHHCell.nml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn import_writes_a_model_file_that_runs_like_the_nml_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = dir.path().join("hh.toml");
    let o = memrc(&["import", &nml(), "--out", path(&toml)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = memrc(&["import", &nml()]);
    assert_eq!(
        stdout(&printed),
        std::fs::read_to_string(&toml).expect("written")
    );
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (file, out) in [(path(&toml).to_string(), &a), (nml(), &b)] {
        let o = memrc(&["run", &file, "--out", path(out), "-q"]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
    }
    // The same model: the same spikes (7 of them, 0 mV crossings) either way.
    let (sa, sb) = (summary(&a), summary(&b));
    assert_eq!(sa["nodes"], sb["nodes"]);
    assert_eq!(sa["nodes"][0]["spike_count"], 7);
    // --t-end needs a unit, and check and --set work on the .nml file.
    let o = memrc(&["import", &nml(), "--t-end", "200"]);
    assert!(
        !o.status.success() && stderr(&o).contains("--t-end"),
        "{}",
        stderr(&o)
    );
    let o = memrc(&["check", &nml(), "--set", "stimulus.0.amplitude=0.1nA"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("[imported]): valid"), "{}", stdout(&o));
    let o = memrc(&[
        "check",
        &nml(),
        "--set",
        "element.kChanz.params.gbar=1mS/cm^2",
    ]);
    assert!(
        stderr(&o).contains("kChans"),
        "suggests the element: {}",
        stderr(&o)
    );
}

#[test]
fn a_neuroml_cell_sweeps_into_an_f_i_curve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sweep");
    let o = memrc(&[
        "sweep",
        &nml(),
        "--set",
        "stimulus.0.amplitude=0,0.08 nA",
        "--out",
        path(&out),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv");
    let header: Vec<&str> = table.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "spike_count.hhcell")
        .expect("spike_count column");
    let counts: Vec<f64> = table
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(col)
                .expect("cell")
                .parse()
                .expect("number")
        })
        .collect();
    assert_eq!(counts, [0.0, 7.0], "{table}");
}
