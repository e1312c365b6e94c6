"""Runs COBAHH in memrc, Brian2 (cpp_standalone) and NEST, alternating tools, and writes a
markdown table (results.md) and the raw runs (results.json). See README.md in this folder."""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def parse():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=4000)
    p.add_argument("--t-end", type=float, default=1.0)
    p.add_argument("--reps", type=int, default=3, help="timing repetitions per tool and thread count")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--tools", default="memrc,brian2,nest")
    p.add_argument("--rate-seeds", type=int, default=5, help="seeds for the memrc vs Brian2 rate check (0: skip)")
    p.add_argument("--windows", default="0.2,0.5", help="shorter windows [s] for which rates are also stored")
    p.add_argument("--memrc", default=os.path.join(ROOT, "target", "release", "memrc"))
    p.add_argument("--out", default=os.path.join(HERE, "results.md"))
    p.add_argument("--json", default=os.path.join(HERE, "results.json"))
    p.add_argument("--rates-data", default=os.path.join(ROOT, "crates", "memrc", "tests", "data", "brian2_cobahh_rates.json"),
                   help="where to store the Brian2 rates for memrc's test ('' to skip)")
    p.add_argument("--scaling", action="store_true", help="run the memrc scaling series instead (see scaling.py)")
    p.add_argument("--skip-timing", action="store_true")
    return p.parse_args()


def run_json(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        tail = (r.stderr or "").strip().splitlines()[-3:]
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {' | '.join(tail)}")
    line = [l for l in r.stdout.strip().splitlines() if l.startswith("{")][-1]
    out = json.loads(line)
    out["wall_s"] = wall
    return out


def one(tool, a, threads, seed):
    py = sys.executable
    common = ["--n", str(a.n), "--t-end", str(a.t_end), "--threads", str(threads), "--seed", str(seed)]
    if tool == "memrc":
        return run_json([a.memrc, "bench", "cobahh"] + common)
    if tool == "brian2":
        return run_json([py, os.path.join(HERE, "cobahh_brian2.py"), "--windows", a.windows] + common)
    if tool == "nest":
        return run_json([py, os.path.join(HERE, "cobahh_nest.py")] + common)
    raise ValueError(tool)


def available(tool, a):
    if tool == "memrc":
        if not os.access(a.memrc, os.X_OK):
            return f"{a.memrc} not found: run `cargo build --release -p memrc-cli` at the repository root"
        return None
    mod = {"brian2": "brian2", "nest": "nest"}[tool]
    r = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True, text=True)
    if r.returncode != 0:
        pkg = {"brian2": "brian2", "nest": "nest-simulator"}[tool]
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return f"cannot import {mod} ({last}): install it with `pip install {pkg}` in bench/peers/.venv"
    return None


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return statistics.median(xs), min(xs), max(xs)


def fmt(s, digits=3):
    if s is None:
        return "–"
    med, lo, hi = s
    return f"{med:.{digits}g} ({lo:.{digits}g}–{hi:.{digits}g})"


def memrc_window_rates(a, seed, windows):
    """memrc rates over [0, w] for each window w, from separate runs of length w."""
    out = {}
    for w in windows:
        r = run_json([a.memrc, "bench", "cobahh", "--n", str(a.n), "--t-end", w, "--seed", str(seed), "--threads", "2"])
        out[w] = r["mean_rate_hz"]
    return out


