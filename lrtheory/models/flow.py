"""Gradient flow, its modified equation, and gradient descent read as forward Euler.

The gradient flow of a loss L is the ODE

    dθ/dt = −∇L(θ),

and one GD step θ ← θ − η∇L(θ) is one forward-Euler step of it with time step η, so the GD
iterate θ_k shadows the flow at time t = kη. The *modified* flow

    dθ/dt = −∇L(θ) − (c/2) H(θ)∇L(θ) = −∇(L + (c/4)‖∇L‖²)(θ),   c = η,

is the one GD follows to second order (backward error analysis). This module integrates both
with ``scipy.integrate.solve_ivp``, bounds the integration error from the solver's own
tolerances, runs GD, measures the order p of a global error e(η) ≈ C η^p from a sequence
of step sizes (:func:`convergence_order`), evaluates one step's truncation error
T = L(θ − ηg) − [L(θ) − η‖g‖²] with its rounding bound, measures GD's growth factor along
the stiffest mode of a quadratic against Euler's |1 − ηλ_max| (:func:`stiff_mode_growth`)
and the first-order global-error law on a quadratic (:func:`first_order_law_error`). The
order measurement itself is :mod:`lrtheory.models.convergence_order` (exported from here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from lrtheory.errors import ParameterError, check_int, check_positive, check_real, float_array
from lrtheory.models.convergence_order import ConvergenceOrder, convergence_order, halving
from lrtheory.models.ode import dop853_error_bound
from lrtheory.models.rounding import EPS, recursion_rounding

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


def check_vector(name: str, value: object, dim: int | None = None) -> FloatArray:
    """``value`` as a float64 vector after checking it is 1-D, non-empty (of length ``dim``
    when given) and finite."""
    try:
        v = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a vector of real numbers") from None
    size = "a non-empty" if dim is None else f"a length-{dim}"
    if v.ndim != 1 or v.size == 0 or (dim is not None and v.size != dim):
        raise ParameterError(name, getattr(v, "shape", value), f"{size} 1-D vector")
    if not np.all(np.isfinite(v)):
        raise ParameterError(name, value, "finite in every component")
    return v


def _symmetric(h: object) -> FloatArray:
    m = float_array("h", h)
    if (m.ndim != 2 or m.shape[0] != m.shape[1] or m.size == 0 or not np.all(np.isfinite(m))
            or not np.allclose(m, m.T)):
        raise ParameterError("h", m.shape, "a finite symmetric square matrix")
    return m


def quadratic_loss(h: FloatArray) -> SmoothLoss:
    """L(θ) = ½ θᵀHθ for a symmetric H: ∇L = Hθ, ∇²L = H."""
    h = _symmetric(h)
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
    like exp(ℓ t); evaluated at the solver's accepted steps, which sample the path. ``scale``
    (> 0, the size of θ) sets the difference step 10⁻⁶·max(scale, 1)."""
    points = float_array("points", points)
    if points.ndim != 2 or points.size == 0 or not np.all(np.isfinite(points)):
        raise ParameterError("points", points.shape, "a finite (d, m) array, d, m ≥ 1")
    scale = check_positive("scale", scale)
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

    Error bound (:func:`lrtheory.models.ode.dop853_error_bound`): every accepted step's
    local error is at most d (atol + rtol‖y‖_∞) in the 2-norm, and the flow carries it to t
    amplified by at most exp(ℓ⁺ t), ℓ⁺ = max(0, one-sided Lipschitz constant along the
    solution) — 0 for a convex loss. So ‖θ_num − θ(t)‖₂ ≤ n_steps · d (atol + rtol‖y‖_∞)
    · exp(ℓ⁺ t).
    """
    theta0 = check_vector("theta0", theta0)
    horizon = check_positive("horizon", horizon)
    check_real("rtol", rtol, 100 * EPS, 1.0, lo_open=False)
    check_positive("atol", atol)
    field = flow_field(loss, correction)
    sol = solve_ivp(lambda _t, y: field(y), (0.0, horizon), theta0, method="DOP853",
                    rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover - the flows here are smooth and bounded
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    y: FloatArray = sol.y
    n_steps = y.shape[1] - 1
    y_max = float(np.max(np.abs(y)))
    growth = max(0.0, one_sided_lipschitz(field, y, max(y_max, 1.0)))
    bound = dop853_error_bound(n_steps, y.shape[0], rtol, atol, y_max, growth, horizon)
    return FlowSolution(y[:, -1].copy(), bound, n_steps, rtol, atol)


def _descend(loss: SmoothLoss, theta0: FloatArray, eta: float, steps: int
             ) -> tuple[FloatArray, float]:
    """θ_k of GD and a bound on its float64 rounding error in the 2-norm.

    Rounding (:func:`lrtheory.models.rounding.recursion_rounding`): each step θ − ηg rounds
    by ≤ 4ε of the largest magnitude M = max_j max(‖θ_j‖_∞, η‖g_j‖_∞) on the path, per
    component, so ≤ √d · 4ε(k + 8) M in the 2-norm before propagation. An error made at
    step j is carried to step k by the GD map's Jacobians I − ηH(θ_i), i > j, whose 2-norms
    are ρ_i = max |1 − ηλ(H(θ_i))|; the factor A = max_j ∏_{i>j} max(1, ρ_i) bounds that
    (A = 1 when GD is non-expansive along the path)."""
    theta = theta0.copy()
    magnitude = float(np.max(np.abs(theta)))
    log_amp = 0.0
    for _ in range(steps):
        g = loss.gradient(theta)
        magnitude = max(magnitude, float(np.max(np.abs(theta))), eta * float(np.max(np.abs(g))))
        lam = np.linalg.eigvalsh(loss.hessian(theta))
        rho = float(np.max(np.abs(1.0 - eta * lam)))
        log_amp += math.log(max(1.0, rho))  # every factor ≥ 1: the full product is A
        theta = theta - eta * g
    magnitude = max(magnitude, float(np.max(np.abs(theta))))
    bound = math.sqrt(theta.size) * math.exp(log_amp) * recursion_rounding(steps, magnitude)
    return theta, bound


def gradient_descent(loss: SmoothLoss, theta0: FloatArray, eta: float, steps: int) -> FloatArray:
    """The GD iterate θ_k after ``steps`` steps θ ← θ − η∇L(θ) from θ₀ (the recursion itself)."""
    theta0 = check_vector("theta0", theta0)
    eta = check_positive("eta", eta)
    check_int("steps", steps, 0)
    theta = theta0.copy()
    for _ in range(steps):
        theta = theta - eta * loss.gradient(theta)
    return theta


def truncation_error(loss: SmoothLoss, theta: FloatArray, eta: float) -> float:
    """T = L(θ − ηg) − [L(θ) − η‖g‖²], the loss after one GD step minus the linear model's."""
    theta = check_vector("theta", theta)
    eta = check_positive("eta", eta)
    g = loss.gradient(theta)
    return loss.value(theta - eta * g) - (loss.value(theta) - eta * float(g @ g))


