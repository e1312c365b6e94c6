"""Work-precision diagram: memrc and its peers (Brian2, NEST, NEURON), each scheme and knob side
by side on this machine, 1 thread, against references computed by scipy. Writes
work_precision.json (every point), work_precision.md (tables) and work_precision.png
(log-log cost against error). Run it through `bench/peers/run.sh --work-precision [options]`
(which makes the virtual environment); README.md in this folder says what is measured.

P1  4000 uncoupled Traub–Miles neurons (the COBAHH neuron), constant currents in 40 levels
    spread evenly over 0.3–1.0 nA (population k of 100 neurons gets level k), 500 ms, v0 = −65 mV,
    gates at steady state. Error: max spike-time error on the first neuron of each level (40
    neurons) against scipy DOP853 at rtol = atol = 1e-12 on the same equations (wp_models.py);
    the k-th spike is compared with the k-th reference spike and a missing or extra spike is a
    failure (counted). Spike times are the tools' own: the 0 mV up-crossing as each tool reports
    it (memrc, NEURON fixed steps: grid stamps at the end of the step, Brian2 at its start;
    NEURON CVODE: located by CVODE), and for
    NEST its grid stamp of the voltage peak, measured against the reference's peak times.
P2  The classic HH neuron (6.3 °C, E_l −54.387 mV) under a current step at t = 0 from rest
    (−65 mV, gates at steady state), 40 levels over 1.6–4 nA (8–20 uA/cm^2), 200 ms; error as
    in P1. memrc `hh`, NEURON `hh` (usetable off) with CVODE too, Brian2.
P3  COBAHH (examples/cobahh.toml, 4000 neurons, 1 s): mean rate and mean CV of the ISIs per
    population against a converged memrc run (the smallest dt of the most accurate scheme
    that the binary accepts); error = max over the populations of |rate − converged|/converged.

Cost: loop time in ns per neuron per simulated ms: memrc `sim_s` of summary.json; Brian2 its
own timing of the run (cpp_standalone, serial); NEST the wall time of nest.Run; NEURON of
continuerun. Expensive knobs of the peers simulate fewer neurons (the `n` of each point, at
least 400, the 40 measured ones among them) so that a run stays within --budget seconds; memrc
always runs --n.
"""

import argparse
import datetime
import glob
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import wp_models as M
from peers import cpu_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(HERE, ".cache")

# ------------------------------------------------------------------------------ knobs (data)
# memrc's network schemes: `[network] method` (and `rtol`). A method the binary refuses is
# skipped with its message. A method named here that is not "exp-euler" needs the network
# engine that has it.
MEMRC_METHODS = [
    {"method": "exp-euler", "dt": [0.1, 0.05, 0.02, 0.01, 0.005]},
    {"method": "exp2", "dt": [0.1, 0.05, 0.02, 0.01, 0.005]},
    {"method": "dopri5", "dt": [0.1], "rtol": [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9]},
    {"method": "rk23", "dt": [0.1], "rtol": [1e-2, 1e-3, 1e-4, 1e-5]},
]
MEMRC_METHODS_QUICK = [
    {"method": "exp-euler", "dt": [0.1, 0.02, 0.005]},
    {"method": "exp2", "dt": [0.1, 0.02]},
    {"method": "dopri5", "dt": [0.1], "rtol": [1e-4, 1e-7]},
]
# Peers: (scheme, knob name, values).
PEERS = {
    "brian2": [("exponential_euler", "dt", [0.1, 0.05, 0.02, 0.01]), ("rk4", "dt", [0.1, 0.05, 0.02, 0.01])],
    "nest": [("rkf45", "resolution", [0.1, 0.05, 0.01])],
    "neuron": [("be", "dt", [0.1, 0.05, 0.01]), ("cn", "dt", [0.025]),
               ("cvode", "atol", [1e-3, 1e-4, 1e-5, 1e-6])],
}
PEERS_QUICK = {
    "brian2": [("exponential_euler", "dt", [0.1]), ("rk4", "dt", [0.05, 0.01])],
    "nest": [("rkf45", "resolution", [0.1])],
    "neuron": [("be", "dt", [0.05]), ("cn", "dt", [0.025]), ("cvode", "atol", [1e-4])],
}
# P3: the memrc schemes on COBAHH (the converged run is the smallest dt of the most accurate
# scheme that runs; its error is 0 by definition and it is not a point of the figure).
P3_METHODS = [
    {"method": "exp-euler", "dt": [0.1, 0.05, 0.02, 0.01, 0.005]},
    {"method": "exp2", "dt": [0.1, 0.05, 0.02, 0.01]},
    {"method": "dopri5", "dt": [0.1], "rtol": [1e-4, 1e-6, 1e-8]},
]
P3_METHODS_QUICK = [
    {"method": "exp-euler", "dt": [0.1, 0.02, 0.01]},
    {"method": "exp2", "dt": [0.1, 0.01]},
    {"method": "dopri5", "dt": [0.1], "rtol": [1e-4, 1e-7]},
]
ACCURACY_RANK = {"dopri5": 4, "rk23": 3, "exp2": 2, "exp-euler": 1}

# Rough cost of each peer and scheme [ns per neuron per simulated ms] at the knob value given
# (from docs/numerics.md "Work-precision of the peers"), only to choose how many neurons an
# expensive run simulates; the measured cost is what is reported.
PRIOR = {
    ("brian2", "exponential_euler"): (1100, "dt", 0.1), ("brian2", "rk4"): (2400, "dt", 0.1),
    ("nest", "rkf45"): (6300, "resolution", 0.1),
    ("neuron", "be"): (3000, "dt", 0.1), ("neuron", "cn"): (3000, "dt", 0.1),
    ("neuron", "cvode"): (1.2e5, "atol", 1e-4),
}

