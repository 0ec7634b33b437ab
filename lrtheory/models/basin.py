"""Judging a discrete-time loop near an equilibrium: a certified basin, and the covariance of
the loop driven by noise (used by claim G5; any map with a known linearisation).

**Certified basin.** Near an equilibrium s* the loop is s ↦ A(s − s*) + r(s − s*) with
|r(d)| ≤ c(R)|d|² for |d| ≤ R. :func:`quadratic_certificate` turns that into a certified
basin: with V(d) = dᵀPd, AᵀPA − P = −I (P > 0 iff ρ(A) < 1),

    V(F(d)) − V(d) ≤ −|d|²(1 − 2‖PA‖c(R)R − ‖P‖c(R)²R²) ≤ −|d|²/2    for |d| ≤ R,

once R solves 2‖PA‖cR + ‖P‖c²R² ≤ ½. The sublevel set {V ≤ λ_min(P)R²} lies in that
ball, so it is invariant, V falls by the factor 1 − 1/(2λ_max(P)) per step inside it, and
every start with |d₀| ≤ R√(λ_min/λ_max) converges (:class:`Certificate`).

**Noise.** :func:`covariance_path` iterates Σ_{t+1} = AΣ_tAᵀ + Q, the exact covariance of
s ← As + w, w ~ N(0, Q), for any square A; :func:`lyapunov_error_bound` is the a-posteriori
error of a computed solution of the stationary equation Σ = AΣAᵀ + Q.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import solve_discrete_lyapunov

from lrtheory.errors import ParameterError, check_int, check_positive, float_array
from lrtheory.models.rounding import EPS

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Certificate:
    """A quadratic Lyapunov certificate V(d) = dᵀPd around an equilibrium.

    ``radius``: the ball |d| ≤ R where V falls by ≥ |d|²/2 per step; ``start_radius``:
    R√(λ_min/λ_max), every start within it converges; ``decay``: 1 − 1/(2λ_max(P)), the
    factor by which V falls per step inside the invariant set."""

    P: FloatArray
    radius: float
    start_radius: float
    decay: float

    @property
    def condition(self) -> float:
        """√(λ_max(P)/λ_min(P)): how much |d| can grow while V falls."""
        w = np.linalg.eigvalsh(self.P)
        return float(math.sqrt(w[-1] / w[0]))

    def bound(self, start: float, steps: int) -> float:
        """max |d_T| over starts with |d_0| ≤ ``start`` (≤ start_radius), after ``steps``."""
        if not 0.0 <= start <= self.start_radius:
            raise ParameterError("start", start, f"in [0, {self.start_radius:.6g}]")
        return float(start * self.condition * self.decay ** (check_int("steps", steps, 0) / 2))

    def bound_along(self, distances: Any) -> tuple[float, int]:
        """The bound on |d_T| for runs whose largest |d_t| is ``distances[t]``, t = 0 … T:
        from the first t₀ inside the start ball, (bound, t₀); (0.0, T) if never inside."""
        dist = float_array("distances", distances)
        inside = np.flatnonzero(dist <= self.start_radius)
        if inside.size == 0:
            return 0.0, dist.size - 1
        t0 = int(inside[0])
        return self.bound(float(dist[t0]), dist.size - 1 - t0), t0

    def carried(self, step_error: float) -> float:
        """Largest |d| an error ≤ ``step_error`` per step (rounding) can build up inside the
        invariant set: the V-norm contracts by √decay per step, so Σ_k √decay^k ·
        condition · step_error."""
        return float(step_error * self.condition / (1.0 - math.sqrt(self.decay)))


def quadratic_certificate(A: Any, remainder: Callable[[float], float],
                          r_max: float) -> Certificate:
    """Certify the basin of d ↦ Ad + r(d) with |r(d)| ≤ remainder(R)·|d|² for |d| ≤ R ≤ r_max
    (``remainder`` non-decreasing in R). Needs ρ(A) < 1 (module docstring)."""
    a = float_array("A", A)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or not np.all(np.isfinite(a)):
        raise ParameterError("A", np.shape(A), "a finite square matrix")
    if float(np.max(np.abs(np.linalg.eigvals(a)))) >= 1.0:
        raise ParameterError("A", "a matrix with spectral radius ≥ 1", "Schur stable")
    r_max = check_positive("r_max", r_max)
    P = solve_discrete_lyapunov(a.T, np.eye(a.shape[0]))
    P = (P + P.T) / 2.0
    w = np.linalg.eigvalsh(P)
    pa, pn = float(np.linalg.norm(P @ a, 2)), float(w[-1])

    def excess(R: float) -> float:
        c = remainder(R)
        return 2.0 * pa * c * R + pn * c * c * R * R - 0.5

    lo, hi = 0.0, r_max
    if excess(hi) > 0.0:
        for _ in range(200):  # bisection to the float grid: excess(lo) ≤ 0 kept
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if excess(mid) <= 0.0 else (lo, mid)
    else:
        lo = hi
    return Certificate(P, lo, lo * math.sqrt(float(w[0]) / pn), 1.0 - 1.0 / (2.0 * pn))


# --------------------------------------------------------------------------------------
# covariance of a linear loop driven by noise
# --------------------------------------------------------------------------------------


def covariance_path(A: Any, Q: Any, steps: int, sigma0: Any = None, *,
                    record: bool = False) -> FloatArray:
    """Σ_T of Σ_{t+1} = AΣ_tAᵀ + Q from Σ_0 (default 0), in float64: the exact covariance
    after T steps of s ← As + w, w ~ N(0, Q); with ``record``, Σ_0 … Σ_T, shape (T + 1, d, d).
    (:func:`lrtheory.models.lyapunov.covariance_recursion` is the case A = I − ηH symmetric.)"""
    a, q = float_array("A", A), float_array("Q", Q)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or q.shape != a.shape:
        raise ParameterError("A, Q", (np.shape(A), np.shape(Q)), "square matrices of one size")
    check_int("steps", steps, 0)
    sigma = np.zeros_like(a) if sigma0 is None else float_array("sigma0", sigma0)
    path = [sigma]
    for _ in range(steps):
        sigma = a @ sigma @ a.T + q
        sigma = (sigma + sigma.T) / 2.0
        path.append(sigma)
    return np.asarray(np.stack(path) if record else sigma)


def lyapunov_error_bound(A: Any, Q: Any, sigma: Any) -> float:
    """Frobenius bound on Σ̂ − Σ for a computed solution of Σ = AΣAᵀ + Q, any square A with
    ρ(A) < 1: the error solves E − AEAᵀ = −R, so ‖E‖_F ≤ ‖R‖_F/σ_min(I − A⊗A), plus the
    residual's own rounding (2d + 3)ε(‖A‖_F²‖Σ̂‖_F + ‖Q‖_F + ‖Σ̂‖_F)."""
    a, q, s = (float_array(n, m) for n, m in (("A", A), ("Q", Q), ("sigma", sigma)))
    for name, m in (("A", a), ("Q", q), ("sigma", s)):
        if m.ndim != 2 or m.shape != (a.shape[0], a.shape[0]) or not np.all(np.isfinite(m)):
            raise ParameterError(name, f"an array of shape {m.shape}", "a finite square "
                                 "matrix (A, Q and sigma of one size)")
    d = a.shape[0]
    op = np.eye(d * d) - np.kron(a, a)
    gap = float(np.linalg.svd(op, compute_uv=False)[-1])
    if gap <= 0.0:
        raise ParameterError("A", "a matrix with μ_iμ_j = 1", "ρ(A) < 1")
    residual = float(np.linalg.norm(a @ s @ a.T + q - s))
    rounding = (2 * d + 3) * EPS * (np.linalg.norm(a) ** 2 * np.linalg.norm(s)
                                    + np.linalg.norm(q) + np.linalg.norm(s))
    return float((residual + rounding) / gap)
