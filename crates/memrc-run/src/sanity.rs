//! In-run range checks (issue #14 §3): a state that leaves its physical range during a run is
//! an error naming the variable, the unit or neuron and the time, instead of a run that goes on
//! at 5e296 V, fires at 10 kHz and exits 0.
//!
//! - Networks ([`check_network`], at every chunk boundary): membrane voltages within
//!   ±[`MEMBRANE_VOLTAGE`] (0.5 V), gates within `[0, 1]`, and no neuron firing faster than
//!   [`MAX_RATE_HZ`] sustained over [`MIN_RATE_SPIKES`] spikes.
//! - Hopfield networks ([`check_hopfield`], on every sample): unit voltages within the plausible
//!   range of a voltage ([`memrc_io::units::PLAUSIBLE`], ±10 V), as their initial values are
//!   checked at load.

use memrc::hopfield::HopfieldRun;
use memrc::net::{Network, PopulationInfo, RunResult, SpikeRecord};
use memrc_io::NetworkModel;
use memrc_io::units::{Dimension, MEMBRANE_VOLTAGE, check_plausible};

use crate::error::{Result, RunError};

/// Largest amount a gate may leave [0, 1] by rounding before it is an error.
const GATE_ROUNDING: f64 = 1e-9;

/// Highest plausible sustained firing rate of a neuron \[Hz\]: 1 kHz, the inverse of the ~1 ms
/// absolute refractory period of a sodium action potential (the time the Na⁺ channels need to
/// recover from inactivation; Hodgkin & Huxley 1952, Hille 2001), above the fastest sustained
/// rates recorded (fast-spiking interneurons and auditory neurons, a few hundred Hz up to
/// ~1 kHz). A model neuron firing faster for several spikes in a row has left the range its
/// equations describe (the Traub–Miles neuron of issue #14 fired at 10 kHz at 1.86 V).
pub const MAX_RATE_HZ: f64 = 1e3;

/// Fewest spikes of one neuron within one chunk for [`MAX_RATE_HZ`] to apply: four intervals
/// above 1 kHz are sustained firing, not a single short doublet.
pub const MIN_RATE_SPIKES: usize = 5;

fn out_of_range(what: &'static str, message: String) -> RunError {
    RunError::OutOfRange { what, message }
}

/// The network's state after a chunk `chunk` of the run `n` (issue #14 §3), in this order:
///
/// - a membrane voltage (a variable in V, the membrane potential of every neuron model) beyond
///   ±[`MEMBRANE_VOLTAGE`] (0.5 V: physiological potentials lie within −100…+60 mV and a
///   bilayer breaks down by electroporation at 0.5–1 V, Weaver & Chizmadzhev 1996);
/// - a gate (a dimensionless variable of the model: activations and inactivations, Hodgkin &
///   Huxley 1952) outside `[0, 1]` by more than rounding (10⁻⁹);
/// - a neuron with at least [`MIN_RATE_SPIKES`] spikes in the chunk at a mean rate above
///   [`MAX_RATE_HZ`].
///
/// NaN fails the first two (the engine stops on it first, as [`memrc::net::NetError::NonFinite`]).
pub fn check_network(net: &Network, n: &NetworkModel, chunk: &RunResult) -> Result<()> {
    let what = "simulating the network";
    let time = memrc::error::time_text(net.time());
    for ((population, _), vars) in n.populations.iter().zip(&n.variables) {
        for var in vars {
            let Some(x) = net.state(population, &var.name) else {
                continue;
            };
            // A distributed network's rank holds neurons first.. of the population.
            let first = net.held_range(population).map_or(0, |(lo, _)| lo);
            let bad = |x: f64| match var.unit.as_ref() {
                "V" if x.is_nan() || x.abs() > MEMBRANE_VOLTAGE => Some(format!(
                    "is beyond the plausible range ±{} V of a membrane voltage",
                    memrc::error::brief(MEMBRANE_VOLTAGE)
                )),
                "1" if x.is_nan() || !(-GATE_ROUNDING..=1.0 + GATE_ROUNDING).contains(&x) => {
                    Some("is outside the range [0, 1] of a gate".to_string())
                }
                _ => None,
            };
            if let Some((i, m)) = x
                .iter()
                .enumerate()
                .find_map(|(i, &x)| bad(x).map(|m| (i, m)))
            {
                return Err(out_of_range(
                    what,
                    format!(
                        "{} ({}) of neuron {} in population '{population}' = {}{} by t = {time} {m}: the model left its physical range",
                        var.name,
                        var.doc,
                        first + i,
                        memrc::error::brief(x[i]),
                        if var.unit == "1" {
                            String::new()
                        } else {
                            format!(" {}", var.unit)
                        },
                    ),
                ));
            }
        }
    }
    check_rates(
        (chunk.t_start, chunk.t_end),
        &chunk.spikes,
        &chunk.populations,
    )
}

