//! The time loop: per-thread shards, spike exchange, delivery, recording.

use super::coupling::{self, Snapshots};
use super::exchange::Exchange;
use super::model::SynapticInput;
use super::network::{Delays, Network, PopulationInfo, Probe, VarRef, Weights};
use super::scheme::{self, Scheme, SchemeWork};
use super::{NetError, NetWarning, NetworkKey, Subject};
use crate::simd::SimdLevel;
use std::sync::RwLock;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Options of [`Network::run_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOptions {
    /// Worker threads (`0` is taken as 1; at most one per neuron).
    pub threads: usize,
    /// Instruction set of the kernels.
    pub simd: SimdLevel,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            threads: 1,
            simd: SimdLevel::Auto,
        }
    }
}

impl RunOptions {
    /// Sets the thread count.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Sets the SIMD level.
    pub fn simd(mut self, simd: SimdLevel) -> Self {
        self.simd = simd;
        self
    }
}

/// Recorded spikes, ordered by time then global id.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SpikeRecord {
    /// Spike times \[s\]: the upward crossing of `θ` by `v` inside the step at whose end
    /// `v > θ` (located by the scheme's dense output, [`Scheme`]); the step's end when `v`
    /// was already above `θ` at its start.
    pub times: Vec<f64>,
    /// Global neuron ids (population offset + index).
    pub ids: Vec<u32>,
}

/// A sampled recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Recording {
    /// Population.
    pub population: String,
    /// Variable.
    pub variable: String,
    /// Population-local neuron indices.
    pub neurons: Vec<usize>,
    /// Sample times \[s\].
    pub times: Vec<f64>,
    /// `values[j][k]`: neuron `neurons[j]` at `times[k]` \[SI\].
    pub values: Vec<Vec<f64>>,
}

/// Counters and timings of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunStats {
    /// Network build time \[s\].
    pub build_s: f64,
    /// Simulation wall-clock time \[s\].
    pub sim_s: f64,
    /// Steps.
    pub steps: u64,
    /// Steps × neurons.
    pub neuron_steps: u64,
    /// Spikes emitted.
    pub spikes: u64,
    /// Synaptic increments applied.
    pub synaptic_events: u64,
    /// Per shard (thread), the time spent computing its steps \[s\]; `sim_s` minus these
    /// is the time the shard waited for the others at the ends of steps.
    pub thread_busy_s: Vec<f64>,
    /// Threads used.
    pub threads: usize,
    /// Kernel path (`"avx2+fma"` or `"portable"`).
    pub simd: &'static str,
    /// `sim_s / neuron_steps` \[ns\].
    pub ns_per_neuron_step: f64,
    /// The integration scheme (`"exp-euler"`, `"exp2"`, `"dopri5"`).
    pub scheme: &'static str,
    /// Substeps accepted and rejected by an adaptive scheme, summed over neurons (0 for the
    /// fixed-step schemes).
    pub substeps: u64,
    /// Substeps rejected (included in `substeps`).
    pub rejected_substeps: u64,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunResult {
    /// Start time \[s\].
    pub t_start: f64,
    /// End time \[s\].
    pub t_end: f64,
    /// Time step \[s\].
    pub dt: f64,
    /// Populations (for mapping global ids).
    pub populations: Vec<PopulationInfo>,
    /// Spikes.
    pub spikes: SpikeRecord,
    /// Sampled recordings, in the order they were added.
    pub recordings: Vec<Recording>,
    /// Counters and timings.
    pub stats: RunStats,
    /// Build warnings.
    pub warnings: Vec<NetWarning>,
}

impl RunResult {
    /// Mean firing rate of each population over the run \[Hz\].
    pub fn population_rates(&self) -> Vec<(String, f64)> {
        let dur = self.t_end - self.t_start;
        let mut counts = vec![0u64; self.populations.len()];
        for &id in &self.spikes.ids {
            let id = id as usize;
            if let Some(k) = self
                .populations
                .iter()
                .position(|p| id >= p.offset && id < p.offset + p.size)
            {
                counts[k] += 1;
            }
        }
        self.populations
            .iter()
            .zip(counts)
            .map(|(p, c)| (p.name.clone(), c as f64 / (p.size as f64 * dur)))
            .collect()
    }

    /// Mean firing rate over all neurons \[Hz\].
    pub fn mean_rate(&self) -> f64 {
        let n: usize = self.populations.iter().map(|p| p.size).sum();
        self.spikes.ids.len() as f64 / (n as f64 * (self.t_end - self.t_start))
    }

    /// Rate of population `name` in consecutive bins of `bin` \[s\] \[Hz\] (`None` for an
    /// unknown name or a bin not > 0).
    pub fn population_rate(&self, name: &str, bin: f64) -> Option<Vec<f64>> {
        let p = self.populations.iter().find(|p| p.name == name)?;
        if !(bin > 0.0 && bin.is_finite()) {
            return None;
        }
        let nbins = ((self.t_end - self.t_start) / bin).ceil().max(0.0) as usize;
        let mut out = vec![0.0; nbins];
        for (&t, &id) in self.spikes.times.iter().zip(&self.spikes.ids) {
            let id = id as usize;
            if id >= p.offset && id < p.offset + p.size {
                // A spike at t ∈ (t_s, t_{s+1}] belongs to the step s that produced it.
                let step = ((t - self.t_start) / self.dt - 1e-6).ceil() - 1.0;
                let k = ((step + 0.5) * self.dt / bin).floor();
                if k >= 0.0 && (k as usize) < nbins {
                    out[k as usize] += 1.0;
                }
            }
        }
        out.iter_mut().for_each(|x| *x /= p.size as f64 * bin);
        Some(out)
    }
}

/// Neurons per block of the fused per-step passes (input sums, kernel, threshold): small
/// enough that a block's arrays stay in L1/L2 between the passes.
const BLOCK: usize = 512;

/// A population's part of a shard.
struct PopShard {
    lo: usize,
    hi: usize,
    /// The per-neuron arrays: state, receptors, last spikes, next substeps.
    a: Arrays,
    g_syn: Vec<f64>,
    j_syn: Vec<f64>,
    /// Threshold crossings of the current block (scratch).
    fire: Vec<u8>,
    /// The scheme's scratch.
    work: SchemeWork,
    /// Reversal potential \[V\] and rate \[1/s\] of each exponential of the receptors
    /// ([`ReceptorState::components`](super::receptor::ReceptorState::components)).
    rates: Vec<(f64, f64)>,
    /// Synaptic input at the step's midpoint (exp2), held couplings (exp2, dopri5), per
    /// neuron of the block.
    g_half: Vec<f64>,
    j_half: Vec<f64>,
    g_held: Vec<f64>,
    j_held: Vec<f64>,
}

impl super::input::Target for PopShard {
    fn range(&self) -> (usize, usize) {
        (self.lo, self.hi)
    }

    fn variable(&mut self, k: usize) -> &mut [f64] {
        &mut self.a.state[k]
    }

    fn receptor(&mut self, r: usize) -> &mut [f64] {
        &mut self.a.g[r]
    }
}

/// A population's per-neuron arrays for a shard (copies, or the network's own moved in).
struct Arrays {
    state: Vec<Vec<f64>>,
    g: Vec<Vec<f64>>,
    /// Double-exponential receptors' conductances (empty for single exponentials).
    cond: Vec<Vec<f64>>,
    ring: Vec<Vec<f64>>,
    last: Vec<i64>,
    /// Each neuron's next substep ([`Scheme::Dopri5`], [`Scheme::Rk23`]; empty otherwise).
    h: Vec<f64>,
}

struct ProbeShard {
    probe: usize,
    /// (position in the probe's neuron list, shard-local index).
    slots: Vec<(usize, usize)>,
    data: Vec<f64>,
}

/// The neurons a worker owns (aligned so that the counters of neighbouring shards, written
/// every step by different threads, do not share a cache line).
#[repr(align(128))]
struct Shard {
    pops: Vec<PopShard>,
    probes: Vec<ProbeShard>,
    /// (step, global id, time \[s\]).
    spikes: Vec<(u64, u32, f64)>,
    events: u64,
    /// Time spent in steps (not waiting for the other shards).
    busy: Duration,
    /// Kinetic states of the shard's receivers, per coupling (empty for gap junctions).
    coupling_s: Vec<Vec<f64>>,
}

/// Spike lists of the last steps, per (thread, population), population-local ids: step `k`
/// of a run in list `k % lists` (two lists when spikes are delivered every step; one more than
/// the exchange interval of a distributed run).
type Board = Vec<Box<[Slot]>>;

/// One spike list, on cache lines of its own (threads lock their lists every step).
#[repr(align(128))]
#[derive(Default)]
struct Slot(RwLock<Vec<u32>>);

impl std::ops::Deref for Slot {
    type Target = RwLock<Vec<u32>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

fn read(l: &RwLock<Vec<u32>>) -> std::sync::RwLockReadGuard<'_, Vec<u32>> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write(l: &RwLock<Vec<u32>>) -> std::sync::RwLockWriteGuard<'_, Vec<u32>> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

struct Ctx<'a> {
    net: &'a Network,
    s0: u64,
    threads: usize,
    simd: SimdLevel,
    board: &'a Board,
    /// Spike lists of the other ranks for the last two steps, per (rank, population)
    /// (population-local ids; this rank's own entries stay empty).
    remote: &'a Board,
    /// (this rank, ranks).
    part: (usize, usize),
    /// Steps between spike exchanges (a distributed run's minimum delay + 1; 1 otherwise):
    /// the spikes of steps `k − interval..k` are delivered at step `k`, when `k` is a multiple.
    interval: u64,
    /// Lists per board entry (`interval + 1`, at least 2).
    lists: u64,
    /// Step-start voltages read by continuous couplings (all `None` without couplings).
    snap: &'a Snapshots,
}

impl Network {
    /// Advances the network by `duration` \[s\] (rounded to whole steps) on `threads` threads
    /// with the fastest kernels this CPU supports. See [`Self::run_with`].
    pub fn run(&mut self, duration: f64, threads: usize) -> Result<RunResult, NetError> {
        self.run_with(duration, RunOptions::default().threads(threads))
    }

    /// Advances the network by `duration` \[s\] (rounded to whole steps), continuing from its
    /// current state (spikes of the previous run's last step are delivered first). Results
    /// are bitwise identical for any thread count. Fails with [`NetError::NonFinite`] if a
    /// state became NaN or infinite (the state is kept for inspection).
    pub fn run_with(&mut self, duration: f64, options: RunOptions) -> Result<RunResult, NetError> {
        if self.part.1 > 1 {
            return Err(NetError::Distributed {
                reason: format!(
                    "this is rank {}'s share of a network over {} ranks: run it with run_distributed",
                    self.part.0, self.part.1
                ),
            });
        }
        self.run_inner(duration, options, None)
    }

    /// [`Self::run_with`] for one rank's share of a distributed network
    /// ([`super::NetworkBuilder::partition`]): every rank calls it with the same arguments and
    /// its view of `exchange` ([`super::exchange`]). Each rank advances its own neurons; once
    /// per minimum-delay interval ([`Self::exchange_interval`]) the ranks exchange their spikes
    /// (every step the voltages continuous couplings read), and every rank applies all spikes in ascending global id, as a single process does, so
    /// the results are bitwise those of one process for any ranks × threads. Every rank's
    /// [`RunResult`] holds all spikes and recordings; `stats` counts over all ranks (its times
    /// and `thread_busy_s` are this rank's). An error on any rank is returned by all of them.
    pub fn run_distributed(
        &mut self,
        duration: f64,
        options: RunOptions,
        exchange: &dyn Exchange,
    ) -> Result<RunResult, NetError> {
        if exchange.ranks() != self.part.1 || exchange.rank() != self.part.0 {
            return Err(NetError::Distributed {
                reason: format!(
                    "the network was built as rank {} of {}, the exchange is rank {} of {}",
                    self.part.0,
                    self.part.1,
                    exchange.rank(),
                    exchange.ranks()
                ),
            });
        }
        self.run_inner(duration, options, Some(exchange))
    }

    fn run_inner(
        &mut self,
        duration: f64,
        options: RunOptions,
        exchange: Option<&dyn Exchange>,
    ) -> Result<RunResult, NetError> {
        if !(duration.is_finite() && duration >= 0.0) {
            return Err(NetError::bad_parameter(
                Subject::Network(NetworkKey::RunDuration),
                duration,
                "finite and >= 0 s",
            ));
        }
        let steps = (duration / self.dt).round() as u64;
        let n_total = self.n_neurons();
        let part = self.part;
        let threads = options.threads.clamp(1, self.n_neurons_held().max(1));
        let s0 = self.step;
        let start = Instant::now();

        // Thread shards: a part of every population this rank holds (population-local
        // `bounds[p][t]..bounds[p][t + 1]`, multiples of 8 from the rank's first neuron).
        let bounds: Vec<Vec<usize>> = self
            .pops
            .iter()
            .map(|p| {
                let len = p.hi - p.lo;
                (0..=threads)
                    .map(|t| {
                        if t == threads {
                            p.hi
                        } else {
                            p.lo + (len * t / threads) / 8 * 8
                        }
                    })
                    .collect()
            })
            .collect();
        // Voltages that continuous couplings read, whole populations (gathered from all ranks).
        let v_all: Vec<Vec<f64>> = match exchange {
            Some(ex) if !self.couplings.is_empty() => self
                .pops
                .iter()
                .map(|p| {
                    let (mut all, mut counts) = (Vec::new(), Vec::new());
                    ex.all_gather_f64(&p.state[0], &mut all, &mut counts);
                    all
                })
                .collect(),
            _ => Vec::new(),
        };
        let v0: Vec<&[f64]> = if v_all.is_empty() {
            self.pops.iter().map(|p| p.state[0].as_slice()).collect()
        } else {
            v_all.iter().map(Vec::as_slice).collect()
        };
        let snap = coupling::snapshots(&self.couplings, &v0);
        drop(v_all);
        // One thread owns the network's arrays for the run; more work on copies of their parts.
        let moved = threads == 1;
        let mut shards: Vec<Shard> = if moved {
            let ranges: Vec<(usize, usize)> = self.pops.iter().map(|p| (p.lo, p.hi)).collect();
            let arrays = self.take_arrays();
            vec![self.make_shard(&ranges, s0, steps, Some(arrays))]
        } else {
            (0..threads)
                .map(|t| {
                    let ranges: Vec<(usize, usize)> =
                        bounds.iter().map(|b| (b[t], b[t + 1])).collect();
                    self.make_shard(&ranges, s0, steps, None)
                })
                .collect()
        };
        let n_pops = self.pops.len();
        // Spikes are exchanged once per minimum delay (NEST's and Arbor's min-delay interval):
        // a spike of step e, due in the rings at step e + 1 + d, can wait until then.
        let interval = match exchange {
            Some(_) => self.exchange_interval(),
            None => 1,
        };
        let lists = interval + 1;
        let new_board = |n: usize| -> Board {
            (0..n)
                .map(|_| (0..lists).map(|_| Slot::default()).collect())
                .collect()
        };
        let board = new_board(threads * n_pops);
        let remote = new_board(part.1 * n_pops);
        // Pending spikes of the previous run go to the "previous step" lists of their owners
        // (a thread of this rank, or another rank).
        for (p, pending) in self.pending.iter().enumerate() {
            let pop = &self.pops[p];
            let owners = super::exchange::rank_bounds(pop.size, part.1);
            for &j in pending {
                let j_us = j as usize;
                if j_us >= pop.lo && j_us < pop.hi {
                    let t = bounds[p]
                        .partition_point(|&b| b <= j_us)
                        .saturating_sub(1)
                        .min(threads - 1);
                    write(&board[t * n_pops + p][(lists - 1) as usize]).push(j);
                } else {
                    let r = owners
                        .partition_point(|&b| b <= j_us)
                        .saturating_sub(1)
                        .min(part.1 - 1);
                    write(&remote[r * n_pops + p][(lists - 1) as usize]).push(j);
                }
            }
        }
        let pool = self.pool.take();
        let mut pool_used = None;
        let ctx = Ctx {
            net: self,
            s0,
            threads,
            simd: options.simd,
            board: &board,
            remote: &remote,
            part,
            interval,
            lists,
            snap: &snap,
        };
        let mut swap = Swap::default();
        // One thread runs on the calling thread; more are a rayon pool (kept between runs)
        // running the shards of each step as one parallel loop. A distributed run exchanges
        // spikes between steps on the calling thread.
        if threads > 1 {
            let pool = match &pool {
                Some(p) if p.current_num_threads() == threads => p.clone(),
                _ => std::sync::Arc::new(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .map_err(|e| NetError::Threads {
                            reason: e.to_string(),
                        })?,
                ),
            };
            pool_used = Some(pool.clone());
            use rayon::prelude::*;
            let parallel_step = |k: u64, shards: &mut [Shard]| {
                shards
                    .par_iter_mut()
                    .with_max_len(1)
                    .enumerate()
                    .for_each(|(t, shard)| ctx.step(t, k, shard));
            };
            match exchange {
                None => pool.install(|| {
                    for k in 0..steps {
                        parallel_step(k, &mut shards);
                    }
                }),
                Some(ex) => {
                    for k in 0..steps {
                        pool.install(|| parallel_step(k, &mut shards));
                        if let Some(batch) = ctx.batch_after(k, steps) {
                            ctx.exchange(ex, batch, &mut swap);
                        }
                    }
                    if let Some(batch) = ctx.outstanding(steps) {
                        pool.install(|| {
                            shards
                                .par_iter_mut()
                                .with_max_len(1)
                                .for_each(|shard| ctx.deliver_batch(shard, batch.clone()));
                        });
                    }
                }
            }
        } else if let Some(shard) = shards.first_mut() {
            for k in 0..steps {
                ctx.step(0, k, shard);
                if let Some(ex) = exchange
                    && let Some(batch) = ctx.batch_after(k, steps)
                {
                    ctx.exchange(ex, batch, &mut swap);
                }
            }
            if exchange.is_some()
                && let Some(batch) = ctx.outstanding(steps)
            {
                ctx.deliver_batch(shard, batch);
            }
        }
        let sim_s = start.elapsed().as_secs_f64();
        self.pool = pool_used.or(pool);

        // Collect.
        let last_parity = if steps == 0 {
            (lists - 1) as usize
        } else {
            ((steps - 1) % lists) as usize
        };
        // Spikes of the last step, all ranks in order (ascending ids); none when the run
        // delivered them (an exchange interval above one step).
        let mut pending = vec![Vec::new(); n_pops];
        for r in (0..part.1).filter(|_| interval == 1) {
            for (p, out) in pending.iter_mut().enumerate() {
                if r == part.0 {
                    for t in 0..threads {
                        out.extend_from_slice(&read(&board[t * n_pops + p][last_parity]));
                    }
                } else {
                    out.extend_from_slice(&read(&remote[r * n_pops + p][last_parity]));
                }
            }
        }
        self.pending = pending;
        let mut spikes: Vec<(u64, u32, f64)> =
            Vec::with_capacity(shards.iter().map(|s| s.spikes.len()).sum());
        let mut events = 0;
        let (mut substeps, mut rejected) = (0, 0);
        let thread_busy_s: Vec<f64> = shards.iter().map(|s| s.busy.as_secs_f64()).collect();
        for s in &shards {
            spikes.extend_from_slice(&s.spikes);
            events += s.events;
            for p in &s.pops {
                substeps += p.work.accepted + p.work.rejected;
                rejected += p.work.rejected;
            }
        }
        let mut recordings = self.collect_recordings(&shards, s0, steps);
        for shard in shards {
            self.write_back(shard, moved);
        }
        self.step = s0 + steps;
        if let Some(ex) = exchange {
            spikes = if ex.simulated() {
                self.simulated_spikes(&spikes, part.1)
            } else {
                gather_spikes(ex, &spikes)
            };
            [events, substeps, rejected] = [events, substeps, rejected].map(|x| ex.sum_u64(x));
            self.gather_recordings(ex, &mut recordings);
            let local = self.check_finite().err().map(|e| e.to_string());
            if let Some((rank, message)) = ex.first_error(local.as_deref()) {
                return Err(NetError::Distributed {
                    reason: format!("rank {rank}: {message}"),
                });
            }
        }
        spikes.sort_unstable_by(|a, b| a.2.total_cmp(&b.2).then(a.1.cmp(&b.1)));
        self.check_finite()?;

        let neuron_steps = steps * n_total as u64;
        let dt = self.dt;
        Ok(RunResult {
            t_start: s0 as f64 * dt,
            t_end: (s0 + steps) as f64 * dt,
            dt,
            populations: self.populations(),
            spikes: SpikeRecord {
                times: spikes.iter().map(|&(_, _, t)| t).collect(),
                ids: spikes.iter().map(|&(_, id, _)| id).collect(),
            },
            recordings,
            stats: RunStats {
                build_s: self.build_s,
                sim_s,
                steps,
                neuron_steps,
                spikes: spikes.len() as u64,
                synaptic_events: events,
                thread_busy_s,
                threads,
                simd: options.simd.resolved_name(),
                ns_per_neuron_step: if neuron_steps > 0 {
                    sim_s * 1e9 / neuron_steps as f64
                } else {
                    0.0
                },
                scheme: self.scheme.key(),
                substeps,
                rejected_substeps: rejected,
            },
            warnings: self.warnings.clone(),
        })
    }

    /// The shard part of population `p` for its neurons `lo..hi`, owning `a`.
    fn pop_shard(
        &self,
        p: &super::network::Population,
        (lo, hi): (usize, usize),
        a: Arrays,
    ) -> PopShard {
        let len = hi - lo;
        let half = match self.scheme {
            Scheme::ExpEuler => Vec::new(),
            _ => vec![0.0; len.min(BLOCK)],
        };
        let rates: Vec<(f64, f64)> = p
            .receptors
            .iter()
            .flat_map(|r| r.components(self.dt))
            .collect();
        PopShard {
            lo,
            hi,
            a,
            g_syn: vec![0.0; len.min(BLOCK)],
            j_syn: vec![0.0; len.min(BLOCK)],
            fire: vec![0; len.min(BLOCK)],
            work: SchemeWork::new(self.scheme, p.model.as_ref(), rates.len(), len.min(BLOCK)),
            rates,
            g_half: half.clone(),
            j_half: half.clone(),
            g_held: half.clone(),
            j_held: half,
        }
    }

    /// Moves every population's per-neuron arrays out (for a one-thread run's shard).
    fn take_arrays(&mut self) -> Vec<Arrays> {
        use std::mem::take;
        self.pops
            .iter_mut()
            .map(|p| Arrays {
                state: take(&mut p.state),
                g: p.receptors.iter_mut().map(|r| take(&mut r.g)).collect(),
                cond: p.receptors.iter_mut().map(|r| take(&mut r.cond)).collect(),
                ring: p.receptors.iter_mut().map(|r| take(&mut r.ring)).collect(),
                last: take(&mut p.last_spike),
                h: take(&mut p.step_size),
            })
            .collect()
    }

    /// Copies the neurons `ranges[p]` (population-local, held by this rank) of every
    /// population `p` into a shard.
    ///
    /// With `moved` (the arrays of a one-thread run, [`Self::take_arrays`]), the shard owns them
    /// instead of copies: the neuron state is not held twice.
    fn make_shard(
        &self,
        ranges: &[(usize, usize)],
        s0: u64,
        steps: u64,
        moved: Option<Vec<Arrays>>,
    ) -> Shard {
        let mut moved = moved.map(Vec::into_iter);
        let pops: Vec<PopShard> = self
            .pops
            .iter()
            .zip(ranges)
            .map(|(p, &(lo, hi))| {
                if let Some(a) = moved.as_mut().and_then(Iterator::next) {
                    return self.pop_shard(p, (lo, hi), a);
                }
                // Indices into this rank's arrays (which start at neuron p.lo).
                let (l0, l1) = (lo.clamp(p.lo, p.hi) - p.lo, hi.clamp(p.lo, p.hi) - p.lo);
                let held = p.hi - p.lo;
                let arrays = Arrays {
                    state: p.state.iter().map(|x| x[l0..l1].to_vec()).collect(),
                    g: p.receptors.iter().map(|r| r.g[l0..l1].to_vec()).collect(),
                    cond: p
                        .receptors
                        .iter()
                        .map(|r| r.cond.get(l0..l1).map(<[f64]>::to_vec).unwrap_or_default())
                        .collect(),
                    ring: p
                        .receptors
                        .iter()
                        .map(|r| {
                            (0..r.slots)
                                .flat_map(|s| r.ring[s * held + l0..s * held + l1].iter().copied())
                                .collect()
                        })
                        .collect(),
                    last: p.last_spike[l0..l1].to_vec(),
                    h: p.step_size
                        .get(l0..l1)
                        .map(<[f64]>::to_vec)
                        .unwrap_or_default(),
                };
                self.pop_shard(p, (lo, hi), arrays)
            })
            .collect();
        let probes = self
            .probes
            .iter()
            .enumerate()
            .filter_map(|(k, pr)| {
                let ps = &pops[pr.pop];
                let slots: Vec<(usize, usize)> = pr
                    .neurons
                    .iter()
                    .enumerate()
                    .filter(|&(_, &i)| i >= ps.lo && i < ps.hi)
                    .map(|(j, &i)| (j, i - ps.lo))
                    .collect();
                (!slots.is_empty()).then(|| ProbeShard {
                    probe: k,
                    data: Vec::with_capacity(slots.len() * samples(pr, s0, steps).len()),
                    slots,
                })
            })
            .collect();
        // Room for ~100 Hz without reallocation.
        let n: usize = ranges.iter().map(|&(lo, hi)| hi - lo).sum();
        let expect = (n as f64 * steps as f64 * self.dt * 100.0) as usize;
        let coupling_s = self
            .couplings
            .iter()
            .map(|c| match c.sides.first() {
                Some(side) if !c.s.is_empty() => {
                    let ps = &pops[side.receiver];
                    c.s[side.offsets[ps.lo]..side.offsets[ps.hi]].to_vec()
                }
                _ => Vec::new(),
            })
            .collect();
        Shard {
            pops,
            probes,
            spikes: Vec::with_capacity(expect.min(1 << 24)),
            events: 0,
            busy: Duration::ZERO,
            coupling_s,
        }
    }

    /// Copies a shard's state back into the network, or (`moved`: a one-thread run) moves its
    /// arrays back.
    fn write_back(&mut self, shard: Shard, moved: bool) {
        for (c, s) in self.couplings.iter_mut().zip(&shard.coupling_s) {
            if let (Some(side), false) = (c.sides.first(), s.is_empty()) {
                let ps = &shard.pops[side.receiver];
                c.s[side.offsets[ps.lo]..side.offsets[ps.hi]].copy_from_slice(s);
            }
        }
        if moved {
            for (p, ps) in self.pops.iter_mut().zip(shard.pops) {
                p.state = ps.a.state;
                for (((r, g), c), ring) in p
                    .receptors
                    .iter_mut()
                    .zip(ps.a.g)
                    .zip(ps.a.cond)
                    .zip(ps.a.ring)
                {
                    (r.g, r.cond, r.ring) = (g, c, ring);
                }
                p.last_spike = ps.a.last;
                p.step_size = ps.a.h;
            }
            return;
        }
        for (p, ps) in self.pops.iter_mut().zip(shard.pops) {
            if ps.lo == ps.hi {
                continue;
            }
            let (lo, hi) = (ps.lo - p.lo, ps.hi - p.lo);
            let held = p.hi - p.lo;
            for (dst, src) in p.state.iter_mut().zip(&ps.a.state) {
                dst[lo..hi].copy_from_slice(src);
            }
            for ((r, g), ring) in p.receptors.iter_mut().zip(&ps.a.g).zip(&ps.a.ring) {
                r.g[lo..hi].copy_from_slice(g);
                let len = hi - lo;
                for s in 0..r.slots {
                    r.ring[s * held + lo..s * held + hi]
                        .copy_from_slice(&ring[s * len..(s + 1) * len]);
                }
            }
            for (r, c) in p.receptors.iter_mut().zip(&ps.a.cond) {
                if let Some(dst) = r.cond.get_mut(lo..hi) {
                    dst.copy_from_slice(c);
                }
            }
            p.last_spike[lo..hi].copy_from_slice(&ps.a.last);
            if let Some(h) = p.step_size.get_mut(lo..hi) {
                h.copy_from_slice(&ps.a.h);
            }
        }
    }

    fn collect_recordings(&self, shards: &[Shard], s0: u64, steps: u64) -> Vec<Recording> {
        self.probes
            .iter()
            .enumerate()
            .map(|(k, pr)| {
                let times: Vec<f64> = samples(pr, s0, steps)
                    .iter()
                    .map(|&s| s as f64 * self.dt)
                    .collect();
                let mut values = vec![vec![0.0; times.len()]; pr.neurons.len()];
                for ps in shards
                    .iter()
                    .flat_map(|s| &s.probes)
                    .filter(|ps| ps.probe == k)
                {
                    let w = ps.slots.len();
                    for (sample, row) in ps.data.chunks_exact(w).enumerate() {
                        for (&(j, _), &x) in ps.slots.iter().zip(row) {
                            values[j][sample] = x;
                        }
                    }
                }
                Recording {
                    population: self.pops[pr.pop].name.clone(),
                    variable: pr.variable.clone(),
                    neurons: pr.neurons.clone(),
                    times,
                    values,
                }
            })
            .collect()
    }

    fn check_finite(&self) -> Result<(), NetError> {
        for p in &self.pops {
            let vars = p.model.variables();
            let named = p
                .state
                .iter()
                .zip(vars.iter().map(|v| v.name.as_ref()))
                .chain(p.receptors.iter().map(|r| (&r.g, r.name.as_str())))
                .chain(p.receptors.iter().map(|r| (&r.cond, r.name.as_str())));
            for (x, name) in named {
                if let Some(i) = x.iter().position(|x| !x.is_finite()) {
                    return Err(NetError::NonFinite {
                        population: p.name.clone(),
                        neuron: p.lo + i,
                        variable: name.to_string(),
                        t: self.time(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Buffers of the per-step exchange, reused from step to step.
#[derive(Default)]
struct Swap {
    send: Vec<u32>,
    recv: Vec<u32>,
    counts: Vec<usize>,
    v: Vec<u64>,
    v_all: Vec<u64>,
}

/// Every rank's spike records `(step, global id, time)`, on every rank.
fn gather_spikes(ex: &dyn Exchange, local: &[(u64, u32, f64)]) -> Vec<(u64, u32, f64)> {
    let send: Vec<u64> = local
        .iter()
        .flat_map(|&(s, id, t)| [s, u64::from(id), t.to_bits()])
        .collect();
    let (mut all, mut counts) = (Vec::new(), Vec::new());
    ex.all_gather_u64(&send, &mut all, &mut counts);
    all.chunks_exact(3)
        .map(|c| (c[0], c[1] as u32, f64::from_bits(c[2])))
        .collect()
}

impl Network {
    /// A dry run's spike record ([`super::exchange::DryRun`]): rank `r`'s spikes are this
    /// rank's moved by `r` shares within their population, as its exchange makes them up.
    fn simulated_spikes(&self, local: &[(u64, u32, f64)], ranks: usize) -> Vec<(u64, u32, f64)> {
        let mut out = Vec::with_capacity(local.len() * ranks);
        for r in 0..ranks {
            for &(s, gid, t) in local {
                let gid = gid as usize;
                let Some(p) = self
                    .pops
                    .iter()
                    .find(|p| gid >= p.offset && gid < p.offset + p.size)
                else {
                    continue;
                };
                let shift = (r * (p.hi - p.lo)) % p.size.max(1);
                let j = (gid - p.offset + shift) % p.size;
                out.push((s, (p.offset + j) as u32, t));
            }
        }
        out
    }

    /// Fills each recording's rows of neurons held by other ranks from those ranks.
    fn gather_recordings(&self, ex: &dyn Exchange, recordings: &mut [Recording]) {
        let mut send: Vec<u64> = Vec::new();
        for (pr, rec) in self.probes.iter().zip(recordings.iter()) {
            let p = &self.pops[pr.pop];
            for (j, &i) in pr.neurons.iter().enumerate() {
                if i >= p.lo && i < p.hi {
                    send.push(j as u64);
                    send.extend(rec.values[j].iter().map(|x| x.to_bits()));
                }
            }
            send.push(u64::MAX); // end of this recording
        }
        let (mut all, mut counts) = (Vec::new(), Vec::new());
        ex.all_gather_u64(&send, &mut all, &mut counts);
        let mut at = 0;
        for &c in &counts {
            let mut part = all[at..at + c].iter().copied();
            at += c;
            for rec in recordings.iter_mut() {
                let m = rec.times.len();
                while let Some(j) = part.next() {
                    if j == u64::MAX {
                        break;
                    }
                    let mut row = rec.values.get_mut(j as usize);
                    for (k, x) in (0..m).zip(part.by_ref()) {
                        if let Some(dst) = row.as_deref_mut().and_then(|r| r.get_mut(k)) {
                            *dst = f64::from_bits(x);
                        }
                    }
                }
            }
        }
    }
}

/// Steps of `[s0, s0 + steps)` at which `probe` samples.
fn samples(probe: &Probe, s0: u64, steps: u64) -> Vec<u64> {
    let first = s0.div_ceil(probe.interval) * probe.interval;
    (first..s0 + steps)
        .step_by(probe.interval as usize)
        .collect()
}

impl Ctx<'_> {
    /// The steps whose spikes are exchanged after local step `k` (of `steps`): the batch
    /// that step `k` completes (every `interval` steps, and at the end of the run).
    fn batch_after(&self, k: u64, steps: u64) -> Option<std::ops::Range<u64>> {
        let d = self.interval;
        ((k + 1) % d == 0 || k + 1 == steps).then(|| (k / d) * d..k + 1)
    }

    /// The steps at the end of a run whose spikes were exchanged but not delivered (an
    /// interval above one step): delivered before the run ends, so that nothing is pending.
    fn outstanding(&self, steps: u64) -> Option<std::ops::Range<u64>> {
        (self.interval > 1 && steps > 0)
            .then(|| ((steps - 1) / self.interval) * self.interval..steps)
    }

    /// After the local steps `batch` on every rank: the spikes of every rank (per step and
    /// population, this rank's threads in order), and the voltages published for continuous
    /// couplings (whose runs exchange every step).
    fn exchange(&self, ex: &dyn Exchange, batch: std::ops::Range<u64>, swap: &mut Swap) {
        let n_pops = self.net.pops.len();
        let lists = self.lists;
        if ex.simulated() {
            for k in batch {
                self.simulate_exchange((k % lists) as usize);
            }
            return;
        }
        swap.send.clear();
        for k in batch.clone() {
            let slot = (k % lists) as usize;
            for p in 0..n_pops {
                let at = swap.send.len();
                swap.send.push(0);
                for t in 0..self.threads {
                    swap.send
                        .extend_from_slice(&read(&self.board[t * n_pops + p][slot]));
                }
                swap.send[at] = (swap.send.len() - at - 1) as u32;
            }
        }
        ex.all_gather_u32(&swap.send, &mut swap.recv, &mut swap.counts);
        let mut at = 0;
        for (r, &c) in swap.counts.iter().enumerate() {
            let part = swap.recv.get(at..at + c).unwrap_or_default();
            at += c;
            if r == self.part.0 {
                continue;
            }
            let mut q = 0;
            for k in batch.clone() {
                let slot = (k % lists) as usize;
                for p in 0..n_pops {
                    let len = part.get(q).map_or(0, |&x| x as usize);
                    let ids = part.get(q + 1..q + 1 + len).unwrap_or_default();
                    q += 1 + len;
                    let mut out = write(&self.remote[r * n_pops + p][slot]);
                    out.clear();
                    out.extend_from_slice(ids);
                }
            }
        }
        // Step-end voltages (published into buffer `1 − cur`, read at the next step).
        let Some(k) = batch.end.checked_sub(1) else {
            return;
        };
        let cur = (k % 2) as usize;
        for (p, bufs) in self.snap.iter().enumerate() {
            let Some(bufs) = bufs else { continue };
            let pop = &self.net.pops[p];
            let buf = &bufs[1 - cur];
            swap.v.clear();
            swap.v.extend(
                buf[pop.lo..pop.hi]
                    .iter()
                    .map(|x| x.load(Ordering::Relaxed)),
            );
            ex.all_gather_u64(&swap.v, &mut swap.v_all, &mut swap.counts);
            for (dst, &x) in buf.iter().zip(&swap.v_all) {
                dst.store(x, Ordering::Relaxed);
            }
        }
    }

    /// Delivers the spikes of local steps `batch` (all ranks'), step by step, each as the
    /// step after it would have (its delay slots counted from there).
    fn deliver_batch(&self, shard: &mut Shard, batch: std::ops::Range<u64>) {
        for j in batch {
            self.deliver_step(shard, (j % self.lists) as usize, self.s0 + j + 1);
        }
    }

    /// A dry run's exchange ([`super::exchange::DryRun`]): rank `r`'s spikes are this rank's,
    /// moved by `r` shares within their population.
    fn simulate_exchange(&self, cur: usize) {
        let n_pops = self.net.pops.len();
        for (p, pop) in self.net.pops.iter().enumerate() {
            let share = pop.hi - pop.lo;
            for r in (0..self.part.1).filter(|&r| r != self.part.0) {
                let shift = (r * share) % pop.size.max(1);
                let mut out = write(&self.remote[r * n_pops + p][cur]);
                out.clear();
                for t in 0..self.threads {
                    out.extend(
                        read(&self.board[t * n_pops + p][cur])
                            .iter()
                            .map(|&j| ((j as usize + shift) % pop.size) as u32),
                    );
                }
            }
        }
    }

    /// Delivers the spikes in board list `list` (all ranks') as at step `s`: increments for
    /// step `s` (delay 0) or ring slots `s + d`.
    fn deliver_step(&self, shard: &mut Shard, list: usize, s: u64) {
        let net = self.net;
        let n_pops = net.pops.len();
        for proj in &net.projs {
            let ps = &mut shard.pops[proj.target];
            if ps.lo == ps.hi {
                continue;
            }
            let target = &net.pops[proj.target];
            let (size, slots) = (target.size, target.receptors[proj.receptor].slots);
            let offsets = proj.csr.offsets();
            let targets = proj.csr.targets();
            // All ranks' spikes in rank order, this rank's thread by thread: ascending ids.
            let lists = (0..self.part.1).flat_map(|r| {
                let threads = if r == self.part.0 { self.threads } else { 1 };
                (0..threads).map(move |t2| (r, t2))
            });
            for (r, t2) in lists {
                let list = if r == self.part.0 {
                    read(&self.board[t2 * n_pops + proj.source][list])
                } else {
                    read(&self.remote[r * n_pops + proj.source][list])
                };
                for chunk in list.chunks(GATHER) {
                    // The rows of a chunk's spikes, fetched by independent loads so that
                    // their cache misses overlap (in large networks the connectivity is
                    // far bigger than the caches; row after row, each miss would wait for
                    // the previous one).
                    let mut rows = [(0usize, 0usize); GATHER];
                    for (r, &j) in rows.iter_mut().zip(chunk) {
                        let j = j as usize;
                        if let (Some(&a), Some(&b)) = (offsets.get(j), offsets.get(j + 1)) {
                            *r = (a, b);
                        }
                    }
                    let rows = &rows[..chunk.len()];
                    std::hint::black_box(touch_rows(targets, rows));
                    for &row in rows {
                        shard.events += deliver(proj, row, ps, size, slots, s);
                    }
                }
            }
        }
    }

    /// Local step `k` of shard `t`.
    fn step(&self, t: usize, k: u64, shard: &mut Shard) {
        let started = Instant::now();
        self.step_inner(t, k, shard);
        shard.busy += started.elapsed();
    }

    fn step_inner(&self, t: usize, k: u64, shard: &mut Shard) {
        let net = self.net;
        let n_pops = net.pops.len();
        let s = self.s0 + k;
        let cur = (k % 2) as usize;
        let prev = 1 - cur;
        let list = (k % self.lists) as usize;
        // (1) Deliver the spikes of the previous step (or, exchanging every `interval` steps,
        // of the previous `interval` steps), in step, projection, then id order.
        if self.interval == 1 {
            let previous = ((k + self.lists - 1) % self.lists) as usize;
            self.deliver_step(shard, previous, s);
        } else if k > 0 && k % self.interval == 0 {
            self.deliver_batch(shard, k - self.interval..k);
        }
        // (1b) External inputs: currents for this step, Poisson events due now.
        if !net.inputs.is_empty() {
            shard.events +=
                super::input::apply(&net.inputs, &net.input_base, &mut shard.pops, s, net.dt);
        }
        // (3) Samples of the state at t_s (receptor conductances including the increments
        // due now, `g + due`, the value step (2) below stores).
        for pr in &mut shard.probes {
            let probe = &net.probes[pr.probe];
            if s % probe.interval == 0 {
                let ps = &shard.pops[probe.pop];
                match probe.var {
                    VarRef::Model(v) => {
                        let src = &ps.a.state[v];
                        pr.data.extend(pr.slots.iter().map(|&(_, i)| src[i]));
                    }
                    VarRef::Receptor(r) if !ps.a.cond[r].is_empty() => {
                        // A double exponential's conductance is continuous at spikes.
                        let src = &ps.a.cond[r];
                        pr.data.extend(pr.slots.iter().map(|&(_, i)| src[i]));
                    }
                    VarRef::Receptor(r) => {
                        let (g, ring) = (&ps.a.g[r], &ps.a.ring[r]);
                        let slots = net.pops[probe.pop].receptors[r].slots;
                        let due = (slots > 0).then(|| {
                            let slot = (s % slots as u64) as usize;
                            &ring[slot * g.len()..(slot + 1) * g.len()]
                        });
                        pr.data.extend(pr.slots.iter().map(|&(_, i)| match due {
                            Some(d) => g[i] + d[i],
                            None => g[i],
                        }));
                    }
                    VarRef::Kinetic(c) => {
                        // Σ ḡ s(t_s) over the neuron's synapses of coupling `c`.
                        let (side, s_local) = (&net.couplings[c].sides[0], &shard.coupling_s[c]);
                        let base = side.offsets[ps.lo];
                        pr.data.extend(pr.slots.iter().map(|&(_, i)| {
                            let i = ps.lo + i;
                            (side.offsets[i]..side.offsets[i + 1])
                                .fold(0.0, |acc, q| acc + side.gains.get(q) * s_local[q - base])
                        }));
                    }
                }
            }
        }
        // Per block of neurons (cache-sized, all passes before the next block):
        // (2) increments due now, ring slot s → g; (4) synaptic input at the step start,
        // exact decay; (5) neuron update; (6) spikes.
        for (p_idx, (p, ps)) in net.pops.iter().zip(shard.pops.iter_mut()).enumerate() {
            if ps.lo == ps.hi {
                continue;
            }
            let len = ps.hi - ps.lo;
            let mut out = write(&self.board[t * n_pops + p_idx][list]);
            out.clear();
            let (theta, refr, rearm) = (p.threshold, p.refractory_steps, p.rearm);
            let now = (s + 1) as i64;
            // With a reset, v is held in the spike's step and the refractory ones after it.
            let (reset, hold) = (p.reset, refr.max(1));
            let mut b0 = 0;
            while b0 < len {
                let b1 = (b0 + BLOCK).min(len);
                let bl = b1 - b0;
                let (g_syn, j_syn) = (&mut ps.g_syn[..bl], &mut ps.j_syn[..bl]);
                g_syn.fill(0.0);
                j_syn.fill(0.0);
                let scheme = net.scheme;
                // Increments due now (ring slot s → g), then the synaptic input.
                for (((r, g), ring), c) in p
                    .receptors
                    .iter()
                    .zip(&mut ps.a.g)
                    .zip(&mut ps.a.ring)
                    .zip(&mut ps.a.cond)
                {
                    let g = &mut g[b0..b1];
                    if r.slots > 0 {
                        let slot = (s % r.slots as u64) as usize;
                        let due = &mut ring[slot * len + b0..slot * len + b1];
                        for (g, d) in g.iter_mut().zip(due.iter_mut()) {
                            *g += *d;
                            *d = 0.0;
                        }
                    }
                    if scheme == Scheme::ExpEuler && r.rise.is_some() {
                        // Sums at the step start, then the exact step.
                        let c = &mut c[b0..b1];
                        for ((c, gs), js) in c.iter().zip(&mut *g_syn).zip(&mut *j_syn) {
                            *gs += *c;
                            *js += *c * r.e_rev;
                        }
                        r.advance(g, c);
                    } else if scheme == Scheme::ExpEuler {
                        // Sums at the step start and the exact decay, in one pass.
                        let (e, decay) = (r.e_rev, r.decay);
                        for ((g, gs), js) in g.iter_mut().zip(&mut *g_syn).zip(&mut *j_syn) {
                            *gs += *g;
                            *js += *g * e;
                            *g *= decay;
                        }
                    }
                }
                // Continuous couplings: added to the step-start sums (exponential Euler, in
                // the order it always had), or held apart over the step (the other schemes).
                let exp_euler = scheme == Scheme::ExpEuler;
                let (cg, cj) = if exp_euler {
                    (&mut *g_syn, &mut *j_syn)
                } else {
                    let held = (&mut ps.g_held[..bl], &mut ps.j_held[..bl]);
                    held.0.fill(0.0);
                    held.1.fill(0.0);
                    held
                };
                if !net.couplings.is_empty() {
                    let (shard_lo, block) = (ps.lo, (ps.lo + b0, ps.lo + b1));
                    let (states, snap) = (&mut shard.coupling_s, self.snap);
                    coupling::accumulate(
                        &net.couplings,
                        states,
                        snap,
                        cur,
                        p_idx,
                        shard_lo,
                        block,
                        cg,
                        cj,
                        net.dt,
                    );
                }
                if exp_euler {
                    ps.work.v0[..bl].copy_from_slice(&ps.a.state[0][b0..b1]);
                    p.model.advance(
                        &mut ps.a.state,
                        b0..b1,
                        SynapticInput {
                            g: g_syn,
                            g_e: j_syn,
                        },
                        net.dt,
                        self.simd,
                    );
                } else {
                    let (g_held, j_held) = (&ps.g_held[..bl], &ps.j_held[..bl]);
                    match scheme {
                        Scheme::Dopri5 { rtol } | Scheme::Rk23 { rtol } => scheme::embedded_rk(
                            if matches!(scheme, Scheme::Rk23 { .. }) {
                                &scheme::RK23
                            } else {
                                &scheme::DOPRI5
                            },
                            p.model.as_ref(),
                            &mut ps.a.state,
                            b0..b1,
                            scheme::Receptors {
                                rates: &ps.rates,
                                states: &p.receptors,
                                g: &ps.a.g,
                                cond: &ps.a.cond,
                                offset: b0,
                            },
                            (g_held, j_held),
                            &mut ps.a.h,
                            (net.dt, rtol, p.threshold),
                            self.simd,
                            &mut ps.work,
                        ),
                        _ => {
                            // Input at the step start and at its midpoint (exact decay).
                            let (g_half, j_half) = (&mut ps.g_half[..bl], &mut ps.j_half[..bl]);
                            g_syn.copy_from_slice(g_held);
                            j_syn.copy_from_slice(j_held);
                            g_half.copy_from_slice(g_held);
                            j_half.copy_from_slice(j_held);
                            for ((r, u), c) in p.receptors.iter().zip(&ps.a.g).zip(&ps.a.cond) {
                                // g(t + dt/2) = a g(t) + b u(t) ([`ReceptorState::half_step`]).
                                let (e, (a, b)) = (r.e_rev, r.half_step());
                                let (u, g) = (&u[b0..b1], r.conductance(u, c));
                                for ((((g, u), gs), js), (gh, jh)) in g[b0..b1]
                                    .iter()
                                    .zip(u)
                                    .zip(&mut *g_syn)
                                    .zip(&mut *j_syn)
                                    .zip(g_half.iter_mut().zip(j_half.iter_mut()))
                                {
                                    let half = *g * a + *u * b;
                                    *gs += *g;
                                    *js += *g * e;
                                    *gh += half;
                                    *jh += half * e;
                                }
                            }
                            scheme::exp2(
                                p.model.as_ref(),
                                &mut ps.a.state,
                                b0..b1,
                                SynapticInput {
                                    g: g_syn,
                                    g_e: j_syn,
                                },
                                SynapticInput {
                                    g: g_half,
                                    g_e: j_half,
                                },
                                net.dt,
                                self.simd,
                                &mut ps.work,
                            );
                        }
                    }
                    for ((r, g), c) in p.receptors.iter().zip(&mut ps.a.g).zip(&mut ps.a.cond) {
                        let c = c.get_mut(b0..b1).unwrap_or_default();
                        r.advance(&mut g[b0..b1], c);
                    }
                }
                let v = &ps.a.state[0][b0..b1];
                // Which neurons fire, branch-free over the block (vectorised; `last` is
                // read in order, which the prefetcher follows, rather than only for the
                // neurons above threshold, a cache miss each in large networks).
                let fire = &mut ps.fire[..bl];
                let last = &mut ps.a.last[b0..b1];
                if rearm.is_finite() {
                    // Upward crossings only: also `v ≤ θ` at the step start.
                    let v0 = &ps.work.v0[..bl];
                    for (((f, &v), &l), &v0) in fire.iter_mut().zip(v).zip(&*last).zip(v0) {
                        *f =
                            u8::from(v > theta) & u8::from(now - l >= refr) & u8::from(v0 <= rearm);
                    }
                } else {
                    for ((f, &v), &l) in fire.iter_mut().zip(v).zip(&*last) {
                        *f = u8::from(v > theta) & u8::from(now - l >= refr);
                    }
                }
                for (k, (&f, l)) in fire.iter().zip(last).enumerate() {
                    if f != 0 {
                        *l = now;
                        let frac = ps.work.crossing(net.scheme, k, theta, v[k], net.dt);
                        let t_spike = (s as f64 + frac) * net.dt;
                        let i = ps.lo + b0 + k;
                        out.push(i as u32);
                        shard.spikes.push((s + 1, (p.offset + i) as u32, t_spike));
                    }
                }
                if let Some(v_reset) = reset {
                    // v of the neurons that fired now (`last = now`) or are refractory is
                    // (re)set to v_reset; an adaptive scheme restarts a reset neuron's step at dt.
                    let v = &mut ps.a.state[0][b0..b1];
                    let last = &ps.a.last[b0..b1];
                    for (v, &l) in v.iter_mut().zip(last) {
                        *v = if now - l < hold { v_reset } else { *v };
                    }
                    if let Some(h) = ps.a.h.get_mut(b0..b1) {
                        for (h, &l) in h.iter_mut().zip(last) {
                            *h = if l == now { net.dt } else { *h };
                        }
                    }
                }
                // The step-end voltages continuous couplings read at the next step.
                coupling::publish(self.snap, p_idx, prev, ps.lo + b0, &ps.a.state[0][b0..b1]);
                b0 = b1;
            }
        }
    }
}

/// Spikes whose connectivity rows are fetched together before delivery.
const GATHER: usize = 32;

/// Reads one target per cache line of each row `targets[a..b]` (independent loads, so the
/// misses of all rows are in flight together); returns a value that depends on all of them.
#[inline]
fn touch_rows(targets: &[u32], rows: &[(usize, usize)]) -> u32 {
    let mut acc = 0u32;
    for &(a, b) in rows {
        if let Some(row) = targets.get(a..b) {
            for x in row.iter().step_by(16) {
                acc ^= *x;
            }
        }
    }
    acc
}

/// Applies the synapses `a..b` of a presynaptic neuron (its connectivity row) onto the
/// shard's targets; returns the count.
#[inline]
fn deliver(
    proj: &super::network::Projection,
    (a, b): (usize, usize),
    ps: &mut PopShard,
    size: usize,
    slots: usize,
    s: u64,
) -> u64 {
    let row = &proj.csr.targets()[a..b];
    let (lo, hi) = (ps.lo as u32, ps.hi as u32);
    // Rows are sorted; a shard that starts at 0 or ends at the population's end needs no
    // search on that side (a binary search is a chain of dependent cache misses).
    let from = if lo == 0 {
        0
    } else {
        row.partition_point(|&x| x < lo)
    };
    let to = if ps.hi == size {
        row.len()
    } else {
        from + row[from..].partition_point(|&x| x < hi)
    };
    let g = &mut ps.a.g[proj.receptor];
    let len = g.len();
    match (&proj.weights, &proj.delays, slots) {
        (Weights::Constant(w), _, 0) => {
            for &x in &row[from..to] {
                g[(x - lo) as usize] += *w;
            }
        }
        (weights, delays, _) => {
            let ring = &mut ps.a.ring[proj.receptor];
            for q in from..to {
                let i = (row[q] - lo) as usize;
                let w = match weights {
                    Weights::Constant(w) => *w,
                    Weights::PerSynapse(v) => f64::from(v[a + q]),
                };
                if slots == 0 {
                    g[i] += w;
                } else {
                    let d = match delays {
                        Delays::Constant(d) => u64::from(*d),
                        Delays::PerSynapse(v) => u64::from(v[a + q]),
                    };
                    let slot = ((s + d) % slots as u64) as usize;
                    ring[slot * len + i] += w;
                }
            }
        }
    }
    (to - from) as u64
}
