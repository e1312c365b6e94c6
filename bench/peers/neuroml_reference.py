#!/usr/bin/env python3
"""Reference spike times of the NeuroML2 example cells for `crates/memrc-io/tests/neuroml.rs`.

Runs jNeuroML (jLEMS, bundled with pyNeuroML), at several small steps, on

- `NML2_SingleCompHHCell.nml`: the simulation of `LEMS_NML2_Ex5_DetCell.xml` (300 ms, 0.08 nA
  pulse on 100-200 ms);
- `LEMS_NML2_Ex10_Q10.xml` as shipped (the same cell with q10ExpTemp factors at 22 degC, its K
  closing rate a LEMS ComponentType), the reference of `NML2_Q10HHCell.nml`;

locates the upward crossings of the cell's spikeThresh (-20 mV) in each recorded trace (linear
interpolation between samples), and writes

    crates/memrc-io/tests/data/neuroml/NML2_SingleCompHHCell_spikes.csv
    crates/memrc-io/tests/data/neuroml/NML2_Q10HHCell_spikes.csv

with one row per spike: the spike times (ms) of every step, and their Richardson extrapolation
to step 0 (jLEMS integrates by forward Euler, order 1: t0 = 2 t(h/2) - t(h), from the two
smallest steps).

Usage (from the repository root; needs Java >= 11):
    python3 -m venv /tmp/nmlvenv && /tmp/nmlvenv/bin/pip install pyNeuroML
    /tmp/nmlvenv/bin/python bench/peers/neuroml_reference.py [--jnml /tmp/nmlvenv/bin/jnml]
"""

import argparse
import os
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "crates/memrc-io/tests/data/neuroml"
NML = DATA / "NML2_SingleCompHHCell.nml"
Q10_LEMS = DATA / "LEMS_NML2_Ex10_Q10.xml"
STEPS_MS = ["0.001", "0.0005", "0.00025"]
THRESHOLD_V = -0.020

LEMS = """<Lems>
    <Target component="sim1"/>
    <Include file="Cells.xml"/>
    <Include file="Networks.xml"/>
    <Include file="Simulation.xml"/>
    <Include file="{nml}"/>
    <Simulation id="sim1" length="300ms" step="{step}ms" target="net1">
        <OutputFile id="of0" fileName="{out}">
            <OutputColumn id="v" quantity="hhpop[0]/v"/>
        </OutputFile>
    </Simulation>
</Lems>
"""


def spikes(path):
    """Upward crossings of THRESHOLD_V in a jLEMS output file (t in s, v in V), in ms."""
    out, prev = [], None
    with open(path) as f:
        for line in f:
            t, v = map(float, line.split()[:2])
            if prev is not None and prev[1] < THRESHOLD_V <= v:
                t0, v0 = prev
                out.append(1e3 * (t0 + (t - t0) * (THRESHOLD_V - v0) / (v - v0)))
            prev = (t, v)
    return out


def q10_lems(step, out):
    """LEMS_NML2_Ex10_Q10.xml with the step `step` and only the voltage written to `out`."""
    src = Q10_LEMS.read_text()
    a = src.index("<Simulation ")
    b = src.index("</Simulation>") + len("</Simulation>")
    sim = ('<Simulation id="sim1" length="300ms" step="%sms" target="net1">\n'
           '<OutputFile id="of0" fileName="%s"><OutputColumn id="v" quantity="hhpop[0]/v"/>'
           '</OutputFile></Simulation>' % (step, out))
    return src[:a] + sim + src[b:]


def reference(jnml, name, make_lems, title):
    out_csv = DATA / f"{name}_spikes.csv"
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for step in STEPS_MS:
            lems = pathlib.Path(tmp) / f"LEMS_ref_{step}.xml"
            out = pathlib.Path(tmp) / f"v_{step}.dat"
            lems.write_text(make_lems(step, out))
            subprocess.run([jnml, str(lems), "-nogui"], check=True, cwd=tmp,
                           stdout=subprocess.DEVNULL, env=dict(os.environ, JNML_MAX_MEMORY_LOCAL="2G"))
            runs[step] = spikes(out)
            print(step, "ms:", len(runs[step]), "spikes", runs[step][:3], "...")
    counts = {len(s) for s in runs.values()}
    assert len(counts) == 1, f"spike counts differ between steps: {counts}"
    h, h2 = STEPS_MS[-2], STEPS_MS[-1]
    with open(out_csv, "w") as f:
        f.write(f"# {title} by jNeuroML "
                "0.14.0 (jLEMS, forward Euler); upward -20 mV crossings, ms; made by "
                "bench/peers/neuroml_reference.py\n")
        f.write(",".join(f"t_step_{s}ms" for s in STEPS_MS) + ",t_extrapolated\n")
        for i in range(len(runs[h])):
            row = [runs[s][i] for s in STEPS_MS]
            row.append(2 * runs[h2][i] - runs[h][i])
            f.write(",".join(f"{x:.9f}" for x in row) + "\n")
    print("wrote", out_csv)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jnml", default="jnml")
    args = ap.parse_args()
    reference(args.jnml, "NML2_SingleCompHHCell",
              lambda step, out: LEMS.format(nml=NML, step=step, out=out),
              "NML2_SingleCompHHCell (LEMS_NML2_Ex5_DetCell: 300 ms, 0.08 nA on 100-200 ms)")
    reference(args.jnml, "NML2_Q10HHCell", q10_lems,
              "LEMS_NML2_Ex10_Q10 (q10 3 at 32 degC, run at 22 degC; 300 ms, 0.08 nA on 100-200 ms)")


if __name__ == "__main__":
    main()
