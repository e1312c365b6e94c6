"""One COBAHH run in NEST (hh_cond_exp_traub with the parameters of Brian2's COBAHH example),
printing one JSON object. build_s: node creation, initial values and connection; sim_s:
nest.Simulate. NEST's model differs from Brian2's in its spike condition (a local maximum
above V_T + 30 mV) and in the minimum delay of one step (0.1 ms), which shift its rate."""

import json
import os
import resource
import sys
import time

import cobahh_args

p = cobahh_args.parser()
a = p.parse_args()

# NEST prints a banner on stdout; keep stdout for the JSON line.
saved = os.dup(1)
os.dup2(2, 1)
import nest  # noqa: E402

try:
    nest.verbosity = nest.VerbosityLevel.ERROR
except AttributeError:
    nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": a.threads, "rng_seed": a.seed})
t0 = time.perf_counter()
params = {
    "g_Na": 20000.0, "g_K": 6000.0, "g_L": 10.0, "C_m": 200.0,
    "E_Na": 50.0, "E_K": -90.0, "E_L": -60.0, "V_T": -63.0,
    "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0,
    "t_ref": 3.0, "I_e": 0.0,
}
P = nest.Create("hh_cond_exp_traub", a.n, params=params)
P.set(V_m=nest.random.normal(mean=-65.0, std=5.0), Act_m=0.0, Inact_h=0.0, Act_n=0.0)
# hh_cond_exp_traub does not let g_ex, g_in be set: give them Brian2's random initial values
# by one input spike at t = 0 (acting after the minimum delay, 0.1 ms). Negative draws
# (0.4 % of g_e, 5 % of g_i) act on the other receptor in NEST: an approximation.
kick = nest.Create("spike_generator", params={"spike_times": [0.1]})
nest.Connect(kick, P, "all_to_all",
             {"weight": nest.random.normal(mean=40.0, std=15.0), "delay": 0.1})
nest.Connect(kick, P, "all_to_all",
             {"weight": -nest.random.normal(mean=200.0, std=120.0), "delay": 0.1})
n_exc = a.n * 4 // 5
Pe, Pi = P[:n_exc], P[n_exc:]
conn = {"rule": "pairwise_bernoulli", "p": a.p, "allow_autapses": True}
nest.Connect(Pe, P, conn, {"synapse_model": "static_synapse", "weight": 6.0, "delay": 0.1})
nest.Connect(Pi, P, conn, {"synapse_model": "static_synapse", "weight": -67.0, "delay": 0.1})
rec = nest.Create("spike_recorder")
nest.Connect(P, rec)
nest.Prepare()
t1 = time.perf_counter()
nest.Run(a.t_end * 1000.0)
t2 = time.perf_counter()
nest.Cleanup()
n_spikes = int(rec.n_events)
steps = int(round(a.t_end / 1e-4))
out = {
    "tool": "nest", "version": nest.__version__, "n": a.n, "p": a.p, "t_end": a.t_end,
    "threads": a.threads, "seed": a.seed, "synapses": int(nest.num_connections) - 3 * a.n,
    "build_s": t1 - t0, "sim_s": t2 - t1, "spikes": n_spikes,
    "mean_rate_hz": n_spikes / (a.n * a.t_end),
    "neuron_steps_per_s": a.n * steps / (t2 - t1),
    "ns_per_neuron_step": (t2 - t1) / (a.n * steps) * 1e9,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
}
os.dup2(saved, 1)
print(json.dumps(out))
sys.stdout.flush()
