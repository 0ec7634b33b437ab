"""Hypergradient descent on the learning rate: the exact law of the hypergradient signal
g_{t+1}ᵀg_t of SGD at stationarity, and Monte Carlo kernels.

The hypergradient is ∂L(θ_{t+1})/∂η_t = −g_{t+1}ᵀg_t for θ_{t+1} = θ_t − η_tg_t, so gradient
descent on η with hyper-rate α is (the rules are in :mod:`lrtheory.optimizers`:
``additive_lr_step``, ``exp_lr_step``)

    additive:      η_{t+1} = η_t + α·g_{t+1}ᵀg_t,
    exponential:   η_t = exp(ℓ_t), ℓ_{t+1} = ℓ_t + α·η_t·g_{t+1}ᵀg_t  ⇒  η_{t+1} = η_t·e^{αη_th_t}.

On the noisy quadratic ½θᵀHθ with g = Hθ + ξ, ξ ~ N(0, C) independent over steps, and θ_t
from the stationary law N(0, Σ) of SGD at a fixed η (Σ = GΣG + η²C, G = I − ηH), the signal
is a quadratic form in the Gaussian vector z = (θ_t, ξ_t, ξ_{t+1}) ~ N(0, S),
S = diag(Σ, C, C): with g_t = P₀z, g_{t+1} = P₁z, P₀ = [H, I, 0], P₁ = [HG, −ηH, I],

    h = g_{t+1}ᵀg_t = zᵀAz,   A = ½(P₁ᵀP₀ + P₀ᵀP₁).

So h = Σ_j μ_j χ²_{1,j} for the eigenvalues μ_j of S^{½}AS^{½}: E[h] = Σμ_j = tr(AS),
Var h = 2Σμ_j² = 2tr((AS)²) and E[e^{kh}] = ∏(1 − 2kμ_j)^{−½} for 2k·max μ_j < 1 (the
Gaussian integral), all exact (:func:`signal_form`, :func:`form_moments`,
:func:`signal_moments` with the numerical error bounds).

:func:`sgd_signal` is the Monte Carlo kernel: SGD from θ₀ = 0, run for T steps (θ_T is
then exactly N(0, Σ_T), Σ_T from the covariance recursion). :func:`complex_step_check` and
:func:`line_search_check` test the hypergradient and its noiseless zero numerically;
:func:`noiseless_run`, :func:`stall_bracket`, :func:`annealing_kernel` and :func:`mean_field_eta`
describe the dynamics of η itself.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import lambertw

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
    float_array,
)
from lrtheory.models.lyapunov import (
    covariance_recursion,
    stationary_covariance,
    stationary_error_bound,
)
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import additive_lr_step, exp_lr_step, gradient_step, hypergradient

FloatArray = NDArray[np.float64]

# --------------------------------------------------------------------------------------
# The stationary signal as a Gaussian quadratic form
# --------------------------------------------------------------------------------------


def _matrix(name: str, m: Any) -> FloatArray:
    arr = np.atleast_2d(float_array(name, m, "a finite symmetric square matrix (or a number)"))
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or not np.all(np.isfinite(arr)) \
            or not np.allclose(arr, arr.T, rtol=0, atol=0):
        raise ParameterError(name, m, "a finite symmetric square matrix (or a number)")
    return arr


def signal_form(eta: float, H: Any, C: Any,
                steps: int | None = None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(A, S, Σ): h = zᵀAz with z ~ N(0, S) (module docstring). With ``steps`` = None, θ_t
    is at SGD's stationary law for this η, Σ from ``solve_discrete_lyapunov`` (η must be in
    (0, 2/λ_max)); with ``steps`` = T, θ_T is SGD's iterate after T steps from θ₀ = 0, whose
    law is exactly N(0, Σ_T), Σ_{t+1} = GΣ_tG + η²C, Σ₀ = 0 (any η > 0)."""
    eta = check_positive("eta", eta)
    h, c = _matrix("H", H), _matrix("C", C)
    if h.shape != c.shape:
        raise ParameterError("C", C, f"of the shape of H, {h.shape}")
    d = h.shape[0]
    sigma = (stationary_covariance(eta, h, c, 1.0) if steps is None
             else covariance_recursion(eta, h, c, 1.0, check_int("steps", steps, 0, MAX_STEPS)))
    eye, zero = np.eye(d), np.zeros((d, d))
    p0 = np.hstack([h, eye, zero])
    p1 = np.hstack([h @ (eye - eta * h), -eta * h, eye])
    a = (p1.T @ p0 + p0.T @ p1) / 2.0
    s = np.zeros((3 * d, 3 * d))
    for i, block in enumerate((sigma, c, c)):
        s[i * d:(i + 1) * d, i * d:(i + 1) * d] = block
    return a, s, sigma


