//! The voltage reset after a spike ([`PopulationSpec::reset`]): a leak-only conductance
//! population is a leaky integrate-and-fire neuron whose spike train has a closed form.
//!
//! A membrane `C v̇ = g_L (E_L − v) + I` from `v_r` reaches `v(t) = v∞ − (v∞ − v_r) e^{−t/τ}`,
//! `v∞ = E_L + I/g_L`, `τ = C/g_L`, and crosses `θ` at `t_c = τ ln((v∞ − v_r)/(v∞ − θ))`; the
//! continuous period is `T = t_ref + t_c`. On the engine's grid the hold ends at `t_{s+R}`
//! (`s` the spike's step, `R = round(t_ref/dt)`, at least one step: the reset is at the
//! spike step's end), so spike `n + 1` is at `t_{s_n + max(R, 1)} + c`, `c` the scheme's
//! located crossing time of one free run from `v_r` (exact `t_c` up to the scheme's error).

use super::*;

const DT: f64 = 1e-4;
/// 20000 µm² of 1 µF/cm²: C = 200 pF.
const AREA: f64 = 2e-8;
const C_M: f64 = 0.01;
/// 0.5 S/m² × 20000 µm² = 10 nS: τ = C/g_L = 20 ms.
const G_LEAK: f64 = 0.5;
const E_L: f64 = -0.070;
const THETA: f64 = -0.050;
const V_R: f64 = -0.065;
/// 0.3 nA: v∞ = E_L + I/g_L = −40 mV.
const I_EXT: f64 = 0.3e-9;

fn g_l() -> f64 {
    G_LEAK * AREA
}

fn tau() -> f64 {
    C_M * AREA / g_l()
}

fn v_inf(i: f64) -> f64 {
    E_L + i / g_l()
}

/// The closed-form crossing time `t_c` of a free run from `v_r` \[s\].
fn t_cross(i: f64) -> f64 {
    tau() * ((v_inf(i) - V_R) / (v_inf(i) - THETA)).ln()
}

fn lif() -> ChannelNeuron {
    let membrane = Membrane {
        area: AREA,
        c_m: C_M,
        g_leak: G_LEAK,
        e_leak: E_L,
    };
    ChannelNeuron::new(membrane, &[]).expect("a leak-only membrane")
}

/// `n` leak-only neurons with the currents `i` (cycled), starting at `v_r`.
fn population(n: usize, i: &[f64], t_ref: f64, upward: bool) -> PopulationSpec {
    PopulationSpec::new("lif", n, lif())
        .threshold(THETA)
        .reset(V_R)
        .refractory(t_ref)
        .upward_crossing(upward)
        .init("v", Init::Constant(V_R))
        .init(
            "i_ext",
            Init::Values((0..n).map(|k| i[k % i.len()]).collect()),
        )
}

fn run(
    scheme: Scheme,
    t_ref: f64,
    upward: bool,
    duration: f64,
    threads: usize,
) -> (RunResult, Network) {
    let mut b = NetworkBuilder::new(DT, 1);
    b.scheme(scheme);
    b.population(population(1, &[I_EXT], t_ref, upward));
    b.record(RecordSpec::new("lif", "v", vec![0], DT));
    let mut net = b.build().expect("valid");
    let out = net.run(duration, threads).expect("runs");
    (out, net)
}

/// The step `s` whose interval `(t_s, t_{s+1}]` holds the spike time `t`.
fn step_of(t: f64) -> u64 {
    ((t / DT - 1e-6).ceil() - 1.0) as u64
}

/// The exponential-Euler free run's located crossing: the exact recurrence
/// `v_{k+1} = v∞ + (v_k − v∞) e^{−dt/τ}` (the scheme is exact for this linear equation with
/// constant input), the first `k` with `v_k > θ`, and the linear interpolation of the step
/// that crosses \[s\].
fn exp_euler_crossing(i: f64) -> f64 {
    let (vi, e) = (v_inf(i), (-DT / tau()).exp());
    let mut v = V_R;
    for k in 1.. {
        let next = vi + (v - vi) * e;
        if next > THETA {
            return (f64::from(k - 1) + (THETA - v) / (next - v)) * DT;
        }
        v = next;
    }
    unreachable!()
}

