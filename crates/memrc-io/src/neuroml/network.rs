//! NeuroML2 `<network>`s of single-compartment cells → a memrc network model file.
//!
//! NeuroML semantics (NeuroML2CoreTypes `Networks.xml`, `Synapses.xml`, `Cells.xml`, as run by
//! jNeuroML/jLEMS) and their memrc counterparts:
//!
//! - `<population component="cell" size="n">` or `type="populationList"` with `<instance id>`s
//!   → a `[[population]]` of `model = "conductance"` neurons: the cell's channel densities as
//!   `[[channel]]`s (its first gate-less density as the membrane's leak), its
//!   `specificCapacitance` on its segment's area, `initMembPotential` as the initial `v`, and
//!   its `spikeThresh` (NeuroML's default 0 mV) as the threshold, with spikes only at upward
//!   crossings (`upward_crossing`: jLEMS emits a spike when `v` exceeds the threshold and
//!   re-arms when it falls back below);
//! - `<projection synapse="s">` with `<connection>`/`<connectionWD>` onto an `expOneSynapse`
//!   or `expTwoSynapse` → a `rule = "list"` `[[projection]]` onto a receptor named `s` of the
//!   target population (`tau` = `tauDecay`, `tau_rise` = `tauRise`, `e_rev` = `erev`), weight
//!   `weight·gbase` per connection (the conductance step, or the double exponential's peak:
//!   memrc's receptors follow NeuroML's normalisation) and the connection's delay;
//! - `<electricalProjection>` with `<electricalConnection>`, `…Instance`, `…InstanceW` onto a
//!   `gapJunction` → `synapse = "gap-junction"` projections, conductance
//!   `weight·conductance` per junction (symmetric, as NeuroML's);
//! - `<inputList component="pulse">` with `<input>`/`<inputW>`, and `<explicitInput>` →
//!   pulse `[[input]]`s of amplitude `weight·amplitude` on the target neurons.
//!
//! The network is integrated by `dopri5` on the grid `dt` of the import options: spikes are
//! delivered on that grid (a connection without delay acts at the end of the step in which the
//! presynaptic spike lies, as in jLEMS), and gap junctions use the partner's step-start voltage.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use roxmltree::Node;

use super::{
    Cell, Cx, ImportOptions, Kind, Nml, Nq, Pulse, Synapse, TIME, file_name, is_ident, toml_str,
    write_channel,
};
use crate::error::LoadError;

impl Nml {
    /// Whether the `<network>` `net` with populations `pops` needs the network engine: more
    /// than one cell, an integrate-and-fire cell (a reset), or any projection.
    pub(super) fn is_network(net: Node, pops: &[Pop]) -> bool {
        pops.iter().map(|p| p.size).sum::<usize>() > 1
            || pops.iter().any(|p| p.cell.iaf.is_some())
            || net.children().any(|c| {
                matches!(
                    c.tag_name().name(),
                    "projection" | "electricalProjection" | "continuousProjection"
                )
            })
    }

    /// `celsius = …` of the `<network>`'s temperature (`None` without one); an error at the
    /// network, or the document, when a gate has a `q10ExpTemp` factor and no temperature is
    /// given.
    pub(super) fn celsius_line(
        &self,
        cx: &Cx,
        net: Option<Node>,
    ) -> Result<Option<String>, LoadError> {
        if let Some(n) = net.filter(|n| n.attribute("temperature").is_some()) {
            let t = cx.quantity(n, "temperature", Kind::Temperature)?;
            return Ok(Some(format!("celsius = {}", toml_str(&t.text()))));
        }
        let q10_exp = self
            .channels
            .iter()
            .flat_map(|c| &c.gates)
            .any(|g| matches!(g.q10, Some(super::Q10::Exp { .. })));
        if q10_exp {
            return Err(cx.err(
                net.unwrap_or(cx.doc.root_element()),
                "a gate has a q10ExpTemp temperature factor but the document gives no temperature: \
                 use <network type=\"networkWithTemperature\" temperature=\"…degC\">",
            ));
        }
        Ok(None)
    }
}

