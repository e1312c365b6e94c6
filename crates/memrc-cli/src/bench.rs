//! `memrc bench …`: benchmarks of the network engine, one JSON object on stdout.
//!
//! `memrc bench cobahh [--n N] [--t-end T] [--threads K] [--seed S] [--p P | --in-degree D]`
//! builds the COBAHH network (Brette et al. 2007, benchmark 3, as in Brian2's example) and runs
//! it, printing [`memrc::net::cobahh::BenchReport`] plus the tool name and version. Sizes that
//! would not fit into the available memory are refused before anything is allocated.

use anyhow::{Result, bail};
use clap::{ArgGroup, Args, Subcommand};
use memrc::net::RunOptions;
use memrc::net::cobahh::{Cobahh, bench_with};

use crate::drive::parse_quantity;

/// `memrc bench`.
#[derive(Debug, Args)]
pub struct BenchCmd {
    #[command(subcommand)]
    which: BenchWhich,
}

const COBAHH_HELP: &str = "\
Prints one JSON object: n, p, synapses, t_end, threads, seed, simd, scheduler, build_s, sim_s,
thread_busy_s (per thread, the time spent computing; the rest of sim_s it waited for the
others), cpu_s, spikes, mean_rate_hz, neuron_steps_per_s, ns_per_neuron_step, network_bytes,
peak_rss_mb, mean_in_degree, tool, version.

The network: N Traub-Miles neurons, the first 80 % excitatory (w_e = 6 nS onto g_e,
tau_e = 5 ms), the rest inhibitory (w_i = 67 nS onto g_i, tau_i = 10 ms), every ordered pair
connected with probability p (default 0.02; --in-degree D sets p = D/N, i.e. D incoming
synapses per neuron on average), threshold -20 mV, refractory 3 ms, dt = 0.1 ms, exponential
Euler. Results are bitwise identical for any --threads at a fixed --seed.

Networks whose estimated memory (connectivity, neuron state and the spike record at up to
100 Hz) exceeds the available memory are refused before anything is allocated.";

#[derive(Debug, Subcommand)]
enum BenchWhich {
    /// The COBAHH network benchmark (Brian2's COBAHH example): build, run, report JSON.
    #[command(after_long_help = COBAHH_HELP)]
    Cobahh(CobahhArgs),
    /// Predicts a network model's time on K ranks by dry runs (Arbor's): rank 0's share of the
    /// K-rank model, the other ranks simulated, plus a model of the interconnect.
    #[command(after_long_help = DRY_RUN_HELP)]
    DryRun(DryRunArgs),
}

const DRY_RUN_HELP: &str = "\
Prints one JSON object: model, interconnect (latency_s, bandwidth_bytes_per_s) and, per rank
count K, the prediction: ranks, neurons, synapses and network_bytes of rank 0's share,
build_s, steps, compute_s_per_step (measured: rank 0 advancing its neurons and delivering the
spikes of the whole network, the other ranks' spikes made up from its own), spikes_per_step,
exchange_bytes_per_step, comm_s_per_step (modelled all-gathers: latency * ceil(log2 K) +
bytes * (K-1)/K / bandwidth, twice per step) and s_per_simulated_s.

It leaves out load imbalance, network noise and contention, and memory bandwidth shared by the
ranks of one node. Compare with real runs: mpirun -np K memrc run MODEL (feature mpi).";

/// Options of `memrc bench dry-run`.
#[derive(Debug, Args)]
struct DryRunArgs {
    /// The network model file.
    model: std::path::PathBuf,
    /// Rank counts, comma-separated.
    #[arg(
        long,
        value_name = "K,..",
        default_value = "1,2,4,8,16,32,64,128,256,512,1024"
    )]
    ranks: String,
    /// Simulated time of each dry run, with a unit (default: the model's t_end).
    #[arg(long, value_name = "T")]
    t_end: Option<String>,
    /// Threads per rank.
    #[arg(long, value_name = "K", default_value_t = 1)]
    threads: usize,
    /// Interconnect latency with a unit (default 1.5us, InfiniBand EDR).
    #[arg(long, value_name = "T")]
    latency: Option<String>,
    /// Interconnect bandwidth in bytes/s (default 12.5e9, InfiniBand EDR).
    #[arg(long, value_name = "B")]
    bandwidth: Option<f64>,
}

/// Options of `memrc bench cobahh`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("connectivity").args(["p", "in_degree"])))]
struct CobahhArgs {
    /// Neurons (at least 2).
    #[arg(long, value_name = "N", default_value_t = 4000)]
    n: usize,
    /// Simulated time [s] (or with a unit: 100ms).
    #[arg(
        long,
        value_name = "T",
        default_value = "1",
        allow_hyphen_values = true
    )]
    t_end: String,
    /// Worker threads.
    #[arg(long, value_name = "K", default_value_t = 1)]
    threads: usize,
    /// Seed of initial values and connectivity.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Connection probability (default 0.02).
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    p: Option<f64>,
    /// Mean incoming synapses per neuron (sets p = D/N).
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    in_degree: Option<f64>,
}

/// Most threads accepted (far beyond any machine this runs on; guards against typos).
const MAX_THREADS: usize = 4096;

/// Runs `memrc bench …`; returns the JSON line to print.
pub fn run(cmd: BenchCmd) -> Result<String> {
    match cmd.which {
        BenchWhich::Cobahh(args) => cobahh(&args),
        BenchWhich::DryRun(args) => dry_run(&args),
    }
}

