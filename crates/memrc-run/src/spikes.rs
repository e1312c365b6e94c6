//! Spikes of a run kept in memory up to a bound and spilled to disk beyond it (issue #13 §3).
//!
//! A network run appends each chunk's spikes ([`crate::CHUNKS`] per run) to a [`SpikeStore`].
//! While the store holds at most [`SpillSettings::memory`] bytes of spikes (12 bytes a spike: time
//! `f64` \[s\], global id `u32`), they stay in memory; the first chunk that takes it beyond
//! moves them all to an anonymous temporary file (removed by the system when the store is
//! dropped, or when the process dies) in [`SpillSettings::dir`] — the command line gives the
//! output directory's staging area, so the spill lands on the disk that will hold the output —
//! and every later overflow appends to it. The writers (`spikes.csv`, the `spike_*` arrays of
//! `traces.npz`/`.npy`, `spikes.h5`) then stream the spikes back in batches of
//! [`BATCH`], so neither the run nor the writing holds more than the bound plus one chunk.
//!
//! The spill file is a sequence of 12-byte records, `f64` time then `u32` id, little-endian; its
//! spikes come before the ones still in memory, so the store's order is the run's order (time,
//! then id).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use memrc::net::RunResult;

use crate::error::{Result, RunError};
use crate::traces::{Population, Spikes, population_index};

/// Bytes of one spike in memory and in the spill file: time `f64` and global id `u32`.
pub const SPIKE_BYTES: u64 = 12;

/// Spikes per batch when the store is read back (a batch is 12 × [`BATCH`] bytes = 192 KiB).
pub const BATCH: usize = 1 << 14;

/// Default bound of the spikes kept in memory: 64 MiB (5.6 million spikes).
pub const DEFAULT_MEMORY: u64 = 64 << 20;

/// Where and beyond what a [`SpikeStore`] spills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillSettings {
    /// Bytes of spikes kept in memory ([`SPIKE_BYTES`] each) before they spill to disk.
    pub memory: u64,
    /// Directory of the spill file (default: the system's temporary directory).
    pub dir: Option<PathBuf>,
}

impl Default for SpillSettings {
    fn default() -> Self {
        Self {
            memory: DEFAULT_MEMORY,
            dir: None,
        }
    }
}

/// The spill file and how many spikes it holds.
#[derive(Debug)]
struct Spill {
    file: File,
    len: u64,
}

/// The spikes of a run, in time order (then id), in memory up to a bound and on disk beyond
/// it (see the module documentation).
#[derive(Debug, Default)]
pub struct SpikeStore {
    populations: Vec<Population>,
    settings: SpillSettings,
    /// The spikes after the spilled ones: times \[s\] and global ids.
    times: Vec<f64>,
    ids: Vec<u32>,
    spill: Option<Mutex<Spill>>,
    /// Spikes per population.
    counts: Vec<u64>,
    first: Option<f64>,
}

fn spill_error(path: Option<&PathBuf>, e: std::io::Error) -> RunError {
    let dir = path.cloned().unwrap_or_else(std::env::temp_dir);
    RunError::io("spilling spikes to a temporary file in", dir, e)
}

impl SpikeStore {
    /// An empty store for spikes of `populations` that spills as `settings` says.
    pub fn new(populations: Vec<Population>, settings: SpillSettings) -> Self {
        Self {
            counts: vec![0; populations.len()],
            populations,
            settings,
            ..Self::default()
        }
    }

    /// The spikes `s`, in memory (a circuit's spikes: never spilled).
    pub fn from_spikes(s: Spikes) -> Self {
        let mut store = Self::new(
            s.populations,
            SpillSettings {
                memory: u64::MAX,
                dir: None,
            },
        );
        store.count(&s.ids);
        store.first = s.times.first().copied();
        store.times = s.times;
        store.ids = s.ids;
        store
    }

    fn count(&mut self, ids: &[u32]) {
        for k in population_index(&self.populations, ids) {
            if let Some(c) = self.counts.get_mut(k as usize) {
                *c += 1;
            }
        }
    }

    /// Appends the spikes of the next chunk of the run (later than those held), moving them out
    /// of `times` and `ids`; spills when the store goes beyond its bound.
    pub fn push(&mut self, times: &mut Vec<f64>, ids: &mut Vec<u32>) -> Result<()> {
        if times.len() != ids.len() {
            return Err(RunError::Output(format!(
                "a chunk of spikes has {} times but {} ids",
                times.len(),
                ids.len()
            )));
        }
        self.count(ids);
        if self.first.is_none() {
            self.first = times.first().copied();
        }
        if self.times.is_empty() {
            // Keep the chunk's own buffers: no copy for the first chunk, nor after a spill.
            std::mem::swap(&mut self.times, times);
            std::mem::swap(&mut self.ids, ids);
        } else {
            self.times.append(times);
            self.ids.append(ids);
        }
        if self.times.len() as u64 * SPIKE_BYTES > self.settings.memory {
            self.spill_memory()?;
        }
        Ok(())
    }

    /// Moves the spikes held in memory to the end of the spill file (created at the first
    /// spill) and frees their memory.
    fn spill_memory(&mut self) -> Result<()> {
        let dir = self.settings.dir.as_ref();
        if self.spill.is_none() {
            let file = match dir {
                Some(d) => tempfile::tempfile_in(d),
                None => tempfile::tempfile(),
            }
            .map_err(|e| spill_error(dir, e))?;
            self.spill = Some(Mutex::new(Spill { file, len: 0 }));
        }
        let spill = self.spill.as_mut().map(Mutex::get_mut);
        let Some(Ok(spill)) = spill else {
            return Err(RunError::Output("the spike spill file is poisoned".into()));
        };
        spill
            .file
            .seek(SeekFrom::End(0))
            .map_err(|e| spill_error(dir, e))?;
        let mut w = BufWriter::with_capacity(1 << 16, &spill.file);
        for (t, id) in self.times.iter().zip(&self.ids) {
            w.write_all(&t.to_le_bytes())
                .and_then(|()| w.write_all(&id.to_le_bytes()))
                .map_err(|e| spill_error(dir, e))?;
        }
        w.flush().map_err(|e| spill_error(dir, e))?;
        drop(w);
        spill.len += self.times.len() as u64;
        self.times = Vec::new();
        self.ids = Vec::new();
        Ok(())
    }

