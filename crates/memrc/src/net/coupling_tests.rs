//! Tests of the classic HH model and of the continuous couplings (kinetic synapses, gap
//! junctions) in the network engine.

use super::tests::{crossings, exp_euler};
use super::*;

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|x| x.to_bits()).collect()
}

/// The classic HH neuron of area 2e-8 m² (2e-4 cm²), exponential Euler, written out in mV,
/// ms, nS, pF, nA with libm.
#[derive(Debug, Clone, Copy)]
struct HhRef {
    v: f64,
    m: f64,
    h: f64,
    n: f64,
}

impl HhRef {
    const AREA_CM2: f64 = 2e-4;

    /// The state the engine starts from by default: −65 mV, gates at steady state.
    fn at(v: f64) -> Self {
        let [am, bm, ah, bh, an, bn] = Self::rates(v);
        Self {
            v,
            m: am / (am + bm),
            h: ah / (ah + bh),
            n: an / (an + bn),
        }
    }

    fn rates(v: f64) -> [f64; 6] {
        // x/(1 − e^{−x}), continuous at 0.
        let lin = |x: f64| if x == 0.0 { 1.0 } else { x / -(-x).exp_m1() };
        [
            lin((v + 40.0) / 10.0),
            4.0 * (-(v + 65.0) / 18.0).exp(),
            0.07 * (-(v + 65.0) / 20.0).exp(),
            1.0 / (1.0 + (-(v + 35.0) / 10.0).exp()),
            0.1 * lin((v + 55.0) / 10.0),
            0.125 * (-(v + 65.0) / 80.0).exp(),
        ]
    }

    /// One step of `dt` ms with synaptic conductance `g_syn` nS, `j_syn` nS·mV (pA) and
    /// injected current `i_ext` nA.
    fn step(&mut self, dt: f64, g_syn: f64, j_syn: f64, i_ext: f64) {
        let (cm, gl, gna, gk) = (
            1e6 * Self::AREA_CM2, // 1 µF/cm² → pF
            0.3e-3 * 1e9 * Self::AREA_CM2,
            120e-3 * 1e9 * Self::AREA_CM2,
            36e-3 * 1e9 * Self::AREA_CM2,
        );
        let (el, ek, ena) = (-54.387, -77.0, 50.0);
        let [am, bm, ah, bh, an, bn] = Self::rates(self.v);
        let ee = |x: f64, a: f64, b: f64| exp_euler(x, a, b, dt);
        let m3h = self.m.powi(3) * self.h;
        let n4 = self.n.powi(4);
        let a_v = -(gl + gna * m3h + gk * n4 + g_syn) / cm;
        let b_v = (gl * el + gna * m3h * ena + gk * n4 * ek + j_syn + 1e3 * i_ext) / cm;
        self.v = ee(self.v, a_v, b_v);
        self.m = ee(self.m, -(am + bm), am);
        self.h = ee(self.h, -(ah + bh), ah);
        self.n = ee(self.n, -(an + bn), an);
    }
}

