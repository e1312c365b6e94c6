//! Model files from Python: `memrc.load(path)`, `memrc.loads(text)`, `model.check()`,
//! `model.run(...)` and `model.sweep(...)`, on the run pipeline of [`memrc_run`] — the same
//! code as `memrc check`, `memrc run` and `memrc sweep`, so results are bitwise the command
//! line's for the same model, seed and threads.
//!
//! Runs release the GIL; between the chunks of a run (at most [`memrc_run::CHUNKS`]) the GIL is
//! taken back briefly to report progress and to check for Ctrl-C, which stops the run with
//! `KeyboardInterrupt`.

use std::path::PathBuf;
use std::sync::Mutex;

use memrc_run::{Kind, Overrides, RunError, RunOutput, Set};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::to_py;
use crate::errors::{memrc_error, model_error, parameter_error};
use crate::guarded;

/// Registers the model functions and the run class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_check_model, m)?)?;
    m.add_function(wrap_pyfunction!(_run_model, m)?)?;
    m.add_function(wrap_pyfunction!(_sweep_model, m)?)?;
    m.add_function(wrap_pyfunction!(_read_model, m)?)?;
    m.add_class::<Run>()?;
    Ok(())
}

/// A run error as the Python exception that carries the same information.
pub fn run_error(py: Python<'_>, e: RunError) -> PyErr {
    match e {
        RunError::Load(e) => model_error(py, &e),
        RunError::Setting(m) => parameter_error(py, m, None),
        RunError::Interrupted => pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted"),
        e => memrc_error(py, e.to_string()),
    }
}

/// The text of a model file (read up to the input limit) and how errors name it, for
/// `memrc.load`: a NeuroML2 file (`.nml`) is converted to model-file text first, as `memrc run
/// FILE.nml` does (errors of the conversion are `ModelError`s located in the `.nml` file).
#[pyfunction]
fn _read_model(py: Python<'_>, path: PathBuf) -> PyResult<(String, String)> {
    let opts = memrc_run::load_options().map_err(|e| run_error(py, e))?;
    if let Some(text) = memrc_run::imported_text(&path, &opts).map_err(|e| run_error(py, e))? {
        return Ok((text, memrc_run::imported_origin(&path)));
    }
    memrc_io::read_input_text(&path, opts.input_limit)
        .map(|text| (text, path.display().to_string()))
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display())))
}

/// A model and the settings of one call, as `memrc.Model` passes them (a dict): the file's
/// text, its origin and base directory, `set` pairs, and the run settings (times with units).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct ModelArgs {
    text: String,
    origin: String,
    base: Option<PathBuf>,
    set: Vec<(String, String)>,
    t_end: Option<String>,
    dt: Option<String>,
    solver: Option<String>,
    seed: Option<u64>,
    threads: Option<usize>,
}

/// A call: the model text with its parsed overrides.
struct Call {
    text: String,
    origin: String,
    base: Option<PathBuf>,
    sets: Vec<Set>,
    overrides: Overrides,
}

fn call(py: Python<'_>, a: ModelArgs) -> PyResult<Call> {
    let sets = a
        .set
        .into_iter()
        .map(|(k, v)| Set::parse(&format!("{k}={v}")))
        .collect::<memrc_run::Result<Vec<_>>>()
        .map_err(|e| run_error(py, e))?;
    Ok(Call {
        text: a.text,
        origin: a.origin,
        base: a.base,
        sets,
        overrides: Overrides {
            solver: a.solver,
            t_end: a.t_end,
            dt: a.dt,
            seed: a.seed,
            threads: a.threads,
            ..Default::default()
        },
    })
}

impl Call {
    fn load(&self, check_only: bool) -> memrc_run::Result<memrc_io::LoadedModel> {
        let opts = memrc_run::load_options()?.build_networks(!check_only);
        memrc_run::load_text_with_sets(
            &self.text,
            &self.origin,
            self.base.as_deref(),
            &self.sets,
            &opts,
        )
    }
}

/// `model.check(...)`: the report of `memrc check` as a dict (`text` is the printed report).
#[pyfunction]
fn _check_model<'py>(py: Python<'py>, model: ModelArgs) -> PyResult<Bound<'py, PyAny>> {
    let c = call(py, model)?;
    let report = py
        .detach(|| guarded(|| c.load(true).and_then(|m| memrc_run::check(m, &c.overrides))))
        .map_err(|e| memrc_error(py, e))?
        .map_err(|e| run_error(py, e))?;
    to_py(py, &report)
}

/// Progress and Ctrl-C between chunks: takes the GIL, checks signals, calls `progress`.
struct PyObserver<'a> {
    progress: Option<&'a Py<PyAny>>,
    error: &'a Mutex<Option<PyErr>>,
}

impl memrc_run::Observer for PyObserver<'_> {
    fn observe(&mut self, fraction: f64) -> bool {
        Python::attach(|py| {
            let result = py.check_signals().and_then(|()| match self.progress {
                Some(f) => f.call1(py, (fraction,)).map(drop),
                None => Ok(()),
            });
            match result {
                Ok(()) => true,
                Err(e) => {
                    if let Ok(mut slot) = self.error.lock() {
                        slot.get_or_insert(e);
                    }
                    false
                }
            }
        })
    }
}

