#!/usr/bin/env bash
# Predicted (dry runs, `memrc bench dry-run`) against measured (`mpirun -np K memrc run`)
# simulation time of a network model on K = 1, 2, 4 ranks (issue #13 §2).
#
#   cargo build --release -p memrc-cli --features mpi
#   bench/mpi/compare.sh [MODEL] [T_END] [LATENCY]
#
# MODEL defaults to examples/cobahh.toml, T_END to 200ms, LATENCY (the interconnect latency of
# the model) to 1us, an MPI all-gather step through shared memory on one machine. Prints one
# line per K: the prediction's compute and communication per step, its simulation time, and the
# measured simulation time (summary.json's sim_s, rank 0). On a machine with fewer cores than
# ranks (K = 4 on 2 cores) the ranks share cores, which the prediction does not model.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-examples/cobahh.toml}
t_end=${2:-200ms}
latency=${3:-1us}
bin=target/release/memrc
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" bench dry-run "$model" --t-end "$t_end" --ranks 1,2,4 --latency "$latency" >"$tmp/pred.json"
for k in 1 2 4; do
  if [[ $k == 1 ]]; then
    "$bin" run "$model" --t-end "$t_end" --out "$tmp/run$k" --quiet --format csv >/dev/null
  else
    mpirun --oversubscribe -np "$k" "$bin" run "$model" --t-end "$t_end" --out "$tmp/run$k" --quiet --format csv >/dev/null
  fi
done
python3 - "$tmp" "$t_end" <<'PY'
import json, sys
tmp, t_end = sys.argv[1], sys.argv[2]
pred = json.load(open(f"{tmp}/pred.json"))
print(f"model {pred['model']}, {t_end}, latency {pred['interconnect']['latency_s']*1e6:g} us")
print("K  neurons/rank  compute/step  comm/step  predicted sim_s  measured sim_s  measured/predicted")
for p in pred["predictions"]:
    k = p["ranks"]
    s = json.load(open(f"{tmp}/run{k}/summary.json"))
    steps = s["steps"]
    predicted = steps * (p["compute_s_per_step"] + p["comm_s_per_step"])
    print(f"{k}  {p['neurons']:12d}  {p['compute_s_per_step']*1e6:9.1f} us  {p['comm_s_per_step']*1e6:6.2f} us"
          f"  {predicted:15.3f}  {s['sim_s']:14.3f}  {s['sim_s']/predicted:18.2f}")
PY
