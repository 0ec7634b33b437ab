"""Federated averaging (FedAvg) on client quadratics, run as the algorithm itself.

Client i holds f_i(w) = ½(w − c_i)ᵀH_i(w − c_i). One round from the server's w: every client
starts at w and takes K local gradient steps at η_c (optionally with additive noise on each
local gradient), the server averages the clients' updates Δ_i = w − v_i^K and steps
w ← w − η_s·mean_i Δ_i (a gradient step on the pseudo-gradient mean Δ_i). Chains are rows:
w is (…, d), so one call advances a whole batch of independent runs.

Because everything is linear, the round is an affine map w ↦ Gw + b plus a linear image Lξ
of the local noises ξ; :func:`round_affine` and :func:`noise_gain` read G, b and L off the
algorithm by running it on basis vectors, so a closed form for them can be checked against
the algorithm rather than against another formula. :func:`round_rounding` bounds the
floating-point error of one round (Higham's model, γ_k = ku/(1 − ku)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrtheory._rules import _positive
from lrtheory.claim import ModelCheck
from lrtheory.errors import (
    MAX_SIZE,
    MAX_STEPS,
    ParameterError,
    check_int,
    check_positive,
    check_real,
    finite_result,
    float_array,
    operands,
)
from lrtheory.models.linear_rate import measured_rate, rate_rounding
from lrtheory.models.lyapunov import (
    iterated_stationary_covariance,
    stationary_covariance,
    stationary_error_bound,
)
from lrtheory.models.quadratic import spd_matrix
from lrtheory.models.rounding import gamma
from lrtheory.optimizers import Array, gradient_step

FloatArray = np.ndarray[Any, Any]
LocalNoise = Callable[[int, int], Array]
"""noise(i, k): the noise added to client i's k-th local gradient (shaped like w)."""


def client_problem(n_clients: int, d: int, lam_min: float, lam_max: float, spread: float,
                   seed: int) -> tuple[FloatArray, FloatArray]:
    """(H, c): N random SPD Hessians (N, d, d) with spectra in [λ_min, λ_max] in independent
    random bases (so they do not commute), and client optima c_i ~ N(0, spread²I), (N, d)."""
    n_clients = check_int("n_clients", n_clients, 1, MAX_SIZE)
    d = check_int("d", d, 1, MAX_SIZE)
    spread = check_positive("spread", spread)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    seeds = rng.integers(0, 2**31, size=n_clients)
    h = np.array([spd_matrix(d, lam_min, lam_max, int(s)) for s in seeds])
    return h, spread * rng.standard_normal((n_clients, d))


def _problem(hessians: Any, optima: Any) -> tuple[FloatArray, FloatArray]:
    h, c = float_array("hessians", hessians), float_array("optima", optima)
    if h.ndim != 3 or h.shape[1] != h.shape[2] or not np.all(np.isfinite(h)):
        raise ParameterError("hessians", np.shape(hessians), "a finite (N, d, d) array")
    if not np.allclose(h, np.swapaxes(h, 1, 2), rtol=0.0, atol=1e-12 * max(1.0, np.abs(h).max())):
        raise ParameterError("hessians", "asymmetric matrices", "symmetric matrices")
    if c.shape != h.shape[:2] or not np.all(np.isfinite(c)):
        raise ParameterError("optima", np.shape(optima), f"a finite {h.shape[:2]} array")
    return h, c


@operands("w", "hessian", "optimum")
def local_steps(w: Array, hessian: Array, optimum: Array, eta_c: Any, K: int,
                noise: Callable[[int], Array] | None = None) -> Array:
    """K gradient steps at η_c on ½(v − c)ᵀH(v − c) from v = w (rows are chains; H is
    symmetric, so the gradient of a row v is (v − c)H), with ``noise(k)`` added to the
    k-th gradient. Arrays may be NumPy, CuPy or object arrays; η_c a number or SymPy."""
    d = np.shape(optimum)[-1] if np.ndim(optimum) == 1 else -1
    if d < 1 or np.shape(hessian) != (d, d) or np.shape(w)[-1:] != (d,):
        raise ParameterError("w, hessian, optimum", (np.shape(w), np.shape(hessian),
                             np.shape(optimum)), "shapes (…, d), (d, d) and (d,)")
    _positive("eta_c", eta_c), check_int("K", K, 1, MAX_STEPS)
    v = w
    for k in range(K):
        grad = (v - optimum) @ hessian
        v = gradient_step(v, grad if noise is None else grad + noise(k), eta_c)
    return v


