"""Errors are Python exceptions naming what is wrong; nothing crashes the interpreter."""

import numpy as np
import pytest

import memrc


@pytest.mark.parametrize(
    "kwargs, parameter, needle",
    [
        ({"r_onn": 10}, "r_onn", "did you mean 'r_on'"),
        ({"r_on": -5}, "r_on", "out of range"),
        ({"r_on": float("nan")}, "r_on", "finite"),
        ({"r_on": "abc"}, "r_on", "not a number"),
        ({"r_on": "5 V"}, "r_on", "expected a resistance"),
        ({"r_on": [1, 2]}, "r_on", "must be a number"),
        ({"r_on": True}, "r_on", "must be a number"),
    ],
)
def test_parameter_errors_name_the_parameter(kwargs, parameter, needle):
    with pytest.raises(memrc.ParameterError, match=needle) as e:
        memrc.element("hp", **kwargs)
    assert e.value.parameter == parameter
    assert parameter in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, memrc.MemrcError)


def test_unknown_kind_suggests():
    with pytest.raises(ValueError, match="did you mean 'hp-joglekar'"):
        memrc.element("hp-jogelkar")


@pytest.mark.parametrize(
    "args, kwargs, parameter, needle",
    [
        (("sine",), {"dt": 0}, "dt", "dt must be positive"),
        (("sine",), {"dt": "-1 ms"}, "dt", "dt must be positive"),
        (("sine",), {"dt": 1e-12}, "dt", "samples"),
        (("sine",), {"frequency": 0}, "frequency", "frequency must be positive"),
        (("sine",), {"amplitude": float("inf")}, "amplitude", "finite"),
        (("sine",), {"amplitude": "1 mA"}, "amplitude", "expected a voltage"),
        (("square",), {}, "waveform", "unknown waveform"),
        (("sine",), {"t": [0, 1]}, "t", "named waveform"),
        (([0.0, 0.1, 0.2],), {}, "t", "need their times"),
        (([0.0, 0.1, 0.2],), {"dt": 1e-3, "amplitude": 1}, "amplitude", "named waveform"),
        (([0.0, 0.1, 0.2],), {"t": [0, 1]}, "t", "2 times but v has 3"),
        (([0.0, 0.1, 0.2],), {"t": [0, 1, 3]}, "t", "not uniform"),
        (([0.0, np.nan, 0.2],), {"dt": 1e-3}, None, "finite"),
        (([[0.0, 0.1]],), {"dt": 1e-3}, "v", "one-dimensional"),
        (([0.0, 0.1],), {"dt": 1e-3}, None, "at least 3"),
    ],
)
def test_drive_errors(args, kwargs, parameter, needle):
    el = memrc.element("hp")
    with pytest.raises(memrc.ParameterError, match=needle) as e:
        el.drive(*args, **kwargs)
    if parameter is not None:
        assert e.value.parameter == parameter


def test_model_error_carries_its_location():
    e = memrc.ModelError("m.toml", 3, 7, "gbar must be > 0", key="gbar")
    assert (e.file, e.line, e.column, e.message, e.key) == ("m.toml", 3, 7, "gbar must be > 0", "gbar")
    assert str(e) == "m.toml:3:7: gbar must be > 0"
    assert isinstance(e, memrc.MemrcError) and not isinstance(e, ValueError)


def test_cobahh_arguments_are_checked():
    for kwargs, parameter in [
        ({"n": 1}, "n"),
        ({"threads": 0}, "threads"),
        ({"t_end": "-1 s"}, "t_end"),
        ({"t_end": "1 V"}, "t_end"),
        ({"p": 1.5}, "p"),
        ({"scheme": "rk5"}, "scheme"),
    ]:
        with pytest.raises(memrc.ParameterError) as e:
            memrc.cobahh(**{"n": 10, "t_end": "1 ms", **kwargs})
        assert e.value.parameter == parameter, kwargs