#[test]
fn single_hh_neuron_matches_a_plain_reference_to_1e_9_mv() {
    let (i_ext, ge0) = (2e-9, 20e-9); // 2 nA (10 µA/cm²), initial ge 20 nS decaying
    for simd in [SimdLevel::Auto, SimdLevel::Portable] {
        let mut b = NetworkBuilder::new(1e-5, 0);
        b.scheme(Scheme::ExpEuler); // the reference is exponential Euler
        b.population(
            PopulationSpec::new("hh", 1, HodgkinHuxley::classic())
                .receptor(Receptor::exponential("ge", 5e-3, 0.0))
                .refractory(3e-3)
                .init("i_ext", Init::Constant(i_ext))
                .init("ge", Init::Constant(ge0)),
        );
        b.record(RecordSpec::new("hh", "v", vec![0], 0.0));
        let mut net = b.build().expect("valid");
        let out = net
            .run_with(0.1, RunOptions::default().simd(simd))
            .expect("runs");
        let v = &out.recordings[0].values[0];
        let mut r = HhRef::at(-65.0);
        let mut ge = ge0 * 1e9;
        let mut worst = 0.0_f64;
        let mut after = Vec::new();
        for &vk in v {
            worst = worst.max((vk * 1e3 - r.v).abs());
            r.step(0.01, ge, 0.0, i_ext * 1e9);
            ge *= (-0.01_f64 / 5.0).exp();
            after.push(r.v);
        }
        assert!(worst <= 1e-9, "{simd:?}: max |Δv| = {worst:e} mV");
        let want = crossings(-65.0, &after, 0.01);
        assert!(want.len() >= 5, "the neuron fires repetitively: {want:?}");
        assert_eq!(out.spikes.times.len(), want.len());
        for (a, b) in out.spikes.times.iter().zip(&want) {
            assert!((a - b * 1e-3).abs() < 1e-12, "{a} vs {b} ms");
        }
    }
}

#[test]
fn hh_neuron_stays_at_the_circuit_rest() {
    use crate::element::channel::hh::{H_GATE, M_GATE, N_GATE};
    // The rest of `circuit::neuron`'s HH membrane (root of the steady-state I–V curve).
    let rest = -64.996_379_331_192_06e-3;
    let mut b = NetworkBuilder::new(1e-5, 0);
    b.population(
        PopulationSpec::new("hh", 1, HodgkinHuxley::classic())
            .init("v", Init::Constant(rest))
            .init("m", Init::Constant(M_GATE.steady_state(rest)))
            .init("h", Init::Constant(H_GATE.steady_state(rest)))
            .init("n", Init::Constant(N_GATE.steady_state(rest))),
    );
    let mut net = b.build().expect("valid");
    let out = net.run(0.05, 1).expect("runs");
    assert!(out.spikes.times.is_empty());
    let v = net.state("hh", "v").expect("v")[0];
    assert!((v - rest).abs() <= 1e-12, "v = {v} V, rest {rest} V");
}

/// Two single-neuron HH populations: `a` driven by a current, `b` passive, coupled by a gap
/// junction `a – b` of `g` (or by the same junction listed within one population).
#[test]
fn gap_junction_pair_matches_an_independent_reference() {
    let (g, i_a) = (20e-9, 2e-9);
    let dt = 1e-5;
    let steps = 6000; // 60 ms
    // Reference.
    let (mut a, mut bref) = (HhRef::at(-65.0), HhRef::at(-65.0));
    let mut want = vec![(a.v, bref.v)];
    for _ in 0..steps {
        let (va, vb) = (a.v, bref.v);
        a.step(0.01, g * 1e9, g * 1e9 * vb, i_a * 1e9);
        bref.step(0.01, g * 1e9, g * 1e9 * va, 0.0);
        want.push((a.v, bref.v));
    }
    assert!(
        want.iter().any(|&(_, vb)| vb > -55.0),
        "the junction depolarises b"
    );
    // Two populations, and one population of two with the junction listed as (1, 0).
    for two_pops in [true, false] {
        for threads in [1, 2] {
            let mut b = NetworkBuilder::new(dt, 0);
            b.scheme(Scheme::ExpEuler); // the reference is exponential Euler
            let (pa, pb, ia, ib) = if two_pops {
                b.population(
                    PopulationSpec::new("a", 1, HodgkinHuxley::classic())
                        .init("i_ext", Init::Constant(i_a)),
                );
                b.population(PopulationSpec::new("b", 1, HodgkinHuxley::classic()));
                b.projection(
                    ProjectionSpec::gap_junction("a", "b", Connectivity::List(vec![(0, 0)]))
                        .weight(Weight::Constant(g)),
                );
                ("a", "b", 0, 0)
            } else {
                b.population(
                    PopulationSpec::new("ab", 2, HodgkinHuxley::classic())
                        .init("i_ext", Init::Values(vec![i_a, 0.0])),
                );
                b.projection(
                    ProjectionSpec::gap_junction("ab", "ab", Connectivity::List(vec![(1, 0)]))
                        .weight(Weight::Values(vec![g])),
                );
                ("ab", "ab", 0, 1)
            };
            b.record(RecordSpec::new(pa, "v", vec![ia], 0.0));
            b.record(RecordSpec::new(pb, "v", vec![ib], 0.0));
            let mut net = b.build().expect("valid");
            // In two runs: the snapshot must carry over.
            let mut va = Vec::new();
            let mut vb = Vec::new();
            for part in [0.025, 0.035] {
                let out = net.run(part, threads).expect("runs");
                va.extend_from_slice(&out.recordings[0].values[0]);
                vb.extend_from_slice(&out.recordings[1].values[0]);
            }
            va.push(net.state(pa, "v").expect("v")[ia]);
            vb.push(net.state(pb, "v").expect("v")[ib]);
            assert_eq!(va.len(), steps + 1);
            let mut worst = 0.0_f64;
            for ((x, y), (wa, wb)) in va.iter().zip(&vb).zip(&want) {
                worst = worst.max((x * 1e3 - wa).abs()).max((y * 1e3 - wb).abs());
            }
            assert!(
                worst <= 1e-9,
                "two_pops {two_pops}, {threads} threads: max |Δv| = {worst:e} mV"
            );
        }
    }
}

