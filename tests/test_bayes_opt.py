"""Learning-rate search models (lrtheory.models.bayes_opt) and claim H4's derived laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtheory.claims import bayes_opt as h4
from lrtheory.errors import ParameterError
from lrtheory.models import bayes_opt as bo
from lrtheory.models import gp_search as gs
from lrtheory.montecarlo.backend import get_backend
from lrtheory.montecarlo.runner import Ensemble

CURVE = bo.Curve(height=0.8, width=0.15, eps=0.01, noise_sd=0.01, centre_lo=0.2,
                 centre_hi=0.8)


def test_good_set_edges_sit_at_best_minus_eps() -> None:
    h = bo.good_halfwidth(CURVE)
    best = CURVE.floor + CURVE.height
    for edge in (0.4 - h, 0.4 + h):
        assert float(bo.accuracy(CURVE, edge, 0.4)) == pytest.approx(best - CURVE.eps,
                                                                      rel=1e-14)
    assert float(bo.coverage(CURVE, 0.5)) == pytest.approx(2 * h)
    assert float(bo.coverage(CURVE, 0.0)) == pytest.approx(h)          # clipped at the edge
    assert float(bo.coverage(CURVE, 1.0 - h / 2)) == pytest.approx(1.5 * h)


def test_random_search_kernel_follows_the_geometric_law() -> None:
    ens = Ensemble(backend=get_backend("numpy"), seed=7)
    m = ens.run(bo.random_search_kernel(CURVE, 10, 30), 50_000)
    q = 1 - 2 * bo.good_halfwidth(CURVE)
    assert abs(m.mean[0] - (1 - q**10)) < 5 * m.stderr_mean[0]
    assert abs(m.mean[1] - (1 - q**30) / (1 - q)) < 5 * m.stderr_mean[1]


def test_gp_posterior_matches_the_textbook_formula_and_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    x, y, at = rng.uniform(size=6), rng.normal(size=6), np.linspace(0, 1, 9)
    mean, sd = gs.gp_posterior(x, y, at, 0.8, 0.2, 1e-3)

    def k(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(0.64 * np.exp(-0.5 * ((a[:, None] - b[None, :]) / 0.2) ** 2))

    inv = np.linalg.inv(k(x, x) + 1e-3 * np.eye(6))
    np.testing.assert_allclose(mean, k(at, x) @ inv @ y, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sd**2, 0.64 - np.einsum("ij,jk,ik->i", k(at, x), inv,
                                                       k(at, x)), rtol=1e-8, atol=1e-12)
    pytest.importorskip("sklearn")
    curve = bo.Curve(height=0.8, width=0.15, eps=0.01, noise_sd=math.sqrt(1e-3 - 1e-8 * 0.64),
                     floor=0.0)
    _, mean_sk, sd_sk = gs.posterior_on_grid(curve, gs.Ucb(length_scale=0.2, grid=9),
                                             gs.Run(6, x, y))
    np.testing.assert_allclose(mean_sk, mean, atol=1e-12)
    np.testing.assert_allclose(sd_sk, sd, atol=1e-7)


def test_gp_ucb_runs_are_reproducible_and_stop_at_the_first_good_point() -> None:
    pytest.importorskip("sklearn")
    ucb = gs.Ucb(length_scale=0.15, cap=30)
    a = gs.gp_ucb_search(CURVE, ucb, 0.5, np.random.default_rng(5))
    b = gs.gp_ucb_search(CURVE, ucb, 0.5, np.random.default_rng(5))
    assert a.evaluations == b.evaluations
    assert np.array_equal(a.points, b.points)
    assert a.points.size == a.evaluations <= 30
    best = CURVE.floor + CURVE.height - CURVE.eps
    true = bo.accuracy(CURVE, a.points, 0.5)
    assert true[-1] >= best
    assert np.all(true[:-1] < best)
    easy = bo.Curve(height=0.8, width=0.15, eps=0.79)            # every point is good
    assert gs.gp_ucb_search(easy, ucb, 0.5, np.random.default_rng(1)).evaluations == 1


def test_gp_ucb_beats_random_search_at_ten_but_not_at_five_evaluations() -> None:
    """The measured comparison H4 reports, at a reduced size: exact one-sided binomial tests
    against random search's exact probabilities."""
    pytest.importorskip("sklearn")
    from scipy import stats as st

    runs = gs.gp_ucb_trials(CURVE, gs.Ucb(length_scale=0.15, cap=30), 60, 11)
    q = 1 - 2 * bo.good_halfwidth(CURVE)
    assert st.binomtest(int(np.sum(runs <= 10)), 60, 1 - q**10,
                        alternative="greater").pvalue < 1e-6
    assert st.binomtest(int(np.sum(runs <= 5)), 60, 1 - q**5,
                        alternative="greater").pvalue > 0.05


