"""The exceptions of memrc (raised by the compiled module ``memrc._memrc`` too)."""

from __future__ import annotations

from typing import Optional

__all__ = ["MemrcError", "ParameterError", "ModelError"]


class MemrcError(Exception):
    """Base class of every error memrc raises.

    Raised as such when a simulation or an analysis fails on valid input (a solver that does
    not converge, a non-finite state)."""


class ParameterError(MemrcError, ValueError):
    """A bad argument: an unknown element, parameter, waveform or example; a value out of its
    range, of the wrong unit, or not finite; an invalid drive or time grid.

    A ``ValueError``, so ``except ValueError`` catches it too.

    Attributes:
        parameter: the parameter or setting concerned (``"r_on"``, ``"dt"``), or ``None``.
    """

    def __init__(self, message: str, parameter: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class ModelError(MemrcError):
    """A problem in a model file, located in it.

    ``str(err)`` is ``file:line:column: message``, the form editors understand.

    Attributes:
        file: the model file (path as given, or the origin of a text).
        line: 1-based line.
        column: 1-based column (in characters).
        message: what is wrong, naming the offending value and what was expected.
        key: the offending key (``"gbar"``, ``"gates.m.alpha"``), or ``""``.
    """

    def __init__(self, file: str, line: int, column: int, message: str, key: str = "") -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.key = key
