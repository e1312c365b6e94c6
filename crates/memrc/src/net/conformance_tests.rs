//! The conformance suite every neuron model runs (the network side of diffsol's
//! `test_ode_solver<Method, Eqn>` habit): block against neuron-by-neuron evaluation, hand-fused
//! kernels against the generic mechanism kernel, both SIMD paths, the steady-state start, and
//! parameter ranges enforced. A new model is added to [`models`] and gets every check.

use super::*;
use crate::circuit::neuron::{HhParams, hodgkin_huxley_expression_channels};
use crate::element::channel::{HhPotassium, HhSodium};
use crate::element::mechanism::{GatedChannel, Mechanism};
use crate::params::ParamSet;

/// Every built-in neuron model and a user-defined one, by name.
fn models() -> Vec<(&'static str, Box<dyn NeuronModel>)> {
    let hh = HodgkinHuxley::classic();
    let from_catalogue = |kind: &'static str| -> Mechanism {
        let infos = match kind {
            "hh-na" => HhSodium::KIND.params,
            _ => HhPotassium::KIND.params,
        };
        let p = ParamSet::defaults(kind, infos);
        match kind {
            "hh-na" => GatedChannel::of(
                &HhSodium::KIND,
                HhSodium::new(&p).expect("defaults").channel(),
            )
            .into(),
            _ => GatedChannel::of(
                &HhPotassium::KIND,
                HhPotassium::new(&p).expect("defaults").channel(),
            )
            .into(),
        }
    };
    let tm = TraubMiles::cobahh();
    let [na, k, _leak] =
        hodgkin_huxley_expression_channels(&HhParams::default()).expect("valid channels");
    vec![
        ("traub-miles", Box::new(tm)),
        (
            "traub-miles (generic)",
            Box::new(
                ChannelNeuron::with_mechanisms(tm.membrane(), tm.mechanisms().into())
                    .expect("valid"),
            ),
        ),
        ("hh", Box::new(hh)),
        (
            "hh (catalogue mechanisms)",
            Box::new(
                ChannelNeuron::with_mechanisms(
                    hh.membrane(),
                    vec![from_catalogue("hh-na"), from_catalogue("hh-k")],
                )
                .expect("valid"),
            ),
        ),
        (
            "conductance (expressions)",
            Box::new(
                ChannelNeuron::with_mechanisms(hh.membrane(), vec![na.into(), k.into()])
                    .expect("valid"),
            ),
        ),
    ]
}

/// `n` neurons of `model` at their default start (gates completed), each with its own
/// constant current from 0.5 to 3 nA (HH fires repetitively above about 1.3 nA).
fn start(model: &dyn NeuronModel, n: usize) -> Vec<Vec<f64>> {
    let init = model.initial_values();
    let mut state: Vec<Vec<f64>> = init.iter().map(|&x| vec![x; n]).collect();
    let explicit: Vec<bool> = (0..init.len())
        .map(|k| k == 0 || k + 1 == init.len())
        .collect();
    model.complete_initial_state(&mut state, &explicit);
    if let Some(i_ext) = state.last_mut() {
        for (k, i) in i_ext.iter_mut().enumerate() {
            *i = 0.5e-9 + 2.5e-9 * k as f64 / (n.max(2) - 1) as f64;
        }
    }
    state
}

/// Advances `state` by `steps` steps of `dt`, in blocks of `block` neurons; returns the
/// upward crossings of −20 mV of each neuron, located by linear interpolation \[s\].
fn run(
    model: &dyn NeuronModel,
    state: &mut [Vec<f64>],
    steps: usize,
    dt: f64,
    block: usize,
    simd: SimdLevel,
) -> Vec<Vec<f64>> {
    let n = state[0].len();
    let zeros = vec![0.0; n];
    let mut spikes = vec![Vec::new(); n];
    let mut before = vec![0.0; n];
    for s in 0..steps {
        before.copy_from_slice(&state[0]);
        let mut lo = 0;
        while lo < n {
            let hi = (lo + block).min(n);
            let input = SynapticInput {
                g: &zeros[lo..hi],
                g_e: &zeros[lo..hi],
            };
            model.advance(state, lo..hi, input, dt, simd);
            lo = hi;
        }
        for (i, (&a, &b)) in before.iter().zip(&state[0]).enumerate() {
            if a <= -0.020 && b > -0.020 {
                spikes[i].push((s as f64 + (-0.020 - a) / (b - a)) * dt);
            }
        }
    }
    spikes
}