#[test]
fn kinetic_synapse_follows_the_presynaptic_voltage_and_depolarises_the_target() {
    let k = Kinetic::ampa();
    let gbar = 30e-9;
    let dt = 1e-5;
    let mut b = NetworkBuilder::new(dt, 0);
    // One presynaptic spike: `pre` starts depolarised to −45 mV (gates at rest).
    b.population(
        PopulationSpec::new("pre", 1, HodgkinHuxley::classic())
            .refractory(3e-3)
            .init("v", Init::Constant(-0.045)),
    );
    b.population(PopulationSpec::new("post", 1, HodgkinHuxley::classic()));
    b.projection(
        ProjectionSpec::kinetic("pre", "post", Connectivity::OneToOne, k)
            .weight(Weight::Constant(gbar)),
    );
    b.record(RecordSpec::new("post", "v", vec![0], 0.0));
    let mut net = b.build().expect("valid");
    assert_eq!(net.kinetic_state(0), Some(&[0.0][..]));
    // Step by step, checking s against the same exponential Euler on the recorded v_pre.
    let (mut s_ref, mut s_max, mut s_at_peak) = (0.0_f64, 0.0_f64, 0.0);
    let mut v_pre_max = f64::NEG_INFINITY;
    let mut worst = 0.0_f64;
    let mut v_post = Vec::new();
    let mut spikes = 0;
    for step in 0..3000 {
        let v_pre = net.state("pre", "v").expect("v")[0];
        let out = net.run(dt, 1 + step % 2).expect("runs");
        spikes += out.spikes.ids.iter().filter(|&&id| id == 0).count();
        v_post.extend_from_slice(&out.recordings[0].values[0]);
        // s ← s∞ + (s − s∞) e^{−(αT + β) dt}, T = T_max/(1 + e^{−(v_pre − V_p)/K_p}).
        let t = k.t_max / (1.0 + (-(v_pre - k.v_p) / k.k_p).exp());
        let (a, bb) = (k.alpha * t, k.alpha * t + k.beta);
        s_ref = a / bb + (s_ref - a / bb) * (-bb * dt).exp();
        let s = net.kinetic_state(0).expect("kinetic")[0];
        worst = worst.max((s - s_ref).abs());
        if v_pre > v_pre_max {
            v_pre_max = v_pre;
            s_at_peak = s;
        }
        s_max = s_max.max(s);
    }
    assert_eq!(spikes, 1, "one presynaptic spike");
    assert!(worst <= 1e-15, "s differs from the reference by {worst:e}");
    let s_inf = k.alpha * k.t_max / (k.alpha * k.t_max + k.beta);
    assert!(
        s_max > 0.3 && s_max < s_inf,
        "s rises towards αT/(αT + β) = {s_inf}: max {s_max}"
    );
    assert!(s_at_peak > 0.0 && s_at_peak < s_max);
    let rest = v_post[0];
    let peak = v_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(
        peak - rest > 5e-3,
        "the target depolarises: {rest} → {peak} V"
    );
    // After the spike s decays with rate ≈ β.
    let s_end = net.kinetic_state(0).expect("kinetic")[0];
    assert!(s_end < 0.1 * s_max, "s decays: {s_end}");
}

