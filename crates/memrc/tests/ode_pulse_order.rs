//! Issue #10 §2: the ODE methods evaluate current sources at instants, so a pulse edge inside a
//! step costs them their order (rk4 fell from 4 to 1, exp2 and the trapezoid from 2 to 1 on
//! memrc_potassium). The driver steps exactly onto every edge the stimulus reports
//! ([`Stimulus::breakpoints`]) and restarts there; a pulse is half-open (`start ≤ t < end`), so
//! each side of an edge is integrated with its own limit, also when the run is split into
//! pieces at an edge (as `memrc run` does) or an output time is the edge's floating-point
//! neighbour. Every fixed-step method must then show its nominal order within ±0.3 against a
//! Dormand–Prince reference at rtol 1e-12.

use memrc::Grid;
use memrc::circuit::system::CircuitSystem;
use memrc::circuit::{Circuit, CircuitBuilder, Stimulus};
use memrc::discretisation::LinearStep;
use memrc::element::build;
use memrc::solver::{Config, Method, Output, solve};

const T_END: f64 = 0.020;

/// memrc_potassium per m²: C = 1 µF/cm², HH potassium (36 mS/cm², −77 mV), leak (0.3 mS/cm²,
/// −54.387 mV), with two 20 µA/cm² pulses, on 2–7 ms (edges on the grid) and 11.37–13.31 ms
/// (edges inside steps).
fn potassium_patch() -> Circuit {
    let mut b = CircuitBuilder::new();
    let patch = b.node("patch", 0.01);
    b.channel(
        "k",
        build("hh-k", &[("gbar", 360.0), ("e_rev", -0.077)]).expect("valid"),
        patch,
    );
    b.channel(
        "leak",
        build("leak", &[("gbar", 3.0), ("e_rev", -0.054_387)]).expect("valid"),
        patch,
    );
    for (start, end) in [(0.002, 0.007), (0.011_37, 0.013_31)] {
        b.source(
            patch,
            Stimulus::Pulse {
                amplitude: 0.2,
                start,
                end,
            },
        );
    }
    b.build().expect("valid")
}

/// The voltage every 0.1 ms from `method` at step `dt`, run in `pieces` consecutive solves
/// split at grid times (as `memrc run` splits a run for its progress bar).
fn voltages(c: &Circuit, method: Method, config: &Config, pieces: usize) -> Vec<f64> {
    let (v0, x0) = c.rest_state().expect("rest");
    let sys = CircuitSystem::new(c);
    let grid = Grid::span(0.0, T_END, 200).expect("grid");
    let config = config.clone().with_t_stops(sys.breakpoints(0.0, T_END));
    let mut y: Vec<f64> = v0.iter().chain(&x0).copied().collect();
    let mut v = vec![y[0]];
    let mut k0 = 0;
    for p in 1..=pieces {
        let k1 = p * grid.steps() / pieces;
        let sol = solve(
            &sys,
            method,
            &config,
            grid.time(k0),
            &y,
            grid.time(k1),
            Output::Intervals(k1 - k0),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", method.name()));
        v.extend((1..sol.times.len()).map(|k| sol.state(k)[0]));
        y = sol.last().to_vec();
        k0 = k1;
    }
    v
}

#[test]
fn every_fixed_step_method_keeps_its_order_across_pulse_edges() {
    let c = potassium_patch();
    let reference = voltages(
        &c,
        Method::DormandPrince45,
        &Config::adaptive(1e-12, 1e-16),
        1,
    );
    // The pulse raises v by about 18 mV: a missed edge would show at the 0.1 mV level.
    let rise = reference.iter().fold(f64::NEG_INFINITY, |m, x| m.max(*x)) - reference[0];
    assert!(rise > 0.01, "rise {rise} V");
    let methods = [
        Method::Linear(LinearStep::ExponentialEuler),
        Method::Linear(LinearStep::Exponential2),
        Method::Linear(LinearStep::ExponentialLinear),
        Method::Linear(LinearStep::ImplicitEuler),
        Method::Linear(LinearStep::Trapezoid),
        Method::Rk4,
        Method::Sdirk2,
    ];
    // 20 pieces put the edge at 7 ms on a piece boundary (grid.time(140) = 0.007000000000000001).
    for pieces in [1, 20] {
        for method in methods {
            let dts = [1e-4, 5e-5, 2.5e-5];
            let errs: Vec<f64> = dts
                .iter()
                .map(|&dt| {
                    let v = voltages(&c, method, &Config::fixed(dt), pieces);
                    v.iter()
                        .zip(&reference)
                        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
                })
                .collect();
            let order = (errs[0] / errs[2]).log2() / 2.0;
            eprintln!(
                "{} ({pieces} piece(s)): errors {errs:?} V, order {order:.2}",
                method.name()
            );
            assert!(
                (order - method.order() as f64).abs() <= 0.3,
                "{} in {pieces} piece(s): errors {errs:?} V, observed order {order:.2}",
                method.name()
            );
        }
    }
}
