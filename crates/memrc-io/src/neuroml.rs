//! NeuroML2 import: a NeuroML2 document → the text of a memrc model file (TOML).
//!
//! Reads single-compartment cells (`<cell>` with one `<segment>`) with their ion channels
//! (`ionChannelHH`, `ionChannel`, `ionChannelPassive`) and writes the equivalent memRC circuit:
//! one node (the membrane capacitance `specificCapacitance` on the segment's surface area), one
//! `[[channel]]` per ion channel and one `[[element]]` per `channelDensity`, one pulse
//! `[[stimulus]]` per `pulseGenerator` input, and the `<network>` temperature as `celsius`;
//! `<include href>` documents add their channels, cells and pulse generators.
//! The NeuroML semantics are those of the NeuroML2 core types (`NeuroML2CoreTypes/Channels.xml`
//! and `Cells.xml` of NeuroML v2, as run by jNeuroML/jLEMS):
//!
//! - rates (1/ms, `v` in mV): `HHExpRate` `r = rate·exp((v − midpoint)/scale)`,
//!   `HHSigmoidRate` `r = rate/(1 + exp(−(v − midpoint)/scale))`, `HHExpLinearRate`
//!   `r = rate·x/(1 − exp(−x))`, `x = (v − midpoint)/scale` (written `rate/exprel(−x)`, exact at
//!   `x = 0`); the `…Variable` forms are the same with a dimensionless `rate` (steady states);
//!   `fixedTimeCourse` is a constant `tau` (ms);
//! - gates (fraction `q`, conductance factor `q^instances`): `gateHHrates`
//!   `q̇ = φ(α(1 − q) − βq)`; `gateHHtauInf` `q̇ = φ(q∞ − q)/τ`; `gateHHratesTau` τ from
//!   `timeCourse`, `q∞ = α/(α + β)`; `gateHHratesInf` `q∞` from `steadyState`,
//!   `τ = 1/(α + β)`; `gateHHratesTauInf` τ and `q∞` given; `gateHHInstantaneous` `q = q∞(v)`;
//! - temperature factors φ: `q10ExpTemp` `φ = q10Factor^((T − experimentalTemp)/10 K)`,
//!   `q10Fixed` `φ = fixedQ10` (one per gate);
//! - surface area of a segment (µm): a sphere `π d²` when the proximal and distal points
//!   coincide, otherwise the lateral area of the frustum `π (r₁ + r₂) √((r₁ − r₂)² + L²)` (jLEMS
//!   uses `2π r_distal L`, the same for a cylinder).
//!
//! Every element the import does not understand is an error at its `file:line:col` naming it
//! ([`LoadError`]); nothing is skipped silently. Elements that cannot change the dynamics of a
//! single compartment are accepted and ignored: `notes`, `annotation`, `property`,
//! `segmentGroup`, `resistivity`, and the single-channel `conductance` and `species`/`ion`
//! attributes (a `channelDensity` carries the conductance density and reversal potential).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};

use crate::error::LoadError;
use crate::units::{self, Dimension};

mod network;

/// Settings of the `[simulation]` section written for an imported model (NeuroML documents do
/// not carry them: a LEMS `<Simulation>` does).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// `t_end` (a quantity with a unit); `None`: 100 ms after the end of the last pulse input
    /// rounded up to whole milliseconds, or 100 ms without pulses.
    pub t_end: Option<String>,
    /// `dt`, the output interval of the ODE solver (default `"0.01 ms"`).
    pub dt: String,
    /// `rtol` of `dopri5` (default 1e-8).
    pub rtol: f64,
    /// `atol` of `dopri5` (default 1e-10).
    pub atol: f64,
    /// Directory against which `<include href="…">` is resolved (`None`: includes are refused);
    /// [`import_neuroml_file`] sets it to the file's directory.
    pub base: Option<PathBuf>,
    /// Size limit of every file read (as [`crate::LoadOptions::input_limit`]).
    pub input_limit: u64,
}

impl ImportOptions {
    /// `t_end`, or by default 100 ms after the end of the last of `pulses`, in whole
    /// milliseconds (rounded to 1e-9 ms first) so that the default `dt` divides it.
    fn t_end_after<'p>(&self, pulses: impl Iterator<Item = &'p Pulse>) -> String {
        self.t_end.clone().unwrap_or_else(|| {
            let last = pulses
                .map(|p| p.delay.si + p.duration.si)
                .fold(0.0_f64, f64::max);
            let ms = (((last + 0.1) * 1e12).round() / 1e9).ceil();
            format!("{ms} ms")
        })
    }
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            t_end: None,
            dt: "0.01 ms".into(),
            rtol: 1e-8,
            atol: 1e-10,
            base: None,
            input_limit: crate::DEFAULT_INPUT_LIMIT,
        }
    }
}

/// Whether `path` names a NeuroML2 file (extension `.nml`, any case).
pub fn is_neuroml_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("nml"))
}

/// Reads the NeuroML2 file `path` (up to `limit` bytes) and converts it
/// ([`neuroml_to_toml`]); errors name the file.
pub fn import_neuroml_file(
    path: &Path,
    limit: u64,
    opts: &ImportOptions,
) -> Result<String, LoadError> {
    let origin = path.display().to_string();
    let text = crate::read_input_text(path, limit).map_err(|e| LoadError {
        file: origin.clone(),
        line: 1,
        column: 1,
        key: String::new(),
        message: e.to_string(),
    })?;
    let opts = ImportOptions {
        base: Some(path.parent().map_or_else(PathBuf::new, Path::to_path_buf)),
        input_limit: limit,
        ..opts.clone()
    };
    neuroml_to_toml(&text, &origin, &opts)
}

/// Parses `text` as XML; a malformed document is an error at its position in `origin`.
fn parse_xml<'t>(text: &'t str, origin: &str) -> Result<Document<'t>, LoadError> {
    Document::parse(text).map_err(|e| {
        let p = e.pos();
        LoadError {
            file: origin.to_string(),
            line: p.row as usize,
            column: p.col as usize,
            key: String::new(),
            message: format!("not a well-formed XML document: {e}"),
        }
    })
}

/// Converts the NeuroML2 document `text` into memrc model-file text (TOML). `origin` names
/// the document in errors (`origin:line:col: message`).
pub fn neuroml_to_toml(
    text: &str,
    origin: &str,
    opts: &ImportOptions,
) -> Result<String, LoadError> {
    let doc = parse_xml(text, origin)?;
    let seen = RefCell::new(BTreeSet::new());
    let cx = Cx {
        doc: &doc,
        origin,
        base: opts.base.clone(),
        input_limit: opts.input_limit,
        seen: &seen,
        depth: 0,
    };
    let root = doc.root_element();
    let mut nml = Nml {
        id: root.attribute("id").unwrap_or("").to_string(),
        ..Nml::default()
    };
    let mut network = None;
    cx.read(root, &mut nml, &mut network)?;
    nml.to_toml(opts, &cx, network)
}

// ---------------------------------------------------------------------------------------
// Reading.

