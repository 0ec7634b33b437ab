"""Decaying schedules: constant, linear, cosine, polynomial, step and exponential decay, and
a linear warm-up in front of any of them."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from lrtheory.arrays import namespace
from lrtheory.errors import ParameterError
from lrtheory.schedules._base import (
    Parameter,
    Schedule,
    _exact,
    _floor_rate,
    _fraction,
    _from_zero,
    _is_symbolic,
    _parameter,
    _progress,
    _time,
)


def constant(eta0: Parameter) -> Schedule:
    """η(t) = η₀ for every t."""
    eta0 = _parameter("eta0", eta0)

    def schedule(t: Any) -> Any:
        if _is_symbolic(_time(t), eta0):
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
        if _is_symbolic(_time(t), eta0, total):
            return _exact(eta0)[0] * (1 - _progress(t, total))
        return eta0 * (1 - _progress(t, total))

    return schedule


def cosine(eta0: Parameter, total: Parameter, eta_min: Parameter | int = 0) -> Schedule:
    """Cosine annealing (seed 003: α_t = α_min + ½(α_max − α_min)(1 + cos(πt/T))),

        η(t) = η_min + (η₀ − η_min)(1 + cos(π t/T))/2    on [0, T], held at η_min for t > T.

    With η_min = 0: ∫₀ᵀ η dt = η₀T/2 and ∫₀ᵀ η² dt = 3η₀²T/8.
    """
    eta0 = _parameter("eta0", eta0)
    total = _parameter("total", total)
    low = _floor_rate(eta_min, eta0)

    def schedule(t: Any) -> Any:
        if _is_symbolic(_time(t), eta0, total, low):
            top, bottom = _exact(eta0, low)
            return bottom + (top - bottom) * (1 + sp.cos(sp.pi * _progress(t, total))) / 2
        xp = namespace(t)
        return low + (eta0 - low) * (1 + xp.cos(xp.pi * _progress(t, total))) / 2

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
    end = _floor_rate(eta_end, eta0, "eta_end")

    def schedule(t: Any) -> Any:
        if _is_symbolic(_time(t), eta0, total, power, end):
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
        if _is_symbolic(_time(t), steps):
            (w,) = _exact(steps)
            peak = sp.sympify(decay(sp.Integer(0)))
            return sp.Piecewise((peak * t / w, t < w), (decay(t - w), True))
        time = np.maximum(_time(t), 0.0)
        xp = namespace(t)
        peak = decay(0.0)
        return xp.where(time < steps, peak * time / steps, decay(time - steps))

    return schedule



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
        if _is_symbolic(_time(t), eta0, rate, every):
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
        if _is_symbolic(_time(t), eta0, rate):
            e0, g = _exact(eta0, rate)
            return e0 * g**t
        return eta0 * rate ** _from_zero(t)

    return schedule


