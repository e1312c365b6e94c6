"""A single Traub–Miles neuron of Brian2's COBAHH example driven by a constant current,
simulated by Brian2's runtime numpy target (float64, exponential Euler, dt = 0.1 ms); writes
its trace to crates/memrc/tests/data/brian2_traub_single.csv for memrc's test
(crates/memrc/tests/cobahh.rs). Threshold v > -20 mV and refractory 3 ms as in COBAHH (they do
not change v: the voltage evolves during refractoriness). The state is sampled at the start
of every step (StateMonitor, when='start'), i.e. at t_s = s·dt before the update."""

import argparse
import os
import platform

import numpy as np
import brian2
from brian2 import (NeuronGroup, StateMonitor, SpikeMonitor, Equations, defaultclock, prefs, run,
                    second, ms, mV, nA)
from traub_brian2 import Cm, gl, El, EK, ENa, g_na, g_kd, VT, GATES, RATES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
p = argparse.ArgumentParser()
p.add_argument("--i-ext-na", type=float, default=0.7, help="injected current [nA]")
p.add_argument("--v0-mv", type=float, default=-65.0)
p.add_argument("--t-end-ms", type=float, default=300.0)
p.add_argument("--out", default=os.path.join(ROOT, "crates", "memrc", "tests", "data", "brian2_traub_single.csv"))
a = p.parse_args()

prefs.codegen.target = "numpy"
prefs.core.default_float_dtype = np.float64
defaultclock.dt = 0.1 * ms

I = a.i_ext_na * nA

eqs = Equations("""
dv/dt = (gl*(El-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
""" + GATES + RATES)
G = NeuronGroup(1, eqs, threshold="v>-20*mV", refractory=3 * ms, method="exponential_euler")
G.v = a.v0_mv * mV
G.m = 0
G.h = 0
G.n = 0
mon = StateMonitor(G, ["v", "m", "h", "n"], record=0)
sp = SpikeMonitor(G)
run(a.t_end_ms * ms)

t = np.asarray(mon.t / ms)
v = np.asarray(mon.v[0] / mV)
with open(a.out, "w") as f:
    f.write(f"# generator: bench/peers/traub_single_brian2.py; brian2 {brian2.__version__}, numpy {np.__version__}, "
            f"python {platform.python_version()}; target numpy, float64, exponential_euler, dt 0.1 ms; "
            f"COBAHH Traub-Miles neuron without synapses, I = {a.i_ext_na} nA, v0 = {a.v0_mv} mV, m = h = n = 0, "
            f"threshold v > -20 mV, refractory 3 ms; state at the start of each step; "
            f"{len(sp.t)} spikes (Brian2 times, ms): {' '.join(f'{x:.1f}' for x in sp.t / ms)}\n")
    f.write("t_ms,v_mV,m,h,n\n")
    for k in range(len(t)):
        f.write(f"{t[k]:.1f},{float(v[k])!r},{float(mon.m[0][k])!r},{float(mon.h[0][k])!r},{float(mon.n[0][k])!r}\n")
print(f"wrote {a.out}: {len(t)} rows, {len(sp.t)} spikes")
