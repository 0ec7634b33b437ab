"""Second moments of SGD on a quadratic: exact recursions and Lyapunov solves (NumPy/SciPy).

SGD on L(x) = ½ xᵀHx with mini-batch gradient noise of covariance C/B (C the per-example
gradient covariance, B the batch size),

    x_{t+1} = (I − ηH) x_t − η ξ_t,    ξ_t ~ N(0, C/B),

is a linear-Gaussian chain whose covariance obeys, exactly,

    Σ_{t+1} = A Σ_t Aᵀ + (η²/B) C,    A = I − ηH                      (discrete recursion)

with stationary solution the discrete Lyapunov equation Σ = AΣAᵀ + (η²/B)C when ρ(A) < 1.
Its diffusion (SDE) limit dx = −Hx dt + √(η/B) C^{½} dW has the continuous Lyapunov
equation HΣ + ΣH = (η/B)C. In one dimension (H = λ, C = σ²) the recursion is
V_{t+1} = (1 − ηλ)² V_t + η²σ²/B.

Besides the solves this module gives the *error bounds* a comparison needs: an
a-posteriori bound for each Lyapunov solve (‖op⁻¹‖ times the residual) and the rounding
bound of an iterated recursion, so that a model check's tolerance comes from the method;
and the Monte Carlo kernel of the chain itself (:func:`sgd_correlated_quadratic`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import solve_continuous_lyapunov, solve_discrete_lyapunov

from lrtheory.errors import (
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
)
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------


def _symmetric(name: str, m: Any, d: int | None = None) -> FloatArray:
    a = float_array(name, m)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or (d is not None and a.shape[0] != d):
        size = f"{d}×{d}" if d is not None else "square"
        raise ParameterError(name, np.shape(m), f"a {size} matrix")
    if not np.all(np.isfinite(a)):
        raise ParameterError(name, "non-finite entries", "finite")
    if not np.allclose(a, a.T, rtol=0.0, atol=8 * EPS * max(1.0, float(np.abs(a).max()))):
        raise ParameterError(name, "an asymmetric matrix", "symmetric")
    return (a + a.T) / 2.0


def _psd(name: str, m: Any, d: int | None = None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A symmetric positive semidefinite matrix and its eigen-decomposition (w, u).

    An eigenvalue below −8ε·max(1, max|c_ij|) rejects the matrix; eigenvalues in that band
    and below 0 are what ``eigh`` returns for a singular PSD matrix (rounding) and are set
    to 0 in the returned w."""
    c = _symmetric(name, m, d)
    w, u = np.linalg.eigh(c)
    if float(w[0]) < -8 * EPS * max(1.0, float(np.abs(c).max())):
        raise ParameterError(name, f"a matrix with eigenvalue {float(w[0]):.3g}",
                             "positive semidefinite")
    return c, np.clip(w, 0.0, None), u


def _problem(eta: float, H: Any, C: Any, B: float) -> tuple[float, FloatArray, FloatArray, float]:
    eta = check_positive("eta", eta)
    B = check_real("B", B, 1.0, np.inf, lo_open=False)
    h = _symmetric("H", H)
    c, _, _ = _psd("C", C, h.shape[0])
    return eta, h, c, B


def transition(eta: float, H: Any) -> FloatArray:
    """A = I − ηH, the mean dynamics of one SGD step."""
    h = _symmetric("H", H)
    return np.eye(h.shape[0]) - check_positive("eta", eta) * h


def spectral_radius(A: FloatArray) -> float:
    """ρ(A) of a symmetric matrix."""
    return float(np.max(np.abs(np.linalg.eigvalsh(_symmetric("A", A)))))


# --------------------------------------------------------------------------------------
# one dimension
# --------------------------------------------------------------------------------------


@finite_result
def variance_path(eta: float, lam: float, noise_var: float, steps: int,
                  v0: float = 0.0) -> FloatArray:
    """V_0, …, V_T of V_{t+1} = (1 − ηλ)² V_t + η² s², s² = σ²/B the mini-batch noise variance.

    Iterated as written, in float64; no stability is assumed (beyond ηλ = 2 the path grows;
    a path that leaves float64 is a :class:`~lrtheory.errors.RangeError`).
    """
    eta = check_positive("eta", eta)
    lam = check_real("lam", lam)
    noise_var = check_real("noise_var", noise_var, 0.0, lo_open=False)
    check_int("steps", steps, 0, MAX_STEPS)
    v0 = check_real("v0", v0, 0.0, lo_open=False)
    a = (1.0 - eta * lam) ** 2
    q = eta * eta * noise_var
    path = np.empty(steps + 1)
    path[0] = v = v0
    for t in range(steps):
        v = a * v + q
        path[t + 1] = v
    return path


