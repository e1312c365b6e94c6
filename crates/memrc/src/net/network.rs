//! [`NetworkBuilder`] (validation, memory estimate, construction) and the built [`Network`].

use super::connect::{self, Csr, TAG_INIT, TAG_WEIGHT, normal, stream, uniform};
use super::coupling::{self, Coupling, ProjRef};
use super::input::{Input, InputSpec};
use super::model::NeuronModel;
use super::receptor::{ReceptorState, Rise};
use super::scheme::Scheme;
use super::spec::SynapseKind;
use super::spec::{Connectivity, Delay, Init, PopulationSpec, ProjectionSpec, RecordSpec, Weight};
use super::{
    NetError, NetWarning, NetworkKey, PopulationKey, ProjectionKey, ReceptorKey, RecordingKey,
    Subject,
};
use crate::error::suggest;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// Largest `|v_reset|` of [`PopulationSpec::reset`] \[V\]: the range of the models' voltage
/// parameters (`e_leak` of [`super::Membrane`], the reversal potentials of the built-in models).
const MAX_RESET: f64 = 1.0;

/// Default memory budget of a builder: 8 GiB.
pub const DEFAULT_MEMORY_BUDGET: u64 = 8 << 30;

/// Builds a [`Network`]: add populations, projections and recordings, then [`Self::build`].
///
/// ```
/// use memrc::net::*;
/// let mut b = NetworkBuilder::new(1e-4, 42);
/// b.population(
///     PopulationSpec::new("p", 100, TraubMiles::cobahh())
///         .receptor(Receptor::exponential("ge", 5e-3, 0.0))
///         .refractory(3e-3),
/// );
/// b.projection(
///     ProjectionSpec::new("p", "p", "ge", Connectivity::FixedProbability(0.1))
///         .weight(Weight::Constant(6e-9)),
/// );
/// b.record(RecordSpec::new("p", "v", vec![0, 1], 1e-3));
/// let mut net = b.build()?;
/// let out = net.run(0.01, 1)?;
/// assert_eq!(out.recordings[0].times.len(), 10);
/// # Ok::<(), NetError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NetworkBuilder {
    dt: f64,
    seed: u64,
    scheme: Scheme,
    pops: Vec<PopulationSpec>,
    projs: Vec<ProjectionSpec>,
    records: Vec<RecordSpec>,
    inputs: Vec<InputSpec>,
    budget: u64,
    /// This process's share of a distributed network: (rank, ranks).
    part: (usize, usize),
}

/// Estimated memory of a network (before building; synapse counts are upper bounds, mean
/// + 6σ for random rules). Recordings are not included: they grow with the run length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MemoryEstimate {
    /// Neurons.
    pub neurons: u64,
    /// Synapses (upper bound).
    pub synapses: u64,
    /// Neuron state, receptor conductances, delay rings, scratch \[bytes\].
    pub neuron_bytes: u64,
    /// Connectivity: row offsets, `u32` targets, per-synapse `f32` weights and `u16` delays
    /// where they vary \[bytes\].
    pub synapse_bytes: u64,
    /// Peak extra memory while building (fixed in-degree lists) \[bytes\].
    pub build_bytes: u64,
    /// Sum \[bytes\].
    pub total_bytes: u64,
}

/// Name, first global id and size of a population.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PopulationInfo {
    /// Name.
    pub name: String,
    /// Global id of its neuron 0 (populations are numbered in the order they were added).
    pub offset: usize,
    /// Number of neurons.
    pub size: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Population {
    pub(crate) name: String,
    pub(crate) offset: usize,
    pub(crate) size: usize,
    /// The neurons this process holds, population-local `lo..hi` (all of them unless the
    /// network is distributed); every per-neuron array below has `hi − lo` entries.
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) model: Arc<dyn NeuronModel>,
    pub(crate) state: Vec<Vec<f64>>,
    pub(crate) receptors: Vec<ReceptorState>,
    pub(crate) threshold: f64,
    pub(crate) refractory_steps: i64,
    /// A spike needs `v ≤ rearm` at the step start: the threshold with
    /// [`PopulationSpec::upward_crossing`], else `+∞` (no condition).
    pub(crate) rearm: f64,
    /// Voltage a spike resets `v` to, and holds it at while refractory
    /// ([`PopulationSpec::reset`]) \[V\].
    pub(crate) reset: Option<f64>,
    /// Step index of the last spike (`i64::MIN / 2` if none).
    pub(crate) last_spike: Vec<i64>,
    /// Each neuron's next substep \[s\] ([`Scheme::Dopri5`]; empty for the other schemes).
    pub(crate) step_size: Vec<f64>,
}

#[derive(Debug, Clone)]
pub(crate) enum Weights {
    Constant(f64),
    PerSynapse(Vec<f32>),
}

#[derive(Debug, Clone)]
pub(crate) enum Delays {
    Constant(u16),
    PerSynapse(Vec<u16>),
}

#[derive(Debug, Clone)]
pub(crate) struct Projection {
    pub(crate) source: usize,
    pub(crate) target: usize,
    pub(crate) receptor: usize,
    pub(crate) csr: Csr,
    pub(crate) weights: Weights,
    pub(crate) delays: Delays,
}

/// A variable of a population: model variable `k`, receptor conductance `r`, or (recordings
/// only) the conductance `Σ ḡ s` \[S\] a neuron receives through the kinetic synapses of
/// coupling `c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarRef {
    Model(usize),
    Receptor(usize),
    Kinetic(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub(crate) pop: usize,
    pub(crate) var: VarRef,
    pub(crate) variable: String,
    pub(crate) neurons: Vec<usize>,
    pub(crate) interval: u64,
}

