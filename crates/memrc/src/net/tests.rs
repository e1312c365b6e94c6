//! Correctness tests of the network engine (no timing assertions).

use super::cobahh::Cobahh;
use super::*;

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|x| x.to_bits()).collect()
}

/// Spike times, ids, recordings and final state, bit for bit.
type Fingerprint = (Vec<u64>, Vec<u32>, Vec<Vec<u64>>, Vec<Vec<u64>>);

fn fingerprint(net: &Network, out: &RunResult) -> Fingerprint {
    let recs = out
        .recordings
        .iter()
        .flat_map(|r| r.values.iter().map(|v| bits(v)))
        .collect();
    let mut state = Vec::new();
    for p in ["exc", "inh"] {
        for v in ["v", "m", "h", "n", "ge", "gi"] {
            state.push(bits(net.state(p, v).expect("variable exists")));
        }
    }
    (bits(&out.spikes.times), out.spikes.ids.clone(), recs, state)
}

#[test]
fn results_are_bitwise_identical_for_1_2_3_threads() {
    // In-degree 80 as at N = 4000, so the small network stays active; once with delay 0
    // (direct delivery) and once with a 0.5 ms delay (ring buffer).
    let schemes = [
        (0.0, Scheme::ExpEuler),
        (5e-4, Scheme::ExpEuler),
        (5e-4, Scheme::Exp2),
        (5e-4, Scheme::Dopri5 { rtol: 1e-5 }),
        (5e-4, Scheme::Rk23 { rtol: 1e-5 }),
    ];
    for (delay, scheme) in schemes {
        let cfg = Cobahh::new(400, 17)
            .p(0.2)
            .delay(delay)
            .scheme(scheme)
            .record(vec![0, 7, 199, 319]);
        let mut reference = None;
        for threads in [1, 2, 3] {
            let mut net = cfg.build().expect("valid network");
            let options = RunOptions::default().threads(threads);
            let out = net.run_with(0.2, options).expect("runs");
            assert_eq!(out.stats.threads, threads);
            assert!(
                out.spikes.ids.len() > 1000,
                "network is active: {}",
                out.spikes.ids.len()
            );
            let fp = fingerprint(&net, &out);
            match &reference {
                None => reference = Some(fp),
                Some(r) => assert!(
                    *r == fp,
                    "{scheme:?}, delay {delay}: {threads} threads differ from 1"
                ),
            }
        }
    }
}

#[test]
fn a_run_split_in_two_equals_one_run() {
    for scheme in [
        Scheme::ExpEuler,
        Scheme::Exp2,
        Scheme::Dopri5 { rtol: 1e-5 },
    ] {
        split_run(scheme);
    }
}

fn split_run(scheme: Scheme) {
    let cfg = Cobahh::new(300, 5).p(0.25).delay(3e-4).scheme(scheme);
    let mut one = cfg.build().expect("valid");
    let a = one.run(0.1, 2).expect("runs");
    let mut two = cfg.build().expect("valid");
    let b1 = two.run(0.04, 1).expect("runs");
    let b2 = two.run(0.06, 3).expect("runs");
    let mut times = b1.spikes.times.clone();
    times.extend(&b2.spikes.times);
    let mut ids = b1.spikes.ids.clone();
    ids.extend(&b2.spikes.ids);
    assert_eq!(bits(&a.spikes.times), bits(&times));
    assert_eq!(a.spikes.ids, ids);
    assert_eq!(
        bits(one.state("exc", "v").expect("v")),
        bits(two.state("exc", "v").expect("v"))
    );
    assert!((two.time() - 0.1).abs() < 1e-12);
}

/// Brian2's COBAHH neuron, exponential Euler, written out in mV, ms, nS, pF, nA with libm.
struct Reference {
    v: f64,
    m: f64,
    h: f64,
    n: f64,
    ge: f64,
}

