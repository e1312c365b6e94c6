//! Networks on several processes: the collectives the engine needs, behind a trait, so that
//! the library stays free of MPI.
//!
//! A network distributed over `K` ranks ([`super::NetworkBuilder::partition`]) gives rank `r`
//! a contiguous part of every population: population-local ids `bounds[r]..bounds[r + 1]`
//! ([`rank_bounds`] of the population's size), so every rank has a share of every population
//! (balanced load, and a dry run's rank 0 is like any other). Each rank holds
//! only its neurons' state and the synapses that target them (rows by presynaptic neuron,
//! filtered to its targets), and all ranks exchange the ids of the neurons that fired — a
//! variable-length all-gather, as NEST (Morrison et al. 2005, *Neural Comput.* 17:1776) and
//! Arbor do — once per minimum-delay interval
//! ([`super::Network::exchange_interval`]: a spike of step `e` with the smallest delay `d`
//! steps acts at step `e + 1 + d`, so the spikes of `d + 1` steps travel together), plus, when continuous couplings (gap junctions, kinetic synapses)
//! read them, the step-end voltages of the coupled populations (then every step). Every rank then applies the
//! spikes of all ranks in ascending id, population by population, the order a single process uses, so results are
//! bitwise identical for any number of ranks × threads.
//!
//! Implementations: [`InProcess`] (ranks as threads of one process, for tests and for
//! comparing partitions without MPI), and in `memrc-run` an MPI one (feature `mpi`, rsmpi).

use std::sync::{Barrier, Mutex};

/// The collectives of a distributed run. Every rank must call the same methods in the same
/// order (they are collective, as in MPI). The engine calls them from the thread that called
/// [`super::Network::run_distributed`] only (MPI's `MPI_THREAD_FUNNELED`), so an
/// implementation need not be `Send` or `Sync`.
pub trait Exchange: std::fmt::Debug {
    /// This process's rank, `0..ranks()`.
    fn rank(&self) -> usize;

    /// Number of ranks.
    fn ranks(&self) -> usize;

    /// All-gather of variable length: `out` receives every rank's `local`, concatenated in rank
    /// order; `counts[r]` is rank `r`'s length.
    fn all_gather_u64(&self, local: &[u64], out: &mut Vec<u64>, counts: &mut Vec<usize>);

    /// [`Self::all_gather_u64`] for `u32`.
    fn all_gather_u32(&self, local: &[u32], out: &mut Vec<u32>, counts: &mut Vec<usize>) {
        let wide: Vec<u64> = local.iter().map(|&x| u64::from(x)).collect();
        let mut all = Vec::new();
        self.all_gather_u64(&wide, &mut all, counts);
        out.clear();
        out.extend(all.iter().map(|&x| x as u32));
    }

    /// [`Self::all_gather_u64`] for `f64` (bit patterns, so values arrive exactly).
    fn all_gather_f64(&self, local: &[f64], out: &mut Vec<f64>, counts: &mut Vec<usize>) {
        let bits: Vec<u64> = local.iter().map(|x| x.to_bits()).collect();
        let mut all = Vec::new();
        self.all_gather_u64(&bits, &mut all, counts);
        out.clear();
        out.extend(all.iter().map(|&x| f64::from_bits(x)));
    }

    /// A dry run ([`DryRun`]): no other rank exists; the engine makes up the other ranks'
    /// spikes from this rank's.
    fn simulated(&self) -> bool {
        false
    }

    /// Sum over ranks (exact: integers).
    fn sum_u64(&self, x: u64) -> u64 {
        let (mut all, mut counts) = (Vec::new(), Vec::new());
        self.all_gather_u64(&[x], &mut all, &mut counts);
        all.iter().fold(0u64, |a, &b| a.saturating_add(b))
    }

    /// Maximum over ranks.
    fn max_f64(&self, x: f64) -> f64 {
        let (mut all, mut counts) = (Vec::new(), Vec::new());
        self.all_gather_f64(&[x], &mut all, &mut counts);
        all.into_iter().fold(f64::NEG_INFINITY, f64::max)
    }

