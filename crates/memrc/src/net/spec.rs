//! Plain-data descriptions of populations, projections and recordings, validated by
//! [`NetworkBuilder::build`](crate::net::NetworkBuilder::build).

use super::model::NeuronModel;
use super::{NetError, ProjectionKey, Subject};
use crate::element::synapse::{KineticSynapse, SynapseKinetics};
use crate::params::{ParamInfo, Parameters};
use std::sync::Arc;

/// A synaptic conductance of a population, single or double exponential; synaptic current
/// into the neuron `g (E − v)`. The receptor's conductance `g` is a state variable named
/// `name` (\[S\]) for initialisers and recordings.
///
/// - Single exponential ([`Receptor::exponential`]): `ġ = −g/τ`; each presynaptic spike adds
///   the synapse's weight `w` to `g`.
/// - Double exponential ([`Receptor::double_exponential`]), NeuroML2's `expTwoSynapse`
///   (NeuroML2 CoreTypes `Synapses.xml`, as jNeuroML 0.14 ships it) and NEURON's `Exp2Syn`:
///   `g = B − A`, `Ȧ = −A/τ_r`, `Ḃ = −B/τ_d`; a spike of weight `w` adds `w f` to both `A`
///   and `B`, with the waveform factor `f = 1/(e^{−t_p/τ_d} − e^{−t_p/τ_r})` at the peak time
///   `t_p = ln(τ_d/τ_r) τ_r τ_d/(τ_d − τ_r)`, so that one spike alone gives the conductance
///   `w f (e^{−t/τ_d} − e^{−t/τ_r})`, whose peak is `w` (NeuroML: `w = gbase · weight`).
///   An initial value `g₀` is taken in its decay phase (`A = 0`, `B = g₀`), so that without
///   spikes `g = g₀ e^{−t/τ_d}`, as a single exponential would.
#[derive(Debug, Clone, PartialEq)]
pub struct Receptor {
    /// Variable name (`"ge"`).
    pub name: String,
    /// Decay time constant `τ_d` \[s\], `> 0`.
    pub tau: f64,
    /// Rise time constant `τ_r` \[s\] of a double exponential, `0 < τ_r < τ_d`; `None` for a
    /// single exponential.
    pub tau_rise: Option<f64>,
    /// Reversal potential `E` \[V\].
    pub e_rev: f64,
}

impl Receptor {
    /// A single-exponential receptor `name` with time constant `tau` \[s\] and reversal
    /// `e_rev` \[V\].
    pub fn exponential(name: impl Into<String>, tau: f64, e_rev: f64) -> Self {
        Self {
            name: name.into(),
            tau,
            tau_rise: None,
            e_rev,
        }
    }

    /// A double-exponential receptor `name` (NeuroML's `expTwoSynapse`) with rise time
    /// `tau_rise` \[s\], decay time `tau_decay` \[s\] and reversal `e_rev` \[V\]; a weight `w`
    /// gives the peak conductance `w`.
    pub fn double_exponential(
        name: impl Into<String>,
        tau_rise: f64,
        tau_decay: f64,
        e_rev: f64,
    ) -> Self {
        Self {
            name: name.into(),
            tau: tau_decay,
            tau_rise: Some(tau_rise),
            e_rev,
        }
    }

    /// The waveform factor `f = 1/(e^{−t_p/τ_d} − e^{−t_p/τ_r})` of a double exponential,
    /// `t_p = ln(τ_d/τ_r) τ_r τ_d/(τ_d − τ_r)` (NeuroML2 CoreTypes `Synapses.xml`,
    /// `expTwoSynapse`; dimensionless); `None` for a single exponential.
    pub fn waveform_factor(&self) -> Option<f64> {
        self.tau_rise.map(|tr| waveform_factor(tr, self.tau))
    }
}

