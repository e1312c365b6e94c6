//! Issue #14 §6: a structured property test of the whole path on stable Rust. Model files are
//! generated from a grammar of valid and slightly broken sections (circuits with channels,
//! memristors, stimuli and probes; networks with populations, receptors, projections and
//! recordings), then loaded, checked (`memrc check`) and run for a few steps. The properties:
//! nothing panics; every error is one line; an error in the file has a location; every run
//! that starts finishes. The seed corpus in `tests/corpus/*.toml` (each with its expected
//! outcome on its first line) runs first.

use std::path::Path;

use memrc_io::LoadOptions;
use memrc_run::{Overrides, RunError};
use proptest::prelude::*;

/// What happened to one model file.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Refused while loading (an error with a location).
    Load,
    /// `check` refused it.
    Check,
    /// Loaded and checked; the run failed with an error line.
    Run,
    /// Loaded, checked and ran.
    Ok,
}

/// The bounded loader: small inputs, little memory.
fn options() -> LoadOptions {
    LoadOptions::default()
        .memory_limit(64 << 20)
        .input_limit(1 << 20)
}

/// Asserts the properties of an error line.
fn assert_brief(e: &RunError, text: &str) {
    let m = e.to_string();
    assert!(!m.contains('\n'), "two lines: {m}\n--- from\n{text}");
    assert!(m.chars().count() < 600, "long ({} chars): {m}", m.len());
    assert!(!m.is_empty());
}

/// Step budget of the generated adaptive runs (`max_steps`): the whole run's, so a stiff
/// generated model (dopri5 on a node driven by 2 mA) fails with the budget's error line after
/// at most this many steps instead of running for minutes (issue #14 §1).
const MAX_STEPS: &str = "20000";

/// Load → check → a short run; panics (the property's failure) on a broken property. Returns
/// the outcome and the error line (empty for [`Outcome::Ok`]).
fn exercise(text: &str) -> (Outcome, String) {
    let load = |build: bool| {
        memrc_io::load_str_with(text, "gen.toml", None, &options().build_networks(build))
    };
    let model = match load(false) {
        Ok(m) => m,
        Err(e) => {
            let m = e.to_string();
            assert!(e.line >= 1 && e.column >= 1, "{m}");
            assert!(m.starts_with("gen.toml:"), "no location: {m}");
            assert_brief(&RunError::from(e), text);
            return (Outcome::Load, m);
        }
    };
    if let Err(e) = memrc_run::check(model, &Overrides::default()) {
        if std::env::var("GRAMMAR_DEBUG").is_ok() {
            eprintln!("check: {e}");
        }
        assert_brief(&e, text);
        return (Outcome::Check, e.to_string());
    }
    let model = match load(true) {
        Ok(m) => m,
        Err(e) => panic!("checked but does not build: {e}\n{text}"),
    };
    // Bounded by the model: fixed-step runs by t_end/dt (the loader refuses too many steps),
    // relaxation by its iteration limit, adaptive runs by the whole-run step budget.
    let mut go_on = |_f: f64| true;
    match memrc_run::run(model, &Overrides::default(), &mut go_on) {
        Ok(out) => {
            assert!(!out.report.is_empty());
            (Outcome::Ok, String::new())
        }
        Err(e) => {
            if std::env::var("GRAMMAR_DEBUG").is_ok() {
                eprintln!("run: {e}");
            }
            assert_brief(&e, text);
            (Outcome::Run, e.to_string())
        }
    }
}

/// One of `choices`, whose first `valid` are valid: a valid one 9 times in 10, so that most
/// files have at most one or two broken parts and many reach the run.
fn one_of(choices: &'static [&'static str], valid: usize) -> impl Strategy<Value = String> {
    let (good, bad) = choices.split_at(valid);
    prop_oneof![
        9 => prop::sample::select(good),
        1 => prop::sample::select(bad),
    ]
    .prop_map(str::to_string)
}