/// One exponential Euler step of `dx/dt = A x + B` for the plain references of these tests
/// (written out, independent of the library's): `x ← −B/A + (x + B/A) e^{A dt}`.
pub(super) fn exp_euler(x: f64, a: f64, b: f64, dt: f64) -> f64 {
    -b / a + (x + b / a) * (a * dt).exp()
}

/// Spike times \[ms\] of a reference trace (`v0` before the first step, `v_after[k]` after
/// step `k`, mV): a step at whose end `v > −20 mV` outside the 3 ms refractory period fires,
/// at the linear interpolation of the crossing inside it (the network engine's rule for
/// exponential Euler).
pub(super) fn crossings(v0: f64, v_after: &[f64], dt: f64) -> Vec<f64> {
    let (mut out, mut last, mut prev) = (Vec::new(), f64::NEG_INFINITY, v0);
    for (k, &v) in v_after.iter().enumerate() {
        let t = (k + 1) as f64 * dt;
        if v > -20.0 && t - last >= 3.0 - 1e-9 {
            let frac = if prev <= -20.0 {
                (-20.0 - prev) / (v - prev)
            } else {
                1.0
            };
            out.push((k as f64 + frac) * dt);
            last = t;
        }
        prev = v;
    }
    out
}

impl Reference {
    const AREA_CM2: f64 = 20_000e-8;
    fn step(&mut self, dt: f64, i_ext_na: f64) {
        let (cm, gl, gna, gk) = (
            1e6 * Self::AREA_CM2,        // 1 µF/cm² → pF
            5e-5 * 1e9 * Self::AREA_CM2, // S/cm² → nS
            100e-3 * 1e9 * Self::AREA_CM2,
            30e-3 * 1e9 * Self::AREA_CM2,
        );
        let (el, ek, ena, ee, vt) = (-60.0, -90.0, 50.0, 0.0, -63.0);
        let v = self.v;
        let [am, bm, ah, bh, an, bn] = super::scheme_tests::traub_rates(v, vt);
        let ee_step = |x: f64, a: f64, b: f64| exp_euler(x, a, b, dt);
        let m3h = self.m.powi(3) * self.h;
        let n4 = self.n.powi(4);
        // C dv/dt = gl(El − v) + ge(Ee − v) − gNa m³h (v − ENa) − gK n⁴ (v − EK) + I, in
        // pF·mV/ms = pA = nS·mV; the current in nA becomes 1000 pA.
        let a_v = -(gl + self.ge + gna * m3h + gk * n4) / cm;
        let b_v = (gl * el + self.ge * ee + gna * m3h * ena + gk * n4 * ek + 1e3 * i_ext_na) / cm;
        let v_new = ee_step(v, a_v, b_v);
        self.m = ee_step(self.m, -(am + bm), am);
        self.h = ee_step(self.h, -(ah + bh), ah);
        self.n = ee_step(self.n, -(an + bn), an);
        self.ge *= (-dt / 5.0).exp();
        self.v = v_new;
    }
}

