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
from lrtheory.symbolic import pac_bayes as pb


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
        assert claim._kl(vv, {"s0": ss, "mu": mm}) == pytest.approx(derived(vv, ss, mm),
                                                                     rel=1e-14)


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
    exact, sde = claim._minimise(p), claim._minimise(p, sde=True)
    assert abs(exact.eta - eta_x) <= exact.tolerance
    assert abs(sde.eta - eta_s) <= sde.tolerance
    assert claim._variance(eta_x, p, sde=False)[0] == pytest.approx(v_star, rel=1e-12)
    # a worse rate gives a larger bound on both sides
    for factor in (0.9, 1.1):
        assert claim._bound(eta_x * factor, p) > claim._bound(eta_x, p)


def test_brent_tolerance_is_not_vacuous() -> None:
    p = {**claim._BASE, "sigma": 2.0, "B": 10.0}
    m = claim._minimise(p)
    assert m.tolerance < 1e-6 * m.eta
