"""P(Σ w_i z_i² > 0) for Gaussian z by Imhof's integral, and Gauss–Legendre rules.

Imhof (1961): for Q = Σ_i w_iz_i² with z ~ N(0, I),

    P(Q > 0) = ½ + (1/π)∫₀^∞ sin θ(u)/(u ρ(u)) du,  θ(u) = ½Σ arctan(w_iu),
    ρ(u) = Π(1 + w_i²u²)^{1/4},

taken in v = ln u by Gauss–Legendre with declared tail and quadrature errors
(:func:`positive_form_probability`). The learning-rate finder's detection law
(:mod:`lrtheory.models.lr_finder`) is built on it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import roots_legendre

from lrtheory.errors import ParameterError, check_int, float_array

__all__ = ["IMHOF_TAIL", "FormProbability", "legendre_unit", "positive_form_probability"]

Array = np.ndarray[Any, Any]

#: Each neglected tail of Imhof's integral is bounded by this (absolute, before the 1/π).
IMHOF_TAIL = 1e-13


@dataclass(frozen=True)
class FormProbability:
    """P(Σ_i w_iz_i² > 0) for z ~ N(0, I), one per weight vector, and a bound on the
    quadrature error of each (the gap between two Gauss–Legendre orders plus the tails)."""

    value: Array
    error: Array


def positive_form_probability(weights: Any, nodes: int = 256) -> FormProbability:
    """Imhof (1961): P(Q > 0) = ½ + (1/π)∫₀^∞ sin θ(u)/(u ρ(u)) du for Q = Σw_iz_i², with
    θ(u) = ½Σ arctan(w_iu) and ρ(u) = Π(1 + w_i²u²)^{1/4}.

    Rows of ``weights`` (shape (k, d) or (d,)) are independent problems. The integral is
    taken in v = ln u, where the integrand sin θ/ρ is smooth, by Gauss–Legendre on
    [v_lo, v_hi]: below v_lo, |sin θ/ρ| ≤ ½Σ|w_i|e^v integrates to ≤ IMHOF_TAIL/2; above
    v_hi, ρ(u) ≥ Π_{i≤m}(|w_i|u)^{1/2} over the m largest |w_i| bounds the tail by
    Π|w_i|^{−1/2}(2/m)e^{−mv_hi/2} ≤ IMHOF_TAIL (the best m is used). The error bound is
    |I_N − I_{N/2}|/π plus the tails. Rows with no positive (negative) weight are exactly
    0 (1).
    """
    w = np.atleast_2d(float_array("weights", weights))
    nodes = check_int("nodes", nodes, 16)
    if w.ndim != 2 or w.shape[1] == 0 or np.any(np.isnan(w)):
        raise ParameterError("weights", w.shape, "a (k, d) array of weights, no NaN")
    value = np.where(np.any(w > 0, axis=1), 1.0, 0.0)
    error = np.zeros(w.shape[0])
    mixed = np.any(w > 0, axis=1) & np.any(w < 0, axis=1) & ~np.any(np.isinf(w), axis=1)
    # An infinite weight dominates: its sign decides Q (z_i = 0 has probability 0).
    infinite = np.any(np.isinf(w), axis=1)
    value[infinite] = np.where(np.any(w[infinite] == np.inf, axis=1), 1.0, 0.0)
    if np.any(mixed):
        v, e = _imhof(w[mixed], nodes)
        value[mixed], error[mixed] = v, e
    return FormProbability(value, error)


def _imhof(w: Array, nodes: int) -> tuple[Array, Array]:
    w = w / np.max(np.abs(w), axis=1, keepdims=True)
    mags = -np.sort(-np.abs(w), axis=1)
    m = np.arange(1, w.shape[1] + 1)
    with np.errstate(divide="ignore"):
        log_c = np.cumsum(-0.5 * np.log(mags), axis=1) + np.log(2.0 / m)
    log_hi = np.min((2.0 / m) * (log_c - math.log(IMHOF_TAIL)), axis=1)
    log_lo = np.log(IMHOF_TAIL / np.sum(np.abs(w), axis=1))

    def integral(n: int) -> Array:
        x, q = _leggauss(n)
        half = 0.5 * (log_hi - log_lo)
        v = (0.5 * (log_hi + log_lo))[:, None] + half[:, None] * x[None, :]
        wu = w[:, None, :] * np.exp(v)[:, :, None]
        theta = 0.5 * np.sum(np.arctan(wu), axis=2)
        log_rho = 0.25 * np.sum(np.log1p(wu * wu), axis=2)
        return np.asarray(half * np.sum(q * np.sin(theta) * np.exp(-log_rho), axis=1))

    fine, coarse = integral(nodes), integral(nodes // 2)
    value = np.clip(0.5 + fine / math.pi, 0.0, 1.0)
    return value, (np.abs(fine - coarse) + 1.5 * IMHOF_TAIL) / math.pi


@functools.cache
def _leggauss(n: int) -> tuple[Array, Array]:
    """Gauss–Legendre nodes and weights on [−1, 1] (cached; SciPy's roots_legendre is far
    faster than NumPy's leggauss, which solves a dense eigenproblem)."""
    x, q = roots_legendre(n)
    x.flags.writeable = q.flags.writeable = False
    return x, q


def legendre_unit(n: int) -> tuple[Array, Array]:
    """Gauss–Legendre nodes and weights on [0, 1] (for averaging over a grid offset)."""
    x, q = _leggauss(check_int("n", n, 1))
    return 0.5 * (x + 1.0), 0.5 * q
