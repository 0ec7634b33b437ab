"""SGD with additive gradient noise at a saddle: the escape law, computed exactly.

On f(x, y) = ½λ‖x‖² − ½γ‖y‖² (d_s stable coordinates x, k unstable coordinates y) SGD with
gradient noise s·ξ, ξ ~ N(0, I), started at the saddle θ₀ = 0 runs, per coordinate,

    x ← a·x − hξ,   a = 1 − ηλ;        y ← g·y − hξ,   g = 1 + ηγ > 1;        h = ηs.

The unstable block is a Gaussian AR(1) that never sees x. Its *first-passage* time
τ = min{t ≥ 1 : ‖y_t‖ > r} has no closed form; :func:`radial_first_passage` computes its
law by the Nyström method on the radius ρ = ‖y‖ (a Markov chain whose transition density is
the non-central χ density), to quadrature accuracy that is *estimated* by doubling the panels
(an a-posteriori estimate, not a proven bound).
The fixed-time law ‖y_T‖²/V_T ~ χ²_k is the claim's closed form; :func:`radial_exceedance`
runs the same quadrature without absorption so that the method can be checked against it.

* :func:`variance_path`: V_t of z ← a·z − hξ, iterated (any a);
* :func:`radial_first_passage`, :func:`radial_exceedance`: the Nyström laws;
* :func:`loss_level_probability`: P(c_y V_y χ²_k − c_x V_x χ²_{d_s} > c), the law of "the
  loss is below the saddle by h" at a fixed step, by quadrature, conditioning on either block;
* :func:`escape_kernel`: the Monte Carlo kernel (per chain: ‖y_T‖ > r, τ ≤ T, min(τ, M),
  f(θ_T) < −h);
* :func:`limit_variance`, :func:`escape_design`, :func:`mean_escape_time`: v∞, where to
  look, and E[τ];
* :func:`rounding_error_path`, :func:`comparison_flip_bound`, :func:`escape_rounding_bounds`:
  how far float64 rounding of the kernel can move a threshold statistic (declared as bias).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import integrate
from scipy.special import gammainc, gammaincc, gammainccinv, gammaln, ive

from lrtheory.arrays import astype
from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    require_finite,
)
from lrtheory.models.rounding import EPS, gamma
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]

#: Gauss–Legendre nodes per panel, and the panel width in units of the step noise h/g.
NODES_PER_PANEL = 10
PANEL_WIDTH = 3.0
#: Most panels a quadrature may use before refinement (the claims need < 100): the Nyström
#: matrix is (10·2·panels)² numbers at the refined level.
MAX_PANELS = 1000


@finite_result
def variance_path(a: float, h: float, steps: int) -> FloatArray:
    """V_0 = 0, …, V_T of V_{t+1} = a²V_t + h² (the variance of z ← a·z − hξ from z₀ = 0),
    iterated in float64. Every term is ≥ 0, so the relative rounding is ≤ (1 + ε)^{3T}."""
    a = check_real("a", a)
    h = check_positive("h", h)
    check_int("steps", steps, 0, MAX_STEPS)
    path = np.zeros(steps + 1)
    for t in range(steps):
        path[t + 1] = a * a * path[t] + h * h
    return path


def _chi_log_density(x: FloatArray, k: int) -> FloatArray:
    """log of the χ_k density (the norm of a standard k-dimensional normal) at x > 0."""
    return np.asarray((k - 1) * np.log(x) - x * x / 2 - (k / 2 - 1) * math.log(2)
                      - gammaln(k / 2))


def _transition(rho_to: FloatArray, rho_from: FloatArray, g: float, h: float,
                k: int) -> FloatArray:
    """Density of ‖g·y + hξ‖ at ``rho_to`` given ‖y‖ = ``rho_from`` (both > 0): the
    non-central χ_k density x^{k/2}μ^{1−k/2}e^{−(x²+μ²)/2}I_{k/2−1}(μx) with x = ρ'/h,
    μ = gρ/h, divided by h (written with the scaled Bessel function: no overflow)."""
    x, mu = rho_to / h, g * rho_from / h
    log_part = -(x - mu) ** 2 / 2 + (k / 2) * np.log(x) + (1 - k / 2) * np.log(mu)
    return np.asarray(np.exp(log_part) * ive(k / 2 - 1, mu * x) / h)


@functools.cache
def _legendre() -> tuple[FloatArray, FloatArray]:
    u, w = np.polynomial.legendre.leggauss(NODES_PER_PANEL)
    return u, w


def _panels(edges: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Composite Gauss–Legendre nodes and weights on consecutive intervals ``edges``."""
    u, w = _legendre()
    lo, hi = edges[:-1, None], edges[1:, None]
    return ((lo + hi) / 2 + (hi - lo) / 2 * u).ravel(), ((hi - lo) / 2 * w).ravel()


