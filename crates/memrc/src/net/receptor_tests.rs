//! Double-exponential receptors (NeuroML2's `expTwoSynapse`) against closed forms: the
//! conductance after input spikes, `g(t) = Σ_k w (e^{−(t−t_k)/τ_d} − e^{−(t−t_k)/τ_r})/peak`,
//! with the peak found here by maximising the difference of exponentials numerically (not by
//! the engine's peak-time formula); and the spike times of neurons driven by such a
//! conductance against the RK4 reference of [`super::scheme_tests`].

use super::scheme_tests::{CURRENTS, reference_spikes_with, worst};
use super::{
    Connectivity, Delay, Init, NetError, NetworkBuilder, PopulationSpec, ProjectionSpec, Receptor,
    RecordSpec, Scheme, TraubMiles, Weight,
};

/// Rise and decay times \[s\].
const TAU_R: f64 = 1e-3;
const TAU_D: f64 = 5e-3;

/// `max_t (e^{−t/τ_d} − e^{−t/τ_r})`, by golden-section search (unimodal on `t > 0`).
fn peak(tau_r: f64, tau_d: f64) -> f64 {
    let f = |t: f64| (-t / tau_d).exp() - (-t / tau_r).exp();
    let (mut a, mut b) = (0.0, 10.0 * tau_d);
    let r = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..200 {
        let (c, d) = (b - r * (b - a), a + r * (b - a));
        if f(c) > f(d) {
            b = d;
        } else {
            a = c;
        }
    }
    f(0.5 * (a + b))
}

/// The conductance \[S\] at `t` \[s\] after events of weight `w` \[S\] arriving at `arrivals`
/// (sorted); `p` = [`peak`]`(TAU_R, TAU_D)`.
fn closed_form(t: f64, arrivals: &[f64], w: f64, p: f64) -> f64 {
    let n = arrivals.partition_point(|&a| a <= t);
    arrivals[..n]
        .iter()
        .map(|&a| w * ((-(t - a) / TAU_D).exp() - (-(t - a) / TAU_R).exp()) / p)
        .sum()
}

/// A presynaptic Traub–Miles neuron driven by `i_pre` \[A\] onto every neuron of `post`
/// (one exponential-rise receptor `ge`, reversal 0 V) with weight `w` \[S\] and delay
/// `delay_steps`; returns the network builder.
fn driven(
    dt: f64,
    scheme: Scheme,
    post: PopulationSpec,
    w: f64,
    delay_steps: usize,
) -> NetworkBuilder {
    let mut b = NetworkBuilder::new(dt, 1);
    b.scheme(scheme);
    b.population(
        PopulationSpec::new("pre", 1, TraubMiles::cobahh())
            .refractory(3e-3)
            .init("i_ext", Init::Constant(2e-9)),
    );
    let n = post.size;
    b.population(post.receptor(Receptor::double_exponential("ge", TAU_R, TAU_D, 0.0)));
    b.projection(
        ProjectionSpec::new(
            "pre",
            "post",
            "ge",
            Connectivity::List((0..n as u32).map(|i| (0, i)).collect()),
        )
        .weight(Weight::Constant(w))
        .delay(Delay::Constant(delay_steps as f64 * dt)),
    );
    b
}

/// Arrival times \[s\] of the presynaptic neuron's (id 0) spikes: the end of the step in
/// which each is emitted, plus the delay.
fn arrivals(times: &[f64], ids: &[u32], dt: f64, delay_steps: usize) -> Vec<f64> {
    times
        .iter()
        .zip(ids)
        .filter(|&(_, &id)| id == 0)
        .map(|(&t, _)| ((t / dt - 1e-6).ceil() + delay_steps as f64) * dt)
        .collect()
}

#[test]
fn peak_of_the_waveform_is_the_weight() {
    // The engine's factor (NeuroML's closed-form peak time) against the numerical peak.
    let f = super::spec::waveform_factor(TAU_R, TAU_D);
    assert!((f * peak(TAU_R, TAU_D) - 1.0).abs() < 1e-13, "{f}");
    for (tr, td) in [(0.1e-3, 10e-3), (2e-3, 2.5e-3), (1e-6, 1e-2)] {
        let f = super::spec::waveform_factor(tr, td);
        assert!((f * peak(tr, td) - 1.0).abs() < 1e-12, "{tr} {td}: {f}");
    }
}

#[test]
fn double_exponential_conductance_is_the_closed_form_for_every_scheme() {
    let (dt, w, p) = (5e-5, 3e-9, peak(TAU_R, TAU_D));
    let schemes = [
        Scheme::ExpEuler,
        Scheme::Exp2,
        Scheme::Dopri5 { rtol: 1e-6 },
        Scheme::Rk23 { rtol: 1e-6 },
    ];
    for scheme in schemes {
        for delay_steps in [0, 6] {
            let post = PopulationSpec::new("post", 1, TraubMiles::cobahh());
            let mut b = driven(dt, scheme, post, w, delay_steps);
            b.record(RecordSpec::new("post", "ge", vec![0], 0.0));
            let mut net = b.build().expect("valid");
            let out = net.run(0.03, 1).expect("runs");
            let arr = arrivals(&out.spikes.times, &out.spikes.ids, dt, delay_steps);
            assert!(
                arr.len() >= 2,
                "{scheme:?}: the presynaptic neuron fires twice"
            );
            let rec = &out.recordings[0];
            let mut worst = 0.0_f64;
            for (&t, &g) in rec.times.iter().zip(&rec.values[0]) {
                worst = worst.max((g - closed_form(t, &arr, w, p)).abs());
            }
            // Exact propagation: rounding only (an O(dt) error would be ~1e-2 w).
            assert!(
                worst < 1e-12 * w,
                "{scheme:?}, delay {delay_steps}: {worst:e} S"
            );
            // The state after the run is the conductance, not the internal spike sum.
            let last = *rec.values[0].last().expect("samples");
            let end = net.state("post", "ge").expect("receptor")[0];
            let t_end = rec.times.last().copied().unwrap_or(0.0) + dt;
            assert!(
                (end - closed_form(t_end, &arr, w, p)).abs() < 1e-12 * w,
                "{end} {last}"
            );
        }
    }
}

