"""Errors and input validation shared by every public entry point.

A bad input is rejected at the edge with a message that names the parameter, the value
received and the allowed range, e.g. ``eta must be in (0, inf); got -0.1``. Nothing deeper
in the package ever sees an unchecked parameter.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from collections.abc import Callable
from numbers import Real
from typing import Any, ParamSpec, TypeVar

import numpy as np
from numpy.typing import NDArray

from lrtheory.arrays import namespace

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
        huge = isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**16
        super().__init__(f"{name} must be {allowed}; got {_brief(value) if huge else repr(value)}")


class UnknownNameError(LrtheoryError, KeyError):
    """An unknown claim ID, family or backend was asked for."""

    def __init__(self, kind: str, value: str, known: list[str]) -> None:
        self.kind = kind
        self.value = value
        self.known = known
        super().__init__(f"unknown {kind} {value!r}; choose one of: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0])


class RangeError(LrtheoryError, ArithmeticError):
    """A model's computation leaves the finite float64 numbers (|x| ≤ 1.8e308) for the
    arguments given, though each lies in its documented range: e.g. ``(1 − ηλ)^2t`` for
    η = 1e300 (in the result, or in an intermediate such as μ² for μ = 1e300).
    Raised by :func:`finite_result` instead of an OverflowError from inside NumPy or math,
    or a silent inf/NaN in the result."""

    def __init__(self, function: str, arguments: dict[str, object], cause: str = "") -> None:
        self.function = function
        self.arguments = arguments
        self.cause = cause
        given = ", ".join(f"{n}={_brief(v)}" for n, v in arguments.items())
        because = f" ({cause})" if cause else ""
        super().__init__(f"{function}: the computation leaves the finite float64 numbers "
                         f"(|x| ≤ 1.8e308) for {given}{because}; reduce the largest parameter")


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


#: Upper limit of a step, iteration, round or example count: ten times the longest horizon
#: a claim's parameters allow (T ≤ 1e7 steps in decay coupling; the claims' own runs stay
#: below 1e6), so that 10**300 steps is refused by name at once instead of hanging or asking
#: NumPy for an array larger than memory.
MAX_STEPS = 10**8
#: Upper limit of an array dimension (d, depth, clients, samples, problems …): a hundred
#: times the largest the claims use (1e4). A sanity bound, not a memory budget: a d × d
#: matrix near it still does not fit (NumPy then says how much it asked for).
MAX_SIZE = 10**6


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
    """A real number or an array of them (NumPy, CuPy or another array-API library), every
    entry finite and in the interval (lo, hi) as for :func:`check_real`; returned unchanged
    (type, shape and array module kept), so that vectorised models can check their inputs.
    A non-NumPy array is checked through its own namespace (never converted to NumPy, which
    CuPy refuses)."""
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"
    interval = f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}"
    if isinstance(value, bool):
        raise ParameterError(name, value, REALS)
    xp: Any = namespace(value)
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
        if kind is None and hasattr(value, "__array_namespace__"):
            kind = "f"  # an array-API array (its dtypes have no .kind): judged by shape only
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


def _brief(value: object) -> str:
    """A short rendering of an argument for an error message: numbers in %g, arrays by shape."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, int | np.integer):
        digits = str(int(value))
        sign = "-" if digits.startswith("-") else ""
        return digits if len(digits) <= 16 else f"≈{sign}1e{len(digits) - len(sign) - 1}"
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, list | tuple) and len(value) <= 4 \
            and all(isinstance(v, int | float) for v in value):
        inner = ", ".join(_brief(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"<array of shape {tuple(shape)}>"
    return f"<{type(value).__name__}>"


def all_finite(value: object, depth: int = 0) -> bool:
    """Whether every float in ``value`` is finite: numbers, NumPy arrays and scalars, and
    tuples, lists, dicts and dataclasses of them (eight levels deep). Anything else (ints,
    strings, SymPy expressions, callables) counts as finite."""
    if isinstance(value, float | np.floating | complex | np.complexfloating):
        return bool(np.isfinite(value))
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    if depth >= 8 or isinstance(value, int | str | bytes) or value is None:
        return True
    parts: Any = ()
    if isinstance(value, dict):
        parts = value.values()
    elif isinstance(value, list | tuple):
        parts = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = (getattr(value, f.name) for f in dataclasses.fields(value))
    return all(all_finite(v, depth + 1) for v in parts)


T = TypeVar("T")


def require_finite(function: str, value: T, **arguments: object) -> T:
    """``value`` unchanged if every float in it is finite (:func:`all_finite`), else a
    :class:`RangeError` naming ``function`` and ``arguments``: the check of
    :func:`finite_result` for one value, where the decorator does not fit (a result with a
    field that may be NaN by design, say)."""
    if not all_finite(value):
        raise RangeError(function, arguments)
    return value


#: NumPy/SciPy messages that mean "an inf or NaN reached a solver", not a bad parameter.
_NON_FINITE_MESSAGES = ("must not contain infs or nans", "did not converge",
                        "math range error", "numerical result out of range",
                        "too large for a float", "too large to convert to float",
                        "cannot convert float infinity", "cannot convert float nan")


def finite_result(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a model function whose result can leave float64 for huge (but in-range)
    arguments, so that this surfaces as a :class:`RangeError` naming the function and its
    arguments — never as an OverflowError, a LinAlgError or a ``ValueError: array must not
    contain infs or NaNs`` from inside NumPy/SciPy, nor as a silent inf or NaN in the result.

    The body runs under ``np.errstate(over="ignore", divide="ignore", invalid="ignore")``
    (an overflow is judged by the result, not warned about midway); the result — a number,
    an array, or tuples, lists, dicts and dataclasses of them — must be finite
    (:func:`all_finite`).
    A ParameterError naming one of its parameters, and every other LrtheoryError, pass
    through unchanged; a RangeError from a decorated function it calls, and a
    ParameterError about finiteness naming something else (an intermediate the body built,
    such as a run or a norm, checked by a function it calls), are raised as this call's
    RangeError.

    Not for functions documented to return inf (a diverged run shown as inf, an unbounded
    threshold), nor for array arithmetic run once per step inside Monte Carlo kernels: the
    check costs a pass over the result and about 2 µs per call."""
    signature = inspect.signature(fn)
    function = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__qualname__}"

    def refuse(args: tuple[object, ...], kwargs: dict[str, object], cause: str) -> RangeError:
        try:
            given = dict(signature.bind(*args, **kwargs).arguments)
        except TypeError:  # pragma: no cover - the call itself bound
            given = {}
        return RangeError(function, given, cause)

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                out = fn(*args, **kwargs)
        except RangeError as exc:  # from a decorated function it calls: name this call
            if exc.function == function:
                raise
            raise refuse(args, kwargs, f"in {exc.function}") from exc
        except ParameterError as exc:
            if exc.name in signature.parameters or "finite" not in exc.allowed:
                raise
            # An inner check found a non-finite intermediate the body computed (a diverged
            # run, an overflowed norm): not a parameter of this call, so its overflow.
            raise refuse(args, kwargs, str(exc)) from exc
        except LrtheoryError:
            raise
        except (OverflowError, FloatingPointError, ValueError, np.linalg.LinAlgError) as exc:
            overflow = isinstance(exc, OverflowError | FloatingPointError)
            if not overflow and not any(m in str(exc).lower() for m in _NON_FINITE_MESSAGES):
                raise
            raise refuse(args, kwargs, f"{type(exc).__name__}: {exc}") from exc
        if not all_finite(out):
            raise refuse(args, kwargs, "")
        return out

    return checked
