//! Tests of the time-stepping driver and every method against the analytic systems of
//! [`crate::system::test_systems`].

use super::*;
use crate::system::test_systems::{
    AnalyticSystem, ExponentialDecay, LinearOscillator, Logistic, ProtheroRobinson,
};

/// Largest absolute error over the output grid.
fn max_error<S: AnalyticSystem + ?Sized>(sys: &S, sol: &Solution) -> f64 {
    let mut worst: f64 = 0.0;
    for (k, &t) in sol.times.iter().enumerate() {
        for (a, b) in sol.state(k).iter().zip(sys.exact(t)) {
            worst = worst.max((a - b).abs());
        }
    }
    worst
}

fn run<S: AnalyticSystem>(
    sys: &S,
    method: Method,
    config: &Config,
    t_end: f64,
    out: usize,
) -> Solution {
    solve(
        sys,
        method,
        config,
        0.0,
        &sys.initial(),
        t_end,
        Output::Intervals(out),
    )
    .expect("solves")
}

/// A scalar system from `x(0) = x0` to `t = 2`, sampled at 0, 1, 2.
fn run_to_2(sys: &dyn System, method: Method, config: &Config, x0: f64) -> Solution {
    solve(sys, method, config, 0.0, &[x0], 2.0, Output::Intervals(2)).expect("solves")
}

