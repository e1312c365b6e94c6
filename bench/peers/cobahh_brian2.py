"""One COBAHH run in Brian2 (Brette et al. 2007 benchmark 3, Brian2's examples/COBAHH.py),
printing one JSON object. Standalone mode times code generation + compilation separately
from the binary's run: sim_s is Brian2's own measurement of the network run
(last_run_info.txt), build_s the rest of the binary's wall time (initial values,
connectivity, writing results)."""

import json
import os
import resource
import sys
import tempfile
import time

import cobahh_args

p = cobahh_args.parser()
p.add_argument("--mode", choices=["standalone", "runtime"], default="standalone")
p.add_argument("--windows", default="", help="comma-separated times [s]: also report rates over [0, w)")
p.add_argument("--build-dir", default=None)
a = p.parse_args()

import numpy as np  # noqa: E402
import brian2  # noqa: E402
from brian2 import (  # noqa: E402
    NeuronGroup, SpikeMonitor, Synapses, Equations, defaultclock, device, prefs, run, seed,
    set_device, second, ms, mV, nS,
)
from traub_brian2 import Cm, gl, El, EK, ENa, g_na, g_kd, VT, GATES, RATES  # noqa: E402

t_start = time.perf_counter()
build_dir = a.build_dir or tempfile.mkdtemp(prefix="brian2_cobahh_")
rss_file = os.path.join(build_dir, "rss_kib.txt")
if a.mode == "standalone":
    set_device("cpp_standalone", build_on_run=False)
    # 1 thread: Brian2's default serial code (no OpenMP); k > 1: OpenMP with k threads.
    prefs.devices.cpp_standalone.openmp_threads = 0 if a.threads == 1 else a.threads
    prefs.devices.cpp_standalone.run_cmd_unix = [
        sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "rss_exec.py"), "./main"]
    os.environ["RSS_EXEC_OUT"] = rss_file
else:
    prefs.codegen.target = "cython"
defaultclock.dt = 0.1 * ms
seed(a.seed)

taue = 5 * ms
taui = 10 * ms
Ee = 0 * mV
Ei = -80 * mV
we = 6 * nS
wi = 67 * nS

eqs = Equations("""
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK))/Cm : volt
""" + GATES + """\
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
""" + RATES)

P = NeuronGroup(a.n, model=eqs, threshold="v>-20*mV", refractory=3 * ms,
                method="exponential_euler")
n_exc = a.n * 4 // 5
Pe = P[:n_exc]
Pi = P[n_exc:]
Ce = Synapses(Pe, P, on_pre="ge+=we")
Ci = Synapses(Pi, P, on_pre="gi+=wi")
Ce.connect(p=a.p)
Ci.connect(p=a.p)
P.v = "El + (randn() * 5 - 5)*mV"
P.ge = "(randn() * 1.5 + 4) * 10.*nS"
P.gi = "(randn() * 12 + 20) * 10.*nS"
spikes = SpikeMonitor(P)

out = {"tool": "brian2", "version": brian2.__version__, "mode": a.mode, "n": a.n, "p": a.p,
       "t_end": a.t_end, "threads": a.threads if a.mode == "standalone" else 1, "seed": a.seed}
if a.mode == "standalone":
    t0 = time.perf_counter()
    run(a.t_end * second)
    t1 = time.perf_counter()
    device.build(directory=build_dir, compile=True, run=False, clean=False)
    t2 = time.perf_counter()
    device.run(directory=build_dir, with_output=False)
    t3 = time.perf_counter()
    sim_s = float(device._last_run_time)
    out.update(compile_s=t2 - t0, binary_s=t3 - t2, sim_s=sim_s, build_s=(t3 - t2) - sim_s)
    try:
        with open(rss_file) as f:
            out["peak_rss_mb"] = int(f.read()) * 1024 / 1e6
    except OSError:
        out["peak_rss_mb"] = None
else:
    from brian2 import Network, collect
    t0 = time.perf_counter()
    net = Network(collect())
    net.run(a.t_end * second)
    t1 = time.perf_counter()
    out.update(sim_s=t1 - t0, build_s=None, compile_s=None,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6)

times = np.asarray(spikes.t / second)
out["synapses"] = int(len(Ce) + len(Ci))
out["spikes"] = int(len(times))
out["mean_rate_hz"] = len(times) / (a.n * a.t_end)
steps = int(round(a.t_end / 1e-4))
out["neuron_steps_per_s"] = a.n * steps / out["sim_s"] if out["sim_s"] > 0 else None
out["ns_per_neuron_step"] = out["sim_s"] / (a.n * steps) * 1e9
# Rates over [0, w): Brian2 labels a spike with the start of its step, so spikes with t < w are
# those of a run of length w (memrc labels the same spike one step later, t <= w).
out["window_rates_hz"] = {w: float(np.sum(times < float(w) - 0.5e-4)) / (a.n * float(w))
                          for w in a.windows.split(",") if w}
out["total_wall_s"] = time.perf_counter() - t_start
print(json.dumps(out))
