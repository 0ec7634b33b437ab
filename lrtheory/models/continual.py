"""A mechanistic two-task SGD model of continual learning (plasticity ∝ η, forgetting ∝ η²),
and the mean-field ODEs it tends to.

The model's expectations after K steps are known exactly (:func:`discrete_expectations`), so
Monte Carlo tests it without bias. Its mean-field limit is the pair of decoupled linear ODEs
of claim G3,

    dP/dt = aη(t)(1 − P),  P(0) = 0;      dR/dt = −bη(t)²R,  R(0) = 1,

whose solutions P(t) = 1 − exp(−a∫₀ᵗη) and R(t) = exp(−b∫₀ᵗη²) this module evaluates from
the schedule integrals that SymPy computes (:func:`schedule_integrals`,
:func:`ode_closed_form`) and integrates numerically with DOP853 together with the error
bound of the solve (:func:`solve_mean_field`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import sympy as sp
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from lrtheory.errors import ParameterError, check_positive, float_array
from lrtheory.models.ode import dop853_error_bound
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.schedules import Parameter, Schedule, integrals

FloatArray = NDArray[np.float64]

ScheduleFactory: TypeAlias = Callable[[Parameter, Parameter], Schedule]
"""A family of schedules: (peak η₀, horizon T) ↦ η(t), e.g. :func:`lrtheory.schedules.cosine`."""

#: The symbols of :func:`schedule_integrals`: upper limit t, horizon T and peak rate η₀.
TIME, HORIZON, PEAK = sp.symbols("t T eta_0", positive=True)
_S = sp.Symbol("s", positive=True)


def _real_array(name: str, value: Any, lo: float, hi: float = math.inf, *,
                lo_open: bool = True) -> FloatArray:
    """``value`` (number or array) as float64 after checking every entry lies in the
    interval (lo, hi] or [lo, hi] (``lo_open``); hi = inf is open."""
    left = "(" if lo_open else "["
    right = ")" if math.isinf(hi) else "]"
    allowed = f"real numbers in {left}{lo:g}, {hi:g}{right}"
    try:
        arr = float_array(name, value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    below = arr <= lo if lo_open else arr < lo
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(below) or np.any(arr > hi):
        raise ParameterError(name, value, allowed)
    return arr


def _learning_rates(name: str, etas: Any, ndim: int | None = None) -> FloatArray:
    """Finite, non-negative learning rates with a non-empty last axis (``ndim`` axes)."""
    want = "a non-empty finite array of learning rates ≥ 0"
    if ndim is not None:
        want = f"a non-empty finite {ndim}-D array (schedules, steps) of learning rates ≥ 0"
    try:
        rates = float_array(name, etas)
    except (TypeError, ValueError):
        raise ParameterError(name, etas, want) from None
    if (rates.ndim == 0 or (ndim is not None and rates.ndim != ndim) or 0 in rates.shape
            or not np.all(np.isfinite(rates)) or np.any(rates < 0.0)):
        raise ParameterError(name, etas, want)
    return rates


def discrete_expectations(etas: Any, a: float, b: float) -> tuple[FloatArray, FloatArray]:
    """Exact expectations of the two-task SGD model after each step, for rates η_k (last axis).

    E[P_K] = 1 − Π_{k<K}(1 − aη_k) and E[R_K] = exp(−b Σ_{k<K} η_k²); returned for
    K = 1 … len(η) (the last entry is the end of training).
    """
    a = check_positive("a", a)
    b = check_positive("b", b)
    etas = _learning_rates("etas", etas)
    skill: FloatArray = 1.0 - np.cumprod(1.0 - a * etas, axis=-1, dtype=np.float64)
    retention: FloatArray = np.exp(-b * np.cumsum(etas**2, axis=-1))
    return skill, retention


def two_task_sgd(etas: Any, a: float, b: float) -> Kernel:
    """Ensemble kernel of the two-task SGD model, one column pair per schedule (row of η).

    New task: SGD on ℓ(u) = ½(x(u − u*))² with a fresh feature x ~ N(0, a) each step, so the
    weight error e = u − u* (e₀ = 1) follows e_{k+1} = (1 − η_k x_k²) e_k and the skill is
    P = 1 − e. Old task: the new task's gradient noise leaks into the old task's weights and
    rotates them by the angle η_k σ ζ_k (ζ_k ~ N(0, 1), σ = √(2b)); the retention is the
    cosine similarity R = cos φ with the old solution. Per chain the schedules share x_k and
    ζ_k (common random numbers); each column is still an exact sample of its own schedule.
    Returns columns (P_T, R_T) for each schedule in turn.
    """
    a = check_positive("a", a)
    sigma = math.sqrt(2.0 * check_positive("b", b))
    rates = _learning_rates("etas", etas, ndim=2)
    n_sched, steps = rates.shape

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        per_step = xp.asarray(rates.T, dtype=rng.dtype)
        error = xp.ones((rng.n, n_sched), dtype=rng.dtype)
        angle = xp.zeros((rng.n, n_sched), dtype=rng.dtype)
        for k in range(steps):
            x = rng.normal(1)
            zeta = rng.normal(1)
            error -= (a * x * x) * per_step[k, ...] * error
            angle += zeta * (sigma * per_step[k, ...])
        return xp.reshape(xp.stack([1.0 - error, xp.cos(angle)], axis=2), (rng.n, 2 * n_sched))

    return kernel


# --------------------------------------------------------------------------------------
# the mean-field ODEs
# --------------------------------------------------------------------------------------


@cache
def schedule_integrals(factory: ScheduleFactory) -> tuple[sp.Expr, sp.Expr]:
    """(∫₀ᵗη(s)ds, ∫₀ᵗη(s)²ds) of the schedule ``factory(η₀, T)``, integrated by SymPy from
    the schedule function itself, in the symbols :data:`TIME`, :data:`HORIZON`, :data:`PEAK`
    (valid for 0 ≤ t ≤ T, where the schedules' formulas hold)."""
    if not callable(factory):
        raise ParameterError("factory", factory, "a callable (peak η₀, horizon T) ↦ schedule")
    return integrals(factory(PEAK, HORIZON), _S, TIME)


@cache
def _integral_function(factory: ScheduleFactory) -> Callable[..., Any]:
    """:func:`schedule_integrals` as a NumPy function of (t, T, η₀) returning (∫η, ∫η²)."""
    function: Callable[..., Any] = sp.lambdify(
        (TIME, HORIZON, PEAK), sp.Tuple(*schedule_integrals(factory)), "numpy")
    return function


def ode_closed_form(factory: ScheduleFactory, t: Any, eta0: Any, total: float, a: float,
                    b: float) -> tuple[FloatArray, FloatArray]:
    """The mean-field solutions P(t) = 1 − exp(−a∫₀ᵗη), R(t) = exp(−b∫₀ᵗη²) for the schedule
    ``factory(η₀, T)``, T = ``total``; ``t`` ∈ [0, T] and ``eta0`` > 0 may be arrays (they
    broadcast), a, b > 0. The integrals are the SymPy ones of :func:`schedule_integrals`."""
    if not callable(factory):
        raise ParameterError("factory", factory, "a callable (peak η₀, horizon T) ↦ schedule")
    total = check_positive("total", total)
    a = check_positive("a", a)
    b = check_positive("b", b)
    times = _real_array("t", t, 0.0, total, lo_open=False)
    peaks = _real_array("eta0", eta0, 0.0)
    first, second = (np.broadcast_to(np.asarray(v, dtype=np.float64),
                                     np.broadcast_shapes(times.shape, peaks.shape))
                     for v in _integral_function(factory)(times, total, peaks))
    return 1.0 - np.exp(-a * first), np.exp(-b * second)


class OdeEnd(NamedTuple):
    """The end value of one scalar ODE solved by DOP853, its accepted steps and error bound."""

    value: float
    steps: int
    error_bound: float


def solve_mean_field(schedule: Schedule, total: float, a: float, b: float, *,
                     rtol: float, atol: float) -> tuple[OdeEnd, OdeEnd]:
    """P_T and R_T of dP/dt = aη(1 − P), P(0) = 0 and dR/dt = −bη²R, R(0) = 1 on [0, T],
    each scalar ODE solved on its own by ``solve_ivp`` (DOP853, ``rtol``, ``atol``).

    Error bound of each: :func:`lrtheory.models.ode.dop853_error_bound` with dim = 1 (one
    scalar ODE per solve), y_max = 1 (P ∈ [0, 1), R ∈ (0, 1] since η ≥ 0) and growth 0
    (both are contractive: ∂f/∂P = −aη ≤ 0, ∂f/∂R = −bη² ≤ 0, so an earlier local error
    is never amplified): steps · (atol + rtol).
    """
    if not callable(schedule):
        raise ParameterError("schedule", schedule, "a callable t ↦ η(t)")
    total = check_positive("total", total)
    a = check_positive("a", a)
    b = check_positive("b", b)
    rtol = check_positive("rtol", rtol)
    atol = check_positive("atol", atol)

    def rate(t: float) -> float:
        eta = float(schedule(t))
        if not (math.isfinite(eta) and eta >= 0.0):
            raise ParameterError("schedule", f"η({t:g}) = {eta!r}", "finite and ≥ 0")
        return eta

    def skill(t: float, y: FloatArray) -> list[float]:
        return [a * rate(t) * (1.0 - y[0])]

    def retention(t: float, y: FloatArray) -> list[float]:
        return [-b * rate(t) ** 2 * y[0]]

    ends = []
    for rhs, y0 in ((skill, 0.0), (retention, 1.0)):
        sol = solve_ivp(rhs, (0.0, total), [y0], method="DOP853", rtol=rtol, atol=atol)
        if not sol.success:  # pragma: no cover - smooth bounded right-hand sides
            raise RuntimeError(f"solve_ivp failed: {sol.message}")
        steps = len(sol.t) - 1
        ends.append(OdeEnd(float(sol.y[0, -1]), steps,
                           dop853_error_bound(steps, 1, rtol, atol, y_max=1.0)))
    return ends[0], ends[1]
