//! Voltage waveforms that drive one element (`memrc element NAME --drive …`, Python
//! `Element.drive("sine", …)`), generated as memrc [`Trajectory`]s.
//!
//! A [`Drive`] describes the **terminal** voltage `v(t)` \[V\] applied to the driven port (the
//! membrane voltage for channels and synapses). With period `T = 1/f`, offset `V0` and amplitude
//! `A`:
//!
//! `v(t) = V0 + A s(f t)`, the library's [`Stimulus::Wave`] with the unit shape `s` of a
//! [`Waveform`] (in V instead of A):
//!
//! | waveform | `v(t)` |
//! |---|---|
//! | `sine` | `V0 + A sin(2π f t)` |
//! | `triangle` | `V0 + A tri(f t)`: `0 → A` over the first quarter period, down to `−A` at three quarters, back to `0` (the phase of the sine) |
//! | `step` | `V0` for `t < T/4`, then `V0 + A` for the rest of the run (a voltage-clamp step) |
//! | `pulse` | `V0 + A` for `t mod T ∈ [T/4, T/2)`, `V0` otherwise (a train of quarter-period pulses) |
//!
//! The run lasts `periods · T` and is sampled every `dt` (the last step is shortened so the grid
//! ends exactly at `periods · T`; see [`Drive::grid`]). Between samples memrc reads signals as
//! piecewise linear, so the edges of `step` and `pulse` are ramps one sample long.

use memrc::circuit::Stimulus;
use memrc::circuit::stimulus::Waveform;
use memrc::{Grid, Trajectory};
use memrc_io::units;
use thiserror::Error;

/// A complete, validated drive description (SI units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drive {
    /// Waveform.
    pub waveform: Waveform,
    /// Amplitude `A` \[V\].
    pub amplitude: f64,
    /// Frequency `f` \[Hz\].
    pub frequency: f64,
    /// Offset `V0` \[V\] (the holding potential for `step` and `pulse`).
    pub offset: f64,
    /// Number of periods `P` (may be fractional).
    pub periods: f64,
    /// Sampling step \[s\].
    pub dt: f64,
}

/// Largest number of samples a drive may have (guards against `dt = 1e-12` filling the
/// memory and the disk).
pub const MAX_SAMPLES: usize = 5_000_000;

/// Why a drive is invalid. `field` names the setting as the caller spells it (`dt`,
/// `frequency`, …; the command line prefixes its flags' `--` with [`DriveError::flag`]).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DriveError {
    /// A setting is NaN or infinite.
    #[error("{field} must be a finite number, got {value}")]
    NotFinite {
        /// The setting.
        field: String,
        /// Its value.
        value: f64,
    },
    /// `frequency`, `periods` or `dt` is not positive.
    #[error("{field} must be positive, got {value}{}", unit_suffix(unit))]
    NotPositive {
        /// The setting.
        field: String,
        /// Its value.
        value: f64,
        /// Its unit (empty for `periods`).
        unit: &'static str,
    },
    /// The step gives more than [`MAX_SAMPLES`] samples.
    #[error(
        "{field} {dt} s gives {samples:.3e} samples over {duration} s, more than the limit of \
         {MAX_SAMPLES}; use a larger {field} or fewer periods"
    )]
    TooManySamples {
        /// The setting (`dt`).
        field: String,
        /// Step \[s\].
        dt: f64,
        /// Samples it would give.
        samples: f64,
        /// Run length \[s\].
        duration: f64,
    },
    /// The step is longer than half the run.
    #[error("{field} {dt} s is longer than half the run ({duration} s); use a smaller {field}")]
    TooFewSamples {
        /// The setting (`dt`).
        field: String,
        /// Step \[s\].
        dt: f64,
        /// Run length \[s\].
        duration: f64,
    },
    /// No waveform has that name.
    #[error("unknown waveform '{name}': expected one of {}", waveform_names())]
    UnknownWaveform {
        /// The name given.
        name: String,
    },
    /// The library refused the sampling grid or the signal.
    #[error(transparent)]
    Library(#[from] memrc::Error),
}