/// A built network: state, connectivity, recordings; advanced by [`Network::run`].
#[derive(Debug, Clone)]
pub struct Network {
    pub(crate) dt: f64,
    pub(crate) scheme: Scheme,
    pub(crate) step: u64,
    pub(crate) pops: Vec<Population>,
    pub(crate) projs: Vec<Projection>,
    pub(crate) probes: Vec<Probe>,
    /// Spikes of the last step, not yet delivered (population-local ids, ascending).
    pub(crate) pending: Vec<Vec<u32>>,
    pub(crate) warnings: Vec<NetWarning>,
    pub(crate) build_s: f64,
    /// Continuous couplings (kinetic synapses, gap junctions).
    pub(crate) couplings: Vec<Coupling>,
    /// Projection `k` (in the order added) → spike projection or coupling.
    pub(crate) proj_map: Vec<ProjRef>,
    /// The rayon pool of the last multi-threaded run, kept for the next run with as many
    /// threads (runs continued in chunks need not start threads again).
    pub(crate) pool: Option<std::sync::Arc<rayon::ThreadPool>>,
    /// External inputs ([`super::input`]).
    pub(crate) inputs: Vec<Input>,
    /// Per population, the `i_ext` that current inputs add to (its local neurons; empty
    /// without them).
    pub(crate) input_base: Vec<super::input::Base>,
    /// (rank, ranks).
    pub(crate) part: (usize, usize),
    /// The smallest delay of the spike projections \[steps\] over all synapses (not only this
    /// rank's: every rank must agree on it); `u64::MAX` without projections.
    pub(crate) min_delay: u64,
}

impl NetworkBuilder {
    /// An empty network with time step `dt` \[s\] and RNG seed `seed`.
    pub fn new(dt: f64, seed: u64) -> Self {
        Self {
            dt,
            seed,
            scheme: Scheme::DEFAULT,
            pops: Vec::new(),
            projs: Vec::new(),
            records: Vec::new(),
            inputs: Vec::new(),
            budget: DEFAULT_MEMORY_BUDGET,
            part: (0, 1),
        }
    }

    /// Builds only rank `rank`'s share of a network distributed over `ranks` processes
    /// ([`super::exchange`]): of every population of `n` neurons, those with population-local
    /// ids in [`rank_bounds`](super::exchange::rank_bounds)`(n, ranks)[rank..rank + 2]`, and
    /// the synapses that target them. Initial values, connectivity and weights are the ones a
    /// single process draws (every random stream is keyed by neuron, not by rank). Run it with
    /// [`Network::run_distributed`]. `rank` is clamped to `ranks − 1`.
    pub fn partition(&mut self, rank: usize, ranks: usize) -> &mut Self {
        let ranks = ranks.max(1);
        self.part = (rank.min(ranks - 1), ranks);
        self
    }

    /// Sets the integration scheme (default [`Scheme::DEFAULT`]).
    pub fn scheme(&mut self, scheme: Scheme) -> &mut Self {
        self.scheme = scheme;
        self
    }

    /// Sets the RNG seed (initial values, connectivity, weights).
    pub fn set_seed(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self
    }

    /// The integration scheme set so far.
    pub fn current_scheme(&self) -> Scheme {
        self.scheme
    }

    /// Adds a population (global ids follow the order of addition).
    pub fn population(&mut self, spec: PopulationSpec) -> &mut Self {
        self.pops.push(spec);
        self
    }

    /// Adds a projection.
    pub fn projection(&mut self, spec: ProjectionSpec) -> &mut Self {
        self.projs.push(spec);
        self
    }

    /// Adds a sampled recording.
    pub fn record(&mut self, spec: RecordSpec) -> &mut Self {
        self.records.push(spec);
        self
    }

    /// Adds an external input: a current that varies in time, or a Poisson train into a
    /// receptor ([`InputSpec`]).
    pub fn input(&mut self, spec: InputSpec) -> &mut Self {
        self.inputs.push(spec);
        self
    }

    /// Refuses networks whose [`MemoryEstimate::total_bytes`] exceeds `bytes`
    /// (default [`DEFAULT_MEMORY_BUDGET`]).
    pub fn memory_budget(&mut self, bytes: u64) -> &mut Self {
        self.budget = bytes;
        self
    }

    /// Population `k`'s neurons held by this process: population-local `lo..hi`.
    fn local_range(&self, k: usize) -> (usize, usize) {
        let b = super::exchange::rank_bounds(self.pops[k].size, self.part.1);
        (b[self.part.0], b[self.part.0 + 1])
    }