PROBLEMS = {
    "P1": dict(model="traub", i_lo=0.3, i_hi=1.0, t_end=500.0, t_end_quick=200.0,
               title="P1: 4000 uncoupled Traub–Miles neurons, 0.3–1.0 nA"),
    "P2": dict(model="hh", i_lo=1.6, i_hi=4.0, t_end=200.0, t_end_quick=100.0,
               title="P2: classic HH (6.3 °C) under a current step, 1.6–4 nA"),
}
LEVELS = 40
# Steps [ms] on which the reference is also sampled: the floor of trace_crossings/trace_peaks.
GRID_DTS = [0.1, 0.05, 0.025, 0.02, 0.01, 0.005]
THRESHOLD_MV = 0.0
REFRACTORY_MS = 3.0


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer knobs, shorter runs, fewer neurons (≈ 5 min)")
    p.add_argument("--problems", default="P1,P2,P3")
    p.add_argument("--tools", default="memrc,brian2,nest,neuron")
    p.add_argument("--n", type=int, default=None, help="neurons per run (default 4000, quick 2000)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds one run may simulate: costlier knobs use fewer neurons (default 20, quick 5)")
    p.add_argument("--memrc", default=os.path.join(ROOT, "target", "release", "memrc"))
    p.add_argument("--ref-rtol", type=float, default=1e-12)
    p.add_argument("--ref-check", type=float, default=1e-10,
                   help="a second reference at this rtol; their difference is reported (0: skip)")
    p.add_argument("--out", default=os.path.join(HERE, "work_precision"),
                   help="output prefix (.json, .md, .png)")
    p.add_argument("--replot", action="store_true", help="only rewrite the .md and .png from the .json")
    p.add_argument("--merge", action="store_true",
                   help="keep the points of the problems and tools not run now from the existing .json")
    return p.parse_args()


def log(*a):
    print("[wp]", *a, file=sys.stderr, flush=True)


def fmt_knob(v):
    return f"{v:g}"


# ------------------------------------------------------------------------------ reference
def reference(model, currents, t_end, rtol, atol=1e-12):
    """Up-crossings of 0 mV and voltage peaks (dv/dt = 0 from above, v > −33 mV = NEST's
    V_T + 30 mV for traub) of each neuron [ms], by scipy's DOP853 on the stacked system,
    located by brentq on its dense output. Cached in .cache/ (a longer cached run is cut)."""
    from scipy.integrate import DOP853
    from scipy.optimize import brentq
    currents = [float(x) for x in currents]
    key = hashlib.sha1(json.dumps([model, currents, rtol, atol, GRID_DTS, 2]).encode()).hexdigest()[:16]
    os.makedirs(CACHE, exist_ok=True)
    for f in glob.glob(os.path.join(CACHE, f"ref_{key}_*.json")):
        d = json.load(open(f))
        if d["t_end"] >= t_end:
            return ([[t for t in u if t < t_end] for u in d["up"]],
                    [[t for t in u if t < t_end] for u in d["peak"]], d)
    log(f"reference: {model}, {len(currents)} neurons, {t_end:g} ms, DOP853 rtol {rtol:g} (takes a minute)")
    t0 = time.perf_counter()
    cur = np.asarray(currents)
    k = len(cur)
    g = M.steady_gates(model, -65.0)
    y0 = np.concatenate([np.full(k, -65.0)] + [np.full(k, x) for x in g])

    def f(t, y):
        return M.rhs(model, y, cur)

    s = DOP853(f, 0.0, y0, t_end, rtol=rtol, atol=atol, first_step=1e-4)
    up = [[] for _ in range(k)]
    pk = [[] for _ in range(k)]
    vold = y0[:k].copy()
    dvold = f(0.0, y0)[:k]
    steps = 0
    # v sampled on the grids of the fixed-step knobs, for the floor of trace interpolation.
    grids = {h: [y0[:k].copy()] for h in GRID_DTS}
    gnext = {h: 1 for h in GRID_DTS}
    while s.status == "running":
        ta = s.t
        s.step()
        steps += 1
        tb = s.t
        dense = None
        for hh in GRID_DTS:
            j1 = int(np.floor(min(tb, t_end - 0.5 * hh) / hh + 1e-9))
            if j1 >= gnext[hh]:
                dense = dense or s.dense_output()
                ts = np.arange(gnext[hh], j1 + 1) * hh
                grids[hh].extend(np.atleast_2d(dense(ts).T)[:, :k])
                gnext[hh] = j1 + 1
        v = s.y[:k].copy()
        dv = f(tb, s.y)[:k]
        cr = np.nonzero((vold < 0) & (v >= 0))[0]
        pp = np.nonzero((dvold > 0) & (dv <= 0) & (np.maximum(v, vold) > -33.0))[0]
        if len(cr) or len(pp):
            d = dense or s.dense_output()
            for i in cr:
                up[i].append(brentq(lambda t: d(t)[i], ta, tb, xtol=1e-14, rtol=1e-15))
            for i in pp:
                pk[i].append(brentq(lambda t: f(t, d(t))[i], ta, tb, xtol=1e-14, rtol=1e-15))
        vold, dvold = v, dv
    if s.status != "finished":
        raise RuntimeError(f"DOP853 failed: {s.status}")
    floor = {}
    for hh in GRID_DTS:
        vv = np.asarray(grids[hh])
        tt = np.arange(len(vv)) * hh
        fu = compare([trace_crossings(tt, vv[:, i]) for i in range(k)], up, tt[-1])
        fp = compare([trace_peaks(tt, vv[:, i]) for i in range(k)], pk, tt[-1] - hh)
        floor[f"{hh:g}"] = {"up": fu[0], "up_failures": fu[1], "peak": fp[0], "peak_failures": fp[1]}
    d = {"model": model, "currents": currents, "t_end": t_end, "rtol": rtol, "atol": atol,
         "steps": steps, "seconds": time.perf_counter() - t0, "up": up, "peak": pk, "floor": floor}
    with open(os.path.join(CACHE, f"ref_{key}_{t_end:g}.json"), "w") as fh:
        json.dump(d, fh)
    log(f"reference done: {steps} steps in {d['seconds']:.1f} s")
    return up, pk, d


def _cubic_root(tt, vv, lo, hi, deriv=False):
    """A root in [lo, hi] of the cubic through the points (tt, vv) (or of its derivative)."""
    if not (np.all(np.isfinite(vv)) and np.all(np.isfinite(tt))):
        return None
    c = np.polyfit(tt - lo, vv, len(tt) - 1)
    if deriv:
        c = np.polyder(c)
    r = np.roots(c)
    r = r[np.abs(r.imag) < 1e-12].real
    r = r[(r >= -1e-12) & (r <= hi - lo + 1e-12)]
    return lo + float(r[0]) if len(r) else None


