//! Issue #10 §2: failures say what to do. RK4 at 0.1 ms on a Hodgkin–Huxley neuron under a
//! 10 µA/cm² step blows up in the first spike; the error names the stability limit of RK4
//! (h|λ| ≤ 2.785 on the negative real axis), the estimated rate and a step that would respect
//! it, and suggests implicit, exponential or adaptive solvers. Times print without float noise.

use memrc::circuit::neuron::{HhParams, add_hodgkin_huxley};
use memrc::circuit::system::CircuitSystem;
use memrc::circuit::{Circuit, CircuitBuilder, Stimulus};
use memrc::discretisation::LinearStep;
use memrc::error::{Error, SolverError, time_text};
use memrc::solver::{Config, Method, Output, solve};

fn hh_step() -> Circuit {
    let mut b = CircuitBuilder::new();
    let soma = add_hodgkin_huxley(&mut b, "soma", &HhParams::default()).expect("valid");
    b.source(
        soma,
        Stimulus::Step {
            amplitude: 0.1, // 10 µA/cm²
            start: 0.005,
        },
    );
    b.build().expect("valid")
}

fn run(c: &Circuit, method: Method, dt: f64) -> Result<Vec<f64>, Error> {
    let (v0, x0) = c.rest_state().expect("rest");
    let y0: Vec<f64> = v0.iter().chain(&x0).copied().collect();
    let sys = CircuitSystem::new(c);
    let cfg = Config::fixed(dt).with_t_stops(sys.breakpoints(0.0, 0.030));
    solve(&sys, method, &cfg, 0.0, &y0, 0.030, Output::Intervals(300)).map(|s| s.component(0))
}

#[test]
fn rk4_beyond_its_stability_limit_says_so_and_what_to_use() {
    let c = hh_step();
    let err = run(&c, Method::Rk4, 1e-4).expect_err("RK4 at 0.1 ms blows up");
    let Error::Solver(SolverError::Unstable {
        limit,
        rate,
        dt,
        t,
        ref variable,
        ..
    }) = err
    else {
        panic!("expected Unstable, got {err:?}");
    };
    assert_eq!(limit, 2.785);
    assert_eq!(variable, "v(soma)");
    assert!(t > 0.005 && t < 0.030, "blow-up at {t} s");
    // The rate at the onset exceeds the limit at 0.1 ms, and is a neuron's rate (the sodium
    // activation and the membrane at the upstroke: 1e4–1e5 1/s), not a blown-up state's.
    assert!(dt * rate > limit && rate < 1e5, "rate {rate} 1/s");
    let text = err.to_string();
    for needed in [
        "stability",
        "2.785",
        "Use dt ≤",
        "implicit",
        "adaptive",
        "dt = 0.1 ms",
    ] {
        assert!(text.contains(needed), "'{needed}' missing from: {text}");
    }
    // The suggested step (two digits of 2.785/|λ|) indeed runs.
    let suggested = (limit / rate * 0.99 * 1e7).floor() / 1e7;
    let steps = 0.030 / suggested;
    let dt_ok = 0.030 / steps.ceil();
    run(&c, Method::Rk4, dt_ok).expect("RK4 below the limit");
}

#[test]
fn trapezoid_and_implicit_euler_run_hh_at_0_1_ms() {
    // Where Newton fails on an upstroke the theta methods halve the step (to h/64) and retry.
    let c = hh_step();
    for s in [LinearStep::Trapezoid, LinearStep::ImplicitEuler] {
        let v = run(&c, Method::Linear(s), 1e-4).unwrap_or_else(|e| panic!("{}: {e}", s.name()));
        assert!(v.iter().any(|x| *x > 0.0), "{}: no spike", s.name());
    }
}

#[test]
fn times_print_without_float_noise() {
    assert_eq!(time_text(0.0062), "6.2 ms");
    assert_eq!(time_text(62.0 * 1e-4), "6.2 ms");
    assert_eq!(time_text(0.026600000000000002), "26.6 ms");
    assert_eq!(time_text(1.5), "1.5 s");
    assert_eq!(time_text(0.0), "0 s");
    assert_eq!(time_text(1e-4), "0.1 ms");
}