    fn pop_index(&self, name: &str) -> Result<usize, NetError> {
        self.pops
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| NetError::UnknownPopulation {
                name: name.to_string(),
                suggestion: suggest(name, self.pops.iter().map(|p| p.name.as_str())),
            })
    }

    fn var_ref(&self, pop: usize, variable: &str) -> Result<VarRef, NetError> {
        let p = &self.pops[pop];
        let vars = p.model.variables();
        if let Some(k) = vars.iter().position(|v| v.name == variable) {
            return Ok(VarRef::Model(k));
        }
        if let Some(r) = p.receptors.iter().position(|r| r.name == variable) {
            return Ok(VarRef::Receptor(r));
        }
        let names = vars
            .iter()
            .map(|v| v.name.as_ref())
            .chain(p.receptors.iter().map(|r| r.name.as_str()));
        Err(NetError::UnknownVariable {
            population: p.name.clone(),
            variable: variable.to_string(),
            suggestion: suggest(variable, names),
        })
    }

    /// A recordable variable of population `pop`: a model variable, a receptor, or the name
    /// of a kinetic projection onto `pop` (its conductance per neuron).
    fn record_ref(&self, pop: usize, variable: &str) -> Result<VarRef, NetError> {
        let err = match self.var_ref(pop, variable) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let mut kinetic = Vec::new();
        let mut c = 0;
        for p in &self.projs {
            if !p.kind.is_continuous() {
                continue;
            }
            if matches!(p.kind, SynapseKind::Kinetic(_))
                && self.pop_index(&p.target).ok() == Some(pop)
            {
                if p.name == variable {
                    return Ok(VarRef::Kinetic(c));
                }
                kinetic.push(p.name.as_str());
            }
            c += 1;
        }
        match err {
            NetError::UnknownVariable {
                population,
                variable,
                suggestion,
            } => {
                let p = &self.pops[pop];
                let names = p
                    .model
                    .variables()
                    .iter()
                    .map(|v| v.name.as_ref())
                    .chain(p.receptors.iter().map(|r| r.name.as_str()))
                    .chain(kinetic.iter().copied());
                let suggestion = suggest(&variable, names).or(suggestion);
                Err(NetError::UnknownVariable {
                    population,
                    variable,
                    suggestion,
                })
            }
            e => Err(e),
        }
    }

    /// Delay steps of a projection: `(steps per synapse or constant, max steps, warning)`.
    fn delay_steps(
        &self,
        p: &ProjectionSpec,
    ) -> Result<(Delays, usize, Option<NetWarning>), NetError> {
        let dt = self.dt;
        let one = |d: f64| -> Result<(u16, f64), NetError> {
            if !(d.is_finite() && d >= 0.0) {
                return Err(NetError::bad_parameter(
                    Subject::projection(&p.name, ProjectionKey::Delay),
                    d,
                    "finite and >= 0 s",
                ));
            }
            let steps = (d / dt).round();
            if steps > f64::from(u16::MAX) {
                return Err(NetError::bad_parameter(
                    Subject::projection(&p.name, ProjectionKey::Delay),
                    d,
                    "at most 65535 steps",
                ));
            }
            Ok((steps as u16, steps * dt))
        };
        let mut worst: Option<(f64, f64)> = None;
        let mut note = |d: f64, used: f64| {
            let dev = (d - used).abs();
            if dev > 1e-9 * dt && worst.is_none_or(|(g, u)| dev > (g - u).abs()) {
                worst = Some((d, used));
            }
        };
        let (delays, max) = match &p.delay {
            Delay::Constant(d) => {
                let (s, used) = one(*d)?;
                note(*d, used);
                (Delays::Constant(s), usize::from(s))
            }
            Delay::Values(v) => {
                let Connectivity::List(pairs) = &p.connectivity else {
                    return Err(NetError::SizeMismatch {
                        subject: Subject::projection(&p.name, ProjectionKey::DelaysNeedList),
                        expected: 0,
                        got: v.len(),
                    });
                };
                if v.len() != pairs.len() {
                    return Err(NetError::SizeMismatch {
                        subject: Subject::projection(&p.name, ProjectionKey::Delays),
                        expected: pairs.len(),
                        got: v.len(),
                    });
                }
                let mut steps = Vec::with_capacity(v.len());
                let mut max = 0;
                for &d in v {
                    let (s, used) = one(d)?;
                    note(d, used);
                    max = max.max(usize::from(s));
                    steps.push(s);
                }
                (Delays::PerSynapse(steps), max)
            }
        };
        let warning = worst.map(|(given, used)| NetWarning::DelayRounded {
            projection: p.name.clone(),
            given,
            used,
        });
        Ok((delays, max, warning))
    }

    /// Checks one projection's references and parameters; returns (source, target, receptor).
    fn check_projection(&self, p: &ProjectionSpec) -> Result<(usize, usize, usize), NetError> {
        let s = self.pop_index(&p.source)?;
        let t = self.pop_index(&p.target)?;
        let tp = &self.pops[t];
        // Continuous couplings have no receptor (index 0 is never used for them).
        let r = if p.kind.is_continuous() {
            coupling::check(p)?;
            0
        } else {
            tp.receptors
                .iter()
                .position(|r| r.name == p.receptor)
                .ok_or_else(|| NetError::UnknownReceptor {
                    population: tp.name.clone(),
                    receptor: p.receptor.clone(),
                    suggestion: suggest(&p.receptor, tp.receptors.iter().map(|r| r.name.as_str())),
                })?
        };
        let (n_pre, n_post) = (self.pops[s].size, tp.size);
        let subject = |key| Subject::projection(&p.name, key);
        match &p.connectivity {
            Connectivity::FixedProbability(q) => {
                if !(0.0..=1.0).contains(q) {
                    return Err(NetError::bad_parameter(
                        subject(ProjectionKey::Probability),
                        *q,
                        "within [0, 1]",
                    ));
                }
            }
            Connectivity::FixedInDegree(k) => {
                let avail = n_pre - usize::from(s == t && !p.autapses);
                if *k > avail {
                    return Err(NetError::SizeMismatch {
                        subject: subject(ProjectionKey::InDegree),
                        expected: avail,
                        got: *k,
                    });
                }
            }
            Connectivity::OneToOne => {
                if n_pre != n_post {
                    return Err(NetError::SizeMismatch {
                        subject: subject(ProjectionKey::OneToOne),
                        expected: n_pre,
                        got: n_post,
                    });
                }
            }
            Connectivity::AllToAll => {}
            Connectivity::List(pairs) => {
                for &(a, b) in pairs {
                    if a as usize >= n_pre {
                        return Err(NetError::IndexOutOfRange {
                            subject: subject(ProjectionKey::PresynapticIndex),
                            index: a as usize,
                            size: n_pre,
                        });
                    }
                    if b as usize >= n_post {
                        return Err(NetError::IndexOutOfRange {
                            subject: subject(ProjectionKey::PostsynapticIndex),
                            index: b as usize,
                            size: n_post,
                        });
                    }
                }
            }
        }
        let check_w = |w: f64| {
            if w.is_finite() && w >= 0.0 {
                Ok(())
            } else {
                Err(NetError::NegativeWeight {
                    projection: p.name.clone(),
                    value: w,
                })
            }
        };
        match &p.weight {
            Weight::Constant(w) => check_w(*w)?,
            Weight::Uniform { low, high } => {
                check_w(*low)?;
                check_w(*high)?;
                if high < low {
                    return Err(NetError::bad_parameter(
                        subject(ProjectionKey::UniformWeight),
                        *high,
                        ">= the lower bound",
                    ));
                }
            }
            Weight::Values(v) => {
                let Connectivity::List(pairs) = &p.connectivity else {
                    return Err(NetError::SizeMismatch {
                        subject: subject(ProjectionKey::WeightsNeedList),
                        expected: 0,
                        got: v.len(),
                    });
                };
                if v.len() != pairs.len() {
                    return Err(NetError::SizeMismatch {
                        subject: subject(ProjectionKey::Weights),
                        expected: pairs.len(),
                        got: v.len(),
                    });
                }
                v.iter().try_for_each(|&w| check_w(w))?;
            }
        }
        Ok((s, t, r))
    }

    /// Validates everything that does not need allocation and estimates the memory.
    fn check(&self) -> Result<(MemoryEstimate, Vec<usize>), NetError> {
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return Err(NetError::bad_parameter(
                Subject::Network(NetworkKey::Dt),
                self.dt,
                "finite and > 0 s",
            ));
        }
        self.scheme.validate(None)?;
        let mut neurons: u64 = 0;
        for (k, p) in self.pops.iter().enumerate() {
            if self.pops[..k].iter().any(|q| q.name == p.name) {
                return Err(NetError::DuplicatePopulation {
                    name: p.name.clone(),
                });
            }
            if p.size == 0 {
                return Err(NetError::bad_parameter(
                    Subject::population(&p.name, PopulationKey::Size),
                    0.0,
                    ">= 1",
                ));
            }
            p.model.validate()?;
            for (j, r) in p.receptors.iter().enumerate() {
                let receptor = |key| Subject::Receptor {
                    population: p.name.clone(),
                    index: j,
                    name: r.name.clone(),
                    key,
                };
                if !(r.tau.is_finite() && r.tau > 0.0) {
                    return Err(NetError::bad_parameter(
                        receptor(ReceptorKey::Tau),
                        r.tau,
                        "finite and > 0 s",
                    ));
                }
                if let Some(tr) = r.tau_rise {
                    if !(tr > 0.0 && tr < r.tau) {
                        return Err(NetError::bad_parameter(
                            receptor(ReceptorKey::TauRise),
                            tr,
                            "> 0 s and < tau (the decay time)",
                        ));
                    }
                }
                if !r.e_rev.is_finite() {
                    return Err(NetError::bad_parameter(
                        receptor(ReceptorKey::ERev),
                        r.e_rev,
                        "finite",
                    ));
                }
                let clash = p.receptors[..j].iter().any(|q| q.name == r.name)
                    || p.model.variables().iter().any(|v| v.name == r.name);
                if clash {
                    return Err(NetError::bad_parameter(
                        receptor(ReceptorKey::Name),
                        f64::NAN,
                        "a name distinct from the other receptors and model variables",
                    ));
                }
            }
            if !p.threshold.is_finite() {
                return Err(NetError::bad_parameter(
                    Subject::population(&p.name, PopulationKey::Threshold),
                    p.threshold,
                    "finite",
                ));
            }
            if !(p.refractory.is_finite() && p.refractory >= 0.0) {
                return Err(NetError::bad_parameter(
                    Subject::population(&p.name, PopulationKey::Refractory),
                    p.refractory,
                    "finite and >= 0 s",
                ));
            }
            if let Some(v_reset) = p.reset {
                let in_range = v_reset.is_finite() && v_reset.abs() <= MAX_RESET;
                if !(in_range && v_reset < p.threshold) {
                    return Err(NetError::bad_parameter(
                        Subject::population(&p.name, PopulationKey::Reset),
                        v_reset,
                        format!(
                            "finite, within [-1, 1] V and below the threshold {} V (a neuron reset at or above its threshold would fire at every step)",
                            crate::error::brief(p.threshold)
                        ),
                    ));
                }
            }
            for (var, init) in &p.init {
                self.var_ref(k, var)?;
                check_init(&p.name, var, init, p.size)?;
            }
            neurons += p.size as u64;
        }
        if neurons > u64::from(u32::MAX) {
            return Err(NetError::bad_parameter(
                Subject::Network(NetworkKey::TotalNeurons),
                neurons as f64,
                "at most 2^32 - 1",
            ));
        }
        // Ring slots per receptor.
        let mut slots: Vec<Vec<usize>> = self
            .pops
            .iter()
            .map(|p| vec![0; p.receptors.len()])
            .collect();
        let mut synapses = 0u64;
        let mut synapse_bytes = 0u64;
        let mut build_bytes = 0u64;
        // Continuous couplings: (synapses, synapse bytes, build bytes), voltage snapshots.
        let mut coupled = (0u64, 0u64, 0u64);
        let mut snapshot = vec![false; self.pops.len()];
        for p in &self.projs {
            if p.kind.is_continuous() {
                let (s, t, _) = self.check_projection(p)?;
                let (n_pre, n_post) = (self.pops[s].size, self.pops[t].size);
                let n = connect::synapse_bound(&p.connectivity, n_pre, n_post);
                let (syn, _, build) = coupling::estimate(p, n, n_pre as u64, n_post as u64);
                coupled.0 = coupled.0.saturating_add(n);
                coupled.1 = coupled.1.saturating_add(syn);
                coupled.2 = coupled.2.max(build);
                snapshot[s] = true;
                snapshot[t] |= matches!(p.kind, super::SynapseKind::GapJunction);
                continue;
            }
            let (s, t, r) = self.check_projection(p)?;
            let (delays, max, _) = self.delay_steps(p)?;
            if max > 0 || matches!(delays, Delays::PerSynapse(_)) {
                slots[t][r] = slots[t][r].max(max + 1);
            }
            let n = connect::synapse_bound(&p.connectivity, self.pops[s].size, self.pops[t].size);
            // This process holds the synapses onto its own neurons.
            let (lo, hi) = self.local_range(t);
            let n = local_share(n, hi - lo, self.pops[t].size);
            let per =
                4 + if matches!(p.weight, Weight::Constant(_)) {
                    0
                } else {
                    4
                } + if matches!(delays, Delays::PerSynapse(_)) {
                    2
                } else {
                    0
                };
            // Saturating: absurd sizes must give a huge estimate, not an overflow.
            synapses = synapses.saturating_add(n);
            synapse_bytes = synapse_bytes
                .saturating_add(n.saturating_mul(per))
                .saturating_add((self.pops[s].size as u64 + 1) * 8);
            if matches!(
                p.connectivity,
                Connectivity::FixedInDegree(_) | Connectivity::List(_)
            ) {
                build_bytes = build_bytes.max(
                    n.saturating_mul(8)
                        .saturating_add(self.pops[s].size as u64 * 8),
                );
            }
        }
        // Couplings; two voltage buffers (f64 bits) per neuron of every population they read.
        synapses = synapses.saturating_add(coupled.0);
        synapse_bytes = synapse_bytes.saturating_add(coupled.1);
        build_bytes = build_bytes.max(coupled.2);
        let snapshot_bytes: u64 = (self.pops.iter().zip(&snapshot))
            .filter(|&(_, &read)| read)
            .map(|(p, _)| 16 * p.size as u64)
            .sum();
        let mut neuron_bytes = snapshot_bytes;
        for (k, (p, sl)) in self.pops.iter().zip(&slots).enumerate() {
            let (lo, hi) = self.local_range(k);
            // Variables, last spike, two scratch arrays; per receptor g and its ring; the
            // adaptive schemes' step size per neuron.
            let adaptive = matches!(self.scheme, Scheme::Dopri5 { .. } | Scheme::Rk23 { .. });
            let per = 8 * (p.model.variables().len() + 3 + usize::from(adaptive)) as u64
                + sl.iter().map(|&s| 8 * (1 + s as u64)).sum::<u64>()
                + 8 * p.receptors.iter().filter(|r| r.tau_rise.is_some()).count() as u64;
            // The run copies the state into per-thread shards: count it twice.
            neuron_bytes = neuron_bytes.saturating_add((2 * per).saturating_mul((hi - lo) as u64));
        }
        let total = neuron_bytes
            .saturating_add(synapse_bytes)
            .saturating_add(build_bytes);
        let est = MemoryEstimate {
            neurons,
            synapses,
            neuron_bytes,
            synapse_bytes,
            build_bytes,
            total_bytes: total,
        };
        let ring_slots = slots.into_iter().flatten().collect();
        Ok((est, ring_slots))
    }

    /// Validates the description and estimates its memory without allocating it.
    pub fn memory_estimate(&self) -> Result<MemoryEstimate, NetError> {
        self.check().map(|(e, _)| e)
    }

    /// Validates, checks the memory budget (before allocating anything large), draws the
    /// initial values and connectivity, and returns the network at `t = 0`.
    pub fn build(self) -> Result<Network, NetError> {
        let start = Instant::now();
        let (est, ring_slots) = self.check()?;
        if est.total_bytes > self.budget {
            return Err(NetError::MemoryBudget {
                needed_bytes: est.total_bytes,
                synapses: est.synapses,
                budget_bytes: self.budget,
            });
        }
        let dt = self.dt;
        let mut warnings = Vec::new();
        let mut ring_slots = ring_slots.into_iter();
        let mut pops = Vec::with_capacity(self.pops.len());
        let mut offset = 0;
        for (k, p) in self.pops.iter().enumerate() {
            let (lo, hi) = self.local_range(k);
            let len = hi - lo;
            let defaults = p.model.initial_values();
            let mut state: Vec<Vec<f64>> = defaults.iter().map(|&x| vec![x; len]).collect();
            let mut receptors: Vec<_> = p
                .receptors
                .iter()
                .map(|r| {
                    let slots = ring_slots.next().unwrap_or(0);
                    let rise = r.tau_rise.map(|tr| Rise::new(tr, r.tau, dt));
                    ReceptorState {
                        name: r.name.clone(),
                        e_rev: r.e_rev,
                        decay: (-dt / r.tau).exp(),
                        rise,
                        g: vec![0.0; len],
                        cond: vec![0.0; if rise.is_some() { len } else { 0 }],
                        slots,
                        ring: vec![0.0; slots * len],
                    }
                })
                .collect();
            let mut explicit = vec![false; state.len()];
            for (var, init) in &p.init {
                let var_ref = self.var_ref(k, var)?;
                let (dst, slot) = match var_ref {
                    VarRef::Model(j) => (&mut state[j], j as u64),
                    VarRef::Receptor(j) => {
                        let r = &mut receptors[j];
                        let dst = if r.rise.is_some() {
                            &mut r.cond
                        } else {
                            &mut r.g
                        };
                        (dst, 256 + j as u64)
                    }
                    VarRef::Kinetic(_) => continue, // not produced by var_ref
                };
                let mut rng = stream(self.seed, TAG_INIT | ((k as u64) << 16) | slot, 0);
                fill_init(init, dst, &mut rng, lo);
                if let VarRef::Model(j) = var_ref {
                    explicit[j] = true;
                }
            }
            // A double exponential starts in its decay phase: u = g₀/f (A = 0).
            for r in &mut receptors {
                if let Some(rise) = r.rise {
                    for (u, c) in r.g.iter_mut().zip(&r.cond) {
                        *u = c / rise.factor;
                    }
                }
            }
            // Model-dependent defaults that depend on the initial values (gates at their
            // steady state at each neuron's initial v).
            p.model.complete_initial_state(&mut state, &explicit);
            let refractory_steps = (p.refractory / dt).round();
            if (refractory_steps * dt - p.refractory).abs() > 1e-9 * dt {
                warnings.push(NetWarning::RefractoryRounded {
                    population: p.name.clone(),
                    given: p.refractory,
                    used: refractory_steps * dt,
                });
            }
            pops.push(Population {
                name: p.name.clone(),
                offset,
                size: p.size,
                lo,
                hi,
                model: Arc::clone(&p.model),
                state,
                receptors,
                threshold: p.threshold,
                refractory_steps: refractory_steps as i64,
                rearm: if p.upward_crossing {
                    p.threshold
                } else {
                    f64::INFINITY
                },
                reset: p.reset,
                last_spike: vec![i64::MIN / 2; len],
                step_size: match self.scheme {
                    Scheme::Dopri5 { .. } | Scheme::Rk23 { .. } => vec![dt; len],
                    _ => Vec::new(),
                },
            });
            offset += p.size;
        }
        let mut projs = Vec::with_capacity(self.projs.len());
        let (mut couplings, mut proj_map) = (Vec::new(), Vec::with_capacity(self.projs.len()));
        let mut min_delay = u64::MAX;
        for (k, p) in self.projs.iter().enumerate() {
            if p.kind.is_continuous() {
                let (s, t, _) = self.check_projection(p)?;
                let (n_pre, n_post) = (pops[s].size, pops[t].size);
                proj_map.push(ProjRef::Coupling(couplings.len()));
                couplings.push(coupling::build(p, k, s, t, n_pre, n_post, self.seed));
                continue;
            }
            proj_map.push(ProjRef::Spike(projs.len()));
            let (s, t, r) = self.check_projection(p)?;
            let (mut delays, _, warning) = self.delay_steps(p)?;
            warnings.extend(warning);
            min_delay = min_delay.min(match &delays {
                Delays::Constant(d) => u64::from(*d),
                Delays::PerSynapse(v) => v.iter().copied().min().map_or(u64::MAX, u64::from),
            });
            let (n_pre, n_post) = (pops[s].size, pops[t].size);
            let local = (pops[t].lo, pops[t].hi);
            let (csr, weights) = if let Connectivity::List(pairs) = &p.connectivity {
                // The pairs onto this process's neurons, with their places in the list.
                let (kept, places): (Vec<(u32, u32)>, Vec<usize>) = pairs
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, post))| (local.0..local.1).contains(&(*post as usize)))
                    .map(|(i, &pair)| (pair, i))
                    .unzip();
                let (csr, order) = Csr::from_pairs(&kept, n_pre);
                let order: Vec<usize> = order.iter().map(|&i| places[i]).collect();
                if let Delays::PerSynapse(d) = &delays {
                    delays = Delays::PerSynapse(order.iter().map(|&i| d[i]).collect());
                }
                let weights = match &p.weight {
                    Weight::Values(w) => {
                        Weights::PerSynapse(order.iter().map(|&i| w[i] as f32).collect())
                    }
                    other => weights_for(other, &csr, &[], self.seed, k as u64),
                };
                (csr, weights)
            } else {
                let no_self = s == t && !p.autapses;
                let uniform = matches!(p.weight, Weight::Uniform { .. });
                let (csr, first) = Csr::generate(
                    &p.connectivity,
                    (n_pre, n_post),
                    no_self,
                    (self.seed, k as u64),
                    local,
                    uniform,
                );
                let weights = weights_for(&p.weight, &csr, &first, self.seed, k as u64);
                (csr, weights)
            };
            projs.push(Projection {
                source: s,
                target: t,
                receptor: r,
                csr,
                weights,
                delays,
            });
        }
        let mut probes = Vec::with_capacity(self.records.len());
        for rec in &self.records {
            let pop = self.pop_index(&rec.population)?;
            let var = self.record_ref(pop, &rec.variable)?;
            let size = self.pops[pop].size;
            let recording = |key| Subject::Recording {
                population: rec.population.clone(),
                variable: rec.variable.clone(),
                key,
            };
            if let Some(&i) = rec.neurons.iter().find(|&&i| i >= size) {
                return Err(NetError::IndexOutOfRange {
                    subject: recording(RecordingKey::Neurons),
                    index: i,
                    size,
                });
            }
            if !(rec.interval.is_finite() && rec.interval >= 0.0) {
                return Err(NetError::bad_parameter(
                    recording(RecordingKey::Interval),
                    rec.interval,
                    "finite and >= 0 s",
                ));
            }
            probes.push(Probe {
                pop,
                var,
                variable: rec.variable.clone(),
                neurons: rec.neurons.clone(),
                interval: ((rec.interval / dt).round() as u64).max(1),
            });
        }
        let views: Vec<super::input::PopView<'_>> = pops
            .iter()
            .map(|p| super::input::PopView {
                name: &p.name,
                size: p.size,
                offset: p.offset,
                lo: p.lo,
                receptors: p.receptors.iter().map(|r| r.name.as_str()).collect(),
                state: &p.state,
            })
            .collect();
        let (inputs, input_base) =
            super::input::build(&self.inputs, &views, dt, self.seed, |k, v| {
                Ok(match self.var_ref(k, v)? {
                    VarRef::Model(j) => super::input::Var::Model(j),
                    VarRef::Receptor(r) => super::input::Var::Receptor(r),
                    VarRef::Kinetic(_) => super::input::Var::Other,
                })
            })?;
        drop(views);
        Ok(Network {
            dt,
            scheme: self.scheme,
            step: 0,
            pending: vec![Vec::new(); pops.len()],
            pops,
            projs,
            probes,
            warnings,
            build_s: start.elapsed().as_secs_f64(),
            couplings,
            proj_map,
            pool: None,
            inputs,
            input_base,
            part: self.part,
            min_delay,
        })
    }
}