    /// The populations the ids belong to, in order.
    pub fn populations(&self) -> &[Population] {
        &self.populations
    }

    /// Number of spikes.
    pub fn len(&self) -> u64 {
        self.spilled() + self.times.len() as u64
    }

    /// Whether there are no spikes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Spikes in the spill file (0 when the store never spilled).
    pub fn spilled(&self) -> u64 {
        self.spill
            .as_ref()
            .and_then(|s| s.lock().ok().map(|s| s.len))
            .unwrap_or(0)
    }

    /// Spikes per population (aligned with [`SpikeStore::populations`]).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Time of the first spike \[s\].
    pub fn first_time(&self) -> Option<f64> {
        self.first
    }

    /// Calls `f` with consecutive batches of at most `batch` spikes (times \[s\], global ids),
    /// in order; stops at the first error.
    pub fn for_each_batch(
        &self,
        batch: usize,
        mut f: impl FnMut(&[f64], &[u32]) -> Result<()>,
    ) -> Result<()> {
        let batch = batch.max(1);
        if let Some(spill) = &self.spill {
            let mut spill = spill
                .lock()
                .map_err(|_| RunError::Output("the spike spill file is poisoned".into()))?;
            let dir = self.settings.dir.as_ref();
            let len = spill.len;
            spill
                .file
                .seek(SeekFrom::Start(0))
                .map_err(|e| spill_error(dir, e))?;
            let mut r = BufReader::with_capacity(1 << 16, &spill.file);
            let (mut t, mut id) = (Vec::with_capacity(batch), Vec::with_capacity(batch));
            let mut rec = [0u8; SPIKE_BYTES as usize];
            let mut left = len;
            while left > 0 {
                t.clear();
                id.clear();
                while left > 0 && t.len() < batch {
                    r.read_exact(&mut rec).map_err(|e| spill_error(dir, e))?;
                    let (a, b) = rec.split_at(8);
                    t.push(f64::from_le_bytes(a.try_into().unwrap_or_default()));
                    id.push(u32::from_le_bytes(b.try_into().unwrap_or_default()));
                    left -= 1;
                }
                f(&t, &id)?;
            }
        }
        for (t, id) in self.times.chunks(batch).zip(self.ids.chunks(batch)) {
            f(t, id)?;
        }
        Ok(())
    }

    /// All spikes in memory (Python's `Result.spikes`, the raster figure).
    pub fn to_spikes(&self) -> Result<Spikes> {
        let n = usize::try_from(self.len()).unwrap_or(usize::MAX);
        let mut s = Spikes {
            times: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            populations: self.populations.clone(),
        };
        self.for_each_batch(BATCH, |t, id| {
            s.times.extend_from_slice(t);
            s.ids.extend_from_slice(id);
            Ok(())
        })?;
        Ok(s)
    }

    /// Mean firing rate of each population over the run `r` \[Hz\]: the spike count over size ×
    /// duration, as [`RunResult::population_rates`] computes it from a run holding its spikes.
    pub fn population_rates(&self, r: &RunResult) -> Vec<(String, f64)> {
        let dur = r.t_end - r.t_start;
        self.populations
            .iter()
            .zip(&self.counts)
            .map(|(p, &c)| (p.name.clone(), c as f64 / (p.size as f64 * dur)))
            .collect()
    }

    /// Mean firing rate over all neurons of the run `r` \[Hz\] (as [`RunResult::mean_rate`]).
    pub fn mean_rate(&self, r: &RunResult) -> f64 {
        let n: usize = self.populations.iter().map(|p| p.size).sum();
        self.len() as f64 / (n as f64 * (r.t_end - r.t_start))
    }

    /// Rate of population `name` in bins of `bin` \[s\] over the run `r` \[Hz\]:
    /// [`RunResult::population_rate`] applied to each batch of spikes and summed (it is linear
    /// in the spikes). `None` for an unknown name or a bin not > 0.
    pub fn population_rate(&self, r: &RunResult, name: &str, bin: f64) -> Result<Option<Vec<f64>>> {
        let mut shell = RunResult {
            t_start: r.t_start,
            t_end: r.t_end,
            dt: r.dt,
            populations: r.populations.clone(),
            spikes: Default::default(),
            recordings: Vec::new(),
            stats: r.stats.clone(),
            warnings: Vec::new(),
        };
        let mut total: Option<Vec<f64>> = None;
        let mut known = true;
        self.for_each_batch(BATCH, |t, id| {
            shell.spikes.times.clear();
            shell.spikes.times.extend_from_slice(t);
            shell.spikes.ids.clear();
            shell.spikes.ids.extend_from_slice(id);
            match (shell.population_rate(name, bin), &mut total) {
                (None, _) => known = false,
                (Some(x), None) => total = Some(x),
                (Some(x), Some(acc)) => acc.iter_mut().zip(x).for_each(|(a, b)| *a += b),
            }
            Ok(())
        })?;
        if !known {
            return Ok(None);
        }
        // No spikes: the zero rates of the run's bins.
        Ok(total.or_else(|| shell.population_rate(name, bin)))
    }
}
