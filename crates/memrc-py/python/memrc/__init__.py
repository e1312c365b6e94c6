"""memrc: gradient modelling and simulation of memristive systems, from NumPy.

Memristors, conductance-based ion channels and synapses, and the memRC circuits and spiking
networks built from them (Forni and Sepulchre, *Gradient modelling of memristive systems*).
The numerics run in Rust, with the GIL released.

Quantities are SI floats (V, A, S, s, Hz; per-area quantities per m²) or strings with a unit,
``"10 uA/cm^2"``, ``"-65 mV"``, ``"2 kHz"``, which are converted to SI.

>>> import memrc
>>> hp = memrc.element("hp", r_on="100 Ohm")
>>> r = hp.drive("sine", amplitude="1 V", frequency="1 Hz")
>>> r.t.shape == r.i.shape, r.summary["pinched"]
(True, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union

import numpy as np
import numpy.typing as npt

from . import _memrc
from ._errors import MemrcError, ModelError, ParameterError

__all__ = [
    "MemrcError",
    "ModelError",
    "ParameterError",
    "Element",
    "DriveResult",
    "CobahhResult",
    "elements",
    "element",
    "examples",
    "example_text",
    "cobahh",
]

__version__: str = _memrc.__version__

for _cls in (MemrcError, ParameterError, ModelError):
    _cls.__module__ = "memrc"
del _cls

#: A quantity: an SI number, or a string with a unit (``"-65 mV"``).
Quantity = Union[float, int, str]

_WAVEFORMS = ("sine", "triangle", "step", "pulse")


def elements() -> List[Dict[str, Any]]:
    """The element catalogue, one dict per kind.

    Keys: ``name``, ``description``, ``source`` (the literature), ``ports``, ``states``
    (``[{name, unit, doc}]``), ``parameters`` (``[{name, unit, default, min, max,
    min_exclusive, range, doc}]``, SI units; ``min``/``max`` are ``None`` when unbounded),
    ``current_unit`` and ``conductance_unit`` (``"A"``/``"S"`` for devices, ``"A/m^2"``/
    ``"S/m^2"`` for channel densities), ``batteries_V`` (the reversal potential of each port
    at the defaults) and ``default_drive`` (``waveform``, ``amplitude`` [V], ``frequency``
    [Hz], ``offset`` [V], ``periods``, ``dt`` [s], ``hold`` [V]).
    """
    return _memrc._catalogue()


@dataclass(frozen=True, repr=False)
class DriveResult:
    """The response of an element to a voltage drive, and what memrc measured on it.

    Arrays have time last. For a one-port, ``v``, ``i`` and ``g`` have shape ``(len(t),)``;
    for an ``n``-port, ``v`` and ``i`` have shape ``(n, len(t))`` and ``g`` ``(n, n, len(t))``
    (port 0 is driven, the others are held). ``x`` has shape ``(len(state_names), len(t))``.
    The arrays are those of ``memrc element NAME``'s ``traces.csv``, bit for bit.

    Attributes:
        element: catalogue name.
        t: sample times [s].
        v: terminal voltages [V] (membrane voltage for channels); the memristive part sees
            ``v - E`` with the batteries ``summary["batteries_V"]``.
        i: port currents [A, or A/m² for channel densities: ``summary["units"]``].
        g: memconductance [S, or S/m²].
        x: states (units in ``memrc.elements()``).
        state_names: names of the rows of ``x``.
        reports: the measured properties: ``passivity``, ``positivity``, ``pinch``
            (eq. 12 and Assumptions 2/3), ``dissipation`` (eq. 29a), ``cocontent`` (eq. 31,
            per path), ``gradient`` (eq. 33d, per direction), ``fading_memory``
            (Assumption 1), ``hysteresis_sweep`` (loop area against frequency; ``None`` for
            sampled drives and multi-ports), ``ports``.
        summary: the ``summary.json`` document of ``memrc element NAME``.
        integration: how the response was integrated (``method``, ``accepted_steps``,
            ``refined``, …).
    """

    element: str
    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    g: np.ndarray
    x: np.ndarray
    state_names: List[str]
    reports: Dict[str, Any]
    summary: Dict[str, Any]
    integration: Dict[str, Any]

    @property
    def states(self) -> Dict[str, np.ndarray]:
        """The states by name (rows of ``x``)."""
        return {name: self.x[k] for k, name in enumerate(self.state_names)}

    @property
    def units(self) -> Dict[str, str]:
        """Units of ``t``, ``v``, ``i``, ``g`` and of the energies (``summary["units"]``)."""
        return dict(self.summary["units"])

    def __repr__(self) -> str:
        return (
            f"DriveResult(element={self.element!r}, samples={len(self.t)}, "
            f"states={self.state_names}, passive={self.summary.get('passive')}, "
            f"pinched={self.summary.get('pinched')})"
        )


def _result(kind: str, d: Dict[str, Any]) -> DriveResult:
    if d["warning"]:
        warnings.warn(d["warning"], RuntimeWarning, stacklevel=3)
    return DriveResult(
        element=kind,
        t=d["t"],
        v=d["v"],
        i=d["i"],
        g=d["g"],
        x=d["x"],
        state_names=list(d["state_names"]),
        reports=d["reports"],
        summary=d["summary"],
        integration=d["integration"],
    )


class Element:
    """One element of the catalogue with its parameters (see :func:`element`).

    Attributes:
        kind: catalogue name.
        parameters: every parameter's value [SI], the defaults included.
        ports: number of ports.
        state_names: the states, in the order of ``DriveResult.x``.
        batteries: the battery (reversal potential) of each port [V].
        info: the catalogue entry (as in :func:`elements`).
    """

    def __init__(self, kind: str, **params: Quantity) -> None:
        doc = _memrc._element(kind, params)
        self._given: Dict[str, Quantity] = dict(params)
        self.kind: str = doc["kind"]
        self.info: Dict[str, Any] = doc["info"]
        self.parameters: Dict[str, float] = dict(doc["parameters"])
        self.ports: int = doc["ports"]
        self.state_names: List[str] = list(doc["state_names"])
        self.batteries: List[float] = list(doc["batteries_V"])

    def drive(
        self,
        v: Union[str, npt.ArrayLike, None] = None,
        t: Optional[npt.ArrayLike] = None,
        dt: Optional[Quantity] = None,
        hold: Optional[Quantity] = None,
        *,
        amplitude: Optional[Quantity] = None,
        frequency: Optional[Quantity] = None,
        offset: Optional[Quantity] = None,
        periods: Optional[float] = None,
    ) -> DriveResult:
        """Drives port 0 with a terminal voltage and measures the response.

        Two forms:

        * ``el.drive("sine", amplitude="1 V", frequency="1 Hz", offset=0, periods=2,
          dt="1 ms")`` — a named waveform (``sine``, ``triangle``, ``step``, ``pulse``, as
          ``memrc element NAME --drive``); every setting left out takes the kind's default
          (``elements()[k]["default_drive"]``), ``el.drive()`` is the default drive. A
          changed frequency keeps the default samples per period unless ``dt`` is given.
          ``v(t) = offset + amplitude·s(frequency·t)`` [V] for ``periods`` periods, sampled
          every ``dt`` [s] (shortened to end on the last period).
        * ``el.drive(v, t=times)`` or ``el.drive(v, dt="10 us")`` — sampled voltages [V] on
          equally spaced times [s] (linear between samples). The loop-area sweep against
          frequency needs a periodic drive and is left out (``reports["hysteresis_sweep"]``
          is ``None``).

        ``hold`` [V] is the terminal voltage of the undriven ports of a multi-port (default:
        the offset if given, else the kind's default).

        Raises:
            ParameterError: an invalid setting, array or time grid (``.parameter`` names it).
            MemrcError: the integration or an analysis failed.

        A ``RuntimeWarning`` says when the step control had to refine ``dt`` (the co-content,
        gradient and fading-memory analyses then integrate on the coarser samples).
        """
        if v is None or isinstance(v, str):
            if t is not None:
                raise ParameterError(
                    "t is for sampled voltages; a named waveform takes dt, periods and frequency",
                    "t",
                )
            settings = {
                "waveform": v,
                "amplitude": amplitude,
                "frequency": frequency,
                "offset": offset,
                "periods": periods,
                "dt": dt,
                "hold": hold,
            }
            return _result(self.kind, _memrc._drive_named(self.kind, self._given, settings))
        for name, value in (
            ("amplitude", amplitude),
            ("frequency", frequency),
            ("offset", offset),
            ("periods", periods),
        ):
            if value is not None:
                raise ParameterError(
                    f"{name} is a setting of a named waveform ({', '.join(_WAVEFORMS)}), "
                    "not of sampled voltages",
                    name,
                )
        samples = np.asarray(v, dtype=np.float64)
        if samples.ndim != 1:
            raise ParameterError(
                f"v must be one-dimensional (one voltage per time), got shape {samples.shape}",
                "v",
            )
        times = None
        if t is not None:
            times = np.ascontiguousarray(np.asarray(t, dtype=np.float64))
            if times.ndim != 1:
                raise ParameterError(
                    f"t must be one-dimensional, got shape {times.shape}", "t"
                )
        return _result(
            self.kind,
            _memrc._drive_samples(
                self.kind, self._given, np.ascontiguousarray(samples), times, dt, hold
            ),
        )

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._given.items())
        return f"memrc.element({self.kind!r}{', ' if given else ''}{given})"


def element(kind: str, **params: Quantity) -> Element:
    """The catalogue element ``kind`` (``"hp"``, ``"hh-na"``, …: :func:`elements`) with
    parameter overrides, each an SI float or a string with a unit (``r_on="100 Ohm"``,
    ``gbar="120 mS/cm^2"``).

    Raises:
        ParameterError: unknown kind or parameter (with a suggestion), a value of the wrong
            unit, not finite, or out of its range; ``.parameter`` names the parameter.
    """
    return Element(kind, **params)


def examples() -> List[Dict[str, str]]:
    """The example model files embedded in memrc (those of ``examples/`` in the repository):
    ``[{"name", "description"}]``. Their text: :func:`example_text`."""
    return _memrc._examples()


def example_text(name: str) -> str:
    """The text of the embedded example model file ``name`` (``"hh_spike"`` or
    ``"hh-spike"``), a TOML model file (``docs/model-format.md``).

    Raises:
        ParameterError: no example of that name (with a suggestion).
    """
    return _memrc._example_text(name)


@dataclass(frozen=True, repr=False)
class CobahhResult:
    """A run of the COBAHH benchmark network (:func:`cobahh`).

    Attributes:
        ids: global neuron id of each spike (``uint32``; excitatory ``0 … 0.8n-1``, then
            inhibitory), ordered by time then id.
        times: spike times [s].
        populations: ``[{name, offset, size}]`` (``exc``, ``inh``): global ids
            ``offset … offset+size-1``.
        population_rates_hz: mean rate of each population over the run [Hz].
        mean_rate_hz: mean rate over all neurons [Hz].
        stats: the engine's counters and timings (``build_s``, ``sim_s`` [s], ``steps``,
            ``spikes``, ``threads``, ``simd``, ``ns_per_neuron_step``, ``scheme``, …).
        synapses: number of synapses.
        network_bytes: bytes of neuron state and connectivity.
        n, p, seed: the network's size, connection probability and seed.
        t_end, dt: run length and time step [s].
    """

    ids: np.ndarray
    times: np.ndarray
    populations: List[Dict[str, Any]]
    population_rates_hz: Dict[str, float]
    mean_rate_hz: float
    stats: Dict[str, Any]
    synapses: int
    network_bytes: int
    n: int
    p: float
    seed: int
    t_end: float
    dt: float

    def population(self) -> np.ndarray:
        """The population name of each spike (an array of strings, aligned with ``ids``)."""
        names = np.array([p["name"] for p in self.populations])
        offsets = np.array([p["offset"] for p in self.populations])
        return names[np.searchsorted(offsets, self.ids, side="right") - 1]

    def __repr__(self) -> str:
        return (
            f"CobahhResult(n={self.n}, t_end={self.t_end}, spikes={len(self.ids)}, "
            f"mean_rate_hz={self.mean_rate_hz:.3f})"
        )


def cobahh(
    n: int = 4000,
    t_end: Quantity = "1 s",
    seed: int = 1,
    threads: int = 1,
    scheme: str = "exp-euler",
    p: float = 0.02,
) -> CobahhResult:
    """Builds and runs the COBAHH benchmark (Brette et al. 2007, benchmark 3, as Brian2's
    example; ``memrc bench cobahh``): ``n`` Traub–Miles neurons, 80 % excitatory (6 nS onto
    ``g_e``, τ 5 ms), 20 % inhibitory (67 nS onto ``g_i``, τ 10 ms), every ordered pair
    connected with probability ``p``, threshold −20 mV, refractory 3 ms, dt 0.1 ms.

    Args:
        n: neurons (at least 2).
        t_end: simulated time [s] or a string with a unit (``"200 ms"``).
        seed: seed of the initial values and the connectivity.
        threads: worker threads (the spikes do not depend on it).
        scheme: ``"exp-euler"`` (Brian2's, the default), ``"exp2"``, ``"rk23"`` or
            ``"dopri5"``.
        p: connection probability.

    The run releases the GIL. The spikes are bitwise those of ``memrc bench cobahh`` with the
    same ``n``, ``t_end`` and ``seed``.
    """
    d = _memrc._cobahh(n, t_end, seed, threads, scheme, p)
    return CobahhResult(**d)