/// How far an adaptive scheme's located crossing of a free run may be from `t_c` \[s\]: the
/// error a substep may leave in `v`, `rtol (|θ| + 0.1 V)` (the scheme's error scale), plus
/// that of the cubic Hermite interpolant that locates it inside a substep `h ≤ dt`,
/// `h⁴ max|v⁗|/384`; both over `v̇` at `θ` (`v⁗/v̇ = 1/τ³`, growing by at most `e^{dt/τ}`
/// across the substep).
fn adaptive_tolerance(rtol: f64, dt: f64) -> f64 {
    let v_dot = (v_inf(I_EXT) - THETA) / tau();
    rtol * (THETA.abs() + 0.1) / v_dot + dt.powi(4) / (384.0 * tau().powi(3)) * (dt / tau()).exp()
}

/// Spike times `t_0, t_1, …` (one neuron) against `t_{n+1} = t_{s_n + max(R, 1)} + c`,
/// `t_0 = c`, within `tol` \[s\]; every spike expected before `t_end` present. Returns the
/// largest deviation.
fn check_train(times: &[f64], t_ref: f64, c: f64, t_end: f64, tol: f64, what: &str) -> f64 {
    let hold = ((t_ref / DT).round() as u64).max(1);
    let mut expected = Vec::new();
    let mut t = c;
    while t <= t_end {
        expected.push(t);
        t = (step_of(t) + hold) as f64 * DT + c;
    }
    assert_eq!(times.len(), expected.len(), "{what}: spike count");
    let mut worst: f64 = 0.0;
    for (n, &t) in times.iter().enumerate() {
        let start = match n {
            0 => 0.0,
            _ => (step_of(times[n - 1]) + hold) as f64 * DT,
        };
        let err = (t - (start + c)).abs();
        assert!(
            err <= tol,
            "{what}: spike {n} at {t} s, expected {} s (off by {err:e} s > {tol:e} s)",
            start + c
        );
        worst = worst.max(err);
    }
    worst
}

#[test]
fn leaky_integrate_and_fire_spike_times_match_the_closed_form_for_every_scheme() {
    let (t_ref, t_end) = (2e-3, 0.2);
    let t_c = t_cross(I_EXT);
    // T = t_ref + t_c = 2 ms + 20 ms ln 2.5 = 20.33 ms: 9 or 10 spikes in 200 ms.
    assert!((t_c - 0.02 * 2.5f64.ln()).abs() < 1e-15);
    // Exponential Euler: exact states on the grid; the crossing is linearly interpolated
    // between them. Its exact discrete expectation, to rounding:
    let c_ee = exp_euler_crossing(I_EXT);
    // and that expectation against the closed form: v is concave, so the chord crosses late,
    // by at most dt²/(8τ) e^{dt/τ} (interpolation error dt² max|v̈|/8 over v̇ at θ).
    let interp = DT * DT / (8.0 * tau()) * (DT / tau()).exp();
    assert!(c_ee >= t_c && c_ee - t_c <= interp, "{c_ee} vs {t_c}");
    // exp2: exact states too (its midpoint coefficients are the step start's for a linear
    // equation with constant input); the quadratic through v_n, v̇_n, v_{n+1} is off by at most
    // (4/27) dt³ max|v⃛|/6 over v̇: 2/81 dt³/τ² e^{dt/τ}.
    let quad = 2.0 / 81.0 * DT.powi(3) / (tau() * tau()) * (DT / tau()).exp();
    // dopri5/rk23 at rtol 1e-6 (see `adaptive_tolerance`).
    let rtol = 1e-6;
    let adaptive = adaptive_tolerance(rtol, DT);
    for (scheme, c, tol) in [
        (Scheme::ExpEuler, c_ee, 1e-7 * DT),
        (Scheme::Exp2, t_c, quad + 1e-7 * DT),
        (Scheme::Dopri5 { rtol }, t_c, adaptive),
        (Scheme::Rk23 { rtol }, t_c, adaptive),
    ] {
        let (out, _) = run(scheme, t_ref, false, t_end, 1);
        let what = scheme.key();
        let worst = check_train(&out.spikes.times, t_ref, c, t_end, tol, what);
        assert!(
            out.spikes.times.len() >= 9,
            "{what}: {:?}",
            out.spikes.times
        );
        eprintln!(
            "{what}: {} spikes, worst deviation {worst:e} s (tolerance {tol:e} s)",
            out.spikes.times.len()
        );
        // v on the grid: v_r at the end of the spike's step and through the hold, below θ
        // everywhere else.
        let rec = &out.recordings[0];
        let hold = (t_ref / DT).round() as u64;
        for (&t, &v) in rec.times.iter().zip(&rec.values[0]) {
            let k = (t / DT).round() as u64;
            let held = out
                .spikes
                .times
                .iter()
                .any(|&ts| k > step_of(ts) && k <= step_of(ts) + hold);
            if held {
                assert_eq!(v, V_R, "{what}: v at {t} s during the hold");
            } else {
                assert!(v <= THETA, "{what}: v = {v} > θ at {t} s");
            }
        }
    }
}

