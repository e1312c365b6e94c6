//! Conversions between Rust values and Python objects: JSON documents to dicts and lists,
//! trajectories to NumPy arrays, Python arguments to parameter values.

use memrc::Trajectory;
use memrc_run::element::ParamValue;
use numpy::{PyArray1, PyArrayMethods, ndarray::Array};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde_json::Value;

use crate::errors::parameter_error;

/// A JSON value as the Python object `json.loads` would give (`null` → `None`).
pub fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(json_to_py(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, x) in m {
                dict.set_item(k, json_to_py(py, x)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serialisable value as a Python object (through JSON).
pub fn to_py<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v)
        .map_err(|e| crate::errors::memrc_error(py, format!("serialising a result: {e}")))?;
    json_to_py(py, &value)
}

/// The components of a trajectory as a NumPy array with time last: 1-D `(len,)` when
/// `shape` is empty, else `shape + (len,)` (`shape` multiplies to the trajectory's dimension).
pub fn time_last<'py>(
    py: Python<'py>,
    t: Option<&Trajectory>,
    len: usize,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let dim: usize = shape.iter().product();
    let mut data = vec![0.0; dim * len];
    if let Some(t) = t.filter(|_| dim > 0) {
        for k in 0..len {
            for (c, x) in t.at(k).iter().enumerate() {
                data[c * len + k] = *x;
            }
        }
    }
    let mut full = shape.to_vec();
    full.push(len);
    let arr = Array::from_shape_vec(full, data)
        .map_err(|e| crate::errors::memrc_error(py, format!("array shape: {e}")))?;
    Ok(numpy::PyArray::from_owned_array(py, arr).into_any())
}

/// A 1-D float array.
pub fn vector<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

/// A parameter value or setting from Python: a number (SI) or a string with a unit.
pub fn param_value(py: Python<'_>, name: &str, v: &Bound<'_, PyAny>) -> PyResult<ParamValue> {
    if v.is_instance_of::<PyString>() {
        return Ok(ParamValue::Text(v.extract::<String>()?));
    }
    if !v.is_instance_of::<PyBool>() {
        if let Ok(x) = v.extract::<f64>() {
            return Ok(ParamValue::Si(x));
        }
    }
    let type_name = v
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    Err(parameter_error(
        py,
        format!(
            "{name} must be a number (SI units) or a string with a unit, e.g. \"10 mV\", got {type_name}"
        ),
        Some(name),
    ))
}

/// A contiguous copy of a 1-D float array's values.
pub fn floats(a: &Bound<'_, PyArray1<f64>>) -> Vec<f64> {
    a.to_vec().unwrap_or_else(|_| a.to_owned_array().to_vec())
}
