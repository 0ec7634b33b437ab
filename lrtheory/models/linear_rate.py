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
from typing import Any, NamedTuple

import numpy as np
from scipy.special import comb, gammaln, logsumexp

from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
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
    k = check_int("k", k, 1, MAX_SIZE)
    steps = check_int("steps", steps, 1, MAX_STEPS)
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
    m = float_array("matrices", matrices)
    k = m.shape[-1]
    measured = measured_rate(step, k, steps, batch=m.shape[:-2])
    radius = np.max(np.abs(np.linalg.eigvals(m)), axis=-1) if rho is None else np.asarray(rho)
    nu = departure_from_normality(m)
    upper = henrici_upper_array(radius, nu, k, steps)
    eps = float(np.finfo(float).eps)
    size = np.sum(np.abs(m), axis=(-2, -1))
    rounding = measured * (k**1.5 * eps * size / np.maximum(radius, eps) + 2 * eps
                           + 2 * eps / steps)
    return RateBracket(measured, radius, np.asarray(upper, dtype=float), rounding)


def _square(name: str, matrix: Any) -> np.ndarray:
    """A finite array of square matrices, shape (…, k, k)."""
    m = float_array(name, matrix)
    if m.ndim < 2 or m.shape[-1] != m.shape[-2] or not np.all(np.isfinite(m)):
        raise ParameterError(name, np.shape(matrix), "a finite array of square matrices "
                             "(…, k, k)")
    return m


def departure_from_normality(matrix: np.ndarray) -> np.ndarray:
    """ν = √(‖M‖_F² − Σ|λ_i|²) (Henrici), over the last two axes; 0 for a normal matrix."""
    m = _square("matrix", matrix)
    frob = np.sum(m * m, axis=(-2, -1))
    eig = np.sum(np.abs(np.linalg.eigvals(m)) ** 2, axis=-1)
    nu: np.ndarray = np.sqrt(np.maximum(frob - eig, 0.0))
    return nu


def henrici_upper(rho: float, nu: float, k: int, steps: int) -> float:
    """(Σ_{j<k} C(T, j) ρ^{T−j} ν^j)^{1/T}: the largest r_T a k×k matrix with spectral radius ρ
    and departure from normality ν can show after T steps (evaluated in logs)."""
    rho = check_real("rho", rho, 0.0, lo_open=False)
    nu = check_real("nu", nu, 0.0, lo_open=False)
    k, steps = check_int("k", k, 1, MAX_SIZE), check_int("steps", steps, 1, MAX_STEPS)
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


def henrici_upper_array(rho: np.ndarray, nu: np.ndarray, k: int, steps: int) -> np.ndarray:
    """:func:`henrici_upper` elementwise over arrays of ρ and ν (broadcast), in NumPy: the
    k terms' logarithms are combined by a max-shifted sum rather than one ``logsumexp`` per
    element. Terms with a zero factor (ρ = 0 with j < T, ν = 0 with j > 0) drop out; an
    element with none left is 0."""
    try:
        r, n = np.broadcast_arrays(float_array("rho", rho), float_array("nu", nu))
    except ValueError:
        raise ParameterError("nu", np.shape(nu), f"of a shape that broadcasts with rho's "
                             f"{np.shape(rho)}") from None
    if np.any(r < 0) or np.any(n < 0) or not (np.all(np.isfinite(r)) and np.all(np.isfinite(n))):
        raise ParameterError("rho, nu", (rho, nu), "finite and ≥ 0")
    k, steps = check_int("k", k, 1, MAX_SIZE), check_int("steps", steps, 1, MAX_STEPS)
    log_r = np.log(np.where(r > 0, r, 1.0))  # a zero factor's term is dropped below
    log_n = np.log(np.where(n > 0, n, 1.0))
    terms = []
    for j in range(min(k, steps + 1)):
        log_binom = gammaln(steps + 1) - gammaln(j + 1) - gammaln(steps - j + 1)
        dead = ((r == 0) & (j < steps)) | ((n == 0) & (j > 0))
        terms.append(np.where(dead, -np.inf, log_binom + (steps - j) * log_r + j * log_n))
    stacked = np.stack(terms)
    top = np.max(stacked, axis=0)
    finite = np.isfinite(top)
    shift = np.where(finite, top, 0.0)
    size = np.sum(np.exp(stacked - shift), axis=0)  # ≥ 1 where any term is alive
    total = shift + np.log(np.where(finite, size, 1.0))
    out: np.ndarray = np.where(finite, np.exp(total / steps), 0.0)
    return out


