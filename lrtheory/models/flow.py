"""Gradient flow, its modified equation, and gradient descent read as forward Euler.

The gradient flow of a loss L is the ODE

    dθ/dt = −∇L(θ),

and one GD step θ ← θ − η∇L(θ) is one forward-Euler step of it with time step η, so the GD
iterate θ_k shadows the flow at time t = kη. The *modified* flow

    dθ/dt = −∇L(θ) − (c/2) H(θ)∇L(θ) = −∇(L + (c/4)‖∇L‖²)(θ),   c = η,

is the one GD follows to second order (backward error analysis). This module integrates both
with ``scipy.integrate.solve_ivp``, bounds the integration error from the solver's own
tolerances, runs GD, measures the order p of a global error e(η) ≈ C η^p from a sequence
of step sizes (:func:`convergence_order`), and evaluates one step's truncation error
T = L(θ − ηg) − [L(θ) − η‖g‖²] with its rounding bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from lrtheory.errors import ParameterError, check_int, check_positive, check_real

FloatArray = NDArray[np.float64]
VectorField = Callable[[FloatArray], FloatArray]

#: Default solver tolerances: tight enough that the integration error is far below the
#: O(η²) global errors measured against the flow (and above DOP853's floor of 100·ε).
RTOL = 1e-13
ATOL = 1e-15


@dataclass(frozen=True)
class SmoothLoss:
    """A twice-differentiable loss given by its value, gradient and Hessian at θ (shape (d,))."""

    name: str
    value: Callable[[FloatArray], float]
    gradient: VectorField
    hessian: Callable[[FloatArray], FloatArray]


def quadratic_loss(h: FloatArray) -> SmoothLoss:
    """L(θ) = ½ θᵀHθ for a symmetric H: ∇L = Hθ, ∇²L = H."""
    h = np.asarray(h, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] != h.shape[1] or not np.allclose(h, h.T):
        raise ParameterError("h", h.shape, "a symmetric square matrix")
    return SmoothLoss(
        "quadratic",
        lambda th: 0.5 * float(th @ h @ th),
        lambda th: np.asarray(h @ th, dtype=np.float64),
        lambda th: h,
    )


def double_well_loss(a: float) -> SmoothLoss:
    """L(x, y) = ¼(x² − 1)² + ½ a y²: minima at (±1, 0) with curvatures 2 and a, a local
    maximum of the x-part at 0; ∇L = (x³ − x, a y), ∇²L = diag(3x² − 1, a)."""
    a = check_positive("a", a)

    def value(th: FloatArray) -> float:
        return 0.25 * float(th[0] ** 2 - 1.0) ** 2 + 0.5 * a * float(th[1]) ** 2

    def gradient(th: FloatArray) -> FloatArray:
        return np.array([th[0] ** 3 - th[0], a * th[1]])

    def hessian(th: FloatArray) -> FloatArray:
        return np.diag([3.0 * th[0] ** 2 - 1.0, a])

    return SmoothLoss(f"double well (a = {a:g})", value, gradient, hessian)


def flow_field(loss: SmoothLoss, correction: float = 0.0) -> VectorField:
    """F(θ) = −∇L(θ) − (c/2) H(θ)∇L(θ): the gradient flow for c = 0, the modified flow of
    L + (c/4)‖∇L‖² for c = η (since ∇‖∇L‖² = 2H∇L)."""
    c = check_real("correction", correction, 0.0, lo_open=False)

    def field(th: FloatArray) -> FloatArray:
        g = loss.gradient(th)
        return -g - 0.5 * c * (loss.hessian(th) @ g) if c else -g

    return field


@dataclass(frozen=True)
class FlowSolution:
    """θ(t) of a flow, with a bound on its integration error and how it was obtained."""

    theta: FloatArray
    error_bound: float
    n_steps: int
    rtol: float
    atol: float


def one_sided_lipschitz(field: VectorField, points: FloatArray, scale: float = 1.0) -> float:
    """max over ``points`` (shape (d, m)) of the largest eigenvalue of sym(∂F/∂θ), with the
    Jacobian by central differences. Differences of two solutions of the flow grow at most
    like exp(ℓ t); evaluated at the solver's accepted steps, which sample the path."""
    d = points.shape[0]
    step = 1e-6 * max(scale, 1.0)
    worst = -math.inf
    for theta in points.T:
        jac = np.empty((d, d))
        for i in range(d):
            e = np.zeros(d)
            e[i] = step
            jac[:, i] = (field(theta + e) - field(theta - e)) / (2.0 * step)
        worst = max(worst, float(np.linalg.eigvalsh(0.5 * (jac + jac.T))[-1]))
    return worst


