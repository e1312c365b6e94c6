//! The network engine's schemes against an independent high-accuracy solution: the Traub–Miles
//! neuron written out in mV, ms, nS, pF, nA (Brian2's COBAHH equations, `exprel` rates)
//! and integrated by classical RK4 at 1e-4 ms, whose spike times (upward crossings of −20 mV,
//! cubic Hermite inside the step) are exact to ≈ 1e-9 ms.

use super::{
    Init, NetworkBuilder, PopulationSpec, Receptor, RunOptions, Scheme, SimdLevel, TraubMiles,
};

/// Injected currents of the test neurons \[nA\].
pub(super) const CURRENTS: [f64; 4] = [0.3, 0.5, 0.7, 1.0];

/// The Traub–Miles rates `[α_m, β_m, α_h, β_h, α_n, β_n]` \[1/ms\] at `v` (mV) with threshold
/// parameter `vt` (mV), written out as in Brian2's COBAHH example (`exprel` form), independent
/// of the library's kernels; shared with the plain reference of `tests.rs`.
pub(super) fn traub_rates(v: f64, vt: f64) -> [f64; 6] {
    let exprel = |z: f64| if z == 0.0 { 1.0 } else { z.exp_m1() / z };
    [
        0.32 * 4.0 / exprel((13.0 - v + vt) / 4.0),
        0.28 * 5.0 / exprel((v - vt - 40.0) / 5.0),
        0.128 * ((17.0 - v + vt) / 18.0).exp(),
        4.0 / (1.0 + ((40.0 - v + vt) / 5.0).exp()),
        0.032 * 5.0 / exprel((15.0 - v + vt) / 5.0),
        0.5 * ((10.0 - v + vt) / 40.0).exp(),
    ]
}

/// `ẏ` of the reference Traub–Miles neuron `y = (v, m, h, n)` (mV, ms) at current `i` (nA),
/// with an excitatory conductance `ge` (nS, reversal 0 mV).
fn traub_rhs(y: [f64; 4], i: f64, ge: f64) -> [f64; 4] {
    let area = 20_000e-8; // cm²
    let (cm, gl, gna, gk) = (
        1.0 * area * 1e6,
        5e-5 * area * 1e9,
        100e-3 * area * 1e9,
        30e-3 * area * 1e9,
    );
    let (el, ek, ena, vt) = (-60.0, -90.0, 50.0, -63.0);
    let [v, m, h, n] = y;
    let [am, bm, ah, bh, an, bn] = traub_rates(v, vt);
    let i_ion = gl * (el - v)
        + ge * (0.0 - v)
        + gna * m.powi(3) * h * (ena - v)
        + gk * n.powi(4) * (ek - v);
    [
        (i_ion + 1e3 * i) / cm,
        am * (1.0 - m) - bm * m,
        ah * (1.0 - h) - bh * h,
        an * (1.0 - n) - bn * n,
    ]
}

/// Upward crossings of −20 mV \[ms\] over `t_end` ms, RK4 at `h` ms from −65 mV with the
/// gates at 0, `ge(t) = ge0 e^{−t/5 ms}`.
fn reference_spikes(i: f64, ge0: f64, t_end: f64, h: f64) -> Vec<f64> {
    reference_spikes_with(i, |t| ge0 * (-t / 5.0).exp(), t_end, h)
}

/// Upward crossings of −20 mV \[ms\] over `t_end` ms, RK4 at `h` ms from −65 mV with the
/// gates at 0 and the excitatory conductance `ge(t)` \[nS\] (`t` in ms).
pub(super) fn reference_spikes_with(
    i: f64,
    ge: impl Fn(f64) -> f64,
    t_end: f64,
    h: f64,
) -> Vec<f64> {
    // The engine's `traub-miles` starts its gates at 0 (Brian2's COBAHH does too).
    let mut y = [-65.0, 0.0, 0.0, 0.0];
    let steps = (t_end / h).round() as usize;
    let mut out = Vec::new();
    let f = |t: f64, y: [f64; 4]| traub_rhs(y, i, ge(t));
    let add =
        |y: [f64; 4], k: [f64; 4], c: f64| std::array::from_fn::<f64, 4, _>(|j| y[j] + c * k[j]);
    for s in 0..steps {
        let t = s as f64 * h;
        let k1 = f(t, y);
        let k2 = f(t + h / 2.0, add(y, k1, h / 2.0));
        let k3 = f(t + h / 2.0, add(y, k2, h / 2.0));
        let k4 = f(t + h, add(y, k3, h));
        let y1: [f64; 4] =
            std::array::from_fn(|j| y[j] + h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]));
        if y[0] <= -20.0 && y1[0] > -20.0 {
            let (v0, v1, f0, f1) = (y[0], y1[0], k1[0], f(t + h, y1)[0]);
            let p = |s: f64| {
                let (s2, s3) = (s * s, s * s * s);
                (2.0 * s3 - 3.0 * s2 + 1.0) * v0
                    + (s3 - 2.0 * s2 + s) * h * f0
                    + (-2.0 * s3 + 3.0 * s2) * v1
                    + (s3 - s2) * h * f1
                    + 20.0
            };
            let (mut lo, mut hi) = (0.0, 1.0);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if p(mid) <= 0.0 { lo = mid } else { hi = mid }
            }
            out.push(t + hi * h);
        }
        y = y1;
    }
    out
}

