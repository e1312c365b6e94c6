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
use std::path::Path;

use anyhow::Result;
use memrc::Element;

use memrc_run::element::Run;

pub use memrc_run::traces::unit_tag;

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

/// Files gathered in memory for one output directory (figures, and the small outputs of
/// `memrc element` and the paper examples), written through [`memrc_run::OutputDir`]: the
/// directory appears whole and replaces the previous run's.
#[derive(Debug, Default)]
pub struct Staged {
    files: Vec<(String, Vec<u8>)>,
}

impl Staged {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file (its name inside the output directory).
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }

    /// Adds the files to a staged output directory.
    pub fn stage_into(self, dir: &mut memrc_run::OutputDir) -> Result<()> {
        for (name, bytes) in self.files {
            dir.add(&name, &bytes)?;
        }
        Ok(())
    }

    /// Writes every file into `dir`, which appears whole (see [`memrc_run::OutputDir`]).
    pub fn commit(self, dir: &Path) -> Result<()> {
        let mut out = memrc_run::OutputDir::create(dir, false)?;
        self.stage_into(&mut out)?;
        out.commit()?;
        Ok(())
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
    fn staged_files_replace_the_directory() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b");
        let mut s = Staged::new();
        s.add("x.txt", b"1".to_vec());
        s.add("y.txt", b"2".to_vec());
        s.commit(&dir).expect("commit");
        assert_eq!(std::fs::read(dir.join("y.txt")).expect("written"), b"2");
        let mut s = Staged::new();
        s.add("x.txt", b"3".to_vec());
        s.commit(&dir).expect("commit");
        assert_eq!(std::fs::read(dir.join("x.txt")).expect("written"), b"3");
        assert!(
            !dir.join("y.txt").exists(),
            "the previous run's files are gone"
        );
        // A file in the way of the directory is an error.
        let file = tmp.path().join("f");
        std::fs::write(&file, b"").expect("write");
        assert!(Staged::new().commit(&file).is_err());
    }
}
