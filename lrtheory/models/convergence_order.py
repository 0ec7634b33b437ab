"""The order p of a global error e(η) ≈ C η^p, measured from a sequence of step sizes.

On η_j = η₀/ρ^j the local orders s_j = log(e_j/e_{j+1})/log ρ approach p, Richardson
extrapolation of them removes the c₁η trend, and the tolerance bounds the distance of the
finest extrapolated value from p (:class:`ConvergenceOrder`, :func:`convergence_order`);
:func:`halving` makes the step sizes. Used for GD against the gradient flow and its modified
equation (:mod:`lrtheory.models.flow`, which also exports everything here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lrtheory.errors import ParameterError, check_int, check_positive, float_array

__all__ = ["ConvergenceOrder", "convergence_order", "halving"]


@dataclass(frozen=True)
class ConvergenceOrder:
    """The order p of e(η) = C η^p (1 + c₁η + c₂η² + …) measured on η_j = η₀/ρ^j.

    * ``fitted_order`` ± ``fitted_se``: least-squares slope of log e on log η over all the
      points (with the regression's standard error); it carries the bias of the c₁η term.
    * ``local_orders``: s_j = log(e_j/e_{j+1})/log ρ = p + A η_j + O(η_j²).
    * ``extrapolated_order``: Richardson on the local orders, r_j = (ρ s_{j+1} − s_j)/(ρ − 1)
      = p + O(η_j²), at the finest pair — the visible c₁η trend removed.
    * ``tolerance``: bound on |r − p|. If successive differences Δ_j = r_{j+1} − r_j shrink
      geometrically by a factor q < 1 (asymptotically q = 1/ρ² for the O(η²) remainder),
      the tail Σ|Δ| after the finest value is |Δ_last| q/(1−q). q is taken as the larger of
      ½ (twice the asymptotic ¼ for ρ = 2) and the largest measured ratio, so the factor is
      ≥ 1. To it is added the effect of the errors' own bounds δ_j (ODE tolerance,
      rounding) on r and on Δ_last: |δs_j| ≤ (δ_j/e_j + δ_{j+1}/e_{j+1})/log ρ.
    * ``contraction``: the largest measured |Δ_{j+1}/Δ_j| over differences larger than their
      noise; NaN when fewer than two are resolved (the differences are then within the
      noise term, which dominates the tolerance).
    * ``asymptotic``: the measured contraction is < 1, i.e. the local orders settle; when
      it is not, the tolerance is infinite and no order can be certified from these η.
    """

    step_sizes: tuple[float, ...]
    errors: tuple[float, ...]
    fitted_order: float
    fitted_se: float
    local_orders: tuple[float, ...]
    extrapolations: tuple[float, ...]
    extrapolated_order: float
    tolerance: float
    contraction: float

    @property
    def asymptotic(self) -> bool:
        return math.isfinite(self.tolerance)


def convergence_order(step_sizes: Sequence[float], errors: Sequence[float],
                      error_bounds: Sequence[float] | None = None) -> ConvergenceOrder:
    """Measure the order of ``errors`` in ``step_sizes`` (decreasing by a constant ratio ρ > 1).

    At least four step sizes are needed (two Richardson values); five or more also measure
    the contraction of their differences.
    """
    eta = float_array("step_sizes", step_sizes)
    err = float_array("errors", errors)
    bounds = np.zeros_like(err) if error_bounds is None else np.asarray(error_bounds, float)
    if eta.ndim != 1 or eta.size < 4 or err.shape != eta.shape or bounds.shape != eta.shape:
        raise ParameterError("step_sizes", len(eta), "at least 4, with one error each")
    if not (np.all(eta > 0) and np.all(np.isfinite(eta))):
        raise ParameterError("step_sizes", step_sizes, "positive and finite")
    if not (np.all(err > 0) and np.all(np.isfinite(err))):
        raise ParameterError("errors", errors, "positive and finite")
    if not (np.all(bounds >= 0) and np.all(np.isfinite(bounds))):
        raise ParameterError("error_bounds", error_bounds, "non-negative and finite")
    ratios = eta[:-1] / eta[1:]
    rho = float(ratios[0])
    if rho <= 1.0 or not np.allclose(ratios, rho, rtol=1e-9):
        raise ParameterError("step_sizes", step_sizes, "decreasing by a constant ratio > 1")
    x, yv = np.log(eta), np.log(err)
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, yv, rcond=None)
    resid = yv - design @ coef
    dof = max(eta.size - 2, 1)
    cov = float(resid @ resid) / dof * np.linalg.inv(design.T @ design)
    log_rho = math.log(rho)
    local = (yv[:-1] - yv[1:]) / log_rho
    rel = bounds / err
    local_noise = (rel[:-1] + rel[1:]) / log_rho
    extrap = (rho * local[1:] - local[:-1]) / (rho - 1.0)
    extrap_noise = (rho * local_noise[1:] + local_noise[:-1]) / (rho - 1.0)
    diffs = np.diff(extrap)
    # The premise q ≤ ½ can only be read off differences that stand above their noise.
    resolved = np.abs(diffs) > extrap_noise[:-1] + extrap_noise[1:]
    pairs = [abs(diffs[j + 1] / diffs[j]) for j in range(diffs.size - 1)
             if resolved[j] and resolved[j + 1]]
    contraction = max(pairs) if pairs else math.nan
    q = max(0.5, contraction) if pairs else 0.5
    tail = abs(diffs[-1]) * q / (1.0 - q) if q < 1.0 else math.inf
    tolerance = float(tail + 2.0 * extrap_noise[-1] + extrap_noise[-2])
    return ConvergenceOrder(
        tuple(float(v) for v in eta), tuple(float(v) for v in err), float(coef[1]),
        math.sqrt(float(cov[1, 1])), tuple(float(v) for v in local),
        tuple(float(v) for v in extrap), float(extrap[-1]), tolerance, contraction)


def halving(first: float, count: int) -> tuple[float, ...]:
    """η₀, η₀/2, …, η₀/2^(count−1): the step sizes of a convergence study."""
    first = check_positive("first", first)
    check_int("count", count, 1, 1024)  # 2.0**1024 overflows
    return tuple(first / 2.0**j for j in range(count))