/// A mixed network: HH and Traub–Miles populations, exponential receptors, kinetic synapses
/// (excitatory, inhibitory; random weights) and gap junctions (within and across populations).
pub(super) fn mixed(seed: u64) -> NetworkBuilder {
    let mut b = NetworkBuilder::new(5e-5, seed);
    b.population(
        PopulationSpec::new("hh", 60, HodgkinHuxley::classic())
            .receptor(Receptor::exponential("ge", 5e-3, 0.0))
            .refractory(2e-3)
            .init(
                "i_ext",
                Init::Uniform {
                    low: 0.0,
                    high: 2.5e-9,
                },
            )
            .init(
                "v",
                Init::Normal {
                    mean: -0.065,
                    sd: 0.005,
                },
            ),
    );
    b.population(
        PopulationSpec::new("tm", 41, TraubMiles::cobahh())
            .receptor(Receptor::exponential("ge", 5e-3, 0.0))
            .refractory(3e-3)
            .init(
                "i_ext",
                Init::Uniform {
                    low: 0.0,
                    high: 0.8e-9,
                },
            ),
    );
    let inhibitory = Kinetic {
        alpha: 5e6,
        beta: 180.0,
        e_syn: -0.080,
        ..Kinetic::ampa()
    };
    b.projection(
        ProjectionSpec::kinetic(
            "hh",
            "hh",
            Connectivity::FixedProbability(0.1),
            Kinetic::ampa(),
        )
        .weight(Weight::Uniform {
            low: 0.0,
            high: 2e-9,
        }),
    );
    b.projection(
        ProjectionSpec::kinetic("tm", "hh", Connectivity::FixedInDegree(5), inhibitory)
            .weight(Weight::Constant(1e-9)),
    );
    b.projection(
        ProjectionSpec::gap_junction("hh", "tm", Connectivity::FixedProbability(0.05))
            .weight(Weight::Constant(0.5e-9)),
    );
    b.projection(
        ProjectionSpec::gap_junction("hh", "hh", Connectivity::FixedProbability(0.05)).weight(
            Weight::Uniform {
                low: 0.0,
                high: 1e-9,
            },
        ),
    );
    b.projection(
        ProjectionSpec::new("tm", "tm", "ge", Connectivity::FixedProbability(0.2))
            .weight(Weight::Constant(3e-9)),
    );
    b
}

type Fingerprint = (Vec<u64>, Vec<u32>, Vec<Vec<u64>>);

fn fingerprint(net: &Network, out: &RunResult) -> Fingerprint {
    let mut state = Vec::new();
    for (p, vars) in [
        ("hh", &["v", "m", "h", "n", "ge"][..]),
        ("tm", &["v", "m", "h", "n", "ge"][..]),
    ] {
        for v in vars {
            state.push(bits(net.state(p, v).expect("variable exists")));
        }
    }
    for k in 0..2 {
        state.push(bits(net.kinetic_state(k).expect("kinetic")));
    }
    (bits(&out.spikes.times), out.spikes.ids.clone(), state)
}

