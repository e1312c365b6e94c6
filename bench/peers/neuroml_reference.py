#!/usr/bin/env python3
"""Reference spike times of the NeuroML2 example cells for `crates/memrc-io/tests/neuroml.rs`.

Runs jNeuroML (jLEMS, bundled with pyNeuroML), at several small steps, on

- `NML2_SingleCompHHCell.nml`: the simulation of `LEMS_NML2_Ex5_DetCell.xml` (300 ms, 0.08 nA
  pulse on 100-200 ms);
- `LEMS_NML2_Ex10_Q10.xml` as shipped (the same cell with q10ExpTemp factors at 22 degC, its K
  closing rate a LEMS ComponentType), the reference of `NML2_Q10HHCell.nml`;
- `NML2_WeightsNetwork.nml` (the network of `LEMS_NML2_Ex26_Weights.xml`, modified): network
  net2, 300 ms, the voltages of its 3 + 8 cells;

locates the upward crossings of the cell's spikeThresh (-20 mV) in each recorded trace (linear
interpolation between samples), and writes

    crates/memrc-io/tests/data/neuroml/NML2_SingleCompHHCell_spikes.csv
    crates/memrc-io/tests/data/neuroml/NML2_Q10HHCell_spikes.csv

with one row per spike: the spike times (ms) of every step, and their Richardson extrapolation
to step 0 (jLEMS integrates by forward Euler, order 1: t0 = 2 t(h/2) - t(h), from the two
smallest steps). For the network it writes

    crates/memrc-io/tests/data/neuroml/NML2_WeightsNetwork_spikes.csv
    crates/memrc-io/tests/data/neuroml/NML2_WeightsNetwork_v.csv

the first as above with the population and cell index of every spike, the second the voltage
(mV) of every postPop cell every 0.5 ms at every step and extrapolated as the spike times are,
and prints how far apart the steps and the two extrapolations ((1, 0.5) and (0.5, 0.25) us) are.
jLEMS writes its output in single precision (Java float: ~7 significant digits, ~4e-6 mV at
-65 mV); that rounding is in every sample and spike time.

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
NETWORK_NML = DATA / "NML2_WeightsNetwork.nml"
NETWORK_CELLS = [("prePop", i) for i in range(3)] + [("postPop", i) for i in range(8)]
SAMPLE_MS = 0.5
LENGTH_MS = 300.0

# A LEMS simulation of network {net} of {nml} for {length} ms at step {step} ms, writing the
# voltage columns {columns} to {out}, and the {events} block (an EventOutputFile, or nothing).
NETWORK_LEMS = """<Lems>
    <Target component="sim1"/>
    <Include file="Cells.xml"/>
    <Include file="Networks.xml"/>
    <Include file="Simulation.xml"/>
    <Include file="{nml}"/>
    <Simulation id="sim1" length="{length}ms" step="{step}ms" target="{net}">
        <OutputFile id="of0" fileName="{out}">
{columns}
        </OutputFile>{events}
    </Simulation>
