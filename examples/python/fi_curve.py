"""The f-I curve of a Hodgkin-Huxley neuron over 50 step currents, run in parallel (a sweep,
the thing people most ask of Brian2: brian2 #1239). Needs matplotlib.

    python examples/python/fi_curve.py   # writes fi_curve.png
"""

import matplotlib.pyplot as plt

import memrc

model = memrc.example("hh-step")
sweep = model.sweep({"stimulus.0.amplitude": "linspace(0, 20, 50) uA/cm^2"})
table = sweep["table"]
current = [float(a.split()[0]) for a in table["stimulus.0.amplitude"]]
plt.plot(current, table["rate_hz.soma"], "o-")
plt.xlabel("I [uA/cm^2]")
plt.ylabel("rate [Hz]")
plt.title(f"f-I curve: {len(current)} runs on {sweep['jobs']} workers in {sweep['wall_time_s']:.2f} s")
plt.savefig("fi_curve.png", dpi=120)
