"""A raster of the COBAHH benchmark network (Brette et al. 2007): 4000 Traub-Miles neurons,
from the example model file. Needs matplotlib.

    python examples/python/cobahh_raster.py   # writes cobahh_raster.png
"""

import matplotlib.pyplot as plt

import memrc

result = memrc.example("cobahh").run(t_end="500 ms", threads=2, progress=True)
s = result.spikes
for name, colour in (("exc", "C0"), ("inh", "C3")):
    sel = s.population == name
    plt.plot(1e3 * s.times[sel], s.ids[sel], ".", ms=1, color=colour, label=name)
plt.xlabel("t [ms]")
plt.ylabel("neuron")
plt.legend(loc="upper right")
plt.title(f"COBAHH: {len(s)} spikes, mean rate {result.summary['mean_rate_hz']:.1f} Hz")
plt.savefig("cobahh_raster.png", dpi=120)