fn bits(state: &[Vec<f64>]) -> Vec<Vec<u64>> {
    state
        .iter()
        .map(|x| x.iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn block_and_neuron_by_neuron_evaluation_are_bitwise_equal() {
    for (name, model) in models() {
        for simd in [SimdLevel::Auto, SimdLevel::Portable] {
            let (mut a, mut b) = (start(&*model, 37), start(&*model, 37));
            run(&*model, &mut a, 2000, 1e-5, 512, simd);
            run(&*model, &mut b, 2000, 1e-5, 1, simd);
            assert_eq!(bits(&a), bits(&b), "{name} ({simd:?})");
        }
    }
}

#[test]
fn every_model_spikes_like_its_reference() {
    // Spike times over 100 ms of 20 neurons at dt = 10 µs: each preset of gated channels against
    // the generic kernel with the same channels, each SIMD path against the portable one
    // (measured: ≤ 3.4e-16 s between the fused and generic Traub kernels, ≤ 8e-16 s between
    // SIMD paths, 0 between the hh preset and the catalogue mechanisms).
    // Both models of a pair start from the first one's state (the same variables: v, m, h, n,
    // i_ext).
    let ms = models();
    let times = |k: usize, from: usize, simd| {
        let mut s = start(&*ms[from].1, 20);
        run(&*ms[k].1, &mut s, 10_000, 1e-5, 512, simd)
    };
    let worst = |a: &[Vec<f64>], b: &[Vec<f64>], what: &str| {
        let mut w = 0.0_f64;
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert_eq!(x.len(), y.len(), "{what}: neuron {i} spike counts");
            for (p, q) in x.iter().zip(y) {
                w = w.max((p - q).abs());
            }
        }
        assert!(a.iter().any(|x| x.len() > 3), "{what}: the neurons spike");
        w
    };
    // (model, reference, tolerance on the spike times [s])
    for (k, r, tol) in [(0, 1, 1e-13), (2, 3, 0.0), (4, 2, 1e-13)] {
        for simd in [SimdLevel::Auto, SimdLevel::Portable] {
            let w = worst(&times(k, k, simd), &times(r, k, simd), ms[k].0);
            assert!(w <= tol, "{} vs {}: {w:e} s", ms[k].0, ms[r].0);
        }
    }
    for (k, (name, _)) in ms.iter().enumerate() {
        let w = worst(
            &times(k, k, SimdLevel::Auto),
            &times(k, k, SimdLevel::Portable),
            name,
        );
        assert!(w <= 1e-13, "{name}: SIMD paths differ by {w:e} s");
    }
}

#[test]
fn gates_start_at_their_steady_state() {
    // The fused `traub-miles` starts from m = h = n = 0, as Brian2's COBAHH does.
    for (name, model) in models().into_iter().skip(1) {
        let s = start(&*model, 3);
        // One step at dt = 0 changes nothing; at rest with no current the gates barely move.
        let mut rest = s.clone();
        if let Some(i) = rest.last_mut() {
            i.fill(0.0);
        }
        let before = rest.clone();
        run(&*model, &mut rest, 1, 1e-9, 512, SimdLevel::Portable);
        for (k, (x, y)) in rest.iter().zip(&before).enumerate().skip(1) {
            for (a, b) in x.iter().zip(y) {
                assert!(
                    (a - b).abs() <= 1e-9,
                    "{name}: variable {k} moves from its steady state: {b} -> {a}"
                );
            }
        }
    }
}
