//! Elements from Python: the catalogue, building a kind with parameters, and driving it with a
//! named waveform or sampled voltages ([`memrc_run::element`], the code behind
//! `memrc element NAME`, so the arrays and the summary are those of the command line).

use memrc::element::Catalogue;
use memrc::{Grid, KindInfo, Trajectory};
use memrc_run::element::defaults::{self, DriveSettings};
use memrc_run::element::{self as run, ElementError, ParamValue, Run, summary};
use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Value, json};

use crate::convert::{json_to_py, param_value, time_last, to_py, vector};
use crate::errors::{element_error, memrc_error, parameter_error};
use crate::guarded;

/// Registers the element functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(_element, m)?)?;
    m.add_function(wrap_pyfunction!(_drive_named, m)?)?;
    m.add_function(wrap_pyfunction!(_drive_samples, m)?)?;
    Ok(())
}

/// Parameter overrides from a dict `{name: number | "value unit"}`.
fn overrides(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Vec<(String, ParamValue)>> {
    params
        .iter()
        .map(|(k, v)| {
            let key: String = k.extract()?;
            let value = param_value(py, &key, &v)?;
            Ok((key, value))
        })
        .collect()
}

/// One catalogue kind as a dict (see `memrc.elements()`).
fn kind_doc(info: &'static KindInfo) -> Value {
    let el = memrc::element::build(info.name, &[]).ok();
    let states: Vec<Value> = if info.states.is_empty() {
        el.as_ref()
            .map(|e| e.state_names())
            .unwrap_or_default()
            .into_iter()
            .map(|n| json!({"name": n, "unit": "1", "doc": ""}))
            .collect()
    } else {
        info.states
            .iter()
            .map(|s| json!({"name": s.name, "unit": s.unit, "doc": s.doc}))
            .collect()
    };
    let params: Vec<Value> = info
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "unit": p.unit,
                "default": p.default,
                "min": if p.min.is_finite() { Some(p.min) } else { None },
                "max": if p.max.is_finite() { Some(p.max) } else { None },
                "min_exclusive": p.min_exclusive,
                "range": p.range_text(),
                "doc": p.doc,
            })
        })
        .collect();
    let d = defaults::for_kind(info.name);
    json!({
        "name": info.name,
        "description": info.summary,
        "source": info.source,
        "ports": info.ports,
        "states": states,
        "parameters": params,
        "current_unit": info.current_unit,
        "conductance_unit": info.conductance_unit,
        "batteries_V": el.as_ref().map(|e| (0..e.n_ports()).map(|p| e.battery(p)).collect::<Vec<_>>()),
        "default_drive": {
            "waveform": d.drive.waveform.name(),
            "amplitude": d.drive.amplitude,
            "frequency": d.drive.frequency,
            "offset": d.drive.offset,
            "periods": d.drive.periods,
            "dt": d.drive.dt,
            "hold": d.hold,
        },
    })
}

/// The catalogue: one dict per kind.
#[pyfunction]
fn _catalogue(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let kinds: Vec<Value> = Catalogue::all().map(|e| kind_doc(e.info)).collect();
    json_to_py(py, &Value::Array(kinds))
}

/// Builds `kind` with `params` (checking every value) and describes the instance.
#[pyfunction]
fn _element<'py>(
    py: Python<'py>,
    kind: &str,
    params: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let given = overrides(py, params)?;
    let (info, el) = run::build(kind, &given).map_err(|e| element_error(py, &e))?;
    let values: serde_json::Map<String, Value> = el
        .param_values()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let doc = json!({
        "kind": info.name,
        "info": kind_doc(info),
        "parameters": values,
        "ports": el.n_ports(),
        "state_names": el.state_names(),
        "batteries_V": (0..el.n_ports()).map(|p| el.battery(p)).collect::<Vec<_>>(),
    });
    json_to_py(py, &doc)
}

/// What a drive produced, before conversion.
struct Driven {
    run: Run,
    summary: Value,
    ports: usize,
    states: Vec<String>,
    warning: Option<String>,
}

