"""Elements from Python against the command line (`memrc element NAME`, the same code in
memrc-run): bitwise equal arrays and summary, the paper's identities, the catalogue."""

import math

import numpy as np
import pytest

import memrc
from conftest import ROOT, read_summary, read_traces, run_cli

KINDS = [k["name"] for k in memrc.elements()]


def cli_columns(el, r):
    """The traces.csv columns of a result, in the CLI's order: t, v…, i…, g…, states."""
    n = el.ports
    cols = [r.t]
    if n == 1:
        cols += [r.v, r.i, r.g]
    else:
        cols += list(r.v) + list(r.i) + [r.g[a, b] for a in range(n) for b in range(n)]
    cols += list(r.x)
    return cols


def assert_bitwise_equal(el, r, directory):
    header, data = read_traces(directory)
    cols = cli_columns(el, r)
    assert len(cols) == len(header), header
    for name, col in zip(header, cols):
        # array_equal on the float64 bits: no tolerance.
        assert np.array_equal(col.view(np.uint64), data[name].view(np.uint64)), name


def test_catalogue_matches_the_cli_list(memrc_bin):
    listed = [l.split()[0] for l in run_cli(memrc_bin, "element", "list").splitlines()[1:]]
    assert KINDS == listed
    for k in memrc.elements():
        assert k["description"] and k["source"], k["name"]
        assert k["ports"] in (1, 2)
        assert k["current_unit"] in ("A", "A/m^2") and k["conductance_unit"] in ("S", "S/m^2")
        for p in k["parameters"]:
            assert p["unit"] and p["range"] and p["doc"], (k["name"], p)
            lo = -math.inf if p["min"] is None else p["min"]
            hi = math.inf if p["max"] is None else p["max"]
            d = p["default"]
            assert (lo < d if p["min_exclusive"] else lo <= d) and d <= hi, (k["name"], p)
        assert set(k["default_drive"]) == {
            "waveform", "amplitude", "frequency", "offset", "periods", "dt", "hold"
        }


# vteam and yakopcic's default steps are refined by the step control: the CLI warns too.
@pytest.mark.filterwarnings("ignore:.*was refined:RuntimeWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_default_drive_is_bitwise_the_cli(kind, memrc_bin, tmp_path):
    el = memrc.element(kind)
    r = el.drive()
    run_cli(memrc_bin, "element", kind, "--out", str(tmp_path))
    assert_bitwise_equal(el, r, tmp_path)
    # The whole summary.json, numbers included, is the same document.
    assert r.summary == read_summary(tmp_path)
    assert r.summary["passive"] is True
    assert r.state_names == el.state_names == r.summary["states"]
    assert r.x.shape == (len(el.state_names), len(r.t))


def test_options_and_parameters_are_bitwise_the_cli(memrc_bin, tmp_path):
    el = memrc.element("hp", r_off="20 kOhm")
    r = el.drive("triangle", amplitude="0.8 V", frequency="2 Hz", periods=1.5, dt="2 ms")
    run_cli(
        memrc_bin, "element", "hp", "--drive", "triangle", "--amplitude", "800mV",
        "--frequency", "2Hz", "--periods", "1.5", "--dt", "2ms", "--param", "r_off=20e3",
        "--out", str(tmp_path),
    )
    assert_bitwise_equal(el, r, tmp_path)
    assert r.summary == read_summary(tmp_path)
    assert r.summary["drive"]["samples"] == 376
    assert el.parameters["r_off"] == 20e3


def test_two_port_held_at_a_given_voltage(memrc_bin, tmp_path):
    el = memrc.element("synapse")
    r = el.drive("pulse", hold="-70 mV", periods=2)
    run_cli(memrc_bin, "element", "synapse", "--hold", "-70mV", "--periods", "2",
            "--drive", "pulse", "--out", str(tmp_path))
    assert_bitwise_equal(el, r, tmp_path)
    assert r.v.shape == (2, len(r.t)) and r.g.shape == (2, 2, len(r.t))
    assert np.all(r.v[1] == -0.07)


@pytest.mark.parametrize("kind", ["ideal", "hp", "hp-biolek", "hh-k", "leak", "relaxation"])
def test_gradient_identities_hold(kind):
    """Eq. (29a), (31) and (33d) of the paper on the default drive (the CLI's test asserts
    1e-9 for the same kinds)."""
    s = memrc.element(kind).drive().summary
    for key in (
        "dissipation_identity_rel_error",
        "cocontent_identity_rel_error",
        "gradient_identity_rel_error",
    ):
        assert s[key] < 1e-9, (kind, key, s[key])
    assert s["pinched"] is True


def test_sampled_voltages_give_the_named_drive_response():
    el = memrc.element("hp-joglekar")
    r = el.drive()
    for s in (el.drive(r.v, t=r.t), el.drive(list(r.v), dt=r.t[1] - r.t[0])):
        for name in "tvigx":
            assert np.array_equal(getattr(r, name), getattr(s, name)), name
        assert s.summary["drive"]["waveform"] == "samples"
        assert s.reports["hysteresis_sweep"] is None
        assert s.summary["dissipation_identity_rel_error"] < 1e-9
    # Times with a unit, and a start other than 0.
    t = 5.0 + np.arange(101) * 1e-3
    s = el.drive(np.sin(2 * np.pi * 10 * t), t=t)
    assert s.t[0] == 5.0 and len(s.t) == 101


def test_hp_loop_is_pinched_at_the_origin():
    """Ohm's law through the memristance, i = v / R(x), with R(x) = r_on x + r_off (1 - x)
    (Strukov et al. 2008): the current is 0 exactly where the voltage is."""
    el = memrc.element("hp")
    r = el.drive("sine", frequency="1 Hz")
    p = el.parameters
    resistance = p["r_on"] * r.x[0] + p["r_off"] * (1 - r.x[0])
    assert np.allclose(r.i, r.v / resistance, rtol=1e-12, atol=0)
    assert np.allclose(r.g, 1 / resistance, rtol=1e-12, atol=0)


def test_a_coarse_step_warns():
    with pytest.warns(RuntimeWarning, match="refined"):
        memrc.element("hp-biolek").drive(frequency="0.25 Hz", dt="10 ms")
