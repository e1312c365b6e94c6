//! Building the circuit: nodes, elements (catalogue and user-defined channels), stimuli,
//! probes; per-area and absolute quantities reconciled node by node.

use std::collections::HashMap;
use std::ops::Range;

use memrc::circuit::{CircuitBuilder, NodeId, Stimulus, Terminal};
use memrc::element::Catalogue;
use memrc::trajectory::Trajectory;
use memrc::{Element, ModelError};

use crate::channel::{ChannelError, ChannelSpec, GateKinetics, build_channel, compile_checked};
use crate::error::LoadError;
use crate::load::{Ctx, did_you_mean, is_rest};
use crate::model::{CircuitModel, Initial, InitialStateValue, Probe, ProbeTarget, Solver};
use crate::schema::{
    ChannelSection, ElementSection, ModelFile, ProbeSection, Q, S, Spanned, StimulusSection,
};
use crate::units::{self, Dimension, Form};

/// A node as read: its area (if any) and the form its quantities must take without one.
struct NodeInfo {
    name: String,
    area: Option<f64>,
    /// Form of the capacitance (what the other quantities on an area-less node must match).
    form: Form,
}

fn form_text(form: Form, absolute: Dimension) -> String {
    match form {
        Form::Absolute => format!("absolute ({})", absolute.unit_text()),
        Form::PerArea => format!("per area ({})", absolute.per_area().unit_text()),
    }
}

/// A section whose keys depend on its kind: the value of `key` picks one of `kinds`, each with
/// the keys that apply to it.
pub(crate) struct KindTable {
    /// The section, as in "stimulus".
    pub(crate) section: &'static str,
    /// The key that sets the kind.
    pub(crate) key: &'static str,
    /// Every kind and its keys.
    pub(crate) kinds: &'static [KindKeys],
}

/// A `[[stimulus]]` as built.
enum Built {
    /// A current source into the node.
    Current(usize, Stimulus),
    /// A voltage source on the node.
    Voltage {
        name: String,
        node: usize,
        voltage: Stimulus,
        /// Series conductance `1/R` (`None`: ideal).
        conductance: Option<f64>,
    },
}

/// A kind of a kind table and its keys.
type KindKeys = (&'static str, &'static [&'static str]);
/// The waveforms shared by circuit stimuli and network inputs.
const PULSE: KindKeys = ("pulse", &["amplitude", "start", "end"]);
const STEP: KindKeys = ("step", &["amplitude", "start"]);
const SINE: KindKeys = ("sine", &["amplitude", "frequency", "phase", "offset"]);
const PWL: KindKeys = ("pwl", &["points"]);

/// The kinds of `[[stimulus]]` and the keys of each.
const STIMULUS_KINDS: KindTable = KindTable {
    section: "stimulus",
    key: "kind",
    kinds: &[
        PULSE,
        STEP,
        SINE,
        PWL,
        ("samples", &["file", "time_unit", "unit"]),
    ],
};

/// The kinds of a network `[[input]]` and the keys of each.
pub(crate) const INPUT_KINDS: KindTable = KindTable {
    section: "input",
    key: "kind",
    kinds: &[
        PULSE,
        STEP,
        SINE,
        PWL,
        ("samples", &["file", "time_unit", "unit"]),
        ("poisson", &["rate", "weight", "receptor"]),
    ],
};

/// The variables of `[[probe]]` and the keys of each.
const PROBE_VARIABLES: KindTable = KindTable {
    section: "probe",
    key: "variable",
    kinds: &[
        ("v", &["node"]),
        ("state", &["element", "state"]),
        ("current", &["element", "port", "source"]),
        ("conductance", &["element", "port"]),
    ],
};

/// The factor of a sampled current in the form it is written (absolute or per area), given
/// the span to blame.
pub(crate) type CurrentScale<'a> = &'a dyn Fn(Form, &Range<usize>) -> Result<f64, LoadError>;

/// The span of an optional key, if given.
fn given<T>(key: &Option<Spanned<T>>) -> Option<Range<usize>> {
    key.as_ref().map(Spanned::span)
}

/// A section whose keys depend on its kind (a stimulus, a probe), after
/// [`Ctx::kind_keys`]: reads the keys that the kind requires.
pub(crate) struct Keys<'c> {
    ctx: &'c Ctx<'c>,
    /// The value that sets the kind, where a missing key is reported.
    at: &'c S,
    /// The section and its kind, as in "a pulse stimulus".
    what: String,
}

impl Keys<'_> {
    /// The value of the required `key`, or "WHAT needs 'KEY'" at the kind.
    pub(crate) fn need<T: Clone>(&self, value: &Option<T>, key: &str) -> Result<T, LoadError> {
        value.clone().ok_or_else(|| {
            self.ctx
                .err(self.at, key, format!("{} needs '{key}'", self.what))
        })
    }
}