#[test]
fn single_neuron_matches_a_plain_reference_to_1e_9_mv() {
    let (i_ext, ge0) = (0.6e-9, 20e-9); // 0.6 nA (3 µA/cm²), initial ge 20 nS decaying
    for simd in [SimdLevel::Auto, SimdLevel::Portable] {
        let mut b = NetworkBuilder::new(1e-4, 0);
        b.scheme(Scheme::ExpEuler); // the reference is exponential Euler
        b.population(
            PopulationSpec::new("exc", 1, TraubMiles::cobahh())
                .receptor(Receptor::exponential("ge", 5e-3, 0.0))
                .receptor(Receptor::exponential("gi", 10e-3, -0.080))
                .refractory(3e-3)
                .init("v", Init::Constant(-0.065))
                .init("i_ext", Init::Constant(i_ext))
                .init("ge", Init::Constant(ge0)),
        );
        b.record(RecordSpec::new("exc", "v", vec![0], 1e-4));
        let mut net = b.build().expect("valid");
        let out = net
            .run_with(0.15, RunOptions::default().simd(simd))
            .expect("runs");
        let v = &out.recordings[0].values[0];
        let mut r = Reference {
            v: -65.0,
            m: 0.0,
            h: 0.0,
            n: 0.0,
            ge: ge0 * 1e9,
        };
        let mut worst = 0.0_f64;
        let mut after = Vec::new();
        for &vk in v {
            worst = worst.max((vk * 1e3 - r.v).abs());
            r.step(0.1, i_ext * 1e9);
            after.push(r.v);
        }
        assert!(worst <= 1e-9, "{simd:?}: max |Δv| = {worst:e} mV");
        let want = crossings(-65.0, &after, 0.1);
        assert!(want.len() >= 3, "the neuron fires: {want:?}");
        assert_eq!(out.spikes.times.len(), want.len());
        for (a, b) in out.spikes.times.iter().zip(&want) {
            assert!((a - b * 1e-3).abs() < 1e-9, "{a} vs {b} ms");
        }
    }
}

#[test]
fn delays_act_after_the_given_number_of_steps() {
    for (delay_steps, rounded) in [(0usize, false), (3, false), (7, true)] {
        let dt = 1e-4;
        let delay = if rounded {
            (delay_steps as f64 + 0.3) * dt
        } else {
            delay_steps as f64 * dt
        };
        let mut b = NetworkBuilder::new(dt, 1);
        b.population(
            PopulationSpec::new("pre", 1, TraubMiles::cobahh())
                .refractory(3e-3)
                .init("i_ext", Init::Constant(2e-9)),
        );
        b.population(
            PopulationSpec::new("post", 2, TraubMiles::cobahh())
                .receptor(Receptor::exponential("ge", 5e-3, 0.0)),
        );
        b.projection(
            ProjectionSpec::new("pre", "post", "ge", Connectivity::List(vec![(0, 1)]))
                .weight(Weight::Values(vec![3e-9]))
                .delay(Delay::Values(vec![delay])),
        );
        b.record(RecordSpec::new("post", "ge", vec![0, 1], 0.0));
        let mut net = b.build().expect("valid");
        assert_eq!(
            net.warnings().len(),
            usize::from(rounded),
            "{:?}",
            net.warnings()
        );
        let out = net.run(0.02, 1).expect("runs");
        let first_spike = out
            .spikes
            .times
            .iter()
            .zip(&out.spikes.ids)
            .find(|&(_, &id)| id == 0)
            .map(|(&t, _)| t)
            .expect("pre fires");
        let rec = &out.recordings[0];
        assert!(
            rec.values[0].iter().all(|&g| g == 0.0),
            "neuron 0 receives nothing"
        );
        let k = rec.values[1]
            .iter()
            .position(|&g| g > 0.0)
            .expect("ge rises");
        // The spike lies inside the step at whose end it is emitted; delivery counts whole
        // steps from that end.
        let emitted = (first_spike / dt - 1e-6).ceil() * dt;
        let expect = emitted + delay_steps as f64 * dt;
        assert!(
            (rec.times[k] - expect).abs() < 1e-12,
            "{} vs {expect}",
            rec.times[k]
        );
        assert!((rec.values[1][k] - f64::from(3e-9_f32)).abs() < 1e-24);
    }
}