def variance_path_rounding(eta: float, lam: float, steps: int) -> float:
    """Relative rounding bound on V_T from :func:`variance_path` (and on the closed form
    aᵗV₀ + q(1 − aᵗ)/(1 − a) evaluated in float64 at the same inputs).

    Every term of V_T = aᵀV₀ + Σ_{k<T} aᵏq is non-negative, so T multiply-adds perturb it by
    at most (1 + ε)^{2T}; the rounded a = (1 − ηλ)² carries a relative error
    θ_a ≤ ε(3 + 2ηλ/|1 − ηλ|) (the subtraction 1 − ηλ cancels near ηλ = 1), which the power
    aᵏ amplifies k ≤ T times; q = η²s² carries ≤ 3ε. The bound returned is the sum of the
    recursion's and the closed form's: 2ε[2T + 3 + T(3 + 2ηλ/|1 − ηλ|)].
    """
    eta = check_positive("eta", eta)
    lam = check_real("lam", lam)
    check_int("steps", steps, 0, MAX_STEPS)
    u = eta * lam
    gap = abs(1.0 - u)
    theta_a = 3.0 if gap == 0.0 else 3.0 + 2.0 * abs(u) / gap
    return 2.0 * EPS * (2 * steps + 3 + steps * theta_a)


# --------------------------------------------------------------------------------------
# d dimensions
# --------------------------------------------------------------------------------------


@finite_result
def covariance_recursion(eta: float, H: Any, C: Any, B: float, steps: int,
                         sigma0: Any = None) -> FloatArray:
    """Σ_T of Σ_{t+1} = AΣ_tAᵀ + (η²/B)C, A = I − ηH, from Σ_0 (default 0), in float64."""
    eta, h, c, B = _problem(eta, H, C, B)
    check_int("steps", steps, 0, MAX_STEPS)
    d = h.shape[0]
    sigma = np.zeros((d, d)) if sigma0 is None else _symmetric("sigma0", sigma0, d).copy()
    a = np.eye(d) - eta * h
    q = (eta * eta / B) * c
    for _ in range(steps):
        sigma = a @ sigma @ a.T + q
        sigma = (sigma + sigma.T) / 2.0
    return sigma


@finite_result
def covariance_recursion_rounding(eta: float, H: Any, C: Any, B: float, steps: int,
                                  sigma_max: float) -> float:
    """Frobenius bound on the accumulated rounding of :func:`covariance_recursion`.

    One step commits at most δ = (2d + 2)ε(‖A‖_F²‖Σ‖_F + ‖Q‖_F) (two products of length d and
    a sum); an earlier error E is carried as AEAᵀ, whose norm is ≤ ρ(A)²‖E‖_F for symmetric A.
    So ‖Σ̂_T − Σ_T‖_F ≤ δ Σ_{k<T} ρ^{2k}, with ‖Σ‖_F ≤ ``sigma_max`` along the path.
    """
    eta, h, c, B = _problem(eta, H, C, B)
    check_int("steps", steps, 0, MAX_STEPS)
    sigma_max = check_real("sigma_max", sigma_max, 0.0, lo_open=False)
    d = h.shape[0]
    a = np.eye(d) - eta * h
    rho2 = spectral_radius(a) ** 2
    delta = (2 * d + 2) * EPS * (np.linalg.norm(a) ** 2 * sigma_max
                                 + eta * eta / B * np.linalg.norm(c))
    carried = float(steps) if rho2 == 1.0 else (1.0 - rho2**steps) / (1.0 - rho2)
    return float(delta * carried)


def stationary_covariance(eta: float, H: Any, C: Any, B: float, *,
                          require_stable: bool = True) -> FloatArray:
    """Σ with Σ = (I − ηH)Σ(I − ηH)ᵀ + (η²/B)C (``scipy.linalg.solve_discrete_lyapunov``).

    With ``require_stable`` (default) ρ(I − ηH) < 1 is demanded, i.e. 0 < ηλ_i < 2 for every
    eigenvalue: only then is Σ a stationary covariance. Without it the fixed point of the
    recursion is returned (it exists while no two eigenvalues of A multiply to 1) and may
    be indefinite: beyond the boundary it is repelling and not a covariance.
    """
    eta, h, c, B = _problem(eta, H, C, B)
    a = np.eye(h.shape[0]) - eta * h
    if require_stable and spectral_radius(a) >= 1.0:
        bound = 2.0 / float(np.abs(np.linalg.eigvalsh(h)).max())
        raise ParameterError("eta", eta, f"in (0, 2/λ_max) = (0, {bound:.6g}) for a "
                                         "stationary distribution")
    sigma = solve_discrete_lyapunov(a, (eta * eta / B) * c)
    return np.asarray((sigma + sigma.T) / 2.0, dtype=np.float64)


