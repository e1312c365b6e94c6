//! Output directories that appear whole: one run's files replace the previous run's directory
//! as a whole, never mixed with it, and never a half-written set.
//!
//! **How.** [`OutputDir::create`] makes a hidden staging directory `.NAME.tmp-PID` beside the
//! output directory `NAME`; the writers stream into it; [`OutputDir::commit`] writes the
//! manifest [`MANIFEST`] (the files of the run) and then swaps the directories: `NAME` is renamed
//! to `.NAME.old-PID`, the staging directory to `NAME`, and the old one is removed. A failure at
//! any point before the swap leaves `NAME` as it was; a failure inside it puts the old directory
//! back. A process killed part-way leaves only hidden `.NAME.tmp-PID`/`.NAME.old-PID`
//! directories, which the next run into `NAME` removes (or, if `NAME` itself is missing, puts
//! back) once process `PID` is gone.
//!
//! **Whose directory.** memrc replaces a directory only if memrc wrote everything in it: it is
//! empty, or every entry is listed in its manifest (or, for directories written before the
//! manifest existed, it holds a `summary.json` and only files with memrc's extensions). Any
//! other directory holds the user's data and is refused, unless `force`: then the files of the
//! previous run (its manifest) are removed, the user's other files are kept, and the new files
//! are moved in. `/`, and any directory that contains the working directory, are always refused.

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::{Result, RunError};

/// The manifest of an output directory: the names of the files one run wrote, one per line.
pub const MANIFEST: &str = ".memrc-files";

/// Extensions of the files memrc writes (directories written before the manifest).
const OUTPUT_EXTENSIONS: &[&str] = &["csv", "npz", "npy", "json", "svg", "png", "h5"];

/// A staged output directory (see the module documentation).
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    staging: PathBuf,
    force: bool,
    names: Vec<String>,
    committed: bool,
}

impl OutputDir {
    /// Checks that `dir` may be written, removes leftovers of dead runs beside it, and creates
    /// the staging directory.
    pub fn create(dir: &Path, force: bool) -> Result<Self> {
        let (parent, name) = split(dir)?;
        fs::create_dir_all(&parent).map_err(|e| RunError::io("creating", &parent, e))?;
        clean_leftovers(&parent, &name, dir);
        check_writable(dir, force)?;
        let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| RunError::io("removing", &staging, e))?;
        }
        fs::create_dir(&staging).map_err(|e| RunError::io("creating", &staging, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            staging,
            force,
            names: Vec::new(),
            committed: false,
        })
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The staging directory the files are written into until [`OutputDir::commit`] (on the
    /// output's file system: the place for a run's temporary files, such as spilled spikes).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The names of the files added so far, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn staged(&mut self, name: &str) -> Result<PathBuf> {
        if name.is_empty()
            || name.contains(['/', '\\'])
            || name.starts_with('.')
            || self.names.iter().any(|n| n == name)
        {
            return Err(RunError::Output(format!(
                "output file name '{name}' is empty, hidden, a path, or given twice"
            )));
        }
        self.names.push(name.to_string());
        Ok(self.staging.join(name))
    }

    /// The path in the staging directory of the file `name` of the directory, for a writer
    /// that creates the file itself (HDF5).
    pub fn staged_path(&mut self, name: &str) -> Result<PathBuf> {
        self.staged(name)
    }

    /// A buffered writer for the file `name` of the directory.
    pub fn writer(&mut self, name: &str) -> Result<BufWriter<fs::File>> {
        let path = self.staged(name)?;
        let f = fs::File::create(&path).map_err(|e| RunError::io("creating", &path, e))?;
        Ok(BufWriter::with_capacity(1 << 16, f))
    }

    /// Adds the file `name` with its bytes.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staged(name)?;
        fs::write(&path, bytes).map_err(|e| RunError::io("writing", &path, e))
    }

    /// Makes the staged files the output directory (see the module documentation); returns the
    /// names of the files written.
    pub fn commit(mut self) -> Result<Vec<String>> {
        let manifest = self.staging.join(MANIFEST);
        let mut list = self.names.join("\n");
        list.push('\n');
        fs::write(&manifest, list).map_err(|e| RunError::io("writing", &manifest, e))?;
        check_writable(&self.dir, self.force)?;
        if !self.dir.exists() {
            fs::rename(&self.staging, &self.dir)
                .map_err(|e| RunError::io("moving the outputs to", &self.dir, e))?;
        } else if owned(&self.dir)? {
            let (parent, name) = split(&self.dir)?;
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|e| RunError::io("removing", &old, e))?;
            }
            fs::rename(&self.dir, &old)
                .map_err(|e| RunError::io("moving aside the previous", &self.dir, e))?;
            if let Err(e) = fs::rename(&self.staging, &self.dir) {
                let _ = fs::rename(&old, &self.dir);
                return Err(RunError::io("moving the outputs to", &self.dir, e));
            }
            // The new run is in place; a failure to remove the old one only leaves a hidden
            // directory that the next run removes.
            let _ = fs::remove_dir_all(&old);
        } else {
            // --force into a directory with the user's files: remove the previous run's files,
            // keep the others, move ours in.
            for prev in manifest_names(&self.dir) {
                let _ = fs::remove_file(self.dir.join(prev));
            }
            let mut all = self.names.clone();
            all.push(MANIFEST.to_string());
            for n in &all {
                let to = self.dir.join(n);
                if to.is_dir() {
                    return Err(RunError::Output(format!(
                        "{} is a directory; memrc will not replace it",
                        to.display()
                    )));
                }
                fs::rename(self.staging.join(n), &to)
                    .map_err(|e| RunError::io("moving into", &to, e))?;
            }
            let _ = fs::remove_dir(&self.staging);
        }
        self.committed = true;
        Ok(std::mem::take(&mut self.names))
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The parent directory and the final name of `dir`, refusing `/` and paths without a name.
fn split(dir: &Path) -> Result<(PathBuf, String)> {
    let refuse = || {
        RunError::Output(format!(
            "refusing to write into {}: give an output directory of its own (--out runs/a)",
            dir.display()
        ))
    };
    let name = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .ok_or_else(refuse)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None => return Err(refuse()),
    };
    Ok((parent, name))
}

