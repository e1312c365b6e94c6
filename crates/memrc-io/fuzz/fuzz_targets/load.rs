//! Fuzzes the model-file loader: any input must give a model or a `LoadError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = memrc_io::load_str(text, "fuzz.toml") {
            assert!(!e.to_string().contains('\n'));
        }
    }
});