def sde_stationary_covariance(eta: float, H: Any, C: Any, B: float) -> FloatArray:
    """Σ with HΣ + ΣH = (η/B)C (``scipy.linalg.solve_continuous_lyapunov``): the stationary
    covariance of the SDE dx = −Hx dt + √(η/B) C^{½} dW. Needs H positive definite."""
    eta, h, c, B = _problem(eta, H, C, B)
    if float(np.linalg.eigvalsh(h)[0]) <= 0.0:
        raise ParameterError("H", "a matrix with an eigenvalue ≤ 0", "positive definite")
    sigma = solve_continuous_lyapunov(h, (eta / B) * c)
    return np.asarray((sigma + sigma.T) / 2.0, dtype=np.float64)


@finite_result
def stationary_error_bound(eta: float, H: Any, C: Any, B: float, sigma: Any) -> float:
    """A-posteriori Frobenius bound on a computed solution of the discrete equation.

    The error E = Σ̂ − Σ solves E − AEAᵀ = −R(Σ̂), R the residual. For symmetric A the
    operator X ↦ X − AXAᵀ has eigenvalues 1 − μ_iμ_j, so ‖E‖_F ≤ ‖R‖_F / min|1 − μ_iμ_j|.
    The residual is evaluated in float64, adding (2d + 3)ε(‖A‖_F²‖Σ̂‖_F + ‖Q‖_F + ‖Σ̂‖_F).
    """
    eta, h, c, B = _problem(eta, H, C, B)
    d = h.shape[0]
    sigma = _symmetric("sigma", sigma, d)
    a = np.eye(d) - eta * h
    q = (eta * eta / B) * c
    mu = np.linalg.eigvalsh(a)
    gap = float(np.min(np.abs(1.0 - np.outer(mu, mu))))
    residual = float(np.linalg.norm(a @ sigma @ a.T + q - sigma))
    rounding = (2 * d + 3) * EPS * (np.linalg.norm(a) ** 2 * np.linalg.norm(sigma)
                                    + np.linalg.norm(q) + np.linalg.norm(sigma))
    return float((residual + rounding) / gap)


@finite_result
def sde_error_bound(eta: float, H: Any, C: Any, B: float, sigma: Any) -> float:
    """A-posteriori Frobenius bound on a computed solution of HΣ + ΣH = (η/B)C.

    The operator X ↦ HX + XH has eigenvalues λ_i + λ_j ≥ 2λ_min, so ‖E‖_F ≤ ‖R‖_F/(2λ_min),
    plus the residual's own rounding (2d + 2)ε(2‖H‖_F‖Σ̂‖_F + ‖Q‖_F).
    """
    eta, h, c, B = _problem(eta, H, C, B)
    d = h.shape[0]
    sigma = _symmetric("sigma", sigma, d)
    q = (eta / B) * c
    lam_min = float(np.linalg.eigvalsh(h)[0])
    if lam_min <= 0.0:
        raise ParameterError("H", "a matrix with an eigenvalue ≤ 0", "positive definite")
    residual = float(np.linalg.norm(h @ sigma + sigma @ h - q))
    rounding = (2 * d + 2) * EPS * (2 * np.linalg.norm(h) * np.linalg.norm(sigma)
                                    + np.linalg.norm(q))
    return float((residual + rounding) / (2.0 * lam_min))


def rotated_quadratic(eigenvalues: Any, angle: float) -> FloatArray:
    """H = R(θ) diag(λ) R(θ)ᵀ in two dimensions: a Hessian whose eigenbasis is turned by θ,
    so that it does not commute with a diagonal noise covariance unless θ ∈ (π/2)ℤ."""
    lam = float_array("eigenvalues", eigenvalues)
    if lam.shape != (2,) or not np.all(np.isfinite(lam)):
        raise ParameterError("eigenvalues", eigenvalues, "two finite numbers")
    angle = check_real("angle", angle)
    c, s = np.cos(angle), np.sin(angle)
    r = np.array([[c, -s], [s, c]])
    h: FloatArray = (r * lam) @ r.T
    return (h + h.T) / 2.0


def stationary_loss(eta: float, H: Any, C: Any, B: float, *,
                    sde: bool = False) -> tuple[float, float, FloatArray]:
    """E[L] = ½tr(HΣ) at stationarity (discrete Lyapunov, or continuous with ``sde``), a
    bound on its error (½‖H‖_F times the a-posteriori Frobenius bound on Σ), and Σ."""
    solve, bound = ((sde_stationary_covariance, sde_error_bound) if sde
                    else (stationary_covariance, stationary_error_bound))
    sigma = solve(eta, H, C, B)
    h = _symmetric("H", H)
    error = bound(eta, h, C, B, sigma) * float(np.linalg.norm(h)) / 2.0
    return 0.5 * float(np.trace(h @ sigma)), error, sigma