#[test]
fn without_refractory_the_neuron_restarts_at_the_end_of_the_spike_step() {
    let t_end = 0.1;
    for upward in [false, true] {
        let (out, _) = run(Scheme::ExpEuler, 0.0, upward, t_end, 1);
        let c = exp_euler_crossing(I_EXT);
        check_train(&out.spikes.times, 0.0, c, t_end, 1e-7 * DT, "exp-euler");
        // dopri5 restarts its step size at a reset: every free run is the same, the first
        // (from the start of the run, step dt) included.
        let (out, _) = run(Scheme::Dopri5 { rtol: 1e-6 }, 0.0, upward, t_end, 1);
        let times = &out.spikes.times;
        let c0 = times[0];
        assert!((c0 - t_cross(I_EXT)).abs() <= adaptive_tolerance(1e-6, DT));
        check_train(times, 0.0, c0, t_end, 1e-15, "dopri5, identical free runs");
    }
}

#[test]
fn upward_crossing_changes_nothing_after_a_reset() {
    // A reset brings v below θ, which re-arms an upward-crossing population at once.
    for scheme in [Scheme::ExpEuler, Scheme::Dopri5 { rtol: 1e-5 }] {
        for t_ref in [0.0, 1e-4, 3e-3] {
            let (a, _) = run(scheme, t_ref, false, 0.1, 1);
            let (b, _) = run(scheme, t_ref, true, 0.1, 1);
            assert!(!a.spikes.times.is_empty());
            assert_eq!(a.spikes, b.spikes, "{} t_ref {t_ref}", scheme.key());
        }
    }
}

#[test]
fn reset_populations_are_bitwise_the_same_on_any_thread_count() {
    // 37 neurons of different drives (some never fire), 1–4 threads, every scheme.
    let currents: Vec<f64> = (0..11).map(|k| 0.15e-9 + f64::from(k) * 0.04e-9).collect();
    for scheme in [
        Scheme::ExpEuler,
        Scheme::Exp2,
        Scheme::Dopri5 { rtol: 1e-5 },
        Scheme::Rk23 { rtol: 1e-5 },
    ] {
        let runs: Vec<(RunResult, Vec<u64>)> = (1..=4)
            .map(|threads| {
                let mut b = NetworkBuilder::new(DT, 1);
                b.scheme(scheme);
                b.population(population(37, &currents, 2e-3, false));
                b.record(RecordSpec::new("lif", "v", vec![0, 18, 36], DT));
                let mut net = b.build().expect("valid");
                let out = net.run(0.08, threads).expect("runs");
                let v = net
                    .state("lif", "v")
                    .expect("v")
                    .iter()
                    .map(|x| x.to_bits());
                (out, v.collect())
            })
            .collect();
        assert!(runs[0].0.spikes.times.len() > 50, "{}", scheme.key());
        for (t, (out, v)) in runs.iter().enumerate().skip(1) {
            let what = format!("{}, {} threads", scheme.key(), t + 1);
            assert_eq!(out.spikes, runs[0].0.spikes, "{what}");
            assert_eq!(out.recordings, runs[0].0.recordings, "{what}");
            assert_eq!(v, &runs[0].1, "{what}");
        }
    }
}

