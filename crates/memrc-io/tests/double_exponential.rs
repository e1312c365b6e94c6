//! `tau_rise` receptors from a model file (examples/double_exp_synapse.toml): the recorded
//! conductance is the closed form of NeuroML2's `expTwoSynapse`,
//! `g(t) = Σ_k w f (e^{−(t−t_k)/τ_d} − e^{−(t−t_k)/τ_r})` over the arrivals `t_k` (the
//! factor `f`, peak = `w`, is checked against a numerical maximum in memrc's
//! `net::receptor_tests`); broken keys give located errors.

mod common;

use common::{assert_edits, example};
use memrc_io::load;

#[test]
fn example_conductance_is_the_closed_form() {
    let m = load(example("double_exp_synapse.toml")).unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("a network");
    let mut net = n.builder.clone().build().expect("builds");
    let out = net.run(n.t_end, 1).expect("runs");
    // The file: dt 0.05 ms, rise 0.5 ms, decay 5 ms, weight 3 nS, delay 1 ms (20 steps).
    let (dt, tau_r, tau_d, w, delay) = (5e-5, 0.5e-3, 5e-3, 3e-9, 20.0);
    let f = memrc::net::Receptor::double_exponential("ampa", tau_r, tau_d, 0.0)
        .waveform_factor()
        .expect("a double exponential");
    // Arrivals: the end of the step in which `pre` (id 0) fires, plus the delay.
    let arrivals: Vec<f64> = (out.spikes.times.iter().zip(&out.spikes.ids))
        .filter(|&(_, &id)| id == 0)
        .map(|(&t, _)| ((t / dt - 1e-6).ceil() + delay) * dt)
        .collect();
    assert!(arrivals.len() >= 4, "{arrivals:?}");
    let rec = out
        .recordings
        .iter()
        .find(|r| r.variable == "ampa")
        .expect("ampa recorded");
    let mut max = 0.0_f64;
    for (&t, values) in rec.times.iter().zip(0..) {
        let want: f64 = (arrivals.iter().filter(|&&a| a <= t))
            .map(|&a| w * f * ((-(t - a) / tau_d).exp() - (-(t - a) / tau_r).exp()))
            .sum();
        for g in &rec.values {
            assert!(
                (g[values] - want).abs() < 1e-12 * w,
                "t {t}: {} vs {want}",
                g[values]
            );
            max = max.max(g[values]);
        }
    }
    // The first spike's conductance peaks near w (the grid misses the exact peak by
    // O(dt²)); later ones add to what is left of the earlier ones.
    assert!(max > 0.99 * w, "{max}");
}

#[test]
fn broken_rise_times_are_located() {
    let text = std::fs::read_to_string(example("double_exp_synapse.toml")).expect("example");
    assert_edits(
        &text,
        "d.toml",
        &[
            (
                "tau_rise = \"0.5 ms\"",
                "tau_rise = \"5 ms\"",
                "d.toml:34:12: 'tau_rise' must be < 'tau' (the decay time), got '5 ms'",
            ),
            (
                "tau_rise = \"0.5 ms\"",
                "tau_rise = \"0 ms\"",
                "d.toml:34:12: 'tau_rise' must be > 0, got '0 ms'",
            ),
            (
                "tau_rise = \"0.5 ms\"",
                "tau_rise = \"0.5 mV\"",
                "d.toml:34:12: 'tau_rise': expected a time (s), got 'mV' (a voltage)",
            ),
        ],
    );
}
