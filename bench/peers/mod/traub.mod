COMMENT
The Traub-Miles membrane of Brian2's COBAHH example (Brette et al. 2007, benchmark 3), as memrc's
`traub-miles` (crates/memrc/src/net/model.rs) and bench/peers/wp_models.py: one mechanism with the
leak, sodium and potassium currents. u = v - vt [mV]; rates [1/ms]:
  alpha_m = 0.32*4/exprel((13-u)/4),  beta_m = 0.28*5/exprel((u-40)/5)
  alpha_h = 0.128*exp((17-u)/18),     beta_h = 4/(1+exp((40-u)/5))
  alpha_n = 0.032*5/exprel((15-u)/5), beta_n = 0.5*exp((10-u)/40)
with exprel(z) = (exp(z)-1)/z (1 at z = 0). The gates start at their steady state at the initial v.
Used by bench/peers/wp_neuron.py (work_precision.py).
ENDCOMMENT

NEURON {
    SUFFIX traub
    NONSPECIFIC_CURRENT i
    RANGE gnabar, gkbar, gl, ena, ek, el, vt
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gnabar = 0.1 (S/cm2)
    gkbar = 0.03 (S/cm2)
    gl = 5e-5 (S/cm2)
    ena = 50 (mV)
    ek = -90 (mV)
    el = -60 (mV)
    vt = -63 (mV)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    am (/ms) bm (/ms) ah (/ms) bh (/ms) an (/ms) bn (/ms)
}

STATE { m h n }

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gnabar*m*m*m*h*(v - ena) + gkbar*n*n*n*n*(v - ek) + gl*(v - el)
}

INITIAL {
    rates(v)
    m = am/(am + bm)
    h = ah/(ah + bh)
    n = an/(an + bn)
}

DERIVATIVE states {
    rates(v)
    m' = am*(1 - m) - bm*m
    h' = ah*(1 - h) - bh*h
    n' = an*(1 - n) - bn*n
}

FUNCTION exprel(z) {
    if (fabs(z) < 1e-6) {
        exprel = 1 + z/2 + z*z/6
    } else {
        exprel = (exp(z) - 1)/z
    }
}

PROCEDURE rates(v (mV)) {
    LOCAL u
    UNITSOFF
    u = v - vt
    am = 1.28/exprel((13 - u)/4)
    bm = 1.4/exprel((u - 40)/5)
    ah = 0.128*exp((17 - u)/18)
    bh = 4/(1 + exp((40 - u)/5))
    an = 0.16/exprel((15 - u)/5)
    bn = 0.5*exp((10 - u)/40)
    UNITSON
}
