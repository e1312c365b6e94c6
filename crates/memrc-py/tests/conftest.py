"""Shared fixtures: the repository root and the `memrc` command-line binary, whose outputs
the Python results are compared with (bit for bit)."""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def memrc_bin():
    """The CLI: $MEMRC_BIN (.ci/run sets it; then it must exist), else target/release/memrc
    of this checkout (skipped when it was not built)."""
    given = os.environ.get("MEMRC_BIN")
    path = pathlib.Path(given) if given else ROOT / "target" / "release" / "memrc"
    if not path.is_file():
        if given:
            pytest.fail(f"MEMRC_BIN={given} does not exist")
        pytest.skip("no target/release/memrc: run `cargo build --release` first")
    return str(path)


def run_cli(memrc_bin, *args):
    """Runs the CLI; returns stdout, failing the test with stderr on a non-zero exit."""
    o = subprocess.run([memrc_bin, *args], capture_output=True, text=True)
    assert o.returncode == 0, o.stderr
    return o.stdout


def read_traces(directory):
    """`traces.csv` of `memrc element NAME`: header and columns as float64 arrays (the CSV
    has Rust's shortest round-trip numbers, so parsing them is exact)."""
    path = pathlib.Path(directory) / "traces.csv"
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header, {name: data[:, k] for k, name in enumerate(header)}


def read_summary(directory):
    with open(pathlib.Path(directory) / "summary.json") as f:
        return json.load(f)