/// A population: its cell and how NeuroML names its neurons.
pub(super) struct Pop<'s> {
    id: String,
    pub(super) cell: &'s Cell,
    size: usize,
    /// `<instance id>` → index (a populationList); empty: ids are the indices.
    instances: BTreeMap<String, usize>,
}

/// One memrc projection.
struct Proj {
    name: String,
    pre: usize,
    post: usize,
    /// Index into `Nml::synapses`.
    synapse: usize,
    /// `(pre, post, conductance [S], delay [s])`.
    conns: Vec<(usize, usize, f64, f64)>,
}

/// What a network connects: chemical projections, gap-junction projections, pulse inputs.
pub(super) struct Wiring<'s> {
    projs: Vec<Proj>,
    gaps: Vec<Proj>,
    pub(super) inputs: Vec<Input<'s>>,
}

/// One pulse input: the generator, the weight, and the neurons of a population.
pub(super) struct Input<'s> {
    pub(super) pulse: &'s Pulse,
    pop: usize,
    pub(super) weight: f64,
    pub(super) neurons: Vec<usize>,
    source: String,
}

/// The amplitude of pulse generator `p` applied with `weight` (NeuroML's `inputW`), as written
/// when the weight is 1.
pub(super) fn amplitude(p: &Pulse, weight: f64) -> String {
    if weight == 1.0 {
        p.amplitude.text()
    } else {
        si_text(weight * p.amplitude.si, "A")
    }
}

/// `x` \[SI\] with its unit, to 15 significant digits (so that `3 × 1 nS` prints as `3e-9 S`,
/// not `3.0000000000000004e-9 S`).
fn si_text(x: f64, unit: &str) -> String {
    let s = format!("{x:.14e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}e{exponent} {unit}")
}

