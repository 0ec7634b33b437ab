"""The contraction factor of a linear recursion, measured by running it, with a rigorous bracket.

For s_{t+1} = M s_t the asymptotic factor per step is the spectral radius ρ(M) (Gelfand:
‖M^T‖^{1/T} → ρ). A finite run gives a bracket, not just an estimate. With the Schur form
M = Q(D + N)Q*, N strictly upper triangular and k×k, Henrici's bound gives

    ρ^T ≤ ‖M^T‖₂ ≤ Σ_{j=0}^{k−1} C(T, j) ρ^{T−j} ν^j,

where ν = ‖N‖_F = √(‖M‖_F² − Σ|λ_i|²) is M's departure from normality. So the measured
r_T = ‖M^T‖₂^{1/T} satisfies ρ ≤ r_T ≤ (Σ_j C(T, j) ρ^{T−j} ν^j)^{1/T}: a *derived* ρ that
is wrong by more than that width is refuted by the run. The width shrinks like (log T)/T
(a defective double root, as at critical damping, is the slow case: r_T ≈ ρ·T^{1/T}).

:func:`measured_rate` runs the update rule itself (not the derived matrix) from the k basis
states, vectorised over a batch of parameter values, renormalising as it goes so that
ρ^T may underflow without harm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy.special import comb, gammaln, logsumexp

from lrtheory.errors import ParameterError, check_int, check_positive
from lrtheory.models.rounding import EPS

LinearStep = Callable[[tuple[np.ndarray, ...]], Sequence[np.ndarray]]
"""One step of a linear rule: state components in (each of shape (k, *batch)), out."""


def measured_rate(step: LinearStep, k: int, steps: int, batch: tuple[int, ...] = (),
                  renorm_every: int = 20) -> np.ndarray:
    """r_T = ‖M^T‖₂^{1/T} for every batch element, by running ``step`` T times from the k basis
    states (column j of the state matrix starts as e_j).

    ``step`` receives a tuple of k arrays of shape (k, *batch) (component i of every column)
    and returns the k new components; the batch axes carry, e.g., a grid of curvatures.
    """
    k = check_int("k", k, 1)
    steps = check_int("steps", steps, 1)
    renorm_every = check_int("renorm_every", renorm_every, 1)
    eye = np.eye(k).reshape((k, k) + (1,) * len(batch))
    state = tuple(np.broadcast_to(eye[i], (k, *batch)).astype(float) for i in range(k))
    log_scale = np.zeros(batch)
    for t in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # caught just below, by name
            state = tuple(step(state))
        if t % renorm_every == 0 or t == steps:
            size = np.max(np.abs(np.stack(state)), axis=(0, 1))
            if not np.all(np.isfinite(size)):
                raise ParameterError("step", step, f"a map that stays finite for {steps} steps")
            size = np.where(size > 0, size, 1.0)
            log_scale += np.log(size)
            state = tuple(c / size for c in state)
    matrix = np.moveaxis(np.stack(state), (0, 1), (-2, -1))  # (*batch, k, k): [i, j] = s_i of e_j
    norm = np.linalg.norm(matrix, ord=2, axis=(-2, -1))
    with np.errstate(divide="ignore"):
        rate: np.ndarray = np.exp((log_scale + np.log(norm)) / steps)
    return rate


class RateBracket(NamedTuple):
    """Measured r_T = ‖M^T‖^{1/T} with Henrici's bracket ρ ≤ r_T ≤ upper, per batch element."""

    measured: np.ndarray
    rho: np.ndarray
    upper: np.ndarray
    rounding: np.ndarray  #: a bound on the float64 error of r_T


