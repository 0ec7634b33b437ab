"""The cumulative shrink of L2 through the gradient under a schedule, and its approximations.

L2 through the gradient, w ← w − η_t(∇f + λw), multiplies an unconstrained weight (∇f = 0)
by 1 − λη_t at step t, so after T steps

    P_T = Π_{t<T} (1 − λη_t),   log P_T = Σ_t log(1 − x_t) = −Σ_{j≥1} λʲ S_j / j,

with x_t = λη_t ∈ (0, 1) and S_j = Σ_{t<T} η_tʲ. Every term of the series is negative, so
exp(−λS_1) overestimates P_T (it drops λ²S_2/2 + λ³S_3/3 + …), and exp(−λ∫₀ᵀη dt) also
swaps the sum for the integral. Cutting the series after j = K leaves the remainder

    0 ≤ −log P_T − Σ_{j≤K} λʲS_j/j = Σ_t Σ_{j>K} x_tʲ/j ≤ Σ_t x_t^{K+1}/((K + 1)(1 − x_t)),

a geometric tail. :class:`Shrink` evaluates P_T in logs (exact to rounding), the truncated
series with that remainder and float64 rounding bounds; :func:`make_schedule` builds the
five schedules compared (:data:`KINDS`) from :mod:`lrtheory.schedules`, numeric or SymPy;
:func:`schedule_sum` gives Σ_{t<T} η(t) in closed form (SymPy) and
:func:`step_decay_integrals` ∫η and ∫η² of step decay for any horizon;
:func:`l2_path` and :func:`l2_second_moment` run the rule itself (optionally with gradient
noise σξ_t, for which E[w_T] = w₀P_T and E[w_T²] = m_T, m_{t+1} = (1 − λη_t)²m_t + η_t²σ²,
m₀ = w₀², exactly); :func:`fixed_shrink_params` picks a schedule of a given largest
per-step decay λη₀ at a given total shrink Λ = λ∫₀ᵀη.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
)
from lrtheory.models.rounding import EPS
from lrtheory.optimizers import l2_regularised_step
from lrtheory.schedules import (
    Schedule,
    constant,
    cosine,
    exponential_decay,
    integrals,
    linear_decay,
    step_decay,
)
from lrtheory.symbolic.series import finite_sum

FloatArray = NDArray[np.float64]

#: The schedules compared, in a fixed order (a claim's points index into it).
KINDS = ("constant", "step", "linear", "cosine", "exponential")


def make_schedule(kind: str, eta0: Any, horizon: Any, rate: Any = None,
                  every: Any = None) -> Schedule:
    """The schedule ``kind`` of :data:`KINDS` from η₀: constant; step decay by ``rate``
    every ``every`` steps; linear or cosine decay to 0 at ``horizon``; exponential decay
    η₀·rate^t. Numbers or SymPy expressions, as :mod:`lrtheory.schedules` takes them."""
    if kind not in KINDS:
        raise ParameterError("kind", kind, f"one of {KINDS}")
    if kind in ("step", "exponential") and rate is None:
        raise ParameterError("rate", rate, f"a decay rate for the {kind} schedule")
    if kind == "step" and every is None:
        raise ParameterError("every", every, "a stage length for step decay")
    return {"constant": lambda: constant(eta0),
            "linear": lambda: linear_decay(eta0, horizon),
            "cosine": lambda: cosine(eta0, horizon),
            "step": lambda: step_decay(eta0, rate, every),
            "exponential": lambda: exponential_decay(eta0, rate)}[kind]()


def schedule_rates(schedule: Schedule, steps: int) -> FloatArray:
    """η_t for the steps t = 0 … T − 1 (step t multiplies w by 1 − λη_t), float64."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
    return np.asarray(schedule(np.arange(steps, dtype=np.float64)), dtype=np.float64)


def schedule_sum(schedule: Schedule, horizon: sp.Symbol) -> sp.Expr:
    """Σ_{t=0}^{T−1} η(t) in closed form for a schedule in SymPy symbols, T = ``horizon``
    (:func:`lrtheory.symbolic.series.finite_sum`, term by term). A cosine is summed as
    exponentials, e^{±iπ/T} written w^{±1} so that the geometric sums cancel to a rational
    function of w before factoring."""
    if not isinstance(horizon, sp.Symbol):
        raise ParameterError("horizon", horizon, "a SymPy symbol")
    # Dummies: a caller's own Symbol("k", integer=True, nonnegative=True) (a cycle index in
    # the schedule's parameters) or Symbol("w") stays a separate symbol, never summed over
    # or merged with the phase.
    k = sp.Dummy("k", integer=True, nonnegative=True)
    term = schedule(k)
    if not term.has(sp.cos):
        return sp.factor(finite_sum(term, k, 0, horizon - 1))
    w = sp.Dummy("w")
    total = finite_sum(term.rewrite(sp.exp), k, 0, horizon - 1)
    phase = sp.exp(sp.I * sp.pi / horizon)
    return sp.factor(sp.cancel(total.subs({phase: w, 1 / phase: 1 / w}).subs(
        sp.exp(-sp.I * sp.pi / horizon), 1 / w)))


@cache
def _unit_stage_integrals(rate: float, stages: int) -> tuple[float, float]:
    """(∫₀ᴷη, ∫₀ᴷη²) of step decay from η₀ = 1 with stages of width 1 (K = ``stages``), by
    :func:`lrtheory.schedules.integrals`, which integrates between the jumps."""
    first, second = integrals(step_decay(1, rate, 1), sp.Symbol("t", nonnegative=True),
                              sp.Integer(stages))
    return float(first), float(second)