/// Builds the element and runs `go` on it, with the GIL released and panics caught.
fn drive_detached(
    py: Python<'_>,
    kind: String,
    dt: Option<f64>,
    given: Vec<(String, ParamValue)>,
    go: impl FnOnce(&dyn memrc::Element) -> Result<(Run, Value), ElementError> + Send,
) -> PyResult<Driven> {
    let result = py.detach(move || {
        guarded(move || -> Result<Driven, ElementError> {
            let (info, el) = run::build(&kind, &given)?;
            let (run, summary) = go(el.as_ref())?;
            let warning = run
                .integration
                .warning(info.name, "dt", dt.unwrap_or(run.v.grid().dt()));
            Ok(Driven {
                run,
                summary,
                ports: el.n_ports(),
                states: el.state_names(),
                warning,
            })
        })
    });
    match result {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(element_error(py, &e)),
        Err(bug) => Err(memrc_error(py, bug)),
    }
}

/// The result dict: arrays with time last (`v`, `i`: `(len,)` for one-ports, `(ports, len)`
/// otherwise; `g`: `(len,)` or `(ports, ports, len)`; `x`: `(states, len)`).
fn result_dict<'py>(py: Python<'py>, d: &Driven) -> PyResult<Bound<'py, PyAny>> {
    let grid = *d.run.v.grid();
    let len = grid.len();
    let n = d.ports;
    let ns = d.states.len();
    let (port_shape, g_shape): (Vec<usize>, Vec<usize>) = if n == 1 {
        (vec![], vec![])
    } else {
        (vec![n], vec![n, n])
    };
    let out = PyDict::new(py);
    out.set_item("t", vector(py, (0..len).map(|k| grid.time(k)).collect()))?;
    out.set_item("v", time_last(py, Some(&d.run.v), len, &port_shape)?)?;
    let r = &d.run.response;
    out.set_item("i", time_last(py, Some(&r.i), len, &port_shape)?)?;
    out.set_item("g", time_last(py, Some(&r.g), len, &g_shape)?)?;
    let x: Option<&Trajectory> = (ns > 0).then_some(&r.x);
    out.set_item("x", time_last(py, x, len, &[ns])?)?;
    out.set_item("state_names", d.states.clone())?;
    out.set_item("ports", n)?;
    out.set_item("reports", to_py(py, &d.run.reports)?)?;
    out.set_item("integration", to_py(py, &d.run.integration)?)?;
    out.set_item("summary", json_to_py(py, &d.summary)?)?;
    out.set_item("warning", d.warning.clone())?;
    Ok(out.into_any())
}

/// A drive setting from the settings dict (`None` or missing: the default).
fn setting(
    py: Python<'_>,
    settings: &Bound<'_, PyDict>,
    key: &str,
    unit: &'static str,
) -> PyResult<Option<f64>> {
    match settings.get_item(key)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => {
            let value = param_value(py, key, &v)?;
            run::quantity(key, unit, &value)
                .map(Some)
                .map_err(|e| element_error(py, &e))
        }
    }
}