impl Nml {
    /// The memrc network model file of the `<network>` `net` with populations `pops`.
    pub(super) fn network_toml(
        &self,
        opts: &ImportOptions,
        cx: &Cx,
        net: Node,
        pops: &[Pop],
    ) -> Result<String, LoadError> {
        let net_id = net.attribute("id").unwrap_or("network");
        let Wiring {
            projs,
            gaps,
            inputs,
        } = self.connections(cx, net, pops)?;

        let mut out = String::new();
        let w = &mut out;
        let n_cells: usize = pops.iter().map(|p| p.size).sum();
        let name = if is_ident(&self.id) {
            self.id.clone()
        } else {
            net_id.to_string()
        };
        let _ = writeln!(
            w,
            "# Converted from NeuroML2 by `memrc import` ({}): network '{net_id}', {n_cells} cells in {} populations.",
            file_name(cx.origin),
            pops.len()
        );
        let _ = writeln!(
            w,
            "# Spikes: upward crossings of each cell's spikeThresh, delivered on the grid dt."
        );
        let _ = writeln!(w, "\n[model]\nname = {}", toml_str(&name));
        let _ = writeln!(
            w,
            "description = {}",
            toml_str(&format!(
                "NeuroML2 network '{net_id}' imported from {}",
                file_name(cx.origin)
            ))
        );
        let t_end = opts.t_end_after(inputs.iter().map(|i| i.pulse));
        let _ = writeln!(
            w,
            "\n[network]\nt_end = {}\ndt = {}   # the grid: spikes are delivered on it",
            toml_str(&t_end),
            toml_str(&opts.dt)
        );
        let _ = writeln!(w, "solver = \"dopri5\"\nrtol = {:e}", opts.rtol);
        if let Some(line) = self.celsius_line(cx, Some(net))? {
            let _ = writeln!(w, "{line}");
        }

        // Channels, per cell (each cell's densities are its own gbar and e_rev).
        let mut cells: Vec<&Cell> = Vec::new();
        for p in pops {
            if !cells.iter().any(|c| c.id == p.cell.id) {
                cells.push(p.cell);
            }
        }
        let mut channels_of: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for cell in &cells {
            let (names, taken) = self.cell_channels(w, cx, cell)?;
            channels_of.insert(cell.id.as_str(), (names, taken));
        }

        // Populations, with the receptors their projections need.
        for (k, p) in pops.iter().enumerate() {
            let (names, taken) = &channels_of[p.cell.id.as_str()];
            let cell = p.cell;
            let _ = writeln!(
                w,
                "\n[[population]]\nname = {}\nsize = {}\nmodel = \"conductance\"   # cell '{}'",
                toml_str(&p.id),
                p.size,
                cell.id
            );
            let list: Vec<String> = names.iter().map(|n| toml_str(n)).collect();
            let _ = writeln!(w, "channels = [{}]", list.join(", "));
            let thresh = cell
                .spike_thresh
                .as_ref()
                .map_or_else(|| "0 mV".to_string(), Nq::text);
            let _ = writeln!(
                w,
                "threshold = {}\nupward_crossing = true",
                toml_str(&thresh)
            );
            if let Some(iaf) = &cell.iaf {
                let _ = writeln!(w, "reset = {}", toml_str(&iaf.reset.text()));
                if let Some(r) = &iaf.refract {
                    let _ = writeln!(w, "refractory = {}", toml_str(&r.text()));
                }
                let _ = writeln!(
                    w,
                    "\n[population.params]   # C and the leak as absolute values, on the area of 1 uF/cm^2"
                );
                let _ = writeln!(
                    w,
                    "area = {}\nc_m = {}\ng_leak = {}\ne_leak = {}",
                    toml_str(&si_text(cell.area_um2 * 1e-12, "m^2")),
                    toml_str(&iaf.c.text()),
                    toml_str(&iaf.g.text()),
                    toml_str(&iaf.e.text())
                );
            } else {
                let _ = writeln!(w, "\n[population.params]");
                let _ = writeln!(w, "area = {}", toml_str(&format!("{} um^2", cell.area_um2)));
                let cap = cell.capacitance.as_ref().map(Nq::text).unwrap_or_default();
                let _ = writeln!(w, "c_m = {}", toml_str(&cap));
                if let Some(leak) = self.leak_of(cell) {
                    let _ = writeln!(
                        w,
                        "g_leak = {}\ne_leak = {}   # channelDensity '{}'",
                        toml_str(&leak.g.text()),
                        toml_str(&leak.erev.text()),
                        leak.id
                    );
                }
            }
            let mut receptors: Vec<usize> = projs
                .iter()
                .filter(|j| j.post == k)
                .map(|j| j.synapse)
                .collect();
            receptors.sort_unstable();
            receptors.dedup();
            for s in receptors {
                let Synapse::Exp {
                    id,
                    erev,
                    tau_decay,
                    tau_rise,
                    ..
                } = &self.synapses[s]
                else {
                    continue;
                };
                let _ = writeln!(
                    w,
                    "\n[[population.receptor]]\nname = {}",
                    toml_str(&receptor_name(id, taken))
                );
                if let Some(r) = tau_rise {
                    let _ = writeln!(w, "tau_rise = {}", toml_str(&r.text()));
                }
                let _ = writeln!(
                    w,
                    "tau = {}\ne_rev = {}",
                    toml_str(&tau_decay.text()),
                    toml_str(&erev.text())
                );
            }
            if let Some(v) = &cell.init_v {
                let _ = writeln!(
                    w,
                    "\n[population.initial]\nv = {}   # gates at their steady state",
                    toml_str(&v.text())
                );
            }
        }

        for j in projs.iter().chain(&gaps) {
            let syn = &self.synapses[j.synapse];
            let _ = writeln!(
                w,
                "\n[[projection]]\nname = {}\nsource = {}\ntarget = {}",
                toml_str(&j.name),
                toml_str(&pops[j.pre].id),
                toml_str(&pops[j.post].id)
            );
            match syn {
                Synapse::Exp { id, .. } => {
                    let taken = &channels_of[pops[j.post].cell.id.as_str()].1;
                    let _ = writeln!(
                        w,
                        "receptor = {}   # {}",
                        toml_str(&receptor_name(id, taken)),
                        id
                    );
                }
                Synapse::Gap { id, .. } => {
                    let _ = writeln!(w, "synapse = \"gap-junction\"   # {id}");
                }
            }
            let pairs: Vec<String> = j
                .conns
                .iter()
                .map(|c| format!("[{}, {}]", c.0, c.1))
                .collect();
            let _ = writeln!(w, "rule = \"list\"\npairs = [{}]", pairs.join(", "));
            let weights: Vec<f64> = j.conns.iter().map(|c| c.2).collect();
            if weights.iter().all(|&x| x == weights[0]) {
                let _ = writeln!(w, "weight = {}", toml_str(&si_text(weights[0], "S")));
            } else {
                let list: Vec<String> = weights
                    .iter()
                    .map(|&x| toml_str(&si_text(x, "S")))
                    .collect();
                let _ = writeln!(w, "weight = [{}]", list.join(", "));
            }
            if let Synapse::Exp { .. } = syn {
                let delays: Vec<f64> = j.conns.iter().map(|c| c.3).collect();
                if delays.iter().all(|&x| x == delays[0]) {
                    if delays[0] != 0.0 {
                        let _ = writeln!(w, "delay = {}", toml_str(&si_text(delays[0], "s")));
                    }
                } else {
                    let list: Vec<String> =
                        delays.iter().map(|&x| toml_str(&si_text(x, "s"))).collect();
                    let _ = writeln!(w, "delay = [{}]", list.join(", "));
                }
            }
        }

        for i in &inputs {
            let p = i.pulse;
            let ids: Vec<String> = i.neurons.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                w,
                "\n[[input]]   # {}: pulseGenerator '{}'{}",
                i.source,
                p.id,
                if i.weight == 1.0 {
                    String::new()
                } else {
                    format!(" x weight {}", i.weight)
                }
            );
            let _ = writeln!(
                w,
                "population = {}\nneurons = [{}]\nkind = \"pulse\"",
                toml_str(&pops[i.pop].id),
                ids.join(", ")
            );
            let amplitude = amplitude(p, i.weight);
            let _ = writeln!(
                w,
                "amplitude = {}\nstart = {}\nend = {}",
                toml_str(&amplitude),
                toml_str(&p.delay.text()),
                toml_str(&super::ms_text(p.delay.si + p.duration.si))
            );
        }

