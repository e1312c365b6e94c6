//! The COBAHH benchmark (Brette et al. 2007, benchmark 3; Brian2's `COBAHH` example) built
//! through the general [`NetworkBuilder`] API, and a benchmark entry point.
//!
//! `n` Traub–Miles neurons ([`TraubMiles::cobahh`]); the first 80 % (`⌊0.8 n⌋`) excitatory
//! (population `"exc"`), the rest inhibitory (`"inh"`); every ordered pair connected with
//! probability `p = 0.02` (self-connections allowed, as in Brian2), four projections
//! `exc→exc, exc→inh` onto `ge` (`w_e = 6 nS`) and `inh→exc, inh→inh` onto `gi`
//! (`w_i = 67 nS`), delay 0 (next step). Receptors: `τ_e = 5 ms`, `E_e = 0 mV`;
//! `τ_i = 10 ms`, `E_i = −80 mV`. Threshold `v > −20 mV`, refractory 3 ms, `dt = 0.1 ms`.
//! Initial values as in Brian2: `v = E_l + (5 N(0,1) − 5) mV`,
//! `g_e = (1.5 N(0,1) + 4)·10 nS`, `g_i = (12 N(0,1) + 20)·10 nS` (can be negative, as in
//! Brian2), `m = h = n = 0`.
//!
//! Reference behaviour (`docs/numerics.md#cobahh-rates`): mean rate 35–40 Hz over 1 s at `n = 4000`
//! across tools and seeds (chaotic: compare rates, not spike trains).

use super::model::TraubMiles;
use super::network::{Network, NetworkBuilder};
use super::spec::{Connectivity, Delay, Init, PopulationSpec, ProjectionSpec, Receptor, Weight};
use super::{NetError, RecordSpec, RunOptions, Scheme};

/// COBAHH parameters (defaults: the benchmark).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Cobahh {
    /// Neurons.
    pub n: usize,
    /// Connection probability.
    pub p: f64,
    /// Excitatory weight \[S\].
    pub w_e: f64,
    /// Inhibitory weight \[S\].
    pub w_i: f64,
    /// Synaptic delay \[s\] (0: next step).
    pub delay: f64,
    /// Time step \[s\].
    pub dt: f64,
    /// RNG seed.
    pub seed: u64,
    /// Neurons whose `v`, `ge`, `gi` are recorded every step (indices into `"exc"`).
    pub record: Vec<usize>,
    /// Integration scheme (default [`Scheme::ExpEuler`], Brian2's scheme for COBAHH).
    pub scheme: Scheme,
}

impl Cobahh {
    /// The benchmark with `n` neurons and seed `seed`.
    pub fn new(n: usize, seed: u64) -> Self {
        Self {
            n,
            p: 0.02,
            w_e: 6e-9,
            w_i: 67e-9,
            delay: 0.0,
            dt: 1e-4,
            seed,
            record: Vec::new(),
            scheme: Scheme::ExpEuler,
        }
    }

    /// Sets the integration scheme.
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Sets the connection probability.
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }

    /// Sets the synaptic delay \[s\].
    pub fn delay(mut self, delay: f64) -> Self {
        self.delay = delay;
        self
    }

    /// Records `v`, `ge`, `gi` of these excitatory neurons every step.
    pub fn record(mut self, neurons: Vec<usize>) -> Self {
        self.record = neurons;
        self
    }

    /// The network description.
    pub fn builder(&self) -> NetworkBuilder {
        let model = TraubMiles::cobahh();
        let n_exc = self.n * 4 / 5;
        let pop = |name: &str, size: usize| {
            PopulationSpec::new(name, size, model)
                .receptor(Receptor::exponential("ge", 5e-3, 0.0))
                .receptor(Receptor::exponential("gi", 10e-3, -0.080))
                .threshold(-0.020)
                .refractory(3e-3)
                .init(
                    "v",
                    Init::Normal {
                        mean: model.e_leak - 0.005,
                        sd: 0.005,
                    },
                )
                .init(
                    "ge",
                    Init::Normal {
                        mean: 40e-9,
                        sd: 15e-9,
                    },
                )
                .init(
                    "gi",
                    Init::Normal {
                        mean: 200e-9,
                        sd: 120e-9,
                    },
                )
        };
        let mut b = NetworkBuilder::new(self.dt, self.seed);
        b.scheme(self.scheme);
        b.population(pop("exc", n_exc));
        b.population(pop("inh", self.n - n_exc));
        for (src, receptor, w) in [("exc", "ge", self.w_e), ("inh", "gi", self.w_i)] {
            for dst in ["exc", "inh"] {
                b.projection(
                    ProjectionSpec::new(src, dst, receptor, Connectivity::FixedProbability(self.p))
                        .weight(Weight::Constant(w))
                        .delay(Delay::Constant(self.delay)),
                );
            }
        }
        for var in ["v", "ge", "gi"] {
            if !self.record.is_empty() {
                b.record(RecordSpec::new("exc", var, self.record.clone(), self.dt));
            }
        }
        b
    }

    /// Builds the network.
    pub fn build(&self) -> Result<Network, NetError> {
        self.builder().build()
    }
}