@operands("w", "hessians", "optima")
def fedavg_round(w: Array, hessians: Any, optima: Any, eta_c: Any, eta_s: Any, K: int,
                 noise: LocalNoise | None = None) -> Array:
    """One FedAvg round for a batch of server states ``w`` (…, d): K local steps per client
    (:func:`local_steps`), then w ← w − η_s·mean_i(w − v_i^K). ``hessians``/``optima`` may be
    NumPy or CuPy arrays (checked for values by e.g. :func:`round_affine`), or object arrays of
    SymPy rationals with SymPy rates: the tests run the algorithm in exact arithmetic that
    way (not with Fractions: :func:`~lrtheory.optimizers.gradient_step` floats their rate)."""
    if np.ndim(hessians) != 3 or np.shape(optima) != np.shape(hessians)[:2] \
            or np.shape(hessians)[0] < 1:
        raise ParameterError("hessians, optima", (np.shape(hessians), np.shape(optima)),
                             "shapes (N, d, d) and (N, d), N ≥ 1")
    _positive("eta_s", eta_s)
    n = np.shape(hessians)[0]
    update = 0 * w  # an exact zero for exact arithmetic (0.0 would make it float)
    for i in range(n):
        local = None if noise is None else (lambda k, i=i: noise(i, k))
        v = local_steps(w, _client(hessians, i), _client(optima, i), eta_c, K, local)
        update = update + (w - v)
    return gradient_step(w, update / n, eta_s)


def _client(a: Any, i: int) -> Any:
    """Client i's slice ``a[i]`` of an array (``a[i, ...]``: the array API indexes every axis)
    or of a nested list."""
    return a[i, ...] if hasattr(a, "shape") else a[i]


def _check(eta_c: float, eta_s: float, K: int) -> tuple[float, float, int]:
    return (check_positive("eta_c", eta_c), check_positive("eta_s", eta_s),
            check_int("K", K, 1, MAX_STEPS))


def round_affine(hessians: Any, optima: Any, eta_c: float, eta_s: float,
                 K: int) -> tuple[FloatArray, FloatArray]:
    """(G, b) of the noiseless round w ↦ Gw + b, read off the algorithm: b is the round from
    w = 0 and column j of G the round from e_j minus b (as rows: one batch of d + 1 runs)."""
    h, c = _problem(hessians, optima)
    eta_c, eta_s, K = _check(eta_c, eta_s, K)
    d = h.shape[1]
    out = fedavg_round(np.vstack([np.zeros(d), np.eye(d)]), h, c, eta_c, eta_s, K)
    return (out[1:] - out[0]).T, out[0]


def noise_gain(hessians: Any, eta_c: float, eta_s: float, K: int) -> FloatArray:
    """L (d × N·K·d): the round's response to unit noise on each local gradient coordinate
    (client i, step k, coordinate j ↦ column (i·K + k)·d + j), from w = 0 and c_i = 0, so that
    noise σξ on every local gradient adds σLξ to the server's w."""
    h, _ = _problem(hessians, np.zeros(np.shape(hessians)[:2]))
    eta_c, eta_s, K = _check(eta_c, eta_s, K)
    n, d = h.shape[:2]
    units = np.eye(n * K * d).reshape(n, K, d, n * K * d).transpose(0, 1, 3, 2)
    out = fedavg_round(np.zeros((n * K * d, d)), h, np.zeros((n, d)), eta_c, eta_s, K,
                       noise=lambda i, k: units[i, k])
    return np.asarray(out.T)


