"""The Traub–Miles membrane of Brian2's COBAHH example (Brette et al. 2007, benchmark 3),
shared by cobahh_brian2.py and traub_single_brian2.py: its parameters as Brian2 quantities
(an area of 20000 um^2) and its gate equations. Brian2 resolves the names in an equation in
the namespace of the script that runs it, so the scripts import these names."""

from brian2 import umetre, cm, ufarad, siemens, msiemens, mV

area = 20000 * umetre**2
Cm = (1 * ufarad * cm**-2) * area
gl = (5e-5 * siemens * cm**-2) * area
El = -60 * mV
EK = -90 * mV
ENa = 50 * mV
g_na = (100 * msiemens * cm**-2) * area
g_kd = (30 * msiemens * cm**-2) * area
VT = -63 * mV

# The gates m, n, h (first-order kinetics), written after the line of dv/dt.
GATES = """dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
"""

# Their opening and closing rates [Hz], written last.
RATES = """alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
"""
