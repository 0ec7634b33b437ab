"""Beyond quadratics, claim by claim: S1, M2, M3, M5, M9, D10.

Each builder picks a parameter point inside the claim's validity domain, computes the claim's
quadratic result with lrtheory's own derivation or model, certifies the worst case over the
function class at several n, and labels the comparison (:mod:`lrtheory.certify.verdicts`).
The parameter points:

* **S1** (GD stable iff 0 < η < 2/λ_max; best rate (κ − 1)/(κ + 1)): L = 1, μ = 0.1, at
  η = 1.9/L (inside and near the edge 2/L) and at η* = 2/(L + μ);
* **M2** (heavy ball stable iff 0 < ηλ < 2(1 + β)): β = 0.9 (the usual momentum), η = 2.5/L,
  two thirds of the way to the quadratic edge 3.8/L, κ = 10;
* **M3** (Polyak's β*, η* contract at (√κ − 1)/(√κ + 1)): κ = 10 (the issue's example) and
  κ = 25 with Lessard, Recht & Packard's function, whose 3-cycle is simulated;
* **M5** (Nesterov at η = 1/L, β = (√κ − 1)/(√κ + 1) contracts as 1 − 1/√κ): κ = 10;
* **M9** (f(x_t) − f* ≤ L‖x₀ − x*‖²/(2t) for GD at η = 1/L, 2L‖x₀ − x*‖²/(t + 1)² for
  Nesterov with β_t = (t − 2)/(t + 1)): the L-smooth convex class, L = 1;
* **D10** (E f(x̄_T) − f* ≤ DG/√T at η = D/(G√T); the last iterate DG(2 + H_{T−1})/(2√T)):
  a claim about *stochastic* subgradients. A PEP certifies deterministic methods, so what is
  certified is its deterministic special case — exact subgradients of a convex G-Lipschitz
  f, the same rule and step — which the claim's bounds cover (E‖g‖² ≤ G² holds with ‖g‖ ≤ G).

Squared distances are measured from ‖x₀ − x*‖² ≤ 1 (strongly convex claims), function gaps
from ‖x₀ − x*‖ ≤ 1 (convex claims). Results are cached per claim.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sympy as sp

from lrtheory.certify.classes import ConvexLipschitz, SmoothConvex, SmoothStronglyConvex
from lrtheory.certify.cycle import CycleResult, heavy_ball_cycle, polyak_parameters
from lrtheory.certify.pep import WorstCaseCurve, certify_over, fit_rate
from lrtheory.certify.quadratics import (
    drori_teboulle,
    gd_minimax_values,
    gd_rate,
    quadratic_worst,
    spectral_rate,
)
from lrtheory.certify.rules import GradientDescent, HeavyBall, Nesterov, SubgradientMethod
from lrtheory.certify.solver import SOLVER, TOLERANCES
from lrtheory.certify.verdicts import RATE_TOLERANCE, BeyondQuadratics, Series
from lrtheory.errors import UnknownNameError

BEYOND_CLAIMS: dict[str, str] = {"S1": "gd-stability", "M2": "momentum-stability",
                                 "M3": "critical-damping", "M5": "nesterov",
                                 "M9": "nesterov-acceleration", "D10": "convex-sgd-rate"}
"""The claims with a beyond-quadratics result: ID → slug."""

NS = (1, 2, 3, 4, 6, 8, 10)
"""Horizons of the strongly convex claims; their rates are fitted over n ≥ :data:`FIT_FROM`."""
FIT_FROM = 4
CONVEX_NS = (1, 2, 4, 6, 8, 10)
KAPPA_TEXT = "(√κ − 1)/(√κ + 1)"


@cache
def _solver_text() -> str:
    from importlib.metadata import version

    tol = TOLERANCES
    return (f"PEPit {version('PEPit')} → {SOLVER} {version('clarabel')} (interior point; "
            f"stopping tolerances: gap {tol['tol_gap_abs']:g} absolute and "
            f"{tol['tol_gap_rel']:g} relative, feasibility {tol['tol_feas']:g})")


def _quadratic_series(name: str, rule: HeavyBall | Nesterov | GradientDescent,
                      fc: SmoothStronglyConvex, rate: float, rate_text: str,
                      example: Callable[[int], float] | None = None,
                      example_text: str = "") -> Series:
    """The class against the worst quadratic of [μ, L] for a strongly convex claim: the
    certificates over :data:`NS`, the quadratic worst case from rest by the rule itself, and
    the claimed per-step rate ``rate`` of ‖x − x*‖² (the square of the iterate's)."""
    curve = certify_over(rule, fc, NS, fit_from=FIT_FROM)
    quad = quadratic_worst(rule, fc, NS)
    return Series.build(name, curve, quad, "worst quadratic with curvatures in [μ, L]",
                        rate, rate_text, quad, example=None if example is None else [
                            example(n) for n in NS], example_text=example_text)


def _span(series: Series) -> str:
    return f"n = {series.ns[0]}…{series.ns[-1]}"


def _trend(series: Series) -> str:
    """'grows by r per step' or 'contracts by r per step', from the fitted rate."""
    verb = "grows" if series.fit.rate >= 1 else "contracts"
    return f"{verb} by {series.fit.rate:.3f} per step"


def _constant_text(series: Series) -> str:
    """What a series that does not fail loses: a constant, or nothing."""
    if series.constant is not None:
        return f"the quadratic rate holds with a constant {series.constant:.3g}"
    return "nothing is lost beyond quadratics"


def _holds(series: tuple[Series, ...]) -> bool:
    return all(s.label == "holds on the class" for s in series)


def _s1() -> BeyondQuadratics:
    L, mu = 1.0, 0.1
    fc = SmoothStronglyConvex(L, mu)
    eta_star, _ = gd_minimax_values(L, mu)
    series = tuple(
        _quadratic_series(name, GradientDescent(eta), fc, gd_rate(eta, L, mu) ** 2,
                          "max(|1 − ημ|, |1 − ηL|)² per step")
        for name, eta in (("η = 1.9/L (near the edge 2/L)", 1.9 / L),
                          ("η* = 2/(L + μ)", eta_star)))
    diff = max(abs(w - r) for s in series for w, r in zip(s.worst, s.reference, strict=True))
    edge, best = series
    same = "equals" if _holds(series) else "exceeds"
    finding = (
        f"At η = 1.9/L and at η* = 2/(L+μ) (L = {L:g}, μ = {mu:g}) the worst case of GD over "
        f"all L-smooth μ-strongly convex functions {same} the worst quadratic for "
        f"{_span(edge)} (largest difference {diff:.1e}); it contracts ‖x − x*‖² by "
        f"{edge.fit.rate:.4f} and {best.fit.rate:.4f} per step, against the squares of "
        f"max(|1 − ημ|, |1 − ηL|) = {edge.claimed_rate ** 0.5:.4f} and (κ − 1)/(κ + 1) = "
        f"{best.claimed_rate ** 0.5:.4f} on quadratics.")
    return BeyondQuadratics("S1", BEYOND_CLAIMS["S1"],
                            f"L-smooth μ-strongly convex, L = {L:g}, μ = {mu:g}; GD at "
                            f"η = 1.9/L and η* = 2/(L + μ) = {eta_star:.4g}; "
                            f"‖x_n − x*‖² with ‖x₀ − x*‖² ≤ 1",
                            series, finding, _solver_text())


def _m2() -> BeyondQuadratics:
    L, mu, beta, eta = 1.0, 0.1, 0.9, 2.5
    fc = SmoothStronglyConvex(L, mu)
    rule = HeavyBall(eta, beta)
    rho = spectral_rate(rule, fc)
    s = _quadratic_series(f"β = {beta:g}, η = {eta:g}/L", rule, fc, rho**2,
                          "(max spectral radius over [μ, L])² per step")
    edge = 2 * (1 + beta) / L
    verdict = ("the stability bound 2(1 + β)/λ is a property of quadratics"
               if s.label == "quadratics only" else _constant_text(s))
    finding = (
        f"Inside the quadratic stability region (ηL = {eta * L:g}, {eta / edge:.0%} of the "
        f"edge 2(1 + β) = {edge:g}; β = {beta:g}, κ = {L / mu:g}) every quadratic contracts "
        f"‖x − x*‖² by ρ² = {rho ** 2:.3f} per step (worst quadratic {s.reference[-1]:.3g} at "
        f"n = {s.ns[-1]}); the worst case over the class is {s.worst[0]:.3g} at n = "
        f"{s.ns[0]} and {s.worst[-1]:.3g} at n = {s.ns[-1]}: it {_trend(s)} — {verdict}.")
    return BeyondQuadratics("M2", BEYOND_CLAIMS["M2"],
                            f"L-smooth μ-strongly convex, L = {L:g}, μ = {mu:g}; heavy ball "
                            f"with β = {beta:g}, η = {eta:g}/L; ‖x_n − x*‖² with "
                            f"‖x₀ − x*‖² ≤ 1", (s,), finding, _solver_text())


def _polyak_series(L: float, mu: float, cycle: CycleResult | None = None) -> Series:
    eta, beta, rate = (float(e) for e in polyak_parameters(L, mu))
    return _quadratic_series(
        f"κ = {L / mu:g}: Polyak's η*, β*", HeavyBall(eta, beta), SmoothStronglyConvex(L, mu),
        rate**2, f"({KAPPA_TEXT})² per step", None if cycle is None else cycle.ratio,
        "" if cycle is None else f"Lessard–Recht–Packard function from x₀ = {cycle.x0:g}")


def _m3() -> BeyondQuadratics:
    cycle = heavy_ball_cycle(25.0, 1.0, 3.07)
    ten, lrp = _polyak_series(1.0, 0.1), _polyak_series(25.0, 1.0, cycle)
    n = ten.ns[-1]
    w, q = ten.at(n)
    below = min(w - e for w, e in zip(lrp.worst, lrp.example or (), strict=True))
    w25 = lrp.at(n)[0]
    finding = (
        f"κ = 10: on quadratics ‖x − x*‖² shrinks by ρ^{2 * n} = {ten.claimed_rate ** n:.1e} "
        f"in n = {n} steps (worst quadratic from rest {q:.1e}); over the class the worst "
        f"case is {w:.3g} and {_trend(ten)} (ρ² = {ten.claimed_rate:.3f} on quadratics). "
        f"κ = 25: the class's worst case is {lrp.worst[0]:.3g} at n = {lrp.ns[0]} and "
        f"{w25:.3g} at n = {n}, it {_trend(lrp)}. On Lessard, Recht & Packard's function "
        f"(in that class) the heavy ball from x₀ = {cycle.x0:g} settles on the "
        f"{cycle.period}-cycle {{{', '.join(cycle.exact_text)}}} (simulation within "
        f"{cycle.closeness:.0e} of the exact cycle; multipliers {max(cycle.multipliers):.3f}"
        f"{' < 1: attracting' if cycle.attracting else ' ≥ 1'}), never nearer x* than "
        f"{cycle.floor:.3f}·x₀² in squared distance; the certificate lies above that run at "
        f"every n (least margin {below:.2g}).")
    return BeyondQuadratics("M3", BEYOND_CLAIMS["M3"],
                            "L-smooth μ-strongly convex; heavy ball with Polyak's η* = "
                            "4/(√L + √μ)², β* = ρ², at κ = 10 (L = 1, μ = 0.1) and κ = 25 "
                            "(L = 25, μ = 1); ‖x_n − x*‖² with ‖x₀ − x*‖² ≤ 1",
                            (ten, lrp), finding, _solver_text(), cycle)


def _m5() -> BeyondQuadratics:
    L, mu = 1.0, 0.1
    root = (L / mu) ** 0.5
    rule = Nesterov(1 / L, (root - 1) / (root + 1))  # the claim's tuning
    fc = SmoothStronglyConvex(L, mu)
    rate = spectral_rate(rule, fc)  # 1 − 1/√κ, from the rule's characteristic polynomial
    s = _quadratic_series("η = 1/L, β = (√κ − 1)/(√κ + 1)", rule, fc, rate**2,
                          "ρ² = (1 − 1/√κ)² per step")
    n = s.ns[-1]
    finding = (
        f"On quadratics Nesterov's method contracts ‖x − x*‖² by ρ² = {rate ** 2:.3f} per "
        f"step (ρ = {rate:.4f}, the claim's 1 − 1/√κ at κ = {L / mu:g}); over the class the "
        f"worst case {_trend(s)} ({s.worst[-1]:.3g} at n = {n} against {s.reference[-1]:.3g} "
        f"for the worst quadratic), {abs(s.fit.rate / rate - 1):.1%} from ρ itself")
    if abs(s.fit.rate / rate - 1) <= RATE_TOLERANCE:
        finding += (": the squared distance gets the factor ρ about once per step, not twice "
                    "(ρ is also the factor of Nesterov's classical bound for this method on "
                    "the class)")
    finding += "."
    return BeyondQuadratics("M5", BEYOND_CLAIMS["M5"],
                            f"L-smooth μ-strongly convex, L = {L:g}, μ = {mu:g}; Nesterov "
                            f"with η = 1/L, β = {rule.beta:.4f}; ‖x_n − x*‖² with "
                            f"‖x₀ − x*‖² ≤ 1",
                            (s,), finding, _solver_text())


def _bound(expr: sp.Expr, **values: float) -> Callable[[int], float]:
    """A derived bound as a function of the horizon, its other symbols set by name."""
    symbols = {s.name: s for s in expr.free_symbols}
    fixed = expr.subs({symbols[k]: v for k, v in values.items() if k in symbols})
    (horizon,) = fixed.free_symbols
    return lambda t: float(fixed.subs(horizon, t))


def _m9() -> BeyondQuadratics:
    from lrtheory.models.acceleration import nag_momentum
    from lrtheory.symbolic.acceleration import derived

    L = 1.0
    fc, r = SmoothConvex(L), derived()
    gd_exp, nag_exp = (float(p) for p in r["exponents"])
    out, quads = [], []
    for name, rule, key, exponent, text in (
            ("GD, η = 1/L", GradientDescent(1 / L), "gd_bound", gd_exp, "L‖x₀ − x*‖²/(2n)"),
            ("Nesterov, β_t = (t − 2)/(t + 1)", Nesterov(1 / L, tuple(nag_momentum(
                max(CONVEX_NS)))), "nag_bound", nag_exp, "2L‖x₀ − x*‖²/(n + 1)²")):
        curve = certify_over(rule, fc, CONVEX_NS, "function_gap", fit_from=2)
        bound = _bound(r[key], L=L, R=1.0)
        quads.append(quadratic_worst(rule, fc, CONVEX_NS, "function_gap"))
        out.append(Series.build(name, curve, [bound(n) for n in CONVEX_NS],
                                f"the claim's bound {text}", exponent, f"n^{exponent:g}",
                                quads[-1]))
    gd, nag = out_t = tuple(out)
    n = CONVEX_NS[-1]
    (wg, bg), (wn, bn) = gd.at(n), nag.at(n)
    finding = (
        f"{'Both bounds hold' if _holds(out_t) else 'Not both bounds hold'} on the whole "
        f"L-smooth convex class: at n = {n} GD's worst case is {wg:.4g} (Drori & Teboulle's "
        f"L/(4n + 2) = {drori_teboulle(n, L):.4g}), {wg / bg:.0%} of the claimed L/(2n) and "
        f"{wg / quads[0][-1]:.2f}× the worst quadratic; Nesterov's is {wn:.4g}, "
        f"{wn / bn:.0%} of 2L/(n + 1)² and {wn / quads[1][-1]:.2f}× the worst quadratic.")
    observed = max(abs(w * (k + 2) * (k + 3) / (2 * L) - 1) for k, w in zip(
        nag.ns, nag.worst, strict=True))
    if observed < 1e-6:
        finding += (f" Nesterov's certificates equal 2L/((n + 2)(n + 3)) at every n computed "
                    f"(relative deviation ≤ {observed:.0e}; observed here, not derived).")
    return BeyondQuadratics("M9", BEYOND_CLAIMS["M9"],
                            f"L-smooth convex, L = {L:g}; GD at η = 1/L and Nesterov with "
                            f"β_t = (t − 2)/(t + 1); f(x_n) − f* with ‖x₀ − x*‖² ≤ 1",
                            (gd, nag), finding, _solver_text())


def _d10() -> BeyondQuadratics:
    from lrtheory.symbolic.convex_sgd import derived

    D, G = 1.0, 1.0
    fc, r = ConvexLipschitz(G), derived()
    steps = (1, 2, 3, 5, 7, 9)  # horizons T = n + 1 iterates x_1 … x_T
    horizons = [n + 1 for n in steps]

    def rule(n: int) -> SubgradientMethod:
        return SubgradientMethod(D / (G * (n + 1) ** 0.5))

    exponent = float(r["exponent"])
    out = []
    for name, measure, key, text in (
            ("averaged iterate x̄_T", "average_gap", "bound_star", "DG/√T"),
            ("last iterate x_T", "function_gap", "last_bound_star", "DG(2 + H_{T−1})/(2√T)")):
        curve = certify_over(rule, fc, steps, measure)  # type: ignore[arg-type]
        curve = WorstCaseCurve(curve.certificates, fit_rate(horizons, curve.values, "power"))
        bound = _bound(r[key], D=D, G=G)
        out.append(Series.build(name, curve, [bound(t) for t in horizons],
                                f"the claim's bound {text}, T = n + 1", exponent,
                                f"T^{exponent:g}", None, offset=1))
    avg, last = out
    ratio = [w / b for w, b in zip(avg.worst, avg.reference, strict=True)]
    t_max = horizons[-1]
    attained = max(abs(x - 1) for x in ratio) <= max(avg.tolerance)
    finding = (
        f"Deterministic special case (exact subgradients of a convex G-Lipschitz f, η = "
        f"D/(G√T)): the averaged iterate's worst case over the class is "
        f"{min(ratio):.6f}…{max(ratio):.6f} × DG/√T for T = {horizons[0]}…{t_max}"
        f"{' — the bound is attained' if attained else ''}; the last iterate's, "
        f"{last.worst[-1]:.3g} at T = {t_max}, is {last.worst[-1] / last.reference[-1]:.0%} "
        f"of DG(2 + H_{{T−1}})/(2√T) = {last.reference[-1]:.3g}. The stochastic claim itself "
        f"(noisy subgradients, an expectation) is outside what a PEP over deterministic "
        f"methods certifies.")
    return BeyondQuadratics("D10", BEYOND_CLAIMS["D10"],
                            f"convex G-Lipschitz, G = {G:g}, ‖x₁ − x*‖ ≤ D = {D:g}; "
                            f"subgradient method at η = D/(G√T) for T = n + 1 iterates",
                            (avg, last), finding, _solver_text())


_BUILDERS: dict[str, Callable[[], BeyondQuadratics]] = {
    "S1": _s1, "M2": _m2, "M3": _m3, "M5": _m5, "M9": _m9, "D10": _d10}


def beyond_quadratics(claim: str) -> BeyondQuadratics:
    """The beyond-quadratics result of a claim, by ID (``"M3"``) or slug
    (``"critical-damping"``); UnknownNameError for a claim without one."""
    by_slug = {slug: cid for cid, slug in BEYOND_CLAIMS.items()}
    key = claim.upper() if isinstance(claim, str) and claim.upper() in BEYOND_CLAIMS \
        else by_slug.get(claim) if isinstance(claim, str) else None
    if key is None:
        raise UnknownNameError("claim with a beyond-quadratics result", str(claim),
                               [*BEYOND_CLAIMS, *by_slug])
    return _build(key)


@cache
def _build(claim_id: str) -> BeyondQuadratics:
    return _BUILDERS[claim_id]()