/// `n` synapses onto `size` neurons, of which `local` are held here: the share held (rounded up).
fn local_share(n: u64, local: usize, size: usize) -> u64 {
    if local >= size {
        n
    } else {
        (n as u128 * local as u128).div_ceil(size.max(1) as u128) as u64
    }
}

fn check_init(pop: &str, var: &str, init: &Init, size: usize) -> Result<(), NetError> {
    let subject = || Subject::population(pop, PopulationKey::Initial(var.to_string()));
    let finite = |x: f64| {
        if x.is_finite() {
            Ok(())
        } else {
            Err(NetError::bad_parameter(subject(), x, "finite"))
        }
    };
    match init {
        Init::Constant(x) => finite(*x),
        Init::Normal { mean, sd } => {
            finite(*mean)?;
            if !(sd.is_finite() && *sd >= 0.0) {
                return Err(NetError::bad_parameter(
                    subject(),
                    *sd,
                    "a finite standard deviation >= 0",
                ));
            }
            Ok(())
        }
        Init::Uniform { low, high } => {
            finite(*low)?;
            finite(*high)?;
            if high < low {
                return Err(NetError::bad_parameter(
                    subject(),
                    *high,
                    "an upper bound >= the lower bound",
                ));
            }
            Ok(())
        }
        Init::Values(v) => {
            if v.len() != size {
                return Err(NetError::SizeMismatch {
                    subject: subject(),
                    expected: size,
                    got: v.len(),
                });
            }
            v.iter().try_for_each(|&x| finite(x))
        }
    }
}