def main():
    a = parse()
    if a.scaling:
        import scaling
        return scaling.main()
    tools = [t for t in a.tools.split(",") if t]
    missing = {}
    for t in tools:
        why = available(t, a)
        if why:
            missing[t] = why
            print(f"[peers] skipping {t}: {why}", file=sys.stderr)
    tools = [t for t in tools if t not in missing]
    threads = [int(k) for k in a.threads.split(",")]
    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = []
    cache = {}

    def go(tool, k, seed):
        key = (tool, k, seed)
        if key not in cache:
            print(f"[peers] {tool} threads={k} seed={seed} n={a.n} t_end={a.t_end} load={os.getloadavg()[0]:.2f}",
                  file=sys.stderr, flush=True)
            r = one(tool, a, k, seed)
            r["load1_before"] = os.getloadavg()[0]
            cache[key] = r
            runs.append(r)
            print(f"[peers]   sim_s={r['sim_s']:.3f} rate={r['mean_rate_hz']:.2f} Hz", file=sys.stderr, flush=True)
        return cache[key]

    # Timing: alternate tools within each repetition and thread count; seed = repetition.
    if not a.skip_timing:
        for rep in range(a.reps):
            for k in threads:
                for t in tools:
                    go(t, k, rep + 1)
    # Rates over seeds: memrc vs Brian2 (1 thread; reuses timing runs with the same seed).
    rate_tools = [t for t in ("memrc", "brian2") if t in tools]
    if a.rate_seeds:
        for s in range(1, a.rate_seeds + 1):
            for t in rate_tools:
                go(t, 1, s)
    load_after = os.getloadavg()
    windows = [w for w in a.windows.split(",") if w]

    # Table.
    L = []
    L.append(f"# COBAHH: memrc vs Brian2 vs NEST (N = {a.n}, {a.t_end:g} s, dt = 0.1 ms)\n")
    L.append(f"Generated by `bench/peers/run.sh {' '.join(sys.argv[1:])}` on {started:%Y-%m-%d %H:%M} UTC.")
    L.append(f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, {cpu_model()}, Linux {platform.release()}, "
             f"Python {platform.python_version()}.")
    L.append(f"Load average (1/5/15 min) before: {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
             f"after: {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}. Cells: median (min–max) over "
             f"{a.reps} repetitions (seeds 1..{a.reps}); times in seconds.")
    versions = {r["tool"]: r.get("version") for r in runs}
    L.append("Versions: " + ", ".join(f"{t} {v}" for t, v in sorted(versions.items())) + ".")
    for t, why in missing.items():
        L.append(f"\n**{t} skipped**: {why}")
    L.append("")
    L.append("| tool | threads | build [s] | compile [s] | sim [s] | ns/neuron-step | spikes | rate [Hz] | peak RSS [MB] |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    timing = {}
    for k in threads:
        for t in tools:
            rs = [r for r in runs if r["tool"] == t and r["threads"] == k and r["seed"] <= a.reps]
            if not rs:
                continue
            s = {f: stats([r.get(f) for r in rs]) for f in
                 ("build_s", "compile_s", "sim_s", "ns_per_neuron_step", "spikes", "mean_rate_hz", "peak_rss_mb")}
            timing[(t, k)] = s
            L.append(f"| {t} | {k} | {fmt(s['build_s'])} | {fmt(s['compile_s'])} | {fmt(s['sim_s'])} | "
                     f"{fmt(s['ns_per_neuron_step'])} | {fmt(s['spikes'], 6)} | {fmt(s['mean_rate_hz'])} | {fmt(s['peak_rss_mb'])} |")
    L.append("")
    L.append("Ratios memrc/peer (medians; < 1 means memrc is faster or smaller):\n")
    L.append("| peer | threads | build | sim | spikes | rate |")
    L.append("|---|---|---|---|---|---|")
    for k in threads:
        m = timing.get(("memrc", k))
        for t in tools:
            if t == "memrc" or m is None or (t, k) not in timing:
                continue
            q = timing[(t, k)]
            def ratio(f):
                if m[f] is None or q[f] is None or q[f][0] == 0:
                    return "–"
                return f"{m[f][0] / q[f][0]:.3g}"
            L.append(f"| {t} | {k} | {ratio('build_s')} | {ratio('sim_s')} | {ratio('spikes')} | {ratio('mean_rate_hz')} |")
    L.append("")
    L.append("build: memrc = initial values + connectivity (in-process); Brian2 = the standalone binary's wall time "
             "minus its network run (initialisation, connectivity, process start, writing results); NEST = Create + "
             "Connect + Prepare. compile: Brian2 code generation + C++ compilation (not included in build). "
             "sim: the simulation loop only. Brian2 threads = 1 is its serial code (openmp_threads = 0), 2 is OpenMP. "
             "Peak RSS: memrc and the Brian2 binary are the simulating process; NEST includes the Python interpreter.")
    # Rates.
    if a.rate_seeds and "brian2" in rate_tools and "memrc" in rate_tools:
        seeds = range(1, a.rate_seeds + 1)
        mr = [cache[("memrc", 1, s)]["mean_rate_hz"] for s in seeds]
        br = [cache[("brian2", 1, s)]["mean_rate_hz"] for s in seeds]
        mm, bm = statistics.mean(mr), statistics.mean(br)
        dev = mm / bm - 1
        L.append("")
        L.append(f"## Mean firing rate over {a.rate_seeds} seeds (N = {a.n}, {a.t_end:g} s)\n")
        L.append("| seed | memrc [Hz] | Brian2 [Hz] |")
        L.append("|---|---|---|")
        for s, x, y in zip(seeds, mr, br):
            L.append(f"| {s} | {x:.3f} | {y:.3f} |")
        L.append(f"| mean | {mm:.3f} | {bm:.3f} |")
        L.append(f"| sd | {statistics.stdev(mr):.3f} | {statistics.stdev(br):.3f} |")
        L.append("")
        verdict = "PASS" if abs(dev) <= 0.10 else "FAIL"
        L.append(f"memrc/Brian2 − 1 = {dev * 100:+.2f} % (criterion |·| ≤ 10 %: **{verdict}**). The network is chaotic "
                 "and the two tools draw different random networks for the same seed: compare rates, not spike trains.")
        nr = [r["mean_rate_hz"] for r in runs if r["tool"] == "nest"]
        if nr:
            L.append(f"NEST (timing runs, {len(nr)} runs): mean {statistics.mean(nr):.3f} Hz "
                     f"(its spike condition and initial conductances differ, see cobahh_nest.py).")
        # Shorter windows (for memrc's test suite).
        if windows:
            bw = {w: [cache[("brian2", 1, s)]["window_rates_hz"][w] for s in seeds] for w in windows}
            mw = {w: [] for w in windows}
            for s in seeds:
                for w, v in memrc_window_rates(a, s, windows).items():
                    mw[w].append(v)
            L.append("")
            L.append("Rates over shorter runs (Brian2: spikes of the same runs with t < T; memrc: runs of length T):\n")
            L.append("| T [s] | memrc mean [Hz] | Brian2 mean [Hz] | memrc/Brian2 − 1 |")
            L.append("|---|---|---|---|")
            for w in windows:
                x, y = statistics.mean(mw[w]), statistics.mean(bw[w])
                L.append(f"| {w} | {x:.3f} | {y:.3f} | {(x / y - 1) * 100:+.2f} % |")
            if a.rates_data:
                data = {
                    "generator": "bench/peers/peers.py (cobahh_brian2.py, cpp_standalone, serial, seed(s))",
                    "brian2_version": versions.get("brian2"),
                    "date": started.strftime("%Y-%m-%d"),
                    "n": a.n,
                    "dt": 1e-4,
                    "seeds": list(seeds),
                    "rates_hz": {f"{a.t_end:g}": br, **bw},
                    "memrc_rates_hz_at_generation": {f"{a.t_end:g}": mr, **mw},
                    "note": "Brian2 COBAHH (examples/COBAHH.py) mean rates over all neurons; key = run length [s]. "
                            "Rates for shorter T count spikes with Brian2 time t < T of the same runs.",
                }
                with open(a.rates_data, "w") as f:
                    json.dump(data, f, indent=1)
                    f.write("\n")
    # Keep the scaling section (scaling.py) of an earlier results file.
    scaling_block = ""
    if os.path.exists(a.out):
        old = open(a.out).read()
        i, j = old.find("<!-- scaling -->"), old.find("<!-- /scaling -->")
        if i >= 0 and j >= 0:
            scaling_block = "\n" + old[i:j + len("<!-- /scaling -->")] + "\n"
    with open(a.out, "w") as f:
        f.write("\n".join(L) + "\n\n<details><summary>raw runs (JSON)</summary>\n\n```json\n")
        for r in runs:
            f.write(json.dumps(r) + "\n")
        f.write("```\n</details>\n" + scaling_block)
    with open(a.json, "w") as f:
        json.dump({"args": vars(a), "load_before": load_before, "load_after": load_after, "runs": runs}, f, indent=1)
    print("\n".join(L))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
