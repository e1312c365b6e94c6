#!/usr/bin/env bash
# COBAHH against peer simulators: memrc vs Brian2 (cpp_standalone) vs NEST.
#
#   bench/peers/run.sh [peers.py options]     e.g. --n 4000 --t-end 1 --reps 3
#   bench/peers/run.sh --scaling [options]    memrc scaling series (scaling.py)
#   bench/peers/run.sh --single-neuron        regenerate crates/memrc/tests/data/brian2_traub_single.csv
#   bench/peers/run.sh --work-precision [--quick] [options]
#                                             work-precision diagram (work_precision.py): memrc, Brian2,
#                                             NEST, NEURON against scipy references; writes
#                                             work_precision.json/.md/.png
#
# Creates bench/peers/.venv (git-ignored), installs brian2 and nest-simulator from PyPI (a tool
# that cannot be installed is reported and skipped), builds target/release/memrc and runs
# peers.py, which writes bench/peers/results.md and results.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
py="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
  "$py" -m venv "$venv" || { echo "error: cannot create a virtual environment: install python3-venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
vpy="$venv/bin/python"
"$vpy" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# Brian2 2.9 uses numpy.ndarray.ptp, removed in numpy 2.4; setuptools is needed by its
# runtime (Cython) target; a C++ compiler (g++) by cpp_standalone.
if ! "$vpy" -m pip install -q brian2 "numpy<2.4" setuptools; then
  echo "warning: could not install Brian2: run '$vpy -m pip install brian2 \"numpy<2.4\" setuptools' (and install g++); continuing without it" >&2
fi
if ! "$vpy" -m pip install -q nest-simulator; then
  echo "warning: could not install NEST: run '$vpy -m pip install nest-simulator'; continuing without it" >&2
fi
if [[ "${1:-}" == "--work-precision" ]]; then
  # NEURON (its nrnivmodl compiles bench/peers/mod/traub.mod), scipy (the references) and
  # matplotlib (the figure).
  if ! "$vpy" -m pip install -q neuron scipy matplotlib; then
    echo "warning: could not install neuron/scipy/matplotlib: run '$vpy -m pip install neuron scipy matplotlib'; continuing" >&2
  fi
fi
command -v g++ >/dev/null || echo "warning: g++ not found: Brian2 cpp_standalone needs it (Debian: apt-get install g++)" >&2

(cd "$root" && cargo build --release -q -p memrc-cli)

cd "$here"
if [[ "${1:-}" == "--work-precision" ]]; then
  shift
  exec "$vpy" work_precision.py "$@"
fi
if [[ "${1:-}" == "--single-neuron" ]]; then
  shift
  exec "$vpy" traub_single_brian2.py "$@"
fi
exec "$vpy" peers.py "$@"
