"""Stubs of the compiled module ``memrc._memrc`` (private: use the functions of ``memrc``).

Quantities are SI floats or strings with a unit (``"-65 mV"``)."""

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

_Quantity = Union[float, int, str]

__version__: str

def _catalogue() -> List[Dict[str, Any]]:
    """The element catalogue (see ``memrc.elements``)."""

def _element(kind: str, params: Dict[str, _Quantity]) -> Dict[str, Any]:
    """Builds ``kind`` with ``params``: ``{kind, info, parameters, ports, state_names,
    batteries_V}``. Raises ``memrc.ParameterError``."""

def _drive_named(
    kind: str, params: Dict[str, _Quantity], settings: Dict[str, Optional[_Quantity]]
) -> Dict[str, Any]:
    """Drives ``kind`` with a named waveform; ``settings``: ``waveform``, ``amplitude`` [V],
    ``frequency`` [Hz], ``offset`` [V], ``periods``, ``dt`` [s], ``hold`` [V]. Returns
    ``{t, v, i, g, x, state_names, ports, reports, integration, summary, warning}``."""

def _drive_samples(
    kind: str,
    params: Dict[str, _Quantity],
    v: npt.NDArray[np.float64],
    t: Optional[npt.NDArray[np.float64]] = None,
    dt: Optional[_Quantity] = None,
    hold: Optional[_Quantity] = None,
) -> Dict[str, Any]:
    """Drives ``kind`` with sampled voltages ``v`` [V] on times ``t`` [s] or every ``dt`` [s]."""

def _examples() -> List[Dict[str, str]]:
    """The embedded example model files: ``[{name, description}]``."""

def _example_text(name: str) -> str:
    """The text of one embedded example model file."""

def _cobahh(
    n: int, t_end: _Quantity, seed: int, threads: int, scheme: str, p: float
) -> Dict[str, Any]:
    """Runs COBAHH: the fields of ``memrc.CobahhResult``."""

def _read_model(path: str) -> tuple[str, str]:
    """The text of a model file (up to the input limit; a NeuroML2 file converted) and its
    origin in errors. Raises ``OSError``, or ``ModelError`` for a NeuroML2 file it cannot convert."""

def _check_model(model: Dict[str, Any]) -> Dict[str, Any]:
    """``memrc check`` of ``model`` (``{text, origin, base, set, t_end, dt, solver, seed,
    threads}``, as ``memrc.Model`` makes it): the fields of ``memrc.CheckReport``. Raises
    ``memrc.ModelError``."""

def _run_model(
    model: Dict[str, Any], progress: Optional[Callable[[float], Any]]
) -> _Run:
    """``memrc run`` without writing: the run, held in Rust (GIL released while it runs;
    Ctrl-C raises ``KeyboardInterrupt``)."""

def _sweep_model(
    model: Dict[str, Any],
    axes: List[Tuple[str, str]],
    jobs: Optional[int],
    progress: Optional[Callable[[float], Any]],
) -> Dict[str, Any]:
    """``memrc sweep`` without writing: ``{model, axes, points, jobs, wall_time_s}``."""

class _Run:
    """A finished run of a model file (``memrc.Result`` wraps it)."""

    name: str
    kind: str
    report: str
    def summary(self) -> Dict[str, Any]: ...
    def t(self) -> npt.NDArray[np.float64]: ...
    def columns(self) -> List[Tuple[str, str, npt.NDArray[np.float64]]]: ...
    def recordings(self) -> List[Dict[str, Any]]: ...
    def spikes(self) -> Dict[str, Any]: ...
    def save(self, dir: str, formats: List[str], force: bool) -> List[str]: ...
