"""A linear denoiser on Gaussian data, one noise level at a time (claim G7).

Data x ~ N(0, Σ) (Σ ∈ ℝ^{d×d}, eigenvalues λ_i: the data variances); at noise level σ the
network sees x_σ = a x + σ ε, ε ~ N(0, I) (a = 1: variance exploding, "VE"; a² = 1 − σ²:
variance preserving, "VP"). A predictor *linear in its parameters*, f_Φ(x_σ) = Φ x_σ,
trained with the loss w·E‖Φx_σ − y‖² has, per output row, the Hessian

    H_σ = 2w E[x_σ x_σᵀ] = 2w (a²Σ + σ²I),

whatever the target y (x, ε or v); the curvature of the level is c_σ = λ_max(H_σ). ``w`` is
the *effective* weight on that parameterisation (:class:`Level`): the ε-loss of a network
that outputs the denoised x (ε̂ = (x_σ − Φx_σ)/σ) is the x-loss times 1/σ²; EDM's input
scaling c_in = 1/√(σ² + σ_d²) with its loss weight 1/c_out² is the weight 1/(σ² + σ_d²).

- :func:`level`: (a, σ, w) of a level under a named scheme (:data:`SCHEMES`);
- :func:`level_hessian`, :func:`curvature`: H_σ and c_σ from Σ;
- :func:`stability_threshold`: the largest stable η of full-batch GD on the level, bisected
  on GD runs (G4's :func:`lrtheory.models.noise_levels.shared_rate_threshold`);
- :func:`batch_factor`, :func:`mean_square_edge`: SGD with B fresh samples per step
  multiplies E e² by A(r) = E(1 − r u)², u ~ χ²_B/B, r = ηc (by quadrature), stable in mean
  square iff A < 1;
- :func:`denoiser_sgd`: the Monte Carlo kernel — SGD on fresh (x, ε) at every level at once,
  along one eigen-direction of the data (variance λ);
- :func:`whitened_inputs`: a Monte Carlo kernel that tests :func:`level_hessian` against the
  noising itself: x_σᵀ(H_σ/2w)⁻¹x_σ/d has mean 1 exactly when H_σ = 2w E[x_σx_σᵀ].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import integrate

from lrtheory.arrays import einsum
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.noise_levels import shared_rate_threshold
from lrtheory.models.threshold import Threshold, bisect_threshold
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]

#: ``ve``: a = 1, w = 1 (x-, ε- or v-prediction network, unweighted loss);
#: ``ve-eps``: a = 1, w = 1/σ² (ε-loss of a network that outputs the denoised x);
#: ``ve-power``: a = 1, w = σ^{−p};  ``vp``: a² = 1 − σ² (0 < σ < 1), w = 1;
#: ``edm``: a = 1, w = 1/(σ² + σ_d²) (EDM's c_in with loss weight 1/c_out²).
SCHEMES = ("ve", "ve-eps", "ve-power", "vp", "edm")


@dataclass(frozen=True)
class Level:
    """One noise level: x_σ = a·x + σ·ε, loss weight w on the linear parameterisation
    (a ≥ 0, σ > 0, w > 0, all finite: then H_σ = 2w(a²Σ + σ²I) is positive definite)."""

    a: float
    sigma: float
    weight: float

    def __post_init__(self) -> None:
        check_real("a", self.a, 0.0, lo_open=False)
        check_positive("sigma", self.sigma)
        check_positive("weight", self.weight)


def level(scheme: str, sigma: float, p: float = 0.0, sigma_data: float = 1.0) -> Level:
    """The level of noise σ under ``scheme`` (:data:`SCHEMES`); ``p`` is the exponent of
    ``ve-power``, ``sigma_data`` EDM's σ_d."""
    sigma = check_positive("sigma", sigma)
    if scheme == "ve":
        return Level(1.0, sigma, 1.0)
    if scheme == "ve-eps":
        return Level(1.0, sigma, sigma**-2)
    if scheme == "ve-power":
        return Level(1.0, sigma, sigma ** -check_real("p", p, 0.0, lo_open=False))
    if scheme == "vp":
        sigma = check_real("sigma", sigma, 0.0, 1.0)
        return Level(math.sqrt(1.0 - sigma * sigma), sigma, 1.0)
    if scheme == "edm":
        return Level(1.0, sigma, 1.0 / (sigma**2 + check_positive("sigma_data", sigma_data) ** 2))
    raise ParameterError("scheme", scheme, f"one of {', '.join(SCHEMES)}")


