"""Random quadratic problems shared by the claims: SPD Hessians with a chosen spectrum."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import ortho_group

from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    finite_result,
    float_array,
)
from lrtheory.models.rounding import EPS


def spd_matrix(d: int, lam_min: float, lam_max: float, seed: int) -> np.ndarray[Any, Any]:
    """A random symmetric positive definite matrix with eigenvalues spread log-uniformly on
    [lam_min, lam_max] (both ends included) in a Haar-random orthonormal basis."""
    d = check_int("d", d, 1, MAX_SIZE)
    lam_min = check_positive("lam_min", lam_min)
    lam_max = check_positive("lam_max", lam_max)
    if lam_max < lam_min:
        raise ParameterError("lam_max", lam_max, f"at least lam_min = {lam_min:g}")
    rng = np.random.default_rng(check_int("seed", seed, 0))
    inner = np.exp(rng.uniform(np.log(lam_min), np.log(lam_max), size=max(d - 2, 0)))
    lam = np.sort(np.concatenate([[lam_min, lam_max], inner]))[:d]
    if d == 1:
        lam = np.array([lam_max])
    q = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
    h: np.ndarray[Any, Any] = (q * lam) @ q.T
    return np.asarray((h + h.T) / 2.0)


@finite_result
def gd_growth_rate(h: np.ndarray[Any, Any], eta: float, steps: int) -> float:
    """Worst-case growth factor per step of GD, max over e₀ of (‖e_t‖/‖e₀‖)^{1/t}.

    GD is run on every initial error at once, E ← E − ηHE from E₀ = I, so E_t = (I − ηH)^t
    and the worst case over e₀ is the spectral norm ‖E_t‖₂. For symmetric H this equals
    ρ(I − ηH)^t at every t, so the measurement has no transient: only rounding (the matrix is
    renormalised each step and the scale kept in logarithms, so nothing overflows).
    """
    h = float_array("h", h)
    if h.ndim != 2 or h.shape[0] != h.shape[1] or not np.all(np.isfinite(h)):
        raise ParameterError("h", h.shape, "a finite square matrix")
    eta = check_positive("eta", eta)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    e = np.eye(h.shape[0])
    log_scale = 0.0
    for _ in range(steps):
        e = e - eta * (h @ e)
        norm = float(np.linalg.norm(e))
        log_scale += np.log(norm)
        e /= norm
    return float(np.exp((log_scale + np.log(np.linalg.norm(e, 2))) / steps))


def growth_rate_rounding(h: np.ndarray[Any, Any], eta: float, steps: int) -> float:
    """A bound on the rounding error of :func:`gd_growth_rate` (absolute, on the factor ρ).

    One step forms (I − ηH)E: each entry is a d-term dot product, so in norm the product is
    off by at most d^{3/2} ε ‖I‖+η‖H‖ relative to ‖E‖; dividing by the true factor ρ gives a
    relative error per step of d^{3/2} ε (1 + η‖H‖)/ρ, plus 2ε for the norm and the division.
    The geometric mean over t steps keeps that relative size; the final spectral norm adds
    d ε / t. Hence |Δρ| ≤ ρ [d^{3/2} ε (1 + η‖H‖)/ρ + 2ε + d ε / t].
    """
    h = float_array("h", h)
    if h.ndim != 2 or h.shape[0] != h.shape[1] or not np.all(np.isfinite(h)):
        raise ParameterError("h", np.shape(h), "a finite square matrix")
    d = h.shape[0]
    eta, steps = check_positive("eta", eta), check_int("steps", steps, 1, MAX_STEPS)
    norm_h = float(np.linalg.norm(h, 2))
    rho = float(np.max(np.abs(1.0 - eta * np.linalg.eigvalsh(h))))
    relative = d**1.5 * EPS * (1.0 + eta * norm_h) / rho + 2.0 * EPS + d * EPS / steps
    return rho * float(relative)
