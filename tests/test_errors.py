"""The overflow guard of lrtheory.errors: :func:`finite_result`, :class:`RangeError`,
:func:`require_finite` and the size limits MAX_STEPS / MAX_SIZE used with ``check_int``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy.linalg import solve_discrete_lyapunov

from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    LrtheoryError,
    ParameterError,
    RangeError,
    all_finite,
    check_int,
    check_positive,
    finite_result,
    require_finite,
)


@finite_result
def power(eta: float, steps: int = 2) -> float:
    """(1 + η)^steps in Python floats: an OverflowError past 1.8e308."""
    return (1.0 + check_positive("eta", eta)) ** steps


@finite_result
def grown(eta: float, shape: tuple[int, ...] = (3,)) -> Any:
    """An array e^η: inf (silently) past η ≈ 709.8."""
    return np.full(shape, np.exp(eta))


@dataclass(frozen=True)
class Pair:
    value: float
    error: float


@finite_result
def nested(x: float) -> dict[str, Any]:
    return {"rows": [(1, np.array([1.0, x]))], "pair": Pair(1.0, x * x), "label": "ok"}


def test_a_finite_result_passes_unchanged_and_the_wrapper_keeps_the_name() -> None:
    assert power(1.0, 3) == 8.0
    out = nested(2.0)
    assert out["pair"] == Pair(1.0, 4.0)
    assert out["label"] == "ok"
    assert power.__name__ == "power"
    assert "Python floats" in (power.__doc__ or "")


def test_an_overflow_error_becomes_a_range_error_naming_the_call() -> None:
    with pytest.raises(RangeError) as info:
        power(1e300, 2)
    message = str(info.value)
    assert message.startswith("test_errors.power: the computation leaves the finite float64")
    assert "for eta=1e+300, steps=2 (OverflowError" in message
    assert isinstance(info.value.__cause__, OverflowError)
    assert isinstance(info.value, LrtheoryError)
    assert isinstance(info.value, ArithmeticError)
    assert info.value.function == "test_errors.power"
    assert info.value.arguments == {"eta": 1e300, "steps": 2}


@pytest.mark.parametrize(("call", "name"), [
    (lambda: grown(800.0), r"eta=800\b"),                   # inf in an array
    (lambda: nested(math.inf), r"x=inf\b"),                 # inf deep in a dict/list/tuple
    (lambda: nested(1e200), r"x=1e\+200\b"),                # x² in a dataclass field
])
def test_a_silent_inf_in_the_result_is_refused(call: Any, name: str) -> None:
    with pytest.raises(RangeError, match=name):
        call()


def test_nan_and_inf_results_raise_but_no_warning_escapes() -> None:
    @finite_result
    def nan_out(x: float) -> float:
        return float(np.float64(x) * 0.0 + np.log(np.float64(-1.0)))  # NaN, "invalid"

    before = np.geterr()
    with pytest.raises(RangeError):  # filterwarnings = error: a warning would fail here
        nan_out(1.0)
    assert np.geterr() == before


def test_a_callers_errstate_raise_is_judged_by_the_result() -> None:
    with np.errstate(all="raise"), pytest.raises(RangeError, match="eta=800"):
        grown(800.0)
    with np.errstate(all="raise"):
        assert grown(1.0)[0] == pytest.approx(math.e)


def test_a_parameter_error_naming_the_parameter_passes_through() -> None:
    with pytest.raises(ParameterError, match=r"^eta must be in \(0, inf\)"):
        power(-1.0)


def test_an_inner_finiteness_check_on_an_intermediate_is_this_calls_range_error() -> None:
    def norms(values: Any) -> Any:
        if not np.all(np.isfinite(values)):
            raise ParameterError("norms", values, "finite")
        return values

    @finite_result
    def run(eta: float) -> float:
        return float(norms(np.exp(np.array([eta])))[0])

    @finite_result
    def bracket(eta: float) -> float:
        raise ParameterError("hi", eta, "a point where the predicate fails")

    with pytest.raises(RangeError, match=r"test_errors\..*run: .*eta=1000 \(norms must be finite"):
        run(1000.0)
    with pytest.raises(ParameterError, match=r"^hi must"):  # not about finiteness: unchanged
        bracket(1.0)


def test_solver_errors_from_non_finite_input_become_range_errors() -> None:
    @finite_result
    def covariance(gain: float) -> Any:
        a = np.array([[0.5, gain], [0.0, 0.5]])
        return solve_discrete_lyapunov(a * a, np.eye(2))

    @finite_result
    def spectral_norm(scale: float) -> float:  # a NaN entry: "SVD did not converge"
        return float(np.linalg.norm(np.array([[scale * scale * 0.0, 1.0], [1.0, 2.0]]), 2))

    with pytest.raises(RangeError, match=r"gain=1e\+300 \(ValueError: array must not contain"):
        covariance(1e300)
    with pytest.raises(RangeError, match=r"scale=1e\+300 \(LinAlgError: SVD did not conv"):
        spectral_norm(1e300)
    assert spectral_norm(1.0) == pytest.approx(1.0 + math.sqrt(2.0))  # [[0, 1], [1, 2]]


def test_other_errors_are_not_dressed_up() -> None:
    @finite_result
    def singular(x: float) -> Any:
        return np.linalg.inv(np.zeros((2, 2)) * x)

    @finite_result
    def bug(x: float) -> float:
        raise ValueError("a genuine bug")

    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        singular(1.0)
    with pytest.raises(ValueError, match="a genuine bug") as info:
        bug(1.0)
    assert not isinstance(info.value, LrtheoryError)


def test_a_range_error_from_a_decorated_callee_names_the_outer_call() -> None:
    @finite_result
    def outer(rate: float) -> float:
        return power(rate) + 1.0

    with pytest.raises(RangeError, match=r"outer: .*rate=1e\+300 \(in test_errors.power\)"):
        outer(1e300)


def test_all_finite_and_require_finite() -> None:
    assert all_finite([1, "x", None, (2.0, {"a": np.arange(3)})])
    assert all_finite(np.array([1, 2]))  # integers are always finite
    assert not all_finite({"a": [(1.0, np.array([0.0, np.nan]))]})
    assert not all_finite(Pair(1.0, -math.inf))
    assert not all_finite(np.complex128(complex(1.0, math.inf)))
    values = np.ones(3)
    assert require_finite("m.f", values, x=1.0) is values
    with pytest.raises(RangeError, match=r"^m\.f: .*x=2, steps=≈1e300"):
        require_finite("m.f", np.array([math.inf]), x=2.0, steps=10**300)


def test_size_limits_refuse_huge_counts_by_name() -> None:
    assert MAX_STEPS >= 10 * 10**7  # ten times the longest horizon a claim allows (T ≤ 1e7)
    assert 10**4 * 100 <= MAX_SIZE <= MAX_STEPS
    assert check_int("steps", MAX_STEPS, 1, MAX_STEPS) == MAX_STEPS
    with pytest.raises(ParameterError, match=rf"^steps must be an integer in \[1, {MAX_STEPS}\]; "
                       r"got ≈1e300$"):  # a 301-digit count is shown by its size
        check_int("steps", 10**300, 1, MAX_STEPS)
