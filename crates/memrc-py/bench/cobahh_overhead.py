"""What Python adds to COBAHH: `memrc.cobahh(...)` against `memrc bench cobahh` (issue #11
target: at most 5 %).

Alternates the two, `--repeats` times each, same n, t_end, seed and threads, and compares the
medians of
  * the engine's own times, build_s + sim_s (the same code in both), and
  * the cost of the call as each user sees it: for Python the wall time of `memrc.cobahh()`
    (argument checks, build, run with the GIL released, conversion of the spike arrays); for the
    CLI its build_s + sim_s (process start-up and JSON printing excluded, which favours the CLI).
The spike counts must agree (the runs are bitwise the same).

    python crates/memrc-py/bench/cobahh_overhead.py [--n 4000] [--t-end 1] [--threads 1]
        [--repeats 5] [--memrc target/release/memrc]
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import time

import memrc

ROOT = pathlib.Path(__file__).resolve().parents[3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--t-end", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--memrc", default=str(ROOT / "target" / "release" / "memrc"))
    a = ap.parse_args()

    py_wall, py_engine, cli_engine = [], [], []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        r = memrc.cobahh(n=a.n, t_end=a.t_end, seed=a.seed, threads=a.threads)
        py_wall.append(time.perf_counter() - t0)
        py_engine.append(r.stats["build_s"] + r.stats["sim_s"])
        out = subprocess.run(
            [a.memrc, "bench", "cobahh", "--n", str(a.n), "--t-end", str(a.t_end),
             "--threads", str(a.threads), "--seed", str(a.seed)],
            capture_output=True, text=True, check=True,
        ).stdout
        cli = json.loads(out)
        cli_engine.append(cli["build_s"] + cli["sim_s"])
        assert cli["spikes"] == len(r.ids), (cli["spikes"], len(r.ids))

    med = statistics.median
    report = {
        "n": a.n,
        "t_end": a.t_end,
        "threads": a.threads,
        "repeats": a.repeats,
        "spikes": len(r.ids),
        "python_call_s": med(py_wall),
        "python_engine_s": med(py_engine),
        "cli_engine_s": med(cli_engine),
        "python_over_cli": med(py_wall) / med(cli_engine) - 1.0,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
