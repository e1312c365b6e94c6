//! `--set path.key=value` (and `set={"path.key": "value"}` in Python): overriding any key of a
//! model file before it is loaded.
//!
//! A path names tables by their keys and entries of `[[…]]` lists by their `name` or their
//! position from 0: `simulation.t_end`, `network.seed`, `element.na.params.gbar`,
//! `population.exc.params.g_na`, `stimulus.0.amplitude`, `population.exc.initial.v`. The value
//! keeps the type of the value it replaces (a quantity with its unit stays a string: `20ms`,
//! `"20 ms"`, `120 mS/cm^2`); a new key takes the TOML value written (`3`, `true`, `[0, 1]`) or,
//! failing that, the text as a string. The file is edited in place (`toml_edit`), so comments
//! and every other line stay as they are.
//!
//! A set value that the loader refuses is reported as `--set KEY=VALUE: message`; an error
//! elsewhere in the file keeps its `file:line:col`.

use std::path::Path;

use memrc_io::LoadedModel;
use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::error::{Result, RunError};

/// One override: a dotted path and a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    /// `population.exc.params.g_na`.
    pub key: String,
    /// `"120 mS/cm^2"`, `3`, `true`.
    pub value: String,
}

impl Set {
    /// Parses `path.key=value`.
    pub fn parse(text: &str) -> Result<Self> {
        let (key, value) = text.split_once('=').ok_or_else(|| {
            RunError::setting(format!(
                "--set '{}': expected path.key=value, e.g. network.seed=3",
                short(text)
            ))
        })?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|s| s.trim().is_empty()) {
            return Err(RunError::setting(format!(
                "--set '{}': the path has an empty part",
                short(text)
            )));
        }
        Ok(Self {
            key: key.to_string(),
            value: value.trim().to_string(),
        })
    }
}

impl std::fmt::Display for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, short(&self.value))
    }
}

/// At most 60 characters of `s` (values in messages are quoted briefly).
fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(57).collect::<String>())
    }
}

fn refuse(set: &Set, message: String) -> RunError {
    RunError::setting(format!("--set {set}: {message}"))
}

/// The entry of a `[[name]]` list selected by `sel` (its `name`, or its index).
fn entry<'a>(
    set: &Set,
    list: &'a mut toml_edit::ArrayOfTables,
    section: &str,
    sel: &str,
) -> Result<&'a mut toml_edit::Table> {
    let names: Vec<String> = list
        .iter()
        .map(|t| {
            t.get("name")
                .and_then(Item::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let k = match names.iter().position(|n| n == sel) {
        Some(k) => k,
        None => match sel.parse::<usize>() {
            Ok(k) if k < list.len() => k,
            _ => {
                let hint = memrc::error::hint(sel, names.iter().map(String::as_str));
                let known: Vec<&str> = names
                    .iter()
                    .map(String::as_str)
                    .filter(|n| !n.is_empty())
                    .collect();
                return Err(refuse(
                    set,
                    format!(
                        "no [[{section}]] named '{sel}'{hint} (named: {}; or an index 0..{})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        },
                        list.len()
                    ),
                ));
            }
        },
    };
    list.get_mut(k)
        .ok_or_else(|| refuse(set, format!("no [[{section}]] entry {k}")))
}

/// The value written for `set`, typed like `old`.
fn typed(set: &Set, old: Option<&Value>) -> Result<Value> {
    let text = set.value.as_str();
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let bad = |what: &str| refuse(set, format!("expected {what}"));
    Ok(match old {
        Some(Value::String(_)) => Value::from(unquoted),
        Some(Value::Integer(_)) => match text.parse::<i64>() {
            Ok(i) => Value::from(i),
            // A quantity with a unit where the file had a bare integer (`initial.m = 0`).
            Err(_) => Value::from(unquoted),
        },
        Some(Value::Float(_)) => match text.parse::<f64>() {
            Ok(x) => Value::from(x),
            Err(_) => Value::from(unquoted),
        },
        Some(Value::Boolean(_)) => match text {
            "true" => Value::from(true),
            "false" => Value::from(false),
            _ => return Err(bad("true or false")),
        },
        Some(Value::Array(_) | Value::InlineTable(_)) | None => text
            .parse::<Value>()
            .unwrap_or_else(|_| Value::from(unquoted)),
        Some(Value::Datetime(_)) => return Err(bad("a value memrc reads")),
    })
}

/// Applies the overrides to the text of a model file.
pub fn apply(text: &str, sets: &[Set]) -> Result<String> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| RunError::setting(e.message().to_string()))?;
    for set in sets {
        let parts: Vec<&str> = set.key.split('.').map(str::trim).collect();
        let (last, path) = parts
            .split_last()
            .ok_or_else(|| refuse(set, "empty path".into()))?;
        let mut table: &mut dyn TableLike = doc.as_table_mut();
        let mut i = 0;
        while i < path.len() {
            let seg = path[i];
            let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
            let Some(item) = table.get_mut(seg) else {
                let hint = memrc::error::hint(seg, keys.iter().map(String::as_str));
                return Err(refuse(
                    set,
                    format!(
                        "no '{seg}'{hint} in {}",
                        if i == 0 {
                            "the file".to_string()
                        } else {
                            format!("'{}'", path[..i].join("."))
                        }
                    ),
                ));
            };
            if let Item::ArrayOfTables(list) = item {
                let sel = path.get(i + 1).copied().unwrap_or(last);
                if i + 1 >= path.len() {
                    return Err(refuse(
                        set,
                        format!(
                            "'{seg}' is a list of [[{seg}]] sections: name one and a key, e.g. {seg}.{sel}.KEY"
                        ),
                    ));
                }
                table = entry(set, list, seg, sel)?;
                i += 2;
            } else {
                table = item.as_table_like_mut().ok_or_else(|| {
                    refuse(
                        set,
                        format!("'{}' is a value, not a table", path[..=i].join(".")),
                    )
                })?;
                i += 1;
            }
        }
        let old = table.get(last).and_then(Item::as_value);
        if table.get(last).is_some_and(|it| !it.is_value()) {
            return Err(refuse(
                set,
                format!("'{}' is a table, not a value", set.key),
            ));
        }
        let mut value = typed(set, old)?;
        if let Some(old) = old {
            *value.decor_mut() = old.decor().clone();
        }
        table.insert(last, Item::Value(value));
    }
    Ok(doc.to_string())
}