#[test]
fn an_initial_conductance_decays_with_the_decay_time() {
    let (dt, g0) = (1e-4, 4e-9);
    let mut b = NetworkBuilder::new(dt, 1);
    b.population(
        PopulationSpec::new("p", 1, TraubMiles::cobahh())
            .receptor(Receptor::double_exponential("ge", TAU_R, TAU_D, 0.0))
            .init("ge", Init::Constant(g0)),
    );
    b.record(RecordSpec::new("p", "ge", vec![0], 0.0));
    let out = b.build().expect("valid").run(0.01, 1).expect("runs");
    let rec = &out.recordings[0];
    for (&t, &g) in rec.times.iter().zip(&rec.values[0]) {
        assert!((g - g0 * (-t / TAU_D).exp()).abs() < 1e-12 * g0, "{t}: {g}");
    }
}

#[test]
fn rise_times_outside_zero_to_tau_are_refused() {
    for tr in [0.0, -1e-3, TAU_D, 2.0 * TAU_D, f64::NAN] {
        let mut b = NetworkBuilder::new(1e-4, 1);
        b.population(
            PopulationSpec::new("p", 1, TraubMiles::cobahh())
                .receptor(Receptor::double_exponential("ge", tr, TAU_D, 0.0)),
        );
        let e = b.build().expect_err("invalid rise time");
        assert!(matches!(e, NetError::BadParameter { .. }), "{e}");
        assert!(e.to_string().contains("tau_rise"), "{e}");
    }
}

/// Spike-time error \[ms\] of the post neurons (currents [`CURRENTS`]) driven through a
/// double-exponential receptor (5 nS peaks) against RK4 with the same arrivals.
fn driven_error(scheme: Scheme, dt_ms: f64) -> f64 {
    let t_end = 100.0;
    let dt = dt_ms * 1e-3;
    let post = PopulationSpec::new("post", CURRENTS.len(), TraubMiles::cobahh())
        .refractory(3e-3)
        .init("v", Init::Constant(-0.065))
        .init(
            "i_ext",
            Init::Values(CURRENTS.iter().map(|i| i * 1e-9).collect()),
        );
    let (w, p) = (5e-9, peak(TAU_R, TAU_D));
    let mut net = driven(dt, scheme, post, w, 0).build().expect("valid");
    let out = net.run(t_end * 1e-3, 1).expect("runs");
    let arr = arrivals(&out.spikes.times, &out.spikes.ids, dt, 0);
    assert!(arr.len() >= 5, "{} presynaptic spikes", arr.len());
    let mut got = vec![Vec::new(); CURRENTS.len()];
    for (&t, &id) in out.spikes.times.iter().zip(&out.spikes.ids) {
        if id > 0 {
            got[id as usize - 1].push(t * 1e3);
        }
    }
    // RK4 at 1/8000 ms (a divisor of every dt here, so each arrival is a grid point).
    let want: Vec<Vec<f64>> = CURRENTS
        .iter()
        .map(|&i| {
            reference_spikes_with(
                i,
                |t| closed_form(t * 1e-3, &arr, w, p) * 1e9,
                t_end,
                1.25e-4,
            )
        })
        .collect();
    assert!(want.iter().all(|s| s.len() >= 5), "{want:?}");
    worst(&got, &want)
}

#[test]
fn driven_neurons_converge_at_each_schemes_order() {
    // Measured: exp2 0.252, 0.0711, 0.0191 ms at dt 0.025, 0.0125, 0.00625 ms (orders 1.8,
    // 1.9); dopri5 1.4e-7 ms at rtol 1e-8, dt 0.1 ms. (Exponential Euler holds the input over
    // the step; with it a near-threshold post neuron gains or loses a spike at these steps,
    // so its spike-time error is not a convergence measure here.)
    let exp2: Vec<f64> = [0.025, 0.0125, 0.00625]
        .iter()
        .map(|&dt| driven_error(Scheme::Exp2, dt))
        .collect();
    let dopri = driven_error(Scheme::Dopri5 { rtol: 1e-8 }, 0.1);
    eprintln!("exp2 {exp2:?} ms, dopri5 (rtol 1e-8, dt 0.1 ms) {dopri:e} ms");
    for w in exp2.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!((1.7..=2.3).contains(&order), "order {order} ({exp2:?})");
    }
    assert!(exp2[2] < 0.03, "{exp2:?}");
    assert!(dopri < 5e-7, "dopri5: {dopri:e} ms");
}
