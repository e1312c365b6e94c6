//! Ion channels: memristive one-ports in series with a battery (paper §II Example 1, §V).
//!
//! A channel branch carries `i = g(x) (v_m − E)` with `v_m` the membrane voltage and `E` the
//! reversal potential, reported by [`Element::battery`]. Following the port convention of
//! [`crate::element`], every trait method takes `w = v_m − E` and evaluates the gating kinetics
//! at `v_m = w + E`. Gated channels have `g = ḡ ∏ x_j^{p_j}` with gating variables obeying
//! `ẋ = α(v_m)(1 − x) − β(v_m) x` ([`gate`]), so they are
//! [`StateForm::Linear`](crate::element::StateForm::Linear) with closed-form Jacobians
//! (`∂g/∂w = 0`: the conductance depends on the voltage only through the gates).
//!
//! Units: conductance densities \[S/m²\] (1 mS/cm² = 10 S/m²), current densities \[A/m²\]
//! (1 µA/cm² = 0.01 A/m²), voltages \[V\], rates \[1/s\].
//!
//! | catalogue name | type | conductance | source |
//! |---|---|---|---|
//! | `hh-na` | [`HhSodium`] | `ḡ m³ h` | Hodgkin & Huxley 1952 (−65 mV convention) |
//! | `hh-k` | [`HhPotassium`] | `ḡ n⁴` | Hodgkin & Huxley 1952 |
//! | `leak` | [`Leak`] | `ḡ` | Hodgkin & Huxley 1952 |
//! | `traub-na` | [`TraubSodium`] | `ḡ m³ h` | Traub & Miles 1991 (Brian2 COBAHH) |
//! | `traub-k` | [`TraubPotassium`] | `ḡ n⁴` | Traub & Miles 1991 (Brian2 COBAHH) |
//!
//! The rate functions are public ([`hh::alpha_m`], [`traub::alpha_m`], …, with derivatives
//! [`hh::d_alpha_m`], …) so neuron code can use them without going through the trait.
//!
//! [`Element::battery`]: crate::element::Element::battery

use super::Entry;
use super::KindInfo;
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Declares a gated channel kind (`g = ḡ ∏ x_j^{p_j}` in series with `E`, paper eq. 60): the
/// struct, its [`KindInfo`] (parameters `gbar`, `e_rev` first), its constructors, and its
/// [`Element`](crate::element::Element) implementation over
/// [`GatedConductance`]; the kind converts to a network
/// [`Mechanism`](crate::element::mechanism::Mechanism) through
/// [`Element::mechanism`](crate::element::Element::mechanism). A new channel in Rust is one
/// invocation (its gate kinetics as data) plus its line in the catalogue.
macro_rules! gated_channel {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident(GatedConductance<$n:literal>) {
            kind: $kind:expr,
            gates: |$p:ident| $gates:expr,
            powers: $powers:expr $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $ty {
            params: $crate::params::ParamSet,
            channel: $crate::element::channel::GatedConductance<$n>,
        }

        impl $ty {
            /// Kind description.
            pub const KIND: $crate::element::KindInfo = $kind;

            /// Builds the channel from a validated parameter set of this kind.
            pub fn new(
                params: &$crate::params::ParamSet,
            ) -> Result<Self, $crate::error::ModelError> {
                $crate::element::channel::check_kind(params, &Self::KIND)?;
                let $p = params;
                Ok(Self {
                    params: params.clone(),
                    channel: $crate::element::channel::GatedConductance {
                        gates: $gates,
                        powers: $powers,
                        gbar: params.get("gbar"),
                        e_rev: params.get("e_rev"),
                    },
                })
            }

            /// Catalogue constructor: defaults overridden by `(key, value)` pairs \[SI\].
            pub fn build(
                overrides: &[(&str, f64)],
            ) -> Result<Box<dyn $crate::element::Element>, $crate::error::ModelError> {
                let p = $crate::params::ParamSet::with_overrides(
                    Self::KIND.name,
                    Self::KIND.params,
                    overrides,
                )?;
                Ok(Box::new(Self::new(&p)?))
            }

            /// The conductance model (gates, exponents, `ḡ`, `E`).
            pub fn channel(&self) -> &$crate::element::channel::GatedConductance<$n> {
                &self.channel
            }
        }

        impl $crate::element::Element for $ty {
            fn info(&self) -> &'static $crate::element::KindInfo {
                &Self::KIND
            }

            fn param_values(&self) -> Vec<(&'static str, f64)> {
                self.params.pairs()
            }

            fn battery(&self, port: usize) -> f64 {
                if port == 0 { self.channel.e_rev } else { 0.0 }
            }

            fn initial_state(&self, v: &[f64], x: &mut [f64]) {
                self.channel.initial_state(v[0], x);
            }

            fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
                self.channel.state_rhs(x, v[0], dx);
            }

            fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
                g[0] = self.channel.conductance(x);
            }

            fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
                self.channel.linear_coefficients(v[0], a, b);
                true
            }

            fn state_form(&self) -> $crate::element::StateForm {
                $crate::element::StateForm::Linear
            }

            fn jacobian(&self, x: &[f64], v: &[f64], jac: &mut $crate::element::ElementJacobian) {
                self.channel.jacobian(x, v[0], jac);
            }

            fn mechanism(&self) -> Option<$crate::element::mechanism::Mechanism> {
                Some(
                    $crate::element::mechanism::GatedChannel::of(&Self::KIND, &self.channel)
                        .into(),
                )
            }
        }
    };
}

