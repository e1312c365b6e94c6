//! External inputs of a network: currents that vary in time, injected into chosen neurons of a
//! population, and Poisson spike trains arriving at a receptor (Brian2's `PoissonInput`).
//!
//! **Currents** ([`InputSpec::current`]): a [`Stimulus`] (pulse, step, sine, samples, … \[A\])
//! added to the neurons' constant injected current `i_ext` for every step as its average over
//! the step, `(1/dt)∫ I dt` from `t_s` to `t_s + dt` ([`Stimulus::average`]): exact for pulses
//! and steps whose edges lie on the grid (edges within 1e-9 steps of a grid time are moved onto
//! it), and the midpoint value to O(dt²) otherwise. Within a
//! step `i_ext` is constant for every scheme (the adaptive ones too), so a stimulus with edges
//! off the grid is seen step-averaged.
//!
//! **Poisson trains** ([`InputSpec::poisson`]): each chosen neuron receives its own Poisson
//! train of `rate` \[Hz\]; the `k` events falling in step `s` add `k · weight` \[S\] to the
//! receptor at the start of the step, as spikes delivered then would. `k` is drawn from the
//! Poisson distribution of mean `rate · dt` by inversion of a uniform number that depends only
//! on the seed, the input, the neuron's global id and the step (SplitMix64, Steele, Lea & Flood,
//! OOPSLA 2014), so runs are bitwise identical for any number of threads and any chunking.

use crate::circuit::stimulus::Stimulus;
use crate::error::{NetError, Subject};

/// What an input needs to know of a built population.
pub(crate) struct PopView<'a> {
    pub(crate) name: &'a str,
    pub(crate) size: usize,
    /// First global id.
    pub(crate) offset: usize,
    /// First population-local neuron held here (`state` starts with it).
    pub(crate) lo: usize,
    /// Receptor names, in order.
    pub(crate) receptors: Vec<&'a str>,
    /// The model variables' values (`i_ext` among them).
    pub(crate) state: &'a [Vec<f64>],
}

/// A variable an input acts on: model variable `k` or receptor `r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Var {
    /// Model variable.
    Model(usize),
    /// Receptor conductance.
    Receptor(usize),
    /// Anything else (not an input's target).
    Other,
}

/// The neurons of one population a worker owns: `lo..hi` (population-local) and their
/// variables, as the engine keeps them.
pub(crate) trait Target {
    /// The owned range of neurons.
    fn range(&self) -> (usize, usize);
    /// Model variable `k` of the owned neurons.
    fn variable(&mut self, k: usize) -> &mut [f64];
    /// Receptor conductance `r` of the owned neurons.
    fn receptor(&mut self, r: usize) -> &mut [f64];
}

/// What an input does.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    /// A current \[A\] added to `i_ext`.
    Current(Stimulus),
    /// A Poisson train of `rate` \[Hz\] into `receptor`, each event adding `weight` \[S\].
    Poisson {
        /// Receptor name.
        receptor: String,
        /// Rate \[Hz\], `≥ 0`.
        rate: f64,
        /// Conductance added per event \[S\], `≥ 0`.
        weight: f64,
    },
}

/// An external input to neurons of a population (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    pub(crate) population: String,
    pub(crate) neurons: Option<Vec<usize>>,
    pub(crate) kind: InputKind,
}

impl InputSpec {
    /// The current `stimulus` \[A\] into every neuron of `population` (see [`Self::neurons`]).
    pub fn current(population: impl Into<String>, stimulus: Stimulus) -> Self {
        Self {
            population: population.into(),
            neurons: None,
            kind: InputKind::Current(stimulus),
        }
    }

    /// An independent Poisson train of `rate` \[Hz\] into `receptor` of every neuron of
    /// `population`, each event adding `weight` \[S\].
    pub fn poisson(
        population: impl Into<String>,
        receptor: impl Into<String>,
        rate: f64,
        weight: f64,
    ) -> Self {
        Self {
            population: population.into(),
            neurons: None,
            kind: InputKind::Poisson {
                receptor: receptor.into(),
                rate,
                weight,
            },
        }
    }

    /// Only these neurons (population-local indices; default all).
    pub fn neurons(mut self, neurons: Vec<usize>) -> Self {
        self.neurons = Some(neurons);
        self
    }
}