impl DriveError {
    /// The same error with the setting's name prefixed, e.g. `--` for command-line flags.
    pub fn flag(self, prefix: &str) -> Self {
        let named = |field: String| format!("{prefix}{field}");
        match self {
            Self::NotFinite { field, value } => Self::NotFinite {
                field: named(field),
                value,
            },
            Self::NotPositive { field, value, unit } => Self::NotPositive {
                field: named(field),
                value,
                unit,
            },
            Self::TooManySamples {
                field,
                dt,
                samples,
                duration,
            } => Self::TooManySamples {
                field: named(field),
                dt,
                samples,
                duration,
            },
            Self::TooFewSamples {
                field,
                dt,
                duration,
            } => Self::TooFewSamples {
                field: named(field),
                dt,
                duration,
            },
            other => other,
        }
    }
}

fn waveform_names() -> String {
    Waveform::ALL.map(Waveform::name).join(", ")
}

/// The waveform called `name` (`sine`, `triangle`, `step`, `pulse`).
pub fn waveform(name: &str) -> Result<Waveform, DriveError> {
    Waveform::from_name(name.trim()).ok_or_else(|| DriveError::UnknownWaveform {
        name: name.to_string(),
    })
}

impl Drive {
    /// Checks finiteness and signs of every field and the sample count.
    pub fn validate(&self) -> Result<(), DriveError> {
        let d = self;
        for (field, value) in [
            ("amplitude", d.amplitude),
            ("frequency", d.frequency),
            ("offset", d.offset),
            ("periods", d.periods),
            ("dt", d.dt),
        ] {
            if !value.is_finite() {
                return Err(DriveError::NotFinite {
                    field: field.into(),
                    value,
                });
            }
        }
        for (field, value, unit) in [
            ("frequency", d.frequency, "Hz"),
            ("periods", d.periods, ""),
            ("dt", d.dt, "s"),
        ] {
            if value <= 0.0 {
                return Err(DriveError::NotPositive {
                    field: field.into(),
                    value,
                    unit,
                });
            }
        }
        let samples = self.duration() / d.dt;
        if !samples.is_finite() || samples > MAX_SAMPLES as f64 {
            return Err(DriveError::TooManySamples {
                field: "dt".into(),
                dt: d.dt,
                samples,
                duration: self.duration(),
            });
        }
        if samples < 2.0 {
            return Err(DriveError::TooFewSamples {
                field: "dt".into(),
                dt: d.dt,
                duration: self.duration(),
            });
        }
        Ok(())
    }

    /// Run length `periods / frequency` \[s\].
    pub fn duration(&self) -> f64 {
        self.periods / self.frequency
    }

    /// The sampling grid: `ceil(duration/dt)` equal steps from 0 to the duration, so the step is
    /// at most `dt` and the run ends exactly after `periods` periods.
    pub fn grid(&self) -> Result<Grid, DriveError> {
        self.validate()?;
        let steps = (self.duration() / self.dt - 1e-9).ceil().max(1.0) as usize;
        Ok(Grid::span(0.0, self.duration(), steps).map_err(memrc::Error::from)?)
    }

    /// The terminal voltage as a library stimulus, `v(t) = V0 + A s(f t)` \[V\].
    pub fn stimulus(&self) -> Stimulus {
        Stimulus::Wave {
            waveform: self.waveform,
            amplitude: self.amplitude,
            frequency: self.frequency,
            offset: self.offset,
        }
    }

    /// The terminal voltage on [`Drive::grid`] (a scalar trajectory) \[V\].
    pub fn trajectory(&self) -> Result<Trajectory, DriveError> {
        let grid = self.grid()?;
        let v = self.stimulus();
        Ok(Trajectory::from_fn(grid, |t| v.value(t)).map_err(memrc::Error::from)?)
    }
}

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    }
}