def rate_bracket(step: LinearStep, matrices: np.ndarray, steps: int,
                 rho: np.ndarray | None = None) -> RateBracket:
    """Run ``step`` (vectorised over the batch) and bracket its measured rate.

    ``matrices`` (shape (*batch, k, k)) is the map the step should be; ρ is their numerical
    spectral radius unless a *derived* ``rho`` is given, and Henrici's upper bound is built
    from ρ and ν (:func:`departure_from_normality`). ``rounding`` bounds the float64 error
    of r_T: per step a k-term dot product per entry (≤ k^{3/2}ε‖|M|‖/ρ relative, the entries'
    absolute sum over ρ), 2ε for the norm and 2ε/T for the root.
    """
    m = np.asarray(matrices, dtype=float)
    k = m.shape[-1]
    measured = measured_rate(step, k, steps, batch=m.shape[:-2])
    radius = np.max(np.abs(np.linalg.eigvals(m)), axis=-1) if rho is None else np.asarray(rho)
    nu = departure_from_normality(m)
    upper = np.vectorize(lambda r, n: henrici_upper(float(r), float(n), k, steps))(radius, nu)
    eps = float(np.finfo(float).eps)
    size = np.sum(np.abs(m), axis=(-2, -1))
    rounding = measured * (k**1.5 * eps * size / np.maximum(radius, eps) + 2 * eps
                           + 2 * eps / steps)
    return RateBracket(measured, radius, np.asarray(upper, dtype=float), rounding)


def departure_from_normality(matrix: np.ndarray) -> np.ndarray:
    """ν = √(‖M‖_F² − Σ|λ_i|²) (Henrici), over the last two axes; 0 for a normal matrix."""
    m = np.asarray(matrix, dtype=float)
    frob = np.sum(m * m, axis=(-2, -1))
    eig = np.sum(np.abs(np.linalg.eigvals(m)) ** 2, axis=-1)
    nu: np.ndarray = np.sqrt(np.maximum(frob - eig, 0.0))
    return nu


def henrici_upper(rho: float, nu: float, k: int, steps: int) -> float:
    """(Σ_{j<k} C(T, j) ρ^{T−j} ν^j)^{1/T}: the largest r_T a k×k matrix with spectral radius ρ
    and departure from normality ν can show after T steps (evaluated in logs)."""
    if rho < 0 or nu < 0:
        raise ParameterError("rho, nu", (rho, nu), "≥ 0")
    terms = []
    for j in range(min(k, steps + 1)):
        if (j < steps and rho == 0) or (j > 0 and nu == 0):
            continue
        log_binom = gammaln(steps + 1) - gammaln(j + 1) - gammaln(steps - j + 1)
        terms.append(log_binom + (steps - j) * _log(rho) + j * _log(nu))
    if not terms:
        return 0.0
    return float(np.exp(logsumexp(terms) / steps))


def _log(x: float) -> float:
    return math.log(x) if x > 0 else 0.0  # only reached with a zero exponent


def rate_rounding(rho: float, nu: float, k: int, steps: int, e: float) -> float:
    """Rounding bound on r_T = ‖M^T‖₂^{1/T} measured by running a k×k linear rule whose
    steps err by ≤ e‖z‖ from the k basis states: with Henrici's
    h_j = Σ_{i<k} C(j, i)ρ^{j−i}ν^i ≥ ‖M^j‖₂, the run's M^T is off by
    Δ ≤ e√k Σ_{t<T} h_{T−1−t}h_t, so r_T by ≤ r_T·Δ/(Tρ^T) (log(1 + x) ≤ x), plus 8ε·r_T
    for the final norm, the logarithms and the exponential (r_T ≤ h_T^{1/T}). Evaluated
    as g_j = h_j/ρ^j = Σ_{i<k} C(j, i)(ν/ρ)^i, so that nothing overflows."""
    check_positive("rho", rho)
    steps = check_int("steps", steps, 1)
    j = np.arange(steps + 1, dtype=float)
    g = sum(comb(j, i) * (nu / rho) ** i for i in range(k))
    delta = e * np.sqrt(k) * float(np.sum(g[:steps][::-1] * g[:steps])) / rho
    upper = rho * float(g[steps]) ** (1.0 / steps)
    return float(upper * (delta / steps + 8.0 * EPS))