/// An input as the engine applies it.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pop: usize,
    /// First global id of the population.
    offset: u64,
    /// Population-local neuron indices, ascending, distinct.
    neurons: Vec<usize>,
    kind: Applied,
}

#[derive(Debug, Clone)]
enum Applied {
    Current {
        var: usize,
        stimulus: Stimulus,
    },
    Poisson {
        receptor: usize,
        /// `rate · dt`.
        mean: f64,
        weight: f64,
        /// The input's key into the random numbers.
        key: u64,
    },
}

/// Largest mean number of Poisson events per step (inversion stays exact and cheap).
const MAX_MEAN: f64 = 100.0;

/// Checks the inputs against the built populations; returns them and, per population, the
/// base `i_ext` of its neurons (empty for a population without current inputs).
/// The `i_ext` current inputs add to: (first population-local neuron, values of the neurons
/// held here).
pub(crate) type Base = (usize, Vec<f64>);

pub(crate) fn build(
    specs: &[InputSpec],
    pops: &[PopView<'_>],
    dt: f64,
    seed: u64,
    var_ref: impl Fn(usize, &str) -> Result<Var, NetError>,
) -> Result<(Vec<Input>, Vec<Base>), NetError> {
    let mut inputs = Vec::with_capacity(specs.len());
    let mut base: Vec<Base> = vec![(0, Vec::new()); pops.len()];
    for (index, spec) in specs.iter().enumerate() {
        let subject = |key| Subject::Input { index, key };
        let Some(pop) = pops.iter().position(|p| p.name == spec.population) else {
            return Err(NetError::UnknownPopulation {
                name: spec.population.clone(),
                suggestion: crate::error::suggest(&spec.population, pops.iter().map(|p| p.name)),
            });
        };
        let size = pops[pop].size;
        let mut neurons = spec.neurons.clone().unwrap_or_else(|| (0..size).collect());
        if let Some(&bad) = neurons.iter().find(|&&i| i >= size) {
            return Err(NetError::IndexOutOfRange {
                subject: subject("neurons"),
                index: bad,
                size,
            });
        }
        neurons.sort_unstable();
        neurons.dedup();
        let kind = match &spec.kind {
            InputKind::Current(stimulus) => {
                stimulus.validate().map_err(NetError::Channel)?;
                let var = match var_ref(pop, "i_ext")? {
                    Var::Model(v) => v,
                    _ => {
                        return Err(NetError::UnknownVariable {
                            population: spec.population.clone(),
                            variable: "i_ext".into(),
                            suggestion: None,
                        });
                    }
                };
                if base[pop].1.is_empty() {
                    base[pop] = (pops[pop].lo, pops[pop].state[var].clone());
                }
                Applied::Current {
                    var,
                    stimulus: snap(stimulus, dt),
                }
            }
            InputKind::Poisson {
                receptor,
                rate,
                weight,
            } => {
                let r = match var_ref(pop, receptor) {
                    Ok(Var::Receptor(r)) => r,
                    _ => {
                        return Err(NetError::UnknownReceptor {
                            population: spec.population.clone(),
                            receptor: receptor.clone(),
                            suggestion: crate::error::suggest(
                                receptor,
                                pops[pop].receptors.iter().copied(),
                            ),
                        });
                    }
                };
                let mean = rate * dt;
                if !(rate.is_finite() && *rate >= 0.0 && mean <= MAX_MEAN) {
                    return Err(NetError::bad_parameter(
                        subject("rate"),
                        *rate,
                        "a finite rate >= 0 Hz with at most 100 events per step",
                    ));
                }
                if !(weight.is_finite() && *weight >= 0.0) {
                    return Err(NetError::bad_parameter(
                        subject("weight"),
                        *weight,
                        "a finite conductance >= 0 S",
                    ));
                }
                Applied::Poisson {
                    receptor: r,
                    mean,
                    weight: *weight,
                    key: mix(seed ^ mix(0x1_0000_0000 + index as u64)),
                }
            }
        };
        inputs.push(Input {
            pop,
            offset: pops[pop].offset as u64,
            neurons,
            kind,
        });
    }
    Ok((inputs, base))
}

/// `stimulus` with the edges of a pulse or step that lie on the grid (within 1e-9 steps) moved
/// to the grid times exactly as the engine computes them (`k · dt`), so that a step entirely
/// inside the pulse sees its amplitude exactly.
fn snap(stimulus: &Stimulus, dt: f64) -> Stimulus {
    let on_grid = |t: f64| {
        let k = (t / dt).round();
        if (t / dt - k).abs() <= 1e-9 * k.abs().max(1.0) && k.abs() < 1e15 {
            k * dt
        } else {
            t
        }
    };
    match stimulus {
        Stimulus::Pulse {
            amplitude,
            start,
            end,
        } => Stimulus::Pulse {
            amplitude: *amplitude,
            start: on_grid(*start),
            end: on_grid(*end),
        },
        Stimulus::Step { amplitude, start } => Stimulus::Step {
            amplitude: *amplitude,
            start: on_grid(*start),
        },
        other => other.clone(),
    }
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The number of events of a Poisson variable of mean `mean` for the uniform `u` ∈ [0, 1)
/// (inversion: the smallest `k` with `P(X ≤ k) > u`).
fn poisson_count(mean: f64, u: f64) -> u32 {
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u32;
    while u >= cdf && k < 10_000 {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
        if p == 0.0 && cdf <= u {
            break;
        }
    }
    k
}

/// Applies the inputs to the neurons of one shard for step `s` (from `t_s = s·dt`): sets the
/// current-driven `i_ext` to its base plus the inputs' step averages, and adds the Poisson
/// events to the receptors. Returns the events added.
pub(crate) fn apply<T: Target>(
    inputs: &[Input],
    base: &[Base],
    shard: &mut [T],
    s: u64,
    dt: f64,
) -> u64 {
    let (t0, t1) = (s as f64 * dt, (s + 1) as f64 * dt);
    // Currents: back to the base, then every input's average over the step.
    for pass in 0..2 {
        for inp in inputs {
            let Applied::Current { var, stimulus } = &inp.kind else {
                continue;
            };
            let ps = &mut shard[inp.pop];
            let (lo, hi) = ps.range();
            let a = inp.neurons.partition_point(|&i| i < lo);
            let b = inp.neurons.partition_point(|&i| i < hi);
            let col = ps.variable(*var);
            if pass == 0 {
                let (from, values) = &base[inp.pop];
                for &i in &inp.neurons[a..b] {
                    col[i - lo] = values[i - from];
                }
            } else {
                let x = stimulus.average(t0, t1);
                for &i in &inp.neurons[a..b] {
                    col[i - lo] += x;
                }
            }
        }
    }
    let mut events = 0;
    for inp in inputs {
        let Applied::Poisson {
            receptor,
            mean,
            weight,
            key,
        } = &inp.kind
        else {
            continue;
        };
        let ps = &mut shard[inp.pop];
        let (lo, hi) = ps.range();
        let offset = inp.offset;
        let a = inp.neurons.partition_point(|&i| i < lo);
        let b = inp.neurons.partition_point(|&i| i < hi);
        let g = ps.receptor(*receptor);
        let step_key = mix(key ^ mix(s));
        for &i in &inp.neurons[a..b] {
            let h = mix(step_key ^ (offset + i as u64));
            let u = (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            let k = poisson_count(*mean, u);
            if k > 0 {
                g[i - lo] += f64::from(k) * weight;
                events += u64::from(k);
            }
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_inversion_has_the_right_mean_and_variance() {
        for mean in [0.001, 0.05, 1.0, 7.5, 60.0] {
            let n = 200_000u64;
            let (mut s1, mut s2) = (0.0, 0.0);
            for j in 0..n {
                let u = (mix(j ^ 0xABCD) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                let k = f64::from(poisson_count(mean, u));
                s1 += k;
                s2 += k * k;
            }
            let m = s1 / n as f64;
            let var = s2 / n as f64 - m * m;
            // Standard error of the mean: sqrt(mean / n); 5 of them.
            let se = (mean / n as f64).sqrt();
            assert!((m - mean).abs() < 5.0 * se, "mean {mean}: {m}");
            assert!(
                (var - mean).abs() < 0.05 * mean + 10.0 * se,
                "mean {mean}: var {var}"
            );
        }
        assert_eq!(poisson_count(0.0, 0.999), 0);
    }
}