/// Spike times \[ms\] of each test neuron run by the engine with `scheme` at `dt` ms.
fn engine_spikes(
    scheme: Scheme,
    dt: f64,
    ge0: f64,
    t_end: f64,
    simd: SimdLevel,
) -> (Vec<Vec<f64>>, u64) {
    let mut b = NetworkBuilder::new(dt * 1e-3, 0);
    b.scheme(scheme);
    b.population(
        PopulationSpec::new("p", CURRENTS.len(), TraubMiles::cobahh())
            .receptor(Receptor::exponential("ge", 5e-3, 0.0))
            .refractory(3e-3)
            .init("v", Init::Constant(-0.065))
            .init(
                "i_ext",
                Init::Values(CURRENTS.iter().map(|i| i * 1e-9).collect()),
            )
            .init("ge", Init::Constant(ge0 * 1e-9)),
    );
    let mut net = b.build().expect("valid");
    let out = net
        .run_with(t_end * 1e-3, RunOptions::default().simd(simd))
        .expect("runs");
    let mut per = vec![Vec::new(); CURRENTS.len()];
    for (&t, &id) in out.spikes.times.iter().zip(&out.spikes.ids) {
        per[id as usize].push(t * 1e3);
    }
    (per, out.stats.substeps)
}

/// Largest spike-time error \[ms\] (infinite if a spike is missing or extra).
pub(super) fn worst(got: &[Vec<f64>], want: &[Vec<f64>]) -> f64 {
    let mut w = 0.0_f64;
    for (g, r) in got.iter().zip(want) {
        if g.len() != r.len() {
            return f64::INFINITY;
        }
        for (a, b) in g.iter().zip(r) {
            w = w.max((a - b).abs());
        }
    }
    w
}

/// The reference spike times of the test neurons (100 ms, `ge(0)` = 20 nS), computed once.
fn reference() -> &'static [Vec<f64>] {
    static REF: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        let want: Vec<Vec<f64>> = CURRENTS
            .iter()
            .map(|&i| reference_spikes(i, GE0, T_END, 1e-4))
            .collect();
        // Each neuron fires repetitively (≥ 5 spikes at 0.3 nA, more at 1 nA).
        assert!(want.iter().all(|s| s.len() >= 5), "{want:?}");
        want
    })
}

const T_END: f64 = 100.0;
const GE0: f64 = 20.0;

fn error_of(scheme: Scheme, dt: f64, simd: SimdLevel) -> (f64, u64) {
    let (got, substeps) = engine_spikes(scheme, dt, GE0, T_END, simd);
    (worst(&got, reference()), substeps)
}

#[test]
fn exp2_spike_times_converge_at_second_order() {
    // Measured: 0.222, 0.063, 0.0169 ms at dt 0.025, 0.0125, 0.00625 ms (orders 1.8, 1.9).
    let errors: Vec<f64> = [0.025, 0.0125, 0.00625]
        .iter()
        .map(|&dt| error_of(Scheme::Exp2, dt, SimdLevel::Auto).0)
        .collect();
    eprintln!("exp2 spike-time errors: {errors:?} ms");
    for w in errors.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!(
            (1.7..=2.3).contains(&order),
            "observed order {order} ({errors:?})"
        );
    }
    assert!(errors[2] < 0.03, "{errors:?}");
}