/// `upward_crossing`: one spike per excursion above threshold, without a refractory period —
/// the spikes of a refractory period longer than the excursions (the Traub–Miles action
/// potential stays above −20 mV for well under 2 ms at 2 nA), and far fewer than a population
/// that fires on every step above threshold. For every scheme.
#[test]
fn upward_crossings_fire_once_per_excursion() {
    let dt = 2e-5;
    let run = |scheme: Scheme, refractory: f64, crossing: bool| {
        let mut b = NetworkBuilder::new(dt, 1);
        b.scheme(scheme);
        b.population(
            PopulationSpec::new("n", 1, TraubMiles::cobahh())
                .refractory(refractory)
                .upward_crossing(crossing)
                .init("i_ext", Init::Constant(2e-9)),
        );
        let mut net = b.build().expect("valid");
        net.run(0.05, 1).expect("runs").spikes.times
    };
    for scheme in [
        Scheme::ExpEuler,
        Scheme::Exp2,
        Scheme::Dopri5 { rtol: 1e-6 },
        Scheme::Rk23 { rtol: 1e-6 },
    ] {
        let crossing = run(scheme, 0.0, true);
        let refractory = run(scheme, 2e-3, false);
        assert!(crossing.len() >= 3, "{scheme:?}: {crossing:?}");
        assert_eq!(crossing, refractory, "{scheme:?}");
        // Once per step above threshold: tens of spikes per action potential.
        let every_step = run(scheme, 0.0, false);
        assert!(every_step.len() > 10 * crossing.len(), "{scheme:?}");
        // A refractory period still applies: 30 ms leaves the first spike and one more.
        let both = run(scheme, 30e-3, true);
        assert_eq!(
            both,
            [
                crossing[0],
                crossing[crossing.partition_point(|&t| t < crossing[0] + 30e-3)]
            ],
            "{scheme:?}"
        );
    }
}

#[test]
fn cobahh_4000_connectivity_and_memory() {
    let cfg = Cobahh::new(4000, 3);
    let est = cfg.builder().memory_estimate().expect("valid");
    let net = cfg.build().expect("valid");
    let syn = net.n_synapses() as u64;
    // 4000² · 0.02 = 320000 synapses, σ ≈ 560.
    assert!((syn as f64 - 320_000.0).abs() < 5.0 * 566.0, "{syn}");
    assert!(
        est.synapses >= syn && est.synapses < syn + 10_000,
        "{est:?}"
    );
    assert_eq!(est.neurons, 4000);
    // 4 bytes per synapse (u32 targets; weights and delays are constant) plus offsets.
    let conn: usize = (0..4)
        .map(|k| net.connectivity(k).expect("exists").bytes())
        .sum();
    assert_eq!(conn, 4 * syn as usize + 8 * (2 * 3201 + 2 * 801));
    assert!(net.memory_bytes() < 3_000_000, "{}", net.memory_bytes());
    assert!(
        est.total_bytes >= net.memory_bytes()
            && est.total_bytes < 2 * net.memory_bytes() + 1_000_000
    );
    // Mean in-degree of exc→exc: p · 3200 = 64, σ of the mean over 3200 neurons ≈ 0.14.
    let deg = net.connectivity(0).expect("exists").in_degrees(3200);
    let mean = deg.iter().map(|&d| f64::from(d)).sum::<f64>() / 3200.0;
    assert!(
        (mean - 64.0).abs() < 4.0 * (64.0 * 0.98 / 3200.0_f64).sqrt(),
        "{mean}"
    );
}

#[test]
fn oversized_networks_are_refused_before_allocation() {
    // 10⁶ neurons at p = 0.02: 2·10¹⁰ synapses, ~80 GB.
    let e = Cobahh::new(1_000_000, 0).build().expect_err("too large");
    match e {
        NetError::MemoryBudget {
            needed_bytes,
            synapses,
            ..
        } => {
            assert!(synapses > 19_000_000_000 && needed_bytes > 80_000_000_000);
        }
        other => panic!("{other}"),
    }
    let mut b = Cobahh::new(1000, 0).builder();
    b.memory_budget(100_000);
    assert!(matches!(b.build(), Err(NetError::MemoryBudget { .. })));
}

