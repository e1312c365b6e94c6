//! Output files of `memrc element NAME`: `traces.csv`, `summary.json`, and the staging that
//! makes a run appear in its output directory all at once or not at all.
//!
//! **`traces.csv`**: one header row, then one row per sample, numbers in Rust's shortest
//! round-trip exponent form (`1.5e-3`). Columns, with SI units in the names (`/` written `_per_`,
//! `^` dropped: `A/m^2` → `A_per_m2`):
//! - one-ports: `t_s, v_V, i_<I>, g_<G>, <states>`;
//! - `n`-ports: `t_s, v1_V … vn_V, i1_<I> … in_<I>, g11_<G>, g12_<G> … gnn_<G>, <states>`
//!   (ports numbered from 1; port 1 is driven, the others are held);
//!
//! where `<I>`/`<G>` are the element's current and conductance units (`A`, `S` for devices,
//! `A_per_m2`, `S_per_m2` for channel densities) and each state column is the state's name,
//! followed by `_<unit>` unless it is dimensionless. `v` is the terminal voltage; the port
//! voltage of the memristive part is `v − E` with the batteries `E` in `summary.json`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use memrc::Element;

use crate::element_drive::Run;

/// A unit as a column-name suffix: `A/m^2` → `A_per_m2`.
pub fn unit_tag(unit: &str) -> String {
    unit.replace('/', "_per_")
        .replace(['^', '*', '(', ')', ' '], "")
}

/// The CSV header columns for `el`.
pub fn csv_header(el: &dyn Element) -> Vec<String> {
    let info = el.info();
    let (i_u, g_u) = (unit_tag(info.current_unit), unit_tag(info.conductance_unit));
    let n = el.n_ports();
    let mut cols = vec!["t_s".to_string()];
    if n == 1 {
        cols.extend(["v_V".to_string(), format!("i_{i_u}"), format!("g_{g_u}")]);
    } else {
        cols.extend((1..=n).map(|p| format!("v{p}_V")));
        cols.extend((1..=n).map(|p| format!("i{p}_{i_u}")));
        for r in 1..=n {
            cols.extend((1..=n).map(|c| format!("g{r}{c}_{g_u}")));
        }
    }
    let units: Vec<&str> = info.states.iter().map(|s| s.unit).collect();
    for (j, name) in el.state_names().into_iter().enumerate() {
        match units.get(j) {
            Some(&u) if u != "1" && !u.is_empty() => cols.push(format!("{name}_{}", unit_tag(u))),
            _ => cols.push(name),
        }
    }
    cols
}

/// The whole `traces.csv` text.
pub fn csv_text(el: &dyn Element, run: &Run) -> String {
    let header = csv_header(el);
    let ns = el.n_states();
    let grid = run.v.grid();
    let mut out = String::with_capacity(grid.len() * header.len() * 16);
    out.push_str(&header.join(","));
    out.push('\n');
    for k in 0..grid.len() {
        let _ = write!(out, "{:e}", grid.time(k));
        let r = &run.response;
        let states = if ns > 0 { r.x.at(k) } else { &[][..] };
        for x in run
            .v
            .at(k)
            .iter()
            .chain(r.i.at(k))
            .chain(r.g.at(k))
            .chain(states)
        {
            let _ = write!(out, ",{x:e}");
        }
        out.push('\n');
    }
    out
}

/// Files staged for one output directory.
#[derive(Debug)]
pub struct Staged {
    files: Vec<(String, Vec<u8>)>,
}

impl Staged {
    /// An empty set.
    pub fn new() -> Self {
        Self { files: Vec::new() }
    }

    /// Adds a file (its name inside the output directory).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }

    /// Writes every file into `dir`.
    ///
    /// If `dir` does not exist, the files are written into a fresh sibling directory
    /// `.<name>.tmp-<pid>` which is then renamed to `dir` (the whole directory appears at once).
    /// If `dir` exists, they are written into `dir/.tmp-<pid>` and then renamed into `dir` one by
    /// one in the order they were added (put the file that marks a complete run last). On any
    /// failure the staging directory is removed and `dir` is left as it was.
    pub fn commit(self, dir: &Path) -> Result<()> {
        let pid = std::process::id();
        if dir.exists() && !dir.is_dir() {
            bail!(
                "output path {} exists and is not a directory",
                dir.display()
            );
        }
        let fresh = !dir.exists();
        let staging = if fresh {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            fs::create_dir_all(&parent)
                .with_context(|| format!("creating {}", parent.display()))?;
            let name = dir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "out".into());
            parent.join(format!(".{name}.tmp-{pid}"))
        } else {
            dir.join(format!(".tmp-{pid}"))
        };
        let result = self.write_into(&staging).and_then(|()| {
            if fresh {
                fs::rename(&staging, dir)
                    .with_context(|| format!("moving {} to {}", staging.display(), dir.display()))
            } else {
                for (name, _) in &self.files {
                    fs::rename(staging.join(name), dir.join(name))
                        .with_context(|| format!("moving {name} into {}", dir.display()))?;
                }
                fs::remove_dir(&staging).with_context(|| format!("removing {}", staging.display()))
            }
        });
        if result.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        result
    }

    fn write_into(&self, staging: &Path) -> Result<()> {
        if staging.exists() {
            fs::remove_dir_all(staging)
                .with_context(|| format!("removing stale {}", staging.display()))?;
        }
        fs::create_dir(staging).with_context(|| format!("creating {}", staging.display()))?;
        for (name, bytes) in &self.files {
            let path = staging.join(name);
            fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }
}

impl Default for Staged {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_tags() {
        assert_eq!(unit_tag("A"), "A");
        assert_eq!(unit_tag("A/m^2"), "A_per_m2");
        assert_eq!(unit_tag("S/m^2"), "S_per_m2");
    }

    #[test]
    fn staging_into_new_and_existing_directories() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b");
        let mut s = Staged::new();
        s.add("x.txt", b"1".to_vec());
        s.add("y.txt", b"2".to_vec());
        s.commit(&dir).expect("commit");
        assert_eq!(fs::read(dir.join("y.txt")).expect("written"), b"2");
        // Into an existing directory: other files stay, ours are replaced, no staging left.
        fs::write(dir.join("keep.txt"), b"k").expect("write");
        let mut s = Staged::new();
        s.add("x.txt", b"3".to_vec());
        s.commit(&dir).expect("commit");
        assert_eq!(fs::read(dir.join("x.txt")).expect("written"), b"3");
        assert!(dir.join("keep.txt").exists());
        let names: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        // A file in the way of the directory is an error and nothing is written.
        let file = tmp.path().join("f");
        fs::write(&file, b"").expect("write");
        assert!(Staged::new().commit(&file).is_err());
    }
}
