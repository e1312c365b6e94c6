//! The conformance suite every neuron model runs (the network side of diffsol's
//! `test_ode_solver<Method, Eqn>` habit): block against neuron-by-neuron evaluation, hand-fused
//! kernels against the generic mechanism kernel, both SIMD paths, the steady-state start, and
//! parameter ranges enforced. A new model is added to [`models`] and gets every check.

use super::*;
use crate::circuit::neuron::{HhParams, hodgkin_huxley_expression_channels};
use crate::element::channel::{HhPotassium, HhSodium};
use crate::element::mechanism::{GatedChannel, Mechanism};
use crate::params::{ParamSet, Parameters};

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

/// Every parameter of every table-driven model is range-checked by `validate`: NaN and a value
/// past each finite bound are refused, naming the model and the parameter; the defaults pass.
#[test]
fn parameter_ranges_are_enforced() {
    fn check<P: Parameters + NeuronModel>(model: P) {
        assert!(model.validate().is_ok(), "{}: defaults", P::KIND);
        for (i, info) in P::PARAMS.iter().enumerate() {
            let mut bad = vec![f64::NAN];
            if info.min.is_finite() {
                bad.push(if info.min_exclusive {
                    info.min
                } else {
                    info.min - 1.0
                });
            }
            if info.max.is_finite() {
                bad.push(info.max + 1.0);
            }
            for value in bad {
                let mut m = model;
                *m.value_mut(i).expect("in the table") = value;
                let e = m.validate().expect_err("out of range");
                let text = e.to_string();
                assert!(
                    text.starts_with(&format!("{} {} = ", P::KIND, info.name)),
                    "{text}"
                );
            }
        }
    }
    check(TraubMiles::cobahh());
    check(HodgkinHuxley::classic());
    // The membrane through the neuron that owns it.
    let m = Membrane::classic_hh();
    for (i, info) in Membrane::PARAMS.iter().enumerate() {
        let mut bad = m;
        *bad.value_mut(i).expect("in the table") = f64::NAN;
        let n = ChannelNeuron::with_mechanisms(bad, Vec::new()).expect("no channels");
        let text = n.validate().expect_err("NaN").to_string();
        assert!(
            text.starts_with(&format!("conductance {} = ", info.name)),
            "{text}"
        );
    }
}

/// Every gated channel of the element catalogue, as a network mechanism: its block kernel with
/// the standard library's functions is bitwise the element's scalar coefficients (the element
/// is the kernel on a block of one), and the vectorised arithmetics agree to 2e-14.
#[test]
fn catalogue_mechanisms_are_their_elements_on_a_block() {
    use crate::element::{Catalogue, StateForm};
    use crate::simd::{Fused, Libm, Unfused};
    let vs: Vec<f64> = (0..=1500).map(|k| -0.100 + 1e-4 * f64::from(k)).collect();
    let n = vs.len();
    let mut found = 0;
    for entry in Catalogue::all() {
        let el = (entry.build)(&[]).expect("defaults build");
        let Some(Mechanism::Gated(ch)) = el.mechanism() else {
            continue;
        };
        found += 1;
        assert_eq!(el.state_form(), StateForm::Linear);
        assert_eq!(ch.gates.len(), el.n_states(), "{}", ch.name);
        assert_eq!(el.battery(0), ch.e_rev, "{}", ch.name);
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        let (mut ea, mut eb) = (vec![0.0; ch.gates.len()], vec![0.0; ch.gates.len()]);
        for (j, gate) in ch.gates.iter().enumerate() {
            gate.coefficients_block::<Libm>(&vs, &mut a, &mut b);
            // The element takes w = v − E and evaluates at w + E: compare where that round
            // trip is exact (most points).
            let mut compared = 0;
            for (i, &v) in vs.iter().enumerate() {
                let w = v - ch.e_rev;
                if w + ch.e_rev != v {
                    continue;
                }
                el.linear_coefficients(&[w], &mut ea, &mut eb);
                assert_eq!(
                    (a[i].to_bits(), b[i].to_bits()),
                    (ea[j].to_bits(), eb[j].to_bits()),
                    "{} gate {j} at {v} V",
                    ch.name
                );
                compared += 1;
            }
            assert!(compared > n / 2, "{}: {compared} of {n} points", ch.name);
            let (mut fa, mut fb) = (vec![0.0; n], vec![0.0; n]);
            for arith in 0..2 {
                if arith == 0 {
                    gate.coefficients_block::<Fused>(&vs, &mut fa, &mut fb);
                } else {
                    gate.coefficients_block::<Unfused>(&vs, &mut fa, &mut fb);
                }
                for i in 0..n {
                    assert!(((fa[i] - a[i]) / a[i]).abs() <= 2e-14 || a[i] == fa[i]);
                    assert!(((fb[i] - b[i]) / b[i]).abs() <= 2e-14);
                }
            }
        }
    }
    assert_eq!(found, 4, "hh-na, hh-k, traub-na, traub-k");
}

/// The presets' tables repeat entries of other tables (the membrane's, the channels' `gbar` and
/// `e_rev`) with other names and defaults: their names, units and ranges must not drift apart.
#[test]
fn preset_tables_agree_with_the_tables_they_build_on() {
    use crate::element::channel::{TraubPotassium, TraubSodium};
    use crate::params::ParamInfo;
    let same = |a: &ParamInfo, b: &ParamInfo| {
        (a.unit, a.min, a.max, a.min_exclusive) == (b.unit, b.min, b.max, b.min_exclusive)
    };
    for table in [TraubMiles::PARAMS, HodgkinHuxley::PARAMS] {
        // Membrane::of reads the first four entries by index.
        for (a, b) in table.iter().zip(Membrane::PARAMS) {
            assert!(a.name == b.name && same(a, b), "{a:?} vs {b:?}");
        }
    }
    let get = |t: &'static [ParamInfo], name: &str| {
        t.iter().find(|p| p.name == name).expect("in the table")
    };
    for (table, na, k) in [
        (
            HodgkinHuxley::PARAMS,
            HhSodium::KIND.params,
            HhPotassium::KIND.params,
        ),
        (
            TraubMiles::PARAMS,
            TraubSodium::KIND.params,
            TraubPotassium::KIND.params,
        ),
    ] {
        for (preset, channel, param) in [
            ("g_na", na, "gbar"),
            ("e_na", na, "e_rev"),
            ("g_k", k, "gbar"),
            ("e_k", k, "e_rev"),
        ] {
            let (a, b) = (get(table, preset), get(channel, param));
            assert!(same(a, b) && a.default == b.default, "{a:?} vs {b:?}");
        }
    }
    assert!(same(
        get(TraubMiles::PARAMS, "v_t"),
        get(TraubSodium::KIND.params, "v_t")
    ));
    // A Membrane::of preset reads what the table says.
    let hh = HodgkinHuxley::classic();
    assert_eq!(hh.membrane(), Membrane::classic_hh());
    let tm = TraubMiles::cobahh();
    assert_eq!(
        (tm.membrane().g_leak, tm.membrane().e_leak),
        (tm.g_leak, tm.e_leak)
    );
}