const TIMES: &[&str] = &[
    "\"1 ms\"",
    "\"0.5 ms\"",
    "\"2 ms\"",
    "\"-1 ms\"",
    "\"1e300 s\"",
    "\"abc\"",
    "0.001",
    "\"1 mV\"",
];
const DTS: &[&str] = &[
    "\"0.1 ms\"",
    "\"0.05 ms\"",
    "\"0.3 ms\"",
    "\"0 ms\"",
    "\"1e-300 s\"",
    "\"-0.1 ms\"",
    "\"0.1 mss\"",
];
const CAPS: &[&str] = &[
    "\"1 uF/cm^2\"\narea = \"1000 um^2\"",
    "\"10 pF\"\narea = \"1000 um^2\"",
    "\"10 uF\"",
    "\"1 pF\"",
    "\"-1 uF\"",
    "\"1 uS\"",
    "0",
    "\"nan F\"",
];
const INITIALS: &[&str] = &[
    "\"rest\"",
    "\"-65 mV\"",
    "\"0 V\"",
    "\"1e300 V\"",
    "\"11 V\"",
    "\"rest \"",
    "\"x\"",
    "1e300",
];
const ELEMENTS: &[&str] = &[
    "kind = \"hh-na\"\nparams = { gbar = \"120 mS/cm^2\", e_rev = \"50 mV\" }",
    "kind = \"hh-k\"\nparams = { gbar = \"36 mS/cm^2\", e_rev = \"-77 mV\" }",
    "kind = \"leak\"",
    "kind = \"my-k\"",
    "kind = \"ideal\"\nparams = { a = \"1 mS\", b = \"0.1 S/Wb^2\", phi0 = \"0 Wb\" }",
    "kind = \"resistor\"\nparams = { g0 = \"1 uS\", g2 = \"0 S/V^2\" }",
    "kind = \"hh-na\"\nparams = { gbar = \"-1 mS/cm^2\" }",
    "kind = \"hh-k\"\nparams = { e_rev = \"-77 kV\" }",
    "kind = \"leak\"\nparams = { gbar = \"1e300 S/m^2\" }",
    "kind = \"nope\"",
    "kind = \"resistor\"\nparams = { g0 = \"1 uS\" }",
];
const CHANNELS: &[&str] = &[
    "conductance = \"n^4\"",
    "conductance = \"-n^4\"",
    "conductance = \"n^4*1e30\"",
    "conductance = \"n^\"",
    "conductance = \"q^4\"",
    "conductance = \"n^4/0\"",
];
const STIMULI: &[&str] = &[
    "kind = \"step\"\namplitude = \"10 uA/cm^2\"\nstart = \"0.2 ms\"",
    "kind = \"pulse\"\namplitude = \"2 nA\"\nstart = \"0.1 ms\"\nend = \"0.5 ms\"",
    "kind = \"sine\"\namplitude = \"2 mA\"\nfrequency = \"1 kHz\"",
    "kind = \"step\"\namplitude = \"1e300 nA\"\nstart = \"0 ms\"",
    "kind = \"pulse\"\namplitude = \"1 A\"\nstart = \"0.5 ms\"\nend = \"0.2 ms\"",
    "kind = \"step\"\namplitude = \"10 uA/cm^2\"",
    "kind = \"sine\"\namplitude = \"2 mV\"\nfrequency = \"1 kHz\"",
];
const PROBES: &[&str] = &[
    "variable = \"v\"\nnode = \"a\"",
    "variable = \"v\"\nnode = \"b\"",
    "variable = \"state\"\nelement = \"e0\"\nstate = \"n\"",
    "variable = \"current\"\nelement = \"e0\"",
    "variable = \"v\"\nnode = \"zz\"",
    "variable = \"v\"\nnode = \"a\"\nevery = \"0.15 ms\"",
];