fn dry_run(a: &DryRunArgs) -> Result<String> {
    use memrc_run::dryrun::{Interconnect, predict};
    let mut net = Interconnect::INFINIBAND_EDR;
    if let Some(l) = &a.latency {
        net.latency_s = parse_quantity(l, "s")?;
        if !(net.latency_s >= 0.0 && net.latency_s.is_finite()) {
            bail!("--latency {l} is invalid: expected a finite time >= 0 s");
        }
    }
    if let Some(b) = a.bandwidth {
        if !(b > 0.0 && b.is_finite()) {
            bail!("--bandwidth {b} is invalid: expected bytes/s > 0");
        }
        net.bandwidth_bytes_per_s = b;
    }
    if a.threads == 0 || a.threads > MAX_THREADS {
        bail!(
            "--threads {} is invalid: expected 1..={MAX_THREADS}",
            a.threads
        );
    }
    let mut predictions = Vec::new();
    for k in a.ranks.split(',') {
        let ranks: usize = match k.trim().parse() {
            Ok(r) if (1..=1 << 16).contains(&r) => r,
            _ => bail!(
                "--ranks: '{k}' is not a rank count (1 to 65536; a dry run keeps a spike list per simulated rank)"
            ),
        };
        predictions.push(predict(
            &a.model,
            &[],
            ranks,
            a.t_end.clone(),
            a.threads,
            net,
        )?);
    }
    Ok(serde_json::to_string(&serde_json::json!({
        "model": a.model.display().to_string(),
        "interconnect": net,
        "predictions": predictions,
        "tool": "memrc",
        "version": env!("CARGO_PKG_VERSION"),
    }))?)
}

fn cobahh(a: &CobahhArgs) -> Result<String> {
    if a.n < 2 {
        bail!(
            "--n {} is too small: COBAHH needs at least 2 neurons (one excitatory, one inhibitory)",
            a.n
        );
    }
    if a.threads == 0 || a.threads > MAX_THREADS {
        bail!(
            "--threads {} is invalid: expected 1..={MAX_THREADS}",
            a.threads
        );
    }
    let t_end = parse_quantity(&a.t_end, "s")?;
    if !(t_end > 0.0 && t_end.is_finite()) {
        bail!(
            "--t-end {} is invalid: expected a finite time > 0 s",
            a.t_end
        );
    }
    let n = a.n as f64;
    let p = match (a.p, a.in_degree) {
        (Some(p), _) => {
            if !(0.0..=1.0).contains(&p) {
                bail!("--p {p} is invalid: expected a probability in [0, 1]");
            }
            p
        }
        (None, Some(d)) => {
            if !(d >= 0.0 && d <= n) {
                bail!("--in-degree {d} is invalid: expected 0 <= D <= N = {}", a.n);
            }
            d / n
        }
        (None, None) => 0.02,
    };
    let dt = 1e-4;
    if t_end / dt > 1e12 {
        bail!("--t-end {t_end} s is too long: more than 10^12 steps of 0.1 ms");
    }
    let cfg = Cobahh::new(a.n, a.seed).p(p);
    check_memory(&cfg, t_end)?;
    let options = RunOptions::default().threads(a.threads);
    let report = bench_with(&cfg, t_end, options)?;
    let mut v = serde_json::to_value(&report)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "mean_in_degree".into(),
            serde_json::json!(report.synapses as f64 / n),
        );
        obj.insert("tool".into(), "memrc".into());
        obj.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    }
    Ok(serde_json::to_string(&v)?)
}

/// Refuses, before anything is allocated, a network whose connectivity and state (the
/// library's upper-bound estimate) plus its spike record (12 bytes per spike at up to 100 Hz)
/// would not fit into the available memory (`MemAvailable`, else the library's budget; the library also refuses
/// networks over its own budget, [`memrc::net::DEFAULT_MEMORY_BUDGET`]).
fn check_memory(cfg: &Cobahh, t_end: f64) -> Result<()> {
    let n = cfg.n as f64;
    // A first bound in floating point, so that absurd sizes cannot overflow anything.
    let rough = 4.0 * cfg.p * n * n + 200.0 * n;
    let spikes = 12.0 * 100.0 * n * t_end;
    let avail = available_bytes().unwrap_or(memrc::net::DEFAULT_MEMORY_BUDGET);
    let gb = |b: f64| {
        let g = b / 1e9;
        if g >= 100.0 {
            format!("{g:.0}")
        } else {
            format!("{g:.3}")
        }
    };
    if rough + spikes > avail as f64 {
        bail!(
            "COBAHH with N = {} and p = {} needs about {} GB (connectivity and state {} GB, spike record {} GB), more than the {} GB available; nothing was allocated",
            cfg.n,
            cfg.p,
            gb(rough + spikes),
            gb(rough),
            gb(spikes),
            gb(avail as f64)
        );
    }
    let est = cfg.builder().memory_estimate()?;
    let total = est.total_bytes as f64 + spikes;
    if total > avail as f64 {
        bail!(
            "COBAHH with N = {} and p = {} needs about {} GB ({} synapses at most, spike record {} GB), more than the {} GB available; nothing was allocated",
            cfg.n,
            cfg.p,
            gb(total),
            est.synapses,
            gb(spikes),
            gb(avail as f64)
        );
    }
    Ok(())
}

/// `MemAvailable` of `/proc/meminfo` \[bytes\].
fn available_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
