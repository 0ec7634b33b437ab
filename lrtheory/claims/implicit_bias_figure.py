"""The figure of claim G6: alignment under four schedules, the rate of approach to the SVM
asymptote (measured exponent against the derived κ), and the norm against its bounds."""

from __future__ import annotations

from typing import Any

import numpy as np

from lrtheory.claims import implicit_bias_checks as ck
from lrtheory.claims import implicit_bias_rates as rt
from lrtheory.models import implicit_bias as ib
from lrtheory.models import max_margin_flow as mf
from lrtheory.models import svm as sv
from lrtheory.plotting import new_figure
from lrtheory.results import ClaimResult

LABELS = {"constant": "η = 1/β", "inverse_sqrt": "η₀/√(t+1)", "inverse": "η₀/(t+1)",
          "exponential": f"η₀·{ck.DECAY}ᵗ", "normalised": "normalised GD"}
COLOURS = {"constant": "C0", "inverse_sqrt": "C2", "inverse": "C1", "exponential": "C3"}


def _band(ax: Any, x: np.ndarray, y: np.ndarray, colour: str, label: str,
          fill: bool = True) -> None:
    lo, mid, hi = np.nanpercentile(y, [25, 50, 75], axis=1)
    ax.plot(x, mid, color=colour, label=label)
    if fill:
        ax.fill_between(x, lo, hi, color=colour, alpha=0.15, lw=0)


def _plain_log(ax: Any) -> None:
    """Log axes with major ticks only, labelled as plain numbers: Matplotlib's default log
    labels are mathtext and its minor ticks many, which made this figure three times slower."""
    from matplotlib.ticker import FuncFormatter, NullLocator

    ax.set(xscale="log", yscale="log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_locator(NullLocator())
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def figure_g6(result: ClaimResult) -> Any:
    lg = ck.long_runs(ck.key(ck.LONG))
    fig, (ax, bx, cx) = new_figure(3, width=13.5, height=3.6)
    t = np.unique(np.round(np.geomspace(1, int(ck.LONG["T"]), 40)).astype(int))
    for name in ck.SCHEDULES:
        _band(ax, t, lg.runs[name].angle[t], COLOURS[name], LABELS[name], name == "constant")
    tn = t[t <= int(ck.LONG["ngd_T"])]
    _band(ax, tn, lg.ngd.angle[tn], "C4", f"{LABELS['normalised']} (η = {lg.ngd_eta:g})",
          fill=False)
    _plain_log(ax)
    ax.set(xlabel="step t", ylabel="angle ∠(w_t, ŵ) (rad)",
           title=f"{lg.z.shape[0]} random data sets in ℝ²: median (quartiles)")
    ax.legend(fontsize=7, loc="lower left")

    rd = rt.rate_data(ck.key(ck.RATE))
    kappa, measured = rd.rates.kappa, -rd.measured
    slow = rd.rates.gap > kappa + 0.05  # κ set by λ₂ or 1, not by the next point
    bx.plot([0, 1.05], [0, 1.05], "k--", lw=1, label="derived: exponent = κ")
    bx.plot(kappa[~slow], measured[~slow], "o", ms=3, color="C0", label="κ = g (next point)")
    bx.plot(kappa[slow], measured[slow], "s", ms=3, color="C3",
            label="κ = min(α₁α₂ det G, 1) < g")
    bx.set(xlabel="derived κ = min(g, α₁α₂ det G, 1)",
           ylabel="measured −d ln‖w − asymptote‖/d ln τ",
           title=f"logistic flow, τ ∈ [{ck.RATE['tau_lo']:.0e}, {ck.RATE['tau_hi']:.0e}], "
                 f"{kappa.size} sets")
    bx.legend(fontsize=7, loc="upper left")

    const = lg.runs["constant"]
    w_norm = np.linalg.norm(lg.svm.w, axis=1)
    lt = np.median(np.log(const.tau[t]), axis=1)
    asym = mf.asymptote(lg.z, lg.svm, const.tau[t])
    _band(cx, lt, const.norm[t] / w_norm, "C0", "‖w_t‖/‖ŵ‖, η = 1/β")
    late = np.all(const.tau[t] > 2 * asym.scale, axis=1)  # the asymptote once τ > 2τ*
    for values, rows, style, label in (
            (ib.norm_upper(const.tau[t], w_norm), slice(None), "C3--",
             "derived upper bound U(τ)"),
            (ib.norm_lower(const.tau[t], w_norm, sv.radius(lg.z), lg.z.shape[1]), slice(None),
             "C2--", "derived lower bound m(τ)/R"),
            (asym.norm, late, "k:", "asymptote ‖ŵ‖ ln(τ/τ*)")):
        mid = np.median(values[rows] / w_norm, axis=1)
        x = lt[rows]
        cx.plot(x[mid > 0], mid[mid > 0], style, lw=1, label=label)
    cx.set(xlabel="ln τ_t  (τ_t = Σ_{s<t} η_s)", ylabel="‖w_t‖ / ‖ŵ‖",
           title="‖w_t‖ grows like ‖ŵ‖ ln τ (medians)")
    cx.legend(fontsize=7)
    # Fixed margins instead of the constrained layout, whose extra layout pass cost half
    # of this figure's drawing time.
    fig.set_layout_engine("none")
    for i, axes in enumerate((ax, bx, cx)):
        axes.set_position((0.065 + 0.333 * i, 0.14, 0.26, 0.77))
    return fig