def _covariance(cov: Any) -> FloatArray:
    s = float_array("cov", cov)
    if (s.ndim != 2 or s.shape[0] != s.shape[1] or not np.all(np.isfinite(s))
            or not np.allclose(s, s.T) or np.linalg.eigvalsh(s)[0] <= 0):
        raise ParameterError("cov", np.shape(cov), "a finite symmetric positive definite matrix")
    return s


def level_hessian(cov: Any, lv: Level) -> FloatArray:
    """H_σ = 2w(a²Σ + σ²I): the Hessian of w·E‖Φx_σ − y‖² in one row of Φ, with
    E[x_σx_σᵀ] = a²Σ + σ²I formed from Σ (x and ε independent, centred) — derived from the
    loss in :func:`lrtheory.symbolic.denoiser.matrix_hessian` and tested against sampled
    inputs by :func:`whitened_inputs`."""
    s = _covariance(cov)
    return 2.0 * lv.weight * (lv.a**2 * s + lv.sigma**2 * np.eye(s.shape[0]))


def curvature(cov: Any, lv: Level) -> float:
    """c_σ = λ_max(H_σ), by ``eigvalsh``."""
    return float(np.linalg.eigvalsh(level_hessian(cov, lv))[-1])


def stability_threshold(cov: Any, lv: Level, steps: int) -> tuple[float, float]:
    """The largest η at which full-batch GD on the level's expected loss does not grow, with
    its tolerance: bisection on measured GD growth over the eigenvalues of H_σ (derived:
    2/c_σ). For a single check :func:`lrtheory.models.quadratic.gd_growth_rate` at η = 2/c_σ
    (growth exactly 1) is cheaper."""
    return shared_rate_threshold(np.linalg.eigvalsh(level_hessian(cov, lv)), steps)


@finite_result
def batch_factor(r: float, batch: int) -> tuple[float, float]:
    """A(r) = E(1 − ru)², u ~ χ²_B/B: the factor by which one SGD step with B fresh samples
    multiplies E e² at r = ηc (the batch's mean of x_σ²/E x_σ² is u). Integrated by
    ``scipy.integrate.quad`` over y = √(Bu), which has the smooth χ_B density y^{B−1}e^{−y²/2}
    (the χ²_B density itself is singular at 0 for B = 1); returns (value, quad's error
    estimate)."""
    r = check_positive("r", r)
    batch = check_int("batch", batch, 1)
    log_norm = (batch / 2 - 1) * math.log(2.0) + math.lgamma(batch / 2)

    def integrand(y: float) -> float:
        if y == 0.0:
            return 1.0 / math.exp(log_norm) if batch == 1 else 0.0
        density = math.exp((batch - 1) * math.log(y) - y * y / 2 - log_norm)
        return (1.0 - r * y * y / batch) ** 2 * density

    value, error = integrate.quad(integrand, 0.0, np.inf, epsabs=1e-14, epsrel=1e-13,
                                  limit=200)
    return float(value), float(error)


def mean_square_edge(batch: int, halvings: int = 40) -> Threshold:
    """The largest r = ηc at which SGD with B fresh samples is stable in mean square,
    A(r) < 1, bisected on :func:`batch_factor` over r ∈ (0.1, 2] (derived: 2B/(B + 2))."""
    return bisect_threshold(lambda r: batch_factor(r, batch)[0] < 1.0, 0.1, 2.0, halvings)


