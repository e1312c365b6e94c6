"""One work-precision run in NEURON (work_precision.py): `python wp_neuron.py SPEC.json`, prints
one JSON line. SPEC: model ("traub": mod/traub.mod, compiled by nrnivmodl into spec["mech_dir"];
"hh": NEURON's built-in hh with usetable_hh = 0, el_hh = −54.387 mV, celsius = 6.3), n, currents
[nA] per neuron, measured (neuron ids), t_end_ms, scheme ("be": backward Euler, secondorder = 0;
"cn": Crank–Nicolson, secondorder = 2; "cvode": CVODE with atol, rtol = 0, one integrator per
cell (lvardt) so that a cell's steps do not depend on the others), dt_ms, atol, threshold_mv.

Each neuron is one section of one segment with the area of the other tools (L = diam =
sqrt(20000/π) um, cm = 1 uF/cm^2), driven by an IClamp from t = 0. Spike times are those of a
NetCon on v with the threshold (NEURON: the end of the step in fixed steps, a grid stamp;
located within the step under CVODE). sim_s: the wall time of continuerun(t_end) after finitialize(−65 mV) (the gates at their steady state). With
trace_out and a fixed step, v of the measured neurons at every step goes there (npz: t [ms],
v [mV], one row per neuron)."""

import json
import math
import os
import sys
import time

spec = json.load(open(sys.argv[1]))
saved = os.dup(1)
os.dup2(2, 1)  # NEURON may print on stdout; keep it for the JSON line
import neuron  # noqa: E402
from neuron import h  # noqa: E402

if spec["model"] == "traub":
    neuron.load_mechanisms(spec["mech_dir"])
h.load_file("stdrun.hoc")
h.celsius = 6.3
n = spec["n"]
diam = math.sqrt(20000.0 / math.pi)
cells, clamps, ncs, recs = [], [], [], {}
measured = set(spec["measured"])
for i in range(n):
    s = h.Section(name=f"c{i}")
    s.L = diam
    s.diam = diam
    s.nseg = 1
    s.cm = 1.0
    if spec["model"] == "traub":
        s.insert("traub")
    else:
        s.insert("hh")
        for seg in s:
            seg.hh.el = -54.387
        s.ena = 50.0
        s.ek = -77.0
    c = h.IClamp(s(0.5))
    c.delay = 0
    c.dur = 1e9
    c.amp = spec["currents"][i]
    nc = h.NetCon(s(0.5)._ref_v, None, sec=s)
    nc.threshold = spec["threshold_mv"]
    if i in measured:
        tv = h.Vector()
        nc.record(tv)
        recs[i] = tv
    else:
        nc.record(h.Vector())  # every cell's spikes are recorded, as in the other tools
    cells.append(s)
    clamps.append(c)
    ncs.append(nc)
if spec["model"] == "hh":
    h.usetable_hh = 0
cv = h.CVode()
scheme = spec["scheme"]
if scheme == "cvode":
    cv.active(1)
    cv.use_local_dt(1)
    cv.atol(spec["atol"])
    cv.rtol(0)
else:
    cv.active(0)
    h.secondorder = 2 if scheme == "cn" else 0
    h.dt = spec["dt_ms"]
    h.steps_per_ms = 1.0 / spec["dt_ms"]
vrec = []
trace = bool(spec.get("trace_out")) and scheme != "cvode"
if trace:
    trec = h.Vector().record(h._ref_t)
    for i in spec["measured"]:
        vrec.append(h.Vector().record(cells[i](0.5)._ref_v))
h.finitialize(-65.0)
if scheme == "cvode":
    cv.re_init()
t0 = time.perf_counter()
h.continuerun(spec["t_end_ms"])
sim_s = time.perf_counter() - t0
if trace:
    import numpy as np
    np.savez(spec["trace_out"], t=np.asarray(trec), v=np.asarray([np.asarray(x) for x in vrec]))
out = {"tool": "neuron", "version": neuron.__version__, "sim_s": sim_s,
       "spikes": {str(i): list(recs[i]) for i in spec["measured"]}}
os.dup2(saved, 1)
print(json.dumps(out))
