//! Continuous couplings between neurons: first-order kinetic synapses and gap junctions.
//!
//! Unlike the spike-driven exponential receptors, these read the presynaptic **voltage** every
//! step. Both use the step-start voltages `v(t_s)` of every neuron, published by their owning
//! shard into a double-buffered snapshot after each step (buffer `k mod 2` is read during local
//! step `k`, buffer `(k + 1) mod 2` written), so that a receiver sees the same values whatever
//! thread owns its partner: results stay bitwise identical for any thread count.
//!
//! # Kinetic synapse (paper eq. 3–4; Destexhe, Mainen & Sejnowski 1994)
//!
//! ```text
//!   ṡ = α T(v_pre) (1 − s) − β s,     T(v_pre) = T_max / (1 + e^{−(v_pre − V_p)/K_p})
//!   i_post = ḡ s (E_syn − v_post)
//! ```
//!
//! (the paper prints `ṡ = α s + β (1 − s)` with `α`, `β` swapped; memrc uses the standard form,
//! as [`crate::element::synapse::KineticSynapse`]). Per synapse one state `s` \[1\]; `ḡ` \[S\] is
//! the synapse's weight. One step, with the coefficients at the step start:
//! `a = α T(v_pre(t_s))`, `b = a + β`, `s_∞ = a/b`, `s ← s_∞ + (s − s_∞) e^{−b dt}`; the current
//! uses `s(t_s)`: `G_syn += ḡ s`, `J_syn += ḡ s E_syn`. Initial `s = 0`.
//!
//! # Gap junction
//!
//! A linear conductance `g` \[S\] (the weight) between a source neuron `j` and a target neuron
//! `i`, symmetric: `i_i = g (v_j − v_i)`, `i_j = g (v_i − v_j)`; each side adds `G_syn += g`,
//! `J_syn += g v_other(t_s)` (the partner's step-start voltage; its own voltage is implicit in
//! the exponential-Euler step). A pair listed twice is two junctions (conductances add); a
//! neuron paired with itself carries no current and is dropped.
//!
//! # Order of summation
//! Each receiving neuron sums its couplings after its receptors, in projection order, then by
//! partner index (ascending; ties in the order of the connectivity), independent of the
//! thread count.

use super::connect::{Csr, TAG_WEIGHT, stream, uniform};
use super::spec::{Connectivity, Delay, Kinetic, ProjectionSpec, SynapseKind, Weight};
use super::{NetError, ProjectionKey, Subject};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where projection `k` (in the order added) lives in a built network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjRef {
    /// Index into `Network::projs`.
    Spike(usize),
    /// Index into `Network::couplings`.
    Coupling(usize),
}

#[derive(Debug, Clone)]
pub(crate) enum Gains {
    Constant(f64),
    PerSynapse(Vec<f64>),
}

impl Gains {
    #[inline]
    pub(crate) fn get(&self, q: usize) -> f64 {
        match self {
            Self::Constant(g) => *g,
            Self::PerSynapse(v) => v[q],
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Self::Constant(_) => 0,
            Self::PerSynapse(v) => 8 * v.len(),
        }
    }
}

/// Incoming couplings of the neurons of one population, rows by receiving neuron: receiver
/// `i` reads the voltages of `partners[offsets[i]..offsets[i + 1]]` of population `partner`.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub(crate) receiver: usize,
    pub(crate) partner: usize,
    pub(crate) offsets: Vec<usize>,
    pub(crate) partners: Vec<u32>,
    pub(crate) gains: Gains,
}

#[derive(Debug, Clone)]
pub(crate) enum CouplingKind {
    Kinetic(Kinetic),
    Gap,
}

/// A built continuous projection.
#[derive(Debug, Clone)]
pub(crate) struct Coupling {
    pub(crate) kind: CouplingKind,
    /// Connectivity as generated (rows by source neuron).
    pub(crate) csr: Csr,
    /// One side (kinetic: the target) or two (gap junction: target, then source).
    pub(crate) sides: Vec<Side>,
    /// Kinetic state `s` per synapse in the order of `sides[0]` (empty for gap junctions).
    pub(crate) s: Vec<f64>,
}

impl Coupling {
    pub(crate) fn bytes(&self) -> usize {
        self.csr.bytes()
            + 8 * self.s.len()
            + self
                .sides
                .iter()
                .map(|s| 8 * s.offsets.len() + 4 * s.partners.len() + s.gains.bytes())
                .sum::<usize>()
    }
}

/// Validates the parts of a continuous projection that the exponential path does not: kind
/// parameters and the delay (must be 0).
pub(crate) fn check(p: &ProjectionSpec) -> Result<(), NetError> {
    if let SynapseKind::Kinetic(k) = &p.kind {
        k.validate(&p.name)?;
    }
    let delay_ok = matches!(p.delay, Delay::Constant(d) if d == 0.0);
    if !delay_ok {
        let value = match &p.delay {
            Delay::Constant(d) => *d,
            Delay::Values(v) => v.iter().copied().find(|&d| d != 0.0).unwrap_or(0.0),
        };
        return Err(NetError::bad_parameter(
            Subject::projection(&p.name, ProjectionKey::Delay),
            value,
            "0 (kinetic synapses and gap junctions act without delay)",
        ));
    }
    Ok(())
}

