//! Instantaneous (memoryless) conductances in model files — `examples/morris_lecar.toml` and
//! `examples/nmda_mg_block.toml` — checked against independent references: the published
//! equations integrated here by classical RK4 at a tiny step (written from the papers, in mV,
//! ms and µA/cm², without any of memrc's expression or element code), closed-form fixed points,
//! and observed convergence orders.

mod common;

use memrc::circuit::relaxation::{solve_relaxation, solve_stepping};
use memrc::circuit::system::CircuitSystem;
use memrc::discretisation::LinearStep;
use memrc::solver::{Config, Crossing, Method, Output, Solution, solve};
use memrc_io::{CircuitModel, ModelKind, Solver, load_str};

fn example_text(name: &str) -> String {
    std::fs::read_to_string(common::example(name)).expect("example file")
}

fn circuit_of(text: &str, file: &str) -> CircuitModel {
    match load_str(text, file).expect("loads").kind {
        ModelKind::Circuit(c) => c,
        _ => panic!("{file}: a circuit model expected"),
    }
}

/// Classical RK4 of `ẏ = f(k, y)` (`k` the step index, so that a piecewise-constant input is
/// constant over every step) at step `h` for `steps` steps from `y0`; calls `each(k, y_k,
/// y_{k+1})` after every step.
fn rk4<const N: usize>(
    f: impl Fn(usize, &[f64; N]) -> [f64; N],
    y0: [f64; N],
    h: f64,
    steps: usize,
    mut each: impl FnMut(usize, &[f64; N], &[f64; N]),
) {
    let mut y = y0;
    let axpy = |y: &[f64; N], k: &[f64; N], s: f64| std::array::from_fn(|i| y[i] + s * k[i]);
    for k in 0..steps {
        let k1 = f(k, &y);
        let k2 = f(k, &axpy(&y, &k1, h / 2.0));
        let k3 = f(k, &axpy(&y, &k2, h / 2.0));
        let k4 = f(k, &axpy(&y, &k3, h));
        let next =
            std::array::from_fn(|i| y[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        each(k, &y, &next);
        y = next;
    }
}

/// A root of `f` in `[a, b]` (a sign change) by bisection to rounding.
fn bisect(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let fa = f(a);
    assert!(fa * f(b) <= 0.0, "no sign change on [{a}, {b}]");
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if (f(m) > 0.0) == (fa > 0.0) {
            a = m;
        } else {
            b = m;
        }
    }
    0.5 * (a + b)
}

// ---------------------------------------------------------------------------------------
// Morris–Lecar (Morris and Lecar 1981; the parameter set of Rinzel and Ermentrout 1989 /
// Ermentrout and Terman 2010, ch. 3), in mV, ms, µA/cm², mS/cm², µF/cm².

const ML_C: f64 = 20.0;
const ML_GL: f64 = 2.0;
const ML_GCA: f64 = 4.4;
const ML_GK: f64 = 8.0;
const ML_EL: f64 = -60.0;
const ML_ECA: f64 = 120.0;
const ML_EK: f64 = -84.0;
const ML_V1: f64 = -1.2;
const ML_V2: f64 = 18.0;
const ML_V3: f64 = 2.0;
const ML_V4: f64 = 30.0;
const ML_PHI: f64 = 0.04;
/// The example's step current \[µA/cm²\] and its onset \[ms\].
const ML_I: f64 = 120.0;
const ML_T_ON: f64 = 20.0;

fn ml_m_inf(v: f64) -> f64 {
    0.5 * (1.0 + ((v - ML_V1) / ML_V2).tanh())
}

fn ml_w_inf(v: f64) -> f64 {
    0.5 * (1.0 + ((v - ML_V3) / ML_V4).tanh())
}

fn ml_rhs(v: f64, w: f64, i: f64) -> [f64; 2] {
    let tau = 1.0 / (ML_PHI * ((v - ML_V3) / (2.0 * ML_V4)).cosh());
    let ion = ML_GL * (v - ML_EL) + ML_GCA * ml_m_inf(v) * (v - ML_ECA) + ML_GK * w * (v - ML_EK);
    [(i - ion) / ML_C, (ml_w_inf(v) - w) / tau]
}

/// The rest state (no current): `v` with `I_ion(v, w∞(v)) = 0` \[mV\], and `w∞` there.
fn ml_rest() -> [f64; 2] {
    let v = bisect(|v| ml_rhs(v, ml_w_inf(v), 0.0)[0], -80.0, -40.0);
    [v, ml_w_inf(v)]
}

/// Morris–Lecar from rest with the current `ML_I` switched on at `ML_T_ON`, by RK4 at `h` \[ms\]
/// up to `t_end` \[ms\] (`ML_T_ON` and `t_end` whole multiples of `h`): the upward crossings of
/// 0 mV \[ms\] (linear interpolation inside a step: error `O(h²)`, below 1e-7 ms at
/// `h = 1e-3`), and `v` \[mV\] every `every` steps.
fn ml_reference(h: f64, t_end: f64, every: usize) -> (Vec<f64>, Vec<f64>) {
    ml_reference_from(ml_rest(), ML_T_ON, h, t_end, every)
}

/// [`ml_reference`] from the state `y0` (`v` \[mV\], `w`) with the current switched on at
/// `t_on` \[ms\].
fn ml_reference_from(
    y0: [f64; 2],
    t_on: f64,
    h: f64,
    t_end: f64,
    every: usize,
) -> (Vec<f64>, Vec<f64>) {
    let on = (t_on / h).round() as usize;
    let steps = (t_end / h).round() as usize;
    let (mut spikes, mut samples) = (Vec::new(), vec![y0[0]]);
    rk4(
        |k, y| ml_rhs(y[0], y[1], if k >= on { ML_I } else { 0.0 }),
        y0,
        h,
        steps,
        |k, y, next| {
            if y[0] < 0.0 && next[0] >= 0.0 {
                spikes.push(h * (k as f64 + y[0] / (y[0] - next[0])));
            }
            if (k + 1) % every == 0 {
                samples.push(next[0]);
            }
        },
    );
    (spikes, samples)
}

/// Runs `c` with an ODE method at output interval `dt` \[s\], with spike crossings at 0 V.
fn run_ode(c: &CircuitModel, method: Method, config: Config, steps: usize) -> Solution {
    let sys = CircuitSystem::new(&c.circuit);
    let (v0, x0) = c.initial_state().expect("initial state");
    let y0: Vec<f64> = v0.iter().chain(&x0).copied().collect();
    let (t0, t1) = (c.simulation.t_start, c.simulation.t_end);
    let config = config
        .with_t_stops(sys.breakpoints(t0, t1))
        .with_crossings(vec![Crossing {
            component: 0,
            threshold: 0.0,
        }]);
    solve(&sys, method, &config, t0, &y0, t1, Output::Intervals(steps)).expect("solves")
}

#[test]
fn morris_lecar_rest_state_is_the_closed_form_one() {
    let c = circuit_of(&example_text("morris_lecar.toml"), "morris_lecar.toml");
    let (v0, x0) = c.initial_state().expect("initial state");
    let [v, w] = ml_rest();
    // The rest voltage is a root found by the circuit's Newton iteration; w = w∞ there.
    assert!(
        (v0[0] * 1e3 - v).abs() < 1e-9,
        "{} mV vs {v} mV",
        v0[0] * 1e3
    );
    assert_eq!(
        x0.len(),
        1,
        "the instantaneous Ca gate is not a state: {x0:?}"
    );
    assert!((x0[0] - w).abs() < 1e-12, "{} vs {w}", x0[0]);
}

#[test]
fn morris_lecar_spike_times_with_dopri5_match_the_reference() {
    let c = circuit_of(&example_text("morris_lecar.toml"), "morris_lecar.toml");
    let Solver::Ode { method, config } = &c.simulation.solver else {
        panic!("the example runs dopri5");
    };
    assert_eq!(*method, Method::DormandPrince45);
    let sol = run_ode(&c, *method, config.clone(), c.simulation.steps);
    let got: Vec<f64> = sol.crossings[0].iter().map(|t| t * 1e3).collect();
    let (want, _) = ml_reference(1e-3, 200.0, 1000);
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    assert!(want.len() >= 3, "{want:?}");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "morris-lecar dopri5 spike times {got:?} ms, reference {want:?} ms, worst {worst:e} ms"
    );
    // Target 0.01 ms; the file's rtol = 1e-8 gives about 1e-7 ms.
    assert!(
        worst < 1e-5,
        "spike times {got:?} vs {want:?}: {worst} ms apart"
    );
}

