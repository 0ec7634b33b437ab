"""The SDE moment ODE under schedules: symbolic solutions, solve_ivp with its bound, the
recursion's rounding bound and the common-random-numbers kernel."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

from lrtheory import schedules as sch
from lrtheory.errors import ParameterError
from lrtheory.models import nqm
from lrtheory.models import schedule_ranking as sr
from lrtheory.models import sde_moments as sm
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.symbolic import sde_moments as ss

t = ss.TIME
lam, s2, eta0, T = sp.symbols("lambda s2 eta_0 T", positive=True)


# ---------------------------------------------------------------------- symbolic


def test_moment_ode_is_the_recursion_less_eta_squared_lambda_squared_v() -> None:
    r = ss.moment_ode(lam, s2)
    eta = ss.ETA(t)
    assert sp.expand(r["rhs"] - (-2 * lam * eta * ss.V + eta**2 * s2)) == 0
    assert sp.expand(r["recursion"] - ((1 - eta * lam) ** 2 * ss.V + eta**2 * s2)) == 0
    assert sp.expand(r["dropped"] - eta**2 * lam**2 * ss.V) == 0


def test_adiabatic_first_order_is_an_exact_solution_for_exponential_decay() -> None:
    kappa = sp.Symbol("kappa", positive=True)
    rate = eta0 * sp.exp(-kappa * t)
    v0, v1 = ss.adiabatic_series(lam, s2, 1, rate=rate)
    assert sp.simplify(v0 - rate * s2 / (2 * lam)) == 0
    assert ss.ode_residual(v1, rate, t, lam, s2) == 0  # the series terminates
    assert ss.ode_residual(v0, rate, t, lam, s2) != 0  # the quasi-static value does not


def test_integrating_factor_agrees_with_dsolve_at_constant_rate() -> None:
    by_dsolve = ss.constant_rate_solution(eta0, lam, s2)
    by_formula = ss.integrating_factor_solution(eta0, lam, s2)["V"]
    assert sp.simplify(by_dsolve - by_formula) == 0


def test_linear_decay_solution_matches_quadrature() -> None:
    sol = ss.integrating_factor_solution(sch.linear_decay(eta0, T)(t), lam, s2)["V"]
    vals = {eta0: 0.3, T: 20, lam: 0.7, s2: 1.3, ss.V0: 0.4}
    f = sp.lambdify(t, sol.subs(vals), "mpmath")
    e0, total, la, q, v_0 = 0.3, 20.0, 0.7, 1.3, 0.4

    def integral(x: float) -> float:
        return e0 * (x - x * x / (2 * total))

    for time in (3.0, 11.0, 20.0):
        inner = quad(lambda u: (e0 * (1 - u / total)) ** 2 * math.exp(2 * la * integral(u)),
                     0.0, time, epsabs=0, epsrel=1e-13)[0]
        expected = math.exp(-2 * la * integral(time)) * (v_0 + q * inner)
        assert float(f(time)) == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("k", range(5))
def test_gaussian_moments_differentiate_back(k: int) -> None:
    antiderivative, x, a = ss._gaussian_moment(k)
    assert sp.simplify(sp.diff(antiderivative, x) - x**k * sp.exp(-a * x**2)) == 0


def test_gaussian_route_rejects_a_growing_exponent() -> None:
    u = sp.Symbol("u")
    with pytest.raises(ParameterError, match="exponent"):
        ss._gaussian_antiderivative(u, u**2, u)


def test_end_profiles_and_variances() -> None:
    assert ss.end_profile(sch.linear_decay(eta0, T)(t), t, T) == (eta0 / T, 1)
    a, p = ss.end_profile(sch.cosine(eta0, T)(t), t, T)
    assert p == 2
    assert sp.simplify(a - sp.pi**2 * eta0 / (4 * T**2)) == 0
    assert ss.end_profile(sch.polynomial_decay(eta0, T, 3)(t), t, T)[1] == 3
    with pytest.raises(ParameterError, match="reaches 0"):
        ss.end_profile(sch.constant(eta0)(t), t, T)
    # the p = 2 law against direct quadrature
    av = sp.Symbol("a", positive=True)
    law = sp.lambdify((av, lam, s2), ss.end_variance(av, 2, lam, s2))
    direct = quad(lambda r: 0.01**2 * r**4 * math.exp(-2 * 0.5 * 0.01 * r**3 / 3), 0, np.inf)[0]
    assert law(0.01, 0.5, 1.0) == pytest.approx(direct, rel=1e-10)


def test_symbolic_inputs_are_checked() -> None:
    with pytest.raises(ParameterError, match="t"):
        ss.constant_rate_solution(eta0, lam, s2, t=sp.Integer(1))
    with pytest.raises(ParameterError, match="rate"):
        ss.integrating_factor_solution("not an expression", lam, s2)


# ---------------------------------------------------------------------- schedules


def test_standard_schedules_share_peak_and_budget() -> None:
    schedules = sm.standard_schedules(0.5, 80)
    assert len(schedules) == 11
    assert len({s.name for s in schedules}) == 11
    rates = sm.rates(schedules, 80)
    assert rates.shape == (80, 11)
    assert np.max(rates) == pytest.approx(0.5)
    assert np.all(rates >= 0)
    with pytest.raises(ParameterError, match="total"):
        sm.standard_schedules(0.5, 4)
    with pytest.raises(ParameterError, match="names"):
        sm.select(schedules, ["cosine", "nope"])


def test_rate_function_is_the_numeric_schedule() -> None:
    schedules = sm.standard_schedules(0.3, 64)
    f = sm.rate_function(schedules)
    rates = sm.rates(schedules, 64)
    for step in range(64):
        np.testing.assert_allclose(f(float(step)), rates[step], rtol=1e-13, atol=1e-16)


def test_breakpoints_find_jumps_corners_and_the_warmup_end() -> None:
    schedules = sm.standard_schedules(1.0, 80)
    step, warm = sm.select(schedules, ("step decay", "warm-up + cosine"))
    assert sm.breakpoints([step], 80) == pytest.approx((27.0, 54.0))
    assert sm.breakpoints([warm], 80) == pytest.approx((8.0,))
    tri = sm.select(schedules, ("triangular",))
    assert sm.breakpoints(tri, 80) == pytest.approx(tuple(10.0 * k for k in range(1, 8)))
    stages = np.array(sm.constant_stages(step, 80))
    np.testing.assert_allclose(stages, [[1.0, 27.0], [0.1, 27.0], [0.01, 26.0]], rtol=1e-12)
    with pytest.raises(ParameterError, match="constant"):
        sm.constant_stages(sm.select(schedules, ("cosine",))[0], 80)


# ---------------------------------------------------------------------- ODE and recursion


def test_solve_moment_ode_within_its_bound_at_constant_rate() -> None:
    eta, curv, noise, v0 = 0.05, np.array([0.5, 2.0]), np.array([1.0, 0.3]), 0.2
    const = (sm.NamedSchedule("c", sch.constant(eta)),)
    path = sm.solve_moment_ode(sm.rate_function(const), curv, noise, v0, [10.0, 30.0])
    for i, time in enumerate((10.0, 30.0)):
        fixed = eta * noise / (2 * curv)
        exact = fixed + (v0 - fixed) * np.exp(-2 * eta * curv * time)
        err = np.linalg.norm(path.values[i, 0] - exact)
        assert err <= path.bounds[i]
        assert path.bounds[i] < 1e-8
    with pytest.raises(ParameterError, match="times"):
        sm.solve_moment_ode(sm.rate_function(const), curv, noise, v0, [])
    with pytest.raises(ParameterError, match="v0"):
        sm.solve_moment_ode(sm.rate_function(const), curv, noise, -1.0, [1.0])


def _exact_recursion(rates: np.ndarray, curv: float, noise: float, m0: float) -> Fraction:
    m, c, q = Fraction(m0), Fraction(curv), Fraction(noise)
    for e in rates:
        e = Fraction(float(e))
        m = (1 - e * c) ** 2 * m + e * e * q
    return m


@pytest.mark.parametrize(("curv", "name"), [(0.7, "cosine"), (1.0, "constant"),
                                            (1.9, "triangular")])
def test_recursion_error_bound_holds(curv: float, name: str) -> None:
    sched = sm.select(sm.standard_schedules(1.0, 40), (name,))
    rates = sm.rates(sched, 40)[:, 0]
    got = nqm.sgd_second_moments([curv], 0.3, rates[:, None], 2.0)[-1, 0, 0]
    exact = _exact_recursion(rates, curv, 0.3, 2.0)
    bound = sm.recursion_error_bound(rates, curv, 0.3, 2.0)
    assert abs(Fraction(float(got)) - exact) <= Fraction(bound)
    assert math.isfinite(bound)
    assert bound < 1e-12


# ---------------------------------------------------------------------- Monte Carlo


def test_common_noise_kernel_means_and_differences() -> None:
    curv = np.array([0.2, 1.0])
    sched = sm.select(sm.standard_schedules(0.5, 30), ("linear decay", "cosine", "constant"))
    rates = sm.rates(sched, 30)
    kernel = sm.common_noise_sgd(curv, np.sqrt(curv), rates, 1.0, [(1, 0), (2, 0)])
    mom = Ensemble(seed=3, threads=1).run(kernel, 20000)
    exact = nqm.expected_loss(curv, nqm.sgd_second_moments(curv, curv, rates, 1.0)[-1])
    z = (mom.mean[:3] - exact) / mom.stderr_mean[:3]
    assert np.all(np.abs(z) < 5)
    np.testing.assert_allclose(mom.mean[3:], mom.mean[[1, 2]] - mom.mean[0], rtol=1e-9)
    # common random numbers: the difference varies far less than that of independent runs
    assert mom.stderr_mean[3] < 0.5 * math.hypot(mom.stderr_mean[0], mom.stderr_mean[1])
    with pytest.raises(ParameterError, match="pair index"):
        sm.common_noise_sgd(curv, 1.0, rates, 1.0, [(0, 3)])
    with pytest.raises(ParameterError, match="step_rates"):
        sm.common_noise_sgd(curv, 1.0, rates[:, 0], 1.0)


def test_unrolled_kernel_is_the_step_by_step_chain() -> None:
    """The kernel's unrolled θ_T equals T steps of θ ← aθ − bξ on the same draws."""
    rng = np.random.default_rng(5)
    a, b = rng.uniform(-1, 1, (9, 3, 2)), rng.uniform(0, 1, (9, 3, 2))
    x0, xi = rng.normal(size=2), rng.normal(size=(9, 2))
    theta = np.broadcast_to(x0, (3, 2)).copy()
    for t in range(9):
        theta = a[t] * theta - b[t] * xi[t]
    prod, g = sm.unrolled_linear_chain(a, b)
    np.testing.assert_allclose(prod * x0 - np.einsum("tsd,td->sd", g, xi), theta, atol=1e-15)
    with pytest.raises(ParameterError, match="b"):
        sm.unrolled_linear_chain(a, b[:, :2])