/// NeuroML2's `expTwoSynapse` waveform factor `f = 1/(e^{−t_p/τ_d} − e^{−t_p/τ_r})`, with
/// `t_p = ln(τ_d/τ_r) τ_r τ_d/(τ_d − τ_r)` the time of the peak of `e^{−t/τ_d} − e^{−t/τ_r}`
/// (NeuroML2 CoreTypes `Synapses.xml`); `0 < τ_r < τ_d` \[s\]. Dimensionless.
pub(crate) fn waveform_factor(tau_rise: f64, tau_decay: f64) -> f64 {
    let t_peak = (tau_decay / tau_rise).ln() * tau_rise * tau_decay / (tau_decay - tau_rise);
    1.0 / ((-t_peak / tau_decay).exp() - (-t_peak / tau_rise).exp())
}

/// Initial values of one variable over a population.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// The same value for every neuron.
    Constant(f64),
    /// Independent normal deviates `mean + sd·N(0, 1)` (Box–Muller).
    Normal {
        /// Mean \[SI\].
        mean: f64,
        /// Standard deviation \[SI\], `≥ 0`.
        sd: f64,
    },
    /// Independent uniform deviates in `[low, high)`.
    Uniform {
        /// Lower bound \[SI\].
        low: f64,
        /// Upper bound \[SI\].
        high: f64,
    },
    /// One value per neuron.
    Values(Vec<f64>),
}

/// A population of identical point neurons.
#[derive(Debug, Clone)]
pub struct PopulationSpec {
    pub(crate) name: String,
    pub(crate) size: usize,
    pub(crate) model: Arc<dyn NeuronModel>,
    pub(crate) receptors: Vec<Receptor>,
    pub(crate) threshold: f64,
    pub(crate) refractory: f64,
    pub(crate) upward_crossing: bool,
    pub(crate) reset: Option<f64>,
    pub(crate) init: Vec<(String, Init)>,
}

impl PopulationSpec {
    /// The spike threshold of [`Self::new`] \[V\]: −20 mV.
    pub const DEFAULT_THRESHOLD: f64 = -0.020;

    /// `size` neurons of `model`, no receptors, threshold −20 mV, refractory 0, no reset, the
    /// model's default initial values.
    pub fn new(name: impl Into<String>, size: usize, model: impl NeuronModel + 'static) -> Self {
        Self {
            name: name.into(),
            size,
            model: Arc::new(model),
            receptors: Vec::new(),
            threshold: Self::DEFAULT_THRESHOLD,
            refractory: 0.0,
            upward_crossing: false,
            reset: None,
            init: Vec::new(),
        }
    }

    /// Adds a synaptic receptor.
    pub fn receptor(mut self, receptor: Receptor) -> Self {
        self.receptors.push(receptor);
        self
    }

    /// Spike threshold on `v` \[V\]: a spike is emitted when `v > threshold` after a step.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Refractory period `t_ref` \[s\] (rounded to whole steps, `R = round(t_ref/dt)`): a
    /// neuron that spiked in step `s` emits no spike in steps `s + 1 … s + R − 1`. `v` keeps
    /// evolving, unless the population has a [`reset`](Self::reset), which holds it.
    pub fn refractory(mut self, refractory: f64) -> Self {
        self.refractory = refractory;
        self
    }

    /// Spikes only at upward crossings (default `false`): a spike is emitted when `v > threshold`
    /// after a step that started with `v ≤ threshold`, so a neuron that stays above threshold
    /// fires once, whatever its refractory period. These are the spike events of NeuroML2's
    /// `spikeThresh` (jLEMS emits a spike when `v` exceeds it and re-arms when `v` falls back
    /// below; `Cells.xml` of NeuroML2CoreTypes) and Brian2's `refractory='v > θ'` idiom.
    pub fn upward_crossing(mut self, on: bool) -> Self {
        self.upward_crossing = on;
        self
    }

