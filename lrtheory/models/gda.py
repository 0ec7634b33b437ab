"""Gradient descent–ascent (GDA) on the bilinear game f(x, y) = xᵀAy, and its SVD blocks.

The minimiser x and the maximiser y step on f with their own rates η_G and η_D:

    simultaneous:  x' = x − η_G A y,   y' = y + η_D Aᵀ x
    alternating:   x' = x − η_G A y,   y' = y + η_D Aᵀ x'      (y sees the new x)

Both are linear, z = (x, y) ↦ M z. With the SVD A = Σ_i σ_i u_i v_iᵀ the coordinates
(u_iᵀx, v_iᵀy) do not talk to each other: in the orthonormal basis W whose columns are
(u_i, 0), (0, v_i) (i ≤ r = rank A), then the null directions of A and Aᵀ, the game is
M = W · blockdiag(B(σ_1), …, B(σ_r), I) · Wᵀ, with B(σ) the 2×2 map of the scalar game
f = σxy. That decoupling is what :func:`svd_basis` and :func:`block_prediction` put to the
test: run the rule on the full game from the identity (:func:`game_power`) and compare
with the blocks' powers, within the rounding bound of :func:`power_rounding`.

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

from lrtheory.errors import ParameterError, check_int, check_positive
from lrtheory.models.linear_rate import measured_rate
from lrtheory.models.rounding import EPS, gamma
from lrtheory.optimizers import Array, gradient_step

FloatArray = np.ndarray[Any, Any]
GameGradient = Callable[[Array, Array], Array]
"""∇_x f or ∇_y f of a two-player game as a function of (x, y)."""


def bilinear_matrix(m: int, n: int, singular_values: Sequence[float], seed: int) -> FloatArray:
    """A = U_r diag(σ) V_rᵀ, m × n, with the given singular values (r ≤ min(m, n) of them,
    each > 0) and Haar-random orthonormal singular vectors."""
    m, n = check_int("m", m, 1), check_int("n", n, 1)
    s = np.asarray(singular_values, dtype=float)
    if s.ndim != 1 or not 1 <= s.size <= min(m, n):
        raise ParameterError("singular_values", singular_values,
                             f"between 1 and min(m, n) = {min(m, n)} numbers")
    for value in s:
        check_positive("singular_values", float(value))
    rng = np.random.default_rng(check_int("seed", seed, 0))
    u = ortho_group.rvs(m, random_state=rng) if m > 1 else np.ones((1, 1))
    v = ortho_group.rvs(n, random_state=rng) if n > 1 else np.ones((1, 1))
    r = s.size
    a: FloatArray = (u[:, :r] * s) @ v[:, :r].T
    return a


def gda_step(x: Array, y: Array, grad_x: GameGradient, grad_y: GameGradient, eta_g: Any,
             eta_d: Any, *, alternating: bool) -> tuple[Array, Array]:
    """One GDA step of a two-player game: descent on x, ascent on y (descent on −f), both
    with :func:`lrtheory.optimizers.gradient_step`; ``alternating`` lets y see the new x.

    ``grad_x(x, y)`` and ``grad_y(x, y)`` are ∇_x f and ∇_y f; the step runs on whatever
    they accept: NumPy/CuPy batches of chains (see :func:`bilinear_gradients`) or SymPy
    symbols (the claims derive the update matrix from this very function).
    """
    x_new = gradient_step(x, grad_x(x, y), eta_g)
    seen = x_new if alternating else x
    return x_new, gradient_step(y, -grad_y(seen, y), eta_d)


def bilinear_gradients(A: Any) -> tuple[GameGradient, GameGradient]:
    """(∇_x f, ∇_y f) = (Ay, Aᵀx) of f = xᵀAy for chains stored as rows (x is (…, m), y is
    (…, n)): y ↦ yAᵀ and x ↦ xA. ``A`` may be a NumPy or CuPy array."""
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
    for i in range(r):
        w[:m, 2 * i] = u[:, i]
        w[m:, 2 * i + 1] = vt[i]
    col = 2 * r
    for i in range(r, m):
        w[:m, col] = u[:, i]
        col += 1
    for i in range(r, n):
        w[m:, col] = vt[i]
        col += 1
    return s[:r], w


def block_path(block: Callable[[float], FloatArray], sigmas: Sequence[float] | FloatArray,
               steps: int) -> FloatArray:
    """B(σ_i)^t for t = 0..T and each σ_i, by successive 2×2 products: shape (T + 1, r, 2, 2)."""
    steps = check_int("steps", steps, 0)
    b = np.array([np.asarray(block(float(x)), dtype=float) for x in np.atleast_1d(sigmas)])
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


def form_bias_bound(norms2: FloatArray, second_moments: FloatArray, e: float,
                    form_norm: float, form_rounding: float) -> float:
    """Bound on |E[fl(ẑ_TᵀKẑ_T)] − E[z_TᵀKz_T]| for chains run with rounding: the
    deterministic bias a Monte Carlo mean of a quadratic form of the final state carries.

    The run's error ẑ_T − z_T = Σ_{t<T} M^{T−1−t}δ_t with ‖δ_t‖ ≤ e‖ẑ_t‖ has L² norm at most
    E_r = e Σ_t ‖M^{T−1−t}‖₂ √s_t (Minkowski; s_t = E‖z_t‖², ``second_moments``, with ẑ_t
    for z_t to first order), so the form moves by ≤ ‖K‖(2√s_T E_r + E_r²) (Cauchy–Schwarz),
    and evaluating it adds ≤ ``form_rounding``·E‖ẑ_T‖² ≤ form_rounding·(√s_T + E_r)².
    """
    s = np.asarray(second_moments, dtype=float)
    steps = len(s) - 1
    err = e * float(np.sum(np.asarray(norms2)[:steps][::-1] * np.sqrt(s[:steps])))
    root = float(np.sqrt(s[-1]))
    return form_norm * (2.0 * root * err + err**2) + form_rounding * (root + err) ** 2


def block_prediction(blocks: FloatArray, w: FloatArray) -> FloatArray:
    """W · blockdiag(blocks[0], …, blocks[r−1], I) · Wᵀ for (r, 2, 2) blocks."""
    b = np.asarray(blocks, dtype=float)
    k = w.shape[0]
    d = np.eye(k)
    for i, block in enumerate(b):
        d[2 * i:2 * i + 2, 2 * i:2 * i + 2] = block
    out: FloatArray = w @ d @ w.T
    return out


def decoupling_tolerance(A: Any, eta_g: float, eta_d: float, s: FloatArray, w: FloatArray,
                         norms2: FloatArray, normsf: FloatArray, prediction: FloatArray,
                         block_error: float, *, alternating: bool) -> float:
    """Frobenius tolerance for ‖Ẑ_T − W·blockdiag(B(σ_i)^T)·Wᵀ‖ (the full game run by
    :func:`game_power` against its SVD blocks), the sum of

    * the run's rounding, :func:`power_rounding` with :func:`step_rounding`;
    * the blocks' own rounding ``block_error`` (from :func:`block_powers`) and that of the
      product W·D·Wᵀ, 2γ_k‖W‖_F²‖D‖_F;
    * the floating-point SVD: W is orthogonal only to ‖F‖ = ‖WᵀW − I‖₂, and its orthogonal
      polar factor W₀ (same block structure) is within ‖F‖ of it, moving the prediction by
      ≤ ‖F‖(2 + ‖F‖)‖D‖_F; the blocks then describe the game Â = U₀ΣV₀ᵀ, within
      δA = ‖A − ÛΣV̂ᵀ‖₂ + ‖F‖(2 + ‖F‖)σ_max of A, which moves M by
      ‖δM‖₂ ≤ (η_G + η_D + η_Gη_D(2‖A‖₂ + δA))δA and M^T by :func:`perturbation_effect`.
    """
    a = _matrix(A)
    k = w.shape[0]
    run = power_rounding(norms2, normsf, step_rounding(a, eta_g, eta_d, alternating=alternating))
    d_fro = float(np.linalg.norm(prediction))
    product = 2.0 * gamma(k) * k * d_fro
    residual, ortho = svd_residual(a, w, s)
    basis = ortho * (2.0 + ortho) * d_fro
    delta_a = residual + ortho * (2.0 + ortho) * float(np.max(s, initial=0.0))
    delta_m = (eta_g + eta_d + eta_g * eta_d * (2.0 * float(np.linalg.norm(a, 2)) + delta_a)
               ) * delta_a
    return float(run + block_error + product + basis + perturbation_effect(norms2, delta_m))


def game_power(A: Any, eta_g: float, eta_d: float, steps: int, *,
               alternating: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    """M^T of the full game, by running the rule T times from the identity (each row of the
    state a basis vector of (x, y)); returns (Ẑ_T, ‖Ẑ_t‖₂ and ‖Ẑ_t‖_F for t = 0..T).

    Row j of Ẑ_T is the state reached from e_j, i.e. (M^T)ᵀ: returned transposed, as M^T.
    """
    a = _matrix(A)
    eta_g, eta_d = check_positive("eta_g", eta_g), check_positive("eta_d", eta_d)
    steps = check_int("steps", steps, 0)
    m, n = a.shape
    path = np.empty((steps + 1, m + n, m + n))
    path[0] = np.eye(m + n)
    grad_x, grad_y = bilinear_gradients(a)
    for t in range(steps):
        z = path[t]
        x, y = gda_step(z[:, :m], z[:, m:], grad_x, grad_y, eta_g, eta_d,
                        alternating=alternating)
        path[t + 1, :, :m], path[t + 1, :, m:] = x, y
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
    a_abs = float(np.linalg.norm(np.abs(_matrix(A)), 2))
    g = gamma(max(_matrix(A).shape) + 2)
    if not alternating:
        return g * (2.0 + (eta_g + eta_d) * a_abs)
    return g * (1.0 + g) * ((1.0 + eta_g * a_abs) * (1.0 + 2.0 * eta_d * a_abs) + 1.0)


def power_rounding(norms2: FloatArray, normsf: FloatArray, e: float) -> float:
    """‖Ẑ_T − M^T‖_F ≤ e Σ_{t<T} ‖M^{T−1−t}‖₂ ‖Ẑ_t‖_F (first order; the run's own ‖Ẑ_j‖₂
    for ‖M^j‖₂), for the norms returned by :func:`game_power`."""
    steps = len(norms2) - 1
    return float(e * sum(norms2[steps - 1 - t] * normsf[t] for t in range(steps)))


def perturbation_effect(norms2: FloatArray, delta: float) -> float:
    """How far M^T moves when M moves by ‖δM‖₂ ≤ delta: Σ_{t<T} ‖M^{T−1−t}‖₂ δ ‖M^t‖₂
    (first order), with the run's norms."""
    steps = len(norms2) - 1
    return float(delta * sum(norms2[steps - 1 - t] * norms2[t] for t in range(steps)))