def _edges(breaks: list[float], g: float, h: float, refine: int) -> FloatArray:
    """Panel edges on [0, breaks[-1]] that contain every break, panels ≤ PANEL_WIDTH·h/g wide
    (halved ``refine`` times)."""
    widths = [(hi - lo) * g / (PANEL_WIDTH * h) for lo, hi in zip([0.0, *breaks[:-1]], breaks,
                                                                  strict=True)]
    if not sum(widths) <= MAX_PANELS - len(breaks):  # (also catches inf and NaN)
        raise ParameterError("radius, growth, step_sd", (breaks[-1], g, h), "such that "
                             f"the quadrature on [0, {breaks[-1]:g}] needs ≤ {MAX_PANELS} "
                             f"panels of width 3·step_sd/growth (not {sum(widths):.3g})")
    out = [np.zeros(1)]
    for lo, hi, width in zip([0.0, *breaks[:-1]], breaks, widths, strict=True):
        n = max(1, math.ceil(width)) * 2**refine
        out.append(np.linspace(lo, hi, n + 1)[1:])
    return np.concatenate(out)


def _survivors(g: float, h: float, k: int, steps: int, breaks: list[float],
               refine: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Nyström densities p_1 … p_T of ‖y_t‖ on [0, breaks[-1]] (mass leaving it is lost)."""
    nodes, weights = _panels(_edges(breaks, g, h, refine))
    kern = _transition(nodes[:, None], nodes[None, :], g, h, k) * weights[None, :]
    p = np.exp(_chi_log_density(nodes / h, k)) / h  # ‖y_1‖ = h·χ_k from y₀ = 0
    out = np.empty((steps, nodes.size))
    for t in range(steps):
        out[t] = p
        p = kern @ p
    return nodes, weights, out


@dataclass(frozen=True)
class RadialLaw:
    """A law computed by quadrature: ``values[t]`` for t = 0 … T and an error estimate."""

    values: FloatArray
    error: float
    nodes: int


def _checked(growth: float, step_sd: float, radius: float, k: int, steps: int) -> None:
    check_real("growth", growth, 1.0)
    check_positive("step_sd", step_sd)
    check_positive("radius", radius)
    check_int("k", k, 1, 64)
    check_int("steps", steps, 1, 100_000)


def radial_first_passage(growth: float, step_sd: float, radius: float, k: int,
                         steps: int, *, estimate_error: bool = True) -> RadialLaw:
    """S_t = P(τ > t), t = 0 … T, for y ← g·y − hξ in ℝᵏ from y₀ = 0 and
    τ = min{t ≥ 1 : ‖y_t‖ > r}: the chain ρ_t = ‖y_t‖ killed on leaving [0, r], by the
    Nyström method (composite Gauss–Legendre, panels ≤ 3h/g). The error is the largest
    difference from the same computation with half-width panels (the returned values): an
    a-posteriori *estimate* of the coarse rule's error, used as the estimate of the fine
    rule's (smaller, for a convergent rule) — an estimate, not a proven bound
    (``estimate_error=False``: the fine rule alone, error NaN — for figures)."""
    _checked(growth, step_sd, radius, k, steps)
    laws = []
    for refine in (0, 1) if estimate_error else (1,):
        _, w, dens = _survivors(growth, step_sd, k, steps, [radius], refine)
        laws.append(np.concatenate([[1.0], dens @ w]))
    error = float(np.max(np.abs(laws[-1] - laws[0]))) if estimate_error else math.nan
    require_finite("noisy_saddle.radial_first_passage", laws, growth=growth, step_sd=step_sd,
                   radius=radius, k=k, steps=steps)
    return RadialLaw(laws[-1], error, w.size)


def radial_exceedance(growth: float, step_sd: float, radius: float, k: int,
                      steps: int) -> RadialLaw:
    """P(‖y_t‖ > r), t = 0 … T, by the same quadrature *without* absorption: a check of the
    method against the closed-form χ²_k law. The chain lives on [0, R], R = r + 10√v∞ with
    v∞ = h²/(g² − 1) ≥ V_j g^{−2j}: from ‖y_t‖ ≥ R it is back inside r at step T only if
    the noise added since, of variance V_{T−t} ≤ g^{2(T−t)}v∞ per coordinate, has norm
    ≥ g^{T−t}(R − r) ≥ 10√V_{T−t}. So dropping the mass beyond R changes the answer by
    ≤ T·Q(k/2, 50) (a bound), added to the doubling estimate (an estimate)."""
    _checked(growth, step_sd, radius, k, steps)
    outer = radius + 10.0 * math.sqrt(limit_variance(growth, step_sd))
    laws = []
    for refine in (0, 1):
        nodes, w, dens = _survivors(growth, step_sd, k, steps, [radius, outer], refine)
        inside = dens[:, nodes < radius] @ w[nodes < radius]
        laws.append(np.concatenate([[0.0], 1.0 - inside]))
    lost = steps * float(gammaincc(k / 2, 50.0))
    require_finite("noisy_saddle.radial_exceedance", laws, growth=growth, step_sd=step_sd,
                   radius=radius, k=k, steps=steps)
    return RadialLaw(laws[1], float(np.max(np.abs(laws[1] - laws[0]))) + lost, w.size)


def loss_level_probability(c_y: float, k: int, c_x: float, d_s: int, level: float,
                           given: str = "x") -> tuple[float, float]:
    """P(c_y·χ²_k − c_x·χ²_{d_s} > level) for independent χ² variables (c_y, c_x, level > 0),
    and quad's error estimate. ``given="x"`` integrates over w = √χ²_{d_s} (the χ density)
    the tail Q(k/2, (level + c_x w²)/(2c_y)); ``given="y"`` integrates over w = √χ²_k, for
    c_y w² > level, the lower tail P(k/2…) of the stable block: two routes to one number."""
    c_y, c_x = check_positive("c_y", c_y), check_positive("c_x", c_x)
    level = check_positive("level", level)
    check_int("k", k, 1, 64)
    check_int("d_s", d_s, 1, 4096)
    opts = {"epsabs": 1e-14, "epsrel": 1e-12, "limit": 200}
    if given == "x":
        def fx(w: float) -> float:
            dens = math.exp(float(_chi_log_density(np.array([w]), d_s)[0])) if w > 0 else 0.0
            return dens * float(gammaincc(k / 2, (level + c_x * w * w) / (2 * c_y)))
        val, err = integrate.quad(fx, 0.0, math.sqrt(d_s) + 40.0, **opts)
    elif given == "y":
        lo = math.sqrt(level / c_y)

        def fy(w: float) -> float:
            dens = math.exp(float(_chi_log_density(np.array([w]), k)[0]))
            return dens * float(gammainc(d_s / 2, (c_y * w * w - level) / (2 * c_x)))
        val, err = integrate.quad(fy, lo, lo + math.sqrt(k) + 40.0, **opts)
    else:
        raise ParameterError("given", given, "'x' or 'y'")
    return float(val), float(err)


def escape_kernel(eta: float, gamma_: float, lam: float, noise_sd: float, k: int, d_s: int,
                  radius: float, level: float, T: int, M: int) -> Kernel:
    """Monte Carlo of SGD at the saddle of ½λ‖x‖² − ½γ‖y‖² (x ∈ ℝ^{d_s}, y ∈ ℝᵏ), noise
    s = ``noise_sd`` per coordinate, from θ₀ = 0. Per chain, columns: ‖y_T‖² > r²;
    τ ≤ T; min(τ, M) with τ = min{t ≥ 1: ‖y_t‖² > r²}; ½λ‖x_T‖² − ½γ‖y_T‖² < −level.
    The stable block is run only up to T (nothing after T depends on it)."""
    eta, gamma_ = check_positive("eta", eta), check_positive("gamma", gamma_)
    lam, noise_sd = check_positive("lam", lam), check_positive("noise_sd", noise_sd)
    check_int("k", k, 1, 64)
    check_int("d_s", d_s, 1, 4096)
    r2 = check_positive("radius", radius) ** 2
    level = check_positive("level", level)
    check_int("T", T, 1)
    check_int("M", M, T + 1)
    g, a, h = 1.0 + eta * gamma_, 1.0 - eta * lam, eta * noise_sd

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = xp.zeros((rng.n, d_s), dtype=rng.dtype)
        y = xp.zeros((rng.n, k), dtype=rng.dtype)
        tau = xp.full(rng.n, float(M), dtype=rng.dtype)
        out = xp.empty((rng.n, 4), dtype=rng.dtype)
        for t in range(1, M):
            y *= g
            y -= h * rng.normal(k)
            ry2 = xp.sum(y * y, axis=1)
            tau = xp.where((ry2 > r2) & (tau == M), float(t), tau)
            if t <= T:
                x *= a
                x -= h * rng.normal(d_s)
            if t == T:
                out[:, 0] = astype(xp, ry2 > r2, rng.dtype)
                out[:, 3] = astype(xp, 0.5 * lam * xp.sum(x * x, axis=1) - 0.5 * gamma_ * ry2
                                   < -level, rng.dtype)
        out[:, 1] = astype(xp, tau <= T, rng.dtype)
        out[:, 2] = tau
        return out

    return kernel


def rounding_error_path(a: float, h: float, steps: int) -> FloatArray:
    """Bounds e_t on the L2 norm (over the noise) of the float64 error of one coordinate of
    z ← a·z − hξ (one rounding each for a·z, hξ and the difference, u = ε/2):
    e_{t+1} = |a|(1 + 3u)e_t + 3u(|a|√V_t + h), e_0 = 0, by Minkowski's inequality."""
    v = variance_path(a, h, steps)
    u, e = EPS / 2, np.zeros(steps + 1)
    for t in range(steps):
        e[t + 1] = abs(a) * (1 + 3 * u) * e[t] + 3 * u * (abs(a) * math.sqrt(v[t]) + h)
    return e


def quadratic_error(weights: list[tuple[float, int, float, float]]) -> float:
    """Bound on the L2 norm of Q̂ − Q for Q = Σ_i c_i z_i², given groups (c, count, V, e) of
    Gaussian coordinates of variance V whose float64 error has L2 norm ≤ e (from
    :func:`rounding_error_path`). Everything in that recursion is Gaussian or a sum of
    Gaussians, whose L4 norm is 3^{1/4} times the L2 norm, so the error's L4 norm is
    ≤ 3^{1/4}e and, by Cauchy–Schwarz, ‖ẑ² − z²‖₂ = ‖e(2z + e)‖₂ ≤ 2√3·√V·e + √3·e²; the
    sum's own rounding adds γ_{n+2}Σ|c|·‖ẑ²‖₂ ≤ γ_{n+2}Σ|c|√3(√V + e)². Every count must be
    ≥ 1 and every V and e ≥ 0."""
    if not weights:
        raise ParameterError("weights", weights, "at least one group (c, count, V, e)")
    for i, (c, count, v, e) in enumerate(weights):
        check_real(f"weights[{i}].c", c)
        check_int(f"weights[{i}].count", count, 1)
        check_real(f"weights[{i}].variance", v, 0.0, lo_open=False)
        check_real(f"weights[{i}].error", e, 0.0, lo_open=False)
    n = sum(count for _, count, _, _ in weights)
    r3 = math.sqrt(3.0)
    total = sum(abs(c) * count * r3 * (2 * math.sqrt(v) * e + e * e) for c, count, v, e in weights)
    return total + gamma(n + 2) * sum(abs(c) * count * r3 * (math.sqrt(v) + e) ** 2
                                      for c, count, v, e in weights)


def chi2_density_sup(scale: float, k: int, lower: float) -> float:
    """sup over a ≥ ``lower`` > 0 of the density of scale·χ²_k (decreasing for k ≤ 2,
    largest at the mode (k − 2)·scale otherwise); k ≥ 1."""
    scale, lower = check_positive("scale", scale), check_positive("lower", lower)
    check_int("k", k, 1, 4096)
    z = max(lower / scale, float(k - 2))
    log_f = (k / 2 - 1) * math.log(z) - z / 2 - (k / 2) * math.log(2) - float(gammaln(k / 2))
    return math.exp(log_f) / scale


def comparison_flip_bound(density: float, error_l2: float, threshold: float) -> float:
    """P(rounding flips Q > threshold) when the computed Q̂ has ‖Q̂ − Q‖₂ ≤ ``error_l2`` and
    Q has density ≤ ``density`` within ``threshold``/2 of the threshold: for a window u,
    P(|Q̂ − Q| > u) + P(|Q − threshold| ≤ u) ≤ E²/u² + 2u·density (Chebyshev), minimised
    at u = (E²/density)^{1/3}, where it is 3(E·density)^{2/3} (u kept ≤ threshold/2)."""
    density = check_real("density", density, 0.0, lo_open=False)
    error_l2 = check_real("error_l2", error_l2, 0.0, lo_open=False)
    threshold = check_positive("threshold", threshold)
    if error_l2 == 0.0:
        return 0.0
    u = threshold / 2 if density == 0.0 else min(threshold / 2,
                                                 (error_l2**2 / density) ** (1 / 3))
    return (error_l2 / u) ** 2 + 2 * u * density


@finite_result
def limit_variance(growth: float, step_sd: float) -> float:
    """v∞ = h²/(g² − 1) = Σ_{t≥0} h²g^{−2(t+1)}: the variance of the limit M_∞ of the
    martingale M_t = g^{−t}y_t, per coordinate (g > 1)."""
    g = check_real("growth", growth, 1.0)
    h = check_positive("step_sd", step_sd)
    return h * h / (g * g - 1)


def escape_design(growth: float, step_sd: float, radius: float, k: int) -> tuple[int, int]:
    """Where a Monte Carlo of the escape looks: (T, M) with T the median of the frozen
    escape time (‖y_t‖ ≈ g^t‖M_∞‖, ‖M_∞‖² ~ v∞χ²_k, v∞ = h²/(g² − 1)) and M = T + ⌈3/ln g⌉
    the cap of the mean (the predictions come from the exact laws; this only chooses)."""
    r = check_positive("radius", radius)
    check_int("k", k, 1, 64)
    v_inf, lng = limit_variance(growth, step_sd), math.log(growth)
    t_med = math.log(r * r / (2 * v_inf * float(gammainccinv(k / 2, 0.5)))) / (2 * lng)
    T = max(1, round(t_med))
    return T, T + math.ceil(3 / lng)


def mean_escape_time(growth: float, step_sd: float, radius: float, k: int) -> float:
    """E[τ] = Σ_t P(τ > t) from :func:`radial_first_passage` (fine rule), summed until
    ⌈20/(k ln g)⌉ steps past the design's cap, where P(τ > t) ~ g^{−kt} is e⁻²⁰ smaller."""
    _, M = escape_design(growth, step_sd, radius, k)
    steps = M + math.ceil(20 / (k * math.log(growth)))
    law = radial_first_passage(growth, step_sd, radius, k, steps, estimate_error=False)
    return float(np.sum(law.values))


def escape_rounding_bounds(growth: float, a_x: float, step_sd: float, k: int, d_s: int,
                           radius: float, c_y: float, c_x: float, level: float, T: int,
                           M: int) -> tuple[float, float, float, float]:
    """Bounds on the rounding bias of the four columns of :func:`escape_kernel` (unstable
    factor g, stable factor a_x, loss level c_y‖y‖² − c_x‖x‖² > level): the chance a
    comparison flips at step T; summed over t ≤ T (τ ≤ T); Σ_t flip_t·(M − t) (a flip moves
    min(τ, M) by at most M − t); and for the loss level at T."""
    vy, ey = variance_path(growth, step_sd, M), rounding_error_path(growth, step_sd, M)
    vx, ex = variance_path(a_x, step_sd, T), rounding_error_path(a_x, step_sd, T)
    r2 = radius * radius
    flips = [comparison_flip_bound(chi2_density_sup(vy[t], k, r2 / 2),
                                   quadratic_error([(1.0, k, vy[t], ey[t])]), r2)
             for t in range(1, M)]
    loss_err = quadratic_error([(c_y, k, vy[T], ey[T]), (c_x, d_s, vx[T], ex[T])])
    loss_flip = comparison_flip_bound(chi2_density_sup(c_y * vy[T], k, level / 2), loss_err,
                                      level)
    late = sum(b * (M - t) for t, b in enumerate(flips, start=1))
    return flips[T - 1], sum(flips[:T]), late, loss_flip