/// Upper bounds of the memory of a continuous projection with at most `n` synapses:
/// `(synapse_bytes, neuron_bytes, build_bytes)`.
///
/// Per synapse: `u32` source-ordered target (the [`Csr`]), `u32` partner per side, an `f64`
/// conductance per side when weights vary, and for kinetic synapses the `f64` state `s`
/// twice (network and run shard); row offsets per side; while building, the conductances in
/// connectivity order and the receiver counts. Voltage snapshots are counted by the caller.
pub(crate) fn estimate(p: &ProjectionSpec, n: u64, n_pre: u64, n_post: u64) -> (u64, u64, u64) {
    let gap = matches!(p.kind, SynapseKind::GapJunction);
    let sides: u64 = if gap { 2 } else { 1 };
    let varying = !matches!(p.weight, Weight::Constant(_));
    let per = 4 + sides * (4 + if varying { 8 } else { 0 }) + if gap { 0 } else { 16 };
    let offsets = 8 * (n_pre + 1) + 8 * (n_post + 1) + if gap { 8 * (n_pre + 1) } else { 0 };
    let synapse_bytes = n.saturating_mul(per).saturating_add(offsets);
    let build_bytes = n
        .saturating_mul(if varying { 8 } else { 0 })
        .saturating_add(8 * (n_pre + n_post));
    (synapse_bytes, 0, build_bytes)
}

/// Conductances in CSR order: constant, drawn (same streams as spike projections, kept in
/// `f64`) or given per pair of a list (`order` maps CSR positions to pairs).
fn gains(w: &Weight, csr: &Csr, order: Option<&[usize]>, seed: u64, projection: u64) -> Gains {
    match w {
        Weight::Constant(g) => Gains::Constant(*g),
        Weight::Uniform { low, high } => {
            let tag = TAG_WEIGHT | (projection << 32);
            let offsets = csr.offsets();
            let mut out = Vec::with_capacity(csr.n_synapses());
            for j in 0..csr.n_pre() {
                let mut rng = stream(seed, tag, j as u64);
                for _ in offsets[j]..offsets[j + 1] {
                    out.push(low + (high - low) * uniform(&mut rng));
                }
            }
            Gains::PerSynapse(out)
        }
        Weight::Values(v) => Gains::PerSynapse(match order {
            Some(order) => order.iter().map(|&k| v[k]).collect(),
            None => v.clone(),
        }),
    }
}

/// Builds a validated continuous projection `k` from population `source` (`n_pre` neurons) to
/// `target` (`n_post`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn build(
    p: &ProjectionSpec,
    k: usize,
    source: usize,
    target: usize,
    n_pre: usize,
    n_post: usize,
    seed: u64,
) -> Coupling {
    let (csr, order) = if let Connectivity::List(pairs) = &p.connectivity {
        let (csr, order) = Csr::from_pairs(pairs, n_pre);
        (csr, Some(order))
    } else {
        let no_self = source == target && !p.autapses;
        let (csr, _) = Csr::generate(
            &p.connectivity,
            (n_pre, n_post),
            no_self,
            (seed, k as u64),
            (0, n_post),
            false,
        );
        (csr, None)
    };
    let g = gains(&p.weight, &csr, order.as_deref(), seed, k as u64);
    let same = source == target;
    let gap = matches!(p.kind, SynapseKind::GapJunction);
    // Receiver = target: transpose, rows in ascending source order.
    let offsets = csr.offsets();
    let targets = csr.targets();
    let keep = |j: usize, i: u32| !(gap && same && j == i as usize);
    let mut counts = vec![0usize; n_post + 1];
    for j in 0..n_pre {
        for &i in &targets[offsets[j]..offsets[j + 1]] {
            if keep(j, i) {
                counts[i as usize + 1] += 1;
            }
        }
    }
    for i in 0..n_post {
        counts[i + 1] += counts[i];
    }
    let t_offsets = counts.clone();
    let mut fill = counts;
    let total = t_offsets[n_post];
    let mut partners = vec![0u32; total];
    let mut t_gains = match &g {
        Gains::Constant(c) => Gains::Constant(*c),
        Gains::PerSynapse(_) => Gains::PerSynapse(vec![0.0; total]),
    };
    for j in 0..n_pre {
        for q in offsets[j]..offsets[j + 1] {
            let i = targets[q];
            if !keep(j, i) {
                continue;
            }
            let slot = fill[i as usize];
            fill[i as usize] += 1;
            partners[slot] = j as u32;
            if let (Gains::PerSynapse(dst), Gains::PerSynapse(src)) = (&mut t_gains, &g) {
                dst[slot] = src[q];
            }
        }
    }
    let mut sides = vec![Side {
        receiver: target,
        partner: source,
        offsets: t_offsets,
        partners,
        gains: t_gains,
    }];
    let kind = match p.kind {
        SynapseKind::Kinetic(k) => CouplingKind::Kinetic(k),
        _ => CouplingKind::Gap,
    };
    let s = match kind {
        CouplingKind::Kinetic(_) => vec![0.0; total],
        CouplingKind::Gap => {
            // Receiver = source: the CSR rows themselves (minus self-pairs).
            let mut s_offsets = Vec::with_capacity(n_pre + 1);
            s_offsets.push(0);
            let mut s_partners = Vec::with_capacity(targets.len());
            let mut s_gains = Vec::new();
            for j in 0..n_pre {
                for q in offsets[j]..offsets[j + 1] {
                    if keep(j, targets[q]) {
                        s_partners.push(targets[q]);
                        if let Gains::PerSynapse(src) = &g {
                            s_gains.push(src[q]);
                        }
                    }
                }
                s_offsets.push(s_partners.len());
            }
            sides.push(Side {
                receiver: source,
                partner: target,
                offsets: s_offsets,
                partners: s_partners,
                gains: match g {
                    Gains::Constant(c) => Gains::Constant(c),
                    Gains::PerSynapse(_) => Gains::PerSynapse(s_gains),
                },
            });
            Vec::new()
        }
    };
    Coupling {
        kind,
        csr,
        sides,
        s,
    }
}

