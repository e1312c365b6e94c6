//! Python exceptions of the package, defined in `memrc/_errors.py` (so that they are ordinary
//! Python classes with documented attributes) and raised from Rust through these helpers:
//!
//! - `memrc.MemrcError(Exception)`: the base; a failure of a simulation or analysis on valid input.
//! - `memrc.ParameterError(MemrcError, ValueError)`: a bad argument (unknown element or
//!   parameter, value out of range, wrong unit, invalid drive), with `.parameter` naming it.
//! - `memrc.ModelError(MemrcError)`: a problem in a model file, with `.file`, `.line`, `.column`
//!   (1-based), `.key` and `.message` (for `memrc.load`/`loads`: [`model_error`]).

use memrc::error::ModelError;
use memrc_run::element::{DriveError, ElementError};
use pyo3::prelude::*;

/// An instance of `memrc._errors.<class>` called with `args`, as a `PyErr` (or the error met
/// while making it).
fn raise<'py, A>(py: Python<'py>, class: &str, args: A) -> PyErr
where
    A: pyo3::call::PyCallArgs<'py>,
{
    match py
        .import("memrc._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1(args))
    {
        Ok(obj) => PyErr::from_value(obj),
        Err(e) => e,
    }
}

/// `memrc.MemrcError(message)`.
pub fn memrc_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, "MemrcError", (message.into(),))
}

/// `memrc.ParameterError(message, parameter)` (a `ValueError`).
pub fn parameter_error(
    py: Python<'_>,
    message: impl Into<String>,
    parameter: Option<&str>,
) -> PyErr {
    raise(py, "ParameterError", (message.into(), parameter))
}

/// `memrc.ModelError(file, line, column, message, key)` from a model file's located error.
pub fn model_error(py: Python<'_>, e: &memrc_io::LoadError) -> PyErr {
    raise(
        py,
        "ModelError",
        (
            e.file.clone(),
            e.line,
            e.column,
            e.message.clone(),
            e.key.clone(),
        ),
    )
}

/// The parameter or setting an element error is about, if it names one.
fn element_parameter(e: &ElementError) -> Option<String> {
    match e {
        ElementError::Model(
            ModelError::UnknownParam { param, .. }
            | ModelError::NonFinite { param, .. }
            | ModelError::ParamOutOfRange { param, .. },
        )
        | ElementError::ParamValue { param, .. } => Some(param.clone()),
        ElementError::Quantity { setting, .. } => Some(setting.clone()),
        ElementError::Drive(
            DriveError::NotFinite { field, .. }
            | DriveError::NotPositive { field, .. }
            | DriveError::TooManySamples { field, .. }
            | DriveError::TooFewSamples { field, .. },
        ) => Some(field.clone()),
        ElementError::Drive(DriveError::UnknownWaveform { .. }) => Some("waveform".into()),
        _ => None,
    }
}

/// An element error as `ParameterError` (the caller's input) or `MemrcError`.
pub fn element_error(py: Python<'_>, e: &ElementError) -> PyErr {
    if e.is_input() {
        parameter_error(py, e.to_string(), element_parameter(e).as_deref())
    } else {
        memrc_error(py, e.to_string())
    }
}
