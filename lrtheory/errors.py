"""Errors and input validation shared by every public entry point.

A bad input is rejected at the edge with a message that names the parameter, the value
received and the allowed range, e.g. ``eta must be in (0, inf); got -0.1``. Nothing deeper
in the package ever sees an unchecked parameter.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from numbers import Real
from typing import Any, ParamSpec, TypeVar

import numpy as np
from numpy.typing import NDArray

P = ParamSpec("P")
R = TypeVar("R")


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


REALS = "a real number or array of them"


def float_array(name: str, value: object, allowed: str = REALS) -> NDArray[np.float64]:
    """``np.asarray(value, dtype=np.float64)`` (no copy of a float64 array), or a
    ParameterError (``name`` must be ``allowed``) when ``value`` holds anything but real
    numbers (a string, None, a dict, ragged lists …)."""
    if isinstance(value, str | bytes | dict | set) or value is None:
        raise ParameterError(name, value, allowed)
    try:
        array = np.asarray(value)
        if array.dtype.kind == "O":  # SymPy numbers, fractions: converted as NumPy would
            array = array.astype(np.float64)
        elif array.dtype.kind not in "biuf":
            raise TypeError(array.dtype)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    out: NDArray[np.float64] = array if array.dtype == np.float64 else array.astype(np.float64)
    return out


def check_reals(name: str, value: object, lo: float = -math.inf, hi: float = math.inf, *,
                lo_open: bool = True, hi_open: bool = True) -> Any:
    """A real number or an array of them (NumPy, CuPy), every entry finite and in the
    interval (lo, hi) as for :func:`check_real`; returned unchanged (type, shape and array
    module kept), so that vectorised models can check their inputs."""
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"
    interval = f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}"
    if isinstance(value, bool):
        raise ParameterError(name, value, REALS)
    xp: Any = np
    if type(value).__module__.split(".")[0] == "cupy":  # pragma: no cover - GPU only
        import cupy

        xp = cupy
    array: Any = value if xp is not np else float_array(name, value)
    if not bool(xp.all(xp.isfinite(array))):
        raise ParameterError(name, value, "finite")
    below = array <= lo if lo_open else array < lo
    above = array >= hi if hi_open else array > hi
    if bool(xp.any(below | above)):
        raise ParameterError(name, value, interval)
    return value


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


def operand_problem(operands: dict[str, Any]) -> ParameterError | None:
    """What is wrong with the arrays a numerical function combines, if anything: one that is
    not real numbers, or one whose shape does not broadcast with the first's. SymPy
    expressions pass (they carry no shape)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for name, value in operands.items():
        if type(value).__module__.split(".")[0] == "sympy":
            continue
        kind = getattr(getattr(value, "dtype", None), "kind", None)
        if kind is None:
            try:
                kind = float_array(name, value).dtype.kind
            except ParameterError as exc:
                return exc
        if kind not in "biuf":
            return ParameterError(name, value, REALS)
        shapes[name] = tuple(getattr(value, "shape", np.shape(value)))
    first = next(iter(shapes), "")
    for name, shape in shapes.items():
        try:
            np.broadcast_shapes(shapes[first], shape)
        except ValueError:
            return ParameterError(name, f"an array of shape {shape}", "of a shape that "
                                  f"broadcasts with {first}'s {shapes[first]}")
    return None


def operands(*names: str, problem: Callable[[dict[str, Any]], ParameterError | None]
             = operand_problem) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a numerical function so that an operand (one of ``names``) of the wrong type
    or shape raises a :class:`ParameterError` naming it, instead of NumPy's error from inside
    the arithmetic. Nothing is checked on the way in — such functions run in simulation
    loops — so only a failing call pays for the diagnosis (``problem``)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except ParameterError:
                raise
            except (TypeError, ValueError, AttributeError, IndexError) as exc:
                given = signature.bind(*args, **kwargs).arguments
                found = problem({n: given[n] for n in names if n in given})
                if found is None:
                    raise
                raise found from exc

        return checked

    return decorate