impl Ctx<'_> {
    /// Checks a section of `table` whose kind is the value `at`: refuses an unknown kind
    /// ("unknown SECTION KEY '…'", see [`Ctx::unknown`]) and the first key of `present` that is
    /// given (has a span) but not one of the kind's: "key 'K' does not apply to `what` (its
    /// keys: …)". Returns the section's [`Keys`], to read the keys that its kind requires.
    pub(crate) fn kind_keys<'c>(
        &'c self,
        table: &KindTable,
        at: &'c S,
        present: &[(&str, Option<Range<usize>>)],
        what: String,
    ) -> Result<Keys<'c>, LoadError> {
        let Some((_, allowed)) = table.kinds.iter().find(|(kind, _)| kind == at.get_ref()) else {
            let names: Vec<&str> = table.kinds.iter().map(|(kind, _)| *kind).collect();
            let what_kind = format!("{} {}", table.section, table.key);
            return Err(self.unknown(at, table.key, &what_kind, &names));
        };
        for (key, span) in present {
            if let Some(span) = span {
                if !allowed.contains(key) {
                    return Err(self.src.span(
                        span,
                        *key,
                        format!(
                            "key '{key}' does not apply to {what} (its keys: {})",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Keys {
            ctx: self,
            at,
            what,
        })
    }

    pub(crate) fn circuit(&self, file: &ModelFile) -> Result<CircuitModel, LoadError> {
        let Some(sim) = &file.simulation else {
            return Err(self.top(
                "simulation",
                "missing section [simulation] (t_end and dt are required)",
            ));
        };
        let simulation = self.simulation(sim)?;
        if file.nodes.is_empty() {
            return Err(self.top(
                "node",
                "a circuit model needs at least one [[node]] (or a [hopfield] section)",
            ));
        }
        let mut b = CircuitBuilder::new();
        let mut nodes: Vec<NodeInfo> = Vec::new();
        let mut node_ids: HashMap<String, usize> = HashMap::new();
        let mut initial = Vec::new();
        for (k, n) in file.nodes.iter().enumerate() {
            let name = n.name.get_ref();
            if name == "ground" || name.is_empty() {
                return Err(self.err(
                    &n.name,
                    "name",
                    format!("'{name}' cannot name a node ('ground' is the reference terminal)"),
                ));
            }
            if node_ids.insert(name.clone(), k).is_some() {
                return Err(self.err(&n.name, "name", format!("duplicate node name '{name}'")));
            }
            let (c, form) = self.dual(&n.capacitance, "capacitance", Dimension::CAPACITANCE)?;
            self.require_positive(&n.capacitance, "capacitance", c)?;
            let area = match &n.area {
                Some(q) => Some(self.positive(q, "area", Dimension::AREA)?),
                None => None,
            };
            let c_abs = match (form, area) {
                (Form::PerArea, Some(a)) => c * a,
                _ => c,
            };
            b.node(name.clone(), c_abs);
            nodes.push(NodeInfo {
                name: name.clone(),
                area,
                form,
            });
            initial.push(match &n.initial {
                None => Initial::Rest,
                Some(q) if is_rest(q.get_ref()) => Initial::Rest,
                Some(q) => {
                    let starts_with_number = match q.get_ref() {
                        crate::schema::RawQuantity::Text(t) => t
                            .trim_start()
                            .starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)),
                        crate::schema::RawQuantity::Number(_) => true,
                    };
                    if !starts_with_number {
                        return Err(self.err_q(
                            q,
                            "initial",
                            format!(
                                "'initial' must be \"rest\" or a voltage such as \"-65 mV\", got {}",
                                q.get_ref().shown()
                            ),
                        ));
                    }
                    Initial::Voltage(self.qty(q, "initial", Dimension::VOLTAGE)?)
                }
            });
        }
        let channels = self.channels(file)?;
        let mut branch_names: HashMap<String, usize> = HashMap::new();
        let mut branch_meta: Vec<(Vec<String>, usize)> = Vec::new();
        // (branch, state within it, value) of every state's initial value given in the file.
        let mut state_given: Vec<(usize, usize, f64)> = Vec::new();
        for (k, e) in file.elements.iter().enumerate() {
            let name = e.name.get_ref();
            if branch_names.insert(name.clone(), k).is_some() {
                return Err(self.err(&e.name, "name", format!("duplicate element name '{name}'")));
            }
            let ports = self.terminals(e, &node_ids)?;
            let touched: Vec<usize> = ports
                .iter()
                .flat_map(|(p, m)| [*p, *m])
                .filter_map(|t| match t {
                    Terminal::Node(NodeId(j)) => Some(j),
                    Terminal::Ground => None,
                })
                .collect();
            let element = self.element(e, &channels, &nodes, &touched)?;
            if element.n_ports() != ports.len() {
                let (span, what) = match &e.ports {
                    Some(p) => (p.span(), "ports"),
                    None => (e.kind.span(), "kind"),
                };
                return Err(self.src.span(
                    &span,
                    what,
                    format!(
                        "element kind '{}' has {} port(s), but {} connection(s) are given{}",
                        e.kind.get_ref(),
                        element.n_ports(),
                        ports.len(),
                        if element.n_ports() > 1 {
                            " (use ports = [[\"plus\", \"minus\"], …], one pair per port)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let given = self.state_initials(e, element.as_ref(), &channels)?;
            state_given.extend(given.into_iter().map(|(st, v)| (k, st, v)));
            branch_meta.push((element.state_names(), element.n_ports()));
            b.multiport(name.clone(), element, ports);
        }
        let mut source_names: HashMap<String, usize> = HashMap::new();
        let mut driven: HashMap<usize, String> = HashMap::new();
        for s in &file.stimuli {
            match self.stimulus(s, &node_ids, &nodes)? {
                Built::Current(node, stim) => b.source(NodeId(node), stim),
                Built::Voltage {
                    name,
                    node,
                    voltage,
                    conductance,
                } => {
                    let at = s.name.as_ref().unwrap_or(&s.node);
                    if source_names.insert(name.clone(), node).is_some() {
                        return Err(self.err(
                            at,
                            "name",
                            format!(
                                "duplicate voltage-source name '{name}'{}",
                                if s.name.is_none() {
                                    " (the default vs_<node>): give each source on this node a 'name'"
                                } else {
                                    ""
                                }
                            ),
                        ));
                    }
                    match conductance {
                        Some(g) => b.series_voltage_source(name, NodeId(node), voltage, 1.0 / g),
                        None => {
                            if let Some(other) = driven.insert(node, name.clone()) {
                                return Err(self.err(
                                    &s.node,
                                    "node",
                                    format!(
                                        "node '{}' is already driven by the ideal voltage source '{other}': a node takes one ideal source (give one a 'resistance')",
                                        s.node.get_ref()
                                    ),
                                ));
                            }
                            if let Some(q) = &file.nodes[node].initial {
                                if !is_rest(q.get_ref()) {
                                    return Err(self.err_q(
                                        q,
                                        "initial",
                                        format!(
                                            "node '{}' is driven by the ideal voltage source '{name}', whose voltage it takes at every time: remove its 'initial'",
                                            s.node.get_ref()
                                        ),
                                    ));
                                }
                            }
                            b.voltage_source(name, NodeId(node), voltage);
                        }
                    }
                }
            }
        }
        let circuit = b
            .build()
            .map_err(|e| self.top("", format!("the circuit is inconsistent: {e}")))?;
        let probes = self.probes(
            file,
            &node_ids,
            &branch_names,
            &branch_meta,
            &circuit,
            simulation.dt,
        )?;
        // Memory: the engine solvers keep every trajectory; ODE solvers the states.
        let n = circuit.n_nodes();
        let per_sample = match simulation.solver {
            Solver::Relaxation(_) | Solver::Stepping { .. } => {
                n + n * n
                    + n
                    + circuit
                        .branches()
                        .iter()
                        .map(|br| {
                            let p = br.ports.len();
                            p + p * p + br.element.n_states()
                        })
                        .sum::<usize>()
            }
            Solver::Ode { .. } => n + circuit.n_states(),
        } + probes.len();
        self.check_memory(&sim.dt, simulation.steps.saturating_add(1), per_sample)?;
        let initial_states = state_given
            .into_iter()
            .map(|(b, st, value)| InitialStateValue {
                name: format!("{}.{}", circuit.branches()[b].name, branch_meta[b].0[st]),
                index: circuit.state_offset(b) + st,
                value,
            })
            .collect();
        let model = CircuitModel {
            circuit,
            initial,
            initial_states,
            simulation,
            probes,
        };
        // The initial state is cheap to compute here, so a circuit without one (no rest state
        // for a node left at "rest") is refused at load, at that node, not after the check or
        // at the start of the run without a location (issue #14 §4).
        if let Err(e) = model.initial_state() {
            let at = file
                .nodes
                .iter()
                .find(|n| n.initial.as_ref().is_none_or(|q| is_rest(q.get_ref())));
            let message = format!("the initial state cannot be computed: {e}");
            return Err(match at {
                Some(n) => match &n.initial {
                    Some(q) => self.err_q(q, "initial", message),
                    None => self.err(&n.name, "initial", message),
                },
                None => self.top("initial", message),
            });
        }
        Ok(model)
    }

    /// The initial values `initial = { state = value, … }` of element `e` that set its states
    /// directly: `(state index, value)`. Gates and other fractions of channel-type kinds (the
    /// per-area catalogue kinds and `[[channel]]`s) take a dimensionless value in `[0, 1]`;
    /// device states go through their initial-state parameter instead (see `element`), and any
    /// other state cannot be set.
    fn state_initials(
        &self,
        e: &ElementSection,
        element: &dyn Element,
        channels: &HashMap<String, (ChannelSpec, &ChannelSection, Form)>,
    ) -> Result<Vec<(usize, f64)>, LoadError> {
        let kind = e.kind.get_ref().as_str();
        let ename = e.name.get_ref();
        let catalogue = Catalogue::get(kind).ok();
        let channel_like = channels.contains_key(kind)
            || catalogue.is_some_and(|en| en.info.conductance_unit.ends_with("/m^2"));
        let names = element.state_names();
        let mut out = Vec::new();
        for (st, q) in &e.initial {
            let key = format!("initial.{st}");
            let Some(k) = names.iter().position(|n| n == st) else {
                return Err(self.err_q(
                    q,
                    &key,
                    format!(
                        "element '{ename}' (kind '{kind}') has no state '{st}'{}; its states: {}",
                        did_you_mean(st, names.iter().map(String::as_str)),
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                ));
            };
            if !channel_like {
                if catalogue.is_some_and(|en| device_param(en.info, st).is_some()) {
                    continue; // Set through the parameter.
                }
                let settable: Vec<String> = catalogue
                    .map(|en| {
                        names
                            .iter()
                            .filter(|n| device_param(en.info, n).is_some())
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                return Err(self.err_q(
                    q,
                    &key,
                    format!(
                        "element '{ename}': the initial value of state '{st}' of kind '{kind}' cannot be set: it follows from {}",
                        if settable.is_empty() {
                            "the element's parameters".to_string()
                        } else {
                            format!("'{}' (set that one)", settable.join("', '"))
                        }
                    ),
                ));
            }
            let v = self.qty(q, &key, Dimension::NONE)?;
            if !(0.0..=1.0).contains(&v) {
                return Err(self.err_q(
                    q,
                    &key,
                    format!(
                        "element '{ename}': initial '{st}' = {} is outside [0, 1] (a gate or bound fraction)",
                        q.get_ref().shown()
                    ),
                ));
            }
            out.push((k, v));
        }
        Ok(out)
    }

    /// Converts a per-area or absolute value for an element touching `touched` nodes.
    #[allow(clippy::too_many_arguments)]
    fn reconcile(
        &self,
        value: f64,
        form: Form,
        absolute: Dimension,
        nodes: &[NodeInfo],
        touched: &[usize],
        span: &Range<usize>,
        key: &str,
        what: &str,
    ) -> Result<f64, LoadError> {
        let mut area: Option<f64> = None;
        for &j in touched {
            let nd = &nodes[j];
            match nd.area {
                Some(a) => {
                    if form == Form::PerArea {
                        if let Some(prev) = area {
                            if (prev - a).abs() > 1e-12 * a.abs() {
                                return Err(self.src.span(
                                    span,
                                    key,
                                    format!(
                                        "{what} is per area but connects nodes of different areas: give it in absolute units ({})",
                                        absolute.unit_text()
                                    ),
                                ));
                            }
                        }
                        area = Some(a);
                    }
                }
                None => {
                    if nd.form != form {
                        return Err(self.src.span(
                            span,
                            key,
                            format!(
                                "{what} is {} but node '{}' has no area and its capacitance is {}: give the node an 'area' or write both in the same form",
                                form_text(form, absolute),
                                nd.name,
                                form_text(nd.form, Dimension::CAPACITANCE)
                            ),
                        ));
                    }
                }
            }
        }
        if form == Form::PerArea && touched.iter().any(|&j| nodes[j].area.is_none()) {
            if let Some(_a) = area {
                return Err(self.src.span(
                    span,
                    key,
                    format!(
                        "{what} is per area but connects nodes with and without an area: give it in absolute units ({})",
                        absolute.unit_text()
                    ),
                ));
            }
        }
        Ok(match (form, area) {
            (Form::PerArea, Some(a)) => value * a,
            _ => value,
        })
    }

    fn terminals(
        &self,
        e: &ElementSection,
        node_ids: &HashMap<String, usize>,
    ) -> Result<Vec<(Terminal, Terminal)>, LoadError> {
        let term = |s: &S, key: &str| -> Result<Terminal, LoadError> {
            let n = s.get_ref();
            if n == "ground" {
                return Ok(Terminal::Ground);
            }
            node_ids
                .get(n)
                .map(|j| Terminal::Node(NodeId(*j)))
                .ok_or_else(|| {
                    let hint =
                        did_you_mean(n, node_ids.keys().map(String::as_str).chain(["ground"]));
                    self.err(
                        s,
                        key,
                        format!("'{key}' refers to undefined node '{n}'{hint}"),
                    )
                })
        };
        let given = [
            e.node.is_some(),
            e.from.is_some() || e.to.is_some(),
            e.ports.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(self.err(
                &e.name,
                "node",
                format!(
                    "element '{}' needs exactly one of: node = \"…\" (to ground), from/to (between two nodes), ports = [[plus, minus], …]",
                    e.name.get_ref()
                ),
            ));
        }
        if let Some(n) = &e.node {
            return Ok(vec![(term(n, "node")?, Terminal::Ground)]);
        }
        if let Some(p) = &e.ports {
            let mut out = Vec::new();
            for pair in p.get_ref() {
                let [plus, minus] = pair.as_slice() else {
                    return Err(self.src.span(
                        &p.span(),
                        "ports",
                        format!(
                            "each entry of 'ports' must be a pair [\"plus\", \"minus\"], got {} name(s)",
                            pair.len()
                        ),
                    ));
                };
                out.push((term(plus, "ports")?, term(minus, "ports")?));
            }
            return Ok(out);
        }
        match (&e.from, &e.to) {
            (Some(f), Some(t)) => Ok(vec![(term(f, "from")?, term(t, "to")?)]),
            (Some(f), None) => Err(self.err(f, "to", "'from' needs a matching 'to'")),
            (None, Some(t)) => Err(self.err(t, "from", "'to' needs a matching 'from'")),
            (None, None) => Err(self.err(&e.name, "node", "element has no connection")),
        }
    }

    fn element(
        &self,
        e: &ElementSection,
        channels: &HashMap<String, (ChannelSpec, &ChannelSection, Form)>,
        nodes: &[NodeInfo],
        touched: &[usize],
    ) -> Result<Box<dyn Element>, LoadError> {
        let kind = e.kind.get_ref();
        let ename = e.name.get_ref();
        let param_span = |p: &str| e.params.get(p).map_or_else(|| e.kind.span(), |q| q.span());
        if let Some((spec, section, form)) = channels.get(kind) {
            let mut spec = spec.clone();
            let mut gbar_form = *form;
            let mut gbar_span = section.gbar.span();
            for (p, q) in &e.params {
                match p.as_str() {
                    "gbar" => {
                        let (v, f) = self.dual(q, "gbar", Dimension::CONDUCTANCE)?;
                        spec.gbar = v;
                        gbar_form = f;
                        gbar_span = q.span();
                    }
                    "e_rev" => spec.e_rev = self.qty(q, "e_rev", Dimension::VOLTAGE)?,
                    other => {
                        return Err(self.err_q(
                            q,
                            other,
                            format!(
                                "user-defined channel '{kind}' has no parameter '{other}'{}; its parameters are gbar and e_rev",
                                did_you_mean(other, ["gbar", "e_rev"])
                            ),
                        ));
                    }
                }
            }
            spec.gbar = self.reconcile(
                spec.gbar,
                gbar_form,
                Dimension::CONDUCTANCE,
                nodes,
                touched,
                &gbar_span,
                "gbar",
                &format!("'gbar' of element '{ename}'"),
            )?;
            return build_channel(&spec).map_err(|err| self.channel_error(section, err));
        }
        let entry = Catalogue::get(kind).map_err(|_| {
            let names: Vec<&str> = Catalogue::all()
                .map(|en| en.info.name)
                .chain(channels.keys().map(String::as_str))
                .collect();
            let hint = did_you_mean(kind, names.iter().copied());
            self.err(
                &e.kind,
                "kind",
                format!(
                    "unknown element kind '{kind}'{hint}: not in the catalogue (memrc element list) nor a [[channel]]"
                ),
            )
        })?;
        let per_area_kind = entry.info.conductance_unit.ends_with("/m^2");
        let mut overrides: Vec<(&str, f64)> = Vec::new();
        // Initial values of devices are their initial-state parameters (`x0`, `phi0`): the
        // element then starts there, consistently with any derived state.
        let mut from_initial: Vec<(&str, &str, &Q)> = Vec::new();
        if !per_area_kind {
            for (st, q) in &e.initial {
                let Some(info) = device_param(entry.info, st) else {
                    continue;
                };
                let key = format!("initial.{st}");
                if let Some(pq) = e.params.get(info.name) {
                    return Err(self.err_q(
                        pq,
                        info.name,
                        format!(
                            "element '{ename}' gives both params.{} and {key}: they set the same initial state; keep one",
                            info.name
                        ),
                    ));
                }
                let unit = units::parse_unit(info.unit).map_err(|er| {
                    self.err_q(
                        q,
                        &key,
                        format!("internal: catalogue unit '{}': {er}", info.unit),
                    )
                })?;
                let v = self.qty_hint(q, &key, unit.dim, Some(info.unit))? / unit.factor;
                let below = v < info.min || (info.min_exclusive && v == info.min);
                if below || v > info.max {
                    return Err(self.err_q(
                        q,
                        &key,
                        format!(
                            "element '{ename}': initial '{st}' = {} is outside the range {}{}, {}] of kind '{kind}'",
                            q.get_ref().shown(),
                            if info.min_exclusive { "(" } else { "[" },
                            info.min,
                            info.max
                        ),
                    ));
                }
                if kind == "relaxation" && v == 0.0 {
                    return Err(self.err_q(
                        q,
                        &key,
                        format!(
                            "element '{ename}': initial '{st}' must be > 0 (its x0 = 0 stands for the steady state: omit '{st}' for that)"
                        ),
                    ));
                }
                overrides.push((info.name, v));
                from_initial.push((info.name, st.as_str(), q));
            }
        }
        for (p, q) in &e.params {
            let Some(info) = entry.info.params.iter().find(|i| i.name == p) else {
                let hint = did_you_mean(p, entry.info.params.iter().map(|i| i.name));
                let names: Vec<&str> = entry.info.params.iter().map(|i| i.name).collect();
                return Err(self.err_q(
                    q,
                    p,
                    format!(
                        "element kind '{kind}' has no parameter '{p}'{hint}; its parameters are {}",
                        names.join(", ")
                    ),
                ));
            };
            let unit = units::parse_unit(info.unit).map_err(|er| {
                self.err_q(
                    q,
                    p,
                    format!("internal: catalogue unit '{}' of '{p}': {er}", info.unit),
                )
            })?;
            let v = if per_area_kind && info.unit.ends_with("/m^2") {
                let (v, form) = self.dual(q, p, unit.dim * Dimension::AREA)?;
                let what = format!("'{p}' of element '{ename}'");
                self.reconcile(
                    v,
                    form,
                    unit.dim * Dimension::AREA,
                    nodes,
                    touched,
                    &q.span(),
                    p,
                    &what,
                )?
            } else {
                self.qty_hint(q, p, unit.dim, Some(info.unit))?
            };
            overrides.push((info.name, v / unit.factor));
        }
        // Defaults of per-area parameters follow the nodes too.
        for info in entry.info.params {
            if per_area_kind && info.unit.ends_with("/m^2") && !e.params.contains_key(info.name) {
                let what = format!(
                    "the default '{}' = {} {} of element '{ename}'",
                    info.name, info.default, info.unit
                );
                let abs = units::parse_unit(info.unit)
                    .map(|u| u.dim * Dimension::AREA)
                    .unwrap_or(Dimension::CONDUCTANCE);
                let v = self.reconcile(
                    info.default,
                    Form::PerArea,
                    abs,
                    nodes,
                    touched,
                    &e.kind.span(),
                    "kind",
                    &what,
                )?;
                overrides.push((info.name, v));
            }
        }
        if !per_area_kind {
            self.reconcile(
                0.0,
                Form::Absolute,
                Dimension::CONDUCTANCE,
                nodes,
                touched,
                &e.kind.span(),
                "kind",
                &format!("element '{ename}' (kind '{kind}', in absolute units)"),
            )?;
        }
        (entry.build)(&overrides).map_err(|err| {
            let p = match &err {
                ModelError::ParamOutOfRange { param, .. }
                | ModelError::NonFinite { param, .. }
                | ModelError::UnknownParam { param, .. } => Some(param.clone()),
                _ => None,
            };
            let initial = p
                .as_deref()
                .and_then(|p| from_initial.iter().find(|(name, _, _)| *name == p));
            if let Some((_, st, q)) = initial {
                return self.err_q(
                    q,
                    &format!("initial.{st}"),
                    format!("element '{ename}': {err}"),
                );
            }
            let span = p.as_deref().map_or_else(|| e.kind.span(), param_span);
            let written = p
                .as_deref()
                .and_then(|p| e.params.get(p))
                .map(|q| format!(" (written {})", q.get_ref().shown()))
                .unwrap_or_default();
            self.src.span(
                &span,
                p.unwrap_or_default(),
                format!("element '{ename}': {err}{written}"),
            )
        })
    }

    pub(crate) fn channels<'f>(
        &self,
        file: &'f ModelFile,
    ) -> Result<HashMap<String, (ChannelSpec, &'f ChannelSection, Form)>, LoadError> {
        let mut out = HashMap::new();
        let celsius = self.celsius(file)?;
        for c in &file.channels {
            let name = c.name.get_ref();
            if Catalogue::get(name).is_ok() {
                return Err(self.err(
                    &c.name,
                    "name",
                    format!("channel name '{name}' is already a catalogue element kind"),
                ));
            }
            let (gbar, form) = self.dual(&c.gbar, "gbar", Dimension::CONDUCTANCE)?;
            if gbar < 0.0 {
                return Err(self.err_q(
                    &c.gbar,
                    "gbar",
                    format!("'gbar' must be ≥ 0, got {}", c.gbar.get_ref().shown()),
                ));
            }
            let e_rev = self.qty(&c.e_rev, "e_rev", Dimension::VOLTAGE)?;
            let mut gates = Vec::new();
            for (g, spec) in &c.gates {
                let s = spec.get_ref();
                let kin = match (&s.alpha, &s.beta, &s.tau, &s.inf) {
                    (Some(a), Some(b), None, None) => GateKinetics::AlphaBeta {
                        alpha: a.get_ref().clone(),
                        beta: b.get_ref().clone(),
                    },
                    (None, None, Some(t), Some(i)) => GateKinetics::TauInf {
                        tau: t.get_ref().clone(),
                        inf: i.get_ref().clone(),
                    },
                    (None, None, None, Some(i)) => GateKinetics::Instantaneous {
                        inf: i.get_ref().clone(),
                    },
                    _ => {
                        return Err(self.src.span(
                            &spec.span(),
                            g,
                            format!(
                                "gate '{g}' of channel '{name}' needs either alpha and beta, or tau and inf, or inf alone (an instantaneous gate)"
                            ),
                        ));
                    }
                };
                let instantaneous = matches!(kin, GateKinetics::Instantaneous { .. });
                let q10 = self.gate_q10(s, g, name, instantaneous)?;
                gates.push((g.clone(), kin, q10));
            }
            let spec = ChannelSpec {
                name: name.clone(),
                gbar,
                e_rev,
                conductance: c.conductance.get_ref().clone(),
                gates,
                context: memrc::element::expr::ExprContext {
                    parameters: self.expression_parameters(&file.parameters, &c.params)?,
                    celsius,
                },
            };
            // Build once now, so that errors in unused channels are reported too, and check
            // the expressions' ranges over the gates' box (issue #14 §3).
            let dim = match form {
                Form::Absolute => Dimension::CONDUCTANCE,
                Form::PerArea => Dimension::CONDUCTANCE.per_area(),
            };
            compile_checked(&spec, dim).map_err(|err| self.channel_error(c, err))?;
            if out.insert(name.clone(), (spec, c, form)).is_some() {
                return Err(self.err(&c.name, "name", format!("duplicate channel name '{name}'")));
            }
        }
        Ok(out)
    }

    pub(crate) fn channel_error(&self, c: &ChannelSection, err: ChannelError) -> LoadError {
        match err {
            ChannelError::Param { param, message } => {
                let span = if param == "e_rev" {
                    c.e_rev.span()
                } else {
                    c.gbar.span()
                };
                self.src.span(
                    &span,
                    param,
                    format!("channel '{}': {message}", c.name.get_ref()),
                )
            }
            ChannelError::Other(m) => self.err(
                &c.name,
                "channel",
                format!("channel '{}': {m}", c.name.get_ref()),
            ),
            ChannelError::Expression {
                context,
                position,
                message,
            } => {
                // The context is `conductance` or `gates.<g>.<key>`.
                let target: Option<&S> = if context == "conductance" {
                    Some(&c.conductance)
                } else {
                    let mut it = context.split('.');
                    match (it.next(), it.next(), it.next()) {
                        (Some("gates"), Some(g), Some(k)) => c.gates.get(g).and_then(|s| {
                            let s = s.get_ref();
                            match k {
                                "alpha" => s.alpha.as_ref(),
                                "beta" => s.beta.as_ref(),
                                "tau" => s.tau.as_ref(),
                                "inf" => s.inf.as_ref(),
                                _ => None,
                            }
                        }),
                        _ => None,
                    }
                };
                let msg = format!("channel '{}' {context}: {message}", c.name.get_ref());
                match target {
                    Some(s) => self.src.inside(
                        &s.span(),
                        s.get_ref(),
                        position.unwrap_or(0),
                        context.clone(),
                        msg,
                    ),
                    None => self.err(&c.name, &context, msg),
                }
            }
        }
    }

    /// A `[[stimulus]]`: a current source, or a voltage source (`source = "voltage"`) with its
    /// name and series conductance (`None`: ideal).
    fn stimulus(
        &self,
        s: &StimulusSection,
        node_ids: &HashMap<String, usize>,
        nodes: &[NodeInfo],
    ) -> Result<Built, LoadError> {
        let voltage = match &s.source {
            None => false,
            Some(src) => match src.get_ref().as_str() {
                "current" => false,
                "voltage" => true,
                _ => {
                    return Err(self.unknown(
                        src,
                        "source",
                        "stimulus source",
                        &["current", "voltage"],
                    ));
                }
            },
        };
        if !voltage {
            for (key, span) in [
                ("resistance", given(&s.resistance)),
                ("name", given(&s.name)),
            ] {
                if let Some(span) = span {
                    return Err(self.src.span(
                        &span,
                        key,
                        format!("key '{key}' applies only to voltage sources (source = \"voltage\"); this stimulus is a current source"),
                    ));
                }
            }
        }
        if matches!(s.kind.get_ref().as_str(), "voltage" | "current") {
            let word = s.kind.get_ref();
            return Err(self.err(
                &s.kind,
                "kind",
                format!(
                    "stimulus kind '{word}': 'kind' is the waveform (pulse, step, sine, pwl, samples); write source = \"{word}\" for a {word} source"
                ),
            ));
        }
        let name = s.node.get_ref();
        let Some(&node) = node_ids.get(name) else {
            let hint = did_you_mean(name, node_ids.keys().map(String::as_str));
            return Err(self.err(
                &s.node,
                "node",
                format!("stimulus refers to undefined node '{name}'{hint}"),
            ));
        };
        let kind = s.kind.get_ref().as_str();
        let present: [(&str, Option<Range<usize>>); 10] = [
            ("amplitude", given(&s.amplitude)),
            ("start", given(&s.start)),
            ("end", given(&s.end)),
            ("frequency", given(&s.frequency)),
            ("phase", given(&s.phase)),
            ("offset", given(&s.offset)),
            ("points", given(&s.points)),
            ("file", given(&s.file)),
            ("time_unit", given(&s.time_unit)),
            ("unit", given(&s.unit)),
        ];
        let keys = self.kind_keys(
            &STIMULUS_KINDS,
            &s.kind,
            &present,
            format!("a {kind} stimulus"),
        )?;
        // The waveform's values: voltages of a voltage source, or currents (per area or
        // absolute, following the node).
        let current = |q: &Q, key: &str| -> Result<f64, LoadError> {
            if voltage {
                return self.qty(q, key, Dimension::VOLTAGE);
            }
            let (v, form) = self.dual(q, key, Dimension::CURRENT)?;
            self.reconcile(
                v,
                form,
                Dimension::CURRENT,
                nodes,
                &[node],
                &q.span(),
                key,
                &format!("the stimulus '{key}'"),
            )
        };
        let stim = match self.waveform(s, &keys, voltage, &current)? {
            Some(stim) => stim,
            None => self.samples(s, voltage, &|form, span| {
                let what = "the sampled stimulus";
                self.reconcile(
                    1.0,
                    form,
                    Dimension::CURRENT,
                    nodes,
                    &[node],
                    span,
                    "file",
                    what,
                )
            })?,
        };
        stim.validate()
            .map_err(|e| self.err(&s.kind, "stimulus", format!("stimulus: {e}")))?;
        if !voltage {
            return Ok(Built::Current(node, stim));
        }
        let conductance = match &s.resistance {
            None => None,
            Some(q) => {
                let p = self.parse(q, "resistance")?;
                let form = match p.dim {
                    Some(d) if d == Dimension::RESISTANCE => Form::Absolute,
                    Some(d) if d == Dimension::RESISTANCE * Dimension::AREA => Form::PerArea,
                    _ => {
                        return Err(self.err_q(
                            q,
                            "resistance",
                            format!(
                                "'resistance': expected a resistance (Ohm) or a specific resistance (Ohm*m^2, per-area circuits), got {}",
                                match p.dim {
                                    None => "a bare number: write the unit, e.g. \"1 kohm\"".to_string(),
                                    Some(d) => format!("'{}' ({})", p.unit, d.describe()),
                                }
                            ),
                        ));
                    }
                };
                if p.value <= 0.0 {
                    return Err(self.err_q(
                        q,
                        "resistance",
                        format!("'resistance' must be > 0, got {}", q.get_ref().shown()),
                    ));
                }
                Some(self.reconcile(
                    1.0 / p.value,
                    form,
                    Dimension::CONDUCTANCE,
                    nodes,
                    &[node],
                    &q.span(),
                    "resistance",
                    "the series 'resistance' (its conductance 1/R)",
                )?)
            }
        };
        let name = s.name.as_ref().map_or_else(
            || format!("vs_{}", s.node.get_ref()),
            |n| n.get_ref().clone(),
        );
        Ok(Built::Voltage {
            name,
            node,
            voltage: stim,
            conductance,
        })
    }

    /// The waveform of a `[[stimulus]]` (or a network `[[input]]`) of kind pulse, step, sine or
    /// pwl, its values through `current` (currents, or voltages of a voltage source);
    /// `None` for the other kinds (samples).
    pub(crate) fn waveform(
        &self,
        s: &StimulusSection,
        keys: &Keys<'_>,
        voltage: bool,
        current: &dyn Fn(&Q, &str) -> Result<f64, LoadError>,
    ) -> Result<Option<Stimulus>, LoadError> {
        let time = |q: &Q, key: &str| self.qty(q, key, Dimension::TIME);
        let kind = s.kind.get_ref().as_str();
        Ok(Some(match kind {
            "pulse" => {
                let amplitude = current(&keys.need(&s.amplitude, "amplitude")?, "amplitude")?;
                let start = time(&keys.need(&s.start, "start")?, "start")?;
                let end_q = keys.need(&s.end, "end")?;
                let end = time(&end_q, "end")?;
                if end < start {
                    return Err(self.err_q(
                        &end_q,
                        "end",
                        format!(
                            "pulse 'end' = {} is before its start",
                            end_q.get_ref().shown()
                        ),
                    ));
                }
                Stimulus::Pulse {
                    amplitude,
                    start,
                    end,
                }
            }
            "step" => Stimulus::Step {
                amplitude: current(&keys.need(&s.amplitude, "amplitude")?, "amplitude")?,
                start: match &s.start {
                    Some(q) => time(q, "start")?,
                    None => 0.0,
                },
            },
            "sine" => {
                let fq = keys.need(&s.frequency, "frequency")?;
                let frequency = self.qty(&fq, "frequency", Dimension::FREQUENCY)?;
                if frequency < 0.0 {
                    return Err(self.err_q(&fq, "frequency", "'frequency' must be ≥ 0"));
                }
                Stimulus::Sine {
                    amplitude: current(&keys.need(&s.amplitude, "amplitude")?, "amplitude")?,
                    frequency,
                    phase: match &s.phase {
                        Some(q) => self.qty(q, "phase", Dimension::NONE)?,
                        None => 0.0,
                    },
                    offset: match &s.offset {
                        Some(q) => current(q, "offset")?,
                        None => 0.0,
                    },
                }
            }
            "pwl" => {
                let pts = need_spanned(&s.points)
                    .ok_or_else(|| self.err(&s.kind, "points", "a pwl stimulus needs 'points'"))?;
                let mut times = Vec::new();
                let mut values = Vec::new();
                for pair in pts.get_ref() {
                    let [t, i] = pair.as_slice() else {
                        return Err(self.src.span(
                            &pts.span(),
                            "points",
                            format!(
                                "each point must be a pair [time, {}], got {} value(s)",
                                if voltage { "voltage" } else { "current" },
                                pair.len()
                            ),
                        ));
                    };
                    let t_v = time(t, "points")?;
                    if let Some(prev) = times.last() {
                        if t_v <= *prev {
                            return Err(self.err_q(
                                t,
                                "points",
                                format!(
                                    "pwl times must increase: {} comes after {prev} s",
                                    t.get_ref().shown()
                                ),
                            ));
                        }
                    }
                    times.push(t_v);
                    values.push(current(i, "points")?);
                }
                if times.is_empty() {
                    return Err(self.src.span(&pts.span(), "points", "'points' is empty"));
                }
                Stimulus::PiecewiseLinear { times, values }
            }
            _ => return Ok(None),
        }))
    }

    /// A `samples` waveform: the file's `(t, value)` columns in `time_unit` and `unit`; a
    /// current's factor for its form (absolute or per area: `scale(form, file span)`).
    pub(crate) fn samples(
        &self,
        s: &StimulusSection,
        voltage: bool,
        scale: CurrentScale<'_>,
    ) -> Result<Stimulus, LoadError> {
        let Some(file) = &s.file else {
            return Err(self.err(&s.kind, "file", "a samples stimulus needs 'file'"));
        };
        let unit_of = |u: &Option<S>, key: &str, default: &str| {
            let text = u.as_ref().map_or(default, |s| s.get_ref().as_str());
            units::parse_unit(text).map_err(|e| match u {
                Some(sp) => self.src.inside(
                    &sp.span(),
                    text,
                    e.offset,
                    key,
                    format!("'{key}' = '{text}': {}", e.message),
                ),
                None => self.err(file, key, e.message),
            })
        };
        let tu = unit_of(&s.time_unit, "time_unit", "s")?;
        if tu.dim != Dimension::TIME {
            let sp = s.time_unit.as_ref().unwrap_or(file);
            return Err(self.err(
                sp,
                "time_unit",
                format!(
                    "'time_unit': expected a time unit (s), got '{}' ({})",
                    sp.get_ref(),
                    tu.dim.describe()
                ),
            ));
        }
        let iu = unit_of(&s.unit, "unit", if voltage { "V" } else { "A" })?;
        let form = if voltage {
            if iu.dim != Dimension::VOLTAGE {
                let sp = s.unit.as_ref().unwrap_or(file);
                return Err(self.err(
                    sp,
                    "unit",
                    format!(
                        "'unit': expected a voltage unit (V) for a voltage source, got '{}' ({})",
                        sp.get_ref(),
                        iu.dim.describe()
                    ),
                ));
            }
            Form::Absolute
        } else if iu.dim == Dimension::CURRENT {
            Form::Absolute
        } else if iu.dim == Dimension::CURRENT.per_area() {
            Form::PerArea
        } else {
            let sp = s.unit.as_ref().unwrap_or(file);
            return Err(self.err(
                sp,
                "unit",
                format!(
                    "'unit': expected a current (A) or a current density (A/m^2) unit, got '{}' ({})",
                    sp.get_ref(),
                    iu.dim.describe()
                ),
            ));
        };
        let rel = std::path::Path::new(file.get_ref());
        let path = match &self.base {
            Some(b) if rel.is_relative() => b.join(rel),
            _ => rel.to_path_buf(),
        };
        let (t, v) = crate::samples::read_samples(&path, self.opts.input_limit)
            .map_err(|m| self.err(file, "file", format!("stimulus file: {m}")))?;
        let scale = if voltage {
            1.0
        } else {
            scale(form, &file.span())?
        };
        // Every sample in its plausible range (issue #14 §3), as written in the file's unit.
        if let Some((k, x)) = v
            .iter()
            .enumerate()
            .find(|(_, x)| units::check_plausible(*x * iu.factor, iu.dim).is_err())
        {
            let m = units::check_plausible(x * iu.factor, iu.dim)
                .err()
                .unwrap_or_default();
            return Err(self.err(
                file,
                "file",
                format!(
                    "stimulus file: sample {} = {} {} {m}",
                    k + 1,
                    memrc::error::brief(*x),
                    s.unit
                        .as_ref()
                        .map_or(if voltage { "V" } else { "A" }, |u| u.get_ref().as_str())
                ),
            ));
        }
        let t: Vec<f64> = t.iter().map(|x| x * tu.factor).collect();
        let v: Vec<f64> = v.iter().map(|x| x * iu.factor * scale).collect();
        let tr = Trajectory::from_samples(&t, &v).map_err(|e| {
            self.err(
                file,
                "file",
                format!("stimulus file '{}': {e}", path.display()),
            )
        })?;
        Stimulus::sampled(tr).map_err(|e| self.err(file, "file", e.to_string()))
    }

    #[allow(clippy::too_many_arguments)]
    fn probes(
        &self,
        file: &ModelFile,
        node_ids: &HashMap<String, usize>,
        branch_ids: &HashMap<String, usize>,
        meta: &[(Vec<String>, usize)],
        circuit: &memrc::circuit::Circuit,
        dt: f64,
    ) -> Result<Vec<Probe>, LoadError> {
        if file.probes.is_empty() {
            return Ok(circuit
                .nodes()
                .iter()
                .enumerate()
                .map(|(j, n)| Probe {
                    name: format!("v_{}", n.name),
                    target: ProbeTarget::Voltage { node: j },
                    every: 1,
                })
                .collect());
        }
        let mut out: Vec<Probe> = Vec::new();
        for p in &file.probes {
            let probe = self.probe(p, node_ids, branch_ids, meta, circuit, dt)?;
            if out.iter().any(|q| q.name == probe.name) {
                let sp = p.name.as_ref().unwrap_or(&p.variable);
                return Err(self.err(sp, "name", format!("duplicate probe name '{}'", probe.name)));
            }
            out.push(probe);
        }
        Ok(out)
    }

    fn probe(
        &self,
        p: &ProbeSection,
        node_ids: &HashMap<String, usize>,
        branch_ids: &HashMap<String, usize>,
        meta: &[(Vec<String>, usize)],
        circuit: &memrc::circuit::Circuit,
        dt: f64,
    ) -> Result<Probe, LoadError> {
        let var = p.variable.get_ref().as_str();
        let present: [(&str, Option<Range<usize>>); 5] = [
            ("node", given(&p.node)),
            ("element", given(&p.element)),
            ("state", given(&p.state)),
            ("port", given(&p.port)),
            ("source", given(&p.source)),
        ];
        let keys = self.kind_keys(
            &PROBE_VARIABLES,
            &p.variable,
            &present,
            format!("a '{var}' probe"),
        )?;
        let lookup =
            |s: &S, ids: &HashMap<String, usize>, what: &str| -> Result<usize, LoadError> {
                ids.get(s.get_ref()).copied().ok_or_else(|| {
                    let hint = did_you_mean(s.get_ref(), ids.keys().map(String::as_str));
                    self.err(
                        s,
                        what,
                        format!("probe refers to undefined {what} '{}'{hint}", s.get_ref()),
                    )
                })
            };
        let (target, default_name) = match var {
            "current" if p.source.is_some() => {
                let s = keys.need(&p.source, "source")?;
                if let Some(e) = &p.element {
                    return Err(self.err(
                        e,
                        "element",
                        "a 'current' probe records an element's port ('element') or a voltage source ('source'), not both",
                    ));
                }
                let names = circuit.voltage_sources().iter().map(|v| v.name.as_str());
                let Some(k) = circuit
                    .voltage_sources()
                    .iter()
                    .position(|v| v.name == *s.get_ref())
                else {
                    let hint = did_you_mean(s.get_ref(), names.clone());
                    let known: Vec<&str> = names.collect();
                    return Err(self.err(
                        &s,
                        "source",
                        format!(
                            "probe refers to undefined voltage source '{}'{hint}; voltage sources: {}",
                            s.get_ref(),
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    ));
                };
                (
                    ProbeTarget::SourceCurrent { source: k },
                    format!("i_{}", s.get_ref()),
                )
            }
            "v" => {
                let n = keys.need(&p.node, "node")?;
                let j = lookup(&n, node_ids, "node")?;
                (
                    ProbeTarget::Voltage { node: j },
                    format!("v_{}", n.get_ref()),
                )
            }
            "state" => {
                let e = keys.need(&p.element, "element")?;
                let b = lookup(&e, branch_ids, "element")?;
                let st = keys.need(&p.state, "state")?;
                let names = &meta[b].0;
                let Some(k) = names.iter().position(|x| x == st.get_ref()) else {
                    return Err(self.err(
                        &st,
                        "state",
                        format!(
                            "element '{}' has no state '{}'{}; its states: {}",
                            e.get_ref(),
                            st.get_ref(),
                            did_you_mean(st.get_ref(), names.iter().map(String::as_str)),
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                    ));
                };
                (
                    ProbeTarget::State {
                        branch: b,
                        state: k,
                        index: circuit.state_offset(b) + k,
                    },
                    format!("{}.{}", e.get_ref(), st.get_ref()),
                )
            }
            _ => {
                let e = keys.need(&p.element, "element")?;
                let b = lookup(&e, branch_ids, "element")?;
                let n_ports = meta[b].1;
                let port = match &p.port {
                    Some(q) => {
                        let k = usize::try_from(*q.get_ref()).ok().filter(|k| *k < n_ports);
                        k.ok_or_else(|| {
                            self.src.span(
                                &q.span(),
                                "port",
                                format!(
                                    "'port' must be a port index 0..{} of element '{}', got {}",
                                    n_ports - 1,
                                    e.get_ref(),
                                    q.get_ref()
                                ),
                            )
                        })?
                    }
                    None if n_ports == 1 => 0,
                    None => {
                        return Err(self.err(
                            &e,
                            "port",
                            format!(
                                "element '{}' has {n_ports} ports: give 'port' (0-based)",
                                e.get_ref()
                            ),
                        ));
                    }
                };
                let prefix = if var == "current" { "i" } else { "g" };
                let name = if n_ports == 1 {
                    format!("{prefix}_{}", e.get_ref())
                } else {
                    format!("{prefix}_{}.{port}", e.get_ref())
                };
                let t = if var == "current" {
                    ProbeTarget::Current { branch: b, port }
                } else {
                    ProbeTarget::Conductance { branch: b, port }
                };
                (t, name)
            }
        };
        let every = match &p.every {
            Some(q) => {
                let e = self.positive(q, "every", Dimension::TIME)?;
                let r = e / dt;
                let k = r.round();
                if (r - k).abs() > 1e-6 * r.max(1.0) || k < 1.0 || !k.is_finite() {
                    return Err(self.err_q(
                        q,
                        "every",
                        format!(
                            "'every' = {} must be a whole multiple of dt = {dt} s",
                            q.get_ref().shown()
                        ),
                    ));
                }
                k.min(1e15) as usize
            }
            None => 1,
        };
        Ok(Probe {
            name: p
                .name
                .as_ref()
                .map_or(default_name, |n| n.get_ref().clone()),
            target,
            every,
        })
    }
}

fn need_spanned<T>(x: &Option<T>) -> Option<&T> {
    x.as_ref()
}

/// The parameter that holds the initial value of state `state` of a device kind: `STATE0`
/// (`x0` of the HP, VTEAM and Yakopcic models, `phi0` of the ideal memristor), or `x0` of a
/// kind with one state (the relaxation memristor's `g`).
fn device_param(
    info: &'static memrc::element::KindInfo,
    state: &str,
) -> Option<&'static memrc::ParamInfo> {
    let named = format!("{state}0");
    let by_name = |n: &str| info.params.iter().find(|p| p.name == n);
    by_name(&named).or_else(|| {
        (info.states.len() == 1 && info.states[0].name == state)
            .then(|| by_name("x0"))
            .flatten()
    })
}
