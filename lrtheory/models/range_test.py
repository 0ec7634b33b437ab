"""Learning-rate range tests on a quadratic L(e) = ½eᵀHe, written against a Hessian-vector
product.

The curvature enters only through ``hvp(e) = He`` (a batch of row vectors e, shape (n, d)):
:func:`diagonal_hvp` in eigen-coordinates (one spectrum, or one per chain) and
:func:`matrix_hvp` for a full symmetric H. With g = He:

* **One step** from e at rate η: L(η) = ½eᵀ(I − ηH)H(I − ηH)e = L − ηgᵀg + ½η²gᵀHg, so
  its log-slope is exactly s(η) = dL/d ln η = η dL/dη = −ηgᵀg + η²gᵀHg
  (:func:`one_step_slope`); the central difference in η of two simulated steps is exact
  for a quadratic in η (:func:`measured_log_slope`).
* **Range test**: η_t = η₀r^t, one GD step per rate, losses recorded
  (:func:`run_range_test`). Over e₀ ~ N(0, I), E[eᵀAe] = tr A, so expectations are
  eigen-sums with the transfer m_i = Π_k(1 − η_kλ_i) (:func:`expected_slope`).

The gradient-norm rules run on the same primitives (:mod:`lrtheory.models.gradient_ratio`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory.arrays import einsum, namespace
from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
    float_array,
    operands,
)
from lrtheory.models.rounding import EPS

HVP = Callable[[Any], Any]
"""e ↦ He for a batch of row vectors e (shape (n, d)), on any array backend."""


def diagonal_hvp(lam: Any) -> HVP:
    """He in eigen-coordinates: ``lam`` of shape (d,) (one spectrum) or (n, d) (per chain)."""
    return lambda e: e * lam


def matrix_hvp(h: np.ndarray[Any, Any]) -> HVP:
    """He for a symmetric matrix H acting on row vectors (e @ H = (He)ᵀ)."""
    h = float_array("h", h)
    if h.ndim != 2 or h.shape[0] != h.shape[1] or not np.array_equal(h, h.T):
        raise ParameterError("h", h.shape, "an exactly symmetric square matrix")
    return lambda e: e @ h


@operands("a", "b")
def row_dot(a: Any, b: Any) -> Any:
    """Row-wise dot products aᵢ·bᵢ of two (…, d) batches (:func:`lrtheory.arrays.einsum`)."""
    return einsum(namespace(a, b), "...i,...i->...", a, b)


def quadratic_loss(hvp: HVP, e: Any) -> Any:
    """L = ½eᵀHe per row."""
    return 0.5 * row_dot(e, hvp(e))


def gd_step(hvp: HVP, e: Any, eta: Any) -> Any:
    """e − ηHe; ``eta`` a number or an (n, 1) column of per-chain rates."""
    return e - eta * hvp(e)


def one_step_loss(hvp: HVP, e: Any, eta: float) -> Any:
    """The loss after one GD step at rate η from e (simulated, not the closed form)."""
    return quadratic_loss(hvp, gd_step(hvp, e, eta))


def one_step_slope(hvp: HVP, e: Any, eta: float) -> Any:
    """Closed form s(η) = dL/d ln η = −ηgᵀg + η²gᵀHg of the one-step loss (g = He)."""
    g = hvp(e)
    return -eta * row_dot(g, g) + eta**2 * row_dot(g, hvp(g))


def loss_drop(hvp: HVP, e: Any, eta: float) -> Any:
    """Closed form of one step's change L(η) − L(0) = −ηgᵀg + ½η²gᵀHg."""
    g = hvp(e)
    return -eta * row_dot(g, g) + 0.5 * eta**2 * row_dot(g, hvp(g))


def stated_slope(hvp: HVP, e: Any, eta: float, lam_max: float) -> Any:
    """The source's form −2ηLρ(H), L the current loss ½eᵀHe."""
    return -2.0 * eta * lam_max * quadratic_loss(hvp, e)


def measured_log_slope(hvp: HVP, e: Any, eta: float) -> Any:
    """η·[L(3η/2) − L(η/2)]/η from two simulated steps: the central difference in η of
    half-width η/2, exact for the quadratic polynomial L(η) up to rounding."""
    eta = check_positive("eta", eta)
    return one_step_loss(hvp, e, 1.5 * eta) - one_step_loss(hvp, e, 0.5 * eta)