#[test]
fn invalid_descriptions_give_typed_errors() {
    let base = || {
        let mut b = NetworkBuilder::new(1e-4, 0);
        b.population(
            PopulationSpec::new("exc", 10, TraubMiles::cobahh())
                .receptor(Receptor::exponential("ge", 5e-3, 0.0)),
        );
        b
    };
    let conn = Connectivity::FixedProbability(0.5);
    let mut b = base();
    b.projection(ProjectionSpec::new("exc", "ecx", "ge", conn.clone()));
    match b.build() {
        Err(NetError::UnknownPopulation { name, suggestion }) => {
            assert_eq!(name, "ecx");
            assert_eq!(suggestion.as_deref(), Some("exc"));
        }
        other => panic!("{other:?}"),
    }
    let ge = |c: Connectivity| ProjectionSpec::new("exc", "exc", "ge", c);
    // Each invalid projection and a test of its error.
    type Expected = fn(&NetError) -> bool;
    let bad_projections: [(ProjectionSpec, Expected); 5] = [
        (ProjectionSpec::new("exc", "exc", "gi", conn.clone()), |e| {
            matches!(e, NetError::UnknownReceptor { .. })
        }),
        (ge(conn.clone()).weight(Weight::Constant(-1e-9)), |e| {
            matches!(e, NetError::NegativeWeight { .. })
        }),
        (ge(Connectivity::FixedInDegree(10)).autapses(false), |e| {
            matches!(e, NetError::SizeMismatch { .. })
        }),
        (ge(Connectivity::List(vec![(0, 10)])), |e| {
            matches!(e, NetError::IndexOutOfRange { .. })
        }),
        (ge(conn.clone()).delay(Delay::Constant(-1e-3)), |e| {
            matches!(e, NetError::BadParameter { .. })
        }),
    ];
    for (spec, expected) in bad_projections {
        let mut b = base();
        b.projection(spec);
        match b.build() {
            Err(e) => assert!(expected(&e), "{e}"),
            Ok(_) => panic!("accepted"),
        }
    }
    let mut b = base();
    b.record(RecordSpec::new("exc", "w", vec![0], 1e-3));
    assert!(matches!(b.build(), Err(NetError::UnknownVariable { .. })));
    let mut b = base();
    b.population(PopulationSpec::new("exc", 3, TraubMiles::cobahh()));
    assert!(matches!(
        b.build(),
        Err(NetError::DuplicatePopulation { .. })
    ));
    let mut net = base().build().expect("valid");
    assert!(matches!(
        net.run(f64::NAN, 1),
        Err(NetError::BadParameter { .. })
    ));
}

#[test]
fn cobahh_4000_rate_is_plausible() {
    let mut net = cobahh::build(4000, 1).expect("valid");
    let out = net.run(0.2, 2).expect("runs");
    let rate = out.mean_rate();
    assert!((10.0..=80.0).contains(&rate), "mean rate {rate} Hz");
    let per_pop = out.population_rates();
    assert_eq!(per_pop.len(), 2);
    let binned = out.population_rate("exc", 0.01).expect("exists");
    assert_eq!(binned.len(), 20);
    let exc_mean = binned.iter().sum::<f64>() / 20.0;
    assert!((exc_mean - per_pop[0].1).abs() < 1e-9 * exc_mean.max(1.0));
}

/// `MEMRC_BENCH="n t_end threads [p]" cargo test --release -p memrc --lib bench_cobahh -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run explicitly"]
fn bench_cobahh() {
    let spec = std::env::var("MEMRC_BENCH").unwrap_or_else(|_| "4000 1.0 1".into());
    let f: Vec<f64> = spec
        .split_whitespace()
        .map(|x| x.parse().expect("number"))
        .collect();
    let cfg = Cobahh::new(f[0] as usize, 1).p(f.get(3).copied().unwrap_or(0.02));
    let r =
        cobahh::bench_with(&cfg, f[1], RunOptions::default().threads(f[2] as usize)).expect("runs");
    println!("{}", serde_json::to_string(&r).expect("serialises"));
}
