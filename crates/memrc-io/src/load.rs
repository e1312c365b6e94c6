//! Loading: TOML text → [`ModelFile`] → [`LoadedModel`], every problem a [`LoadError`].

use std::path::{Path, PathBuf};

use memrc::circuit::relaxation::RelaxationOptions;
use memrc::discretisation::LinearStep;
use memrc::error::{brief, excerpt, suggest};
use memrc::hopfield::{Activation, Hopfield};
use memrc::solver::{Config, Method};

use crate::error::{LoadError, Source};
use crate::model::{
    COUPLING_NAMES, HopfieldModel, LoadedModel, ModelKind, OutputFormat, OutputSettings,
    Simulation, Solver, solver_names,
};
use crate::schema::{HopfieldSection, ModelFile, Q, RawQuantity, S, SimulationSection};
use crate::units::{self, Dimension, Form, Quantity};

/// Default largest memory a run may need before loading refuses it: 8 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

/// Settings of the loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Refuse models whose run would store more than this many bytes (steps × stored values ×
    /// 8 B). Default [`DEFAULT_MEMORY_LIMIT`].
    pub memory_limit: u64,
    /// Build network models (draw their connectivity and initial values) while loading
    /// (default `true`). Off, a network file is validated completely and its memory estimated,
    /// but [`crate::NetworkModel::network`] is `None` (what `memrc check` needs).
    pub build_networks: bool,
    /// Refuse input files (the model file, sample and connection files) larger than this many
    /// bytes, before reading them whole. Default [`DEFAULT_INPUT_LIMIT`].
    pub input_limit: u64,
    /// Load network models as rank `.0`'s share of `.1` ranks
    /// ([`memrc::net::NetworkBuilder::partition`]): the memory estimate and the build are this
    /// rank's. Default `(0, 1)`, the whole network.
    pub partition: (usize, usize),
}

/// Default [`LoadOptions::input_limit`]: 256 MiB.
pub const DEFAULT_INPUT_LIMIT: u64 = 256 << 20;

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            memory_limit: DEFAULT_MEMORY_LIMIT,
            build_networks: true,
            input_limit: DEFAULT_INPUT_LIMIT,
            partition: (0, 1),
        }
    }
}

/// Reads the file `path` whole, refusing it once more than `limit` bytes were read (a file
/// such as `/dev/zero` would otherwise be read until memory runs out). The error is one
/// phrase without the path, for the caller's message: the I/O error, or "larger than the
/// input limit of …".
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "larger than the input limit of {} (set MEMRC_INPUT_LIMIT, in bytes, to raise it)",
            human_bytes(limit as f64)
        ));
    }
    Ok(bytes)
}

/// [`read_input`] as UTF-8 text.
pub fn read_input_text(path: &Path, limit: u64) -> Result<String, String> {
    String::from_utf8(read_input(path, limit)?).map_err(|_| "not UTF-8 text".to_string())
}

impl LoadOptions {
    /// Sets [`LoadOptions::input_limit`].
    pub fn input_limit(mut self, bytes: u64) -> Self {
        self.input_limit = bytes;
        self
    }

    /// Sets [`LoadOptions::memory_limit`].
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Sets [`LoadOptions::partition`].
    pub fn partition(mut self, rank: usize, ranks: usize) -> Self {
        self.partition = (rank, ranks.max(1));
        self
    }

    /// Sets [`LoadOptions::build_networks`].
    pub fn build_networks(mut self, build: bool) -> Self {
        self.build_networks = build;
        self
    }
}

/// Loads and builds the model file at `path`. Relative sample-file paths are relative to it.
///
/// ```no_run
/// let model = memrc_io::load("examples/hh_spike.toml")?;
/// println!("{}: {} node(s)", model.name, model.circuit().map_or(0, |c| c.circuit.n_nodes()));
/// # Ok::<(), memrc_io::LoadError>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<LoadedModel, LoadError> {
    load_with(path, &LoadOptions::default())
}

