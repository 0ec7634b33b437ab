"""Least squares on synthetic data with prescribed second moments, and diagonal preconditioning.

The loss of a data set (X, y), X ∈ ℝ^{n×d}, is L(w) = (1/2n)‖Xw − y‖², so

    ∇L(w) = (1/n)Xᵀ(Xw − y),      H = ∇²L = (1/n)XᵀX,

and H_jk = (1/n)Σ_i x_ij x_ik is the *uncentred* empirical second-moment matrix of the
features. The minimiser ŵ solves Hŵ = (1/n)Xᵀy, and since ∇L(ŵ + e) = He the error
e = w − ŵ of gradient descent obeys e ← (I − ηH)e whatever the targets y are: the data enter
GD's error dynamics only through their second moments.

**Synthetic data with exact moments.** A *sign design* is X = diag(a)·F·diag(r): F is an n×d
pattern of ±1 entries with known (1/n)FᵀF, a ∈ {±1}ⁿ flips whole rows and r holds the
features' root second moments. Row signs cancel in XᵀX, so every such data set has
(1/n)XᵀX = diag(r)(FᵀF/n)diag(r) *exactly* — in floating point too, when r and the pattern
correlations are dyadic-friendly (r = (10, 1), correlation 3/4: every product and sum is an
exact float). Random row signs and random targets give random data sets with one Hessian.

**Reparameterisation.** With v = Dw (D invertible), g(v) = L(D⁻¹v) has Hessian
H_v = D⁻ᵀHD⁻¹ (chain rule). GD on v is *preconditioned* GD on w: w ← w − ηD⁻¹D⁻ᵀ∇L(w).
The Jacobi choice D = diag(H)^{1/2} gives H_v unit diagonal; for a least-squares Hessian it
is GD on the data with every feature rescaled to unit second moment, X_v = XD⁻¹.

Array functions marked *any backend* use arithmetic, ``@`` and array methods only, so they
run on NumPy and CuPy arrays alike, batched over leading axes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrtheory.arrays import diagonal, matrix_transpose, namespace
from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    finite_result,
    float_array,
    operand_problem,
    operands,
)
from lrtheory.models.rounding import EPS

FloatArray = np.ndarray[Any, Any]
Array = Any
"""A NumPy or CuPy array."""


def _matrix(name: str, value: object, square: bool = False) -> FloatArray:
    a = float_array(name, value)
    if a.ndim != 2 or (square and a.shape[0] != a.shape[1]) or not np.all(np.isfinite(a)):
        raise ParameterError(name, getattr(a, "shape", value),
                             "a finite square matrix" if square else "a finite 2-D array")
    return a


def _spd(name: str, value: object) -> FloatArray:
    h = _matrix(name, value, square=True)
    if not np.allclose(h, h.T, rtol=0.0, atol=8 * EPS * float(np.max(np.abs(h)))):
        raise ParameterError(name, h.shape, "a symmetric matrix")
    if np.linalg.eigvalsh(h)[0] <= 0.0:
        raise ParameterError(name, h.shape, "a positive definite matrix")
    return h


# --------------------------------------------------------------------------------------
# Synthetic data
# --------------------------------------------------------------------------------------


def paired_patterns(n: int, flips: int) -> FloatArray:
    """Two ±1 feature patterns of length n that agree except in ``flips`` places.

    (1/n)FᵀF = [[1, c], [c, 1]] with c = 1 − 2·flips/n: ``flips = n/2`` gives orthogonal
    features, fewer flips a positive correlation (uncentred), more a negative one.
    """
    n = check_int("n", n, 2, MAX_SIZE)
    flips = check_int("flips", flips, 0, n)
    f = np.ones((n, 2))
    f[:flips, 1] = -1.0
    return f


def orthogonal_patterns(n: int, d: int) -> FloatArray:
    """d mutually orthogonal ±1 patterns of length n (columns of Sylvester's Hadamard matrix;
    n a power of 2, d ≤ n): (1/n)FᵀF = I exactly, i.e. d orthogonal features."""
    n = check_int("n", n, 1, MAX_SIZE)
    if n & (n - 1):
        raise ParameterError("n", n, "a power of 2")
    d = check_int("d", d, 1, n)
    f = np.ones((1, 1))
    while f.shape[0] < n:
        f = np.block([[f, f], [f, -f]])
    return f[:, :d]


def design_moments(patterns: object, rms: object) -> FloatArray:
    """The second-moment matrix diag(r)(FᵀF/n)diag(r) shared by every sign design on F."""
    f = _matrix("patterns", patterns)
    if not np.all(np.abs(f) == 1.0):
        raise ParameterError("patterns", "entries", "±1 entries only")
    r = float_array("rms", rms)
    if r.shape != (f.shape[1],) or not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ParameterError("rms", rms, f"{f.shape[1]} positive finite values")
    out: FloatArray = (f.T @ f / f.shape[0]) * np.outer(r, r)
    return out


def _design_problem(row_signs: Any, patterns: Any, rms: Any) -> ParameterError | None:
    """Which of sign_design's arrays is wrong: not real, or not (…, k), (…, k, m), (…, m)."""
    for name, value, ndim in (("row_signs", row_signs, 1), ("patterns", patterns, 2),
                              ("rms", rms, 1)):
        problem = operand_problem({name: value})
        if problem is not None:
            return problem
        if np.ndim(value) < ndim:
            return ParameterError(name, np.shape(value), f"an array with ≥ {ndim} axes")
    m = np.shape(patterns)[-1]
    if np.shape(rms)[-1] != m:
        return ParameterError("rms", np.shape(rms), f"an array whose last axis has the {m} "
                              "columns of patterns")
    return None