def _root(m: FloatArray) -> FloatArray:
    """The symmetric PSD square root (eigenvalues below 0 by rounding taken as 0)."""
    w, u = np.linalg.eigh(m)
    return np.asarray((u * np.sqrt(np.clip(w, 0.0, None))) @ u.T)


def form_eigenvalues(a: Any, s: Any) -> FloatArray:
    """The weights μ_j of h = Σ_j μ_jχ²_{1,j}: eigenvalues of S^{½}AS^{½}."""
    root = _root(_matrix("s", s))
    return np.asarray(np.linalg.eigvalsh(root @ _matrix("a", a) @ root))


def form_moments(mu: Any, k: float = 0.0) -> dict[str, float]:
    """E[h] = Σμ, Var h = 2Σμ² and, for k ≠ 0, E[e^{kh}] = ∏(1 − 2kμ)^{−½} together with
    E[e^{2kh}] (so the variance of e^{kh}); k must keep 4k·max μ < 1 (finite variance)."""
    m = check_reals("mu", float_array("mu", mu))
    out = {"mean": float(m.sum()), "variance": float(2 * np.sum(m * m))}
    if k:
        if np.any(4 * k * m >= 1):
            raise ParameterError("k", k, f"< 1/(4 max μ) = {1 / (4 * m.max()):.6g}")
        out["mgf"] = float(np.prod(1 - 2 * k * m) ** -0.5)
        out["mgf_2k"] = float(np.prod(1 - 4 * k * m) ** -0.5)
    return out


def signal_moments(eta: float, H: Any, C: Any) -> dict[str, float]:
    """E[h] = tr(AS) and Var h = 2tr((AS)²) from the eigenvalues μ_j, with error bounds:
    Σ from SciPy is off by at most δ (Frobenius, the a-posteriori Lyapunov bound), which
    moves E[h] by ≤ ‖A_θθ‖_F·δ and Var h by ≤ 4‖(ASA)_θθ‖_F·δ (A_θθ the θ-block: the only
    place Σ enters); the symmetric eigensolver adds ≤ 16·3d·ε·Σ|μ_j| (and 64ε·Var h)."""
    a, s, sigma = signal_form(eta, H, C)
    h_, c_ = _matrix("H", H), _matrix("C", C)
    d = h_.shape[0]
    delta = stationary_error_bound(eta, h_, c_, 1.0, sigma)
    mu = form_eigenvalues(a, s)
    moments = form_moments(mu)
    asa = a @ s @ a
    return {**moments,
            "mean_error": float(np.linalg.norm(a[:d, :d]) * delta
                                + 48 * d * EPS * np.abs(mu).sum()),
            "variance_error": float(4 * np.linalg.norm(asa[:d, :d]) * delta
                                    + 64 * EPS * moments["variance"]),
            "trace_h_sigma_h": float(np.trace(h_ @ sigma @ h_)),
            "lyapunov_residual": float(np.linalg.norm(
                sigma - (np.eye(d) - eta * h_) @ sigma @ (np.eye(d) - eta * h_)
                - eta**2 * c_))}


@finite_result
def complex_step_check(eta: float, H: Any, theta0: Any) -> tuple[float, float, float]:
    """(−g_{t+1}ᵀg_t, the complex-step derivative ∂L(θ − ηg)/∂η, a rounding bound) for the
    non-quadratic L(θ) = ½θᵀHθ + ¼Σθ⁴: Im L(θ − (η + iδ)g)/δ at δ = 10⁻³⁰η has no
    truncation error and no cancellation; both sides are sums of d products whose first-order
    rounding is ≤ (d + 8)ε·Σ_i|g_i|(Σ_j|H_ij||θ'_j| + |θ'_i|³), |θ'| = |θ| + η|g|, taken ×16
    for the complex arithmetic."""
    eta = check_positive("eta", eta)
    h_ = _matrix("H", H)
    theta = check_reals("theta0", float_array("theta0", theta0))
    if theta.shape != (h_.shape[0],):
        raise ParameterError("theta0", theta0, f"a vector of length {h_.shape[0]}")

    def grad(v: Any) -> Any:
        return h_ @ v + v**3

    def loss(v: Any) -> Any:
        return v @ h_ @ v / 2 + np.sum(v**4) / 4

    g0 = grad(theta)
    formula = float(hypergradient(grad(theta - eta * g0), g0))
    delta = 1e-30 * eta
    derivative = float(np.imag(loss(theta - (eta + 1j * delta) * g0)) / delta)
    reach = np.abs(theta) + eta * np.abs(g0)
    scale = float(np.abs(g0) @ (np.abs(h_) @ reach + reach**3))
    return formula, derivative, 16 * (h_.shape[0] + 8) * EPS * scale