def truncation_rounding(loss: SmoothLoss, theta: FloatArray, eta: float) -> float:
    """Rounding bound for :func:`truncation_error`: γ_n = nε/(1 − nε) times the sum of the
    magnitudes that cancel, n = 2d + 8 operations on the longest path (a mat-vec and a dot
    product of length d, and the polynomial/quadratic evaluation's few scalar operations)."""
    theta = check_vector("theta", theta)
    eta = check_positive("eta", eta)
    g = np.abs(loss.gradient(theta))
    h = np.abs(loss.hessian(theta))
    th1 = np.abs(theta) + eta * g
    size = (abs(loss.value(theta)) + abs(loss.value(theta - eta * loss.gradient(theta)))
            + float(np.abs(theta) @ h @ np.abs(theta) + th1 @ h @ th1)
            + eta * float(g @ g) + eta**2 * float(g @ h @ g))
    n = 2 * theta.size + 8
    return n * EPS / (1 - n * EPS) * size


@dataclass(frozen=True)
class ModeGrowth:
    """GD's growth factor per step along the stiffest mode of ½θᵀHθ, against Euler's
    amplification |R(z)| = |1 + z|, z = −ηλ_max, with a bound on their difference."""

    eigenvalue: float
    euler_factor: float
    growth: float
    tolerance: float
    steps: int