    /// The first rank's (lowest rank with `Some`) message, on every rank: how an error on one
    /// rank reaches all of them, so that all stop together.
    fn first_error(&self, message: Option<&str>) -> Option<(usize, String)> {
        let local: Vec<u64> = match message {
            Some(m) => std::iter::once(1).chain(m.bytes().map(u64::from)).collect(),
            None => vec![0],
        };
        let (mut all, mut counts) = (Vec::new(), Vec::new());
        self.all_gather_u64(&local, &mut all, &mut counts);
        let mut at = 0;
        for (r, &c) in counts.iter().enumerate() {
            let part = &all[at..at + c];
            at += c;
            if part.first() == Some(&1) {
                let bytes: Vec<u8> = part[1..].iter().map(|&b| b as u8).collect();
                return Some((r, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        None
    }
}

/// The boundaries of `ranks` ranks over a population of `n` neurons: rank `r` owns
/// `bounds[r]..bounds[r + 1]` (contiguous, sizes differing by at most one).
pub fn rank_bounds(n: usize, ranks: usize) -> Vec<usize> {
    let ranks = ranks.max(1);
    (0..=ranks)
        .map(|r| (n as u128 * r as u128 / ranks as u128) as usize)
        .collect()
}

/// A dry run, as Arbor's: this process is rank 0 of `ranks` and builds only its share
/// ([`super::NetworkBuilder::partition`]`(0, ranks)`), and the other ranks are simulated — each
/// step, every other rank `r` "sends" the spikes rank 0 emitted, moved to the neurons `r`
/// would own (population-local id `+ r · share`, modulo the population size). Rank 0 thus
/// receives and delivers the spikes of a whole network of the same activity, so its time per
/// step is a measured estimate of one rank's compute time on `ranks` ranks, and the gathered
/// spike counts give the communication volume. The collectives at the end of a run return
/// rank 0's data once per rank (sums are `ranks ×` rank 0's). Continuous couplings across
/// ranks are not simulated (their voltages are not exchanged).
#[derive(Debug, Clone, Copy)]
pub struct DryRun {
    ranks: usize,
}

impl DryRun {
    /// Rank 0 of `ranks` simulated ranks.
    pub fn new(ranks: usize) -> Self {
        Self {
            ranks: ranks.max(1),
        }
    }
}

impl Exchange for DryRun {
    fn rank(&self) -> usize {
        0
    }

    fn ranks(&self) -> usize {
        self.ranks
    }

    fn simulated(&self) -> bool {
        true
    }

    fn all_gather_u64(&self, local: &[u64], out: &mut Vec<u64>, counts: &mut Vec<usize>) {
        out.clear();
        counts.clear();
        for _ in 0..self.ranks {
            out.extend_from_slice(local);
            counts.push(local.len());
        }
    }

    fn first_error(&self, message: Option<&str>) -> Option<(usize, String)> {
        message.map(|m| (0, m.to_string()))
    }
}

/// `K` ranks as `K` threads of one process (each thread builds and runs its own
/// [`super::Network`] with a clone of the same `Arc<InProcess>` view for its rank): the
/// collectives meet at a barrier. For tests of the distributed engine without MPI.
#[derive(Debug)]
pub struct InProcess {
    rank: usize,
    shared: std::sync::Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    ranks: usize,
    barrier: Barrier,
    slots: Mutex<Vec<Vec<u64>>>,
}

impl InProcess {
    /// The views of `ranks` ranks on one meeting point; give view `r` to the thread of rank `r`.
    pub fn ranks(ranks: usize) -> Vec<InProcess> {
        let ranks = ranks.max(1);
        let shared = std::sync::Arc::new(Shared {
            ranks,
            barrier: Barrier::new(ranks),
            slots: Mutex::new(vec![Vec::new(); ranks]),
        });
        (0..ranks)
            .map(|rank| InProcess {
                rank,
                shared: shared.clone(),
            })
            .collect()
    }
}

impl Exchange for InProcess {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.shared.ranks
    }

    fn all_gather_u64(&self, local: &[u64], out: &mut Vec<u64>, counts: &mut Vec<usize>) {
        let lock = || self.shared.slots.lock().unwrap_or_else(|e| e.into_inner());
        lock()[self.rank] = local.to_vec();
        self.shared.barrier.wait();
        {
            let slots = lock();
            out.clear();
            counts.clear();
            for s in slots.iter() {
                out.extend_from_slice(s);
                counts.push(s.len());
            }
        }
        // Nobody writes the next round before everyone has read this one.
        self.shared.barrier.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_cover_all_neurons_in_order() {
        for (n, k) in [(0, 1), (10, 3), (4000, 4), (7, 8)] {
            let b = rank_bounds(n, k);
            assert_eq!(b.len(), k + 1);
            assert_eq!((b[0], b[k]), (0, n));
            assert!(b.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn in_process_gathers_in_rank_order_and_reports_the_first_error() {
        let views = InProcess::ranks(3);
        type Seen = (Vec<u32>, Vec<usize>, Option<(usize, String)>);
        let got: Vec<Seen> = std::thread::scope(|s| {
            let hs: Vec<_> = views
                .iter()
                .map(|v| {
                    s.spawn(move || {
                        let r = v.rank() as u32;
                        let (mut out, mut counts) = (Vec::new(), Vec::new());
                        v.all_gather_u32(&vec![r; r as usize + 1], &mut out, &mut counts);
                        let err =
                            v.first_error((r >= 1).then(|| format!("rank {r} failed")).as_deref());
                        (out, counts, err)
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| h.join().expect("rank thread"))
                .collect()
        });
        for (out, counts, err) in got {
            assert_eq!(out, vec![0, 1, 1, 2, 2, 2]);
            assert_eq!(counts, vec![1, 2, 3]);
            assert_eq!(err, Some((1, "rank 1 failed".into())));
        }
    }
}
