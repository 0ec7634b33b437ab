"""Gradient descent on separable data and the hard-margin SVM, side by side (claim G6).

A data set is N signed points z_n = y_n x_n ∈ ℝ^d (label folded in) with a direction w of
positive margin min_n z_nᵀw > 0. The logistic loss

    L(w) = (1/N) Σ_n ℓ(z_nᵀw),    ℓ(u) = ln(1 + e^{−u}),

has no minimiser: GD drives ‖w_t‖ → ∞ and the question is the *direction* w_t/‖w_t‖. Its
Hessian (1/N) Σ σ(u)(1 − σ(u)) z_n z_nᵀ ≼ ZᵀZ/(4N), so L is β-smooth with
β = λ_max(ZᵀZ)/(4N) (:func:`smoothness`).

The hard-margin SVM ŵ = argmin {‖w‖ : z_nᵀw ≥ 1 ∀n} (margin γ̂ = 1/‖ŵ‖) is computed twice,
independently of any GD run:

* :func:`svm_enumerated`, vectorised over data sets (NumPy or CuPy): ŵ is the min-norm
  solution of z_nᵀw = 1 on its support set S (ŵ = Z_Sᵀα_S, α_S = (Z_SZ_Sᵀ)⁻¹1 ≥ 0), and every
  feasible candidate is at least as long, so the shortest *feasible* candidate over all
  subsets of at most d points is ŵ — an exact finite search for small d;
* :func:`svm_qp`, with SciPy: the least-distance program min ‖w‖ s.t. Zw ≥ 1 solved by
  Lawson & Hanson's reduction to non-negative least squares (``scipy.optimize.nnls``):
  u = argmin_{u ≥ 0} ‖Eu − f‖ with E = [Zᵀ; 1ᵀ], f = (0, …, 0, 1), r = Eu − f, gives
  ŵ = −r_{1:d}/r_{d+1} and the dual α = u/(1 − Σu).

:func:`kkt_residuals` checks either against the KKT conditions (feasibility, α ≥ 0,
ŵ = Zᵀα, complementary slackness).

:func:`gd_run` runs GD w_{t+1} = w_t − η_t∇L(w_t) from w₀ = 0 for a batch of data sets at
once (rates η_t,b = η_b f_t: a per-set scale times a schedule), or normalised GD
w_{t+1} = w_t − η_t∇L/‖∇L‖ (weights in the log domain, so no underflow when the loss is
e^{−1000}), and records at every step ‖w_t‖, the margin min_n z_nᵀw_t, L(w_t) and the angle
to a reference direction. :func:`loss_bound`, :func:`norm_upper`, :func:`norm_lower` and
:func:`angle_margin_bound` are the finite-t bounds the claim derives.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np

from lrtheory.arrays import namespace, to_numpy
from lrtheory.errors import ParameterError, check_int, check_positive, check_real
from lrtheory.models.rounding import EPS

# --------------------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------------------


def _points(z: Any) -> Any:
    xp = namespace(z)
    a = xp.asarray(z)
    if a.ndim != 3 or a.shape[1] < 1 or a.shape[2] < 1 or not bool(xp.all(xp.isfinite(a))):
        raise ParameterError("z", getattr(a, "shape", z), "a finite (B, N, d) array of points")
    return a


def separable_sets(direction: Any, offsets: Any, noise: Any, margin: float) -> Any:
    """B data sets of N points in ℝ^d, separable with margin ≥ ``margin`` along a direction.

    ``direction`` (B, d): any nonzero vectors (normalised to u); ``offsets`` (B, N) and
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
    u = u / xp.linalg.norm(u, axis=1, keepdims=True)
    along = xp.sum(xi * u[:, None, :], axis=2, keepdims=True)
    return (margin + xp.abs(a))[:, :, None] * u[:, None, :] + (xi - along * u[:, None, :])


