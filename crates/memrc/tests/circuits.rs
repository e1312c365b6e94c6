//! Multi-node memRC circuits: coupling by the kinetic synapse two-port and by a linear gap
//! junction; the Direct, Jacobi and Gauss–Seidel treatments of Compute(v) share one fixed
//! point; the parallel Jacobi sweep is independent of the thread count; bad input is refused.

use memrc::Grid;
use memrc::circuit::discrete::Coupling;
use memrc::circuit::neuron::{HhParams, add_hodgkin_huxley};
use memrc::circuit::relaxation::{RelaxationOptions, solve_relaxation, solve_stepping};
use memrc::circuit::{Circuit, CircuitBuilder, NodeId, Stimulus, Terminal};
use memrc::discretisation::LinearStep;
use memrc::element::build;
use memrc::error::{Error, ModelError, SolverError};

/// Two HH neurons; neuron 0 gets a pulse and drives neuron 1 through a kinetic synapse.
fn two_neurons() -> Circuit {
    let mut b = CircuitBuilder::new();
    let p = HhParams::default();
    let pre = add_hodgkin_huxley(&mut b, "pre", &p).expect("valid");
    let post = add_hodgkin_huxley(&mut b, "post", &p).expect("valid");
    let syn = build("synapse", &[("gbar", 20.0)]).expect("valid");
    b.multiport(
        "syn",
        syn,
        vec![
            (pre.into(), Terminal::Ground),
            (post.into(), Terminal::Ground),
        ],
    );
    b.source(
        pre,
        Stimulus::Pulse {
            amplitude: 0.1,
            start: 0.005,
            end: 0.007,
        },
    );
    b.build().expect("valid")
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn synaptically_coupled_neurons_all_couplings_share_the_fixed_point() {
    let c = two_neurons();
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.030, 300).expect("grid");
    let ts = solve_stepping(&c, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
    // The presynaptic neuron spikes and the synapse depolarises the postsynaptic one.
    assert_eq!(ts.spike_times(0, 0.0).len(), 1);
    let post = ts.v.component(1);
    let rise = post.iter().copied().fold(f64::NEG_INFINITY, f64::max) - post[0];
    assert!(rise > 1e-3, "EPSP of {rise} V");
    for coupling in [Coupling::Direct, Coupling::Jacobi, Coupling::GaussSeidel] {
        let r = solve_relaxation(
            &c,
            grid,
            &v0,
            &x0,
            RelaxationOptions::default().coupling(coupling),
        )
        .expect("converges");
        let d = max_diff(ts.v.data(), r.solution.v.data());
        assert!(d <= 1e-12, "{coupling:?}: {d} V from time stepping");
    }
}

#[test]
fn jacobi_sweep_is_independent_of_the_thread_count() {
    let c = two_neurons();
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.020, 200).expect("grid");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            solve_relaxation(
                &c,
                grid,
                &v0,
                &x0,
                RelaxationOptions::default().coupling(Coupling::Jacobi),
            )
            .expect("converges")
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(
        a.solution.v.data(),
        b.solution.v.data(),
        "bitwise identical"
    );
    assert_eq!(a.iterations.len(), b.iterations.len());
}

