#!/bin/sh
# ngspice reference for a voltage-driven memristor circuit (issue #12 §1): the HP memristor with
# the Joglekar window (p = 2; R_on 100 Ohm, R_off 16 kOhm, D 10 nm, mu_v 1e-14 m^2/(V s), so
# k = 1e4 /C; x(0) = 0.1) behind 1 kOhm, a 1 pF node, driven by a 1.5 V 1 Hz sine for 2 s: the
# circuit of examples/hp_voltage_series.toml with kind = "hp-joglekar". The memristor is the
# usual behavioural SPICE model (Biolek et al. 2009): its current V/R(x) from a B source, the
# state x as the voltage of a 1 F capacitor charged by k i (1 - (2x - 1)^4). Gear order 2 with
# reltol 1e-9, steps of at most 10 us, interpolated to 0.1 ms; every 50th sample (5 ms) is kept.
# Writes crates/memrc-io/tests/data/hp_joglekar_ngspice.csv. Run from the repository root;
# needs ngspice (apt-get install ngspice; generated with ngspice 39) and python3.
set -e
dir=$(mktemp -d)
cat > "$dir/hp.cir" <<'CIR'
* HP memristor, Joglekar window p = 2, behind 1 kOhm, 1 pF node, 1.5 V 1 Hz sine
V1 in 0 SIN(0 1.5 1)
R1 in mid 1k
C1 mid 0 1p
Bm mid 0 I = V(mid)/(100*V(x) + 16000*(1-V(x)))
Bx 0 x I = 1e4 * V(mid)/(100*V(x) + 16000*(1-V(x))) * (1 - pow(2*V(x)-1, 4))
Cx x 0 1
.ic V(x)=0.1
.options reltol=1e-9 abstol=1e-18 vntol=1e-12 chgtol=1e-20 method=gear maxord=2 interp
.tran 0.1m 2 0 10u UIC
.control
run
set wr_singlescale
set wr_vecnames
option numdgt=15
wrdata hp.txt v(x) v(mid)
.endc
.end
CIR
# ngspice -b exits with 1 after a .control run ("no simulations run" of the deck itself).
(cd "$dir" && ngspice -b hp.cir > ngspice.log 2>&1) || true
test -s "$dir/hp.txt" || { cat "$dir/ngspice.log"; exit 1; }
version=$(ngspice -v 2>/dev/null | grep -o 'ngspice-[0-9.]*' | head -1)
python3 - "$dir/hp.txt" "$version" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]).readlines()[1:]]
out = open("crates/memrc-io/tests/data/hp_joglekar_ngspice.csv", "w")
out.write("# generator: bench/peers/hp_voltage_ngspice.sh (%s); HP Joglekar p = 2 behind 1 kOhm, "
          "1 pF, 1.5 V 1 Hz sine, x(0) = 0.1; gear-2, reltol 1e-9, max step 10 us\n" % sys.argv[2])
out.write("t_s,x,v_mid_V\n")
out.write("0,0.1,0\n")
for k, (t, x, v) in enumerate(rows, start=1):
    if k % 50 == 0:
        out.write("%s,%s,%s\n" % (t, x, v))
PY
rm -r "$dir"
