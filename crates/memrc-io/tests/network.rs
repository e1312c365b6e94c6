//! Network model files: the COBAHH example is `net::cobahh`, the small example runs, and
//! broken network files give pinned one-line messages.

use std::path::PathBuf;

use memrc::net::cobahh;
use memrc_io::{LoadOptions, load, load_str, load_str_with};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

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

/// A small valid network; the cases below break one thing each.
const BASE: &str = r#"[model]
name = "net"

[network]
dt = "0.1 ms"
t_end = "10 ms"

[[population]]
name = "exc"
size = 10
model = "traub-miles"
params = { g_na = "100 mS/cm^2" }

[[population.receptor]]
name = "ge"
tau = "5 ms"
e_rev = "0 mV"

[population.initial]
v = { mean = "-65 mV", sd = "5 mV" }

[[population]]
name = "inh"
size = 2
model = "traub-miles"

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
"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    match load_str(&BASE.replacen(from, to, 1), "n.toml") {
        Ok(_) => "loaded".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn base_network_loads() {
    assert_eq!(with("", ""), "loaded");
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
            "n.toml:38:10: projection 'exc->exc': weight -0.000000006 S is not a non-negative finite conductance",
        ),
        (
            "receptor = \"ge\"\nrule",
            "receptor = \"gx\"\nrule",
            "n.toml:35:12: 'receptor': population 'exc' has no receptor 'gx' (did you mean 'ge'?)",
        ),
        (
            "size = 10",
            "size = 4000000000",
            "n.toml:36:8: the network needs about 16777216.0 TiB (4000000002 neurons, up to 8000000012000000000 synapses: neuron state 536.4 GiB, synapses 16777216.0 TiB, building 0 B, recordings 2.4 KiB), more than the limit of 8.0 GiB: make it smaller or record less",
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
            "n.toml:11:9: unknown model 'traub'; expected one of: traub-miles, hh",
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
            "n.toml:7:1: unknown key 'solver' in [network]; expected one of: dt, t_end, seed, threads, spikes",
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
            "n.toml:36:20: unknown parameter 'kinetic.alfa' of kinetic synapses (did you mean 'alpha'?); expected one of: alpha, beta, t_max, v_p, k_p, e_syn",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { beta = \"190 mV\" }\nrule",
            "n.toml:36:20: 'kinetic.beta': expected a frequency (1/s), got 'mV' (a voltage)",
        ),
        (
            "receptor = \"ge\"\nrule",
            "synapse = \"kinetic\"\nkinetic = { t_max = \"0 mM\" }\nrule",
            "n.toml:36:21: 'kinetic.t_max' must be > 0, got '0 mM'",
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
    let mut report = String::new();
    for (from, to, want) in cases {
        let got = with(from, to);
        if got != *want {
            report.push_str(&format!("({from:?}, {to:?}, {got:?}),\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
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
variables = ["v"]
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
    assert_eq!(format!("{:?}", n.builder), format!("{b:?}"));
    // And it runs: the junctions and synapses exist.
    let net = n.network.as_ref().expect("built");
    assert_eq!(net.kinetic_state(2).map(<[f64]>::len), Some(12));
}
