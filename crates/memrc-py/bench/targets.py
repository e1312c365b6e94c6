"""The Python targets of issue #11 on model files, measured:

1. Example 4 (`memrc.example("hh-spike").run()`): wall time of the call, median of
   `--repeats` (target <= 20 ms).
2. COBAHH from its model file (`memrc.example("cobahh").run(t_end=1 s)`) against `memrc run
   examples/cobahh.toml --t-end 1s --format npz` on the same threads: the engine's time
   (summary build_s + sim_s) and the wall time of the Python call against the CLI process
   (target: Python adds <= 5 %); the spike counts must agree.
3. A 50-point sweep (`hh_step` over 50 currents, 1 s each): wall time against the sum of the runs'
   CPU time divided by the cores (target <= 1.2).

    python crates/memrc-py/bench/targets.py [--repeats 5] [--memrc target/release/memrc]
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import memrc

ROOT = pathlib.Path(__file__).resolve().parents[3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--memrc", default=str(ROOT / "target" / "release" / "memrc"))
    a = ap.parse_args()
    out = {}

    # 1. Example 4.
    m = memrc.example("hh-spike")
    m.run()
    times = []
    for _ in range(max(a.repeats, 5)):
        t0 = time.perf_counter()
        m.run()
        times.append(time.perf_counter() - t0)
    out["example4_ms"] = 1e3 * statistics.median(times)

    # 2. COBAHH, 1 s, from the model file.
    cob = memrc.example("cobahh")
    py_wall, py_engine, cli_wall, cli_engine, spikes = [], [], [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.repeats):
            t0 = time.perf_counter()
            r = cob.run(t_end="1 s", threads=a.threads)
            py_wall.append(time.perf_counter() - t0)
            py_engine.append(r.summary["build_s"] + r.summary["sim_s"])
            spikes.add(len(r.spikes))
            d = os.path.join(tmp, f"c{k}")
            t0 = time.perf_counter()
            subprocess.run([a.memrc, "run", str(ROOT / "examples" / "cobahh.toml"), "--t-end",
                            "1s", "--threads", str(a.threads), "--out", d, "-q", "--format",
                            "npz"], check=True, capture_output=True)
            cli_wall.append(time.perf_counter() - t0)
            s = json.load(open(os.path.join(d, "summary.json")))
            cli_engine.append(s["build_s"] + s["sim_s"])
            spikes.add(s["spikes"])
    assert len(spikes) == 1, f"spike counts differ: {spikes}"
    out["cobahh_engine_ratio"] = statistics.median(py_engine) / statistics.median(cli_engine)
    out["cobahh_wall_python_s"] = statistics.median(py_wall)
    out["cobahh_wall_cli_s"] = statistics.median(cli_wall)
    out["cobahh_wall_ratio"] = out["cobahh_wall_python_s"] / out["cobahh_wall_cli_s"]

    # 3. A 50-point sweep: wall time against CPU time / cores.
    step = memrc.example("hh-step")
    cores = os.cpu_count() or 1
    t0, c0 = time.perf_counter(), time.process_time()
    s = step.sweep({"stimulus.0.amplitude": "linspace(0, 20, 50) uA/cm^2"}, t_end="1 s",
                   jobs=cores)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out["sweep_runs"] = len(s["points"])
    out["sweep_wall_s"] = wall
    out["sweep_cpu_s"] = cpu
    out["sweep_cores"] = cores
    out["sweep_efficiency_ratio"] = wall / (cpu / cores)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