def trace_crossings(t, v, thr=THRESHOLD_MV):
    """Up-crossings of thr [ms] located in a sampled trace by the cubic through the two samples
    on each side (interpolation error O(dt⁴)); linear at the ends of the trace."""
    t = np.asarray(t)
    v = np.asarray(v)
    out = []
    for j in np.nonzero((v[:-1] < thr) & (v[1:] >= thr))[0]:
        x = None
        if 1 <= j and j + 2 < len(v):
            x = _cubic_root(t[j - 1:j + 3], v[j - 1:j + 3] - thr, t[j], t[j + 1])
        if x is None:
            x = t[j] + (thr - v[j]) * (t[j + 1] - t[j]) / (v[j + 1] - v[j])
        if np.isfinite(x):
            out.append(float(x))
    return out


def trace_peaks(t, v, vmin=-33.0):
    """Local maxima above vmin [ms] of a sampled trace: the stationary point of the cubic through
    the samples around the largest one."""
    t = np.asarray(t)
    v = np.asarray(v)
    out = []
    for j in np.nonzero((v[1:-1] >= v[:-2]) & (v[1:-1] > v[2:]) & (v[1:-1] > vmin))[0] + 1:
        x = None
        if j >= 2 and j + 2 < len(v):
            a0 = j - 1 if v[j + 1] >= v[j - 1] else j - 2
            x = _cubic_root(t[a0:a0 + 4], v[a0:a0 + 4], t[j - 1], t[j + 1], deriv=True)
        out.append(t[j] if x is None else x)
    return out


def compare(tool_spikes, ref, t_max=None):
    """Max |t_k − t_k^ref| over the spikes both have [ms], and the number of missing or extra
    spikes (summed over the neurons). t_max: the reference's spikes from t_max on are dropped
    (those the tool cannot report before the end of its run or trace)."""
    if t_max is not None:
        ref = [[t for t in r if t < t_max] for r in ref]
    err, fails, matched = 0.0, 0, 0
    for s, r in zip(tool_spikes, ref):
        k = min(len(s), len(r))
        if k:
            err = max(err, float(np.max(np.abs(np.asarray(s[:k]) - np.asarray(r[:k])))))
        matched += k
        fails += abs(len(s) - len(r))
    return err, fails, matched


