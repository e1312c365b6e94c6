#!/usr/bin/env python3
"""Exact reference for the HP/Strukov memristor with the Joglekar window (p = 2) under a sine.

Writes crates/memrc/tests/data/hp_joglekar_edge.csv (used by crates/memrc/tests/memristor_edge.rs)
and crates/memrc/tests/data/hp_biolek_edge.csv (used by crates/memrc-cli/src/element_drive.rs).
Needs only mpmath (pip install mpmath); runs in about a minute:

    python3 bench/peers/hp_window_edge.py

Model (Strukov et al., Nature 453, 2008; window: Joglekar & Wolf, Eur. J. Phys. 30, 2009):

    R(x) = R_on x + R_off (1 - x),  i = v / R(x),  dx/dt = k i (1 - (2x - 1)^4),  k = mu_v R_on / D^2

With z = 2x - 1, a = (R_off + R_on)/2, b = (R_off - R_on)/2 (so R = a - b z):

    (a - b z) / (1 - z^4) dz = 2 k v dt,

and since 1/(1 - z^4) = [1/(1 - z^2) + 1/(1 + z^2)]/2 and z/(1 - z^4) = d/dz artanh(z^2)/2, the
left side integrates in closed form. In s = artanh z (z = tanh s, artanh z^2 = ln cosh 2s / 2):

    H(s) = a/2 (s + atan(tanh s)) - b/4 ln cosh 2s,     H(s(t)) = H(s0) + 2 k phi(t),

with the flux phi(t) = A (1 - cos 2 pi f t) / (2 pi f) of v = A sin 2 pi f t. H is strictly
increasing (dH/ds = (a - b tanh s)/(1 + tanh^2 s) > 0), so s(t) is the unique root, found here by
Newton's method in 40-digit arithmetic; x = 1/(1 + e^{-2s}) and 1 - x = 1/(1 + e^{2s}) are then
exact to far more digits than a double holds. The state is a function of the flux only, so it
returns to x0 whenever phi does (every period).

Biolek window (Biolek et al., Radioengineering 18(2), 2009), p = 2: F = 1 - x^4 while i > 0 and
F = 1 - (1 - x)^4 while i < 0, so within each half period of the sine (sign of i = sign of v)

    v > 0:  P(x) = int (R_off - (R_off - R_on) x)/(1 - x^4) dx
                 = R_off/2 (artanh x + atan x) - (R_off - R_on)/2 artanh(x^2),   dP = k dphi
    v < 0:  with y = 1 - x, N(y) = R_on/2 (artanh y + atan y) + (R_off - R_on)/2 artanh(y^2),
            dN = -k dphi,

written in y = 1 - x (artanh x = ln((2 - y)/y)/2, 1 - x^2 = y (2 - y)) so that the approach
to x = 1 (1 - x ~ 1e-170 at 1 V, 0.25 Hz) is resolved; each half period is solved from the
state at its start by a bracketed root search.

Loop areas and energies are mpmath quadratures of the exact i(t) v'(t) and v(t) i(t). The 1 Hz
figures cross-check the closed form against the ngspice / scipy DOP853 numbers of
docs/numerics.md (x peaks at 0.30405, lobe area 2.6223e-5, energy 7.7171e-5 J over two periods).
"""

import os
import sys

import mpmath as mp

mp.mp.dps = 40

R_ON, R_OFF, D, MU_V = mp.mpf(100), mp.mpf(16000), mp.mpf("10e-9"), mp.mpf("1e-14")
K = MU_V * R_ON / D**2  # 1e4 1/C
X0 = mp.mpf("0.1")
A_ = (R_OFF + R_ON) / 2
B_ = (R_OFF - R_ON) / 2


def H(s):
    return A_ / 2 * (s + mp.atan(mp.tanh(s))) - B_ / 4 * mp.log(mp.cosh(2 * s))


def dH(s):
    z = mp.tanh(s)
    return (A_ - B_ * z) / (1 + z * z)


S0 = mp.atanh(2 * X0 - 1)
H0 = H(S0)


def flux(t, amp, freq):
    w = 2 * mp.pi * freq
    return amp * (1 - mp.cos(w * t)) / w


