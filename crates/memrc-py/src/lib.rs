//! `memrc._memrc`: the compiled part of the `memrc` Python package (pyo3, abi3 for Python
//! ≥ 3.9). The public API is the pure-Python layer in `python/memrc/__init__.py`, which wraps
//! these functions in documented classes; the stubs are `python/memrc/__init__.pyi`.
//!
//! Everything here is a thin conversion layer over [`memrc_run`] (elements, example files) and
//! [`memrc::net::cobahh`]: arguments are converted and checked, the work runs with the GIL
//! released ([`Python::detach`]) and inside `catch_unwind`, so that a bug surfaces as a
//! `memrc.MemrcError` instead of unwinding into Python, and results come back as NumPy arrays
//! and plain dicts.

pub mod convert;
pub mod element;
pub mod errors;
pub mod model;
pub mod net;

use pyo3::prelude::*;

/// Runs `f` and turns a panic into `Err(message)` (a bug: nothing may unwind into Python).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("internal error (please report): {msg}")
    })
}

/// The embedded example model files: `[{"name", "description"}]`.
#[pyfunction]
fn _examples(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let rows: Vec<serde_json::Value> = memrc_run::examples::MODEL_EXAMPLES
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.name,
                "description": memrc_run::examples::description(e),
            })
        })
        .collect();
    convert::json_to_py(py, &serde_json::Value::Array(rows))
}

/// The text of the embedded example model file `name` (`-` and `_` are the same).
#[pyfunction]
fn _example_text(py: Python<'_>, name: &str) -> PyResult<&'static str> {
    match memrc_run::examples::find(name) {
        Some(e) => Ok(e.text),
        None => {
            let names = memrc_run::examples::MODEL_EXAMPLES.iter().map(|e| e.name);
            let hint = memrc::error::suggest(&memrc_run::examples::normalise(name), names)
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            Err(errors::parameter_error(
                py,
                format!("unknown example '{name}'{hint}; memrc.examples() lists them"),
                Some("name"),
            ))
        }
    }
}

/// The compiled module.
#[pymodule]
fn _memrc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(_examples, m)?)?;
    m.add_function(wrap_pyfunction!(_example_text, m)?)?;
    element::register(m)?;
    net::register(m)?;
    model::register(m)?;
    Ok(())
}
