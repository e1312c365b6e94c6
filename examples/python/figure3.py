"""Figure 3 of the paper (Example 4): the Hodgkin-Huxley spike found by the alternating
iteration Compute(g) -> Compute(v) in trajectory space, next to time stepping, and the change of
the iterate per iteration (the iterates themselves are drawn by `memrc example hh-spike`).
Needs matplotlib.

    python examples/python/figure3.py   # writes figure3_python.png
"""

import matplotlib.pyplot as plt

import memrc

model = memrc.example("hh-spike")
iterated = model.run()                         # relaxation: the trajectory-space iteration
stepped = model.run(solver="stepping")         # classical time stepping, same scheme

fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6))
top.plot(1e3 * stepped.t, 1e3 * stepped.traces["v_soma_V"], "k", lw=3, label="time stepping")
top.plot(1e3 * iterated.t, 1e3 * iterated.traces["v_soma_V"], "C1--", label="fixed point of the iteration")
top.set_ylabel("v [mV]")
top.legend()
top.set_xlabel("t [ms]")
history = iterated.summary["solver"]["statistics"]["history"]
bottom.semilogy([h["iteration"] for h in history], [h["change"] for h in history], "o-")
bottom.set_xlabel("iteration")
bottom.set_ylabel("max change of v [V]")
top.set_title(f"Example 4: {len(history)} iterations, final change "
              f"{history[-1]['change']:.1e} V")
fig.tight_layout()
fig.savefig("figure3_python.png", dpi=120)
print(iterated.report)
