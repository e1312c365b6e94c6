//! Current sources of a memRC circuit: `i(t)` injected into a node [A, or A/m² for per-area
//! neuron models].
//!
//! Solvers use the **exact average of `i` over each step** ([`Stimulus::average`]), so that a
//! pulse whose edges fall on grid nodes is represented exactly and one whose edges do not is
//! represented with the right charge.
//!
//! [`Stimulus::Wave`] with a [`Waveform`] is also the voltage drive of `memrc element NAME
//! --drive …` (there in V instead of A).

use std::f64::consts::TAU;
use std::fmt;

use crate::error::{ModelError, TrajectoryError};
use crate::trajectory::Trajectory;

/// Shape of a [`Stimulus::Wave`]: a unit-amplitude function `s(p)` of the phase `p = f t`
/// (in periods, `f` in Hz, `t` in s).
///
/// | waveform | `s(p)` |
/// |---|---|
/// | `sine` | `sin(2π p)` |
/// | `triangle` | `0 → 1` over the first quarter period, down to `−1` at three quarters, back to `0` (the phase of the sine) |
/// | `step` | `0` for `p < 1/4`, then `1` (one step, at a quarter period) |
/// | `pulse` | `1` for `p mod 1 ∈ [1/4, 1/2)`, `0` otherwise (a train of quarter-period pulses) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waveform {
    /// `sin(2π p)`.
    Sine,
    /// Symmetric triangle in phase with the sine.
    Triangle,
    /// One step from 0 to 1 at a quarter period.
    Step,
    /// Quarter-period pulses to 1, one per period.
    Pulse,
}

impl Waveform {
    /// Every waveform, in the order of the table above.
    pub const ALL: [Self; 4] = [Self::Sine, Self::Triangle, Self::Step, Self::Pulse];

