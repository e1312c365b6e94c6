//! Voltage sources in memRC circuits, against closed forms: an RC low-pass driven by an ideal
//! source (the driven node is prescribed, not solved for) and an RC node charged through a
//! source behind a series resistance (its exact Norton equivalent), with every solver — the
//! discrete schemes (time stepping and the trajectory-space iteration) and the general ODE
//! methods — and the energy balance with the sources' work (eq. 56–58).

use memrc::Grid;
use memrc::analysis::energy::{energy_balance, energy_balance_for};
use memrc::circuit::discrete::{CircuitSolution, Coupling};
use memrc::circuit::relaxation::{RelaxationOptions, solve_relaxation, solve_stepping};
use memrc::circuit::system::CircuitSystem;
use memrc::circuit::{Circuit, CircuitBuilder, Stimulus, Terminal};
use memrc::discretisation::LinearStep;
use memrc::element::build;
use memrc::solver::{Config, Method, Output, solve};
use memrc::trajectory::Trajectory;

/// R = 1 kΩ, C = 1 µF: τ = 1 ms; a 200 Hz sine of 1 V.
const R: f64 = 1e3;
const C: f64 = 1e-6;
const TAU: f64 = R * C;
const F: f64 = 200.0;
const T_END: f64 = 0.01;

fn sine() -> Stimulus {
    Stimulus::Sine {
        amplitude: 1.0,
        frequency: F,
        phase: 0.0,
        offset: 0.0,
    }
}

/// The RC low-pass `τ v̇ = V(t) − v`, `v(0) = 0`, driven by `V = sin ωt`:
/// `v = (sin ωt − ωτ cos ωt + ωτ e^{−t/τ}) / (1 + (ωτ)²)`.
fn lowpass(t: f64) -> f64 {
    let wt = std::f64::consts::TAU * F * TAU;
    let w = std::f64::consts::TAU * F;
    ((w * t).sin() - wt * (w * t).cos() + wt * (-t / TAU).exp()) / (1.0 + wt * wt)
}

/// `in` driven by an ideal source, a linear resistor `in → out`, `out` with C to ground.
fn ideal_rc() -> Circuit {
    let mut b = CircuitBuilder::new();
    let input = b.node("in", 1e-9);
    let out = b.node("out", C);
    let r = build("resistor", &[("g0", 1.0 / R), ("g2", 0.0)]).expect("valid");
    b.branch("r", r, input, out);
    b.voltage_source("vs", input, sine());
    b.build().expect("valid")
}

/// `out` with C to ground, charged by a source behind R (Norton equivalent).
fn series_rc() -> Circuit {
    let mut b = CircuitBuilder::new();
    let out = b.node("out", C);
    b.series_voltage_source("vs", out, sine(), R);
    b.build().expect("valid")
}

/// The circuit solved by a general ODE method, sampled on `grid` (as `memrc run` does).
fn ode(c: &Circuit, method: Method, config: &Config, grid: Grid, v0: &[f64]) -> CircuitSolution {
    let sys = CircuitSystem::new(c);
    let config = config
        .clone()
        .with_t_stops(sys.breakpoints(grid.t0(), grid.t_end()));
    let sol = solve(
        &sys,
        method,
        &config,
        grid.t0(),
        v0,
        grid.t_end(),
        Output::Intervals(grid.steps()),
    )
    .expect("solves");
    let n = c.n_nodes();
    let v: Vec<f64> = (0..grid.len())
        .flat_map(|k| sol.state(k).to_vec())
        .collect();
    CircuitSolution {
        v: Trajectory::new(grid, n, v).expect("sizes"),
        x: Trajectory::zeros(grid, 1),
        state_names: Vec::new(),
    }
}

/// Largest error of node `j` against the low-pass closed form.
fn error(sol: &CircuitSolution, j: usize) -> f64 {
    let g = sol.v.grid();
    (0..g.len()).fold(0.0, |m, k| {
        m.max((sol.v.at(k)[j] - lowpass(g.time(k))).abs())
    })
}

/// Largest deviation of a driven node from the source voltage `sin ωt`.
fn drive_gap(sol: &CircuitSolution, j: usize) -> f64 {
    let g = sol.v.grid();
    let w = std::f64::consts::TAU * F;
    (0..g.len()).fold(0.0, |m, k| {
        m.max((sol.v.at(k)[j] - (w * g.time(k)).sin()).abs())
    })
}

const ORDER2: [LinearStep; 3] = [
    LinearStep::Exponential2,
    LinearStep::ExponentialLinear,
    LinearStep::Trapezoid,
];