/// A circuit model file: simulation, one or two nodes, up to three elements on them, a
/// user channel, a stimulus and probes.
fn circuit() -> impl Strategy<Value = String> {
    (
        (one_of(TIMES, 3), one_of(DTS, 2), one_of(&["\"stepping\"", "\"relaxation\"", "\"dopri5\"\nmax_steps = MAX_STEPS", "\"rk4\"", "\"nope\""], 4)),
        prop::collection::vec((one_of(CAPS, 2), one_of(INITIALS, 3)), 1..3),
        prop::collection::vec((one_of(ELEMENTS, 6), 0..2usize), 0..4),
        one_of(CHANNELS, 1),
        prop::collection::vec((one_of(STIMULI, 3), 0..2usize), 0..2),
        prop::collection::vec(one_of(PROBES, 4), 0..3),
    )
        .prop_map(|((t_end, dt, solver), nodes, elements, channel, stimuli, probes)| {
            let node = |k: usize| ["a", "b", "zz"][k].to_string();
            let mut s = format!(
                "[model]\nname = \"gen\"\n\n[simulation]\nt_end = {t_end}\ndt = {dt}\nsolver = {}\n\n",
                solver.replace("MAX_STEPS", MAX_STEPS)
            );
            s += &format!("[[channel]]\nname = \"my-k\"\ngbar = \"36 mS/cm^2\"\ne_rev = \"-77 mV\"\n{channel}\ngates.n = {{ alpha = \"0.01*(v+55)/(1-exp(-(v+55)/10))\", beta = \"0.125*exp(-(v+65)/80)\" }}\n\n");
            for (k, (c, init)) in nodes.iter().enumerate() {
                s += &format!("[[node]]\nname = \"{}\"\ncapacitance = {c}\ninitial = {init}\n\n", node(k));
            }
            for (k, (e, at)) in elements.iter().enumerate() {
                s += &format!("[[element]]\nname = \"e{k}\"\nnode = \"{}\"\n{e}\n\n", node(*at));
            }
            for (st, at) in &stimuli {
                s += &format!("[[stimulus]]\nnode = \"{}\"\n{st}\n\n", node(*at));
            }
            for p in &probes {
                s += &format!("[[probe]]\n{p}\n\n");
            }
            s
        })
}

const SIZES: &[&str] = &["3", "1", "0", "-2", "\"3\""];
const NEURON_MODELS: &[&str] = &["\"traub-miles\"", "\"hh\"", "\"izhikevich\""];
const POP_EXTRAS: &[&str] = &[
    "",
    "threshold = \"-20 mV\"\nrefractory = \"3 ms\"",
    "params = { g_leak = \"0.1 mS/cm^2\" }",
    "threshold = \"-20 V\"",
    "refractory = \"-1 ms\"",
    "params = { g_leak = \"-1 mS/cm^2\" }",
    "params = { nope = 1 }",
];
const POP_INITIALS: &[&str] = &[
    "",
    "[population.initial]\nv = { low = \"-70 mV\", high = \"-60 mV\" }",
    "[population.initial]\ni_ext = \"0.4 nA\"",
    "[population.initial]\ni_ext = \"1e300 nA\"",
    "[population.initial]\ni_ext = \"1 mA\"",
    "[population.initial]\nv = { low = \"-60 mV\", high = \"-70 mV\" }",
    "[population.initial]\nv = [\"-65 mV\"]",
    "[population.initial]\nq = 1",
];
const PROJECTIONS: &[&str] = &[
    "rule = \"fixed-in-degree\"\nk = 1\nweight = \"6 nS\"",
    "rule = \"fixed-in-degree\"\nk = 9\nweight = \"6 nS\"",
    "rule = \"fixed-in-degree\"\nk = 1\nweight = \"-6 nS\"",
    "rule = \"all-to-all\"\nweight = \"1 nS\"",
    "rule = \"nope\"\nweight = \"1 nS\"",
];
const RECORDINGS: &[&str] = &[
    "variables = [\"v\"]\nneurons = [0]",
    "variables = [\"v\"]\nneurons = [0, 0]",
    "variables = [\"ge\"]\nneurons = 2",
    "variables = [\"q\"]\nneurons = [0]",
    "variables = [\"v\"]\nneurons = [99]",
    "variables = [\"v\"]\nneurons = [0]\nevery = \"0.15 ms\"",
];