#[test]
fn couplings_are_bitwise_identical_for_1_2_3_threads() {
    let mut reference = None;
    for threads in [1, 2, 3] {
        let mut net = mixed(11).build().expect("valid");
        let out = net.run(0.1, threads).expect("runs");
        assert_eq!(out.stats.threads, threads);
        let rates = out.population_rates();
        assert!(
            rates.iter().all(|(_, r)| *r > 5.0),
            "both populations fire: {rates:?}"
        );
        let fp = fingerprint(&net, &out);
        match &reference {
            None => reference = Some(fp),
            Some(r) => assert!(*r == fp, "{threads} threads differ from 1"),
        }
    }
    // A run split in two equals one run (states and snapshots carry over).
    let mut one = mixed(11).build().expect("valid");
    one.run(0.04, 2).expect("runs");
    let mut two = mixed(11).build().expect("valid");
    two.run(0.015, 3).expect("runs");
    two.run(0.025, 1).expect("runs");
    for v in ["v", "n"] {
        assert_eq!(
            bits(one.state("hh", v).expect("v")),
            bits(two.state("hh", v).expect("v"))
        );
    }
    assert_eq!(
        bits(one.kinetic_state(0).expect("kinetic")),
        bits(two.kinetic_state(0).expect("kinetic"))
    );
    assert!(one.kinetic_state(2).is_none() && one.kinetic_state(4).is_none());
    // Projection 4 (tm → tm, spike-driven) after four couplings.
    let tm = one.connectivity(4).expect("exists");
    assert_eq!(tm.n_pre(), 41);
    assert!(tm.n_synapses() > 41 * 41 / 10);
    assert_eq!(one.connectivity(1).expect("exists").n_synapses(), 60 * 5);
}

#[test]
fn negative_conductances_and_bad_coupling_parameters_are_refused() {
    let base = || {
        let mut b = NetworkBuilder::new(1e-5, 0);
        b.population(PopulationSpec::new("a", 4, HodgkinHuxley::classic()));
        b
    };
    let conn = Connectivity::AllToAll;
    let cases = [
        ProjectionSpec::kinetic("a", "a", conn.clone(), Kinetic::ampa())
            .weight(Weight::Constant(-1e-9)),
        ProjectionSpec::gap_junction("a", "a", Connectivity::List(vec![(0, 1), (1, 2)]))
            .weight(Weight::Values(vec![1e-9, -1e-12])),
        ProjectionSpec::gap_junction("a", "a", conn.clone()).weight(Weight::Uniform {
            low: -1e-9,
            high: 1e-9,
        }),
        ProjectionSpec::gap_junction("a", "a", conn.clone()).weight(Weight::Constant(f64::NAN)),
    ];
    for p in cases {
        let mut b = base();
        b.projection(p);
        assert!(
            matches!(b.build(), Err(NetError::NegativeWeight { .. })),
            "negative conductance accepted"
        );
    }
    let bad = [
        ProjectionSpec::kinetic(
            "a",
            "a",
            conn.clone(),
            Kinetic {
                beta: 0.0,
                ..Kinetic::ampa()
            },
        ),
        ProjectionSpec::kinetic(
            "a",
            "a",
            conn.clone(),
            Kinetic {
                k_p: -0.005,
                ..Kinetic::ampa()
            },
        ),
        ProjectionSpec::gap_junction("a", "a", conn.clone()).delay(Delay::Constant(1e-3)),
    ];
    for p in bad {
        let mut b = base();
        b.projection(p);
        assert!(matches!(b.build(), Err(NetError::BadParameter { .. })));
    }
    // The receptor name of a continuous projection is not looked up.
    let mut b = base();
    b.projection(ProjectionSpec::gap_junction("a", "a", conn).weight(Weight::Constant(1e-9)));
    assert!(b.build().is_ok());
}