def svd_residual(A: Any, w: FloatArray, s: FloatArray) -> tuple[float, float]:
    """(‖A − Σ σ_i u_i v_iᵀ‖₂, ‖WᵀW − I‖₂) from :func:`svd_basis`, each plus the rounding of
    evaluating it (γ_{k+2} times the sizes involved): how far the blocks' game is from A
    and how far W is from orthogonal."""
    a = _matrix(A)
    m, n = a.shape
    r = s.size
    u, v = w[:m, 0:2 * r:2], w[m:, 1:2 * r:2]
    rebuilt = (u * s) @ v.T
    g = gamma(m + n + 2)
    residual = float(np.linalg.norm(a - rebuilt, 2)) + g * 2.0 * float(np.linalg.norm(a) + 1.0)
    ortho = float(np.linalg.norm(w.T @ w - np.eye(m + n), 2)) + g * (m + n)
    return residual, ortho


def quadratic_drift_bound(norms: FloatArray, e: float, form_norm: float,
                          form_rounding: float) -> float:
    """Rounding bound on |C(ẑ_t) − C(ẑ_0)| along an orbit, for a form C(z) = zᵀKz that the
    exact map conserves (C(Mz) = C(z)), ``norms`` = ‖ẑ_t‖ for t = 0..T.

    A step computes ẑ_{t+1} = Mẑ_t + δ_t, ‖δ_t‖ ≤ e‖ẑ_t‖, so C(ẑ_{t+1}) − C(ẑ_t) =
    2(Mẑ_t)ᵀKδ_t + δ_tᵀKδ_t, at most ‖K‖e‖ẑ_t‖(2‖ẑ_{t+1}‖ + 3e‖ẑ_t‖) (‖Mẑ_t‖ ≤ ‖ẑ_{t+1}‖ +
    ‖δ_t‖). Evaluating C in floats adds ≤ ``form_rounding``·‖z‖² at each end. The bound
    grows with t, so it also bounds the largest drift over t ≤ T.
    """
    z = np.asarray(norms, dtype=float)
    carried = np.sum(z[:-1] * (2.0 * z[1:] + 3.0 * e * z[:-1]))
    return float(form_norm * e * carried + form_rounding * (z[0] ** 2 + np.max(z) ** 2))


