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

import json
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

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
    "Model",
    "Result",
    "Spikes",
    "Recording",
    "CheckReport",
    "Circuit",
    "Network",
    "load",
    "loads",
    "example",
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


# ----------------------------------------------------------------------------- model files


def _time_text(name: str, value: Optional[Quantity]) -> Optional[str]:
    """A time argument as the text the run pipeline reads: SI seconds for numbers."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParameterError(f"{name} = {value!r}: expected a time, e.g. '20 ms' or 0.02 (s)", name)
    if isinstance(value, str):
        return value
    return f"{float(value)!r} s"


def _set_pairs(set: Optional[Dict[str, Quantity]]) -> List[tuple]:
    """``{"path.key": value}`` as ``[(path.key, text)]`` (numbers as written)."""
    if set is None:
        return []
    if not isinstance(set, dict):
        raise ParameterError("set must be a dict {'path.key': value}", "set")
    out = []
    for k, v in set.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        out.append((str(k), v if isinstance(v, str) else repr(v)))
    return out


@dataclass(frozen=True)
class CheckReport:
    """The report of ``memrc check`` (nothing is simulated).

    ``text`` is the report as printed; ``assumptions`` the checks of the gradient form at the
    initial state (``what``, ``value``, ``unit``, ``ok``); ``cost`` the expected steps and bytes.
    """

    name: str
    origin: str
    kind: str
    all_ok: bool
    assumptions: List[Dict[str, Any]]
    cost: Dict[str, Any]
    memory_limit: int
    text: str

    def __str__(self) -> str:
        return self.text


class Spikes:
    """Spikes of a run, in time order: ``times`` [s], global ``ids``, and ``population`` (the
    population's name of each spike; ``population_index`` indexes ``populations``)."""

    def __init__(self, d: Dict[str, Any]):
        self.times: np.ndarray = d["t"]
        self.ids: np.ndarray = d["id"]
        self.population_index: np.ndarray = d["population"]
        self.populations: List[Dict[str, Any]] = d["populations"]
        names = np.array([p["name"] for p in self.populations] + [""], dtype=object)
        idx = np.minimum(self.population_index.astype(np.int64), len(self.populations))
        self.population: np.ndarray = names[idx]

    def __len__(self) -> int:
        return len(self.times)

    def __repr__(self) -> str:
        return f"Spikes({len(self)} spikes, populations {[p['name'] for p in self.populations]})"


@dataclass(frozen=True)
class Recording:
    """One recorded variable of a network population: ``values`` is neurons × samples, with the
    population-local neuron ``ids`` and the sample times ``t`` [s]; ``unit`` is SI."""

    population: str
    variable: str
    unit: str
    key: str
    ids: np.ndarray
    t: np.ndarray
    values: np.ndarray


class Result:
    """The result of :meth:`Model.run`: the same numbers ``memrc run`` writes.

    - ``t``: the time axis [s];
    - ``traces``: ``{name: array}``: a circuit probe or Hopfield column (``"v_soma_V"``,
      ``"na.m"``) as a 1-D array on ``t`` (NaN where a probe does not sample); a network
      recording (``"exc.v"``) as ONE 2-D array neurons × samples, its neuron ids in ``ids`` and
      its times in ``recordings[name].t``;
    - ``units``: ``{name: SI unit}``;
    - ``spikes``: :class:`Spikes` (a circuit's membrane nodes are populations of one);
    - ``summary``: ``summary.json`` as a dict; ``report``: the lines ``memrc run`` prints.
    """

    def __init__(self, run: Any):
        self._run = run
        self.name: str = run.name
        self.kind: str = run.kind
        self.report: str = run.report
        self.t: np.ndarray = run.t()
        self.traces: Dict[str, np.ndarray] = {}
        self.units: Dict[str, str] = {}
        self.ids: Dict[str, np.ndarray] = {}
        self.recordings: Dict[str, Recording] = {}
        for name, unit, values in run.columns():
            self.traces[name] = values
            self.units[name] = unit
        for r in run.recordings():
            name = f"{r['population']}.{r['variable']}"
            rec = Recording(**r)
            self.recordings[name] = rec
            self.traces[name] = rec.values
            self.units[name] = rec.unit
            self.ids[name] = rec.ids
        self.spikes = Spikes(run.spikes())
        self.summary: Dict[str, Any] = run.summary()

    def save(self, dir: Union[str, "os.PathLike[str]"], formats: Sequence[str] = ("csv", "npz"),
             force: bool = False) -> List[str]:
        """Writes the data files (``csv``, ``npz``, ``npy``; ``sonata``, the SONATA spike file
        ``spikes.h5``, when the package was built with the cargo feature ``hdf5``) and
        ``summary.json`` into ``dir``, which appears whole and replaces a previous run's (a
        directory holding other files is refused unless ``force``). Returns the names written."""
        if isinstance(formats, str):
            formats = [formats]
        return self._run.save(os.fspath(dir), list(formats), bool(force))

    def __repr__(self) -> str:
        return f"Result({self.name!r}, {self.kind}, traces {list(self.traces)}, {len(self.spikes)} spikes)"


class Model:
    """A model file (``docs/model-format.md``): a memRC circuit, a Hopfield network or a spiking
    network. Made by :func:`load`, :func:`loads` or :func:`example`; checked on creation (a
    problem raises :class:`ModelError` with ``file``, ``line``, ``column``)."""

    def __init__(self, text: str, origin: str = "<string>", base: Optional[str] = None):
        self.text = text
        self.origin = origin
        self._base = base
        report = self.check()
        self.name: str = report.name
        self.kind: str = report.kind

    def _args(self, set: Optional[Dict[str, Quantity]], t_end: Optional[Quantity],
              dt: Optional[Quantity], solver: Optional[str], seed: Optional[int],
              threads: Optional[int]) -> Dict[str, Any]:
        """The model and the settings of one call, as the compiled module reads them."""
        return {"text": self.text, "origin": self.origin, "base": self._base,
                "set": _set_pairs(set), "t_end": _time_text("t_end", t_end),
                "dt": _time_text("dt", dt), "solver": solver, "seed": seed, "threads": threads}

    def check(self, *, t_end: Optional[Quantity] = None, dt: Optional[Quantity] = None,
              solver: Optional[str] = None, set: Optional[Dict[str, Quantity]] = None,
              seed: Optional[int] = None, threads: Optional[int] = None) -> CheckReport:
        """Validates the model with the overrides (as ``memrc check``): rest and initial state,
        assumption checks, size and expected cost. Nothing is simulated."""
        d = _memrc._check_model(self._args(set, t_end, dt, solver, seed, threads))
        return CheckReport(**d)

    def run(self, *, t_end: Optional[Quantity] = None, dt: Optional[Quantity] = None,
            solver: Optional[str] = None, set: Optional[Dict[str, Quantity]] = None,
            seed: Optional[int] = None, threads: Optional[int] = None,
            progress: Union[bool, Callable[[float], Any]] = False) -> Result:
        """Simulates the model (as ``memrc run``; bitwise the same numbers).

        ``t_end``, ``dt``: times with a unit (``"20 ms"``) or SI seconds; ``solver``: a circuit
        solver (``relaxation``, ``stepping``, ``dopri5``, …) or a network scheme (``dopri5``,
        ``rk23``, ``exp2``, ``exp-euler``); ``set``: ``{"path.key": value}`` overrides of any
        key of the file (``{"population.exc.params.g_na": "90 mS/cm^2"}``); ``seed``,
        ``threads``: network models. ``progress=True`` prints the fraction done on stderr; a
        callable receives it. The GIL is released while it runs; Ctrl-C raises
        ``KeyboardInterrupt``."""
        cb: Optional[Callable[[float], Any]] = None
        if progress is True:
            name = self.name

            def bar(f: float) -> None:
                sys.stderr.write(f"\r{name}: {100 * f:5.1f} %" + ("\n" if f >= 1 else ""))
                sys.stderr.flush()

            cb = bar
        elif callable(progress):
            cb = progress
        run = _memrc._run_model(self._args(set, t_end, dt, solver, seed, threads), cb)
        return Result(run)

    def sweep(self, values: Dict[str, Union[str, Sequence[Quantity]]], *,
              t_end: Optional[Quantity] = None, solver: Optional[str] = None,
              set: Optional[Dict[str, Quantity]] = None, seed: Optional[int] = None,
              jobs: Optional[int] = None,
              progress: Union[bool, Callable[[float], Any]] = False) -> Dict[str, Any]:
        """Runs the grid of all combinations of ``values`` (``{"stimulus.0.amplitude":
        ["0 uA/cm^2", "5 uA/cm^2"]}`` or ``"linspace(0, 20, 50) uA/cm^2"``) in parallel on
        ``jobs`` workers (default: the cores), as ``memrc sweep``. Returns ``{"points": [...],
        "axes": [...], "table": {column: numpy array}}`` with every run's metrics."""
        axes = []
        for k, v in values.items():
            if isinstance(v, str):
                axes.append((str(k), v))
            else:
                parts = [x if isinstance(x, str) else repr(x) for x in v]
                if not parts:
                    raise ParameterError(f"sweep values of {k!r} are empty", k)
                axes.append((str(k), ",".join(f'"{p}"' if "," in p else p for p in parts)))
        cb = progress if callable(progress) else None
        d = _memrc._sweep_model(self._args(set, t_end, None, solver, seed, None), axes, jobs, cb)
        table: Dict[str, Any] = {}
        for a in d["axes"]:
            table[a["key"]] = np.array([p["set"][a["key"]] for p in d["points"]], dtype=object)
        names = sorted({m for p in d["points"] for m in p["metrics"]})
        for m in names:
            table[m] = np.array([np.nan if p["metrics"].get(m) is None else p["metrics"][m]
                                 for p in d["points"]], dtype=float)
        d["table"] = table
        return d

    def __repr__(self) -> str:
        return f"Model({self.name!r}, {self.kind}, from {self.origin})"


def load(path: Union[str, "os.PathLike[str]"]) -> Model:
    """Loads a model file (TOML with units), or a NeuroML2 document (``.nml``: a
    single-compartment cell, or a network of such cells and iafCells), converted as
    ``memrc import`` does. Raises :class:`ModelError` (with ``file``, ``line``, ``column``) for a
    problem in it, ``OSError`` if it cannot be read."""
    p = os.fspath(path)
    text, origin = _memrc._read_model(p)
    return Model(text, origin, os.path.dirname(os.path.abspath(p)))


def loads(text: str, origin: str = "<string>") -> Model:
    """A model from the text of a model file; ``origin`` names it in errors."""
    return Model(text, origin, None)


def example(name: str) -> Model:
    """An example model file shipped with memrc (:func:`examples` lists them), e.g.
    ``memrc.example("hh-spike").run()``."""
    text = example_text(name)
    return Model(text, f"examples/{name.replace('-', '_')}.toml", None)


# ------------------------------------------------------------------- models built in code


def _toml_key(k: str) -> str:
    k = str(k)
    if k and all(c.isalnum() or c in "_-" for c in k) and k.isascii():
        return k
    return json.dumps(k, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if x != x:
            return "nan"
        if x in (float("inf"), float("-inf")):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()
                                if x is not None) + " }"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ParameterError(f"{v!r} cannot be written to a model file (a number, string, bool, list "
                         "or dict is expected)", None)


def _toml(doc: Dict[str, Any]) -> str:
    lines: List[str] = []
    for key, section in doc.items():
        entries = section if isinstance(section, list) else [section]
        for entry in entries:
            lines.append(f"[[{_toml_key(key)}]]" if isinstance(section, list) else f"[{_toml_key(key)}]")
            for k, v in entry.items():
                if v is not None:
                    lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
            lines.append("")
    return "\n".join(lines)


class _Builder:
    """A model file built in code: each method adds the section of the same name, with the
    same keys (``docs/model-format.md``); quantities are strings with units (``"10 uA/cm^2"``)
    or numbers where the file takes numbers."""

    def __init__(self, name: str, description: str = ""):
        self._doc: Dict[str, Any] = {"model": {"name": name, "description": description}}

    def _add(self, section: str, entry: Dict[str, Any]) -> "_Builder":
        self._doc.setdefault(section, []).append({k: v for k, v in entry.items() if v is not None})
        return self

    def _set(self, section: str, entry: Dict[str, Any]) -> "_Builder":
        self._doc[section] = {k: v for k, v in entry.items() if v is not None}
        return self

    def output(self, **keys: Any) -> "_Builder":
        """``[output]``: ``formats``, ``plots``."""
        return self._set("output", keys)

    def to_toml(self) -> str:
        """The model file's text."""
        return _toml(self._doc)

    def model(self) -> Model:
        """The model (checked: a problem raises :class:`ModelError` located in
        :meth:`to_toml`'s text)."""
        return loads(self.to_toml(), f"<{self._doc['model']['name']}>")

    def check(self, **kw: Any) -> CheckReport:
        """:meth:`Model.check` of :meth:`model`."""
        return self.model().check(**kw)

    def run(self, **kw: Any) -> Result:
        """:meth:`Model.run` of :meth:`model`."""
        return self.model().run(**kw)


class Circuit(_Builder):
    """A memRC circuit in code, mirroring the circuit file::

        c = memrc.Circuit("hh")
        c.simulation(t_end="50 ms", dt="0.1 ms", solver="relaxation")
        c.node("soma", capacitance="1 uF/cm^2")
        c.element("na", "hh-na", node="soma", params={"gbar": "120 mS/cm^2", "e_rev": "50 mV"})
        c.stimulus("soma", "pulse", amplitude="10 uA/cm^2", start="20 ms", end="22 ms")
        c.probe("v", node="soma")
        result = c.run()
    """

    def simulation(self, **keys: Any) -> "Circuit":
        """``[simulation]``: ``t_start``, ``t_end``, ``dt``, ``solver``, ``scheme``, ``tol``, …"""
        self._set("simulation", keys)
        return self

    def node(self, name: str, capacitance: Quantity, **keys: Any) -> "Circuit":
        """A ``[[node]]`` (``capacitance`` in F or F/m², ``initial``, ``area``)."""
        self._add("node", dict(name=name, capacitance=capacitance, **keys))
        return self

    def element(self, name: str, kind: str, *, params: Optional[Dict[str, Quantity]] = None,
                **keys: Any) -> "Circuit":
        """An ``[[element]]`` of the catalogue (``memrc.elements()``) or a user channel
        (``node``/``nodes``, ``params``)."""
        self._add("element", dict(name=name, kind=kind, params=params, **keys))
        return self

    def channel(self, name: str, **keys: Any) -> "Circuit":
        """A user-defined ``[[channel]]`` (``gbar``, ``e_rev``, ``conductance``, ``gates``)."""
        self._add("channel", dict(name=name, **keys))
        return self

    def stimulus(self, node: str, kind: str, **keys: Any) -> "Circuit":
        """A ``[[stimulus]]`` (``pulse``, ``step``, ``sine``, ``samples``, …)."""
        self._add("stimulus", dict(node=node, kind=kind, **keys))
        return self

    def probe(self, variable: str, **keys: Any) -> "Circuit":
        """A ``[[probe]]`` (``v`` at a ``node``; ``state``, ``current``, ``conductance`` of an
        ``element``)."""
        self._add("probe", dict(variable=variable, **keys))
        return self


class Network(_Builder):
    """A spiking network in code, mirroring the network file::

        n = memrc.Network("pair")
        n.network(dt="0.1 ms", t_end="200 ms", seed=1)
        n.population("exc", 80, "traub-miles", params={...}, receptor=[{...}])
        n.projection(source="exc", target="exc", rule="fixed-probability", p=0.1, ...)
        n.recording("exc", ["v"], neurons=[0, 1])
        result = n.run()
    """

    def network(self, **keys: Any) -> "Network":
        """``[network]``: ``dt``, ``t_end``, ``solver``, ``rtol``, ``seed``, ``threads``, ``spikes``."""
        self._set("network", keys)
        return self

    def population(self, name: str, size: int, model: str, **keys: Any) -> "Network":
        """A ``[[population]]`` (``params``, ``receptor`` as a list of dicts, ``initial``,
        ``threshold``, ``refractory``, …)."""
        self._add("population", dict(name=name, size=size, model=model, **keys))
        return self

    def projection(self, **keys: Any) -> "Network":
        """A ``[[projection]]`` (``source``, ``target``, ``rule``, ``weight``, ``delay``, …)."""
        self._add("projection", keys)
        return self

    def recording(self, population: str, variables: Sequence[str], **keys: Any) -> "Network":
        """A ``[[recording]]`` (``neurons``: ``"all"``, a count or a list; ``every``)."""
        self._add("recording", dict(population=population, variables=list(variables), **keys))
        return self
