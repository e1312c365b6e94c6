//! `memrc`: the command-line tool of the memrc library.
//!
//! ```text
//! memrc element list                       every catalogue kind, one line each
//! memrc element info NAME                  parameters (unit, default, range), states, source
//! memrc element NAME [--drive …] --out DIR drive one element and analyse its response
//! memrc run MODEL.toml [--out DIR] …       simulate a model file (default DIR: out/<model name>)
//! memrc check MODEL.toml                   validate it: rest state, assumptions, size, cost
//! memrc example list                       the worked examples and example model files
//! memrc example NAME [--out DIR]           run one (default DIR: out/NAME)
//! memrc bench cobahh [--n N] [--t-end T] …  COBAHH network benchmark, one JSON object
//! ```
//!
//! Errors are printed as one line `error: …` on stderr with a non-zero exit code.

mod bench;
mod drive;
mod example;
mod example_plot;
mod model_run;
mod output;
mod plot;
mod progress;
mod sweep;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use memrc::discretisation::LinearStep;
use memrc::element::Catalogue;
use memrc_run::element::{self as element_run, defaults, summary};
use memrc_run::examples as model_examples;

use crate::drive::{WaveformArg, parse_quantity};

/// Gradient modelling of memristive systems: element catalogue and analyses.
#[derive(Debug, Parser)]
#[command(name = "memrc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Element kinds: list them, show one, or drive one with a voltage waveform.
    Element(ElementCmd),
    /// Simulates a model file and writes traces, summary and plots.
    #[command(after_long_help = MODEL_RUN_HELP)]
    Run(ModelRunArgs),
    /// Validates a model file without simulating it: rest state, assumption checks, size, cost.
    Check(ModelCheckArgs),
    /// The paper's worked examples and the example model files: list them or run one.
    Example(ExampleCmd),
    /// Runs a model over a grid of values in parallel: one table of each run's metrics and a
    /// plot of one against the swept key (e.g. an f-I curve).
    Sweep(SweepArgs),
    /// Benchmarks of the network engine (one JSON object on stdout).
    Bench(bench::BenchCmd),
    /// Converts a NeuroML2 document (a single-compartment cell, its ion channels and pulse
    /// inputs; or a network of such cells and iafCells) into a model file; `memrc run
    /// FILE.nml` runs one directly.
    Import(ImportArgs),
}

/// `memrc import FILE.nml [--out model.toml]`.
#[derive(Debug, Args)]
struct ImportArgs {
    /// The NeuroML2 document (.nml).
    file: PathBuf,
    /// Write the model file here (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// t_end with a unit (default: 100 ms after the last pulse input).
    #[arg(long = "t-end", value_name = "T")]
    t_end: Option<String>,
    /// dt with a unit (default 0.01ms): a cell's output interval of dopri5; a network's grid,
    /// on which spikes are delivered.
    #[arg(long, value_name = "DT")]
    dt: Option<String>,
}

/// Converts `args.file`, checks that the result loads, and writes it.
fn run_import(args: ImportArgs) -> Result<()> {
    let mut opts = memrc_io::neuroml::ImportOptions::default();
    if let Some(t) = args.t_end {
        memrc_run::time_option("--t-end", &t, false)?;
        opts.t_end = Some(t);
    }
    if let Some(dt) = args.dt {
        memrc_run::time_option("--dt", &dt, false)?;
        opts.dt = dt;
    }
    let load = memrc_run::load_options()?;
    let text = memrc_io::neuroml::import_neuroml_file(&args.file, load.input_limit, &opts)?;
    let origin = format!("{} [imported]", args.file.display());
    memrc_io::load_str_with(&text, &origin, args.file.parent(), &load)?;
    match args.out {
        Some(out) => {
            std::fs::write(&out, &text).with_context(|| format!("writing {}", out.display()))?;
            say_line(&format!("wrote {}", out.display()));
        }
        None => say(&text),
    }
    Ok(())
}

const MODEL_RUN_HELP: &str = "\
Writes into DIR (default out/<model name>), all at once or not at all:
  traces.csv    t_s and one column per probe, SI units in the names (v_soma_V, i_na_A_per_m2)
  traces.npz    NumPy archive: t and one array per probe (numpy.load)
  summary.json  model, solver statistics (iterations and residuals of the relaxation solver),
                per node initial/final/min/max voltage and spike times (0 mV up-crossings of
                membrane nodes), per probe final/min/max, energy balance and its residual,
                wall times
  traces.svg, traces.png  the recorded variables against time