@operands("row_signs", "patterns", "rms", problem=lambda given: _design_problem(**given))
def sign_design(row_signs: Array, patterns: Array, rms: Array) -> Array:
    """X = diag(a)·F·diag(r), batched over leading axes (any backend).

    ``row_signs`` (…, n) of ±1, ``patterns`` (n, d) or one per data set (…, n, d), ``rms``
    (d,) or broadcastable to (…, d). Every result has (1/n)XᵀX = :func:`design_moments`
    (patterns, rms), whatever the row signs.
    """
    if row_signs.shape[-1] != patterns.shape[-2]:
        raise ParameterError("row_signs", row_signs.shape, "an array whose last axis has the "
                             f"{patterns.shape[-2]} rows of patterns (F)")
    return row_signs[..., :, None] * patterns * rms[..., None, :]


@operands("x", "scales")
def scale_features(x: Array, scales: Array) -> Array:
    """X·diag(s): feature j multiplied by s_j (a change of units), batched (any backend)."""
    return x * scales[..., None, :]


# --------------------------------------------------------------------------------------
# Loss, gradient, Hessian, GD (any backend, batched over leading axes)
# --------------------------------------------------------------------------------------


@operands("x")
def hessian(x: Array) -> Array:
    """H = (1/n)XᵀX, the uncentred second-moment matrix of the features."""
    return matrix_transpose(namespace(x), x) @ x / x.shape[-2]


def residual(x: Array, y: Array, w: Array) -> Array:
    """Xw − y, shape (…, n)."""
    return (x @ w[..., :, None])[..., 0] - y


def loss(x: Array, y: Array, w: Array) -> Array:
    """L(w) = (1/2n)‖Xw − y‖², shape (…)."""
    r = residual(x, y, w)
    return namespace(r).sum(r * r, axis=-1) / (2 * x.shape[-2])


def gradient(x: Array, y: Array, w: Array) -> Array:
    """∇L(w) = (1/n)Xᵀ(Xw − y), shape (…, d)."""
    xt = matrix_transpose(namespace(x), x)
    return (xt @ residual(x, y, w)[..., :, None])[..., 0] / x.shape[-2]


def gd_step(x: Array, y: Array, w: Array, eta: float, scaling: Array | None = None) -> Array:
    """One GD step on the data: w − η∇L(w); with a diagonal ``scaling`` D (…, d), the
    preconditioned step w − ηD⁻²∇L(w), which is plain GD in the coordinates v = Dw."""
    eta = check_positive("eta", eta)
    g = gradient(x, y, w)
    return w - eta * (g if scaling is None else g / (scaling * scaling))


def minimiser(x: Array, y: Array, xp: Any = np) -> Array:
    """ŵ solving the normal equations Hŵ = (1/n)Xᵀy (``xp``: the array module of x)."""
    rhs = (matrix_transpose(xp, x) @ y[..., :, None]) / x.shape[-2]
    return xp.linalg.solve(hessian(x), rhs)[..., 0]


# --------------------------------------------------------------------------------------
# Reparameterisation and the Jacobi preconditioner
# --------------------------------------------------------------------------------------


@operands("h")
def jacobi_scaling(h: Array) -> Array:
    """D = diag(H)^{1/2} as the vector of its diagonal, batched (any backend)."""
    return diagonal(namespace(h), h) ** 0.5


def reparameterised_hessian(h: object, scaling: object) -> FloatArray:
    """H_v = D⁻ᵀHD⁻¹ for v = Dw; ``scaling`` is D itself (a matrix) or its diagonal."""
    hm = _matrix("h", h, square=True)
    dm = float_array("scaling", scaling)
    if dm.ndim == 1:
        dm = np.diag(dm)
    if dm.shape != hm.shape or not np.all(np.isfinite(dm)):
        raise ParameterError("scaling", dm.shape, f"a vector or matrix for {hm.shape}")
    if abs(np.linalg.det(dm)) == 0.0:
        raise ParameterError("scaling", "D", "an invertible matrix")
    inv = np.linalg.inv(dm)
    out: FloatArray = inv.T @ hm @ inv
    return out