def smoothness(z: Any) -> Any:
    """β = λ_max(ZᵀZ)/(4N) per data set (B,): the logistic loss's smoothness constant."""
    a = _points(z)
    xp = namespace(a)
    gram = xp.einsum("bnd,bne->bde", a, a)
    return xp.linalg.eigvalsh(gram)[:, -1] / (4.0 * a.shape[1])


def radius(z: Any) -> Any:
    """R = max_n ‖z_n‖ per data set (B,)."""
    a = _points(z)
    return namespace(a).linalg.norm(a, axis=2).max(axis=1)


# --------------------------------------------------------------------------------------
# The hard-margin SVM, twice
# --------------------------------------------------------------------------------------


class SVM(NamedTuple):
    """Hard-margin SVM solutions of B data sets: ŵ (B, d) and the dual α (B, N) ≥ 0."""

    w: Any
    alpha: Any

    @property
    def margin(self) -> Any:
        """γ̂ = 1/‖ŵ‖ (B,)."""
        return 1.0 / namespace(self.w).linalg.norm(self.w, axis=1)


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
    a = _points(z)
    xp = namespace(a)
    feasible = check_real("feasible", feasible, 0.0, 1e-3, lo_open=False)
    n_sets, n, d = a.shape
    best = xp.full(n_sets, xp.inf)
    w_best = xp.zeros((n_sets, d))
    alpha_best = xp.zeros((n_sets, n))
    for k in range(1, min(d, n) + 1):
        subsets = xp.asarray(np.array(list(itertools.combinations(range(n), k))))  # (C, k)
        zs = a[:, subsets, :]  # (B, C, k, d)
        gram = xp.einsum("bckd,bcjd->bckj", zs, zs)
        scale = xp.prod(xp.diagonal(gram, axis1=2, axis2=3), axis=2)
        singular = xp.abs(xp.linalg.det(gram)) <= 1e-10 * scale  # (B, C)
        gram = xp.where(singular[..., None, None], xp.eye(k), gram)
        coef = xp.linalg.solve(gram, xp.ones((*gram.shape[:-1], 1)))[..., 0]  # (B, C, k)
        w = xp.einsum("bck,bckd->bcd", coef, zs)
        ok = ~singular & (xp.min(xp.einsum("bnd,bcd->bcn", a, w), axis=2) >= 1.0 - feasible)
        norm = xp.where(ok, xp.linalg.norm(w, axis=2), xp.inf)
        pick = xp.argmin(norm, axis=1)  # (B,)
        rows = xp.arange(n_sets)
        better = norm[rows, pick] < best
        best = xp.where(better, norm[rows, pick], best)
        w_best = xp.where(better[:, None], w[rows, pick], w_best)
        dual = xp.zeros((n_sets, n))
        idx = subsets[pick]  # (B, k)
        for j in range(k):
            dual[rows, idx[:, j]] = coef[rows, pick, j]
        alpha_best = xp.where(better[:, None], dual, alpha_best)
    if not bool(xp.all(xp.isfinite(best))):
        raise ParameterError("z", "a data set without a separating direction",
                             "separable data sets (some w with z_nᵀw > 0 for all n)")
    return SVM(w_best, alpha_best)


def svm_qp(z: Any) -> SVM:
    """The hard-margin SVM of every data set with SciPy: Lawson–Hanson's least-distance
    program via ``scipy.optimize.nnls`` (one data set at a time, NumPy)."""
    from scipy.optimize import nnls

    a = np.asarray(to_numpy(_points(z)), dtype=float)
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

    def worst(self) -> float:
        return float(max(float(np.max(to_numpy(r))) for r in self))


