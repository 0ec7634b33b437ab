"""Growing the batch instead of decaying the rate, derived with SymPy (claim D11).

After a switch, SGD on one NQM direction at rate η₂ and batch B₂ follows D2's curve against
the examples N processed since the switch (:func:`lrtheory.symbolic.batch_scaling.
examples_curve`), m(N) = m₀(τ) + u·m₁(τ) + O(u²), with u = η₂λ, τ = (η₂/B₂)λN and
s = (η₂/B₂)c/λ. Each phase-2 arm of :data:`lrtheory.models.batch_growth.ARMS` puts its
(η₂, B₂) = (ηkᵃ, Bkᵇ) into that curve:

* :func:`arms` derives, per arm, the noise scale g (the SDE temperature per unit noise,
  from the update's diffusion limit), its u, steps per example, curve, leading and
  first-order terms and floor; per pair of arms with the same g (growth vs decay, adapted
  vs constant), the ratio of their g, of their step counts and floors, and their
  difference at leading and first order; and k*, where the adapted arm leaves D2's stable
  set;
* :func:`derivation` assembles them into D11's steps and identities;
* :func:`numeric` gives the curve and m₁ as NumPy functions of (τ, u, s, m_e).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from lrtheory.claim import Derivation, Identity, Step
from lrtheory.models.batch_growth import ARMS
from lrtheory.symbolic import batch_scaling as sb
from lrtheory.symbolic import lyapunov as sl
from lrtheory.symbolic.linear import stable_interval
from lrtheory.symbolic.moments import gaussian_moments

ETA, LAM, C, B = sb.ETA, sb.LAM, sb.C, sb.B
U, TAU, S, M0 = sb.U, sb.TAU, sb.S, sb.M0
K = sp.Symbol("k", positive=True)
N = sp.Symbol("N", positive=True)
M_E = sp.Symbol("m_e", positive=True)
ARM_LABELS = {"decay": "(η/k, B)", "growth": "(η, kB)", "adapted": "(kη, kB)",
              "constant": "(η, B)"}
PAIRS = {"growth_decay": ("growth", "decay"), "adapted_constant": ("adapted", "constant")}


def _in_arm(expr: sp.Expr, rate: sp.Expr, batch: sp.Expr) -> sp.Expr:
    """An expression in (u, τ, s, m₀) for the phase-2 setting (η₂, B₂) = (rate, batch),
    N examples after the switch, from E[θ²] = m_e: u = η₂λ, τ = (η₂/B₂)λN, s = (η₂/B₂)c/λ."""
    g = rate / batch  # the images hold none of u, τ, s, m₀: a plain replacement is exact
    return expr.xreplace({U: rate * LAM, TAU: g * LAM * N, S: g * C / LAM, M0: M_E})


@cache
def arms() -> dict[str, Any]:
    """Each arm's (η₂, B₂), noise scale, steps per example, curve and its expansion; each
    pair's ratios and differences (keys of :data:`PAIRS`); ``m1_decay``/``m1_constant``,
    the common m₁ of a pair; ``k_star``; ``rules``, D2's curve with the temperature and
    stable set of its step."""
    r: dict[str, Any] = dict(sb.examples_curve())
    step = r["step"] - sl.X  # Δx of one SGD step with noise of variance c/B (D2's rule)
    _, r["temperature"] = sl.diffusion_limit(step, sl.X, {sl.XI: gaussian_moments(C / B)}, ETA)
    r["stable"] = stable_interval(sp.diff(r["step"], sl.X), ETA)  # |∂x_{t+1}/∂x_t| < 1
    settings = {name: (ETA * K**a, B * K**b) for name, (a, b) in ARMS.items()}
    out: dict[str, Any] = {"settings": settings, "rules": r}
    first = r["m0"] + U * r["m1"]
    for name, (rate, batch) in settings.items():
        out[name] = {
            "g": sp.factor(r["temperature"].subs({ETA: rate, B: batch}) / C),
            "u": rate * LAM,
            "steps": N / batch,
            "curve": _in_arm(r["curve"], rate, batch) if name in ("decay", "growth") else None,
            "m0": _in_arm(r["m0"], rate, batch),
            "first": _in_arm(first, rate, batch),
            "floor": _in_arm(r["floor"], rate, batch),
        }
    for key, (big, small) in PAIRS.items():
        a, b = out[big], out[small]
        out[key] = {
            "g_ratio": sp.factor(a["g"] / b["g"]),
            "steps_ratio": sp.factor(b["steps"] / a["steps"]),
            "leading": sp.simplify(a["m0"] - b["m0"]),
            "first_order": sp.together(a["first"] - b["first"]),
            "floor_ratio": sp.factor(a["floor"] / b["floor"]),
        }
    # The common m₁ after the switch: the decay arm's rate per example, g = η/(kB).
    out["m1_decay"] = _in_arm(r["m1"], ETA / K, B)
    out["m1_constant"] = _in_arm(r["m1"], ETA, B)
    # The adapted arm is stable iff kη ∈ D2's stable set (0, 2/λ): k* where it leaves it.
    (out["k_star"],) = sp.solve(sp.Eq(K * ETA, r["stable"].end), K)
    return out


def derivation() -> Derivation:
    """D11's steps and identities (from :func:`arms`)."""
    a = arms()
    r, gd, ac = a["rules"], a["growth_decay"], a["adapted_constant"]
    steps = (
        Step.equation("per direction against N examples after the switch (D2)", "m(N)",
                      r["curve"]),
        Step.equation("leading order in u: gradient flow plus diffusion", "m₀(τ)", r["m0"]),
        Step.equation("first-order term", "m₁(τ)", r["m1"]),
        Step.equation("SDE temperature over c (diffusion Var(Δθ)/Δt, Δt = η)", "g",
                      r["temperature"] / C),
        *(Step.equation(f"{name} arm: (η₂, B₂) = {ARM_LABELS[name]}", "g₂", a[name]["g"])
          for name in a["settings"]),
        Step.equation("decay arm's curve m_A(N)", "m_A", a["decay"]["curve"]),
        Step.equation("growth arm's curve m_G(N)", "m_G", a["growth"]["curve"]),
        Step.equation("their difference m_G − m_A through first order", "Δm",
                      gd["first_order"]),
        Step.equation("steps taken for N examples: decay over growth", "ratio",
                      gd["steps_ratio"]),
        Step.equation("floors s/(2 − u): growth over decay", "ratio", gd["floor_ratio"]),
        Step.equation("adapted (kη, kB) minus constant (η, B), first order", "Δm",
                      ac["first_order"]),
        Step.equation("adapted arm leaves D2's stable set kη < 2/λ at", "k*", a["k_star"]),
    )
    identities = (
        Identity("the noise scale is g = η/B (the SDE temperature per unit noise)",
                 r["temperature"] / C, ETA / B,
                 note="seed 001: 'the \"noise scale\" proxy, g ≈ η/B'"),
        Identity("decaying η by k and growing B by k give the same noise scale",
                 gd["g_ratio"], sp.Integer(1), "derived", note="both η/(kB)"),
        Identity("raising η with B (η ∝ B) keeps the noise scale", ac["g_ratio"],
                 sp.Integer(1), "derived", note="seed 001: 'adapts the learning rate to keep "
                 "the noise scale constant'"),
        Identity("growth vs decay: the same curve at leading order in ηλ", gd["leading"],
                 sp.Integer(0), "derived"),
        Identity("… and apart at first order by (1 − 1/k)ηλ·m₁(τ)", gd["first_order"],
                 (1 - 1 / K) * ETA * LAM * a["m1_decay"], "derived"),
        Identity("… with k× fewer steps for the growing batch", gd["steps_ratio"], K,
                 "derived"),
        Identity("growth's floor over decay's: (2 − ηλ/k)/(2 − ηλ)", gd["floor_ratio"],
                 (2 - ETA * LAM / K) / (2 - ETA * LAM), "derived"),
        Identity("adapted vs unchanged: the same curve at leading order", ac["leading"],
                 sp.Integer(0), "derived"),
        Identity("… apart at first order by (k − 1)ηλ·m₁(τ)", ac["first_order"],
                 (K - 1) * ETA * LAM * a["m1_constant"], "derived"),
        Identity("the adapted arm diverges from k* = 2/(ηλ_max)", a["k_star"],
                 2 / (ETA * LAM), "derived"),
    )
    return Derivation(steps, identities)


@cache
def numeric() -> dict[str, Any]:
    """D2's derived ``curve`` m(τ, u, s, m_e) and first-order term ``m1`` m₁(τ, s, m_e) as
    NumPy functions (broadcasting over their arguments)."""
    r = sb.examples_curve()
    return {"curve": sp.lambdify((TAU, U, S, M0), r["curve"], "numpy"),
            "m1": sp.lambdify((TAU, S, M0), r["m1"], "numpy")}


def steps_ratio(k: int) -> float:
    """The derived ratio of steps, decay arm over growth arm, for N examples at factor k."""
    return float(arms()["growth_decay"]["steps_ratio"].subs(K, k))


def adapted_edge(rate: float, lam_max: float) -> float:
    """The derived k* = 2/(ηλ_max) where the adapted arm (kη, kB) leaves the stable set."""
    return float(arms()["k_star"].subs({ETA: rate, LAM: lam_max}))
