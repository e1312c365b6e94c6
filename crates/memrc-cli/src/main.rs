//! `memrc`: the command-line tool of the memrc library.
//!
//! ```text
//! memrc element list                       every catalogue kind, one line each
//! memrc element info NAME                  parameters (unit, default, range), states, source
//! memrc element NAME [--drive …] --out DIR drive one element and analyse its response
//! memrc example list                       the paper's worked examples, one line each
//! memrc example NAME [--out DIR]           run one (default DIR: out/NAME)
//! memrc bench cobahh [--n N] [--t-end T] …  COBAHH network benchmark, one JSON object
//! ```
//!
//! Errors are printed as one line `error: …` on stderr with a non-zero exit code.

mod analyse;
mod bench;
mod defaults;
mod drive;
mod example;
mod example_plot;
mod output;
mod plot;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use memrc::discretisation::LinearStep;
use memrc::element::Catalogue;
use memrc::error::ModelError;

use crate::drive::{Drive, Waveform, parse_quantity};

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
    /// The paper's worked examples: list them or run one.
    Example(ExampleCmd),
    /// Benchmarks of the network engine (one JSON object on stdout).
    Bench(bench::BenchCmd),
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
    /// alternating iteration Compute(g) -> Compute(v).
    #[command(after_long_help = HH_SPIKE_HELP)]
    HhSpike(HhSpikeArgs),
    /// Paper eq. (49)-(53): a two-unit Hopfield network settling, L decreasing.
    Hopfield(HopfieldArgs),
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
    drive: Option<Waveform>,
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
    match std::panic::catch_unwind(|| dispatch(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
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
            ExampleWhich::HhSpike(args) => run_hh_spike(args),
            ExampleWhich::Hopfield(args) => run_hopfield(args),
        },
        Command::Bench(cmd) => {
            say_line(&bench::run(cmd)?);
            Ok(())
        }
    }
}

/// `memrc example list`: one line per example.
fn example_list_text() -> String {
    let width = example::EXAMPLES
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    example::EXAMPLES
        .iter()
        .map(|e| format!("{:<width$}  {}\n", e.name, e.description))
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
    files.add(
        "figure3.svg",
        plot::svg(example_plot::FIGURE3_SIZE, |root| {
            example_plot::figure3(root, &run)
        })?,
    );
    files.add(
        "figure3.png",
        plot::png(example_plot::FIGURE3_SIZE, |root| {
            example_plot::figure3(root, &run)
        })?,
    );
    files.add(
        "summary.json",
        serde_json::to_vec_pretty(&example::hh_summary(&run))
            .context("serialising summary.json")?,
    );
    files.commit(&out)?;
    say(&example::hh_report(&run));
    say_line(&format!(
        "  wrote traces.csv, figure3.svg, figure3.png, summary.json to {}",
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
    files.add(
        "hopfield.svg",
        plot::svg(example_plot::HOPFIELD_SIZE, |root| {
            example_plot::hopfield(root, &run)
        })?,
    );
    files.add(
        "hopfield.png",
        plot::png(example_plot::HOPFIELD_SIZE, |root| {
            example_plot::hopfield(root, &run)
        })?,
    );
    files.add(
        "summary.json",
        serde_json::to_vec_pretty(&example::hopfield_summary(&net, &run)?)
            .context("serialising summary.json")?,
    );
    files.commit(&out)?;
    say(&example::hopfield_report(&run));
    say_line(&format!(
        "  wrote traces.csv, hopfield.svg, hopfield.png, summary.json to {}",
        out.display()
    ));
    Ok(())
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

/// Parses `--param KEY=VALUE` against the kind's parameter table.
fn parse_params(
    kind: &'static memrc::KindInfo,
    args: &[String],
) -> Result<Vec<(&'static str, f64)>> {
    args.iter()
        .map(|arg| {
            let Some((key, value)) = arg.split_once('=') else {
                bail!("--param '{arg}' must have the form KEY=VALUE, e.g. --param r_on=100");
            };
            let key = key.trim();
            let Some(p) = kind.params.iter().find(|p| p.name == key) else {
                return Err(ModelError::UnknownParam {
                    element: kind.name.into(),
                    param: key.into(),
                    suggestion: memrc::error::suggest(key, kind.params.iter().map(|p| p.name)),
                }
                .into());
            };
            let v = parse_quantity(value, p.unit)
                .with_context(|| format!("--param {key} (unit {})", p.unit))?;
            Ok((p.name, v))
        })
        .collect()
}

/// `memrc element NAME …`.
fn run_element(args: RunArgs) -> Result<()> {
    let (Some(name), Some(out)) = (args.name, args.out) else {
        bail!("memrc element needs NAME and --out DIR (or the subcommand list or info)");
    };
    let entry = Catalogue::get(&name)?;
    let overrides = parse_params(entry.info, &args.params)?;
    let el = (entry.build)(&overrides)?;
    let def = defaults::for_kind(entry.info.name);
    let q = |arg: &Option<String>, flag: &str, unit: &str, default: f64| -> Result<f64> {
        arg.as_deref().map_or(Ok(default), |s| {
            parse_quantity(s, unit).with_context(|| flag.to_string())
        })
    };
    let mut drive = Drive {
        waveform: args.drive.unwrap_or(def.drive.waveform),
        amplitude: q(&args.amplitude, "--amplitude", "V", def.drive.amplitude)?,
        frequency: q(&args.frequency, "--frequency", "Hz", def.drive.frequency)?,
        offset: q(&args.offset, "--offset", "V", def.drive.offset)?,
        periods: q(&args.periods, "--periods", "1", def.drive.periods)?,
        dt: q(&args.dt, "--dt", "s", def.drive.dt)?,
    };
    // A changed frequency keeps the default resolution per period unless --dt is given.
    if args.dt.is_none() && args.frequency.is_some() && drive.frequency > 0.0 {
        drive.dt = def.drive.dt * def.drive.frequency / drive.frequency;
    }
    let hold_default = if args.offset.is_some() {
        drive.offset
    } else {
        def.hold
    };
    let hold = q(&args.hold, "--hold", "V", hold_default)?;
    drive.validate()?;

    let run = analyse::run(el.as_ref(), &drive, hold)
        .with_context(|| format!("analysing '{}'", entry.info.name))?;
    let mut files = output::Staged::new();
    files.add(
        "traces.csv",
        output::csv_text(el.as_ref(), &run).into_bytes(),
    );
    let el_ref = el.as_ref();
    let run_ref = &run;
    files.add(
        "lissajous.svg",
        plot::svg(plot::LISSAJOUS_SIZE, |root| {
            plot::lissajous(root, el_ref, run_ref)
        })?,
    );
    files.add(
        "traces.svg",
        plot::svg(plot::traces_size(el_ref), |root| {
            plot::traces(root, el_ref, run_ref)
        })?,
    );
    if args.png {
        files.add(
            "lissajous.png",
            plot::png(plot::LISSAJOUS_SIZE, |root| {
                plot::lissajous(root, el_ref, run_ref)
            })?,
        );
        files.add(
            "traces.png",
            plot::png(plot::traces_size(el_ref), |root| {
                plot::traces(root, el_ref, run_ref)
            })?,
        );
    }
    let doc = summary::summary(el_ref, &drive, hold, &run);
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
