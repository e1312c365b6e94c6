//! Helpers shared by the integration tests of the `memrc` binary: running it, reading its
//! output and checking its one-line errors.

// Each test file uses its own subset.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the built `memrc` with `args`, extra environment variables and working directory.
pub fn memrc_env(args: &[&str], env: &[(&str, &str)], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memrc"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    cmd.output().expect("the memrc binary runs")
}

/// Runs the built `memrc` with `args`.
pub fn memrc(args: &[&str]) -> Output {
    memrc_env(args, &[], None)
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as a command-line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The number `doc[key]`.
pub fn number(doc: &Value, key: &str) -> f64 {
    doc[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {}", doc[key]))
}

/// Header and numeric columns of a CSV file (every row has a cell per column).
pub fn csv(file: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(file).expect("csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let mut cols = vec![Vec::new(); header.len()];
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "row {line}");
        for (c, x) in cells.iter().enumerate() {
            cols[c].push(x.parse::<f64>().expect("numeric cell"));
        }
    }
    (header, cols)
}

/// `DIR/summary.json`, parsed.
pub fn summary(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
        .expect("summary.json parses")
}

/// Runs `memrc ARGS --out DIR` and checks that it fails with one line `error: …` containing
/// `needle`, without a panic, printing nothing on stdout and writing nothing next to `dir`.
pub fn assert_fails(args: &[&str], dir: &Path, needle: &str) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--out", path(dir)]);
    let o = memrc(&all);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} succeeded");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: '{needle}' not in {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
    assert!(!dir.exists(), "{args:?} left {}", dir.display());
    let parent = dir.parent().expect("parent");
    let n = std::fs::read_dir(parent).expect("list").count();
    assert_eq!(n, 0, "{args:?} left files in {}", parent.display());
}