def kkt_residuals(z: Any, svm: SVM) -> KKT:
    """The four KKT residuals of ``svm`` on the data sets ``z``."""
    a = _points(z)
    xp = namespace(a)
    margins = xp.einsum("bnd,bd->bn", a, svm.w)
    w_norm = xp.linalg.norm(svm.w, axis=1)
    return KKT(xp.maximum(0.0, 1.0 - margins.min(axis=1)),
               xp.maximum(0.0, -svm.alpha.min(axis=1)),
               xp.linalg.norm(svm.w - xp.einsum("bn,bnd->bd", svm.alpha, a), axis=1) / w_norm,
               xp.max(xp.abs(svm.alpha * (margins - 1.0)), axis=1) / svm.alpha.max(axis=1))


def kkt_tolerance(z: Any, svm: SVM) -> float:
    """Rounding allowance of the KKT residuals over the batch: evaluating z_nᵀŵ, Σα_nz_n
    and the products costs a few ε·(N + d)·max(1, R‖ŵ‖)·max(1, Σα); both solvers end with a
    linear solve on the support, whose error carries the condition number κ of the support
    Gram matrix (bounded by that of M G M + (I − M), M the support mask). Hence
    8ε(N + d)·max(1, R‖ŵ‖)·max(1, Σα)·κ."""
    a = _points(z)
    xp = namespace(a)
    n = a.shape[1]
    on = (svm.alpha > 0).astype(a.dtype)
    gram = xp.einsum("bnd,bmd->bnm", a, a) * on[:, :, None] * on[:, None, :]
    lam = xp.linalg.eigvalsh(gram + xp.eye(n) * (1.0 - on)[:, :, None])
    kappa = xp.maximum(lam[:, -1], 1.0) / xp.minimum(lam[:, 0], 1.0)
    size = xp.maximum(1.0, radius(a) * xp.linalg.norm(svm.w, axis=1))
    mass = xp.maximum(1.0, xp.abs(svm.alpha).sum(axis=1))
    return float(xp.max(8 * EPS * sum(a.shape[1:]) * size * mass * kappa))


# --------------------------------------------------------------------------------------
# Gradient descent, recorded at every step
# --------------------------------------------------------------------------------------


class Run(NamedTuple):
    """A GD run over B data sets: per-step records, index t = 0 … T (arrays (T+1, B))."""

    norm: Any  #: ‖w_t‖
    margin: Any  #: min_n z_nᵀw_t (unnormalised)
    loss: Any  #: L(w_t) (NaN if not recorded)
    angle: Any  #: ∠(w_t, reference) in radians (NaN without a reference, and at t = 0)
    tau: Any  #: τ_t = Σ_{s<t} η_s, the elapsed time
    w: Any  #: w_T (B, d)

    def take(self, sets: slice) -> Run:
        """The same run restricted to some data sets (columns)."""
        return Run(*(x[sets] if x is self.w else x[:, sets] for x in self))


def _rates(eta: Any, factors: Any, n_sets: int, xp: Any) -> Any:
    """η_{t,b} as a (T, B) array from a per-set scale and a schedule (T,) or (T, B)."""
    rates = xp.asarray(eta, dtype=float) * xp.ones(n_sets)
    f = xp.asarray(factors, dtype=float)
    if rates.shape != (n_sets,) or not bool(xp.all(rates > 0)):
        raise ParameterError("eta", getattr(eta, "shape", eta), f"positive, one per set ({n_sets})")
    if f.ndim == 1:
        f = f[:, None]
    if (f.ndim != 2 or f.shape[0] < 1 or f.shape[1] not in (1, n_sets)
            or not bool(xp.all(xp.isfinite(f))) or bool(xp.any(f < 0))):
        raise ParameterError("factors", getattr(factors, "shape", factors),
                             f"a finite schedule ≥ 0 of shape (T,) or (T, {n_sets})")
    return f * rates[None, :]


