//! Helpers shared by the integration tests of memrc-io: the example files, and loading edited
//! model texts into their one-line messages.

// Each test file uses its own subset.
#![allow(dead_code)]

use std::path::PathBuf;

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