/// Loads a model file with the overrides applied (networks are built unless `check_only`).
/// A refused set value is reported as `--set KEY=VALUE: message`.
pub fn load_with_sets(path: &Path, sets: &[Set], check_only: bool) -> Result<LoadedModel> {
    load_share_with_sets(path, sets, check_only, (0, 1))
}

/// [`load_with_sets`] of rank `partition.0`'s share of a network distributed over
/// `partition.1` ranks ([`memrc_io::LoadOptions::partition`]).
pub fn load_share_with_sets(
    path: &Path,
    sets: &[Set],
    check_only: bool,
    partition: (usize, usize),
) -> Result<LoadedModel> {
    let opts = crate::settings::load_options()?
        .build_networks(!check_only)
        .partition(partition.0, partition.1);
    if sets.is_empty() {
        return crate::settings::load_path_with(path, &opts);
    }
    let (text, origin) = match crate::settings::imported_text(path, &opts)? {
        Some(text) => (text, crate::settings::imported_origin(path)),
        None => (
            memrc_io::read_input_text(path, opts.input_limit)
                .map_err(|e| RunError::setting(format!("{}: {e}", path.display())))?,
            path.display().to_string(),
        ),
    };
    load_text_with_sets(&text, &origin, path.parent(), sets, &opts)
}

/// [`load_with_sets`] for the text of a model; `origin` names it in errors.
pub fn load_text_with_sets(
    text: &str,
    origin: &str,
    base: Option<&Path>,
    sets: &[Set],
    opts: &memrc_io::LoadOptions,
) -> Result<LoadedModel> {
    let load = |sets: &[Set], opts: &memrc_io::LoadOptions| {
        let edited = apply(text, sets)?;
        memrc_io::load_str_with(&edited, origin, base, opts).map_err(RunError::from)
    };
    match load(sets, opts) {
        Ok(m) => Ok(m),
        Err(RunError::Load(e)) => {
            // Which set made the file fail? The first prefix of the sets that fails.
            let quick = opts.build_networks(false);
            if load(&[], &quick).is_err() {
                return Err(RunError::Load(e));
            }
            for k in 1..=sets.len() {
                if let Err(RunError::Load(ek)) = load(&sets[..k], &quick) {
                    return Err(refuse(&sets[k - 1], ek.message));
                }
            }
            Err(RunError::Load(e))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[model]
name = "m"   # the name

[simulation]
t_end = "50 ms"   # end
max_iterations = 200

[[element]]
name = "na"
params = { gbar = "120 mS/cm^2", e_rev = "50 mV" }

[[stimulus]]
amplitude = "10 uA/cm^2"
"#;

    fn set(s: &str) -> Set {
        Set::parse(s).expect("parses")
    }

    #[test]
    fn sets_edit_in_place_and_keep_comments() {
        let out = apply(
            FILE,
            &[
                set("simulation.t_end=20ms"),
                set("element.na.params.gbar=100 mS/cm^2"),
                set("stimulus.0.amplitude=5 uA/cm^2"),
                set("simulation.max_iterations=50"),
            ],
        )
        .expect("applies");
        assert!(out.contains("t_end = \"20ms\"   # end"), "{out}");
        assert!(out.contains("gbar = \"100 mS/cm^2\""), "{out}");
        assert!(out.contains("amplitude = \"5 uA/cm^2\""), "{out}");
        assert!(out.contains("max_iterations = 50"), "{out}");
        assert!(out.contains("name = \"m\"   # the name"), "{out}");
        // Values replaced in place: every line keeps its number.
        assert_eq!(out.lines().count(), FILE.lines().count());
        // A new key is added to its table.
        let out = apply(FILE, &[set("simulation.tol=1e-6 mV")]).expect("applies");
        assert!(out.contains("tol = \"1e-6 mV\""), "{out}");
    }

    #[test]
    fn bad_paths_are_refused_with_a_hint() {
        let e = |s: &str| apply(FILE, &[set(s)]).expect_err("refused").to_string();
        assert!(
            e("element.nx.params.gbar=1")
                .contains("no [[element]] named 'nx' (did you mean 'na'?)")
        );
        assert!(e("simulaton.t_end=1ms").contains("did you mean 'simulation'"));
        assert!(e("element.gbar=1").contains("is a list of [[element]] sections"));
        assert!(e("simulation.t_end.x=1").contains("is a value, not a table"));
        assert!(e("simulation=1").contains("is a table, not a value"));
        assert!(Set::parse("novalue").is_err());
        assert!(Set::parse("a..b=1").is_err());
    }
}