/// Step-start voltage snapshots: per population either nothing (no coupling reads it) or two
/// buffers of `f64` bits (relaxed atomics: the step barrier orders writes before reads).
pub(crate) type Snapshots = Vec<Option<[Vec<AtomicU64>; 2]>>;

/// Snapshot buffers for the populations whose voltages some coupling reads, buffer 0 filled
/// with `v0[p]` (the voltages at the start of the run).
pub(crate) fn snapshots(couplings: &[Coupling], v0: &[&[f64]]) -> Snapshots {
    let mut out: Snapshots = v0.iter().map(|_| None).collect();
    for side in couplings.iter().flat_map(|c| &c.sides) {
        let p = side.partner;
        if out[p].is_none() {
            let v = v0[p];
            out[p] = Some([
                v.iter().map(|x| AtomicU64::new(x.to_bits())).collect(),
                v.iter().map(|_| AtomicU64::new(0)).collect(),
            ]);
        }
    }
    out
}

/// Publishes `v` (neurons `lo..` of population `p`) into buffer `parity`.
#[inline]
pub(crate) fn publish(snap: &Snapshots, p: usize, parity: usize, lo: usize, v: &[f64]) {
    if let Some(bufs) = &snap[p] {
        for (dst, &x) in bufs[parity][lo..lo + v.len()].iter().zip(v) {
            dst.store(x.to_bits(), Ordering::Relaxed);
        }
    }
}

/// Adds the couplings received by neurons `lo..hi` of population `pop` to `g_syn`, `j_syn`
/// (length `hi − lo`), reading buffer `parity` of the snapshots, and advances the kinetic
/// states `s` (per coupling, the shard's slice `offsets[shard_lo]..` of `sides[0]`, where
/// `shard_lo ≤ lo` is the shard's first neuron of `pop`) by `dt`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn accumulate(
    couplings: &[Coupling],
    states: &mut [Vec<f64>],
    snap: &Snapshots,
    parity: usize,
    pop: usize,
    shard_lo: usize,
    (lo, hi): (usize, usize),
    g_syn: &mut [f64],
    j_syn: &mut [f64],
    dt: f64,
) {
    for (c, s) in couplings.iter().zip(states.iter_mut()) {
        for side in c.sides.iter().filter(|s| s.receiver == pop) {
            let Some(bufs) = &snap[side.partner] else {
                debug_assert!(false, "invariant: partner voltages are published");
                continue;
            };
            let v = &bufs[parity];
            let v_of =
                |q: usize| f64::from_bits(v[side.partners[q] as usize].load(Ordering::Relaxed));
            let base = side.offsets[shard_lo];
            for i in lo..hi {
                let (a, b) = (side.offsets[i], side.offsets[i + 1]);
                let (gs, js) = (&mut g_syn[i - lo], &mut j_syn[i - lo]);
                match &c.kind {
                    CouplingKind::Gap => {
                        for q in a..b {
                            let g = side.gains.get(q);
                            *gs += g;
                            *js += g * v_of(q);
                        }
                    }
                    CouplingKind::Kinetic(k) => {
                        let kinetics = k.kinetics();
                        for q in a..b {
                            let sq = &mut s[q - base];
                            let g = side.gains.get(q) * *sq;
                            *gs += g;
                            *js += g * k.e_syn;
                            *sq = kinetics.step(*sq, v_of(q), dt);
                        }
                    }
                }
            }
        }
    }
}
