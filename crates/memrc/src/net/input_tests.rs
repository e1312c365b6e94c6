//! External inputs: currents against constant `i_ext`, subsets, Poisson trains (counts,
//! thread and chunk independence).

use super::*;
use crate::circuit::stimulus::Stimulus;

fn population(n: usize) -> PopulationSpec {
    PopulationSpec::new("exc", n, TraubMiles::cobahh())
        .receptor(Receptor::exponential("ge", 5e-3, 0.0))
        .refractory(3e-3)
        .init("v", Init::Constant(-0.065))
}

fn run(b: &NetworkBuilder, t: f64, threads: usize) -> RunResult {
    let mut net = b.clone().build().expect("valid");
    net.run(t, threads).expect("runs")
}

#[test]
fn a_step_current_from_zero_is_a_constant_i_ext_bitwise() {
    for scheme in [Scheme::ExpEuler, Scheme::Exp2, Scheme::DEFAULT] {
        let mut with_input = NetworkBuilder::new(1e-4, 1);
        with_input.scheme(scheme);
        with_input.population(population(4));
        with_input.input(InputSpec::current(
            "exc",
            Stimulus::Step {
                amplitude: 0.6e-9,
                start: 0.0,
            },
        ));
        with_input.record(RecordSpec::new("exc", "v", vec![0, 3], 1e-4));
        let mut constant = NetworkBuilder::new(1e-4, 1);
        constant.scheme(scheme);
        constant.population(population(4).init("i_ext", Init::Constant(0.6e-9)));
        constant.record(RecordSpec::new("exc", "v", vec![0, 3], 1e-4));
        let (a, b) = (run(&with_input, 0.05, 1), run(&constant, 0.05, 1));
        assert!(a.spikes.times.len() >= 8, "{scheme:?}: the neurons fire");
        assert_eq!(a.spikes.times, b.spikes.times, "{scheme:?}");
        assert_eq!(a.recordings[0].values, b.recordings[0].values, "{scheme:?}");
    }
}

#[test]
fn a_pulse_into_a_subset_drives_only_it_and_adds_to_i_ext() {
    let mut b = NetworkBuilder::new(1e-4, 1);
    b.scheme(Scheme::ExpEuler);
    b.population(population(6).init("i_ext", Init::Constant(0.02e-9)));
    b.input(
        InputSpec::current(
            "exc",
            Stimulus::Pulse {
                amplitude: 2e-9,
                start: 10e-3,
                end: 30e-3,
            },
        )
        .neurons(vec![4, 1]),
    );
    b.record(RecordSpec::new("exc", "i_ext", vec![0, 1], 1e-4));
    let out = run(&b, 0.05, 2);
    let mut quiet = NetworkBuilder::new(1e-4, 1);
    quiet.scheme(Scheme::ExpEuler);
    quiet.population(population(6).init("i_ext", Init::Constant(0.02e-9)));
    let reference = run(&quiet, 0.05, 1);
    // Neurons outside the subset spike exactly as without the input; the driven ones spike more.
    let train = |r: &RunResult, id: u32| -> Vec<f64> {
        r.spikes
            .ids
            .iter()
            .zip(&r.spikes.times)
            .filter(|&(&i, _)| i == id)
            .map(|(_, &t)| t)
            .collect()
    };
    for id in [0, 2, 3, 5] {
        assert_eq!(train(&out, id), train(&reference, id), "neuron {id}");
    }
    for id in [1, 4] {
        let (a, r) = (train(&out, id), train(&reference, id));
        assert!(a.len() >= r.len() + 3, "neuron {id}: {a:?} vs {r:?}");
        assert!(a.iter().filter(|&&t| t > 10e-3 && t < 31e-3).count() >= 3);
    }
    // i_ext is the base plus the pulse, on the grid: 0.02 nA before 10 ms and after 30 ms.
    let i1 = &out.recordings[0].values[1];
    assert_eq!(i1[99], 0.02e-9);
    assert_eq!(i1[100], 0.02e-9 + 2e-9);
    assert_eq!(i1[299], 0.02e-9 + 2e-9);
    assert_eq!(i1[300], 0.02e-9);
    assert!(out.recordings[0].values[0].iter().all(|&x| x == 0.02e-9));
}

#[test]
fn poisson_trains_have_their_rate_and_do_not_depend_on_threads_or_chunks() {
    let (n, rate, dt, t) = (400, 200.0, 1e-4, 0.2);
    let mut b = NetworkBuilder::new(dt, 7);
    b.scheme(Scheme::ExpEuler);
    b.population(population(n));
    b.input(InputSpec::poisson("exc", "ge", rate, 1e-9));
    b.record(RecordSpec::new("exc", "ge", vec![0, 1, 2], dt));
    let one = run(&b, t, 1);
    // Events: n · rate · t = 16000 expected, sd sqrt(16000) = 126.
    let expect = n as f64 * rate * t;
    let got = one.stats.synaptic_events as f64;
    assert!(
        (got - expect).abs() < 5.0 * expect.sqrt(),
        "{got} events, expected {expect}"
    );
    let three = run(&b, t, 3);
    assert_eq!(one.spikes.times, three.spikes.times);
    assert_eq!(one.recordings[0].values, three.recordings[0].values);
    let mut net = b.clone().build().expect("valid");
    let first = net.run(t / 2.0, 2).expect("runs");
    let second = net.run(t / 2.0, 1).expect("runs");
    let joined: Vec<f64> = first.recordings[0].values[0]
        .iter()
        .chain(&second.recordings[0].values[0])
        .copied()
        .collect();
    assert_eq!(joined, one.recordings[0].values[0]);
    // A different seed gives different trains.
    let mut c = b.clone();
    c.set_seed(8);
    assert_ne!(run(&c, t, 1).recordings[0].values, one.recordings[0].values);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let base = || {
        let mut b = NetworkBuilder::new(1e-4, 1);
        b.population(population(3));
        b
    };
    let err = |spec: InputSpec| {
        let mut b = base();
        b.input(spec);
        b.build().expect_err("refused").to_string()
    };
    let pulse = Stimulus::Pulse {
        amplitude: 1e-9,
        start: 0.0,
        end: 1e-3,
    };
    assert!(err(InputSpec::current("exd", pulse.clone())).contains("did you mean 'exc'"));
    assert!(err(InputSpec::current("exc", pulse).neurons(vec![3])).contains("index 3"));
    assert!(err(InputSpec::poisson("exc", "gx", 10.0, 1e-9)).contains("no receptor 'gx'"));
    assert!(err(InputSpec::poisson("exc", "ge", -1.0, 1e-9)).contains("input 0 rate"));
    assert!(err(InputSpec::poisson("exc", "ge", 1e7, 1e-9)).contains("rate"));
    assert!(err(InputSpec::poisson("exc", "ge", 10.0, f64::NAN)).contains("weight"));
}
