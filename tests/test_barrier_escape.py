"""Barrier escape (D8): the exact first-passage law, its Monte Carlo kernel, the SDE's escape
time, the deterministic kicks and the symbolic forms, each against an independent answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import ndtr

from lrtheory.errors import ParameterError
from lrtheory.models import barrier_escape as be
from lrtheory.models.threshold import bisect_threshold
from lrtheory.montecarlo.runner import Ensemble, indicator_proportion
from lrtheory.symbolic import barrier_escape as sb

WELL = be.CubicWell(1.0, 1.0)


@dataclass(frozen=True)
class Bowl:
    """U = λx²/2 with a nominal 'top' at 0.5 (only the exit beyond it matters here)."""

    lam: float = 1.0

    @property
    def x_min(self) -> float:
        return 0.0

    @property
    def x_top(self) -> float:
        return 0.5

    def loss(self, x: Any) -> Any:
        return 0.5 * self.lam * x * x

    def grad(self, x: Any) -> Any:
        return self.lam * x

    def curvature(self, x: Any) -> Any:
        return self.lam + 0.0 * x

    def drift_floor(self, eta: float, exit: float) -> float:
        return 0.0 if eta * self.lam == 1.0 else -math.inf


@dataclass(frozen=True)
class Flat:
    """U = 0: pure diffusion, whose mean exit time is known in closed form."""

    @property
    def x_min(self) -> float:
        return 0.0

    @property
    def x_top(self) -> float:
        return 0.0

    def loss(self, x: Any) -> Any:
        return 0.0 * x

    def grad(self, x: Any) -> Any:
        return 0.0 * x

    def curvature(self, x: Any) -> Any:
        return 0.0 * x

    def drift_floor(self, eta: float, exit: float) -> float:
        return -math.inf


def test_potentials_derivatives_match_finite_differences() -> None:
    x, dx = np.linspace(-1.5, 1.8, 17), 1e-6
    for pot in (WELL, be.CubicWell(2.0, 0.7), be.QuarticWell(0.3, 1.5)):
        grad = (pot.loss(x + dx) - pot.loss(x - dx)) / (2 * dx)
        curv = (pot.grad(x + dx) - pot.grad(x - dx)) / (2 * dx)
        np.testing.assert_allclose(pot.grad(x), grad, atol=1e-7)
        np.testing.assert_allclose(pot.curvature(x), curv, atol=1e-7)
        assert pot.grad(pot.x_min) == pytest.approx(0.0, abs=1e-15)
        assert pot.grad(pot.x_top) == pytest.approx(0.0, abs=1e-15)
    assert WELL.barrier == pytest.approx(WELL.loss(1.0) - WELL.loss(0.0))


@pytest.mark.parametrize("pot", [WELL, be.QuarticWell(1.0, 1.0)], ids=["cubic", "quartic"])
@pytest.mark.parametrize("eta", [0.05, 0.5, 2.5])
def test_drift_floor_is_the_lowest_value_of_the_map(pot: Any, eta: float) -> None:
    x = np.linspace(-40.0, 1.5, 400001)
    floor = pot.drift_floor(eta, 1.5)
    assert floor <= float(np.min(x - eta * pot.grad(x))) + 1e-12
    assert floor >= float(np.min(x - eta * pot.grad(x))) - 1e-6


def test_bad_inputs_name_the_parameter() -> None:
    cases = [
        (lambda: be.CubicWell(-1.0, 1.0), "lam"),
        (lambda: be.QuarticWell(1.0, 0.0), "half_width"),
        (lambda: be.EscapeChain(WELL, 0.0, 1.0, 2.0), "eta"),
        (lambda: be.EscapeChain(WELL, 0.5, -1.0, 2.0), "noise"),
        (lambda: be.EscapeChain(WELL, 0.5, 1.0, 0.5), "exit"),
        (lambda: be.first_passage(be.EscapeChain(WELL, 0.5, 1.0, 2.0), 0.0, 0), "steps"),
        (lambda: be.first_passage(be.EscapeChain(WELL, 0.5, 1.0, 2.0), 3.0, 5), "x0"),
        (lambda: be.escape_steps(WELL, 0.5, 1.0, [0.0], 5), "beta"),
        (lambda: be.stays(WELL, 0.0, -0.5, 0), "steps"),
        (lambda: be.sde_escape_time(WELL, -1.0, 2.0, -1.0), "temperature"),
    ]
    for make, name in cases:
        with pytest.raises(ParameterError) as info:
            make()
        assert info.value.name == name


def test_law_is_exact_where_steps_are_independent() -> None:
    """On λx²/2 with ηλ = 1 the map is m ≡ 0: the iterates are i.i.d. N(0, s²), so
    P(τ > t) = q^t with q = Φ(x_b/s) − Φ(L/s), and the cut loses Φ(L/s)·Σ_{t<K} q^t."""
    chain = be.EscapeChain(Bowl(), 1.0, 0.8, 1.0)
    lower, K = -3.0, 12
    law = be.first_passage(chain, 0.0, K, lower=lower)
    s = chain.spread
    q = ndtr(1.0 / s) - ndtr(lower / s)
    np.testing.assert_allclose(law.survival, q ** np.arange(K + 1), rtol=1e-12, atol=1e-15)
    assert law.lost == pytest.approx(ndtr(lower / s) * sum(q**t for t in range(K)), rel=1e-10)
    assert law.error < 1e-10
    # the mean exit time (either side) is geometric: 1/(1 − q)
    assert be.mean_escape_steps(chain, 0.0, lower=lower) == pytest.approx(1 / (1 - q), rel=1e-9)


def test_law_agrees_with_quadrature_and_its_bounds_are_small() -> None:
    chain = be.EscapeChain(WELL, 0.5, math.sqrt(1 / 3), 2.0)
    law = be.first_passage(chain, 0.0, 40)
    s2, err = be.two_step_survival(chain, 0.0, chain.lower())
    assert abs(s2 - law.survival[2]) <= err + law.error
    assert np.all(np.diff(law.survival) <= 0)
    assert law.error < 1e-9
    assert law.lost < 1e-15
    assert law.mean_capped == pytest.approx(float(np.sum(law.survival[:-1])))
    assert be.escape_probability(chain, 0.0, 40) == pytest.approx(law.escaped, abs=1e-9)


def test_monte_carlo_kernel_matches_the_exact_law() -> None:
    chain = be.EscapeChain(WELL, 0.5, math.sqrt(1 / 3), 2.0)
    K = 40
    law = be.first_passage(chain, 0.0, K)
    ens = Ensemble(seed=3)
    m = ens.run(be.escape_kernel(chain, 0.0, K), 40000)
    p = indicator_proportion(m, 0, ens)
    assert abs(p.value - law.escaped) < 5 * p.se
    assert abs(float(m.mean[1]) - law.mean_capped) < 5 * float(m.stderr_mean[1])


def test_sde_escape_time_of_pure_diffusion() -> None:
    """U = 0, reflected at L, absorbed at b: τ(0) = ((b − L)² − (0 − L)²)/(2T)."""
    T, b, L = 0.3, 1.0, -2.0
    expected = ((b - L) ** 2 - L**2) / (2 * T)
    assert be.sde_escape_time(Flat(), T, b, L, points=4001) == pytest.approx(expected, rel=1e-9)


def test_sde_escape_time_tends_to_kramers() -> None:
    k = sb.kramers_functions()["rate"]
    ratio = []
    for r in (4.0, 16.0):
        T = WELL.barrier / r
        ratio.append(1.0 / (be.sde_escape_time(WELL, T, 2.0, -2.0) * k(1, 1, WELL.barrier, T)))
    assert abs(ratio[1] - 1) < abs(ratio[0] - 1) < 0.15
    assert abs(ratio[1] - 1) < 0.03


def test_gd_kick_thresholds_from_simulation() -> None:
    for u0 in (0.4, 0.5, 0.8):  # one step, and never below it (I_h is invariant)
        t = bisect_threshold(be.stays(WELL, 0.0, -u0, 300), 0.7 / u0, 2.9, halvings=30)
        assert abs(t.value - 1 / u0) <= t.tolerance + 1e-12
    # heavy ball from rest: its first step is GD's
    t = bisect_threshold(be.stays(WELL, 0.6, -0.5, 1), 1.0, 3.0, halvings=30)
    assert abs(t.value - 2.0) <= t.tolerance + 1e-12
    steps = be.escape_steps(WELL, 2.01, 0.0, np.array([-0.5, -0.2]), 50)
    assert steps.tolist() == [1, 0]


def test_two_step_threshold_and_curve() -> None:
    assert sb.two_step_threshold(0.5, 0.0) == pytest.approx(2.0)  # GD: no earlier step
    h2 = sb.two_step_threshold(0.5, 0.6)
    t = bisect_threshold(be.stays(WELL, 0.6, -0.5, 2), 0.5, 1.99, halvings=40)
    assert abs(t.value - h2) <= t.tolerance + 1e-10
    u = np.array([0.4, 0.5, 0.9])
    np.testing.assert_allclose(sb.two_step_curve(u, 0.6),
                               [sb.two_step_threshold(float(v), 0.6) for v in u], rtol=1e-10)


def test_crisis_hole_fraction_and_invariance() -> None:
    f = sb.kick_forms()
    assert f["crisis"] == 3
    for h in (3.1, 3.5):
        frac = be.escape_fraction(WELL, h, 0.0, (-1 / h, 1.0), 20000, 2)
        assert abs(frac - math.sqrt((h - 3) / (h + 1))) <= 1 / 20000
    assert be.escape_fraction(WELL, 2.95, 0.0, (-1 / 2.95, 1.0), 5000, 400) == 0.0


def test_eta_half_closed_form_solves_the_kramers_condition() -> None:
    k, eta_half = (sb.kramers_functions()[n] for n in ("rate", "eta_half"))
    sigma, B, K = 1.0, 3.0, 100
    closed = complex(eta_half(1, 1, WELL.barrier, sigma, B, K))
    root = brentq(lambda e: e * k(1, 1, WELL.barrier, e * sigma**2 / (2 * B)) * K
                  - math.log(2), 1e-3, 10.0, xtol=1e-14)
    assert closed.imag == 0.0
    assert closed.real == pytest.approx(root, rel=1e-12)


def test_discrete_barrier_matches_the_exact_rates() -> None:
    """The derived slope (ηλ)²/30 of ln(k_SGD/k_SDE) in ΔU/T, at small ηλ: the expansion
    drops O((ηλ)³), so the relative error of the measured slope must shrink with ηλ (it is
    0.7 % at ηλ = 0.1 and 1.2 % at 0.2 here)."""
    q = sb.discrete_barrier()
    assert str(q["ratio"]) == "1 - h**2/30"
    ratios = (14.0, 22.0)
    errors = []
    for h in (0.1, 0.2):
        logs = []
        for r in ratios:
            T = WELL.barrier / r
            chain = be.EscapeChain(WELL, h, math.sqrt(2 * T / h), 2.0)
            logs.append(math.log(be.sde_escape_time(WELL, T, 2.0, -2.0)
                                 / (h * be.mean_escape_steps(chain, 0.0))))
        slope = (logs[1] - logs[0]) / (ratios[1] - ratios[0])
        errors.append(abs(slope / (h * h / 30) - 1))
    assert errors[0] < errors[1] < 0.03
