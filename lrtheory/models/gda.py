"""Gradient descent–ascent (GDA) on the bilinear game f(x, y) = xᵀAy, and its SVD blocks.

The minimiser x and the maximiser y step on f with their own rates η_G and η_D:

    simultaneous:  x' = x − η_G A y,   y' = y + η_D Aᵀ x
    alternating:   x' = x − η_G A y,   y' = y + η_D Aᵀ x'      (y sees the new x)

Both are linear, z = (x, y) ↦ M z. With the SVD A = Σ_i σ_i u_i v_iᵀ the coordinates
(u_iᵀx, v_iᵀy) do not talk to each other: in the orthonormal basis W whose columns are
(u_i, 0), (0, v_i) (i ≤ r = rank A), then the null directions of A and Aᵀ, the game is
M = W · blockdiag(B(σ_1), …, B(σ_r), I) · Wᵀ, with B(σ) the 2×2 map of the scalar game
f = σxy. That decoupling is what :func:`decoupling` puts to the test: run the rule on the
full game from the identity (:func:`game_power`) and compare with the blocks' powers,
within the rounding bound of :func:`power_rounding` and of the floating-point SVD.

Rounding (Higham's model, u = ε/2, γ_k = ku/(1 − ku)): one step computes fl(M z) = M z + δ
with ‖δ‖ ≤ e‖z‖, e from :func:`step_rounding`; an error made at step t is carried by
M^{T−1−t}, so ‖Ẑ_T − M^T‖_F ≤ e Σ_{t<T} ‖M^{T−1−t}‖₂ ‖Ẑ_t‖_F (first order in ε, with the
norms of the run itself standing in for the exact ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.stats import ortho_group

from lrtheory._rules import _positive
from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
    require_finite,
)
from lrtheory.models.linear_rate import henrici_upper, measured_rate, rate_rounding
from lrtheory.models.rounding import EPS, gamma
from lrtheory.optimizers import Array, gradient_step

FloatArray = np.ndarray[Any, Any]
GameGradient = Callable[[Array, Array], Array]
"""∇_x f or ∇_y f of a two-player game as a function of (x, y)."""


def bilinear_matrix(m: int, n: int, singular_values: Sequence[float], seed: int) -> FloatArray:
    """A = U_r diag(σ) V_rᵀ, m × n, with the given singular values (r ≤ min(m, n) of them,
    each > 0) and Haar-random orthonormal singular vectors."""
    m, n = check_int("m", m, 1, MAX_SIZE), check_int("n", n, 1, MAX_SIZE)
    s = _sigmas(singular_values, "singular_values")
    if s.size > min(m, n):
        raise ParameterError("singular_values", singular_values, f"at most min(m, n) = "
                             f"{min(m, n)} numbers")
    rng = np.random.default_rng(check_int("seed", seed, 0))
    u = ortho_group.rvs(m, random_state=rng) if m > 1 else np.ones((1, 1))
    v = ortho_group.rvs(n, random_state=rng) if n > 1 else np.ones((1, 1))
    return np.asarray((u[:, :s.size] * s) @ v[:, :s.size].T)


def gda_step(x: Array, y: Array, grad_x: GameGradient, grad_y: GameGradient, eta_g: Any,
             eta_d: Any, *, alternating: bool) -> tuple[Array, Array]:
    """One GDA step of a two-player game: descent on x, ascent on y (descent on −f), both
    with :func:`lrtheory.optimizers.gradient_step`; ``alternating`` lets y see the new x.

    ``grad_x(x, y)`` and ``grad_y(x, y)`` are ∇_x f and ∇_y f; the step runs on whatever
    they accept: NumPy/CuPy batches of chains (see :func:`bilinear_gradients`) or SymPy
    symbols (the claims derive the update matrix from this very function).
    """
    _positive("eta_g", eta_g), _positive("eta_d", eta_d)  # numbers > 0; SymPy passes
    x_new = gradient_step(x, grad_x(x, y), eta_g)
    seen = x_new if alternating else x
    return x_new, gradient_step(y, -grad_y(seen, y), eta_d)


def bilinear_gradients(A: Any) -> tuple[GameGradient, GameGradient]:
    """(∇_x f, ∇_y f) = (Ay, Aᵀx) of f = xᵀAy for chains stored as rows (x is (…, m), y is
    (…, n)): y ↦ yAᵀ and x ↦ xA. ``A`` may be a NumPy or CuPy array."""
    if np.ndim(A) != 2:
        raise ParameterError("A", np.shape(A), "a 2-D matrix")
    return (lambda x, y: y @ A.T), (lambda x, y: x @ A)


def svd_basis(A: Any) -> tuple[FloatArray, FloatArray]:
    """(σ, W): the nonzero singular values and the orthonormal basis of (x, y) space whose
    columns are (u_i, 0), (0, v_i) for each σ_i, then the null directions of Aᵀ (x-side)
    and of A (y-side), in which GDA is block diagonal."""
    a = _matrix(A)
    m, n = a.shape
    u, s, vt = np.linalg.svd(a)
    r = int(np.sum(s > s[0] * max(m, n) * EPS)) if s.size else 0
    w = np.zeros((m + n, m + n))
    w[:m, 0:2 * r:2], w[m:, 1:2 * r:2] = u[:, :r], vt[:r].T
    w[:m, 2 * r:m + r], w[m:, m + r:] = u[:, r:], vt[r:].T
    return s[:r], w


def block_path(block: Callable[[float], FloatArray], sigmas: Sequence[float] | FloatArray,
               steps: int) -> FloatArray:
    """B(σ_i)^t for t = 0..T and each σ_i, by successive 2×2 products: shape (T + 1, r, 2, 2)."""
    steps = check_int("steps", steps, 0, MAX_STEPS)
    b = np.array([np.asarray(block(float(x)), dtype=float) for x in _sigmas(sigmas)])
    if b.shape[1:] != (2, 2) or not np.all(np.isfinite(b)):
        raise ParameterError("block", b.shape[1:], "a function returning finite 2×2 matrices")
    path = np.empty((steps + 1, *b.shape))
    path[0] = np.eye(2)
    for t in range(steps):
        path[t + 1] = b @ path[t]
    return path


def block_powers(block: Callable[[float], FloatArray], sigmas: Sequence[float] | FloatArray,
                 steps: int) -> tuple[FloatArray, float]:
    """B(σ_i)^T for each σ_i (:func:`block_path`) and a Frobenius bound on the rounding of
    the whole stack: e_B Σ_{t<T} ‖B^{T−1−t}‖₂‖B̂^t‖_F per block with e_B = γ_2‖|B|‖₂
    (2-term dot products), summed in quadrature over the blocks."""
    path = block_path(block, sigmas, steps)
    norms2 = np.linalg.norm(path, 2, axis=(-2, -1))  # (T + 1, r)
    normsf = np.linalg.norm(path, axis=(-2, -1))
    e_b = gamma(2) * np.linalg.norm(np.abs(path[1]), 2, axis=(-2, -1)) if steps else [0.0]
    errors = [power_rounding(norms2[:, i], normsf[:, i], float(e_b[i]))
              for i in range(path.shape[1])]
    return path[-1], float(np.sqrt(np.sum(np.square(errors))))


def kernel_moments(A: Any, block: Callable[[float], FloatArray], eta_g: float, eta_d: float,
                   steps: int, *, alternating: bool) -> tuple[float, float, float]:
    """For :func:`game_kernel` from z₀ ~ N(0, I): E‖z_T‖², and bounds on the rounding bias of
    its ‖z_T‖² column and of its form columns (C, E). With the 2×2 maps ``block(σ)`` on the
    SVD blocks (:func:`block_path`) and M = I on the m + n − 2r null directions,
    s_t = E‖z_t‖² = ‖M^t‖_F² = Σ_i‖B(σ_i)^t‖_F² + m + n − 2r.

    The run's error ẑ_T − z_T = Σ_{t<T} M^{T−1−t}δ_t, ‖δ_t‖ ≤ e‖ẑ_t‖ (:func:`step_rounding`),
    has L² norm ≤ E_r = e Σ_t ‖M^{T−1−t}‖₂√s_t (Minkowski; ẑ_t for z_t to first order), so a
    form zᵀKz moves by ≤ ‖K‖(2√s_T E_r + E_r²) (Cauchy–Schwarz) and evaluating it adds
    ≤ g·E‖ẑ_T‖² ≤ g(√s_T + E_r)², with (‖K‖, g) = (1, γ_{m+n+1}) for ‖z‖² and
    :func:`form_constant` for C and E.
    """
    a = _matrix(A)
    k = sum(a.shape)
    s, _ = svd_basis(a)
    path = block_path(block, s, steps)
    null = k - 2 * s.size
    norms2 = np.maximum(np.linalg.norm(path, 2, axis=(-2, -1)).max(axis=1), 1.0 if null else 0.0)
    second = np.sum(path**2, axis=(1, 2, 3)) + null
    err = step_rounding(a, eta_g, eta_d, alternating=alternating) * float(
        np.dot(norms2[-2::-1], np.sqrt(second[:-1])))
    root = float(np.sqrt(second[-1]))
    (size, rounding), bias = form_constant(a, eta_g, eta_d), (2.0 * root + err) * err
    return (float(second[-1]), bias + gamma(k + 1) * (root + err) ** 2,
            size * bias + rounding * (root + err) ** 2)


def block_prediction(blocks: FloatArray, w: FloatArray) -> FloatArray:
    """W · blockdiag(blocks[0], …, blocks[r−1], I) · Wᵀ for (r, 2, 2) blocks."""
    b, w = float_array("blocks", blocks), float_array("w", w)
    k = w.shape[0]
    if b.ndim != 3 or b.shape[1:] != (2, 2) or w.shape != (k, k) or k < 2 * len(b):
        raise ParameterError("blocks, w", (b.shape, w.shape), "(r, 2, 2) and (k, k), k ≥ 2r")
    d = np.eye(k)
    for i, block in enumerate(b):
        d[2 * i:2 * i + 2, 2 * i:2 * i + 2] = block
    out: FloatArray = w @ d @ w.T
    return out


def decoupling(A: Any, block: Callable[[float], FloatArray], eta_g: float, eta_d: float,
               steps: int, *, alternating: bool) -> tuple[float, float, float]:
    """(‖Ẑ_T − P‖_F, its tolerance, ‖P‖_F): the full game's M^T run by :func:`game_power`
    against the prediction P = W·blockdiag(B(σ_i)^T, I)·Wᵀ from the 2×2 maps ``block(σ)``
    (:func:`svd_basis`, :func:`block_powers`, :func:`block_prediction`). The tolerance is

    * the run's rounding, :func:`power_rounding` with :func:`step_rounding`;
    * the blocks' own rounding (from :func:`block_powers`) and that of the product W·D·Wᵀ,
      2γ_k‖W‖_F²‖D‖_F;
    * the floating-point SVD: W is orthogonal only to ‖F‖ = ‖WᵀW − I‖₂, and its orthogonal
      polar factor W₀ (same block structure) is within ‖F‖ of it, moving the prediction by
      ≤ ‖F‖(2 + ‖F‖)‖D‖_F; the blocks then describe the game Â = U₀ΣV₀ᵀ, within
      δA = ‖A − ÛΣV̂ᵀ‖₂ + ‖F‖(2 + ‖F‖)σ_max of A, which moves M by
      ‖δM‖₂ ≤ (η_G + η_D + η_Gη_D(2‖A‖₂ + δA))δA and M^T by Σ_{t<T}‖M^{T−1−t}‖₂‖δM‖₂‖M^t‖₂
      (first order, the run's norms). ‖F‖ and the SVD residual carry their own evaluation
      rounding, γ_{m+n+2} times the sizes involved.
    """
    a = _matrix(A)
    m, k = a.shape[0], sum(a.shape)
    z_t, norms2, normsf = game_power(a, eta_g, eta_d, steps, alternating=alternating)
    s, w = svd_basis(a)
    blocks, block_error = block_powers(block, s, steps)
    prediction = block_prediction(blocks, w)
    run = power_rounding(norms2, normsf, step_rounding(a, eta_g, eta_d, alternating=alternating))
    d_fro = float(np.linalg.norm(prediction))
    g = gamma(k + 2)
    rebuilt = (w[:m, 0:2 * s.size:2] * s) @ w[m:, 1:2 * s.size:2].T
    residual = float(np.linalg.norm(a - rebuilt, 2)) + g * 2.0 * float(np.linalg.norm(a) + 1.0)
    ortho = float(np.linalg.norm(w.T @ w - np.eye(k), 2)) + g * k
    delta_a = residual + ortho * (2.0 + ortho) * float(np.max(s, initial=0.0))
    delta_m = (eta_g + eta_d + eta_g * eta_d * (2.0 * float(np.linalg.norm(a, 2)) + delta_a)
               ) * delta_a
    carried = delta_m * float(np.dot(norms2[-2::-1], norms2[:-1]))
    tol = run + block_error + 2.0 * gamma(k) * k * d_fro + ortho * (2.0 + ortho) * d_fro + carried
    return float(np.linalg.norm(z_t - prediction)), float(tol), d_fro


@finite_result
def game_power(A: Any, eta_g: float, eta_d: float, steps: int, *,
               alternating: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    """M^T of the full game, by running the rule T times from the identity (each row of the
    state a basis vector of (x, y)); returns (Ẑ_T, ‖Ẑ_t‖₂ and ‖Ẑ_t‖_F for t = 0..T).

    Row j of Ẑ_T is the state reached from e_j, i.e. (M^T)ᵀ: returned transposed, as M^T.
    """
    path = orbit(A, np.eye(sum(_matrix(A).shape)), eta_g, eta_d, steps,
                 alternating=alternating)
    require_finite("gda.game_power", path, eta_g=eta_g, eta_d=eta_d, steps=steps)  # (LAPACK)
    norms2 = np.linalg.norm(path, 2, axis=(-2, -1))
    normsf = np.linalg.norm(path, axis=(-2, -1))
    return path[-1].T.copy(), norms2, normsf


def step_rounding(A: Any, eta_g: float, eta_d: float, *, alternating: bool) -> float:
    """e with ‖fl(step(z)) − Mz‖ ≤ e‖z‖ for one GDA step as :func:`gda_step` computes it.

    x' = x − η_G(Ay): each entry a dot product of n terms, a product and a difference, so
    ‖δx‖ ≤ γ_{n+2}(‖x‖ + η_G a‖y‖) with a = ‖|A|‖₂ (the entrywise modulus). Likewise
    ‖δy‖ ≤ γ_{m+2}(‖y‖ + η_D a‖x̂'‖), where alternating GDA feeds the rounded x̂' forward:
    its error reaches y' times η_D‖A‖, and ‖x̂'‖ ≤ (1 + γ)(‖x‖ + η_G‖A‖‖y‖). Simultaneous:
    e = γ(2 + (η_G + η_D)a); alternating: e = γ(1 + γ)[(1 + η_G a)(1 + 2η_D a) + 1].
    """
    eta_g, eta_d = _etas(eta_g, eta_d)
    a_abs = float(np.linalg.norm(np.abs(_matrix(A)), 2))
    g = gamma(max(_matrix(A).shape) + 2)
    if not alternating:
        return g * (2.0 + (eta_g + eta_d) * a_abs)
    return g * (1.0 + g) * ((1.0 + eta_g * a_abs) * (1.0 + 2.0 * eta_d * a_abs) + 1.0)


def power_rounding(norms2: FloatArray, normsf: FloatArray, e: float) -> float:
    """‖Ẑ_T − M^T‖_F ≤ e Σ_{t<T} ‖M^{T−1−t}‖₂ ‖Ẑ_t‖_F (first order; the run's own ‖Ẑ_j‖₂
    for ‖M^j‖₂), for the norms returned by :func:`game_power`."""
    norms2, normsf = _vector("norms2", norms2), _vector("normsf", normsf, len(norms2))
    (e,) = _nonneg(e=e)
    return float(e * np.dot(norms2[-2::-1], normsf[:-1]))


def quadratic_drift_bound(norms: FloatArray, e: float, form_norm: float,
                          form_rounding: float) -> float:
    """Rounding bound on |C(ẑ_t) − C(ẑ_0)| along an orbit, for a form C(z) = zᵀKz that the
    exact map conserves (C(Mz) = C(z)), ``norms`` = ‖ẑ_t‖ for t = 0..T.

    A step computes ẑ_{t+1} = Mẑ_t + δ_t, ‖δ_t‖ ≤ e‖ẑ_t‖, so C(ẑ_{t+1}) − C(ẑ_t) =
    2(Mẑ_t)ᵀKδ_t + δ_tᵀKδ_t, at most ‖K‖e‖ẑ_t‖(2‖ẑ_{t+1}‖ + 3e‖ẑ_t‖) (‖Mẑ_t‖ ≤ ‖ẑ_{t+1}‖ +
    ‖δ_t‖). Evaluating C in floats adds ≤ ``form_rounding``·‖z‖² at each end. The bound
    grows with t, so it also bounds the largest drift over t ≤ T.
    """
    z = _vector("norms", norms)
    e, form_norm, form_rounding = _nonneg(e=e, form_norm=form_norm, form_rounding=form_rounding)
    carried = np.sum(z[:-1] * (2.0 * z[1:] + 3.0 * e * z[:-1]))
    return float(form_norm * e * carried + form_rounding * (z[0] ** 2 + np.max(z) ** 2))


def _matrix(A: Any) -> FloatArray:
    a = float_array("A", A)
    if a.ndim != 2 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ParameterError("A", np.shape(A), "a finite non-empty 2-D matrix")
    return a


def _etas(eta_g: float, eta_d: float) -> tuple[float, float]:
    return check_positive("eta_g", eta_g), check_positive("eta_d", eta_d)


def _nonneg(**values: float) -> list[float]:
    return [check_real(name, v, 0.0, lo_open=False) for name, v in values.items()]


def _vector(name: str, value: Any, size: int | None = None) -> FloatArray:
    """A finite non-empty 1-D float array (of length ``size`` when given)."""
    v = float_array(name, value)
    if v.ndim != 1 or v.size == 0 or v.size != (size or v.size) or not np.isfinite(v).all():
        raise ParameterError(name, np.shape(value), f"finite, 1-D, length {size or '≥ 1'}")
    return v


def _sigmas(sigmas: Sequence[float] | FloatArray, name: str = "sigmas") -> FloatArray:
    s = np.atleast_1d(float_array(name, sigmas))
    if s.ndim != 1 or not np.all(s > 0) or not np.isfinite(s).all():
        raise ParameterError(name, sigmas, "a 1-D array of singular values in (0, inf)")
    return s


@finite_result
def rate_interval(rho: float, nu: float, k: int, steps: int, e: float) -> tuple[float, float]:
    """(centre, half-width) of where r_T = ‖M^T‖₂^{1/T} of a k×k linear rule, run with steps
    that err by ≤ e‖z‖ (:func:`block_rates`), must lie if ρ(M) = ρ and M departs from
    normality by ν: Henrici's one-sided ρ ≤ r_T ≤ U (``henrici_upper``) widened by the run's
    rounding (``rate_rounding``). So |centre − r_T| ≤ half-width refutes a ρ above r_T,
    which a symmetric test ρ ± (U − ρ) would accept."""
    nu, e = _nonneg(nu=nu, e=e)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    upper = henrici_upper(check_positive("rho", rho), nu, check_int("k", k, 1, MAX_SIZE), steps)
    return (rho + upper) / 2, (upper - rho) / 2 + rate_rounding(rho, nu, k, steps, e)


def scalar_power(sigma: float, eta_g: float, eta_d: float, steps: int, *,
                 alternating: bool) -> tuple[FloatArray, float]:
    """B(σ)^T of the scalar game f = σxy by running the rule T times (:func:`game_power`
    with A = [[σ]]), and the Frobenius bound on its rounding (:func:`power_rounding` with
    :func:`step_rounding`)."""
    a = np.array([[check_positive("sigma", sigma)]])
    power, norms2, normsf = game_power(a, eta_g, eta_d, steps, alternating=alternating)
    return power, power_rounding(norms2, normsf, step_rounding(a, eta_g, eta_d,
                                                                alternating=alternating))


def form_constant(A: Any, eta_g: float, eta_d: float) -> tuple[float, float]:
    """(κ, γκ) with κ = max(1/η_G, 1/η_D) + ‖|A|‖₂/2 ≥ ‖K‖₂ for the forms
    C = ‖x‖²/η_G + ‖y‖²/η_D − xᵀAy and E = ‖x‖²/η_G + ‖y‖²/η_D, and γ_{m+n+3}κ bounding the
    rounding of evaluating either, per ‖z‖²."""
    a = _matrix(A)
    eta_g, eta_d = _etas(eta_g, eta_d)
    size = max(1 / eta_g, 1 / eta_d) + float(np.linalg.norm(np.abs(a), 2)) / 2
    return size, gamma(sum(a.shape) + 3) * size


@finite_result
def block_rates(sigmas: Sequence[float], eta_g: float, eta_d: float, steps: int, *,
                alternating: bool) -> FloatArray:
    """r_T = ‖B(σ)^T‖₂^{1/T} of the scalar game f = σxy, measured by running the rule
    (:func:`lrtheory.models.linear_rate.measured_rate`) for every σ at once (a batch)."""
    sig = _sigmas(sigmas)
    eta_g, eta_d = _etas(eta_g, eta_d)

    def step(state: tuple[FloatArray, ...]) -> tuple[Any, Any]:
        return gda_step(state[0], state[1], lambda x, y: sig * y, lambda x, y: sig * x,
                        eta_g, eta_d, alternating=alternating)

    return np.asarray(measured_rate(step, 2, steps, batch=sig.shape))


def orbit(A: Any, z0: Any, eta_g: float, eta_d: float, steps: int, *,
          alternating: bool) -> FloatArray:
    """The states z_t = (x_t, y_t), t = 0..T, of :func:`gda_step` run on f = xᵀAy from z₀,
    of length m + n or a batch of them as rows: shape (T + 1, *z₀.shape)."""
    a = _matrix(A)
    eta_g, eta_d = _etas(eta_g, eta_d)
    m, k = a.shape[0], sum(a.shape)
    start = float_array("z0", z0)
    if start.ndim not in (1, 2) or start.shape[-1] != k or not np.isfinite(start).all():
        raise ParameterError("z0", start.shape, f"finite, of shape ({k},) or (b, {k})")
    z = np.empty((check_int("steps", steps, 0, MAX_STEPS) + 1, *start.shape))
    z[0] = start
    grad_x, grad_y = bilinear_gradients(a)
    for t in range(steps):
        z[t + 1, ..., :m], z[t + 1, ..., m:] = gda_step(
            z[t, ..., :m], z[t, ..., m:], grad_x, grad_y, eta_g, eta_d, alternating=alternating)
    return z


@finite_result
def orbit_balance(A: Any, eta_g: float, eta_d: float, steps: int, *, alternating: bool,
                  seed: int = 0) -> tuple[float, float, float]:
    """Along one :func:`orbit` of the full game from z₀ ~ N(0, I) (``seed``): (largest
    violation, its rounding bound, κ·max‖z_t‖²) of the exact balance law of each scheme,

    * alternating: C(z_t) = C(z₀), C = ‖x‖²/η_G + ‖y‖²/η_D − xᵀAy (conserved);
    * simultaneous: E(z_t) = E(z₀) + Σ_{s<t}(η_G‖Ay_s‖² + η_D‖Aᵀx_s‖²),
      E = ‖x‖²/η_G + ‖y‖²/η_D (per block, the growth factor 1 + η_Gη_Dσ_i²).

    The bound is :func:`quadratic_drift_bound` (the law holds exactly for the exact map, so
    only rounding can break it), plus, for the simultaneous law, evaluating the increments
    and their running sum, γ_{m+n+3+T}(η_G + η_D)‖|A|‖² Σ_t‖z_t‖².
    """
    a = _matrix(A)
    eta_g, eta_d = _etas(eta_g, eta_d)
    (m, _), k = a.shape, sum(a.shape)
    z0 = np.random.default_rng(check_int("seed", seed, 0)).standard_normal(k)
    z = orbit(a, z0, eta_g, eta_d, check_int("steps", steps, 1, MAX_STEPS),
              alternating=alternating)
    x, y = z[:, :m], z[:, m:]
    law = np.sum(x * x, axis=1) / eta_g + np.sum(y * y, axis=1) / eta_d
    if alternating:
        law -= np.sum((x @ a) * y, axis=1)
    else:
        gained = eta_g * np.sum((y @ a.T) ** 2, axis=1) + eta_d * np.sum((x @ a) ** 2, axis=1)
        law[1:] -= np.cumsum(gained[:-1])
    size, rounding = form_constant(a, eta_g, eta_d)
    norms = np.linalg.norm(z, axis=1)
    tol = quadratic_drift_bound(norms, step_rounding(a, eta_g, eta_d, alternating=alternating),
                                size, rounding)
    if not alternating:
        a_abs = float(np.linalg.norm(np.abs(a), 2))
        tol += gamma(k + 3 + steps) * (eta_g + eta_d) * a_abs**2 * float(np.sum(norms**2))
    return float(np.max(np.abs(law - law[0]))), tol, size * float(np.max(norms)) ** 2


def game_kernel(A: Any, eta_g: float, eta_d: float, steps: int, *,
                alternating: bool) -> Callable[[Any], Any]:
    """Monte Carlo kernel: z₀ ~ N(0, I) through T steps of the full game, per chain
    (‖z_T‖², C(z_T), E(z_T)) with C = ‖x‖²/η_G + ‖y‖²/η_D − xᵀAy and E = ‖x‖²/η_G +
    ‖y‖²/η_D; vectorised over chains with the ChunkRNG's array module (NumPy or CuPy)."""
    a = _matrix(A)
    eta_g, eta_d = _etas(eta_g, eta_d)
    steps = check_int("steps", steps, 0, MAX_STEPS)
    m, k = a.shape[0], sum(a.shape)

    def kernel(rng: Any) -> Any:
        xp = rng.xp
        a_x = xp.asarray(a, dtype=rng.dtype)
        grad_x, grad_y = bilinear_gradients(a_x)
        z = rng.normal(k)
        x, y = z[:, :m], z[:, m:]
        for _ in range(steps):
            x, y = gda_step(x, y, grad_x, grad_y, eta_g, eta_d, alternating=alternating)
        xx, yy = xp.sum(x * x, axis=1), xp.sum(y * y, axis=1)
        energy = xx / eta_g + yy / eta_d
        return xp.stack([xx + yy, energy - xp.sum((x @ a_x) * y, axis=1), energy], axis=1)

    return kernel

