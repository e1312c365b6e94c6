//! Predicting a network's time on `K` ranks from one machine (issue #13 §2): a dry run, as
//! Arbor's, builds rank 0's share of a `K`-rank model and simulates the other ranks
//! ([`memrc::net::exchange::DryRun`]: they send rank 0's spikes, moved to their neurons), so
//! the measured time per step is one rank's compute time on `K` ranks — its own neurons, and
//! the spikes of the whole network delivered onto them — and the spike counts give the volume
//! of the exchange. The communication time is a model of the all-gathers the engine does once
//! per exchange interval (the minimum delay + 1 steps; the lengths, then the spike ids;
//! [`memrc::net::Network::run_distributed`]):
//! a recursive-doubling all-gather of `m` bytes in all costs `α ⌈log₂ K⌉ + β m (K − 1)/K`
//! (Thakur, Rabenseifner & Gropp 2005, *Int. J. High Perform. Comput. Appl.* 19:49), with the
//! latency `α` and inverse bandwidth `β` of the interconnect ([`Interconnect`]).
//!
//! Predicted time per simulated second = steps per second × (compute + communication per
//! step). What it leaves out: load imbalance between ranks (rank 0 stands for all), the
//! network's noise and contention, and memory bandwidth shared by ranks on one node.

use std::path::Path;

use serde::Serialize;

use crate::error::{Result, RunError};
use crate::network;
use crate::progress::Silent;
use crate::set::{Set, load_share_with_sets};

/// The interconnect of the communication model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interconnect {
    /// Latency of one message step `α` \[s\].
    pub latency_s: f64,
    /// Bandwidth `1/β` \[bytes/s\].
    pub bandwidth_bytes_per_s: f64,
}

impl Interconnect {
    /// An InfiniBand EDR cluster (100 Gb/s ≈ 12.5 GB/s per link, ~1.5 µs MPI latency): the
    /// default when none is given.
    pub const INFINIBAND_EDR: Interconnect = Interconnect {
        latency_s: 1.5e-6,
        bandwidth_bytes_per_s: 12.5e9,
    };

    /// Seconds of one all-gather among `ranks` ranks that leaves `bytes` in all on each rank.
    pub fn all_gather_s(&self, ranks: usize, bytes: f64) -> f64 {
        if ranks <= 1 {
            return 0.0;
        }
        let k = ranks as f64;
        self.latency_s * k.log2().ceil() + bytes * (k - 1.0) / k / self.bandwidth_bytes_per_s
    }
}

/// One rank count's prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// Ranks `K`.
    pub ranks: usize,
    /// Neurons of rank 0's share.
    pub neurons: usize,
    /// Synapses rank 0 holds (those onto its neurons).
    pub synapses: usize,
    /// Bytes rank 0's network holds (state and connectivity).
    pub network_bytes: u64,
    /// Build time of the share \[s\].
    pub build_s: f64,
    /// Steps simulated in the dry run.
    pub steps: u64,
    /// Measured compute time per step of rank 0 \[s\].
    pub compute_s_per_step: f64,
    /// Spikes per step in the whole network (rank 0's × `K`).
    pub spikes_per_step: f64,
    /// Steps between exchanges (the minimum delay + 1, [`memrc::net::Network::exchange_interval`]).
    pub exchange_interval: u64,
    /// Bytes every rank receives per step (lengths and spike ids of all ranks).
    pub exchange_bytes_per_step: f64,
    /// Modelled communication time per step \[s\].
    pub comm_s_per_step: f64,
    /// Predicted wall time per simulated second \[s\].
    pub s_per_simulated_s: f64,
}

/// Dry-runs `path` (with `sets`) as rank 0 of `ranks` for its `[network] t_end` (or
/// `t_end`, a time with its unit as `--t-end` takes it) on `threads` threads, and predicts its time on `ranks` ranks with `net`.
pub fn predict(
    path: &Path,
    sets: &[Set],
    ranks: usize,
    t_end: Option<String>,
    threads: usize,
    net: Interconnect,
) -> Result<Prediction> {
    let mut model = load_share_with_sets(path, sets, false, (0, ranks))?;
    let overrides = crate::Overrides {
        t_end,
        threads: Some(threads),
        ..Default::default()
    };
    crate::apply_overrides(&mut model, &overrides)?;
    let prebuilt = model
        .network_mut()
        .and_then(|n| n.network.take())
        .map(|b| *b);
    let memrc_io::ModelKind::Network(n) = &model.kind else {
        return Err(RunError::setting(
            "a dry run needs a network model ([network] file)",
        ));
    };
    let (neurons, synapses, network_bytes, build_s, interval) = match &prebuilt {
        Some(net) => (
            net.n_neurons_held(),
            net.n_synapses_share(),
            net.memory_bytes(),
            net.build_seconds(),
            net.exchange_interval(),
        ),
        None => (0, 0, 0, 0.0, 1),
    };
    let dry = memrc::net::exchange::DryRun::new(ranks);
    let spill = crate::spikes::SpillSettings::default();
    let run = network::simulate(n, prebuilt, spill, &mut Silent, Some(&dry))?;
    let s = &run.result.stats;
    let steps = s.steps.max(1);
    let compute = s.sim_s / steps as f64;
    let spikes_per_step = s.spikes as f64 / steps as f64;
    let n_pops = run.result.populations.len() as f64;
    // Per exchange (every `interval` steps): the lengths (4 B per rank), then a length per
    // step and population and the ids (4 B each).
    let every = interval as f64;
    let lengths = 4.0 * ranks as f64;
    let ids = 4.0 * (ranks as f64 * n_pops * every + spikes_per_step * every);
    let comm = (net.all_gather_s(ranks, lengths) + net.all_gather_s(ranks, ids)) / every;
    let steps_per_s = 1.0 / n.dt;
    Ok(Prediction {
        ranks,
        neurons,
        synapses,
        network_bytes,
        build_s,
        steps: s.steps,
        compute_s_per_step: compute,
        spikes_per_step,
        exchange_interval: interval,
        exchange_bytes_per_step: (lengths + ids) / every,
        comm_s_per_step: comm,
        s_per_simulated_s: steps_per_s * (compute + comm),
    })
}
