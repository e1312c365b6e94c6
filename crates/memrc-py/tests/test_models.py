"""Model files from Python: load/loads/example, check, run, save, sweep and models built in
code — against the `memrc` CLI on the same files (bit for bit) and against the paper's
figures."""

import json
import pathlib
import signal
import threading
import time

import numpy as np
import pytest

import memrc
from conftest import ROOT, read_summary, run_cli


def cli_run(memrc_bin, tmp_path, name, *args):
    out = tmp_path / f"cli-{name}"
    run_cli(memrc_bin, "run", str(ROOT / "examples" / f"{name}.toml"), "--out", str(out),
            "--quiet", "--format", "npz", *args)
    return out, np.load(out / "traces.npz"), read_summary(out)


def test_example_4_matches_the_cli_bitwise_and_the_paper(memrc_bin, tmp_path):
    m = memrc.load(ROOT / "examples" / "hh_spike.toml")
    assert (m.name, m.kind) == ("hh_spike", "circuit")
    r = m.run()
    out, npz, summary = cli_run(memrc_bin, tmp_path, "hh_spike")
    assert np.array_equal(r.t, npz["t"])
    for name, values in r.traces.items():
        key = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
        assert np.array_equal(values, npz[key], equal_nan=True), name
    assert r.units["v_soma_V"] == "V" and r.units["na.m"] == "1"
    # The paper's Example 4: one spike, at about 21.5 ms after the 20-22 ms pulse; energy
    # balance (eq. 56) to rounding along the exp2 steps.
    node = r.summary["nodes"][0]
    assert node["spike_times_s"] == summary["nodes"][0]["spike_times_s"]
    assert node["spike_count"] == 1 and 20e-3 < node["spike_times_s"][0] < 23e-3
    assert abs(r.summary["energy"]["balance"]["rel_residual"]) < 1e-9
    assert r.spikes.population.tolist() == ["soma"] and len(r.spikes) == 1
    assert r.spikes.times[0] == node["spike_times_s"][0]


def test_network_traces_are_2d_with_ids_and_spikes_carry_their_population(memrc_bin, tmp_path):
    m = memrc.example("small-network")
    r = m.run(seed=3, threads=2)
    out, npz, summary = cli_run(memrc_bin, tmp_path, "small_network", "--seed", "3",
                                "--threads", "2")
    v = r.traces["exc.v"]
    assert v.shape == (3, 2000) and v.dtype == np.float64
    assert np.array_equal(v, npz["exc_v_V"])
    assert r.ids["exc.v"].tolist() == [0, 1, 2]
    assert r.recordings["inh.ge"].t.shape == (200,)
    assert np.array_equal(r.spikes.times, npz["spike_t"])
    assert np.array_equal(r.spikes.ids, npz["spike_id"])
    assert set(r.spikes.population) == {"exc", "inh"}
    assert all((p == "inh") == (i >= 80) for p, i in zip(r.spikes.population, r.spikes.ids))
    assert r.summary["spikes"] == summary["spikes"] == len(r.spikes)
    # Threads do not change the numbers.
    r1 = m.run(seed=3, threads=1)
    assert np.array_equal(r1.spikes.times, r.spikes.times)


def test_neuroml_documents_load_as_the_cli_imports_them(memrc_bin, tmp_path):
    nml = ROOT / "crates/memrc-io/tests/data/neuroml/NML2_GapJunctions.nml"
    m = memrc.load(nml)
    r = m.run()
    out = tmp_path / "gj"
    run_cli(memrc_bin, "run", str(nml), "--out", str(out))
    npz = np.load(out / "traces.npz")
    # Two iafCells coupled by a gap junction, each driven in turn: three spikes each, as the CLI.
    assert len(r.spikes) == 6 and set(r.spikes.population) == {"iafPop1", "iafPop2"}
    assert np.array_equal(r.spikes.times, npz["spike_t"])
    # A bad document is a ModelError located in the .nml file.
    bad = tmp_path / "bad.nml"
    bad.write_text(nml.read_text().replace('reset="-70mV"', 'reset="-50mV"'))
    with pytest.raises(memrc.ModelError) as e:
        memrc.load(bad)
    assert e.value.file == str(bad) and e.value.line == 12 and "is not below thresh" in str(e.value)