def test_family_formulas_are_the_schedules() -> None:
    """Compiled once per family in symbolic (η₀, T), evaluated at a member's values: the
    same rates, jumps and derivatives as the member's own formula."""
    from dataclasses import replace

    for eta0, total in ((0.25, 32), (0.01, 800), (1.0, 27)):
        family = sm.standard_schedules(eta0, total)
        plain = tuple(replace(s, family=None, args=()) for s in family)
        assert sm.breakpoints(family, total) == pytest.approx(sm.breakpoints(plain, total))
        # the numeric exponential rounds γ = 0.01^{1/T} once and γ^t carries t times that
        # relative error; the other formulas differ in evaluation order only (a few ulps)
        tol = (total + 8) * np.finfo(float).eps * eta0
        for t in np.linspace(0.0, total, 13):
            np.testing.assert_allclose(sm.rate_function(family)(t), sm.rate_function(plain)(t),
                                       rtol=0, atol=tol)
        cos = sm.select(family, ("cosine",))[0]
        assert sm.rate_at(cos, total / 2, 1) == pytest.approx(-eta0 * np.pi / (2 * total))


def test_ranking_orders_and_measures_gaps() -> None:
    ranked = sr.ranking({"a": 2.0, "b": 1.0, "c": 1.5})
    assert [n for n, _, _ in ranked] == ["b", "c", "a"]
    assert ranked[2][2] == pytest.approx(1.0)
    with pytest.raises(ParameterError):
        sr.ranking({})


# ---------------------------------------------------------------------- D4 numbers


def test_d4_findings_quote_the_validity_domain() -> None:
    """D4's findings quote 0.5 %, 5 % and 68 % at η₀λ = 0.01, 0.1, 1 (worst schedule)."""
    from lrtheory.claims import sde_schedules as d4

    _, err = sr.sde_error_grid(d4.VALIDITY_GRID, d4.RELAXATIONS)
    worst = dict(zip(d4.VALIDITY_GRID, err.max(axis=1), strict=True))
    assert worst[0.01] == pytest.approx(0.005, rel=0.05)
    assert worst[0.1] == pytest.approx(0.05, rel=0.05)
    assert worst[1.0] == pytest.approx(0.68, abs=0.01)
