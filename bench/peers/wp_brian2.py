"""One work-precision run in Brian2 (work_precision.py): `python wp_brian2.py SPEC.json`, prints
one JSON line. SPEC: model ("traub": the equations of traub_brian2.py, Brian2's COBAHH neuron;
"hh": the classic Hodgkin–Huxley neuron of wp_models.py), n, currents [nA] per neuron,
measured (neuron ids), t_end_ms, dt_ms, method (Brian2's state updater: "exponential_euler",
"rk4"), gates (m, h, n at their steady state at −65 mV), threshold_mv, refractory_ms,
build_dir.

cpp_standalone, serial code (openmp_threads = 0). Brian2 labels a spike with the start of the
step after which v > threshold (a grid stamp). With trace_out, v of the measured neurons at
the start of every step goes there (npz: t [ms], v [mV], one row per measured neuron). sim_s: Brian2's own timing of the network run."""

import json
import os
import sys
import tempfile

spec = json.load(open(sys.argv[1]))
saved = os.dup(1)
os.dup2(2, 1)  # keep stdout for the JSON line
import numpy as np  # noqa: E402
import brian2  # noqa: E402
from brian2 import (  # noqa: E402
    NeuronGroup, SpikeMonitor, StateMonitor, Equations, defaultclock, device, prefs, run, set_device,
    ms, mV, nA, umetre, cm, ufarad, msiemens)

build_dir = spec.get("build_dir") or tempfile.mkdtemp(prefix="brian2_wp_")
set_device("cpp_standalone", build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = 0
defaultclock.dt = spec["dt_ms"] * ms

area = 20000 * umetre**2
Cm = (1 * ufarad * cm**-2) * area
if spec["model"] == "traub":
    from traub_brian2 import gl, El, EK, ENa, g_na, g_kd, VT, GATES, RATES  # noqa: F401
    eqs = Equations("""
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
I : amp (constant)
""" + GATES + RATES)
else:
    gl = (0.3 * msiemens * cm**-2) * area
    El = -54.387 * mV
    EK = -77 * mV
    ENa = 50 * mV
    g_na = (120 * msiemens * cm**-2) * area
    g_kd = (36 * msiemens * cm**-2) * area
    eqs = Equations("""
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
I : amp (constant)
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
alpha_m = 1/exprel(-(v+40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v+65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v+65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1+exp(-(v+35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v+55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v+65*mV)/(80*mV))/ms : Hz
""")

thr = spec["threshold_mv"]
G = NeuronGroup(spec["n"], eqs, threshold=f"v > {thr!r}*mV", refractory=spec["refractory_ms"] * ms,
                method=spec["method"])
G.v = -65 * mV
G.m, G.h, G.n = spec["gates"]
G.I = np.asarray(spec["currents"]) * nA
mon = SpikeMonitor(G)
vmon = StateMonitor(G, "v", record=spec["measured"]) if spec.get("trace_out") else None
run(spec["t_end_ms"] * ms)
device.build(directory=build_dir, compile=True, run=True, clean=False, with_output=False)
ids = np.asarray(mon.i)
ts = np.asarray(mon.t / ms)
spikes = {str(i): [float(x) for x in ts[ids == i]] for i in spec["measured"]}
if vmon is not None:
    np.savez(spec["trace_out"], t=np.asarray(vmon.t / ms), v=np.asarray(vmon.v / mV))
out = {"tool": "brian2", "version": brian2.__version__, "sim_s": float(device._last_run_time),
       "spikes": spikes}
os.dup2(saved, 1)
print(json.dumps(out))
