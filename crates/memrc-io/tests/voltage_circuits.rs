//! Voltage-driven memristor circuits from model files (`examples/hp_voltage_series.toml`,
//! `examples/hp_voltage_ideal.toml`), against the closed form of the windowless HP memristor
//! driven through a resistance: with `R(x) = R_off − ΔR x`, `ẋ = k i` and `i = V/(R_s + R(x))`,
//! the charge `q` obeys `(a − b q) q̇ = V(t)` (`a = R_s + R_off − ΔR x₀`, `b = ΔR k`), so
//! `a q − b q²/2 = Φ(t) = ∫₀ᵗ V` and `q = (a − √(a² − 2bΦ))/b`, `x = x₀ + k q` (Strukov et al.
//! 2008). The node's 1 pF lags it by `τ = (R_s ∥ R) C ≤ 1 ns`, which moves `x` by about
//! `k τ max|i| ≈ 1e-9`.

mod common;

use memrc::Grid;
use memrc::analysis::energy::energy_balance_for;
use memrc::circuit::discrete::CircuitSolution;
use memrc::circuit::relaxation::solve_stepping;
use memrc_io::{CircuitModel, ProbeTarget, Solver, load};

const R_ON: f64 = 100.0;
const R_OFF: f64 = 16e3;
const X0: f64 = 0.1;
/// `k = μ_v R_on / D²` \[1/C\].
const K: f64 = 1e-14 * R_ON / (10e-9 * 10e-9);
const A: f64 = 1.5;
const W: f64 = std::f64::consts::TAU;

/// `(x, i)` at `t` for series resistance `rs` (closed form, see the module docs).
fn closed_form(rs: f64, t: f64) -> (f64, f64) {
    let dr = R_OFF - R_ON;
    let (a, b) = (rs + R_OFF - dr * X0, dr * K);
    let phi = A * (1.0 - (W * t).cos()) / W;
    let q = 2.0 * phi / (a + (a * a - 2.0 * b * phi).sqrt());
    let i = A * (W * t).sin() / (a - b * q);
    (X0 + K * q, i)
}

fn model(name: &str) -> CircuitModel {
    let m = load(common::example(name)).unwrap_or_else(|e| panic!("{e}"));
    match m.kind {
        memrc_io::ModelKind::Circuit(c) => c,
        _ => panic!("{name} is a circuit"),
    }
}

fn stepping(c: &CircuitModel, steps: usize) -> CircuitSolution {
    let Solver::Stepping { scheme } = c.simulation.solver else {
        panic!("the examples use time stepping");
    };
    let (v0, x0) = c.initial_state().expect("initial state");
    let grid = Grid::span(c.simulation.t_start, c.simulation.t_end, steps).expect("grid");
    solve_stepping(&c.circuit, grid, &v0, &x0, scheme).expect("solves")
}

/// Largest deviation of `x` from the closed form.
fn x_error(sol: &CircuitSolution, rs: f64) -> f64 {
    let g = sol.v.grid();
    (0..g.len()).fold(0.0, |m, k| {
        m.max((sol.x.at(k)[0] - closed_form(rs, g.time(k)).0).abs())
    })
}

/// The HP example's `x` converges to the closed form at second order (the example's scheme,
/// trapezoid for the series source, EXP2 for the ideal one), and the source's work and current
/// match it.
fn check(name: &str, rs: f64) {
    let c = model(name);
    let steps = c.simulation.steps;
    assert_eq!(steps, 20_000);
    let sol = stepping(&c, steps);
    let half = stepping(&c, steps / 2);
    let (e, e2) = (x_error(&sol, rs), x_error(&half, rs));
    let order = (e2 / e).log2();
    eprintln!("{name}: x errors {e2:.3e} (2h), {e:.3e} (h)");
    assert!(e < 1e-7, "{name}: x error {e}");
    assert!(
        (order - 2.0).abs() < 0.2,
        "{name}: errors {e2}, {e}: order {order}"
    );
    // The state swings from 0.1 to about 0.49 and back (a pinched loop).
    let xmax = (0..sol.x.len()).map(|k| sol.x.at(k)[0]).fold(0.0, f64::max);
    assert!(xmax > 0.45 && xmax < 0.55, "{name}: x up to {xmax}");
    let scheme = match c.simulation.solver {
        Solver::Stepping { scheme } => scheme,
        _ => unreachable!(),
    };
    let eb = energy_balance_for(&c.circuit, &sol, scheme).expect("balance");
    assert!(eb.rel_residual < 1e-12, "{name}: {eb:?}");
    // The source's work ∫ V i dt against Simpson on the closed form (2e5 intervals).
    let n = 200_000;
    let h = 2.0 / f64::from(n);
    let work: f64 = (0..=n)
        .map(|k| {
            let t = f64::from(k) * h;
            let wgt = if k == 0 || k == n {
                1.0
            } else {
                f64::from(2 + 2 * (k % 2))
            };
            wgt * A * (W * t).sin() * closed_form(rs, t).1
        })
        .sum::<f64>()
        * h
        / 3.0;
    let s = &eb.voltage_sources[0];
    assert_eq!(s.name, "vin");
    assert!(
        (s.energy - work).abs() < 1e-6 * work,
        "{name}: work {} vs {work}",
        s.energy
    );
    // The largest current over the samples (after the voltage's peak: R(x) is still falling).
    let g = sol.v.grid();
    let peak = (0..g.len())
        .map(|k| closed_form(rs, g.time(k)).1)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (s.current_max - peak).abs() < 1e-4 * peak,
        "{name}: peak current {} vs {peak}",
        s.current_max
    );
}