/// Largest difference \[mV\] between the samples of `v` (V) and the reference (mV).
fn max_error(v: impl IntoIterator<Item = f64>, reference: &[f64], stride: usize) -> f64 {
    v.into_iter()
        .step_by(stride)
        .zip(reference)
        .map(|(a, b)| (a * 1e3 - b).abs())
        .fold(0.0, f64::max)
}

/// Observed orders `log2(e(h)/e(h/2))` of successive halvings.
fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect()
}

#[test]
fn morris_lecar_exp2_keeps_order_two_with_the_instantaneous_gate() {
    // Over the first spike (0..50 ms), output compared every 0.1 ms.
    let text = example_text("morris_lecar.toml").replace("t_end = \"200 ms\"", "t_end = \"50 ms\"");
    let c = circuit_of(&text, "morris_lecar.toml");
    let (_, reference) = ml_reference(1e-3, 50.0, 100);
    let mut errors = Vec::new();
    for k in [1usize, 2, 4] {
        let dt = 1e-4 / k as f64;
        let steps = 500 * k;
        let sol = run_ode(
            &c,
            Method::Linear(LinearStep::Exponential2),
            Config::fixed(dt),
            steps,
        );
        errors.push(max_error(sol.component(0), &reference, k));
    }
    let p = orders(&errors);
    eprintln!("morris-lecar exp2 (ODE) errors {errors:?} mV, orders {p:?}");
    assert!(errors[2] < 0.5, "errors {errors:?} mV");
    for o in &p {
        assert!((o - 2.0).abs() < 0.3, "orders {p:?} (errors {errors:?} mV)");
    }
}

