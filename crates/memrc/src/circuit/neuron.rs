//! Conductance-based neurons as memRC circuits (paper §V, eq. 59–63): a membrane capacitor in
//! parallel with ion channels, each a memristive element in series with its battery.
//!
//! All quantities are per unit membrane area: capacitance \[F/m²\], conductances \[S/m²\], currents
//! \[A/m²\] (1 µF/cm² = 0.01 F/m², 1 mS/cm² = 10 S/m², 1 µA/cm² = 0.01 A/m²).

use super::{CircuitBuilder, NodeId, Terminal};
use crate::element::channel::hh::{C_M, HhPotassium, HhSodium, Leak};
use crate::element::expr::{ExprChannel, ExprChannelSpec};
use crate::element::{Element, KindInfo};
use crate::error::ModelError;

/// Parameters of the classic Hodgkin–Huxley membrane (modern −65 mV convention; Hodgkin and
/// Huxley 1952, as in the paper's Example 4): all SI, per area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HhParams {
    /// Membrane capacitance \[F/m²\] (1 µF/cm²).
    pub c: f64,
    /// Maximal sodium conductance \[S/m²\] (120 mS/cm²).
    pub g_na: f64,
    /// Maximal potassium conductance \[S/m²\] (36 mS/cm²).
    pub g_k: f64,
    /// Leak conductance \[S/m²\] (0.3 mS/cm²).
    pub g_l: f64,
    /// Sodium reversal potential \[V\] (50 mV).
    pub e_na: f64,
    /// Potassium reversal potential \[V\] (−77 mV).
    pub e_k: f64,
    /// Leak reversal potential \[V\] (−54.387 mV).
    pub e_l: f64,
}

impl Default for HhParams {
    /// The catalogue channels `hh-na`, `hh-k` and `leak` at their defaults, 1 µF/cm².
    fn default() -> Self {
        let default = |kind: &KindInfo, k: usize| kind.params[k].default;
        Self {
            c: C_M,
            g_na: default(&HhSodium::KIND, 0),
            g_k: default(&HhPotassium::KIND, 0),
            g_l: default(&Leak::KIND, 0),
            e_na: default(&HhSodium::KIND, 1),
            e_k: default(&HhPotassium::KIND, 1),
            e_l: default(&Leak::KIND, 1),
        }
    }
}

/// Adds a Hodgkin–Huxley membrane node named `name` with its sodium (`ḡ_Na m³h`, the
/// excitatory memconductance `g_E` of eq. 60a), potassium (`ḡ_K n⁴`, the inhibitory `g_I`; the
/// paper's eq. 60a prints `ḡ_I n`, a slip) and leak branches.
pub fn add_hodgkin_huxley(
    b: &mut CircuitBuilder,
    name: &str,
    p: &HhParams,
) -> Result<NodeId, ModelError> {
    let node = b.node(name, p.c);
    let na: Box<dyn Element> = HhSodium::build(&[("gbar", p.g_na), ("e_rev", p.e_na)])?;
    let k: Box<dyn Element> = HhPotassium::build(&[("gbar", p.g_k), ("e_rev", p.e_k)])?;
    let l: Box<dyn Element> = Leak::build(&[("gbar", p.g_l), ("e_rev", p.e_l)])?;
    b.channel(format!("{name}.na"), na, node);
    b.channel(format!("{name}.k"), k, node);
    b.channel(format!("{name}.leak"), l, node);
    Ok(node)
}

/// Which implementation of the Hodgkin–Huxley channels a membrane gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HhChannels {
    /// The catalogue channels `hh-na`, `hh-k` and `leak` ([`add_hodgkin_huxley`]).
    BuiltIn,
    /// The same channels as user-defined expressions
    /// ([`add_hodgkin_huxley_expressions`]).
    Expressions,
}

/// Adds a Hodgkin–Huxley membrane node named `name` like [`add_hodgkin_huxley`], with the
/// channels of [`hodgkin_huxley_expression_channels`] (same names `{name}.na`, `{name}.k`,
/// `{name}.leak`).
pub fn add_hodgkin_huxley_expressions(
    b: &mut CircuitBuilder,
    name: &str,
    p: &HhParams,
) -> Result<NodeId, ModelError> {
    let [na, k, l] = hodgkin_huxley_expression_channels(p)?;
    let node = b.node(name, p.c);
    b.channel(format!("{name}.na"), Box::new(na), node);
    b.channel(format!("{name}.k"), Box::new(k), node);
    b.channel(format!("{name}.leak"), Box::new(l), node);
    Ok(node)
}

