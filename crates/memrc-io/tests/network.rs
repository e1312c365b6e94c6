//! Network model files: the COBAHH example is `net::cobahh`, the small example runs, the
//! user-channel example is the built-in HH network, and broken network files give pinned
//! one-line messages.

mod common;

use common::{assert_edits, edited, example, load_message, network_head};
use memrc::net::cobahh;
use memrc_io::{LoadOptions, load, load_str, load_str_with};

#[test]
fn cobahh_example_is_the_library_benchmark() {
    let m = load(example("cobahh.toml")).unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("a network model");
    assert_eq!(n.seed, 1);
    assert_eq!(n.dt, 1e-4);
    assert_eq!(n.steps, 10_000);
    assert_eq!(n.n_neurons(), 4000);
    let from_file = n.network.as_ref().expect("built");
    let lib = cobahh::build(4000, n.seed).expect("builds");
    assert_eq!(from_file.populations(), lib.populations());
    assert_eq!(from_file.n_synapses(), lib.n_synapses());
    for k in 0..4 {
        assert_eq!(
            from_file.connectivity(k),
            lib.connectivity(k),
            "projection {k}"
        );
    }
    for pop in ["exc", "inh"] {
        for var in ["v", "m", "h", "n", "ge", "gi", "i_ext"] {
            assert_eq!(
                from_file.state(pop, var),
                lib.state(pop, var),
                "{pop}.{var}"
            );
        }
    }
    // Bitwise identical spikes over a short run.
    let (mut a, mut b) = (n.builder.clone().build().expect("builds"), lib);
    let ra = a.run(0.05, 2).expect("runs");
    let rb = b.run(0.05, 3).expect("runs");
    assert!(ra.spikes.ids.len() > 100, "{} spikes", ra.spikes.ids.len());
    assert_eq!(ra.spikes, rb.spikes);
    // The recording of the file: v of exc 0, 1, 2 every step.
    assert_eq!(ra.recordings.len(), 1);
    assert_eq!(ra.recordings[0].neurons, vec![0, 1, 2]);
    assert_eq!(ra.recordings[0].times.len(), 500);
}

#[test]
fn small_example_builds_what_it_says() {
    let m = load(example("small_network.toml")).unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("a network model");
    assert_eq!(n.populations, vec![("exc".into(), 80), ("inh".into(), 20)]);
    assert_eq!(n.threads, 1);
    let net = n.network.as_ref().expect("built");
    // ee: in-degree 8 without autapses; ie: all-to-all; pairs: 3.
    let ee = net.connectivity(0).expect("ee");
    assert_eq!(ee.n_synapses(), 80 * 8);
    assert!(ee.in_degrees(80).iter().all(|&d| d == 8));
    for j in 0..80 {
        assert!(!ee.row(j).contains(&(j as u32)), "autapse at {j}");
    }
    assert_eq!(net.connectivity(2).expect("ie").n_synapses(), 20 * 80);
    assert_eq!(net.connectivity(3).expect("pairs").n_synapses(), 3);
    let v = net.state("exc", "v").expect("v");
    assert!(v.iter().all(|&x| (-0.070..-0.060).contains(&x)));
    let i = net.state("exc", "i_ext").expect("i_ext");
    assert!(i.iter().all(|&x| (0.0..0.4e-9).contains(&x)));
    let mut net = n.builder.clone().build().expect("builds");
    let t = std::time::Instant::now();
    let out = net.run(n.t_end, n.threads).expect("runs");
    assert!(t.elapsed().as_secs_f64() < 1.0);
    assert!(!out.spikes.ids.is_empty());
    assert_eq!(out.recordings[0].values.len(), 3);
    assert_eq!(out.recordings[1].neurons, vec![0, 1]);
    assert_eq!(out.recordings[1].times.len(), 200);
}

#[test]
fn delays_off_the_grid_are_rounded_with_a_warning() {
    let text = BASE.replace(
        "weight = \"6 nS\"",
        "weight = \"6 nS\"\ndelay = \"0.25 ms\"",
    );
    let m = load_str(&text, "n.toml").unwrap_or_else(|e| panic!("{e}"));
    let net = m.network().and_then(|n| n.network.as_ref()).expect("built");
    let w = format!("{:?}", net.warnings());
    assert!(w.contains("DelayRounded"), "{w}");
}