[output] in the model file chooses the data formats and plots; --format overrides it.
A progress bar is shown on stderr for runs longer than a second (not with --quiet or when
stderr is not a terminal). Ctrl-C stops the run cleanly (nothing is written, exit status 130);
a second Ctrl-C exits at once.";

/// Options shared by `run` and `check` that change the model's settings.
#[derive(Debug, Args, Clone)]
struct SimOverrides {
    /// Solver: relaxation, stepping, exp-euler, exp2, exp-linear, implicit-euler, trapezoid, rk4,
    /// dopri5, sdirk2.
    #[arg(long, value_name = "NAME")]
    solver: Option<String>,
    /// End time with a unit: 20ms or "20 ms" (a bare number is refused, except for Hopfield
    /// models, whose time has no unit).
    #[arg(long = "t-end", value_name = "T", allow_hyphen_values = true)]
    t_end: Option<String>,
    /// Step with a unit: 0.05ms (bare numbers as for --t-end). Circuits: refines the solver's step only; probes
    /// keep their sampling interval in time (the rows of traces.csv are unchanged), which must
    /// be a whole number of steps (a coarser step records every step). Spike times in
    /// summary.json are located inside the steps.
    #[arg(long, value_name = "DT", allow_hyphen_values = true)]
    dt: Option<String>,
    /// RNG seed of a network model (initial values, connectivity, weights).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Worker threads of a network model (results do not depend on it).
    #[arg(long, value_name = "K")]
    threads: Option<usize>,
    /// Override any key of the model file, with units: --set population.exc.params.g_na="90 mS/cm^2",
    /// --set stimulus.0.amplitude=5uA/cm^2, --set network.seed=3 (repeatable; [[…]] entries by
    /// name or index from 0).
    #[arg(long = "set", value_name = "PATH.KEY=VALUE")]
    set: Vec<String>,
}

impl SimOverrides {
    /// The `--set` overrides.
    fn sets(&self) -> Result<Vec<memrc_run::Set>> {
        Ok(self
            .set
            .iter()
            .map(|s| memrc_run::Set::parse(s))
            .collect::<memrc_run::Result<_>>()?)
    }

    fn to_overrides(&self) -> model_run::Overrides {
        model_run::Overrides {
            solver: self.solver.clone(),
            t_end: self.t_end.clone(),
            dt: self.dt.clone(),
            seed: self.seed,
            threads: self.threads,
            ..Default::default()
        }
    }
}

/// Options of `memrc run`.
#[derive(Debug, Args)]
struct ModelRunArgs {
    /// The model file (TOML, see docs/model-format.md).
    #[arg(value_name = "MODEL.toml")]
    model: PathBuf,
    #[command(flatten)]
    io: RunOutputArgs,
}