#[test]
fn discrete_schemes_converge_at_their_order_with_an_ideal_source() {
    let c = ideal_rc();
    let (v0, x0) = c.rest_state().expect("rest");
    assert_eq!(v0, vec![0.0, 0.0], "sin(0) = 0 holds both nodes at 0");
    for scheme in ORDER2 {
        let e: Vec<f64> = [500, 1000]
            .iter()
            .map(|&steps| {
                let grid = Grid::span(0.0, T_END, steps).expect("grid");
                let sol = solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps");
                assert_eq!(
                    drive_gap(&sol, 0),
                    0.0,
                    "{scheme:?}: the driven node is V(t)"
                );
                error(&sol, 1)
            })
            .collect();
        let order = (e[0] / e[1]).log2();
        assert!(
            (order - 2.0).abs() < 0.15,
            "{scheme:?}: errors {e:?}, order {order}"
        );
        assert!(e[1] < 2e-4, "{scheme:?}: error {} V", e[1]);
    }
}

#[test]
fn relaxation_reaches_the_time_stepping_solution_with_an_ideal_source() {
    let c = ideal_rc();
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, T_END, 500).expect("grid");
    let ts = solve_stepping(&c, grid, &v0, &x0, LinearStep::Trapezoid).expect("steps");
    let opts = RelaxationOptions::default().scheme(LinearStep::Trapezoid);
    let r = solve_relaxation(&c, grid, &v0, &x0, opts).expect("converges");
    assert_eq!(drive_gap(&r.solution, 0), 0.0);
    let d = (0..grid.len()).fold(0.0_f64, |m, k| {
        m.max((ts.v.at(k)[1] - r.solution.v.at(k)[1]).abs())
    });
    assert!(d < 1e-11, "relaxation {d} V from time stepping");
    // Waveform relaxation (Jacobi, Gauss–Seidel) and windows keep it too.
    for coupling in [Coupling::Jacobi, Coupling::GaussSeidel] {
        let o = opts.coupling(coupling).window(2e-3);
        let r = solve_relaxation(&c, grid, &v0, &x0, o).expect("converges");
        assert_eq!(drive_gap(&r.solution, 0), 0.0, "{coupling:?}");
        let d = (0..grid.len()).fold(0.0_f64, |m, k| {
            m.max((ts.v.at(k)[1] - r.solution.v.at(k)[1]).abs())
        });
        assert!(d < 1e-11, "{coupling:?}: {d} V from time stepping");
    }
    // The Newton stage keeps the prescription too.
    let rn = solve_relaxation(&c, grid, &v0, &x0, opts.newton(1e-3)).expect("converges");
    assert_eq!(drive_gap(&rn.solution, 0), 0.0);
    let d = (0..grid.len()).fold(0.0_f64, |m, k| {
        m.max((ts.v.at(k)[1] - rn.solution.v.at(k)[1]).abs())
    });
    assert!(d < 1e-11, "Newton relaxation {d} V from time stepping");
}

#[test]
fn ode_methods_see_the_exact_source_voltage() {
    let c = ideal_rc();
    let (v0, _) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, T_END, 1000).expect("grid");
    // The solvers' output times are the grid's up to a few ulps of t (1e-18 s), so V(t) there
    // differs from V(t_k) by at most |V̇| · 1e-17 s ≈ 1e-14 V.
    let exact = 1e-14;
    // RK4 at h = τ/100: error ~ (h/τ)⁴ ≪ 1e-8; dopri5 to its tolerance.
    let rk4 = ode(&c, Method::Rk4, &Config::fixed(1e-5), grid, &v0);
    assert!(drive_gap(&rk4, 0) <= exact, "{}", drive_gap(&rk4, 0));
    assert!(error(&rk4, 1) < 1e-9, "rk4 error {}", error(&rk4, 1));
    let dp = ode(
        &c,
        Method::DormandPrince45,
        &Config::adaptive(1e-10, 1e-12).with_dt(1e-5),
        grid,
        &v0,
    );
    assert!(drive_gap(&dp, 0) <= exact, "{}", drive_gap(&dp, 0));
    assert!(error(&dp, 1) < 1e-8, "dopri5 error {}", error(&dp, 1));
    for (method, order) in [
        (Method::Linear(LinearStep::Trapezoid), 2.0),
        (Method::Linear(LinearStep::Exponential2), 2.0),
        (Method::Linear(LinearStep::ImplicitEuler), 1.0),
        (Method::Linear(LinearStep::ExponentialEuler), 1.0),
    ] {
        let e: Vec<f64> = [1e-5, 5e-6]
            .iter()
            .map(|&h| {
                let sol = ode(&c, method, &Config::fixed(h), grid, &v0);
                assert!(drive_gap(&sol, 0) <= exact, "{method:?}");
                error(&sol, 1)
            })
            .collect();
        let p = (e[0] / e[1]).log2();
        assert!((p - order).abs() < 0.15, "{method:?}: {e:?}, order {p}");
    }
}

#[test]
fn a_source_behind_a_resistance_is_its_norton_equivalent() {
    let c = series_rc();
    let (v0, x0) = c.rest_state().expect("rest");
    assert_eq!(v0, vec![0.0]);
    for scheme in ORDER2 {
        let e: Vec<f64> = [500, 1000]
            .iter()
            .map(|&steps| {
                let grid = Grid::span(0.0, T_END, steps).expect("grid");
                error(
                    &solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps"),
                    0,
                )
            })
            .collect();
        let order = (e[0] / e[1]).log2();
        assert!((order - 2.0).abs() < 0.15, "{scheme:?}: {e:?}");
    }
    let grid = Grid::span(0.0, T_END, 1000).expect("grid");
    let rk4 = ode(&c, Method::Rk4, &Config::fixed(1e-5), grid, &v0);
    assert!(error(&rk4, 0) < 1e-9, "rk4 error {}", error(&rk4, 0));
}

