"""What a learning rate costs on a quadratic with a sorted positive spectrum λ:

ρ(η) = max_i |1 − ηλ_i| per step (:func:`contraction`), ⌈ln tol/ln ρ⌉ steps for the worst
start to shrink by ``tol`` (:func:`worst_case_steps`), and both measured by running GD from
the all-ones eigen-start, the worst start (:func:`measured_growth`,
:func:`measured_worst_case_steps`). Part of the learning-rate finder's model
(:mod:`lrtheory.models.lr_finder`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.convergence import steps_to_tolerance
from lrtheory.models.worst_case import sup_norm

__all__ = ["check_spectrum", "contraction", "measured_growth", "measured_worst_case_steps",
           "worst_case_steps"]

Array = np.ndarray[Any, Any]


def contraction(lam: Any, eta: Any) -> Any:
    """ρ(η) = max_i |1 − ηλ_i| per rate (``eta`` any shape; ``lam`` a sorted positive
    spectrum, :func:`check_spectrum`)."""
    lam = check_spectrum(lam)
    eta = float_array("eta", eta, "finite positive learning rates")
    if eta.size == 0 or not np.all(np.isfinite(eta)) or not np.all(eta > 0):
        raise ParameterError("eta", eta, "finite positive learning rates")
    return np.max(np.abs(1.0 - eta[..., None] * lam), axis=-1)


def worst_case_steps(lam: Any, eta: Any, tol: float) -> Any:
    """⌈ln tol/ln ρ(η)⌉ (∞ where ρ ≥ 1): steps for the worst start to shrink by ``tol``."""
    tol = check_real("tol", tol, 0.0, 1.0)
    rho = contraction(lam, eta)
    with np.errstate(divide="ignore"):
        return np.where(rho < 1.0, np.ceil(math.log(tol) / np.log(rho)), np.inf)


@finite_result
def measured_growth(lam: Any, eta: float, steps: int) -> float:
    """Worst-case growth per step, measured: GD from the all-ones eigen-start (the worst
    start, H = QΛQᵀ commuting with GD) for ``steps`` steps, (max_i |e_i|)^{1/steps}."""
    lam = check_spectrum(lam)
    eta = check_real("eta", eta, 0.0)
    e = np.ones(lam.size)
    for _ in range(check_int("steps", steps, 1, MAX_STEPS)):
        e = e - eta * lam * e
    return float(np.max(np.abs(e)) ** (1.0 / steps))


def measured_worst_case_steps(lam: Any, eta: float, tol: float,
                              max_steps: int = 1_000_000) -> int:
    """Worst-case steps to ``tol``, counted: GD from the all-ones eigen-start measured in
    the sup norm until ≤ tol (−1 if not within ``max_steps``)."""
    lam = check_spectrum(lam)
    tol = check_real("tol", tol, 0.0, 1.0)
    q = 1.0 - check_real("eta", eta, 0.0) * lam
    fp = steps_to_tolerance(lambda e, t: e * q, np.ones((1, lam.size)), tol, max_steps,
                            measure=sup_norm)
    return int(fp.steps[0])


def check_spectrum(lam: Any) -> Array:
    """A sorted, positive 1-D spectrum (λ_max last), or ParameterError."""
    spectrum: Array = float_array("lam", lam)
    if (spectrum.ndim != 1 or spectrum.size == 0 or not np.all(spectrum > 0)
            or np.any(np.diff(spectrum) < 0) or not np.all(np.isfinite(spectrum))):
        raise ParameterError("lam", lam, "a sorted 1-D array of positive finite curvatures")
    return spectrum