def _matrix(A: Any) -> FloatArray:
    a = np.asarray(A, dtype=float)
    if a.ndim != 2 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ParameterError("A", np.shape(A), "a finite non-empty 2-D matrix")
    return a


def form_constant(A: Any, eta_g: float, eta_d: float) -> tuple[float, float]:
    """(κ, γκ) with κ = max(1/η_G, 1/η_D) + ‖|A|‖₂/2 ≥ ‖K‖₂ for the forms
    C = ‖x‖²/η_G + ‖y‖²/η_D − xᵀAy and E = ‖x‖²/η_G + ‖y‖²/η_D, and γ_{m+n+3}κ bounding the
    rounding of evaluating either, per ‖z‖²."""
    a = _matrix(A)
    size = max(1 / eta_g, 1 / eta_d) + float(np.linalg.norm(np.abs(a), 2)) / 2
    return size, gamma(sum(a.shape) + 3) * size


def block_rates(sigmas: Sequence[float], eta_g: float, eta_d: float, steps: int, *,
                alternating: bool) -> FloatArray:
    """r_T = ‖B(σ)^T‖₂^{1/T} of the scalar game f = σxy, measured by running the rule
    (:func:`lrtheory.models.linear_rate.measured_rate`) for every σ at once (a batch)."""
    sig = np.asarray(sigmas, dtype=float)

    def step(state: tuple[FloatArray, ...]) -> tuple[Any, Any]:
        return gda_step(state[0], state[1], lambda x, y: sig * y, lambda x, y: sig * x,
                        eta_g, eta_d, alternating=alternating)

    rates: FloatArray = measured_rate(step, 2, steps, batch=sig.shape)
    return rates