/// Output options of `memrc run` and `memrc example NAME`.
#[derive(Debug, Args, Clone)]
struct RunOutputArgs {
    /// Output directory (default out/<model name>).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    sim: SimOverrides,
    /// Data formats, comma-separated: csv, npz (one NumPy archive), npy (one .npy file per
    /// array), sonata (a network's spikes as the SONATA file spikes.h5; needs memrc built with
    /// the cargo feature hdf5) (default: the model's [output]).
    #[arg(long, value_name = "csv,npz,npy,sonata")]
    format: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Write into an output directory that holds files memrc did not write (they are kept;
    /// the previous run's files are replaced).
    #[arg(long)]
    force: bool,
}

/// Options of `memrc sweep`.
#[derive(Debug, Args)]
struct SweepArgs {
    /// The model file.
    #[arg(value_name = "MODEL.toml")]
    model: PathBuf,
    /// A swept key and its values: --set stimulus.0.amplitude=0,5,10uA/cm^2, or
    /// --set stimulus.0.amplitude="linspace(0, 20, 50) uA/cm^2" (repeatable: the grid of all
    /// combinations).
    #[arg(long = "set", value_name = "PATH.KEY=V1,V2,…")]
    set: Vec<String>,
    /// The metric to plot (default: a rate; the table has all of them).
    #[arg(long, value_name = "NAME")]
    metric: Option<String>,
    /// Parallel runs (default: the cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Output directory (default out/<file name>-sweep).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// End time for every run, with a unit.
    #[arg(long = "t-end", value_name = "T", allow_hyphen_values = true)]
    t_end: Option<String>,
    /// Solver for every run.
    #[arg(long, value_name = "NAME")]
    solver: Option<String>,
    /// RNG seed of a network model.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Write into a directory that holds files memrc did not write.
    #[arg(long)]
    force: bool,
}

/// Options of `memrc check`.
#[derive(Debug, Args)]
struct ModelCheckArgs {
    /// The model file.
    #[arg(value_name = "MODEL.toml")]
    model: PathBuf,
    #[command(flatten)]
    sim: SimOverrides,
}

/// `memrc example NAME [options]` for a model-file example.
#[derive(Debug, Parser)]
#[command(name = "memrc example", no_binary_name = false)]
struct ModelExampleArgs {
    /// Example name.
    name: String,
    #[command(flatten)]
    io: RunOutputArgs,
    /// Print the embedded model file instead of running it.
    #[arg(long)]
    print: bool,
}

#[derive(Debug, Args)]
struct ExampleCmd {
    #[command(subcommand)]
    which: ExampleWhich,
}

const HH_SPIKE_HELP: &str = "\
Writes into DIR (default out/hh-spike), all at once or not at all:
  traces.csv    t_ms, v_mV, m, h, n (time stepping), v_iter1_mV .. v_iterK_mV (every iterate),
                i_uA_per_cm2 (the input current)
  summary.json  iterations, change/residual/error-estimate histories, spike times and peaks
                (time stepping and every iterate), fixed point vs time stepping, wall times,
                rest state, energy terms in pJ/cm^2 and eq. (58)
  figure3.svg, figure3.png  the panels of the paper's Figure 3";

#[derive(Debug, Subcommand)]
enum ExampleWhich {
    /// Lists the examples, one line each.
    List,
    /// Paper Example 4 / Figure 3: Hodgkin-Huxley spike by time stepping and by the
    /// alternating iteration Compute(g) -> Compute(v) (also: hh_spike).
    #[command(after_long_help = HH_SPIKE_HELP, alias = "hh_spike")]
    HhSpike(HhSpikeArgs),
    /// Paper eq. (49)-(53): a two-unit Hopfield network settling, L decreasing.
    Hopfield(HopfieldArgs),
    /// Any example model file (see 'memrc example list'): NAME [--out DIR] [run options].
    #[command(external_subcommand)]
    Other(Vec<String>),
}

/// Options of `memrc example hh-spike`.
#[derive(Debug, Args)]
struct HhSpikeArgs {
    /// One-step scheme of the discrete equations.
    #[arg(long, default_value = "exp2", value_parser = parse_scheme,
          value_name = "exp2|trapezoid|exp-euler|exp-linear|implicit-euler")]
    scheme: LinearStep,
    /// Switch to Newton once the change between iterates is below 10 mV.
    #[arg(long)]
    newton: bool,
    /// Number of steps on 0-50 ms (500: 0.1 ms, as in the paper).
    #[arg(long, value_name = "N", default_value_t = example::HH_STEPS, allow_hyphen_values = true)]
    steps: usize,
    /// Stop the iteration at this estimated distance to the fixed point \[mV\] (or with a unit:
    /// 1e-12V). The default, 1e-10 mV, leaves the fixed point well inside 1e-9 mV of time
    /// stepping.
    #[arg(
        long,
        value_name = "MV",
        default_value = "1e-10",
        allow_hyphen_values = true
    )]
    tol: String,
    /// Output directory (default out/hh-spike).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the embedded examples/hh_spike.toml instead of running (run it with 'memrc run').
    #[arg(long)]
    print: bool,
}

/// Options of `memrc example hopfield`.
#[derive(Debug, Args)]
struct HopfieldArgs {
    /// Horizon (normalised time, units of C/W).
    #[arg(long, value_name = "T", default_value_t = example::HOPFIELD_T_END, allow_hyphen_values = true)]
    t_end: f64,
    /// RK4 step (normalised time).
    #[arg(long, value_name = "DT", default_value_t = example::HOPFIELD_DT, allow_hyphen_values = true)]
    dt: f64,
    /// Output directory (default out/hopfield).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the embedded examples/hopfield.toml instead of running (run it with 'memrc run').
    #[arg(long)]
    print: bool,
}