/// The firing-rate part of [`check_network`]: the neuron with the most of the `spikes` of a
/// chunk over `(t_start, t_end)` \[s\], if it has at least [`MIN_RATE_SPIKES`] at a mean rate
/// above [`MAX_RATE_HZ`].
fn check_rates(
    (t_start, t_end): (f64, f64),
    spikes: &SpikeRecord,
    populations: &[PopulationInfo],
) -> Result<()> {
    let what = "simulating the network";
    let span = t_end - t_start;
    if spikes.ids.len() < MIN_RATE_SPIKES || span.is_nan() || span <= 0.0 {
        return Ok(());
    }
    let mut counts: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for &id in &spikes.ids {
        *counts.entry(id).or_default() += 1;
    }
    let Some((&id, &count)) = counts
        .iter()
        .max_by_key(|&(&id, &c)| (c, std::cmp::Reverse(id)))
    else {
        return Ok(());
    };
    let rate = count as f64 / span;
    if count < MIN_RATE_SPIKES || rate <= MAX_RATE_HZ {
        return Ok(());
    }
    let id = id as usize;
    let (population, index) = populations
        .iter()
        .find(|p| (p.offset..p.offset + p.size).contains(&id))
        .map_or(("?", id), |p| (p.name.as_str(), id - p.offset));
    Err(out_of_range(
        what,
        format!(
            "neuron {index} in population '{population}' fired {count} spikes between t = {} and {}, at {} Hz, above the plausible sustained rate of {} Hz (1/the ~1 ms refractory period): the model left its physical range, or its 'refractory' is shorter than the time v stays above 'threshold' (one action potential then counts as many spikes)",
            memrc::error::time_text(t_start),
            memrc::error::time_text(t_end),
            memrc::error::brief(rate.round()),
            memrc::error::brief(MAX_RATE_HZ)
        ),
    ))
}

/// Every sample of a Hopfield run's unit voltages within the plausible range of a voltage
/// ([`memrc_io::units::PLAUSIBLE`], ±10 V; NaN fails), the range the initial values are
/// checked against at load: the first sample beyond it is an error naming the unit (`V<k>`,
/// 1-based as in the columns), its value and the time (paper eq. 50, `C V̇ = −W Φ(V) + I`:
/// with activations bounded by 1, `|V|` grows at most by `(‖W‖∞ + |I|)/C` per second).
pub fn check_hopfield(run: &HopfieldRun) -> Result<()> {
    let v = &run.voltages;
    let n = v.dim().max(1);
    let bad = v.data().iter().enumerate().find_map(|(i, &x)| {
        check_plausible(x, Dimension::VOLTAGE)
            .err()
            .map(|m| (i, x, m))
    });
    match bad {
        None => Ok(()),
        Some((i, x, m)) => Err(out_of_range(
            "simulating the Hopfield network",
            format!(
                "the voltage V{} of unit {} = {} V at t = {} {m}: the model left its physical range",
                i % n + 1,
                i % n + 1,
                memrc::error::brief(x),
                memrc::error::time_text(v.grid().time(i / n))
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn populations() -> Vec<PopulationInfo> {
        vec![
            PopulationInfo {
                name: "exc".into(),
                offset: 0,
                size: 8,
            },
            PopulationInfo {
                name: "inh".into(),
                offset: 8,
                size: 2,
            },
        ]
    }

    /// `count` spikes of global neuron `id`, evenly over `(0, span)`.
    fn train(id: u32, count: usize, span: f64) -> SpikeRecord {
        SpikeRecord {
            times: (0..count)
                .map(|k| (k as f64 + 0.5) * span / count as f64)
                .collect(),
            ids: vec![id; count],
        }
    }

    /// 10 kHz (issue #14: a Traub–Miles neuron at 1.86 V) over 1 ms is an error naming the
    /// neuron, its population, the count and the window; 900 Hz, or 2 spikes 0.1 ms apart
    /// (a doublet, fewer than MIN_RATE_SPIKES), are not.
    #[test]
    fn a_rate_above_1_khz_sustained_over_five_spikes_is_an_error() {
        let pops = populations();
        let e = check_rates((0.0, 1e-3), &train(9, 10, 1e-3), &pops)
            .expect_err("10 kHz")
            .to_string();
        assert!(
            e.contains("neuron 1 in population 'inh' fired 10 spikes")
                && e.contains("at 10000 Hz, above the plausible sustained rate of 1000 Hz"),
            "{e}"
        );
        assert!(check_rates((0.0, 10e-3), &train(3, 9, 10e-3), &pops).is_ok());
        assert!(check_rates((0.0, 0.1e-3), &train(3, 2, 0.1e-3), &pops).is_ok());
        // Exactly at the bound passes: 5 spikes in 5 ms.
        assert!(check_rates((0.0, 5e-3), &train(0, 5, 5e-3), &pops).is_ok());
        // Ten neurons at 4 kHz, each with fewer than MIN_RATE_SPIKES: the total does not count.
        let mut all = SpikeRecord::default();
        for id in 0..10 {
            let t = train(id, 4, 1e-3);
            all.times.extend(t.times);
            all.ids.extend(t.ids);
        }
        assert!(check_rates((0.0, 1e-3), &all, &pops).is_ok());
    }
}
