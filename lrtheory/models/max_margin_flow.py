"""The SVM asymptote of gradient descent on separable data, and how fast it is approached.

The derivation of claim G6 (:mod:`lrtheory.symbolic.implicit_bias`) shows that the flow
dw/dτ = −∇L(w) of the exponential tail ℓ(u) ≈ e^{−u} has the exact solution

    w(τ) = ŵ ln(τ/N) + ρ,    z_nᵀρ = −ln α_n on the support S,

(ŵ the hard-margin SVM, α its dual variables), and that GD follows it in the elapsed time
τ_t = Σ_{s<t} η_s. :func:`asymptote` evaluates it: along ŵ, wᵀŵ/‖ŵ‖ ≈ ‖ŵ‖ ln(τ/τ*) with
τ* = N·exp(Σα_n ln α_n/‖ŵ‖²); across, the offset ‖ρ_⊥‖, so ∠(w, ŵ) ≈ atan(‖ρ_⊥‖/(‖ŵ‖ ln(τ/τ*))).

**Rate of approach.** Write w = ŵ(x − ln N) + ρ + δ with x = ln τ. For a support point
τ·e^{−z_nᵀw}/N = α_n e^{−z_nᵀδ}, so in x the deviation obeys

    dδ/dx = Σ_{n∈S} α_n (e^{−z_nᵀδ} − 1) z_n + Σ_{m∉S} (τ/N) e^{−z_mᵀw} z_m + O(1/τ),

whose linear part −Z_Sᵀ diag(α) Z_S has the eigenvalues of G_S diag(α) (G_S = Z_SZ_Sᵀ): 1
(eigenvector ŵ: a shift of τ) and, in ℝ² with two support vectors, α₁α₂ det G_S; a point
off the support, z_mᵀŵ = 1 + g_m, forces it like e^{−g_m x} = τ^{−g_m}; the logistic tail
and the discrete steps add O(1/τ). Hence ‖δ‖ = O(τ^{−κ}),

    κ = min(g, λ_min(G_S diag α), 1),    g = min_{m∉S} z_mᵀŵ − 1

(:func:`approach_rates`), and the angle's relative error to the asymptote decays like τ^{−κ}.
:func:`flow_deviation` integrates the logistic-loss flow from w₀ = 0 to τ = 10¹² and beyond
(writing the ODE for δ itself in x, so that δ keeps its relative precision) to measure it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy.integrate import solve_ivp

from lrtheory.arrays import to_numpy
from lrtheory.errors import ParameterError, check_positive, check_probability
from lrtheory.models.svm import SVM, check_points, check_svm

SUPPORT_TOL = 1e-9  #: α_n > SUPPORT_TOL·max α marks a support vector


def _numpy(z: Any, svm: SVM) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points, ŵ, α (NumPy) and the support mask of each data set."""
    a, svm = check_svm(z, svm)
    pts = np.asarray(to_numpy(a), dtype=float)
    w, al = np.asarray(to_numpy(svm.w)), np.asarray(to_numpy(svm.alpha))
    return pts, w, al, al > SUPPORT_TOL * al.max(axis=1, keepdims=True)


def _tau(tau: Any, n_sets: int) -> np.ndarray:
    t = np.asarray(tau, dtype=float)
    if t.ndim == 1:
        t = t[:, None]
    if t.ndim != 2 or t.shape[1] not in (1, n_sets) or not np.all(np.isfinite(t)) or np.any(
            t <= 0):
        raise ParameterError("tau", np.shape(tau),
                             f"finite elapsed times > 0 of shape (K,) or (K, {n_sets})")
    return np.broadcast_to(t, (t.shape[0], n_sets))


def offsets(z: Any, svm: SVM) -> np.ndarray:
    """ρ per data set (B, d): the solution of z_nᵀρ = −ln α_n on the support where the
    support has exactly d points (then ρ is fixed by it), NaN elsewhere."""
    pts, _, al, on = _numpy(z, svm)
    n_sets, _, d = pts.shape
    rho = np.full((n_sets, d), np.nan)
    for b in np.flatnonzero(on.sum(axis=1) == d):
        rho[b] = np.linalg.solve(pts[b][on[b]], -np.log(al[b][on[b]]))
    return rho


class Asymptote(NamedTuple):
    """w_t ≈ ŵ ln(τ_t/N) + ρ evaluated at elapsed times (K, B) (see the module docstring)."""

    norm: Any  #: √((‖ŵ‖ ln(τ/τ*))² + ‖ρ_⊥‖²) (K, B)
    angle: Any  #: atan(‖ρ_⊥‖/(‖ŵ‖ ln(τ/τ*))) (K, B), NaN where ρ is not fixed
    scale: Any  #: τ* (B,)
    spread: Any  #: ‖ρ_⊥‖ (B,), NaN where ρ is not fixed by the support


