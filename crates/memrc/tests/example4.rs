//! The paper's Example 4 (Hodgkin–Huxley spike by the alternating iteration) against the
//! independent references in `tests/data/` (see its README) and the targets of the memRC issue.

use memrc::Grid;
use memrc::analysis::energy::energy_balance;
use memrc::circuit::Circuit;
use memrc::circuit::discrete::{CircuitSolution, spike_times};
use memrc::circuit::neuron::hh_pulse_circuit;
use memrc::circuit::relaxation::{
    RelaxationOptions, RelaxationResult, solve_relaxation, solve_stepping,
};
use memrc::circuit::system::CircuitSystem;
use memrc::discretisation::LinearStep;
use memrc::solver::{Config, Method, Output, solve};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

/// Columns of a CSV file with a header row.
fn csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(format!("{DATA}{name}")).expect("test data present");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let mut cols = vec![Vec::new(); header.len()];
    for line in lines {
        for (c, f) in line.split(',').enumerate() {
            cols[c].push(f.parse::<f64>().expect("number"));
        }
    }
    (header, cols)
}

fn column(name: &str, col: &str) -> Vec<f64> {
    let (h, c) = csv(name);
    let i = h
        .iter()
        .position(|x| x == col)
        .unwrap_or_else(|| panic!("{col} in {name}"));
    c[i].clone()
}

fn example(steps: usize) -> (Circuit, Grid, Vec<f64>, Vec<f64>) {
    let (c, _) = hh_pulse_circuit(0.1, 0.020, 0.022).expect("valid circuit");
    let (v0, x0) = c.rest_state().expect("rest exists");
    (c, Grid::span(0.0, 0.050, steps).expect("grid"), v0, x0)
}

/// The alternating iteration with `opts` on [`example`]`(steps)`, from rest.
fn relax(steps: usize, opts: RelaxationOptions) -> RelaxationResult {
    let (c, grid, v0, x0) = example(steps);
    solve_relaxation(&c, grid, &v0, &x0, opts).expect("converges")
}

