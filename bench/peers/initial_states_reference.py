#!/usr/bin/env python3
"""High-accuracy references for neurons started from chosen gate values (issue #12 §1).

Independent of memrc: the textbook equations written out here in plain Python (no numpy or
scipy), integrated by classical RK4 at a tiny fixed step and checked against a run at half the
step (RK4's error falls 16-fold; the reported `richardson_ms` bounds the spike-time error).

- HH (Hodgkin & Huxley 1952, modern -65 mV convention; the memrc channels hh-na, hh-k, leak):
  C = 1 uF/cm^2, gNa 120, gK 36, gL 0.3 mS/cm^2, ENa 50, EK -77, EL -54.387 mV; no current;
  v(0) = -50 mV, m = 0.05, h = 0.6, n = 0.32 (examples/hh_initial_gates.toml); 20 ms.
- Traub-Miles (Brian2's COBAHH cell, memrc traub-na, traub-k): C = 1 uF/cm^2, gNa 100, gK 30,
  gL 0.05 mS/cm^2, ENa 50, EK -90, EL -60 mV, VT -63 mV, area 20000 um^2, I = 0.7 nA;
  v(0) = -65 mV, m = h = n = 0 (examples/traub_initial_zero.toml); 100 ms.

Writes crates/memrc-io/tests/data/initial_states_reference.json: per model the step, the
spike times (upward 0 mV crossings, cubic Hermite on the step, ms) and v every 0.1 ms (mV).
Run from the repository root: python3 bench/peers/initial_states_reference.py
"""

import json
import math
import sys


def exprel_rate(a, u):
    """a * u / (1 - exp(-u)), with its limit a at u = 0."""
    if abs(u) < 1e-9:
        return a * (1.0 + 0.5 * u)
    return a * u / (1.0 - math.exp(-u))


def hh_rhs(y):
    v, m, h, n = y
    am = exprel_rate(1.0, (v + 40.0) / 10.0)
    bm = 4.0 * math.exp(-(v + 65.0) / 18.0)
    ah = 0.07 * math.exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    an = exprel_rate(0.1, (v + 55.0) / 10.0)
    bn = 0.125 * math.exp(-(v + 65.0) / 80.0)
    i_ion = 120.0 * m ** 3 * h * (v - 50.0) + 36.0 * n ** 4 * (v + 77.0) + 0.3 * (v + 54.387)
    return [-i_ion / 1.0, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]


AREA_CM2 = 20000e-8  # 20000 um^2
I_DENSITY = 0.7e-9 / AREA_CM2 * 1e6  # uA/cm^2
VT = -63.0


def traub_rhs(y):
    v, m, h, n = y
    u = v - VT
    am = exprel_rate(0.32 * 4.0, (u - 13.0) / 4.0)  # 0.32 (13 - u)/(exp((13 - u)/4) - 1)
    bm = exprel_rate(0.28 * 5.0, -(u - 40.0) / 5.0)  # 0.28 (u - 40)/(exp((u - 40)/5) - 1)
    ah = 0.128 * math.exp((17.0 - u) / 18.0)
    bh = 4.0 / (1.0 + math.exp((40.0 - u) / 5.0))
    an = exprel_rate(0.032 * 5.0, (u - 15.0) / 5.0)  # 0.032 (15 - u)/(exp((15 - u)/5) - 1)
    bn = 0.5 * math.exp((10.0 - u) / 40.0)
    i_ion = 100.0 * m ** 3 * h * (v - 50.0) + 30.0 * n ** 4 * (v + 90.0) + 0.05 * (v + 60.0)
    return [(I_DENSITY - i_ion) / 1.0, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
            an * (1 - n) - bn * n]


def rk4(f, y0, t_end, dt, every):
    """RK4 from t = 0; returns (samples of v every `every` ms, spike times in ms)."""
    steps = round(t_end / dt)
    per = round(every / dt)
    y = list(y0)
    fy = f(y)
    samples = [y[0]]
    spikes = []
    for k in range(steps):
        t = k * dt
        k1 = fy
        k2 = f([a + 0.5 * dt * b for a, b in zip(y, k1)])
        k3 = f([a + 0.5 * dt * b for a, b in zip(y, k2)])
        k4 = f([a + dt * b for a, b in zip(y, k3)])
        y_new = [a + dt / 6.0 * (p + 2 * q + 2 * r + s) for a, p, q, r, s in zip(y, k1, k2, k3, k4)]
        f_new = f(y_new)
        if y[0] < 0.0 <= y_new[0]:
            # Cubic Hermite on the step, bisection for the crossing.
            v0, v1, d0, d1 = y[0], y_new[0], fy[0] * dt, f_new[0] * dt

            def herm(s):
                return ((2 * s ** 3 - 3 * s ** 2 + 1) * v0 + (s ** 3 - 2 * s ** 2 + s) * d0
                        + (-2 * s ** 3 + 3 * s ** 2) * v1 + (s ** 3 - s ** 2) * d1)
            lo, hi = 0.0, 1.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if herm(mid) < 0.0:
                    lo = mid
                else:
                    hi = mid
            spikes.append(t + 0.5 * (lo + hi) * dt)
        y, fy = y_new, f_new
        if (k + 1) % per == 0:
            samples.append(y[0])
    return samples, spikes


def reference(f, y0, t_end, dt):
    v, s = rk4(f, y0, t_end, dt, 0.1)
    v2, s2 = rk4(f, y0, t_end, dt / 2.0, 0.1)
    assert len(s) == len(s2), (s, s2)
    return {
        "dt_ms": dt / 2.0,
        "spikes_ms": s2,
        "richardson_ms": max((abs(a - b) for a, b in zip(s, s2)), default=0.0),
        "richardson_v_mV": max(abs(a - b) for a, b in zip(v, v2)),
        "v_mV_every_0.1ms": v2,
    }


def main():
    out = {
        "generator": "bench/peers/initial_states_reference.py (plain Python RK4, step halved)",
        "python": sys.version.split()[0],
        "hh_initial_gates": dict(
            initial={"v_mV": -50.0, "m": 0.05, "h": 0.6, "n": 0.32}, t_end_ms=20.0,
            **reference(hh_rhs, [-50.0, 0.05, 0.6, 0.32], 20.0, 2e-4)),
        "traub_initial_zero": dict(
            initial={"v_mV": -65.0, "m": 0.0, "h": 0.0, "n": 0.0}, t_end_ms=100.0,
            i_nA=0.7, **reference(traub_rhs, [-65.0, 0.0, 0.0, 0.0], 100.0, 5e-4)),
    }
    path = "crates/memrc-io/tests/data/initial_states_reference.json"
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    for k in ("hh_initial_gates", "traub_initial_zero"):
        r = out[k]
        print(k, "spikes", [round(x, 6) for x in r["spikes_ms"]], "richardson",
              r["richardson_ms"], r["richardson_v_mV"])


if __name__ == "__main__":
    main()