def gd_run(z: Any, eta: Any, factors: Any, reference: Any = None, *, normalised: bool = False,
           loss: bool = True) -> Run:
    """GD (or normalised GD) on the logistic loss of each data set, from w₀ = 0.

    Step t (t = 0 … T−1) uses η_{t,b} = ``eta``[b]·``factors``[t(, b)]:
    w_{t+1} = w_t + η Σ_n σ(−z_nᵀw_t) z_n/N, or for ``normalised`` η times the unit vector
    of that sum (weights p_n ∝ σ(−u_n) as exp(log σ(−u_n) − max), so no underflow). Records
    at every t: ‖w_t‖, the margin, L(w_t) (if ``loss``) and the angle to ``reference``
    (B, d), from cos θ = wᵀr̂/‖w‖ as atan2(√((1 − cos)(1 + cos)), cos).
    """
    a = _points(z)
    xp = namespace(a)
    n_sets, n, d = a.shape
    rates = _rates(eta, factors, n_sets, xp)
    steps = rates.shape[0]
    zt = xp.ascontiguousarray(xp.transpose(a, (2, 1, 0)))  # (d, N, B): sums over N contiguous
    unit = xp.zeros((d, n_sets))
    if reference is not None:
        ref = xp.asarray(reference, dtype=float)
        if ref.shape != (n_sets, d):
            raise ParameterError("reference", getattr(reference, "shape", reference),
                                 f"an array of shape ({n_sets}, {d})")
        unit = (ref / xp.linalg.norm(ref, axis=1, keepdims=True)).T
    w = xp.zeros((d, n_sets))
    sq, along, margin = (xp.zeros((steps + 1, n_sets)) for _ in range(3))
    risk = xp.full((steps + 1, n_sets), xp.nan)
    step_rates = rates if normalised else rates / n
    for t in range(steps + 1):
        u = xp.einsum("knb,kb->nb", zt, w)
        s = 1.0 / (1.0 + xp.exp(xp.minimum(u, 700.0)))  # σ(−u)
        sq[t] = xp.einsum("kb,kb->b", w, w)
        along[t] = xp.einsum("kb,kb->b", w, unit)
        margin[t] = u.min(axis=0)
        if loss:
            risk[t] = -xp.log1p(-s).mean(axis=0)  # ℓ(u) = −ln(1 − σ(−u))
        if t == steps:
            break
        if normalised:
            log_p = -xp.logaddexp(0.0, u)
            g = xp.einsum("knb,nb->kb", zt, xp.exp(log_p - log_p.max(axis=0)))
            w = w + step_rates[t] * g / xp.sqrt(xp.einsum("kb,kb->b", g, g))
        else:
            w = w + step_rates[t] * xp.einsum("knb,nb->kb", zt, s)
    norm = xp.sqrt(sq)
    angle = xp.full((steps + 1, n_sets), xp.nan)
    if reference is not None:
        cos = xp.clip(along[1:] / xp.where(norm[1:] > 0, norm[1:], 1.0), -1.0, 1.0)
        angle[1:] = xp.arctan2(xp.sqrt((1.0 - cos) * (1.0 + cos)), cos)
    tau = xp.concatenate([xp.zeros((1, n_sets)), xp.cumsum(rates, axis=0)])
    return Run(norm, margin, risk, angle, tau, w.T)


# --------------------------------------------------------------------------------------
# The derived finite-t bounds (η_t ≤ 1/β, w₀ = 0), in the elapsed time τ_t = Σ_{s<t} η_s
# --------------------------------------------------------------------------------------


def _comparator(tau: Any, w_norm: Any) -> Any:
    """s(τ) = ln(1 + τ/‖ŵ‖²): the length of the comparator u = sŵ used in the bounds."""
    return namespace(tau).log1p(tau / w_norm**2)


def loss_bound(tau: Any, w_norm: Any) -> Any:
    """L(w_t) ≤ ln(1 + e^{−s}) + s²‖ŵ‖²/(2τ) with s = ln(1 + τ/‖ŵ‖²) (τ > 0)."""
    xp = namespace(tau)
    s = _comparator(tau, w_norm)
    return xp.log1p(xp.exp(-s)) + s**2 * w_norm**2 / (2.0 * tau)