    /// Lower-case name (`"sine"`, `"triangle"`, `"step"`, `"pulse"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sine => "sine",
            Self::Triangle => "triangle",
            Self::Step => "step",
            Self::Pulse => "pulse",
        }
    }

    /// The waveform called `name` (see [`Waveform::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The unit-amplitude shape `s(p)` at phase `p = f·t` (in periods).
    pub fn shape(self, p: f64) -> f64 {
        let frac = p - p.floor();
        match self {
            Self::Sine => (TAU * p).sin(),
            Self::Triangle => {
                if frac < 0.25 {
                    4.0 * frac
                } else if frac < 0.75 {
                    2.0 - 4.0 * frac
                } else {
                    4.0 * frac - 4.0
                }
            }
            Self::Step => {
                if p < 0.25 {
                    0.0
                } else {
                    1.0
                }
            }
            Self::Pulse => {
                if (0.25..0.5).contains(&frac) {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The integral `∫_0^p s(q) dq` of [`Waveform::shape`] (in periods), for exact averages.
    pub fn integral(self, p: f64) -> f64 {
        let whole = p.floor();
        let frac = p - whole;
        match self {
            Self::Sine => (1.0 - (TAU * p).cos()) / TAU,
            // Zero over each whole period.
            Self::Triangle => {
                if frac < 0.25 {
                    2.0 * frac * frac
                } else if frac < 0.75 {
                    0.125 + 2.0 * (frac - 0.25) - 2.0 * (frac * frac - 0.0625)
                } else {
                    0.125 + 2.0 * (frac * frac - 0.5625) - 4.0 * (frac - 0.75)
                }
            }
            Self::Step => (p - 0.25).max(0.0),
            // A quarter of each whole period.
            Self::Pulse => 0.25 * whole + (frac - 0.25).clamp(0.0, 0.25),
        }
    }
}

impl fmt::Display for Waveform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A current waveform `i(t)` \[A\].
#[derive(Debug, Clone, PartialEq)]
pub enum Stimulus {
    /// `amplitude` for `start ≤ t < end`, 0 otherwise (half-open, like a step: at each edge the
    /// value is the right limit, so a solver step that starts on an edge sees the new value).
    Pulse {
        /// Current during the pulse \[A\].
        amplitude: f64,
        /// Switch-on time \[s\].
        start: f64,
        /// Switch-off time \[s\].
        end: f64,
    },
    /// `amplitude` for `t ≥ start`, 0 before.
    Step {
        /// Current after the step \[A\].
        amplitude: f64,
        /// Step time \[s\].
        start: f64,
    },
    /// `offset + amplitude · sin(2π f t + phase)`.
    Sine {
        /// Amplitude \[A\].
        amplitude: f64,
        /// Frequency \[Hz\].
        frequency: f64,
        /// Phase \[rad\].
        phase: f64,
        /// Offset \[A\].
        offset: f64,
    },
    /// Linear interpolation between `(time, current)` points, constant beyond the ends.
    PiecewiseLinear {
        /// Increasing times \[s\].
        times: Vec<f64>,
        /// Currents \[A\].
        values: Vec<f64>,
    },
    /// A sampled current, linear between samples and zero outside its grid.
    Sampled(Trajectory),
    /// `offset + amplitude · s(f t)` with the unit shape `s` of a [`Waveform`].
    Wave {
        /// Shape `s`.
        waveform: Waveform,
        /// Amplitude \[A\].
        amplitude: f64,
        /// Frequency `f` \[Hz\].
        frequency: f64,
        /// Offset \[A\].
        offset: f64,
    },
}

impl Stimulus {
    /// Checks the parameters (finite values, `end > start`, increasing PWL times, …).
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |reason: String| ModelError::Inconsistent {
            element: "stimulus".into(),
            reason,
        };
        let finite = |name: &str, x: f64| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(bad(format!("{name} must be finite, got {x}")))
            }
        };
        // Finite `fields` and a frequency ≥ 0 (sine and wave).
        let periodic = |fields: &[(&str, f64)], frequency: f64| {
            for (n, x) in fields {
                finite(n, *x)?;
            }
            if frequency < 0.0 {
                return Err(bad(format!("frequency must be ≥ 0, got {frequency}")));
            }
            Ok(())
        };
        match self {
            Self::Pulse {
                amplitude,
                start,
                end,
            } => {
                finite("amplitude", *amplitude)?;
                finite("start", *start)?;
                finite("end", *end)?;
                if end < start {
                    return Err(bad(format!(
                        "pulse end {end} s is before its start {start} s"
                    )));
                }
            }
            Self::Step { amplitude, start } => {
                finite("amplitude", *amplitude)?;
                finite("start", *start)?;
            }
            Self::Sine {
                amplitude,
                frequency,
                phase,
                offset,
            } => periodic(
                &[
                    ("amplitude", *amplitude),
                    ("frequency", *frequency),
                    ("phase", *phase),
                    ("offset", *offset),
                ],
                *frequency,
            )?,
            Self::PiecewiseLinear { times, values } => {
                if times.is_empty() || times.len() != values.len() {
                    return Err(bad(format!(
                        "piecewise-linear stimulus needs equally many times and values (≥ 1), got {} and {}",
                        times.len(),
                        values.len()
                    )));
                }
                for (k, (t, v)) in times.iter().zip(values).enumerate() {
                    finite(&format!("time {k}"), *t)?;
                    finite(&format!("value {k}"), *v)?;
                    if k > 0 && *t <= times[k - 1] {
                        return Err(bad(format!(
                            "piecewise-linear times must increase: {} then {t}",
                            times[k - 1]
                        )));
                    }
                }
            }
            Self::Sampled(_) => {}
            Self::Wave {
                amplitude,
                frequency,
                offset,
                ..
            } => periodic(
                &[
                    ("amplitude", *amplitude),
                    ("frequency", *frequency),
                    ("offset", *offset),
                ],
                *frequency,
            )?,
        }
        Ok(())
    }

    /// `i(t)` \[A\].
    pub fn value(&self, t: f64) -> f64 {
        match self {
            Self::Pulse {
                amplitude,
                start,
                end,
            } => {
                if t >= *start && t < *end {
                    *amplitude
                } else {
                    0.0
                }
            }
            Self::Step { amplitude, start } => {
                if t >= *start {
                    *amplitude
                } else {
                    0.0
                }
            }
            Self::Sine {
                amplitude,
                frequency,
                phase,
                offset,
            } => offset + amplitude * (2.0 * std::f64::consts::PI * frequency * t + phase).sin(),
            Self::PiecewiseLinear { times, values } => pwl(times, values, t),
            Self::Sampled(tr) => {
                let mut out = [0.0];
                match tr.value_at(t, &mut out) {
                    Ok(()) => out[0],
                    Err(_) => 0.0,
                }
            }
            Self::Wave {
                waveform,
                amplitude,
                frequency,
                offset,
            } => offset + amplitude * waveform.shape(frequency * t),
        }
    }

    /// The right derivative `di/dt` at `t` \[A/s\] (zero across the jumps of a pulse, a step
    /// and the step and pulse waveforms, whose impulses it leaves out; the slope of the segment
    /// that starts at `t` for piecewise-linear and sampled currents).
    pub fn derivative(&self, t: f64) -> f64 {
        match self {
            Self::Pulse { .. } | Self::Step { .. } => 0.0,
            Self::Sine {
                amplitude,
                frequency,
                phase,
                ..
            } => {
                let w = TAU * frequency;
                amplitude * w * (w * t + phase).cos()
            }
            Self::PiecewiseLinear { times, values } => {
                let n = times.len();
                if n < 2 || t < times[0] || t >= times[n - 1] {
                    return 0.0;
                }
                let k = times.partition_point(|&x| x <= t) - 1;
                (values[k + 1] - values[k]) / (times[k + 1] - times[k])
            }
            Self::Sampled(tr) => {
                let g = tr.grid();
                let (t0, h) = (g.time(0), g.dt());
                let k = ((t - t0) / h).floor();
                if !(k >= 0.0 && k + 1.0 < g.len() as f64) {
                    return 0.0;
                }
                let k = k as usize;
                (tr.at(k + 1)[0] - tr.at(k)[0]) / h
            }
            Self::Wave {
                waveform,
                amplitude,
                frequency,
                ..
            } => {
                let p = frequency * t;
                let frac = p - p.floor();
                let slope = match waveform {
                    Waveform::Sine => TAU * (TAU * p).cos(),
                    Waveform::Triangle => {
                        if (0.25..0.75).contains(&frac) {
                            -4.0
                        } else {
                            4.0
                        }
                    }
                    Waveform::Step | Waveform::Pulse => 0.0,
                };
                amplitude * frequency * slope
            }
        }
    }

    /// The exact average `1/(b−a) ∫_a^b i(t) dt` over a step (`b > a`) \[A\].
    pub fn average(&self, a: f64, b: f64) -> f64 {
        let h = b - a;
        match self {
            Self::Pulse {
                amplitude,
                start,
                end,
            } => amplitude * (overlap(a, b, *start, *end) / h),
            // (The fraction first: a step entirely inside the pulse averages to the amplitude
            // exactly.)
            Self::Step { amplitude, start } => {
                amplitude * (overlap(a, b, *start, f64::INFINITY) / h)
            }
            Self::Sine {
                amplitude,
                frequency,
                phase,
                offset,
            } => {
                if *frequency == 0.0 {
                    return offset + amplitude * phase.sin();
                }
                let w = 2.0 * std::f64::consts::PI * frequency;
                offset - amplitude * ((w * b + phase).cos() - (w * a + phase).cos()) / (w * h)
            }
            Self::PiecewiseLinear { times, values } => {
                // Integrate the piecewise-linear function exactly: split at breakpoints.
                let mut cuts = vec![a];
                cuts.extend(times.iter().copied().filter(|&t| t > a && t < b));
                cuts.push(b);
                cuts.windows(2)
                    .map(|w| {
                        0.5 * (pwl(times, values, w[0]) + pwl(times, values, w[1])) * (w[1] - w[0])
                    })
                    .sum::<f64>()
                    / h
            }
            Self::Sampled(tr) => {
                let g = tr.grid();
                let mut cuts = vec![a];
                cuts.extend((0..g.len()).map(|k| g.time(k)).filter(|&t| t > a && t < b));
                cuts.push(b);
                cuts.windows(2)
                    .map(|w| 0.5 * (self.value(w[0]) + self.value(w[1])) * (w[1] - w[0]))
                    .sum::<f64>()
                    / h
            }
            Self::Wave {
                waveform,
                amplitude,
                frequency,
                offset,
            } => {
                if *frequency == 0.0 {
                    return self.value(a);
                }
                let (pa, pb) = (frequency * a, frequency * b);
                offset + amplitude * (waveform.integral(pb) - waveform.integral(pa)) / (pb - pa)
            }
        }
    }

    /// Appends to `out` the times in `[t0, t1]` at which `i(t)` or its first derivative jumps:
    /// pulse and step edges, the points of a piecewise-linear or sampled current, and the
    /// edges and kinks of the step, pulse and triangle [`Waveform`]s. A solver that evaluates
    /// the current at instants steps exactly onto them and restarts there, so that it keeps its
    /// order (`memrc::solver::Config::t_stops`).
    pub fn breakpoints(&self, t0: f64, t1: f64, out: &mut Vec<f64>) {
        let mut push = |t: f64| {
            if t >= t0 && t <= t1 {
                out.push(t);
            }
        };
        match self {
            Self::Pulse { start, end, .. } => {
                push(*start);
                push(*end);
            }
            Self::Step { start, .. } => push(*start),
            Self::Sine { .. } => {}
            Self::PiecewiseLinear { times, .. } => times.iter().copied().for_each(push),
            Self::Sampled(tr) => {
                let g = tr.grid();
                (0..g.len()).for_each(|k| push(g.time(k)));
            }
            Self::Wave {
                waveform,
                frequency,
                ..
            } => {
                let phases: &[f64] = match waveform {
                    Waveform::Sine => &[],
                    Waveform::Step => {
                        if *frequency > 0.0 {
                            push(0.25 / frequency);
                        }
                        &[]
                    }
                    Waveform::Triangle => &[0.25, 0.75],
                    Waveform::Pulse => &[0.25, 0.5],
                };
                if *frequency > 0.0 && !phases.is_empty() {
                    let (p0, p1) = (frequency * t0, frequency * t1);
                    let mut period = p0.floor();
                    while period <= p1 {
                        for ph in phases {
                            push((period + ph) / frequency);
                        }
                        period += 1.0;
                    }
                }
            }
        }
    }

    /// A sampled stimulus from a trajectory of dimension 1.
    pub fn sampled(tr: Trajectory) -> Result<Self, TrajectoryError> {
        if tr.dim() != 1 {
            return Err(TrajectoryError::Mismatch {
                what: "sampled stimulus dimension".into(),
                expected: 1,
                got: tr.dim(),
            });
        }
        Ok(Self::Sampled(tr))
    }
}