/// The source's work `∫ V i dt` and the resistor's dissipation for the low-pass, from the
/// closed form by composite Simpson on 200 000 intervals (error ~1e-20 J).
fn closed_form_energies() -> (f64, f64) {
    let n = 200_000;
    let h = T_END / f64::from(n);
    let w = std::f64::consts::TAU * F;
    let (mut work, mut diss) = (0.0, 0.0);
    for k in 0..=n {
        let t = f64::from(k) * h;
        let wgt = if k == 0 || k == n {
            1.0
        } else if k % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let v_src = (w * t).sin();
        let i = (v_src - lowpass(t)) / R;
        work += wgt * v_src * i;
        diss += wgt * R * i * i;
    }
    (work * h / 3.0, diss * h / 3.0)
}

#[test]
fn the_energy_balance_holds_with_voltage_sources() {
    let (work, diss) = closed_form_energies();
    let grid = Grid::span(0.0, T_END, 1000).expect("grid");
    // Source behind R: the work and the series dissipation, to the scheme's O(h²).
    let c = series_rc();
    let (v0, x0) = c.rest_state().expect("rest");
    for scheme in [LinearStep::Trapezoid, LinearStep::Exponential2] {
        let sol = solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps");
        let e = energy_balance_for(&c, &sol, scheme).expect("balance");
        assert!(e.rel_residual < 1e-12, "{scheme:?}: {e:?}");
        let s = &e.voltage_sources[0];
        assert!(!s.ideal);
        assert!(
            (s.energy - work).abs() < 1e-3 * work,
            "{scheme:?}: {s:?} vs {work}"
        );
        assert!(
            (s.series_dissipation - diss).abs() < 1e-3 * diss,
            "{s:?} vs {diss}"
        );
        // The charge is the capacitor's: C v(T).
        let q = C * sol.v.at(grid.len() - 1)[0];
        assert!((s.charge - q).abs() < 1e-9 * C, "{} vs {q}", s.charge);
    }
    // Ideal source: its current charges the resistor and the node's own capacitance.
    let c = ideal_rc();
    let (v0, x0) = c.rest_state().expect("rest");
    let sol = solve_stepping(&c, grid, &v0, &x0, LinearStep::Trapezoid).expect("steps");
    let e = energy_balance(&c, &sol).expect("balance");
    assert!(e.rel_residual < 1e-12, "{e:?}");
    let s = &e.voltage_sources[0];
    assert!(s.ideal);
    // Plus ½ C_in V(T)² for the 1 nF of the driven node (V(T) = sin(4π) ≈ 0).
    assert!((s.energy - work).abs() < 1e-3 * work, "{s:?} vs {work}");
    assert!((e.branches[0].dissipation - diss).abs() < 1e-3 * diss);
    // Sampled current at the end: C_in V̇ + (V − v_out)/R.
    let w = std::f64::consts::TAU * F;
    let i_end = 1e-9 * w * (w * T_END).cos() + ((w * T_END).sin() - lowpass(T_END)) / R;
    assert!(
        (s.current_final - i_end).abs() < 1e-3 * i_end.abs(),
        "{} vs {i_end}",
        s.current_final
    );
}

#[test]
fn bad_voltage_sources_are_refused() {
    let mut b = CircuitBuilder::new();
    let n = b.node("n", 1e-6);
    b.voltage_source("a", n, sine());
    b.voltage_source("b", n, sine());
    let e = b.build().expect_err("two ideal sources on one node");
    assert!(e.to_string().contains("already driven"), "{e}");
    let mut b = CircuitBuilder::new();
    let n = b.node("n", 1e-6);
    b.series_voltage_source("a", n, sine(), 0.0);
    assert!(b.build().is_err(), "zero series resistance");
    // A driven node next to a free one: the rest state holds the driven one at V(t0).
    let mut b = CircuitBuilder::new();
    let input = b.node("in", 1e-9);
    let out = b.node("out", C);
    let r = build("resistor", &[("g0", 1.0 / R), ("g2", 0.0)]).expect("valid");
    b.branch("r", r, input, out);
    let r2 = build("resistor", &[("g0", 1.0 / R), ("g2", 0.0)]).expect("valid");
    b.branch("r2", r2, out, Terminal::Ground);
    b.voltage_source(
        "hold",
        input,
        Stimulus::Step {
            amplitude: 0.5,
            start: 0.0,
        },
    );
    let c = b.build().expect("valid");
    let (v, _) = c.rest_state().expect("rest");
    assert_eq!(v[0], 0.5);
    assert!((v[1] - 0.25).abs() < 1e-15, "divider: {}", v[1]);
}