def asymptote(z: Any, svm: SVM, tau: Any) -> Asymptote:
    """The derived asymptote of GD on each data set at elapsed times ``tau`` ((K,) or (K, B),
    > 0). Along ŵ only Σα_n ln α_n enters (ρᵀŵ = −Σα_n ln α_n for any support)."""
    pts, w, al, on = _numpy(z, svm)
    n_sets, n, _ = pts.shape
    t = _tau(tau, n_sets)
    w_norm = np.linalg.norm(w, axis=1)
    a_log_a = np.sum(np.where(on, al * np.log(np.where(on, al, 1.0)), 0.0), axis=1)
    scale = n * np.exp(a_log_a / w_norm**2)
    rho = offsets(pts, SVM(w, al))
    unit = w / w_norm[:, None]
    spread = np.linalg.norm(rho - np.sum(rho * unit, axis=1, keepdims=True) * unit, axis=1)
    along = w_norm * np.log(t / scale)
    return Asymptote(np.hypot(along, np.nan_to_num(spread)), np.arctan2(spread, along), scale,
                     spread)


class Rates(NamedTuple):
    """The exponents of the approach to the asymptote, per data set (B,)."""

    gap: np.ndarray  #: g = min_{m∉S} z_mᵀŵ − 1 (∞ if every point is a support vector)
    spectral: np.ndarray  #: λ_min(G_S diag α_S) (≤ 1); NaN where ρ is not fixed
    kappa: np.ndarray  #: κ = min(g, λ_min, 1); NaN where ρ is not fixed


def approach_rates(z: Any, svm: SVM) -> Rates:
    """g, λ_min(G_S diag α) and κ = min(g, λ_min, 1) of every data set whose support has d
    points (NaN otherwise). In ℝ² with two support vectors λ_min = min(1, α₁α₂ det G_S)."""
    pts, w, al, on = _numpy(z, svm)
    n_sets, _, d = pts.shape
    margins = np.einsum("bnd,bd->bn", pts, w)
    gap = np.min(np.where(on, np.inf, margins - 1.0), axis=1)
    spectral = np.full(n_sets, np.nan)
    for b in np.flatnonzero(on.sum(axis=1) == d):
        zs = pts[b][on[b]]
        spectral[b] = float(np.min(np.linalg.eigvals((zs @ zs.T) * al[b][on[b]]).real))
    return Rates(gap, spectral, np.minimum(np.minimum(gap, spectral), 1.0))


FLOW_RTOL = 1e-6  #: DOP853 tolerances of :func:`flow_deviation` (relative to δ itself)
FLOW_ATOL = 1e-16


def flow_deviation(z: Any, svm: SVM, tau: Any, start: float = 100.0) -> np.ndarray:
    """‖w(τ_k) − (ŵ ln(τ_k/N) + ρ)‖ along the logistic-loss gradient flow dw/dτ = −∇L(w),
    w(0) = 0, at the elapsed times ``tau`` (K,) > ``start``; (K, B), NaN for the data sets
    whose ρ is not fixed by the support.

    Up to τ = ``start`` the flow is integrated for w (:func:`flow_path`); from there the
    deviation δ itself in x = ln τ (module docstring), the support terms written as
    α_n(expm1(−z_nᵀδ) − q_n)/(1 + q_n), q_n = Nα_n e^{−z_nᵀδ}/τ, which is exact for the
    logistic loss and free of cancellation, so δ keeps its relative precision however small
    it gets. One DOP853 solve over all data sets (rtol 10⁻⁶ relative to δ: ln‖δ‖ agrees
    with an rtol 10⁻⁹ solve to ~10⁻⁷)."""
    pts, w, al, on = _numpy(z, svm)
    start = check_positive("start", start)
    t = np.asarray(tau, dtype=float)
    if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)) or np.any(t <= start) or np.any(
            np.diff(t) <= 0):
        raise ParameterError("tau", np.shape(tau), f"increasing finite times > start = {start}")
    n_sets, n, d = pts.shape
    out = np.full((t.size, n_sets), np.nan)
    use = np.flatnonzero(on.sum(axis=1) == d)
    if use.size == 0:
        return out
    zt = np.ascontiguousarray(np.transpose(pts[use], (2, 1, 0)))  # (d, N, B')
    al_t, on_t, k = al[use].T, on[use].T, use.size  # (N, B')
    rho = offsets(pts, SVM(w, al))[use].T  # (d, B')
    base = np.einsum("knb,kb->nb", zt, rho)  # z_nᵀρ (−ln α_n on the support)
    slope = np.einsum("knb,bk->nb", zt, w[use])  # z_nᵀŵ (1 on the support)

    n_al = n * al_t

    def deviation(x: float, y: np.ndarray) -> np.ndarray:  # δ in x = ln τ
        neg = -np.einsum("knb,kb->nb", zt, y.reshape(d, k))  # −z_nᵀδ
        shift = x - math.log(n)
        q = n_al * np.exp(neg) * math.exp(-x)
        support = al_t * (np.expm1(neg) - q) / (1.0 + q)
        rest = np.exp(shift - np.logaddexp(0.0, slope * shift + base - neg))
        term = np.where(on_t, support, rest)
        out: np.ndarray = np.einsum("knb,nb->kb", zt, term).ravel()
        return out

    w_start = flow_path(pts[use], 1.0, np.array([start]))[0].T  # (d, B')
    delta0 = w_start - (w[use].T * math.log(start / n) + rho)
    second = solve_ivp(deviation, (math.log(start), float(np.log(t[-1]))), delta0.ravel(),
                       method="DOP853", rtol=FLOW_RTOL, atol=FLOW_ATOL, t_eval=np.log(t))
    out[:, use] = np.linalg.norm(second.y.reshape(d, k, t.size), axis=0).T
    return out