def integrate_flow(loss: SmoothLoss, theta0: FloatArray, horizon: float, correction: float = 0.0,
                   rtol: float = RTOL, atol: float = ATOL) -> FlowSolution:
    """θ(horizon) of :func:`flow_field` from θ₀, by ``solve_ivp`` (DOP853).

    Error bound: the controller accepts a step only when the RMS over the d components of
    err_i/(atol + rtol|y_i|) is ≤ 1, so every component's local error estimate is at most
    √d (atol + rtol‖y‖_∞). Local errors are carried to t by the flow, which amplifies them by
    at most exp(ℓ⁺ t), ℓ⁺ = max(0, one-sided Lipschitz constant along the solution) — 1 for a
    convex loss. So ‖θ_num − θ(t)‖₂ ≤ √d · n_steps · √d (atol + rtol‖y‖_∞) · exp(ℓ⁺ t).
    (DOP853 propagates its 8th-order solution, whose true local error is below the estimate.)
    """
    theta0 = np.asarray(theta0, dtype=np.float64)
    horizon = check_positive("horizon", horizon)
    check_real("rtol", rtol, 100 * float(np.finfo(np.float64).eps), 1.0, lo_open=False)
    check_positive("atol", atol)
    field = flow_field(loss, correction)
    sol = solve_ivp(lambda _t, y: field(y), (0.0, horizon), theta0, method="DOP853",
                    rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover - the flows here are smooth and bounded
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    y: FloatArray = sol.y
    d = y.shape[0]
    n_steps = y.shape[1] - 1
    growth = max(0.0, one_sided_lipschitz(field, y, float(np.max(np.abs(y)))))
    per_step = d * (atol + rtol * float(np.max(np.abs(y))))
    bound = n_steps * per_step * math.exp(growth * horizon)
    return FlowSolution(y[:, -1].copy(), bound, n_steps, rtol, atol)


def gradient_descent(loss: SmoothLoss, theta0: FloatArray, eta: float, steps: int) -> FloatArray:
    """The GD iterate θ_k after ``steps`` steps θ ← θ − η∇L(θ) from θ₀ (the recursion itself)."""
    eta = check_positive("eta", eta)
    check_int("steps", steps, 0)
    theta = np.asarray(theta0, dtype=np.float64).copy()
    for _ in range(steps):
        theta = theta - eta * loss.gradient(theta)
    return theta


def truncation_error(loss: SmoothLoss, theta: FloatArray, eta: float) -> float:
    """T = L(θ − ηg) − [L(θ) − η‖g‖²], the loss after one GD step minus the linear model's."""
    g = loss.gradient(theta)
    return loss.value(theta - eta * g) - (loss.value(theta) - eta * float(g @ g))


def truncation_rounding(loss: SmoothLoss, theta: FloatArray, eta: float) -> float:
    """Rounding bound for :func:`truncation_error`: γ_n = nε/(1 − nε) times the sum of the
    magnitudes that cancel, n = 2d + 8 operations on the longest path (a mat-vec and a dot
    product of length d, and the polynomial/quadratic evaluation's few scalar operations)."""
    g = np.abs(loss.gradient(theta))
    h = np.abs(loss.hessian(theta))
    th1 = np.abs(theta) + eta * g
    size = (abs(loss.value(theta)) + abs(loss.value(theta - eta * loss.gradient(theta)))
            + float(np.abs(theta) @ h @ np.abs(theta) + th1 @ h @ th1)
            + eta * float(g @ g) + eta**2 * float(g @ h @ g))
    n = 2 * theta.size + 8
    eps = float(np.finfo(np.float64).eps)
    return n * eps / (1 - n * eps) * size


def mode_growth(loss: SmoothLoss, direction: FloatArray, eta: float, steps: int) -> float:
    """(‖θ_k‖/‖θ₀‖)^{1/k} for GD from θ₀ = ``direction``: on ½θᵀHθ from an eigenvector of
    eigenvalue λ this is Euler's amplification |1 − ηλ|, up to rounding."""
    theta = gradient_descent(loss, direction, eta, steps)
    return float((np.linalg.norm(theta) / np.linalg.norm(direction)) ** (1.0 / steps))


@dataclass(frozen=True)
class GlobalError:
    """‖θ_k − θ(kη)‖ between GD and a flow at a fixed time, with the bound on its error."""

    eta: float
    steps: int
    error: float
    error_bound: float


def steps_to_time(horizon: float, eta: float) -> int:
    """k with kη = horizon; the horizon must be a whole number of steps."""
    k = round(horizon / eta)
    if k < 1 or abs(k * eta - horizon) > 1e-9 * horizon:
        raise ParameterError("eta", eta, f"a divisor of the horizon {horizon:g}")
    return int(k)


def global_error(loss: SmoothLoss, theta0: FloatArray, horizon: float, eta: float,
                 modified: bool, flow: FlowSolution | None = None) -> GlobalError:
    """Global error of GD at t = horizon against the gradient flow (``modified=False``) or
    the modified flow of L + (η/4)‖∇L‖² (``modified=True``). ``flow`` reuses a plain-flow
    solution (it does not depend on η). The error bound adds the flow's integration bound
    and the rounding of k GD steps (k·ε per step relative to ‖θ‖)."""
    k = steps_to_time(horizon, eta)
    theta_k = gradient_descent(loss, theta0, eta, k)
    if modified:
        flow = integrate_flow(loss, theta0, horizon, correction=eta)
    elif flow is None:
        flow = integrate_flow(loss, theta0, horizon)
    rounding = 4.0 * k * np.finfo(np.float64).eps * float(np.max(np.abs(theta0)))
    error = float(np.linalg.norm(theta_k - flow.theta))
    return GlobalError(eta, k, error, flow.error_bound + rounding)


def error_sequence(loss: SmoothLoss, theta0: FloatArray, horizon: float,
                   step_sizes: Sequence[float], modified: bool) -> list[GlobalError]:
    """:func:`global_error` at every step size (the plain flow is integrated once)."""
    flow = None if modified else integrate_flow(loss, theta0, horizon)
    return [global_error(loss, theta0, horizon, eta, modified, flow) for eta in step_sizes]


@dataclass(frozen=True)
class ConvergenceOrder:
    """The order p of e(η) = C η^p (1 + c₁η + c₂η² + …) measured on η_j = η₀/ρ^j.

    * ``fitted_order`` ± ``fitted_se``: least-squares slope of log e on log η over all the
      points (with the regression's standard error); it carries the bias of the c₁η term.
    * ``local_orders``: s_j = log(e_j/e_{j+1})/log ρ = p + A η_j + O(η_j²).
    * ``extrapolated_order``: Richardson on the local orders, r_j = (ρ s_{j+1} − s_j)/(ρ − 1)
      = p + O(η_j²), at the finest pair — the visible c₁η trend removed.
    * ``tolerance``: bound on |r − p|. If successive differences Δ_j = r_{j+1} − r_j shrink
      geometrically by a factor q < 1 (asymptotically q = 1/ρ² for the O(η²) remainder),
      the tail Σ|Δ| after the finest value is |Δ_last| q/(1−q). q is taken as the larger of
      ½ (twice the asymptotic ¼ for ρ = 2) and the largest measured ratio, so the factor is
      ≥ 1. To it is added the effect of the errors' own bounds δ_j (ODE tolerance,
      rounding) on r and on Δ_last: |δs_j| ≤ (δ_j/e_j + δ_{j+1}/e_{j+1})/log ρ.
    * ``contraction``: the largest measured |Δ_{j+1}/Δ_j| over differences larger than their
      noise; NaN when fewer than two are resolved (the differences are then within the
      noise term, which dominates the tolerance).
    * ``asymptotic``: the measured contraction is < 1, i.e. the local orders settle; when
      it is not, the tolerance is infinite and no order can be certified from these η.
    """

    step_sizes: tuple[float, ...]
    errors: tuple[float, ...]
    fitted_order: float
    fitted_se: float
    local_orders: tuple[float, ...]
    extrapolations: tuple[float, ...]
    extrapolated_order: float
    tolerance: float
    contraction: float

    @property
    def asymptotic(self) -> bool:
        return math.isfinite(self.tolerance)


def convergence_order(step_sizes: Sequence[float], errors: Sequence[float],
                      error_bounds: Sequence[float] | None = None) -> ConvergenceOrder:
    """Measure the order of ``errors`` in ``step_sizes`` (decreasing by a constant ratio ρ > 1).

    At least four step sizes are needed (two Richardson values); five or more also measure
    the contraction of their differences.
    """
    eta = np.asarray(step_sizes, dtype=np.float64)
    err = np.asarray(errors, dtype=np.float64)
    bounds = np.zeros_like(err) if error_bounds is None else np.asarray(error_bounds, float)
    if eta.ndim != 1 or eta.size < 4 or err.shape != eta.shape or bounds.shape != eta.shape:
        raise ParameterError("step_sizes", len(eta), "at least 4, with one error each")
    if not (np.all(eta > 0) and np.all(err > 0) and np.all(np.isfinite(err))):
        raise ParameterError("errors", errors, "positive and finite, at positive step sizes")
    ratios = eta[:-1] / eta[1:]
    rho = float(ratios[0])
    if rho <= 1.0 or not np.allclose(ratios, rho, rtol=1e-9):
        raise ParameterError("step_sizes", step_sizes, "decreasing by a constant ratio > 1")
    x, yv = np.log(eta), np.log(err)
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, yv, rcond=None)
    resid = yv - design @ coef
    dof = max(eta.size - 2, 1)
    cov = float(resid @ resid) / dof * np.linalg.inv(design.T @ design)
    log_rho = math.log(rho)
    local = (yv[:-1] - yv[1:]) / log_rho
    rel = bounds / err
    local_noise = (rel[:-1] + rel[1:]) / log_rho
    extrap = (rho * local[1:] - local[:-1]) / (rho - 1.0)
    extrap_noise = (rho * local_noise[1:] + local_noise[:-1]) / (rho - 1.0)
    diffs = np.diff(extrap)
    # The premise q ≤ ½ can only be read off differences that stand above their noise.
    resolved = np.abs(diffs) > extrap_noise[:-1] + extrap_noise[1:]
    pairs = [abs(diffs[j + 1] / diffs[j]) for j in range(diffs.size - 1)
             if resolved[j] and resolved[j + 1]]
    contraction = max(pairs) if pairs else math.nan
    q = max(0.5, contraction) if pairs else 0.5
    tail = abs(diffs[-1]) * q / (1.0 - q) if q < 1.0 else math.inf
    tolerance = float(tail + 2.0 * extrap_noise[-1] + extrap_noise[-2])
    return ConvergenceOrder(
        tuple(float(v) for v in eta), tuple(float(v) for v in err), float(coef[1]),
        math.sqrt(float(cov[1, 1])), tuple(float(v) for v in local),
        tuple(float(v) for v in extrap), float(extrap[-1]), tolerance, contraction)


def halving(first: float, count: int) -> tuple[float, ...]:
    """η₀, η₀/2, …, η₀/2^(count−1): the step sizes of a convergence study."""
    first = check_positive("first", first)
    check_int("count", count, 1)
    return tuple(first / 2.0**j for j in range(count))


def measure_order(loss: SmoothLoss, theta0: FloatArray, horizon: float,
                  step_sizes: Sequence[float], modified: bool) -> ConvergenceOrder:
    """Order of GD's global error at t = horizon against the plain or the modified flow."""
    seq = error_sequence(loss, theta0, horizon, step_sizes, modified)
    return convergence_order([g.eta for g in seq], [g.error for g in seq],
                             [g.error_bound for g in seq])


__all__: list[str] = [
    "ConvergenceOrder", "FlowSolution", "GlobalError", "SmoothLoss", "convergence_order",
    "double_well_loss", "error_sequence", "flow_field", "global_error", "gradient_descent",
    "halving", "integrate_flow", "measure_order", "mode_growth", "one_sided_lipschitz",
    "quadratic_loss", "steps_to_time", "truncation_error", "truncation_rounding",
]