def orbit_balance(A: Any, eta_g: float, eta_d: float, steps: int, *, alternating: bool,
                  seed: int = 0) -> tuple[float, float, float]:
    """Along one orbit of the full game from z₀ ~ N(0, I) (``seed``): (largest violation,
    its rounding bound, κ·max‖z_t‖²) of the exact balance law of each scheme,

    * alternating: C(z_t) = C(z₀), C = ‖x‖²/η_G + ‖y‖²/η_D − xᵀAy (conserved);
    * simultaneous: E(z_t) = E(z₀) + Σ_{s<t}(η_G‖Ay_s‖² + η_D‖Aᵀx_s‖²),
      E = ‖x‖²/η_G + ‖y‖²/η_D (per block, the growth factor 1 + η_Gη_Dσ_i²).

    The bound is :func:`quadratic_drift_bound` (the law holds exactly for the exact map, so
    only rounding can break it), plus, for the simultaneous law, the evaluation of the
    increments, γ_{m+n+3}(η_G + η_D)‖|A|‖² Σ_t‖z_t‖².
    """
    a = _matrix(A)
    m = a.shape[0]
    z = np.random.default_rng(seed).standard_normal(sum(a.shape))
    x, y = z[:m], z[m:]
    grad_x, grad_y = bilinear_gradients(a)

    def form(x: Any, y: Any) -> float:
        value = x @ x / eta_g + y @ y / eta_d
        return float(value - x @ a @ y) if alternating else float(value)

    c0, norms, drift, gained = form(x, y), [float(np.linalg.norm(z))], 0.0, 0.0
    for _ in range(check_int("steps", steps, 1)):
        if not alternating:
            gained += float(eta_g * np.sum((a @ y) ** 2) + eta_d * np.sum((a.T @ x) ** 2))
        x, y = gda_step(x, y, grad_x, grad_y, eta_g, eta_d, alternating=alternating)
        norms.append(float(np.hypot(np.linalg.norm(x), np.linalg.norm(y))))
        drift = max(drift, abs(form(x, y) - c0 - gained))
    size, rounding = form_constant(a, eta_g, eta_d)
    z_norms = np.array(norms)
    tol = quadratic_drift_bound(z_norms, step_rounding(a, eta_g, eta_d, alternating=alternating),
                                size, rounding)
    if not alternating:
        a_abs = float(np.linalg.norm(np.abs(a), 2))
        tol += gamma(sum(a.shape) + 3) * (eta_g + eta_d) * a_abs**2 * float(np.sum(z_norms**2))
    return drift, tol, size * float(np.max(z_norms)) ** 2


def game_kernel(A: Any, eta_g: float, eta_d: float, steps: int, *,
                alternating: bool) -> Callable[[Any], Any]:
    """Monte Carlo kernel: z₀ ~ N(0, I) through T steps of the full game, per chain
    (‖z_T‖², C(z_T)) with C = ‖x‖²/η_G + ‖y‖²/η_D − xᵀAy; vectorised over chains with
    the ChunkRNG's array module (NumPy or CuPy)."""
    a = _matrix(A)
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
        c = xx / eta_g + yy / eta_d - xp.sum((x @ a_x) * y, axis=1)
        return xp.stack([xx + yy, c], axis=1)

    return kernel


def form_mean(blocks: FloatArray, forms: FloatArray, null: Sequence[float]) -> float:
    """E[z_TᵀKz_T] = tr((M^T)ᵀKM^T) for z₀ ~ N(0, I) in the SVD basis: Σ_i tr(B_iᵀK_iB_i)
    over the (r, 2, 2) blocks B_i = B(σ_i)^T and the forms' 2×2 blocks K_i, plus K's
    diagonal on the null directions (where M = I)."""
    b, q = np.asarray(blocks, dtype=float), np.asarray(forms, dtype=float)
    return float(np.einsum("rji,rjk,rki->", b, q, b) + np.sum(null))