fn sci(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.2e}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Least-squares slope of `log err` against `log dt`.
fn slope(dts: &[f64], errs: &[f64]) -> f64 {
    let xs: Vec<f64> = dts.iter().map(|d| d.ln()).collect();
    let ys: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// Max errors of `method` on `sys` over [0, 2] for the steps `dts`.
fn errors<S: AnalyticSystem>(sys: &S, method: Method, dts: &[f64]) -> Vec<f64> {
    dts.iter()
        .map(|&dt| {
            let cfg = Config::fixed(dt).with_tolerances(1e-12, 1e-14);
            max_error(sys, &run(sys, method, &cfg, 2.0, 5))
        })
        .collect()
}

#[test]
fn fixed_step_methods_converge_at_their_order() {
    let cases = [
        (Method::Linear(LinearStep::ExponentialEuler), 0.05),
        (Method::Linear(LinearStep::Exponential2), 0.1),
        (Method::Linear(LinearStep::ExponentialLinear), 0.1),
        (Method::Linear(LinearStep::ImplicitEuler), 0.05),
        (Method::Linear(LinearStep::Trapezoid), 0.1),
        (Method::Sdirk2, 0.1),
        (Method::Rk4, 0.1),
    ];
    for (method, dt0) in cases {
        let dts: Vec<f64> = (0..4).map(|k| dt0 / f64::from(1 << k)).collect();
        let runs = [
            (
                "logistic",
                errors(
                    &Logistic {
                        r: 1.5,
                        k: 2.0,
                        x0: 0.1,
                    },
                    method,
                    &dts,
                ),
            ),
            (
                "oscillator",
                errors(&LinearOscillator { omega: 2.0 }, method, &dts),
            ),
            (
                "prothero-robinson(5)",
                errors(
                    &ProtheroRobinson {
                        lambda: 5.0,
                        x0: 0.5,
                    },
                    method,
                    &dts,
                ),
            ),
        ];
        for (name, errs) in runs {
            let p = slope(&dts, &errs);
            eprintln!(
                "{:<20} {name:<22} slope {p:.3}  errors {}",
                method.name(),
                sci(&errs)
            );
            let order = method.order() as f64;
            assert!(
                (p - order).abs() <= 0.2,
                "{} on {name}: slope {p}, errors {errs:?}",
                method.name()
            );
        }
    }
}

#[test]
fn exponential_methods_are_exact_for_constant_coefficients() {
    let sys = ExponentialDecay {
        a: 0.5,
        b: 3.0,
        x0: 2.0,
    };
    for method in [
        Method::Linear(LinearStep::ExponentialEuler),
        Method::Linear(LinearStep::Exponential2),
        Method::Linear(LinearStep::ExponentialLinear),
    ] {
        let sol = run(&sys, method, &Config::fixed(0.5), 5.0, 10);
        assert!(
            max_error(&sys, &sol) < 1e-14,
            "{}: {}",
            method.name(),
            max_error(&sys, &sol)
        );
    }
    // b = 0 (pure source) goes through φ₁(0) = 1.
    let flat = ExponentialDecay {
        a: 0.5,
        b: 1e-300,
        x0: 1.0,
    };
    let euler = Method::Linear(LinearStep::ExponentialEuler);
    let sol = run_to_2(&flat, euler, &Config::fixed(0.25), 1.0);
    assert!((sol.last()[0] - 2.0).abs() < 1e-14);
}

#[test]
fn dormand_prince_meets_tolerance_and_dense_output_is_accurate() {
    let sys = LinearOscillator { omega: 2.0 };
    let rtol = 1e-8;
    let cfg = Config::adaptive(rtol, 1e-10);
    let sol = run(&sys, Method::DormandPrince45, &cfg, 10.0, 1000);
    let end_err = sol
        .last()
        .iter()
        .zip(sys.exact(10.0))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let dense_err = max_error(&sys, &sol);
    let s = sol.stats;
    eprintln!(
        "DP45 oscillator rtol 1e-8: end error {end_err:.2e}, dense max error {dense_err:.2e}, {s:?}"
    );
    // The global error of a 10-period run accumulates over ~hundred steps: 10·rtol·(1 + |x|).
    assert!(end_err <= 10.0 * rtol * 2.0, "end error {end_err}");
    assert!(dense_err <= 1e-6, "dense error {dense_err}");
    // The 1000 output samples came from far fewer steps: interpolation was exercised.
    assert!(s.accepted_steps < 400, "{s:?}");
    // FSAL: six new evaluations per attempt, plus restart and the starting-step probe.
    assert_eq!(s.rhs_evals, 6 * (s.accepted_steps + s.rejected_steps) + 2);
    // Standard control reaches the same accuracy.
    let std = run(
        &sys,
        Method::DormandPrince45,
        &cfg.clone().with_control(StepControl::Standard),
        10.0,
        1000,
    );
    assert!(max_error(&sys, &std) <= 1e-6);
}

#[test]
fn dormand_prince_on_logistic_and_tolerance_proportionality() {
    let sys = Logistic {
        r: 1.5,
        k: 2.0,
        x0: 0.1,
    };
    let mut last = f64::INFINITY;
    for rtol in [1e-4, 1e-6, 1e-8, 1e-10] {
        let sol = run(
            &sys,
            Method::DormandPrince45,
            &Config::adaptive(rtol, rtol * 1e-2),
            6.0,
            60,
        );
        let err = max_error(&sys, &sol);
        eprintln!(
            "DP45 logistic rtol {rtol:.0e}: max error {err:.2e} in {} steps",
            sol.stats.accepted_steps
        );
        assert!(err < 10.0 * rtol && err < last, "rtol {rtol}: {err}");
        last = err;
    }
}

#[test]
fn l_stable_sdirk_damps_stiff_transients_where_trapezoid_rings() {
    // λh = 1e4 · 0.1 = 1000: far outside any explicit stability region.
    let sys = ProtheroRobinson {
        lambda: 1e4,
        x0: 1.0,
    };
    let cfg = Config::fixed(0.1).with_tolerances(1e-10, 1e-12);
    let sdirk = run(&sys, Method::Sdirk2, &cfg, 1.0, 10);
    let trap = run(&sys, Method::Linear(LinearStep::Trapezoid), &cfg, 1.0, 10);
    let dev = |sol: &Solution| -> Vec<f64> {
        sol.times
            .iter()
            .enumerate()
            .map(|(k, t)| sol.state(k)[0] - sys.exact(*t)[0])
            .collect()
    };
    let (ds, dt) = (dev(&sdirk), dev(&trap));
    eprintln!(
        "stiff PR, h = 0.1, λ = 1e4\n  SDIRK2 deviation {}\n  trapezoid deviation {}",
        sci(&ds),
        sci(&dt)
    );
    // SDIRK2: R(z) → (1 − 2γ)/(γ² z), R(−1000) ≈ −4.8e-3: the transient is damped by that
    // factor per step, leaving the O(h²) smooth error (~1e-6).
    assert!(
        ds[1].abs() < 1e-2 && ds[2..].iter().all(|d| d.abs() < 1e-4),
        "{ds:?}"
    );
    // Trapezoid: R(−1000) = −0.996: the transient persists at full size and flips sign.
    assert!(dt[1..].iter().all(|d| d.abs() > 0.9), "{dt:?}");
    assert!(dt[1..].windows(2).all(|w| w[0] * w[1] < 0.0), "{dt:?}");

    // Adaptive SDIRK2 takes steps ≫ 1/λ after the transient; DP45 is stability-bound
    // (h ≲ 3.3/λ whatever the tolerance). At rtol 1e-6 the 2(1) pair of SDIRK2 needs ~5900
    // steps (its step count grows like rtol^{-1/2}) against DP45's ~30000; at 1e-4, ~600.
    let cfg = Config::adaptive(1e-4, 1e-6);
    let s = run(&sys, Method::Sdirk2, &cfg, 10.0, 100);
    let d = run(&sys, Method::DormandPrince45, &cfg, 10.0, 100);
    let (es, ed) = (max_error(&sys, &s), max_error(&sys, &d));
    eprintln!(
        "stiff PR adaptive to t = 10: SDIRK2 {:?} err {es:.2e}; DP45 {:?} err {ed:.2e}",
        s.stats, d.stats
    );
    assert!(es < 1e-3, "{es}");
    assert!(
        s.stats.accepted_steps * 20 < d.stats.accepted_steps,
        "{:?} vs {:?}",
        s.stats,
        d.stats
    );
}

/// `ẋ = −x + I(t)` with a unit step input switching on at `t = 0.5`.
struct Pulse;
impl System for Pulse {
    fn n_states(&self) -> usize {
        1
    }
    fn rhs(&self, t: f64, x: &[f64], dx: &mut [f64]) {
        dx[0] = -x[0] + if t >= 0.5 { 1.0 } else { 0.0 };
    }
}
fn pulse_exact(t: f64) -> f64 {
    if t <= 0.5 {
        0.0
    } else {
        1.0 - (-(t - 0.5)).exp()
    }
}
fn pulse_error(sol: &Solution) -> f64 {
    sol.times
        .iter()
        .zip(&sol.states)
        .map(|(t, x)| (x - pulse_exact(*t)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn breakpoints_are_stepped_onto_exactly() {
    let out = Output::Intervals(8); // samples every 0.25 s: 0.5 is an output time too
    let with = Config::adaptive(1e-9, 1e-12).with_t_stops(vec![0.5, -3.0, 7.0]);
    let sol = solve(
        &Pulse,
        Method::DormandPrince45,
        &with,
        0.0,
        &[0.0],
        2.0,
        out,
    )
    .expect("solves");
    let e_dp = pulse_error(&sol);
    let sol = solve(&Pulse, Method::Sdirk2, &with, 0.0, &[0.0], 2.0, out).expect("solves");
    let e_sd = pulse_error(&sol);
    // Fixed steps of 0.3 do not divide 0.5; the driver shortens the steps to land on it.
    let fixed = Config::fixed(0.3).with_t_stops(vec![0.5]);
    let e_rk = pulse_error(&run_to_2(&Pulse, Method::Rk4, &fixed, 0.0));
    let unaware = run_to_2(&Pulse, Method::Rk4, &Config::fixed(0.3), 0.0);
    let e_unaware = pulse_error(&unaware);
    eprintln!(
        "pulse: DP45 {e_dp:.2e}, SDIRK2 {e_sd:.2e}, RK4 with stop {e_rk:.2e}, RK4 without {e_unaware:.2e}"
    );
    assert!(
        e_dp < 1e-8 && e_sd < 1e-5 && e_rk < 1e-4,
        "{e_dp} {e_sd} {e_rk}"
    );
    assert!(e_unaware > 10.0 * e_rk);
}

#[test]
fn output_every_and_accessors() {
    let sys = LinearOscillator { omega: 1.0 };
    let sol = solve(
        &sys,
        Method::Rk4,
        &Config::fixed(0.01),
        1.0,
        &[1.0, 0.0],
        2.0,
        Output::Every(0.25),
    )
    .expect("solves");
    assert_eq!(sol.times.len(), 5);
    assert_eq!(sol.times[0], 1.0);
    assert_eq!(*sol.times.last().expect("nonempty"), 2.0);
    assert_eq!(sol.component(1).len(), 5);
    assert_eq!(sol.names, ["position", "velocity"]);
    assert_eq!(sol.stats.accepted_steps, 100);
    assert_eq!(sol.stats.rhs_evals, 400);
}

fn bad_setting(r: Result<Solution, Error>) -> String {
    match r {
        Err(Error::Solver(SolverError::BadSetting { name, .. })) => name,
        other => panic!("expected BadSetting, got {other:?}"),
    }
}

/// A system without the exponential split.
struct Quadratic;
impl System for Quadratic {
    fn n_states(&self) -> usize {
        1
    }
    fn rhs(&self, _t: f64, x: &[f64], dx: &mut [f64]) {
        dx[0] = x[0] * x[0];
    }
}

#[test]
fn bad_settings_are_reported() {
    let sys = ExponentialDecay {
        a: 0.0,
        b: 1.0,
        x0: 1.0,
    };
    let go = |m: Method, c: &Config, t0: f64, x0: &[f64], t1: f64, o: Output| {
        solve(&sys, m, c, t0, x0, t1, o)
    };
    let o = Output::Intervals(4);
    assert_eq!(
        bad_setting(go(Method::Rk4, &Config::fixed(0.0), 0.0, &[1.0], 1.0, o)),
        "dt"
    );
    assert_eq!(
        bad_setting(go(Method::Rk4, &Config::fixed(-0.1), 0.0, &[1.0], 1.0, o)),
        "dt"
    );
    assert_eq!(
        bad_setting(go(
            Method::Rk4,
            &Config::fixed(f64::NAN),
            0.0,
            &[1.0],
            1.0,
            o
        )),
        "dt"
    );
    assert_eq!(
        bad_setting(go(Method::Rk4, &Config::default(), 0.0, &[1.0], 1.0, o)),
        "dt"
    );
    assert_eq!(
        bad_setting(go(Method::Rk4, &Config::fixed(0.1), 1.0, &[1.0], 1.0, o)),
        "t_end"
    );
    assert_eq!(
        bad_setting(go(Method::Rk4, &Config::fixed(0.1), 1.0, &[1.0], 0.5, o)),
        "t_end"
    );
    assert_eq!(
        bad_setting(go(
            Method::Rk4,
            &Config::fixed(0.1),
            0.0,
            &[1.0, 2.0],
            1.0,
            o
        )),
        "x0.len()"
    );
    let tol = Config::adaptive(-1.0, 0.0);
    assert_eq!(
        bad_setting(go(Method::DormandPrince45, &tol, 0.0, &[1.0], 1.0, o)),
        "rtol"
    );
    let few = Config::fixed(1e-3).with_max_steps(10);
    assert_eq!(
        bad_setting(go(Method::Rk4, &few, 0.0, &[1.0], 1.0, o)),
        "max_steps"
    );
    let few = Config::adaptive(1e-6, 1e-9).with_max_steps(3);
    assert_eq!(
        bad_setting(go(Method::DormandPrince45, &few, 0.0, &[1.0], 1.0, o)),
        "max_steps"
    );
    let cfg = Config::fixed(0.1);
    assert_eq!(
        bad_setting(go(
            Method::Rk4,
            &cfg,
            0.0,
            &[1.0],
            1.0,
            Output::Intervals(0)
        )),
        "output intervals"
    );
    assert_eq!(
        bad_setting(go(Method::Rk4, &cfg, 0.0, &[1.0], 1.0, Output::Every(0.3))),
        "output dt"
    );
    let stops = Config::fixed(0.1).with_t_stops(vec![f64::NAN]);
    assert_eq!(
        bad_setting(go(Method::Rk4, &stops, 0.0, &[1.0], 1.0, o)),
        "t_stops"
    );
    let no_split = solve(
        &Quadratic,
        Method::Linear(LinearStep::ExponentialEuler),
        &cfg,
        0.0,
        &[1.0],
        0.5,
        o,
    );
    assert_eq!(bad_setting(no_split), "method");
    // A non-finite initial state names the state.
    let r = go(Method::Rk4, &cfg, 0.0, &[f64::NAN], 1.0, o);
    assert!(
        matches!(r, Err(Error::Solver(SolverError::NonFinite { ref variable, .. })) if variable == "x0"),
        "{r:?}"
    );
}

#[test]
fn finite_time_blow_up_is_an_error_not_nan() {
    // ẋ = x², x(0) = 1: x = 1/(1 − t) blows up at t = 1.
    let o = Output::Intervals(4);
    for (method, cfg) in [
        (Method::Rk4, Config::fixed(0.01)),
        (Method::Linear(LinearStep::Trapezoid), Config::fixed(0.01)),
        (Method::Sdirk2, Config::fixed(0.01)),
        (Method::DormandPrince45, Config::adaptive(1e-8, 1e-10)),
        (Method::Sdirk2, Config::adaptive(1e-6, 1e-9)),
    ] {
        let r = solve(&Quadratic, method, &cfg, 0.0, &[1.0], 2.0, o);
        eprintln!("{} blow-up: {r:?}", method.name());
        match r {
            Err(Error::Solver(SolverError::NonFinite { t, .. })) => assert!(t > 0.9, "{t}"),
            Err(Error::Solver(SolverError::NotConverged { .. })) => {}
            other => panic!("{}: expected a solver error, got {other:?}", method.name()),
        }
    }
}