fn mv(sol: &CircuitSolution) -> Vec<f64> {
    sol.v.component(0).iter().map(|v| v * 1e3).collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn rest_state_is_computed_and_matches_the_reference() {
    let (_, _, v0, x0) = example(500);
    let json = std::fs::read_to_string(format!("{DATA}hh_pulse.json")).expect("json");
    let j: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    let ic = &j["initial_condition"];
    let f = |k: &str| ic[k].as_f64().expect("number");
    assert!(
        (v0[0] * 1e3 - f("V")).abs() < 1e-9,
        "V rest {}",
        v0[0] * 1e3
    );
    for (x, k) in x0.iter().zip(["m", "h", "n"]) {
        assert!((x - f(k)).abs() < 1e-11, "{k}: {x} vs {}", f(k));
    }
}

#[test]
fn fixed_points_of_all_five_schemes_match_the_independent_discrete_solutions() {
    for (scheme, col) in [
        (LinearStep::ExponentialEuler, "V_star_EE"),
        (LinearStep::Exponential2, "V_star_EXP2"),
        (LinearStep::ExponentialLinear, "V_star_EXPL"),
        (LinearStep::ImplicitEuler, "V_star_IE"),
        (LinearStep::Trapezoid, "V_star_TR"),
    ] {
        let r = relax(500, RelaxationOptions::default().scheme(scheme).tol(1e-15));
        let d = max_diff(&mv(&r.solution), &column("hh_pulse_discrete.csv", col));
        assert!(d < 1e-9, "{col}: {d} mV");
    }
}

#[test]
fn first_ten_iterates_match_the_independent_iterates() {
    for (scheme, tag) in [
        (LinearStep::Exponential2, "EXP2"),
        (LinearStep::Trapezoid, "TR"),
    ] {
        let opts = RelaxationOptions::default()
            .scheme(scheme)
            .record_iterates(true)
            .tol(1e-15);
        let r = relax(500, opts);
        for k in 1..=10 {
            let ours: Vec<f64> = r.iterates[k].iter().map(|v| v * 1e3).collect();
            let d = max_diff(
                &ours,
                &column("hh_pulse_iterates.csv", &format!("V_{tag}_iter{k}")),
            );
            assert!(d < 1e-9, "{tag} iterate {k}: {d} mV");
        }
    }
}

#[test]
fn fixed_point_equals_time_stepping_of_the_same_scheme() {
    let (c, grid, v0, x0) = example(500);
    for scheme in LinearStep::ALL {
        let ts = solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps");
        let r = relax(500, RelaxationOptions::default().scheme(scheme));
        let d = max_diff(&mv(&ts), &mv(&r.solution));
        assert!(d <= 1e-9, "{}: {d} mV", scheme.name());
        // States too: the gates of both solutions agree.
        let dx = max_diff(ts.x.data(), r.solution.x.data());
        assert!(dx <= 1e-10, "{}: gates differ by {dx}", scheme.name());
    }
}

#[test]
fn plain_iteration_meets_the_papers_five_steps_and_the_convergence_targets() {
    let grid = example(500).1;
    let r = relax(500, RelaxationOptions::default().record_iterates(true));
    let conv: Vec<f64> = mv(&r.solution);
    let t_conv = spike_times(&conv, &grid, 0.0)[0];
    // After 5 iterations the spike exists: 0 mV crossing within 0.1 ms, relative L2 error < 15 %.
    let it5: Vec<f64> = r.iterates[5].iter().map(|v| v * 1e3).collect();
    let t5 = spike_times(&it5, &grid, 0.0);
    assert_eq!(t5.len(), 1, "iterate 5 has one spike");
    assert!(
        (t5[0] - t_conv).abs() <= 0.1e-3,
        "spike time error {} s",
        t5[0] - t_conv
    );
    let l2 = |a: &[f64]| a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let err: Vec<f64> = it5.iter().zip(&conv).map(|(a, b)| a - b).collect();
    let rel = l2(&err) / l2(&conv);
    assert!(rel < 0.15, "relative L2 error after 5 iterations {rel}");
    // Iteration 4 has not formed it yet within 0.1 ms (the paper's five steps are meaningful).
    let it4: Vec<f64> = r.iterates[4].iter().map(|v| v * 1e3).collect();
    let t4 = spike_times(&it4, &grid, 0.0);
    assert!(t4.is_empty() || (t4[0] - t_conv).abs() > 0.1e-3);
    // Change ≤ 1 mV by iteration 10 and ≤ 1e-9 mV by iteration 26 (run to rounding to see the
    // whole history).
    let deep = relax(500, RelaxationOptions::default().tol(1e-16));
    let change_mv: Vec<f64> = deep.iterations.iter().map(|i| i.change * 1e3).collect();
    assert!(change_mv[9] <= 1.0, "change at 10: {}", change_mv[9]);
    let first_tiny = change_mv.iter().position(|&c| c <= 1e-9).map(|i| i + 1);
    assert!(first_tiny.is_some_and(|i| i <= 26), "{change_mv:?}");
    // With the default tolerance (estimated distance 1e-9 mV) the iteration stops by then.
    assert!(
        r.iterations.len() <= 26,
        "{} iterations",
        r.iterations.len()
    );
    // Iteration counts belong to the continuous problem, not the grid: same count at dt/2.
    let r2 = relax(1000, RelaxationOptions::default());
    assert!((r2.iterations.len() as i64 - r.iterations.len() as i64).abs() <= 2);
}

#[test]
fn newton_stage_converges_within_ten_iterations() {
    let (c, grid, v0, x0) = example(500);
    let exact = solve_stepping(&c, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
    let opts = RelaxationOptions::default().newton(10e-3);
    let r = solve_relaxation(&c, grid, &v0, &x0, opts).expect("converges");
    assert!(
        r.iterations.len() <= 10,
        "{} iterations",
        r.iterations.len()
    );
    let d = max_diff(&mv(&r.solution), &mv(&exact));
    assert!(d <= 1e-9, "{d} mV from the fixed point");
    assert!(
        r.iterations
            .iter()
            .any(|i| i.stage == memrc::circuit::relaxation::Stage::Newton)
    );
    // Pure Newton from rest diverges or stalls: the switch matters.
    let pure = solve_relaxation(
        &c,
        grid,
        &v0,
        &x0,
        RelaxationOptions::default().newton(1e9).max_iterations(30),
    );
    match pure {
        Err(_) => {}
        Ok(p) => assert!(
            p.iterations.len() > r.iterations.len(),
            "pure Newton took {}",
            p.iterations.len()
        ),
    }
}

/// Max error \[mV\] and spike time \[s\] against the high-accuracy reference, at the nodes of the
/// coarsest grid (t = 0.1·k ms), common to every refinement, as `docs/numerics.md#discretisation-floor`
/// measured them.
/// (Over all nodes of the 0.025 ms grid the EXP2 maximum is 0.383 mV instead of 0.347 mV: the
/// upstroke peak error falls between coarse nodes.)
fn error_vs_reference(steps: usize, scheme: LinearStep) -> (f64, f64) {
    let (c, grid, v0, x0) = example(steps);
    let sol = solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps");
    let ours = mv(&sol);
    let vref = column("hh_pulse.csv", "V");
    let stride = steps / 500;
    let mut err: f64 = 0.0;
    for k in (0..=steps).step_by(stride.max(1)) {
        let t_ms = grid.time(k) * 1e3;
        let r = (t_ms / 0.01).round() as usize;
        if ((r as f64) * 0.01 - t_ms).abs() > 1e-9 {
            continue;
        }
        err = err.max((ours[k] - vref[r]).abs());
    }
    let spike = sol.spike_times(0, 0.0)[0];
    (err, spike)
}

#[test]
fn second_order_scheme_against_the_high_accuracy_reference() {
    let t_ref = 21.901231541223492e-3;
    let (e1, s1) = error_vs_reference(500, LinearStep::Exponential2);
    assert!(e1 <= 6.5, "dt = 0.1 ms: {e1} mV");
    assert!((s1 - t_ref).abs() <= 0.03e-3, "spike time {s1}");
    let (e2, _) = error_vs_reference(1000, LinearStep::Exponential2);
    let (e4, s4) = error_vs_reference(2000, LinearStep::Exponential2);
    assert!(e4 <= 0.35, "dt = 0.025 ms: {e4} mV");
    assert!((s4 - t_ref).abs() <= (s1 - t_ref).abs() / 10.0);
    let order = (e1 / e4).log2() / 2.0;
    assert!(
        (order - 2.0).abs() < 0.2,
        "observed order {order} ({e1}, {e2}, {e4})"
    );
    let (t1, _) = error_vs_reference(500, LinearStep::Trapezoid);
    assert!(t1 <= 4.5, "trapezoid dt = 0.1 ms: {t1} mV");
}

#[test]
fn energy_balance_is_exact_for_trapezoid_and_tight_for_an_accurate_solution() {
    let (c, grid, v0, x0) = example(500);
    let tr = solve_stepping(&c, grid, &v0, &x0, LinearStep::Trapezoid).expect("steps");
    let e = energy_balance(&c, &tr).expect("balance");
    assert!(e.rel_residual < 1e-12, "trapezoid: {}", e.rel_residual);
    assert!(e.total_dissipation > 0.0);
    for b in &e.branches {
        assert!(b.dissipation >= 0.0, "{}", b.name);
    }
    // Eq. (58) does not hold at T = 50 ms (not back at rest): ⟨v, Σi − i⟩ = −ΔS_C ≈ −6.24 pJ/cm².
    assert!(!e.closed.returned);
    assert!(
        (e.closed.lhs + e.capacitive_change).abs()
            < 1e-9 * e.capacitive_change.abs().max(1e-12) + 1e-15
    );
    let pj_per_cm2 = e.closed.lhs / 1e-8;
    assert!(
        (pj_per_cm2 + 6.24).abs() < 0.05,
        "(58) lhs {pj_per_cm2} pJ/cm²"
    );
    // An accurate solution (Dormand–Prince, rtol 1e-10, fine output) balances to 1e-6.
    let sys = CircuitSystem::new(&c);
    let mut y0 = v0.clone();
    y0.extend_from_slice(&x0);
    let cfg = Config::adaptive(1e-10, 1e-12).with_t_stops(sys.breakpoints(0.0, 0.050));
    let s = solve(
        &sys,
        Method::DormandPrince45,
        &cfg,
        0.0,
        &y0,
        0.050,
        Output::Intervals(50_000),
    )
    .expect("solves");
    let fine = Grid::span(0.0, 0.050, 50_000).expect("grid");
    let v = memrc::Trajectory::new(fine, 1, s.component(0)).expect("finite");
    let xs: Vec<f64> = (0..s.times.len())
        .flat_map(|k| s.state(k)[1..].to_vec())
        .collect();
    let x = memrc::Trajectory::new(fine, 3, xs).expect("finite");
    let sol = CircuitSolution {
        v,
        x,
        state_names: c.state_names(),
    };
    let e = energy_balance(&c, &sol).expect("balance");
    assert!(e.rel_residual < 1e-6, "DP45: {}", e.rel_residual);
}

#[test]
fn exponential_schemes_balance_energy_exactly_along_their_own_steps() {
    use memrc::analysis::energy::energy_balance_for;
    let (c, grid, v0, x0) = example(500);
    for scheme in [LinearStep::Exponential2, LinearStep::ExponentialEuler] {
        let sol = solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps");
        let e = energy_balance_for(&c, &sol, scheme).expect("balance");
        assert!(
            e.rel_residual < 1e-12,
            "{}: {}",
            scheme.name(),
            e.rel_residual
        );
        assert!(e.quadrature.starts_with("exact"));
        // The trapezoidal quadrature of the same solution sees the scheme's energy error.
        let t = energy_balance(&c, &sol).expect("balance");
        assert!(
            t.rel_residual > 1e-6,
            "{}: {}",
            scheme.name(),
            t.rel_residual
        );
        // Both quadratures agree on the dissipation to the order of the scheme's energy error
        // (measured: exp2 0.25 % with a trapezoidal residual of 7.9e-4; exp-euler 1.4 % with
        // 2.5e-3).
        let rel = (e.total_dissipation - t.total_dissipation).abs() / t.total_dissipation;
        assert!(rel < 10.0 * t.rel_residual, "{}: {rel}", scheme.name());
    }
    // Trapezoid falls back to the trapezoidal quadrature, which is exact for it.
    let tr = solve_stepping(&c, grid, &v0, &x0, LinearStep::Trapezoid).expect("steps");
    let e = energy_balance_for(&c, &tr, LinearStep::Trapezoid).expect("balance");
    assert!(e.rel_residual < 1e-12 && e.quadrature.starts_with("trapezoidal"));
}

#[test]
fn long_spike_train_converges_with_windowing() {
    // 500 ms, 10 µA/cm² from t = 5 ms, 0.1 ms steps, 5 ms windows.
    let (c, _) = memrc::circuit::neuron::hh_pulse_circuit(0.1, 0.005, 1.0).expect("valid");
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.5, 5000).expect("grid");
    let ts = solve_stepping(&c, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
    let r = solve_relaxation(
        &c,
        grid,
        &v0,
        &x0,
        RelaxationOptions::default().tol(1e-11).window(0.005),
    )
    .expect("converges");
    assert!(
        r.sweep_equivalents <= 20.0,
        "{} sweep equivalents",
        r.sweep_equivalents
    );
    let a = ts.spike_times(0, 0.0);
    let b = r.solution.spike_times(0, 0.0);
    assert!(a.len() > 20, "a spike train: {} spikes", a.len());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-9, "spike {x} vs {y}");
    }
    // Each window stops at an estimated 1e-8 mV from its fixed point; the upstrokes of later
    // spikes amplify that small start-of-window error (measured: 3.3e-6 mV over 26 spikes).
    assert!(max_diff(&mv(&ts), &mv(&r.solution)) < 1e3 * 1e-8);
}