/// Fills the values of neurons `lo..lo + dst.len()` of a population: the stream is advanced
/// past the neurons before `lo` (a uniform deviate takes 2 words of the ChaCha stream, a
/// normal 4), so every process draws the values a single process would.
fn fill_init(init: &Init, dst: &mut [f64], rng: &mut rand_chacha::ChaCha8Rng, lo: usize) {
    match init {
        Init::Constant(x) => dst.fill(*x),
        Init::Normal { mean, sd } => {
            rng.set_word_pos(4 * lo as u128);
            dst.iter_mut().for_each(|x| *x = mean + sd * normal(rng));
        }
        Init::Uniform { low, high } => {
            rng.set_word_pos(2 * lo as u128);
            dst.iter_mut()
                .for_each(|x| *x = low + (high - low) * uniform(rng));
        }
        Init::Values(v) => dst.copy_from_slice(&v[lo..lo + dst.len()]),
    }
}

/// Per-synapse weights of a generated projection. `first[j]` (empty: all 0) is the place in
/// presynaptic neuron `j`'s whole row of its first synapse held here: its weights are drawn
/// from that place of the row's stream (one uniform deviate, 2 words, per synapse).
fn weights_for(w: &Weight, csr: &Csr, first: &[u32], seed: u64, projection: u64) -> Weights {
    match *w {
        Weight::Constant(w) => Weights::Constant(w),
        Weight::Uniform { low, high } => {
            let mut out = vec![0f32; csr.n_synapses()];
            let tag = TAG_WEIGHT | (projection << 32);
            let offsets = csr.offsets();
            let mut rows: Vec<&mut [f32]> = Vec::with_capacity(csr.n_pre());
            let mut rest = out.as_mut_slice();
            for j in 0..csr.n_pre() {
                let (row, tail) = rest.split_at_mut(offsets[j + 1] - offsets[j]);
                rows.push(row);
                rest = tail;
            }
            rows.into_par_iter().enumerate().for_each(|(j, row)| {
                let mut rng = stream(seed, tag, j as u64);
                if let Some(&f) = first.get(j) {
                    rng.set_word_pos(2 * u128::from(f));
                }
                for x in row {
                    *x = (low + (high - low) * uniform(&mut rng)) as f32;
                }
            });
            Weights::PerSynapse(out)
        }
        // Per-synapse values are handled with the list that orders them.
        Weight::Values(_) => Weights::Constant(0.0),
    }
}

