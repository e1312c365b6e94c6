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
//! - `spikes.h5` (`sonata`, networks with `[network] spikes = true`, built with the cargo
//!   feature `hdf5`): a SONATA spike file (SONATA developer guide, "Spike file"; Dai et al. 2020,
//!   PLoS Comput Biol 16:e1007696), one group `/spikes/POP` per population with
//!   `timestamps` (float64, attribute `units` = `ms`), `node_ids` (uint64, population-local)
//!   and the attribute `sorting`, the HDF5 enum {none = 0, by_id = 1, by_time = 2} over an
//!   8-bit integer that libsonata's `SpikeReader` reads, = `by_time`.
//!
//! The spikes are streamed from the run's [`crate::SpikeStore`] in batches: none of the writers
//! holds them all in memory.

use std::collections::HashSet;
use std::io::Write;

use ndarray::{ArrayView1, ArrayView2};
use ndarray_npy::{WritableElement, WriteNpyExt};

use crate::error::{Result, RunError};
use crate::outdir::OutputDir;
use crate::spikes::{BATCH, SpikeStore};
use crate::traces::{identifier, population_index};
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
            "sonata" => Format::Sonata,
            other => {
                return Err(RunError::setting(format!(
                    "unknown --format '{other}': expected csv, npz, npy, sonata, comma-separated"
                )));
            }
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err(RunError::setting(
            "--format needs at least one of csv, npz, npy, sonata",
        ));
    }
    check_formats(&out)?;
    Ok(out)
}

/// Whether this build writes `sonata` (the cargo feature `hdf5`).
pub const SONATA: bool = cfg!(feature = "hdf5");

/// Refuses formats this build cannot write: `sonata` without the cargo feature `hdf5`.
pub fn check_formats(formats: &[Format]) -> Result<()> {
    if formats.contains(&Format::Sonata) && !SONATA {
        return Err(RunError::setting(
            "the format 'sonata' (spikes.h5) needs memrc built with the cargo feature 'hdf5' \
             and libhdf5 (cargo build --release --features hdf5; Debian: apt-get install \
             libhdf5-dev); this build has no HDF5",
        ));
    }
    Ok(())
}

/// One array of `traces.npz`.
enum Array<'a> {
    F64(&'a [f64]),
    F64x2 {
        rows: usize,
        data: &'a [f64],
    },
    U64(Vec<u64>),
    /// A column of the run's spikes, streamed from its store.
    Spikes(&'a SpikeStore, SpikeColumn),
}

/// A column of the spikes in `traces.npz`/`.npy`.
#[derive(Debug, Clone, Copy)]
enum SpikeColumn {
    /// `spike_t`, float64 \[s\].
    Time,
    /// `spike_id`, uint32, global.
    Id,
    /// `spike_population`, uint16, index into the populations.
    Population,
}

impl SpikeColumn {
    /// NumPy's type string and the bytes of one element.
    fn descr(self) -> (&'static str, u64) {
        match self {
            Self::Time => ("<f8", 8),
            Self::Id => ("<u4", 4),
            Self::Population => ("<u2", 2),
        }
    }
}

/// The header of a one-dimensional `.npy` file (format version 1.0) of `len` elements of
/// NumPy type `descr`: the magic string, the version, the header length and the header
/// dictionary, padded with spaces and a newline to a multiple of 64 bytes (NumPy's
/// `numpy.lib.format`, "NPY format").
fn npy_header(descr: &str, len: u64) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({len},), }}");
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let header_len = (dict.len() + pad + 1) as u16;
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend_from_slice(&header_len.to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(h.len() + pad, b' ');
    h.push(b'\n');
    h
}

/// Bytes of the `.npy` file of a spike column.
fn spike_npy_bytes(store: &SpikeStore, c: SpikeColumn) -> u64 {
    let (descr, size) = c.descr();
    npy_header(descr, store.len()).len() as u64 + store.len() * size
}

