//! Spike output (issue #13 §3): the spike store spills to disk beyond its bound, and the writers
//! stream from it — the files of a spilled run are byte for byte those of a run held in
//! memory, and both hold the spikes of one uninterrupted engine run of the same network (the
//! reference). With the cargo feature `hdf5`, `spikes.h5` is read back with HDF5.

use std::path::{Path, PathBuf};

use memrc_run::{Format, Overrides, RunOutput, Silent, SpillSettings};

fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(file)
}

fn run(file: &str, spill: SpillSettings) -> RunOutput {
    let model = memrc_run::load(&example(file)).expect("loads");
    let ov = Overrides {
        spill,
        ..Default::default()
    };
    memrc_run::run(model, &ov, &mut Silent).expect("runs")
}

/// The spikes of `file` run in one piece by the engine: (times, ids, the run).
fn reference(file: &str) -> memrc::net::RunResult {
    let model = memrc_run::load(&example(file)).expect("loads");
    let memrc_io::ModelKind::Network(n) = &model.kind else {
        panic!("a network");
    };
    let mut net = n.builder.clone().build().expect("builds");
    net.run(n.t_end, n.threads).expect("runs")
}

fn write(out: &RunOutput, dir: &Path, formats: &[Format]) {
    let mut d = memrc_run::OutputDir::create(dir, false).expect("dir");
    memrc_run::write(out, &mut d, formats).expect("writes");
    d.commit().expect("commits");
}

/// A bound of 20 spikes: the small network's run spills at its first chunks.
fn tiny() -> SpillSettings {
    SpillSettings {
        memory: 20 * memrc_run::spikes::SPIKE_BYTES,
        dir: None,
    }
}

