//! Every model file under `examples/` loads, round-trips through TOML, and runs.

mod common;

use std::path::PathBuf;

use memrc::circuit::relaxation::{solve_relaxation, solve_stepping};
use memrc::circuit::system::CircuitSystem;
use memrc::solver::{Output, solve};
use memrc_io::{LoadedModel, ModelKind, Solver, load, load_str, parse_str};

fn example_files() -> Vec<PathBuf> {
    let dir = common::examples_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 7,
        "expected the example files, found {files:?}"
    );
    files
}

fn fingerprint(m: &LoadedModel) -> String {
    match &m.kind {
        ModelKind::Circuit(c) => format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}",
            c.circuit, c.initial, c.simulation, c.probes, m.output
        ),
        ModelKind::Hopfield(h) => format!("{h:?}|{:?}", m.output),
        ModelKind::Network(n) => format!(
            "{:?}|{:?}|{}|{}|{}|{}|{:?}",
            n.builder, n.estimate, n.dt, n.t_end, n.seed, n.spikes, m.output
        ),
    }
}

#[test]
fn every_example_loads_and_round_trips() {
    for path in example_files() {
        let m = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let text = m.file.to_toml_string().expect("serialises");
        let again = load_str(&text, &path.display().to_string())
            .unwrap_or_else(|e| panic!("{}: round trip: {e}\n{text}", path.display()));
        assert_eq!(again.file, m.file, "{}", path.display());
        assert_eq!(fingerprint(&again), fingerprint(&m), "{}", path.display());
        assert_eq!(parse_str(&text, "x").expect("parses"), m.file);
    }
}

#[test]
fn every_example_runs() {
    for path in example_files() {
        let m = load(&path).unwrap_or_else(|e| panic!("{e}"));
        let name = path.display().to_string();
        match &m.kind {
            ModelKind::Network(n) => {
                // A short run (the examples themselves are run by the CLI tests).
                let mut net = n
                    .builder
                    .clone()
                    .build()
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let out = net.run(0.02, 2).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(out.stats.steps, (0.02 / n.dt).round() as u64, "{name}");
            }
            ModelKind::Hopfield(h) => {
                let run = h
                    .network
                    .simulate(&h.initial, h.t_end, h.dt)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(run.lyapunov_decreasing, "{name}");
            }
            ModelKind::Circuit(c) => {
                let (v0, x0) = c.initial_state().unwrap_or_else(|e| panic!("{name}: {e}"));
                let grid = c.simulation.grid().expect("grid");
                let v = match &c.simulation.solver {
                    Solver::Relaxation(o) => {
                        solve_relaxation(&c.circuit, grid, &v0, &x0, *o)
                            .unwrap_or_else(|e| panic!("{name}: {e}"))
                            .solution
                            .v
                    }
                    Solver::Stepping { scheme } => {
                        solve_stepping(&c.circuit, grid, &v0, &x0, *scheme)
                            .unwrap_or_else(|e| panic!("{name}: {e}"))
                            .v
                    }
                    Solver::Ode { method, config } => {
                        let sys = CircuitSystem::new(&c.circuit);
                        let y0: Vec<f64> = v0.iter().chain(&x0).copied().collect();
                        let cfg = config.clone().with_t_stops(
                            sys.breakpoints(c.simulation.t_start, c.simulation.t_end),
                        );
                        let sol = solve(
                            &sys,
                            *method,
                            &cfg,
                            c.simulation.t_start,
                            &y0,
                            c.simulation.t_end,
                            Output::Intervals(c.simulation.steps),
                        )
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                        assert_eq!(sol.times.len(), c.simulation.steps + 1);
                        continue;
                    }
                };
                assert_eq!(v.grid().len(), c.simulation.steps + 1, "{name}");
            }
        }
    }
}

/// The behaviour each example is there to show.
#[test]
fn examples_show_what_they_claim() {
    let dir = common::examples_dir();
    let run = |file: &str| {
        let m = load(dir.join(file)).expect("loads");
        let ModelKind::Circuit(c) = m.kind else {
            panic!("circuit")
        };
        let (v0, x0) = c.initial_state().expect("initial");
        let grid = c.simulation.grid().expect("grid");
        let sol = match c.simulation.solver {
            Solver::Relaxation(o) => {
                solve_relaxation(&c.circuit, grid, &v0, &x0, o)
                    .expect("runs")
                    .solution
            }
            Solver::Stepping { scheme } => {
                solve_stepping(&c.circuit, grid, &v0, &x0, scheme).expect("runs")
            }
            Solver::Ode { .. } => panic!("engine solver expected"),
        };
        (c, sol)
    };
    // hh_spike: one spike, shortly after the pulse at 20 ms.
    let (_, sol) = run("hh_spike.toml");
    let spikes = sol.spike_times(0, 0.0);
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert!(spikes[0] > 0.020 && spikes[0] < 0.025, "{spikes:?}");
    // The same with user-defined channels: the same spike.
    let (_, sol2) = run("hh_user_channels.toml");
    let s2 = sol2.spike_times(0, 0.0);
    assert_eq!(s2.len(), 1, "{s2:?}");
    assert!((s2[0] - spikes[0]).abs() < 1e-4, "{s2:?} vs {spikes:?}");
    // hh_step: repetitive firing.
    let (_, sol) = run("hh_step.toml");
    assert!(sol.spike_times(0, 0.0).len() >= 5);
    // two_neurons: the postsynaptic neuron depolarises.
    let (_, sol) = run("two_neurons.toml");
    let post = sol.v.component(1);
    let rest = post[0];
    let peak = post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(peak - rest > 1e-3, "post rises by {} V", peak - rest);
    // ideal memristor: the memductance changes by a factor > 2 over the run.
    let (c, sol) = run("ideal_memristor.toml");
    let phi = sol.x.component(0);
    let el = &c.circuit.branches()[0].element;
    let g = |p: f64| {
        let mut out = [0.0];
        el.conductance(&[p], &[0.0], &mut out);
        out[0]
    };
    let gmax = phi.iter().map(|p| g(*p)).fold(0.0, f64::max);
    assert!(gmax > 2.0 * g(0.0), "W ranges {} .. {gmax}", g(0.0));
    // hp memristor: the state sweeps a good part of [0, 1].
    let (_, sol) = run("hp_memristor.toml");
    let x = sol.x.component(0);
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(*y), b.max(*y))
        });
    assert!(hi - lo > 0.3, "x in [{lo}, {hi}]");
}
