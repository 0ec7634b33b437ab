"""The heavy ball as a damped particle: the flow θ'' + γθ' + ∇L = 0 and its energy.

With time step √η (s = t√η) and friction γ = (1 − β)/√η the heavy ball
v ← βv + ∇L(θ), θ ← θ − ηv tends to the damped flow

    θ'' + γθ' + ∇L(θ) = 0,    E(s) = L(θ) + ½‖θ'‖²,    dE/ds = −γ‖θ'‖²,

so E(S) + D(S) = E(0) with the dissipated energy D(S) = γ∫₀ˢ‖θ'‖² ds (the energy balance).

* :func:`damped_flow` solves the flow from rest with ``solve_ivp`` (DOP853), carrying κD as
  one more component, and bounds the balance E(S) + D(S) − E(0) (which the exact flow makes 0)
  from the solver's tolerances: a check of the integrator, not of the theory;
* :func:`log_cosh_loss` is a smooth non-quadratic loss to run it on;
* :func:`discrete_energies` and :func:`energy_comparison` give the iterates' energy
  E_t = L(θ_t) + ‖θ_t − θ_{t−1}‖²/(2η), the flow's energy with θ' ≈ (θ_t − θ_{t−1})/√η, and
  set it beside E(t√η);
* on a quadratic ½Σλθ² (one eigen-direction per component): :func:`quadratic_energy`, its
  float64 bound :func:`energy_rounding`, and :func:`worst_energy_step`, the one step that
  raises E the most when the dissipation form ΔE = −(η/2) wᵀMw, w = (v_t, v_{t+1}), is
  indefinite (M's smallest eigenvalue μ < 0: ΔE = −(η/2)μ per unit ‖w‖²).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from lrtheory.arrays import namespace
from lrtheory.errors import (
    ParameterError,
    check_int,
    check_positive,
    check_real,
    check_reals,
    finite_result,
    float_array,
    operands,
)
from lrtheory.models.flow import SmoothLoss, check_vector, one_sided_lipschitz
from lrtheory.models.ode import dop853_error_bound
from lrtheory.models.rounding import EPS
from lrtheory.montecarlo.runner import ChunkRNG, Kernel
from lrtheory.optimizers import heavy_ball

FloatArray = NDArray[np.float64]
Rule = Callable[..., tuple[Any, Any]]
"""A heavy-ball rule (θ, v, g, η, β) → (θ', v') from :mod:`lrtheory.optimizers`."""

#: Solver tolerances of :func:`damped_flow`.
RTOL, ATOL = 1e-12, 1e-14
#: The dissipated energy D = γ∫θ'² is integrated as κD: its row of the Jacobian (2κγθ')
#: then barely adds to the one-sided Lipschitz growth of the error bound.
KAPPA = 1e-2


def log_cosh_loss(a: float = 0.5) -> SmoothLoss:
    """L(θ) = log cosh θ₁ + ½aθ₂²: quadratic near 0, linear in θ₁ far out, curvatures
    sech²θ₁ ∈ (0, 1] and a > 0. log cosh x = |x| + log(1 + e^{−2|x|}) − log 2 (no overflow)."""
    a = check_positive("a", a)

    def value(th: FloatArray) -> float:
        x = abs(float(th[0]))
        return x + math.log1p(math.exp(-2 * x)) - math.log(2) + 0.5 * a * float(th[1]) ** 2

    return SmoothLoss(
        f"log cosh θ₁ + {a:g}θ₂²/2", value,
        lambda th: np.array([math.tanh(th[0]), a * th[1]]),
        lambda th: np.diag([1 / math.cosh(th[0]) ** 2, a]))


@dataclass(frozen=True)
class DampedFlow:
    """θ'' + γθ' + ∇L = 0 solved from rest at θ₀ up to s = ``horizon``: ``dense(s)`` =
    (θ, θ', κD)(s), D = γ∫₀ˢθ'²; the ``energy`` at the solver's ``n_steps`` steps;
    ``balance`` = E(S) + D(S) − E(0), which the flow makes 0, and the ``bound`` on it that
    the solver's tolerances guarantee."""

    loss: SmoothLoss
    theta0: FloatArray
    gamma: float
    horizon: float
    dense: Any
    energy: FloatArray
    balance: float
    bound: float
    n_steps: int

    def energy_at(self, times: Any) -> FloatArray:
        """E(s) = L(θ(s)) + ½‖θ'(s)‖² from the dense output, at each of ``times``."""
        d = self.theta0.size
        y = np.asarray(self.dense(np.atleast_1d(float_array("times", times))))
        return np.array([self.loss.value(c[:d]) + 0.5 * float(c[d:2 * d] @ c[d:2 * d])
                         for c in y.T])


def damped_flow(loss: SmoothLoss, theta0: Any, gamma: float, horizon: float) -> DampedFlow:
    """``solve_ivp`` (DOP853, :data:`RTOL`, :data:`ATOL`) of θ'' + γθ' + ∇L = 0 from rest at
    θ₀, with y = (θ, θ', κD) and (κD)' = κγ‖θ'‖².

    |balance| ≤ bound: the DOP853 bound δ on the state (:func:`dop853_error_bound`, growth
    the one-sided Lipschitz constant along the path) moves E by ≤ G·δ + ½(1 + max
    curvature)δ² (G = max ‖(∇L, θ')‖ on the path) and D by ≤ δ/κ; plus float64 rounding
    of E and D."""
    theta0 = check_vector("theta0", theta0)
    gamma = check_positive("gamma", gamma)
    horizon = check_positive("horizon", horizon)
    d = theta0.size

    def field(y: FloatArray) -> FloatArray:
        p = y[d:2 * d]
        return np.concatenate([p, -gamma * p - loss.gradient(y[:d]), [KAPPA * gamma * (p @ p)]])

    y0 = np.concatenate([theta0, np.zeros(d + 1)])
    sol = solve_ivp(lambda _s, y: field(y), (0.0, horizon), y0, method="DOP853", rtol=RTOL,
                    atol=ATOL, dense_output=True)
    if not sol.success:  # pragma: no cover - a smooth, dissipative flow
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    y = sol.y
    energy = np.array([loss.value(c[:d]) + 0.5 * c[d:2 * d] @ c[d:2 * d] for c in y.T])
    growth = max(0.0, one_sided_lipschitz(field, y, max(float(np.max(np.abs(y))), 1.0)))
    delta = dop853_error_bound(y.shape[1] - 1, 2 * d + 1, RTOL, ATOL, float(np.max(np.abs(y))),
                               growth, horizon)
    slope = max(math.hypot(float(np.linalg.norm(loss.gradient(c[:d]))),
                           float(np.linalg.norm(c[d:2 * d]))) for c in y.T)
    curvature = max(float(np.max(np.linalg.eigvalsh(loss.hessian(c[:d])))) for c in y.T)
    dissipated = float(y[-1, -1]) / KAPPA
    bound = ((slope + 1 / KAPPA) * delta + 0.5 * (1 + curvature) * delta**2
             + 8 * EPS * (energy[0] + dissipated + energy[-1]))
    return DampedFlow(loss, theta0, gamma, horizon, sol.sol, energy,
                      float(energy[-1] + dissipated - energy[0]), bound, y.shape[1] - 1)


def discrete_energies(loss: SmoothLoss, theta0: Any, eta: float, beta: float,
                      steps: int) -> FloatArray:
    """E_t = L(θ_t) + ‖θ_t − θ_{t−1}‖²/(2η), t = 0 … steps, of the heavy ball (v ← βv + g,
    θ ← θ − ηv) from rest: the flow's energy with θ' = (θ_t − θ_{t−1})/√η."""
    theta = check_vector("theta0", theta0)
    eta = check_positive("eta", eta)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    steps = check_int("steps", steps, 0)
    v = np.zeros_like(theta)
    out = [loss.value(theta)]
    for _ in range(steps):
        new, v = heavy_ball(theta, v, loss.gradient(theta), eta, beta)
        out.append(loss.value(new) + float((new - theta) @ (new - theta)) / (2 * eta))
        theta = new
    return np.array(out)


class EnergyComparison(NamedTuple):
    """The iterates' energies E_t and the flow's E(s_t) at the flow times s_t = t√η."""

    times: FloatArray
    discrete: FloatArray
    flow: FloatArray


def energy_comparison(flow: DampedFlow, eta: float, beta: float,
                      until: float | None = None) -> EnergyComparison:
    """E_t of :func:`discrete_energies` from the flow's θ₀ (on its loss) for t = 0 … T,
    T = round(until/√η) (``until`` defaults to the flow's horizon), beside E(t√η). The two
    agree up to O(√η) when β = 1 − γ√η (the flow's friction). T√η may pass the horizon by
    up to √η/2; E(s) there comes from the solver's last dense-output step, extended."""
    eta = check_positive("eta", eta)
    until = flow.horizon if until is None else check_real("until", until, 0.0, flow.horizon,
                                                          lo_open=False, hi_open=False)
    steps = round(until / math.sqrt(eta))
    times = np.arange(steps + 1, dtype=np.float64) * math.sqrt(eta)
    discrete = discrete_energies(flow.loss, flow.theta0, eta, beta, steps)
    return EnergyComparison(times, discrete, flow.energy_at(times))


# --------------------------------------------------------------------------------------
# the discrete energy on a quadratic ½Σλθ²
# --------------------------------------------------------------------------------------


@operands("theta", "lams", "step", "eta")
def quadratic_energy(lams: Any, theta: Any, step: Any, eta: Any) -> Any:
    """E = ½Σλθ² + ‖Δθ‖²/(2η) of the last step Δθ = θ_t − θ_{t−1}, made with rate η, summed
    over the last axis (NumPy or CuPy arrays alike; the Monte Carlo kernels call it)."""
    eta = check_reals("eta", eta, 0.0)
    xp = namespace(lams, theta, step)
    return (0.5 * xp.sum(lams * theta * theta, axis=-1)
            + xp.sum(step * step, axis=-1) / (2 * eta))


def energy_rounding(lams: Any, *states: tuple[Any, Any]) -> float:
    """A float64 bound for energies and forms evaluated on these states (θ, v) of d
    directions: 16(d + 4)ε times the largest sum of the squared magnitudes involved,
    max(Σλθ² + Σv² + Σθ², 1)."""
    if not states:
        raise ParameterError("states", states, "at least one state (θ, v)")
    size = max(float(np.sum(lams * th**2) + np.sum(v**2) + np.sum(th**2)) for th, v in states)
    return 16 * (len(lams) + 4) * EPS * max(size, 1.0)


class WorstStep(NamedTuple):
    """The largest one-step change of E from a unit (v_t, v_{t+1}): derived, run, and the
    float64 bound on their difference."""

    predicted: float
    measured: float
    bound: float


@finite_result
def worst_energy_step(form: Any, eta: float, beta: float, lam: float,
                      rule: Rule = heavy_ball) -> WorstStep:
    """One step of ``rule`` on ½λθ² from the state that maximises ΔE = −(η/2) wᵀMw.

    M = ``form`` (2×2, symmetric: the dissipation form derived for constant η) has its
    smallest eigenvalue μ at the unit eigenvector w = (v_t, v_{t+1}); the state
    θ_t = (v_{t+1} − βv_t)/λ, v = v_t makes it reachable (v_{t+1} = βv_t + λθ_t), and the
    predicted change is −(η/2)μ. E is ½λθ² + ½ηv² (the velocity of seed 000's convention).
    The bound is four times :func:`energy_rounding` of the two states."""
    eta = check_positive("eta", eta)
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    lam = check_positive("lam", lam)
    m = float_array("form", form)
    if m.shape != (2, 2) or not np.all(np.isfinite(m)) or m[0, 1] != m[1, 0]:
        raise ParameterError("form", form, "a finite symmetric 2×2 matrix")
    mu, vecs = np.linalg.eigh(m)
    v0, v1 = vecs[:, 0]
    th0 = (v1 - beta * v0) / lam
    th1, v1_run = rule(th0, v0, lam * th0, eta, beta)
    measured = (0.5 * lam * th1**2 + 0.5 * eta * v1_run**2) - (0.5 * lam * th0**2
                                                               + 0.5 * eta * v0**2)
    bound = 4 * energy_rounding(np.array([lam]), (np.array([th0]), np.array([v0])),
                                (np.array([th1]), np.array([v1_run])))
    return WorstStep(-0.5 * eta * float(mu[0]), float(measured), bound)


def energy_kernel(rules: Mapping[str, Rule], lams: Any, rates: Sequence[float], beta: float,
                  sigma: float, theta_sd: float, record: Sequence[int]) -> Kernel:
    """Monte Carlo kernel: every rule of ``rules`` on ½Σλθ² from the same θ₀ ~ N(0, θ_sd²I),
    v₀ = 0, driven by the same gradient noise σξ_t, ξ_t ~ N(0, I), with step t at rate
    η_t = ``rates[t]``. Returns E_{t+1} = ½Σλθ_{t+1}² + ‖θ_{t+1} − θ_t‖²/(2η_t) after each
    step t in ``record``: one column per (rule, t), rules in their order, t within a rule.

    Random numbers are drawn as θ₀ first, then ξ_t per step (none when σ = 0), so the
    chains are reproducible under any chunking."""
    lams_ = float_array("lams", lams)
    if lams_.ndim != 1 or lams_.size == 0 or not np.all(np.isfinite(lams_)):
        raise ParameterError("lams", lams, "a non-empty finite 1-D array of curvatures")
    if not rules:
        raise ParameterError("rules", rules, "at least one rule")
    etas = [check_positive(f"rates[{t}]", x) for t, x in enumerate(rates)]
    beta = check_real("beta", beta, 0.0, 1.0, lo_open=False)
    sigma = check_real("sigma", sigma, 0.0, lo_open=False)
    theta_sd = check_real("theta_sd", theta_sd, 0.0, lo_open=False)
    steps = [check_int("record", t, 0, len(etas) - 1) for t in record]
    d = lams_.size

    def kernel(rng: ChunkRNG) -> Any:
        xp = rng.xp
        curvatures = xp.asarray(lams_, dtype=rng.dtype)
        theta0 = theta_sd * rng.normal(d)
        states = {name: (theta0, xp.zeros_like(theta0)) for name in rules}
        found = {}
        for t, eta in enumerate(etas):
            noise = sigma * rng.normal(d) if sigma else 0.0
            for name, (theta, v) in states.items():
                new = rules[name](theta, v, curvatures * theta + noise, eta, beta)
                if t in steps:
                    found[name, t] = quadratic_energy(curvatures, new[0], new[0] - theta, eta)
                states[name] = new
        return xp.stack([found[name, t] for name in rules for t in steps], axis=1)

    return kernel
