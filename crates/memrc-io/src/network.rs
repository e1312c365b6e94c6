//! Spiking network models: `[network]`, `[[population]]`, `[[projection]]`, `[[recording]]`
//! → a [`memrc::net::NetworkBuilder`] (and the built [`memrc::net::Network`]), every problem
//! located at the offending entry — including the errors of the builder ([`NetError`]).

use std::collections::HashMap;
use std::ops::Range;

use memrc::element::mechanism::Mechanism;
use memrc::net::{
    ChannelNeuron, Connectivity, Delay, HodgkinHuxley, Init, InputSpec, Kinetic, Membrane,
    MemoryEstimate, NetError, NetworkBuilder, NeuronModel, PopulationKey, PopulationSpec,
    ProjectionKey, ProjectionSpec, Receptor, ReceptorKey, RecordSpec, RecordingKey, Scheme,
    Subject, SynapseKind, TraubMiles, VariableInfo, Weight,
};
use memrc::params::{ParamInfo, Parameters};

use crate::channel::ChannelSpec;
use crate::circuit::INPUT_KINDS;
use crate::error::LoadError;
use crate::load::{Ctx, did_you_mean, header_offset, human_bytes, key_offset};
use crate::model::NetworkModel;
use crate::schema::{
    ChannelSection, Distribution, InputSection, ModelFile, NetworkSection, NeuronSelection,
    PopulationSection, ProjectionSection, Q, RawQuantity, S, Spanned, StimulusSection,
};
use crate::units::{Dimension, Form};

/// Smallest plausible decay time of a receptor's conductance \[s\]: 1 µs, an order of
/// magnitude below the fastest synaptic currents measured (AMPA receptors at the calyx of Held
/// decay in ≈ 0.3 ms; Geiger et al. 1997, *J. Neurosci.* 17:2421 report ≥ 0.1 ms at 36 °C). A
/// shorter one is a unit slip (`1e-30 ms`), and its decay rate overflows the schemes.
pub const MIN_SYNAPTIC_TAU: f64 = 1e-6;

/// Neuron models accepted by `population.model`: the built-in ones and `conductance`, a
/// membrane with the `[[channel]]`s named by `population.channels` ([`ChannelNeuron`]).
pub const NEURON_MODELS: &[&str] = &["traub-miles", "hh", "conductance"];

/// The `[[channel]]`s of a file by name: the spec (gbar as written, per area or absolute, in
/// SI), its section, and the form of its `gbar`.
type Channels<'f> = HashMap<String, (ChannelSpec, &'f ChannelSection, Form)>;

/// Synapse kinds accepted by `projection.synapse`.
pub const SYNAPSE_KINDS: &[&str] = &["exponential", "kinetic", "gap-junction"];

/// Connectivity rules accepted by `projection.rule`.
pub const RULES: &[&str] = &[
    "fixed-probability",
    "fixed-in-degree",
    "one-to-one",
    "all-to-all",
    "list",
];

/// A neuron model of the file, with its parameters being filled in.
enum Model {
    Traub(TraubMiles),
    Hh(HodgkinHuxley),
    /// The membrane of an [`ChannelNeuron`] (its channels come from `population.channels`).
    Conductance(Membrane),
}

impl Model {
    /// The model's defaults (`model` is one of [`NEURON_MODELS`]).
    fn new(model: &str) -> Self {
        match model {
            "hh" => Self::Hh(HodgkinHuxley::classic()),
            "conductance" => Self::Conductance(Membrane::classic_hh()),
            _ => Self::Traub(TraubMiles::cobahh()),
        }
    }

    /// The model's parameter table: the library's ([`Parameters::PARAMS`]), the one source of
    /// names, units and ranges.
    fn params(&self) -> &'static [ParamInfo] {
        match self {
            Self::Traub(_) => TraubMiles::PARAMS,
            Self::Hh(_) => HodgkinHuxley::PARAMS,
            Self::Conductance(_) => Membrane::PARAMS,
        }
    }

    fn area(&self) -> f64 {
        match self {
            Self::Traub(m) => m.area,
            Self::Hh(m) => m.area,
            Self::Conductance(m) => m.area,
        }
    }

    /// Sets parameter `index` of [`Model::params`] to `value` \[SI, per area\]; ranges are
    /// checked by [`Model::validate`] once all are set.
    fn set(&mut self, index: usize, value: f64) {
        let slot = match self {
            Self::Traub(m) => m.value_mut(index),
            Self::Hh(m) => m.value_mut(index),
            Self::Conductance(m) => m.value_mut(index),
        };
        if let Some(x) = slot {
            *x = value;
        }
    }

    fn validate(&self) -> Result<(), NetError> {
        match self {
            Self::Traub(m) => m.validate(),
            Self::Hh(m) => m.validate(),
            Self::Conductance(m) => ChannelNeuron::new(*m, &[])?.validate(),
        }
    }
}

/// How a model parameter is written in files, read off the unit of its table entry.
#[derive(Debug, Clone, Copy)]
enum Param {
    /// The membrane area (`m^2`), read first.
    Area,
    /// A density (`…/m^2`), or an absolute value of this dimension (divided by the area).
    PerArea(Dimension),
    /// A plain quantity of this dimension.
    Plain(Dimension),
}

impl Param {
    fn of(info: &ParamInfo) -> Self {
        let dim = crate::units::parse_unit(info.unit).map_or(Dimension::NONE, |u| u.dim);
        if dim == Dimension::AREA {
            Self::Area
        } else if info.unit.ends_with("/m^2") {
            Self::PerArea(dim * Dimension::AREA)
        } else {
            Self::Plain(dim)
        }
    }
}

/// A quantity whose span is `span` (constants inside a [`Distribution`] carry no span).
fn respan(q: &Q, span: Range<usize>) -> Q {
    Spanned::new(span, q.get_ref().clone())
}

/// The neurons recorded so far, per (population, variable): one flag per neuron.
type Recorded = HashMap<(String, String), Vec<bool>>;

/// The effective name of a projection (`source->target` by default).
fn projection_name(p: &ProjectionSection) -> String {
    match &p.name {
        Some(n) => n.get_ref().clone(),
        None => format!("{}->{}", p.source.get_ref(), p.target.get_ref()),
    }
}

