//! Conductance-based neurons as memRC circuits (paper §V, eq. 59–63): a membrane capacitor in
//! parallel with ion channels, each a memristive element in series with its battery.
//!
//! All quantities are per unit membrane area: capacitance \[F/m²\], conductances \[S/m²\], currents
//! \[A/m²\] (1 µF/cm² = 0.01 F/m², 1 mS/cm² = 10 S/m², 1 µA/cm² = 0.01 A/m²).

use super::{CircuitBuilder, NodeId};
use crate::element::Element;
use crate::element::channel::hh::{HhPotassium, HhSodium, Leak};
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
    fn default() -> Self {
        Self {
            c: 0.01,
            g_na: 1200.0,
            g_k: 360.0,
            g_l: 3.0,
            e_na: 0.050,
            e_k: -0.077,
            e_l: -0.054387,
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

/// The circuit of the paper's Example 4: one Hodgkin–Huxley membrane with the default
/// parameters and a rectangular current pulse of `amplitude` \[A/m²\] on `[start, end]` \[s\]
/// (the paper's "10 mA" is 10 µA/cm² = 0.1 A/m² on 20–22 ms).
pub fn hh_pulse_circuit(
    amplitude: f64,
    start: f64,
    end: f64,
) -> Result<(super::Circuit, NodeId), ModelError> {
    let mut b = CircuitBuilder::new();
    let node = add_hodgkin_huxley(&mut b, "hh", &HhParams::default())?;
    b.source(
        node,
        super::Stimulus::Pulse {
            amplitude,
            start,
            end,
        },
    );
    Ok((b.build()?, node))
}
