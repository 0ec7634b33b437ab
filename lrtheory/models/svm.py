"""Linearly separable data sets and their hard-margin SVM, computed twice (claim G6).

A data set is N signed points z_n = y_n x_n ∈ ℝ^d (label folded in), B data sets at once as
an array of shape (B, N, d). The logistic loss L(w) = (1/N) Σ_n ln(1 + e^{−z_nᵀw}) has
Hessian (1/N) Σ σ(u)(1 − σ(u)) z_n z_nᵀ ≼ ZᵀZ/(4N), so it is β-smooth with
β = λ_max(ZᵀZ)/(4N) (:func:`smoothness`).

The hard-margin SVM ŵ = argmin {‖w‖ : z_nᵀw ≥ 1 ∀n} (margin γ̂ = 1/‖ŵ‖) is computed twice,
independently of any gradient method:

* :func:`svm_enumerated`, vectorised over data sets (NumPy or CuPy): ŵ is the min-norm
  solution of z_nᵀw = 1 on its support set S (ŵ = Z_Sᵀα_S, α_S = (Z_SZ_Sᵀ)⁻¹1 ≥ 0), and every
  feasible candidate is at least as long, so the shortest *feasible* candidate over all
  subsets of at most d points is ŵ — an exact finite search for small d;
* :func:`svm_qp`, with SciPy: the least-distance program min ‖w‖ s.t. Zw ≥ 1 solved by
  Lawson & Hanson's reduction to non-negative least squares (``scipy.optimize.nnls``):
  u = argmin_{u ≥ 0} ‖Eu − f‖ with E = [Zᵀ; 1ᵀ], f = (0, …, 0, 1), r = Eu − f, gives
  ŵ = −r_{1:d}/r_{d+1} and the dual α = u/(1 − Σu).

:func:`kkt_residuals` checks either against the KKT conditions (feasibility, α ≥ 0,
ŵ = Zᵀα, complementary slackness), each data set against its own rounding allowance
(:func:`kkt_tolerance`).
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np

from lrtheory.arrays import astype, diagonal, einsum, namespace, to_numpy, vector_norm
from lrtheory.errors import ParameterError, check_real
from lrtheory.models.rounding import EPS


def check_points(z: Any) -> Any:
    """``z`` as a finite (B, N, d) array of points (ParameterError otherwise)."""
    xp = namespace(z)
    a = xp.asarray(z)
    if a.ndim != 3 or a.shape[1] < 1 or a.shape[2] < 1 or not bool(xp.all(xp.isfinite(a))):
        raise ParameterError("z", getattr(a, "shape", z), "a finite (B, N, d) array of points")
    return a


def separable_sets(direction: Any, offsets: Any, noise: Any, margin: float) -> Any:
    """B data sets of N points in ℝ^d, separable with margin ≥ ``margin`` along a direction.

    ``direction`` (B, d): nonzero vectors (normalised to u); ``offsets`` (B, N) and
    ``noise`` (B, N, d): typically standard normal draws. Point n is
    z_n = (margin + |offset_n|)·u + (noise_n − (noise_nᵀu)u): Gaussian points labelled by u
    with the slab |xᵀu| < margin emptied. Returns z of shape (B, N, d)."""
    margin = check_real("margin", margin, 0.0)
    xp = namespace(direction, offsets, noise)
    u = xp.asarray(direction)
    xi = xp.asarray(noise)
    a = xp.asarray(offsets)
    if u.ndim != 2 or a.ndim != 2 or xi.shape != (u.shape[0], a.shape[1], u.shape[1]):
        raise ParameterError("noise", getattr(xi, "shape", noise),
                             "shapes direction (B, d), offsets (B, N), noise (B, N, d)")
    length = vector_norm(xp, u, axis=1, keepdims=True)
    if not bool(xp.all(length > 0)):
        raise ParameterError("direction", "a zero row", "nonzero directions")
    u = u / length
    along = xp.sum(xi * u[:, None, :], axis=2, keepdims=True)
    return (margin + xp.abs(a))[:, :, None] * u[:, None, :] + (xi - along * u[:, None, :])


def smoothness(z: Any) -> Any:
    """β = λ_max(ZᵀZ)/(4N) per data set (B,): the logistic loss's smoothness constant."""
    a = check_points(z)
    xp = namespace(a)
    gram = einsum(xp, "bnd,bne->bde", a, a)
    return xp.linalg.eigvalsh(gram)[:, -1] / (4.0 * a.shape[1])


