//! The classic Hodgkin–Huxley point neuron [`HodgkinHuxley`] (model name `"hh"`) for the
//! network engine.

use super::NetError;
use super::channel_neuron::{Channels, advance_channels, channel_coefficients};
use super::model::{AREA, Membrane, NeuronModel, SynapticInput, VariableInfo};
use crate::element::KindInfo;
use crate::element::channel::GateKinetics;
use crate::element::channel::hh::{C_M, H_GATE, HhPotassium, HhSodium, Leak, M_GATE, N_GATE};
use crate::element::mechanism::{GatedChannel, Mechanism};
use crate::simd::SimdLevel;
use std::ops::Range;

crate::param_struct! {
/// The classic Hodgkin–Huxley (1952) squid-axon neuron in the modern −65 mV convention, with
/// the rates of [`crate::element::channel::hh`], in SI units with absolute conductances
/// `ḡ·area`:
///
/// ```text
///   C v̇ = g_l (E_l − v) + ḡ_Na m³h (E_Na − v) + ḡ_K n⁴ (E_K − v) + J_syn − G_syn v + I_ext
///   ẋ = α_x(v) (1 − x) − β_x(v) x,      x ∈ {m, h, n}
/// ```
///
/// with (`V = v` in mV, rates in 1/ms; A. L. Hodgkin and A. F. Huxley, J. Physiol.
/// 117:500–544, 1952, shifted by −65 mV):
/// `α_m = 0.1 (V+40)/(1 − e^{−(V+40)/10})`, `β_m = 4 e^{−(V+65)/18}`,
/// `α_h = 0.07 e^{−(V+65)/20}`, `β_h = 1/(1 + e^{−(V+35)/10})`,
/// `α_n = 0.01 (V+55)/(1 − e^{−(V+55)/10})`, `β_n = 0.125 e^{−(V+65)/80}`.
///
/// **Exponential Euler**, as for [`TraubMiles`](super::TraubMiles): every equation is linear in
/// its own variable, `ẏ = a − b y`, with `a`, `b` frozen at the step start, so
/// `y ← y_∞ + (y − y_∞) e^{−b dt}`; for the gates `b = α + β`, `y_∞ = α/b`; for `v`,
/// `b = G/C`, `y_∞ = (g_l E_l + ḡ_Na m³h E_Na + ḡ_K n⁴ E_K + J_syn + I_ext)/G` with
/// `G = g_l + ḡ_Na m³h + ḡ_K n⁴ + G_syn`.
///
/// **Kernel.** A preset of the generic membrane-plus-mechanisms kernel of
/// [`ChannelNeuron`](super::ChannelNeuron): the mechanisms are the catalogue channels `hh-na`
/// and `hh-k` ([`HodgkinHuxley::mechanisms`]: the same gate constants
/// the circuit path uses), their rates evaluated a block at a time by
/// [`GateKinetics::coefficients_block`] with the branch-free [`exp`](crate::simd::exp)
/// (vectorised on the AVX2+FMA path).
///
/// The parameters are the catalogue's channels at their defaults: `hh-na`, `hh-k` and `leak`
/// (120 and 36 mS/cm², 50, −77 mV; 0.3 mS/cm² at −54.387 mV), 1 µF/cm², on the 20000 µm² of
/// COBAHH; the circuit path's [`crate::circuit::neuron::HhParams::default`] is the same
/// membrane. It rests at −64.99637933 mV (gates at their steady states there).
///
/// Variables: `v` \[V\], `m`, `h`, `n` \[1\], `i_ext` \[A\] (a constant injected current,
/// default 0). Default initial values: `v = −65 mV` and the gates at their steady states
/// `α/(α + β)` at −65 mV.
    pub struct HodgkinHuxley("hh") {
        area: "m^2", positive(f64::INFINITY) = AREA, "membrane area";
        c_m: "F/m^2", positive(f64::INFINITY) = C_M, "specific capacitance";
        g_leak: "S/m^2", positive(f64::INFINITY) = LEAK.params[0].default,
            "leak conductance density";
        e_leak: "V", new(-1.0, 1.0) = LEAK.params[1].default, "leak reversal potential";
        g_na: "S/m^2", new(0.0, f64::INFINITY) = NA.params[0].default,
            "sodium maximal conductance density";
        e_na: "V", new(-1.0, 1.0) = NA.params[1].default, "sodium reversal potential";
        g_k: "S/m^2", new(0.0, f64::INFINITY) = K.params[0].default,
            "potassium maximal conductance density";
        e_k: "V", new(-1.0, 1.0) = K.params[1].default, "potassium reversal potential";
    }
}