#[test]
fn hp_memristor_behind_a_resistor_matches_the_closed_form() {
    check("hp_voltage_series.toml", 1e3);
}

#[test]
fn hp_memristor_on_an_ideal_source_matches_the_closed_form() {
    check("hp_voltage_ideal.toml", 0.0);
    // The driven node is the source's voltage at every sample, exactly.
    let c = model("hp_voltage_ideal.toml");
    let sol = stepping(&c, c.simulation.steps);
    let g = sol.v.grid();
    for k in 0..g.len() {
        assert_eq!(sol.v.at(k)[0], A * (W * g.time(k)).sin(), "sample {k}");
    }
}

/// The series example with the Joglekar window (`kind = "hp-joglekar"`, `p = 2`), against
/// ngspice 39 running the behavioural SPICE model of the same circuit
/// (`data/hp_joglekar_ngspice.csv`, `bench/peers/hp_voltage_ngspice.sh`, reltol 1e-9): no
/// closed form, an independent simulator. memrc's trapezoid steps of 0.1 ms are within 5e-8 of
/// it in `x` (the scheme's error, 1.7e-8 on the windowless closed form above) and converge to it
/// at second order.
#[test]
fn hp_joglekar_behind_a_resistor_matches_ngspice() {
    let text = std::fs::read_to_string(common::example("hp_voltage_series.toml")).expect("file");
    let text = common::edited(&text, "kind = \"hp\"", "kind = \"hp-joglekar\"");
    let text = common::edited(
        &text,
        "mu_v = \"1e-14 m^2/(V*s)\" }",
        "mu_v = \"1e-14 m^2/(V*s)\", p = 2 }",
    );
    let c = match memrc_io::load_str(&text, "jog.toml").expect("loads").kind {
        memrc_io::ModelKind::Circuit(c) => c,
        _ => panic!("circuit"),
    };
    let data = std::fs::read_to_string(format!(
        "{}/tests/data/hp_joglekar_ngspice.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("data");
    let rows: Vec<[f64; 3]> = data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('t'))
        .map(|l| {
            let f: Vec<f64> = l.split(',').map(|x| x.parse().expect("number")).collect();
            [f[0], f[1], f[2]]
        })
        .collect();
    assert_eq!(rows.len(), 401);
    // Largest gaps (x, v) of the time-stepping solution with `steps` steps.
    let gaps = |steps: usize| {
        let sol = stepping(&c, steps);
        let dt = (c.simulation.t_end - c.simulation.t_start) / steps as f64;
        rows.iter().fold((0.0_f64, 0.0_f64), |(dx, dv), [t, x, v]| {
            let k = (t / dt).round() as usize;
            (
                dx.max((sol.x.at(k)[0] - x).abs()),
                dv.max((sol.v.at(k)[0] - v).abs()),
            )
        })
    };
    let (dx, dv) = gaps(c.simulation.steps);
    let (dx2, _) = gaps(2 * c.simulation.steps);
    eprintln!("x gaps to ngspice {dx:.2e} (dt), {dx2:.2e} (dt/2); v gap {dv:.2e} V");
    assert!(dx < 5e-8, "x differs from ngspice by {dx}");
    assert!(dv < 1e-6, "v differs from ngspice by {dv} V");
    assert!(dx2 < dx / 3.0, "halving dt: {dx} -> {dx2}");
}

/// `[[probe]] variable = "current", source = "vin"` reads
/// `Circuit::voltage_source_current`: behind 1 kΩ the memristor's closed-form current; on the
/// ideal source that plus the node's `C V̇` (with 1 µF on the node, 9.4 µA peak, a tenth of
/// the memristor's current, which the ideal source keeps from the memristor).
#[test]
fn source_current_probe_matches_the_closed_form() {
    for (name, rs, cap, farad) in [
        ("hp_voltage_series.toml", 1e3, "1 pF", 1e-12),
        ("hp_voltage_ideal.toml", 0.0, "1 pF", 1e-12),
        ("hp_voltage_ideal.toml", 0.0, "1 uF", 1e-6),
    ] {
        let text = std::fs::read_to_string(common::example(name)).expect("file");
        let text = common::edited(&text, "\"1 pF\"", &format!("\"{cap}\""));
        let text = format!("{text}\n[[probe]]\nvariable = \"current\"\nsource = \"vin\"\n");
        let c = match memrc_io::load_str(&text, name).expect("loads").kind {
            memrc_io::ModelKind::Circuit(c) => c,
            _ => panic!("circuit"),
        };
        let probe = c.probes.last().expect("probe");
        assert_eq!(probe.name, "i_vin");
        assert_eq!(probe.target, ProbeTarget::SourceCurrent { source: 0 });
        let sol = stepping(&c, c.simulation.steps);
        let g = sol.v.grid();
        let (mut worst, mut peak) = (0.0_f64, 0.0_f64);
        for k in 0..g.len() {
            let t = g.time(k);
            let got = c
                .circuit
                .voltage_source_current(0, t, sol.v.at(k), sol.x.at(k));
            let want = closed_form(rs, t).1 + farad * A * W * (W * t).cos();
            worst = worst.max((got - want).abs());
            peak = peak.max(want.abs());
        }
        eprintln!(
            "{name}, {cap}: source current within {:.2e} of the peak",
            worst / peak
        );
        // Measured 8.0e-8 (series) and 2.5e-8 (ideal): the scheme's error in x.
        assert!(worst < 5e-7 * peak, "{name} {cap}: {worst} of {peak}");
    }
}
