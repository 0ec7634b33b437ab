"""Learning-rate schedules as pure functions, in the style of optax.

A schedule is a factory: it checks its parameters once and returns a plain callable
``eta(t)`` of the step (or continuous time) ``t``. The same callable serves the simulation
and the algebra:

* **numbers and arrays** (Python scalars, NumPy arrays, CuPy arrays through NumPy's
  dispatch): evaluated element-wise with NumPy functions; ``t`` is held on the schedule's
  horizon ``[0, total]`` as optax does, so a decayed schedule stays at its final value
  (schedules without a horizon — step and exponential decay, warm restarts — are held at
  their value at t = 0 for t < 0);
* **SymPy expressions** (``t`` a symbol, or any parameter symbolic): the formula itself,
  built with SymPy functions, valid on ``[0, total]`` (on t ≥ 0 without a horizon) —
  ready for ``sympy.integrate`` of ∫η and ∫η² (:func:`integrals`, which also cuts a
  schedule with jumps at its jumps) or for ``dsolve``.

A new schedule is one more factory here: validate the parameters with :func:`_parameter`,
and return a closure that builds the SymPy formula (numbers entered as exact rationals with
:func:`_exact`) when anything is symbolic, and evaluates with the arrays' module
(:func:`lrtheory.arrays.namespace`) otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from types import ModuleType
from typing import Any, TypeAlias

import numpy as np
import sympy as sp

from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError, check_positive, check_real

Schedule: TypeAlias = Callable[[Any], Any]
"""A learning-rate schedule: step or time ``t`` (number, array or SymPy expression) ↦ η(t)."""

Parameter: TypeAlias = "float | sp.Expr"
"""A schedule parameter: a positive number or a SymPy expression not known to be ≤ 0."""


def _parameter(name: str, value: object) -> Parameter:
    """A positive number, or a SymPy expression that is not known to be non-positive."""
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or value.is_positive is False:
            raise ParameterError(name, value, "positive (a number or a positive SymPy symbol)")
        expr: sp.Expr = value
        return expr
    return check_positive(name, value)


def _is_symbolic(*values: object) -> bool:
    return any(isinstance(v, sp.Basic) for v in values)


def _time(t: Any) -> Any:
    """A numeric step or time (number or array) must be real and finite; SymPy passes."""
    if _is_symbolic(t):
        return t
    if isinstance(t, bool | str | bytes) or t is None:
        raise ParameterError("t", t, "a finite real number or array of them")
    try:
        finite = bool(np.all(np.isfinite(t)))
    except TypeError:
        raise ParameterError("t", t, "a finite real number or array of them") from None
    if not finite:
        raise ParameterError("t", t, "finite")
    return t


def _progress(t: Any, total: Parameter) -> Any:
    """The fraction t/total of the horizon: clipped to [0, 1] for numbers and arrays, the
    plain ratio for SymPy (whose formulas are stated on [0, total])."""
    if _is_symbolic(t, total):
        return t / _exact(total)[0]
    return np.clip(_time(t), 0.0, total) / total


def constant(eta0: Parameter) -> Schedule:
    """η(t) = η₀ for every t."""
    eta0 = _parameter("eta0", eta0)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0):
            return _exact(eta0)[0]
        return eta0 * np.ones_like(_time(t), dtype=np.float64)

    return schedule


def linear_decay(eta0: Parameter, total: Parameter) -> Schedule:
    """η(t) = η₀ (1 − t/T) on [0, T] (T = ``total``), held at 0 for t > T.

    ∫₀ᵀ η dt = η₀T/2 and ∫₀ᵀ η² dt = η₀²T/3.
    """
    eta0 = _parameter("eta0", eta0)
    total = _parameter("total", total)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0, total):
            return _exact(eta0)[0] * (1 - _progress(t, total))
        return eta0 * (1 - _progress(t, total))

    return schedule


def cosine(eta0: Parameter, total: Parameter) -> Schedule:
    """Cosine annealing η(t) = η₀ (1 + cos(π t/T)) / 2 on [0, T], held at 0 for t > T.

    ∫₀ᵀ η dt = η₀T/2 and ∫₀ᵀ η² dt = 3η₀²T/8.
    """
    eta0 = _parameter("eta0", eta0)
    total = _parameter("total", total)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0, total):
            return _exact(eta0)[0] * (1 + sp.cos(sp.pi * _progress(t, total))) / 2
        xp = namespace(t)
        return eta0 * (1 + xp.cos(xp.pi * _progress(t, total))) / 2

    return schedule


def polynomial_decay(eta0: Parameter, total: Parameter, power: Parameter = 1,
                     eta_end: Parameter | int = 0) -> Schedule:
    """Polynomial decay (optax's ``polynomial_schedule``; PyTorch's ``PolynomialLR`` is
    η_end = 0): η(t) = η_end + (η₀ − η_end)(1 − t/T)^p on [0, T], held at η_end for t > T.

    p = 1 is :func:`linear_decay`. ∫₀ᵀ η dt = η_end T + (η₀ − η_end)T/(p + 1).
    """
    eta0 = _parameter("eta0", eta0)
    total = _parameter("total", total)
    power = _parameter("power", power)
    end = eta_end if isinstance(eta_end, sp.Basic) else check_real(
        "eta_end", eta_end, 0.0, float(eta0) if not _is_symbolic(eta0) else math.inf,
        lo_open=False, hi_open=False)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0, total, power, end):
            e0, e1, p = _exact(eta0, end, power)
            return e1 + (e0 - e1) * (1 - _progress(t, total)) ** p
        return end + (eta0 - end) * (1 - _progress(t, total)) ** power

    return schedule


def linear_warmup(decay: Schedule, steps: Parameter) -> Schedule:
    """Linear warm-up of W = ``steps`` in front of any schedule (Goyal et al. 2017):

        η(t) = η_d(0)·t/W for 0 ≤ t < W,    η(t) = η_d(t − W) for t ≥ W,

    so the rate climbs from 0 to the decay's initial value, then the decay runs on a clock
    started at the end of the warm-up (held at 0 for t < 0). With SymPy the result is a
    ``Piecewise`` that :func:`integrals` and ``sympy.integrate`` handle: ∫₀^W η = η_d(0)W/2.
    """
    if not callable(decay):
        raise ParameterError("decay", decay, "a schedule (a callable t ↦ η(t))")
    steps = _parameter("steps", steps)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, steps):
            (w,) = _exact(steps)
            peak = sp.sympify(decay(sp.Integer(0)))
            return sp.Piecewise((peak * t / w, t < w), (decay(t - w), True))
        time = np.maximum(_time(t), 0.0)
        xp = namespace(t)
        peak = decay(0.0)
        return xp.where(time < steps, peak * time / steps, decay(time - steps))

    return schedule


def _fraction(name: str, value: object) -> Parameter:
    """A decay factor: a number in (0, 1], or a SymPy expression not known to be ≤ 0."""
    if isinstance(value, sp.Basic):
        return _parameter(name, value)
    return check_real(name, value, 0.0, 1.0, hi_open=False)


def _exact(*values: Parameter | int) -> tuple[sp.Expr, ...]:
    """Parameters for a SymPy formula: numbers as the exact rationals their decimal forms
    denote (0.1 ↦ 1/10, 10.0 ↦ 10), so that jumps and integrals come out exact."""
    return tuple(v if isinstance(v, sp.Basic) else sp.Rational(str(float(v))) for v in values)


def _from_zero(t: Any) -> Any:
    """A numeric step or time held at 0 from below (schedules without a horizon); SymPy
    passes, its formulas being stated for t ≥ 0."""
    if _is_symbolic(t):
        return t
    return np.maximum(_time(t), 0.0)


def step_decay(eta0: Parameter, rate: Parameter, every: Parameter) -> Schedule:
    """Step decay: η multiplied by γ = ``rate`` ∈ (0, 1] every s = ``every`` steps,

        η(t) = η₀ γ^⌊t/s⌋    (t ≥ 0; held at η₀ for t < 0),

    PyTorch's ``StepLR(step_size=s, gamma=γ)``, optax's ``exponential_decay(…,
    staircase=True)``; seed 003's "halving it every 10 epochs" is γ = ½, s = 10.

    After K = ⌊T/s⌋ whole stages ∫₀^{Ks} η dt = η₀ s (1 − γ^K)/(1 − γ) (γ < 1), and since η
    is constant on [t, t + 1) for integer t when s is an integer, Σ_{t<T} η(t) = ∫₀ᵀ η dt.
    """
    eta0 = _parameter("eta0", eta0)
    rate = _fraction("rate", rate)
    every = _parameter("every", every)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0, rate, every):
            e0, g, s = _exact(eta0, rate, every)
            return e0 * g ** sp.floor(t / s)
        xp = namespace(t)
        return eta0 * rate ** xp.floor(_from_zero(t) / every)

    return schedule


def exponential_decay(eta0: Parameter, rate: Parameter) -> Schedule:
    """Exponential decay η(t) = η₀ γ^t, γ = ``rate`` ∈ (0, 1] (seed 003: α_t = α₀γ^t;
    PyTorch's ``ExponentialLR(gamma=γ)``); held at η₀ for t < 0.

    ∫₀ᵀ η dt = η₀ (1 − γ^T)/(−ln γ) and ∫₀ᵀ η² dt = η₀² (1 − γ^{2T})/(−2 ln γ), while the
    sum over steps is Σ_{t<T} η(t) = η₀ (1 − γ^T)/(1 − γ) (γ < 1).
    """
    eta0 = _parameter("eta0", eta0)
    rate = _fraction("rate", rate)

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0, rate):
            e0, g = _exact(eta0, rate)
            return e0 * g**t
        return eta0 * rate ** _from_zero(t)

    return schedule


def warm_restarts(eta0: Parameter, period: Parameter, mult: Parameter = 1,
                  eta_min: Parameter | int = 0) -> Schedule:
    """Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter 2017; PyTorch's
    ``CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)``): cycle i lasts T_i = T₀ mⁱ
    steps (T₀ = ``period``, m = ``mult`` ≥ 1) and within it

        η(t) = η_min + (η₀ − η_min) (1 + cos(π t_i/T_i)) / 2,

    where i = ⌊t/T₀⌋ and t_i = t − iT₀ for m = 1, and for m > 1
    i = ⌊log(1 + t(m − 1)/T₀)/log m⌋ and t_i = t − T₀(mⁱ − 1)/(m − 1). At each restart
    t = T₀(mⁱ − 1)/(m − 1) the rate jumps from just above η_min back to η₀ (held at η₀ for
    t < 0). A symbolic ``mult`` is taken to be > 1 (the m = 1 formula needs m = 1 exactly).

    Each whole cycle contributes ∫ η dt = T_i (η₀ + η_min)/2 and ∫ η² dt =
    T_i (3η₀² + 2η₀η_min + 3η_min²)/8.
    """
    eta0 = _parameter("eta0", eta0)
    period = _parameter("period", period)
    if isinstance(mult, sp.Basic):
        mult = _parameter("mult", mult)
    else:
        mult = check_real("mult", mult, 1.0, lo_open=False)
    if isinstance(eta_min, sp.Basic):
        if not isinstance(eta_min, sp.Expr) or eta_min.is_negative:
            raise ParameterError("eta_min", eta_min, "≥ 0 (a number or a SymPy expression)")
    else:
        hi = math.inf if isinstance(eta0, sp.Basic) else eta0
        eta_min = check_real("eta_min", eta_min, 0.0, hi, lo_open=False)
    floor_rate: Parameter = eta_min

    def schedule(t: Any) -> Any:
        if _is_symbolic(t, eta0, period, mult, floor_rate):
            top, t0, m, low = _exact(eta0, period, mult, floor_rate)
            if m == 1:
                cycle = sp.floor(t / t0)
                start, length = cycle * t0, t0
            else:
                cycle = sp.floor(sp.log(1 + t * (m - 1) / t0) / sp.log(m))
                start, length = t0 * (m**cycle - 1) / (m - 1), t0 * m**cycle
            return low + (top - low) * (1 + sp.cos(sp.pi * (t - start) / length)) / 2
        xp = namespace(t)
        time = _from_zero(t)
        _, start, length = _sgdr_cycle(xp, time, float(period), float(mult))
        return floor_rate + (eta0 - floor_rate) * (1 + xp.cos(xp.pi * (time - start) / length)) / 2

    return schedule


def _sgdr_cycle(xp: ModuleType, time: Any, period: float, mult: float) -> tuple[Any, Any, Any]:
    """(cycle i, its start, its length T_i) for numeric times ≥ 0; the index from the
    logarithm is corrected by one where rounding put t on the wrong side of a restart."""

    def start_of(i: Any) -> Any:
        return i * period if mult == 1.0 else period * (mult**i - 1.0) / (mult - 1.0)

    if mult == 1.0:
        cycle = xp.floor(time / period)
    else:
        cycle = xp.floor(xp.log1p(time * (mult - 1.0) / period) / math.log(mult))
    cycle = xp.where(time < start_of(cycle), cycle - 1, cycle)
    cycle = xp.where(time >= start_of(cycle + 1), cycle + 1, cycle)
    return cycle, start_of(cycle), period * mult**cycle


def integrals(schedule: Schedule, t: sp.Symbol,
              upper: sp.Expr | float) -> tuple[sp.Expr, sp.Expr]:
    """∫₀^upper η(t) dt and ∫₀^upper η(t)² dt by SymPy: the learning progress and the noise
    injected by a schedule (η² is expanded first, which SymPy integrates far faster).

    ``t`` is the integration variable (a SymPy symbol), ``upper`` a number ≥ 0 (taken as
    the exact rational its decimal form denotes) or a SymPy expression not known to be
    negative. A schedule that jumps (a ⌊·⌋ of t in its formula:
    :func:`step_decay`, :func:`warm_restarts`) is integrated piece by piece between its
    jumps, which needs a numeric ``upper`` and ⌊·⌋ arguments that are numbers at numeric t
    and monotone in it (the jumps are where they cross an integer)."""
    if not callable(schedule):
        raise ParameterError("schedule", schedule, "a callable t ↦ η(t)")
    if not isinstance(t, sp.Symbol):
        raise ParameterError("t", t, "a SymPy symbol")
    limit = upper if isinstance(upper, sp.Basic) else _exact(
        check_real("upper", upper, 0.0, lo_open=False))[0]
    if not isinstance(limit, sp.Expr) or limit.is_negative:
        raise ParameterError("upper", upper, "≥ 0 (a number or a SymPy expression)")
    rate = schedule(t)
    pieces = _pieces(rate, t, limit, upper)
    if len(pieces) == 1:
        return sp.integrate(rate, (t, 0, limit)), sp.integrate(sp.expand(rate**2), (t, 0, limit))
    # Between its jumps a schedule is smooth: antiderivatives at the ends of each piece
    # (far faster than SymPy's definite integration of the shifted cosines of SGDR).
    first, second = sp.Integer(0), sp.Integer(0)
    for lo, hi, piece in pieces:
        for power in (1, 2):
            antiderivative = sp.integrate(sp.expand(piece**power), t)
            part = antiderivative.subs(t, hi) - antiderivative.subs(t, lo)
            first, second = (first + part, second) if power == 1 else (first, second + part)
    return first, second


def _pieces(rate: sp.Expr, t: sp.Symbol, limit: sp.Expr,
            upper: object) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """[(a, b, η on (a, b))]: the formula cut at its jumps in (0, limit), each ⌊·⌋ of t
    replaced by its constant value on the piece; one piece when nothing jumps."""
    floors = [f for f in rate.atoms(sp.floor) if f.has(t)]
    if not floors:
        return [(sp.Integer(0), limit, rate)]
    if not limit.is_number:
        raise ParameterError("upper", upper, "a number ≥ 0 for a schedule that jumps "
                             "(⌊·⌋ of t in its formula)")
    cuts = {sp.Integer(0), limit}
    for f in floors:
        arg = f.args[0]
        ends = [arg.subs(t, x) for x in (0, limit)]
        if not all(e.is_number and e.is_real for e in ends):
            raise ParameterError("schedule", rate, "jumps whose ⌊·⌋ arguments are numbers at "
                                 "numeric t (numeric period and factors)")
        lo, hi = sorted(int(sp.floor(e)) for e in ends)
        for k in range(lo + 1, hi + 1):
            cuts.update(x for x in sp.solve(sp.Eq(arg, k), t)
                        if x.is_real and 0 < x < limit)
    edges = sorted(cuts, key=float)
    pieces = []
    for a, b in pairwise(edges):
        mid = (a + b) / 2
        constant = {f: sp.floor(f.args[0].subs(t, mid)) for f in floors}
        pieces.append((a, b, rate.subs(constant)))
    return pieces
