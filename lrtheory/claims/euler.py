"""Family S, claim S4: gradient descent is forward Euler on the gradient flow.

The derivation is :mod:`lrtheory.symbolic.euler`; this module checks it against the exact
models of :mod:`lrtheory.models.flow` (truncation errors, solve_ivp flows, Richardson orders
of GD's global error, the stiff mode) and, by Monte Carlo, the mean one-step truncation error
over random starts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp
from scipy.linalg import expm

from lrtheory.claim import Claim, Estimate, ModelCheck, Point, Regime, Source, ValidityDomain
from lrtheory.errors import ParameterError
from lrtheory.models.flow import (
    ConvergenceOrder,
    FlowSolution,
    SmoothLoss,
    double_well_loss,
    error_sequence,
    first_order_law_error,
    halving,
    integrate_flow,
    measure_order,
    quadratic_loss,
    stiff_mode_growth,
    truncation_error,
    truncation_rounding,
)
from lrtheory.models.quadratic import spd_matrix
from lrtheory.montecarlo.runner import ChunkRNG, Ensemble
from lrtheory.montecarlo.stats import mean_statistic
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult
from lrtheory.sources import SEED_002
from lrtheory.symbolic import euler as se
from lrtheory.symbolic.flows import (
    double_well,
    double_well_flow_x,
    double_well_truncation,
    expected_double_well_truncation,
)

# --------------------------------------------------------------------------------------
# S4 gd-euler
# --------------------------------------------------------------------------------------

_S4_ORDER_STAT = "one-step truncation error / η²"
_S4_ORDERS = (1.0, 2.0)  # GD's global error vs the gradient flow, vs the modified flow


# Seed 002 has no headings: a source is located by the first words of its paragraph.
_P_FLOW = "untitled (no headings): the paragraph “This equation says that the velocity”"
_P_TRUNC = ("untitled (no headings): the paragraph “Of course, the landscape is almost never a "
            "perfect plane”")
_P_INSIGHT = "untitled (no headings): the paragraph “This is a critical insight”"
_P_EULER = ("untitled (no headings): the paragraph “Intriguingly, this entire analysis is "
            "perfectly analogous”")
_P_STIFF = ("untitled (no headings): the paragraph “This connection is not just a mathematical "
            "curiosity”")


def _s4_problem(point: Point) -> tuple[SmoothLoss, np.ndarray[Any, Any]]:
    """The loss and θ₀ of a point: the double well when ``a`` is given, else ½θᵀHθ."""
    p = point.params
    if "a" in p:
        return double_well_loss(p["a"]), np.array([p["x0"], p["y0"]])
    h = spd_matrix(int(p["d"]), p["lam_min"], p["lam_max"], int(p["matrix_seed"]))
    theta0 = np.random.default_rng(int(p["theta_seed"])).normal(size=h.shape[0])
    return quadratic_loss(h), theta0


def _s4_step_sizes(point: Point) -> tuple[float, ...]:
    p = point.params
    return halving(p["horizon"] / p["k0"], int(p["levels"]))


def _order_check(o: ConvergenceOrder, expected: float, what: str,
                 regime: Regime) -> ModelCheck:
    """The Richardson order against ``expected``. Certified when the local orders settle;
    when they do not, an inside point is refuted (tolerance 0: no order can be certified
    where the claim should hold) and a boundary or outside point reports the measurement."""
    name = f"order of GD's global error vs the {what} (Richardson)"
    values = ", ".join(f"{r:.5f}" for r in o.extrapolations)
    if o.asymptotic:
        shrink = ("within the noise" if math.isnan(o.contraction)
                  else f"by ≤ {o.contraction:.2f}")
        return ModelCheck(name, expected, o.extrapolated_order, o.tolerance,
                          f"geometric tail of the extrapolated local orders {values} "
                          f"(differences shrink {shrink}) plus the effect of the ODE "
                          "tolerance and GD's rounding on them")
    reason = (f"the extrapolated local orders {values} do not settle (successive differences "
              f"grow by {o.contraction:.2f} ≥ 1): no order is certified by these step sizes")
    if regime == "inside":
        return ModelCheck(name, expected, o.extrapolated_order, 0.0,
                          reason + ", at a point where the claim should hold")
    return ModelCheck(name + ": not settled, measured only", expected, o.extrapolated_order,
                      0.0, reason, exact=False,
                      breakdown=f"{regime} point: the local orders do not settle, so no order "
                                "is claimed from these step sizes")


def _order_checks(point: Point, loss: SmoothLoss, theta0: np.ndarray[Any, Any],
                  expected: tuple[float, float] = _S4_ORDERS) -> list[ModelCheck]:
    checks = []
    lam_max = float(np.linalg.eigvalsh(loss.hessian(theta0))[-1])
    for modified, p in zip((False, True), expected, strict=True):
        what = "modified flow" if modified else "gradient flow"
        o = measure_order(loss, theta0, point.params["horizon"], _s4_step_sizes(point), modified)
        checks.append(_order_check(o, p, what, point.regime))
        if point.regime != "inside":
            checks.append(ModelCheck(
                f"local order vs the {what} between the two largest η "
                f"(ηλ_max = {o.step_sizes[0] * lam_max:.3g}, {o.step_sizes[1] * lam_max:.3g})",
                p, o.local_orders[0], 0.0,
                "approximation: the O(η) law needs ηλ_max ≪ 2", exact=False,
                breakdown=f"ηλ_max = {o.step_sizes[0] * lam_max:.3g} next to Euler's bound 2: "
                          "the O(η) law needs ηλ_max ≪ 2"))
        checks.append(_slope_check(o, p, what, point.regime))
    return checks


def _slope_check(o: ConvergenceOrder, expected: float, what: str,
                 regime: Regime) -> ModelCheck:
    """The least-squares slope of log e on log η against the order p.

    On equally spaced log η the slope is a convex combination of the local orders s_j
    (weights ∝ j(n − j)), so |slope − p| ≤ max_j |s_j − r| + |r − p|, r the Richardson
    order: the c₁η bias the slope carries is at most the spread of the local orders about r,
    and |r − p| is at most r's certified tolerance. Where r is not certified (the local
    orders do not settle) or the point is not inside, the slope is only measured."""
    name = f"order vs the {what}: least-squares slope of log e on log η (± {o.fitted_se:.2g})"
    reason = "approximation: the slope carries the O(η) term's bias"
    if regime != "inside" or not o.asymptotic:
        why = ("the local orders do not settle" if not o.asymptotic
               else "the coarsest steps are outside the asymptotic range")
        return ModelCheck(name, expected, o.fitted_order, 0.0, reason, exact=False,
                          breakdown=f"{regime} point: {why}, so the slope is only measured")
    spread = max(abs(s - o.extrapolated_order) for s in o.local_orders)
    return ModelCheck(name, expected, o.fitted_order, 0.0, reason, exact=False,
                      bound=(spread + o.tolerance) / abs(o.fitted_order),
                      bound_reason="the slope is a convex combination of the local orders: "
                                   "|slope − p| ≤ max|s_j − r| + tol(r), r the Richardson "
                                   "order")


def _neglected_terms_bound(values: dict[Any, Any], eta: float, rounding: float) -> float:
    """Relative error of ½η²gᵀHg against the double well's exact truncation error T: with
    T = c₂η² + c₃η³ + c₄η⁴ (c₂η² = ½η²gᵀHg; SymPy's coefficients at the point) and
    R = |c₃|η³ + |c₄|η⁴, |c₂η² − T|/|T| ≤ R/(|c₂|η² − R), plus the float64 rounding of T."""
    _, syms = double_well()
    poly = sp.Poly(double_well_truncation(), syms[3])
    c = {k: float(poly.coeff_monomial(syms[3] ** k).subs(values)) for k in (2, 3, 4)}
    neglected = abs(c[3]) * eta**3 + abs(c[4]) * eta**4
    leading = abs(c[2]) * eta**2
    if neglected >= leading:
        raise ParameterError("eta", eta, "a step at which ½η²gᵀHg dominates the η³, η⁴ terms")
    return neglected / (leading - neglected) + rounding


def _ode_reason(sol: FlowSolution) -> str:
    return (f"solve_ivp (DOP853) bound: {sol.n_steps} steps × d(atol + rtol‖y‖∞) × e^(ℓ⁺t), "
            f"ℓ⁺ the one-sided Lipschitz bound on the path; rtol={sol.rtol:g}, atol={sol.atol:g}")


def _model_s4(point: Point, orders: tuple[float, float] = _S4_ORDERS) -> list[ModelCheck]:
    """The exact models at ``point``; ``orders`` are the global-error orders checked (vs the
    gradient flow, vs the modified flow), a parameter so that a wrong order can be fed in."""
    loss, theta0 = _s4_problem(point)
    p = point.params
    horizon = p["horizon"]
    checks: list[ModelCheck] = []
    eta = _s4_step_sizes(point)[0] if "k0" in p else 2.0 * p["eta_frac"] / p["lam_max"]
    g = loss.gradient(theta0)
    tr = truncation_error(loss, theta0, eta)
    leading = 0.5 * eta**2 * float(g @ loss.hessian(theta0) @ g)
    rounding = truncation_rounding(loss, theta0, eta)
    if "a" in p:
        _, syms = double_well()
        values = dict(zip(syms, (*theta0, p["a"], eta), strict=True))
        poly = float(double_well_truncation().subs(values))
        checks.append(ModelCheck("one-step truncation error vs its Taylor polynomial", poly, tr,
                                 rounding, "floating-point rounding (γ_n bound)"))
        checks.append(ModelCheck("one-step truncation error vs ½η²gᵀHg", leading, tr, 0.0,
                                 "approximation: η³, η⁴ terms of the quartic", exact=False,
                                 bound=_neglected_terms_bound(values, eta, rounding / abs(tr)),
                                 bound_reason="η³, η⁴ terms of the quartic, each at most its "
                                              "absolute value: R/(|½η²gᵀHg| − R)"))
        mc = (p["a"], p["eta"], (p["mc_x"], p["mc_y"]), p["mc_sd"])
        checks.append(ModelCheck(
            f"Monte Carlo prediction E[T/η²] at η = {p['eta']:g}: leading term ½E[gᵀHg] vs "
            "exact", expected_double_well_truncation(*mc, leading=True),
            expected_double_well_truncation(*mc), 0.0,
            "approximation: the leading term alone, a prediction the Monte Carlo would refute",
            exact=False,
            breakdown="a finding: the source's η² law taken alone misses the η³, η⁴ terms' "
                      "share of the mean, which the Monte Carlo resolves"))
        xt, t, x0 = double_well_flow_x()
        x_flow = float(xt.subs({t: horizon, x0: theta0[0]}))
        closed = np.array([x_flow, theta0[1] * np.exp(-p["a"] * horizon)])
        sol = integrate_flow(loss, theta0, horizon)
        checks.append(ModelCheck(
            "gradient flow θ(t): solve_ivp vs closed form (distance)", 0.0,
            float(np.linalg.norm(sol.theta - closed)), sol.error_bound,
            _ode_reason(sol)))
    else:
        h = loss.hessian(theta0)
        checks.append(ModelCheck("one-step truncation error vs ½η²gᵀHg", leading, tr, rounding,
                                 "floating-point rounding (γ_n bound)"))
        for c in (0.0, eta):
            sol = integrate_flow(loss, theta0, horizon, correction=c)
            closed = expm(-(h + 0.5 * c * h @ h) * horizon) @ theta0
            checks.append(ModelCheck(
                f"{'modified' if c else 'gradient'} flow θ(t): solve_ivp vs e^(−H̃t)θ₀",
                0.0, float(np.linalg.norm(sol.theta - closed)), sol.error_bound,
                _ode_reason(sol)))
        if point.regime != "inside":
            mg = stiff_mode_growth(h, eta, 64)
            checks.append(ModelCheck(
                f"GD factor per step of the stiff mode at ηλ_max = {eta * mg.eigenvalue:.3g} vs "
                "Euler's |R(z)| = |1 + z|, z = −ηλ_max", mg.euler_factor, mg.growth,
                mg.tolerance,
                f"float64 bound over {mg.steps} GD steps: eigenvector residual (Davis–Kahan), "
                "rounding carried by ‖I − ηH‖₂, the norms and the k-th root"))
    if "k0" in p:
        checks.extend(_order_checks(point, loss, theta0, orders))
    return checks


def _simulate_s4(point: Point, ensemble: Ensemble, n: int) -> list[Estimate]:
    """Mean of T/η² over random starting points θ₀ (one GD step each).

    Quadratic: θ₀ ~ N(0, I), T/η² = ½gᵀHg exactly, so E = ½E[θ₀ᵀH³θ₀] = ½ tr H³.
    Double well: x ~ N(m_x, s²), y ~ N(m_y, s²); E[T/η²] is the exact Gaussian expectation
    of the Taylor polynomial (η², η³ and η⁴ terms), not of its leading term alone.
    """
    p = point.params
    eta = p["eta"]
    if "a" in p:
        a, means, sd = p["a"], (p["mc_x"], p["mc_y"]), p["mc_sd"]
        prediction = expected_double_well_truncation(a, eta, means, sd)

        def kernel(rng: ChunkRNG) -> Any:
            z = rng.normal(2)
            x, y = means[0] + sd * z[:, 0], means[1] + sd * z[:, 1]
            gx, gy = x**3 - x, a * y

            def loss(u: Any, v: Any) -> Any:
                return 0.25 * (u * u - 1.0) ** 2 + 0.5 * a * v * v

            t = loss(x - eta * gx, y - eta * gy) - loss(x, y) + eta * (gx * gx + gy * gy)
            return t / eta**2
    else:
        h = spd_matrix(int(p["d"]), p["lam_min"], p["lam_max"], int(p["matrix_seed"]))
        prediction = 0.5 * float(np.trace(h @ h @ h))

        def kernel(rng: ChunkRNG) -> Any:
            xp = rng.xp
            hx = xp.asarray(h, dtype=rng.dtype)
            theta = rng.normal(h.shape[0])
            g = theta @ hx
            step = theta - eta * g
            t = (0.5 * xp.sum((step @ hx) * step, axis=1) - 0.5 * xp.sum(g * theta, axis=1)
                 + eta * xp.sum(g * g, axis=1))
            return t / eta**2

    m = ensemble.run(kernel, n, what="S4 one-step truncation error")
    return [Estimate(_S4_ORDER_STAT, prediction,
                     mean_statistic(float(m.mean[0]), float(m.stderr_mean[0]), m.n))]


#: Steps k to the horizon t = 1 on the stiff quadratic (λ_max = 100): ηλ_max = 100/k.
_S4_VALIDITY_STEPS = (10000, 3000, 1000, 300, 150, 100, 70, 56, 53, 51, 50)


def _validity_s4() -> ValidityDomain:
    """First-order global error e ≈ −η(t/2)H²e^{−Ht}θ₀ against GD's exact error on the stiff
    quadratic (κ = 10⁴), as ηλ_max → 2."""
    point = next(p for p in _S4_POINTS if p.regime == "boundary")
    loss, theta0 = _s4_problem(point)
    values, errors = first_order_law_error(loss.hessian(theta0), theta0,
                                           point.params["horizon"], _S4_VALIDITY_STEPS)
    return ValidityDomain(
        "GD's global error at t = kη is η·(t/2)H²e^{−Ht}θ₀ to first order", "η·λ_max",
        values, errors)


def _figure_s4(result: ClaimResult) -> Any:
    fig, (left, right) = new_figure(2, width=11.0)
    inside = [p for p in _S4_POINTS if p.regime == "inside"]
    for point, marker in zip(inside, "os", strict=True):
        loss, theta0 = _s4_problem(point)
        etas = _s4_step_sizes(point)
        for modified, colour in ((False, "C0"), (True, "C1")):
            seq = error_sequence(loss, theta0, point.params["horizon"], etas, modified)
            what = "modified flow" if modified else "gradient flow"
            left.loglog(etas, [s.error for s in seq], marker + "-", color=colour, ms=4,
                        label=f"{loss.name}: vs {what}")
    eta = np.array(_s4_step_sizes(inside[0]))
    left.loglog(eta, 0.5 * eta, "k:", lw=0.8, label="slope 1")
    left.loglog(eta, 0.7 * eta**2, "k--", lw=0.8, label="slope 2")
    left.set_xlabel("learning rate η (= Euler time step)")
    left.set_ylabel("‖θ_k − θ(kη)‖ at fixed t")
    left.set_title("GD vs gradient flow: order 1; vs modified flow: order 2")
    left.legend(fontsize=7)
    if result.validity is not None:
        v = result.validity
        right.loglog(v.values, v.errors, "o-", color="C3")
        right.axvline(2.0, ls="--", color="grey", label="η = 2/λ_max (Euler's bound)")
        right.set_xlabel("η · λ_max (stiff quadratic, κ = 10⁴)")
        right.set_ylabel("relative error of the O(η) prediction")
        right.set_title("first-order error law fails as ηλ_max → 2")
        right.legend(fontsize=7)
    return fig


_S4_QUAD = {"d": 10, "matrix_seed": 4, "theta_seed": 5}
_S4_STIFF = {"d": 10, "lam_min": 0.01, "lam_max": 100.0, "matrix_seed": 6, "theta_seed": 7}
_S4_POINTS = (
    Point("quadratic, d=10, κ=10", {**_S4_QUAD, "lam_min": 0.1, "lam_max": 1.0, "horizon": 4.0,
                                     "k0": 40, "levels": 6, "eta": 0.5},
          note="η from 0.1 to 0.1/32 at t = 4; Monte Carlo with one step at η = 0.5"),
    Point("double well ¼(x²−1)² + 2y²", {"a": 4.0, "x0": 1.8, "y0": 0.8, "horizon": 2.0,
                                          "k0": 40, "levels": 6, "eta": 0.1, "mc_x": 1.5,
                                          "mc_y": 0.0, "mc_sd": 0.3},
          note="non-quadratic: the orders are not an artefact of linearity"),
    Point("stiff quadratic κ=10⁴, η₀λ_max = 1.96", {**_S4_STIFF, "horizon": 1.0, "k0": 51,
                                                    "levels": 6},
          regime="boundary", monte_carlo=False,
          note="the coarsest steps sit next to Euler's bound: the stiff mode is not tracked"),
    Point("stiff quadratic, η = 1.02·2/λ_max", {**_S4_STIFF, "horizon": 1.0, "eta_frac": 1.02},
          regime="outside", monte_carlo=False,
          note="outside Euler's stability interval: GD diverges while the flow converges"),
)

S4 = Claim(
    id="S4",
    slug="gd-euler",
    title="Gradient descent is forward Euler on the gradient flow",
    statement=(
        "GD θ_{k+1} = θ_k − η∇L(θ_k) is the forward-Euler discretisation of dθ/dt = −∇L with "
        "time step η. The linear model's one-step loss error is ½η²gᵀHg (∝ η²; exact on "
        "quadratics). Euler's stability interval is GD's 0 < η < 2/λ_max, so stiffness κ "
        "costs ≥ κ/2 steps per slowest time constant. GD's global error at t = kη is O(η) "
        "against the flow and O(η²) against the modified flow of L + (η/4)‖∇L‖²."),
    sources=(
        Source(SEED_002, _P_FLOW,
               "It turns out that the gradient descent update rule is exactly the Euler method "
               "applied to the gradient flow equation, with the learning rate playing the role "
               "of the time step ."),
        Source(SEED_002, _P_TRUNC,
               "The difference between the true value of the cost function at our new position "
               "and the value predicted by our linear, flat-plane assumption is known as the "
               "truncation error."),
        Source(SEED_002, _P_TRUNC,
               "For a step taken with learning rate , the truncation error is proportional to ."),
        Source(SEED_002, _P_INSIGHT,
               "if you double your step size, you don’t merely double your error—you "
               "quadruple it."),
        Source(SEED_002, _P_EULER,
               "The stability condition for gradient descent is identical to the stability "
               "condition for a numerical simulation of a physical system"),
        Source(SEED_002, _P_STIFF,
               "To maintain stability—to prevent our simulated particle from wildly oscillating "
               "across the canyon walls—our time step must be very small, limited by the "
               "steepest dimension."),
    ),
    derive=se.derivation,
    model=_model_s4,
    points=_S4_POINTS,
    figure=_figure_s4,
    simulate=_simulate_s4,
    statistics=(_S4_ORDER_STAT,),
    validity=_validity_s4,
    findings=(
        "Seed 002 prints 'the truncation error is proportional to .' (its mathematics was "
        "stripped); the power η² is lrtheory's reading, from the next paragraph's 'if you "
        "double your step size, you don’t merely double your error—you quadruple it'. That "
        "reading is exact for quadratics (½η²gᵀHg at any η, even outside the stable range) "
        "and only the leading term otherwise: on the double well the η³ and η⁴ terms of the "
        "(terminating) Taylor polynomial move it by 6.7 % at θ₀ = (1.8, 0.8), η = 0.05, and "
        "move its mean over the Monte Carlo starting points by 22 % at η = 0.1 — the Monte "
        "Carlo mean agrees with the exact polynomial and rejects the leading term alone.",
        "Beyond the sources: GD's global error is first order against the gradient flow but "
        "second order against the modified flow of L + (η/4)‖∇L‖², derived by matching the "
        "one-step expansion; the O(η³) mismatch does not vanish, so 2 is the exact order.",
        "Stable is not accurate: just inside Euler's bound (ηλ_max = 1.96) GD is stable but "
        "the stiff mode flips sign each step instead of decaying like e^{−λt}, and the "
        "first-order error law fails there (validity domain).",
    ),
)

CLAIMS = (S4,)