impl Network {
    /// Time step \[s\].
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// The integration scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Current time \[s\] (steps done × dt).
    pub fn time(&self) -> f64 {
        self.step as f64 * self.dt
    }

    /// Samples each recording (in the order added) takes over the next `steps` steps: the
    /// multiples of its interval (in steps) in `[step, step + steps)`. Lets a caller allocate
    /// the whole run's recordings once.
    pub fn recording_samples(&self, steps: u64) -> Vec<u64> {
        let (s0, s1) = (self.step, self.step.saturating_add(steps));
        self.probes
            .iter()
            .map(|p| s1.div_ceil(p.interval) - s0.div_ceil(p.interval))
            .collect()
    }

    /// Populations in order, with their global id offsets.
    pub fn populations(&self) -> Vec<PopulationInfo> {
        self.pops
            .iter()
            .map(|p| PopulationInfo {
                name: p.name.clone(),
                offset: p.offset,
                size: p.size,
            })
            .collect()
    }

    /// Steps between the spike exchanges of a distributed run: one more than the smallest
    /// delay in steps of the spike projections (a spike of step `e` with delay `d` acts at step
    /// `e + 1 + d`, so it may travel as late as that), at most 64; 1 with continuous couplings,
    /// which read the other ranks' voltages every step.
    pub fn exchange_interval(&self) -> u64 {
        if self.couplings.is_empty() {
            self.min_delay.min(63) + 1
        } else {
            1
        }
    }