def line_search_check(H: Any, theta0: Any) -> tuple[float, float, float]:
    """(gᵀg/(gᵀHg), the zero of η ↦ g(θ − ηg)ᵀg found by Brent in [0.5/λ_max, 2/λ_min],
    a tolerance): Brent's 2(xtol + 4ε|x|) plus the rounding of the signal near its zero,
    (2d + 2)ε(gᵀg + x·gᵀHg)·4, over its slope gᵀHg."""
    h_ = _matrix("H", H)
    theta = check_reals("theta0", float_array("theta0", theta0))
    if theta.shape != (h_.shape[0],):
        raise ParameterError("theta0", theta0, f"a vector of length {h_.shape[0]}")
    g = h_ @ theta
    lam = np.linalg.eigvalsh(h_)
    if lam[0] <= 0:
        raise ParameterError("H", H, "positive definite (the line search has no minimum "
                                     "otherwise)")
    if theta.shape != (h_.shape[0],) or not np.any(h_ @ theta):
        raise ParameterError("theta0", theta0, f"a vector of length {h_.shape[0]} with "
                                               "∇L(θ₀) ≠ 0")
    gg, ghg = float(g @ g), float(g @ h_ @ g)
    xtol = 1e-15 / float(lam[-1])
    root = brentq(lambda e: float((h_ @ (theta - e * g)) @ g), 0.5 / lam[-1], 2.0 / lam[0],
                  xtol=xtol, rtol=4 * EPS)
    exact = gg / ghg
    tol = 2 * (xtol + 4 * EPS * exact) + 4 * (2 * h_.shape[0] + 2) * EPS * (gg + exact * ghg) / ghg
    return exact, float(root), tol


def sgd_signal(eta: float, H: Any, C: Any, alpha: float, steps: int) -> Kernel:
    """Monte Carlo kernel: per chain SGD θ_{t+1} = θ_t − ηg_t, g_t = Hθ_t + ξ_t,
    ξ_t ~ N(0, C), run from θ₀ = 0 for ``steps`` = T steps at the fixed η, then one more step,
    and the columns (h = g_{T+1}ᵀg_T, η_{T+1}/η from :func:`exp_lr_step` with hyper-rate α).
    θ_T ~ N(0, Σ_T) exactly (``signal_form(eta, H, C, steps)``), independent of ξ_T, ξ_{T+1}:
    the means are the exact E[h] = Σμ_j and E[e^{αηh}] = ∏(1 − 2αημ_j)^{−½} at step T."""
    eta, alpha = check_positive("eta", eta), check_positive("alpha", alpha)
    h, c = _matrix("H", H), _matrix("C", C)
    if h.shape != c.shape:
        raise ParameterError("C", C, f"of the shape of H, {h.shape}")
    check_int("steps", steps, 0, MAX_STEPS)
    d = h.shape[0]
    root_c = _root(c)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        hx, rc = xp.asarray(h, dtype=rng.dtype), xp.asarray(root_c, dtype=rng.dtype)
        theta = xp.zeros((rng.n, d), dtype=rng.dtype)
        grad = rng.normal(d) @ rc
        for _ in range(steps):
            theta = gradient_step(theta, theta @ hx + grad, eta)
            grad = rng.normal(d) @ rc
        grad = theta @ hx + grad
        grad_next = gradient_step(theta, grad, eta) @ hx + rng.normal(d) @ rc
        ratio = exp_lr_step(eta, grad_next, grad, alpha, xp) / eta
        return xp.stack([-hypergradient(grad_next, grad), ratio], axis=1)

    return kernel


# --------------------------------------------------------------------------------------
# Dynamics of η
# --------------------------------------------------------------------------------------


@finite_result
def noiseless_run(lam: float, eta0: float, alpha: float, theta0: float,
                  steps: int) -> tuple[FloatArray, FloatArray]:
    """(η_t, θ_t), t = 0…T, of GD on ½λθ² with the additive hypergradient rule."""
    lam, eta0 = check_positive("lam", lam), check_positive("eta0", eta0)
    alpha, theta0 = check_positive("alpha", alpha), check_real("theta0", theta0)
    check_int("steps", steps, 1, MAX_STEPS)
    etas, thetas = np.empty(steps + 1), np.empty(steps + 1)
    etas[0], thetas[0] = eta0, theta0
    for t in range(steps):
        g = np.array([lam * thetas[t]])
        theta_next = gradient_step(thetas[t], g[0], etas[t])
        etas[t + 1] = additive_lr_step(etas[t], np.array([lam * theta_next]), g, alpha)
        if -math.inf < etas[t + 1] <= 0:  # the rule overshot (−inf: an overflow, below)
            raise ParameterError("alpha", alpha, f"small enough that η_t stays > 0 (η_{t + 1} "
                                 f"= {etas[t + 1]:.3g})")
        thetas[t + 1] = theta_next
    return etas, thetas