def global_optimum(hessians: Any, optima: Any) -> FloatArray:
    """argmin Σ_i f_i = (Σ_i H_i)⁻¹ Σ_i H_i c_i (a linear solve)."""
    h, c = _problem(hessians, optima)
    out: FloatArray = np.linalg.solve(h.sum(axis=0), np.einsum("nij,nj->i", h, c))
    return out


def matrix_function(h: Any, f: Callable[[FloatArray], FloatArray],
                    slope: float) -> tuple[FloatArray, float]:
    """f(H) = U f(Λ) Uᵀ for a symmetric H (``eigh``), and a Frobenius bound on its rounding:
    eigh is backward stable, ÛΛ̂Ûᵀ = H + E with ‖E‖_F ≤ γ_{8d}‖H‖_F and Û orthogonal to
    γ_{8d}, and for symmetric arguments ‖f(H + E) − f(H)‖_F ≤ sup|f'|·‖E‖_F to first order
    (Daleckii–Krein: the Fréchet derivative's norm is the largest divided difference), so the
    error is ≤ γ_{8d}(slope·‖H‖_F + 3‖f(H)‖_F), ``slope`` ≥ sup|f'| over the spectrum."""
    m = float_array("h", h)
    d = m.shape[0]
    if m.shape != (d, d) or d < 1 or not np.all(np.isfinite(m)) or not np.allclose(m, m.T):
        raise ParameterError("h", np.shape(h), "a finite symmetric square matrix")
    check_real("slope", slope, 0.0, lo_open=False)
    lam, u = np.linalg.eigh(m)
    value: FloatArray = (u * f(lam)) @ u.T
    error = gamma(8 * d) * (slope * float(np.linalg.norm(m)) + 3.0 * float(np.linalg.norm(value)))
    return value, error


def round_rounding(hessians: Any, optima: Any, eta_c: float, eta_s: float, K: int,
                   w_norm: float, noise_norm: float = 0.0) -> float:
    """Bound on ‖fl(round(w)) − round(w)‖₂ for ‖w‖ ≤ ``w_norm`` (and local noise vectors of
    norm ≤ ``noise_norm``), as :func:`fedavg_round` computes it.

    A local step v' = v − η_c((v − c)H + ξ) errs by ≤ γ_{d+4}(‖v‖ + η_c a(‖v‖ + ‖c‖) +
    η_c‖ξ‖) (a = ‖|H|‖₂), and an error is carried by the remaining steps' ‖I − η_cH‖₂^j; the
    local iterates obey ‖v_k‖ ≤ ‖c‖ + ‖B‖^k(‖w‖ + ‖c‖) + η_c‖ξ‖Σ_j‖B‖^j. The server's mean of
    N differences and its step add γ_{N+3}(‖w‖ + η_s(‖w‖ + max_i‖v_i‖)), and the local
    errors reach w' times η_s/N each.
    """
    h, c = _problem(hessians, optima)
    eta_c, eta_s, K = _check(eta_c, eta_s, K)
    w_norm = check_real("w_norm", w_norm, 0.0, lo_open=False)
    noise_norm = check_real("noise_norm", noise_norm, 0.0, lo_open=False)
    n, d = h.shape[:2]
    g = gamma(d + 4)
    local_total, v_max = 0.0, 0.0
    for i in range(n):
        a = float(np.linalg.norm(np.abs(h[i]), 2))
        b = float(np.linalg.norm(np.eye(d) - eta_c * h[i], 2))
        c_norm = float(np.linalg.norm(c[i]))
        powers = b ** np.arange(K + 1)
        v = c_norm + powers * (w_norm + c_norm) + eta_c * noise_norm * np.concatenate(
            [[0.0], np.cumsum(powers[:-1])])
        errors = g * (v[:-1] + eta_c * a * (v[:-1] + c_norm) + eta_c * noise_norm)
        local_total += float(np.sum(errors * powers[:-1][::-1]))
        v_max = max(v_max, float(np.max(v)))
    server = gamma(n + 3) * (w_norm + eta_s * (w_norm + v_max))
    return float(eta_s / n * local_total + server)