struct Cx<'a, 'i> {
    doc: &'a Document<'i>,
    origin: &'a str,
    /// Directory of `<include>`s.
    base: Option<PathBuf>,
    input_limit: u64,
    /// Files included so far (each is read once).
    seen: &'a RefCell<BTreeSet<PathBuf>>,
    depth: usize,
}

/// A NeuroML quantity: the number as written and the memrc unit text.
#[derive(Debug, Clone)]
struct Nq {
    number: String,
    unit: &'static str,
    si: f64,
}

impl Nq {
    /// `"<number> <unit>"`, as a memrc quantity.
    fn text(&self) -> String {
        if self.unit.is_empty() {
            self.number.clone()
        } else {
            format!("{} {}", self.number, self.unit)
        }
    }
}

/// NeuroML unit symbols (`NeuroMLCoreDimensions.xml`) → memrc unit text.
const UNITS: &[(&str, &str)] = &[
    ("V", "V"),
    ("mV", "mV"),
    ("uV", "uV"),
    ("s", "s"),
    ("ms", "ms"),
    ("us", "us"),
    ("per_s", "1/s"),
    ("per_ms", "1/ms"),
    ("Hz", "Hz"),
    ("kHz", "kHz"),
    ("S", "S"),
    ("mS", "mS"),
    ("uS", "uS"),
    ("nS", "nS"),
    ("pS", "pS"),
    ("S_per_m2", "S/m^2"),
    ("mS_per_cm2", "mS/cm^2"),
    ("S_per_cm2", "S/cm^2"),
    ("F", "F"),
    ("uF", "uF"),
    ("nF", "nF"),
    ("pF", "pF"),
    ("F_per_m2", "F/m^2"),
    ("uF_per_cm2", "uF/cm^2"),
    ("A", "A"),
    ("uA", "uA"),
    ("nA", "nA"),
    ("pA", "pA"),
    ("A_per_m2", "A/m^2"),
    ("uA_per_cm2", "uA/cm^2"),
    ("nA_per_cm2", "nA/cm^2"),
    ("m", "m"),
    ("cm", "cm"),
    ("um", "um"),
    ("m2", "m^2"),
    ("cm2", "cm^2"),
    ("um2", "um^2"),
    ("mol_per_m3", "mol/m^3"),
    ("mol_per_cm3", "mol/cm^3"),
    ("M", "M"),
    ("mM", "mM"),
    ("ohm", "Ohm"),
    ("kohm", "kOhm"),
    ("Mohm", "MOhm"),
    ("ohm_m", "Ohm*m"),
    ("kohm_cm", "kOhm*cm"),
    ("ohm_cm", "Ohm*cm"),
];

/// What an attribute holds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Dim(Dimension, &'static str),
    Temperature,
}

const VOLTAGE: Kind = Kind::Dim(Dimension::VOLTAGE, "a voltage (e.g. -65mV)");
const TIME: Kind = Kind::Dim(Dimension::TIME, "a time (e.g. 10ms)");
const RATE: Kind = Kind::Dim(Dimension::FREQUENCY, "a rate (e.g. 0.1per_ms)");
const NONE: Kind = Kind::Dim(Dimension::NONE, "a dimensionless number");
const CURRENT: Kind = Kind::Dim(Dimension::CURRENT, "a current (e.g. 0.08nA)");
const CONDUCTANCE: Kind = Kind::Dim(Dimension::CONDUCTANCE, "a conductance (e.g. 0.5nS)");
const CAPACITANCE: Kind = Kind::Dim(Dimension::CAPACITANCE, "a capacitance (e.g. 1nF)");

fn cond_density() -> Kind {
    Kind::Dim(
        Dimension::CONDUCTANCE / Dimension::AREA,
        "a conductance density (e.g. 120mS_per_cm2)",
    )
}

fn cap_density() -> Kind {
    Kind::Dim(
        Dimension::CAPACITANCE / Dimension::AREA,
        "a specific capacitance (e.g. 1uF_per_cm2)",
    )
}

/// Splits `"-65 mV"`, `"0.1per_ms"`, `"1e-3"` into number and unit text.
fn split_number(s: &str) -> (&str, &str) {
    let i = units::number_len(s);
    (&s[..i], s[i..].trim())
}

/// Whether `s` is an identifier of memrc expressions and names.
fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

