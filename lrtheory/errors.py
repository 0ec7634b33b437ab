"""Errors and input validation shared by every public entry point.

A bad input is rejected at the edge with a message that names the parameter, the value
received and the allowed range, e.g. ``eta must be in (0, inf); got -0.1``. Nothing deeper
in the package ever sees an unchecked parameter.
"""

from __future__ import annotations

import math
from numbers import Real


class LrtheoryError(Exception):
    """Base class for every error lrtheory raises on purpose."""


class ParameterError(LrtheoryError, ValueError):
    """A parameter is outside its allowed range, non-finite or of the wrong type."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name} must be {allowed}; got {value!r}")


class UnknownNameError(LrtheoryError, KeyError):
    """An unknown claim ID, family or backend was asked for."""

    def __init__(self, kind: str, value: str, known: list[str]) -> None:
        self.kind = kind
        self.value = value
        self.known = known
        super().__init__(f"unknown {kind} {value!r}; choose one of: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0])


class DivergenceError(LrtheoryError):
    """A simulation left the finite floats: reported as divergence, never as NaN."""

    def __init__(self, what: str, step: int | None, n_chains: int) -> None:
        self.what = what
        self.step = step
        self.n_chains = n_chains
        where = f" by step {step}" if step is not None else ""
        super().__init__(f"{what}: {n_chains} chain(s) diverged{where}")


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ParameterError(name, value, "a real number")
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(name, value, "finite")
    return x


def check_real(name: str, value: object, lo: float = -math.inf, hi: float = math.inf,
               *, lo_open: bool = True, hi_open: bool = True) -> float:
    """Return ``value`` as a float after checking it lies in the interval (lo, hi).

    ``lo_open``/``hi_open`` choose open or closed ends; the message states the interval
    in the usual bracket notation.
    """
    x = _as_float(name, value)
    below = x <= lo if lo_open else x < lo
    above = x >= hi if hi_open else x > hi
    if below or above:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ParameterError(name, value, f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}")
    return x


def check_positive(name: str, value: object) -> float:
    """A finite real number in (0, inf)."""
    return check_real(name, value, 0.0)


def check_probability(name: str, value: object) -> float:
    """A number in the open interval (0, 1), such as a false-alarm rate."""
    return check_real(name, value, 0.0, 1.0)


def check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    """An integer in [lo, hi] (hi = None: no upper limit)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(name, value, "an integer")
    if value < lo or (hi is not None and value > hi):
        upper = "inf)" if hi is None else f"{hi}]"
        raise ParameterError(name, value, f"an integer in [{lo}, {upper}")
    return value


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"