/// Refuses a path that is a file, `/`, a directory containing the working directory, or a
/// directory with the user's files (unless `force`).
fn check_writable(dir: &Path, force: bool) -> Result<()> {
    split(dir)?;
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(RunError::Output(format!(
            "output path {} exists and is not a directory",
            dir.display()
        )));
    }
    if let (Ok(d), Ok(cwd)) = (dir.canonicalize(), std::env::current_dir()) {
        if d.parent().is_none() || cwd.starts_with(&d) {
            return Err(RunError::Output(format!(
                "refusing to write into {}: it contains the working directory; give an output directory of its own",
                dir.display()
            )));
        }
    }
    if !force && !owned(dir)? {
        return Err(RunError::Output(format!(
            "output directory {} holds files memrc did not write (e.g. '{}'); choose another --out, or --force to write beside them",
            dir.display(),
            foreign(dir).unwrap_or_default()
        )));
    }
    Ok(())
}

/// The names listed in `dir`'s manifest.
fn manifest_names(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(MANIFEST))
        .map(|s| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.contains(['/', '\\']) && !l.starts_with('.'))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// An entry of `dir` that memrc did not write, if any.
fn foreign(dir: &Path) -> Option<String> {
    let listed = manifest_names(dir);
    let has_manifest = dir.join(MANIFEST).exists();
    let legacy = !has_manifest && dir.join("summary.json").is_file();
    let entries = fs::read_dir(dir).ok()?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == MANIFEST || stale_name(&name).is_some() {
            continue;
        }
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        let ok = if has_manifest {
            is_file && listed.contains(&name)
        } else {
            legacy
                && is_file
                && Path::new(&name)
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| OUTPUT_EXTENSIONS.contains(&x))
        };
        if !ok {
            return Some(name);
        }
    }
    None
}

/// Whether memrc wrote everything in `dir` (see the module documentation).
fn owned(dir: &Path) -> Result<bool> {
    fs::read_dir(dir).map_err(|e| RunError::io("listing", dir, e))?;
    Ok(foreign(dir).is_none())
}

/// The PID of a staging directory name `.tmp-PID` (inside an output directory, written by
/// older versions).
fn stale_name(name: &str) -> Option<u32> {
    name.strip_prefix(".tmp-")?.parse().ok()
}