def mean_and_covariance(G: Any, b: Any, S: Any, w0: Any,
                        rounds: int) -> tuple[FloatArray, FloatArray]:
    """m_r and Σ_r for r = 0..R of w_{r+1} = Gw_r + b + noise(cov S) from w_0 (Σ_0 = 0):
    m_{r+1} = Gm_r + b, Σ_{r+1} = GΣ_rGᵀ + S. Shapes (R + 1, d) and (R + 1, d, d)."""
    g, s = float_array("G", G), float_array("S", S)
    b, w0 = float_array("b", b), float_array("w0", w0)
    rounds = check_int("rounds", rounds, 0, MAX_STEPS)
    d = g.shape[0] if g.ndim == 2 else 0
    for name, x, shape in (("G", g, (d, d)), ("b", b, (d,)), ("S", s, (d, d)), ("w0", w0, (d,))):
        if d < 1 or x.shape != shape or not np.all(np.isfinite(x)):
            raise ParameterError(name, x.shape, f"a finite array of shape {shape} (d = {d})")
    means, covs = np.empty((rounds + 1, d)), np.empty((rounds + 1, d, d))
    means[0], covs[0] = w0, 0.0
    for r in range(rounds):
        means[r + 1] = g @ means[r] + b
        covs[r + 1] = g @ covs[r] @ g.T + s
    return means, covs


@dataclass(frozen=True)
class FedAvgForms:
    """The closed forms of one FedAvg setting in matrix form, each with a rounding bound
    (Frobenius): q_i = q(H_i), q̄ = mean q_i, G = I − η_sq̄ (spectral radius ρ; the largest
    stable η_s is 2/μ_max(q̄)), b = η_s·mean q_ic_i, per-round noise covariance
    S = (η_s/N)²Σ_i n(H_i), fixed point w* = (Σq_i)⁻¹Σq_ic_i, global optimum w_opt."""

    h: FloatArray
    c: FloatArray
    eta_c: float
    eta_s: float
    K: int
    sigma: float
    q: FloatArray
    q_error: float
    qbar: FloatArray
    bound: float
    G: FloatArray
    G_error: float
    rho: float
    b: FloatArray
    S: FloatArray
    S_error: float
    w_star: FloatArray
    w_star_error: float
    w_opt: FloatArray