def stall_bracket(lam: float, eta0: float, alpha: float, theta0: float) -> tuple[float, float]:
    """Bracket of |1 − η_∞λ| for :func:`noiseless_run`: u = 1 − ηλ obeys
    u_{t+1} = u_t(1 − αλ³θ_t²) and θ_{t+1} = u_tθ_t, so while αλ³θ₀² ≤ 1, |u_t| ≤ |u₀|,
    Σθ_t² ≤ θ₀²/(1 − u₀²) and ∏(1 − x_t) ≥ 1 − Σx_t give
    |u₀|(1 − αλ³θ₀²/(1 − u₀²)) ≤ |u_∞| ≤ |u₀|."""
    lam, eta0 = check_positive("lam", lam), check_positive("eta0", eta0)
    alpha, theta0 = check_positive("alpha", alpha), check_real("theta0", theta0)
    u0 = 1 - eta0 * lam
    x0 = alpha * lam * lam * lam * theta0 * theta0 if theta0 else 0.0  # inf, not an overflow
    if not abs(u0) < 1:
        raise ParameterError("eta0, lam", (eta0, lam), "with |1 − η₀λ| < 1")
    if not x0 <= 1:
        raise ParameterError("alpha, lam, theta0", (alpha, lam, theta0), "with αλ³θ₀² ≤ 1")
    return abs(u0) * (1 - x0 / (1 - u0 * u0)), abs(u0)


def annealing_kernel(lam: float, noise_sd: float, eta0: float, alpha: float, steps: int,
                     record: Any, exponential: bool) -> Kernel:
    """Monte Carlo kernel of the full dynamics in 1-D: θ₀ from the stationary law at η₀,
    then SGD with η_t driven by the additive (or exponential) hypergradient rule (the step
    θ − η_tg_t is written out: η_t is a per-chain array, and the additive rule can make it
    negative, outside :func:`lrtheory.optimizers.gradient_step`'s contract); returns
    (η_t at the steps in ``record``, then 1 if η ever became ≤ 0): shape (n, R + 1)."""
    lam, sd = check_positive("lam", lam), check_positive("noise_sd", noise_sd)
    eta0, alpha = check_positive("eta0", eta0), check_positive("alpha", alpha)
    check_int("steps", steps, 1, MAX_STEPS)
    rec = [check_int(f"record[{i}]", int(r), 0, steps) for i, r in enumerate(record)]
    if eta0 * lam >= 2:
        raise ParameterError("eta0", eta0, f"< 2/λ = {2 / lam:g} (a stationary start)")
    start_sd = math.sqrt(eta0 * sd**2 / (lam * (2 - eta0 * lam)))

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        theta = start_sd * rng.normal(1)[:, 0]
        eta = xp.full(rng.n, eta0, dtype=rng.dtype)
        out = xp.empty((rng.n, len(rec) + 1), dtype=rng.dtype)
        hit = xp.zeros(rng.n, dtype=bool)
        grad = lam * theta + sd * rng.normal(1)[:, 0]
        for t in range(steps + 1):
            for j, r in enumerate(rec):
                if r == t:
                    out[:, j] = eta
            if t == steps:
                break
            theta = theta - eta * grad  # gradient_step's η is one positive number; here
            grad_next = lam * theta + sd * rng.normal(1)[:, 0]
            if exponential:
                eta = exp_lr_step(eta, grad_next[:, None], grad[:, None], alpha, xp)
            else:
                eta = additive_lr_step(eta, grad_next[:, None], grad[:, None], alpha)
            hit |= eta <= 0
            grad = grad_next
        out[:, -1] = hit
        return out

    return kernel


def mean_field_eta(tau: Any, eta0: float, lam: float, noise_var: float, alpha: float) -> Any:
    """η(t) solving dη/dt = αE[h] = −αληs²/(2 − λη) (quasi-static: θ stationary at the
    current η): η = −(2/λ)·W₀(−(λη₀/2)·exp(−(λη₀ + αλs²t)/2))."""
    lam, eta0 = check_positive("lam", lam), check_positive("eta0", eta0)
    s2, alpha = check_positive("noise_var", noise_var), check_positive("alpha", alpha)
    if eta0 * lam >= 2:
        raise ParameterError("eta0", eta0, f"< 2/λ = {2 / lam:g}")
    t = float_array("tau", tau)
    z = -(lam * eta0 / 2) * np.exp(-(lam * eta0 + alpha * lam * s2 * t) / 2)
    return -(2 / lam) * np.real(lambertw(z, 0))
