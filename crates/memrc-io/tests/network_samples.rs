//! `kind = "samples"` network inputs: a current read from a two-column file is added to
//! `i_ext` as its exact average over each step (the samples joined linearly, zero outside),
//! checked against the average of the linear interpolant integrated piece by piece here; and
//! located errors.

mod common;

use std::path::PathBuf;

use common::{close, network_head};
use memrc_io::load;

/// A fresh directory for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("memrc_io_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A network of three Traub–Miles neurons, the first two driven by `drive.csv` (`UNIT`: the
/// unit of its current column).
const MODEL: &str = concat!(
    network_head!("sampled", "0.1 ms", "3 ms"),
    r#"threads = 1

[[population]]
name = "cells"
size = 3
model = "traub-miles"

[[input]]
population = "cells"
neurons = [0, 1]
kind = "samples"
file = "drive.csv"
time_unit = "ms"
unit = "UNIT"

[[recording]]
population = "cells"
variables = ["i_ext"]
neurons = "all"
"#
);

/// The samples (ms, nA): every 0.25 ms, off the 0.1 ms grid, from 0.3 ms to 2.05 ms.
const SAMPLES: [(f64, f64); 8] = [
    (0.3, 0.0),
    (0.55, 1.0),
    (0.8, 0.4),
    (1.05, -0.2),
    (1.3, 0.6),
    (1.55, 0.6),
    (1.8, 2.0),
    (2.05, 0.0),
];

/// `(1/(b−a)) ∫_a^b i dt` of the linear interpolant of [`SAMPLES`] (zero outside) \[nA\].
fn average(a: f64, b: f64) -> f64 {
    let mut total = 0.0;
    for w in SAMPLES.windows(2) {
        let ((t0, i0), (t1, i1)) = (w[0], w[1]);
        let (lo, hi) = (a.max(t0), b.min(t1));
        if hi > lo {
            let at = |t: f64| i0 + (i1 - i0) * (t - t0) / (t1 - t0);
            total += 0.5 * (at(lo) + at(hi)) * (hi - lo);
        }
    }
    total / (b - a)
}

#[test]
fn sampled_currents_are_step_averages() {
    let dir = scratch("samples");
    let csv: String = std::iter::once("t, i\n".to_string())
        .chain(SAMPLES.iter().map(|(t, i)| format!("{t}, {i}\n")))
        .collect();
    std::fs::write(dir.join("drive.csv"), csv).expect("write samples");
    std::fs::write(dir.join("net.toml"), MODEL.replace("UNIT", "nA")).expect("write model");
    let m = load(dir.join("net.toml")).unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("a network");
    let mut net = n.builder.clone().build().expect("builds");
    let out = net.run(n.t_end, 1).expect("runs");
    let rec = &out.recordings[0];
    assert_eq!(rec.times.len(), 30);
    for (k, &t) in rec.times.iter().enumerate() {
        let (a, b) = (t * 1e3, t * 1e3 + 0.1);
        let want = average(a, b) * 1e-9;
        for neuron in 0..2 {
            let got = rec.values[neuron][k];
            assert!(
                close(got, want) || (got - want).abs() < 1e-24,
                "{t}: {got} vs {want}"
            );
        }
        assert_eq!(rec.values[2][k], 0.0, "neuron 2 is not driven");
    }
    // The drive is not trivial: some steps average a kink, some are outside the samples.
    assert!(rec.values[0].iter().any(|&i| i > 1e-9));
    assert_eq!(rec.values[0][0], 0.0);
    // Errors name the key: a current density (a network has no one area); a missing file.
    std::fs::write(dir.join("bad.toml"), MODEL.replace("UNIT", "nA/cm^2")).expect("write model");
    let e = load(dir.join("bad.toml"))
        .expect_err("per area")
        .to_string();
    assert!(
        e.contains("bad.toml:20:8: a network input's samples are currents"),
        "{e}"
    );
    std::fs::remove_file(dir.join("drive.csv")).expect("remove");
    let e = load(dir.join("net.toml")).expect_err("no file").to_string();
    assert!(
        e.contains("net.toml:18:8: stimulus file: cannot read"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