@finite_result
def slope_rounding(e: Any, eta: float, lam_max: float) -> Any:
    """A float64 rounding bound on |measured_log_slope − one_step_slope| (per row).

    Entrywise |H| has 2-norm ≤ a = √d·λ_max, so every product in a loss ½e₁ᵀHe₁ with
    e₁ = e − η'He (η' ≤ 3η/2) is bounded in absolute value by M = ‖e‖²(1 + η'a)²a. Each
    loss is three d-term dot products deep, (d + 2)ε·M each; two losses and the closed
    form give 12(d + 2)ε·M.
    """
    e = check_reals("e", float_array("e", e))
    d = e.shape[-1]
    eta, lam_max = check_positive("eta", eta), check_positive("lam_max", lam_max)
    a = math.sqrt(d) * lam_max
    return 12.0 * (d + 2) * EPS * row_dot(e, e) * (1.0 + 1.5 * eta * a) ** 2 * a


@operands("lam", "coeffs")
def stated_slope_ratio(lam: np.ndarray[Any, Any], coeffs: np.ndarray[Any, Any],
                       eta: float) -> float:
    """Exact s/(−2ηLλ_max) = Σλ_i²c_i²(1 − ηλ_i)/(λ_max Σλ_ic_i²) for e = Σc_iv_i: ≤ 1 at
    first order (gᵀg ≤ 2Lλ_max), = 1 − ηλ_max along the top eigenvector."""
    lam = check_reals("lam", float_array("lam", lam))
    eta = check_positive("eta", eta)
    w = lam * check_reals("coeffs", float_array("coeffs", coeffs)) ** 2
    return float(np.sum(w * lam * (1.0 - eta * lam)) / (np.max(lam) * np.sum(w)))


def steepest_slope_eta(hvp: HVP, e: Any) -> Any:
    """argmin_η s(η) = gᵀg/(2gᵀHg): where the one-step log-slope is most negative
    (1/(2λ_max) along the top eigenvector, larger otherwise)."""
    g = hvp(e)
    return row_dot(g, g) / (2.0 * row_dot(g, hvp(g)))


# --------------------------------------------------------------------------------------
# The range test
# --------------------------------------------------------------------------------------


@finite_result
def geometric_learning_rates(eta0: float, growth: float, steps: int) -> np.ndarray[Any, Any]:
    """η_t = η₀·r^t for t = 0, …, steps − 1."""
    eta0 = check_positive("eta0", eta0)
    growth = check_real("growth", growth, 1.0)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    return np.asarray(eta0 * growth ** np.arange(steps, dtype=np.float64))


@dataclass(frozen=True)
class RangeTest:
    """A simulated range test: the rates, the losses L_0 … L_T (shape (n, T + 1), L_t
    recorded before the step at η_t) and the final errors e_T."""

    etas: np.ndarray[Any, Any]
    losses: Any
    final: Any


def run_range_test(hvp: HVP, e0: Any, etas: np.ndarray[Any, Any], xp: Any = np) -> RangeTest:
    """One GD step at each η_t from the rows of ``e0``, recording the loss before each."""
    etas = float_array("etas", etas)
    if etas.ndim != 1 or not np.all(etas > 0) or not np.all(np.isfinite(etas)):
        raise ParameterError("etas", etas, "a 1-D array of positive finite learning rates")
    e = e0
    losses = [quadratic_loss(hvp, e)]
    for eta in etas:
        e = gd_step(hvp, e, float(eta))
        losses.append(quadratic_loss(hvp, e))
    return RangeTest(etas, xp.stack(losses, axis=-1), e)


def range_test_transfer(lam: np.ndarray[Any, Any], etas: np.ndarray[Any, Any]) -> Any:
    """m_i = Π_k (1 − η_kλ_i): e_t = M e₀ in eigen-coordinates (m_i = 1 for no steps)."""
    lam = check_reals("lam", float_array("lam", lam))
    return np.prod(1.0 - np.outer(check_reals("etas", float_array("etas", etas)), lam), axis=0)


@operands("lam", "transfer")
@finite_result
def expected_slope(lam: np.ndarray[Any, Any], eta: float, transfer: Any,
                   *, drop: bool = False) -> float:
    """E over e₀ ~ N(0, I) of s(η) (or, ``drop=True``, of L(η) − L(0)) at e_t = Me₀:
    E[e₀ᵀMᵀAMe₀] = tr(MᵀAM) = Σ m_i²(−ηλ_i² + cη²λ_i³), c = 1 (slope) or ½ (drop)."""
    lam = check_reals("lam", float_array("lam", lam))
    eta = check_positive("eta", eta)
    transfer = check_reals("transfer", transfer)
    c = 0.5 if drop else 1.0
    return float(np.sum(transfer**2 * (-eta * lam**2 + c * eta**2 * lam**3)))