fn parse_scheme(s: &str) -> std::result::Result<LinearStep, String> {
    s.parse()
}

const RUN_HELP: &str = "\
Drives the element NAME with a voltage waveform and writes into DIR:
  traces.csv     t_s, v_V, i_<unit>, g_<unit> and the states, one row per sample
  summary.json   energies, positivity, passivity, pinching, fading memory, loop area
                 against frequency and the gradient identities of the paper (eq. 29a, 31, 33d)
  lissajous.svg  i against v
  traces.svg     v, i, g (and the states) against t
(and lissajous.png, traces.png with --png). The files appear only when all are written.

The drive is the TERMINAL voltage v (the membrane voltage for channels and synapses). The
element's memristive part sees the PORT voltage v - E, E being its battery (reversal
potential); currents, energies and identities refer to the port voltage. For two-ports the
first (presynaptic) port is driven and the others are held at --hold.

Waveforms (period T = 1/f): sine V0 + A sin(2 pi f t); triangle in phase with the sine;
step V0 until T/4, then V0 + A; pulse V0 + A for t mod T in [T/4, T/2), else V0.
Values are SI numbers or carry units with a prefix: --offset=-65mV, --dt 10us, --param
gbar=1200. Every option has a per-element default (see 'memrc element info NAME').";

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_long_help = RUN_HELP
)]
struct ElementCmd {
    #[command(subcommand)]
    action: Option<ElementAction>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum ElementAction {
    /// Lists every catalogue kind: name, ports, states, summary.
    List,
    /// Shows one kind: parameter table, states, source and default drive.
    Info {
        /// Catalogue name, e.g. hp or hh-na.
        name: String,
    },
}

/// Options of `memrc element NAME`.
#[derive(Debug, Args)]
struct RunArgs {
    /// Catalogue name of the element to drive (see 'memrc element list').
    #[arg(value_name = "NAME", required = true)]
    name: Option<String>,
    /// Waveform of the terminal voltage.
    #[arg(long, value_enum)]
    drive: Option<WaveformArg>,
    /// Amplitude A \[V\].
    #[arg(long, allow_hyphen_values = true)]
    amplitude: Option<String>,
    /// Frequency f \[Hz\].
    #[arg(long)]
    frequency: Option<String>,
    /// Offset V0 \[V\] (terminal voltage; the holding potential of step and pulse).
    #[arg(long, allow_hyphen_values = true)]
    offset: Option<String>,
    /// Number of periods (may be fractional).
    #[arg(long)]
    periods: Option<String>,
    /// Sampling step \[s\] (the last step is shortened to end on a whole number of periods).
    #[arg(long, allow_hyphen_values = true)]
    dt: Option<String>,
    /// Terminal voltage of the undriven ports of a multi-port \[V\] (default: the offset).
    #[arg(long, allow_hyphen_values = true)]
    hold: Option<String>,
    /// Parameter override KEY=VALUE (SI, or with the parameter's unit); repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Output directory (created if needed; existing files of the same names are replaced).
    #[arg(long, value_name = "DIR", required = true)]
    out: Option<PathBuf>,
    /// Also write lissajous.png and traces.png.
    #[arg(long)]
    png: bool,
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        eprintln!("error: internal error (please report): {}", one_line(&msg));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    progress::install_ctrlc();
    match std::panic::catch_unwind(|| dispatch(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e))
            if progress::cancelled()
                || e.downcast_ref::<progress::Interrupted>().is_some()
                || matches!(
                    e.downcast_ref::<memrc_run::RunError>(),
                    Some(memrc_run::RunError::Interrupted)
                ) =>
        {
            eprintln!("error: interrupted");
            ExitCode::from(130)
        }
        Ok(Err(e)) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
        Err(_) => ExitCode::FAILURE,
    }
}