/// Parses a number with an optional SI-prefixed unit, e.g. `-65mV`, `0.1 ms`, `2kHz`, `1e-3`,
/// into SI base units, with [`units::parse_expected`].
///
/// A bare number is taken in SI base units. The unit, when given, must have the dimension of
/// `unit` (`"1"` for dimensionless), e.g. `mV` for `V`.
pub fn parse_quantity(text: &str, unit: &str) -> Result<f64, units::UnitError> {
    let dim = units::parse_unit(unit)?.dim;
    units::parse_expected(text, dim, Some(unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drive(waveform: Waveform) -> Drive {
        Drive {
            waveform,
            amplitude: 2.0,
            frequency: 5.0,
            offset: 0.5,
            periods: 2.0,
            dt: 1e-3,
        }
    }

    #[test]
    fn grid_covers_whole_periods() {
        let d = drive(Waveform::Sine);
        let g = d.grid().expect("valid");
        assert_eq!(g.len(), 401);
        assert!((g.t_end() - 0.4).abs() < 1e-12);
        // A dt that does not divide the duration is shortened, never lengthened.
        let d = Drive { dt: 0.03, ..d };
        let g = d.grid().expect("valid");
        assert_eq!(g.steps(), 14);
        assert!(g.dt() <= 0.03 && (g.t_end() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn waveform_values() {
        let d = drive(Waveform::Sine);
        assert!((d.stimulus().value(0.0) - 0.5).abs() < 1e-15);
        assert!((d.stimulus().value(0.05) - 2.5).abs() < 1e-12); // quarter period of 5 Hz
        let tri = drive(Waveform::Triangle);
        for (t, want) in [
            (0.0, 0.5),
            (0.05, 2.5),
            (0.1, 0.5),
            (0.15, -1.5),
            (0.2, 0.5),
        ] {
            assert!(
                (tri.stimulus().value(t) - want).abs() < 1e-12,
                "triangle at {t}"
            );
        }
        // The triangle is continuous across the period boundary and odd like the sine.
        assert!((Waveform::Triangle.shape(0.999_999) - Waveform::Triangle.shape(1.0)).abs() < 1e-5);
        assert!((Waveform::Triangle.shape(0.1) + Waveform::Triangle.shape(0.9)).abs() < 1e-12);
        let step = drive(Waveform::Step);
        assert_eq!(step.stimulus().value(0.049), 0.5);
        assert_eq!(step.stimulus().value(0.05), 2.5);
        assert_eq!(step.stimulus().value(0.39), 2.5);
        let pulse = drive(Waveform::Pulse);
        for (t, want) in [
            (0.0, 0.5),
            (0.06, 2.5),
            (0.11, 0.5),
            (0.26, 2.5),
            (0.31, 0.5),
        ] {
            assert_eq!(pulse.stimulus().value(t), want, "pulse at {t}");
        }
        let v = d.trajectory().expect("valid");
        assert_eq!(v.len(), 401);
        assert!((v.at(50)[0] - 2.5).abs() < 1e-12);
    }

    #[test]
    fn invalid_drives_are_rejected() {
        let d = drive(Waveform::Sine);
        for bad in [
            Drive { dt: 0.0, ..d },
            Drive { dt: -1e-3, ..d },
            Drive { dt: f64::NAN, ..d },
            Drive {
                frequency: 0.0,
                ..d
            },
            Drive { periods: -1.0, ..d },
            Drive {
                amplitude: f64::INFINITY,
                ..d
            },
            Drive { dt: 1e-12, ..d },
            Drive { dt: 1.0, ..d },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn quantities_with_units() {
        assert_eq!(parse_quantity("1.5", "V").expect("ok"), 1.5);
        assert_eq!(parse_quantity("-65mV", "V").expect("ok"), -0.065);
        assert_eq!(parse_quantity("-65 mV", "V").expect("ok"), -0.065);
        assert_eq!(parse_quantity("2kHz", "Hz").expect("ok"), 2000.0);
        assert_eq!(parse_quantity("1e-3s", "s").expect("ok"), 1e-3);
        assert!((parse_quantity("20us", "s").expect("ok") - 20e-6).abs() < 1e-20);
        assert_eq!(parse_quantity("3", "1").expect("ok"), 3.0);
        assert_eq!(parse_quantity("10S/m^2", "S/m^2").expect("ok"), 10.0);
        for (bad, unit) in [
            ("abc", "V"),
            ("", "V"),
            ("nan", "V"),
            ("inf", "s"),
            ("1mA", "V"),
            ("1xV", "V"),
            ("2V", "1"),
        ] {
            assert!(parse_quantity(bad, unit).is_err(), "{bad} [{unit}]");
        }
    }
}
