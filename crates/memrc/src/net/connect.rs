//! Seeded random streams and compressed sparse connectivity (rows by presynaptic neuron).

use super::spec::Connectivity;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

/// Stream tags keep the streams of different purposes apart.
pub(crate) const TAG_INIT: u64 = 1 << 40;
pub(crate) const TAG_CONNECT: u64 = 2 << 40;
pub(crate) const TAG_WEIGHT: u64 = 3 << 40;

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The independent stream `(tag, index)` of a network seeded with `seed`.
pub(crate) fn stream(seed: u64, tag: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(splitmix(splitmix(seed ^ tag) ^ index))
}

/// Uniform in `[0, 1)` with 53 random bits.
#[inline]
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal deviate (Box–Muller, cosine branch).
#[inline]
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - uniform(rng); // (0, 1]
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Uniform integer in `[0, m)`, `m ≥ 1`.
#[inline]
fn below(rng: &mut ChaCha8Rng, m: usize) -> usize {
    ((uniform(rng) * m as f64) as usize).min(m - 1)
}

/// Connectivity of one projection as compressed sparse rows by presynaptic neuron:
/// the targets of presynaptic neuron `j` (population-local, ascending) are
/// `targets[offsets[j]..offsets[j + 1]]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

impl Csr {
    /// Number of presynaptic neurons.
    pub fn n_pre(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of synapses.
    pub fn n_synapses(&self) -> usize {
        self.targets.len()
    }

    /// Row offsets (`n_pre + 1` entries).
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Targets of all rows, concatenated.
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// Targets of presynaptic neuron `j`.
    pub fn row(&self, j: usize) -> &[u32] {
        &self.targets[self.offsets[j]..self.offsets[j + 1]]
    }

    /// In-degree of every postsynaptic neuron.
    pub fn in_degrees(&self, n_post: usize) -> Vec<u32> {
        let mut d = vec![0u32; n_post];
        for &t in &self.targets {
            d[t as usize] += 1;
        }
        d
    }

    /// Bytes held (offsets and targets).
    pub fn bytes(&self) -> usize {
        self.offsets.len() * size_of::<usize>() + self.targets.len() * size_of::<u32>()
    }

    /// From per-row counts and a filler writing each row (in parallel, rows independent).
    fn from_rows(counts: &[usize], fill: impl Fn(usize, &mut [u32]) + Sync) -> Self {
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        let mut total = 0usize;
        offsets.push(0);
        for &c in counts {
            total += c;
            offsets.push(total);
        }
        let mut targets = vec![0u32; total];
        let mut rows: Vec<&mut [u32]> = Vec::with_capacity(counts.len());
        let mut rest = targets.as_mut_slice();
        for &c in counts {
            let (row, tail) = rest.split_at_mut(c);
            rows.push(row);
            rest = tail;
        }
        rows.into_par_iter()
            .enumerate()
            .for_each(|(j, row)| fill(j, row));
        Self { offsets, targets }
    }

    /// From `(pre, post)` pairs (validated indices). Returns the CSR and, for each synapse in
    /// CSR order, the index of its pair (rows sorted by target; ties keep the list order).
    pub(crate) fn from_pairs(pairs: &[(u32, u32)], n_pre: usize) -> (Self, Vec<usize>) {
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by_key(|&k| pairs[k]);
        let mut counts = vec![0usize; n_pre];
        for &(pre, _) in pairs {
            counts[pre as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n_pre + 1);
        offsets.push(0);
        let mut total = 0;
        for c in counts {
            total += c;
            offsets.push(total);
        }
        let targets = order.iter().map(|&k| pairs[k].1).collect();
        (Self { offsets, targets }, order)
    }

    /// Generates a random or structured rule (not [`Connectivity::List`]), keeping only the
    /// synapses onto postsynaptic neurons `local.0..local.1` (all of `0..n_post` in a single
    /// process; a distributed network's share, [`super::exchange`]). `no_self` excludes
    /// `pre == post` (same population, autapses off). Every row is drawn from its own stream
    /// as a whole, so a share is exactly the part of the single-process connectivity it holds.
    ///
    /// With `want_first` (and a partial share), also returns for each row the place in the
    /// whole row of its first synapse held here (for per-synapse random weights, which are
    /// drawn along the whole row); otherwise an empty vector.
    pub(crate) fn generate(
        rule: &Connectivity,
        (n_pre, n_post): (usize, usize),
        no_self: bool,
        (seed, projection): (u64, u64),
        local: (usize, usize),
        want_first: bool,
    ) -> (Self, Vec<u32>) {
        let tag = TAG_CONNECT | (projection << 32);
        let skip = |j: usize| if no_self { Some(j) } else { None };
        let (lo, hi) = (local.0.min(n_post), local.1.min(n_post));
        let whole = lo == 0 && hi == n_post;
        let want_first = want_first && !whole;
        match *rule {
            Connectivity::FixedProbability(p) => {
                // Row j's targets in lo..hi, and how many of its targets lie below lo.
                let row = |j: usize, out: &mut dyn FnMut(u32)| -> u32 {
                    let mut rng = stream(seed, tag, j as u64);
                    let mut below = 0u32;
                    probability_row(&mut rng, p, n_post, skip(j), &mut |t| {
                        let t_us = t as usize;
                        if t_us < lo {
                            below += 1;
                            true
                        } else if t_us < hi {
                            out(t);
                            true
                        } else {
                            false
                        }
                    });
                    below
                };
                let counts: Vec<(usize, u32)> = (0..n_pre)
                    .into_par_iter()
                    .map(|j| {
                        let mut c = 0;
                        let below = row(j, &mut |_| c += 1);
                        (c, below)
                    })
                    .collect();
                let first = if want_first {
                    counts.iter().map(|&(_, b)| b).collect()
                } else {
                    Vec::new()
                };
                let counts: Vec<usize> = counts.into_iter().map(|(c, _)| c).collect();
                let csr = Self::from_rows(&counts, |j, dst| {
                    let mut k = 0;
                    row(j, &mut |t| {
                        dst[k] = t;
                        k += 1;
                    });
                });
                (csr, first)
            }
            Connectivity::FixedInDegree(k) => {
                let list = |i: usize| {
                    let mut rng = stream(seed, tag, i as u64);
                    sample_distinct(&mut rng, n_pre, k, skip(i))
                };
                let lists: Vec<Vec<u32>> = (lo..hi).into_par_iter().map(list).collect();
                let mut counts = vec![0usize; n_pre];
                for l in &lists {
                    for &j in l {
                        counts[j as usize] += 1;
                    }
                }
                // Synapses of each row onto the neurons below this share (drawn again, counted
                // only).
                let mut first = Vec::new();
                if want_first {
                    first = vec![0u32; n_pre];
                    for i in 0..lo {
                        for j in list(i) {
                            first[j as usize] += 1;
                        }
                    }
                }
                // Serial fill keeps every row in ascending target order.
                let mut offsets = Vec::with_capacity(n_pre + 1);
                offsets.push(0);
                let mut total = 0;
                for &c in &counts {
                    total += c;
                    offsets.push(total);
                }
                let mut next = offsets[..n_pre].to_vec();
                let mut targets = vec![0u32; total];
                for (i, l) in (lo..).zip(&lists) {
                    for &j in l {
                        targets[next[j as usize]] = i as u32;
                        next[j as usize] += 1;
                    }
                }
                (Self { offsets, targets }, first)
            }
            Connectivity::OneToOne => {
                let counts: Vec<usize> =
                    (0..n_pre).map(|j| usize::from(j >= lo && j < hi)).collect();
                let csr = Self::from_rows(&counts, |j, dst| {
                    if let Some(d) = dst.first_mut() {
                        *d = j as u32;
                    }
                });
                let first = if want_first {
                    (0..n_pre).map(|j| u32::from(j < lo)).collect()
                } else {
                    Vec::new()
                };
                (csr, first)
            }
            Connectivity::AllToAll => {
                let counts: Vec<usize> = (0..n_pre)
                    .map(|j| hi - lo - usize::from(no_self && j >= lo && j < hi))
                    .collect();
                let first = if want_first {
                    (0..n_pre)
                        .map(|j| (lo - usize::from(no_self && j < lo)) as u32)
                        .collect()
                } else {
                    Vec::new()
                };
                let csr = Self::from_rows(&counts, |j, dst| {
                    let mut k = 0;
                    for t in lo..hi {
                        if skip(j) != Some(t) {
                            dst[k] = t as u32;
                            k += 1;
                        }
                    }
                });
                (csr, first)
            }
            Connectivity::List(_) => (Self::default(), Vec::new()),
        }
    }
}

/// Targets of one presynaptic row with probability `p` each, by geometric skipping:
/// the gap to the next target is `⌊ln(1 − u)/ln(1 − p)⌋`, `u ~ U[0, 1)`.
/// `out` returns `false` to stop the row early (targets come in ascending order).
fn probability_row(
    rng: &mut ChaCha8Rng,
    p: f64,
    n_post: usize,
    skip: Option<usize>,
    out: &mut dyn FnMut(u32) -> bool,
) {
    if p <= 0.0 {
        return;
    }
    if p >= 1.0 {
        for t in (0..n_post).filter(|&t| Some(t) != skip) {
            if !out(t as u32) {
                return;
            }
        }
        return;
    }
    let log_q = (-p).ln_1p();
    let mut j: i64 = -1;
    let n = n_post as i64;
    loop {
        let gap = ((-uniform(rng)).ln_1p() / log_q).floor();
        if gap >= (n - 1 - j) as f64 {
            break;
        }
        j += gap as i64 + 1;
        if Some(j as usize) != skip && !out(j as u32) {
            return;
        }
    }
}

/// `k` distinct indices of `0..n` (excluding `skip`), ascending, by Floyd's algorithm.
fn sample_distinct(rng: &mut ChaCha8Rng, n: usize, k: usize, skip: Option<usize>) -> Vec<u32> {
    let m = n - usize::from(skip.is_some_and(|s| s < n));
    let mut set: Vec<usize> = Vec::with_capacity(k);
    for j in (m - k)..m {
        let t = below(rng, j + 1);
        let pick = match set.binary_search(&t) {
            Ok(_) => j,
            Err(_) => t,
        };
        if let Err(pos) = set.binary_search(&pick) {
            set.insert(pos, pick);
        }
    }
    set.into_iter()
        .map(|c| match skip {
            Some(s) if c >= s => (c + 1) as u32,
            _ => c as u32,
        })
        .collect()
}

/// Upper bound (mean + 6σ) of the synapse count of a rule, for the memory check.
pub(crate) fn synapse_bound(rule: &Connectivity, n_pre: usize, n_post: usize) -> u64 {
    let (a, b) = (n_pre as f64, n_post as f64);
    match rule {
        Connectivity::FixedProbability(p) => {
            let p = p.clamp(0.0, 1.0);
            let mean = p * a * b;
            (mean + 6.0 * (mean * (1.0 - p)).sqrt()).ceil() as u64
        }
        Connectivity::FixedInDegree(k) => (*k as u64).saturating_mul(n_post as u64),
        Connectivity::OneToOne => n_pre as u64,
        Connectivity::AllToAll => (n_pre as u64).saturating_mul(n_post as u64),
        Connectivity::List(l) => l.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole_rule(rule: &Connectivity, n: usize, no_self: bool, seed: u64) -> Csr {
        Csr::generate(rule, (n, n), no_self, (seed, 0), (0, n), false).0
    }

    /// A share of the rows is exactly the single-process rows restricted to its targets, and
    /// `first` counts the synapses below it.
    #[test]
    fn shares_are_restrictions_of_the_whole() {
        let n = 500;
        for (rule, no_self) in [
            (Connectivity::FixedProbability(0.05), true),
            (Connectivity::FixedInDegree(20), true),
            (Connectivity::AllToAll, true),
            (Connectivity::OneToOne, false),
        ] {
            let whole = whole_rule(&rule, n, no_self, 7);
            for (lo, hi) in [(0, 128), (128, 376), (376, 500)] {
                let (part, first) = Csr::generate(&rule, (n, n), no_self, (7, 0), (lo, hi), true);
                #[allow(clippy::needless_range_loop)] // j indexes three structures
                for j in 0..n {
                    let row = whole.row(j);
                    let want: Vec<u32> = row
                        .iter()
                        .copied()
                        .filter(|&t| (lo..hi).contains(&(t as usize)))
                        .collect();
                    assert_eq!(part.row(j), want.as_slice(), "{rule:?} row {j}");
                    if lo > 0 {
                        let below = row.iter().filter(|&&t| (t as usize) < lo).count();
                        assert_eq!(first.get(j), Some(&(below as u32)), "{rule:?} row {j}");
                    }
                }
            }
        }
    }

    #[test]
    fn fixed_probability_in_degrees_match_binomial_statistics() {
        let (n, p) = (2000usize, 0.02);
        let c = whole_rule(&Connectivity::FixedProbability(p), n, false, 11);
        let deg = c.in_degrees(n);
        let mean = deg.iter().map(|&d| f64::from(d)).sum::<f64>() / n as f64;
        let var = deg
            .iter()
            .map(|&d| (f64::from(d) - mean).powi(2))
            .sum::<f64>()
            / (n - 1) as f64;
        let want = p * n as f64; // 40
        // Mean of n binomials: σ = sqrt(Np(1−p)/n).
        let sigma = (want * (1.0 - p) / n as f64).sqrt();
        assert!((mean - want).abs() < 4.0 * sigma, "mean {mean} vs {want}");
        assert!((var / (want * (1.0 - p)) - 1.0).abs() < 0.15, "var {var}");
        // Rows ascending, in range, and reproducible.
        for j in 0..n {
            assert!(c.row(j).windows(2).all(|w| w[0] < w[1]));
            assert!(c.row(j).iter().all(|&t| (t as usize) < n));
        }
        let again = whole_rule(&Connectivity::FixedProbability(p), n, false, 11);
        assert_eq!(c, again);
        let other = whole_rule(&Connectivity::FixedProbability(p), n, false, 12);
        assert_ne!(c, other);
    }

    #[test]
    fn fixed_in_degree_is_exact_distinct_and_avoids_self() {
        let n = 300;
        let c = whole_rule(&Connectivity::FixedInDegree(25), n, true, 3);
        assert!(c.in_degrees(n).iter().all(|&d| d == 25));
        for j in 0..n {
            assert!(c.row(j).windows(2).all(|w| w[0] < w[1]));
            assert!(!c.row(j).contains(&(j as u32)));
        }
        // k = n − 1 without self: everything else.
        let c = whole_rule(&Connectivity::FixedInDegree(9), 10, true, 3);
        assert_eq!(c.n_synapses(), 90);
    }

    #[test]
    fn structured_rules_and_lists() {
        let c = whole_rule(&Connectivity::OneToOne, 5, false, 0);
        assert_eq!(c.targets(), &[0, 1, 2, 3, 4]);
        let c = whole_rule(&Connectivity::AllToAll, 3, true, 0);
        assert_eq!(c.targets(), &[1, 2, 0, 2, 0, 1]);
        let (c, order) = Csr::from_pairs(&[(2, 1), (0, 3), (2, 0), (0, 3)], 3);
        assert_eq!(c.offsets(), &[0, 2, 2, 4]);
        assert_eq!(c.targets(), &[3, 3, 0, 1]);
        assert_eq!(order, vec![1, 3, 2, 0]);
        let p1 = whole_rule(&Connectivity::FixedProbability(1.0), 4, true, 0);
        assert_eq!(p1.n_synapses(), 12);
    }
}
