//! The default drive of each catalogue kind: a waveform that shows the element's characteristic
//! behaviour (a pinched hysteresis loop at a frequency matched to its internal time scale).
//!
//! Channel drives are membrane-voltage sines that sweep across the channel's reversal potential
//! (its battery `E`), so the port voltage `v − E` changes sign and the loop is pinched at
//! `v = E`; their frequency (100 Hz) is comparable to the gate time constants (ms).
//! Every default run has 1000–2000 samples, so a full analysis takes well under a second.

use memrc::circuit::stimulus::Waveform;

use super::drive::Drive;

/// One row of the default table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DefaultDrive {
    /// Catalogue name.
    pub kind: &'static str,
    /// The drive.
    pub drive: Drive,
    /// Terminal voltage of the ports that are not driven (multi-ports) \[V\].
    pub hold: f64,
}

const fn sine(amplitude: f64, frequency: f64, offset: f64, periods: f64, dt: f64) -> Drive {
    Drive {
        waveform: Waveform::Sine,
        amplitude,
        frequency,
        offset,
        periods,
        dt,
    }
}

const fn row(kind: &'static str, drive: Drive) -> DefaultDrive {
    DefaultDrive {
        kind,
        drive,
        hold: drive.offset,
    }
}

/// Defaults for kinds that have no row of their own: 1 V, 1 Hz, two periods.
pub const FALLBACK: Drive = sine(1.0, 1.0, 0.0, 2.0, 1e-3);

/// The per-kind table.
pub const TABLE: &[DefaultDrive] = &[
    // Devices: the HP family and the ideal memristor at 1 V, 1 Hz (the classic figure).
    row("ideal", sine(1.0, 1.0, 0.0, 2.0, 1e-3)),
    row("hp", sine(1.0, 1.0, 0.0, 2.0, 1e-3)),
    row("hp-joglekar", sine(1.0, 1.0, 0.0, 2.0, 1e-3)),
    row("hp-biolek", sine(1.0, 1.0, 0.0, 2.0, 1e-3)),
    row("hp-prodromakis", sine(1.0, 1.0, 0.0, 2.0, 1e-3)),
    // Threshold devices: amplitude beyond both thresholds; VTEAM's default off-switching rate
    // (k_off = 5e-4 /s) is slow, so it is driven at 0.05 Hz to show both switching branches.
    row("vteam", sine(1.0, 0.05, 0.0, 2.0, 0.02)),
    row("yakopcic", sine(0.25, 100.0, 0.0, 2.0, 1e-5)),
    // Memoryless and first-order relaxation references (tau = 10 ms: f ≈ 1/(2π tau)).
    row("resistor", sine(1.0, 1.0, 0.0, 2.0, 1e-3)),
    row("relaxation", sine(1.0, 20.0, 0.0, 2.0, 5e-5)),
    // Channels: membrane sines across the reversal potential, 100 Hz.
    row("hh-na", sine(0.075, 100.0, -0.015, 2.0, 1e-5)),
    row("hh-k", sine(0.050, 100.0, -0.065, 2.0, 1e-5)),
    row("leak", sine(0.030, 100.0, -0.065, 2.0, 1e-5)),
    // Traub-Miles gates close much more steeply below rest (n^4 ~ 1e-16 of its peak at -100 mV),
    // so these sweeps stay where g > 1e-12 max g and the 1/g metric is never floored.
    row("traub-na", sine(0.065, 100.0, -0.005, 2.0, 1e-5)),
    row("traub-k", sine(0.030, 200.0, -0.070, 2.0, 5e-6)),
    // Synapse: presynaptic spikes (pulses from −65 mV to +20 mV, 5 ms long, every 20 ms); the
    // postsynaptic membrane is held at −65 mV.
    row(
        "synapse",
        Drive {
            waveform: Waveform::Pulse,
            amplitude: 0.085,
            frequency: 50.0,
            offset: -0.065,
            periods: 3.0,
            dt: 2e-5,
        },
    ),
];

/// The default drive of `kind` and the holding voltage of its undriven ports.
pub fn for_kind(kind: &str) -> DefaultDrive {
    TABLE
        .iter()
        .find(|d| d.kind == kind)
        .copied()
        .unwrap_or(DefaultDrive {
            kind: "",
            drive: FALLBACK,
            hold: FALLBACK.offset,
        })
}

/// Drive settings given by a caller; `None` takes the kind's default (`memrc element NAME
/// --amplitude …`, Python's `Element.drive("sine", amplitude=…)`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DriveSettings {
    /// Waveform.
    pub waveform: Option<Waveform>,
    /// Amplitude `A` \[V\].
    pub amplitude: Option<f64>,
    /// Frequency `f` \[Hz\].
    pub frequency: Option<f64>,
    /// Offset `V0` \[V\].
    pub offset: Option<f64>,
    /// Number of periods.
    pub periods: Option<f64>,
    /// Sampling step \[s\].
    pub dt: Option<f64>,
    /// Terminal voltage of the undriven ports of a multi-port \[V\].
    pub hold: Option<f64>,
}

impl DriveSettings {
    /// The drive and holding voltage for `kind`: each setting given, else the kind's default.
    /// A changed frequency keeps the default resolution per period unless `dt` is given; the
    /// holding voltage defaults to the offset when one is given, else to the kind's. The
    /// result is not validated ([`Drive::validate`]).
    pub fn resolve(&self, kind: &str) -> (Drive, f64) {
        let def = for_kind(kind);
        let mut drive = Drive {
            waveform: self.waveform.unwrap_or(def.drive.waveform),
            amplitude: self.amplitude.unwrap_or(def.drive.amplitude),
            frequency: self.frequency.unwrap_or(def.drive.frequency),
            offset: self.offset.unwrap_or(def.drive.offset),
            periods: self.periods.unwrap_or(def.drive.periods),
            dt: self.dt.unwrap_or(def.drive.dt),
        };
        if self.dt.is_none() && self.frequency.is_some() && drive.frequency > 0.0 {
            drive.dt = def.drive.dt * def.drive.frequency / drive.frequency;
        }
        let hold_default = if self.offset.is_some() {
            drive.offset
        } else {
            def.hold
        };
        (drive, self.hold.unwrap_or(hold_default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_valid_and_small() {
        for d in TABLE.iter().map(|d| d.drive).chain([FALLBACK]) {
            d.validate().expect("valid default");
            let n = d.grid().expect("valid").len();
            assert!((500..=5000).contains(&n), "{d:?}: {n} samples");
        }
    }
}
