"""Random quadratic problems shared by the claims: SPD Hessians with a chosen spectrum."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import ortho_group

#: Rounding of an iterated, renormalised d×d matrix: a few ulps per step, averaged by the
#: 1/t power of a growth-rate measurement.
ITERATION_ROUNDING = 1e-12
ITERATION_ROUNDING_REASON = "floating-point rounding of the iterated matrix"


def spd_matrix(d: int, lam_min: float, lam_max: float, seed: int) -> np.ndarray[Any, Any]:
    """A random symmetric positive definite matrix with eigenvalues spread log-uniformly on
    [lam_min, lam_max] (both ends included) in a Haar-random orthonormal basis."""
    rng = np.random.default_rng(seed)
    inner = np.exp(rng.uniform(np.log(lam_min), np.log(lam_max), size=max(d - 2, 0)))
    lam = np.sort(np.concatenate([[lam_min, lam_max], inner]))[:d]
    if d == 1:
        lam = np.array([lam_max])
    q = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
    h: np.ndarray[Any, Any] = (q * lam) @ q.T
    return np.asarray((h + h.T) / 2.0)