/// `model.run(...)`: runs the model; the result stays in Rust until its arrays are asked for.
#[pyfunction]
#[pyo3(signature = (model, progress))]
fn _run_model(py: Python<'_>, model: ModelArgs, progress: Option<Py<PyAny>>) -> PyResult<Run> {
    let c = call(py, model)?;
    let error = Mutex::new(None);
    let result = py
        .detach(|| {
            guarded(|| {
                let m = c.load(false)?;
                let mut obs = PyObserver {
                    progress: progress.as_ref(),
                    error: &error,
                };
                memrc_run::run(m, &c.overrides, &mut obs)
            })
        })
        .map_err(|e| memrc_error(py, e))?;
    if let Some(e) = error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    let out = result.map_err(|e| run_error(py, e))?;
    Ok(Run { out })
}

/// `model.sweep(...)`: the grid of runs in parallel; the table as a dict.
#[pyfunction]
#[pyo3(signature = (model, axes, jobs, progress))]
fn _sweep_model<'py>(
    py: Python<'py>,
    model: ModelArgs,
    axes: Vec<(String, String)>,
    jobs: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = call(py, model)?;
    let axes = axes
        .into_iter()
        .map(|(k, v)| memrc_run::sweep::Axis::parse(&format!("{k}={v}")))
        .collect::<memrc_run::Result<Vec<_>>>()
        .map_err(|e| run_error(py, e))?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let error = Mutex::new(None);
    let result = py
        .detach(|| {
            guarded(|| {
                let mut obs = PyObserver {
                    progress: progress.as_ref(),
                    error: &error,
                };
                memrc_run::sweep::sweep(
                    &c.text,
                    &c.origin,
                    c.base.as_deref(),
                    &axes,
                    &c.sets,
                    &c.overrides,
                    jobs,
                    &mut obs,
                )
            })
        })
        .map_err(|e| memrc_error(py, e))?;
    if let Some(e) = error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    let s = result.map_err(|e| run_error(py, e))?;
    to_py(py, &s)
}

/// The result of `model.run(...)`, held in Rust; `memrc.Result` reads its arrays.
#[pyclass(module = "memrc._memrc", name = "_Run")]
pub struct Run {
    out: RunOutput,
}

#[pymethods]
impl Run {
    /// Model name.
    #[getter]
    fn name(&self) -> &str {
        &self.out.name
    }

    /// `circuit`, `hopfield` or `network`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.out.kind {
            Kind::Circuit => "circuit",
            Kind::Hopfield => "hopfield",
            Kind::Network => "network",
        }
    }

    /// The report `memrc run` prints.
    #[getter]
    fn report(&self) -> &str {
        &self.out.report
    }

    /// `summary.json` as a dict.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.out.summary)
    }

    /// The time axis \[s\] (`t` of `traces.npz`).
    fn t<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.out.times())
    }

    /// Circuit and Hopfield columns: `[(name, unit, values)]`.
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for c in &self.out.traces.columns {
            list.append((
                c.name.as_str(),
                c.unit.as_str(),
                PyArray1::from_slice(py, &c.values),
            ))?;
        }
        Ok(list)
    }

    /// Network recordings: `[{population, variable, unit, key, ids, t, values}]`, `values`
    /// neurons × samples.
    fn recordings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in &self.out.recordings {
            let d = PyDict::new(py);
            d.set_item("population", &r.population)?;
            d.set_item("variable", &r.variable)?;
            d.set_item("unit", &r.unit)?;
            d.set_item("key", r.key())?;
            let ids: Vec<u64> = r.neurons.iter().map(|&i| i as u64).collect();
            d.set_item("ids", PyArray1::from_vec(py, ids))?;
            d.set_item("t", PyArray1::from_slice(py, &r.times))?;
            let values = PyArray1::from_slice(py, &r.values)
                .reshape([r.neurons.len(), r.times.len()])
                .map_err(|e| memrc_error(py, format!("recording {}: {e}", r.key())))?;
            d.set_item("values", values)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Spikes: `{t, id, population, populations}` (`population` indexes `populations`).
    fn spikes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.out.spikes.to_spikes().map_err(|e| run_error(py, e))?;
        let d = PyDict::new(py);
        d.set_item("t", PyArray1::from_slice(py, &s.times))?;
        d.set_item("id", PyArray1::from_slice(py, &s.ids))?;
        d.set_item("population", PyArray1::from_vec(py, s.population_index()))?;
        d.set_item("populations", to_py(py, &s.populations)?)?;
        Ok(d)
    }

    /// Writes the data files in `formats` (`csv`, `npz`, `npy`) and `summary.json` into `dir`,
    /// which appears whole (as `memrc run --out dir`); returns the file names.
    #[pyo3(signature = (dir, formats, force))]
    fn save(
        &self,
        py: Python<'_>,
        dir: PathBuf,
        formats: Vec<String>,
        force: bool,
    ) -> PyResult<Vec<String>> {
        let formats = memrc_run::parse_formats(&formats.join(",")).map_err(|e| run_error(py, e))?;
        let out = &self.out;
        py.detach(|| {
            guarded(|| -> memrc_run::Result<Vec<String>> {
                let mut d = memrc_run::OutputDir::create(&dir, force)?;
                memrc_run::write(out, &mut d, &formats)?;
                let summary = serde_json::to_vec_pretty(&out.summary)
                    .map_err(|e| RunError::Output(format!("serialising summary.json: {e}")))?;
                d.add("summary.json", &summary)?;
                d.commit()
            })
        })
        .map_err(|e| memrc_error(py, e))?
        .map_err(|e| run_error(py, e))
    }
}