def radius(z: Any) -> Any:
    """R = max_n ‖z_n‖ per data set (B,)."""
    a = check_points(z)
    xp = namespace(a)
    return xp.max(vector_norm(xp, a, axis=2), axis=1)


class SVM(NamedTuple):
    """Hard-margin SVM solutions of B data sets: ŵ (B, d) and the dual α (B, N) ≥ 0."""

    w: Any
    alpha: Any

    @property
    def margin(self) -> Any:
        """γ̂ = 1/‖ŵ‖ (B,)."""
        return 1.0 / vector_norm(namespace(self.w), self.w, axis=1)


def check_svm(z: Any, svm: SVM) -> tuple[Any, SVM]:
    """(points, svm) with ŵ of shape (B, d), α of shape (B, N) and ŵ ≠ 0 (ParameterError)."""
    a = check_points(z)
    xp = namespace(a)
    n_sets, n, d = a.shape
    w, alpha = xp.asarray(svm.w), xp.asarray(svm.alpha)
    if w.shape != (n_sets, d) or alpha.shape != (n_sets, n):
        raise ParameterError("svm", (getattr(w, "shape", None), getattr(alpha, "shape", None)),
                             f"ŵ of shape ({n_sets}, {d}) and α of shape ({n_sets}, {n})")
    if not bool(xp.all(vector_norm(xp, w, axis=1) > 0)):
        raise ParameterError("svm", "a zero ŵ", "a nonzero ŵ for every data set")
    return a, SVM(w, alpha)


FEASIBLE = 1e-9
"""Slack allowed in z_nᵀw ≥ 1 when a candidate is tested (a rounding allowance far below
the gap between one data set's candidate norms)."""


def svm_enumerated(z: Any, feasible: float = FEASIBLE) -> SVM:
    """The hard-margin SVM of every data set by enumerating candidate support sets.

    For every subset S of at most d points: α_S = G_S⁻¹1 (G_S = Z_SZ_Sᵀ), w_S = Z_Sᵀα_S (the
    min-norm solution of Z_Sw = 1). The optimum is the shortest w_S with Zw_S ≥ 1 − ``feasible``
    (see the module docstring); subsets with a singular G_S are skipped. Cost:
    Σ_{k ≤ d} C(N, k) small solves per data set — meant for small d.
    """
    a = check_points(z)
    xp = namespace(a)
    feasible = check_real("feasible", feasible, 0.0, 1e-3, lo_open=False)
    n_sets, n, d = a.shape
    best = xp.full(n_sets, xp.inf)
    w_best = xp.zeros((n_sets, d))
    alpha_best = xp.zeros((n_sets, n))
    rows, examples = xp.arange(n_sets), xp.arange(n)
    for k in range(1, min(d, n) + 1):
        subsets = xp.asarray(np.array(list(itertools.combinations(range(n), k))))  # (C, k)
        c = subsets.shape[0]
        zs = xp.reshape(xp.take(a, xp.reshape(subsets, (-1,)), axis=1), (n_sets, c, k, d))
        gram = einsum(xp, "bckd,bcjd->bckj", zs, zs)
        scale = xp.prod(diagonal(xp, gram), axis=2)
        singular = xp.abs(xp.linalg.det(gram)) <= 1e-10 * scale  # (B, C)
        gram = xp.where(singular[..., None, None], xp.eye(k), gram)
        coef = xp.linalg.solve(gram, xp.ones((*gram.shape[:-1], 1)))[..., 0]  # (B, C, k)
        w = einsum(xp, "bck,bckd->bcd", coef, zs)
        ok = ~singular & (xp.min(einsum(xp, "bnd,bcd->bcn", a, w), axis=2) >= 1.0 - feasible)
        norm = xp.where(ok, vector_norm(xp, w, axis=2), xp.inf)
        pick = xp.argmin(norm, axis=1)  # (B,)
        flat = rows * c + pick  # the picked candidate of each set, in (B·C) order
        picked = xp.take(xp.reshape(norm, (-1,)), flat)
        better = picked < best
        best = xp.where(better, picked, best)
        w_best = xp.where(better[:, None], xp.take(xp.reshape(w, (-1, d)), flat, axis=0),
                          w_best)
        dual = xp.zeros((n_sets, n))
        idx = xp.take(subsets, pick, axis=0)  # (B, k)
        weights = xp.take(xp.reshape(coef, (-1, k)), flat, axis=0)  # (B, k)
        for j in range(k):  # α_n = coef_j where n is the subset's j-th point (distinct n)
            dual = xp.where(idx[:, j:j + 1] == examples, weights[:, j:j + 1], dual)
        alpha_best = xp.where(better[:, None], dual, alpha_best)
    if not bool(xp.all(xp.isfinite(best))):
        raise ParameterError("z", "a data set without a separating direction",
                             "separable data sets (some w with z_nᵀw > 0 for all n)")
    return SVM(w_best, alpha_best)