/// One Hodgkin–Huxley membrane `hh` with the default parameters and `channels`, driven by
/// `stimulus` \[A/m²\]; returns the circuit and the membrane node.
pub fn hh_circuit(
    stimulus: super::Stimulus,
    channels: HhChannels,
) -> Result<(super::Circuit, NodeId), ModelError> {
    let mut b = CircuitBuilder::new();
    let p = HhParams::default();
    let node = match channels {
        HhChannels::BuiltIn => add_hodgkin_huxley(&mut b, "hh", &p)?,
        HhChannels::Expressions => add_hodgkin_huxley_expressions(&mut b, "hh", &p)?,
    };
    b.source(node, stimulus);
    Ok((b.build()?, node))
}

/// The circuit of the paper's Example 4: one Hodgkin–Huxley membrane with the default
/// parameters and a rectangular current pulse of `amplitude` \[A/m²\] on `[start, end]` \[s\]
/// (the paper's "10 mA" is 10 µA/cm² = 0.1 A/m² on 20–22 ms).
pub fn hh_pulse_circuit(
    amplitude: f64,
    start: f64,
    end: f64,
) -> Result<(super::Circuit, NodeId), ModelError> {
    hh_circuit(
        super::Stimulus::Pulse {
            amplitude,
            start,
            end,
        },
        HhChannels::BuiltIn,
    )
}

/// The Hodgkin–Huxley channels of [`add_hodgkin_huxley`] written as user-defined expression
/// channels ([`crate::element::expr`], rates [`hh_rates`](crate::element::expr::hh_rates)):
/// `[sodium, potassium, leak]`. Same formulas as the built-in channels, so a membrane built
/// from them runs the same up to rounding; the expression evaluator's cost is what
/// `benches/expr_channel.rs` measures.
pub fn hodgkin_huxley_expression_channels(p: &HhParams) -> Result<[ExprChannel; 3], ModelError> {
    let leak = ExprChannelSpec {
        name: "leak".into(),
        gbar: p.g_l,
        e_rev: p.e_l,
        conductance: "1".into(),
        gates: vec![],
    };
    let [na, k] = ExprChannelSpec::hodgkin_huxley((p.g_na, p.e_na), (p.g_k, p.e_k));
    Ok([
        ExprChannel::new(&na)?,
        ExprChannel::new(&k)?,
        ExprChannel::new(&leak)?,
    ])
}

/// A ring of `n` Hodgkin–Huxley neurons: neighbours joined by a linear gap junction of
/// conductance `g_gap` [S/m²] (a `resistor` branch) and each neuron exciting the next through
/// a kinetic synapse (eq. 3–4) of maximal conductance `g_syn` [S/m²]; neuron 0 gets a
/// 20 µA/cm² pulse on 2–4 ms. A test network with continuous coupling for the
/// trajectory-space solvers (`tests/circuits.rs`, `benches/network_relaxation.rs`).
pub fn hh_ring(n: usize, g_gap: f64, g_syn: f64) -> Result<super::Circuit, ModelError> {
    let mut b = CircuitBuilder::new();
    let p = HhParams::default();
    let nodes = (0..n)
        .map(|i| add_hodgkin_huxley(&mut b, &format!("n{i}"), &p))
        .collect::<Result<Vec<NodeId>, _>>()?;
    for i in 0..n {
        let (a, c) = (nodes[i], nodes[(i + 1) % n]);
        let gap = crate::element::build("resistor", &[("g0", g_gap), ("g2", 0.0)])?;
        b.branch(format!("gap{i}"), gap, a, c);
        let syn = crate::element::build("synapse", &[("gbar", g_syn)])?;
        b.multiport(
            format!("syn{i}"),
            syn,
            vec![(a.into(), Terminal::Ground), (c.into(), Terminal::Ground)],
        );
    }
    if let Some(&first) = nodes.first() {
        b.source(
            first,
            super::Stimulus::Pulse {
                amplitude: 0.2,
                start: 0.002,
                end: 0.004,
            },
        );
    }
    b.build()
}
