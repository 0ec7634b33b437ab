"""A learning-rate controller in closed loop with gradient descent (claim G5), and the checks
that judge the loop: where it converges, its certified basin, its measured contraction
against the derived spectral radius, its variance under measurement noise.

**Plant.** GD on f(θ) = λθ²/2 with rate η_t. The measured output is the gradient-norm
ratio y_t = |g_{t+1}|/|g_t| = |1 − η_tλ|, exact on a quadratic. In the normalised log-rate
x = log(ηλ) the plant is y = |1 − eˣ| (:func:`gradient_ratio`), the same for every λ.

**Controller.** PI in velocity form on log η (:func:`pi_velocity`),

    log η_{t+1} = log η_t + K_p (e_t − e_{t−1}) + K_i e_t,    e_t = y_t − y*,

with the target ratio y* ∈ (0, 1) (the contraction per step one asks for). As x = log η +
log λ, the same law moves x. The loop's state is s_t = (x_t, e_{t−1}): the rate and the
error the controller remembers (:func:`loop_step`, :func:`run_loop`).

**Judging the loop.** :func:`converged` (outcomes from many starts at once);
:func:`branch_certificate` and :func:`certified_run` (a certified basin at either equilibrium,
from :mod:`lrtheory.models.basin`, and a run checked against it); :func:`linear_loop`,
:func:`pi_step_rounding`, :func:`run_rate_rounding` and :func:`bracket_misses` (the
linearised loop's measured contraction against Henrici's bracket,
:mod:`lrtheory.models.linear_rate`, with its float64 rounding); :func:`linear_noise_covariance`
(the stationary covariance under measurement noise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from numpy.typing import NDArray
from scipy.linalg import solve_discrete_lyapunov

from lrtheory.arrays import astype, namespace
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
from lrtheory.models.basin import Certificate, lyapunov_error_bound, quadratic_certificate
from lrtheory.models.linear_rate import (
    departure_from_normality,
    henrici_upper_array,
    measured_rate,
    nilpotent_rate_rounding,
    rate_rounding,
)
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel

FloatArray = NDArray[np.float64]
Plant = Callable[[Any], Any]
"""The measured output y as a function of the loop variable x (arrays or SymPy)."""


def gradient_ratio(x: Any) -> Any:
    """y = |1 − eˣ|, the gradient-norm ratio |g_{t+1}|/|g_t| of a GD step with ηλ = eˣ on a
    quadratic (elementwise; SymPy expressions give ``Abs(1 - exp(x))``)."""
    if isinstance(x, sp.Basic):
        return sp.Abs(1 - sp.exp(x))
    xp = namespace(x)
    return xp.abs(-xp.expm1(x))


def pi_velocity(u: Any, error: Any, previous_error: Any, kp: Any, ki: Any) -> Any:
    """One step of the PI law in velocity form: u + K_p(e_t − e_{t−1}) + K_i e_t.

    ``u`` is the controlled variable (log η here); pure arithmetic, so it runs on arrays
    and on SymPy symbols alike."""
    return u + kp * (error - previous_error) + ki * error


def loop_step(x: Any, previous_error: Any, kp: Any, ki: Any, target: Any,
              plant: Plant = gradient_ratio, noise: Any = 0.0) -> tuple[Any, Any]:
    """One step of the closed loop: measure e_t = plant(x_t) + noise − y*, apply
    :func:`pi_velocity`; returns the new state (x_{t+1}, e_t)."""
    error = plant(x) + noise - target
    return pi_velocity(x, error, previous_error, kp, ki), error


def _gains(kp: Any, ki: Any, target: float) -> float:
    check_reals("kp", kp)
    check_reals("ki", ki)
    return check_real("target", target, 0.0, 1.0)


class LoopPath(NamedTuple):
    """States s_t = (x_t, e_{t−1}) of a run, t = 0 … T: arrays of shape (T + 1, *batch)."""

    x: FloatArray
    e: FloatArray

    def distance(self, x_star: float) -> FloatArray:
        """max over the batch of |s_t − s*|, s* = (x*, 0), for t = 0 … T."""
        return np.asarray(np.hypot(self.x - x_star, self.e).reshape(len(self.x), -1).max(axis=1))


def run_loop(x0: Any, kp: Any, ki: Any, target: float, steps: int,
             previous_error: Any = None, plant: Plant = gradient_ratio, *,
             record: bool = True) -> LoopPath:
    """The noiseless loop for T steps, vectorised over any batch shape of x0, e_{−1} and the
    gains (``record=False``: only the final state, as a path of length 1).

    ``previous_error`` is e_{−1}; by default the loop starts at rest, e_{−1} = e_0 (no
    proportional kick on the first step). A run that leaves the floats (GD diverging, so
    eˣ overflowing) shows as inf/nan from that step on."""
    target = _gains(kp, ki, target)
    check_int("steps", steps, 0, MAX_STEPS)
    x = float_array("x0", check_reals("x0", x0), "finite starting points")
    for name, value in (("kp", kp), ("ki", ki), ("previous_error", previous_error)):
        try:
            np.broadcast_shapes(x.shape, np.shape(value))
        except ValueError:
            raise ParameterError(name, f"an array of shape {np.shape(value)}", "of a shape "
                                 f"that broadcasts with x0's {x.shape}") from None
    e_prev = plant(x) - target if previous_error is None else previous_error
    xs, es = [x], [e_prev]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            x, e_prev = loop_step(x, e_prev, kp, ki, target, plant)
            if record:
                xs.append(x)
                es.append(e_prev)
    if not record:
        xs, es = [x], [e_prev]
    return LoopPath(np.stack(np.broadcast_arrays(*xs)), np.stack(np.broadcast_arrays(*es)))


def linear_plant(gain: float, x_star: float, target: float) -> Plant:
    """The plant linearised at an equilibrium: y ≈ y* + k(x − x*)."""
    return lambda x: target + gain * (x - x_star)


def linearisation(x_eq: Any, kp: Any, ki: Any, target: Any, z: sp.Symbol,
                  plant: Plant = gradient_ratio) -> tuple[sp.Matrix, sp.Expr]:
    """Jacobian J of the loop map (x, e_{t−1}) ↦ (x', e_t) at the equilibrium (x_eq, 0) and its
    characteristic polynomial det(zI − J), collected in z: derived by SymPy from
    :func:`loop_step` itself (x real, so that ∂|f|/∂x = sign(f)f′)."""
    x, e_prev = sp.Dummy("x", real=True), sp.Dummy("e", real=True)
    jac = sp.Matrix(loop_step(x, e_prev, kp, ki, target, plant)).jacobian([x, e_prev])
    at = jac.subs({x: x_eq, e_prev: 0}).applyfunc(sp.expand)
    return at, sp.collect(sp.expand((z * sp.eye(2) - at).det()), z)


# --------------------------------------------------------------------------------------
# judging the loop: outcomes, certified basin, measured contraction, noise
# --------------------------------------------------------------------------------------


def converged(x0: Any, kp: Any, ki: Any, target: float, steps: int, centre: float,
              tol: float, *, previous_error: Any = None, last: int = 1) -> NDArray[np.bool_]:
    """Per start: whether the noiseless loop (:func:`run_loop`) from x₀ ends within ``tol`` of
    ``centre``, |x_t − centre| ≤ tol for each of the ``last`` steps t ≤ T (a run that left
    the floats never has)."""
    last = check_int("last", last, 1, check_int("steps", steps, 0, MAX_STEPS) + 1)
    centre = check_real("centre", centre)
    path = run_loop(x0, kp, ki, target, steps, previous_error, record=last > 1)
    return np.asarray(np.all(np.abs(path.x[-last:] - centre) <= check_positive("tol", tol),
                             axis=0))


def branch_certificate(A: Any, kp: float, ki: float, target: float,
                       upper: bool = False) -> Certificate:
    """The certified basin (:func:`lrtheory.models.basin.quadratic_certificate`) of the loop on
    the gradient-ratio plant at its lower equilibrium ηλ = 1 − y* (``upper``: 1 + y*), A the
    loop's Jacobian there.

    On the branch the plant's remainder is r(δ) = ∓g(e^δ − 1 − δ), g = 1 ∓ y* (derived in G5),
    so |r(δ)| ≤ gφ(R)δ² for |δ| ≤ R with φ(R) = (e^R − 1 − R)/R², increasing; it enters the
    state through (K_p + K_i, 1), and R runs up to the branch's edge x = 0, |log g| away."""
    target = _gains(check_real("kp", kp), check_real("ki", ki), target)
    scale = 1.0 + target if upper else 1.0 - target
    width = math.hypot(kp + ki, 1.0)

    def coefficient(R: float) -> float:
        return width * scale * (math.expm1(R) - R) / (R * R)

    return quadratic_certificate(A, coefficient, abs(math.log(scale)))


def certified_run(cert: Certificate, x0: Any, e0: Any, kp: float, ki: float, target: float,
                  steps: int, x_eq: float) -> tuple[float, float, int]:
    """Run the loop from the starts (x₀, e_{−1} = e₀) towards the equilibrium (x_eq, 0) that
    ``cert`` certifies: (max_i |s_T − s*|, its bound, t₀). From the first step t₀ at which
    every run is inside the certified start ball the certificate bounds the rest,
    |s_T − s*| ≤ d(t₀)·√(λ_max/λ_min)·decay^{(T−t₀)/2}, plus the float64 rounding of the
    steps (≤ 8ε(1 + |x*| + |K_p| + |K_i|) each) carried by the contraction."""
    path = run_loop(x0, kp, ki, target, steps, previous_error=e0)
    dist = path.distance(check_real("x_eq", x_eq))
    bound, t0 = cert.bound_along(dist)
    rounding = cert.carried(8 * EPS * (1 + abs(x_eq) + abs(kp) + abs(ki)))
    return float(dist[-1]), bound + rounding, t0


def linear_loop(kp: Any, ki: Any, gain: float) -> Callable[[tuple[Any, ...]], tuple[Any, Any]]:
    """The loop (:func:`loop_step`) on the plant linearised at an equilibrium, y − y* ≈
    k(x − x*), in deviations from it: a linear step for
    :func:`lrtheory.models.linear_rate.measured_rate` (gains may be arrays: a batch)."""
    plant = linear_plant(gain, 0.0, 0.0)
    return lambda s: loop_step(s[0], s[1], kp, ki, 0.0, plant)


def pi_step_rounding(kp: Any, ki: Any, gain: Any) -> Any:
    """β of one step of :func:`linear_loop` per unit state: about 8 roundings, each ε of a
    partial sum bounded by (1 + |K_p|(|k| + 1) + |K_i||k| + |k|)·|s| (elementwise)."""
    kp, ki, gain = (np.abs(check_reals(n, v)) for n, v in (("kp", kp), ("ki", ki),
                                                            ("gain", gain)))
    return 8.0 * EPS * (1.0 + kp * (gain + 1.0) + ki * gain + gain)


def run_rate_rounding(matrix: Any, steps: int, step_error: float) -> float:
    """Float64 bound on r_T that :func:`~lrtheory.models.linear_rate.measured_rate` measures
    for the k×k map ``matrix`` whose steps err by ≤ ``step_error``·|s|: ε is added for the
    run's renormalisation (a division, ≤ ε/2 relative); then
    :func:`~lrtheory.models.linear_rate.nilpotent_rate_rounding` if M^k = 0 (a deadbeat
    loop), else :func:`~lrtheory.models.linear_rate.rate_rounding` with M's ρ and ν."""
    a = float_array("matrix", matrix)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or not np.all(np.isfinite(a)):
        raise ParameterError("matrix", np.shape(matrix), "a finite square matrix")
    e = check_positive("step_error", step_error) + EPS
    if not np.any(np.linalg.matrix_power(a, a.shape[0])):
        return nilpotent_rate_rounding(a, steps, e)
    rho = float(np.max(np.abs(np.linalg.eigvals(a))))
    return rate_rounding(rho, float(departure_from_normality(a)), a.shape[0], steps, e)


def bracket_misses(measured: Any, rho: Any, upper: Any, matrices: Any, steps: int,
                   step_error: Any) -> NDArray[np.bool_]:
    """Per batch element: whether the measured r_T lies outside Henrici's bracket [ρ, upper]
    (:func:`~lrtheory.models.linear_rate.rate_bracket`,
    :func:`~lrtheory.models.linear_rate.henrici_upper_array`) widened on both sides by
    :func:`run_rate_rounding` of its matrix — a wrong ρ, or a step that is not the matrix."""
    m = float_array("matrices", matrices)
    errors = np.broadcast_to(float_array("step_error", step_error), m.shape[:-2])
    slack = np.zeros(m.shape[:-2])
    for idx in np.ndindex(slack.shape):
        slack[idx] = run_rate_rounding(m[idx], steps, float(errors[idx]))
    return np.asarray((measured < rho - slack) | (measured > upper + slack))


def rate_misses(kp: Any, ki: Any, gain: float, matrices: Any, rho: Any,
                steps: int) -> NDArray[np.bool_]:
    """:func:`linear_loop` run over a batch of gains (arrays kp, ki; plant slope k = ``gain``):
    where its measured r_T lies outside the bracket of the derived spectral radius ``rho``
    and Jacobians ``matrices`` (shape (*batch, 2, 2)), ρ ≤ r_T ≤ Henrici's bound from ρ and
    ν, widened by the run's rounding (:func:`bracket_misses`)."""
    m = float_array("matrices", matrices)
    _gains(kp, ki, 0.5)
    gain = check_real("gain", gain)
    rate = measured_rate(linear_loop(kp, ki, gain), 2, steps, m.shape[:-2])
    upper = henrici_upper_array(rho, departure_from_normality(m), 2, steps)
    return bracket_misses(rate, rho, upper, m, steps, pi_step_rounding(kp, ki, gain))


@finite_result
def linear_noise_covariance(kp: float, ki: float, gain: float,
                            noise_sd: float) -> tuple[FloatArray, float]:
    """Stationary covariance of (x, e_{t−1}) for :func:`linear_loop` with noisy measurements
    y + σξ: Σ = AΣAᵀ + bbᵀ, A and b the images under :func:`loop_step` of the basis states
    and of the noise (``solve_discrete_lyapunov``), and its a-posteriori Frobenius bound
    (:func:`lrtheory.models.basin.lyapunov_error_bound`)."""
    _gains(check_real("kp", kp), check_real("ki", ki), 0.5)
    step = linear_loop(kp, ki, check_real("gain", gain))
    A = np.array([step((1.0, 0.0)), step((0.0, 1.0))]).T  # columns: images of e₁, e₂
    b = np.array(loop_step(0.0, 0.0, kp, ki, 0.0, lambda x: 0.0 * x,
                           check_positive("noise_sd", noise_sd)))
    Q = np.outer(b, b)
    try:
        sigma = np.asarray(solve_discrete_lyapunov(A, Q), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise ParameterError("gain", gain, "a plant slope for which the loop with these kp, ki "
                             "has a stationary covariance (a Lyapunov solution)") from None
    return sigma, lyapunov_error_bound(A, Q, sigma)


# --------------------------------------------------------------------------------------
# Monte Carlo kernels (vectorised over chains, any array backend)
# --------------------------------------------------------------------------------------


def noisy_loop(kp: float, ki: float, target: float, noise_sd: float, steps: int,
               x0: float, plant: Plant = gradient_ratio, average_from: int | None = None) -> Kernel:
    """The loop with noisy measurements y_t + σξ_t, ξ_t ~ N(0, 1), from x_0 with a previous
    measurement e_{−1} = plant(x_0) − y* + σξ_{−1}. Each chain returns the mean of
    (x_t − x_0)² over t = ``average_from`` … T (default: T alone), whose expectation is the
    average of the exact variances when x_0 is an equilibrium."""
    target = _gains(kp, ki, target)
    noise_sd = check_positive("noise_sd", noise_sd)
    steps = check_int("steps", steps, 1)
    first = steps if average_from is None else check_int("average_from", average_from, 1, steps)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = xp.full(rng.n, x0, dtype=rng.dtype)
        e_prev = plant(x) - target + noise_sd * rng.normal()
        total = xp.zeros(rng.n, dtype=rng.dtype)
        for t in range(1, steps + 1):
            x, e_prev = loop_step(x, e_prev, kp, ki, target, plant, noise_sd * rng.normal())
            if t >= first:
                total += (x - x0) ** 2
        return total / (steps - first + 1)

    return kernel


def rest_starts(kp: float, ki: float, target: float, x_range: tuple[float, float],
                centre: float, steps: int, tol: float, plant: Plant = gradient_ratio) -> Kernel:
    """Starts at rest (e_{−1} = e_0) with x_0 uniform on ``x_range`` — e.g. a fixed η₀ and a
    curvature λ log-uniform, x_0 = log(η₀λ); each chain returns 1.0 if |x_T − centre| ≤
    ``tol`` after ``steps`` of the noiseless loop, else 0.0 (a run that blew up included)."""
    target = _gains(kp, ki, target)
    lo, hi = (check_real("x_range", v) for v in x_range)
    if not lo < hi:
        raise ParameterError("x_range", x_range, "an interval (lo, hi) with lo < hi")
    check_positive("tol", tol)
    check_int("steps", steps, 0)

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        x = lo + (hi - lo) * rng.uniform()
        e_prev = plant(x) - target
        for _ in range(steps):
            x, e_prev = loop_step(x, e_prev, kp, ki, target, plant)
        return astype(xp, xp.abs(x - centre) <= tol, rng.dtype)

    return kernel