    /// Voltage reset after a spike, `v_reset` \[V\] (default: none, `v` is never reset).
    ///
    /// When a neuron spikes (after a step, as without reset: `v > θ` at the step's end, the
    /// spike time the located crossing), its `v` is set to `v_reset` at the step's end; in the
    /// steps of its refractory period ([`refractory`](Self::refractory), whole steps: steps
    /// `s + 1 … s + R − 1` after a spike in step `s`, `R = round(t_ref/dt)`) `v` is held at `v_reset`
    /// (set back to it at the end of each step). It evolves again from the start of step
    /// `s + R`, `s` the spike's step, i.e. from `t_s + t_ref`, `t_s` the start of the spike's
    /// step (Brian2's spike time), so between `t_ref − dt` and `t_ref` after the located
    /// crossing. The other state variables (gates, receptor conductances, couplings' kinetic
    /// states) keep evolving; gap-junction partners see `v_reset` at the next step. With
    /// [`Scheme::ExpEuler`](super::Scheme::ExpEuler) the gates of a held neuron see exactly
    /// `v_reset` (coefficients at the step start); the other schemes integrate `v` inside a held
    /// step from `v_reset` before setting it back, so gates see an excursion of order
    /// `dt·|v̇|` within the step. The adaptive schemes restart the neuron's step size at `dt`
    /// (its value at the start of a run) at a reset: the reset starts a new initial-value
    /// problem, and the step size its controller had reached in the spike's upstroke says
    /// nothing about it (and so the substeps after a reset do not depend on the history
    /// before it).
    ///
    /// A population of [`ChannelNeuron`](super::ChannelNeuron)s without channels (only the
    /// leak of its [`Membrane`](super::Membrane)) with a reset and a refractory period is a
    /// conductance-based leaky integrate-and-fire neuron: NeuroML2's `iafCell` and
    /// `iafRefCell` (NeuroML2CoreTypes `Cells.xml`: on `v > thresh`, `v = reset`; in the
    /// refractory regime of `iafRefCell` `v` has no time derivative for `refract`), NEST's
    /// `iaf_cond_exp` (`V_reset`, `t_ref`: `V_m` clamped to `V_reset` during the refractory
    /// steps) and Brian2's `reset='v = v_reset'` with `refractory=t_ref` and `(unless
    /// refractory)` on `v`. `v_reset` must be finite, within ±1 V (the range of the models'
    /// voltage parameters, e.g. [`Membrane`](super::Membrane)'s `e_leak`), and below the
    /// threshold (a neuron reset at or above it would fire at every step):
    /// [`NetError::BadParameter`] with [`PopulationKey::Reset`](super::PopulationKey::Reset)
    /// otherwise.
    pub fn reset(mut self, v_reset: f64) -> Self {
        self.reset = Some(v_reset);
        self
    }

    /// Initial values of a model variable or receptor conductance (later calls win).
    pub fn init(mut self, variable: impl Into<String>, init: Init) -> Self {
        self.init.push((variable.into(), init));
        self
    }
}

/// How presynaptic neurons are connected to postsynaptic ones.
#[derive(Debug, Clone, PartialEq)]
pub enum Connectivity {
    /// Every pair independently with probability `p` (Brian2's `connect(p=…)`), sampled by
    /// geometric skipping along each presynaptic row.
    FixedProbability(f64),
    /// Every postsynaptic neuron receives exactly `k` synapses from distinct presynaptic
    /// neurons chosen uniformly (Floyd's algorithm).
    FixedInDegree(usize),
    /// Neuron `i` to neuron `i` (equal sizes).
    OneToOne,
    /// Every pair.
    AllToAll,
    /// Explicit `(pre, post)` pairs (population-local indices); multiple synapses allowed.
    List(Vec<(u32, u32)>),
}

/// Synaptic weights: conductance increments \[S\], `≥ 0`.
#[derive(Debug, Clone, PartialEq)]
pub enum Weight {
    /// The same weight for every synapse (stored once).
    Constant(f64),
    /// Independent uniform weights in `[low, high)` (stored as `f32`).
    Uniform {
        /// Lower bound \[S\].
        low: f64,
        /// Upper bound \[S\].
        high: f64,
    },
    /// One weight per pair of a [`Connectivity::List`] (stored as `f32`).
    Values(Vec<f64>),
}

/// Synaptic delays \[s\], `≥ 0`, rounded to whole steps (a warning reports rounding). A delay
/// of `d` steps makes a spike emitted after step `s` act on the conductance at `t_{s+1+d}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Delay {
    /// The same delay for every synapse (stored once).
    Constant(f64),
    /// One delay per pair of a [`Connectivity::List`] (stored as `u16` steps).
    Values(Vec<f64>),
}

