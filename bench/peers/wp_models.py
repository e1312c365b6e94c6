"""The two point neurons of the work-precision problems (work_precision.py), written once in
numpy for the scipy reference and for the peers' set-up: parameters, rates, the right-hand
side and the steady state of the gates.

Units: v [mV], t [ms], conductances [uS], capacitance [nF], currents [nA] (uS·mV = nA,
nF·mV/ms = nA). Both neurons have an area of 20000 um^2 (memrc's default), so 1 uF/cm^2 is
0.2 nF and 1 mS/cm^2 is 0.2 uS.

- traub: the Traub–Miles neuron of Brian2's COBAHH example (Brette et al. 2007, benchmark 3;
  memrc `traub-miles`, crates/memrc/src/net/model.rs `TraubMiles`; NEST `hh_cond_exp_traub`):
  u = v − V_T, α_m = 0.32·4/exprel((13 − u)/4), β_m = 0.28·5/exprel((u − 40)/5),
  α_h = 0.128 e^{(17 − u)/18}, β_h = 4/(1 + e^{(40 − u)/5}), α_n = 0.032·5/exprel((15 − u)/5),
  β_n = 0.5 e^{(10 − u)/40} [1/ms]; ḡ_Na 100, ḡ_K 30, g_l 0.05 mS/cm^2, E_Na 50, E_K −90,
  E_l −60, V_T −63 mV.
- hh: the classic Hodgkin–Huxley squid axon at 6.3 °C in the −65 mV convention (memrc `hh`,
  crates/memrc/src/net/hh.rs; NEURON `hh` with `usetable_hh = 0`): α_m = 1/exprel(−(v + 40)/10),
  β_m = 4 e^{−(v + 65)/18}, α_h = 0.07 e^{−(v + 65)/20}, β_h = 1/(1 + e^{−(v + 35)/10}),
  α_n = 0.1/exprel(−(v + 55)/10), β_n = 0.125 e^{−(v + 65)/80} [1/ms]; ḡ_Na 120, ḡ_K 36,
  g_l 0.3 mS/cm^2, E_Na 50, E_K −77, E_l −54.387 mV.

C v̇ = g_l (E_l − v) + ḡ_Na m³h (E_Na − v) + ḡ_K n⁴ (E_K − v) + I,  ẋ = α_x (1 − x) − β_x x.
"""

import numpy as np

AREA_CM2 = 20000e-8  # 20000 um^2 in cm^2
MS_PER_CM2 = AREA_CM2 * 1e3  # 1 mS/cm^2 in uS (0.2)
C_NF = AREA_CM2 * 1e3  # 1 uF/cm^2 in nF (0.2)

PARAMS = {
    "traub": dict(c=C_NF, gl=0.05 * MS_PER_CM2, gna=100 * MS_PER_CM2, gk=30 * MS_PER_CM2,
                  el=-60.0, ena=50.0, ek=-90.0, vt=-63.0),
    "hh": dict(c=C_NF, gl=0.3 * MS_PER_CM2, gna=120 * MS_PER_CM2, gk=36 * MS_PER_CM2,
               el=-54.387, ena=50.0, ek=-77.0),
}


def exprel(z):
    """(e^z − 1)/z, 1 at z = 0 (numpy arrays or scalars)."""
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 1e-6
    if not small.any():
        return np.expm1(z) / z
    zs = np.where(small, 1.0, z)
    return np.where(small, 1.0 + z / 2 + z * z / 6, np.expm1(zs) / zs)


def rates(model, v):
    """(α_m, β_m, α_h, β_h, α_n, β_n) [1/ms] at v [mV]."""
    if model == "traub":
        u = v - PARAMS["traub"]["vt"]
        return (1.28 / exprel((13 - u) / 4), 1.4 / exprel((u - 40) / 5),
                0.128 * np.exp((17 - u) / 18), 4 / (1 + np.exp((40 - u) / 5)),
                0.16 / exprel((15 - u) / 5), 0.5 * np.exp((10 - u) / 40))
    if model == "hh":
        return (1 / exprel(-(v + 40) / 10), 4 * np.exp(-(v + 65) / 18),
                0.07 * np.exp(-(v + 65) / 20), 1 / (1 + np.exp(-(v + 35) / 10)),
                0.1 / exprel(-(v + 55) / 10), 0.125 * np.exp(-(v + 65) / 80))
    raise ValueError(model)


def steady_gates(model, v):
    """(m, h, n) at their steady states at v [mV]."""
    am, bm, ah, bh, an, bn = rates(model, v)
    return float(am / (am + bm)), float(ah / (ah + bh)), float(an / (an + bn))


def rhs(model, y, i_na):
    """dy/dt for y = [v (N), m (N), h (N), n (N)] stacked, currents i_na (N) [nA]."""
    p = PARAMS[model]
    k = len(i_na)
    v, m, h, n = y[:k], y[k:2 * k], y[2 * k:3 * k], y[3 * k:]
    am, bm, ah, bh, an, bn = rates(model, v)
    dv = (p["gl"] * (p["el"] - v) + p["gna"] * m ** 3 * h * (p["ena"] - v)
          + p["gk"] * n ** 4 * (p["ek"] - v) + i_na) / p["c"]
    return np.concatenate([dv, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n])
