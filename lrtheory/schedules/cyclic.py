"""Cyclical schedules: SGDR's cosine warm restarts and the cyclical learning rates (CLR) of
Smith (2017) — triangular, triangular2 and exp_range."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import sympy as sp

from lrtheory.arrays import namespace
from lrtheory.errors import check_real
from lrtheory.schedules._base import (
    Parameter,
    Schedule,
    _exact,
    _floor_rate,
    _from_zero,
    _is_symbolic,
    _parameter,
    _time,
)


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
    floor_rate = _floor_rate(eta_min, eta0)

    def schedule(t: Any) -> Any:
        if _is_symbolic(_time(t), eta0, period, mult, floor_rate):
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




def triangular(eta_min: Parameter | int, eta_max: Parameter, half: Parameter) -> Schedule:
    """The triangular cyclical learning rate (CLR, Smith 2017; PyTorch's ``CyclicLR(…,
    mode="triangular")``): η climbs linearly from η_min to η_max over ``half`` = s steps and
    falls back over the next s, a cycle of 2s steps. With k = ⌊t/s⌋ the triangle wave is

        w(t) = ½ + (−1)ᵏ (t/s − k − ½) ∈ [0, 1],   η(t) = η_min + (η_max − η_min) w(t),

    the same as Smith's max(0, 1 − |t/s − 2c + 1|), c = ⌊1 + t/(2s)⌋, written without |·| so
    that :func:`lrtheory.schedules.integrals` cuts it at its corners. Each cycle
    contributes ∫η = s(η_min + η_max) and ∫η² = 2s(η_min² + η_minη_max + η_max²)/3.
    """
    return _cyclical(eta_min, eta_max, half, "triangular", 1)


def triangular2(eta_min: Parameter | int, eta_max: Parameter, half: Parameter) -> Schedule:
    """CLR's ``triangular2``: the triangle of :func:`triangular` with its amplitude halved
    every cycle, η(t) = η_min + (η_max − η_min) w(t) / 2^⌊t/(2s)⌋."""
    return _cyclical(eta_min, eta_max, half, "triangular2", 1)


def exp_range(eta_min: Parameter | int, eta_max: Parameter, half: Parameter,
              gamma: Parameter) -> Schedule:
    """CLR's ``exp_range``: the triangle of :func:`triangular` with its amplitude shrunk by
    γ ∈ (0, 1] every step, η(t) = η_min + (η_max − η_min) w(t) γᵗ."""
    if not isinstance(gamma, sp.Basic):
        gamma = check_real("gamma", gamma, 0.0, 1.0, hi_open=False)
    return _cyclical(eta_min, eta_max, half, "exp_range", _parameter("gamma", gamma))


def _cyclical(eta_min: Parameter | int, eta_max: Parameter, half: Parameter, mode: str,
              gamma: Parameter) -> Schedule:
    top = _parameter("eta_max", eta_max)
    s = _parameter("half", half)
    low = _floor_rate(eta_min, top)

    def schedule(t: Any) -> Any:
        if _is_symbolic(_time(t), low, top, s, gamma):
            lo, hi, width, g = _exact(low, top, s, gamma)
            k = sp.floor(t / width)
            wave = sp.Rational(1, 2) + (-1) ** k * (t / width - k - sp.Rational(1, 2))
            scale = {"triangular": sp.Integer(1), "triangular2": 2 ** -sp.floor(t / (2 * width)),
                     "exp_range": g**t}[mode]
            return lo + (hi - lo) * wave * scale
        xp = namespace(t)
        time = _from_zero(t)
        k = xp.floor(time / s)
        wave = 0.5 + (1.0 - 2.0 * (k % 2)) * (time / s - k - 0.5)
        if mode == "triangular2":
            wave = wave * 0.5 ** xp.floor(time / (2 * s))
        elif mode == "exp_range":
            wave = wave * gamma**time
        return low + (top - low) * wave

    return schedule