def condition_number(h: object) -> float:
    """κ = λ_max/λ_min of a symmetric positive definite matrix."""
    lam = np.linalg.eigvalsh(_spd("h", h))
    return float(lam[-1] / lam[0])


def condition_number_rounding(h: object) -> float:
    """A bound on the rounding of :func:`condition_number` (absolute, on κ).

    LAPACK's symmetric eigensolver is backward stable: each computed eigenvalue is within
    p(d)·ε‖H‖₂ of the exact one, p "a modestly growing function of d", taken here as 4d²;
    entries of H that were themselves rounded (a D⁻¹HD⁻¹ formed in floating point, 2ε
    relative) add 2ε‖|H|‖₂ by Weyl's inequality. With δ that sum, the quotient κ̂ moves by at
    most κ(δ/λ_max + δ/λ_min)/(1 − δ/λ_min) plus ε for the division.
    """
    hm = _spd("h", h)
    d = hm.shape[0]
    lam = np.linalg.eigvalsh(hm)
    delta = (4 * d * d) * EPS * float(np.linalg.norm(hm, 2)) + 2 * EPS * float(
        np.linalg.norm(np.abs(hm), 2))
    kappa = float(lam[-1] / lam[0])
    lo = float(lam[0])
    if delta >= lo:
        return float("inf")
    return float(kappa * (delta / float(lam[-1]) + delta / lo) / (1 - delta / lo) + EPS * kappa)


# --------------------------------------------------------------------------------------
# GD on the data: worst-case growth factor per step
# --------------------------------------------------------------------------------------


@finite_result
def data_growth_rate(x: object, eta: float, steps: int) -> float:
    """Worst-case growth factor per step of GD on the data X, max over e₀ of
    (‖e_t‖/‖e₀‖)^{1/t} with t = ``steps``.

    The gradient is formed from the data, e ← e − η(1/n)Xᵀ(Xe), never from a stored H; every
    initial error runs at once (E₀ = I), so E_t = (I − ηH)^t and the worst case is ‖E_t‖₂ =
    ρ(I − ηH)^t exactly (H symmetric). E is renormalised each step and the scale kept in
    logarithms, so a divergent η does not overflow. For the preconditioned GD of v = Dw pass
    the rescaled data XD⁻¹.
    """
    xm = _matrix("x", x)
    eta = check_positive("eta", eta)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    n, d = xm.shape
    xt = np.ascontiguousarray(xm.T)
    e = np.eye(d)
    log_scale = 0.0
    for _ in range(steps):
        e = e - eta * (xt @ (xm @ e)) / n
        norm = math.sqrt(float(np.vdot(e, e)))
        if norm == 0.0:  # (I − ηH)^t = 0 exactly: no error survives
            return 0.0
        log_scale += math.log(norm)  # inf once a step overflows: a RangeError, below
        e /= norm
    return float(np.exp((log_scale + np.log(np.linalg.norm(e, 2))) / steps))


def data_growth_rounding(x: object, eta: float, steps: int) -> float:
    """A bound on the rounding error of :func:`data_growth_rate` (absolute, on the factor ρ).

    One step forms XE (d-term dot products, error ≤ γ_d|X||E|), then Xᵀ(·) (n-term, γ_n),
    scales by η/n and subtracts: entrywise |ΔE'| ≤ ε|E| + η(n + d + 3)ε|X|ᵀ|X||E|/n to
    first order. In norm, with ‖|X|ᵀ|X|‖₂/n ≤ ‖X‖²_F/n = tr H and ‖·‖_F ≤ √d‖·‖₂, the step
    is off by √d·ε(1 + η(n + d + 3)·tr H)‖E‖₂, relative to the true growth ρ‖E‖₂. The
    renormalisation is exact up to one rounding (the same computed norm divides E and enters
    the log-scale), and the final spectral norm adds dε/t. Hence
    |Δρ| ≤ √d·ε(1 + η(n + d + 3)tr H) + ρ(2ε + dε/t).
    """
    xm = _matrix("x", x)
    eta = check_positive("eta", eta)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    n, d = xm.shape
    h = xm.T @ xm / n
    rho = float(np.max(np.abs(1.0 - eta * np.linalg.eigvalsh(h))))
    per_step = np.sqrt(d) * EPS * (1.0 + eta * (n + d + 3) * float(np.trace(h)))
    return float(per_step + rho * (2.0 * EPS + d * EPS / steps))