/// Streams a spike column as a `.npy` file into `w`.
fn write_spike_npy<W: Write>(
    w: &mut W,
    store: &SpikeStore,
    c: SpikeColumn,
) -> std::result::Result<(), String> {
    let (descr, _) = c.descr();
    let e = |e: std::io::Error| RunError::Output(e.to_string());
    w.write_all(&npy_header(descr, store.len()))
        .map_err(|e| e.to_string())?;
    let pops = store.populations();
    store
        .for_each_batch(BATCH, |t, id| {
            match c {
                SpikeColumn::Time => t.iter().try_for_each(|x| w.write_all(&x.to_le_bytes())),
                SpikeColumn::Id => id.iter().try_for_each(|x| w.write_all(&x.to_le_bytes())),
                SpikeColumn::Population => population_index(pops, id)
                    .iter()
                    .try_for_each(|x| w.write_all(&x.to_le_bytes())),
            }
            .map_err(e)
        })
        .map_err(|e| e.to_string())
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
                for (key, c) in [
                    ("spike_t", SpikeColumn::Time),
                    ("spike_id", SpikeColumn::Id),
                    ("spike_population", SpikeColumn::Population),
                ] {
                    v.push((unique(key.into()), Array::Spikes(&out.spikes, c)));
                }
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

/// Adds the array `a` as `KEY.npy` to the zip archive `npz`, uncompressed (as
/// `ndarray_npy::NpzWriter::new` and `numpy.savez` do), in the zip64 format when it is larger
/// than a plain zip entry can be.
fn npz_add<W: Write + std::io::Seek>(
    npz: &mut zip::ZipWriter<W>,
    key: &str,
    a: &Array<'_>,
) -> std::result::Result<(), String> {
    // Data bytes, and at most 128 bytes of `.npy` header for the in-memory arrays.
    let bytes = match a {
        Array::F64(x) => 128 + 8 * x.len() as u64,
        Array::F64x2 { data, .. } => 128 + 8 * data.len() as u64,
        Array::U64(x) => 128 + 8 * x.len() as u64,
        Array::Spikes(store, c) => spike_npy_bytes(store, *c),
    };
    let large = bytes >= u64::from(u32::MAX);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(large);
    npz.start_file(format!("{key}.npy"), options)
        .map_err(|e| e.to_string())?;
    let mut w = std::io::BufWriter::new(npz);
    npy_write(&mut w, a)?;
    w.flush().map_err(|e| e.to_string())
}

/// `data` (row-major) as a `rows × (len / rows)` array.
fn view2(rows: usize, data: &[f64]) -> std::result::Result<ArrayView2<'_, f64>, String> {
    let cols = data.len().checked_div(rows).unwrap_or(0);
    ArrayView2::from_shape((rows, cols), &data[..rows * cols]).map_err(|e| e.to_string())
}

