use super::*;
use crate::element::expr::hh_rates::{ALPHA_M, ALPHA_N, BETA_M, BETA_N};
use crate::element::expr::{ExprGateSpec, ExprKinetics};
use crate::error::ModelError;
use crate::net::{
    Connectivity, HodgkinHuxley, Init, Network, NetworkBuilder, PopulationSpec, ProjectionSpec,
    Receptor, RecordSpec, RunResult, Scheme, Weight,
};

/// A channel `x` (`ḡ = 1`, `E = 0`) with conductance `g = gate` and one α/β gate `gate` with
/// rates `alpha` and 1.
fn one_gate_channel(gate: &str, alpha: &str) -> Vec<ExprChannelSpec> {
    vec![ExprChannelSpec {
        name: "x".into(),
        gbar: 1.0,
        e_rev: 0.0,
        conductance: gate.into(),
        gates: vec![ExprGateSpec::alpha_beta(gate, alpha, "1")],
    }]
}

/// The sodium and potassium channels of `p` as expressions (those of
/// `circuit::neuron::hodgkin_huxley_expression_channels`).
fn hh_channels(p: &HodgkinHuxley) -> Vec<ExprChannelSpec> {
    ExprChannelSpec::hodgkin_huxley((p.g_na, p.e_na), (p.g_k, p.e_k)).into()
}

/// `ChannelNeuron` with the classic HH channels and parameters.
fn expr_hh() -> ChannelNeuron {
    let p = HodgkinHuxley::classic();
    ChannelNeuron::new(p.membrane(), &hh_channels(&p)).expect("valid channels")
}

/// `n` neurons of `model`, excitatory and inhibitory exponential synapses with random
/// connectivity, a random constant drive, random initial voltages and explicit gates; `v` of
/// every neuron recorded every step.
fn network(model: impl NeuronModel + 'static, n: usize, gates: bool) -> Network {
    let mut b = NetworkBuilder::new(1e-5, 11);
    let mut pop = PopulationSpec::new("p", n, model)
        .receptor(Receptor::exponential("ge", 5e-3, 0.0))
        .receptor(Receptor::exponential("gi", 10e-3, -0.080))
        .threshold(-0.020)
        .refractory(2e-3)
        .init(
            "v",
            Init::Uniform {
                low: -0.070,
                high: -0.060,
            },
        )
        .init(
            "i_ext",
            Init::Uniform {
                low: 0.5e-9,
                high: 3e-9,
            },
        );
    if gates {
        pop = pop
            .init("m", Init::Constant(0.05))
            .init("h", Init::Constant(0.6))
            .init("n", Init::Constant(0.32));
    }
    b.population(pop);
    for (name, receptor, w) in [("e", "ge", 3e-9), ("i", "gi", 6e-9)] {
        b.projection(
            ProjectionSpec::new("p", "p", receptor, Connectivity::FixedProbability(0.3))
                .name(name)
                .weight(Weight::Constant(w))
                .delay(crate::net::Delay::Constant(5e-4)),
        );
    }
    b.record(RecordSpec::new("p", "v", (0..n).collect(), 0.0));
    b.build().expect("valid network")
}

/// The spikes of a run as (id, time \[s\]), rounded to 1e-12 s (runs whose voltages agree to
/// rounding locate their crossings inside a step to a few ulps).
fn spikes(out: &RunResult) -> Vec<(u32, i64)> {
    out.spikes
        .times
        .iter()
        .zip(&out.spikes.ids)
        .map(|(t, &i)| (i, (t * 1e12).round() as i64))
        .collect()
}