/// Collapses a message onto one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Help and version go to stdout as clap renders them; usage errors become one line.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = e.render().to_string();
            let body = text.split("Usage:").next().unwrap_or(&text);
            let body = body
                .lines()
                .filter(|l| !l.starts_with("For more information"))
                .collect::<Vec<_>>()
                .join(" ");
            let line = one_line(&body);
            let line = line.strip_prefix("error:").unwrap_or(&line).trim();
            eprintln!("error: {line} (see 'memrc --help')");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Element(cmd) => match cmd.action {
            Some(ElementAction::List) => {
                say(&list_text());
                Ok(())
            }
            Some(ElementAction::Info { name }) => {
                say(&info_text(&name)?);
                Ok(())
            }
            None => run_element(cmd.run),
        },
        Command::Example(cmd) => match cmd.which {
            ExampleWhich::List => {
                say(&example_list_text());
                Ok(())
            }
            ExampleWhich::HhSpike(args) if args.print => print_example("hh_spike"),
            ExampleWhich::HhSpike(args) => run_hh_spike(args),
            ExampleWhich::Hopfield(args) if args.print => print_example("hopfield"),
            ExampleWhich::Hopfield(args) => run_hopfield(args),
            ExampleWhich::Other(args) => run_model_example(args),
        },
        Command::Run(args) => {
            #[cfg(feature = "mpi")]
            if let Some(world) = mpi_run::world()? {
                return mpi_run::run(&args.model, &args.io, world);
            }
            #[cfg(not(feature = "mpi"))]
            if launched_ranks().is_some_and(|k| k > 1) {
                bail!(
                    "this memrc was built without MPI, so under mpirun every rank would run the whole model into the same directory; build it with: cargo build --release -p memrc-cli --features mpi"
                );
            }
            let model = memrc_run::load_with_sets(&args.model, &args.io.sim.sets()?, false)?;
            run_loaded(model, &args.io)
        }
        Command::Check(args) => {
            let model = memrc_run::load_with_sets(&args.model, &args.sim.sets()?, true)?;
            say(&model_run::check_text(model, &args.sim.to_overrides())?);
            Ok(())
        }
        Command::Sweep(args) => {
            say(&sweep::run(sweep::SweepSettings {
                model: args.model,
                axes: args.set,
                metric: args.metric,
                jobs: args.jobs,
                out: args.out,
                quiet: args.quiet,
                force: args.force,
                overrides: memrc_run::Overrides {
                    t_end: args.t_end,
                    solver: args.solver,
                    seed: args.seed,
                    ..Default::default()
                },
            })?);
            Ok(())
        }
        Command::Bench(cmd) => {
            say_line(&bench::run(cmd)?);
            Ok(())
        }
        Command::Import(args) => run_import(args),
    }
}

/// The run settings of the output options.
fn run_settings(io: &RunOutputArgs) -> Result<model_run::RunSettings> {
    Ok(model_run::RunSettings {
        out: io.out.clone(),
        formats: io
            .format
            .as_deref()
            .map(model_run::parse_formats)
            .transpose()?,
        quiet: io.quiet,
        force: io.force,
        overrides: io.sim.to_overrides(),
    })
}

/// Runs a loaded model with the output options.
fn run_loaded(model: memrc_io::LoadedModel, io: &RunOutputArgs) -> Result<()> {
    say(&model_run::run_model(model, &run_settings(io)?)?);
    Ok(())
}

/// The ranks of the job when this process was started by `mpirun`/`mpiexec` (Open MPI's or a
/// PMI launcher's environment), else `None`.
fn launched_ranks() -> Option<usize> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.trim().parse().ok())
}

/// `mpirun -np K memrc run MODEL` (feature `mpi`).
#[cfg(feature = "mpi")]
mod mpi_run {
    use super::{RunOutputArgs, model_run, run_settings, say};
    use anyhow::Result;
    use memrc::net::exchange::Exchange;
    use memrc_run::mpi::World;
    use std::path::Path;

    /// MPI's world when this process was started by `mpirun`/`mpiexec` with more than one
    /// rank ([`super::launched_ranks`], or a PMIx launcher); `None` otherwise, so that a plain
    /// `memrc run` neither initialises MPI nor depends on it. Started by a launcher, a failure
    /// to initialise MPI is an error (each rank would otherwise run the whole model).
    pub fn world() -> Result<Option<World>> {
        let launched = super::launched_ranks().is_some() || std::env::var_os("PMIX_RANK").is_some();
        if !launched {
            return Ok(None);
        }
        let Some(world) = World::init() else {
            anyhow::bail!(
                "started by mpirun, but MPI could not be initialised (with MPI_THREAD_FUNNELED)"
            );
        };
        Ok((world.ranks() > 1).then_some(world))
    }