#[test]
fn a_spilled_run_holds_and_writes_exactly_the_spikes_of_one_held_in_memory() {
    let file = "small_network.toml";
    let held = run(file, SpillSettings::default());
    let spilled = run(file, tiny());
    let r = reference(file);
    assert!(r.spikes.ids.len() > 100, "{} spikes", r.spikes.ids.len());
    assert_eq!(held.spikes.spilled(), 0);
    assert!(
        spilled.spikes.spilled() > 0 && spilled.spikes.spilled() < spilled.spikes.len(),
        "spilled {} of {}",
        spilled.spikes.spilled(),
        spilled.spikes.len()
    );
    for out in [&held, &spilled] {
        let s = out.spikes.to_spikes().expect("reads back");
        assert_eq!(s.times, r.spikes.times);
        assert_eq!(s.ids, r.spikes.ids);
        assert_eq!(out.spikes.first_time(), r.spikes.times.first().copied());
        // Rates from the store are the engine's rates of the run holding its spikes.
        let memrc_run::SummaryBody::Network(doc) = &out.summary.body else {
            panic!("a network");
        };
        assert_eq!(doc.mean_rate_hz, r.mean_rate());
        for (p, x) in r.population_rates() {
            assert_eq!(doc.rate_hz[&p].as_f64(), Some(x), "{p}");
        }
        for ((p, binned), q) in out.rates.iter().zip(&r.populations) {
            let want = r.population_rate(&q.name, out.rate_bin).expect("known");
            assert_eq!(p, &q.name);
            assert_eq!(binned.len(), want.len());
            for (a, b) in binned.iter().zip(&want) {
                // Summed per batch: equal up to the rounding of the sums.
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{p}: {a} vs {b}");
            }
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let formats = [Format::Csv, Format::Npz, Format::Npy];
    write(&held, &tmp.path().join("held"), &formats);
    write(&spilled, &tmp.path().join("spilled"), &formats);
    for name in [
        "spikes.csv",
        "traces.npz",
        "spike_t.npy",
        "spike_id.npy",
        "spike_population.npy",
    ] {
        let a = std::fs::read(tmp.path().join("held").join(name)).expect("held file");
        let b = std::fs::read(tmp.path().join("spilled").join(name)).expect("spilled file");
        assert!(a == b, "{name} differs");
    }
    // The streamed arrays read back with ndarray-npy are the reference's spikes.
    let f = std::fs::File::open(tmp.path().join("spilled/traces.npz")).expect("npz");
    let mut npz = ndarray_npy::NpzReader::new(f).expect("an npz");
    let t: ndarray::Array1<f64> = npz.by_name("spike_t").expect("spike_t");
    let id: ndarray::Array1<u32> = npz.by_name("spike_id").expect("spike_id");
    let pop: ndarray::Array1<u16> = npz.by_name("spike_population").expect("spike_population");
    assert_eq!(t.to_vec(), r.spikes.times);
    assert_eq!(id.to_vec(), r.spikes.ids);
    for (&i, &k) in id.iter().zip(&pop) {
        let p = &r.populations[k as usize];
        assert!((p.offset..p.offset + p.size).contains(&(i as usize)));
    }
    let e: ndarray::Array2<f64> = npz.by_name("exc_v_V").expect("the recording");
    assert_eq!(e.nrows(), 3);
    let t: ndarray::Array1<f64> =
        ndarray_npy::read_npy(tmp.path().join("spilled/spike_t.npy")).expect("npy");
    assert_eq!(t.to_vec(), r.spikes.times);
    // The CSV: one line per spike after the header, population names.
    let csv = std::fs::read_to_string(tmp.path().join("spilled/spikes.csv")).expect("csv");
    assert_eq!(csv.lines().count(), r.spikes.ids.len() + 1);
    let line = csv.lines().nth(1).expect("a spike");
    let first = (r.spikes.times[0], r.spikes.ids[0]);
    let pop = if (first.1 as usize) < 80 {
        "exc"
    } else {
        "inh"
    };
    assert_eq!(line, format!("{:e},{},{pop}", first.0, first.1));
}

#[test]
fn the_spill_file_goes_where_it_is_told_and_leaves_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run(
        "small_network.toml",
        SpillSettings {
            dir: Some(tmp.path().to_path_buf()),
            ..tiny()
        },
    );
    assert!(out.spikes.spilled() > 0);
    // An anonymous file: nothing to see in the directory, nothing to clean up.
    assert_eq!(std::fs::read_dir(tmp.path()).expect("list").count(), 0);
    let missing = tmp.path().join("missing");
    let model = memrc_run::load(&example("small_network.toml")).expect("loads");
    let ov = Overrides {
        spill: SpillSettings {
            dir: Some(missing.clone()),
            ..tiny()
        },
        ..Default::default()
    };
    let e = memrc_run::run(model, &ov, &mut Silent).expect_err("no such directory");
    assert!(
        e.to_string().contains("spilling spikes") && e.to_string().contains("missing"),
        "{e}"
    );
}

#[cfg(not(feature = "hdf5"))]
#[test]
fn sonata_without_the_hdf5_feature_is_an_error_naming_the_feature() {
    let e = memrc_run::parse_formats("csv,sonata").expect_err("no HDF5 in this build");
    assert!(e.to_string().contains("feature 'hdf5'"), "{e}");
    let out = run("small_network.toml", SpillSettings::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut d = memrc_run::OutputDir::create(&tmp.path().join("o"), false).expect("dir");
    let e = memrc_run::write(&out, &mut d, &[Format::Sonata]).expect_err("refused");
    assert!(e.to_string().contains("feature 'hdf5'"), "{e}");
}

#[cfg(feature = "hdf5")]
mod sonata {
    use super::*;
    use hdf5::types::{IntSize, TypeDescriptor, VarLenAscii};

    #[test]
    fn spikes_h5_reads_back_as_the_sonata_spike_format() {
        let file = "small_network.toml";
        let r = reference(file);
        let spilled = run(file, tiny());
        assert!(memrc_run::parse_formats("sonata").is_ok());
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("o");
        write(&spilled, &dir, &[Format::Sonata]);
        let h = hdf5::File::open(dir.join("spikes.h5")).expect("an HDF5 file");
        let spikes = h.group("spikes").expect("/spikes");
        let mut names = spikes.member_names().expect("members");
        names.sort();
        assert_eq!(names, ["exc", "inh"]);
        for p in &r.populations {
            let g = spikes.group(&p.name).expect("population group");
            // sorting: the enum {none 0, by_id 1, by_time 2} over a signed 8-bit integer.
            let a = g.attr("sorting").expect("sorting");
            let TypeDescriptor::Enum(e) = a.dtype().expect("type").to_descriptor().expect("d")
            else {
                panic!("sorting is not an HDF5 enum");
            };
            assert_eq!((e.size, e.signed), (IntSize::U1, true));
            let members: Vec<(String, u64)> = e
                .members
                .iter()
                .map(|m| (m.name.clone(), m.value))
                .collect();
            assert_eq!(
                members,
                [
                    ("none".to_string(), 0),
                    ("by_id".to_string(), 1),
                    ("by_time".to_string(), 2)
                ]
            );
            let sorting: memrc_run::write::Sorting = a.read_scalar().expect("an enum value");
            assert_eq!(sorting, memrc_run::write::Sorting::by_time);
            let ts = g.dataset("timestamps").expect("timestamps");
            let units: VarLenAscii = ts.attr("units").expect("units").read_scalar().expect("s");
            assert_eq!(units.as_str(), "ms");
            let t: Vec<f64> = ts.read_raw().expect("f64");
            let ids: Vec<u64> = g.dataset("node_ids").expect("ids").read_raw().expect("u64");
            // The reference: the population's spikes in time order, in ms, local ids.
            let (want_t, want_id): (Vec<f64>, Vec<u64>) = r
                .spikes
                .times
                .iter()
                .zip(&r.spikes.ids)
                .filter(|(_, i)| (p.offset..p.offset + p.size).contains(&(**i as usize)))
                .map(|(&t, &i)| (t * 1e3, (i as usize - p.offset) as u64))
                .unzip();
            assert!(!want_t.is_empty());
            assert_eq!(t, want_t, "{}", p.name);
            assert_eq!(ids, want_id, "{}", p.name);
        }
    }

    /// A population without spikes has its group, with empty datasets (libsonata 0.2.2 reads
    /// them as no spikes).
    #[test]
    fn a_silent_population_has_empty_datasets() {
        let text = r#"
[model]
name = "silent"
[network]
dt = "0.1 ms"
t_end = "50 ms"
spikes = true
[[population]]
name = "driven"
size = 3
model = "traub-miles"
threshold = "-20 mV"
refractory = "2 ms"
[population.initial]
i_ext = "3 nA"
[[population]]
name = "quiet"
size = 2
model = "traub-miles"
threshold = "-20 mV"
refractory = "2 ms"
[population.initial]
i_ext = "-0.5 nA"                       # hyperpolarised: never fires
"#;
        let model = memrc_run::load_str(text, "silent.toml", None).expect("loads");
        let out = memrc_run::run(model, &Overrides::default(), &mut Silent).expect("runs");
        assert_eq!(out.spikes.counts()[1], 0);
        assert!(out.spikes.counts()[0] > 3);
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("o");
        write(&out, &dir, &[Format::Sonata]);
        let h = hdf5::File::open(dir.join("spikes.h5")).expect("an HDF5 file");
        let quiet = h.group("spikes/quiet").expect("the silent population");
        let t: Vec<f64> = quiet
            .dataset("timestamps")
            .expect("t")
            .read_raw()
            .expect("f64");
        let ids: Vec<u64> = quiet
            .dataset("node_ids")
            .expect("ids")
            .read_raw()
            .expect("u64");
        assert!(t.is_empty() && ids.is_empty());
        let sorting: memrc_run::write::Sorting = quiet
            .attr("sorting")
            .expect("sorting")
            .read_scalar()
            .expect("enum");
        assert_eq!(sorting, memrc_run::write::Sorting::by_time);
        let n = h
            .group("spikes/driven")
            .expect("driven")
            .dataset("node_ids")
            .expect("ids");
        assert_eq!(n.size() as u64, out.spikes.counts()[0]);
    }
}