fn overlap(a: f64, b: f64, lo: f64, hi: f64) -> f64 {
    (b.min(hi) - a.max(lo)).max(0.0)
}

fn pwl(times: &[f64], values: &[f64], t: f64) -> f64 {
    let n = times.len();
    if n == 0 {
        return 0.0;
    }
    if t <= times[0] {
        return values[0];
    }
    if t >= times[n - 1] {
        return values[n - 1];
    }
    let k = times.partition_point(|&x| x <= t) - 1;
    let th = (t - times[k]) / (times[k + 1] - times[k]);
    (1.0 - th) * values[k] + th * values[k + 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trajectory::Grid;

    #[test]
    fn averages_are_exact() {
        let p = Stimulus::Pulse {
            amplitude: 10.0,
            start: 0.2,
            end: 0.25,
        };
        assert!((p.average(0.1, 0.3) - 2.5).abs() < 1e-12);
        assert_eq!(p.average(0.3, 0.4), 0.0);
        let s = Stimulus::Sine {
            amplitude: 1.0,
            frequency: 1.0,
            phase: 0.0,
            offset: 0.5,
        };
        assert!((s.average(0.0, 1.0) - 0.5).abs() < 1e-14);
        assert!((s.average(0.0, 0.5) - (0.5 + 2.0 / std::f64::consts::PI)).abs() < 1e-12);
        let l = Stimulus::PiecewiseLinear {
            times: vec![0.0, 1.0, 2.0],
            values: vec![0.0, 2.0, 0.0],
        };
        assert!((l.average(0.5, 1.5) - 1.5).abs() < 1e-14);
        assert!((l.value(1.5) - 1.0).abs() < 1e-14);
        let tr =
            Trajectory::from_fn(Grid::span(0.0, 1.0, 4).expect("grid"), |t| t).expect("finite");
        let sm = Stimulus::sampled(tr).expect("scalar");
        assert!((sm.average(0.1, 0.9) - 0.5).abs() < 1e-14);
        assert_eq!(sm.value(2.0), 0.0);
    }

    #[test]
    fn waves_have_exact_averages() {
        for waveform in Waveform::ALL {
            let s = Stimulus::Wave {
                waveform,
                amplitude: 2.0,
                frequency: 5.0,
                offset: 0.5,
            };
            // Against a fine midpoint rule over spans that cross the edges (its error is at
            // most |A|·h/(b − a) = 1e-5 per edge of the step and pulse).
            for (a, b) in [(0.0, 0.2), (0.01, 0.37), (0.049, 0.051), (0.3, 0.45)] {
                let n = 200_000;
                let h = (b - a) / f64::from(n);
                let mid = (0..n)
                    .map(|k| s.value(a + (f64::from(k) + 0.5) * h))
                    .sum::<f64>()
                    / f64::from(n);
                assert!(
                    (s.average(a, b) - mid).abs() < 1e-4,
                    "{waveform} on [{a}, {b}]"
                );
            }
        }
        // The shape's integral is continuous across the period boundary.
        for waveform in Waveform::ALL {
            let (below, at) = (waveform.integral(1.0 - 1e-12), waveform.integral(1.0));
            assert!((below - at).abs() < 1e-9, "{waveform}");
        }
    }

    #[test]
    fn invalid_stimuli_are_rejected() {
        assert!(
            Stimulus::Pulse {
                amplitude: 1.0,
                start: 2.0,
                end: 1.0
            }
            .validate()
            .is_err()
        );
        assert!(
            Stimulus::Step {
                amplitude: f64::NAN,
                start: 0.0
            }
            .validate()
            .is_err()
        );
        assert!(
            Stimulus::PiecewiseLinear {
                times: vec![0.0, 0.0],
                values: vec![1.0, 2.0]
            }
            .validate()
            .is_err()
        );
    }
}