def fedavg_forms(hessians: Any, optima: Any, eta_c: float, K: int, sigma: float,
                 q_factor: Callable[[FloatArray], FloatArray],
                 noise_factor: Callable[[FloatArray], FloatArray], *,
                 eta_s: float | None = None, eta_s_frac: float = 1.0) -> FedAvgForms:
    """:class:`FedAvgForms` from the per-eigenvalue factors q(λ) = 1 − (1 − η_cλ)^K and
    n(λ) (the variance one client's K noisy local steps add along an eigenvector), applied
    to each symmetric H_i by :func:`matrix_function` (their slopes bounded by
    Kη_cβ^{K−1} and η_c³σ²K(K − 1)β^{2K}, β = max(1, max|1 − η_cλ|)). ``eta_s`` defaults
    to ``eta_s_frac`` times the stability bound 2/μ_max(q̄)."""
    h, c = _problem(hessians, optima)
    eta_c, steps = check_positive("eta_c", eta_c), check_int("K", K, 1, MAX_STEPS)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)
    eta_s_frac = check_positive("eta_s_frac", eta_s_frac)
    n, d = h.shape[:2]
    beta = max(1.0, float(np.max(np.abs(1.0 - eta_c * np.linalg.eigvalsh(h)))))
    qs = [matrix_function(x, q_factor, steps * eta_c * beta ** (steps - 1)) for x in h]
    vs = [matrix_function(x, noise_factor, eta_c**3 * sigma**2 * steps * (steps - 1)
                          * beta ** (2 * steps)) for x in h]
    q = np.array([x for x, _ in qs])
    q_error = float(np.sum([e for _, e in qs]))  # Σ_i ‖δq_i‖_F
    qbar = q.mean(axis=0)
    mu = np.linalg.eigvalsh(qbar)
    bound = 2.0 / float(mu[-1])
    eta_s = check_positive("eta_s", eta_s if eta_s is not None else eta_s_frac * bound)
    total = q.sum(axis=0)
    w_star = np.linalg.solve(total, np.einsum("nij,nj->i", q, c))
    size = float(np.linalg.norm(w_star))
    w_star_error = float(np.linalg.norm(np.linalg.inv(total), 2)) * (
        q_error * (size + float(np.max(np.linalg.norm(c, axis=1))))
        + gamma(3 * d) * float(np.linalg.norm(total, 2)) * size)
    return FedAvgForms(
        h=h, c=c, eta_c=eta_c, eta_s=eta_s, K=steps, sigma=sigma, q=q, q_error=q_error,
        qbar=qbar, bound=bound, G=np.eye(d) - eta_s * qbar, G_error=eta_s * q_error / n,
        rho=float(np.max(np.abs(1.0 - eta_s * mu))),
        b=eta_s * np.einsum("nij,nj->i", q, c) / n,
        S=(eta_s / n) ** 2 * np.sum([x for x, _ in vs], axis=0),
        S_error=(eta_s / n) ** 2 * float(np.sum([e for _, e in vs])),
        w_star=w_star, w_star_error=w_star_error, w_opt=global_optimum(h, c))


@finite_result
def server_rate(hessians: Any, eta_c: float, eta_s: float, K: int, steps: int) -> float:
    """‖G^T‖₂^{1/T} of the literal round without client optima (c_i = 0, so w ↦ Gw), run T
    rounds from the d basis states (:func:`lrtheory.models.linear_rate.measured_rate`)."""
    h, zero = _problem(hessians, np.zeros(np.shape(hessians)[:2]))
    eta_c, eta_s, K = _check(eta_c, eta_s, K)
    d = h.shape[1]

    def step(state: tuple[FloatArray, ...]) -> tuple[FloatArray, ...]:
        out = fedavg_round(np.stack(state, axis=1), h, zero, eta_c, eta_s, K)
        return tuple(out[:, i] for i in range(d))

    return float(measured_rate(step, d, steps)[()])


def _stationary_comparison(forms: FedAvgForms, g_model: FloatArray, s_model: FloatArray,
                           delta_g: float, delta_s: float) -> tuple[float, float, float]:
    """(tr Σ_∞ from the closed forms, tr Σ_∞ from the literal round's (G, S), tolerance).

    G = I − η_sq̄ is symmetric, so Σ = GΣG + S is the SGD-on-a-quadratic problem of
    :mod:`lrtheory.models.lyapunov` with η = η_s, H = q̄, C = S/η_s², B = 1: a Lyapunov solve
    (with its a-posteriori bound) on one side, the covariance recursion iterated to
    convergence (with its bound) on the other. The two (G, S) pairs differ by ≤ (δG, δS)
    in Frobenius norm, which moves Σ by ≤ (δS + 2(1 + ρ)δG‖Σ‖_F)/(1 − ρ²); traces by √d
    times that."""
    eta = forms.eta_s  # ρ < 1 (literal_checks calls this only then)
    q_model = (np.eye(len(g_model)) - (g_model + g_model.T) / 2) / eta
    closed = stationary_covariance(eta, forms.qbar, forms.S / eta**2, 1.0)
    closed_error = stationary_error_bound(eta, forms.qbar, forms.S / eta**2, 1.0, closed)
    model, model_error, _ = iterated_stationary_covariance(eta, q_model, s_model / eta**2, 1.0)
    carried = (delta_s + 2.0 * (1.0 + forms.rho) * delta_g * float(np.linalg.norm(closed))) / (
        1.0 - forms.rho**2)
    tol = float(np.sqrt(len(g_model)) * (closed_error + model_error + carried))
    return float(np.trace(closed)), float(np.trace(model)), tol


