//! `mpirun -np K memrc run` (feature `mpi`, issue #13 §1): the outputs of a network run on 2
//! and 3 ranks are bitwise those of one process; errors reach the user as one line and every
//! rank exits. Needs `mpirun` (Debian's openmpi-bin); `.ci/run` installs it.
#![cfg(feature = "mpi")]

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

fn mpirun(ranks: usize, args: &[&str]) -> Output {
    Command::new("mpirun")
        .args(["--oversubscribe", "-np", &ranks.to_string()])
        .arg(env!("CARGO_BIN_EXE_memrc"))
        .args(args)
        // Open MPI refuses to run as root without these (CI containers run as root).
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("mpirun runs (install openmpi-bin)")
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

/// The summary's fields that do not depend on the machine (timings, ranks, threads).
fn stable_summary(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&read(dir, "summary.json")).expect("summary.json");
    for key in [
        "wall_time_s",
        "build_s",
        "sim_s",
        "ns_per_neuron_step",
        "ranks",
        "threads",
        "memory",
    ] {
        if let Some(o) = v.as_object_mut() {
            o.remove(key);
        }
    }
    v
}

#[test]
fn network_runs_on_2_and_3_ranks_are_bitwise_one_process() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (model, extra) in [
        ("small_network.toml", &["--seed", "3"][..]),
        ("network_inputs.toml", &[][..]),
        ("hh_gap_ring.toml", &[][..]),
        ("cobahh.toml", &["--t-end", "60ms"][..]),
    ] {
        let file = example(model);
        let one = tmp.path().join(format!("{model}-1"));
        let mut args = vec![
            "run",
            file.as_str(),
            "--format",
            "csv,npz",
            "--quiet",
            "--out",
        ];
        let one_s = one.display().to_string();
        args.push(&one_s);
        args.extend_from_slice(extra);
        let o = memrc(&args);
        assert!(o.status.success(), "{model}: {}", stderr(&o));
        for ranks in [2, 3] {
            let dir = tmp.path().join(format!("{model}-{ranks}"));
            let dir_s = dir.display().to_string();
            let last = args.len() - extra.len() - 1;
            let mut margs = args.clone();
            margs[last] = &dir_s;
            let o = mpirun(ranks, &margs);
            assert!(
                o.status.success(),
                "{model} on {ranks} ranks: {}",
                stderr(&o)
            );
            // One report, from rank 0.
            assert_eq!(stdout(&o).matches("wrote").count(), 1, "{}", stdout(&o));
            assert!(
                stdout(&o).contains(&format!("{ranks} ranks x")),
                "{}",
                stdout(&o)
            );
            for f in ["traces.npz", "traces.csv"] {
                assert!(
                    read(&one, f) == read(&dir, f),
                    "{model}: {f} differs on {ranks} ranks"
                );
            }
            if one.join("spikes.csv").exists() {
                assert!(
                    read(&one, "spikes.csv") == read(&dir, "spikes.csv"),
                    "{model}: spikes differ on {ranks} ranks"
                );
            }
            assert_eq!(stable_summary(&one), stable_summary(&dir), "{model}");
        }
    }
}

#[test]
fn errors_on_ranks_are_one_line_and_every_rank_exits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o").display().to_string();
    // A load error (every rank has it): printed once.
    let o = mpirun(2, &["run", "no-such-model.toml", "--out", &out]);
    assert!(!o.status.success());
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("no-such-model.toml"), "{err}");
    // A circuit on several ranks: refused with a reason.
    let o = mpirun(2, &["run", &example("hh_spike.toml"), "--out", &out]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("only network models run on several processes"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    // A run that fails part-way (a population driven far beyond its range): every rank stops;
    // one line; nothing written.
    let o = mpirun(
        2,
        &[
            "run",
            &example("small_network.toml"),
            "--out",
            &out,
            "--set",
            "population.exc.initial.i_ext=1e9 nA",
        ],
    );
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(!Path::new(&out).join("summary.json").exists());
}