    /// Loads this rank's share, runs it with the others, writes on rank 0. An error every rank
    /// agreed on ([`memrc_run::agree`]) is printed once, by rank 0, before any rank exits (Open MPI's `mpirun` ends
    /// the job as soon as one rank exits with an error); an error only this rank has is
    /// printed with its rank and ends every rank at once (`MPI_Abort`), so that none waits
    /// for it forever.
    pub fn run(path: &Path, io: &RunOutputArgs, world: World) -> Result<()> {
        let (rank, ranks) = (world.rank(), world.ranks());
        let outcome = (|| {
            let sets = io.sim.sets()?;
            let loaded = memrc_run::load_share_with_sets(path, &sets, false, (rank, ranks));
            let model = memrc_run::agree(&world, loaded)?;
            model_run::run_model_on(model, &run_settings(io)?, Some(&world))
        })();
        let e = match outcome {
            Ok(report) => {
                if rank == 0 {
                    say(&report);
                }
                return Ok(());
            }
            Err(e) => e,
        };
        let interrupted = matches!(
            e.downcast_ref::<memrc_run::RunError>(),
            Some(memrc_run::RunError::Interrupted)
        );
        let agreed = interrupted
            || matches!(
                e.downcast_ref::<memrc_run::RunError>(),
                Some(memrc_run::RunError::Network { .. } | memrc_run::RunError::Distributed { .. })
            );
        if !agreed {
            eprintln!(
                "error: rank {rank} of {ranks}: {}",
                super::one_line(&format!("{e:#}"))
            );
            world.abort(1)
        }
        if rank == 0 {
            if interrupted {
                eprintln!("error: interrupted");
            } else {
                eprintln!("error: {}", super::one_line(&format!("{e:#}")));
            }
        }
        world.barrier();
        drop(world);
        std::process::exit(if interrupted { 130 } else { 1 })
    }
}

/// `memrc example NAME --print`.
fn print_example(name: &str) -> Result<()> {
    let Some(e) = model_examples::find(name) else {
        bail!("no example model file '{name}'");
    };
    say(e.text);
    Ok(())
}

/// `memrc example NAME …` for an example model file.
fn run_model_example(args: Vec<String>) -> Result<()> {
    let name = args.first().cloned().unwrap_or_default();
    let Some(example) = model_examples::find(&name) else {
        let names = example_names();
        let hint = memrc::error::suggest(
            &model_examples::normalise(&name),
            names.iter().map(String::as_str),
        )
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
        bail!(
            "unknown example '{name}'{hint}; 'memrc example list' shows {}",
            names.join(", ")
        );
    };
    let parsed = match ModelExampleArgs::try_parse_from(
        std::iter::once("memrc example".to_string()).chain(args.iter().cloned()),
    ) {
        Ok(p) => p,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                say(&e.render().to_string());
                return Ok(());
            }
            let text = e.render().to_string();
            let line = one_line(text.split("Usage:").next().unwrap_or(&text));
            bail!("{}", line.strip_prefix("error:").unwrap_or(&line).trim());
        }
    };
    if parsed.print {
        say(example.text);
        return Ok(());
    }
    let origin = format!("examples/{}.toml", example.name);
    let model = memrc_run::load_text_with_sets(
        example.text,
        &origin,
        None,
        &parsed.io.sim.sets()?,
        &memrc_run::load_options()?,
    )?;
    let mut io = parsed.io;
    if io.out.is_none() {
        io.out = Some(PathBuf::from("out").join(example.name));
    }
    run_loaded(model, &io)
}