const NA: KindInfo = HhSodium::KIND;
const K: KindInfo = HhPotassium::KIND;
const LEAK: KindInfo = Leak::KIND;

impl HodgkinHuxley {
    /// The state variables (those of [`TraubMiles`](super::TraubMiles)).
    pub const VARIABLES: &'static [VariableInfo] = super::model::TraubMiles::VARIABLES;

    /// Default initial voltage \[V\].
    pub const V_INIT: f64 = -0.065;

    /// The classic parameters (the table's defaults).
    pub fn classic() -> Self {
        Self::DEFAULTS
    }
}

/// Gates of `hh-na` (`m`, `h`) and `hh-k` (`n`).
const NA_GATES: &[GateKinetics] = &[M_GATE, H_GATE];
const K_GATES: &[GateKinetics] = &[N_GATE];

impl HodgkinHuxley {
    /// The membrane (area, capacitance, leak).
    pub fn membrane(&self) -> Membrane {
        Membrane::of(self)
    }

    /// The two mechanisms `hh-na` (`ḡ_Na m³h`, `E_Na`) and `hh-k` (`ḡ_K n⁴`, `E_K`), built
    /// without allocating (the kinetics are the catalogue's constants).
    pub fn mechanisms(&self) -> [Mechanism; 2] {
        [
            GatedChannel::new(&NA, NA_GATES, &[3, 1], self.g_na, self.e_na).into(),
            GatedChannel::new(&K, K_GATES, &[4], self.g_k, self.e_k).into(),
        ]
    }
}

impl HodgkinHuxley {
    /// Whether `state` has one vector per variable (an invariant of the engine).
    fn fits(&self, state: &[Vec<f64>]) -> bool {
        let ok = state.len() == Self::VARIABLES.len();
        debug_assert!(ok, "invariant: hh has five variables");
        ok
    }

    /// Runs `f` with the membrane and the channels of the shared kernel.
    fn with_channels<R>(&self, f: impl FnOnce(&Membrane, Channels<'_>) -> R) -> R {
        let list = self.mechanisms();
        let channels = Channels {
            list: &list,
            first: &[1, 3],
            block_evaluation: true,
        };
        f(&self.membrane(), channels)
    }
}

impl NeuronModel for HodgkinHuxley {
    fn kind(&self) -> &'static str {
        "hh"
    }

    fn variables(&self) -> &[VariableInfo] {
        Self::VARIABLES
    }

    fn initial_values(&self) -> Vec<f64> {
        let v = Self::V_INIT;
        vec![
            v,
            M_GATE.steady_state(v),
            H_GATE.steady_state(v),
            N_GATE.steady_state(v),
            0.0,
        ]
    }

    fn evolving(&self) -> usize {
        4
    }

    fn validate(&self) -> Result<(), NetError> {
        super::model::check_parameters(self)
    }

    fn advance(
        &self,
        state: &mut [Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        dt: f64,
        simd: SimdLevel,
    ) {
        if self.fits(state) {
            self.with_channels(|m, c| advance_channels(m, c, state, block, input, dt, simd));
        }
    }

    fn coefficients(
        &self,
        state: &[Vec<f64>],
        block: Range<usize>,
        input: SynapticInput<'_>,
        a: &mut [Vec<f64>],
        b: &mut [Vec<f64>],
        simd: SimdLevel,
    ) {
        if self.fits(state) {
            self.with_channels(|m, c| channel_coefficients(m, c, state, block, input, a, b, simd));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::channel::hh;

    #[test]
    fn default_initial_values_are_the_steady_state_at_minus_65_mv() {
        let x = HodgkinHuxley::classic().initial_values();
        let v = HodgkinHuxley::V_INIT;
        assert_eq!(x[0], v);
        for (got, gate) in x[1..4].iter().zip([hh::M_GATE, hh::H_GATE, hh::N_GATE]) {
            assert!((got - gate.steady_state(v)).abs() < 1e-14);
        }
        assert!(HodgkinHuxley::classic().validate().is_ok());
        let bad = HodgkinHuxley {
            g_na: -1.0,
            ..HodgkinHuxley::classic()
        };
        assert!(matches!(bad.validate(), Err(NetError::BadParameter { .. })));
    }
}
