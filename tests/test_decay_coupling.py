"""M7: the cumulative shrink of L2 through the gradient, its series and its approximations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from lrtheory.claims import decay_coupling as m7
from lrtheory.errors import ParameterError
from lrtheory.montecarlo.runner import Ensemble

BASE = {"eta0": 0.3, "wd": 0.4, "T": 30}
POINTS = [
    {**BASE, "schedule": 0},
    {**BASE, "schedule": 1, "rate": 0.5, "every": 7},
    {**BASE, "schedule": 2},
    {**BASE, "schedule": 3},
    {**BASE, "schedule": 4, "rate": 0.9},
]


def _brute_rates(p: dict[str, Any]) -> np.ndarray[Any, Any]:
    """η_t written out by hand, t = 0 … T − 1."""
    t, eta0, horizon = np.arange(p["T"], dtype=float), p["eta0"], p["T"]
    kind = m7.KINDS[p["schedule"]]
    if kind == "constant":
        rates = np.full(horizon, eta0)
    elif kind == "step":
        rates = eta0 * p["rate"] ** (t // p["every"])
    elif kind == "linear":
        rates = eta0 * (1 - t / horizon)
    elif kind == "cosine":
        rates = eta0 * (1 + np.cos(np.pi * t / horizon)) / 2
    else:
        rates = eta0 * p["rate"] ** t
    return np.asarray(rates, dtype=np.float64)


@pytest.mark.parametrize("point", POINTS, ids=m7.KINDS)
def test_product_series_and_sums_against_brute_force(point: dict[str, Any]) -> None:
    p = m7._params(point)
    rates = _brute_rates(point)
    np.testing.assert_allclose(m7._rates(p), rates, rtol=1e-13, atol=1e-16)
    sh = m7.Shrink(p)
    product = float(np.prod(1 - p["wd"] * rates))
    assert sh.product == pytest.approx(product, rel=1e-13)
    w = 1.0
    for eta in rates:
        w = w - eta * p["wd"] * w
    assert float(m7._run_rule(p, m7._rates(p), 1.0)) == pytest.approx(w, rel=1e-14)
    # The derived closed-form sum and (for step decay) the piecewise integral.
    assert m7._closed(p, "sum") == pytest.approx(float(np.sum(rates)), rel=1e-13)
    # The truncated log series is within its remainder bound, and not within a tenth of it.
    gap = abs(sh.log_product - sh.series())
    assert gap <= sh.remainder() + sh.rounding()
    assert gap >= 0.1 * sh.remainder()
    exact_tail = sum(np.sum((p["wd"] * rates) ** j) / j for j in range(m7.ORDER + 1, 200))
    assert gap == pytest.approx(exact_tail, rel=1e-9)


def test_integrals_of_the_schedules() -> None:
    p = m7._params({**BASE, "schedule": 3, "T": 40})
    assert m7._closed(p, "int") == pytest.approx(0.3 * 40 / 2)
    assert m7._closed(p, "int2") == pytest.approx(3 * 0.09 * 40 / 8)
    p = m7._params({**BASE, "schedule": 4, "rate": 0.9})
    assert m7._closed(p, "int") == pytest.approx(0.3 * (1 - 0.9**30) / -math.log(0.9))
    # Step decay: 4 whole stages of 7 steps and a partial stage of 2 (rate 1/2).
    p = m7._params(POINTS[1])
    stages = 0.3 * 0.5 ** np.array([0, 1, 2, 3])
    assert m7._closed(p, "int") == pytest.approx(7 * stages.sum() + 2 * 0.3 * 0.5**4)
    assert m7._closed(p, "int2") == pytest.approx(7 * (stages**2).sum() + 2 * (0.3 * 0.5**4)**2)


def test_exponential_overestimates_the_product_at_the_derived_order() -> None:
    for control in (1e-3, 1e-2):
        p = m7._curve_point("cosine", control)
        sh = m7.Shrink(p)
        assert math.exp(-p["wd"] * float(np.sum(sh.rates))) > sh.product
        forms = m7._m7()[1]
        law = float(forms["law_cosine"].subs({m7.WD: control, m7.ETA0: 1.0,
                                               m7.SHRINK: m7.VALIDITY_SHRINK}))
        measured = m7._exponential_error(p)
        assert measured == pytest.approx(law, rel=20 * control)
        assert measured != pytest.approx(law / 2, rel=0.2)


def test_second_moment_recursion_matches_the_variance_sum() -> None:
    p = m7._params({**BASE, "schedule": 3, "w0": 0.7, "sigma": 0.2}, noise=True)
    rates = m7._rates(p)
    factors = 1 - p["wd"] * rates
    # E[w_T²] = (w₀ Π f)² + σ² Σ_s η_s² Π_{t>s} f_t².
    later = np.array([np.prod(factors[s + 1:] ** 2) for s in range(p["T"])])
    want = (0.7 * np.prod(factors)) ** 2 + 0.04 * np.sum(rates**2 * later)
    assert m7._second_moment(p, rates) == pytest.approx(want, rel=1e-13)


def test_monte_carlo_estimates_agree_with_the_exact_moments() -> None:
    point = m7.M7.points[-1]
    estimates = m7._simulate_m7(point, Ensemble(seed=3), 4000)
    assert [e.name for e in estimates] == list(m7.M7_STATISTICS)
    for e in estimates:
        assert abs(e.sample.value - e.prediction) < 5 * e.sample.se
    # The catalog's exponential would be a wrong prediction there, by far.
    p = m7._params(point.params, noise=True)
    exponential = p["w0"] * math.exp(-p["wd"] * m7._closed(p, "int"))
    assert abs(estimates[0].sample.value - exponential) > 50 * estimates[0].sample.se


def test_validity_grows_linearly_in_the_per_step_decay() -> None:
    v = m7._validity_m7()
    errors = np.array(v.errors)
    assert np.all(np.diff(errors) > 0)
    slope = math.log(errors[2] / errors[0]) / math.log(v.values[2] / v.values[0])
    assert slope == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(("params", "name"), [
    ({**BASE, "schedule": 5}, "schedule"),
    ({**BASE, "schedule": 1.5}, "schedule"),
    ({**BASE, "schedule": 0, "eta0": -1}, "eta0"),
    ({**BASE, "schedule": 0, "wd": 1 / 0.3}, "wd"),
    ({**BASE, "schedule": 0, "T": 2.5}, "T"),
    ({**BASE, "schedule": 1, "rate": 0.5}, "every"),
    ({**BASE, "schedule": 1, "rate": 0.5, "every": 2.5}, "every"),
    ({**BASE, "schedule": 4, "rate": 1.0}, "rate"),
    ({"schedule": 0, "eta0": 0.1}, "params"),
])
def test_bad_parameters(params: dict[str, float], name: str) -> None:
    with pytest.raises(ParameterError) as info:
        m7._params(params)
    assert info.value.name == name


def test_noise_parameters_are_checked() -> None:
    with pytest.raises(ParameterError) as info:
        m7._params({**BASE, "schedule": 0, "w0": 1.0, "sigma": -0.1}, noise=True)
    assert info.value.name == "sigma"