</Lems>
"""

EVENTS = """
        <EventOutputFile id="ev0" fileName="{file}" format="TIME_ID">
{selections}
        </EventOutputFile>"""


def scan(path, step_ms=None, length_ms=LENGTH_MS):
    """Upward crossings of THRESHOLD_V (ms) in every voltage column of a jLEMS output file (t in
    s, then v in V), and, given the step, the voltages (mV) every SAMPLE_MS ms from 0 to
    length_ms: the row whose t is closest to each sample time (within half a step)."""
    crossings, samples, prev = None, [], None
    n_samples = round(length_ms / SAMPLE_MS) + 1
    with open(path) as f:
        for line in f:
            row = [float(x) for x in line.split()]
            t = 1e3 * row[0]
            if crossings is None:
                crossings = [[] for _ in row[1:]]
            if prev is not None:
                for j, (v0, v) in enumerate(zip(prev[1:], row[1:])):
                    if v0 < THRESHOLD_V <= v:
                        t0 = 1e3 * prev[0]
                        crossings[j].append(t0 + (t - t0) * (THRESHOLD_V - v0) / (v - v0))
            if step_ms is not None and len(samples) < n_samples:
                ts = SAMPLE_MS * len(samples)
                if t >= ts:
                    best = row
                    if prev is not None and ts - 1e3 * prev[0] < t - ts:
                        best = prev
                    dt = abs(1e3 * best[0] - ts)
                    assert dt <= step_ms / 2, f"{path}: no row within half a step of {ts} ms"
                    samples.append([1e3 * v for v in best[1:]])
            prev = row
    if step_ms is not None:
        assert len(samples) == n_samples, f"{path}: {len(samples)} samples of {n_samples}"
    return crossings, samples


def spikes(path):
    """Upward crossings of THRESHOLD_V in a jLEMS output file (t in s, v in V), in ms."""
    return scan(path)[0][0]


def run(jnml, tmp, lems_text, step):
    """Runs jNeuroML on `lems_text` (a LEMS file written in `tmp` for step `step`)."""
    lems = pathlib.Path(tmp) / f"LEMS_ref_{step}.xml"
    lems.write_text(lems_text)
    subprocess.run([jnml, str(lems), "-nogui"], check=True, cwd=tmp,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, JNML_MAX_MEMORY_LOCAL="2G"))


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
            out = pathlib.Path(tmp) / f"v_{step}.dat"
            run(jnml, tmp, make_lems(step, out), step)
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


def convergence(label, series):
    """Prints, for one quantity given at the steps STEPS_MS (lists of equal length), the max
    differences between consecutive steps, their ratio (2 for first order), and between the
    extrapolations from the two coarser and the two finer steps."""
    a, b, c = series
    d1 = max((abs(x - y) for x, y in zip(a, b)), default=0.0)
    d2 = max((abs(x - y) for x, y in zip(b, c)), default=0.0)
    de = max((abs((2 * y - x) - (2 * z - y)) for x, y, z in zip(a, b, c)), default=0.0)
    ratio = d1 / d2 if d2 > 0 else float("nan")
    h0, h1, h2 = (f"{1e3 * float(s):g}" for s in STEPS_MS)
    print(f"  {label}: max|{h0}-{h1}us| {d1:.3e}  max|{h1}-{h2}us| {d2:.3e}  ratio {ratio:.2f}  "
          f"max|extrap({h0},{h1}) - extrap({h1},{h2})| {de:.3e}")


def write_spikes(path, comment, cells, times):
    """Writes the spike times `times[step][j]` (ms) of `cells` [(population, index)] at every
    step of STEPS_MS, one row per spike: population, cell, the time at each step and
    2 t(h/2) - t(h) from the two smallest; asserts that each cell's count is the same at every
    step."""
    h, h2 = STEPS_MS[-2], STEPS_MS[-1]
    with open(path, "w") as f:
        f.write(f"# {comment}; made by bench/peers/neuroml_reference.py\n")
        f.write("population,cell," + ",".join(f"t_step_{s}ms" for s in STEPS_MS)
                + ",t_extrapolated\n")
        for j, (pop, i) in enumerate(cells):
            counts = {len(times[s][j]) for s in STEPS_MS}
            assert len(counts) == 1, f"{pop} {i}: spike counts differ between steps: {counts}"
            for k in range(len(times[h][j])):
                row = [times[s][j][k] for s in STEPS_MS]
                row.append(2 * times[h2][j][k] - times[h][j][k])
                f.write(f"{pop},{i}," + ",".join(f"{x:.9f}" for x in row) + "\n")
    print("wrote", path)


def network_reference(jnml):
    """NML2_WeightsNetwork: spike times of every cell, voltages of the postPop cells."""
    columns = "\n".join(f'            <OutputColumn id="{p}{i}" quantity="{p}/{i}/hhcell/v"/>'
                         for p, i in NETWORK_CELLS)
    crossings, samples = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for step in STEPS_MS:
            out = pathlib.Path(tmp) / f"v_{step}.dat"
            run(jnml, tmp, NETWORK_LEMS.format(nml=NETWORK_NML, step=step, out=out, net="net2",
                                               length=300, columns=columns, events=""), step)
            crossings[step], samples[step] = scan(out, float(step))
            print(step, "ms:", [len(c) for c in crossings[step]], "spikes per cell")
    h, h2 = STEPS_MS[-2], STEPS_MS[-1]
    title = ("NML2_WeightsNetwork (network net2, 300 ms) by jNeuroML 0.14.0 (jLEMS, forward "
             "Euler, output in single precision)")
    write_spikes(DATA / "NML2_WeightsNetwork_spikes.csv",
                 f"{title}; upward -20 mV crossings, ms", NETWORK_CELLS, crossings)
    post = [j for j, (pop, _) in enumerate(NETWORK_CELLS) if pop == "postPop"]
    out_csv = DATA / "NML2_WeightsNetwork_v.csv"
    with open(out_csv, "w") as f:
        f.write(f"# {title}; membrane voltage of the postPop cells (mV) every {SAMPLE_MS} ms, "
                "the output row closest to each time; extrapolated = 2 v(0.00025ms) - "
                "v(0.0005ms); made by bench/peers/neuroml_reference.py\n")
        head = ["t_ms"]
        for j in post:
            i = NETWORK_CELLS[j][1]
            head += [f"post{i}_step_{s}ms" for s in STEPS_MS] + [f"post{i}_extrapolated"]
        f.write(",".join(head) + "\n")
        for n in range(len(samples[h])):
            row = [f"{SAMPLE_MS * n:g}"]
            for j in post:
                vs = [samples[s][n][j] for s in STEPS_MS]
                vs.append(2 * samples[h2][n][j] - samples[h][n][j])
                row += [f"{v:.9g}" for v in vs]
            f.write(",".join(row) + "\n")
    print("wrote", out_csv)
    print("step convergence (ms for spike times, mV for voltages):")
    for j, (pop, i) in enumerate(NETWORK_CELLS):
        if crossings[h][j]:
            convergence(f"{pop} {i} spike times", [crossings[s][j] for s in STEPS_MS])
    for j in post:
        convergence(f"postPop {NETWORK_CELLS[j][1]} v",
                    [[row[j] for row in samples[s]] for s in STEPS_MS])


# Integrate-and-fire networks of jNeuroML's examples (unchanged copies): (name, network id,
# length in ms, [(population, cell, LEMS path of the cell)]).
IAF_NETWORKS = [
    ("NML2_InstanceBasedNetwork", "InstanceBasedNetwork", 300,
     [("iafCells", i, f"iafCells/{i}/iaf") for i in range(3)]),
    ("NML2_GapJunctions", "net1", 700,
     [("iafPop1", 0, "iafPop1[0]"), ("iafPop2", 0, "iafPop2[0]")]),
]


def event_reference(jnml, name, net, length_ms, cells):
    """An integrate-and-fire network (spikes are resets, not threshold crossings in the trace):
    the spike events jLEMS emits (the end of the step in which v passed the threshold) and the
    voltages every SAMPLE_MS ms, at every step of STEPS_MS; writes NAME_spikes.csv (population,
    cell, the time at each step and 2 t(h/2) - t(h) from the two smallest) and NAME_v.csv."""
    nml = DATA / f"{name}.nml"
    columns = "\n".join(f'            <OutputColumn id="c{j}" quantity="{path}/v"/>'
                         for j, (_, _, path) in enumerate(cells))
    selections = "\n".join(f'            <EventSelection id="{j}" select="{path}" eventPort="spike"/>'
                            for j, (_, _, path) in enumerate(cells))
    events, samples = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for step in STEPS_MS:
            out = pathlib.Path(tmp) / f"v_{step}.dat"
            ev = pathlib.Path(tmp) / f"e_{step}.spikes"
            events_block = EVENTS.format(file=ev, selections=selections)
            run(jnml, tmp, NETWORK_LEMS.format(nml=nml, step=step, out=out, net=net,
                                               length=length_ms, columns=columns,
                                               events=events_block), step)
            _, samples[step] = scan(out, float(step), float(length_ms))
            per = [[] for _ in cells]
            for line in ev.read_text().split("\n"):
                if line.strip():
                    t, j = line.split()
                    per[int(j)].append(1e3 * float(t))
            events[step] = [sorted(x) for x in per]
            print(name, step, "ms:", [len(x) for x in per], "spikes per cell")
    h, h2 = STEPS_MS[-2], STEPS_MS[-1]
    title = (f"{name} (network {net}, {length_ms} ms) by jNeuroML 0.14.0 (jLEMS, forward Euler, "
             "output in single precision)")
    write_spikes(DATA / f"{name}_spikes.csv",
                 f"{title}; spike events (the end of the step in which v passed thresh), ms",
                 [(pop, i) for pop, i, _ in cells], events)
    for j, (pop, i, _) in enumerate(cells):
        if events[h][j]:
            convergence(f"{pop} {i} spike times", [events[s][j] for s in STEPS_MS])
    with open(DATA / f"{name}_v.csv", "w") as f:
        f.write(f"# {title}; membrane voltage (mV) every {SAMPLE_MS} ms, the output row closest "
                "to each time; made by bench/peers/neuroml_reference.py\n")
        head = ["t_ms"]
        for pop, i, _ in cells:
            head += [f"{pop}{i}_step_{s}ms" for s in STEPS_MS]
        f.write(",".join(head) + "\n")
        for n in range(len(samples[h])):
            row = [f"{SAMPLE_MS * n:g}"]
            for j in range(len(cells)):
                row += [f"{samples[s][n][j]:.9g}" for s in STEPS_MS]
            f.write(",".join(row) + "\n")
    print("wrote", name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jnml", default="jnml")
    ap.add_argument("--only", help="make only this reference (a file name stem, e.g. NML2_GapJunctions)")
    args = ap.parse_args()
    jnml = args.jnml
    makers = {
        "NML2_SingleCompHHCell": lambda: reference(
            jnml, "NML2_SingleCompHHCell",
            lambda step, out: NETWORK_LEMS.format(
                nml=NML, step=step, out=out, net="net1", length=300, events="",
                columns='            <OutputColumn id="v" quantity="hhpop[0]/v"/>'),
            "NML2_SingleCompHHCell (LEMS_NML2_Ex5_DetCell: 300 ms, 0.08 nA on 100-200 ms)"),
        "NML2_Q10HHCell": lambda: reference(
            jnml, "NML2_Q10HHCell", q10_lems,
            "LEMS_NML2_Ex10_Q10 (q10 3 at 32 degC, run at 22 degC; 300 ms, 0.08 nA on 100-200 ms)"),
        "NML2_WeightsNetwork": lambda: network_reference(jnml),
    }
    for name, net, length, cells in IAF_NETWORKS:
        makers[name] = (lambda n=name, t=net, l=length, c=cells:
                        event_reference(jnml, n, t, l, c))
    if args.only and args.only not in makers:
        ap.error(f"--only {args.only}: one of {', '.join(makers)}")
    for name, make in makers.items():
        if not args.only or name == args.only:
            make()


if __name__ == "__main__":
    main()