def optimum(lam: float, lv: Level) -> float:
    """φ* = aλ/(a²λ + σ²), the Wiener weight along a direction of data variance λ (target x)."""
    lam = check_positive("lam", lam)
    return lv.a * lam / (lv.a**2 * lam + lv.sigma**2)


def denoiser_sgd(lam: float, levels: list[Level], etas: Any, batch: int, steps: int,
                 e0: float = 1.0) -> Kernel:
    """SGD on every level at once, one direction of data variance λ, target x, from
    φ = φ*_ℓ + e₀ (the same initial error at every level):

        φ ← φ − η_ℓ (2w_ℓ/B) Σ_b x_σ,b(φ x_σ,b − x_b),   x_b ~ N(0, λ), x_σ,b = a x_b + σ ε_b,

    fresh samples every step. Each chain returns the errors e_K = φ_K − φ*_ℓ, shape (n, L)."""
    e0 = check_real("e0", e0)
    lam = check_positive("lam", lam)
    batch, steps = check_int("batch", batch, 1), check_int("steps", steps, 0)
    if not levels:
        raise ParameterError("levels", levels, "at least one level")
    eta = np.broadcast_to(float_array("etas", etas), (len(levels),))
    if np.any(eta <= 0) or not np.all(np.isfinite(eta)):
        raise ParameterError("etas", etas, "finite rates η_ℓ > 0")
    a = np.array([lv.a for lv in levels])
    sig = np.array([lv.sigma for lv in levels])
    gain = eta * 2.0 * np.array([lv.weight for lv in levels]) / batch
    star = np.array([optimum(lam, lv) for lv in levels])
    sd = math.sqrt(lam)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        aa, ss, gg = (xp.asarray(v, dtype=rng.dtype)[:, None] for v in (a, sig, gain))
        phi = xp.empty((rng.n, len(levels)), dtype=rng.dtype)
        phi[...] = xp.asarray(star + e0, dtype=rng.dtype)
        for _ in range(steps):
            x = sd * rng.normal(len(levels), batch)
            noisy = aa * x + ss * rng.normal(len(levels), batch)
            residual = phi[:, :, None] * noisy - x
            phi = phi - xp.sum(gg * noisy * residual, axis=2)
        return phi - xp.asarray(star, dtype=rng.dtype)

    return kernel


def whitened_inputs(cov: Any, levels: list[Level]) -> Kernel:
    """Per chain and level, q = x_σᵀ(H_σ/2w)⁻¹x_σ/d for fresh x = Lz ~ N(0, Σ) (Σ = LLᵀ by
    Cholesky, z ~ N(0, I)) and x_σ = a x + σε: the noising as sampled, whitened by the
    Hessian of :func:`level_hessian`. E q = tr((H_σ/2w)⁻¹E[x_σx_σᵀ])/d, which is 1 when
    H_σ = 2w E[x_σx_σᵀ], so its mean tests the formula independently of it (an error in the
    a², the σ² or a missing cross term moves it). Returns shape (n, L)."""
    s = _covariance(cov)
    if not levels:
        raise ParameterError("levels", levels, "at least one level")
    d = s.shape[0]
    chol = np.linalg.cholesky(s)
    inv = np.stack([np.linalg.inv(level_hessian(s, lv) / (2.0 * lv.weight)) for lv in levels])
    a = np.array([lv.a for lv in levels])[:, None]
    sig = np.array([lv.sigma for lv in levels])[:, None]

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        lower, whiten = (xp.asarray(v, dtype=rng.dtype) for v in (chol, inv))
        aa, ss = (xp.asarray(v, dtype=rng.dtype) for v in (a, sig))
        x = rng.normal(len(levels), d) @ lower.T
        noisy = aa * x + ss * rng.normal(len(levels), d)
        return einsum(xp, "nli,lij,nlj->nl", noisy, whiten, noisy) / d

    return kernel
