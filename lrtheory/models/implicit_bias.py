"""Gradient descent on separable data, recorded at every step, and its derived bounds (G6).

The data sets, their smoothness constant β and their hard-margin SVM ŵ (computed twice,
independently of any GD run) are :mod:`lrtheory.models.svm`; the SVM asymptote of GD and
the rate at which it is approached are :mod:`lrtheory.models.max_margin_flow`.

:func:`gd_run` runs GD w_{t+1} = w_t − η_t∇L(w_t) on the logistic loss
L(w) = (1/N)Σ_n ln(1 + e^{−z_nᵀw}) from w₀ = 0 for a batch of data sets at once (rates
η_t,b = η_b f_t: a per-set scale times a schedule), or normalised GD
w_{t+1} = w_t − η_t∇L/‖∇L‖ (weights in the log domain, so no underflow when the loss is
e^{−1000}), and records at every step ‖w_t‖, the margin min_n z_nᵀw_t, L(w_t) and the angle
to a reference direction. :func:`loss_bound`, :func:`norm_upper`, :func:`norm_lower`,
:func:`margin_lower` and :func:`angle_margin_bound` are the finite-t bounds the claim derives
(η_t ≤ 1/β, w₀ = 0), in the elapsed time τ_t = Σ_{s<t} η_s; :func:`bound_kernel` checks them
on random data sets for the Monte Carlo.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from lrtheory.arrays import (
    astype,
    concat,
    contiguous,
    cumulative_sum,
    einsum,
    namespace,
    permute_dims,
    vector_norm,
)
from lrtheory.errors import MAX_STEPS, ParameterError, check_int, check_positive, check_real
from lrtheory.models.rounding import EPS
from lrtheory.models.svm import (
    SVM,
    check_points,
    check_svm,
    kkt_residuals,
    kkt_tolerance,
    separable_sets,
    smoothness,
    svm_enumerated,
)

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
    rates = xp.asarray(eta, dtype=xp.float64) * xp.ones(n_sets)
    f = xp.asarray(factors, dtype=xp.float64)
    if rates.shape != (n_sets,) or not bool(xp.all(rates > 0)) or not bool(
            xp.all(xp.isfinite(rates))):
        raise ParameterError("eta", getattr(eta, "shape", eta),
                             f"finite and positive, one per set ({n_sets})")
    if f.ndim == 1:
        f = f[:, None]
    if (f.ndim != 2 or f.shape[0] < 1 or f.shape[1] not in (1, n_sets)
            or not bool(xp.all(xp.isfinite(f))) or bool(xp.any(f < 0))):
        raise ParameterError("factors", getattr(factors, "shape", factors),
                             f"a finite schedule ≥ 0 of shape (T,) or (T, {n_sets})")
    return f * rates[None, :]


def _unit_reference(reference: Any, n_sets: int, d: int, xp: Any) -> Any:
    """The reference directions as unit columns (d, B); ParameterError for a zero row."""
    ref = xp.asarray(reference, dtype=xp.float64)
    if ref.shape != (n_sets, d):
        raise ParameterError("reference", getattr(reference, "shape", reference),
                             f"an array of shape ({n_sets}, {d})")
    length = vector_norm(xp, ref, axis=1, keepdims=True)
    if not bool(xp.all(length > 0)) or not bool(xp.all(xp.isfinite(length))):
        raise ParameterError("reference", "a zero or non-finite row", "nonzero directions")
    return (ref / length).T


def gd_run(z: Any, eta: Any, factors: Any, reference: Any = None, *, normalised: bool = False,
           loss: bool = True) -> Run:
    """GD (or normalised GD) on the logistic loss of each data set, from w₀ = 0.

    Step t (t = 0 … T−1) uses η_{t,b} = ``eta``[b]·``factors``[t(, b)]:
    w_{t+1} = w_t + η Σ_n σ(−z_nᵀw_t) z_n/N, or for
    ``normalised`` η times the unit vector of that sum (weights p_n ∝ σ(−u_n) as
    exp(ln σ(−u_n) − max), so no underflow). Keeps every w_t (memory (T+1)·d·B); records
    at every t: ‖w_t‖, the margin, L(w_t) (if ``loss``) and the angle to ``reference``
    (B, d), from cos θ = wᵀr̂/‖w‖ as atan2(√((1 − cos)(1 + cos)), cos).
    """
    a = check_points(z)
    xp = namespace(a)
    n_sets, n, d = a.shape
    rates = _rates(eta, factors, n_sets, xp)
    steps = rates.shape[0]
    zt = contiguous(xp, permute_dims(xp, a, (2, 1, 0)))  # (d, N, B): sums over N contiguous
    unit = xp.zeros((d, n_sets)) if reference is None else _unit_reference(reference, n_sets,
                                                                           d, xp)
    path = xp.zeros((steps + 1, d, n_sets))  # w_t for every t
    margin = xp.zeros((steps + 1, n_sets))
    risk = xp.full((steps + 1, n_sets), xp.nan)
    step_rates = rates if normalised else rates / n
    inv_n = 1.0 / n
    with np.errstate(over="ignore"):  # e^u = inf gives σ(−u) = 0, as it should
        for t in range(steps + 1):
            u = einsum(xp, "knb,kb->nb", zt, path[t, ...])
            margin[t, ...] = xp.min(u, axis=0)
            if normalised:
                if t == steps:
                    break
                log_p = -xp.logaddexp(0.0, u)  # ln σ(−u)
                g = einsum(xp, "knb,nb->kb", zt, xp.exp(log_p - xp.max(log_p, axis=0)))
                path[t + 1, ...] = path[t, ...] + step_rates[t, ...] * g / xp.sqrt(
                    einsum(xp, "kb,kb->b", g, g))
                continue
            s = 1.0 / (1.0 + xp.exp(u))  # σ(−u)
            if loss:
                risk[t, ...] = -xp.sum(xp.log1p(-s), axis=0) * inv_n  # ℓ(u) = −ln(1 − σ(−u))
            if t < steps:
                path[t + 1, ...] = path[t, ...] + step_rates[t, ...] * einsum(
                    xp, "knb,nb->kb", zt, s)
    norm = xp.sqrt(einsum(xp, "tkb,tkb->tb", path, path))
    angle = xp.full((steps + 1, n_sets), xp.nan)
    if reference is not None:
        along = einsum(xp, "tkb,kb->tb", path[1:, ...], unit)
        cos = xp.clip(along / xp.where(norm[1:, ...] > 0, norm[1:, ...], 1.0), -1.0, 1.0)
        atan2 = getattr(xp, "atan2", None) or xp.arctan2  # array API name; CuPy 13: arctan2
        angle[1:, ...] = atan2(xp.sqrt((1.0 - cos) * (1.0 + cos)), cos)
    tau = concat(xp, [xp.zeros((1, n_sets)), cumulative_sum(xp, rates, axis=0)])
    return Run(norm, margin, risk, angle, tau, path[-1, ...].T)


# --------------------------------------------------------------------------------------
# The derived finite-t bounds (η_t ≤ 1/β, w₀ = 0), in the elapsed time τ_t = Σ_{s<t} η_s
# --------------------------------------------------------------------------------------


def _positive(name: str, value: Any) -> Any:
    """``value`` as an array of finite entries > 0 (ParameterError otherwise)."""
    xp = namespace(value)
    a = xp.asarray(value, dtype=xp.float64)
    if a.size == 0 or not bool(xp.all(xp.isfinite(a))) or not bool(xp.all(a > 0)):
        raise ParameterError(name, getattr(a, "shape", value), "finite and > 0")
    return a


def _comparator(tau: Any, w_norm: Any) -> tuple[Any, Any, Any]:
    """(τ, ‖ŵ‖, s(τ)) with s = ln(1 + τ/‖ŵ‖²): the length of the comparator u = sŵ used in
    the bounds (τ > 0, ‖ŵ‖ > 0 checked)."""
    t, w = _positive("tau", tau), _positive("w_norm", w_norm)
    return t, w, namespace(t).log1p(t / w**2)


def loss_bound(tau: Any, w_norm: Any) -> Any:
    """L(w_t) ≤ ln(1 + e^{−s}) + s²‖ŵ‖²/(2τ) with s = ln(1 + τ/‖ŵ‖²) (τ > 0)."""
    t, w, s = _comparator(tau, w_norm)
    xp = namespace(t)
    return xp.log1p(xp.exp(-s)) + s**2 * w**2 / (2.0 * t)


def norm_upper(tau: Any, w_norm: Any) -> Any:
    """‖w_t‖ ≤ s‖ŵ‖ + √(s²‖ŵ‖² + 2τ ln(1 + e^{−s})), s = ln(1 + τ/‖ŵ‖²)."""
    t, w, s = _comparator(tau, w_norm)
    xp = namespace(t)
    return s * w + xp.sqrt(s**2 * w**2 + 2.0 * t * xp.log1p(xp.exp(-s)))


def margin_lower(tau: Any, w_norm: Any, n: int) -> Any:
    """min_n z_nᵀw_t ≥ −ln(e^{N·B(τ)} − 1), B the loss bound: ℓ(min margin) ≤ N·L(w_t) ≤
    N·B(τ) and ℓ(u) = ln(1 + e^{−u}) decreases (negative while N·B(τ) > ln 2)."""
    return _margin_from_loss(loss_bound(tau, w_norm), check_int("n", n, 1))


def _margin_from_loss(bound: Any, n: int) -> Any:
    xp = namespace(bound)
    return -xp.log(xp.expm1(n * bound))


def norm_lower(tau: Any, w_norm: Any, r_max: Any, n: int) -> Any:
    """‖w_t‖ ≥ max(0, margin lower bound)/R: every |z_nᵀw| ≤ R‖w‖ (R = max_n ‖z_n‖ > 0)."""
    r = _positive("r_max", r_max)
    return namespace(r).maximum(0.0, margin_lower(tau, w_norm, n)) / r


def angle_margin_bound(margin: Any, norm: Any, svm_margin: Any) -> Any:
    """sin²∠(w, ŵ) ≤ γ̂²/γ(w)² − 1 for any w of normalised margin γ(w) = margin/‖w‖ > 0
    (+∞ where γ(w) ≤ 0): first-order optimality of ŵ, ŵᵀ(v − ŵ) ≥ 0 for v = w/(‖w‖γ(w)).
    ``svm_margin`` γ̂ > 0."""
    gamma_hat = _positive("svm_margin", svm_margin)
    xp = namespace(margin)
    gamma = xp.where(margin > 0, margin / xp.where(norm > 0, norm, 1.0), 0.0)
    return xp.where(gamma > 0, (gamma_hat / xp.where(gamma > 0, gamma, 1.0)) ** 2 - 1.0,
                    xp.inf)


def rounding_slack(steps: int, n: int, d: int) -> float:
    """Relative rounding allowance of quantities accumulated over ``steps`` GD steps in
    float64: each step adds N·d products (≤ (N + d)ε relative each), so 4ε(N + d)(T + 8)."""
    steps = check_int("steps", steps, 0)
    return 4.0 * EPS * (check_int("n", n, 1) + check_int("d", d, 1)) * (steps + 8)


def log_grid(first: int, last: int, count: int) -> np.ndarray:
    """``count`` log-spaced whole steps in [first, last], rounded, duplicates removed."""
    first = check_int("first", first, 1, MAX_STEPS - 1)
    last = check_int("last", last, first + 1, MAX_STEPS)
    count = check_int("count", count, 2, MAX_STEPS)
    return np.unique(np.round(np.geomspace(first, last, count)).astype(int))


def schedule_factors(kind: str, steps: int, rate: float = 0.0) -> np.ndarray:
    """f_t, t = 0 … T−1, of the step-size schedules compared: "constant" (1), "inverse_sqrt"
    (1/√(t+1)), "inverse" (1/(t+1)), "exponential" (``rate``^t, 0 < rate < 1)."""
    steps = check_int("steps", steps, 1, MAX_STEPS)
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


BOUNDS = ("L(w_t) ≤ B(τ_t)", "‖w_t‖ ≤ U(τ_t)", "min_n z_nᵀw_t ≥ m(τ_t)",
          "sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1")


def bound_table(z: Any, svm: SVM, run: Run) -> dict[str, tuple[Any, Any]]:
    """Each derived bound along a run as (values, bound) arrays (T, B), every value ≤ its
    bound where the bound holds (index t = 1 … T): the loss, the norm, the margin (written
    m(τ) ≤ margin where m(τ) > 0, else a vacuous 0 ≤ 1) and the angle (where γ(w_t) > 0;
    the run's angles must be measured from ``svm.w``).

    The angle bound is nearly tight for a single support vector (sin²θ/tan²θ = cos²θ) and
    both sides are differences of nearly equal numbers when θ is small: 1 − cos θ and
    (γ̂/γ)² − 1 each carry an absolute rounding error of a few d-term dot products, so the
    bound gets the absolute allowance 64dε."""
    a, svm = check_svm(z, svm)
    xp = namespace(run.norm)
    _, n, d = a.shape
    if run.norm.shape[1] != a.shape[0] or run.norm.shape[0] < 2:
        raise ParameterError("run", tuple(run.norm.shape),
                             f"a run of at least one step over {a.shape[0]} data sets")
    w_norm = vector_norm(xp, svm.w, axis=1)
    tau, norm, margin = run.tau[1:, ...], run.norm[1:, ...], run.margin[1:, ...]
    loss = loss_bound(tau, w_norm)
    low = _margin_from_loss(loss, n)
    pos, sep = low > 0, margin > 0
    sin2 = xp.sin(run.angle[1:, ...]) ** 2
    amb = angle_margin_bound(margin, norm, 1.0 / w_norm)
    return dict(zip(BOUNDS, (
        (run.loss[1:, ...], loss),
        (norm, norm_upper(tau, w_norm)),
        (xp.where(pos, low, 0.0), xp.where(pos, xp.maximum(margin, 1e-300), 1.0)),
        (xp.where(sep, sin2, 0.0), xp.where(sep, amb + 64 * d * EPS, 1.0))), strict=True))


class Indicators(NamedTuple):
    """Per data set (B,), 1 where the check holds at every t ≤ T, else 0."""

    bounds: Any  #: L(w_t) ≤ B(τ_t), ‖w_t‖ ≤ U(τ_t) and the margin ≥ m(τ_t)
    angle: Any  #: sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1 wherever γ(w_t) > 0


def indicators(z: Any, svm: SVM, run: Run) -> Indicators:
    """The bound checks of :func:`bound_table` reduced over t, with the relative rounding
    allowance of :func:`rounding_slack`."""
    a = check_points(z)
    xp = namespace(a)
    upper = 1.0 + rounding_slack(run.norm.shape[0] - 1, *a.shape[1:])
    ok = [xp.all(v <= b * upper, axis=0) for v, b in bound_table(a, svm, run).values()]
    return Indicators(ok[0] & ok[1] & ok[2], ok[3])


def bound_kernel(n: int, d: int, margin: float, eta_scale: float, steps: int) -> Any:
    """Monte Carlo kernel: one chain = one random data set (:func:`separable_sets`, the
    labelling direction, offsets and noise all N(0, I)) run by GD from w₀ = 0 for ``steps``
    steps at η_t = (``eta_scale``/β)·f_t with f_t = 1 or 1/√(t+1) (each with probability ½).
    Columns (0/1): (0) L(w_t), ‖w_t‖ and the margin within the derived bounds at every t;
    (1) sin²∠(w_t, ŵ) ≤ γ̂²/γ(w_t)² − 1 at every t with γ(w_t) > 0; (2) the enumerated SVM
    passes the KKT test, each data set against its own rounding allowance."""
    n, d, steps = check_int("n", n, 2), check_int("d", d, 1, 4), check_int("steps", steps, 1)
    margin = check_positive("margin", margin)
    eta_scale = check_real("eta_scale", eta_scale, 0.0, 1.0, hi_open=False)
    decay = 1.0 / np.sqrt(np.arange(steps) + 1.0)

    def kernel(rng: Any) -> Any:
        xp = rng.xp
        z = separable_sets(rng.normal(d), rng.normal(n), rng.normal(n, d), margin)
        pick = rng.uniform() < 0.5
        svm = svm_enumerated(z)
        kkt_ok = kkt_residuals(z, svm).per_set() <= kkt_tolerance(z, svm)
        factors = xp.where(pick[None, :], xp.asarray(decay)[:, None], 1.0)
        run = gd_run(z, eta_scale / smoothness(z), factors, svm.w)
        ok = indicators(z, svm, run)
        return astype(xp, xp.stack([ok.bounds, ok.angle, kkt_ok], axis=1), rng.dtype)

    return kernel