    /// Neurons this process holds (all unless the network is distributed).
    pub fn n_neurons_held(&self) -> usize {
        self.pops.iter().map(|p| p.hi - p.lo).sum()
    }

    /// Total neurons.
    pub fn n_neurons(&self) -> usize {
        self.pops.iter().map(|p| p.size).sum()
    }

    /// Total synapses (spike-driven and continuous; a gap junction counts once).
    pub fn n_synapses(&self) -> usize {
        self.projs.iter().map(|p| p.csr.n_synapses()).sum::<usize>()
            + self
                .couplings
                .iter()
                .map(|c| c.csr.n_synapses())
                .sum::<usize>()
    }

    /// The synapses this rank holds, counting the continuous couplings (which every rank of a
    /// distributed network holds whole) on rank 0 only: summed over ranks, the network's
    /// [`Self::n_synapses`].
    pub fn n_synapses_share(&self) -> usize {
        self.projs.iter().map(|p| p.csr.n_synapses()).sum::<usize>()
            + if self.part.0 == 0 {
                self.couplings.iter().map(|c| c.csr.n_synapses()).sum()
            } else {
                0
            }
    }

    /// Connectivity of projection `k` (in the order added), if it exists.
    pub fn connectivity(&self, k: usize) -> Option<&Csr> {
        match *self.proj_map.get(k)? {
            ProjRef::Spike(j) => self.projs.get(j).map(|p| &p.csr),
            ProjRef::Coupling(j) => self.couplings.get(j).map(|c| &c.csr),
        }
    }