def state(t, amp, freq):
    """(s, x, 1 - x) at time t."""
    target = H0 + 2 * K * flux(t, amp, freq)
    s = S0
    # Newton from the last root is not needed: H is monotone and nearly linear for large |s|.
    for _ in range(200):
        step = (H(s) - target) / dH(s)
        s -= step
        if abs(step) < mp.mpf(10) ** (-35) * (1 + abs(s)):
            break
    else:
        raise RuntimeError(f"Newton did not converge at t = {t}")
    return s, 1 / (1 + mp.exp(-2 * s)), 1 / (1 + mp.exp(2 * s))


def voltage(t, amp, freq):
    return amp * mp.sin(2 * mp.pi * freq * t)


def current(t, amp, freq):
    _, x, y = state(t, amp, freq)
    return voltage(t, amp, freq) / (R_ON * x + R_OFF * y)


def lobe_area(t0, t1, amp, freq):
    """|integral of i dv| over [t0, t1] (a half period between zeros of v)."""
    w = 2 * mp.pi * freq
    f = lambda t: current(t, amp, freq) * amp * w * mp.cos(w * t)
    # Split where the state turns fastest (quarter periods) to help the quadrature.
    pts = [t0 + (t1 - t0) * k / 8 for k in range(9)]
    return abs(mp.quad(f, pts))


def energy(t0, t1, amp, freq):
    f = lambda t: voltage(t, amp, freq) * current(t, amp, freq)
    n = 16
    pts = [t0 + (t1 - t0) * k / n for k in range(n + 1)]
    return mp.quad(f, pts)


# Biolek window, p = 2 (see the module docs).
DELTA = R_OFF - R_ON


def biolek_p(u):
    """P as a function of u = ln(1 - x) (v > 0 branch)."""
    y = mp.exp(u)
    x = 1 - y
    return (R_OFF / 2 * (mp.log((2 - y) / y) / 2 + mp.atan(x))
            - DELTA / 2 * mp.log((1 + x * x) / (y * (2 - y))) / 2)


def biolek_n(y):
    """N(y), y = 1 - x (v < 0 branch)."""
    x = 1 - y
    return (R_ON / 2 * (mp.log((2 - x) / x) / 2 + mp.atan(y))
            + DELTA / 2 * mp.log((1 + y * y) / (x * (2 - x))) / 2)


def biolek_state(t, amp, freq, x0=X0):
    """1 - x of the Biolek device at time t (half periods solved in sequence)."""
    half = 1 / (2 * freq)
    y = 1 - x0
    t_start = mp.mpf(0)
    while True:
        t_end = min(t, t_start + half)
        dphi = flux(t_end, amp, freq) - flux(t_start, amp, freq)
        positive = int(mp.floor(t_start / half + mp.mpf("1e-30"))) % 2 == 0
        if positive:
            target = biolek_p(mp.log(y)) + K * dphi
            u = mp.findroot(lambda u: biolek_p(u) - target, (mp.mpf(-3000), mp.log(y)),
                            solver="anderson")
            y = mp.exp(u)
        else:
            target = biolek_n(y) - K * dphi
            y = mp.findroot(lambda z: biolek_n(z) - target, (y, 1 - mp.mpf(10) ** -30),
                            solver="anderson")
        if t_end >= t:
            return y
        t_start = t_end