def stiff_mode_growth(h: FloatArray, eta: float, steps: int) -> ModeGrowth:
    """(‖θ_k‖/‖θ₀‖)^{1/k} for GD on ½θᵀHθ from the computed top eigenvector v of H.

    In exact arithmetic from an exact eigenvector this is |1 − ηλ_max|. The tolerance bounds
    the difference from every float64 source:

    * the eigenvector: its residual r = ‖Hv − λ̂v‖ gives |λ̂ − λ_max| ≤ r and, with the gap
      δ = λ̂ − λ₂ − 2r to the rest of the spectrum, sin∠(v, u_max) ≤ s = r/δ (Davis–Kahan);
      the other modes' part w (‖w‖ ≤ s) changes ‖θ_k‖/|R|^k to within [√(1 − s²),
      √(1 + (ρ/|R|)^{2k} s²)], ρ = ‖I − ηH‖₂;
    * the recursion: each step's product η(Hθ) is off by ≤ γ_d η|H||θ| per component, plus ε
      for the product and the subtraction: ≤ (d + 3)ε M_j, M_j = max(‖θ_j‖_∞, η‖|H||θ_j|‖_∞),
      carried to step k by ρ^{k−1−j};
    * the two norms (γ_{d+2} each) and the k-th root and division (2ε);
    * η r for the closed form's λ̂ and 2ε for evaluating |1 − ηλ̂|.
    """
    h = _symmetric(h)
    eta = check_positive("eta", eta)
    steps = check_int("steps", steps, 1)
    d = h.shape[0]
    lam, vecs = np.linalg.eigh(h)
    v = vecs[:, -1]
    residual = float(np.linalg.norm(h @ v - lam[-1] * v))
    gap = float(lam[-1] - lam[-2]) - 2.0 * residual if d > 1 else math.inf
    if gap <= 0.0:
        raise ParameterError("h", h.shape, "a matrix whose top eigenvalue is simple and "
                                           "separated from the next by more than 2·residual")
    s = min(residual / gap, 1.0)
    factor = abs(1.0 - eta * float(lam[-1]))
    r = factor + eta * residual  # an upper bound on the true |R|
    rho = float(np.max(np.abs(1.0 - eta * lam))) + eta * residual
    theta, abs_h, rounding = v.copy(), np.abs(h), 0.0
    for _ in range(steps):
        size = max(float(np.max(np.abs(theta))), eta * float(np.max(abs_h @ np.abs(theta))))
        rounding = rho * rounding + math.sqrt(d) * (d + 3) * EPS * size
        theta = theta - eta * (h @ theta)
    growth = float((np.linalg.norm(theta) / np.linalg.norm(v)) ** (1.0 / steps))
    # ‖θ_k‖/|R|^k in exact arithmetic lies in [√(1 − s²), √(1 + (ρ/|R|)^{2k} s²)]; the
    # recursion's rounding moves it by ≤ rounding/|R|^k, each norm by a factor 1 ± γ_{d+2}.
    r_low = max(factor - eta * residual, float(np.finfo(np.float64).tiny))
    rel_rounding = rounding / r_low**steps
    gamma = (d + 2) * EPS / (1.0 - (d + 2) * EPS)
    low = (math.sqrt(1.0 - s * s) - rel_rounding) * (1.0 - gamma) ** 2
    high = (math.sqrt(1.0 + (rho / r_low) ** (2 * steps) * s * s) + rel_rounding) \
        / (1.0 - gamma) ** 2
    if low <= 0.0:
        raise ParameterError("steps", steps, "few enough that rounding stays below ‖θ_k‖")
    spread = max(high ** (1.0 / steps) - 1.0, 1.0 - low ** (1.0 / steps))
    tolerance = r * (spread + 2.0 * EPS) + eta * residual + 2.0 * EPS * factor
    return ModeGrowth(float(lam[-1]), factor, growth, tolerance, steps)


@dataclass(frozen=True)
class GlobalError:
    """‖θ_k − θ(kη)‖ between GD and a flow at a fixed time, with the bound on its error."""

    eta: float
    steps: int
    error: float
    error_bound: float


def steps_to_time(horizon: float, eta: float) -> int:
    """k with kη = horizon; the horizon must be a whole number of steps."""
    horizon = check_positive("horizon", horizon)
    eta = check_positive("eta", eta)
    k = round(horizon / eta)
    if k < 1 or abs(k * eta - horizon) > 1e-9 * horizon:
        raise ParameterError("eta", eta, f"a divisor of the horizon {horizon:g}")
    return int(k)