def svm_qp(z: Any) -> SVM:
    """The hard-margin SVM of every data set with SciPy: Lawson–Hanson's least-distance
    program via ``scipy.optimize.nnls`` (one data set at a time, NumPy)."""
    from scipy.optimize import nnls

    a = np.asarray(to_numpy(check_points(z)), dtype=float)
    n_sets, n, d = a.shape
    w, alpha = np.zeros((n_sets, d)), np.zeros((n_sets, n))
    f = np.zeros(d + 1)
    f[-1] = 1.0
    for b in range(n_sets):
        e = np.vstack([a[b].T, np.ones(n)])
        u, _ = nnls(e, f, maxiter=50 * n)
        r = e @ u - f
        if r[-1] >= -1e-12:  # r = 0: the constraints Zw ≥ 1 are inconsistent
            raise ParameterError("z", f"data set {b}", "separable data sets")
        w[b] = -r[:d] / r[-1]
        alpha[b] = u / -r[-1]
    return SVM(w, alpha)


class KKT(NamedTuple):
    """KKT residuals per data set (B,): all zero at the exact SVM solution."""

    primal: Any  #: max(0, 1 − min_n z_nᵀŵ)
    dual: Any  #: max(0, −min_n α_n)
    stationarity: Any  #: ‖ŵ − Σ α_n z_n‖ / ‖ŵ‖
    slackness: Any  #: max_n |α_n (z_nᵀŵ − 1)| / max_n α_n

    def per_set(self) -> Any:
        """The largest of the four residuals, per data set (B,)."""
        xp = namespace(self.primal)
        return xp.max(xp.stack(list(self)), axis=0)

    def worst(self) -> float:
        """The largest residual over all data sets."""
        return float(np.max(to_numpy(self.per_set())))


def kkt_residuals(z: Any, svm: SVM) -> KKT:
    """The four KKT residuals of ``svm`` on the data sets ``z``."""
    a, svm = check_svm(z, svm)
    xp = namespace(a)
    margins = einsum(xp, "bnd,bd->bn", a, svm.w)
    w_norm = vector_norm(xp, svm.w, axis=1)
    top = xp.max(svm.alpha, axis=1)
    return KKT(xp.maximum(0.0, 1.0 - xp.min(margins, axis=1)),
               xp.maximum(0.0, -xp.min(svm.alpha, axis=1)),
               vector_norm(xp, svm.w - einsum(xp, "bn,bnd->bd", svm.alpha, a), axis=1) / w_norm,
               xp.max(xp.abs(svm.alpha * (margins - 1.0)), axis=1)
               / xp.where(top > 0, top, 1.0))


def kkt_tolerance(z: Any, svm: SVM) -> Any:
    """Rounding allowance of the KKT residuals, per data set (B,): evaluating z_nᵀŵ, Σα_nz_n
    and the products costs a few ε·(N + d)·max(1, R‖ŵ‖)·max(1, Σα); both solvers end with a
    linear solve on the support, whose error carries the condition number κ of the support
    Gram matrix (that of M G M + (I − M), M the support mask). Hence
    8ε(N + d)·max(1, R‖ŵ‖)·max(1, Σα)·κ."""
    a, svm = check_svm(z, svm)
    xp = namespace(a)
    n = a.shape[1]
    on = astype(xp, svm.alpha > 0, a.dtype)
    gram = einsum(xp, "bnd,bmd->bnm", a, a) * on[:, :, None] * on[:, None, :]
    lam = xp.linalg.eigvalsh(gram + xp.eye(n) * (1.0 - on)[:, :, None])
    kappa = xp.maximum(lam[:, -1], 1.0) / xp.minimum(lam[:, 0], 1.0)
    size = xp.maximum(1.0, radius(a) * vector_norm(xp, svm.w, axis=1))
    mass = xp.maximum(1.0, xp.sum(xp.abs(svm.alpha), axis=1))
    return 8 * EPS * sum(a.shape[1:]) * size * mass * kappa