/// Drives `kind` with a named waveform; `settings` has `waveform`, `amplitude` \[V\],
/// `frequency` \[Hz\], `offset` \[V\], `periods`, `dt` \[s\], `hold` \[V\] (each optional).
#[pyfunction]
fn _drive_named<'py>(
    py: Python<'py>,
    kind: &str,
    params: &Bound<'py, PyDict>,
    settings: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let given = overrides(py, params)?;
    let info = Catalogue::get(kind)
        .map_err(|e| element_error(py, &e.into()))?
        .info;
    let waveform = match settings.get_item("waveform")? {
        Some(w) if !w.is_none() => {
            let name: String = w
                .extract()
                .map_err(|_| parameter_error(py, "waveform must be a string", Some("waveform")))?;
            Some(run::waveform(&name).map_err(|e| element_error(py, &e.into()))?)
        }
        _ => None,
    };
    let s = DriveSettings {
        waveform,
        amplitude: setting(py, settings, "amplitude", "V")?,
        frequency: setting(py, settings, "frequency", "Hz")?,
        offset: setting(py, settings, "offset", "V")?,
        periods: setting(py, settings, "periods", "1")?,
        dt: setting(py, settings, "dt", "s")?,
        hold: setting(py, settings, "hold", "V")?,
    };
    let (drive, hold) = s.resolve(info.name);
    drive.validate().map_err(|e| element_error(py, &e.into()))?;
    if !hold.is_finite() {
        return Err(parameter_error(
            py,
            format!("hold must be a finite voltage, got {hold}"),
            Some("hold"),
        ));
    }
    let d = drive_detached(
        py,
        info.name.to_string(),
        Some(drive.dt),
        given,
        move |el| {
            let r = run::run(el, &drive, hold)?;
            let doc = summary::summary(el, Some(&drive), hold, &r);
            Ok((r, doc))
        },
    )?;
    result_dict(py, &d)
}

/// Drives `kind` with sampled terminal voltages `v` \[V\] of port 0, on the times `t` \[s\]
/// (equally spaced) or every `dt` \[s\] from 0; undriven ports at `hold` \[V\] (default: the
/// kind's default holding voltage).
#[pyfunction]
#[pyo3(signature = (kind, params, v, t=None, dt=None, hold=None))]
fn _drive_samples<'py>(
    py: Python<'py>,
    kind: &str,
    params: &Bound<'py, PyDict>,
    v: PyReadonlyArray1<'py, f64>,
    t: Option<PyReadonlyArray1<'py, f64>>,
    dt: Option<&Bound<'py, PyAny>>,
    hold: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let given = overrides(py, params)?;
    let info = Catalogue::get(kind)
        .map_err(|e| element_error(py, &e.into()))?
        .info;
    let values = v.as_array().to_vec();
    let samples_error = |m: String, p: &str| parameter_error(py, m, Some(p));
    let grid = match (t, dt) {
        (Some(t), None) => {
            if t.len() != values.len() {
                return Err(samples_error(
                    format!("t has {} times but v has {} samples", t.len(), values.len()),
                    "t",
                ));
            }
            Grid::from_times(&t.as_array().to_vec())
                .map_err(|e| samples_error(format!("t: {e}"), "t"))?
        }
        (None, Some(dt)) => {
            let value = param_value(py, "dt", dt)?;
            let dt = run::quantity("dt", "s", &value).map_err(|e| element_error(py, &e))?;
            if !(dt.is_finite() && dt > 0.0) {
                return Err(samples_error(
                    format!("dt must be a finite step > 0 s, got {dt}"),
                    "dt",
                ));
            }
            Grid::new(0.0, dt, values.len().max(1))
                .map_err(|e| samples_error(format!("dt: {e}"), "dt"))?
        }
        (Some(_), Some(_)) => {
            return Err(samples_error("give t or dt, not both".into(), "dt"));
        }
        (None, None) => {
            return Err(samples_error(
                "sampled voltages need their times: t (equally spaced) or dt".into(),
                "t",
            ));
        }
    };
    if values.len() > run::MAX_SAMPLES {
        return Err(samples_error(
            format!(
                "v has {} samples, more than the limit of {}",
                values.len(),
                run::MAX_SAMPLES
            ),
            "v",
        ));
    }
    let v0 = Trajectory::scalar(grid, values).map_err(|e| samples_error(format!("v: {e}"), "v"))?;
    let hold = match hold {
        Some(h) if !h.is_none() => {
            let value = param_value(py, "hold", h)?;
            run::quantity("hold", "V", &value).map_err(|e| element_error(py, &e))?
        }
        _ => defaults::for_kind(info.name).hold,
    };
    let d = drive_detached(py, info.name.to_string(), None, given, move |el| {
        let r = run::run_samples(el, &v0, hold)?;
        let doc = summary::summary(el, None, hold, &r);
        Ok((r, doc))
    })?;
    result_dict(py, &d)
}