/// Largest `|Δv|` \[V\] between the recordings of two runs.
fn max_dv(a: &RunResult, b: &RunResult) -> f64 {
    let (ra, rb) = (&a.recordings[0], &b.recordings[0]);
    ra.values
        .iter()
        .flatten()
        .zip(rb.values.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn bits(net: &Network, out: &RunResult, vars: &[&str]) -> Vec<Vec<u64>> {
    let mut v: Vec<Vec<u64>> = vars
        .iter()
        .map(|x| {
            net.state("p", x)
                .expect("variable")
                .iter()
                .map(|y| y.to_bits())
                .collect()
        })
        .collect();
    v.push(
        out.spikes
            .times
            .iter()
            .zip(&out.spikes.ids)
            .map(|(t, &i)| t.to_bits() ^ u64::from(i))
            .collect(),
    );
    v.extend(
        out.recordings[0]
            .values
            .iter()
            .map(|r| r.iter().map(|y| y.to_bits()).collect()),
    );
    v
}

#[test]
fn hh_as_expressions_reproduces_the_builtin_hh_network() {
    for simd in [SimdLevel::Auto, SimdLevel::Portable] {
        let mut builtin = network(HodgkinHuxley::classic(), 20, true);
        let mut ours = network(expr_hh(), 20, true);
        let opts = crate::net::RunOptions::default().simd(simd);
        let a = builtin.run_with(0.2, opts).expect("runs");
        let b = ours.run_with(0.2, opts).expect("runs");
        assert!(a.spikes.ids.len() > 100, "active: {}", a.spikes.ids.len());
        assert_eq!(spikes(&a), spikes(&b), "{simd:?}: spike trains differ");
        let dv = max_dv(&a, &b);
        eprintln!(
            "{simd:?}: {} spikes, max |dv| = {dv:e} V",
            a.spikes.ids.len()
        );
        assert!(dv <= 1e-12, "{simd:?}: max |dv| = {dv:e} V");
    }
}

#[test]
fn a_tau_inf_gate_equals_its_alpha_beta_form() {
    // The potassium gate n written as τ = 1/(α + β), x∞ = α/(α + β).
    let p = HodgkinHuxley::classic();
    let mut channels = hh_channels(&p);
    let sum = format!("({ALPHA_N}) + ({BETA_N})");
    channels[1].gates[0].kinetics = ExprKinetics::TauInf {
        tau: format!("1/({sum})"),
        inf: format!("({ALPHA_N})/({sum})"),
    };
    let tau_inf = ChannelNeuron::new(p.membrane(), &channels).expect("valid");
    // Coefficients: equal to rounding, also at the singular point −55 mV.
    let ab = expr_hh();
    let mut worst = 0.0_f64;
    for k in 0..=2000 {
        for v in [-100.0 + 0.1 * f64::from(k), -55.0, -55.0 + 1e-9] {
            let expr = |m: &Mechanism| match m {
                Mechanism::Expr(e) => e.gate_coefficients(0, v),
                Mechanism::Gated(_) => (f64::NAN, f64::NAN),
            };
            let (a0, b0) = expr(&ab.channels[1]);
            let (a1, b1) = expr(&tau_inf.channels[1]);
            worst = worst
                .max(((a1 - a0) / a0).abs())
                .max(((b1 - b0) / b0).abs());
        }
    }
    assert!(
        worst <= 1e-14,
        "coefficients: worst relative difference {worst:e}"
    );
    // A spiking network: the same spikes, v to rounding.
    let mut a = network(ab, 20, true);
    let mut b = network(tau_inf, 20, true);
    let (ra, rb) = (a.run(0.2, 1).expect("runs"), b.run(0.2, 1).expect("runs"));
    assert!(ra.spikes.ids.len() > 100);
    assert_eq!(spikes(&ra), spikes(&rb));
    let dv = max_dv(&ra, &rb);
    eprintln!("tau/inf vs alpha/beta: max |dv| = {dv:e} V, coefficients {worst:e}");
    assert!(dv <= 1e-12, "max |dv| = {dv:e} V");
}

#[test]
fn block_and_neuron_by_neuron_evaluation_are_bitwise_identical() {
    // Some neurons start exactly on the removable singularities of α_m (−40 mV) and α_n
    // (−55 mV), where the block path re-evaluates the flagged lanes by their limit.
    let run = |block: bool| {
        let mut b = NetworkBuilder::new(1e-5, 3);
        let mut v: Vec<f64> = (0..700)
            .map(|i| -0.075 + 1e-4 * f64::from(i % 300))
            .collect();
        v[5] = -0.040;
        v[600] = -0.055;
        b.population(
            PopulationSpec::new("p", 700, expr_hh().with_block_evaluation(block))
                .receptor(Receptor::exponential("ge", 5e-3, 0.0))
                .init("v", Init::Values(v))
                .init(
                    "i_ext",
                    Init::Uniform {
                        low: 0.0,
                        high: 3e-9,
                    },
                ),
        );
        b.projection(
            ProjectionSpec::new("p", "p", "ge", Connectivity::FixedInDegree(20))
                .weight(Weight::Constant(1e-9)),
        );
        b.record(RecordSpec::new("p", "v", vec![0, 5, 600, 699], 0.0));
        let mut net = b.build().expect("valid");
        let out = net.run(0.03, 1).expect("runs");
        assert!(out.spikes.ids.len() > 100, "{}", out.spikes.ids.len());
        bits(&net, &out, &["v", "m", "h", "n", "ge"])
    };
    assert!(
        run(true) == run(false),
        "block and scalar evaluation differ"
    );
}

#[test]
fn results_are_bitwise_identical_for_1_and_2_threads() {
    let fp = |threads: usize| {
        let mut net = network(expr_hh(), 1100, false);
        let out = net.run(0.02, threads).expect("runs");
        assert_eq!(out.stats.threads, threads);
        assert!(out.spikes.ids.len() > 500, "{}", out.spikes.ids.len());
        bits(&net, &out, &["v", "m", "h", "n", "ge", "gi"])
    };
    assert!(fp(1) == fp(2), "1 and 2 threads differ");
}

#[test]
fn gates_start_at_their_steady_state_at_each_neurons_initial_v() {
    let m = expr_hh();
    // Defaults: v = e_leak, gates at their steady state there, i_ext = 0.
    let x = m.initial_values();
    let e_l = HodgkinHuxley::classic().e_leak;
    assert_eq!(x.len(), 5);
    assert_eq!(x[0], e_l);
    assert_eq!(x[4], 0.0);
    use crate::element::channel::hh::{H_GATE, M_GATE, N_GATE};
    for (got, g) in x[1..4].iter().zip([M_GATE, H_GATE, N_GATE]) {
        assert!(
            (got - g.steady_state(e_l)).abs() < 1e-14,
            "{got} vs {}",
            g.steady_state(e_l)
        );
    }
    // Random initial v, h given explicitly: m and n at their steady states at each v.
    let mut b = NetworkBuilder::new(1e-5, 5);
    b.population(
        PopulationSpec::new("p", 50, expr_hh())
            .init(
                "v",
                Init::Uniform {
                    low: -0.080,
                    high: -0.050,
                },
            )
            .init("h", Init::Constant(0.25)),
    );
    let net = b.build().expect("valid");
    let v = net.state("p", "v").expect("v");
    assert!(v.windows(2).any(|w| w[0] != w[1]));
    for (k, name) in [(0, "m"), (2, "n")] {
        let (ch, j) = if k == 0 { (0, 0) } else { (1, 0) };
        for (x, v) in net.state("p", name).expect("gate").iter().zip(v) {
            assert_eq!(*x, m.channels[ch].gate_steady_state(j, *v), "{name} at {v}");
        }
    }
    assert!(net.state("p", "h").expect("h").iter().all(|&h| h == 0.25));
    // The built-in models keep their constant defaults.
    let mut b = NetworkBuilder::new(1e-5, 5);
    b.population(
        PopulationSpec::new("p", 3, HodgkinHuxley::classic()).init("v", Init::Constant(-0.050)),
    );
    let net = b.build().expect("valid");
    assert_eq!(
        net.state("p", "m").expect("m")[0],
        HodgkinHuxley::classic().initial_values()[1]
    );
}

#[test]
fn variables_and_errors() {
    let m = expr_hh();
    let names: Vec<&str> = m.variables().iter().map(|v| v.name.as_ref()).collect();
    assert_eq!(names, ["v", "m", "h", "n", "i_ext"]);
    assert_eq!(m.variables()[2].unit, "1");
    assert_eq!(m.kind(), "conductance");
    assert!(m.validate().is_ok());
    let p = HodgkinHuxley::classic();
    // Two channels with a gate of the same name.
    let mut ch = hh_channels(&p);
    ch.push(ExprChannelSpec {
        name: "na2".into(),
        gbar: 10.0,
        e_rev: 0.05,
        conductance: "m".into(),
        gates: vec![ExprGateSpec::alpha_beta("m", ALPHA_M, BETA_M)],
    });
    let e = ChannelNeuron::new(p.membrane(), &ch).expect_err("clash");
    assert_eq!(
        e,
        NetError::DuplicateGate {
            gate: "m".into(),
            first: "na".into(),
            second: "na2".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "gate 'm' of channel 'na2' is also a gate of channel 'na': gate names must be distinct across the channels of a neuron"
    );
    // A gate named like the injected current.
    let ch = one_gate_channel("i_ext", "1");
    let e = ChannelNeuron::new(p.membrane(), &ch).expect_err("reserved");
    assert!(
        matches!(&e, NetError::ReservedGateName { gate, channel } if gate == "i_ext" && channel == "x"),
        "{e}"
    );
    // A channel that does not compile, and one named v.
    let ch = one_gate_channel("q", "exq(v)");
    let e = ChannelNeuron::new(p.membrane(), &ch).expect_err("bad expression");
    assert!(
        matches!(&e, NetError::Channel(ModelError::BadExpression { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("did you mean 'exp'"), "{e}");
    let ch = one_gate_channel("v", "1");
    assert!(matches!(
        ChannelNeuron::new(p.membrane(), &ch),
        Err(NetError::Channel(_))
    ));
    // Membrane parameters, through the builder.
    let bad = ChannelNeuron::new(
        Membrane {
            c_m: 0.0,
            ..p.membrane()
        },
        &hh_channels(&p),
    )
    .expect("channels are valid");
    let mut b = NetworkBuilder::new(1e-5, 0);
    b.population(PopulationSpec::new("p", 1, bad));
    let e = b.build().expect_err("c_m = 0");
    assert!(
        matches!(&e, NetError::BadParameter { subject, .. } if *subject == crate::net::Subject::model("conductance", "c_m")),
        "{e}"
    );
    // No channels: a passive membrane relaxes to e_leak.
    let passive = ChannelNeuron::new(p.membrane(), &[]).expect("valid");
    let mut b = NetworkBuilder::new(1e-4, 0);
    b.population(PopulationSpec::new("p", 1, passive).init("v", Init::Constant(-0.070)));
    let mut net = b.build().expect("valid");
    net.run(0.1, 1).expect("runs");
    let v = net.state("p", "v").expect("v")[0];
    assert!((v - p.e_leak).abs() < 1e-9, "{v}");
}

/// HH with the sodium activation instantaneous (`m = m∞(v)`, Rinzel 1985): `v`, `h`, `n` are
/// the states, the sodium conductance depends on `v` directly.
fn hh_instantaneous_m() -> ChannelNeuron {
    let p = HodgkinHuxley::classic();
    let [mut na, k] = ExprChannelSpec::hodgkin_huxley((p.g_na, p.e_na), (p.g_k, p.e_k));
    na.gates[0] =
        ExprGateSpec::instantaneous("m", &format!("({ALPHA_M})/(({ALPHA_M}) + ({BETA_M}))"));
    ChannelNeuron::new(p.membrane(), &[na, k]).expect("valid channels")
}

#[test]
fn an_instantaneous_gate_is_no_variable_and_block_evaluation_stays_bitwise() {
    let model = hh_instantaneous_m();
    let names: Vec<&str> = model.variables().iter().map(|v| &*v.name).collect();
    assert_eq!(names, ["v", "h", "n", "i_ext"]);
    for scheme in [Scheme::ExpEuler, Scheme::Exp2] {
        let run = |block: bool| {
            let mut b = NetworkBuilder::new(1e-5, 3);
            let v: Vec<f64> = (0..300)
                .map(|i| -0.075 + 1e-4 * f64::from(i % 300))
                .collect();
            b.scheme(scheme);
            b.population(
                PopulationSpec::new("p", 300, hh_instantaneous_m().with_block_evaluation(block))
                    .init("v", Init::Values(v))
                    .init(
                        "i_ext",
                        Init::Uniform {
                            low: 0.0,
                            high: 3e-9,
                        },
                    ),
            );
            b.record(RecordSpec::new("p", "v", vec![0, 150, 299], 0.0));
            let mut net = b.build().expect("valid");
            let out = net.run(0.02, 1).expect("runs");
            assert!(!out.spikes.ids.is_empty(), "{scheme:?}: no spikes");
            bits(&net, &out, &["v", "h", "n"])
        };
        assert!(
            run(true) == run(false),
            "{scheme:?}: block and scalar evaluation differ"
        );
    }
}