def norm_upper(tau: Any, w_norm: Any) -> Any:
    """‖w_t‖ ≤ s‖ŵ‖ + √(s²‖ŵ‖² + 2τ ln(1 + e^{−s})), s = ln(1 + τ/‖ŵ‖²)."""
    xp = namespace(tau)
    s = _comparator(tau, w_norm)
    return s * w_norm + xp.sqrt(s**2 * w_norm**2 + 2.0 * tau * xp.log1p(xp.exp(-s)))


def norm_lower(tau: Any, w_norm: Any, r_max: Any, n: int) -> Any:
    """‖w_t‖ ≥ max(0, margin lower bound)/R: every |z_nᵀw| ≤ R‖w‖."""
    return namespace(tau).maximum(0.0, margin_lower(tau, w_norm, n)) / r_max


def margin_lower(tau: Any, w_norm: Any, n: int) -> Any:
    """min_n z_nᵀw_t ≥ −ln(e^{N·B(τ)} − 1), B the loss bound: ℓ(min margin) ≤ N·L(w_t) ≤
    N·B(τ) and ℓ(u) = ln(1 + e^{−u}) decreases (negative while N·B(τ) > ln 2)."""
    n = check_int("n", n, 1)
    xp = namespace(tau)
    return -xp.log(xp.expm1(n * loss_bound(tau, w_norm)))


def angle_margin_bound(margin: Any, norm: Any, svm_margin: Any) -> Any:
    """sin²∠(w, ŵ) ≤ γ̂²/γ(w)² − 1 for any w of normalised margin γ(w) = margin/‖w‖ > 0
    (+∞ where γ(w) ≤ 0): first-order optimality of ŵ, ŵᵀ(v − ŵ) ≥ 0 for v = w/(‖w‖γ(w))."""
    xp = namespace(margin)
    gamma = xp.where(margin > 0, margin / xp.where(norm > 0, norm, 1.0), 0.0)
    return xp.where(gamma > 0, (svm_margin / xp.where(gamma > 0, gamma, 1.0)) ** 2 - 1.0,
                    xp.inf)


def rounding_slack(steps: int, n: int, d: int) -> float:
    """Relative rounding allowance of quantities accumulated over ``steps`` GD steps in
    float64: each step adds N·d products (≤ (N + d)ε relative each), so 4ε(N + d)(T + 8)."""
    steps = check_int("steps", steps, 0)
    return 4.0 * EPS * (check_int("n", n, 1) + check_int("d", d, 1)) * (steps + 8)


def log_grid(first: int, last: int, count: int) -> np.ndarray:
    """``count`` log-spaced whole steps in [first, last], rounded, duplicates removed."""
    first = check_int("first", first, 1)
    last = check_int("last", last, first + 1)
    count = check_int("count", count, 2)
    return np.unique(np.round(np.geomspace(first, last, count)).astype(int))


def schedule_factors(kind: str, steps: int, rate: float = 0.0) -> np.ndarray:
    """f_t, t = 0 … T−1, of the step-size schedules compared: "constant" (1), "inverse_sqrt"
    (1/√(t+1)), "inverse" (1/(t+1)), "exponential" (``rate``^t, 0 < rate < 1)."""
    steps = check_int("steps", steps, 1)
    t = np.arange(steps, dtype=float)
    if kind == "constant":
        return np.ones(steps)
    if kind == "inverse_sqrt":
        out: np.ndarray = 1.0 / np.sqrt(t + 1.0)
        return out
    if kind == "inverse":
        return 1.0 / (t + 1.0)
    if kind == "exponential":
        return check_real("rate", rate, 0.0, 1.0) ** t
    raise ParameterError("kind", kind, "constant, inverse_sqrt, inverse or exponential")


# --------------------------------------------------------------------------------------
# The derived asymptote, and the Monte Carlo kernel
# --------------------------------------------------------------------------------------