# ------------------------------------------------------------------------------ layout
def layout(n):
    """Neurons in LEVELS blocks of n/LEVELS; the first of each block is measured."""
    size = max(1, n // LEVELS)
    return size, [k * size for k in range(LEVELS)]


def levels(pr):
    return [pr["i_lo"] + (pr["i_hi"] - pr["i_lo"]) * k / (LEVELS - 1) for k in range(LEVELS)]


def neurons_for(tool, scheme, knob, value, t_end, a):
    """How many neurons a run simulates: a.n, or fewer (a multiple of 40, ≥ 400) when the prior
    cost says the run would take longer than a.budget seconds."""
    c, kn, v0 = PRIOR.get((tool, scheme), (3000, knob, value))
    if kn in ("dt", "resolution"):
        est = c * (v0 / value)
    else:  # tolerances: about ×2 per decade
        est = c * 2.0 ** (np.log10(v0 / value))
    n = int(a.budget * 1e9 / (est * t_end) // LEVELS * LEVELS)
    return max(min(a.n, n), min(a.n, 10 * LEVELS))


def run_json(cmd, timeout=1800):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        tail = " | ".join((r.stderr or "").strip().splitlines()[-4:])
        raise RuntimeError(f"exit {r.returncode}: {tail}")
    line = [l for l in r.stdout.strip().splitlines() if l.startswith("{")][-1]
    return json.loads(line)


# ------------------------------------------------------------------------------ memrc
def memrc_network_lines(method, dt, rtol, key):
    lines = [f'dt = "{dt!r} ms"', "threads = 1"]
    if method is not None:
        lines.append(f'{key} = "{method}"')
    if rtol is not None:
        lines.append(f"rtol = {rtol!r}")
    return lines


def memrc_toml(pr, n, t_end, method, dt, rtol, key):
    model = pr["model"]
    size, _ = layout(n)
    g = M.steady_gates(model, -65.0)
    L = ["[model]", 'name = "wp"', "", "[network]"] + memrc_network_lines(method, dt, rtol, key)
    L += [f't_end = "{t_end!r} ms"', "", "[output]", "plots = false", ""]
    mname = {"traub": "traub-miles", "hh": "hh"}[model]
    for k, i in enumerate(levels(pr)):
        L += ["[[population]]", f'name = "l{k}"', f"size = {size}", f'model = "{mname}"',
              f'threshold = "{THRESHOLD_MV!r} mV"', f'refractory = "{REFRACTORY_MS!r} ms"',
              "[population.initial]", 'v = "-65 mV"', f"m = {g[0]!r}", f"h = {g[1]!r}", f"n = {g[2]!r}",
              f'i_ext = "{i!r} nA"', ""]
    for k in range(LEVELS):  # v of the measured neuron of each level, every step
        L += ["[[recording]]", f'population = "l{k}"', 'variables = ["v"]', "neurons = [0]",
              f'every = "{dt!r} ms"', ""]
    return "\n".join(L)


class MemrcRefused(Exception):
    pass


def memrc_exec(a, text):
    """Runs `memrc run` on a model text; returns (summary, spikes array [t_s, id], traces)."""
    d = tempfile.mkdtemp(prefix="memrc_wp_")
    try:
        path = os.path.join(d, "m.toml")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([a.memrc, "run", path, "--out", os.path.join(d, "out"), "-q"],
                           capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            msg = (r.stderr or r.stdout).strip()
            msg = msg.splitlines()[0] if msg else f"exit {r.returncode}"
            raise MemrcRefused(re.sub(r"^error: \S*m\.toml:(\d+:\d+: )?", "", msg))
        summ = json.load(open(os.path.join(d, "out", "summary.json")))
        z = np.load(os.path.join(d, "out", "traces.npz"))
        sp = np.column_stack([z["spike_t"], z["spike_id"].astype(float)])
        tr = {k: z[k] for k in z.files if k not in ("spike_t", "spike_id")}
        return summ, sp, tr
    finally:
        shutil.rmtree(d, ignore_errors=True)


# The `[network]` key that names the scheme: the first of these that the binary knows.
SCHEME_KEYS = ["solver", "method"]
_scheme_key = {}


def memrc_run(a, text_for, method):
    """Runs memrc on text_for(method, key) with the first scheme key the binary knows; for
    exp-euler on a binary that knows none, again without it (its only scheme). Raises
    MemrcRefused (with the binary's message) when the binary refuses the method."""
    keys = [_scheme_key["key"]] if "key" in _scheme_key else SCHEME_KEYS
    last = None
    for k in keys:
        try:
            r = memrc_exec(a, text_for(method, k))
            _scheme_key["key"] = k
            return r, None
        except MemrcRefused as e:
            last = e
            if not re.search(rf"unknown key '({re.escape(k)}|rtol)'", str(e)):
                raise
    if method == "exp-euler":
        return memrc_exec(a, text_for(None, None)), "binary without a [network] scheme key: its exponential Euler"
    raise MemrcRefused(f"the binary knows none of the [network] keys {', '.join(SCHEME_KEYS)} (last: {last})")


def trace_error(t, vs, ref, floor, dt, peaks=False):
    """The spike-time error of the tool's own voltage samples (v of the 40 measured neurons at
    the times t [ms]), crossings (or peaks) located by cubic interpolation, with the floor of that
    interpolation on the same grid (the reference sampled on it)."""
    f = trace_peaks if peaks else trace_crossings
    with np.errstate(all="ignore"):
        e, fl, _ = compare([f(t, v) for v in vs], ref, t[-1] - (dt if peaks and dt else 0))
    fk = floor.get(f"{dt:g}") if dt else None
    return {"trace_error": e, "trace_failures": fl,
            "trace_floor": (fk["peak" if peaks else "up"] if fk else None)}


def memrc_points(a, pname, pr, t_end, ref_up, floor, methods, skipped, versions):
    pts = []
    for m in methods:
        method = m["method"]
        knobs = [("rtol", r, m["dt"][0]) for r in m["rtol"]] if "rtol" in m else [("dt", d, d) for d in m["dt"]]
        for kname, kval, dt in knobs:
            rtol = kval if kname == "rtol" else None
            # always a.n: memrc runs its populations (here 40 of n/40) in blocks, and smaller
            # populations would cost more per neuron; its costliest knob takes ≈ 20 s
            n = a.n
            size, measured = layout(n)
            n = size * LEVELS
            log(f"{pname} memrc {method} {kname}={kval:g} n={n} load={os.getloadavg()[0]:.2f}")
            load = os.getloadavg()[0]
            try:
                (summ, sp, tr), note = memrc_run(
                    a, lambda mm, key: memrc_toml(pr, n, t_end, mm, dt, rtol, key), method)
            except MemrcRefused as e:
                msg = f"memrc refuses method '{method}': {e}"
                log("skip:", msg)
                skipped.append({"problem": pname, "tool": "memrc", "scheme": method, "why": msg})
                break
            versions.setdefault("memrc", memrc_version(a))
            spikes = [sorted((sp[sp[:, 1] == i, 0] * 1e3).tolist()) for i in measured]
            err, fails, matched = compare(spikes, ref_up)
            tt = tr["t"] * 1e3
            vv = [tr[f"l{k}.v[0]_V"] * 1e3 for k in range(LEVELS)]
            pts.append(point(pname, "memrc", method, kname, kval, n, t_end, summ["sim_s"], err, fails, matched,
                             load, note, dt=dt, **trace_error(tt, vv, ref_up, floor, dt)))
    return pts


def memrc_version(a):
    try:
        return subprocess.run([a.memrc, "--version"], capture_output=True, text=True).stdout.split()[-1]
    except Exception:  # noqa: BLE001
        return "?"


def point(problem, tool, scheme, kname, kval, n, t_end, sim_s, err, fails, matched, load, note=None, **extra):
    p = {"problem": problem, "tool": tool, "scheme": scheme, "knob": kname, "value": kval, "n": n,
         "t_end_ms": t_end, "sim_s": sim_s, "cost_ns_per_neuron_ms": sim_s * 1e9 / (n * t_end),
         "error": err, "failures": fails, "spikes_compared": matched, "load1": load}
    if note:
        p["note"] = note
    p.update(extra)
    log(f"   error {err:.3g}, failures {fails}, cost {p['cost_ns_per_neuron_ms']:.4g} ns/(neuron·ms)")
    return p


# ------------------------------------------------------------------------------ peers
def available(tool):
    mod = {"brian2": "brian2", "nest": "nest", "neuron": "neuron"}[tool]
    r = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True, text=True)
    if r.returncode != 0:
        pkg = {"brian2": "brian2", "nest": "nest-simulator", "neuron": "neuron"}[tool]
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return f"cannot import {mod} ({last}): install it with `pip install {pkg}` in bench/peers/.venv"
    return None


def neuron_mechanisms():
    """Compiles mod/traub.mod with nrnivmodl into .cache/neuron_mod; returns the directory or
    raises RuntimeError with nrnivmodl's message."""
    d = os.path.join(CACHE, "neuron_mod")
    src = os.path.join(HERE, "mod", "traub.mod")
    stamp = os.path.join(d, "traub.mod")
    lib = glob.glob(os.path.join(d, "*", "libnrnmech*")) + glob.glob(os.path.join(d, "*", ".libs", "libnrnmech*"))
    if lib and os.path.exists(stamp) and open(stamp).read() == open(src).read():
        return d
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copy(src, stamp)
    exe = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
    r = subprocess.run([exe if os.path.exists(exe) else "nrnivmodl"], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("nrnivmodl failed: " + " | ".join((r.stderr or r.stdout).strip().splitlines()[-3:]))
    return d


def peer_points(a, pname, pr, t_end, ref_up, ref_peak, floor, tool, knobs, skipped, versions, mech_dir):
    pts = []
    g = M.steady_gates(pr["model"], -65.0)
    lv = levels(pr)
    for scheme, kname, values in knobs:
        for kval in values:
            n = neurons_for(tool, scheme, kname, kval, t_end, a)
            size, measured = layout(n)
            n = size * LEVELS
            spec = {"model": pr["model"], "n": n, "currents": [lv[i // size] for i in range(n)],
                    "measured": measured, "t_end_ms": t_end, "gates": list(g),
                    "threshold_mv": THRESHOLD_MV, "refractory_ms": REFRACTORY_MS}
            if tool == "brian2":
                spec.update(dt_ms=kval, method=scheme)
                script = "wp_brian2.py"
            elif tool == "nest":
                spec.update(resolution_ms=kval)
                script = "wp_nest.py"
            else:
                spec.update(scheme=scheme, mech_dir=mech_dir)
                if kname == "atol":
                    spec["atol"] = kval
                else:
                    spec["dt_ms"] = kval
                script = "wp_neuron.py"
            log(f"{pname} {tool} {scheme} {kname}={kval:g} n={n} load={os.getloadavg()[0]:.2f}")
            load = os.getloadavg()[0]
            trace_out = tempfile.mktemp(suffix=".npz", prefix="wp_trace_")
            spec["trace_out"] = trace_out
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(spec, f)
            bdir = tempfile.mkdtemp(prefix="brian2_wp_") if tool == "brian2" else None
            if bdir:
                spec["build_dir"] = bdir
                with open(f.name, "w") as fh:
                    json.dump(spec, fh)
            try:
                r = run_json([sys.executable, os.path.join(HERE, script), f.name])
                tz = np.load(trace_out) if os.path.exists(trace_out) else None
                trace = (np.asarray(tz["t"]), np.asarray(tz["v"])) if tz is not None else None
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                msg = f"{tool} {scheme} {kname}={kval:g} failed: {e}"
                log("skip:", msg)
                skipped.append({"problem": pname, "tool": tool, "scheme": scheme, "value": kval, "why": msg})
                continue
            finally:
                os.unlink(f.name)
                if os.path.exists(trace_out):
                    os.unlink(trace_out)
                if bdir:
                    shutil.rmtree(bdir, ignore_errors=True)
            versions[tool] = r.get("version")
            spikes = [sorted(r["spikes"][str(i)]) for i in measured]
            ref = ref_peak if tool == "nest" else ref_up
            # NEST emits a spike one step after the peak: a peak in the last step is not reported.
            err, fails, matched = compare(spikes, ref, t_end - kval if tool == "nest" else None)
            note = "grid stamp of the voltage peak vs the reference's peak times" if tool == "nest" else None
            extra = {}
            if trace is not None:
                # the up-crossings of every tool's trace (NEST's too): the accuracy of its trajectory
                try:
                    extra = trace_error(trace[0], list(trace[1]), ref_up, floor, kval if kname != "atol" else None)
                except (ValueError, np.linalg.LinAlgError) as e:
                    extra = {"trace_error": None, "trace_note": f"trace not evaluated: {e}"}
            pts.append(point(pname, tool, scheme, kname, kval, n, t_end, r["sim_s"], err, fails, matched, load, note,
                             **extra))
    return pts


# ------------------------------------------------------------------------------ P3: COBAHH
def cobahh_text(method, dt, rtol, key):
    text = open(os.path.join(ROOT, "examples", "cobahh.toml")).read()
    i = text.find("[[recording]]")
    if i >= 0:
        j = text.rfind("\n#", 0, i)  # drop the recordings and their comment
        text = text[: j if j > 0 else i]
    # the file's own scheme and threads give way to the run's
    text = re.sub(r"(?m)^(solver|method|rtol|threads)\s*=.*\n", "", text)
    text = re.sub(r'(?m)^dt = "[^"]*"', "\n".join(memrc_network_lines(method, dt, rtol, key)), text)
    return text + "\n[output]\nplots = false\n"


def cobahh_stats(summ, sp):
    """Mean rate [Hz] and mean CV of the ISIs (neurons with ≥ 3 spikes) per population."""
    out = {}
    t_end = summ["t_end"]
    ids = sp[:, 1].astype(np.int64)
    t = sp[:, 0]
    for p in summ["populations"]:
        name, size, off = p["name"], p["size"], p["offset"]
        sel = (ids >= off) & (ids < off + size)
        order = np.lexsort((t[sel], ids[sel]))
        ii, tt = ids[sel][order], t[sel][order]
        cvs = []
        for nid in np.unique(ii):
            x = tt[ii == nid]
            if len(x) >= 3:
                isi = np.diff(x)
                cvs.append(float(np.std(isi) / np.mean(isi)))
        out[name] = {"rate_hz": float(sel.sum() / (size * t_end)), "cv_isi": float(np.mean(cvs)) if cvs else None}
    return out


def p3_points(a, methods, skipped):
    runs = []
    for m in methods:
        method = m["method"]
        knobs = [("rtol", r, m["dt"][0]) for r in m["rtol"]] if "rtol" in m else [("dt", d, d) for d in m["dt"]]
        for kname, kval, dt in knobs:
            rtol = kval if kname == "rtol" else None
            log(f"P3 memrc {method} {kname}={kval:g} load={os.getloadavg()[0]:.2f}")
            load = os.getloadavg()[0]
            try:
                (summ, sp, _), note = memrc_run(a, lambda mm, key: cobahh_text(mm, dt, rtol, key), method)
            except MemrcRefused as e:
                msg = f"memrc refuses method '{method}': {e}"
                log("skip:", msg)
                skipped.append({"problem": "P3", "tool": "memrc", "scheme": method, "why": msg})
                break
            st = cobahh_stats(summ, sp)
            runs.append({"problem": "P3", "tool": "memrc", "scheme": method, "knob": kname, "value": kval,
                         "dt": dt, "n": summ["n"], "t_end_ms": summ["t_end"] * 1e3, "sim_s": summ["sim_s"],
                         "cost_ns_per_neuron_ms": summ["sim_s"] * 1e9 / (summ["n"] * summ["t_end"] * 1e3),
                         "stats": st, "load1": load, **({"note": note} if note else {})})
            log("   " + ", ".join(f"{k} {v['rate_hz']:.3f} Hz CV {v['cv_isi']:.3f}" for k, v in st.items()))
    if not runs:
        return [], None

    def accuracy(r):  # higher is more accurate
        return (ACCURACY_RANK.get(r["scheme"], 0), -(r["value"] if r["knob"] == "rtol" else r["dt"]))

    conv = max(runs, key=accuracy)
    for r in runs:
        errs = [abs(r["stats"][k]["rate_hz"] - v["rate_hz"]) / v["rate_hz"] for k, v in conv["stats"].items()]
        cverrs = [abs(r["stats"][k]["cv_isi"] - v["cv_isi"]) / v["cv_isi"] for k, v in conv["stats"].items()
                  if v["cv_isi"] and r["stats"][k]["cv_isi"]]
        r["error"] = max(errs)
        r["cv_error"] = max(cverrs) if cverrs else None
        r["failures"] = 0
        r["converged"] = r is conv
    return runs, conv


def p3_seed_spread(a, conv, seeds):
    """The converged setting at other seeds (other random networks), and on the same network
    with the initial voltages shifted by 10 uV (the same random draws): the scale of a rate
    difference that is only a different network, or only chaos."""
    out = []
    rtol = conv["value"] if conv["knob"] == "rtol" else None
    log(f"P3 perturbed ({conv['scheme']} dt {conv['dt']:g}, v0 + 10 uV)")
    try:
        (summ, sp, _), _ = memrc_run(a, lambda mm, key: cobahh_text(mm, conv["dt"], rtol, key).replace(
            'v = { mean = "-65 mV"', 'v = { mean = "-65.01 mV"'), conv["scheme"])
        out.append({"seed": "1, v0 + 10 uV", "stats": cobahh_stats(summ, sp)})
    except MemrcRefused as e:
        log("skip:", e)
    for s in seeds:
        method = conv["scheme"]
        rtol = conv["value"] if conv["knob"] == "rtol" else None
        log(f"P3 seed {s} ({method} dt {conv['dt']:g})")
        try:
            (summ, sp, _), _ = memrc_run(a, lambda mm, key: re.sub(r"(?m)^seed = \d+", f"seed = {s}",
                                                                cobahh_text(mm, conv["dt"], rtol, key)), method)
        except MemrcRefused as e:
            log("skip:", e)
            continue
        out.append({"seed": s, "stats": cobahh_stats(summ, sp)})
    return out


# ------------------------------------------------------------------------------ output
SERIES_STYLE = {
    ("memrc", "exp-euler"): ("tab:blue", "o"), ("memrc", "exp2"): ("tab:blue", "s"),
    ("memrc", "dopri5"): ("tab:blue", "D"), ("memrc", "rk23"): ("tab:blue", "^"),
    ("brian2", "exponential_euler"): ("tab:orange", "o"), ("brian2", "rk4"): ("tab:orange", "^"),
    ("nest", "rkf45"): ("tab:green", "v"),
    ("neuron", "be"): ("tab:red", "o"), ("neuron", "cn"): ("tab:red", "s"), ("neuron", "cvode"): ("tab:red", "P"),
}


def _panel(ax, pts, key, floor_val):
    series = {}
    for q in pts:
        if q.get(key) is None:
            continue
        series.setdefault((q["tool"], q["scheme"]), []).append(q)
    for (tool, scheme), qs in series.items():
        # in the order of the knob (dt or tolerance from coarse to fine)
        qs = sorted(qs, key=lambda q: -q["value"])
        color, marker = SERIES_STYLE.get((tool, scheme), ("k", "x"))
        xs = [max(q[key], floor_val) for q in qs]
        ys = [q["cost_ns_per_neuron_ms"] for q in qs]
        fails = "trace_failures" if key == "trace_error" else "failures"
        ax.plot(xs, ys, "-", color=color, alpha=0.5, lw=1)
        for q, x, y in zip(qs, xs, ys):
            ax.plot([x], [y], marker, color=color, mfc="none" if q.get(fails) else color, ms=7)
            many = q.get(fails) and q[fails] > 0.1 * max(q.get("spikes_compared") or 1, 1)
            ax.annotate(f"{q['value']:g}" + (" (fails)" if many else ""), (x, y), textcoords="offset points", xytext=(4, 3), fontsize=6.5,
                        color=color)
        ax.plot([], [], marker + "-", color=color, label=f"{tool} {scheme}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_ylabel("cost [ns per neuron per simulated ms]")
    ax.legend(fontsize=7, loc="best")


def figure(points, p3, path, title_extra):
    """Row 1: the spike times each tool reports (P1, P2) and P3's rate error; row 2: the
    up-crossings located in each tool's own voltage trace (cubic interpolation)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    probs = [p for p in ("P1", "P2") if any(q["problem"] == p for q in points)]
    cols = len(probs) + (1 if p3 else 0)
    if cols == 0:
        return
    rows = 2 if probs else 1
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 5.0 * rows), squeeze=False)
    for c, pname in enumerate(probs):
        pts = [q for q in points if q["problem"] == pname]
        _panel(axes[0][c], pts, "error", 1e-9)
        axes[0][c].set_title(PROBLEMS[pname]["title"] + ": spike times as reported", fontsize=9)
        axes[0][c].set_xlabel("max spike-time error [ms] (40 neurons, vs DOP853 1e-12; NEST: vs peaks)")
        _panel(axes[1][c], pts, "trace_error", 1e-9)
        axes[1][c].set_title(PROBLEMS[pname]["title"] + ": 0 mV crossings of the voltage trace", fontsize=9)
        axes[1][c].set_xlabel("max error of the trace's up-crossings [ms] (cubic interpolation)")
    if p3:
        ax = axes[0][len(probs)]
        _panel(ax, [q for q in p3 if not q.get("converged")], "error", 1e-6)
        ax.set_xlabel("max relative rate error per population vs converged run")
        ax.set_title("P3: COBAHH (4000 neurons, 1 s), memrc", fontsize=9)
        if rows == 2:
            axes[1][len(probs)].axis("off")
    fig.suptitle("Work-precision, 1 thread (open marker: missing or extra spikes; labels: dt [ms], rtol or atol)"
                 + title_extra, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _split(argv):
    parts = [[]]
    for x in argv:
        if x == "+":
            parts.append([])
        else:
            parts[-1].append(x)
    return parts


def markdown(doc):
    L = ["# Work-precision: memrc and its peers", ""]
    cmds = " then ".join(f"`bench/peers/run.sh --work-precision{''.join(' ' + x for x in part)}`"
                         for part in _split(doc["argv"]))
    L.append(f"Generated by {cmds} (the last on {doc['started']} UTC) "
             f"in {doc['wall_s'] / 60:.1f} min. Machine: {doc['machine']}. Load average (1 min) before: "
             f"{doc['load_before'][0]:.2f}, after: {doc['load_after'][0]:.2f}; every point has its own in the JSON "
             "(`load1`): on a shared 2-core machine costs carry some tens of percent of noise.")
    L.append("Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(doc["versions"].items())) + ".")
    L.append("")
    L.append("Error: max over the 40 measured neurons (one per current level) of |t_k − t_k^ref| over the spikes "
             "both have (k-th with k-th); failures: missing or extra spikes (summed). Cost: loop time in ns per "
             "neuron per simulated ms, 1 thread; `n`: neurons simulated (a peer's costly knobs simulate fewer; memrc always all). Spike "
             "times as each tool reports them: memrc locates the crossing of 0 mV inside the step (exp-euler: "
             "linear in v between the step's ends, exp2: quadratic, dopri5: cubic Hermite in its substep; a "
             "binary without a scheme key stamps the end of the step), Brian2 stamps the start of the step after "
             "which v > 0 mV, NEURON's NetCon the end of the step in fixed steps (CVODE locates the crossing), NEST stamps the step after the "
             "voltage peak and is compared with the reference's **peak** times. A grid stamp cannot be closer "
             "than its step allows: its error floor is about dt. Trace error: the 0 mV up-crossings located in "
             "the tool's own voltage samples of the 40 neurons (every step; cubic through two samples on each side), "
             "for every tool (NEST too), which measures the trajectory whatever the stamp convention; its floor in "
             "parentheses is the same interpolation applied to the reference sampled on the same grid (an error near "
             "the floor says only that the trajectory is at least that good). NEURON's CVODE has no fixed grid: "
             "its NetCon times are located by CVODE itself. memrc's dopri5 records v on its 0.1 ms grid, so its "
             "trace error is the floor of that grid; its spike times come from its own dense output.")
    order = ["memrc", "brian2", "nest", "neuron"]
    for pname in ("P1", "P2"):
        pts = sorted((p for p in doc["points"] if p["problem"] == pname),
                     key=lambda p: order.index(p["tool"]) if p["tool"] in order else len(order))
        if not pts:
            continue
        ref = doc["references"][pname]
        L.append("")
        L.append(f"## {PROBLEMS[pname]['title']}, {ref['t_end']:g} ms")
        L.append("")
        L.append(f"Reference: scipy DOP853, rtol {ref['rtol']:g}, atol {ref['atol']:g} ({ref['spikes']} up-crossings on "
                 f"the 40 neurons, {ref['steps']} steps)."
                 + (f" Against rtol {ref['check_rtol']:g}: up-crossings differ by at most {ref['check_diff_ms']:.2g} ms, "
                    f"peaks by {ref['check_peak_diff_ms']:.2g} ms." if ref.get("check_rtol") else ""))
        L.append("")
        L.append("| tool | scheme | knob | n | max spike error [ms] | failures | trace error [ms] (floor) | "
                 "cost [ns/(neuron·ms)] | note |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for p in pts:
            tr = "–"
            if p.get("trace_error") is not None:
                tr = f"{p['trace_error']:.3g}" + (f" ({p['trace_floor']:.2g})" if p.get("trace_floor") is not None else "")
                if p.get("trace_failures"):
                    tr += f", {p['trace_failures']} failures"
            L.append(f"| {p['tool']} | {p['scheme']} | {p['knob']} {p['value']:g} | {p['n']} | {p['error']:.3g} | "
                     f"{p['failures']} | {tr} | {p['cost_ns_per_neuron_ms']:.4g} | {p.get('note', '')} |")
    p3 = doc.get("p3") or []
    if p3:
        conv = [r for r in p3 if r["converged"]][0]
        L.append("")
        L.append("## P3: COBAHH (examples/cobahh.toml, 4000 neurons, 1 s, seed 1), memrc")
        L.append("")
        L.append(f"Converged run: {conv['scheme']} {conv['knob']} {conv['value']:g} (the finest setting of the most "
                 "accurate scheme the binary runs). Error: max over the populations of |rate − converged|/converged; "
                 "CV: mean coefficient of variation of the ISIs (neurons with ≥ 3 spikes)."
                 + (" With exp-Euler the only scheme, the 'converged' run is not converged (its spike times are "
                    "still ms off in P1 at the same dt): P3's errors are then differences to it, not to the "
                    "exact statistic." if conv["scheme"] == "exp-euler" else ""))
        L.append("")
        pops = list(conv["stats"].keys())
        L.append("| scheme | knob | " + " | ".join(f"{p} rate [Hz] | {p} CV" for p in pops)
                 + " | rate error | CV error | cost [ns/(neuron·ms)] |")
        L.append("|---|---|" + "---|---|" * len(pops) + "---|---|---|")
        def g(x, f):
            return "–" if x is None else format(x, f)

        for r in p3:
            cells = " | ".join(f"{r['stats'][p]['rate_hz']:.3f} | {g(r['stats'][p]['cv_isi'], '.4f')}" for p in pops)
            L.append(f"| {r['scheme']} | {r['knob']} {r['value']:g}{' (converged)' if r['converged'] else ''} | {cells} | "
                     f"{r['error']:.3g} | {g(r['cv_error'], '.3g')} | {r['cost_ns_per_neuron_ms']:.4g} |")
        if doc.get("p3_seeds"):
            L.append("")
            L.append("The converged setting on the same network with the initial voltages shifted by 10 µV (the same "
                     "random draws; a perturbation far below any scheme's error, which the network amplifies), and on "
                     "other random networks (seeds 2, 3). A rate error of the size of the first can be chaos rather "
                     "than the integration's bias: P3 resolves only errors above it.")
            L.append("")
            for s in doc["p3_seeds"]:
                L.append(f"- seed {s['seed']}: " + ", ".join(
                    f"{k} {v['rate_hz']:.3f} Hz ({(v['rate_hz'] / conv['stats'][k]['rate_hz'] - 1) * 100:+.1f} %), "
                    f"CV {g(v['cv_isi'], '.4f')}" for k, v in s["stats"].items()))
    if doc["skipped"]:
        L.append("")
        L.append("## Skipped")
        L.append("")
        for s in doc["skipped"]:
            L.append(f"- {s['problem']} {s['tool']} {s.get('scheme', '')}: {s['why']}")
    L.append("")
    L.append("![work-precision](work_precision.png)")
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------------------ main
def main():
    a = parse()
    if a.replot:
        doc = json.load(open(a.out + ".json"))
        with open(a.out + ".md", "w") as f:
            f.write(markdown(doc))
        figure(doc["points"], doc["p3"], a.out + ".png", " — quick" if "--quick" in doc["argv"] else "")
        return
    if a.n is None:
        a.n = 2000 if a.quick else 4000
    if a.budget is None:
        a.budget = 5.0 if a.quick else 20.0
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.perf_counter()
    load_before = os.getloadavg()
    problems = [p for p in a.problems.split(",") if p]
    tools = [t for t in a.tools.split(",") if t]
    skipped, points, versions, refs = [], [], {}, {}
    if "memrc" in tools and not os.access(a.memrc, os.X_OK):
        skipped.append({"problem": "all", "tool": "memrc", "why": f"{a.memrc} not found: cargo build --release -p memrc-cli"})
        tools.remove("memrc")
    for t in [t for t in tools if t != "memrc"]:
        why = available(t)
        if why:
            skipped.append({"problem": "all", "tool": t, "why": why})
            log("skip:", why)
            tools.remove(t)
    mech_dir = None
    if "neuron" in tools and "P1" in problems:
        try:
            mech_dir = neuron_mechanisms()
        except (RuntimeError, OSError) as e:
            skipped.append({"problem": "P1", "tool": "neuron", "why": f"{e} (the Traub mechanism is a .mod file)"})
    peers = PEERS_QUICK if a.quick else PEERS
    for pname in [p for p in problems if p in PROBLEMS]:
        pr = PROBLEMS[pname]
        t_end = pr["t_end_quick"] if a.quick else pr["t_end"]
        lv = levels(pr)
        up, pk, d = reference(pr["model"], lv, t_end, a.ref_rtol)
        info = {"t_end": t_end, "rtol": d["rtol"], "atol": d["atol"], "steps": d["steps"],
                "spikes": sum(len(u) for u in up), "currents_na": lv, "up_ms": up, "peak_ms": pk}
        if a.ref_check:
            up2, pk2, _ = reference(pr["model"], lv, t_end, a.ref_check)
            e1, f1, _ = compare(up2, up)
            e2, f2, _ = compare(pk2, pk)
            info.update(check_rtol=a.ref_check, check_diff_ms=e1, check_peak_diff_ms=e2, check_failures=f1 + f2)
        refs[pname] = info
        if "memrc" in tools:
            points += memrc_points(a, pname, pr, t_end, up, d["floor"], MEMRC_METHODS_QUICK if a.quick else MEMRC_METHODS,
                                   skipped, versions)
        for tool in [t for t in tools if t != "memrc"]:
            if tool == "nest" and pr["model"] != "traub":
                continue  # NEST has no classic HH with these parameters (hh_psc_alpha differs)
            if tool == "neuron" and pr["model"] == "traub" and mech_dir is None:
                continue
            points += peer_points(a, pname, pr, t_end, up, pk, d["floor"], tool, peers[tool], skipped, versions,
                                  mech_dir)
    p3, p3_seeds = [], []
    if "P3" in problems and "memrc" in tools:
        p3, conv = p3_points(a, P3_METHODS_QUICK if a.quick else P3_METHODS, skipped)
        if conv is not None and not a.quick:
            p3_seeds = p3_seed_spread(a, conv, [2, 3])
    doc = {"argv": sys.argv[1:], "started": started.strftime("%Y-%m-%d %H:%M"),
           "wall_s": time.perf_counter() - t_start,
           "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs, {cpu_model()}, Linux {platform.release()}, "
                      f"Python {platform.python_version()}",
           "load_before": load_before, "load_after": os.getloadavg(), "versions": versions,
           "threshold_mv": THRESHOLD_MV, "refractory_ms": REFRACTORY_MS, "levels": LEVELS,
           "references": refs, "points": points, "p3": p3, "p3_seeds": p3_seeds, "skipped": skipped}
    if a.merge and os.path.exists(a.out + ".json"):
        old = json.load(open(a.out + ".json"))
        ran = {(p, t) for p in problems for t in a.tools.split(",")}
        doc["points"] = [p for p in old["points"] if (p["problem"], p["tool"]) not in ran] + doc["points"]
        doc["skipped"] = [p for p in old["skipped"] if (p["problem"], p["tool"]) not in ran] + doc["skipped"]
        doc["references"] = {**old["references"], **doc["references"]}
        if ("P3", "memrc") not in ran:
            doc["p3"], doc["p3_seeds"] = old["p3"], old["p3_seeds"]
        doc["versions"] = {**old["versions"], **doc["versions"]}
        doc["argv"] = old["argv"] + ["+"] + doc["argv"]
        doc["wall_s"] += old["wall_s"]
    with open(a.out + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    with open(a.out + ".md", "w") as f:
        f.write(markdown(doc))
    figure(doc["points"], doc["p3"], a.out + ".png", " — quick" if a.quick else "")
    log(f"wrote {a.out}.json, .md, .png in {doc['wall_s'] / 60:.1f} min")


if __name__ == "__main__":
    main()
