//! Writing a run's data files, streamed to disk (nothing is built whole in memory).
//!
//! - `traces.csv`: header `t_s,<columns>`, one row per sampled step, numbers in Rust's shortest
//!   round-trip exponent form. Circuit probe columns are the probe's name followed by its SI
//!   unit (`v_soma_V`, `mem.phi_Wb`, `i_na_A_per_m2`; dimensionless states have no suffix:
//!   `na.m`); a probe sampled less often than every step (`every`) has empty cells on the rows it
//!   skips. Network columns are `POP.VAR[i]_UNIT` (`exc.v[0]_V`), on the union of the
//!   recordings' sample times.
//! - `spikes.csv` (networks with `[network] spikes = true`): `t_s,id,population`, in time order,
//!   global ids (populations numbered in file order).
//! - `traces.npz` (`npz`): a NumPy archive whose keys are Python identifiers: `t` (the rows of
//!   `traces.csv`, s); per circuit probe or Hopfield column its column name with every other
//!   character turned into `_` (`v_soma_V`, `na_m`, `mem_phi_Wb`), float64 aligned with `t` (NaN
//!   where the CSV cell is empty); per network recording ONE float64 array neurons × samples,
//!   `POP_VAR_UNIT` (`exc_v_V`), with its population-local neuron ids `POP_VAR_UNIT_ids`
//!   (uint64) and, when its sample times are not `t`, its own `POP_VAR_UNIT_t`; the spikes as
//!   `spike_t` (float64, s), `spike_id` (uint32, global) and `spike_population` (uint16, the
//!   index into `populations` of `summary.json`).
//! - `npy`: the same arrays as `traces.npz`, one `KEY.npy` file each.

use std::collections::HashSet;
use std::io::Write;

use ndarray::{ArrayView1, ArrayView2};
use ndarray_npy::{NpzWriter, WritableElement, WriteNpyExt};

use crate::error::{Result, RunError};
use crate::outdir::OutputDir;
use crate::traces::identifier;
use crate::{Kind, RunOutput};

/// A data format (`[output] formats`, `--format`).
pub use memrc_io::OutputFormat as Format;

/// Parses `--format csv,npz,npy`.
pub fn parse_formats(s: &str) -> Result<Vec<Format>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let f = match part {
            "csv" => Format::Csv,
            "npz" => Format::Npz,
            "npy" => Format::Npy,
            other => {
                return Err(RunError::setting(format!(
                    "unknown --format '{other}': expected csv, npz, npy, comma-separated"
                )));
            }
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err(RunError::setting(
            "--format needs at least one of csv, npz, npy",
        ));
    }
    Ok(out)
}

/// One array of `traces.npz`.
enum Array<'a> {
    F64(&'a [f64]),
    F64x2 { rows: usize, data: &'a [f64] },
    U64(Vec<u64>),
    U32(&'a [u32]),
    U16(Vec<u16>),
}

/// The keys and arrays of `traces.npz` (and of the `npy` files), in order.
fn arrays<'a>(out: &'a RunOutput, t: &[f64]) -> Vec<(String, Array<'a>)> {
    let mut keys = HashSet::from(["t".to_string()]);
    let mut unique = |k: String| {
        let mut key = k.clone();
        let mut n = 2;
        while !keys.insert(key.clone()) {
            key = format!("{k}_{n}");
            n += 1;
        }
        key
    };
    let mut v = Vec::new();
    match out.kind {
        Kind::Network => {
            for r in &out.recordings {
                let key = unique(r.key());
                if r.times.as_slice() != t {
                    v.push((unique(format!("{key}_t")), Array::F64(&r.times)));
                }
                v.push((
                    unique(format!("{key}_ids")),
                    Array::U64(r.neurons.iter().map(|&i| i as u64).collect()),
                ));
                v.push((
                    key,
                    Array::F64x2 {
                        rows: r.neurons.len(),
                        data: &r.values,
                    },
                ));
            }
            if out.spike_files {
                v.push((unique("spike_t".into()), Array::F64(&out.spikes.times)));
                v.push((unique("spike_id".into()), Array::U32(&out.spikes.ids)));
                v.push((
                    unique("spike_population".into()),
                    Array::U16(out.spikes.population_index()),
                ));
            }
        }
        Kind::Circuit | Kind::Hopfield => {
            for c in &out.traces.columns {
                v.push((unique(identifier(&c.name)), Array::F64(&c.values)));
            }
        }
    }
    v
}

fn npz_add<W: Write + std::io::Seek>(
    npz: &mut NpzWriter<W>,
    key: &str,
    a: &Array<'_>,
) -> std::result::Result<(), String> {
    let e = |e: ndarray_npy::WriteNpzError| e.to_string();
    match a {
        Array::F64(x) => npz.add_array(key, &ArrayView1::from(*x)).map_err(e),
        Array::F64x2 { rows, data } => npz.add_array(key, &view2(*rows, data)?).map_err(e),
        Array::U64(x) => npz
            .add_array(key, &ArrayView1::from(x.as_slice()))
            .map_err(e),
        Array::U32(x) => npz.add_array(key, &ArrayView1::from(*x)).map_err(e),
        Array::U16(x) => npz
            .add_array(key, &ArrayView1::from(x.as_slice()))
            .map_err(e),
    }
}

/// `data` (row-major) as a `rows × (len / rows)` array.
fn view2(rows: usize, data: &[f64]) -> std::result::Result<ArrayView2<'_, f64>, String> {
    let cols = data.len().checked_div(rows).unwrap_or(0);
    ArrayView2::from_shape((rows, cols), &data[..rows * cols]).map_err(|e| e.to_string())
}