@finite_result
def step_decay_integrals(eta0: float, rate: float, every: int,
                         horizon: int) -> tuple[float, float]:
    """(∫₀ᵀη, ∫₀ᵀη²) of step decay η₀·rate^⌊t/s⌋ (s = ``every``, T = ``horizon``): K = ⌊T/s⌋
    whole stages of width s (u = t/s maps them to unit stages, so they contribute s times
    the unit integrals, computed once per (rate, K) by SymPy) plus the partial stage of
    width T − Ks at η₀·rateᴷ."""
    eta0 = check_positive("eta0", eta0)
    rate = check_real("rate", rate, 0.0, 1.0)
    every = check_int("every", every, 1)
    horizon = check_int("horizon", horizon, 0, MAX_STEPS)
    stages, rest = divmod(horizon, every)
    unit = _unit_stage_integrals(rate, stages) if stages else (0.0, 0.0)
    last = rate**stages
    return (eta0 * (every * unit[0] + rest * last),
            eta0**2 * (every * unit[1] + rest * last**2))


class Shrink:
    """P_T = Π_t (1 − λη_t) for the rates η_t of a schedule and decay strength λ = ``wd``,
    and its approximations. Requires 0 < λη_t < 1 at every step."""

    def __init__(self, rates: Any, wd: float) -> None:
        eta = np.asarray(rates, dtype=np.float64)
        if eta.ndim != 1 or eta.size == 0 or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
            raise ParameterError("rates", rates, "a non-empty 1-D array of positive rates")
        wd = check_positive("wd", wd)
        if float(np.max(eta)) * wd >= 1:
            raise ParameterError("wd", wd, f"below 1/max η_t = {1 / float(np.max(eta)):.6g}")
        self.rates = eta
        self.x = wd * self.rates  # λ η_t
        self.log_product = math.fsum(np.log1p(-self.x))  # log Π(1 − λη_t), exact to ε

    @property
    def product(self) -> float:
        """P_T = exp(log P_T)."""
        return math.exp(self.log_product)

    def series(self, order: int) -> float:
        """−Σ_{j≤K} λʲ S_j / j, S_j = Σ_t η_tʲ, K = ``order``."""
        check_int("order", order, 1)
        return -math.fsum(math.fsum(self.x**j) / j for j in range(1, order + 1))

    def remainder(self, order: int) -> float:
        """|log P − series(K)| ≤ Σ_t x_t^{K+1}/((K+1)(1 − x_t)), x_t = λη_t (geometric tail
        of Σ_{j>K} x^j/j)."""
        check_int("order", order, 1)
        return math.fsum(self.x ** (order + 1) / ((order + 1) * (1 - self.x)))

    def rounding(self, order: int) -> float:
        """Float64 bound on |log P| and the sums up to ``order``: each log1p and power is
        within 2ε of its term, fsum rounds once; so 4ε Σ_t (|log(1 − x_t)| + Σ_j x_t^j/j)
        + ε|log P|."""
        check_int("order", order, 1)
        terms = np.abs(np.log1p(-self.x)) + sum(self.x**j / j for j in range(1, order + 1))
        return 4 * EPS * math.fsum(terms) + EPS * abs(self.log_product)

    def relative_error(self, exponent: float) -> float:
        """|exp(exponent) − P|/P = |expm1(exponent − log P)| of an approximation exp(·), such
        as exp(−λ∫₀ᵀη dt)."""
        return abs(math.expm1(check_real("exponent", exponent) - self.log_product))


def l2_path(rates: Any, wd: float, w: Any, noise: Callable[[], Any] | None = None) -> Any:
    """w_T of L2 through the gradient, :func:`lrtheory.optimizers.l2_regularised_step`, on a
    flat direction (∇f = 0, or pure gradient noise ``noise()`` drawn per step) from w₀ =
    ``w`` (a number or an array of chains)."""
    wd = check_positive("wd", wd)
    check_reals("w", w)
    for eta in rates:
        grad = 0.0 if noise is None else noise()
        w = l2_regularised_step(w, grad, float(eta), wd)
    return w


def l2_second_moment(rates: Any, wd: float, w0: float, sigma: float) -> float:
    """E[w_T²] of :func:`l2_path` with gradient noise σξ_t, ξ_t ~ N(0, 1): the exact
    recursion m ← (1 − λη_t)² m + η_t²σ², m₀ = w₀²."""
    wd = check_positive("wd", wd)
    w0 = check_real("w0", w0)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)
    m = w0**2
    for eta in rates:
        m = (1 - wd * eta) ** 2 * m + eta**2 * sigma**2
    return float(m)


def fixed_shrink_params(kind: str, control: float, total: float) -> dict[str, Any]:
    """Parameters of a schedule ``kind`` with η₀ = 1, λ = ``control`` (so λη₀ = control,
    the largest per-step decay) and the horizon T that makes λ∫₀ᵀη = ``total`` (up to
    rounding T to whole steps): step decay by 10× at T/3 and 2T/3, exponential decay to
    1 % at T. Keys: kind, eta0, wd, T and, where the kind needs them, rate and every."""
    if kind not in KINDS:
        raise ParameterError("kind", kind, f"one of {KINDS}")
    control = check_real("control", control, 0.0, 1.0)
    total = check_positive("total", total)
    base = total / control
    horizon = {"constant": base, "linear": 2 * base, "cosine": 2 * base,
               "step": 3 * base / 1.11, "exponential": base * math.log(100) / 0.99}[kind]
    steps = max(1, round(horizon / 3) * 3) if kind == "step" else max(1, round(horizon))
    p: dict[str, Any] = {"kind": kind, "eta0": 1.0, "wd": control, "T": steps}
    if kind == "step":
        p.update(rate=0.1, every=steps // 3)
    if kind == "exponential":
        p["rate"] = 0.01 ** (1 / steps)
    return p