/// A projection from one population onto a receptor of another (or the same) population.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionSpec {
    pub(crate) name: String,
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) receptor: String,
    pub(crate) connectivity: Connectivity,
    pub(crate) weight: Weight,
    pub(crate) delay: Delay,
    pub(crate) autapses: bool,
    pub(crate) kind: SynapseKind,
}

impl ProjectionSpec {
    /// `source → target` onto receptor `receptor`, weight 0, delay 0, self-connections allowed
    /// (as in Brian2's `connect(p=…)`). The name defaults to `"source->target"`.
    pub fn new(
        source: impl Into<String>,
        target: impl Into<String>,
        receptor: impl Into<String>,
        connectivity: Connectivity,
    ) -> Self {
        let (source, target) = (source.into(), target.into());
        Self {
            name: format!("{source}->{target}"),
            source,
            target,
            receptor: receptor.into(),
            connectivity,
            weight: Weight::Constant(0.0),
            delay: Delay::Constant(0.0),
            autapses: true,
            kind: SynapseKind::Exponential,
        }
    }

    /// First-order kinetic synapses `source → target` (see [`SynapseKind::Kinetic`]): the
    /// weights are the maximal conductances `ḡ` \[S\]; no receptor, no delay.
    pub fn kinetic(
        source: impl Into<String>,
        target: impl Into<String>,
        connectivity: Connectivity,
        params: Kinetic,
    ) -> Self {
        Self::new(source, target, "", connectivity).synapse(SynapseKind::Kinetic(params))
    }

    /// Gap junctions between `source` and `target` neurons (see [`SynapseKind::GapJunction`];
    /// symmetric: both sides receive current): the weights are the junction conductances
    /// \[S\]; no receptor, no delay.
    pub fn gap_junction(
        source: impl Into<String>,
        target: impl Into<String>,
        connectivity: Connectivity,
    ) -> Self {
        Self::new(source, target, "", connectivity).synapse(SynapseKind::GapJunction)
    }

    /// Sets how the projection acts (default [`SynapseKind::Exponential`]).
    pub fn synapse(mut self, kind: SynapseKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the name used in errors and warnings.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the weights \[S\].
    pub fn weight(mut self, weight: Weight) -> Self {
        self.weight = weight;
        self
    }

    /// Sets the delays \[s\].
    pub fn delay(mut self, delay: Delay) -> Self {
        self.delay = delay;
        self
    }

    /// Whether a neuron may connect to itself when source and target are the same population
    /// (random rules only; default `true`).
    pub fn autapses(mut self, allow: bool) -> Self {
        self.autapses = allow;
        self
    }
}

/// Sampled recording of one variable of chosen neurons of a population: the state at
/// `t_s` for every step `s` of a run with `s ≡ 0 (mod round(interval/dt))`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSpec {
    pub(crate) population: String,
    pub(crate) variable: String,
    pub(crate) neurons: Vec<usize>,
    pub(crate) interval: f64,
}

impl RecordSpec {
    /// Records `variable` of `neurons` (population-local indices) every `interval` \[s\] (at
    /// least one step). `variable` is a model variable, a receptor name, or the name of a
    /// kinetic projection onto the population: the conductance `Σ ḡ s` \[S\] each neuron
    /// receives through that projection's synapses.
    pub fn new(
        population: impl Into<String>,
        variable: impl Into<String>,
        neurons: Vec<usize>,
        interval: f64,
    ) -> Self {
        Self {
            population: population.into(),
            variable: variable.into(),
            neurons,
            interval,
        }
    }
}

/// Parameters of the first-order kinetic synapse (module docs; SI units). The maximal
/// conductance `ḡ` \[S\] of each synapse is its projection weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kinetic {
    /// Binding rate `α` \[1/(M·s)\], `> 0`.
    pub alpha: f64,
    /// Unbinding rate `β` \[1/s\], `> 0`.
    pub beta: f64,
    /// Peak transmitter concentration `T_max` \[M\], `> 0`.
    pub t_max: f64,
    /// Presynaptic voltage of half-maximal release `V_p` \[V\].
    pub v_p: f64,
    /// Steepness of the release sigmoid `K_p` \[V\], `> 0`.
    pub k_p: f64,
    /// Synaptic reversal potential `E_syn` \[V\].
    pub e_syn: f64,
}