/// Two passive RC nodes (leak to ground) joined by a linear gap junction; a current step into
/// node 0. Closed form by the eigen-decomposition of the 2 × 2 system.
#[test]
fn gap_junction_matches_the_closed_form_at_second_order() {
    let (c_m, g_l, g_c, e_l, i0) = (0.01, 3.0, 5.0, -0.065, 0.05);
    let build_circuit = || {
        let mut b = CircuitBuilder::new();
        let n0 = b.node("a", c_m);
        let n1 = b.node("b", c_m);
        for n in [n0, n1] {
            b.channel(
                "leak",
                build("leak", &[("gbar", g_l), ("e_rev", e_l)]).expect("valid"),
                n,
            );
        }
        b.branch(
            "gap",
            build("resistor", &[("g0", g_c), ("g2", 0.0)]).expect("valid"),
            n0,
            n1,
        );
        b.source(
            n0,
            Stimulus::Step {
                amplitude: i0,
                start: 0.0,
            },
        );
        b.build().expect("valid")
    };
    let c = build_circuit();
    let (v0, x0) = c.rest_state().expect("rest");
    assert!((v0[0] - e_l).abs() < 1e-15 && (v0[1] - e_l).abs() < 1e-15);
    // Deviations u = v − E_L: C u̇ = −[[gl+gc, −gc], [−gc, gl+gc]] u + (i0, 0).
    // Modes: sum s = u0 + u1 decays with gl, difference d = u0 − u1 with gl + 2gc.
    let exact = |t: f64| {
        let s = i0 / g_l * (1.0 - (-g_l * t / c_m).exp());
        let d = i0 / (g_l + 2.0 * g_c) * (1.0 - (-(g_l + 2.0 * g_c) * t / c_m).exp());
        (e_l + 0.5 * (s + d), e_l + 0.5 * (s - d))
    };
    let t_end = 0.01;
    let err = |steps: usize, scheme: LinearStep| {
        let grid = Grid::span(0.0, t_end, steps).expect("grid");
        let sol = solve_stepping(&c, grid, &v0, &x0, scheme).expect("steps");
        (0..=steps).fold(0.0_f64, |m, k| {
            let (a, b) = exact(grid.time(k));
            m.max((sol.v.at(k)[0] - a).abs())
                .max((sol.v.at(k)[1] - b).abs())
        })
    };
    for scheme in [LinearStep::Trapezoid, LinearStep::Exponential2] {
        let (e1, e2) = (err(50, scheme), err(100, scheme));
        let order = (e1 / e2).log2();
        assert!(
            (order - 2.0).abs() < 0.2,
            "{}: order {order} ({e1}, {e2})",
            scheme.name()
        );
    }
    // The relaxation sweeps reach the same discrete solution as the coupled solve.
    let grid = Grid::span(0.0, t_end, 100).expect("grid");
    let direct = solve_stepping(&c, grid, &v0, &x0, LinearStep::Trapezoid).expect("steps");
    for coupling in [Coupling::Jacobi, Coupling::GaussSeidel] {
        let opts = RelaxationOptions::default()
            .scheme(LinearStep::Trapezoid)
            .coupling(coupling)
            .tol(1e-15);
        let r = solve_relaxation(&c, grid, &v0, &x0, opts).expect("converges");
        let d = max_diff(direct.v.data(), r.solution.v.data());
        assert!(
            d < 1e-13,
            "{coupling:?}: {d} V after {} sweeps",
            r.iterations.len()
        );
    }
}

#[test]
fn bad_circuits_are_refused_with_the_cause() {
    let leak = || build("leak", &[]).expect("valid");
    // Capacitance must be positive and finite.
    for c in [0.0, -1.0, f64::NAN] {
        let mut b = CircuitBuilder::new();
        let n = b.node("m", c);
        b.channel("leak", leak(), n);
        let e = b.build().expect_err("invalid capacitance");
        assert!(e.to_string().contains("capacitance"), "{e}");
    }
    // Unknown node.
    let mut b = CircuitBuilder::new();
    let n = b.node("m", 0.01);
    b.channel("leak", leak(), NodeId(3));
    b.source(
        n,
        Stimulus::Step {
            amplitude: 1.0,
            start: 0.0,
        },
    );
    let e = b.build().expect_err("unknown node");
    assert!(e.to_string().contains("node 3"), "{e}");
    // Port count.
    let mut b = CircuitBuilder::new();
    let n = b.node("m", 0.01);
    b.multiport(
        "syn",
        build("synapse", &[]).expect("valid"),
        vec![(n.into(), Terminal::Ground)],
    );
    assert!(matches!(b.build(), Err(ModelError::WrongLength { .. })));
    // Empty circuit; invalid stimulus.
    assert!(CircuitBuilder::new().build().is_err());
    let mut b = CircuitBuilder::new();
    let n = b.node("m", 0.01);
    b.channel("leak", leak(), n);
    b.source(
        n,
        Stimulus::Pulse {
            amplitude: 1.0,
            start: 0.02,
            end: 0.01,
        },
    );
    assert!(b.build().is_err());
    // dt ≤ 0 and t_end ≤ t_start are refused by the grid.
    assert!(Grid::new(0.0, 0.0, 10).is_err());
    assert!(Grid::span(0.05, 0.05, 10).is_err());
    // A floating node (no DC path) has no rest state.
    let mut b = CircuitBuilder::new();
    let n = b.node("m", 0.01);
    let f = b.node("float", 0.01);
    b.channel("leak", leak(), n);
    b.source(
        f,
        Stimulus::Step {
            amplitude: 1.0,
            start: 0.0,
        },
    );
    let c = b.build().expect("valid topology");
    let e = c.rest_state().expect_err("singular");
    assert!(e.to_string().contains("DC path"), "{e}");
}