class Asymptote(NamedTuple):
    """w_t ≈ ŵ ln(τ_t/N) + ρ with z_nᵀρ = −ln α_n on the support (the flow's exact solution
    for the exponential tail). Along ŵ: wᵀŵ/‖ŵ‖ ≈ ‖ŵ‖ ln(τ/τ*) with the time scale
    τ* = N·exp(Σα_n ln α_n/‖ŵ‖²) (ρᵀŵ = −Σα_n ln α_n, any support); across: ‖ρ_⊥‖, fixed by
    the support where it spans ℝ^d, so ∠(w_t, ŵ) ≈ atan(‖ρ_⊥‖/(‖ŵ‖ln(τ/τ*))) (NaN else)."""

    norm: Any  #: ‖ŵ ln(τ/τ*)/‖ŵ‖·‖ŵ‖ + ρ_⊥‖ = √((‖ŵ‖ ln(τ/τ*))² + ‖ρ_⊥‖²) (K, B)
    angle: Any  #: atan(‖ρ_⊥‖/(‖ŵ‖ ln(τ/τ*))) (K, B)
    scale: Any  #: τ* (B,)
    spread: Any  #: ‖ρ_⊥‖ (B,), NaN where ρ is not fixed by the support


def asymptote(z: Any, svm: SVM, tau: Any, support_tol: float = 1e-9) -> Asymptote:
    """The derived asymptote of GD on each data set at elapsed times ``tau`` (K, B)."""
    a = np.asarray(to_numpy(_points(z)))
    w, al = np.asarray(to_numpy(svm.w)), np.asarray(to_numpy(svm.alpha))
    n_sets, n, d = a.shape
    on = al > support_tol * al.max(axis=1, keepdims=True)
    w_norm = np.linalg.norm(w, axis=1)
    a_log_a = np.sum(np.where(on, al * np.log(np.where(on, al, 1.0)), 0.0), axis=1)
    scale = n * np.exp(a_log_a / w_norm**2)
    spread = np.full(n_sets, np.nan)
    for b in np.flatnonzero(on.sum(axis=1) == d):
        rho = np.linalg.solve(a[b][on[b]], -np.log(al[b][on[b]]))
        unit = w[b] / w_norm[b]
        spread[b] = np.linalg.norm(rho - (rho @ unit) * unit)
    along = w_norm * np.log(np.asarray(tau) / scale)
    return Asymptote(np.hypot(along, np.nan_to_num(spread)), np.arctan2(spread, along), scale,
                     spread)


def ngd_offset(z: Any, svm: SVM, eta: float, support_tol: float = 1e-9) -> tuple[Any, Any]:
    """Normalised GD in ℝ² with two support vectors: (|v*|, multiplier) per data set, where
    v* = −ln(α₁/α₂)/(a₁ − a₂) (a_n = z_nᵀe⊥) is the settled offset orthogonal to ŵ and
    1 − ηα₁α₂(a₁ − a₂)²/(γ̂(α₁ + α₂)²) its linearised multiplier (NaN for other sets)."""
    a = np.asarray(to_numpy(_points(z)))
    w, al = np.asarray(to_numpy(svm.w)), np.asarray(to_numpy(svm.alpha))
    if a.shape[2] != 2:
        raise ParameterError("z", a.shape, "points in ℝ² (d = 2)")
    eta = check_positive("eta", eta)
    on = al > support_tol * al.max(axis=1, keepdims=True)
    v_star, mult = np.full(a.shape[0], np.nan), np.full(a.shape[0], np.nan)
    for b in np.flatnonzero(on.sum(axis=1) == 2):
        perp = np.array([-w[b, 1], w[b, 0]]) / np.linalg.norm(w[b])
        (a1, a2), (al1, al2) = a[b][on[b]] @ perp, al[b][on[b]]
        v_star[b] = abs(np.log(al1 / al2) / (a1 - a2))
        mult[b] = 1.0 - eta * np.linalg.norm(w[b]) * al1 * al2 * (a1 - a2) ** 2 / (al1 + al2) ** 2
    return v_star, mult