impl Kinetic {
    /// AMPA-like values of Destexhe, Mainen & Sejnowski, Neural Computation 6:14–18 (1994):
    /// the defaults of the `synapse` element's parameter table
    /// ([`KineticSynapse::KIND`]: `α = 1.1e6 /(M·s)`, `β = 190 /s`, `T_max = 1 mM`,
    /// `V_p = 2 mV`, `K_p = 5 mV`, `E_syn = 0`). With the presynaptic membrane depolarised `s`
    /// rises towards `α T/(α T + β) ≈ 0.85`.
    pub fn ampa() -> Self {
        let mut k = Self {
            alpha: 0.0,
            beta: 0.0,
            t_max: 0.0,
            v_p: 0.0,
            k_p: 0.0,
            e_syn: 0.0,
        };
        for (i, p) in Self::PARAMS.iter().enumerate() {
            if let Some(x) = k.value_mut(i) {
                *x = p.default;
            }
        }
        k
    }

    /// The state equation: the `synapse` element's ([`SynapseKinetics`]).
    #[inline]
    pub fn kinetics(&self) -> SynapseKinetics {
        SynapseKinetics::new(self.alpha, self.beta, self.t_max, self.v_p, self.k_p)
    }

    /// Transmitter concentration `T(v_pre)` \[M\] at presynaptic voltage `v_pre` \[V\].
    #[inline]
    pub fn transmitter(&self, v_pre: f64) -> f64 {
        self.kinetics().transmitter(v_pre)
    }

    /// One exponential-Euler step of `s` over `dt` \[s\] with `v_pre` \[V\] held fixed.
    #[inline]
    pub fn step(&self, s: f64, v_pre: f64, dt: f64) -> f64 {
        self.kinetics().step(s, v_pre, dt)
    }

    /// Checks the parameters against the `synapse` element's table.
    pub(super) fn validate(&self, projection: &str) -> Result<(), NetError> {
        match self.first_invalid() {
            None => Ok(()),
            Some((info, value)) => Err(NetError::bad_parameter(
                Subject::projection(projection, ProjectionKey::Kinetic(info.name)),
                value,
                info.expected(),
            )),
        }
    }
}

/// The parameters of [`Kinetic`] are those of the `synapse` element ([`KineticSynapse::KIND`])
/// but its `gbar` (a kinetic projection's weight), with the same units, defaults and ranges.
impl Parameters for Kinetic {
    const KIND: &'static str = "kinetic";
    const PARAMS: &'static [ParamInfo] = KineticSynapse::KIND.params.split_at(1).1;

    fn value(&self, index: usize) -> f64 {
        [
            self.e_syn, self.alpha, self.beta, self.t_max, self.v_p, self.k_p,
        ]
        .get(index)
        .copied()
        .unwrap_or(f64::NAN)
    }

    fn value_mut(&mut self, index: usize) -> Option<&mut f64> {
        [
            &mut self.e_syn,
            &mut self.alpha,
            &mut self.beta,
            &mut self.t_max,
            &mut self.v_p,
            &mut self.k_p,
        ]
        .into_iter()
        .nth(index)
    }
}

impl Default for Kinetic {
    fn default() -> Self {
        Self::ampa()
    }
}

/// How a projection acts on its targets.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum SynapseKind {
    /// Spike-driven: each presynaptic spike adds the weight \[S\] to the target receptor's
    /// exponentially decaying conductance after the delay (the default).
    #[default]
    Exponential,
    /// First-order kinetic synapse driven by the presynaptic voltage; weight = `ḡ` \[S\].
    /// No receptor (the projection's receptor name is ignored), no delay.
    Kinetic(Kinetic),
    /// Symmetric gap junction; weight = its conductance `g` \[S\]. No receptor (ignored), no
    /// delay.
    GapJunction,
}

impl SynapseKind {
    /// Whether the kind reads voltages every step (kinetic synapse, gap junction).
    pub fn is_continuous(&self) -> bool {
        !matches!(self, Self::Exponential)
    }
}