def global_error(loss: SmoothLoss, theta0: FloatArray, horizon: float, eta: float,
                 modified: bool, flow: FlowSolution | None = None) -> GlobalError:
    """Global error of GD at t = horizon against the gradient flow (``modified=False``) or
    the modified flow of L + (η/4)‖∇L‖² (``modified=True``). ``flow`` reuses a plain-flow
    solution (it does not depend on η). The error bound adds the flow's integration bound
    and the rounding bound of the k GD steps (see :func:`_descend`)."""
    theta0 = check_vector("theta0", theta0)
    k = steps_to_time(horizon, eta)
    if flow is not None and (modified or flow.theta.shape != theta0.shape):
        raise ParameterError("flow", flow, "a plain-flow solution of θ₀'s dimension, "
                                           "and only with modified=False")
    theta_k, rounding = _descend(loss, theta0, eta, k)
    if modified:
        flow = integrate_flow(loss, theta0, horizon, correction=eta)
    elif flow is None:
        flow = integrate_flow(loss, theta0, horizon)
    error = float(np.linalg.norm(theta_k - flow.theta))
    return GlobalError(eta, k, error, flow.error_bound + rounding)


def error_sequence(loss: SmoothLoss, theta0: FloatArray, horizon: float,
                   step_sizes: Sequence[float], modified: bool) -> list[GlobalError]:
    """:func:`global_error` at every step size (the plain flow is integrated once)."""
    if len(step_sizes) == 0:
        raise ParameterError("step_sizes", step_sizes, "at least one step size")
    theta0 = check_vector("theta0", theta0)
    flow = None if modified else integrate_flow(loss, theta0, horizon)
    return [global_error(loss, theta0, horizon, eta, modified, flow) for eta in step_sizes]


def first_order_law_error(h: FloatArray, theta0: FloatArray, horizon: float,
                          steps: Sequence[int]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """How well the first-order law predicts GD's global error on ½θᵀHθ at t = horizon.

    GD after k steps of η = t/k is (I − ηH)^k θ₀ (matrix powers: the recursion itself), the
    flow e^{−Ht}θ₀; expanding k log(1 − ηλ) = −λt − ηλ²t/2 − … gives the law
    e ≈ −η (t/2) H² e^{−Ht} θ₀. Returns (ηλ_max, ‖e − law‖/‖e‖) for each k in ``steps``."""
    h = _symmetric(h)
    theta0 = check_vector("theta0", theta0, h.shape[0])
    horizon = check_positive("horizon", horizon)
    if len(steps) == 0:
        raise ParameterError("steps", steps, "at least one step count")
    lam_max = float(np.linalg.eigvalsh(h)[-1])
    flow = expm(-h * horizon) @ theta0
    law_per_eta = -0.5 * horizon * (h @ h @ flow)
    values, errors = [], []
    for k in steps:
        eta = horizon / check_int("steps", k, 1)
        exact = np.linalg.matrix_power(np.eye(h.shape[0]) - eta * h, k) @ theta0 - flow
        values.append(eta * lam_max)
        errors.append(float(np.linalg.norm(exact - eta * law_per_eta) / np.linalg.norm(exact)))
    return tuple(values), tuple(errors)


def measure_order(loss: SmoothLoss, theta0: FloatArray, horizon: float,
                  step_sizes: Sequence[float], modified: bool) -> ConvergenceOrder:
    """Order of GD's global error at t = horizon against the plain or the modified flow."""
    seq = error_sequence(loss, theta0, horizon, step_sizes, modified)
    return convergence_order([g.eta for g in seq], [g.error for g in seq],
                             [g.error_bound for g in seq])


__all__: list[str] = [
    "ConvergenceOrder", "FlowSolution", "GlobalError", "ModeGrowth", "SmoothLoss",
    "check_vector", "convergence_order", "double_well_loss", "error_sequence",
    "first_order_law_error", "flow_field", "global_error", "gradient_descent", "halving",
    "integrate_flow", "measure_order", "one_sided_lipschitz", "quadratic_loss",
    "steps_to_time", "stiff_mode_growth", "truncation_error", "truncation_rounding",
]