/// The COBAHH network with `n` neurons (at least 2, so both populations exist) and seed
/// `seed`, at `t = 0`.
pub fn build(n: usize, seed: u64) -> Result<Network, NetError> {
    Cobahh::new(n, seed).build()
}

/// Result of [`bench()`] (serialisable for `memrc bench cobahh`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BenchReport {
    /// Neurons.
    pub n: usize,
    /// Connection probability.
    pub p: f64,
    /// Synapses.
    pub synapses: usize,
    /// Simulated time \[s\].
    pub t_end: f64,
    /// Threads.
    pub threads: usize,
    /// Seed.
    pub seed: u64,
    /// Kernel path.
    pub simd: &'static str,
    /// How the threads were driven: `"rayon"` (a parallel loop per step), or `"none"` for one
    /// thread, which runs on the calling thread.
    pub scheduler: &'static str,
    /// Build time \[s\].
    pub build_s: f64,
    /// Simulation time \[s\] (wall clock).
    pub sim_s: f64,
    /// Per thread, the time spent computing its steps \[s\] (the rest of `sim_s` it waited
    /// for the other threads).
    pub thread_busy_s: Vec<f64>,
    /// CPU time of the process (all threads, user + system) during the run \[s\], from
    /// `/proc/self/stat` (10 ms resolution); `sim_s · threads` when the cores were free.
    pub cpu_s: Option<f64>,
    /// Spikes.
    pub spikes: u64,
    /// Mean rate \[Hz\].
    pub mean_rate_hz: f64,
    /// Neuron-steps per second.
    pub neuron_steps_per_s: f64,
    /// Nanoseconds per neuron-step.
    pub ns_per_neuron_step: f64,
    /// Bytes of neuron state and connectivity.
    pub network_bytes: u64,
    /// Peak resident memory of the process so far (`VmHWM` of `/proc/self/status`) \[MB\];
    /// `None` where that file does not exist.
    pub peak_rss_mb: Option<f64>,
}

/// Builds COBAHH with `n` neurons and runs it for `t_end` \[s\] on `threads` threads.
pub fn bench(n: usize, t_end: f64, threads: usize, seed: u64) -> Result<BenchReport, NetError> {
    bench_with(
        &Cobahh::new(n, seed),
        t_end,
        RunOptions::default().threads(threads),
    )
}

/// [`bench()`] for any [`Cobahh`] configuration (e.g. `p = 80/n` to keep the in-degree of the
/// 4000-neuron benchmark when scaling `n`) and any [`RunOptions`].
pub fn bench_with(cfg: &Cobahh, t_end: f64, options: RunOptions) -> Result<BenchReport, NetError> {
    let (n, seed) = (cfg.n, cfg.seed);
    let mut net = cfg.build()?;
    let cpu0 = process_cpu_s();
    let out = net.run_with(t_end, options)?;
    let cpu_s = process_cpu_s().zip(cpu0).map(|(b, a)| b - a);
    let s = &out.stats;
    Ok(BenchReport {
        n,
        p: cfg.p,
        cpu_s,
        synapses: net.n_synapses(),
        t_end,
        threads: s.threads,
        seed,
        simd: s.simd,
        scheduler: if s.threads == 1 { "none" } else { "rayon" },
        build_s: s.build_s,
        sim_s: s.sim_s,
        thread_busy_s: s.thread_busy_s.clone(),
        spikes: s.spikes,
        mean_rate_hz: out.mean_rate(),
        neuron_steps_per_s: if s.sim_s > 0.0 {
            s.neuron_steps as f64 / s.sim_s
        } else {
            0.0
        },
        ns_per_neuron_step: s.ns_per_neuron_step,
        network_bytes: net.memory_bytes(),
        peak_rss_mb: peak_rss_mb(),
    })
}

/// `VmHWM` of `/proc/self/status` \[MB\] (10⁶ bytes).
pub fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0 / 1e6)
}

/// User + system CPU time of the process \[s\] (`/proc/self/stat`, 100 ticks per second).
fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name: state is field 3; utime, stime are 14, 15.
    let rest = s.get(s.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