#[test]
fn a_gap_junction_partner_sees_the_reset_voltage() {
    // Neuron "a" (leak-only, reset) drives the passive neuron "b" through a gap junction of
    // g_gap = 2 nS. Exponential Euler reads the partner's step-start voltage, so b's states
    // satisfy b_{k+1} = b∞ + (b_k − b∞) e^{−(g_L + g_gap) dt/C}, b∞ = (g_L E_L + g_gap a_k)/(g_L
    // + g_gap), with a_k the recorded (reset) voltage of a.
    let g_gap = 2e-9;
    let mut b = NetworkBuilder::new(DT, 1);
    b.scheme(Scheme::ExpEuler);
    b.population(
        PopulationSpec::new("a", 1, lif())
            .threshold(THETA)
            .reset(V_R)
            .refractory(2e-3)
            .init("v", Init::Constant(V_R))
            .init("i_ext", Init::Constant(0.4e-9)),
    );
    b.population(PopulationSpec::new("b", 1, lif()).threshold(0.0));
    b.projection(
        ProjectionSpec::gap_junction("a", "b", Connectivity::OneToOne)
            .weight(Weight::Constant(g_gap)),
    );
    b.record(RecordSpec::new("a", "v", vec![0], DT));
    b.record(RecordSpec::new("b", "v", vec![0], DT));
    let mut net = b.build().expect("valid");
    let out = net.run(0.06, 1).expect("runs");
    assert!(out.spikes.times.len() >= 2, "a fires");
    let (va, vb) = (&out.recordings[0].values[0], &out.recordings[1].values[0]);
    let (g, c) = (g_l() + g_gap, C_M * AREA);
    let e = (-g * DT / c).exp();
    let mut after_reset = 0;
    for k in 0..va.len() - 1 {
        let b_inf = (g_l() * E_L + g_gap * va[k]) / g;
        let want = b_inf + (vb[k] - b_inf) * e;
        assert!(
            (vb[k + 1] - want).abs() <= 1e-12,
            "step {k}: b = {} V, expected {want} V",
            vb[k + 1]
        );
        // The steps that start right after a spike (a = v_r, the reset value) are among them.
        if out.spikes.times.iter().any(|&t| step_of(t) + 1 == k as u64) {
            assert_eq!(va[k], V_R);
            after_reset += 1;
        }
    }
    assert_eq!(after_reset, out.spikes.times.len());
}

#[test]
fn a_reset_at_or_above_threshold_or_out_of_range_is_refused() {
    for v_reset in [THETA, -0.04, f64::NAN, -1.5, f64::INFINITY] {
        let mut b = NetworkBuilder::new(DT, 1);
        b.population(
            PopulationSpec::new("lif", 1, lif())
                .threshold(THETA)
                .reset(v_reset),
        );
        let e = b.build().expect_err("refused");
        assert!(
            matches!(&e, NetError::BadParameter { subject, .. }
                if *subject == Subject::population("lif", PopulationKey::Reset)),
            "{v_reset}: {e}"
        );
        let text = e.to_string();
        assert!(
            text.contains("population 'lif' reset") && text.contains("threshold -0.05 V"),
            "{text}"
        );
    }
    // Just below the threshold is accepted.
    let mut b = NetworkBuilder::new(DT, 1);
    b.population(
        PopulationSpec::new("lif", 1, lif())
            .threshold(THETA)
            .reset(THETA - 1e-9),
    );
    assert!(b.build().is_ok());
}

#[test]
fn an_adaptive_scheme_restarts_its_step_size_at_a_reset() {
    // On a coarse grid (1 ms) at a tight tolerance the substeps are shorter than a grid step;
    // after every reset the step size starts again at dt, as at the start of the run, so
    // every free run from v_r takes the same substeps: the crossing lies at the same offset
    // from the step that starts it, bitwise, spike after spike.
    let dt = 1e-3;
    for (scheme, rtol) in [
        (Scheme::Dopri5 { rtol: 1e-12 }, 1e-12),
        (Scheme::Rk23 { rtol: 1e-9 }, 1e-9),
    ] {
        let mut b = NetworkBuilder::new(dt, 1);
        b.scheme(scheme);
        b.population(population(1, &[I_EXT], 0.0, false));
        let mut net = b.build().expect("valid");
        let out = net.run(0.2, 1).expect("runs");
        assert!(
            out.stats.substeps > 2 * out.stats.steps,
            "substeps below dt"
        );
        let times = &out.spikes.times;
        assert!(times.len() >= 9);
        let step = |t: f64| ((t / dt - 1e-6).ceil() - 1.0) * dt;
        let offsets: Vec<f64> = (1..times.len())
            .map(|n| times[n] - (step(times[n - 1]) + dt))
            .collect();
        let first = times[0];
        for (n, o) in offsets.iter().enumerate() {
            assert!(
                (o - first).abs() <= 4.0 * f64::EPSILON * times[n + 1],
                "{}: free run {} crosses at {o} s, the first at {first} s",
                scheme.key(),
                n + 1
            );
        }
        let tol = adaptive_tolerance(rtol, dt);
        assert!((first - t_cross(I_EXT)).abs() <= tol, "{first}");
    }
}
