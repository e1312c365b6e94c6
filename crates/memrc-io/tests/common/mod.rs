//! Helpers shared by the integration tests of memrc-io: the example files, and loading edited
//! model texts into their one-line messages.

// Each test file uses its own subset.
#![allow(dead_code)]

use std::path::PathBuf;

/// The head of a test network file, `[model] name` and `[network] dt`, `t_end`, as a string
/// literal (for `concat!`): `network_head!("net", "0.1 ms", "10 ms")`.
#[allow(unused_macros)] // each test file uses its own subset
macro_rules! network_head {
    ($name:literal, $dt:literal, $t_end:literal) => {
        concat!(
            "[model]\nname = \"",
            $name,
            "\"\n\n[network]\ndt = \"",
            $dt,
            "\"\nt_end = \"",
            $t_end,
            "\"\n"
        )
    };
}
#[allow(unused_imports)]
pub(crate) use network_head;

use memrc_io::load_str;

/// The repository's `examples/` directory.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// `examples/NAME`.
pub fn example(name: &str) -> PathBuf {
    examples_dir().join(name)
}

/// `"loaded"` if `text` loads as `file`, else its one-line error message.
pub fn load_message(text: &str, file: &str) -> String {
    match load_str(text, file) {
        Ok(_) => "loaded".into(),
        Err(e) => e.to_string(),
    }
}

/// `base` with the first `from` replaced by `to` (`from` must occur).
pub fn edited(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from}");
    base.replacen(from, to, 1)
}

/// `a` equals `b` to 1e-12 relative.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
}

/// Loads `base` edited by each case `(from, to, want)` (see [`edited`]) as `file`, and asserts
/// that every message (or `"loaded"`) is `want`; the failure lists each differing case as
/// `(from, to, got)`, ready to paste into the table.
pub fn assert_edits(base: &str, file: &str, cases: &[(&str, &str, &str)]) {
    let mut report = String::new();
    for (from, to, want) in cases {
        let got = load_message(&edited(base, from, to), file);
        if got != *want {
            report.push_str(&format!("({from:?}, {to:?}, {got:?}),\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
}