class MedianInterval(NamedTuple):
    """The sample median and a distribution-free confidence interval for the median."""

    median: float
    lo: float
    hi: float
    n: int
    level: float

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the interval (0 inside)."""
        return max(0.0, self.lo - value, value - self.hi)

    def __str__(self) -> str:
        return (f"median {self.median:+.4f} ({self.level:.1%} interval [{self.lo:+.4f}, "
                f"{self.hi:+.4f}], n = {self.n})")


def median_interval(values: Any, level: float = 0.999) -> MedianInterval:
    """The order-statistic interval [x_(l), x_(n+1−l)] for the median of i.i.d. values:
    P(x_(l) ≤ median ≤ x_(n+1−l)) = 1 − 2·P(Bin(n, ½) ≤ l − 1) ≥ ``level`` with the largest
    such l (exact for any continuous distribution)."""
    from scipy.special import bdtr

    v = np.sort(np.asarray(values, dtype=float).ravel())
    level = check_probability("level", level)
    if v.size < 2 or not np.all(np.isfinite(v)):
        raise ParameterError("values", np.shape(values), "at least two finite values")
    n = v.size
    ks = np.arange(1, n // 2 + 1)
    ok = ks[bdtr(ks - 1, n, 0.5) <= (1.0 - level) / 2.0]
    if ok.size == 0:
        raise ParameterError("values", n, f"enough values for a {level:.1%} interval")
    low = int(ok[-1])
    return MedianInterval(float(np.median(v)), float(v[low - 1]), float(v[n - low]), n, level)


def ngd_offset(z: Any, svm: SVM, eta: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalised GD in ℝ² with two support vectors: (|v*|, multiplier) per data set, where
    v* = −ln(α₁/α₂)/(a₁ − a₂) (a_n = z_nᵀe⊥) is the settled offset orthogonal to ŵ and
    1 − η‖ŵ‖α₁α₂(a₁ − a₂)²/(α₁ + α₂)² its linearised multiplier (NaN for other sets)."""
    pts, w, al, on = _numpy(z, svm)
    if pts.shape[2] != 2:
        raise ParameterError("z", pts.shape, "points in ℝ² (d = 2)")
    eta = check_positive("eta", eta)
    v_star, mult = np.full(pts.shape[0], np.nan), np.full(pts.shape[0], np.nan)
    for b in np.flatnonzero(on.sum(axis=1) == 2):
        perp = np.array([-w[b, 1], w[b, 0]]) / np.linalg.norm(w[b])
        (a1, a2), (al1, al2) = pts[b][on[b]] @ perp, al[b][on[b]]
        v_star[b] = abs(np.log(al1 / al2) / (a1 - a2))
        mult[b] = 1.0 - eta * np.linalg.norm(w[b]) * al1 * al2 * (a1 - a2) ** 2 / (al1 + al2) ** 2
    return v_star, mult


def flow_path(z: Any, scale: Any, t: Any) -> np.ndarray:
    """w(t_k) of the logistic-loss gradient flow dw/dt = −c_b∇L_b(w), w(0) = 0, for every
    data set b at the common times ``t`` (K,) ≥ 0; (K, B, d). With c_b = η_b it is the flow
    GD with constant step η_b shadows at step t (same elapsed time τ = η_b t). Integrated in
    x = ln(1 + t) by DOP853 (rtol 10⁻¹⁰, atol 10⁻¹²) over all data sets at once."""
    pts = np.asarray(to_numpy(check_points(z)), dtype=float)
    n_sets, n, d = pts.shape
    c = np.asarray(scale, dtype=float) * np.ones(n_sets)
    if c.shape != (n_sets,) or not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise ParameterError("scale", np.shape(scale), f"finite and > 0, one per set ({n_sets})")
    times = np.asarray(t, dtype=float)
    if times.ndim != 1 or times.size < 1 or np.any(times < 0) or np.any(np.diff(times) <= 0) \
            or not np.all(np.isfinite(times)):
        raise ParameterError("t", np.shape(t), "increasing finite times ≥ 0")
    zt = np.ascontiguousarray(np.transpose(pts, (2, 1, 0)))

    def field(x: float, y: np.ndarray) -> np.ndarray:
        u = np.einsum("knb,kb->nb", zt, y.reshape(d, n_sets))
        g = np.einsum("knb,nb->kb", zt, 1.0 / (1.0 + np.exp(np.minimum(u, 700.0))))
        out: np.ndarray = (math.exp(x) * c * g / n).ravel()
        return out

    x = np.log1p(times)
    sol = solve_ivp(field, (0.0, float(x[-1])), np.zeros(d * n_sets), method="DOP853",
                    rtol=1e-10, atol=1e-12, t_eval=x)
    return np.asarray(sol.y.reshape(d, n_sets, x.size).transpose(2, 1, 0))