/// [`load`] with options.
pub fn load_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<LoadedModel, LoadError> {
    let path = path.as_ref();
    let origin = path.display().to_string();
    let text = read_input_text(path, opts.input_limit).map_err(|e| LoadError {
        file: origin.clone(),
        line: 1,
        column: 1,
        key: String::new(),
        message: crate::error::brief_line(&format!("cannot read the model file: {e}")),
    })?;
    load_str_with(&text, &origin, path.parent(), opts)
}

/// Loads a model from `text`; `origin` names it in messages and, if it is a path, its directory
/// is where relative sample files are looked up.
///
/// ```
/// let text = r#"
/// [model]
/// name = "rc"
/// [simulation]
/// t_end = "10 ms"
/// dt = "0.1 ms"
/// [[node]]
/// name = "a"
/// capacitance = "1 nF"
/// initial = "0 mV"
/// [[element]]
/// name = "r"
/// kind = "resistor"
/// node = "a"
/// params = { g0 = "1 uS", g2 = "0 S/V^2" }
/// "#;
/// let m = memrc_io::load_str(text, "rc.toml")?;
/// assert_eq!(m.circuit().map(|c| c.circuit.n_nodes()), Some(1));
/// let bad = memrc_io::load_str(&text.replace("dt =", "dtt ="), "rc.toml").unwrap_err();
/// assert_eq!(bad.to_string(), "rc.toml:6:1: unknown key 'dtt' in [simulation] (did you mean 'dt'?)");
/// # Ok::<(), memrc_io::LoadError>(())
/// ```
pub fn load_str(text: &str, origin: &str) -> Result<LoadedModel, LoadError> {
    load_str_with(
        text,
        origin,
        Path::new(origin).parent(),
        &LoadOptions::default(),
    )
}

/// [`load_str`] with an explicit base directory for sample files and options.
pub fn load_str_with(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
    opts: &LoadOptions,
) -> Result<LoadedModel, LoadError> {
    let file = parse_str(text, origin)?;
    let ctx = Ctx {
        src: Source {
            origin: origin.to_string(),
            text,
        },
        base: base_dir.map(Path::to_path_buf),
        opts: *opts,
    };
    ctx.build(file)
}

/// Parses `text` into a [`ModelFile`] (syntax, key names and value types only; no units or
/// references checked).
pub fn parse_str(text: &str, origin: &str) -> Result<ModelFile, LoadError> {
    let src = Source {
        origin: origin.to_string(),
        text,
    };
    toml::from_str::<ModelFile>(text).map_err(|e| toml_error(&src, &e))
}

fn toml_error(src: &Source<'_>, e: &toml::de::Error) -> LoadError {
    let at = e.span().map_or(0, |s| s.start);
    let msg = e.message().trim();
    let section = section_at(src.text, at);
    let backticked = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = backticked(rest);
        if let Some((key, expected)) = names.split_first() {
            let hint = |open: &str, close: &str| {
                suggest(key, expected.iter().map(String::as_str))
                    .map(|s| format!(" (did you mean '{open}{s}{close}'?)"))
                    .unwrap_or_else(|| {
                        if expected.is_empty() {
                            String::new()
                        } else {
                            format!("; expected one of: {}", expected.join(", "))
                        }
                    })
            };
            // A top-level key is a section header.
            if section.trim_matches(['[', ']']) == key.as_str() {
                let brackets = if section.starts_with("[[") {
                    ("[[", "]]")
                } else {
                    ("[", "]")
                };
                return src.at(
                    at,
                    key.clone(),
                    format!("unknown section {section}{}", hint(brackets.0, brackets.1)),
                );
            }
            return src.at(
                at,
                key.clone(),
                format!("unknown key '{key}' in {section}{}", hint("", "")),
            );
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        if let Some(key) = backticked(rest).first() {
            return src.at(at, key.clone(), format!("missing key '{key}' in {section}"));
        }
    }
    let mut msg = msg.replace('`', "'");
    if let Some(i) = msg.find("expected struct ") {
        msg.truncate(i);
        msg.push_str("expected a table");
    }
    if ["invalid type", "invalid value", "invalid length"]
        .iter()
        .any(|p| msg.starts_with(p))
    {
        // A value of the wrong type: name the key of the line.
        let before = src.text.get(..at).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = src
            .text
            .get(line_start..)
            .and_then(|t| t.lines().next())
            .unwrap_or("");
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim().to_string();
            return src.at(at, key.clone(), format!("'{key}' in {section}: {msg}"));
        }
        return src.at(at, String::new(), format!("{section}: {msg}"));
    }
    src.at(at, String::new(), msg)
}