/// Whether process `pid` may still be running (`/proc/PID` on Linux; elsewhere assumed so).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes `.NAME.tmp-PID` and `.NAME.old-PID` directories of dead processes beside `dir` (and
/// `.tmp-PID` inside it); puts `.NAME.old-PID` back when `dir` is missing (a run killed between
/// the two renames of its commit).
fn clean_leftovers(parent: &Path, name: &str, dir: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    for e in entries.flatten() {
        let entry = e.file_name().to_string_lossy().into_owned();
        let (pid, is_old) = match (entry.strip_prefix(&tmp), entry.strip_prefix(&old)) {
            (Some(p), _) => (p.parse::<u32>().ok(), false),
            (_, Some(p)) => (p.parse::<u32>().ok(), true),
            _ => continue,
        };
        let Some(pid) = pid.filter(|&p| !alive(p)) else {
            continue;
        };
        let path = parent.join(&entry);
        if is_old && !dir.exists() {
            let _ = fs::rename(&path, dir);
        } else {
            let _ = fs::remove_dir_all(&path);
        }
        let _ = pid;
    }
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let entry = e.file_name().to_string_lossy().into_owned();
            if stale_name(&entry).is_some_and(|p| !alive(p)) {
                let _ = fs::remove_dir_all(dir.join(&entry));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_run_replaces_the_previous_directory_whole() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b");
        let mut o = OutputDir::create(&dir, false).expect("create");
        o.add("traces.npz", b"1").expect("add");
        o.add("summary.json", b"{}").expect("add");
        o.commit().expect("commit");
        assert_eq!(names(&dir), [MANIFEST, "summary.json", "traces.npz"]);
        // The second run writes other files: nothing of the first remains.
        let mut o = OutputDir::create(&dir, false).expect("create");
        o.add("traces.csv", b"2").expect("add");
        o.add("summary.json", b"{}").expect("add");
        o.commit().expect("commit");
        assert_eq!(names(&dir), [MANIFEST, "summary.json", "traces.csv"]);
        assert_eq!(names(&tmp.path().join("a")), ["b"], "no staging left");
    }

    #[test]
    fn user_files_are_refused_unless_forced_and_then_kept() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        fs::create_dir(&dir).expect("mkdir");
        fs::write(dir.join("thesis.tex"), b"mine").expect("write");
        let e = OutputDir::create(&dir, false).expect_err("refused");
        assert!(e.to_string().contains("thesis.tex"), "{e}");
        let mut o = OutputDir::create(&dir, true).expect("forced");
        o.add("summary.json", b"{}").expect("add");
        o.commit().expect("commit");
        assert_eq!(fs::read(dir.join("thesis.tex")).expect("kept"), b"mine");
        let mut o = OutputDir::create(&dir, true).expect("forced");
        o.add("traces.csv", b"x").expect("add");
        o.commit().expect("commit");
        assert_eq!(names(&dir), [MANIFEST, "thesis.tex", "traces.csv"]);
    }

    #[test]
    fn root_files_and_the_working_directory_are_refused() {
        assert!(OutputDir::create(Path::new("/"), true).is_err());
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("f");
        fs::write(&file, b"").expect("write");
        assert!(OutputDir::create(&file, true).is_err());
        assert!(OutputDir::create(Path::new("."), true).is_err());
    }

    #[test]
    fn dropped_without_commit_leaves_nothing_and_dead_leftovers_are_removed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("out");
        {
            let mut o = OutputDir::create(&dir, false).expect("create");
            o.add("summary.json", b"{}").expect("add");
        }
        assert!(names(tmp.path()).is_empty());
        // A dead run's staging (PID 4000000000 does not exist) is removed by the next run.
        let dead = tmp.path().join(".out.tmp-4000000000");
        fs::create_dir(&dead).expect("mkdir");
        fs::write(dead.join("traces.csv"), b"x").expect("write");
        // A run killed between the renames of its commit left only .out.old-PID: put back.
        let old = tmp.path().join(".out.old-4000000001");
        fs::create_dir(&old).expect("mkdir");
        fs::write(old.join("summary.json"), b"{}").expect("write");
        let o = OutputDir::create(&dir, false).expect("create");
        drop(o);
        assert_eq!(names(tmp.path()), ["out"]);
        assert_eq!(names(&dir), ["summary.json"]);
    }
}