BOUNDS = ("L(w_t) ≤ B(τ_t)", "‖w_t‖ ≤ U(τ_t)", "min_n z_nᵀw_t ≥ m(τ_t)",
          "sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1")


def bound_table(z: Any, svm: SVM, run: Run) -> dict[str, tuple[Any, Any]]:
    """Each derived bound along a run as (values, bound) arrays (T, B), every value ≤ its
    bound where the bound holds (index t = 1 … T): the loss, the norm, the margin (written
    m(τ) ≤ margin where m(τ) > 0, else a vacuous 0 ≤ 1) and the angle (where γ(w_t) > 0).

    The angle bound is nearly tight for a single support vector (sin²θ/tan²θ = cos²θ) and
    both sides are differences of nearly equal numbers when θ is small: 1 − cos θ and
    (γ̂/γ)² − 1 each carry an absolute rounding error of a few d-term dot products, so the
    bound gets the absolute allowance 64dε."""
    xp = namespace(run.norm)
    _, n, d = _points(z).shape
    w_norm = xp.linalg.norm(svm.w, axis=1)
    tau, norm, margin = run.tau[1:], run.norm[1:], run.margin[1:]
    low = margin_lower(tau, w_norm, n)
    pos, sep = low > 0, margin > 0
    sin2 = xp.sin(run.angle[1:]) ** 2
    amb = angle_margin_bound(margin, norm, 1.0 / w_norm)
    return dict(zip(BOUNDS, (
        (run.loss[1:], loss_bound(tau, w_norm)),
        (norm, norm_upper(tau, w_norm)),
        (xp.where(pos, low, 0.0), xp.where(pos, xp.maximum(margin, 1e-300), 1.0)),
        (xp.where(sep, sin2, 0.0), xp.where(sep, amb + 64 * d * EPS, 1.0))), strict=True))


def bound_kernel(n: int, d: int, margin: float, eta_scale: float, steps: int) -> Any:
    """Monte Carlo kernel: one chain = one random data set (:func:`separable_sets`, the
    labelling direction, offsets and noise all N(0, I)) run by GD from w₀ = 0 for ``steps``
    steps at η_t = (``eta_scale``/β)·f_t with f_t = 1 or 1/√(t+1) (each with probability ½).
    Columns (0/1): (0) L(w_t), ‖w_t‖ and the margin within the derived bounds at every t;
    (1) sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1 at every t with γ(w_t) > 0; (2) the enumerated SVM
    passes the KKT test."""
    n, d, steps = check_int("n", n, 2), check_int("d", d, 1, 4), check_int("steps", steps, 1)
    margin = check_positive("margin", margin)
    eta_scale = check_real("eta_scale", eta_scale, 0.0, 1.0, hi_open=False)
    upper = 1.0 + rounding_slack(steps, n, d)
    decay = 1.0 / np.sqrt(np.arange(steps) + 1.0)

    def kernel(rng: Any) -> Any:
        xp = rng.xp
        z = separable_sets(rng.normal(d), rng.normal(n), rng.normal(n, d), margin)
        pick = rng.uniform() < 0.5
        svm = svm_enumerated(z)
        tol = kkt_tolerance(z, svm)
        kkt_ok = xp.all(xp.stack(list(kkt_residuals(z, svm))) <= tol, axis=0)
        factors = xp.where(pick[None, :], xp.asarray(decay)[:, None], 1.0)
        run = gd_run(z, eta_scale / smoothness(z), factors, svm.w)
        ok = [xp.all(v <= b * upper, axis=0) for v, b in bound_table(z, svm, run).values()]
        return xp.stack([ok[0] & ok[1] & ok[2], ok[3], kkt_ok], axis=1).astype(rng.dtype)

    return kernel