/// The `[header]` (or `[[header]]`) in force at byte `at`, `"the top level"` before any.
fn section_at(text: &str, at: usize) -> String {
    let end = at.min(text.len());
    let mut end = end;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Include the line at `at`, so that an error on a header names that header.
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    text[..line_end]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| {
            let close = if l.starts_with("[[") { "]]" } else { "]" };
            match l.find(close) {
                Some(i) => l[..i + close.len()].to_string(),
                None => l.to_string(),
            }
        })
        .unwrap_or_else(|| "the top level".into())
}

pub(crate) struct Ctx<'a> {
    pub src: Source<'a>,
    pub base: Option<PathBuf>,
    pub opts: LoadOptions,
}

/// The hint of every "unknown …" message: the library's ([`memrc::error::hint`]).
pub(crate) use memrc::error::hint as did_you_mean;

/// Whether a raw quantity is the word `rest`.
pub(crate) fn is_rest(q: &RawQuantity) -> bool {
    matches!(q, RawQuantity::Text(t) if t.trim() == "rest")
}

impl Ctx<'_> {
    pub fn err(&self, s: &S, key: &str, message: impl Into<String>) -> LoadError {
        self.src.span(&s.span(), key, message)
    }

    pub fn err_q(&self, q: &Q, key: &str, message: impl Into<String>) -> LoadError {
        self.src.span(&q.span(), key, message)
    }

    /// Parses a quantity (no dimension check).
    pub fn parse(&self, q: &Q, key: &str) -> Result<Quantity, LoadError> {
        match q.get_ref() {
            RawQuantity::Number(x) => {
                if x.is_finite() {
                    Ok(Quantity {
                        value: *x,
                        dim: None,
                        unit: String::new(),
                    })
                } else {
                    Err(self.err_q(
                        q,
                        key,
                        format!("'{key}' must be a finite number, got {}", brief(*x)),
                    ))
                }
            }
            RawQuantity::Text(t) => units::parse_quantity(t).map_err(|e| {
                self.src.inside(
                    &q.span(),
                    t,
                    e.offset,
                    key,
                    format!("'{key}' = '{}': {}", excerpt(t), e.message),
                )
            }),
        }
    }

    /// A quantity of dimension `dim`, in SI.
    pub fn qty(&self, q: &Q, key: &str, dim: Dimension) -> Result<f64, LoadError> {
        self.qty_hint(q, key, dim, None)
    }

    /// [`Ctx::qty`] with the unit shown in messages (e.g. the catalogue's `"1/(M*s)"`).
    pub fn qty_hint(
        &self,
        q: &Q,
        key: &str,
        dim: Dimension,
        hint: Option<&str>,
    ) -> Result<f64, LoadError> {
        let p = self.parse(q, key)?;
        let v = units::check_dimension(&p, dim, hint)
            .map_err(|m| self.err_q(q, key, format!("'{key}': {m}")))?;
        self.plausible(q, key, v, dim)
    }

    /// `v` (SI, of dimension `dim`, written as `q`) if it is in its plausible range
    /// ([`units::PLAUSIBLE`]), else an error at `q` naming the value and the range.
    pub fn plausible(&self, q: &Q, key: &str, v: f64, dim: Dimension) -> Result<f64, LoadError> {
        units::check_plausible(v, dim)
            .map_err(|m| self.err_q(q, key, format!("'{key}' = {} {m}", q.get_ref().shown())))?;
        Ok(v)
    }

    /// A per-area or absolute quantity.
    pub fn dual(&self, q: &Q, key: &str, absolute: Dimension) -> Result<(f64, Form), LoadError> {
        let p = self.parse(q, key)?;
        let (v, form) = units::check_dual(&p, absolute)
            .map_err(|m| self.err_q(q, key, format!("'{key}': {m}")))?;
        let dim = match form {
            Form::Absolute => absolute,
            Form::PerArea => absolute.per_area(),
        };
        Ok((self.plausible(q, key, v, dim)?, form))
    }

    /// A count `≥ 1` (an iteration or step limit), else an error at `m` naming `key`.
    pub fn count(&self, m: &crate::schema::Spanned<i64>, key: &str) -> Result<usize, LoadError> {
        usize::try_from(*m.get_ref())
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                self.src.span(
                    &m.span(),
                    key,
                    format!("'{key}' must be ≥ 1, got {}", m.get_ref()),
                )
            })
    }

    /// A positive quantity.
    pub fn positive(&self, q: &Q, key: &str, dim: Dimension) -> Result<f64, LoadError> {
        let v = self.qty(q, key, dim)?;
        self.require_positive(q, key, v)
    }

    pub fn require_positive(&self, q: &Q, key: &str, v: f64) -> Result<f64, LoadError> {
        if v > 0.0 {
            Ok(v)
        } else {
            Err(self.err_q(
                q,
                key,
                format!("'{key}' must be > 0, got {}", q.get_ref().shown()),
            ))
        }
    }

    /// Picks `name` from `choices` or fails with a suggestion.
    pub fn choice<T: Copy>(&self, s: &S, key: &str, choices: &[(&str, T)]) -> Result<T, LoadError> {
        let name = s.get_ref().as_str();
        if let Some((_, t)) = choices.iter().find(|(n, _)| *n == name) {
            return Ok(*t);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        Err(self.unknown(s, key, key, &names))
    }

    /// `unknown WHAT 'NAME' (did you mean …?); expected one of: NAMES` at the value `s` of `key`.
    pub fn unknown(&self, s: &S, key: &str, what: &str, names: &[&str]) -> LoadError {
        let name = s.get_ref().as_str();
        let hint = did_you_mean(name, names.iter().copied());
        self.err(
            s,
            key,
            format!(
                "unknown {what} '{name}'{hint}; expected one of: {}",
                names.join(", ")
            ),
        )
    }

    /// The whole file at line 1.
    pub fn top(&self, key: &str, message: impl Into<String>) -> LoadError {
        self.src.at(0, key, message)
    }

    fn build(&self, file: ModelFile) -> Result<LoadedModel, LoadError> {
        let output = self.output(&file)?;
        let kind = match (&file.network, &file.hopfield) {
            (Some(n), _) => {
                self.model_only(&file, "network", "dt and t_end")?;
                ModelKind::Network(self.network(&file, n)?)
            }
            (None, Some(h)) => {
                self.no_network_sections(&file)?;
                self.model_only(&file, "hopfield", "t_end and dt")?;
                ModelKind::Hopfield(self.hopfield(h)?)
            }
            (None, None) => {
                self.no_network_sections(&file)?;
                ModelKind::Circuit(self.circuit(&file)?)
            }
        };
        Ok(LoadedModel {
            name: file.model.name.get_ref().clone(),
            description: file
                .model
                .description
                .as_ref()
                .map(|d| d.get_ref().clone())
                .unwrap_or_default(),
            origin: self.src.origin.clone(),
            kind,
            output,
            file,
        })
    }

    fn output(&self, file: &ModelFile) -> Result<OutputSettings, LoadError> {
        let mut out = OutputSettings::default();
        let Some(o) = &file.output else {
            return Ok(out);
        };
        if let Some(f) = &o.formats {
            out.formats.clear();
            for s in f.get_ref() {
                let fmt = self.choice(
                    s,
                    "format",
                    &[
                        ("csv", OutputFormat::Csv),
                        ("npz", OutputFormat::Npz),
                        ("npy", OutputFormat::Npy),
                        ("sonata", OutputFormat::Sonata),
                    ],
                )?;
                if !out.formats.contains(&fmt) {
                    out.formats.push(fmt);
                }
            }
        }
        if let Some(p) = &o.plots {
            out.plots = *p.get_ref();
        }
        Ok(out)
    }

    /// The simulation section: span, step and solver.
    pub fn simulation(&self, s: &SimulationSection) -> Result<Simulation, LoadError> {
        let t_start = match &s.t_start {
            Some(q) => self.qty(q, "t_start", Dimension::TIME)?,
            None => 0.0,
        };
        let t_end = self.qty(&s.t_end, "t_end", Dimension::TIME)?;
        if t_end <= t_start {
            return Err(self.err_q(
                &s.t_end,
                "t_end",
                format!(
                    "'t_end' = {} must be later than t_start = {t_start} s",
                    s.t_end.get_ref().shown()
                ),
            ));
        }
        let dt = self.positive(&s.dt, "dt", Dimension::TIME)?;
        let steps = self.steps(&s.dt, t_end - t_start, dt)?;
        let name = s
            .solver
            .as_ref()
            .map_or("stepping", |n| n.get_ref().as_str());
        if let Some(n) = &s.solver {
            let choices: Vec<(&str, ())> = solver_names().into_iter().map(|n| (n, ())).collect();
            self.choice(n, "solver", &choices)?;
        }
        // Keys that only some solvers read.
        let only: [(&str, bool, &[&str]); 9] = [
            ("scheme", s.scheme.is_some(), &["relaxation", "stepping"]),
            ("tol", s.tol.is_some(), &["relaxation"]),
            (
                "max_iterations",
                s.max_iterations.is_some(),
                &["relaxation"],
            ),
            ("newton_switch", s.newton_switch.is_some(), &["relaxation"]),
            ("window", s.window.is_some(), &["relaxation"]),
            ("coupling", s.coupling.is_some(), &["relaxation"]),
            ("rtol", s.rtol.is_some(), &["dopri5", "sdirk2"]),
            ("atol", s.atol.is_some(), &["dopri5", "sdirk2"]),
            ("max_steps", s.max_steps.is_some(), &["dopri5", "sdirk2"]),
        ];
        for (key, given, solvers) in only {
            if given && !solvers.contains(&name) {
                let at = key_offset(self.src.text, "simulation", key);
                return Err(self.src.at(
                    at,
                    key,
                    format!(
                        "key '{key}' applies only to solver = {}; this model uses '{name}'",
                        solvers
                            .iter()
                            .map(|s| format!("'{s}'"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                ));
            }
        }
        let scheme = match &s.scheme {
            Some(sc) => {
                let choices: Vec<(&str, LinearStep)> =
                    LinearStep::ALL.iter().map(|m| (m.name(), *m)).collect();
                self.choice(sc, "scheme", &choices)?
            }
            None => LinearStep::Exponential2,
        };
        let solver = match name {
            "relaxation" => {
                let mut o = RelaxationOptions::default().scheme(scheme);
                if let Some(q) = &s.tol {
                    o = o.tol(self.positive(q, "tol", Dimension::VOLTAGE)?);
                }
                if let Some(m) = &s.max_iterations {
                    o = o.max_iterations(self.count(m, "max_iterations")?);
                }
                if let Some(q) = &s.newton_switch {
                    o = o.newton(self.positive(q, "newton_switch", Dimension::VOLTAGE)?);
                }
                if let Some(q) = &s.window {
                    o = o.window(self.positive(q, "window", Dimension::TIME)?);
                }
                if let Some(c) = &s.coupling {
                    o = o.coupling(self.choice(c, "coupling", COUPLING_NAMES)?);
                }
                Solver::Relaxation(o)
            }
            "stepping" => Solver::Stepping { scheme },
            other => {
                // `other` is one of solver_names, each the key of a method.
                let method: Method = other.parse().unwrap_or(Method::Sdirk2);
                let config = if method.is_adaptive() {
                    let rtol = match &s.rtol {
                        Some(q) => self.positive(q, "rtol", Dimension::NONE)?,
                        None => 1e-6,
                    };
                    let atol = match &s.atol {
                        Some(q) => {
                            let p = self.parse(q, "atol")?;
                            let v = match p.dim {
                                None => p.value,
                                Some(d) if d == Dimension::VOLTAGE || d == Dimension::NONE => {
                                    p.value
                                }
                                Some(d) => {
                                    return Err(self.err_q(
                                        q,
                                        "atol",
                                        format!(
                                            "'atol': expected a voltage (V) or a dimensionless number, got '{}' ({})",
                                            p.unit,
                                            d.describe()
                                        ),
                                    ));
                                }
                            };
                            self.require_positive(q, "atol", v)?
                        }
                        None => 1e-9,
                    };
                    let mut config = Config::adaptive(rtol, atol).with_dt(dt);
                    if let Some(m) = &s.max_steps {
                        config = config.with_max_steps(self.count(m, "max_steps")?);
                    }
                    config
                } else {
                    Config::fixed(dt)
                };
                Solver::Ode { method, config }
            }
        };
        Ok(Simulation {
            t_start,
            t_end,
            dt,
            steps,
            solver,
        })
    }

    /// `span / dt` as a whole number of steps.
    pub fn steps(&self, dt_q: &Q, span: f64, dt: f64) -> Result<usize, LoadError> {
        let r = span / dt;
        let shown = dt_q.get_ref().shown();
        let refuse = |message: String| Err(self.err_q(dt_q, "dt", message));
        if !(r.is_finite() && r < 1e15) {
            return refuse(format!(
                "'dt' = {shown} gives {} steps: far too many",
                brief(r)
            ));
        }
        let n = r.round();
        if (r - n).abs() > 1e-6 * r.max(1.0) || n < 1.0 {
            return refuse(format!(
                "the span {} s is not a whole number of steps 'dt' = {shown} ({r:.3} steps)",
                brief(span)
            ));
        }
        // n < 1e15 < usize::MAX on 64-bit targets.
        Ok(n as usize)
    }

    /// Refuses runs that would store more than the memory limit.
    pub fn check_memory(&self, dt_q: &Q, samples: usize, values: usize) -> Result<(), LoadError> {
        let bytes = samples as f64 * values as f64 * 8.0;
        if bytes > self.opts.memory_limit as f64 {
            return Err(self.err_q(
                dt_q,
                "dt",
                format!(
                    "the run would store about {} ({samples} samples × {values} values × 8 B), more than the limit of {}: use a larger 'dt' or a shorter span",
                    human_bytes(bytes),
                    human_bytes(self.opts.memory_limit as f64)
                ),
            ));
        }
        Ok(())
    }

    /// A `[model]` file (`hopfield` or `network`, whose settings `settings` name) has no
    /// sections of the other kinds of model (`[[channel]]`s are allowed in network files: the
    /// `conductance` model uses them); the first one present is refused.
    fn model_only(&self, file: &ModelFile, model: &str, settings: &str) -> Result<(), LoadError> {
        let others = [
            ("simulation", file.simulation.is_some()),
            ("hopfield", model != "hopfield" && file.hopfield.is_some()),
            ("node", !file.nodes.is_empty()),
            ("element", !file.elements.is_empty()),
            ("channel", model != "network" && !file.channels.is_empty()),
            ("stimulus", !file.stimuli.is_empty()),
            ("probe", !file.probes.is_empty()),
        ];
        self.refuse_sections(&others, |section| {
            format!(
                "a [{model}] model cannot also have [{section}] sections ({settings} go in [{model}])"
            )
        })
    }

    /// Fails at the header of the first of `sections` that is present (`(name, present)`),
    /// with the message `message(name)`.
    pub(crate) fn refuse_sections(
        &self,
        sections: &[(&str, bool)],
        message: impl Fn(&str) -> String,
    ) -> Result<(), LoadError> {
        match sections.iter().find(|(_, present)| *present) {
            Some((section, _)) => {
                let at = header_offset(self.src.text, section).unwrap_or(0);
                Err(self.src.at(at, *section, message(section)))
            }
            None => Ok(()),
        }
    }

    fn hopfield(&self, h: &HopfieldSection) -> Result<HopfieldModel, LoadError> {
        let c: Vec<f64> = h
            .capacitance
            .get_ref()
            .iter()
            .map(|q| self.positive(q, "capacitance", Dimension::CAPACITANCE))
            .collect::<Result<_, _>>()?;
        let n = c.len();
        if n == 0 {
            return Err(self.src.span(
                &h.capacitance.span(),
                "capacitance",
                "'capacitance' needs one value per unit, got none",
            ));
        }
        let rows = h.weights.get_ref();
        if rows.len() != n || rows.iter().any(|r| r.len() != n) {
            return Err(self.src.span(
                &h.weights.span(),
                "weights",
                format!(
                    "'weights' must be a {n} × {n} matrix (one row per unit, as many units as capacitances), got {} row(s) of length(s) {:?}",
                    rows.len(),
                    rows.iter().map(Vec::len).collect::<Vec<_>>()
                ),
            ));
        }
        let mut w = Vec::with_capacity(n * n);
        for row in rows {
            for q in row {
                w.push(self.qty(q, "weights", Dimension::CONDUCTANCE)?);
            }
        }
        let vector = |v: &Option<crate::schema::Spanned<Vec<Q>>>,
                      key: &str,
                      dim: Dimension|
         -> Result<Vec<f64>, LoadError> {
            let Some(v) = v else {
                return Ok(vec![0.0; n]);
            };
            if v.get_ref().len() != n {
                return Err(self.src.span(
                    &v.span(),
                    key,
                    format!(
                        "'{key}' needs {n} value(s), one per unit, got {}",
                        v.get_ref().len()
                    ),
                ));
            }
            v.get_ref().iter().map(|q| self.qty(q, key, dim)).collect()
        };
        let input = vector(&h.input, "input", Dimension::CURRENT)?;
        let initial = vector(&h.initial, "initial", Dimension::VOLTAGE)?;
        let kind = match &h.activation {
            Some(a) => self.choice(
                a,
                "activation",
                &[("tanh", 0), ("logistic", 1), ("linear", 2)],
            )?,
            None => 0,
        };
        let gain = match &h.gain {
            Some(q) => {
                let dim = if kind == 2 {
                    Dimension::NONE
                } else {
                    Dimension::VOLTAGE.pow(-1)
                };
                self.positive(q, "gain", dim)?
            }
            None => 1.0,
        };
        let act = match kind {
            0 => Activation::Tanh { gain },
            1 => Activation::Logistic { gain },
            _ => Activation::Linear { slope: gain },
        };
        let network = Hopfield::new(w, c, input, vec![act; n]).map_err(|e| {
            self.src
                .span(&h.weights.span(), "hopfield", format!("[hopfield]: {e}"))
        })?;
        let t_end = self.positive(&h.t_end, "t_end", Dimension::TIME)?;
        let dt = self.positive(&h.dt, "dt", Dimension::TIME)?;
        let steps = self.steps(&h.dt, t_end, dt)?;
        self.check_memory(&h.dt, steps.saturating_add(1), 3 * n + 1)?;
        Ok(HopfieldModel {
            network,
            initial,
            t_end,
            dt,
        })
    }
}

/// `1.5 GiB`, `40.1 KiB`, `512 B`.
pub fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = b;
    let mut k = 0;
    while x >= 1024.0 && k + 1 < UNITS.len() {
        x /= 1024.0;
        k += 1;
    }
    if k == 0 {
        format!("{x:.0} B")
    } else {
        format!("{x:.1} {}", UNITS[k])
    }
}

/// Byte offset of `key = …` inside the `[section]` table (0 if not found).
pub(crate) fn key_offset(text: &str, section: &str, key: &str) -> usize {
    let Some(start) = header_offset(text, section) else {
        return 0;
    };
    let mut off = start;
    for (k, line) in text[start..].split_inclusive('\n').enumerate() {
        let t = line.trim_start();
        if k > 0 && t.starts_with('[') {
            break;
        }
        if let Some(rest) = t.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return off + (line.len() - t.len());
            }
        }
        off += line.len();
    }
    start
}

/// Byte offset of the first `[section]` or `[[section]]` header.
pub(crate) fn header_offset(text: &str, section: &str) -> Option<usize> {
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let inner = t
            .strip_prefix("[[")
            .and_then(|r| r.split("]]").next())
            .or_else(|| t.strip_prefix('[').and_then(|r| r.split(']').next()));
        if inner.map(str::trim) == Some(section) {
            return Some(off + (line.len() - line.trim_start().len()));
        }
        off += line.len();
    }
    None
}
