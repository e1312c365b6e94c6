//! `--drive`: the waveform argument of `memrc element NAME`. The drives themselves live in
//! [`memrc_run::element::drive`].

use memrc::circuit::stimulus::Waveform;

pub use memrc_run::element::drive::parse_quantity;

/// `--drive`: the [`Waveform`]s by name, with their formulas in the help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaveformArg(pub Waveform);

impl clap::ValueEnum for WaveformArg {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [WaveformArg; 4] = [
            WaveformArg(Waveform::Sine),
            WaveformArg(Waveform::Triangle),
            WaveformArg(Waveform::Step),
            WaveformArg(Waveform::Pulse),
        ];
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self.0 {
            Waveform::Sine => "`V0 + A sin(2πft)`",
            Waveform::Triangle => "Symmetric triangle in phase with the sine",
            Waveform::Step => "One step from `V0` to `V0 + A` at a quarter period",
            Waveform::Pulse => "Quarter-period pulses to `V0 + A`, one per period",
        };
        Some(clap::builder::PossibleValue::new(self.0.name()).help(help))
    }
}
