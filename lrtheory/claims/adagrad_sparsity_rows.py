"""M10's approximation rows, each held to an envelope proved from the binomial count.

A feature active with probability p has N ~ Bin(t − 1, p) activations before step t, and
AdaGrad's rate there is α/(c√(N + 1) + ε). With E[1/(N + 1)] = (1 − (1 − p)ᵗ)/(pt) and
Jensen both ways (x^(−½) is convex, √ concave) the exact mean rate E lies in

    lo = α/(c√(pt + 1 − p)(1 + ε/c)) ≤ E ≤ hi = (α/c)√((1 − (1 − p)ᵗ)/(pt)) ≤ α/(c√(pt)),

so α/√(ptq) (q = c²) overstates E by at most √(1 + (1 − p)/(pt))(1 + ε/c) − 1, and any
approximation A of E is off by at most max(|A/lo − 1|, |A/hi − 1|).

Steps to a target D: the path P(k) (activations k) is concave, so Jensen gives
E P(N_t) ≤ P(pt) and t_A > (K* − 1)/p; the delta method puts t_A at most (1 − p)/(4p) + 1
steps after K*/p (the concavity gap ½|P''|Var N_t over the slope pP'). K* lies in
[((D/α + 1)/2)², ((D/α + 2)/2)² − 1] (integral bounds on Σj^(−½); ε lengthens it by ≤ 2K*ε/c),
and SGD's crossing t_S of η₀cpH_t = D in [((u + 1)/2)², (u/2 + 1)² − 1], u = D/(αp), by the
same bounds on H_t.
"""

from __future__ import annotations

import math

from lrtheory.claim import ModelCheck
from lrtheory.models import sparse_streams as ss
from lrtheory.models.envelopes import envelope_check
from lrtheory.models.rounding import EPS


def rate_checks(name: str, st: ss.Stream, t: int, exact: float) -> list[ModelCheck]:
    """α/√(ptq) and its second-order form against the exact mean rate at step t."""
    p, c = st.p, st.c
    first = st.alpha / math.sqrt(p * t * c * c)
    second = first * (1 - (1 - p) / (8 * p * t))
    lo = st.alpha / (c * math.sqrt(p * t + 1 - p) * (1 + st.eps / c))
    hi = st.alpha / c * math.sqrt(-math.expm1(t * math.log1p(-p)) / (p * t)) if p < 1 else first
    return [
        envelope_check(f"{name}: α/√(ptq) vs exact E rate", first, exact,
                       math.sqrt(1 + (1 - p) / (p * t)) * (1 + st.eps / c) - 1,
                       "Jensen both ways on N_t: √(1 + (1 − p)/(pt))(1 + ε/c) − 1",
                       rounding=8 * EPS, tolerance_reason="approximation (k → E N_t)"),
        envelope_check(f"{name}: α/√(ptq)·(1 − (1−p)/(8pt)) vs exact E rate", second, exact,
                       max(abs(second / lo - 1), abs(second / hi - 1)),
                       "the Jensen bracket [lo, hi] of the exact rate", rounding=8 * EPS,
                       tolerance_reason="approximation (second order in N − E N)"),
    ]


def _adagrad_steps_bracket(st: ss.Stream, k_lo: float, k_hi: float) -> tuple[float, float]:
    """t_A for K* in [k_lo, k_hi]: Jensen below, the delta method's shift above."""
    p = st.p
    return (k_lo - 1) / p, (k_hi + (1 - p) / 4) / p + 1


def reach_checks(st: ss.Stream, distance: float, r: ss.Reach) -> list[ModelCheck]:
    """K*/p against t_A, and SGD's t_S over t_A against 1/p at D and 3D (``r``: the reach
    of D, already computed)."""
    p = st.p
    k = r.activations
    t_lo, t_hi = _adagrad_steps_bracket(st, k, k)
    checks = [envelope_check(
        "AdaGrad: exact mean first-passage time K*/p vs the step t_A at which its mean path "
        "reaches D", r.adagrad_mean_steps, r.adagrad_mean_path_steps,
        max(k / p - t_lo, t_hi - k / p) / t_lo,
        "Jensen: t_A > (K* − 1)/p; the delta method: t_A ≤ (K* + (1 − p)/4)/p + 1",
        tolerance_reason="approximation (k → pt)")]
    for d in (distance, 3.0 * distance):  # the ratio approaches 1/p as D grows
        far = r if d == distance else ss.reach(st, d)
        u, u_sgd = d / st.alpha, d / (st.alpha * p)
        k_hi = math.ceil(((u + 2) / 2) ** 2 * (1 + 2 * st.eps / st.c) - 1)
        a_lo, a_hi = _adagrad_steps_bracket(st, ((u + 1) / 2) ** 2, k_hi)
        s_lo, s_hi = ((u_sgd + 1) / 2) ** 2, math.ceil((u_sgd / 2 + 1) ** 2 - 1)
        ratio = far.sgd_mean_path_steps / far.adagrad_mean_path_steps
        checks.append(envelope_check(
            f"D = {d:g}: steps until the mean path reaches D, SGD's t_S over AdaGrad's t_A, "
            "vs 1/p", 1 / p, ratio,
            max(abs(a_lo / (p * s_hi) - 1), abs(a_hi / (p * s_lo) - 1)),
            "brackets of t_S (bounds on H_t) and t_A (K*'s bracket, Jensen, delta method)",
            tolerance_reason="approximation (2√k law, k → pt; finite D)"))
    return checks


__all__: list[str] = ["rate_checks", "reach_checks"]