#[test]
fn memory_estimate_covers_the_per_synapse_state() {
    let n = 300;
    let build = |kind: Option<SynapseKind>, weight: Weight| {
        let mut b = NetworkBuilder::new(1e-5, 0);
        b.population(
            PopulationSpec::new("a", n, HodgkinHuxley::classic())
                .receptor(Receptor::exponential("ge", 5e-3, 0.0)),
        );
        let p = ProjectionSpec::new("a", "a", "ge", Connectivity::AllToAll).weight(weight);
        b.projection(match kind {
            Some(k) => p.synapse(k),
            None => p,
        });
        b
    };
    let syn = (n * n) as u64;
    let spike = build(None, Weight::Constant(1e-9))
        .memory_estimate()
        .expect("valid");
    for (kind, per_synapse) in [
        (SynapseKind::Kinetic(Kinetic::ampa()), 16),
        (SynapseKind::GapJunction, 8),
    ] {
        for weight in [
            Weight::Constant(1e-9),
            Weight::Uniform {
                low: 0.0,
                high: 1e-9,
            },
        ] {
            let b = build(Some(kind), weight);
            let est = b.memory_estimate().expect("valid");
            let net = b.build().expect("valid");
            assert_eq!(est.synapses, syn);
            assert_eq!(net.n_synapses() as u64, syn);
            // The network holds at least the state / partner lists per synapse …
            assert!(
                net.memory_bytes() >= spike.synapse_bytes + per_synapse * syn / 2,
                "{kind:?}: {} bytes",
                net.memory_bytes()
            );
            // … and the estimate bounds it, with the run's copy of the kinetic states.
            assert!(
                est.total_bytes
                    >= net.memory_bytes() + 8 * net.kinetic_state(0).map_or(0, |s| s.len()) as u64,
                "{kind:?}: estimate {est:?} vs {} bytes",
                net.memory_bytes()
            );
            assert!(est.total_bytes < 3 * net.memory_bytes() + 100_000);
        }
    }
}

#[test]
fn kinetic_conductances_are_recorded_per_neuron() {
    // Projection 1, "tm->hh": 5 synapses of constant ḡ = 1 nS onto every hh neuron, stored by
    // target then source, so neuron i's are kinetic_state(1)[5i..5i + 5].
    let mut b = mixed(11);
    b.record(RecordSpec::new("hh", "tm->hh", vec![59, 0, 7], 0.0));
    let mut net = b.build().expect("valid");
    net.run(0.02, 2).expect("runs");
    let s = net.kinetic_state(1).expect("kinetic").to_vec();
    // The next run's first sample is the state at its start.
    let out = net.run(5e-5, 3).expect("runs");
    let rec = &out.recordings[0];
    assert_eq!(rec.variable, "tm->hh");
    let mut nonzero = 0;
    for (j, &i) in rec.neurons.iter().enumerate() {
        let want = s[5 * i..5 * i + 5]
            .iter()
            .fold(0.0, |acc, s| acc + 1e-9 * s);
        assert_eq!(rec.values[j][0].to_bits(), want.to_bits(), "neuron {i}");
        nonzero += usize::from(want > 0.0);
    }
    assert!(nonzero > 0, "the tm neurons fire, so some s > 0");
    // Only kinetic projections onto the population are recordable variables.
    let mut b = mixed(11);
    b.record(RecordSpec::new("hh", "hh->tm", vec![0], 0.0));
    match b.build() {
        Err(NetError::UnknownVariable { variable, .. }) => assert_eq!(variable, "hh->tm"),
        other => panic!("expected an unknown variable, got {other:?}"),
    }
    let mut b = mixed(11);
    b.record(RecordSpec::new("hh", "tm->hhh", vec![0], 0.0));
    match b.build() {
        Err(NetError::UnknownVariable { suggestion, .. }) => {
            assert_eq!(suggestion.as_deref(), Some("tm->hh"));
        }
        other => panic!("expected an unknown variable, got {other:?}"),
    }
}
