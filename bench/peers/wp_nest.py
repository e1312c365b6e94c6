"""One work-precision run in NEST (work_precision.py): `python wp_nest.py SPEC.json`, prints one
JSON line. SPEC: n, currents [nA] per neuron, measured (neuron ids), t_end_ms, resolution_ms,
gates (m, h, n at their steady state at −65 mV, with the V_T shift; NEST's own default starts
them from the rates at V_m without it, see docs/numerics.md).

hh_cond_exp_traub with the parameters of the Traub–Miles neuron of Brian2's COBAHH example
(C_m 200 pF, g_Na 20 uS, g_K 6 uS, g_L 10 nS, E_Na 50, E_K −90, E_L −60, V_T −63 mV), a constant
I_e per neuron, no synapses. NEST integrates each resolution step with GSL's RKF45 (its own
error control inside the step) and emits a spike at the step where V_m has passed a local
maximum above V_T + 30 mV: its spike times are on the grid, one step after the peak. t_ref 3 ms
suppresses only spike emission. sim_s: the wall time of nest.Run. With trace_out, a multimeter
samples V_m of the measured neurons every step (npz: t [ms], v [mV], one row per neuron)."""

import json
import os
import sys
import time

spec = json.load(open(sys.argv[1]))
saved = os.dup(1)
os.dup2(2, 1)  # NEST prints a banner on stdout; keep stdout for the JSON line
import nest  # noqa: E402

try:
    nest.verbosity = nest.VerbosityLevel.ERROR
except AttributeError:
    nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"resolution": spec["resolution_ms"], "local_num_threads": 1})
params = {
    "g_Na": 20000.0, "g_K": 6000.0, "g_L": 10.0, "C_m": 200.0,
    "E_Na": 50.0, "E_K": -90.0, "E_L": -60.0, "V_T": -63.0,
    "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "t_ref": 3.0,
}
n = spec["n"]
P = nest.Create("hh_cond_exp_traub", n, params=params)
m, hh, nn = spec["gates"]
P.set([{"I_e": 1000.0 * i, "V_m": -65.0, "Act_m": m, "Inact_h": hh, "Act_n": nn} for i in spec["currents"]])
rec = nest.Create("spike_recorder")
nest.Connect(P, rec)  # every neuron's spikes, as in the other tools
mm = None
if spec.get("trace_out"):
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": spec["resolution_ms"]})
    nest.Connect(mm, P[spec["measured"]])
nest.Prepare()
t0 = time.perf_counter()
nest.Run(spec["t_end_ms"])
sim_s = time.perf_counter() - t0
nest.Cleanup()
ev = rec.get("events")
senders = ev["senders"]
times = ev["times"]
first = P[0].global_id
want = {first + i: str(i) for i in spec["measured"]}
spikes = {str(i): [] for i in spec["measured"]}
for s, t in zip(senders, times):
    k = want.get(int(s))
    if k is not None:
        spikes[k].append(float(t))
if mm is not None:
    import numpy as np
    e = mm.get("events")
    snd, tm, vm = np.asarray(e["senders"]), np.asarray(e["times"]), np.asarray(e["V_m"])
    rows = []
    for i in spec["measured"]:
        sel = snd == first + i
        o = np.argsort(tm[sel], kind="stable")
        rows.append(vm[sel][o])
        t_tr = tm[sel][o]
    np.savez(spec["trace_out"], t=t_tr, v=np.asarray(rows))
out = {"tool": "nest", "version": nest.__version__, "sim_s": sim_s, "spikes": spikes}
os.dup2(saved, 1)
print(json.dumps(out))