def test_overrides_set_and_save(tmp_path):
    m = memrc.example("hh-spike")
    r = m.run(t_end="30 ms", set={"stimulus.0.amplitude": "20 uA/cm^2"})
    assert r.summary["grid"]["steps"] == 300
    assert r.t[-1] == pytest.approx(0.03)
    r2 = m.run(t_end=0.03, dt="0.1 ms", set={"stimulus.0.amplitude": "20 uA/cm^2"})
    assert np.array_equal(r.traces["v_soma_V"], r2.traces["v_soma_V"])
    names = r.save(tmp_path / "a", formats=["csv", "npz", "npy"])
    assert {"traces.csv", "traces.npz", "t.npy", "v_soma_V.npy", "summary.json"} <= set(names)
    assert np.array_equal(np.load(tmp_path / "a" / "na_m.npy"), r.traces["na.m"], equal_nan=True)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    with pytest.raises(memrc.MemrcError, match="notes.txt"):
        r.save(tmp_path / "mine")


def test_check_is_the_cli_report(memrc_bin):
    m = memrc.load(ROOT / "examples" / "hh_spike.toml")
    c = m.check()
    cli = run_cli(memrc_bin, "check", str(ROOT / "examples" / "hh_spike.toml"))
    assert c.text == cli.rstrip("\n") + "\n" or c.text == cli
    assert c.all_ok and c.kind == "circuit" and c.cost["steps"] == 500
    assert any(a["what"].startswith("na: g") for a in c.assumptions)


def test_errors_are_located_exceptions():
    bad = memrc.example_text("hh_spike").replace('capacitance = "1 uF/cm^2"',
                                                  'capacitance = "1 uF/cm^3"')
    with pytest.raises(memrc.ModelError) as e:
        memrc.loads(bad, "bad.toml")
    assert e.value.file == "bad.toml" and e.value.line > 1 and e.value.column > 1
    m = memrc.example("hh-spike")
    with pytest.raises(memrc.ParameterError, match="give a unit"):
        m.run(t_end="200")
    with pytest.raises(memrc.ParameterError, match="no \\[\\[element\\]\\] named 'nx'"):
        m.run(set={"element.nx.params.gbar": "1 mS/cm^2"})
    with pytest.raises(OSError):
        memrc.load("/nonexistent/model.toml")


def test_a_sweep_is_parallel_and_equal_to_single_runs():
    m = memrc.example("hh-step")
    s = m.sweep({"stimulus.0.amplitude": "linspace(0, 20, 6) uA/cm^2"}, jobs=2)
    rates = s["table"]["rate_hz.soma"]
    assert len(rates) == 6 and rates[0] == 0 and rates[-1] > 50
    assert np.all(np.diff(rates) >= 0)
    single = m.run(set={"stimulus.0.amplitude": "8 uA/cm^2"})
    assert s["table"]["spike_count.soma"][2] == single.summary["nodes"][0]["spike_count"]
    s1 = m.sweep({"stimulus.0.amplitude": ["0 uA/cm^2", "8 uA/cm^2"]}, jobs=1)
    assert s1["table"]["spike_count.soma"][1] == s["table"]["spike_count.soma"][2]


def test_models_built_in_code_equal_the_file():
    c = memrc.Circuit("hh_code")
    c.simulation(t_end="50 ms", dt="0.1 ms", solver="relaxation", scheme="exp2", tol="1e-9 mV",
                 max_iterations=200, coupling="direct")
    c.node("soma", capacitance="1 uF/cm^2", initial="rest")
    c.element("na", "hh-na", node="soma", params={"gbar": "120 mS/cm^2", "e_rev": "50 mV"})
    c.element("k", "hh-k", node="soma", params={"gbar": "36 mS/cm^2", "e_rev": "-77 mV"})
    c.element("leak", "leak", node="soma",
              params={"gbar": "0.3 mS/cm^2", "e_rev": "-54.387 mV"})
    c.stimulus("soma", "pulse", amplitude="10 uA/cm^2", start="20 ms", end="22 ms")
    c.probe("v", node="soma")
    r = c.run()
    f = memrc.example("hh-spike").run()
    assert np.array_equal(r.traces["v_soma_V"], f.traces["v_soma_V"])
    bad = memrc.Circuit("x")
    bad.node("soma", capacitance="1 uF")
    with pytest.raises(memrc.ModelError):
        bad.model()


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    m = memrc.example("cobahh")
    timer = threading.Timer(0.5, lambda: signal.raise_signal(signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        m.run(t_end="20 s")
    timer.cancel()
    assert time.monotonic() - t0 < 20


def test_progress_callback_sees_the_run():
    seen = []
    memrc.example("small-network").run(progress=seen.append)
    assert len(seen) >= 10 and seen[-1] == 1.0 and seen == sorted(seen)


def test_ctrl_c_stops_the_cobahh_benchmark():
    timer = threading.Timer(0.5, lambda: signal.raise_signal(signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        memrc.cobahh(n=4000, t_end="30 s")
    timer.cancel()
    assert time.monotonic() - t0 < 30