        for p in pops {
            let _ = writeln!(
                w,
                "\n[[recording]]\npopulation = {}\nvariables = [\"v\"]",
                toml_str(&p.id)
            );
            if p.size > RECORDED {
                let _ = writeln!(
                    w,
                    "neurons = {RECORDED}   # the first {RECORDED} of {}",
                    p.size
                );
            }
        }
        Ok(out)
    }

    /// The density that becomes the membrane's leak: the first whose channel has no gates.
    fn leak_of<'c>(&self, cell: &'c Cell) -> Option<&'c super::Density> {
        cell.densities.iter().find(|d| {
            self.channels
                .iter()
                .any(|c| c.id == d.channel && c.gates.is_empty())
        })
    }

    /// Writes the `[[channel]]`s of `cell` (all its densities but the leak); returns their
    /// names, and every name its neurons' variables use (gates), for naming receptors.
    fn cell_channels(
        &self,
        w: &mut String,
        cx: &Cx,
        cell: &Cell,
    ) -> Result<(Vec<String>, Vec<String>), LoadError> {
        if cell.iaf.is_some() {
            return Ok((Vec::new(), vec!["v".to_string(), "i_ext".to_string()]));
        }
        let Some(leak) = self.leak_of(cell) else {
            return Err(cx.err(
                cx.doc.root_element(),
                format!(
                    "cell '{}' has no passive channelDensity (an ionChannelPassive or a channel without gates): \
                     memrc's conductance neurons take one as the membrane's leak",
                    cell.id
                ),
            ));
        };
        let leak = leak.id.clone();
        // Gate ids used by more than one density are prefixed with the density id.
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &cell.densities {
            if let Some(ch) = self.channel_of(d)? {
                for g in &ch.gates {
                    *count.entry(g.id.as_str()).or_default() += 1;
                }
            }
        }
        let mut names = Vec::new();
        let mut taken = vec!["v".to_string(), "i_ext".to_string()];
        for d in &cell.densities {
            if d.id == leak {
                continue;
            }
            let Some(ch) = self.channel_of(d)? else {
                continue;
            };
            let mut name = format!("{}_{}", cell.id, d.id);
            while memrc::element::catalogue::Catalogue::get(&name).is_ok() {
                name.push_str("_nml");
            }
            let rename = |g: &str| {
                if count.get(g).copied().unwrap_or(0) > 1 {
                    format!("{}_{g}", d.id)
                } else {
                    g.to_string()
                }
            };
            taken.extend(ch.gates.iter().map(|g| rename(&g.id)));
            write_channel(w, &name, ch, Some((&d.g, &d.erev)), &cell.id, &rename);
            names.push(name);
        }
        Ok((names, taken))
    }

    /// The ion channel of density `d` (an error naming the density if there is none).
    fn channel_of(&self, d: &super::Density) -> Result<Option<&super::Channel>, LoadError> {
        match self.channels.iter().find(|c| c.id == d.channel) {
            Some(c) => Ok(Some(c)),
            None => Err(self.unknown_channel(d)),
        }
    }

    /// The populations of `net`, in document order.
    pub(super) fn populations(&self, cx: &Cx, net: Node) -> Result<Vec<Pop<'_>>, LoadError> {
        let mut pops: Vec<Pop> = Vec::new();
        for c in net.children().filter(Node::is_element) {
            if c.tag_name().name() != "population" {
                continue;
            }
            let id = cx.ident(c, "id")?.to_string();
            if pops.iter().any(|p| p.id == id) {
                return Err(cx.err_attr(c, "id", format!("a second population '{id}'")));
            }
            let comp = cx.ident(c, "component")?;
            let cell = self.cells.iter().find(|x| x.id == comp).ok_or_else(|| {
                cx.err_attr(
                    c,
                    "component",
                    format!(
                        "'{comp}' is not a <cell> of this document or its includes (memrc import reads cells with one segment{})",
                        if self.cells.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; they are: {}",
                                self.cells.iter().map(|x| x.id.as_str()).collect::<Vec<_>>().join(", ")
                            )
                        }
                    ),
                )
            })?;
            let mut instances = BTreeMap::new();
            for i in c.children().filter(Node::is_element) {
                match i.tag_name().name() {
                    "notes" | "annotation" | "property" | "layout" => {}
                    "instance" => {
                        let iid = cx.attr(i, "id")?.trim().to_string();
                        let k = instances.len();
                        if instances.insert(iid.clone(), k).is_some() {
                            return Err(cx.err_attr(
                                i,
                                "id",
                                format!("a second instance '{iid}' in population '{id}'"),
                            ));
                        }
                    }
                    _ => {
                        return Err(cx.unsupported(
                            i,
                            &format!("population '{id}'"),
                            "instance (with location)",
                        ));
                    }
                }
            }
            // A populationList's cells are its instances (jNeuroML ignores a `size` that
            // disagrees, as LEMS_NML2_Ex26_Weights.xml's size 3 with 9 instances).
            let size = match c.attribute("size") {
                Some(s) if instances.is_empty() => s.trim().parse::<usize>().map_err(|_| {
                    cx.err_attr(c, "size", format!("size '{s}': expected a whole number"))
                })?,
                _ => instances.len(),
            };
            if size == 0 {
                return Err(cx.err(c, format!("population '{id}' has no cells")));
            }
            pops.push(Pop {
                id,
                cell,
                size,
                instances,
            });
        }
        if pops.is_empty() {
            return Err(cx.err(net, "the <network> has no <population>"));
        }
        Ok(pops)
    }

    /// The index in `pops` of population `name` (attribute `attr` of `node`).
    fn pop_index(cx: &Cx, pops: &[Pop], node: Node, attr: &str) -> Result<usize, LoadError> {
        let name = cx.attr(node, attr)?;
        pops.iter().position(|p| p.id == name).ok_or_else(|| {
            let known: Vec<&str> = pops.iter().map(|p| p.id.as_str()).collect();
            let mut m = format!(
                "'{name}' is not a population of the network (they are: {})",
                known.join(", ")
            );
            if let Some(s) = memrc::error::suggest(name, known.iter().copied()) {
                let _ = write!(m, " (did you mean '{s}'?)");
            }
            cx.err_attr(node, attr, m)
        })
    }

    /// The neuron that attribute `attr` of `node` names in population `pops[pop]`: `"../pop/ID/cell"`,
    /// `"pop/ID"`, `"../pop[INDEX]"`, `"pop[INDEX]"`, or a bare instance id.
    fn neuron(
        cx: &Cx,
        pops: &[Pop],
        pop: usize,
        node: Node,
        attr: &str,
    ) -> Result<usize, LoadError> {
        let raw = cx.attr(node, attr)?;
        let p = &pops[pop];
        let bad = |m: String| cx.err_attr(node, attr, format!("'{raw}': {m}"));
        let t = raw.trim().trim_start_matches("../");
        let (name, id, by_index) = if let Some(open) = t.find('[') {
            let close = t
                .strip_suffix(']')
                .ok_or_else(|| bad("expected POPULATION[INDEX]".into()))?;
            (Some(&t[..open]), &close[open + 1..], true)
        } else if t.contains('/') {
            let mut parts = t.split('/');
            let name = parts.next().unwrap_or("");
            let id = parts.next().unwrap_or("");
            (Some(name), id, p.instances.is_empty())
        } else {
            (None, t, p.instances.is_empty())
        };
        if let Some(name) = name {
            if name != p.id {
                return Err(bad(format!("expected a cell of population '{}'", p.id)));
            }
        }
        let k = if by_index {
            id.parse::<usize>()
                .map_err(|_| bad("expected a cell index".into()))?
        } else {
            *p.instances
                .get(id)
                .ok_or_else(|| bad(format!("population '{}' has no instance '{id}'", p.id)))?
        };
        if k >= p.size {
            return Err(bad(format!(
                "population '{}' has {} cells (indices 0..{})",
                p.id,
                p.size,
                p.size - 1
            )));
        }
        Ok(k)
    }

    /// The optional numeric `weight` of a connection or input (default 1).
    fn weight(cx: &Cx, node: Node) -> Result<f64, LoadError> {
        match node.attribute("weight") {
            None => Ok(1.0),
            Some(s) => match s.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(cx.err_attr(
                    node,
                    "weight",
                    format!("weight '{s}': expected a number ≥ 0 (memrc's conductances do not change sign)"),
                )),
            },
        }
    }

    /// Segment and fraction attributes: a single compartment has segment 0 only.
    fn single_segment(cx: &Cx, node: Node) -> Result<(), LoadError> {
        for a in [
            "preSegmentId",
            "postSegmentId",
            "preSegment",
            "postSegment",
            "segmentId",
        ] {
            if let Some(s) = node.attribute(a) {
                if s.trim() != "0" {
                    return Err(cx.err_attr(
                        node,
                        a,
                        format!("{a} '{s}': single-compartment cells have segment 0 only"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn synapse_index(
        &self,
        cx: &Cx,
        node: Node,
        attr: &str,
        gap: bool,
    ) -> Result<usize, LoadError> {
        let id = cx.attr(node, attr)?;
        let ok = |s: &Synapse| matches!(s, Synapse::Gap { .. }) == gap;
        self.synapses
            .iter()
            .position(|s| s.id() == id && ok(s))
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .synapses
                    .iter()
                    .filter(|s| ok(s))
                    .map(Synapse::id)
                    .collect();
                let what = if gap {
                    "a gapJunction"
                } else {
                    "an expOneSynapse or expTwoSynapse"
                };
                let mut m = format!("'{id}' is not {what} of this document or its includes");
                if self.synapses.iter().any(|s| s.id() == id) {
                    let _ = write!(
                        m,
                        " ('{id}' is {}: use it in {})",
                        if gap {
                            "a chemical synapse"
                        } else {
                            "a gapJunction"
                        },
                        if gap {
                            "a <projection>"
                        } else {
                            "an <electricalProjection>"
                        }
                    );
                } else if !known.is_empty() {
                    let _ = write!(m, " (they are: {})", known.join(", "));
                }
                cx.err_attr(node, attr, m)
            })
    }

    fn pulse_named<'s>(&'s self, cx: &Cx, node: Node, attr: &str) -> Result<&'s Pulse, LoadError> {
        let id = cx.attr(node, attr)?;
        self.pulses.iter().find(|p| p.id == id).ok_or_else(|| {
            cx.err_attr(
                node,
                attr,
                format!(
                    "'{id}' is not a pulseGenerator of this document (memrc import reads pulseGenerator inputs; they are: {})",
                    self.pulses.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// Projections, gap junctions and inputs of `net`.
    pub(super) fn connections<'s>(
        &'s self,
        cx: &Cx,
        net: Node,
        pops: &[Pop],
    ) -> Result<Wiring<'s>, LoadError> {
        let mut projs = Vec::new();
        let mut gaps: Vec<Proj> = Vec::new();
        let mut inputs: Vec<Input> = Vec::new();
        let mut add_input =
            |pulse: &'s Pulse, pop: usize, weight: f64, k: usize, source: &str| match inputs
                .iter_mut()
                .find(|i| {
                    std::ptr::eq(i.pulse, pulse)
                        && i.pop == pop
                        && i.weight == weight
                        && i.source == source
                }) {
                Some(i) => i.neurons.push(k),
                None => inputs.push(Input {
                    pulse,
                    pop,
                    weight,
                    neurons: vec![k],
                    source: source.to_string(),
                }),
            };
        for c in net.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "notes" | "annotation" | "property" | "population" => {}
                "projection" => {
                    let id = cx.ident(c, "id")?.to_string();
                    let pre = Self::pop_index(cx, pops, c, "presynapticPopulation")?;
                    let post = Self::pop_index(cx, pops, c, "postsynapticPopulation")?;
                    let synapse = self.synapse_index(cx, c, "synapse", false)?;
                    let Synapse::Exp { gbase, .. } = &self.synapses[synapse] else {
                        continue;
                    };
                    let mut conns = Vec::new();
                    for k in c.children().filter(Node::is_element) {
                        let tag = k.tag_name().name();
                        match tag {
                            "notes" | "annotation" | "property" => {}
                            "connection" | "connectionWD" => {
                                Self::single_segment(cx, k)?;
                                let a = Self::neuron(cx, pops, pre, k, "preCellId")?;
                                let b = Self::neuron(cx, pops, post, k, "postCellId")?;
                                let (weight, delay) = if tag == "connectionWD" {
                                    let d = cx.quantity(k, "delay", TIME)?;
                                    if d.si < 0.0 {
                                        return Err(cx.err_attr(k, "delay", "'delay' must be ≥ 0"));
                                    }
                                    (Self::weight(cx, k)?, d.si)
                                } else {
                                    (1.0, 0.0)
                                };
                                conns.push((a, b, weight * gbase.si, delay));
                            }
                            _ => {
                                return Err(cx.unsupported(
                                    k,
                                    &format!("projection '{id}'"),
                                    "connection and connectionWD",
                                ));
                            }
                        }
                    }
                    if !conns.is_empty() {
                        projs.push(Proj {
                            name: id,
                            pre,
                            post,
                            synapse,
                            conns,
                        });
                    }
                }
                "electricalProjection" => {
                    let id = cx.ident(c, "id")?.to_string();
                    let pre = Self::pop_index(cx, pops, c, "presynapticPopulation")?;
                    let post = Self::pop_index(cx, pops, c, "postsynapticPopulation")?;
                    for k in c.children().filter(Node::is_element) {
                        let tag = k.tag_name().name();
                        match tag {
                            "notes" | "annotation" | "property" => {}
                            "electricalConnection"
                            | "electricalConnectionInstance"
                            | "electricalConnectionInstanceW" => {
                                Self::single_segment(cx, k)?;
                                let synapse = self.synapse_index(cx, k, "synapse", true)?;
                                let Synapse::Gap { conductance, .. } = &self.synapses[synapse]
                                else {
                                    continue;
                                };
                                let a = Self::neuron(cx, pops, pre, k, "preCell")?;
                                let b = Self::neuron(cx, pops, post, k, "postCell")?;
                                let g = Self::weight(cx, k)? * conductance.si;
                                let name = format!("{id}_{}", self.synapses[synapse].id());
                                match gaps.iter_mut().find(|j| j.name == name) {
                                    Some(j) => j.conns.push((a, b, g, 0.0)),
                                    None => gaps.push(Proj {
                                        name,
                                        pre,
                                        post,
                                        synapse,
                                        conns: vec![(a, b, g, 0.0)],
                                    }),
                                }
                            }
                            _ => {
                                return Err(cx.unsupported(
                                    k,
                                    &format!("electricalProjection '{id}'"),
                                    "electricalConnection, electricalConnectionInstance and electricalConnectionInstanceW",
                                ));
                            }
                        }
                    }
                }
                "explicitInput" => {
                    let pulse = self.pulse_named(cx, c, "input")?;
                    let target = cx.attr(c, "target")?;
                    let t = target.trim().trim_start_matches("../");
                    let pop_name = t.split(['[', '/']).next().unwrap_or("");
                    let pop = pops.iter().position(|p| p.id == pop_name).ok_or_else(|| {
                        cx.err_attr(
                            c,
                            "target",
                            format!(
                                "target '{target}': '{pop_name}' is not a population of the network"
                            ),
                        )
                    })?;
                    let k = Self::neuron(cx, pops, pop, c, "target")?;
                    add_input(pulse, pop, 1.0, k, "explicitInput");
                }
                "inputList" => {
                    let id = cx.ident(c, "id")?.to_string();
                    let pulse = self.pulse_named(cx, c, "component")?;
                    let pop = Self::pop_index(cx, pops, c, "population")?;
                    for i in c.children().filter(Node::is_element) {
                        match i.tag_name().name() {
                            "notes" | "annotation" | "property" => {}
                            "input" | "inputW" => {
                                Self::single_segment(cx, i)?;
                                let k = Self::neuron(cx, pops, pop, i, "target")?;
                                let weight = Self::weight(cx, i)?;
                                add_input(pulse, pop, weight, k, &format!("inputList '{id}'"));
                            }
                            _ => {
                                return Err(cx.unsupported(
                                    i,
                                    "an <inputList>",
                                    "input and inputW",
                                ));
                            }
                        }
                    }
                }
                _ => {
                    return Err(cx.unsupported(
                        c,
                        "<network>",
                        "population, projection (expOneSynapse, expTwoSynapse), electricalProjection \
                         (gapJunction), inputList and explicitInput (pulseGenerator)",
                    ));
                }
            }
        }
        Ok(Wiring {
            projs,
            gaps,
            inputs,
        })
    }
}

/// Neurons recorded per population (the first ones).
const RECORDED: usize = 100;

/// The receptor variable of synapse `id`: its id, suffixed while it is a name of the neuron's
/// variables (`taken`).
fn receptor_name(id: &str, taken: &[String]) -> String {
    let mut name = id.to_string();
    while taken.contains(&name) {
        name.push_str("_syn");
    }
    name
}