impl Ctx<'_> {
    /// Network sections in a file without `[network]`.
    pub(crate) fn no_network_sections(&self, file: &ModelFile) -> Result<(), LoadError> {
        let sections = [
            ("population", !file.populations.is_empty()),
            ("projection", !file.projections.is_empty()),
            ("recording", !file.recordings.is_empty()),
        ];
        self.refuse_sections(&sections, |section| {
            format!(
                "[[{section}]] belongs to network models: add a [network] section with dt and t_end"
            )
        })
    }

    fn nonneg_int(
        &self,
        v: &Spanned<i64>,
        key: &str,
        min: i64,
        max: i64,
    ) -> Result<i64, LoadError> {
        let x = *v.get_ref();
        if x < min || x > max {
            let range = if max == i64::MAX {
                format!("≥ {min}")
            } else {
                format!("within [{min}, {max}]")
            };
            return Err(self
                .src
                .span(&v.span(), key, format!("'{key}' must be {range}, got {x}")));
        }
        Ok(x)
    }

    /// `[network]` and the sections of a network model.
    pub(crate) fn network(
        &self,
        file: &ModelFile,
        n: &NetworkSection,
    ) -> Result<NetworkModel, LoadError> {
        let dt = self.positive(&n.dt, "dt", Dimension::TIME)?;
        let t_end = self.positive(&n.t_end, "t_end", Dimension::TIME)?;
        let steps = self.steps(&n.dt, t_end, dt)? as u64;
        let seed = match &n.seed {
            Some(s) => self.nonneg_int(s, "seed", 0, i64::MAX)? as u64,
            None => 0,
        };
        let threads = match &n.threads {
            Some(t) => self.nonneg_int(t, "threads", 1, 4096)? as usize,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let spikes = n.spikes.as_ref().is_none_or(|s| *s.get_ref());
        if file.populations.is_empty() {
            let at = header_offset(self.src.text, "network").unwrap_or(0);
            return Err(self.src.at(
                at,
                "population",
                "a [network] model needs at least one [[population]]",
            ));
        }
        let mut b = NetworkBuilder::new(dt, seed);
        b.memory_budget(self.opts.memory_limit);
        b.scheme(self.scheme(n)?);
        // Every [[channel]] is compiled, used or not (as in circuit files).
        let channels = self.channels(file)?;
        let mut populations = Vec::new();
        let mut variables = Vec::new();
        for p in &file.populations {
            let (spec, vars) = self.population(p, &channels)?;
            populations.push((p.name.get_ref().clone(), *p.size.get_ref() as usize));
            variables.push(vars);
            b.population(spec);
        }
        for p in &file.projections {
            b.projection(self.projection(file, p)?);
        }
        let mut recording_bytes = 0u64;
        let mut recorded = Recorded::new();
        for r in &file.recordings {
            let (specs, bytes) = self.recording(file, r, dt, steps, &variables, &mut recorded)?;
            recording_bytes = recording_bytes.saturating_add(bytes);
            for s in specs {
                b.record(s);
            }
        }
        for i in &file.inputs {
            b.input(self.input(file, i, &variables, dt)?);
        }
        b.partition(self.opts.partition.0, self.opts.partition.1);
        let estimate = b.memory_estimate().map_err(|e| self.net_error(file, &e))?;
        self.check_network_memory(file, &estimate, recording_bytes)?;
        let network = if self.opts.build_networks {
            Some(Box::new(
                b.clone().build().map_err(|e| self.net_error(file, &e))?,
            ))
        } else {
            None
        };
        Ok(NetworkModel {
            builder: b,
            network,
            estimate,
            recording_bytes,
            populations,
            variables,
            dt,
            t_end,
            steps,
            seed,
            threads,
            spikes,
        })
    }

    /// `solver` and `rtol` of `[network]`.
    fn scheme(&self, n: &NetworkSection) -> Result<Scheme, LoadError> {
        let name = match &n.solver {
            Some(s) => {
                let choices: Vec<(&str, &str)> = Scheme::NAMES.iter().map(|&k| (k, k)).collect();
                self.choice(s, "solver", &choices)?
            }
            None => Scheme::DEFAULT.key(),
        };
        let rtol = match &n.rtol {
            Some(q) => {
                let r = self.positive(q, "rtol", Dimension::NONE)?;
                let at = key_offset(self.src.text, "network", "rtol");
                if !matches!(name, "dopri5" | "rk23") {
                    return Err(self.src.at(
                        at,
                        "rtol",
                        format!(
                            "'rtol' applies only to solver = \"dopri5\" or \"rk23\", not to \"{name}\" (fixed steps dt)"
                        ),
                    ));
                }
                if r >= 1.0 {
                    return Err(self
                        .src
                        .at(at, "rtol", format!("rtol = {r} must be below 1")));
                }
                Some(r)
            }
            None => None,
        };
        Scheme::from_name(name, rtol).map_err(|e| self.top("solver", e.to_string()))
    }

    /// The `reset` of population `p`, written as `q` \[V\]: a voltage within the plausible
    /// range of a membrane ([`crate::units::MEMBRANE_VOLTAGE`]) and below the population's
    /// threshold (at or above it, the neuron would fire at every step).
    fn reset(&self, p: &PopulationSection, q: &Q) -> Result<f64, LoadError> {
        let v = self.qty(q, "reset", Dimension::VOLTAGE)?;
        let bound = crate::units::MEMBRANE_VOLTAGE;
        if v.abs() > bound {
            let msg = format!(
                "'reset' = {} is outside the plausible range ±{} mV of a membrane voltage",
                q.get_ref().shown(),
                memrc::error::brief(bound * 1e3)
            );
            return Err(self.err_q(q, "reset", msg));
        }
        let (theta, shown) = match &p.threshold {
            Some(t) => (
                self.qty(t, "threshold", Dimension::VOLTAGE)?,
                format!("'threshold' = {}", t.get_ref().shown()),
            ),
            None => {
                let theta = PopulationSpec::DEFAULT_THRESHOLD;
                let mv = memrc::error::brief(theta * 1e3);
                (theta, format!("the default threshold {mv} mV"))
            }
        };
        if v >= theta {
            let msg = format!(
                "'reset' = {} must be below {shown} of population '{}': a neuron reset at or above its threshold would fire at every step",
                q.get_ref().shown(),
                p.name.get_ref()
            );
            return Err(self.err_q(q, "reset", msg));
        }
        Ok(v)
    }

    /// A population and the variables of its model.
    fn population(
        &self,
        p: &PopulationSection,
        channels: &Channels<'_>,
    ) -> Result<(PopulationSpec, Vec<VariableInfo>), LoadError> {
        let size = self.nonneg_int(&p.size, "size", 1, i64::from(u32::MAX))? as usize;
        let names: Vec<(&str, ())> = NEURON_MODELS.iter().map(|n| (*n, ())).collect();
        self.choice(&p.model, "model", &names)?;
        let model = p.model.get_ref().as_str();
        match (&p.channels, model == "conductance") {
            (None, true) => {
                let have = channel_names(channels);
                return Err(self.err(
                    &p.model,
                    "channels",
                    format!(
                        "population '{}': model 'conductance' needs 'channels', the names of the [[channel]] sections of its neurons in order; {have}",
                        p.name.get_ref()
                    ),
                ));
            }
            (Some(c), false) => {
                return Err(self.src.span(
                    &c.span(),
                    "channels",
                    format!(
                        "'channels' applies only to model = 'conductance'; population '{}' uses '{model}', whose channels are built in",
                        p.name.get_ref()
                    ),
                ));
            }
            _ => {}
        }
        let mut m = Model::new(model);
        let table = m.params();
        let names = || table.iter().map(|p| p.name);
        // The area first: absolute conductances and capacitances are divided by it.
        for (i, info) in table.iter().enumerate() {
            if let (Param::Area, Some(q)) = (Param::of(info), p.params.get(info.name)) {
                m.set(i, self.positive(q, info.name, Dimension::AREA)?);
            }
        }
        for (key, q) in &p.params {
            let Some(i) = table.iter().position(|p| p.name == key) else {
                let other = NEURON_MODELS
                    .iter()
                    .find(|o| **o != model && Model::new(o).params().iter().any(|p| p.name == key));
                let hint = match other {
                    Some(_) if model == "conductance" => " (the channels of model 'conductance' are [[channel]] sections, each with its own gbar and e_rev)".to_string(),
                    Some(o) => format!(" ('{key}' is a parameter of model '{o}')"),
                    None => did_you_mean(key, names()),
                };
                return Err(self.err_q(
                    q,
                    key,
                    format!(
                        "unknown parameter '{key}' of model '{model}'{hint}; expected one of: {}",
                        names().collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            let value = match Param::of(&table[i]) {
                Param::Area => continue,
                Param::Plain(dim) => self.qty(q, key, dim)?,
                Param::PerArea(abs) => match self.dual(q, key, abs)? {
                    (v, Form::PerArea) => v,
                    (v, _) => v / m.area(),
                },
            };
            m.set(i, value);
        }
        if let Err(e) = m.validate() {
            // `MODEL NAME = …`: point at that parameter.
            let at = match &e {
                NetError::BadParameter {
                    subject: Subject::Model { param, .. },
                    ..
                } => p.params.get(param).map_or(p.model.span(), |q| q.span()),
                _ => p.model.span(),
            };
            return Err(self.src.span(
                &at,
                "params",
                format!("population '{}': {e}", p.name.get_ref()),
            ));
        }
        let name = p.name.get_ref().clone();
        let (mut spec, variables) = match m {
            Model::Traub(t) => (
                PopulationSpec::new(name, size, t),
                TraubMiles::VARIABLES.to_vec(),
            ),
            Model::Hh(h) => (
                PopulationSpec::new(name, size, h),
                HodgkinHuxley::VARIABLES.to_vec(),
            ),
            Model::Conductance(membrane) => {
                let neuron = self.expr_neuron(p, membrane, channels)?;
                let vars = neuron.variables().to_vec();
                (PopulationSpec::new(name, size, neuron), vars)
            }
        };
        if let Some(q) = &p.threshold {
            spec = spec.threshold(self.qty(q, "threshold", Dimension::VOLTAGE)?);
        }
        if let Some(q) = &p.refractory {
            let r = self.qty(q, "refractory", Dimension::TIME)?;
            if r < 0.0 {
                return Err(self.err_q(
                    q,
                    "refractory",
                    format!("'refractory' must be ≥ 0, got {}", q.get_ref().shown()),
                ));
            }
            spec = spec.refractory(r);
        }
        if let Some(b) = &p.upward_crossing {
            spec = spec.upward_crossing(*b.get_ref());
        }
        if let Some(q) = &p.reset {
            spec = spec.reset(self.reset(p, q)?);
        }
        for r in &p.receptors {
            if let Some(k) = &r.kind {
                self.choice(k, "kind", &[("exponential", ())])?;
            }
            let tau = self.positive(&r.tau, "tau", Dimension::TIME)?;
            if tau < MIN_SYNAPTIC_TAU {
                let msg = format!(
                    "'tau' = {} is below the plausible {} µs of a synaptic conductance's decay",
                    r.tau.get_ref().shown(),
                    memrc::error::brief(MIN_SYNAPTIC_TAU * 1e6)
                );
                return Err(self.err_q(&r.tau, "tau", msg));
            }
            let e_rev = self.qty(&r.e_rev, "e_rev", Dimension::VOLTAGE)?;
            let name = r.name.get_ref().clone();
            spec = spec.receptor(match &r.tau_rise {
                None => Receptor::exponential(name, tau, e_rev),
                Some(q) => {
                    let tau_rise = self.positive(q, "tau_rise", Dimension::TIME)?;
                    if tau_rise >= tau {
                        let msg = format!(
                            "'tau_rise' must be < 'tau' (the decay time), got {}",
                            q.get_ref().shown()
                        );
                        return Err(self.err_q(q, "tau_rise", msg));
                    }
                    Receptor::double_exponential(name, tau_rise, tau, e_rev)
                }
            });
        }
        for (var, d) in &p.initial {
            let dim = match variables.iter().find(|v| v.name == var.as_str()) {
                Some(v) => match v.unit.as_ref() {
                    "V" => Dimension::VOLTAGE,
                    "A" => Dimension::CURRENT,
                    _ => Dimension::NONE,
                },
                None if p.receptors.iter().any(|r| r.name.get_ref() == var) => {
                    Dimension::CONDUCTANCE
                }
                None => {
                    let names = variables
                        .iter()
                        .map(|v| v.name.as_ref())
                        .chain(p.receptors.iter().map(|r| r.name.get_ref().as_str()));
                    let hint = did_you_mean(var, names.clone());
                    return Err(self.src.span(
                        &d.span(),
                        var.clone(),
                        format!(
                            "'initial.{var}': population '{}' has no variable '{var}'{hint}; it has: {}",
                            p.name.get_ref(),
                            names.collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            };
            let key = format!("initial.{var}");
            let init = match d.get_ref() {
                Distribution::List(list) => {
                    let size = *p.size.get_ref();
                    if list.len() as i64 != size {
                        return Err(self.src.span(
                            &d.span(),
                            key.clone(),
                            format!(
                                "'{key}': a list of {} values for population '{}' of size {size}",
                                list.len(),
                                p.name.get_ref()
                            ),
                        ));
                    }
                    let values = list
                        .iter()
                        .map(|q| self.qty(q, &key, dim))
                        .collect::<Result<Vec<_>, _>>()?;
                    Init::Values(values)
                }
                Distribution::Constant(q) => {
                    Init::Constant(self.qty(&respan(q, d.span()), &key, dim)?)
                }
                Distribution::Table(t) => match (&t.mean, &t.sd, &t.low, &t.high) {
                    (Some(mean), Some(sd), None, None) => {
                        let mean = self.qty(mean, &key, dim)?;
                        let sdv = self.qty(sd, &key, dim)?;
                        if sdv < 0.0 {
                            return Err(self.err_q(
                                sd,
                                &key,
                                format!("'{key}': sd must be ≥ 0, got {}", sd.get_ref().shown()),
                            ));
                        }
                        Init::Normal { mean, sd: sdv }
                    }
                    (None, None, Some(low), Some(high)) => {
                        let lo = self.qty(low, &key, dim)?;
                        let hi = self.qty(high, &key, dim)?;
                        if hi < lo {
                            return Err(self.err_q(
                                high,
                                &key,
                                format!(
                                    "'{key}': high = {} is below low = {}",
                                    high.get_ref().shown(),
                                    low.get_ref().shown()
                                ),
                            ));
                        }
                        Init::Uniform { low: lo, high: hi }
                    }
                    _ => {
                        return Err(self.src.span(
                            &d.span(),
                            key.clone(),
                            format!(
                                "'{key}': expected a value, {{ mean, sd }} (normal) or {{ low, high }} (uniform)"
                            ),
                        ));
                    }
                },
            };
            // A gate (a dimensionless state of the model: a fraction of open gates, Hodgkin &
            // Huxley 1952) starts in [0, 1]; a normal's mean must (its draws are checked in
            // the run).
            let gate = variables
                .iter()
                .any(|v| v.name == var.as_str() && v.unit == "1");
            let (least, most) = match &init {
                Init::Constant(x) | Init::Normal { mean: x, .. } => (*x, *x),
                Init::Uniform { low, high } => (*low, *high),
                Init::Values(v) => v
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                        (a.min(x), b.max(x))
                    }),
            };
            if gate && !(least >= 0.0 && most <= 1.0) {
                let bad = if least < 0.0 || least.is_nan() {
                    least
                } else {
                    most
                };
                return Err(self.src.span(
                    &d.span(),
                    key.clone(),
                    format!(
                        "'{key}': a gate starts in [0, 1] (the fraction of its gates that are open), got {}",
                        memrc::error::brief(bad)
                    ),
                ));
            }
            spec = spec.init(var.clone(), init);
        }
        Ok((spec, variables))
    }

    /// The [`ChannelNeuron`] of a `conductance` population: `membrane` with the channels of
    /// `population.channels` (a `gbar` written absolute is divided by the area).
    fn expr_neuron(
        &self,
        p: &PopulationSection,
        membrane: Membrane,
        channels: &Channels<'_>,
    ) -> Result<ChannelNeuron, LoadError> {
        let Some(list) = &p.channels else {
            return Err(self.err(&p.model, "channels", "model 'conductance' needs 'channels'"));
        };
        let mut mechanisms: Vec<Result<Mechanism, NetError>> =
            Vec::with_capacity(list.get_ref().len());
        let mut entries: Vec<&S> = Vec::with_capacity(list.get_ref().len());
        for entry in list.get_ref() {
            let name = entry.get_ref();
            if entries.iter().any(|e| e.get_ref() == name) {
                return Err(self.err(
                    entry,
                    "channels",
                    format!("'channels': channel '{name}' is listed twice"),
                ));
            }
            entries.push(entry);
            if let Some((spec, _, form)) = channels.get(name) {
                let gbar = match form {
                    Form::PerArea => spec.gbar,
                    Form::Absolute => spec.gbar / membrane.area,
                };
                mechanisms.push(
                    spec.compile_with_gbar(gbar)
                        .map(Mechanism::Expr)
                        .map_err(NetError::Channel),
                );
                continue;
            }
            // Not a [[channel]] section: a gated channel of the catalogue, at its defaults.
            if let Ok(el) = memrc::element::build(name, &[]) {
                match el.mechanism() {
                    Some(m) => {
                        mechanisms.push(Ok(m));
                        continue;
                    }
                    None => {
                        return Err(self.err(
                            entry,
                            "channels",
                            format!(
                                "'channels': '{name}' is a catalogue element but not a channel of a membrane; the catalogue's channels are: {}",
                                catalogue_channels().join(", ")
                            ),
                        ));
                    }
                }
            }
            let catalogue = catalogue_channels();
            let hint = did_you_mean(
                name,
                channels
                    .keys()
                    .map(String::as_str)
                    .chain(catalogue.iter().copied()),
            );
            return Err(self.err(
                entry,
                "channels",
                format!(
                    "'channels': unknown channel '{name}'{hint}; {}, and the catalogue's channels are: {}",
                    channel_names(channels),
                    catalogue.join(", ")
                ),
            ));
        }
        let built = mechanisms
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .and_then(|m| ChannelNeuron::with_mechanisms(membrane, m));
        built.map_err(|e| {
            let pop = p.name.get_ref();
            let entry_of = |channel: &str| {
                entries
                    .iter()
                    .rev()
                    .find(|s| s.get_ref() == channel)
                    .map_or_else(|| list.span(), |s| s.span())
            };
            match &e {
                NetError::DuplicateGate { second, .. } => self.src.span(
                    &entry_of(second),
                    "channels",
                    format!("population '{pop}': {e}"),
                ),
                NetError::ReservedGateName { gate, channel } => {
                    match channels
                        .get(channel)
                        .and_then(|(_, c, _)| c.gates.get(gate))
                    {
                        Some(g) => self.src.span(
                            &g.span(),
                            format!("gates.{gate}"),
                            format!("population '{pop}': {e}"),
                        ),
                        None => self.src.span(
                            &entry_of(channel),
                            "channels",
                            format!("population '{pop}': {e}"),
                        ),
                    }
                }
                _ => self
                    .src
                    .span(&list.span(), "channels", format!("population '{pop}': {e}")),
            }
        })
    }

    fn projection(
        &self,
        file: &ModelFile,
        p: &ProjectionSection,
    ) -> Result<ProjectionSpec, LoadError> {
        let kinds: Vec<(&str, usize)> = SYNAPSE_KINDS.iter().copied().zip(0..).collect();
        let kind_ix = match &p.synapse {
            Some(s) => self.choice(s, "synapse", &kinds)?,
            None => 0,
        };
        let kind_name = SYNAPSE_KINDS[kind_ix];
        if kind_ix != 0 {
            if let Some(r) = &p.receptor {
                return Err(self.err(
                    r,
                    "receptor",
                    format!(
                        "'receptor' does not apply to synapse = '{kind_name}': kinetic synapses and gap junctions act on the membrane directly, without a receptor"
                    ),
                ));
            }
            if let Some(d) = &p.delay {
                return Err(self.src.span(
                    &d.span(),
                    "delay",
                    format!(
                        "'delay' does not apply to synapse = '{kind_name}': kinetic synapses and gap junctions act without delay"
                    ),
                ));
            }
        }
        if let (Some(k), false) = (&p.kinetic, kind_ix == 1) {
            return Err(self.src.span(
                &k.span(),
                "kinetic",
                format!(
                    "key 'kinetic' applies only to synapse = 'kinetic'; this projection uses '{kind_name}'"
                ),
            ));
        }
        let receptor = match (&p.receptor, kind_ix) {
            (Some(r), 0) => r.get_ref().clone(),
            (None, 0) => {
                let target = self.population_named(file, &p.target, "target")?;
                let names: Vec<&str> = target
                    .receptors
                    .iter()
                    .map(|r| r.name.get_ref().as_str())
                    .collect();
                let has = if names.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("it has: {}", names.join(", "))
                };
                return Err(self.err(
                    &p.target,
                    "receptor",
                    format!(
                        "projection '{}': synapse = 'exponential' (the default) needs 'receptor', a receptor of population '{}' ({has}); or set synapse = 'kinetic' or 'gap-junction'",
                        projection_name(p),
                        p.target.get_ref()
                    ),
                ));
            }
            _ => String::new(),
        };
        let kind = match kind_ix {
            0 => SynapseKind::Exponential,
            1 => SynapseKind::Kinetic(self.kinetic(p)?),
            _ => SynapseKind::GapJunction,
        };
        let choices: Vec<(&str, usize)> = RULES.iter().copied().zip(0..).collect();
        let rule = self.choice(&p.rule, "rule", &choices)?;
        let rule_name = RULES[rule];
        // Keys that only some rules read.
        let given: [(&str, Option<Range<usize>>, usize); 4] = [
            ("p", p.p.as_ref().map(Spanned::span), 0),
            ("k", p.k.as_ref().map(Spanned::span), 1),
            ("pairs", p.pairs.as_ref().map(Spanned::span), 4),
            ("file", p.file.as_ref().map(Spanned::span), 4),
        ];
        for (key, span, owner) in &given {
            if let Some(span) = span {
                if *owner != rule {
                    return Err(self.src.span(
                        span,
                        *key,
                        format!(
                            "key '{key}' applies only to rule = '{}'; this projection uses '{rule_name}'",
                            RULES[*owner]
                        ),
                    ));
                }
            }
        }
        let lists = [("weight", Some(&p.weight)), ("delay", p.delay.as_ref())];
        for (key, value) in lists {
            if let (Some(v), false) = (value, rule == 4) {
                if let Distribution::List(_) = v.get_ref() {
                    return Err(self.src.span(
                        &v.span(),
                        key,
                        format!(
                            "'{key}': one value per pair needs rule = 'list'; this projection uses '{rule_name}'"
                        ),
                    ));
                }
            }
        }
        let missing = |key: &str| {
            self.err(
                &p.rule,
                key,
                format!("rule '{rule_name}' needs the key '{key}'"),
            )
        };
        let connectivity = match rule {
            0 => {
                let q = p.p.as_ref().ok_or_else(|| missing("p"))?;
                let v = self.qty(q, "p", Dimension::NONE)?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(self.err_q(
                        q,
                        "p",
                        format!("'p' must be within [0, 1], got {}", q.get_ref().shown()),
                    ));
                }
                Connectivity::FixedProbability(v)
            }
            1 => {
                let k = p.k.as_ref().ok_or_else(|| missing("k"))?;
                Connectivity::FixedInDegree(
                    self.nonneg_int(k, "k", 0, i64::from(u32::MAX))? as usize
                )
            }
            2 => Connectivity::OneToOne,
            3 => Connectivity::AllToAll,
            _ => Connectivity::List(self.pairs(p)?),
        };
        let weight = match p.weight.get_ref() {
            Distribution::Constant(q) => Weight::Constant(self.qty(
                &respan(q, p.weight.span()),
                "weight",
                Dimension::CONDUCTANCE,
            )?),
            Distribution::Table(t) => match (&t.mean, &t.sd, &t.low, &t.high) {
                (None, None, Some(low), Some(high)) => Weight::Uniform {
                    low: self.qty(low, "weight", Dimension::CONDUCTANCE)?,
                    high: self.qty(high, "weight", Dimension::CONDUCTANCE)?,
                },
                _ => {
                    return Err(self.src.span(
                        &p.weight.span(),
                        "weight",
                        "'weight': expected a conductance or { low, high } (uniform; conductance increments must be ≥ 0, so no normal distribution)",
                    ));
                }
            },
            Distribution::List(list) => Weight::Values(self.per_pair(
                list,
                p.weight.span(),
                "weight",
                Dimension::CONDUCTANCE,
            )?),
        };
        let delay = match p.delay.as_ref().map(|d| (d.get_ref(), d.span())) {
            None => Delay::Constant(0.0),
            Some((Distribution::Constant(q), span)) => {
                Delay::Constant(self.qty(&respan(q, span), "delay", Dimension::TIME)?)
            }
            Some((Distribution::List(list), span)) => {
                Delay::Values(self.per_pair(list, span, "delay", Dimension::TIME)?)
            }
            Some((Distribution::Table(_), span)) => {
                return Err(self.src.span(
                    &span,
                    "delay",
                    "'delay': expected a time or (rule = 'list') one time per pair; delays are not drawn at random",
                ));
            }
        };
        let mut spec = ProjectionSpec::new(
            p.source.get_ref().clone(),
            p.target.get_ref().clone(),
            receptor,
            connectivity,
        )
        .synapse(kind)
        .name(projection_name(p))
        .weight(weight)
        .delay(delay);
        if let Some(a) = &p.autapses {
            spec = spec.autapses(*a.get_ref());
        }
        Ok(spec)
    }

    /// One value per pair of a `list` projection (`key` = `weight` or `delay`), in SI; the
    /// library checks the count against the pairs and that the rule is `list`.
    fn per_pair(
        &self,
        list: &[Q],
        span: Range<usize>,
        key: &str,
        dim: Dimension,
    ) -> Result<Vec<f64>, LoadError> {
        list.iter()
            .map(|q| self.qty(&respan(q, span.clone()), key, dim))
            .collect()
    }

    /// The parameters of a kinetic projection: `kinetic = { … }` over [`Kinetic::ampa`], named,
    /// unit-checked and range-checked by the library's table ([`Kinetic`]'s [`Parameters`]).
    fn kinetic(&self, p: &ProjectionSection) -> Result<Kinetic, LoadError> {
        let mut k = Kinetic::ampa();
        let Some(table) = &p.kinetic else {
            return Ok(k);
        };
        let names = || Kinetic::PARAMS.iter().map(|p| p.name);
        for (key, q) in table.get_ref() {
            let Some(i) = Kinetic::PARAMS.iter().position(|p| p.name == key) else {
                let hint = did_you_mean(key, names());
                return Err(self.err_q(
                    q,
                    key,
                    format!(
                        "unknown parameter 'kinetic.{key}' of kinetic synapses{hint}; expected one of: {}",
                        names().collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            let info = &Kinetic::PARAMS[i];
            let name = format!("kinetic.{key}");
            let unit = crate::units::parse_unit(info.unit).map_err(|e| {
                self.err_q(
                    q,
                    key,
                    format!("internal: unit '{}' of '{name}': {e}", info.unit),
                )
            })?;
            let si = self.qty_hint(q, &name, unit.dim, Some(info.unit))?;
            let value = si / unit.factor;
            if info.check(Kinetic::KIND, value).is_err() {
                if info.max.is_infinite() {
                    self.require_positive(q, &name, value)?;
                }
                return Err(self.err_q(
                    q,
                    &name,
                    format!(
                        "'{name}' must be within {} {}, got {}",
                        info.range_text(),
                        info.unit,
                        q.get_ref().shown()
                    ),
                ));
            }
            if let Some(x) = k.value_mut(i) {
                *x = value;
            }
        }
        Ok(k)
    }

    /// The `(pre, post)` pairs of a list projection.
    fn pairs(&self, p: &ProjectionSection) -> Result<Vec<(u32, u32)>, LoadError> {
        match (&p.pairs, &p.file) {
            (Some(pairs), None) => {
                let mut out = Vec::with_capacity(pairs.get_ref().len());
                for (k, pair) in pairs.get_ref().iter().enumerate() {
                    let ok = |x: i64| u32::try_from(x).ok();
                    match pair.as_slice() {
                        [a, b] if ok(*a).is_some() && ok(*b).is_some() => {
                            out.push((*a as u32, *b as u32));
                        }
                        _ => {
                            return Err(self.src.span(
                                &pairs.span(),
                                "pairs",
                                format!(
                                    "'pairs'[{k}] = {pair:?}: expected [pre, post], two neuron indices ≥ 0"
                                ),
                            ));
                        }
                    }
                }
                Ok(out)
            }
            (None, Some(file)) => {
                let rel = std::path::Path::new(file.get_ref());
                let path = match &self.base {
                    Some(b) if rel.is_relative() => b.join(rel),
                    _ => rel.to_path_buf(),
                };
                let text =
                    crate::load::read_input_text(&path, self.opts.input_limit).map_err(|e| {
                        let shown = path.display();
                        self.err(file, "file", format!("connection list '{shown}': {e}"))
                    })?;
                parse_pairs(&text).map_err(|m| {
                    self.err(
                        file,
                        "file",
                        format!("connection list {}:{m}", file.get_ref()),
                    )
                })
            }
            (Some(_), Some(f)) => Err(self.err(
                f,
                "file",
                "rule 'list' takes either 'pairs' or 'file', not both",
            )),
            (None, None) => Err(self.err(
                &p.rule,
                "pairs",
                "rule 'list' needs 'pairs' = [[pre, post], …] or 'file' (CSV lines 'pre, post')",
            )),
        }
    }

    /// A population by name, with a suggestion.
    fn population_named<'f>(
        &self,
        file: &'f ModelFile,
        s: &S,
        key: &str,
    ) -> Result<&'f PopulationSection, LoadError> {
        let name = s.get_ref();
        file.populations
            .iter()
            .find(|p| p.name.get_ref() == name)
            .ok_or_else(|| {
                let hint = did_you_mean(
                    name,
                    file.populations.iter().map(|p| p.name.get_ref().as_str()),
                );
                self.err(
                    s,
                    key,
                    format!("'{key}': unknown population '{name}'{hint}"),
                )
            })
    }

    /// The neurons of a `neurons` key (`"all"`, a count, or distinct ids), default all.
    fn neurons(
        &self,
        sel: Option<&Spanned<NeuronSelection>>,
        size: usize,
        population: &str,
    ) -> Result<Vec<usize>, LoadError> {
        Ok(match sel.map(|n| (n, n.get_ref())) {
            None => (0..size).collect(),
            Some((_, NeuronSelection::Word(w))) if w == "all" => (0..size).collect(),
            Some((n, NeuronSelection::Word(w))) => {
                return Err(self.src.span(
                    &n.span(),
                    "neurons",
                    format!(
                        "'neurons' = '{w}': expected \"all\", a count or an array of neuron ids"
                    ),
                ));
            }
            Some((n, NeuronSelection::Count(c))) => {
                if *c < 1 || *c as usize > size {
                    return Err(self.src.span(
                        &n.span(),
                        "neurons",
                        format!(
                            "'neurons' = {c}: a count must be within [1, {size}] (the size of '{}')",
                            population
                        ),
                    ));
                }
                (0..*c as usize).collect()
            }
            Some((n, NeuronSelection::Ids(ids))) => {
                let mut out = Vec::with_capacity(ids.len());
                let mut seen = vec![false; size];
                for &i in ids {
                    match usize::try_from(i) {
                        Ok(i) if i < size && seen[i] => {
                            return Err(self.src.span(
                                &n.span(),
                                "neurons",
                                format!("'neurons': id {i} is listed twice"),
                            ));
                        }
                        Ok(i) if i < size => {
                            seen[i] = true;
                            out.push(i);
                        }
                        _ => {
                            return Err(self.src.span(
                                &n.span(),
                                "neurons",
                                format!(
                                    "'neurons': id {i} is out of range for population '{}' of size {size}",
                                    population
                                ),
                            ));
                        }
                    }
                }
                out
            }
        })
    }

    /// A network `[[input]]`: a current (pulse, step, sine, pwl, samples) added to `i_ext`, or a Poisson
    /// train into a receptor.
    fn input(
        &self,
        file: &ModelFile,
        s: &InputSection,
        variables: &[Vec<VariableInfo>],
        dt: f64,
    ) -> Result<InputSpec, LoadError> {
        let pop = self.population_named(file, &s.population, "population")?;
        let k = file
            .populations
            .iter()
            .position(|q| std::ptr::eq(q, pop))
            .unwrap_or(0);
        let name = pop.name.get_ref().clone();
        let size = usize::try_from(*pop.size.get_ref()).unwrap_or(0);
        let neurons = self.neurons(s.neurons.as_ref(), size, &name)?;
        let present: [(&str, Option<Range<usize>>); 13] = [
            ("amplitude", s.amplitude.as_ref().map(Spanned::span)),
            ("start", s.start.as_ref().map(Spanned::span)),
            ("end", s.end.as_ref().map(Spanned::span)),
            ("frequency", s.frequency.as_ref().map(Spanned::span)),
            ("phase", s.phase.as_ref().map(Spanned::span)),
            ("offset", s.offset.as_ref().map(Spanned::span)),
            ("points", s.points.as_ref().map(Spanned::span)),
            ("rate", s.rate.as_ref().map(Spanned::span)),
            ("weight", s.weight.as_ref().map(Spanned::span)),
            ("receptor", s.receptor.as_ref().map(Spanned::span)),
            ("file", s.file.as_ref().map(Spanned::span)),
            ("time_unit", s.time_unit.as_ref().map(Spanned::span)),
            ("unit", s.unit.as_ref().map(Spanned::span)),
        ];
        let kind = s.kind.get_ref().as_str();
        let keys = self.kind_keys(&INPUT_KINDS, &s.kind, &present, format!("a {kind} input"))?;
        let spec = if kind == "poisson" {
            let rq = keys.need(&s.rate, "rate")?;
            let rate = self.qty(&rq, "rate", Dimension::FREQUENCY)?;
            if !(rate >= 0.0 && rate * dt <= 100.0) {
                return Err(self.err_q(
                    &rq,
                    "rate",
                    format!(
                        "'rate' = {} must be ≥ 0 and at most 100 events per step",
                        rq.get_ref().shown()
                    ),
                ));
            }
            let wq = keys.need(&s.weight, "weight")?;
            let weight = self.qty(&wq, "weight", Dimension::CONDUCTANCE)?;
            if weight.is_nan() || weight < 0.0 {
                return Err(self.err_q(
                    &wq,
                    "weight",
                    format!("'weight' = {} must be ≥ 0", wq.get_ref().shown()),
                ));
            }
            let receptor = keys.need(&s.receptor, "receptor")?;
            let names: Vec<&str> = pop
                .receptors
                .iter()
                .map(|r| r.name.get_ref().as_str())
                .collect();
            if !names.contains(&receptor.get_ref().as_str()) {
                let hint = did_you_mean(receptor.get_ref(), names.iter().copied());
                return Err(self.err(
                    &receptor,
                    "receptor",
                    format!(
                        "population '{name}' has no receptor '{}'{hint}",
                        receptor.get_ref()
                    ),
                ));
            }
            InputSpec::poisson(name, receptor.get_ref().clone(), rate, weight)
        } else {
            let has_i_ext = variables
                .get(k)
                .is_some_and(|vars| vars.iter().any(|v| v.name == "i_ext"));
            if !has_i_ext {
                return Err(self.err(
                    &s.population,
                    "population",
                    format!(
                        "population '{name}' has no injected current i_ext for a current input"
                    ),
                ));
            }
            let section = StimulusSection {
                name: None,
                node: s.population.clone(),
                source: None,
                resistance: None,
                kind: s.kind.clone(),
                amplitude: s.amplitude.clone(),
                start: s.start.clone(),
                end: s.end.clone(),
                frequency: s.frequency.clone(),
                phase: s.phase.clone(),
                offset: s.offset.clone(),
                points: s.points.clone(),
                file: s.file.clone(),
                time_unit: s.time_unit.clone(),
                unit: s.unit.clone(),
            };
            let current = |q: &Q, key: &str| self.qty(q, key, Dimension::CURRENT);
            let stim = match self.waveform(&section, &keys, false, &current)? {
                Some(stim) => stim,
                // A network's currents are absolute (its populations have no one area).
                None => self.samples(&section, false, &|form, span| match form {
                    Form::Absolute => Ok(1.0),
                    Form::PerArea => Err(self.src.span(
                        &s.unit.as_ref().map_or(span.clone(), Spanned::span),
                        "unit",
                        "a network input's samples are currents: give 'unit' in A (e.g. \"nA\")",
                    )),
                })?,
            };
            stim.validate()
                .map_err(|e| self.err(&s.kind, "input", format!("input: {e}")))?;
            InputSpec::current(name, stim)
        };
        Ok(spec.neurons(neurons))
    }

    /// The record specs of one `[[recording]]` and the bytes they will hold.
    fn recording(
        &self,
        file: &ModelFile,
        r: &crate::schema::RecordingSection,
        dt: f64,
        steps: u64,
        variables: &[Vec<VariableInfo>],
        recorded: &mut Recorded,
    ) -> Result<(Vec<RecordSpec>, u64), LoadError> {
        let pop = self.population_named(file, &r.population, "population")?;
        let k = file
            .populations
            .iter()
            .position(|q| std::ptr::eq(q, pop))
            .unwrap_or(0);
        let model_vars = variables.get(k).map_or(&[][..], Vec::as_slice);
        let size = usize::try_from(*pop.size.get_ref()).unwrap_or(0);
        let neurons = self.neurons(r.neurons.as_ref(), size, pop.name.get_ref())?;
        let every_steps = match &r.every {
            Some(q) => {
                let e = self.positive(q, "every", Dimension::TIME)?;
                let ratio = e / dt;
                let k = ratio.round();
                if !(ratio.is_finite() && k >= 1.0 && (ratio - k).abs() <= 1e-6 * ratio) {
                    return Err(self.err_q(
                        q,
                        "every",
                        format!(
                            "'every' = {} is not a whole multiple of dt = {dt} s ({ratio:.3} steps)",
                            q.get_ref().shown()
                        ),
                    ));
                }
                k
            }
            None => 1.0,
        };
        // Kinetic projections onto the population record their conductance per neuron.
        let kinetic: Vec<String> = file
            .projections
            .iter()
            .filter(|p| {
                p.target.get_ref() == pop.name.get_ref()
                    && p.synapse.as_ref().map(|k| k.get_ref().as_str()) == Some("kinetic")
            })
            .map(projection_name)
            .collect();
        let names: Vec<&str> = model_vars
            .iter()
            .map(|v| v.name.as_ref())
            .chain(pop.receptors.iter().map(|r| r.name.get_ref().as_str()))
            .chain(kinetic.iter().map(String::as_str))
            .collect();
        if r.variables.get_ref().is_empty() {
            return Err(self.src.span(
                &r.variables.span(),
                "variables",
                format!(
                    "'variables' is empty; expected some of: {}",
                    names.join(", ")
                ),
            ));
        }
        let samples = (steps as f64 / every_steps).floor() + 1.0;
        let mut specs = Vec::new();
        let mut bytes = 0.0;
        for (k, v) in r.variables.get_ref().iter().enumerate() {
            if r.variables.get_ref()[..k]
                .iter()
                .any(|w| w.get_ref() == v.get_ref())
            {
                return Err(self.err(
                    v,
                    "variables",
                    format!("'variables': '{}' is listed twice", v.get_ref()),
                ));
            }
            if !names.contains(&v.get_ref().as_str()) {
                let hint = did_you_mean(v.get_ref(), names.iter().copied());
                return Err(self.err(
                    v,
                    "variables",
                    format!(
                        "population '{}' has no variable '{}'{hint}; it has: {}",
                        pop.name.get_ref(),
                        v.get_ref(),
                        names.join(", ")
                    ),
                ));
            }
            // Each (population, variable, neuron) is one output column: recorded once.
            let taken = recorded
                .entry((pop.name.get_ref().clone(), v.get_ref().clone()))
                .or_insert_with(|| vec![false; size]);
            if let Some(&i) = neurons.iter().find(|&&i| taken[i]) {
                return Err(self.err(
                    v,
                    "variables",
                    format!(
                        "'{}' of neuron {i} of population '{}' is already recorded by an earlier [[recording]]; each neuron's variable is recorded once",
                        v.get_ref(),
                        pop.name.get_ref()
                    ),
                ));
            }
            for &i in &neurons {
                taken[i] = true;
            }
            bytes += samples * (neurons.len() as f64 + 1.0) * 8.0;
            specs.push(RecordSpec::new(
                pop.name.get_ref().clone(),
                v.get_ref().clone(),
                neurons.clone(),
                every_steps * dt,
            ));
        }
        Ok((specs, bytes.min(u64::MAX as f64) as u64))
    }

    /// Refuses networks whose estimate plus recordings exceed the memory limit, pointing at
    /// what dominates (the largest projection, recording or population).
    fn check_network_memory(
        &self,
        file: &ModelFile,
        est: &MemoryEstimate,
        recording_bytes: u64,
    ) -> Result<(), LoadError> {
        let total = est.total_bytes.saturating_add(recording_bytes);
        if total <= self.opts.memory_limit {
            return Ok(());
        }
        let size_of = |name: &str| {
            file.populations
                .iter()
                .find(|p| p.name.get_ref() == name)
                .map_or(0.0, |p| *p.size.get_ref() as f64)
        };
        let (span, key) =
            if est.synapse_bytes + est.build_bytes >= est.neuron_bytes.max(recording_bytes) {
                let bound = |p: &ProjectionSection| {
                    let (a, b) = (size_of(p.source.get_ref()), size_of(p.target.get_ref()));
                    match p.rule.get_ref().as_str() {
                        "fixed-probability" => {
                            a * b
                                * p.p.as_ref().map_or(1.0, |q| match q.get_ref() {
                                    RawQuantity::Number(x) => *x,
                                    RawQuantity::Text(t) => t.trim().parse().unwrap_or(1.0),
                                })
                        }
                        "fixed-in-degree" => b * p.k.as_ref().map_or(0.0, |k| *k.get_ref() as f64),
                        "all-to-all" => a * b,
                        _ => a,
                    }
                };
                file.projections
                    .iter()
                    .max_by(|x, y| bound(x).total_cmp(&bound(y)))
                    .map_or((0..0, "rule"), |p| (p.rule.span(), "rule"))
            } else if recording_bytes >= est.neuron_bytes {
                file.recordings
                    .first()
                    .map_or((0..0, "neurons"), |r| (r.population.span(), "neurons"))
            } else {
                file.populations
                    .iter()
                    .max_by_key(|p| *p.size.get_ref())
                    .map_or((0..0, "size"), |p| (p.size.span(), "size"))
            };
        Err(self.src.span(
            &span,
            key,
            format!(
                "the network needs about {} ({} neurons, up to {} synapses: neuron state {}, synapses {}, building {}, recordings {}), more than the limit of {}: make it smaller or record less",
                human_bytes(total as f64),
                est.neurons,
                est.synapses,
                human_bytes(est.neuron_bytes as f64),
                human_bytes(est.synapse_bytes as f64),
                human_bytes(est.build_bytes as f64),
                human_bytes(recording_bytes as f64),
                human_bytes(self.opts.memory_limit as f64)
            ),
        ))
    }

    /// A builder error located at the entry it concerns.
    fn net_error(&self, file: &ModelFile, e: &NetError) -> LoadError {
        let msg = e.to_string();
        let (span, key): (Range<usize>, &str) = match e {
            NetError::UnknownPopulation { name, .. } => {
                let hit = file.projections.iter().find_map(|p| {
                    if p.source.get_ref() == name {
                        Some((p.source.span(), "source"))
                    } else if p.target.get_ref() == name {
                        Some((p.target.span(), "target"))
                    } else {
                        None
                    }
                });
                let hit = hit.or_else(|| {
                    file.recordings
                        .iter()
                        .find(|r| r.population.get_ref() == name)
                        .map(|r| (r.population.span(), "population"))
                });
                match hit {
                    Some((span, key)) => {
                        return self.src.span(&span, key, format!("'{key}': {msg}"));
                    }
                    None => (0..0, ""),
                }
            }
            NetError::DuplicatePopulation { name } => file
                .populations
                .iter()
                .filter(|p| p.name.get_ref() == name)
                .nth(1)
                .map_or((0..0, "name"), |p| (p.name.span(), "name")),
            NetError::UnknownReceptor {
                population,
                receptor,
                ..
            } => {
                if let Some(r) = file.projections.iter().find_map(|p| {
                    p.receptor
                        .as_ref()
                        .filter(|r| p.target.get_ref() == population && r.get_ref() == receptor)
                }) {
                    return self
                        .src
                        .span(&r.span(), "receptor", format!("'receptor': {msg}"));
                }
                (0..0, "receptor")
            }
            NetError::UnknownVariable { population, .. } => find_population(file, population)
                .map_or((0..0, "initial"), |p| (p.name.span(), "initial")),
            NetError::NegativeWeight { projection, .. } => find_projection(file, projection)
                .map_or((0..0, "weight"), |p| (p.weight.span(), "weight")),
            NetError::BadParameter { subject, .. }
            | NetError::IndexOutOfRange { subject, .. }
            | NetError::SizeMismatch { subject, .. } => subject_at(file, subject),
            _ => (0..0, ""),
        };
        if span == (0..0) {
            let at = header_offset(self.src.text, "network").unwrap_or(0);
            return self.src.at(at, key, msg);
        }
        self.src.span(&span, key, msg)
    }
}

/// The place in `file` of the entry and key a builder error concerns, and the key to
/// report; `(0..0, _)` when the file does not have it (the `[network]` header is meant).
fn subject_at(file: &ModelFile, subject: &Subject) -> (Range<usize>, &'static str) {
    let or = |q: Option<Range<usize>>, fallback: Range<usize>, key| (q.unwrap_or(fallback), key);
    match subject {
        Subject::Projection { name, key } => {
            let Some(p) = find_projection(file, name) else {
                return (0..0, "");
            };
            match key {
                ProjectionKey::Kinetic(param) => match &p.kinetic {
                    Some(t) => or(
                        t.get_ref().get(*param).map(Spanned::span),
                        t.span(),
                        "kinetic",
                    ),
                    None => or(
                        p.synapse.as_ref().map(Spanned::span),
                        p.rule.span(),
                        "kinetic",
                    ),
                },
                ProjectionKey::Delay | ProjectionKey::Delays | ProjectionKey::DelaysNeedList => {
                    or(p.delay.as_ref().map(Spanned::span), p.rule.span(), "delay")
                }
                ProjectionKey::UniformWeight
                | ProjectionKey::Weights
                | ProjectionKey::WeightsNeedList => (p.weight.span(), "weight"),
                ProjectionKey::Probability => {
                    or(p.p.as_ref().map(Spanned::span), p.rule.span(), "p")
                }
                ProjectionKey::InDegree => or(p.k.as_ref().map(Spanned::span), p.rule.span(), "k"),
                ProjectionKey::PresynapticIndex | ProjectionKey::PostsynapticIndex => {
                    let list = p.pairs.as_ref().map(Spanned::span);
                    or(
                        list.or_else(|| p.file.as_ref().map(Spanned::span)),
                        p.rule.span(),
                        "pairs",
                    )
                }
                // One-to-one sizes: the rule.
                _ => (p.rule.span(), "rule"),
            }
        }
        Subject::Population { name, key } => {
            let Some(p) = find_population(file, name) else {
                return (0..0, "");
            };
            match key {
                PopulationKey::Size => (p.size.span(), "size"),
                PopulationKey::Threshold => or(
                    p.threshold.as_ref().map(Spanned::span),
                    p.name.span(),
                    "threshold",
                ),
                PopulationKey::Refractory => or(
                    p.refractory.as_ref().map(Spanned::span),
                    p.name.span(),
                    "refractory",
                ),
                PopulationKey::Reset => {
                    or(p.reset.as_ref().map(Spanned::span), p.name.span(), "reset")
                }
                PopulationKey::Initial(var) => or(
                    p.initial.get(var).map(Spanned::span),
                    p.name.span(),
                    "initial",
                ),
                _ => (p.name.span(), "population"),
            }
        }
        Subject::Receptor {
            population,
            index,
            name,
            key,
        } => {
            let Some(p) = find_population(file, population) else {
                return (0..0, "");
            };
            // The builder's receptors are the population's [[population.receptor]]s in order.
            let r = p.receptors.get(*index).filter(|r| r.name.get_ref() == name);
            match (r, key) {
                (Some(r), ReceptorKey::Tau) => (r.tau.span(), "tau"),
                (Some(r), ReceptorKey::ERev) => (r.e_rev.span(), "e_rev"),
                (Some(r), ReceptorKey::TauRise) => match &r.tau_rise {
                    Some(q) => (q.span(), "tau_rise"),
                    None => (r.tau.span(), "tau"),
                },
                (Some(r), _) => (r.name.span(), "name"),
                (None, _) => (p.name.span(), "receptor"),
            }
        }
        Subject::Recording {
            population,
            variable,
            key,
        } => {
            let r = file.recordings.iter().find(|r| {
                r.population.get_ref() == population
                    && r.variables
                        .get_ref()
                        .iter()
                        .any(|v| v.get_ref() == variable)
            });
            match (r, key) {
                (Some(r), RecordingKey::Interval) => or(
                    r.every.as_ref().map(Spanned::span),
                    r.population.span(),
                    "every",
                ),
                (Some(r), _) => or(
                    r.neurons.as_ref().map(Spanned::span),
                    r.population.span(),
                    "neurons",
                ),
                (None, _) => (0..0, ""),
            }
        }
        _ => (0..0, ""),
    }
}

/// The `[[population]]` named `name`.
fn find_population<'f>(file: &'f ModelFile, name: &str) -> Option<&'f PopulationSection> {
    file.populations.iter().find(|p| p.name.get_ref() == name)
}

/// The `[[projection]]` whose effective name is `name`.
fn find_projection<'f>(file: &'f ModelFile, name: &str) -> Option<&'f ProjectionSection> {
    file.projections.iter().find(|p| projection_name(p) == name)
}

/// Parses a connection list: optional header line, then lines `pre, post` (non-negative
/// integers); `#` comments and blank lines skipped. Errors start with the 1-based line number.
pub(crate) fn parse_pairs(text: &str) -> Result<Vec<(u32, u32)>, String> {
    let header = |fields: &[&str], nums: &[Option<u32>]| {
        Ok(fields.len() == 2 && nums.iter().all(Option::is_none))
    };
    crate::samples::two_columns(text, header, |_| true, "two neuron indices 'pre, post'")
}

/// The gated channels of the element catalogue (kinds whose element is a network mechanism),
/// which `population.channels` may name besides the file's `[[channel]]` sections.
fn catalogue_channels() -> Vec<&'static str> {
    memrc::element::Catalogue::all()
        .filter_map(|e| {
            (e.build)(&[])
                .ok()
                .and_then(|el| el.mechanism())
                .map(|_| e.info.name)
        })
        .collect()
}

/// "the [[channel]] sections are: a, b" (sorted), or that there are none.
fn channel_names(channels: &Channels<'_>) -> String {
    if channels.is_empty() {
        return "the file has no [[channel]] sections".to_string();
    }
    let mut names: Vec<&str> = channels.keys().map(String::as_str).collect();
    names.sort_unstable();
    format!("the [[channel]] sections are: {}", names.join(", "))
}