pub use super::gate;
pub mod hh;
pub mod traub;

pub use gate::{GateCoefficients, GateKinetics, GatedConductance, VoltageFn, linoid_slope};
pub use hh::{HhPotassium, HhSodium, Leak};
pub use traub::{TraubPotassium, TraubSodium};

/// Catalogue entries of this family.
pub const CATALOGUE: &[Entry] = &[
    Entry {
        info: &HhSodium::KIND,
        build: HhSodium::build,
    },
    Entry {
        info: &HhPotassium::KIND,
        build: HhPotassium::build,
    },
    Entry {
        info: &Leak::KIND,
        build: Leak::build,
    },
    Entry {
        info: &TraubSodium::KIND,
        build: TraubSodium::build,
    },
    Entry {
        info: &TraubPotassium::KIND,
        build: TraubPotassium::build,
    },
];

/// The `gbar` entry of a channel's parameter table: maximal conductance density \[S/m²\],
/// `[0, ∞)`.
pub(crate) const fn gbar(default: f64) -> ParamInfo {
    ParamInfo::new(
        "gbar",
        "S/m^2",
        default,
        0.0,
        f64::INFINITY,
        "maximal conductance density",
    )
}

/// The `e_rev` entry of a channel's parameter table: reversal potential \[V\], `[−1, 1]`.
pub(crate) const fn e_rev(default: f64) -> ParamInfo {
    ParamInfo::new(
        "e_rev",
        "V",
        default,
        -1.0,
        1.0,
        "reversal potential (battery in series)",
    )
}

/// Checks that `params` was made for the kind `info` (a set of another kind would silently
/// miss keys).
pub(crate) fn check_kind(params: &ParamSet, info: &KindInfo) -> Result<(), ModelError> {
    if params.element() == info.name {
        Ok(())
    } else {
        Err(params.inconsistent(format!(
            "parameter set of '{}' given to the constructor of '{}'",
            params.element(),
            info.name
        )))
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::element::{Element, ElementJacobian, finite_difference_jacobian};

    fn assert_close_blocks(name: &str, got: &[f64], want: &[f64], rel: f64) {
        let scale = want.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= rel * w.abs().max(1e-3 * scale).max(1e-300),
                "{name}[{k}]: {g} vs {w}"
            );
        }
    }

    /// Each rate's closed-form derivative against a central difference (step 1e-7 V) from
    /// −100 to +20 mV, to `1e-7` relative plus the difference's rounding.
    pub(crate) fn check_rate_slopes(rates: &[crate::element::gate::VoltageFn]) {
        for f in rates {
            for k in 0..=24 {
                let v = -0.100 + 0.005 * f64::from(k);
                let h = 1e-7;
                let fd = (f.eval(v + h) - f.eval(v - h)) / (2.0 * h);
                let (y, d) = f.eval_with_slope(v);
                let tol = 1e-7 * d.abs() + 1e-15 * y.abs() / h;
                assert!((d - fd).abs() <= tol, "{f:?} at {v}: {d} vs {fd}");
            }
        }
    }

    /// Compares an element's closed-form Jacobian with central finite differences (rel 1e-6).
    pub(crate) fn check_jacobian(el: &dyn Element, x: &[f64], v: &[f64]) {
        let mut exact = ElementJacobian::for_element(el);
        let mut fd = ElementJacobian::for_element(el);
        // Dirty buffers: the closed form must write every entry.
        for block in [
            &mut exact.df_dx,
            &mut exact.df_dv,
            &mut exact.dg_dx,
            &mut exact.dg_dv,
        ] {
            block.iter_mut().for_each(|e| *e = 7.0);
        }
        el.jacobian(x, v, &mut exact);
        finite_difference_jacobian(el, x, v, &mut fd);
        let n = el.info().name;
        assert_close_blocks(&format!("{n} df_dx"), &exact.df_dx, &fd.df_dx, 1e-6);
        assert_close_blocks(&format!("{n} df_dv"), &exact.df_dv, &fd.df_dv, 1e-6);
        assert_close_blocks(&format!("{n} dg_dx"), &exact.dg_dx, &fd.dg_dx, 1e-6);
        assert!(exact.dg_dv.iter().all(|&e| e == 0.0), "{n}: dg/dv = 0");
        assert!(
            fd.dg_dv.iter().all(|&e| e.abs() < 1e-6),
            "{n}: fd dg/dv = {:?}",
            fd.dg_dv
        );
    }
}