def fedavg_kernel(forms: FedAvgForms, rounds: int, means: FloatArray,
                  direction: FloatArray) -> Callable[[Any], Any]:
    """Monte Carlo kernel: FedAvg itself for R rounds from w₀ = 0 with σξ, ξ ~ N(0, I), on
    every local gradient; per chain (directionᵀ(w_R − w_opt), Σ_{r=1..R}‖w_r − m_r‖²) with
    ``means`` the rows m_0..m_R. Vectorised over chains with the ChunkRNG's array module."""
    n_clients, d = forms.h.shape[:2]
    rounds = check_int("rounds", rounds, 1, MAX_STEPS)
    if np.shape(means) != (rounds + 1, d) or np.shape(direction) != (d,):
        raise ParameterError("means, direction", (np.shape(means), np.shape(direction)),
                             f"shapes {(rounds + 1, d)} and {(d,)}")

    def kernel(rng: Any) -> Any:
        xp = rng.xp
        h, c = xp.asarray(forms.h, dtype=rng.dtype), xp.asarray(forms.c, dtype=rng.dtype)
        path = xp.asarray(means, dtype=rng.dtype)
        w = xp.zeros((rng.n, d), dtype=rng.dtype)
        spread = xp.zeros(rng.n, dtype=rng.dtype)
        for r in range(1, rounds + 1):
            xi = forms.sigma * rng.normal(n_clients, forms.K, d)  # all local gradients' noise

            def noise(i: int, k: int, xi: Any = xi) -> Any:
                return xi[:, i, k, :]

            w = fedavg_round(w, h, c, forms.eta_c, forms.eta_s, forms.K, noise=noise)
            spread = spread + xp.sum((w - path[r, :]) ** 2, axis=1)
        drift = (w - xp.asarray(forms.w_opt, dtype=rng.dtype)) @ xp.asarray(direction,
                                                                            dtype=rng.dtype)
        return xp.stack([drift, spread], axis=1)

    return kernel