/// A network model file: one or two populations with an excitatory receptor, projections
/// between them and recordings.
fn network() -> impl Strategy<Value = String> {
    (
        (one_of(TIMES, 3), one_of(DTS, 2)),
        prop::collection::vec((one_of(SIZES, 2), one_of(NEURON_MODELS, 2), one_of(POP_EXTRAS, 3), one_of(POP_INITIALS, 3)), 1..3),
        prop::collection::vec((one_of(PROJECTIONS, 2), 0..2usize, 0..2usize), 0..3),
        prop::collection::vec((one_of(RECORDINGS, 3), 0..2usize), 0..3),
    )
        .prop_map(|((t_end, dt), pops, projections, recordings)| {
            let mut s = format!(
                "[model]\nname = \"gen\"\n\n[network]\nt_end = {t_end}\ndt = {dt}\nseed = 1\nthreads = 1\n\n"
            );
            for (k, (size, model, extra, init)) in pops.iter().enumerate() {
                s += &format!(
                    "[[population]]\nname = \"p{k}\"\nsize = {size}\nmodel = {model}\n{extra}\n\n[[population.receptor]]\nname = \"ge\"\ntau = \"5 ms\"\ne_rev = \"0 mV\"\n\n{init}\n\n"
                );
            }
            for (k, (p, a, b)) in projections.iter().enumerate() {
                s += &format!("[[projection]]\nname = \"j{k}\"\nsource = \"p{a}\"\ntarget = \"p{b}\"\nreceptor = \"ge\"\n{p}\n\n");
            }
            for (r, at) in &recordings {
                s += &format!("[[recording]]\npopulation = \"p{at}\"\n{r}\n\n");
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_circuits_load_check_and_run_or_fail_in_one_located_line(text in circuit()) {
        exercise(&text);
    }

    #[test]
    fn generated_networks_load_check_and_run_or_fail_in_one_located_line(text in network()) {
        exercise(&text);
    }
}

/// The seed corpus: each file's first line is `# expect: load|check|run|ok`; an optional line
/// `# message: <text>` among the leading comments is a part of the error line the file must
/// give (its location `gen.toml:line:col:` included, to pin the place).
#[test]
fn seed_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{} seed files", files.len());
    let mut report = String::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("seed");
        let want = match text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
        {
            Some("load") => Outcome::Load,
            Some("check") => Outcome::Check,
            Some("run") => Outcome::Run,
            Some("ok") => Outcome::Ok,
            _ => panic!(
                "{}: first line must be '# expect: load|check|run|ok'",
                f.display()
            ),
        };
        let (got, message) = exercise(&text);
        if got != want {
            report += &format!(
                "{}: expected {want:?}, got {got:?}: {message}\n",
                f.display()
            );
        }
        let expected = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix("# message: "));
        if let Some(part) = expected
            && !message.contains(part)
        {
            report += &format!(
                "{}: the error line\n  {message}\ndoes not contain\n  {part}\n",
                f.display()
            );
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// The grammar reaches the whole path: of 300 generated files of each kind, some are refused
/// at load, and some load, pass `check` and run to the end (a grammar whose files all fail to
/// parse would test only the parser).
#[test]
fn the_grammar_reaches_every_stage() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config::default());
    for (kind, strategy) in [
        ("circuit", circuit().boxed()),
        ("network", network().boxed()),
    ] {
        let mut counts = [0usize; 4];
        for _ in 0..300 {
            let text = strategy.new_tree(&mut runner).expect("a value").current();
            if std::env::var("GRAMMAR_DEBUG").is_ok() {
                if let Err(e) = memrc_io::load_str_with(&text, "gen.toml", None, &options()) {
                    eprintln!("{e}");
                }
            }
            counts[match exercise(&text).0 {
                Outcome::Load => 0,
                Outcome::Check => 1,
                Outcome::Run => 2,
                Outcome::Ok => 3,
            }] += 1;
        }
        eprintln!(
            "{kind}: load {}, check {}, run {}, ok {}",
            counts[0], counts[1], counts[2], counts[3]
        );
        assert!(counts[0] > 0 && counts[3] > 0, "{kind}: {counts:?}");
    }
}