def test_median_interval_uses_binomial_order_statistics() -> None:
    x = np.arange(1.0, 41.0)
    assert gs.median_interval(x, 0.05) == (14.0, 27.0)   # l = 14 for n = 40
    assert gs.median_interval([1.0, 2.0], 0.05) == (-math.inf, math.inf)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: bo.Curve(height=0.8, width=0.1, eps=0.8), "eps"),
    (lambda: bo.Curve(height=0.8, width=-0.1, eps=0.1), "width"),
    (lambda: bo.Curve(height=0.8, width=0.1, eps=0.1, centre_lo=0.6, centre_hi=0.5),
     "centre_hi"),
    (lambda: gs.Ucb(grid=1), "grid"),
    (lambda: gs.Ucb(length_scale=0.0), "length_scale"),
    (lambda: bo.random_search_kernel(CURVE, 40, 30), "budget"),
    (lambda: gs.gp_posterior([0.1, 0.2], [1.0], [0.5], 1.0, 0.1, 0.0), "y"),
    (lambda: gs.gp_ucb_search(CURVE, gs.Ucb(), 1.5, np.random.default_rng(0)), "centre"),
])
def test_bad_input_names_the_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()  # type: ignore[operator]
    assert err.value.name == name


def test_gp_sweep_is_reproducible_and_summarised() -> None:
    """A small version of the sweep behind H4's findings: one call, fixed seed."""
    pytest.importorskip("sklearn")
    from dataclasses import replace

    settings = {"base": (CURVE, gs.Ucb(length_scale=0.15, cap=12)),
                "greedy": (CURVE, gs.Ucb(kappa=0.0, length_scale=0.15, cap=12)),
                "easy": (replace(CURVE, eps=0.79), gs.Ucb(length_scale=0.15, cap=12))}
    first, again = gs.gp_sweep(settings, 6, 3), gs.gp_sweep(settings, 6, 3)
    assert list(first) == list(settings)
    for name in settings:
        np.testing.assert_array_equal(first[name], again[name])
        assert first[name].shape == (6,)
        assert np.all((first[name] >= 1) & (first[name] <= 13))
    np.testing.assert_array_equal(first["base"], gs.gp_ucb_trials(*settings["base"], 6, 3))
    assert np.mean(first["easy"]) < np.mean(first["base"])       # good set 0.88 wide
    summary = gs.sweep_summary(np.array([1.0, 2.0, 6.0, 13.0]), 12)
    assert summary["median"] == 4.0
    assert summary["within_5"][0] == 0.5
    assert summary["never"][0] == 0.25
    assert summary["within_10"][1] < 0.75 < summary["within_10"][2]
    assert summary["capped_mean"] == pytest.approx((1 + 2 + 6 + 12) / 4)


def test_gp_settings_vary_one_thing_each() -> None:
    settings = h4.gp_settings()
    base_curve, base_ucb = settings["ℓ = w"]
    assert settings["ℓ = 3w"][1].length_scale == pytest.approx(3 * base_curve.width)
    assert settings["κ = 0"][1].kappa == 0.0
    assert settings["κ = 0"][0] == base_curve
    assert settings["τ = 0.3"][0].noise_sd == 0.3
    assert settings["τ = 0.3"][1] == base_ucb


def test_h4_laws_against_brute_force() -> None:
    f = h4._numeric()
    q, k = 0.9, 7
    assert f["cdf"](q, k) == pytest.approx(sum(q ** (n - 1) * (1 - q) for n in range(1, k + 1)))
    capped = sum(min(n, k) * q ** (n - 1) * (1 - q) for n in range(1, 2000))
    assert f["capped"](q, k) == pytest.approx(capped, rel=1e-12)
    h, j = 0.1, 6
    grid = (np.arange(200_000) + 0.5) / 200_000                     # midpoint rule
    miss = 1 - (np.minimum(1, grid + h) - np.maximum(0, grid - h))
    assert f["survival"](h, j) == pytest.approx(np.mean(miss**j), rel=1e-8)
    # The same by quadrature over the centre (h = the curve's half-width).
    curve = bo.Curve(height=0.8, width=0.15, eps=0.01)
    hw = bo.good_halfwidth(curve)
    value, err = bo.mean_over_centres(curve, lambda m: m**j)
    assert value == pytest.approx(f["survival"](hw, j), abs=err + 1e-14)
    # Jensen: the mixture reaches ε less often than a geometric law with the mean coverage.
    assert 1 - f["survival"](h, 10) < 1 - (1 - (2 * h - h * h)) ** 10


def test_clopper_pearson_matches_scipy() -> None:
    from scipy import stats as st

    low, high = gs.clopper_pearson([0, 3, 17, 40], 40, 0.05)
    for x, lo, hi in zip((0, 3, 17, 40), low, high, strict=True):
        ci = st.binomtest(x, 40).proportion_ci(0.95, method="exact")
        assert (lo, hi) == (pytest.approx(ci.low, abs=1e-12), pytest.approx(ci.high, abs=1e-12))
    with pytest.raises(ParameterError) as err:
        gs.clopper_pearson([41], 40, 0.05)
    assert err.value.name == "successes"
