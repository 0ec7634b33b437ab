"""The picture of claim D6 (power-law rates η_t = c·t^(−p)), drawn from the exact moment
paths: kept apart from the claim so that the claim module holds the derivation, the checks
and the points."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lrtheory.models.robbins_monro import loglog_slope, stall_bracket
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult


def power_law_figure(result: ClaimResult, f: dict[str, Callable[..., float]],
                     path: Callable[..., tuple[Any, Any]], powers: Sequence[float],
                     steps: int, a_grid: Sequence[float]) -> Any:
    """E[e_t²] under η_t = c/t^p for every p in ``powers`` at the point with λc = 1.5, the
    derived asymptotes and the Monte Carlo estimates; the error of the c/t form against T;
    the measured decay exponent against −min(1, 2λc) over ``a_grid``. ``f`` holds the derived
    coefficients as functions of (c, λ, σ, B); ``path(point, p, a)`` gives (noisy, noiseless)
    m_t, t = 0…``steps``, of the exact recursion."""
    fig, (ax, ax_t, ax_s) = new_figure(ncols=3, width=16.0)
    point = next(p for p in result.claim.points if p.params["a"] == 1.5)
    q = point.params
    c_, s_ = q["a"] / q["lam"], (q["lam"], q["sigma"], q["B"])
    t_ = np.unique(np.geomspace(1, steps, 300).astype(int))
    forms = {0.0: np.full(t_.shape, f["floor"](c_, *s_)),
             0.5: f["half_1"](c_, *s_) / np.sqrt(t_), 1.0: f["one_1"](c_, *s_) / t_,
             2.0: np.full(t_.shape, stall_bracket(q["a"], c_, q["sigma"] ** 2 / q["B"],
                                                     q["m0"], steps)[0])}
    labels = {0.0: "p = 0 → floor", 0.5: "p = ½ → cσ²/(2Bλ√t)",
              1.0: "p = 1 → c²σ²/(B(2λc−1)t)", 2.0: "p = 2 → stall (lower bracket)"}
    for j, p in enumerate(powers):
        m, _ = path(point, p)
        ax.loglog(t_, m[t_], color=f"C{j}", label=f"exact, {labels[p]}")
        ax.loglog(t_, forms[p], ls="--", color=f"C{j}", lw=1)
    for pr in result.points:
        if pr.point.label == point.label:
            for j, mc in enumerate(pr.monte_carlo):
                lo, hi = mc.test.interval
                value = mc.estimate.sample.value
                ax.errorbar([q["T_mc"]], [value], yerr=[[value - lo], [hi - value]], fmt="o",
                            color=f"C{j}", ms=5, mec="k", capsize=3)
    ax.set(xlabel="step t", ylabel="E[e_t²]", title=f"η_t = c/t^p, λc = {q['a']:g} "
           "(dashed: derived asymptotes; dots: MC)")
    ax.legend(fontsize=7)
    ts = np.unique(np.geomspace(10, steps, 60).astype(int))
    for a in (0.55, 0.75, 1.0, 1.5, 3.0):
        m, _ = path(point, 1.0, a)
        ax_t.loglog(ts, np.abs(f["one_1"](a, *s_) / ts / m[ts] - 1), label=f"λc = {a:g}")
    m, _ = path(point, 1.0, 0.5)
    ax_t.loglog(ts, np.abs(f["boundary"](0.5, *s_) * np.log(ts) / ts / m[ts] - 1), "k--",
                label="λc = ½: log T/T form")
    ax_t.set(xlabel="T", ylabel="|asymptotic/exact − 1|", title="c/t asymptotics vs T")
    ax_t.legend(fontsize=7)
    slopes = [loglog_slope(path(point, 1.0, a)[0], steps // 10, steps) for a in a_grid]
    u = np.linspace(0.02, 6.0, 300)
    ax_s.plot(u, -np.minimum(1.0, 2 * u), label="derived −min(1, 2λc)")
    ax_s.plot(a_grid, slopes, "o", ms=4, label="measured slope, T ∈ [2·10³, 2·10⁴]")
    ax_s.set(xscale="log", xlabel="λc", ylabel="d log E[e_T²] / d log T",
             title="η = c/t: decay exponent")
    ax_s.legend(fontsize=7)
    return fig
