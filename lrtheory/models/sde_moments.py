"""Second moments of SGD under schedules: the SDE moment ODE by ``solve_ivp`` with its error
bound, the exact discrete recursion beside it, and Monte Carlo with common random numbers.

Per curvature λ and noise variance s² = σ²/B the exact recursion (:mod:`lrtheory.models.nqm`)
and its diffusion limit (:mod:`lrtheory.symbolic.sde_moments`) are

    m_{t+1} = (1 − η_tλ)² m_t + η_t² s²,        dV/dt = −2λη(t)V + η(t)²s².

* :func:`standard_schedules`: every schedule of H1 at one peak rate η₀ and budget T, each
  shape parameter a fixed fraction of T, so that T and η₀ are the only knobs;
* :func:`rate_function` and :func:`breakpoints`: the schedules' SymPy formulas as one fast
  vector function of t (compiled once per family, in symbolic η₀ and T; :func:`rate_at`
  for η and its derivatives), and the times in (0, T) where one of them jumps or has a
  corner;
  :func:`constant_stages` cuts a piecewise-constant schedule into (rate, duration) stages;
* :func:`solve_moment_ode`: the ODE for S schedules × d curvatures at once, by DOP853
  between breakpoints (a jump inside a step would void the error estimate), with the bound
  of :func:`lrtheory.models.ode.dop853_error_bound`: the ODE is contractive (∂f/∂V = −2λη
  ≤ 0), so local errors are never amplified and the bounds of the pieces add;
* :func:`recursion_error_bound`: a bound on the float64 rounding of the recursion;
* :func:`common_noise_sgd`: a Monte Carlo kernel running S schedules on the *same* noise
  (common random numbers), returning final losses and their pairwise differences — the
  difference of two schedules' losses then has a far smaller variance than either loss;
* :func:`unrolled_linear_chain`: the weights of θ_T as a sum over the noise of a linear chain.

Final losses and rankings of schedules on an NQM: :mod:`lrtheory.models.schedule_ranking`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from lrtheory import schedules as sch
from lrtheory.arrays import concat, einsum
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
    float_array,
)
from lrtheory.models.ode import dop853_error_bound
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.symbolic.sde_moments import TIME

FloatArray = NDArray[np.float64]
RTOL = 1e-10
ATOL = 1e-14


def positive_vector(name: str, value: Any) -> FloatArray:
    """A non-empty finite 1-D float64 array of positive entries (a scalar becomes length 1)."""
    arr = np.atleast_1d(float_array(name, value))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ParameterError(name, value, "a non-empty 1-D array of finite numbers > 0")
    return arr


@dataclass(frozen=True)
class NamedSchedule:
    """A schedule (numbers, arrays and SymPy, :mod:`lrtheory.schedules`) with its name.

    ``family`` (η₀, T) ↦ schedule with ``args`` = (η₀, T), when the schedule is a member of
    a family: its SymPy formula is then built and compiled once, in symbolic η₀ and T, for
    every member (:func:`rate_function`, :func:`breakpoints`)."""

    name: str
    schedule: sch.Schedule
    shape: str = ""
    family: Callable[[Any, Any], sch.Schedule] | None = None
    args: tuple[float, ...] = ()


def _every(total: Any) -> Any:
    """⌈T/3⌉: the step-decay interval (SymPy's ceiling on a symbol)."""
    return sp.ceiling(total / 3) if isinstance(total, sp.Basic) else -(-int(total) // 3)


def _end_factor(total: Any) -> Any:
    """γ with γ^T = 1/100: the decay factor per step of exponential decay and exp_range."""
    return sp.Rational(1, 100) ** (1 / total) if isinstance(total, sp.Basic) else \
        0.01 ** (1.0 / total)


#: The schedules of H1 as families (name, (η₀, T) ↦ schedule), module-level functions so
#: that their compiled formulas are shared by every (η₀, T).
FAMILIES: tuple[tuple[str, Callable[[Any, Any], sch.Schedule]], ...] = (
    ("constant", lambda e, n: sch.constant(e)),
    ("step decay", lambda e, n: sch.step_decay(e, 0.1, _every(n))),
    ("exponential", lambda e, n: sch.exponential_decay(e, _end_factor(n))),
    ("linear decay", lambda e, n: sch.linear_decay(e, n)),
    ("cosine", lambda e, n: sch.cosine(e, n)),
    ("polynomial p=2", lambda e, n: sch.polynomial_decay(e, n, 2)),
    ("SGDR", lambda e, n: sch.warm_restarts(e, n / 4)),
    ("triangular", lambda e, n: sch.triangular(0, e, n / 8)),
    ("triangular2", lambda e, n: sch.triangular2(0, e, n / 8)),
    ("exp_range", lambda e, n: sch.exp_range(0, e, n / 8, _end_factor(n))),
    ("warm-up + cosine", lambda e, n: sch.linear_warmup(sch.cosine(e, 0.9 * n), 0.1 * n)),
)


@cache
def standard_schedules(eta0: float, total: int) -> tuple[NamedSchedule, ...]:
    """The schedules of H1 (:data:`FAMILIES`) at peak rate η₀ over T = ``total`` steps, shapes
    fixed as fractions of T (the end rate of exponential decay and exp_range is η₀/100):

    constant; step decay ×0.1 every ⌈T/3⌉; exponential γ = 0.01^{1/T}; linear decay;
    cosine (η_min = 0); polynomial p = 2; SGDR warm restarts, period T/4; triangular,
    triangular2 and exp_range with half-cycle T/8 from 0; linear warm-up over T/10 into a
    cosine over the remaining 9T/10.
    """
    eta0 = check_positive("eta0", eta0)
    total = check_int("total", total, 8)
    shapes = {"constant": "η₀", "step decay": f"×0.1 every {_every(total)}",
              "exponential": "γ^T = 0.01", "linear decay": "to 0 at T", "cosine": "to 0 at T",
              "polynomial p=2": "to 0 at T", "SGDR": "4 cycles", "triangular": "4 cycles",
              "triangular2": "4 cycles, halved", "exp_range": "4 cycles, γ^T = 0.01",
              "warm-up + cosine": "warm-up T/10"}
    return tuple(NamedSchedule(name, family(eta0, total), shapes[name], family,
                               (eta0, float(total))) for name, family in FAMILIES)


def select(schedules: Sequence[NamedSchedule], names: Sequence[str]) -> tuple[NamedSchedule, ...]:
    """The schedules called ``names``, in that order."""
    by_name = {s.name: s for s in schedules}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ParameterError("names", missing, f"names among {sorted(by_name)}")
    return tuple(by_name[n] for n in names)


def rates(schedules: Sequence[NamedSchedule], total: int) -> FloatArray:
    """η_t for t = 0 … T − 1 (the numeric schedules), shape (T, S): the discrete recursion's
    and the Monte Carlo's rates."""
    total = check_int("total", total, 1)
    steps = np.arange(total, dtype=np.float64)
    return np.stack([np.asarray(s.schedule(steps), dtype=np.float64) * np.ones(total)
                     for s in schedules], axis=1)


def formulas(schedules: Sequence[NamedSchedule]) -> list[sp.Expr]:
    """The schedules' SymPy formulas in t (valid on [0, T])."""
    return [_formula(s) for s in schedules]


@cache
def _formula(named: NamedSchedule) -> sp.Expr:
    return sp.sympify(named.schedule(TIME))


_PEAK, _TOTAL = sp.symbols("eta_peak T_total", positive=True)


@cache
def _family_formula(family: Callable[[Any, Any], sch.Schedule]) -> sp.Expr:
    return sp.sympify(family(_PEAK, _TOTAL)(TIME))


def _template(named: NamedSchedule) -> tuple[sp.Expr, tuple[sp.Symbol, ...], tuple[float, ...]]:
    """(formula, its parameter symbols, their values): the family's formula in symbolic
    (η₀, T) with the schedule's values, or the schedule's own formula with none."""
    if named.family is None:
        return _formula(named), (), ()
    return _family_formula(named.family), (_PEAK, _TOTAL), named.args


@cache
def _compiled(expr: sp.Expr, params: tuple[sp.Symbol, ...]) -> Callable[..., float]:
    return sp.lambdify((TIME, *params), expr, "math")  # type: ignore[no-any-return]


def rate_at(named: NamedSchedule, t: float, order: int = 0) -> float:
    """η(t) (``order`` 0) or its derivative dᵏη/dtᵏ at t, from the SymPy formula."""
    expr, params, values = _template(named)
    return float(_compiled(_derivative(expr, check_int("order", order, 0)), params)(t, *values))


@cache
def _derivative(expr: sp.Expr, order: int) -> sp.Expr:
    return sp.diff(expr, TIME, order) if order else expr


@cache
def rate_function(schedules: tuple[NamedSchedule, ...]) -> Callable[[float], FloatArray]:
    """t ↦ (η_1(t), …, η_S(t)) from the SymPy formulas, compiled with ``lambdify`` once per
    family (about a microsecond per schedule, where the NumPy path costs tens on a
    scalar)."""
    parts = [_template(s) for s in schedules]
    compiled = [(_compiled(expr, params), values) for expr, params, values in parts]

    def rate(t: float) -> FloatArray:
        return np.array([f(t, *values) for f, values in compiled], dtype=np.float64)

    return rate


def breakpoints(schedules: Sequence[NamedSchedule], upper: float) -> tuple[float, ...]:
    """Sorted times in (0, upper) where a schedule jumps or has a corner: where the argument
    g(t) of a ⌊·⌋ crosses an integer, or where g = lhs − rhs of a ``Piecewise`` condition
    crosses 0. Each g must be monotone on [0, upper] (true of t/s, t − W and SGDR's
    logarithmic index); the crossings are found by ``brentq`` to full precision."""
    upper = check_positive("upper", upper)
    cuts: set[float] = set()
    for named in schedules:
        expr, params, values = _template(named)
        args: list[tuple[sp.Expr, bool]] = [
            (f.args[0], True) for f in expr.atoms(sp.floor) if f.has(TIME)]
        for piecewise in expr.atoms(sp.Piecewise):
            args += [(cond.lhs - cond.rhs, False) for _, cond in piecewise.args
                     if isinstance(cond, sp.Rel) and cond.has(TIME)]
        for arg, integers in args:
            cuts.update(_crossings(_compiled(arg, params), values, upper, integers))
    return tuple(sorted(c for c in cuts if 0.0 < c < upper))


def _crossings(g: Callable[..., float], values: tuple[float, ...], upper: float,
               integers: bool) -> list[float]:
    """Times in (0, upper) where the monotone g(·, *values) crosses an integer (or 0)."""
    g0, g1 = float(g(0.0, *values)), float(g(upper, *values))
    levels = range(int(np.floor(min(g0, g1))) + 1, int(np.ceil(max(g0, g1)))) if integers \
        else [0]
    return [float(brentq(lambda s, k=k: g(s, *values) - k, 0.0, upper, xtol=1e-15,
                         rtol=4 * EPS))
            for k in levels if (g0 - k) * (g1 - k) < 0]


def constant_stages(schedule: NamedSchedule, total: float) -> list[tuple[float, float]]:
    """[(rate, duration)] of a piecewise-constant schedule (constant, step decay) on
    [0, total], cut at its :func:`breakpoints`; raises if the rate varies within a piece."""
    edges = [0.0, *breakpoints([schedule], total), float(total)]
    stages = []
    for a, b in itertools.pairwise(edges):
        ends = np.asarray(schedule.schedule(np.array([a, (a + b) / 2, b - 1e-9 * (b - a)])))
        if not np.all(ends == ends[0]):
            raise ParameterError("schedule", schedule.name, "constant between its jumps")
        stages.append((float(ends[0]), b - a))
    return stages


@dataclass(frozen=True)
class MomentPath:
    """V(t) of the moment ODE at ``times`` (shape (len(times), S, d)) and, per time, a bound
    on the 2-norm of its error over all S·d components; the DOP853 steps taken."""

    times: FloatArray
    values: FloatArray
    bounds: FloatArray
    n_steps: int


def solve_moment_ode(rate: Callable[[float], FloatArray], curvatures: Any, noise_var: Any,
                     v0: Any, times: Sequence[float], breaks: Sequence[float] = (),
                     rtol: float = RTOL, atol: float = ATOL) -> MomentPath:
    """dV_{s,i}/dt = −2λ_iη_s(t)V_{s,i} + η_s(t)²s_i² for S schedules (``rate(t)`` → (S,))
    and d curvatures, from V(0) = ``v0`` (a number, d numbers or (S, d)), by DOP853 from 0
    to max(times), restarted at every breakpoint and output time (so that every value is
    at an accepted step and no step straddles a jump).

    Error bound: each piece contributes n_steps·dim·(atol + rtol·max|V|)
    (:func:`dop853_error_bound`, growth 0: the ODE is contractive, so earlier errors are
    carried with a factor ≤ 1); the bound at a time is the sum over the pieces before it.
    """
    lam = positive_vector("curvatures", curvatures)
    s2 = np.broadcast_to(float_array("noise_var", noise_var), lam.shape)
    if not np.all(np.isfinite(s2)) or np.any(s2 < 0):
        raise ParameterError("noise_var", noise_var, "≥ 0: a number or one per curvature")
    out = np.array(sorted(times), dtype=np.float64)
    if out.size == 0 or out[0] < 0 or not np.all(np.isfinite(out)):
        raise ParameterError("times", times, "finite times ≥ 0, at least one")
    check_real("rtol", rtol, 100 * EPS, 1.0, lo_open=False)
    check_positive("atol", atol)
    n_s = np.asarray(rate(0.0)).size
    y = np.array(np.broadcast_to(float_array("v0", v0), (n_s, lam.size)))
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ParameterError("v0", v0, "finite and ≥ 0")

    def field(t: float, v: FloatArray) -> FloatArray:
        e = rate(t)[:, None]
        return (-2.0 * lam * e * v.reshape(n_s, -1) + e * e * s2).ravel()

    edges = sorted({0.0, *out.tolist(), *(b for b in breaks if 0.0 < b < out[-1])})
    values, bounds, bound, n_steps = {}, {}, 0.0, 0
    if edges[0] == 0.0 and 0.0 in out:
        values[0.0], bounds[0.0] = y.copy(), 0.0
    for a, b in itertools.pairwise(edges):
        sol = solve_ivp(field, (a, b), y.ravel(), method="DOP853", rtol=rtol, atol=atol)
        if not sol.success:  # pragma: no cover - a linear ODE with bounded coefficients
            raise RuntimeError(f"solve_ivp failed on [{a}, {b}]: {sol.message}")
        steps = sol.t.size - 1
        n_steps += steps
        bound += dop853_error_bound(steps, y.size, rtol, atol, float(np.max(np.abs(sol.y))))
        y = sol.y[:, -1].reshape(n_s, -1)
        values[b], bounds[b] = y.copy(), bound
    return MomentPath(out, np.stack([values[t] for t in out]),
                      np.array([bounds[t] for t in out]), n_steps)


@finite_result
def recursion_error_bound(step_rates: Any, curvature: float, noise_var: float,
                          m0: float) -> float:
    """A bound on |m̃_T − m_T| for the float64 recursion of :func:`lrtheory.models.nqm.
    sgd_second_moments` (one direction), carried along the exact values.

    The step computes a = (1 − ηλ)² and q = η²s²: fl(ηλ) = ηλ(1 + δ), so
    |fl(a) − a| ≤ ε(3a + 2ηλ|1 − ηλ|) + 2(εηλ)² (no cancellation assumed: the bound stays
    finite at ηλ = 1, where a = 0) and |fl(q) − q| ≤ 3εq; the product a·m and the sum add
    2ε|m_{t+1}|. An error e_t already made is carried by a_t ≥ 0, so
    e_{t+1} ≤ a_t e_t + |δa_t| m_t + |δq_t| + 2ε m_{t+1}, times (1 + 4ε) for the bound's own
    rounding (first order in ε; the ε² terms are covered by that factor)."""
    eta = np.atleast_1d(check_reals("step_rates", float_array("step_rates", step_rates),
                                    0.0, lo_open=False))
    lam = check_positive("curvature", curvature)
    s2 = check_real("noise_var", noise_var, 0.0, lo_open=False)
    m = check_real("m0", m0, 0.0, lo_open=False)
    err = 0.0
    for e in eta:
        u = e * lam
        a, q = (1.0 - u) ** 2, e * e * s2
        nxt = a * m + q
        da = EPS * (3.0 * a + 2.0 * u * abs(1.0 - u)) + 2.0 * (EPS * u) ** 2
        err = (a * err + da * m + 3.0 * EPS * q + 2.0 * EPS * nxt) * (1.0 + 4.0 * EPS)
        m = nxt
    return err


def common_noise_sgd(curvatures: Any, noise_sd: Any, step_rates: Any, x0: Any = 1.0,
                     pairs: Sequence[tuple[int, int]] = ()) -> Kernel:
    """Monte Carlo kernel: SGD on the NQM, θ ← θ − η_{t,s}(λ ⊙ θ + s ⊙ ξ_t), under S
    schedules (``step_rates`` (T, S)) driven by the *same* ξ_t ~ N(0, I) per chain (common
    random numbers), all from θ₀ = ``x0``. Returns per chain the final losses
    L_s = ½Σλ_iθ_{T,s,i}² (S columns; mean = the recursion's exact E[L_T]) followed by
    L_a − L_b for each pair (a, b) of ``pairs``: same mean as the difference of the exact
    values, far smaller variance than independent runs give.

    The step is linear, θ_{t+1} = a_t θ_t − b_t ξ_t with a_t = 1 − η_tλ and b_t = η_t s, so
    the chain is run unrolled: θ_T = (Π_t a_t)θ₀ − Σ_t g_t ξ_t with g_t = b_t Π_{u>t} a_u,
    the same random variable (to rounding) as T steps of the loop, but one matrix product
    (chains × T)·(T × S) per direction instead of T passes over (chains, S, d) arrays.
    """
    lam = positive_vector("curvatures", curvatures)
    sd = np.broadcast_to(float_array("noise_sd", noise_sd), lam.shape)
    if not np.all(np.isfinite(sd)) or np.any(sd < 0):
        raise ParameterError("noise_sd", noise_sd, "≥ 0: a number or one per curvature")
    eta = float_array("step_rates", step_rates)
    if eta.ndim != 2 or not np.all(np.isfinite(eta)) or np.any(eta < 0):
        raise ParameterError("step_rates", step_rates, "a (T, S) array of finite rates ≥ 0")
    n_s = eta.shape[1]
    for a, b in pairs:
        check_int("pair index", a, 0, n_s - 1)
        check_int("pair index", b, 0, n_s - 1)
    start = np.broadcast_to(float_array("x0", x0), lam.shape)
    if not np.all(np.isfinite(start)):
        raise ParameterError("x0", x0, "finite: a number or one per curvature")
    mean_t, weights = unrolled_linear_chain(1.0 - eta[:, :, None] * lam, eta[:, :, None] * sd)
    mean_t = mean_t * start  # E[θ_T] = (Π a_t)θ₀, shape (S, d)
    per_direction = [np.ascontiguousarray(weights[:, :, i]) for i in range(lam.size)]

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        centre = xp.asarray(mean_t, dtype=rng.dtype)
        loss = xp.zeros((rng.n, n_s), dtype=rng.dtype)
        for i, g in enumerate(per_direction):
            # einsum, not matmul: a (n × T)·(T × S) product with S ~ 4 gains nothing from
            # a threaded BLAS, whose idle threads would spin beside the runner's own
            theta = centre[:, i] - einsum(xp, "nt,ts->ns", rng.normal(eta.shape[0]),
                                          xp.asarray(g, dtype=rng.dtype))
            loss += (0.5 * float(lam[i])) * theta * theta
        diffs = [loss[:, a] - loss[:, b] for a, b in pairs]
        return concat(xp, [loss, xp.stack(diffs, axis=1)], axis=1) if diffs else loss

    return kernel


def unrolled_linear_chain(a: Any, b: Any) -> tuple[FloatArray, FloatArray]:
    """(Π_t a_t, g) for the linear chain θ_{t+1} = a_t θ_t − b_t ξ_t (``a``, ``b`` of shape
    (T, …)), so that θ_T = (Π_t a_t)θ₀ − Σ_t g_t ξ_t with g_t = b_t Π_{u>t} a_u (suffix
    products, one cumulative product)."""
    a, b = float_array("a", a), float_array("b", b)
    if a.ndim == 0 or a.shape != b.shape:
        raise ParameterError("b", b.shape, f"the shape of a, {a.shape}, with a time axis")
    after = np.cumprod(np.concatenate([np.ones_like(a[:1]), a[:0:-1]]), axis=0)[::-1]
    return np.prod(a, axis=0), b * after