fn npy_write<W: Write>(w: W, a: &Array<'_>) -> std::result::Result<(), String> {
    fn one<T: WritableElement, W: Write>(w: W, x: &[T]) -> std::result::Result<(), String> {
        ArrayView1::from(x).write_npy(w).map_err(|e| e.to_string())
    }
    match a {
        Array::F64(x) => one(w, x),
        Array::F64x2 { rows, data } => view2(*rows, data)?.write_npy(w).map_err(|e| e.to_string()),
        Array::U64(x) => one(w, x),
        Array::U32(x) => one(w, x),
        Array::U16(x) => one(w, x),
    }
}

impl RunOutput {
    /// The time axis of `traces.csv`/`traces.npz` (`t`): the circuit's or Hopfield network's rows,
    /// or the union of a network's recording times \[s\].
    pub fn times(&self) -> Vec<f64> {
        if self.kind != Kind::Network {
            return self.traces.t.clone();
        }
        let mut t: Vec<f64> = self
            .recordings
            .iter()
            .flat_map(|r| r.times.iter().copied())
            .collect();
        t.sort_by(f64::total_cmp);
        t.dedup();
        t
    }
}

fn io_err(dir: &OutputDir, name: &str) -> impl Fn(std::io::Error) -> RunError {
    let path = dir.dir().join(name);
    move |e| RunError::io("writing", path.clone(), e)
}

/// Writes the data files of `out` in `formats` into `dir` (not `summary.json` or figures).
pub fn write(out: &RunOutput, dir: &mut OutputDir, formats: &[Format]) -> Result<()> {
    let t = out.times();
    if formats.contains(&Format::Csv) {
        if out.spike_files {
            write_spikes_csv(out, dir)?;
        }
        if !out.traces.columns.is_empty() || !out.recordings.is_empty() {
            write_traces_csv(out, dir, &t)?;
        }
    }
    let needs_arrays = formats.contains(&Format::Npz) || formats.contains(&Format::Npy);
    if !needs_arrays {
        return Ok(());
    }
    let arrays = arrays(out, &t);
    if formats.contains(&Format::Npz) {
        let name = "traces.npz";
        let w = dir.writer(name)?;
        let path = dir.dir().join(name);
        let err = |e: String| RunError::io("writing", path.clone(), std::io::Error::other(e));
        let mut npz = NpzWriter::new(w);
        npz_add(&mut npz, "t", &Array::F64(&t)).map_err(err)?;
        for (key, a) in &arrays {
            npz_add(&mut npz, key, a).map_err(err)?;
        }
        let mut w = npz.finish().map_err(|e| err(e.to_string()))?;
        w.flush().map_err(io_err(dir, name))?;
    }
    if formats.contains(&Format::Npy) {
        let all = std::iter::once(("t".to_string(), Array::F64(&t))).chain(arrays);
        for (key, a) in all {
            let name = format!("{key}.npy");
            let mut w = dir.writer(&name)?;
            npy_write(&mut w, &a).map_err(|e| {
                RunError::io("writing", dir.dir().join(&name), std::io::Error::other(e))
            })?;
            w.flush().map_err(io_err(dir, &name))?;
        }
    }
    Ok(())
}

fn write_spikes_csv(out: &RunOutput, dir: &mut OutputDir) -> Result<()> {
    let name = "spikes.csv";
    let mut w = dir.writer(name)?;
    let err = io_err(dir, name);
    let pops = out.spikes.population_index();
    w.write_all(b"t_s,id,population\n").map_err(&err)?;
    for ((t, id), p) in out.spikes.times.iter().zip(&out.spikes.ids).zip(pops) {
        let pop = out
            .spikes
            .populations
            .get(p as usize)
            .map_or("", |p| p.name.as_str());
        writeln!(w, "{t:e},{id},{pop}").map_err(&err)?;
    }
    w.flush().map_err(&err)
}

fn write_traces_csv(out: &RunOutput, dir: &mut OutputDir, t: &[f64]) -> Result<()> {
    let name = "traces.csv";
    let mut w = dir.writer(name)?;
    let err = io_err(dir, name);
    w.write_all(b"t_s").map_err(&err)?;
    let value = |w: &mut std::io::BufWriter<std::fs::File>, x: Option<f64>| match x {
        Some(x) if !x.is_nan() => write!(w, ",{x:e}"),
        _ => w.write_all(b","),
    };
    if out.kind == Kind::Network {
        for r in &out.recordings {
            for j in 0..r.neurons.len() {
                write!(w, ",{}", r.column_name(j)).map_err(&err)?;
            }
        }
        w.write_all(b"\n").map_err(&err)?;
        let mut cursor = vec![0usize; out.recordings.len()];
        for &tk in t {
            write!(w, "{tk:e}").map_err(&err)?;
            for (r, c) in out.recordings.iter().zip(&mut cursor) {
                let here = r.times.get(*c).is_some_and(|&s| s == tk);
                let m = r.times.len();
                for j in 0..r.neurons.len() {
                    value(&mut w, here.then(|| r.values[j * m + *c])).map_err(&err)?;
                }
                if here {
                    *c += 1;
                }
            }
            w.write_all(b"\n").map_err(&err)?;
        }
    } else {
        for c in &out.traces.columns {
            write!(w, ",{}", c.name).map_err(&err)?;
        }
        w.write_all(b"\n").map_err(&err)?;
        for (k, t) in out.traces.t.iter().enumerate() {
            write!(w, "{t:e}").map_err(&err)?;
            for c in &out.traces.columns {
                value(&mut w, c.values.get(k).copied()).map_err(&err)?;
            }
            w.write_all(b"\n").map_err(&err)?;
        }
    }
    w.flush().map_err(&err)
}
