"""Figures of the beyond-quadratics results: worst case over the class against the quadratic
result, n by n, and the heavy ball's 3-cycle on Lessard, Recht & Packard's function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lrtheory.certify.classes import MEASURES
from lrtheory.certify.cycle import CycleResult, lrp_function
from lrtheory.certify.verdicts import BeyondQuadratics, Series
from lrtheory.plotting import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _series_panel(ax: Any, s: Series) -> None:
    """The certificates, the reference, the worst quadratic (if another curve), a concrete
    function's run (if any), the claimed rate (geometric) and the fitted rate: log y, and
    log x for a power law."""
    n = np.asarray(s.ns, dtype=float)
    plot = ax.semilogy if s.fit.kind == "geometric" else ax.loglog
    plot(n, s.worst, "o-", color="C3", label="worst case over the class (PEP)")
    plot(n, s.reference, "s--", color="C0", ms=4, label=s.reference_text)
    if s.quadratic is not None and not np.allclose(s.quadratic, s.reference, rtol=1e-9):
        plot(n, s.quadratic, "^:", color="C2", ms=4,
             label="worst quadratic with curvatures in the class")
    if s.example is not None:
        plot(n, s.example, "d-.", color="C1", ms=4, label=f"{s.example_text} (≤ worst case)")
    if s.fit.kind == "geometric":
        plot(n, s.claimed_rate**n, ":", color="0.5", label=f"claimed rate {s.claimed_rate:.3g}^n")
    grid = np.linspace(min(s.fit.ns) - s.offset, max(s.fit.ns) - s.offset, 50)
    plot(grid, [s.fit.predict(g + s.offset) for g in grid], "-", color="C3", alpha=0.35,
         lw=4, label=f"fit {s.fit.describe('T' if s.offset else 'n')}")
    ax.set_xlabel("n (steps)" if s.offset == 0 else f"n (steps; T = n + {s.offset})")
    ax.set_ylabel(MEASURES[s.measure])
    ax.set_title(f"{s.name}\n{s.label}", fontsize=9)
    ax.legend(fontsize=7)


def _cycle_panels(ax_f: Any, ax_t: Any, cycle: CycleResult) -> None:
    x = np.linspace(-2.6, max(3.3, cycle.x0 + 0.2), 600)
    ax_f.plot(x, lrp_function(x, cycle.L, cycle.mu), color="0.4", lw=1)
    pts = np.asarray(cycle.exact)
    ax_f.plot(pts, lrp_function(pts, cycle.L, cycle.mu), "o", color="C3", ms=7,
              label=f"{cycle.period}-cycle {{{', '.join(cycle.exact_text)}}}")
    for k in range(cycle.period):  # the order the cycle visits its points
        a, b = pts[k], pts[(k + 1) % cycle.period]
        ax_f.annotate("", xy=(b, lrp_function(b, cycle.L, cycle.mu)),
                      xytext=(a, lrp_function(a, cycle.L, cycle.mu)),
                      arrowprops={"arrowstyle": "->", "color": "C3", "lw": 0.8})
    ax_f.axvline(0.0, color="C2", lw=0.8, ls=":", label="x* = 0")
    ax_f.set_xlabel("x")
    ax_f.set_ylabel("f(x)")
    ax_f.set_title(f"Lessard–Recht–Packard, L = {cycle.L:g}, μ = {cycle.mu:g}", fontsize=9)
    ax_f.legend(fontsize=7)
    shown = min(len(cycle.trajectory), 60)
    ax_t.plot(range(shown), cycle.trajectory[:shown], ".-", color="C0", lw=0.8,
              label=f"heavy ball from x₀ = {cycle.x0:g} (η = {cycle.eta:.4g}, "
                    f"β = {cycle.beta:.4g})")
    for p in cycle.exact:
        ax_t.axhline(p, color="C3", lw=0.8, ls="--")
    ax_t.axhline(0.0, color="C2", lw=0.8, ls=":")
    ax_t.set_xlabel("n")
    ax_t.set_ylabel("x_n")
    ax_t.set_title(f"period {cycle.period}, within {cycle.closeness:.0e} of the exact cycle",
                   fontsize=9)
    ax_t.legend(fontsize=7)


def cycle_figure(cycle: CycleResult) -> Figure:
    """The function with the cycle on it, and the iterates settling on the cycle."""
    fig, (ax_f, ax_t) = new_figure(2)
    _cycle_panels(ax_f, ax_t, cycle)
    return fig


def beyond_figure(result: BeyondQuadratics) -> Figure:
    """One panel per series (worst case vs n beside the quadratic result, log y); for M3 a
    second row with the 3-cycle."""
    cols = max(len(result.series), 2 if result.cycle is not None else 1)
    rows = 2 if result.cycle is not None else 1
    fig, axes = new_figure(cols, nrows=rows, squeeze=False)
    for ax, s in zip(axes[0], result.series, strict=False):
        _series_panel(ax, s)
    for ax in axes[0][len(result.series):]:
        ax.set_visible(False)
    if result.cycle is not None:
        _cycle_panels(axes[1][0], axes[1][1], result.cycle)
        for ax in axes[1][2:]:
            ax.set_visible(False)
    fig.suptitle(f"{result.claim_id} beyond quadratics: {result.label}", fontsize=10)
    return fig
