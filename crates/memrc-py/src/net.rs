//! The COBAHH benchmark network from Python ([`memrc::net::cobahh`], as `memrc bench cobahh`):
//! spike arrays and the run's statistics.

use memrc::net::RunOptions;
use memrc::net::cobahh::Cobahh;
use memrc::net::{NetError, Scheme};
use memrc_run::element as run;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{param_value, to_py, vector};
use crate::errors::{memrc_error, parameter_error};
use crate::guarded;

/// Most threads accepted (as `memrc bench cobahh`).
const MAX_THREADS: usize = 4096;

/// Registers the network functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_cobahh, m)?)?;
    Ok(())
}

/// Builds COBAHH (`n` neurons, connection probability `p`, `seed`) and runs it for `t_end`
/// \[s\] with `scheme` on `threads` threads.
#[pyfunction]
#[pyo3(signature = (n, t_end, seed, threads, scheme, p))]
fn _cobahh<'py>(
    py: Python<'py>,
    n: usize,
    t_end: &Bound<'py, PyAny>,
    seed: u64,
    threads: usize,
    scheme: &str,
    p: f64,
) -> PyResult<Bound<'py, PyAny>> {
    if n < 2 {
        return Err(parameter_error(
            py,
            format!(
                "n = {n} is too small: COBAHH needs at least 2 neurons (one excitatory, one inhibitory)"
            ),
            Some("n"),
        ));
    }
    if threads == 0 || threads > MAX_THREADS {
        return Err(parameter_error(
            py,
            format!("threads = {threads} is invalid: expected 1..={MAX_THREADS}"),
            Some("threads"),
        ));
    }
    let value = param_value(py, "t_end", t_end)?;
    let t_end =
        run::quantity("t_end", "s", &value).map_err(|e| crate::errors::element_error(py, &e))?;
    if !(t_end > 0.0 && t_end.is_finite() && t_end / 1e-4 <= 1e12) {
        return Err(parameter_error(
            py,
            format!(
                "t_end = {t_end} s is invalid: expected a finite time > 0 s of at most 10^12 steps"
            ),
            Some("t_end"),
        ));
    }
    if !(0.0..=1.0).contains(&p) {
        return Err(parameter_error(
            py,
            format!("p = {p} is invalid: expected a probability in [0, 1]"),
            Some("p"),
        ));
    }
    let scheme = Scheme::from_name(scheme, None)
        .map_err(|e| parameter_error(py, e.to_string(), Some("scheme")))?;
    let cfg = Cobahh::new(n, seed).p(p).scheme(scheme);
    // Run in chunks (bitwise the same as one run), checking for Ctrl-C between them.
    let interrupt: std::sync::Mutex<Option<PyErr>> = std::sync::Mutex::new(None);
    let result = py.detach(|| {
        guarded(|| -> Result<_, NetError> {
            let mut net = cfg.build()?;
            let synapses = net.n_synapses();
            let bytes = net.memory_bytes();
            let dt = net.dt();
            let steps = (t_end / dt).round().max(1.0) as u64;
            let chunk = steps.div_ceil(memrc_run::CHUNKS).max(1);
            let (mut done, mut out): (u64, Option<memrc::net::RunResult>) = (0, None);
            while done < steps {
                let k = chunk.min(steps - done);
                let part = net.run_with(k as f64 * dt, RunOptions::default().threads(threads))?;
                done += k;
                match &mut out {
                    None => out = Some(part),
                    Some(o) => memrc_run::network::append(o, part),
                }
                if let Err(e) = Python::attach(|py| py.check_signals()) {
                    if let Ok(mut slot) = interrupt.lock() {
                        *slot = Some(e);
                    }
                    return Ok(None);
                }
            }
            Ok(out.map(|o| (o, synapses, bytes)))
        })
    });
    if let Some(e) = interrupt.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    let (out, synapses, bytes) = match result {
        Ok(Ok(Some(r))) => r,
        Ok(Ok(None)) => return Err(memrc_error(py, "the run produced no result")),
        Ok(Err(e)) => return Err(memrc_error(py, e.to_string())),
        Err(bug) => return Err(memrc_error(py, bug)),
    };
    let d = PyDict::new(py);
    d.set_item("ids", numpy::PyArray1::from_vec(py, out.spikes.ids.clone()))?;
    d.set_item("times", vector(py, out.spikes.times.clone()))?;
    let pops = PyDict::new(py);
    for (name, rate) in out.population_rates() {
        pops.set_item(name, rate)?;
    }
    d.set_item("population_rates_hz", pops)?;
    d.set_item("populations", to_py(py, &out.populations)?)?;
    d.set_item("mean_rate_hz", out.mean_rate())?;
    d.set_item("stats", to_py(py, &out.stats)?)?;
    d.set_item("synapses", synapses)?;
    d.set_item("network_bytes", bytes)?;
    d.set_item("n", n)?;
    d.set_item("p", p)?;
    d.set_item("t_end", t_end)?;
    d.set_item("seed", seed)?;
    d.set_item("dt", out.dt)?;
    Ok(d.into_any())
}