#[test]
fn morris_lecar_stepping_and_relaxation_converge_to_the_reference() {
    let text = example_text("morris_lecar.toml").replace("t_end = \"200 ms\"", "t_end = \"50 ms\"");
    let (_, reference) = ml_reference(1e-3, 50.0, 100);
    // Stepping of the discrete memRC equations with the exp2 scheme: order 2.
    let mut errors = Vec::new();
    for k in [1usize, 2, 4] {
        let t = text
            .replace(
                "dt = \"0.1 ms\"",
                &format!("dt = \"{} ms\"", 0.1 / k as f64),
            )
            .replace(
                "solver = \"dopri5\"",
                "solver = \"stepping\"\nscheme = \"exp2\"",
            )
            .replace("rtol = 1e-8\n", "")
            .replace("atol = 1e-10\n", "");
        let c = circuit_of(&t, "ml.toml");
        let (v0, x0) = c.initial_state().expect("initial");
        let sol = solve_stepping(
            &c.circuit,
            c.simulation.grid().expect("grid"),
            &v0,
            &x0,
            LinearStep::Exponential2,
        )
        .expect("steps");
        errors.push(max_error(sol.v.component(0), &reference, k));
    }
    let p = orders(&errors);
    eprintln!("morris-lecar stepping exp2 errors {errors:?} mV, orders {p:?}");
    for o in &p {
        assert!(
            (o - 2.0).abs() < 0.3,
            "stepping orders {p:?} (errors {errors:?} mV)"
        );
    }
    // The trajectory-space relaxation converges to the same discrete solution as stepping.
    let t = text
        .replace(
            "solver = \"dopri5\"",
            "solver = \"relaxation\"\nscheme = \"exp2\"\nwindow = \"5 ms\"",
        )
        .replace("rtol = 1e-8\n", "")
        .replace("atol = 1e-10\n", "");
    let c = circuit_of(&t, "ml.toml");
    let (v0, x0) = c.initial_state().expect("initial");
    let Solver::Relaxation(o) = c.simulation.solver else {
        panic!("relaxation")
    };
    let grid = c.simulation.grid().expect("grid");
    let relax = solve_relaxation(&c.circuit, grid, &v0, &x0, o).expect("relaxes");
    let step = solve_stepping(&c.circuit, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
    let gap = relax
        .solution
        .v
        .component(0)
        .iter()
        .zip(step.v.component(0))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!("morris-lecar relaxation vs stepping: {gap:e} V");
    assert!(gap < 1e-9, "relaxation and stepping differ by {gap} V");
}

// ---------------------------------------------------------------------------------------
// NMDA conductance with the magnesium block of Jahr and Stevens (1990) on a passive membrane
// (`examples/nmda_mg_block.toml`), in mV, ms, µA/cm², mS/cm², µF/cm².

const NMDA_G: f64 = 1.2 * 0.5; // gbar · s
const NMDA_MG: f64 = 1.0; // mM
const NMDA_GL: f64 = 0.1;
const NMDA_EL: f64 = -90.0;

/// `g s B(v) (v − 0) + g_L (v − E_L)` \[µA/cm²\], `B(v) = 1/(1 + [Mg]/3.57 e^{−0.062 v})`.
fn nmda_ionic(v: f64) -> f64 {
    let block = 1.0 / (1.0 + NMDA_MG / 3.57 * (-0.062 * v).exp());
    NMDA_G * block * v + NMDA_GL * (v - NMDA_EL)
}

/// The example's pulses \[µA/cm²\] in step `k` of length `h` \[ms\].
fn nmda_input(k: usize, h: f64) -> f64 {
    let t = k as f64 * h;
    if (50.0..60.0).contains(&(t + 0.5 * h)) {
        5.0
    } else if (150.0..160.0).contains(&(t + 0.5 * h)) {
        -10.0
    } else {
        0.0
    }
}

/// `v` \[mV\] every `every` steps of RK4 at `h` \[ms\] from −75.466 mV up to `t_end` \[ms\].
fn nmda_reference(h: f64, t_end: f64, every: usize) -> Vec<f64> {
    let mut samples = vec![-75.466];
    rk4(
        |k, y| [nmda_input(k, h) - nmda_ionic(y[0])],
        [-75.466],
        h,
        (t_end / h).round() as usize,
        |k, _, next| {
            if (k + 1) % every == 0 {
                samples.push(next[0]);
            }
        },
    );
    samples
}

#[test]
fn nmda_block_makes_the_membrane_bistable_at_the_closed_form_states() {
    // The fixed points of C v̇ = −I_ion(v): down, threshold, plateau.
    let down = bisect(nmda_ionic, -85.0, -65.0);
    let mid = bisect(nmda_ionic, -65.0, -40.0);
    let up = bisect(nmda_ionic, -40.0, -10.0);
    assert!(down < mid && mid < up);
    let c = circuit_of(&example_text("nmda_mg_block.toml"), "nmda_mg_block.toml");
    assert_eq!(c.circuit.n_states(), 0, "the NMDA conductance has no state");
    let (v0, x0) = c.initial_state().expect("initial");
    let sol = solve_stepping(
        &c.circuit,
        c.simulation.grid().expect("grid"),
        &v0,
        &x0,
        LinearStep::Exponential2,
    )
    .expect("steps");
    let v = sol.v.component(0);
    let at = |t_ms: f64| v[(t_ms / 0.05).round() as usize] * 1e3;
    eprintln!(
        "nmda states: down {down} mV, threshold {mid} mV, plateau {up} mV; run at 49, 149, 250 ms: {} {} {} mV",
        at(49.0),
        at(149.0),
        at(250.0)
    );
    assert!((at(49.0) - down).abs() < 1e-4, "{} vs {down}", at(49.0));
    assert!((at(149.0) - up).abs() < 1e-3, "{} vs {up}", at(149.0));
    assert!((at(250.0) - down).abs() < 1.0, "{} vs {down}", at(250.0));
}

#[test]
fn nmda_trajectory_matches_the_reference_with_every_solver_family() {
    let text = example_text("nmda_mg_block.toml");
    let reference = nmda_reference(1e-3, 250.0, 50);
    // dopri5 at a tight tolerance.
    let t = text.replace(
        "solver = \"stepping\"\nscheme = \"exp2\"",
        "solver = \"dopri5\"\nrtol = 1e-10\natol = 1e-12",
    );
    let c = circuit_of(&t, "nmda.toml");
    let sol = run_ode(
        &c,
        Method::DormandPrince45,
        match &c.simulation.solver {
            Solver::Ode { config, .. } => config.clone(),
            _ => panic!("dopri5"),
        },
        c.simulation.steps,
    );
    let e = max_error(sol.component(0), &reference, 1);
    eprintln!("nmda dopri5 (rtol 1e-10) max error {e:e} mV");
    assert!(e < 1e-6, "dopri5: {e} mV");
    // Stepping (exp2 scheme) and the exp2 ODE method: order 2.
    let mut stepping = Vec::new();
    let mut ode = Vec::new();
    for k in [1usize, 2, 4] {
        let dt = 0.05 / k as f64;
        let c = circuit_of(
            &text.replace("dt = \"0.05 ms\"", &format!("dt = \"{dt} ms\"")),
            "nmda.toml",
        );
        let (v0, x0) = c.initial_state().expect("initial");
        let grid = c.simulation.grid().expect("grid");
        let s =
            solve_stepping(&c.circuit, grid, &v0, &x0, LinearStep::Exponential2).expect("steps");
        stepping.push(max_error(s.v.component(0), &reference, k));
        let o = run_ode(
            &c,
            Method::Linear(LinearStep::Exponential2),
            Config::fixed(dt * 1e-3),
            c.simulation.steps,
        );
        ode.push(max_error(o.component(0), &reference, k));
    }
    let (ps, po) = (orders(&stepping), orders(&ode));
    eprintln!(
        "nmda stepping exp2 errors {stepping:?} mV, orders {ps:?}; ODE exp2 errors {ode:?} mV, orders {po:?}"
    );
    for o in ps.iter().chain(&po) {
        assert!((o - 2.0).abs() < 0.3, "orders {ps:?} {po:?}");
    }
}

// ---------------------------------------------------------------------------------------
// The same Morris–Lecar neuron in a network file (model = "conductance"): the instantaneous
// gate inside the network engine's schemes.

/// One Morris–Lecar neuron driven by 120 µA/cm² from t = 0 (`i_ext` = 120 µA/cm² × 20000 µm²
/// = 24 nA), starting at `v = e_leak = −60 mV`, `w = w∞(−60 mV)`; `v` recorded every step.
fn ml_network(solver: &str, dt: &str) -> String {
    format!(
        r#"[model]
name = "ml-net"

[network]
dt = "{dt}"
t_end = "200 ms"
{solver}

[parameters]
V1 = "-1.2 mV"
V2 = "18 mV"
V3 = "2 mV"
V4 = "30 mV"
phi = "0.04 1/ms"

[[channel]]
name = "ml-ca"
gbar = "4.4 mS/cm^2"
e_rev = "120 mV"
conductance = "m"
gates.m = {{ inf = "0.5*(1 + tanh((v - V1)/V2))" }}

[[channel]]
name = "ml-k"
gbar = "8 mS/cm^2"
e_rev = "-84 mV"
conductance = "w"
gates.w = {{ tau = "1/(phi*cosh((v - V3)/(2*V4)))", inf = "0.5*(1 + tanh((v - V3)/V4))" }}

[[population]]
name = "ml"
size = 1
model = "conductance"
channels = ["ml-ca", "ml-k"]
threshold = "0 mV"
refractory = "50 ms"                 # the Morris-Lecar spike stays above 0 mV for ~25 ms
params = {{ area = "20000 um^2", c_m = "20 uF/cm^2", g_leak = "2 mS/cm^2", e_leak = "-60 mV" }}
initial = {{ i_ext = "24 nA" }}

[[recording]]
population = "ml"
variables = ["v"]
"#
    )
}

fn run_network(text: &str) -> memrc::net::RunResult {
    let m = load_str(text, "ml-net.toml").unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("network");
    let mut net = n.builder.clone().build().expect("builds");
    net.run(n.t_end, 1).expect("runs")
}

fn ml_network_reference(h: f64, every: usize) -> (Vec<f64>, Vec<f64>) {
    ml_reference_from([-60.0, ml_w_inf(-60.0)], 0.0, h, 200.0, every)
}

#[test]
fn morris_lecar_network_spike_times_with_dopri5_and_rk23_match_the_reference() {
    let (want, _) = ml_network_reference(1e-3, 100);
    assert!(want.len() >= 3, "{want:?}");
    for (solver, tol) in [("dopri5", 1e-5), ("rk23", 1e-4)] {
        let text = ml_network(&format!("solver = \"{solver}\"\nrtol = 1e-9"), "0.1 ms");
        let out = run_network(&text);
        let got: Vec<f64> = out.spikes.times.iter().map(|t| t * 1e3).collect();
        assert_eq!(got.len(), want.len(), "{solver}: {got:?} vs {want:?}");
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!(
            "morris-lecar network {solver} (rtol 1e-9): spikes {got:?} ms, worst {worst:e} ms"
        );
        assert!(worst < tol, "{solver}: {got:?} vs {want:?}");
    }
}

#[test]
fn morris_lecar_network_fixed_step_schemes_keep_their_orders() {
    // Over the whole run, the recorded v every 0.1 ms against the reference.
    let (_, reference) = ml_network_reference(1e-3, 100);
    for (solver, order) in [("exp2", 2.0), ("exp-euler", 1.0)] {
        let mut errors = Vec::new();
        for k in [1usize, 2, 4] {
            let dt = 0.02 / k as f64;
            let out = run_network(&ml_network(
                &format!("solver = \"{solver}\""),
                &format!("{dt} ms"),
            ));
            let v = &out.recordings[0].values[0];
            errors.push(max_error(v.iter().copied(), &reference, 5 * k));
        }
        let p = orders(&errors);
        eprintln!("morris-lecar network {solver}: errors {errors:?} mV, orders {p:?}");
        for o in &p {
            assert!(
                (o - order).abs() < 0.3,
                "{solver}: orders {p:?} (errors {errors:?} mV)"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Located errors of the new keys.

#[test]
fn parameters_temperature_and_instantaneous_gates_give_located_errors() {
    let base = example_text("morris_lecar.toml");
    common::assert_edits(
        &base,
        "ml.toml",
        &[
            (
                "(v - V1)/V2",
                "(v - V11)/V2",
                "ml.toml:32:39: channel 'ml-ca' gates.m.inf: unknown variable 'V11' (did you mean 'V1'?)",
            ),
            (
                "(v - V1)/V2",
                "(v - zzzz)/V2",
                "ml.toml:32:39: channel 'ml-ca' gates.m.inf: unknown variable 'zzzz' (known names: v, V1, V2, V3, V4, phi, celsius)",
            ),
            (
                "V1 = \"-1.2 mV\"",
                "V1 = \"-1.2 mS\"",
                "ml.toml:21:6: 'parameters.V1': expression parameters are voltages (mV), times (ms), rates (1/ms), concentrations (mM) or dimensionless numbers; got 'mS' (a conductance)",
            ),
            (
                "V1 = \"-1.2 mV\"",
                "v = \"-1.2 mV\"",
                "ml.toml:21:5: 'parameters.v': 'v' is reserved in expressions ('v' is the membrane voltage, 'celsius' the temperature set by 'celsius' in [simulation] or [network])",
            ),
            (
                "V1 = \"-1.2 mV\"",
                "V1 = \"-1.2 mV\"\nexp = 2",
                "ml.toml:22:7: 'parameters.exp': 'exp' is the name of a function of the expressions",
            ),
            (
                "rtol = 1e-8",
                "rtol = 1e-8\ncelsius = \"20 degF\"",
                "ml.toml:18:11: 'celsius': expected a temperature such as \"6.3 degC\" or \"279.45 K\" (or a number in degC), got '20 degF'",
            ),
            (
                "rtol = 1e-8",
                "rtol = 1e-8\ncelsius = -300",
                "ml.toml:18:11: 'celsius': temperature -300 degC is not a finite temperature above absolute zero",
            ),
            (
                "rtol = 1e-8",
                "rtol = 1e-8\ncelsius = \"293.15 K\"",
                "loaded",
            ),
            (
                "{ inf = \"0.5*(1 + tanh((v - V1)/V2))\" }",
                "{ inf = \"0.5*(1 + tanh((v - V1)/V2))\", q10 = 3, q10_temperature = \"6.3 degC\" }",
                "ml.toml:32:56: gate 'm' of channel 'ml-ca' is instantaneous (inf alone): 'q10' scales rates and does not apply",
            ),
            (
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\" }",
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\", q10 = 3 }",
                "ml.toml:39:95: gate 'w' of channel 'ml-k': 'q10' needs 'q10_temperature', the temperature at which the rates hold (e.g. \"6.3 degC\")",
            ),
            (
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\" }",
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\", q10 = 0, q10_temperature = 6.3 }",
                "ml.toml:39:95: 'q10' of gate 'w' of channel 'ml-k' must be > 0, got 0",
            ),
            (
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\" }",
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\", q10_fixed = 2, q10 = 3 }",
                "ml.toml:39:101: gate 'w' of channel 'ml-k': give either 'q10' with 'q10_temperature', or 'q10_fixed'",
            ),
            (
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\" }",
                "inf = \"0.5*(1 + tanh((v - V3)/V4))\", q10_fixed = 2 }",
                "loaded",
            ),
            (
                "conductance = \"m\"",
                "conductance = \"m*(v < 0)\"",
                "loaded",
            ),
            (
                "conductance = \"m\"",
                "conductance = \"m*(v < 0 < 1)\"",
                "ml.toml:31:25: channel 'ml-ca' conductance: comparisons do not chain: write 'if(a < b, …)' or multiply two comparisons",
            ),
            (
                "gates.m = { inf",
                "gates.m = { tau = \"1\", alpha = \"1\", inf",
                "ml.toml:32:11: gate 'm' of channel 'ml-ca' needs either alpha and beta, or tau and inf, or inf alone (an instantaneous gate)",
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Temperature: Hodgkin–Huxley as NEURON's hh.mod writes it, every rate times
// q10 = 3^((celsius − 6.3)/10); gnabar 0.12, gkbar 0.036, gl 0.0003 S/cm², el −54.3 mV,
// ena 50, ek −77 mV, cm 1 µF/cm².

fn hh_rates(v: f64, phi: f64) -> [(f64, f64); 3] {
    // vtrap(x, y) = x/(exp(x/y) − 1), its limit y at x = 0 (hh.mod).
    let vtrap = |x: f64, y: f64| {
        if (x / y).abs() < 1e-6 {
            y * (1.0 - x / y / 2.0)
        } else {
            x / ((x / y).exp() - 1.0)
        }
    };
    [
        (
            0.1 * vtrap(-(v + 40.0), 10.0),
            4.0 * (-(v + 65.0) / 18.0).exp(),
        ),
        (
            0.07 * (-(v + 65.0) / 20.0).exp(),
            1.0 / ((-(v + 35.0) / 10.0).exp() + 1.0),
        ),
        (
            0.01 * vtrap(-(v + 55.0), 10.0),
            0.125 * (-(v + 65.0) / 80.0).exp(),
        ),
    ]
    .map(|(a, b)| (phi * a, phi * b))
}

fn hh_rhs(y: &[f64; 4], i: f64, phi: f64) -> [f64; 4] {
    let [v, m, h, n] = *y;
    let r = hh_rates(v, phi);
    let ion = 120.0 * m.powi(3) * h * (v - 50.0) + 36.0 * n.powi(4) * (v + 77.0) + 0.3 * (v + 54.3);
    [
        i - ion,
        r[0].0 * (1.0 - m) - r[0].1 * m,
        r[1].0 * (1.0 - h) - r[1].1 * h,
        r[2].0 * (1.0 - n) - r[2].1 * n,
    ]
}

/// Spike times \[ms\] of HH at `celsius` from rest with 10 µA/cm² from 5 ms, by RK4 at `h`.
fn hh_reference(celsius: f64, h: f64, t_end: f64) -> Vec<f64> {
    hh_reference_from(celsius, None, 5.0, h, t_end)
}

/// [`hh_reference`] from `v0` \[mV\] with the gates at their steady states there (`None`: the
/// rest state), the current switched on at `t_on` \[ms\].
fn hh_reference_from(celsius: f64, v0: Option<f64>, t_on: f64, h: f64, t_end: f64) -> Vec<f64> {
    let phi = 3f64.powf((celsius - 6.3) / 10.0);
    let inf = |v: f64| hh_rates(v, 1.0).map(|(a, b)| a / (a + b));
    let rest = v0.unwrap_or_else(|| {
        bisect(
            |v| {
                let [m, hh, n] = inf(v);
                hh_rhs(&[v, m, hh, n], 0.0, 1.0)[0]
            },
            -80.0,
            -50.0,
        )
    });
    let [m, hh, n] = inf(rest);
    let on = (t_on / h).round() as usize;
    let mut spikes = Vec::new();
    rk4(
        |k, y| hh_rhs(y, if k >= on { 10.0 } else { 0.0 }, phi),
        [rest, m, hh, n],
        h,
        (t_end / h).round() as usize,
        |k, y, next| {
            if y[0] < 0.0 && next[0] >= 0.0 {
                spikes.push(h * (k as f64 + y[0] / (y[0] - next[0])));
            }
        },
    );
    spikes
}

/// HH with every gate carrying q10 = 3 at 6.3 °C, run at `celsius`.
fn hh_q10_circuit(celsius: &str) -> String {
    format!(
        r#"[model]
name = "hh-temperature"

[simulation]
t_end = "50 ms"
dt = "0.1 ms"
solver = "dopri5"
rtol = 1e-10
atol = 1e-12
celsius = "{celsius}"

[[channel]]
name = "na"
gbar = "120 mS/cm^2"
e_rev = "50 mV"
conductance = "m^3*h"
gates.m = {{ alpha = "0.1*(v+40)/(1-exp(-(v+40)/10))", beta = "4*exp(-(v+65)/18)", q10 = 3, q10_temperature = "6.3 degC" }}
gates.h = {{ alpha = "0.07*exp(-(v+65)/20)", beta = "1/(1+exp(-(v+35)/10))", q10 = 3, q10_temperature = "6.3 degC" }}

[[channel]]
name = "k"
gbar = "36 mS/cm^2"
e_rev = "-77 mV"
conductance = "n^4"
gates.n = {{ alpha = "0.01*(v+55)/(1-exp(-(v+55)/10))", beta = "0.125*exp(-(v+65)/80)", q10 = 3, q10_temperature = "6.3 degC" }}

[[node]]
name = "soma"
capacitance = "1 uF/cm^2"

[[element]]
name = "na"
kind = "na"
node = "soma"

[[element]]
name = "k"
kind = "k"
node = "soma"

[[element]]
name = "leak"
kind = "leak"
node = "soma"
params = {{ gbar = "0.3 mS/cm^2", e_rev = "-54.3 mV" }}

[[stimulus]]
node = "soma"
kind = "step"
amplitude = "10 uA/cm^2"
start = "5 ms"
"#
    )
}

#[test]
fn hodgkin_huxley_at_6_3_and_20_degc_matches_neurons_hh_mod() {
    let mut counts = Vec::new();
    for celsius in [6.3, 20.0] {
        let c = circuit_of(&hh_q10_circuit(&format!("{celsius} degC")), "hh.toml");
        let Solver::Ode { method, config } = &c.simulation.solver else {
            panic!("dopri5")
        };
        let sol = run_ode(&c, *method, config.clone(), c.simulation.steps);
        let got: Vec<f64> = sol.crossings[0].iter().map(|t| t * 1e3).collect();
        let want = hh_reference(celsius, 1e-3, 50.0);
        assert_eq!(got.len(), want.len(), "{celsius} degC: {got:?} vs {want:?}");
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!(
            "hh at {celsius} degC: spikes {got:?} ms, worst {worst:e} ms from the hh.mod reference"
        );
        assert!(worst < 1e-5, "{celsius} degC: {got:?} vs {want:?}");
        counts.push(got.len());
    }
    // Warmer is faster: more spikes in the same 45 ms of drive.
    assert!(counts[1] > counts[0], "{counts:?}");
}

#[test]
fn the_network_celsius_reaches_the_q10_factors_of_its_channels() {
    // The channels of hh_q10_circuit in a one-neuron network at 20 °C, 2 nA = 10 µA/cm² from
    // t = 0, starting at −65 mV with the gates at their steady states there.
    let circuit = hh_q10_circuit("20 degC");
    let channels = &circuit
        [circuit.find("[[channel]]").expect("channels")..circuit.find("[[node]]").expect("node")];
    let text = format!(
        r#"[model]
name = "hh-net"

[network]
dt = "0.1 ms"
t_end = "50 ms"
solver = "dopri5"
rtol = 1e-10
celsius = "20 degC"

{channels}
[[population]]
name = "hh"
size = 1
model = "conductance"
channels = ["na", "k"]
threshold = "0 mV"
refractory = "2 ms"
params = {{ g_leak = "0.3 mS/cm^2", e_leak = "-54.3 mV" }}
initial = {{ i_ext = "2 nA", v = "-65 mV" }}
"#
    );
    let got: Vec<f64> = run_network(&text)
        .spikes
        .times
        .iter()
        .map(|t| t * 1e3)
        .collect();
    let want = hh_reference_from(20.0, Some(-65.0), 0.0, 1e-3, 50.0);
    assert!(want.len() >= 5, "{want:?}");
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "hh network at 20 degC: {} spikes, worst {worst:e} ms",
        got.len()
    );
    assert!(worst < 1e-5, "{got:?} vs {want:?}");
}

#[test]
fn temperature_and_q10_keys_round_trip() {
    for text in [
        hh_q10_circuit("20 degC"),
        hh_q10_circuit("293.15 K").replace(
            "q10 = 3, q10_temperature = \"6.3 degC\" }",
            "q10_fixed = 2.5 }",
        ),
    ] {
        assert!(text.contains("q10"));
        let m = load_str(&text, "hh.toml").expect("loads");
        let written = m.file.to_toml_string().expect("serialises");
        let again = load_str(&written, "hh.toml").expect("loads again");
        assert_eq!(again.file, m.file, "{written}");
    }
}
