"""PAC-Bayes objectives for Gaussian posteriors (symbolic) and claim D9's closed forms against
numerical minimisation of the bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from lrtheory.claims import pac_bayes as claim
from lrtheory.errors import ParameterError
from lrtheory.models import pac_bayes as pbm
from lrtheory.models.noisy_saddle import variance_path
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import pac_bayes as pb

_PROBLEM = {"lam": 1.0, "sigma": 2.0, "B": 10.0, "n": 9.0, "s0": 1.0, "mu": 0.5}


@pytest.mark.parametrize(("mq", "vq", "mp", "vp"), [(0.0, 0.1, 0.5, 1.0), (1.0, 2.0, -1.0, 0.5)])
def test_gaussian_kl_against_quadrature(mq: float, vq: float, mp: float, vp: float) -> None:
    kl = float(pb.gaussian_kl(mq, vq, mp, vp))
    q, p = stats.norm(mq, math.sqrt(vq)), stats.norm(mp, math.sqrt(vp))
    numeric, _ = integrate.quad(lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x)),
                                -np.inf, np.inf, epsabs=1e-13)
    assert kl == pytest.approx(numeric, rel=1e-9)


def test_expected_log_ratio_under_another_gaussian() -> None:
    val = float(pb.expected_log_ratio(0.0, 0.1, 0.5, 1.0, 0.2, 0.3))
    q, p, w = stats.norm(0, math.sqrt(0.1)), stats.norm(0.5, 1.0), stats.norm(0.2, math.sqrt(0.3))
    numeric, _ = integrate.quad(lambda x: w.pdf(x) * (q.logpdf(x) - p.logpdf(x)),
                                -np.inf, np.inf, epsabs=1e-13)
    assert val == pytest.approx(numeric, rel=1e-9)


def test_objectives_and_their_input_checks() -> None:
    v, n = sp.Symbol("v", positive=True), sp.Symbol("n", positive=True)
    assert pb.linear_objective(v, 2 * v, n) == v + 2 * v / n
    mc = pb.mcallester_objective(0, 1, 4, sp.Rational(1, 20))
    assert float(mc) == pytest.approx(math.sqrt((1 + math.log(80)) / 8))
    with pytest.raises(ParameterError, match="n"):
        pb.linear_objective(v, v, -1)
    with pytest.raises(ParameterError, match="var"):
        pb.gaussian_log_density(0, -1)
    with pytest.raises(ParameterError, match="kl"):
        pb.linear_objective(v, "not a number", n)


def test_numeric_kl_is_the_derived_one() -> None:
    v, s0, mu = sp.symbols("v s0 mu", positive=True)
    derived = sp.lambdify((v, s0, mu), pb.gaussian_kl(0, v, mu, s0**2))
    for vv, ss, mm in ((0.1, 1.0, 0.5), (3.0, 0.7, 2.0)):
        problem = {**_PROBLEM, "s0": ss, "mu": mm}
        assert pbm.gaussian_kl(vv, problem) == pytest.approx(derived(vv, ss, mm), rel=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_optimum_matches_brent_for_random_problems(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = {"lam": float(rng.uniform(0.2, 5)), "sigma": float(rng.uniform(0.3, 3)),
         "B": float(rng.integers(1, 64)), "n": float(rng.integers(5, 5000)),
         "s0": float(rng.uniform(0.2, 3)), "mu": float(rng.normal()), "at_sde": 0.0}
    eta_x, eta_s, v_star = claim._closed(p)
    assert 0 < eta_x * p["lam"] < 2  # always stable
    assert eta_s / eta_x == pytest.approx(1 + p["B"] * p["lam"] ** 2 * v_star / p["sigma"] ** 2,
                                          rel=1e-12)
    exact, sde = pbm.minimise(p), pbm.minimise(p, sde=True)
    assert abs(exact.eta - eta_x) <= exact.tolerance
    assert abs(sde.eta - eta_s) <= sde.tolerance
    assert pbm.posterior_variance(eta_x, p, sde=False)[0] == pytest.approx(v_star, rel=1e-12)
    # a worse rate gives a larger bound on both sides
    for factor in (0.9, 1.1):
        assert pbm.bound(eta_x * factor, p) > pbm.bound(eta_x, p)


def test_brent_tolerance_is_not_vacuous() -> None:
    p = {**claim._BASE, "sigma": 2.0, "B": 10.0}
    m = pbm.minimise(p)
    assert m.tolerance < 1e-6 * m.eta


def test_model_functions_check_their_inputs() -> None:
    with pytest.raises(ParameterError, match="sigma"):
        pbm.bound(0.1, {**_PROBLEM, "sigma": -1.0})
    with pytest.raises(ParameterError, match="p"):
        pbm.minimise({"lam": 1.0})
    with pytest.raises(ParameterError, match="form"):
        pbm.bound(0.1, _PROBLEM, form="catoni")
    with pytest.raises(ParameterError, match="eta"):
        pbm.posterior_variance(0.0, _PROBLEM)
    with pytest.raises(ParameterError, match="v"):
        pbm.gaussian_kl(-0.1, _PROBLEM)
    with pytest.raises(ParameterError, match="threshold"):
        pbm.tail_flip_bound(0.6, -0.1, 10, 0.1, 0.0)


def test_monte_carlo_predictions_are_the_finite_T_gaussian_law() -> None:
    """The D9 kernel's statistics against their exact predictions on a seeded run: θ_T ~
    N(0, v_T) with v_T from the variance recursion; tails of that Gaussian."""
    point = claim.D9.points[0]
    p = dict(point.params)
    eta, _, v_star = claim._closed(p)
    est = claim._simulate(point, Ensemble(seed=5, threads=1), 200_000)
    a, h = 1 - eta * p["lam"], eta * p["sigma"] / math.sqrt(p["B"])
    T = math.ceil(math.log(1e-7) / (2 * math.log(abs(a))))
    v_T = float(variance_path(a, h, T)[-1])
    assert est[0].prediction == pytest.approx(v_T, rel=1e-13)
    assert est[0].prediction == pytest.approx(v_star, rel=2e-7)  # stationary in all but name
    for e, c in zip(est[1:], claim.TAILS, strict=True):
        assert e.prediction == pytest.approx(2 * stats.norm.sf(c * math.sqrt(v_star / v_T)),
                                             rel=1e-12)
        assert 0 < e.bias_bound < 1e-9  # rounding flips: negligible, but declared
    for e in est:
        assert abs(e.sample.value - e.prediction) < 5 * e.sample.se
    # a Laplace law of the same variance would be refuted: its tail at √v* is e^{−√2}
    assert abs(est[1].sample.value - math.exp(-math.sqrt(2))) > 20 * est[1].sample.se