#[test]
fn exp2_keeps_every_spike_at_dt_0_1_ms_where_exp_euler_loses_some() {
    let (e2, _) = error_of(Scheme::Exp2, 0.1, SimdLevel::Auto);
    let (ee, _) = error_of(Scheme::ExpEuler, 0.1, SimdLevel::Auto);
    eprintln!("dt 0.1 ms: exp2 {e2} ms, exp-euler {ee} ms");
    // Measured 2.24 ms; exponential Euler misses spikes (infinite error).
    assert!(e2 < 3.0, "exp2 at dt 0.1 ms: {e2} ms");
    assert!(ee.is_infinite(), "exp-euler at dt 0.1 ms: {ee} ms");
}

#[test]
fn dopri5_spike_times_follow_its_tolerance() {
    // Measured (AVX2): 7.2e-4, 1.24e-5, 1.5e-7 ms at rtol 1e-4, 1e-6, 1e-8, with 1.3, 1.8, 4.2
    // substeps per neuron and 0.1 ms step.
    let mut last = f64::INFINITY;
    for (rtol, bound) in [(1e-4, 2e-3), (1e-6, 4e-5), (1e-8, 5e-7)] {
        for simd in [SimdLevel::Auto, SimdLevel::Portable] {
            let (err, substeps) = error_of(Scheme::Dopri5 { rtol }, 0.1, simd);
            eprintln!("dopri5 rtol {rtol:e} ({simd:?}): {err:e} ms, {substeps} substeps");
            assert!(err <= bound, "rtol {rtol:e}: {err:e} ms > {bound:e}");
            assert!(err < last, "the error falls with rtol");
            // At least one substep per neuron and grid step, not many more than needed.
            let per_step = substeps as f64 / (CURRENTS.len() as f64 * T_END / 0.1);
            assert!(
                (1.0..10.0).contains(&per_step),
                "{per_step} substeps per step"
            );
        }
        last = error_of(Scheme::Dopri5 { rtol }, 0.1, SimdLevel::Auto).0;
    }
}

#[test]
fn rk23_spike_times_follow_its_tolerance() {
    // Measured (AVX2): 1.6e-2 and 3.9e-4 ms at rtol 1e-4 and 1e-6 (1.6 and 4.2 substeps per
    // neuron and step): third order, so more substeps than dopri5 for the same tolerance.
    let mut last = f64::INFINITY;
    for (rtol, bound) in [(1e-4, 4e-2), (1e-6, 1e-3)] {
        let (err, _) = error_of(Scheme::Rk23 { rtol }, 0.1, SimdLevel::Auto);
        eprintln!("rk23 rtol {rtol:e}: {err:e} ms");
        assert!(
            err <= bound && err < last,
            "rtol {rtol:e}: {err:e} ms > {bound:e}"
        );
        last = err;
    }
}

#[test]
fn exp2_and_dopri5_run_cobahh_at_dt_0_1_ms() {
    for scheme in [Scheme::Exp2, Scheme::Dopri5 { rtol: 1e-4 }] {
        let mut net = super::cobahh::Cobahh::new(1000, 3)
            .scheme(scheme)
            .build()
            .expect("valid");
        let out = net.run(0.1, 1).expect("stable: every state finite");
        let rate = out.mean_rate();
        eprintln!("{scheme:?}: {rate} Hz");
        assert!((10.0..100.0).contains(&rate), "{scheme:?}: {rate} Hz");
        assert_eq!(out.stats.scheme, scheme.key());
    }
}

#[test]
fn scheme_names_and_tolerances_are_checked() {
    assert_eq!(Scheme::from_name("exp2", None).ok(), Some(Scheme::Exp2));
    assert_eq!(
        Scheme::from_name("dopri5", None).ok(),
        Some(Scheme::Dopri5 {
            rtol: Scheme::DEFAULT_RTOL
        })
    );
    let e = Scheme::from_name("exp3", None).expect_err("unknown");
    assert!(e.to_string().contains("did you mean 'exp2'"), "{e}");
    for bad in [0.0, -1e-6, 1.0, f64::NAN] {
        assert!(Scheme::from_name("dopri5", Some(bad)).is_err(), "{bad}");
    }
    let e = Scheme::from_name("exp2", Some(1e-6)).expect_err("fixed step");
    assert!(e.to_string().contains("rtol is for dopri5 and rk23"), "{e}");
    let mut b = NetworkBuilder::new(1e-4, 0);
    b.scheme(Scheme::Dopri5 { rtol: 2.0 });
    b.population(PopulationSpec::new("p", 1, TraubMiles::cobahh()));
    assert!(b.build().is_err());
}