#[test]
fn check_mode_does_not_build() {
    let m = load_str_with(
        BASE,
        "n.toml",
        None,
        &LoadOptions::default().build_networks(false),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("network");
    assert!(n.network.is_none());
    assert_eq!(n.estimate.neurons, 12);
}

/// The excitatory receptor and initial voltages and the start of the inhibitory population:
/// the part that [`BASE`] and [`BASE_C`] share.
macro_rules! exc_receptor_and_inh {
    () => {
        r#"[[population.receptor]]
name = "ge"
tau = "5 ms"
e_rev = "0 mV"

[population.initial]
v = { mean = "-65 mV", sd = "5 mV" }

[[population]]
name = "inh"
size = 2
"#
    };
}

/// A small valid network; the cases below break one thing each.
const BASE: &str = concat!(
    network_head!("net", "0.1 ms", "10 ms"),
    r#"
[[population]]
name = "exc"
size = 10
model = "traub-miles"
params = { g_na = "100 mS/cm^2" }

"#,
    exc_receptor_and_inh!(),
    r#"model = "traub-miles"

[[population.receptor]]
name = "gi"
tau = "10 ms"
e_rev = "-80 mV"

[[projection]]
source = "exc"
target = "exc"
receptor = "ge"
rule = "fixed-probability"
p = 0.5
weight = "6 nS"

[[recording]]
population = "exc"
variables = ["v"]
neurons = [0, 1]
"#
);

#[test]
fn base_network_loads() {
    assert_eq!(load_message(BASE, "n.toml"), "loaded");
}

#[test]
fn broken_network_files() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "source = \"exc\"",
            "source = \"exd\"",
            "n.toml:33:10: 'source': unknown population 'exd' (did you mean 'exc'?)",
        ),
        (
            "weight = \"6 nS\"",
            "weight = \"-6 nS\"",
            "n.toml:38:10: projection 'exc->exc': weight -6e-9 S is not a non-negative finite conductance",
        ),
        (
            "receptor = \"ge\"\nrule",
            "receptor = \"gx\"\nrule",
            "n.toml:35:12: 'receptor': population 'exc' has no receptor 'gx' (did you mean 'ge'?)",
        ),
        (
            "size = 10",
            "size = 4000000000",
            "n.toml:36:8: the network needs about 16777216.0 TiB (4000000002 neurons, up to 8000000012000000000 synapses: neuron state 596.0 GiB, synapses 16777216.0 TiB, building 0 B, recordings 2.4 KiB), more than the limit of 8.0 GiB: make it smaller or record less",
        ),
        (
            "dt = \"0.1 ms\"",
            "dt = \"0.3 ms\"",
            "n.toml:5:6: the span 0.01 s is not a whole number of steps 'dt' = '0.3 ms' (33.333 steps)",
        ),
        (
            "params = { g_na = \"100 mS/cm^2\" }",
            "params = { gna = \"100 mS/cm^2\" }",
            "n.toml:12:18: unknown parameter 'gna' of model 'traub-miles' (did you mean 'g_na'?); expected one of: area, c_m, g_leak, e_leak, g_na, e_na, g_k, e_k, v_t",
        ),
        (
            "params = { g_na = \"100 mS/cm^2\" }",
            "params = { g_na = \"100 mV\" }",
            "n.toml:12:19: 'g_na': expected a conductance (S) or a conductance density (S/m^2), got 'mV' (a voltage)",
        ),
        (
            "params = { g_na = \"100 mS/cm^2\" }",
            "params = { g_na = \"-1 mS/cm^2\" }",
            "n.toml:12:19: population 'exc': traub-miles g_na = -10 is invalid: expected finite and >= 0",
        ),
        (
            "model = \"traub-miles\"",
            "model = \"traub\"",
            "n.toml:11:9: unknown model 'traub'; expected one of: traub-miles, hh, conductance",
        ),
        (
            "rule = \"fixed-probability\"",
            "rule = \"fixed-prob\"",
            "n.toml:36:8: unknown rule 'fixed-prob'; expected one of: fixed-probability, fixed-in-degree, one-to-one, all-to-all, list",
        ),
        (
            "p = 0.5",
            "p = 1.5",
            "n.toml:37:5: 'p' must be within [0, 1], got 1.5",
        ),
        (
            "p = 0.5",
            "k = 3",
            "n.toml:37:5: key 'k' applies only to rule = 'fixed-in-degree'; this projection uses 'fixed-probability'",
        ),
        (
            "p = 0.5",
            "",
            "n.toml:36:8: rule 'fixed-probability' needs the key 'p'",
        ),
        (
            "weight = \"6 nS\"",
            "weight = { mean = \"6 nS\", sd = \"1 nS\" }",
            "n.toml:38:10: 'weight': expected a conductance or { low, high } (uniform; conductance increments must be ≥ 0, so no normal distribution)",
        ),
        (
            "weight = \"6 nS\"",
            "weight = { low = \"6 nS\", hi = \"1 nS\" }",
            "n.toml:38:10: unknown key 'hi' in [[projection]] (did you mean 'sd'?)",
        ),
        (
            "weight = \"6 nS\"",
            "weight = \"6 mV\"",
            "n.toml:38:10: 'weight': expected a conductance (S), got 'mV' (a voltage)",
        ),
        (
            "v = { mean",
            "vv = { mean",
            "n.toml:20:6: 'initial.vv': population 'exc' has no variable 'vv' (did you mean 'v'?); it has: v, m, h, n, i_ext, ge",
        ),
        (
            "sd = \"5 mV\"",
            "sd = \"-5 mV\"",
            "n.toml:20:29: 'initial.v': sd must be ≥ 0, got '-5 mV'",
        ),
        (
            "sd = \"5 mV\"",
            "high = \"5 mV\"",
            "n.toml:20:5: 'initial.v': expected a value, { mean, sd } (normal) or { low, high } (uniform)",
        ),
        (
            "variables = [\"v\"]",
            "variables = [\"u\"]",
            "n.toml:42:14: population 'exc' has no variable 'u' (did you mean 'v'?); it has: v, m, h, n, i_ext, ge",
        ),
        (
            "neurons = [0, 1]",
            "neurons = [0, 10]",
            "n.toml:43:11: 'neurons': id 10 is out of range for population 'exc' of size 10",
        ),
        (
            "neurons = [0, 1]",
            "neurons = 11",
            "n.toml:43:11: 'neurons' = 11: a count must be within [1, 10] (the size of 'exc')",
        ),
        (
            "neurons = [0, 1]",
            "neurons = \"some\"",
            "n.toml:43:11: 'neurons' = 'some': expected \"all\", a count or an array of neuron ids",
        ),
        (
            "population = \"exc\"\nvariables",
            "population = \"ex\"\nvariables",
            "n.toml:41:14: 'population': unknown population 'ex' (did you mean 'exc'?)",
        ),
        (
            "name = \"inh\"",
            "name = \"exc\"",
            "n.toml:23:8: population 'exc' is defined twice",
        ),
        (
            "tau = \"10 ms\"",
            "tau = \"0 ms\"",
            "n.toml:29:7: 'tau' must be > 0, got '0 ms'",
        ),
        (
            "t_end = \"10 ms\"",
            "t_end = \"10 ms\"\nthreads = 0",
            "n.toml:7:11: 'threads' must be within [1, 4096], got 0",
        ),
        (
            "t_end = \"10 ms\"",
            "t_end = \"10 ms\"\nseed = -1",
            "n.toml:7:8: 'seed' must be ≥ 0, got -1",
        ),
        (
            "t_end = \"10 ms\"",
            "t_end = \"10 ms\"\nsolver = \"rk4\"",
            "n.toml:7:10: unknown solver 'rk4' (did you mean 'rk23'?); expected one of: exp-euler, exp2, rk23, dopri5",
        ),
        (
            "t_end = \"10 ms\"",
            "t_end = \"10 ms\"\nsolver = \"exp2\"\nrtol = 1e-6",
            "n.toml:8:1: 'rtol' applies only to solver = \"dopri5\" or \"rk23\", not to \"exp2\" (fixed steps dt)",
        ),
        (
            "t_end = \"10 ms\"",
            "t_end = \"10 ms\"\nsolver = \"dopri5\"\nrtol = 2",
            "n.toml:8:1: rtol = 2 must be below 1",
        ),
        (
            "t_end = \"10 ms\"",
            "t_end = \"10 ms\"\nmethod = \"exp2\"",
            "n.toml:7:1: unknown key 'method' in [network]; expected one of: dt, t_end, seed, threads, spikes, solver, rtol, celsius",
        ),
        (
            "[[recording]]",
            "[simulation]\nt_end = 1\ndt = 1\n[[recording]]",
            "n.toml:40:1: a [network] model cannot also have [simulation] sections (dt and t_end go in [network])",
        ),
        (
            "neurons = [0, 1]",
            "neurons = [0, 1]\nevery = \"0.25 ms\"",
            "n.toml:44:9: 'every' = '0.25 ms' is not a whole multiple of dt = 0.0001 s (2.500 steps)",
        ),
        (
            "rule = \"fixed-probability\"\np = 0.5",
            "rule = \"one-to-one\"",
            "loaded",
        ),
        (
            "rule = \"fixed-probability\"\np = 0.5",
            "rule = \"list\"\npairs = [[0, 1], [2, 30]]",
            "n.toml:37:9: projection 'exc->exc' postsynaptic index: index 30 out of range for size 10",
        ),
        (
            "rule = \"fixed-probability\"\np = 0.5",
            "rule = \"list\"\npairs = [[0, 1], [2]]",
            "n.toml:37:9: 'pairs'[1] = [2]: expected [pre, post], two neuron indices ≥ 0",
        ),
        (
            "rule = \"fixed-probability\"\np = 0.5",
            "rule = \"fixed-in-degree\"\nk = 11\nautapses = false",
            "n.toml:37:5: projection 'exc->exc' in-degree exceeds the available presynaptic neurons: expected 9, got 11",
        ),
        (
            "rule = \"fixed-probability\"\np = 0.5",
            "rule = \"list\"\nfile = \"missing.csv\"",
            "n.toml:37:8: connection list 'missing.csv': No such file or directory (os error 2)",
        ),
        // Classic Hodgkin–Huxley populations.
        (
            "model = \"traub-miles\"\nparams = { g_na = \"100 mS/cm^2\" }",
            "model = \"hh\"\nparams = { g_na = \"120 mS/cm^2\", g_k = \"0.72 nS\" }",
            "loaded",
        ),
        (
            "model = \"traub-miles\"\nparams = { g_na = \"100 mS/cm^2\" }",
            "model = \"hh\"\nparams = { v_t = \"-63 mV\" }",
            "n.toml:12:18: unknown parameter 'v_t' of model 'hh' ('v_t' is a parameter of model 'traub-miles'); expected one of: area, c_m, g_leak, e_leak, g_na, e_na, g_k, e_k",
        ),
        (
            "model = \"traub-miles\"\nparams = { g_na = \"100 mS/cm^2\" }",
            "model = \"hh\"\nparams = { g_k = \"-36 mS/cm^2\" }",
            "n.toml:12:18: population 'exc': hh g_k = -360 is invalid: expected finite and >= 0",
        ),
        (
            "model = \"traub-miles\"\nparams = { g_na = \"100 mS/cm^2\" }",
            "model = \"hh\"\nparams = { e_k = \"-77 mS\" }",
            "n.toml:12:18: 'e_k': expected a voltage (V), got 'mS' (a conductance)",
        ),
        // Continuous couplings.
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"gap-junction\"\nrule",
            "loaded",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { alpha = \"2e6 1/(M*s)\", t_max = \"0.5 mM\", e_syn = \"-80 mV\" }\nrule",
            "loaded",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"gap\"\nrule",
            "n.toml:35:11: unknown synapse 'gap'; expected one of: exponential, kinetic, gap-junction",
        ),
        (
            "receptor = \"ge\"\nrule",
            "receptor = \"ge\"\nsynapse = \"gap-junction\"\nrule",
            "n.toml:35:12: 'receptor' does not apply to synapse = 'gap-junction': kinetic synapses and gap junctions act on the membrane directly, without a receptor",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\ndelay = \"1 ms\"\nrule",
            "n.toml:36:9: 'delay' does not apply to synapse = 'kinetic': kinetic synapses and gap junctions act without delay",
        ),
        (
            "receptor = \"ge\"\nrule",
            "receptor = \"ge\"\nkinetic = { beta = \"190 1/s\" }\nrule",
            "n.toml:36:11: key 'kinetic' applies only to synapse = 'kinetic'; this projection uses 'exponential'",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { alfa = \"1e6 1/(M*s)\" }\nrule",
            "n.toml:36:20: unknown parameter 'kinetic.alfa' of kinetic synapses (did you mean 'alpha'?); expected one of: e_syn, alpha, beta, t_max, v_p, k_p",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { beta = \"190 mV\" }\nrule",
            "n.toml:36:20: 'kinetic.beta': expected a frequency (1/s), got 'mV' (a voltage)",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { t_max = \"0 mM\" }\nrule",
            "n.toml:36:21: 'kinetic.t_max' must be within (0, 1] M, got '0 mM'",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { v_p = \"2 V\" }\nrule",
            "n.toml:36:19: 'kinetic.v_p' must be within [-1, 1] V, got '2 V'",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"exponential\"\nrule",
            "n.toml:34:10: projection 'exc->exc': synapse = 'exponential' (the default) needs 'receptor', a receptor of population 'exc' (it has: ge); or set synapse = 'kinetic' or 'gap-junction'",
        ),
        (
            "receptor = \"ge\"\nrule",
            "rule",
            "n.toml:34:10: projection 'exc->exc': synapse = 'exponential' (the default) needs 'receptor', a receptor of population 'exc' (it has: ge); or set synapse = 'kinetic' or 'gap-junction'",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"gap-junction\"\nrule",
            "loaded",
        ),
    ];
    assert_edits(BASE, "n.toml", cases);
}

/// `hh` populations and continuous couplings build what the equivalent program builds.
#[test]
fn hh_and_continuous_couplings_are_the_library_specs() {
    use memrc::net::{
        Connectivity, HodgkinHuxley, Kinetic, NetworkBuilder, PopulationSpec, ProjectionSpec,
        RecordSpec, Weight,
    };
    let text = r#"[model]
name = "c"

[network]
dt = "0.01 ms"
t_end = "5 ms"
seed = 3

[[population]]
name = "a"
size = 4
model = "hh"

[[projection]]
source = "a"
target = "a"
synapse = "gap-junction"
rule = "list"
pairs = [[0, 1], [1, 2], [2, 3]]
weight = "2 nS"

[[projection]]
source = "a"
target = "a"
synapse = "kinetic"
rule = "one-to-one"
weight = { low = "1 nS", high = "2 nS" }

[[projection]]
name = "k2"
source = "a"
target = "a"
synapse = "kinetic"
rule = "all-to-all"
autapses = false
weight = "0.5 nS"

[projection.kinetic]
beta = "0.19 1/ms"
t_max = "2 mM"
e_syn = "-80 mV"

[[recording]]
population = "a"
variables = ["v", "k2"]
"#;
    let m = load_str(text, "c.toml").unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("network");
    let mut b = NetworkBuilder::new(1e-5, 3);
    b.memory_budget(memrc_io::DEFAULT_MEMORY_LIMIT);
    b.population(PopulationSpec::new("a", 4, HodgkinHuxley::classic()));
    b.projection(
        ProjectionSpec::gap_junction("a", "a", Connectivity::List(vec![(0, 1), (1, 2), (2, 3)]))
            .weight(Weight::Constant(2e-9)),
    );
    b.projection(
        ProjectionSpec::kinetic("a", "a", Connectivity::OneToOne, Kinetic::ampa()).weight(
            Weight::Uniform {
                low: 1e-9,
                high: 2e-9,
            },
        ),
    );
    let k2 = Kinetic {
        beta: 190.0,
        t_max: 2e-3,
        e_syn: -0.080,
        ..Kinetic::ampa()
    };
    b.projection(
        ProjectionSpec::kinetic("a", "a", Connectivity::AllToAll, k2)
            .name("k2")
            .autapses(false)
            .weight(Weight::Constant(0.5e-9)),
    );
    b.record(RecordSpec::new("a", "v", vec![0, 1, 2, 3], 1e-5));
    b.record(RecordSpec::new("a", "k2", vec![0, 1, 2, 3], 1e-5));
    assert_eq!(format!("{:?}", n.builder), format!("{b:?}"));
    // And it runs: the junctions and synapses exist, and k2's conductance is recorded.
    let net = n.network.as_ref().expect("built");
    assert_eq!(net.kinetic_state(2).map(<[f64]>::len), Some(12));
    let out = net.clone().run(5e-3, 2).expect("runs");
    assert_eq!(out.recordings[1].variable, "k2");
    assert!(
        out.recordings[1]
            .values
            .iter()
            .flatten()
            .all(|&g| (0.0..=3.0 * 0.5e-9).contains(&g)),
        "0 <= Σ ḡ s <= 3 ḡ (three synapses per neuron, 0 <= s <= 1)"
    );
    // Only kinetic projections are recordable; the error lists them.
    let e =
        load_str(&text.replace(r#""v", "k2""#, r#""k3""#), "c.toml").expect_err("unknown variable");
    assert_eq!(
        e.to_string(),
        "c.toml:45:14: population 'a' has no variable 'k3' (did you mean 'k2'?); it has: v, m, h, n, i_ext, a->a, k2"
    );
}

/// A network of `conductance` neurons with user-defined channels; the cases below break one
/// thing each.
const BASE_C: &str = concat!(
    network_head!("net", "0.01 ms", "1 ms"),
    r#"
[[channel]]
name = "na"
gbar = "120 mS/cm^2"
e_rev = "50 mV"
conductance = "m^3*h"
gates.m = { alpha = "0.1*(v+40)/(1-exp(-(v+40)/10))", beta = "4*exp(-(v+65)/18)" }
gates.h = { alpha = "0.07*exp(-(v+65)/20)", beta = "1/(1+exp(-(v+35)/10))" }

[[channel]]
name = "k"
gbar = "36 mS/cm^2"
e_rev = "-77 mV"
conductance = "n^4"
gates.n = { tau = "1/(0.01*(v+55)/(1-exp(-(v+55)/10)) + 0.125*exp(-(v+65)/80))", inf = "0.3" }

[[population]]
name = "exc"
size = 10
model = "conductance"
channels = ["na", "k"]
params = { g_leak = "0.3 mS/cm^2" }

"#,
    exc_receptor_and_inh!(),
    r#"model = "hh"

[[recording]]
population = "exc"
variables = ["v", "m"]
"#
);

#[test]
fn broken_conductance_network_files() {
    assert_eq!(load_message(BASE_C, "n.toml"), "loaded");
    let cases: &[(&str, &str, &str)] = &[
        (
            "channels = [\"na\", \"k\"]",
            "channels = [\"na\", \"kk\"]",
            "n.toml:27:19: 'channels': unknown channel 'kk' (did you mean 'k'?); the [[channel]] sections are: k, na, and the catalogue's channels are: hh-na, hh-k, traub-na, traub-k",
        ),
        (
            "channels = [\"na\", \"k\"]",
            "channels = [\"nap\"]",
            "n.toml:27:13: 'channels': unknown channel 'nap' (did you mean 'na'?); the [[channel]] sections are: k, na, and the catalogue's channels are: hh-na, hh-k, traub-na, traub-k",
        ),
        (
            "channels = [\"na\", \"k\"]",
            "",
            "n.toml:26:9: population 'exc': model 'conductance' needs 'channels', the names of the [[channel]] sections of its neurons in order; the [[channel]] sections are: k, na",
        ),
        (
            "model = \"hh\"",
            "model = \"hh\"\nchannels = [\"na\"]",
            "n.toml:42:12: 'channels' applies only to model = 'conductance'; population 'inh' uses 'hh', whose channels are built in",
        ),
        (
            "channels = [\"na\", \"k\"]",
            "channels = [\"na\", \"k\", \"na\"]",
            "n.toml:27:24: 'channels': channel 'na' is listed twice",
        ),
        (
            "conductance = \"n^4\"\ngates.n = {",
            "conductance = \"m^4\"\ngates.m = {",
            "n.toml:27:19: population 'exc': gate 'm' of channel 'k' is also a gate of channel 'na': gate names must be distinct across the channels of a neuron",
        ),
        (
            "conductance = \"n^4\"\ngates.n = {",
            "conductance = \"i_ext^4\"\ngates.i_ext = {",
            "n.toml:21:15: population 'exc': gate 'i_ext' of channel 'k' has the name of the neuron's variable 'i_ext' (the injected current): rename the gate",
        ),
        (
            "conductance = \"n^4\"",
            "conductance = \"n^4\"\ngates.h = { tau = \"1\", inf = \"0.5\" }",
            "n.toml:28:19: population 'exc': gate 'h' of channel 'k' is also a gate of channel 'na': gate names must be distinct across the channels of a neuron",
        ),
        (
            "gbar = \"36 mS/cm^2\"",
            "gbar = \"36 mV\"",
            "n.toml:18:8: 'gbar': expected a conductance (S) or a conductance density (S/m^2), got 'mV' (a voltage)",
        ),
        (
            "inf = \"0.3\"",
            "inf = \"0.3*exq(v)\"",
            "n.toml:21:93: channel 'k' gates.n.inf: unknown function 'exq' (did you mean 'exp'?)",
        ),
        (
            "params = { g_leak = \"0.3 mS/cm^2\" }",
            "params = { g_na = \"120 mS/cm^2\" }",
            "n.toml:28:19: unknown parameter 'g_na' of model 'conductance' (the channels of model 'conductance' are [[channel]] sections, each with its own gbar and e_rev); expected one of: area, c_m, g_leak, e_leak",
        ),
        (
            "params = { g_leak = \"0.3 mS/cm^2\" }",
            "params = { g_leek = \"0.3 mS/cm^2\" }",
            "n.toml:28:21: unknown parameter 'g_leek' of model 'conductance' (did you mean 'g_leak'?); expected one of: area, c_m, g_leak, e_leak",
        ),
        (
            "params = { g_leak = \"0.3 mS/cm^2\" }",
            "params = { c_m = \"-1 uF/cm^2\" }",
            "n.toml:28:18: population 'exc': conductance c_m = -0.01 is invalid: expected finite and > 0",
        ),
        (
            "v = { mean",
            "q = { mean",
            "n.toml:36:5: 'initial.q': population 'exc' has no variable 'q' (did you mean 'v'?); it has: v, h, m, n, i_ext, ge",
        ),
        (
            "variables = [\"v\", \"m\"]",
            "variables = [\"v\", \"mm\"]",
            "n.toml:45:19: population 'exc' has no variable 'mm' (did you mean 'm'?); it has: v, h, m, n, i_ext, ge",
        ),
        (
            "name = \"ge\"",
            "name = \"h\"",
            "n.toml:31:8: population 'exc' receptor name 'h' (duplicate) = NaN is invalid: expected a name distinct from the other receptors and model variables",
        ),
        (
            "model = \"conductance\"",
            "model = \"conductanc\"",
            "n.toml:26:9: unknown model 'conductanc' (did you mean 'conductance'?); expected one of: traub-miles, hh, conductance",
        ),
        // Channels that no population uses are compiled too.
        (
            "[[population]]\nname = \"exc\"",
            "[[channel]]\nname = \"x\"\ngbar = \"1 S/m^2\"\ne_rev = \"0 mV\"\nconductance = \"q\"\ngates.q = { alpha = \"1\" }\n\n[[population]]\nname = \"exc\"",
            "n.toml:28:11: gate 'q' of channel 'x' needs either alpha and beta, or tau and inf, or inf alone (an instantaneous gate)",
        ),
        // Without channels the neuron is a passive membrane: no gates.
        (
            "channels = [\"na\", \"k\"]",
            "channels = []",
            "n.toml:45:19: population 'exc' has no variable 'm' (did you mean 'v'?); it has: v, i_ext, ge",
        ),
        // Absolute gbar (divided by the area), gate initial values.
        ("gbar = \"36 mS/cm^2\"", "gbar = \"7.2 uS\"", "loaded"),
        (
            "v = { mean",
            "n = 0.3\nm = { low = 0, high = 0.1 }\nv = { mean",
            "loaded",
        ),
    ];
    assert_edits(BASE_C, "n.toml", cases);
}

/// Whether two runs have the same spikes, and the largest `|Δ|` between their recordings of
/// `v` \[V\] and of the other variables.
fn compare_runs(a: &memrc::net::RunResult, b: &memrc::net::RunResult) -> (bool, f64, f64) {
    let (mut dv, mut dx) = (0.0_f64, 0.0_f64);
    assert_eq!(a.recordings.len(), b.recordings.len());
    for (ra, rb) in a.recordings.iter().zip(&b.recordings) {
        assert_eq!(ra.variable, rb.variable);
        let worst = if ra.variable == "v" { &mut dv } else { &mut dx };
        for (x, y) in ra.values.iter().flatten().zip(rb.values.iter().flatten()) {
            *worst = worst.max((x - y).abs());
        }
    }
    // Spike times are located inside their step from v, so runs whose voltages agree to
    // rounding agree on them to far below 1e-12 s.
    let same = a.spikes.ids == b.spikes.ids
        && a.spikes.times.len() == b.spikes.times.len()
        && (a.spikes.times.iter().zip(&b.spikes.times)).all(|(x, y)| (x - y).abs() < 1e-12);
    (same, dv, dx)
}

/// `examples/hh_user_network.toml` (HH written as [[channel]]s, one population with the
/// potassium gate in the tau/inf form) runs like the same file with the built-in `hh` model.
/// `hh_user_network.toml` with explicit gates (the built-in model starts its gates at their
/// steady state at −65 mV, the conductance model at each neuron's v: give both the same).
fn user_network_with_explicit_gates() -> String {
    let text = std::fs::read_to_string(example("hh_user_network.toml")).expect("reads");
    let text = text.replace(
        "[population.initial]\n",
        "[population.initial]\nm = 0.05\nh = 0.6\nn = 0.32\n",
    );
    assert_eq!(text.matches("m = 0.05").count(), 2);
    text
}

/// `text` with every line starting with `prefix` replaced by `line` (dropped when `None`).
fn with_lines(text: &str, prefix: &str, line: Option<&str>) -> String {
    text.lines()
        .filter_map(|l| match (l.starts_with(prefix), line) {
            (true, None) => None,
            (true, Some(r)) => Some(format!("{r}\n")),
            (false, _) => Some(format!("{l}\n")),
        })
        .collect()
}

/// The same network with the built-in `hh` model instead of `conductance` populations.
fn as_builtin_hh(text: &str) -> String {
    let builtin = with_lines(text, "channels = ", None)
        .replace("\nmodel = \"conductance\"", "\nmodel = \"hh\"");
    assert_eq!(builtin.matches("\nmodel = \"hh\"").count(), 2);
    assert!(!builtin.contains("\nmodel = \"conductance\""));
    builtin
}

/// Loads, builds and runs a network file on one thread.
fn run_network(text: &str) -> memrc::net::RunResult {
    let m = load_str(text, "x.toml").unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("network");
    let mut net = n.builder.clone().build().expect("builds");
    net.run(n.t_end, 1).expect("runs")
}

#[test]
fn user_channel_example_is_the_builtin_hh_network() {
    let text = user_network_with_explicit_gates();
    let (a, b) = (run_network(&text), run_network(&as_builtin_hh(&text)));
    assert!(a.spikes.ids.len() > 300, "{} spikes", a.spikes.ids.len());
    let (same_spikes, dv, dx) = compare_runs(&a, &b);
    assert!(same_spikes, "spike trains differ");
    eprintln!(
        "{} spikes, max |Δv| = {dv:e} V, max |Δ gate| = {dx:e}",
        a.spikes.ids.len()
    );
    // The built-in kernel's polynomial exp and rate arrangement differ from the expressions
    // by rounding only: v to 1e-9 mV, the gates to 1e-11.
    assert!(
        dv <= 1e-12 && dx <= 1e-11,
        "max |Δv| = {dv:e} V, |Δ gate| = {dx:e}"
    );
}

/// `channels` may name the catalogue's gated channels: `hh-na` and `hh-k` at their defaults on
/// the default membrane are the built-in `hh` model, step for step (the same mechanisms and
/// kernel: bitwise).
#[test]
fn catalogue_channels_in_a_conductance_population_are_the_builtin_hh() {
    let text = user_network_with_explicit_gates();
    let catalogue = with_lines(
        &text,
        "channels = ",
        Some("channels = [\"hh-na\", \"hh-k\"]"),
    );
    assert_eq!(catalogue.matches("\"hh-na\", \"hh-k\"").count(), 2);
    // A catalogue element that is not a channel is named as such.
    let hp = with_lines(&text, "channels = ", Some("channels = [\"hp\"]"));
    assert_eq!(
        load_message(&hp, "x.toml"),
        "x.toml:46:13: 'channels': 'hp' is a catalogue element but not a channel of a membrane; the catalogue's channels are: hh-na, hh-k, traub-na, traub-k"
    );
    let (a, b) = (run_network(&catalogue), run_network(&as_builtin_hh(&text)));
    assert!(a.spikes.ids.len() > 300, "{} spikes", a.spikes.ids.len());
    let (same_spikes, dv, dx) = compare_runs(&a, &b);
    assert!(same_spikes && dv == 0.0 && dx == 0.0, "{dv:e} V, {dx:e}");
}

/// A channel `gbar` written absolute is divided by the population's area; gates not
/// initialised start at their steady state at each neuron's initial v.
#[test]
fn conductance_populations_from_a_file() {
    let drive = BASE_C.replace(
        "v = { mean = \"-65 mV\", sd = \"5 mV\" }",
        "v = { mean = \"-65 mV\", sd = \"5 mV\" }\ni_ext = \"2 nA\"",
    );
    let load_net = |text: &str| {
        let m = load_str(text, "n.toml").unwrap_or_else(|e| panic!("{e}"));
        let n = m.network().expect("network");
        assert_eq!(
            n.variables[0]
                .iter()
                .map(|v| v.name.as_ref())
                .collect::<Vec<_>>(),
            ["v", "h", "m", "n", "i_ext"]
        );
        assert_eq!(n.variables[0][0].unit, "V");
        assert_eq!(n.variables[1], memrc::net::HodgkinHuxley::VARIABLES);
        n.builder.clone().build().expect("builds")
    };
    let density = load_net(&drive);
    // v varies; m and h (not given) sit at their steady states there, n = x∞ = 0.3.
    let v = density.state("exc", "v").expect("v");
    let m = density.state("exc", "m").expect("m");
    assert!(v.windows(2).any(|w| w[0] != w[1]));
    for (v, m) in v.iter().zip(m) {
        let vm = v * 1e3;
        let (a, b) = (
            0.1 * (vm + 40.0) / (1.0 - (-(vm + 40.0) / 10.0).exp()),
            4.0 * (-(vm + 65.0) / 18.0).exp(),
        );
        assert!((m - a / (a + b)).abs() < 1e-14, "m = {m} at {vm} mV");
    }
    assert!(
        density
            .state("exc", "n")
            .expect("n")
            .iter()
            .all(|&n| n == 0.3)
    );
    let absolute = load_net(&drive.replace("gbar = \"36 mS/cm^2\"", "gbar = \"7.2 uS\""));
    let (mut a, mut b) = (density, absolute);
    let (ra, rb) = (a.run(0.02, 1).expect("runs"), b.run(0.02, 1).expect("runs"));
    assert!(!ra.spikes.ids.is_empty());
    let (same_spikes, dv, dx) = compare_runs(&ra, &rb);
    eprintln!("absolute vs density gbar: max |Δv| = {dv:e} V, |Δm| = {dx:e}");
    assert!(
        same_spikes && dv <= 1e-12 && dx <= 1e-11,
        "{same_spikes} {dv:e} {dx:e}"
    );
}

/// A neuron's variable is one output column: recording it twice (the same id twice, the same
/// variable twice, or two `[[recording]]`s that overlap) is refused at load, at the entry.
#[test]
fn duplicate_recordings_are_refused_where_they_are_written() {
    let base = std::fs::read_to_string(example("small_network.toml")).expect("reads");
    let cases = [
        (
            "neurons = [0, 1, 2]",
            "neurons = [0, 1, 0]",
            "small_network.toml:95:11: 'neurons': id 0 is listed twice",
        ),
        (
            "variables = [\"v\"]",
            "variables = [\"v\", \"m\", \"v\"]",
            "small_network.toml:94:24: 'variables': 'v' is listed twice",
        ),
        (
            "[[recording]]\npopulation = \"inh\"",
            "[[recording]]\npopulation = \"exc\"\nvariables = [\"v\"]\nneurons = [5, 2]\n\n[[recording]]\npopulation = \"inh\"",
            "small_network.toml:100:14: 'v' of neuron 2 of population 'exc' is already recorded by an earlier [[recording]]; each neuron's variable is recorded once",
        ),
    ];
    for (from, to, want) in cases {
        let got = load_message(&common::edited(&base, from, to), "small_network.toml");
        assert_eq!(got, want);
    }
    // Different variables, or different neurons, of the same population are fine.
    let ok = common::edited(
        &base,
        "[[recording]]\npopulation = \"inh\"",
        "[[recording]]\npopulation = \"exc\"\nvariables = [\"v\", \"m\"]\nneurons = [5, 6]\n\n[[recording]]\npopulation = \"inh\"",
    );
    assert_eq!(load_message(&ok, "small_network.toml"), "loaded");
}

/// `[[input]]`: the example's pulse, sine and Poisson inputs act on their neurons only, the
/// Poisson trains have their rate, and the run does not depend on threads.
#[test]
fn network_inputs_example_drives_its_neurons() {
    let text = std::fs::read_to_string(example("network_inputs.toml")).expect("example");
    let run = |threads: usize| {
        let m = load(example("network_inputs.toml")).unwrap_or_else(|e| panic!("{e}"));
        let n = m.network().expect("a network");
        let mut net = n.builder.clone().build().expect("builds");
        net.run(n.t_end, threads).expect("runs")
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.spikes.times, two.spikes.times);
    assert_eq!(one.recordings[1].values, two.recordings[1].values);
    // Poisson: 10 neurons × 2 kHz × 0.2 s = 4000 events (sd 63).
    let events = one.stats.synaptic_events as f64;
    assert!((events - 4000.0).abs() < 5.0 * 4000f64.sqrt(), "{events}");
    let count = |ids: std::ops::Range<u32>, t0: f64, t1: f64| {
        one.spikes
            .ids
            .iter()
            .zip(&one.spikes.times)
            .filter(|&(i, &t)| ids.contains(i) && t > t0 && t < t1)
            .count()
    };
    // The pulse (50–150 ms) drives neurons 0–9 only.
    assert!(count(0..10, 50e-3, 150e-3) >= 10 * 8);
    // The undriven neurons (the sine only) fire at most twice each meanwhile.
    assert!(count(10..40, 50e-3, 150e-3) <= 30 * 2);
    assert!(count(40..50, 0.0, 0.2) >= 10 * 10);
    // i_ext of neuron 0 (recording 1: neurons 0, 20, 40) is the pulse plus the sine's step
    // average; neuron 20's is the sine alone.
    let i_ext = &one.recordings[1].values;
    let (dt, w) = (1e-4, 2.0 * std::f64::consts::PI * 5.0);
    for k in [0usize, 499, 500, 1499, 1500, 1999] {
        let (a, b) = (k as f64 * dt, (k + 1) as f64 * dt);
        let sine = -0.1e-9 * ((w * b).cos() - (w * a).cos()) / (w * dt);
        let pulse = if (500..1500).contains(&k) { 1e-9 } else { 0.0 };
        assert!((i_ext[0][k] - (pulse + sine)).abs() < 1e-21, "k {k}");
        assert!((i_ext[1][k] - sine).abs() < 1e-21, "k {k}");
    }
    // Located errors.
    assert_edits(
        &text,
        "ni.toml",
        &[
            (
                "receptor = \"ge\"\n\n[[recording]]",
                "receptor = \"gx\"\n\n[[recording]]",
                "ni.toml:53:12: population 'cells' has no receptor 'gx' (did you mean 'ge'?)",
            ),
            (
                "rate = \"2 kHz\"",
                "rate = \"2 kV\"",
                "ni.toml:51:8: 'rate': expected a frequency (Hz), got 'kV' (a voltage)",
            ),
            (
                "kind = \"poisson\"",
                "kind = \"poison\"",
                "ni.toml:50:8: unknown input kind 'poison' (did you mean 'poisson'?); expected one of: pulse, step, sine, pwl, samples, poisson",
            ),
            (
                "neurons = [40,",
                "neurons = [50,",
                "ni.toml:49:11: 'neurons': id 50 is out of range for population 'cells' of size 50",
            ),
        ],
    );
}

/// A `list` projection with one weight and one delay per pair (NeuroML's `connectionWD`): each
/// target's conductance first rises by its own weight, its own delay after the spike.
const PER_PAIR: &str = concat!(
    network_head!("per_pair", "0.1 ms", "20 ms"),
    r#"threads = 1

[[population]]
name = "pre"
size = 1
model = "traub-miles"
upward_crossing = true

[population.initial]
i_ext = "2 nA"

[[population]]
name = "post"
size = 3
model = "traub-miles"

[[population.receptor]]
name = "ge"
tau = "5 ms"
e_rev = "0 mV"

[[projection]]
source = "pre"
target = "post"
receptor = "ge"
rule = "list"
pairs = [[0, 2], [0, 0], [0, 1]]
weight = ["3 nS", "1 nS", "2 nS"]
delay = ["2.5 ms", "0 ms", "1 ms"]

[[recording]]
population = "post"
variables = ["ge"]
"#
);

#[test]
fn list_projections_take_a_weight_and_a_delay_per_pair() {
    let m = load_str(PER_PAIR, "per_pair.toml").unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("a network model");
    let out = n
        .builder
        .clone()
        .build()
        .expect("builds")
        .run(0.02, 1)
        .expect("runs");
    let first = *out.spikes.times.first().expect("pre fires");
    let dt = 1e-4;
    // Emitted at the end of the step that holds the spike; delivered `delay` steps later.
    let emitted = (first / dt).ceil() * dt;
    let rec = &out.recordings[0];
    for (neuron, weight, delay) in [(0, 1e-9, 0.0), (1, 2e-9, 1e-3), (2, 3e-9, 2.5e-3)] {
        let k = rec.values[neuron]
            .iter()
            .position(|&g| g > 0.0)
            .expect("ge rises");
        assert!(
            (rec.times[k] - (emitted + delay)).abs() < 1e-9,
            "neuron {neuron}: {} vs {}",
            rec.times[k],
            emitted + delay
        );
        assert_eq!(
            rec.values[neuron][k],
            f64::from(weight as f32),
            "neuron {neuron}"
        );
    }
}

#[test]
fn per_pair_values_are_checked_where_they_are_written() {
    let e = load_message(
        &edited(
            PER_PAIR,
            r#"weight = ["3 nS", "1 nS", "2 nS"]"#,
            r#"weight = ["3 nS", "1 nS"]"#,
        ),
        "w.toml",
    );
    assert!(e.starts_with("w.toml:34:10: "), "{e}");
    assert!(e.contains('2') && e.contains('3'), "names both counts: {e}");
    let e = load_message(
        &edited(PER_PAIR, r#""2.5 ms", "0 ms""#, r#""2.5 ms", "-1 ms""#),
        "d.toml",
    );
    assert!(e.starts_with("d.toml:35:9: "), "{e}");
    let e = load_message(
        &edited(
            PER_PAIR,
            r#"delay = ["2.5 ms", "0 ms", "1 ms"]"#,
            r#"delay = { low = "1 ms", high = "2 ms" }"#,
        ),
        "t.toml",
    );
    assert!(
        e.starts_with("t.toml:35:9: 'delay': expected a time or (rule = 'list') one time per pair"),
        "{e}"
    );
    let e = load_message(
        &edited(
            &edited(PER_PAIR, r#"rule = "list""#, r#"rule = "all-to-all""#),
            "pairs = [[0, 2], [0, 0], [0, 1]]\n",
            "",
        ),
        "r.toml",
    );
    assert_eq!(
        e,
        "r.toml:33:10: 'weight': one value per pair needs rule = 'list'; this projection uses 'all-to-all'"
    );
    let e = load_message(
        &edited(
            PER_PAIR,
            r#"weight = ["3 nS", "1 nS", "2 nS"]"#,
            r#"weight = ["3 nS", "1 mV", "2 nS"]"#,
        ),
        "u.toml",
    );
    assert!(e.starts_with("u.toml:34:10: "), "{e}");
}

/// Leaky integrate-and-fire neurons: a `conductance` population without channels (only its
/// leak), with `reset` and `refractory` (NeuroML's `iafRefCell`, NEST's `iaf_cond_exp`).
/// τ = C/g_L = 200 pF / 10 nS = 20 ms; v∞ = E_L + I/g_L = −40 mV.
const LIF: &str = concat!(
    network_head!("lif", "0.1 ms", "100 ms"),
    r#"threads = 1
solver = "exp-euler"

[[population]]
name = "lif"
size = 2
model = "conductance"
channels = []
threshold = "-50 mV"
reset = "-65 mV"
refractory = "2 ms"

[population.params]
area = "20000 um^2"
c_m = "1 uF/cm^2"
g_leak = "0.05 mS/cm^2"
e_leak = "-70 mV"

[population.initial]
v = "-65 mV"
i_ext = "0.3 nA"
"#
);

#[test]
fn a_reset_key_makes_a_leak_only_population_integrate_and_fire() {
    use memrc::net::{
        ChannelNeuron, Init, Membrane, NetworkBuilder, PopulationSpec, RunOptions, Scheme,
    };
    let m = load_str(LIF, "lif.toml").unwrap_or_else(|e| panic!("{e}"));
    let n = m.network().expect("a network model");
    let mut net = n.builder.clone().build().expect("builds");
    let out = net.run(0.1, 1).expect("runs");
    // The same population through the library, bitwise.
    let membrane = Membrane {
        area: 2e-8,
        c_m: 0.01,
        g_leak: 0.5,
        e_leak: -0.070,
    };
    let mut b = NetworkBuilder::new(1e-4, 1);
    b.scheme(Scheme::ExpEuler);
    b.population(
        PopulationSpec::new(
            "lif",
            2,
            ChannelNeuron::new(membrane, &[]).expect("leak only"),
        )
        .threshold(-0.050)
        .reset(-0.065)
        .refractory(2e-3)
        .init("v", Init::Constant(-0.065))
        .init("i_ext", Init::Constant(0.3e-9)),
    );
    let lib = b
        .build()
        .expect("builds")
        .run_with(0.1, RunOptions::default())
        .expect("runs");
    assert_eq!(out.spikes, lib.spikes);
    // The closed form: first spike at t_c = τ ln((v∞ − v_r)/(v∞ − θ)) = 20 ms ln 2.5 (the
    // interpolated crossing of exponential Euler's exact grid values is late by at most
    // dt²/(8τ) e^{dt/τ}); then every 2 ms + t_c after the start of the spike's step, so
    // between t_c + 1.9 ms and t_c + 2 ms after the previous spike.
    let (tau, dt) = (0.02, 1e-4);
    let t_c = tau * 2.5f64.ln();
    let times: Vec<f64> = out.spikes.times.iter().step_by(2).copied().collect();
    assert_eq!(times.len(), 5, "{times:?}");
    let late = dt * dt / (8.0 * tau) * (dt / tau).exp();
    assert!(times[0] >= t_c && times[0] - t_c <= late, "{}", times[0]);
    for w in times.windows(2) {
        let isi = w[1] - w[0];
        assert!(
            isi > t_c + 2e-3 - dt && isi <= t_c + 2e-3 + late,
            "{isi} vs {}",
            t_c + 2e-3
        );
    }
}

#[test]
fn reset_errors_name_the_key_and_both_values() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "reset = \"-65 mV\"",
            "reset = \"-40 mV\"",
            "lif.toml:16:9: 'reset' = '-40 mV' must be below 'threshold' = '-50 mV' of population 'lif': a neuron reset at or above its threshold would fire at every step",
        ),
        (
            "reset = \"-65 mV\"",
            "reset = \"-50 mV\"",
            "lif.toml:16:9: 'reset' = '-50 mV' must be below 'threshold' = '-50 mV' of population 'lif': a neuron reset at or above its threshold would fire at every step",
        ),
        // Without a threshold key: the default −20 mV.
        ("threshold = \"-50 mV\"\n", "", "loaded"),
        (
            "threshold = \"-50 mV\"\nreset = \"-65 mV\"",
            "reset = \"-10 mV\"",
            "lif.toml:15:9: 'reset' = '-10 mV' must be below the default threshold -20 mV of population 'lif': a neuron reset at or above its threshold would fire at every step",
        ),
        (
            "reset = \"-65 mV\"",
            "reset = \"-0.7 V\"",
            "lif.toml:16:9: 'reset' = '-0.7 V' is outside the plausible range ±500 mV of a membrane voltage",
        ),
        (
            "reset = \"-65 mV\"",
            "reset = \"-65 nA\"",
            "lif.toml:16:9: 'reset': expected a voltage (V), got 'nA' (a current)",
        ),
        ("reset = \"-65 mV\"", "reset = -0.065", "loaded"),
    ];
    assert_edits(LIF, "lif.toml", cases);
}