def write_biolek(root):
    amp, freq = mp.mpf(1), mp.mpf("0.25")
    period = 1 / freq
    per_period, periods = 100, 2
    out = os.path.join(root, "crates", "memrc", "tests", "data", "hp_biolek_edge.csv")
    w = 2 * mp.pi * freq

    def di_dv(t):
        y = biolek_state(t, amp, freq)
        return voltage(t, amp, freq) / (R_ON * (1 - y) + R_OFF * y) * amp * w * mp.cos(w * t)

    # Lobe areas of the second period (4-6 s, 6-8 s), the loop-area sweep's measure.
    lobes = []
    for a in (period, period * 3 / 2):
        pts = [a + period / 2 * k / 8 for k in range(9)]
        lobes.append(abs(mp.quad(di_dv, pts)))
    lines = [
        "# HP/Strukov + Biolek window p = 2, R_on = 100 Ohm, R_off = 16 kOhm, D = 10 nm, "
        "mu_v = 1e-14 m^2/(V s) (k = 1e4 1/C), x0 = 0.1, v = sin(2 pi 0.25 t) V; exact closed form "
        "per half period (bench/peers/hp_window_edge.py, mpmath 40 digits)",
        f"# loop area of the second period (4-8 s) = {mp.nstr(lobes[0], 17)} + "
        f"{mp.nstr(lobes[1], 17)} = {mp.nstr(lobes[0] + lobes[1], 17)} V*A",
        "t_s,v_V,x,one_minus_x,i_A",
    ]
    for k in range(periods * per_period + 1):
        t = period * k / per_period
        y = biolek_state(t, amp, freq)
        x = 1 - y
        v = voltage(t, amp, freq)
        i = v / (R_ON * x + R_OFF * y)
        lines.append(",".join(mp.nstr(q, 17, min_fixed=0, max_fixed=0) if q != 0 else "0"
                              for q in (t, v, x, y, i)))
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {out}", file=sys.stderr)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    write_biolek(root)
    out = os.path.join(root, "crates", "memrc", "tests", "data", "hp_joglekar_edge.csv")

    # Cross-check at 1 V, 1 Hz against docs/numerics.md.
    amp, freq = mp.mpf(1), mp.mpf(1)
    x_peak = state(mp.mpf("0.5"), amp, freq)[1]
    lobe_1hz = lobe_area(0, mp.mpf("0.5"), amp, freq)
    e_1hz = energy(0, 2, amp, freq)
    print(f"1 Hz: x peak {mp.nstr(x_peak, 10)}, lobe area {mp.nstr(lobe_1hz, 8)} V*A, "
          f"energy over two periods {mp.nstr(e_1hz, 8)} J", file=sys.stderr)

    # The edge case: 1 V, 0.25 Hz, four periods.
    amp, freq = mp.mpf(1), mp.mpf("0.25")
    period = 1 / freq
    periods = 4
    per_period = 200
    lobes = [lobe_area(h * period / 2, (h + 1) * period / 2, amp, freq) for h in range(2)]
    e_period = energy(0, period, amp, freq)
    y_min = state(period / 2, amp, freq)[2]
    x_end = state(period, amp, freq)[1]
    # The time after which a double x rounds to 1 (1 - x below half an ulp of 1, 2^-53).
    lines = [
        "# HP/Strukov + Joglekar window p = 2, R_on = 100 Ohm, R_off = 16 kOhm, D = 10 nm, "
        "mu_v = 1e-14 m^2/(V s) (k = 1e4 1/C), x0 = 0.1, v = sin(2 pi 0.25 t) V; exact closed form "
        "(bench/peers/hp_window_edge.py, mpmath 40 digits)",
        f"# min(1 - x) = {mp.nstr(y_min, 17)} at t = 2 s; x(4 s) = {mp.nstr(x_end, 17)}; "
        f"lobe areas per period = {mp.nstr(lobes[0], 17)} + {mp.nstr(lobes[1], 17)} V*A "
        f"= {mp.nstr(lobes[0] + lobes[1], 17)} V*A; energy per period = {mp.nstr(e_period, 17)} J",
        f"# cross-check at 1 V, 1 Hz: x peak = {mp.nstr(x_peak, 17)}, lobe area = "
        f"{mp.nstr(lobe_1hz, 17)} V*A, energy over two periods = {mp.nstr(e_1hz, 17)} J",
        "t_s,v_V,x,one_minus_x,s,i_A",
    ]
    for k in range(periods * per_period + 1):
        t = period * k / per_period
        s, x, y = state(t, amp, freq)
        v = voltage(t, amp, freq)
        i = v / (R_ON * x + R_OFF * y)
        lines.append(",".join(mp.nstr(q, 17, min_fixed=0, max_fixed=0) if q != 0 else "0"
                              for q in (t, v, x, y, s, i)))
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    print("\n".join(lines[:3]), file=sys.stderr)


if __name__ == "__main__":
    main()
