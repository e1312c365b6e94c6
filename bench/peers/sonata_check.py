#!/usr/bin/env python3
"""memrc's SONATA spike file (`spikes.h5`, issue #13 §3) read by h5py and by libsonata.

Runs `memrc run MODEL --format npz,sonata` (memrc built with the cargo feature `hdf5`), then
checks `spikes.h5` against the spikes of `traces.npz` (`spike_t` [s], `spike_id` global,
`spike_population`) and `summary.json` (`populations`):

- with h5py: the layout of the SONATA developer guide ("Spike file"): one group
  `/spikes/POP` per population, `timestamps` float64 in ms (attribute
  `units` = "ms"), `node_ids` uint64 population-local, and the attribute `sorting`, an HDF5
  enum over int8 with members none = 0, by_id = 1, by_time = 2, equal to by_time;
- with libsonata (BlueBrain's reader): `SpikeReader(path)` lists the populations, each
  population's `sorting` is "by_time", and `get()` returns the same (node id, time) pairs.

Usage (from the repository root):
    cargo build --release -p memrc-cli --features hdf5
    python3 -m venv bench/peers/.venv && bench/peers/.venv/bin/pip install h5py libsonata numpy
    bench/peers/.venv/bin/python bench/peers/sonata_check.py [--model M] [--t-end 200ms]
Prints one line per check; exits 1 on a mismatch, 2 when h5py or libsonata is missing.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memrc", default=str(ROOT / "target/release/memrc"))
    ap.add_argument("--model", default=str(ROOT / "examples/cobahh.toml"))
    ap.add_argument("--t-end", default="200ms")
    a = ap.parse_args()
    try:
        import h5py
    except ImportError:
        print("h5py is missing: pip install h5py", file=sys.stderr)
        return 2
    try:
        import libsonata
    except ImportError:
        print("libsonata is missing: pip install libsonata", file=sys.stderr)
        return 2

    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        subprocess.run(
            [a.memrc, "run", a.model, "--format", "npz,sonata", "--t-end", a.t_end,
             "--out", str(out), "-q"],
            check=True, stdout=subprocess.DEVNULL,
        )
        npz = np.load(out / "traces.npz")
        t, ids, pop = npz["spike_t"], npz["spike_id"], npz["spike_population"]
        populations = json.loads((out / "summary.json").read_text())["populations"]
        path = str(out / "spikes.h5")
        print(f"{len(t)} spikes of {len(populations)} populations from {a.model} ({a.t_end})")

        with h5py.File(path, "r") as f:
            groups = sorted(f["spikes"].keys())
            want = sorted(p["name"] for p in populations)
            check(groups == want, f"h5py: /spikes has the populations {want}")
            for k, p in enumerate(populations):
                if p["name"] not in f["spikes"]:
                    continue
                g = f["spikes"][p["name"]]
                sel = pop == k
                ts, ns = g["timestamps"], g["node_ids"]
                check(ts.dtype == np.float64 and ns.dtype == np.uint64,
                      f"h5py: {p['name']}: timestamps float64, node_ids uint64")
                units = ts.attrs["units"]
                units = units.decode() if isinstance(units, bytes) else str(units)
                check(units == "ms", f"h5py: {p['name']}: timestamps units = 'ms'")
                dt = g.attrs.get_id("sorting").dtype
                members = h5py.check_enum_dtype(dt)
                check(members == {"none": 0, "by_id": 1, "by_time": 2} and dt == np.int8,
                      f"h5py: {p['name']}: sorting is an enum over int8 {members}")
                check(int(g.attrs["sorting"]) == 2, f"h5py: {p['name']}: sorting = by_time")
                check(np.array_equal(ts[()], t[sel] * 1e3),
                      f"h5py: {p['name']}: timestamps = spike_t x 1e3 ({sel.sum()} spikes)")
                check(np.array_equal(ns[()], ids[sel].astype(np.uint64) - p["offset"]),
                      f"h5py: {p['name']}: node_ids = spike_id - offset")

        r = libsonata.SpikeReader(path)
        names = sorted(r.get_population_names())
        check(names == want, f"libsonata {version('libsonata')}: populations {names}")
        for k, p in enumerate(populations):
            if p["name"] not in names:
                continue
            sp = r[p["name"]]
            check(str(sp.sorting) in ("by_time", "Sorting.by_time"),
                  f"libsonata: {p['name']}: sorting = {sp.sorting}")
            got = sp.get()
            sel = pop == k
            node = np.array([x[0] for x in got], dtype=np.uint64)
            time = np.array([x[1] for x in got], dtype=np.float64)
            check(np.array_equal(node, ids[sel].astype(np.uint64) - p["offset"])
                  and np.array_equal(time, t[sel] * 1e3),
                  f"libsonata: {p['name']}: get() = the {sel.sum()} spikes (node id, ms)")
    print("all checks passed" if not failures else f"{len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