@finite_result
def rate_rounding(rho: float, nu: float, k: int, steps: int, e: float) -> float:
    """Rounding bound on r_T = ‖M^T‖₂^{1/T} measured by running a k×k linear rule whose
    steps err by ≤ e‖z‖ from the k basis states: with Henrici's
    h_j = Σ_{i<k} C(j, i)ρ^{j−i}ν^i ≥ ‖M^j‖₂, the run's M^T is off by
    Δ ≤ e√k Σ_{t<T} h_{T−1−t}h_t, so r_T by ≤ r_T·Δ/(Tρ^T) (log(1 + x) ≤ x), plus 8ε·r_T
    for the final norm, the logarithms and the exponential (r_T ≤ h_T^{1/T}). Evaluated
    as g_j = h_j/ρ^j = Σ_{i<k} C(j, i)(ν/ρ)^i, so that nothing overflows."""
    check_positive("rho", rho)
    nu = check_real("nu", nu, 0.0, lo_open=False)
    k, e = check_int("k", k, 1, MAX_SIZE), check_real("e", e, 0.0, lo_open=False)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    j = np.arange(steps + 1, dtype=float)
    g = sum(comb(j, i) * (nu / rho) ** i for i in range(k))
    delta = e * np.sqrt(k) * float(np.sum(g[:steps][::-1] * g[:steps])) / rho
    upper = rho * float(g[steps]) ** (1.0 / steps)
    return float(upper * (delta / steps + 8.0 * EPS))


@finite_result
def nilpotent_rate_rounding(matrix: np.ndarray, steps: int, e: float) -> float:
    """Rounding bound on r_T = ‖M^T‖₂^{1/T} measured as in :func:`rate_rounding` (steps that
    err by ≤ e‖z‖, from the k basis states) for a *nilpotent* M, M^k = 0, ρ = 0: a deadbeat
    loop, say, both roots at z = 0. Which to use: :func:`rate_rounding` whenever ρ > 0; it
    divides by ρ^T and has no bound at ρ = 0, where this one applies (the exact r_T is then 0
    for T ≥ k, and a run measures only its rounding). For either, fold the rounding of
    :func:`measured_rate`'s renormalisation (a division, ≤ ε/2 relative) into e.

    A run's step is (M + E_t)z with ‖E_t‖₂ ≤ e. A block of k steps is M^k = 0 plus products
    holding at least one E_t, of norm ≤ p = (‖M‖₂ + e)^k − ‖M‖₂^k (summed binomially, with no
    cancellation); so every column after T steps is ≤ p^{⌊T/k⌋}(‖M‖₂ + e)^{T mod k},
    ‖M^T‖₂ ≤ √k times that (Frobenius), and r_T at most its T-th root, plus 8ε for the final
    norm, the logarithms and the exponential. ``matrix``: M^k = 0 exactly in float64;
    ``steps`` ≥ k.
    """
    m = float_array("matrix", matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or not np.all(np.isfinite(m)):
        raise ParameterError("matrix", np.shape(matrix), "a finite square matrix")
    k = m.shape[0]
    if np.any(np.linalg.matrix_power(m, k)):
        raise ParameterError("matrix", "a matrix with M^k ≠ 0", "nilpotent (M^k = 0)")
    steps = check_int("steps", steps, k, MAX_STEPS)
    e = check_positive("e", e)
    size = float(np.linalg.norm(m, 2))
    block = sum(math.comb(k, j) * size ** (k - j) * e**j for j in range(1, k + 1))
    log_bound = (0.5 * math.log(k) + (steps // k) * math.log(block)
                 + (steps % k) * math.log(size + e))
    return float(math.exp(log_bound / steps) * (1.0 + 8.0 * EPS))
