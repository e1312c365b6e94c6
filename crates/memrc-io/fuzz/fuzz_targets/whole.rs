//! Fuzzes the whole path of `memrc run` (issue #14 §6): load with bounded input and memory →
//! `memrc check` → a short run (stopped at its next chunk once 500 ms of wall time have
//! passed, so that a long but valid model does not read as a hang). Any input must end in a run
//! or in one error line (a load error with its location), never in a panic.
//!
//! Seed it with the property test's corpus: from `crates/memrc-io`,
//! `cargo +nightly fuzz run whole fuzz/corpus/whole ../memrc-run/tests/corpus -- -max_len=65536`
//! (new inputs go to the first directory, which git ignores).
#![no_main]

use libfuzzer_sys::fuzz_target;
use memrc_io::LoadOptions;
use memrc_run::Overrides;

/// Wall time after which the run is stopped at its next chunk.
const RUN_WALL: std::time::Duration = std::time::Duration::from_millis(500);

fn options(build: bool) -> LoadOptions {
    LoadOptions::default()
        .memory_limit(64 << 20)
        .input_limit(1 << 20)
        .build_networks(build)
}

fn one_line(m: &str) {
    assert!(!m.contains('\n'), "two lines: {m}");
    assert!(m.chars().count() < 600, "long ({} chars): {m}", m.len());
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let model = match memrc_io::load_str_with(text, "fuzz.toml", None, &options(false)) {
        Ok(m) => m,
        Err(e) => {
            let m = e.to_string();
            assert!(e.line >= 1 && e.column >= 1, "no location: {m}");
            one_line(&m);
            return;
        }
    };
    if let Err(e) = memrc_run::check(model, &Overrides::default()) {
        one_line(&e.to_string());
        return;
    }
    let model = match memrc_io::load_str_with(text, "fuzz.toml", None, &options(true)) {
        Ok(m) => m,
        Err(e) => panic!("checked but does not build: {e}"),
    };
    let start = std::time::Instant::now();
    let mut go_on = |_f: f64| start.elapsed() < RUN_WALL;
    if let Err(e) = memrc_run::run(model, &Overrides::default(), &mut go_on) {
        one_line(&e.to_string());
    }
});