def iterated_stationary_covariance(eta: float, H: Any, C: Any,
                                   B: float) -> tuple[FloatArray, float, int]:
    """Σ from the recursion run from 0 until ρ(A)^{2T} < ε, with a Frobenius error bound
    (rounding, :func:`covariance_recursion_rounding`, plus the part left, ‖A^TΣA^T‖_F ≤
    ρ^{2T}‖Σ‖_F, with ‖Σ‖_F ≤ ‖Σ_T‖_F/(1 − ρ^{2T})) and the number of steps T."""
    eta, h, c, B = _problem(eta, H, C, B)
    rho = spectral_radius(np.eye(h.shape[0]) - eta * h)
    if rho >= 1.0:
        raise ParameterError("eta", eta, "in (0, 2/λ_max) for the recursion to converge")
    steps = max(1, int(np.ceil(np.log(EPS) / np.log(rho)))) if rho > 0.0 else 1
    sigma = covariance_recursion(eta, h, c, B, steps)
    left = rho ** (2 * steps)
    size = float(np.linalg.norm(sigma)) / (1.0 - left)
    error = covariance_recursion_rounding(eta, h, c, B, steps, size) + left * size
    return sigma, error, steps


def per_direction_covariance(eta: float, H: Any, C: Any, B: float) -> FloatArray:
    """The 1-D formula applied along each eigenvector u_i of H with the projected noise
    c_i = u_iᵀCu_i: Σ ≈ Σ_i ηc_i/(Bλ_i(2 − ηλ_i)) u_iu_iᵀ. Exact iff H and C commute (then C
    is diagonal in H's eigenbasis); otherwise it drops the cross-covariances."""
    eta, h, c, B = _problem(eta, H, C, B)
    lam, u = np.linalg.eigh(h)
    if float(lam[0]) <= 0.0 or eta * float(lam[-1]) >= 2.0:
        raise ParameterError("eta", eta, "such that 0 < ηλ_i < 2 for every eigenvalue of H "
                                         "(H positive definite, η < 2/λ_max)")
    c_proj = np.einsum("ij,ik,kj->j", u, c, u)
    out: FloatArray = (u * (eta * c_proj / (B * lam * (2.0 - eta * lam)))) @ u.T
    return out


# --------------------------------------------------------------------------------------
# Monte Carlo kernel
# --------------------------------------------------------------------------------------


def sgd_correlated_quadratic(eta: float, H: Any, noise_cov: Any, steps: int) -> Kernel:
    """SGD x ← (I − ηH)x − ηξ, ξ ~ N(0, noise_cov), from x₀ = 0, for any symmetric H and
    positive semidefinite noise covariance (``noise_cov`` = C/B); the kernel returns the
    final iterates x_T, shape (n, d).

    A chain is a row, so a step is x ← x(I − ηH) + z(−ηS) with z ~ N(0, I) and S the
    symmetric square root of the noise covariance (S² = C/B, from its eigen-decomposition).
    A covariance with an eigenvalue below −8ε·max(1, max|c_ij|) is not PSD and raises
    :class:`ParameterError`; only the rounding-sized negatives ``eigh`` returns for a
    singular PSD matrix (inside that band) are taken as 0.
    Coordinates are kept as d separate columns and the small products written as 2d²
    scalar multiply-adds of whole columns: ufuncs that release the GIL for the runner's
    threads (a (n, d) @ (d, d) product with tiny d does not).
    """
    eta = check_positive("eta", eta)
    h = _symmetric("H", H)
    d = h.shape[0]
    _, w, u = _psd("noise_cov", noise_cov, d)
    check_int("steps", steps, 0, MAX_STEPS)
    A = np.eye(d) - eta * h
    K = -eta * (u * np.sqrt(w)) @ u.T
    a = [[float(A[j, i]) for j in range(d)] for i in range(d)]
    k = [[float(K[j, i]) for j in range(d)] for i in range(d)]

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = [xp.zeros(rng.n, dtype=rng.dtype) for _ in range(d)]
        for _ in range(steps):
            z = rng.normal(d)
            new = []
            for i in range(d):
                acc = x[0] * a[i][0]
                for j in range(1, d):
                    acc += x[j] * a[i][j]
                for j in range(d):
                    acc += z[:, j] * k[i][j]
                new.append(acc)
            x = new
        return xp.stack(x, axis=1)

    return kernel