    /// Kinetic-synapse states `s` \[1\] of projection `k` (in the order added), ordered by
    /// target neuron, then source neuron (ties in list order); `None` unless projection `k`
    /// is [`SynapseKind::Kinetic`](super::SynapseKind::Kinetic). Gap junctions between a
    /// neuron and itself are not stored (kinetic self-synapses are).
    pub fn kinetic_state(&self, k: usize) -> Option<&[f64]> {
        match *self.proj_map.get(k)? {
            ProjRef::Coupling(j) => {
                let c = self.couplings.get(j)?;
                matches!(c.kind, coupling::CouplingKind::Kinetic(_)).then_some(c.s.as_slice())
            }
            ProjRef::Spike(_) => None,
        }
    }

    /// Warnings of the build (rounded delays and refractory periods).
    pub fn warnings(&self) -> &[NetWarning] {
        &self.warnings
    }

    /// Wall-clock time the build took \[s\].
    pub fn build_seconds(&self) -> f64 {
        self.build_s
    }

    /// The neurons of `population` this process holds, population-local `lo..hi` (all of them
    /// unless the network is distributed): [`Self::state`] gives their values.
    pub fn held_range(&self, population: &str) -> Option<(usize, usize)> {
        let p = self.pops.iter().find(|p| p.name == population)?;
        Some((p.lo, p.hi))
    }

    /// Current values of a model variable or receptor conductance of a population (of the
    /// neurons this process holds, [`Self::held_range`]).
    pub fn state(&self, population: &str, variable: &str) -> Option<&[f64]> {
        let p = self.pops.iter().find(|p| p.name == population)?;
        if let Some(k) = p.model.variables().iter().position(|v| v.name == variable) {
            return Some(&p.state[k]);
        }
        p.receptors
            .iter()
            .find(|r| r.name == variable)
            .map(|r| r.conductance(&r.g, &r.cond))
    }

    /// Bytes held by neuron state and connectivity (not counting recordings).
    pub fn memory_bytes(&self) -> u64 {
        let neurons: usize = self
            .pops
            .iter()
            .map(|p| {
                8 * (p.state.len() * p.size + p.size)
                    + p.receptors
                        .iter()
                        .map(|r| 8 * (r.g.len() + r.cond.len() + r.ring.len()))
                        .sum::<usize>()
            })
            .sum();
        let synapses: usize = self
            .projs
            .iter()
            .map(|p| {
                p.csr.bytes()
                    + match &p.weights {
                        Weights::PerSynapse(w) => 4 * w.len(),
                        Weights::Constant(_) => 0,
                    }
                    + match &p.delays {
                        Delays::PerSynapse(d) => 2 * d.len(),
                        Delays::Constant(_) => 0,
                    }
            })
            .sum();
        let couplings: usize = self.couplings.iter().map(Coupling::bytes).sum();
        (neurons + synapses + couplings) as u64
    }
}