def literal_checks(forms: FedAvgForms, rate_steps: int) -> list[ModelCheck]:
    """The closed forms ``forms`` against FedAvg itself (:func:`fedavg_round`), each within the
    rounding bound of its comparison (δ = one round's rounding, :func:`round_rounding`):

    * the literal round's linear part (:func:`round_affine`, d + 1 rounds) against G;
    * one round from w*, which only rounding (and the error of w*) may move;
    * the drift ‖w* − w_opt‖ against the literal fixed point (I − G)⁻¹b: G's columns and b
      off by ≤ δ move it by ‖(I − G)⁻¹‖(√d·δ‖w‖ + δ), the solve adds γ_{3d}‖(I − G)⁻¹‖
      ‖I − G‖‖w‖, plus the closed form's own error;
    * the per-round noise covariance σ²LLᵀ (:func:`noise_gain`) against S: each column of L
      is off by ≤ δ (unit noise), so ‖δL‖_F ≤ √(NKd)δ and LLᵀ by 2‖L‖_F‖δL‖_F + ‖δL‖_F² +
      γ_{NKd}‖L‖_F², plus S's own error;
    * the literal round's rate ‖G^T‖^{1/T} (:func:`server_rate`) against ρ: G is symmetric,
      so Henrici's bracket ρ ≤ r_T ≤ ρ has zero width and only two-sided errors remain, the
      run's rounding and Weyl's |Δρ| ≤ ‖δG‖;
    * if ρ < 1, the stationary covariance (:func:`_stationary_comparison`).
    """
    h, c, (n, d) = forms.h, forms.c, forms.h.shape[:2]
    rate_steps = check_int("rate_steps", rate_steps, 1, MAX_STEPS)
    eta_c, eta_s, steps, var = forms.eta_c, forms.eta_s, forms.K, forms.sigma**2
    g_model, b_model = round_affine(h, c, eta_c, eta_s, steps)
    r1, r0 = (round_rounding(h, c, eta_c, eta_s, steps, x) for x in (1.0, 0.0))
    delta_g = float(np.sqrt(d) * (r1 + r0) + forms.G_error)
    moved = float(np.linalg.norm(fedavg_round(forms.w_star, h, c, eta_c, eta_s, steps)
                                 - forms.w_star))
    literal = np.linalg.solve(np.eye(d) - g_model, b_model)
    size, resolvent = float(np.linalg.norm(literal)), float(np.linalg.norm(
        np.linalg.inv(np.eye(d) - g_model), 2))
    fixed_tol = resolvent * ((np.sqrt(d) * size + 1.0) * (r1 + r0) + gamma(3 * d) * float(
        np.linalg.norm(np.eye(d) - g_model, 2)) * size) + forms.w_star_error
    gain = noise_gain(h, eta_c, eta_s, steps)  # what σξ on the local gradients adds
    dl = np.sqrt(n * steps * d) * round_rounding(h, 0 * c, eta_c, eta_s, steps, 0.0, 1.0)
    l_norm = float(np.linalg.norm(gain))
    noise_tol = var * (2.0 * l_norm * dl + dl**2 + gamma(n * steps * d) * l_norm**2) + forms.S_error
    e = round_rounding(h, 0 * c, eta_c, eta_s, steps, 1.0)
    checks = [
        ModelCheck("linear part of the literal round vs I − η_s q̄, ‖·‖_F", 0.0,
                   float(np.linalg.norm(g_model - forms.G)), delta_g, "rounding of d + 1 "
                   "literal rounds (round_rounding) plus the matrix functions' bound"),
        ModelCheck("one literal round from w* = (Σq_i)⁻¹Σq_ic_i: ‖round(w*) − w*‖", 0.0, moved,
                   round_rounding(h, c, eta_c, eta_s, steps, float(np.linalg.norm(forms.w_star)))
                   + eta_s * float(np.linalg.norm(forms.qbar, 2)) * forms.w_star_error,
                   "rounding of one round, plus η_s‖q̄‖ times the error of w* (δq_i, the solve)"),
        ModelCheck("client drift ‖w* − w_opt‖: derived fixed point vs the literal round's",
                   float(np.linalg.norm(forms.w_star - forms.w_opt)),
                   float(np.linalg.norm(literal - forms.w_opt)), float(fixed_tol),
                   "perturbation of (I − G)⁻¹b by the rounding of G and b, the solve, and δw*"),
        ModelCheck("per-round noise covariance: σ²LLᵀ of the literal round vs the derived S, "
                   "‖·‖_F", 0.0, float(np.linalg.norm(var * gain @ gain.T - forms.S)),
                   float(noise_tol), "rounding of the unit-noise rounds, of LLᵀ and of S"),
        ModelCheck(f"server map: measured ‖G^T‖^(1/T) of the literal round vs max|1 − η_sμ(q̄)| "
                   f"(T = {rate_steps})", forms.rho, server_rate(h, eta_c, eta_s, steps,
                                                                 rate_steps),
                   forms.G_error + rate_rounding(forms.rho, 0.0, d, rate_steps, e),
                   "G symmetric (ν = 0): the bracket ρ ≤ r_T ≤ ρ has zero width, so the "
                   "tolerance is two-sided: the run's rounding (rate_rounding), plus Weyl for δG")]
    if forms.rho < 1.0:
        closed, model, tol = _stationary_comparison(forms, g_model, var * gain @ gain.T,
                                                    delta_g, float(noise_tol))
        checks.append(ModelCheck(
            "stationary covariance tr Σ_∞: Lyapunov (derived G, S) vs the literal round's "
            "covariance recursion", closed, model, tol, "a-posteriori bounds of both solves, "
            "plus the two (G, S) pairs' difference carried"))
    return checks