#[test]
fn non_convergence_is_an_error_with_the_last_change_and_residual() {
    let (c, _) = memrc::circuit::neuron::hh_pulse_circuit(0.1, 0.020, 0.022).expect("valid");
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.050, 500).expect("grid");
    let e = solve_relaxation(
        &c,
        grid,
        &v0,
        &x0,
        RelaxationOptions::default().max_iterations(3),
    )
    .expect_err("3 iterations are not enough");
    match &e {
        Error::Solver(SolverError::NotConverged {
            iterations,
            last_change,
            last_residual,
            ..
        }) => {
            assert_eq!(*iterations, 3);
            assert!(last_change.is_finite() && *last_change > 0.0);
            assert!(last_residual.is_finite() && *last_residual > 0.0);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.to_string().contains("did not converge"), "{e}");
    // Bad settings.
    assert!(solve_relaxation(&c, grid, &v0, &x0, RelaxationOptions::default().tol(0.0)).is_err());
    assert!(solve_relaxation(&c, grid, &v0, &x0, RelaxationOptions::default().probe(4)).is_err());
    assert!(solve_relaxation(&c, grid, &v0[..0], &x0, RelaxationOptions::default()).is_err());
}

#[test]
fn observers_see_progress_and_can_cancel() {
    use memrc::circuit::relaxation::{solve_relaxation_observed, solve_stepping_observed};
    let (c, _) = memrc::circuit::neuron::hh_pulse_circuit(0.1, 0.020, 0.022).expect("valid");
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.050, 500).expect("grid");
    let mut seen = Vec::new();
    let r = solve_relaxation_observed(&c, grid, &v0, &x0, RelaxationOptions::default(), &mut |p| {
        seen.push(p.fraction);
        true
    })
    .expect("converges");
    assert_eq!(seen.len(), r.iterations.len());
    assert!(seen.iter().all(|f| (0.0..=1.0).contains(f)));
    assert!((seen.last().copied().unwrap_or(0.0) - 1.0).abs() < 0.05);
    let mut n = 0;
    let e = solve_relaxation_observed(
        &c,
        grid,
        &v0,
        &x0,
        RelaxationOptions::default(),
        &mut |_| {
            n += 1;
            n < 3
        },
    )
    .expect_err("cancelled");
    assert!(
        matches!(e, Error::Solver(SolverError::Cancelled { .. })),
        "{e}"
    );
    let mut fractions = Vec::new();
    solve_stepping_observed(&c, grid, &v0, &x0, LinearStep::Exponential2, &mut |f| {
        fractions.push(f);
        true
    })
    .expect("steps");
    assert!(fractions.windows(2).all(|w| w[1] > w[0]) && fractions.len() >= 50);
    let e = solve_stepping_observed(&c, grid, &v0, &x0, LinearStep::Exponential2, &mut |f| {
        f < 0.5
    })
    .expect_err("cancelled");
    assert!(e.to_string().contains("cancelled"), "{e}");
}

fn ring(n: usize) -> Circuit {
    memrc::circuit::neuron::hh_ring(n, 5.0, 30.0).expect("valid")
}

#[test]
fn windowed_jacobi_relaxation_on_a_network_matches_time_stepping() {
    let c = ring(12);
    let (v0, x0) = c.rest_state().expect("rest");
    let grid = Grid::span(0.0, 0.020, 400).expect("grid");
    // 12 nodes + 12 × 3 gates + 12 synapse states = 60 unknowns: Newton per step.
    let newton = solve_stepping(&c, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
    // A wider ring uses the fixed-point time step; both solve the same discrete equations.
    let wide = ring(24);
    let (wv0, wx0) = wide.rest_state().expect("rest");
    let picard = solve_stepping(&wide, grid, &wv0, &wx0, LinearStep::Exponential2).expect("steps");
    // Per-window tolerance 1e-14 V: window-start errors are amplified by later upstrokes.
    let opts = RelaxationOptions::default()
        .coupling(Coupling::Jacobi)
        .window(0.005)
        .tol(1e-14);
    let wr = solve_relaxation(&wide, grid, &wv0, &wx0, opts).expect("converges");
    let d = max_diff(picard.v.data(), wr.solution.v.data());
    assert!(d <= 1e-12, "{d} V between Jacobi WR and time stepping");
    assert_eq!(wr.windows.len(), 4);
    assert!(wr.windows.iter().all(|w| w.iterations >= 1));
    // The pulse makes neuron 0 fire and the excitation travel along the ring.
    assert!(!picard.spike_times(0, 0.0).is_empty());
    assert!(
        !newton.spike_times(1, 0.0).is_empty(),
        "neuron 1 fires through the gap junction and synapse"
    );
    let r = solve_relaxation(
        &c,
        grid,
        &v0,
        &x0,
        RelaxationOptions::default().coupling(Coupling::Jacobi),
    )
    .expect("converges");
    assert!(max_diff(newton.v.data(), r.solution.v.data()) <= 1e-12);
}