impl<'i> Cx<'_, 'i> {
    fn err_at(&self, pos: usize, key: &str, message: impl Into<String>) -> LoadError {
        let p = self.doc.text_pos_at(pos);
        LoadError {
            file: self.origin.to_string(),
            line: p.row as usize,
            column: p.col as usize,
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn err(&self, node: Node, message: impl Into<String>) -> LoadError {
        self.err_at(node.range().start, node.tag_name().name(), message)
    }

    fn err_attr(&self, node: Node, attr: &str, message: impl Into<String>) -> LoadError {
        let pos = node
            .attributes()
            .find(|a| a.name() == attr)
            .map_or(node.range().start, |a| a.range_value().start);
        self.err_at(pos, attr, message)
    }

    fn attr<'n>(&self, node: Node<'n, 'i>, name: &str) -> Result<&'n str, LoadError> {
        node.attribute(name).ok_or_else(|| {
            self.err(
                node,
                format!("<{}> needs the attribute '{name}'", node.tag_name().name()),
            )
        })
    }

    /// An identifier attribute (`id`, references).
    fn ident<'n>(&self, node: Node<'n, 'i>, name: &str) -> Result<&'n str, LoadError> {
        let s = self.attr(node, name)?;
        if !is_ident(s) {
            return Err(self.err_attr(
                node,
                name,
                format!("{name} '{s}' is not an identifier (letters, digits and '_', not starting with a digit)"),
            ));
        }
        Ok(s)
    }

    fn quantity(&self, node: Node, name: &str, kind: Kind) -> Result<Nq, LoadError> {
        let raw = self.attr(node, name)?.trim();
        let (number, unit) = split_number(raw);
        let bad = |m: String| self.err_attr(node, name, m);
        if number.is_empty() || number.parse::<f64>().is_err() {
            return Err(bad(format!(
                "'{name}' = '{raw}': expected a number with a NeuroML unit"
            )));
        }
        let what = match kind {
            Kind::Dim(_, w) => w,
            Kind::Temperature => "a temperature (e.g. 6.3degC)",
        };
        if let Kind::Temperature = kind {
            let u = match unit {
                "degC" => "degC",
                "K" => "K",
                _ => {
                    return Err(bad(format!(
                        "'{name}' = '{raw}': expected {what}, in degC or K"
                    )));
                }
            };
            let v: f64 = number.parse().unwrap_or(f64::NAN);
            return Ok(Nq {
                number: number.to_string(),
                unit: u,
                si: v,
            });
        }
        let mapped = if unit.is_empty() {
            ""
        } else {
            match UNITS.iter().find(|(n, _)| *n == unit) {
                Some((_, m)) => m,
                None => {
                    let known: Vec<&str> = UNITS
                        .iter()
                        .filter(|(_, m)| {
                            let Kind::Dim(d, _) = kind else { return false };
                            units::parse_quantity(&format!("1 {m}")).is_ok_and(|q| q.dim == Some(d))
                        })
                        .map(|(n, _)| *n)
                        .collect();
                    return Err(bad(format!(
                        "'{name}' = '{raw}': unknown NeuroML unit '{unit}'; expected {what}, in {}",
                        known.join(", ")
                    )));
                }
            }
        };
        let q = units::parse_quantity(&format!("{number} {mapped}"))
            .map_err(|e| bad(format!("'{name}' = '{raw}': {e}")))?;
        let dim = match kind {
            Kind::Dim(d, _) => d,
            Kind::Temperature => Dimension::NONE, // returned above
        };
        let got = q.dim.unwrap_or(Dimension::NONE);
        if got != dim {
            return Err(bad(format!(
                "'{name}' = '{raw}': expected {what}, got '{unit}' ({})",
                if unit.is_empty() {
                    "a bare number".to_string()
                } else {
                    got.describe()
                }
            )));
        }
        if !q.value.is_finite() {
            return Err(bad(format!("'{name}' = '{raw}' is not finite")));
        }
        Ok(Nq {
            number: number.to_string(),
            unit: mapped,
            si: q.value,
        })
    }

    /// A plain number attribute (morphology coordinates, µm).
    fn number(&self, node: Node, name: &str) -> Result<f64, LoadError> {
        let raw = self.attr(node, name)?;
        match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.err_attr(node, name, format!("'{name}' = '{raw}': expected a number"))),
        }
    }

    fn unsupported(&self, node: Node, inside: &str, supported: &str) -> LoadError {
        self.err(
            node,
            format!(
                "unsupported NeuroML element <{}> in {inside}: memrc import reads {supported}",
                node.tag_name().name()
            ),
        )
    }

    /// Reads the items of the document `root` into `nml`; its `<network>` into `network`.
    fn read<'n>(
        &self,
        root: Node<'n, 'i>,
        nml: &mut Nml,
        network: &mut Option<Node<'n, 'i>>,
    ) -> Result<(), LoadError> {
        if root.tag_name().name() != "neuroml" {
            return Err(self.err(
                root,
                format!(
                    "expected a NeuroML2 document (<neuroml>), found <{}>",
                    root.tag_name().name()
                ),
            ));
        }
        for c in root.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "notes" | "annotation" | "property" => {}
                "ionChannelHH" | "ionChannel" | "ionChannelPassive" => {
                    let ch = self.channel(c)?;
                    if nml.channels.iter().any(|x| x.id == ch.id) {
                        return Err(self.err_attr(
                            c,
                            "id",
                            format!("a second ion channel '{}'", ch.id),
                        ));
                    }
                    nml.channels.push(ch);
                }
                "cell" => {
                    let cell = self.cell(c)?;
                    if nml.cells.iter().any(|x| x.id == cell.id) {
                        return Err(self.err_attr(c, "id", format!("a second cell '{}'", cell.id)));
                    }
                    nml.cells.push(cell);
                }
                "iafCell" | "iafRefCell" => {
                    let cell = self.iaf_cell(c)?;
                    if nml.cells.iter().any(|x| x.id == cell.id) {
                        return Err(self.err_attr(c, "id", format!("a second cell '{}'", cell.id)));
                    }
                    nml.cells.push(cell);
                }
                "include" => self.include(c, nml)?,
                "pulseGenerator" => {
                    let id = self.ident(c, "id")?.to_string();
                    nml.pulses.push(Pulse {
                        delay: self.quantity(c, "delay", TIME)?,
                        duration: self.quantity(c, "duration", TIME)?,
                        amplitude: self.quantity(c, "amplitude", CURRENT)?,
                        id,
                    });
                    self.only_notes(c)?;
                }
                "expOneSynapse" | "expTwoSynapse" | "gapJunction" => {
                    let syn = self.synapse(c)?;
                    if nml.synapses.iter().any(|x| x.id() == syn.id()) {
                        return Err(self.err_attr(
                            c,
                            "id",
                            format!("a second synapse '{}'", syn.id()),
                        ));
                    }
                    nml.synapses.push(syn);
                }
                "network" => {
                    if network.is_some() {
                        return Err(self.err(c, "a second <network>: memrc import reads one"));
                    }
                    *network = Some(c);
                }
                _ => {
                    return Err(self.unsupported(
                        c,
                        "<neuroml>",
                        "ionChannelHH, ionChannel, ionChannelPassive, cell (one segment), iafCell, \
                         iafRefCell, expOneSynapse, expTwoSynapse, gapJunction, pulseGenerator, network and include",
                    ));
                }
            }
        }
        Ok(())
    }

    /// `<include href="…"/>`: the channels, cells and pulse generators of another document,
    /// resolved against the including document's directory; each file is read once.
    fn include(&self, node: Node, nml: &mut Nml) -> Result<(), LoadError> {
        let href = self.attr(node, "href")?;
        let Some(base) = &self.base else {
            return Err(self.err_attr(
                node,
                "href",
                format!("<include href=\"{href}\">: includes are resolved against the document's directory; import the document from its file"),
            ));
        };
        if self.depth >= 16 {
            return Err(self.err(node, "includes nested more than 16 deep"));
        }
        let path = base.join(href);
        let canonical = path.canonicalize().map_err(|e| {
            self.err_attr(
                node,
                "href",
                format!("cannot read '{}': {e}", path.display()),
            )
        })?;
        if !self.seen.borrow_mut().insert(canonical.clone()) {
            return Ok(());
        }
        let text = crate::read_input_text(&canonical, self.input_limit).map_err(|e| {
            self.err_attr(
                node,
                "href",
                format!("cannot read '{}': {e}", path.display()),
            )
        })?;
        let origin = path.display().to_string();
        let doc = parse_xml(&text, &origin)?;
        let sub = Cx {
            doc: &doc,
            origin: &origin,
            base: path.parent().map(Path::to_path_buf),
            input_limit: self.input_limit,
            seen: self.seen,
            depth: self.depth + 1,
        };
        let mut network = None;
        sub.read(doc.root_element(), nml, &mut network)?;
        if let (Some(n), None) = (network, &nml.included_network) {
            // The main document's network is the model; this one is refused only if the main
            // document has none.
            nml.included_network = Some(sub.err(
                n,
                "the <network> is in an included document: memrc import takes the network of \
                 the main document (import the document that has the network)",
            ));
        }
        Ok(())
    }

    /// An `iafCell` or `iafRefCell` ([`Iaf`]); its membrane is written as an area at
    /// 1 µF/cm² with the absolute capacitance and leak conductance.
    fn iaf_cell(&self, node: Node) -> Result<Cell, LoadError> {
        let id = self.ident(node, "id")?.to_string();
        self.only_notes(node)?;
        let positive = |name: &str, kind: Kind| -> Result<Nq, LoadError> {
            let q = self.quantity(node, name, kind)?;
            if q.si > 0.0 {
                Ok(q)
            } else {
                Err(self.err_attr(node, name, format!("'{name}' must be > 0")))
            }
        };
        let c = positive("C", CAPACITANCE)?;
        let g = positive("leakConductance", CONDUCTANCE)?;
        let e = self.quantity(node, "leakReversal", VOLTAGE)?;
        let thresh = self.quantity(node, "thresh", VOLTAGE)?;
        let reset = self.quantity(node, "reset", VOLTAGE)?;
        if reset.si >= thresh.si {
            return Err(self.err_attr(
                node,
                "reset",
                format!(
                    "iafCell '{id}': reset {} is not below thresh {} (the cell would fire on every step)",
                    reset.text(),
                    thresh.text()
                ),
            ));
        }
        let refract = if node.tag_name().name() == "iafRefCell" {
            let r = self.quantity(node, "refract", TIME)?;
            if r.si < 0.0 {
                return Err(self.err_attr(node, "refract", "'refract' must be ≥ 0"));
            }
            Some(r)
        } else {
            None
        };
        Ok(Cell {
            id,
            // 1 µF/cm² = 0.01 F/m²; m² → µm².
            area_um2: c.si / 0.01 * 1e12,
            capacitance: None,
            init_v: Some(e.clone()),
            densities: Vec::new(),
            spike_thresh: Some(thresh),
            iaf: Some(Iaf {
                c,
                g,
                e,
                reset,
                refract,
            }),
        })
    }

    /// `expOneSynapse`, `expTwoSynapse` (NeuroML2CoreTypes `Synapses.xml`: `g` jumps by
    /// `weight·gbase` per spike and decays with `tauDecay`; the double exponential is normalised
    /// to peak at `weight·gbase`) and `gapJunction` (`i = weight·conductance·(v_peer − v)`).
    fn synapse(&self, node: Node) -> Result<Synapse, LoadError> {
        let id = self.ident(node, "id")?.to_string();
        self.only_notes(node)?;
        let syn = match node.tag_name().name() {
            "gapJunction" => Synapse::Gap {
                conductance: self.quantity(node, "conductance", CONDUCTANCE)?,
                id,
            },
            tag => {
                let positive = |name: &str| -> Result<Nq, LoadError> {
                    let q = self.quantity(node, name, TIME)?;
                    if q.si > 0.0 {
                        Ok(q)
                    } else {
                        Err(self.err_attr(node, name, format!("'{name}' must be > 0")))
                    }
                };
                let gbase = self.quantity(node, "gbase", CONDUCTANCE)?;
                if gbase.si < 0.0 {
                    return Err(self.err_attr(node, "gbase", "'gbase' must be ≥ 0"));
                }
                Synapse::Exp {
                    gbase,
                    erev: self.quantity(node, "erev", VOLTAGE)?,
                    tau_decay: positive("tauDecay")?,
                    tau_rise: if tag == "expTwoSynapse" {
                        Some(positive("tauRise")?)
                    } else {
                        None
                    },
                    id,
                }
            }
        };
        Ok(syn)
    }

    fn only_notes(&self, node: Node) -> Result<(), LoadError> {
        for c in node.children().filter(Node::is_element) {
            if !matches!(c.tag_name().name(), "notes" | "annotation" | "property") {
                return Err(self.unsupported(
                    c,
                    &format!("<{}>", node.tag_name().name()),
                    "notes and annotations only here",
                ));
            }
        }
        Ok(())
    }

    fn channel(&self, node: Node<'_, 'i>) -> Result<Channel, LoadError> {
        let id = self.ident(node, "id")?.to_string();
        let passive = node.tag_name().name() == "ionChannelPassive"
            || node.attribute("type") == Some("ionChannelPassive");
        let mut ch = Channel {
            id,
            gates: Vec::new(),
        };
        for c in node.children().filter(Node::is_element) {
            let name = c.tag_name().name();
            match name {
                "notes" | "annotation" | "property" => {}
                "gateHHrates"
                | "gateHHtauInf"
                | "gateHHratesTau"
                | "gateHHratesInf"
                | "gateHHratesTauInf"
                | "gateHHInstantaneous"
                | "gate"
                    if !passive =>
                {
                    let g = self.gate(c)?;
                    if ch.gates.iter().any(|x| x.id == g.id) {
                        return Err(self.err_attr(
                            c,
                            "id",
                            format!("a second gate '{}' in channel '{}'", g.id, ch.id),
                        ));
                    }
                    ch.gates.push(g);
                }
                _ => {
                    return Err(self.unsupported(
                        c,
                        &format!("ion channel '{}'", ch.id),
                        if passive {
                            "no gates in an ionChannelPassive"
                        } else {
                            "gates gateHHrates, gateHHtauInf, gateHHratesTau, gateHHratesInf, \
                             gateHHratesTauInf and gateHHInstantaneous"
                        },
                    ));
                }
            }
        }
        Ok(ch)
    }

    fn gate<'n>(&self, node: Node<'n, 'i>) -> Result<Gate, LoadError> {
        let id = self.ident(node, "id")?.to_string();
        if matches!(id.as_str(), "v" | "celsius") {
            return Err(self.err_attr(
                node,
                "id",
                format!("gate id '{id}' is a reserved name of memrc expressions"),
            ));
        }
        let mut tag = node.tag_name().name();
        if tag == "gate" {
            tag = self.attr(node, "type")?;
        }
        let instances = match node.attribute("instances") {
            None => 1,
            Some(s) => match s.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(self.err_attr(
                        node,
                        "instances",
                        format!("instances '{s}': expected a whole number >= 1"),
                    ));
                }
            },
        };
        let mut fwd = None;
        let mut rev = None;
        let mut time = None;
        let mut inf = None;
        let mut q10 = None;
        let mut params = Vec::new();
        for c in node.children().filter(Node::is_element) {
            let slot = match c.tag_name().name() {
                "notes" | "annotation" | "property" => continue,
                "forwardRate" => &mut fwd,
                "reverseRate" => &mut rev,
                "timeCourse" => &mut time,
                "steadyState" => &mut inf,
                "q10Settings" => {
                    if q10.is_some() {
                        return Err(self.err(c, format!("gate '{id}': a second <q10Settings>; memrc takes one temperature factor per gate")));
                    }
                    q10 = Some(self.q10(c)?);
                    continue;
                }
                _ => {
                    return Err(self.unsupported(
                        c,
                        &format!("gate '{id}'"),
                        "forwardRate, reverseRate, timeCourse, steadyState and q10Settings",
                    ));
                }
            };
            if slot.is_some() {
                return Err(self.err(
                    c,
                    format!("gate '{id}': a second <{}>", c.tag_name().name()),
                ));
            }
            *slot = Some(c);
        }
        let (need_rates, need_time, need_inf): (bool, bool, bool) = match tag {
            "gateHHrates" => (true, false, false),
            "gateHHtauInf" => (false, true, true),
            "gateHHratesTau" => (true, true, false),
            "gateHHratesInf" => (true, false, true),
            "gateHHratesTauInf" => (true, true, true),
            "gateHHInstantaneous" => (false, false, true),
            other => {
                return Err(self.err(
                    node,
                    format!(
                        "unsupported gate type '{other}' (gate '{id}'): memrc import reads gateHHrates, \
                         gateHHtauInf, gateHHratesTau, gateHHratesInf, gateHHratesTauInf and \
                         gateHHInstantaneous"
                    ),
                ));
            }
        };
        let want = |slot: Option<Node<'n, 'i>>,
                    needed: bool,
                    what: &str|
         -> Result<Option<Node<'n, 'i>>, LoadError> {
            match (slot, needed) {
                (None, true) => Err(self.err(node, format!("{tag} '{id}' needs a <{what}>"))),
                (Some(c), false) => {
                    Err(self.err(c, format!("<{what}> does not belong in a {tag} ('{id}')")))
                }
                (s, _) => Ok(s),
            }
        };
        let fwd = want(fwd, need_rates, "forwardRate")?;
        let rev = want(rev, need_rates, "reverseRate")?;
        let time = want(time, need_time, "timeCourse")?;
        let inf = want(inf, need_inf, "steadyState")?;
        let mut rate =
            |n: Option<Node>, role: &str, form: Form| -> Result<Option<String>, LoadError> {
                n.map(|n| self.rate(n, &format!("{id}_{role}"), form, &mut params))
                    .transpose()
            };
        let a = rate(fwd, "fwd", Form::Rate)?;
        let b = rate(rev, "rev", Form::Rate)?;
        let t = rate(time, "tau", Form::Time)?;
        let x = rate(inf, "inf", Form::Variable)?;
        let kinetics = match (a, b, t, x) {
            (Some(a), Some(b), None, None) => Kinetics::Rates(a, b),
            (None, None, Some(t), Some(x)) => Kinetics::TauInf(t, x),
            (Some(a), Some(b), Some(t), None) => {
                Kinetics::TauInf(t, format!("({a})/(({a}) + ({b}))"))
            }
            (Some(a), Some(b), None, Some(x)) => Kinetics::TauInf(format!("1/(({a}) + ({b}))"), x),
            (Some(_), Some(_), Some(t), Some(x)) => {
                // gateHHratesTauInf: the rates are read (and checked) but τ and q∞ are given.
                params.retain(|(n, _)| {
                    !n.starts_with(&format!("{id}_fwd_")) && !n.starts_with(&format!("{id}_rev_"))
                });
                Kinetics::TauInf(t, x)
            }
            (None, None, None, Some(x)) => {
                if let Some((_, c)) = q10 {
                    return Err(self.err(c, format!("gateHHInstantaneous '{id}' has no kinetics to scale: remove its <q10Settings>")));
                }
                Kinetics::Instantaneous(x)
            }
            _ => {
                // The children were checked against the gate type above.
                return Err(self.err(
                    node,
                    format!("{tag} '{id}': unexpected combination of rates"),
                ));
            }
        };
        Ok(Gate {
            id,
            instances,
            kinetics,
            q10: q10.map(|(q, _)| q),
            params,
        })
    }

    fn q10<'n>(&self, node: Node<'n, 'i>) -> Result<(Q10, Node<'n, 'i>), LoadError> {
        let ty = self.attr(node, "type")?;
        let q = match ty {
            "q10ExpTemp" => Q10::Exp {
                factor: self.quantity(node, "q10Factor", NONE)?,
                temperature: self.quantity(node, "experimentalTemp", Kind::Temperature)?,
            },
            "q10Fixed" => Q10::Fixed(self.quantity(node, "fixedQ10", NONE)?),
            other => {
                return Err(self.err_attr(
                    node,
                    "type",
                    format!("unsupported q10Settings type '{other}': memrc import reads q10ExpTemp and q10Fixed"),
                ));
            }
        };
        Ok((q, node))
    }

    /// The expression of a rate, time course or steady state; its constants go to `params`
    /// as `PREFIX_rate`, `PREFIX_midpoint`, … (converted by the loader to mV, ms, 1/ms).
    fn rate(
        &self,
        node: Node,
        prefix: &str,
        form: Form,
        params: &mut Vec<(String, String)>,
    ) -> Result<String, LoadError> {
        let ty = self.attr(node, "type")?;
        self.only_notes(node)?;
        let (rate_kind, shape) = match (form, ty) {
            (Form::Time, "fixedTimeCourse") => {
                let tau = self.quantity(node, "tau", TIME)?;
                params.push((format!("{prefix}_tau"), tau.text()));
                return Ok(format!("{prefix}_tau"));
            }
            (Form::Rate, "HHExpRate") => (RATE, Shape::Exp),
            (Form::Rate, "HHSigmoidRate") => (RATE, Shape::Sigmoid),
            (Form::Rate, "HHExpLinearRate") => (RATE, Shape::ExpLinear),
            (Form::Variable, "HHExpVariable") => (NONE, Shape::Exp),
            (Form::Variable, "HHSigmoidVariable") => (NONE, Shape::Sigmoid),
            (Form::Variable, "HHExpLinearVariable") => (NONE, Shape::ExpLinear),
            _ => {
                let supported = match form {
                    Form::Rate => "HHExpRate, HHSigmoidRate and HHExpLinearRate",
                    Form::Variable => "HHExpVariable, HHSigmoidVariable and HHExpLinearVariable",
                    Form::Time => "fixedTimeCourse",
                };
                return Err(self.err_attr(
                    node,
                    "type",
                    format!(
                        "unsupported <{}> type '{ty}': memrc import reads {supported}",
                        node.tag_name().name()
                    ),
                ));
            }
        };
        let rate = self.quantity(node, "rate", rate_kind)?;
        let mid = self.quantity(node, "midpoint", VOLTAGE)?;
        let scale = self.quantity(node, "scale", VOLTAGE)?;
        if scale.si == 0.0 {
            return Err(self.err_attr(node, "scale", "'scale' must not be zero"));
        }
        params.push((format!("{prefix}_rate"), rate.text()));
        params.push((format!("{prefix}_midpoint"), mid.text()));
        params.push((format!("{prefix}_scale"), scale.text()));
        let (r, m, s) = (
            format!("{prefix}_rate"),
            format!("{prefix}_midpoint"),
            format!("{prefix}_scale"),
        );
        Ok(match shape {
            Shape::Exp => format!("{r}*exp((v - {m})/{s})"),
            Shape::Sigmoid => format!("{r}/(1 + exp(-(v - {m})/{s}))"),
            Shape::ExpLinear => format!("{r}/exprel(-(v - {m})/{s})"),
        })
    }

    fn cell(&self, node: Node<'_, 'i>) -> Result<Cell, LoadError> {
        let id = self.ident(node, "id")?.to_string();
        for a in ["morphology", "biophysicalProperties"] {
            if node.attribute(a).is_some() {
                return Err(self.err_attr(
                    node,
                    a,
                    format!("cell '{id}': a '{a}' given by reference is not supported; write it inside the <cell>"),
                ));
            }
        }
        let mut area_um2 = None;
        let mut cell = Cell {
            id: id.clone(),
            area_um2: 0.0,
            capacitance: None,
            init_v: None,
            densities: Vec::new(),
            spike_thresh: None,
            iaf: None,
        };
        for c in node.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "notes" | "annotation" | "property" => {}
                "morphology" => area_um2 = Some(self.morphology(c, &id)?),
                "biophysicalProperties" => self.biophysics(c, &mut cell)?,
                _ => {
                    return Err(self.unsupported(
                        c,
                        &format!("cell '{id}'"),
                        "morphology and biophysicalProperties",
                    ));
                }
            }
        }
        cell.area_um2 =
            area_um2.ok_or_else(|| self.err(node, format!("cell '{id}' has no <morphology>")))?;
        if cell.capacitance.is_none() {
            return Err(self.err(node, format!("cell '{id}' has no <specificCapacitance>")));
        }
        Ok(cell)
    }

    /// Surface area (µm²) of the one segment of a morphology.
    fn morphology(&self, node: Node, cell: &str) -> Result<f64, LoadError> {
        let segments: Vec<Node> = node
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "segment")
            .collect();
        for c in node.children().filter(Node::is_element) {
            if !matches!(
                c.tag_name().name(),
                "segment" | "segmentGroup" | "notes" | "annotation" | "property"
            ) {
                return Err(self.unsupported(
                    c,
                    &format!("the morphology of cell '{cell}'"),
                    "segment and segmentGroup",
                ));
            }
        }
        let seg = match segments.as_slice() {
            [one] => *one,
            [] => {
                return Err(self.err(
                    node,
                    format!("cell '{cell}': the morphology has no <segment>"),
                ));
            }
            [_, second, ..] => {
                return Err(self.err(
                    *second,
                    format!(
                        "cell '{cell}' has {} segments: memrc import reads single-compartment cells (one segment)",
                        segments.len()
                    ),
                ));
            }
        };
        let point = |tag: &str| -> Result<[f64; 4], LoadError> {
            let p = seg
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == tag)
                .ok_or_else(|| {
                    self.err(
                        seg,
                        format!("segment of cell '{cell}' needs a <{tag}> point"),
                    )
                })?;
            Ok([
                self.number(p, "x")?,
                self.number(p, "y")?,
                self.number(p, "z")?,
                self.number(p, "diameter")?,
            ])
        };
        for c in seg.children().filter(Node::is_element) {
            if !matches!(
                c.tag_name().name(),
                "proximal" | "distal" | "parent" | "notes" | "annotation" | "property"
            ) {
                return Err(self.unsupported(
                    c,
                    &format!("a segment of cell '{cell}'"),
                    "proximal and distal",
                ));
            }
        }
        let p = point("proximal")?;
        let d = point("distal")?;
        let area = segment_area_um2(p, d);
        if !(area.is_finite() && area > 0.0) {
            return Err(self.err(seg, format!("segment of cell '{cell}' has no surface (area {area} um^2): check the diameters")));
        }
        Ok(area)
    }

    fn biophysics(&self, node: Node<'_, 'i>, cell: &mut Cell) -> Result<(), LoadError> {
        for c in node.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "notes" | "annotation" | "property" => {}
                "membraneProperties" => {
                    for m in c.children().filter(Node::is_element) {
                        match m.tag_name().name() {
                            "notes" | "annotation" | "property" => {}
                            "channelDensity" => {
                                for a in m.attributes() {
                                    if !matches!(
                                        a.name(),
                                        "id" | "ionChannel"
                                            | "condDensity"
                                            | "erev"
                                            | "ion"
                                            | "segmentGroup"
                                            | "segment"
                                    ) {
                                        return Err(self.err_attr(
                                            m,
                                            a.name(),
                                            format!(
                                                "unsupported attribute '{}' of <channelDensity>",
                                                a.name()
                                            ),
                                        ));
                                    }
                                }
                                cell.densities.push(Density {
                                    id: self.ident(m, "id")?.to_string(),
                                    channel: self.ident(m, "ionChannel")?.to_string(),
                                    g: self.quantity(m, "condDensity", cond_density())?,
                                    erev: self.quantity(m, "erev", VOLTAGE)?,
                                    at: self.err_attr(m, "ionChannel", ""),
                                });
                                self.only_notes(m)?;
                            }
                            "specificCapacitance" => {
                                if cell.capacitance.is_some() {
                                    return Err(self.err(m, format!("cell '{}': a second <specificCapacitance> (one compartment has one)", cell.id)));
                                }
                                cell.capacitance =
                                    Some(self.quantity(m, "value", cap_density())?);
                            }
                            "initMembPotential" => {
                                cell.init_v = Some(self.quantity(m, "value", VOLTAGE)?);
                            }
                            "spikeThresh" => {
                                cell.spike_thresh = Some(self.quantity(m, "value", VOLTAGE)?);
                            }
                            _ => {
                                return Err(self.unsupported(
                                    m,
                                    &format!("the membrane of cell '{}'", cell.id),
                                    "channelDensity, specificCapacitance, initMembPotential and spikeThresh",
                                ));
                            }
                        }
                    }
                }
                "intracellularProperties" => {
                    for m in c.children().filter(Node::is_element) {
                        if !matches!(
                            m.tag_name().name(),
                            "resistivity" | "notes" | "annotation" | "property"
                        ) {
                            return Err(self.unsupported(
                                m,
                                &format!("the intracellular properties of cell '{}'", cell.id),
                                "resistivity (no effect on one compartment)",
                            ));
                        }
                    }
                }
                _ => {
                    return Err(self.unsupported(
                        c,
                        &format!("cell '{}'", cell.id),
                        "membraneProperties and intracellularProperties",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Surface area \[µm²\] of a segment from its proximal and distal points `[x, y, z, d]` (µm):
/// a sphere `π d²` (distal diameter) when the points coincide, else the lateral area of the
/// conical frustum `π (r₁ + r₂) √((r₁ − r₂)² + L²)`.
fn segment_area_um2(p: [f64; 4], d: [f64; 4]) -> f64 {
    let len = ((d[0] - p[0]).powi(2) + (d[1] - p[1]).powi(2) + (d[2] - p[2]).powi(2)).sqrt();
    let (r1, r2) = (p[3] / 2.0, d[3] / 2.0);
    if len == 0.0 {
        std::f64::consts::PI * d[3] * d[3]
    } else {
        std::f64::consts::PI * (r1 + r2) * ((r1 - r2).powi(2) + len * len).sqrt()
    }
}

#[derive(Debug, Clone, Copy)]
enum Form {
    Rate,
    Variable,
    Time,
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Exp,
    Sigmoid,
    ExpLinear,
}

#[derive(Debug, Clone)]
enum Q10 {
    Exp { factor: Nq, temperature: Nq },
    Fixed(Nq),
}

#[derive(Debug, Clone)]
enum Kinetics {
    Rates(String, String),
    TauInf(String, String),
    Instantaneous(String),
}

#[derive(Debug, Clone)]
struct Gate {
    id: String,
    instances: u32,
    kinetics: Kinetics,
    q10: Option<Q10>,
    params: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Channel {
    id: String,
    gates: Vec<Gate>,
}

#[derive(Debug, Clone)]
struct Density {
    id: String,
    channel: String,
    g: Nq,
    erev: Nq,
    /// Where its `ionChannel` is (a message-less error).
    at: LoadError,
}

#[derive(Debug, Clone)]
struct Cell {
    id: String,
    area_um2: f64,
    capacitance: Option<Nq>,
    init_v: Option<Nq>,
    densities: Vec<Density>,
    spike_thresh: Option<Nq>,
    /// An integrate-and-fire cell (`iafCell`, `iafRefCell`): no segment, no channels.
    iaf: Option<Iaf>,
}

/// NeuroML2's `iafCell` (`C dv/dt = leakConductance (leakReversal − v) + i`, `v` reset to
/// `reset` when it passes `thresh`, starting at `leakReversal`; NeuroML2CoreTypes `Cells.xml`)
/// and `iafRefCell` (`v` held at `reset` for `refract` after a spike).
#[derive(Debug, Clone)]
struct Iaf {
    c: Nq,
    g: Nq,
    e: Nq,
    reset: Nq,
    refract: Option<Nq>,
}

#[derive(Debug, Clone)]
struct Pulse {
    id: String,
    delay: Nq,
    duration: Nq,
    amplitude: Nq,
}

/// A synapse of a projection.
#[derive(Debug, Clone)]
enum Synapse {
    /// `expOneSynapse` (no `tau_rise`) or `expTwoSynapse`.
    Exp {
        id: String,
        gbase: Nq,
        erev: Nq,
        tau_decay: Nq,
        tau_rise: Option<Nq>,
    },
    /// `gapJunction`.
    Gap { id: String, conductance: Nq },
}

impl Synapse {
    fn id(&self) -> &str {
        match self {
            Self::Exp { id, .. } | Self::Gap { id, .. } => id,
        }
    }
}

/// Pulse generators with their input weights (`inputW`; 1 otherwise).
type WeightedPulses<'s> = Vec<(&'s Pulse, f64)>;

#[derive(Debug, Default)]
struct Nml {
    id: String,
    channels: Vec<Channel>,
    cells: Vec<Cell>,
    pulses: Vec<Pulse>,
    synapses: Vec<Synapse>,
    /// A `<network>` of an included document, as the error that refuses it when the main
    /// document has none.
    included_network: Option<LoadError>,
}

// ---------------------------------------------------------------------------------------
// Writing.

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `x` \[s\] as milliseconds, rounded to 1e-9 ms (so that 0.1 s + 0.2 s prints as 300 ms).
fn ms_text(x: f64) -> String {
    let ms = (x * 1e12).round() / 1e9;
    format!("{ms} ms")
}

impl Nml {
    /// The error of a channel density whose ion channel is not in the document.
    fn unknown_channel(&self, d: &Density) -> LoadError {
        let known: Vec<&str> = self.channels.iter().map(|c| c.id.as_str()).collect();
        let mut e = d.at.clone();
        e.message = format!(
            "channelDensity '{}': ionChannel '{}' is not an ion channel of this document or its includes (they are: {})",
            d.id,
            d.channel,
            known.join(", ")
        );
        if let Some(s) = memrc::error::suggest(&d.channel, known.iter().copied()) {
            e.message = format!("{} (did you mean '{s}'?)", e.message);
        }
        e
    }

    /// The cell the model is made of, and the pulse inputs applied to it: the one cell of a
    /// document without a network, or the one population of one cell of `network` (a network
    /// that [`Nml::is_network`] leaves to the circuit path), with its populations `pops`.
    fn cell_and_inputs<'s>(
        &'s self,
        cx: &Cx,
        network: Option<(Node, &[network::Pop<'s>])>,
    ) -> Result<(&'s Cell, WeightedPulses<'s>), LoadError> {
        let Some((net, pops)) = network else {
            if let Some(e) = &self.included_network {
                return Err(e.clone());
            }
            return match self.cells.as_slice() {
                [one] => Ok((one, Vec::new())),
                [] => Err(LoadError {
                    file: cx.origin.to_string(),
                    line: 1,
                    column: 1,
                    key: String::new(),
                    message: "the document has no cell (memrc import makes a model of a single-compartment <cell> or an iafCell, or of a <network> of them)".into(),
                }),
                _ => Err(cx.err(cx.doc.root_element(), "the document has several <cell>s and no <network> that chooses one")),
            };
        };
        let pulses = self
            .connections(cx, net, pops)?
            .inputs
            .iter()
            .flat_map(|i| i.neurons.iter().map(|_| (i.pulse, i.weight)))
            .collect();
        Ok((pops[0].cell, pulses))
    }

    fn to_toml(
        &self,
        opts: &ImportOptions,
        cx: &Cx,
        network: Option<Node>,
    ) -> Result<String, LoadError> {
        use std::fmt::Write as _;
        let pops = match network {
            Some(net) => self.populations(cx, net)?,
            None => Vec::new(),
        };
        if let Some(net) = network.filter(|n| Nml::is_network(*n, &pops)) {
            return self.network_toml(opts, cx, net, &pops);
        }
        let (cell, inputs) = self.cell_and_inputs(cx, network.map(|n| (n, pops.as_slice())))?;
        if cell.iaf.is_some() {
            return Err(cx.err(
                network.unwrap_or(cx.doc.root_element()),
                format!(
                    "integrate-and-fire cell '{}' without a <network>: memrc runs integrate-and-fire cells on its network engine (give a <network> with a <population> of it)",
                    cell.id
                ),
            ));
        }
        let mut out = String::new();
        let w = &mut out;
        let name = if is_ident(&self.id) {
            self.id.clone()
        } else {
            cell.id.clone()
        };
        let _ = writeln!(
            w,
            "# Converted from NeuroML2 by `memrc import` ({}): cell '{}'.",
            file_name(cx.origin),
            cell.id
        );
        if let Some(t) = &cell.spike_thresh {
            let _ = writeln!(
                w,
                "# The cell's spikeThresh is {} (memrc records v; spikes are located at upward crossings).",
                t.text()
            );
        }
        let _ = writeln!(w, "\n[model]\nname = {}", toml_str(&name));
        let _ = writeln!(
            w,
            "description = {}",
            toml_str(&format!(
                "NeuroML2 cell '{}' imported from {}",
                cell.id,
                file_name(cx.origin)
            ))
        );
        let t_end = opts.t_end_after(inputs.iter().map(|(p, _)| *p));
        let _ = writeln!(
            w,
            "\n[simulation]\nt_end = {}\ndt = {}",
            toml_str(&t_end),
            toml_str(&opts.dt)
        );
        let _ = writeln!(
            w,
            "solver = \"dopri5\"\nrtol = {:e}\natol = {:e}",
            opts.rtol, opts.atol
        );
        if let Some(line) = self.celsius_line(cx, network)? {
            let _ = writeln!(w, "{line}");
        }
        // Channels: names that are memrc catalogue kinds get a suffix.
        let used: BTreeMap<&str, &Density> = cell
            .densities
            .iter()
            .rev()
            .map(|d| (d.channel.as_str(), d))
            .collect();
        let mut kind_of = BTreeMap::new();
        for ch in &self.channels {
            let mut kind = ch.id.clone();
            while memrc::element::catalogue::Catalogue::get(&kind).is_ok() {
                kind.push_str("_nml");
            }
            kind_of.insert(ch.id.as_str(), kind.clone());
            let density = used.get(ch.id.as_str()).map(|d| (&d.g, &d.erev));
            write_channel(w, &kind, ch, density, &cell.id, &|g| g.to_string());
        }
        let cap = cell.capacitance.as_ref().map(Nq::text).unwrap_or_default();
        let node = &cell.id;
        let _ = writeln!(
            w,
            "\n[[node]]\nname = {}\ncapacitance = {}",
            toml_str(node),
            toml_str(&cap)
        );
        let _ = writeln!(w, "area = {}", toml_str(&format!("{} um^2", cell.area_um2)));
        let initial = cell.init_v.as_ref().map_or("rest".to_string(), Nq::text);
        let _ = writeln!(w, "initial = {}", toml_str(&initial));
        for d in &cell.densities {
            let Some(kind) = kind_of.get(d.channel.as_str()) else {
                return Err(self.unknown_channel(d));
            };
            let _ = writeln!(
                w,
                "\n[[element]]\nname = {}\nkind = {}\nnode = {}",
                toml_str(&d.id),
                toml_str(kind),
                toml_str(node)
            );
            let _ = writeln!(
                w,
                "params = {{ gbar = {}, e_rev = {} }}",
                toml_str(&d.g.text()),
                toml_str(&d.erev.text())
            );
        }
        for &(p, weight) in &inputs {
            let _ = writeln!(
                w,
                "\n[[stimulus]]\nnode = {}\nkind = \"pulse\"",
                toml_str(node)
            );
            let _ = writeln!(
                w,
                "amplitude = {}\nstart = {}\nend = {}   # pulseGenerator '{}'",
                toml_str(&network::amplitude(p, weight)),
                toml_str(&p.delay.text()),
                toml_str(&ms_text(p.delay.si + p.duration.si)),
                p.id
            );
        }
        let _ = writeln!(
            w,
            "\n[[probe]]\nvariable = \"v\"\nnode = {}",
            toml_str(node)
        );
        Ok(out)
    }
}

/// Writes the `[[channel]]` `name` of ion channel `ch`: `gbar` and `e_rev` from `density` (a
/// channel no density of cell `cell` uses gets `gbar = 0`), the conductance as the product of
/// its gates' `q^instances`, and the gates' kinetics and constants; gate `g` is called
/// `gate_name(g)` (networks rename gates that two channels of a cell share).
fn write_channel(
    w: &mut String,
    name: &str,
    ch: &Channel,
    density: Option<(&Nq, &Nq)>,
    cell: &str,
    gate_name: &dyn Fn(&str) -> String,
) {
    use std::fmt::Write as _;
    let _ = writeln!(w, "\n[[channel]]\nname = {}", toml_str(name));
    match density {
        Some((g, erev)) => {
            let _ = writeln!(
                w,
                "gbar = {}\ne_rev = {}",
                toml_str(&g.text()),
                toml_str(&erev.text())
            );
        }
        None => {
            let _ = writeln!(
                w,
                "# not used by cell '{cell}'\ngbar = \"0 S/m^2\"\ne_rev = \"0 mV\""
            );
        }
    }
    let conductance = if ch.gates.is_empty() {
        "1".to_string()
    } else {
        ch.gates
            .iter()
            .map(|g| {
                let id = gate_name(&g.id);
                if g.instances == 1 {
                    id
                } else {
                    format!("{id}^{}", g.instances)
                }
            })
            .collect::<Vec<_>>()
            .join("*")
    };
    let _ = writeln!(w, "conductance = {}", toml_str(&conductance));
    let mut params = Vec::new();
    for g in &ch.gates {
        let mut fields = match &g.kinetics {
            Kinetics::Rates(a, b) => {
                format!("alpha = {}, beta = {}", toml_str(a), toml_str(b))
            }
            Kinetics::TauInf(t, x) => {
                format!("tau = {}, inf = {}", toml_str(t), toml_str(x))
            }
            Kinetics::Instantaneous(x) => format!("inf = {}", toml_str(x)),
        };
        match &g.q10 {
            Some(Q10::Exp {
                factor,
                temperature,
            }) => {
                let _ = write!(
                    fields,
                    ", q10 = {}, q10_temperature = {}",
                    toml_str(&factor.text()),
                    toml_str(&temperature.text())
                );
            }
            Some(Q10::Fixed(f)) => {
                let _ = write!(fields, ", q10_fixed = {}", toml_str(&f.text()));
            }
            None => {}
        }
        let _ = writeln!(w, "gates.{} = {{ {fields} }}", gate_name(&g.id));
        params.extend(g.params.iter().cloned());
    }
    if !params.is_empty() {
        let _ = writeln!(w, "[channel.params]");
        for (k, v) in params {
            let _ = writeln!(w, "{k} = {}", toml_str(&v));
        }
    }
}

fn file_name(origin: &str) -> &str {
    Path::new(origin)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_units_split() {
        assert_eq!(split_number("-65mV"), ("-65", "mV"));
        assert_eq!(split_number("0.1 per_ms"), ("0.1", "per_ms"));
        assert_eq!(split_number("1e-3mS_per_cm2"), ("1e-3", "mS_per_cm2"));
        assert_eq!(split_number("2.5e"), ("2.5", "e"));
        assert_eq!(split_number("3"), ("3", ""));
    }

    #[test]
    fn a_sphere_and_a_cylinder_have_their_closed_form_areas() {
        // The sphere of the NeuroML example: d = 17.841242 um gives pi d^2 = 1000.0000 um^2.
        let a = segment_area_um2([0.0, 0.0, 0.0, 17.841242], [0.0, 0.0, 0.0, 17.841242]);
        assert!((a - 1000.0).abs() < 1e-4, "{a}");
        // A cylinder of length 10 and diameter 2: 2 pi r L = 20 pi.
        let c = segment_area_um2([0.0, 0.0, 0.0, 2.0], [0.0, 10.0, 0.0, 2.0]);
        assert!((c - 20.0 * std::f64::consts::PI).abs() < 1e-12);
    }

    #[test]
    fn every_unit_maps_to_a_memrc_unit() {
        for (n, m) in UNITS {
            assert!(
                units::parse_quantity(&format!("1 {m}")).is_ok(),
                "{n} -> {m}"
            );
        }
    }
}