fn npy_write<W: Write>(mut w: W, a: &Array<'_>) -> std::result::Result<(), String> {
    fn one<T: WritableElement, W: Write>(w: W, x: &[T]) -> std::result::Result<(), String> {
        ArrayView1::from(x).write_npy(w).map_err(|e| e.to_string())
    }
    match a {
        Array::F64(x) => one(w, x),
        Array::F64x2 { rows, data } => view2(*rows, data)?.write_npy(w).map_err(|e| e.to_string()),
        Array::U64(x) => one(w, x),
        Array::Spikes(store, c) => write_spike_npy(&mut w, store, *c),
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
    check_formats(formats)?;
    let t = out.times();
    #[cfg(feature = "hdf5")]
    if formats.contains(&Format::Sonata) && out.spike_files {
        sonata::write(&out.spikes, dir)?;
    }
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
        let mut npz = zip::ZipWriter::new(w);
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
    w.write_all(b"t_s,id,population\n").map_err(&err)?;
    let populations = out.spikes.populations();
    out.spikes.for_each_batch(BATCH, |times, ids| {
        let pops = population_index(populations, ids);
        for ((t, id), p) in times.iter().zip(ids).zip(pops) {
            let pop = populations.get(p as usize).map_or("", |p| p.name.as_str());
            writeln!(w, "{t:e},{id},{pop}").map_err(&err)?;
        }
        Ok(())
    })?;
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

#[cfg(feature = "hdf5")]
pub use sonata::Sorting;

/// `spikes.h5`, the SONATA spike file (see the module documentation).
#[cfg(feature = "hdf5")]
mod sonata {
    use hdf5::H5Type;
    use hdf5::types::VarLenAscii;

    use super::{BATCH, OutputDir, Result, RunError, SpikeStore, population_index};

    /// The `sorting` attribute of a SONATA spike population: the HDF5 enum over an 8-bit
    /// signed integer that libsonata's `SpikeReader::Population::Sorting` (a C++ `enum class`
    /// over `char`) reads, members named as there.
    #[derive(H5Type, Clone, Copy, Debug, PartialEq, Eq)]
    #[repr(i8)]
    #[allow(non_camel_case_types)]
    pub enum Sorting {
        /// No order.
        none = 0,
        /// By node id.
        by_id = 1,
        /// By time (memrc's order: time, then id).
        by_time = 2,
    }

    /// One population's datasets and the spikes waiting to be written to them.
    struct Pop {
        timestamps: hdf5::Dataset,
        node_ids: hdf5::Dataset,
        offset: u64,
        written: usize,
        t: Vec<f64>,
        id: Vec<u64>,
    }

    impl Pop {
        fn flush(&mut self) -> hdf5::Result<()> {
            let (a, b) = (self.written, self.written + self.t.len());
            self.timestamps.write_slice(&self.t, a..b)?;
            self.node_ids.write_slice(&self.id, a..b)?;
            self.written = b;
            self.t.clear();
            self.id.clear();
            Ok(())
        }
    }

    /// Writes the spikes of `store` as `spikes.h5` into `dir`: per population (one without
    /// spikes too, with empty datasets), its times in ms and its population-local node ids,
    /// sorted by time.
    pub fn write(store: &SpikeStore, dir: &mut OutputDir) -> Result<()> {
        let name = "spikes.h5";
        let path = dir.staged_path(name)?;
        let shown = dir.dir().join(name);
        let err = |e: hdf5::Error| {
            RunError::io(
                "writing",
                shown.clone(),
                std::io::Error::other(e.to_string()),
            )
        };
        let file = hdf5::File::create(&path).map_err(err)?;
        let spikes = file.create_group("spikes").map_err(err)?;
        let units = VarLenAscii::from_ascii("ms")
            .map_err(|e| RunError::Output(format!("spikes.h5: {e}")))?;
        let pops = store.populations();
        let mut out: Vec<Pop> = Vec::with_capacity(pops.len());
        for (p, &n) in pops.iter().zip(store.counts()) {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let g = spikes.create_group(&p.name).map_err(err)?;
            g.new_attr::<Sorting>()
                .create("sorting")
                .and_then(|a| a.write_scalar(&Sorting::by_time))
                .map_err(err)?;
            let timestamps = g
                .new_dataset::<f64>()
                .shape(n)
                .create("timestamps")
                .map_err(err)?;
            timestamps
                .new_attr::<VarLenAscii>()
                .create("units")
                .and_then(|a| a.write_scalar(&units))
                .map_err(err)?;
            let node_ids = g
                .new_dataset::<u64>()
                .shape(n)
                .create("node_ids")
                .map_err(err)?;
            out.push(Pop {
                timestamps,
                node_ids,
                offset: p.offset as u64,
                written: 0,
                t: Vec::new(),
                id: Vec::new(),
            });
        }
        store.for_each_batch(BATCH, |t, id| {
            for ((&t, &id), k) in t.iter().zip(id).zip(population_index(pops, id)) {
                if let Some(p) = out.get_mut(k as usize) {
                    p.t.push(t * 1e3);
                    p.id.push(u64::from(id) - p.offset);
                    if p.t.len() >= BATCH {
                        p.flush().map_err(err)?;
                    }
                }
            }
            Ok(())
        })?;
        for p in &mut out {
            p.flush().map_err(err)?;
        }
        drop(out);
        drop(spikes);
        file.close().map_err(err)
    }
}