/// Every name `memrc example` accepts (with `_`).
fn example_names() -> Vec<String> {
    let mut names: Vec<String> = model_examples::MODEL_EXAMPLES
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    for e in &example::EXAMPLES {
        let n = model_examples::normalise(e.name);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

/// `memrc example list`: one line per example; the built-in paper examples first, then the
/// example model files (a name that is both is listed once, as built-in).
fn example_list_text() -> String {
    let mut rows: Vec<(String, String)> = example::EXAMPLES
        .iter()
        .map(|e| {
            let file = model_examples::find(e.name)
                .map(|m| format!(" [built-in; model file: examples/{}.toml]", m.name))
                .unwrap_or_default();
            (e.name.to_string(), format!("{}{file}", e.description))
        })
        .collect();
    for m in model_examples::MODEL_EXAMPLES {
        let builtin = example::EXAMPLES
            .iter()
            .any(|e| model_examples::normalise(e.name) == m.name);
        if !builtin {
            rows.push((m.name.to_string(), model_examples::description(m)));
        }
    }
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(n, d)| format!("{n:<width$}  {d}\n"))
        .collect()
}

/// `memrc example hh-spike …`.
fn run_hh_spike(args: HhSpikeArgs) -> Result<()> {
    let out = args.out.unwrap_or_else(|| PathBuf::from("out/hh-spike"));
    let settings = example::HhSettings {
        scheme: args.scheme,
        newton: args.newton,
        steps: args.steps,
        tol: example::parse_tol(&args.tol)?,
    };
    let run = example::run_hh(settings)?;
    let mut files = output::Staged::new();
    files.add("traces.csv", example::hh_csv(&run).into_bytes());
    plot::add_figure!(files, "figure3", example_plot::FIGURE3_SIZE, |root| {
        example_plot::figure3(root, &run)
    });
    let summary = example::hh_summary(&run);
    commit_example(files, &summary, &out, &example::hh_report(&run), "figure3")
}

/// Adds `summary.json`, writes the files of `memrc example NAME` to `out` and reports.
fn commit_example(
    mut files: output::Staged,
    summary: &serde_json::Value,
    out: &Path,
    report: &str,
    figure: &str,
) -> Result<()> {
    files.add(
        "summary.json",
        serde_json::to_vec_pretty(summary).context("serialising summary.json")?,
    );
    files.commit(out)?;
    say(report);
    say_line(&format!(
        "  wrote traces.csv, {figure}.svg, {figure}.png, summary.json to {}",
        out.display()
    ));
    Ok(())
}

/// `memrc example hopfield …`.
fn run_hopfield(args: HopfieldArgs) -> Result<()> {
    let out = args.out.unwrap_or_else(|| PathBuf::from("out/hopfield"));
    let (net, run) = example::run_hopfield(args.t_end, args.dt)?;
    let mut files = output::Staged::new();
    files.add("traces.csv", example::hopfield_csv(&run).into_bytes());
    plot::add_figure!(files, "hopfield", example_plot::HOPFIELD_SIZE, |root| {
        example_plot::hopfield(root, &run)
    });
    let summary = example::hopfield_summary(&net, &run)?;
    commit_example(
        files,
        &summary,
        &out,
        &example::hopfield_report(&run),
        "hopfield",
    )
}

/// `memrc element list`.
fn list_text() -> String {
    let rows: Vec<[String; 4]> = Catalogue::all()
        .map(|e| {
            let states: Vec<&str> = e.info.states.iter().map(|s| s.name).collect();
            [
                e.info.name.to_string(),
                e.info.ports.to_string(),
                if states.is_empty() {
                    "-".into()
                } else {
                    states.join(",")
                },
                e.info.summary.to_string(),
            ]
        })
        .collect();
    table(&["NAME", "PORTS", "STATES", "SUMMARY"], &rows)
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut width = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut s = String::new();
        for (j, c) in cells.iter().enumerate() {
            if j + 1 < N {
                s.push_str(&format!("{c:<w$}  ", w = width[j]));
            } else {
                s.push_str(c);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// `memrc element info NAME`.
fn info_text(name: &str) -> Result<String> {
    let entry = Catalogue::get(name)?;
    let info = entry.info;
    let mut out = format!("{} — {}\n", info.name, info.summary);
    out.push_str(&format!("source: {}\n", info.source));
    out.push_str(&format!(
        "ports: {}   current: {}   conductance: {}\n",
        info.ports, info.current_unit, info.conductance_unit
    ));
    let el = (entry.build)(&[])?;
    let batteries: Vec<String> = (0..el.n_ports())
        .map(|p| format!("{} V", el.battery(p)))
        .collect();
    out.push_str(&format!("batteries (defaults): {}\n", batteries.join(", ")));
    out.push_str("\nstates:\n");
    if info.states.is_empty() {
        out.push_str("  (none: memoryless)\n");
    }
    let rows: Vec<[String; 3]> = info
        .states
        .iter()
        .map(|s| [s.name.into(), s.unit.into(), s.doc.into()])
        .collect();
    if !rows.is_empty() {
        out.push_str(&indent(&table(&["NAME", "UNIT", "MEANING"], &rows)));
    }
    out.push_str("\nparameters:\n");
    let rows: Vec<[String; 5]> = info
        .params
        .iter()
        .map(|p| {
            [
                p.name.into(),
                p.unit.into(),
                format!("{}", p.default),
                p.range_text(),
                p.doc.into(),
            ]
        })
        .collect();
    out.push_str(&indent(&table(
        &["NAME", "UNIT", "DEFAULT", "RANGE", "MEANING"],
        &rows,
    )));
    let d = defaults::for_kind(info.name);
    out.push_str(&format!(
        "\ndefault drive: {} amplitude {} V, frequency {} Hz, offset {} V, {} periods, dt {} s{}\n",
        d.drive.waveform,
        d.drive.amplitude,
        d.drive.frequency,
        d.drive.offset,
        d.drive.periods,
        d.drive.dt,
        if info.ports > 1 {
            format!(", other ports held at {} V", d.hold)
        } else {
            String::new()
        }
    ));
    Ok(out)
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

/// `memrc element NAME …`.
fn run_element(args: RunArgs) -> Result<()> {
    let (Some(name), Some(out)) = (args.name, args.out) else {
        bail!("memrc element needs NAME and --out DIR (or the subcommand list or info)");
    };
    let entry = Catalogue::get(&name)?;
    let overrides = element_run::parse_param_args(entry.info, &args.params)
        .map_err(|e| anyhow::anyhow!("--param: {e}"))?;
    let el = (entry.build)(&overrides)?;
    let q = |arg: &Option<String>, flag: &str, unit: &str| -> Result<Option<f64>> {
        arg.as_deref()
            .map(|s| parse_quantity(s, unit).with_context(|| flag.to_string()))
            .transpose()
    };
    let settings = defaults::DriveSettings {
        waveform: args.drive.map(|w| w.0),
        amplitude: q(&args.amplitude, "--amplitude", "V")?,
        frequency: q(&args.frequency, "--frequency", "Hz")?,
        offset: q(&args.offset, "--offset", "V")?,
        periods: q(&args.periods, "--periods", "1")?,
        dt: q(&args.dt, "--dt", "s")?,
        hold: q(&args.hold, "--hold", "V")?,
    };
    let (drive, hold) = settings.resolve(entry.info.name);
    drive.validate().map_err(|e| e.flag("--"))?;

    let run = element_run::run(el.as_ref(), &drive, hold)
        .with_context(|| format!("analysing '{}'", entry.info.name))?;
    if let Some(w) = run.integration.warning(entry.info.name, "--dt", drive.dt) {
        eprintln!("warning: {w}");
    }
    let mut files = output::Staged::new();
    files.add(
        "traces.csv",
        output::csv_text(el.as_ref(), &run).into_bytes(),
    );
    let el_ref = el.as_ref();
    let run_ref = &run;
    plot::add_figure!(files, "lissajous", plot::LISSAJOUS_SIZE, args.png, |root| {
        plot::lissajous(root, el_ref, run_ref)
    });
    plot::add_figure!(
        files,
        "traces",
        plot::traces_size(el_ref),
        args.png,
        |root| { plot::traces(root, el_ref, run_ref) }
    );
    let doc = summary::summary(el_ref, Some(&drive), hold, &run);
    files.add(
        "summary.json",
        serde_json::to_vec_pretty(&doc).context("serialising summary.json")?,
    );
    files.commit(&out)?;
    say_line(&format!(
        "{}: wrote traces.csv, summary.json, lissajous.svg, traces.svg{} to {}",
        entry.info.name,
        if args.png {
            ", lissajous.png, traces.png"
        } else {
            ""
        },
        out.display()
    ));
    Ok(())
}

/// Writes `text` to standard output. A closed pipe (`memrc … | head`) ends the program quietly
/// instead of reporting an error.
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// [`say`] followed by a newline.
fn say_line(text: &str) {
    say(&format!("{text}\n"));
}
