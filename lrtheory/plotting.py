"""A shared figure style for claim figures (readable light and dark).

Figures are built with Matplotlib's object-oriented API (``matplotlib.figure.Figure``), not
pyplot: making one touches no global state — no backend switch, no figure manager — so the
same code draws report files in worker processes and figures in a live notebook, where a
figure shows when a cell ends with it or passes it to ``display`` (it renders itself as PNG).
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 110,
    "figure.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
}


def new_figure(ncols: int = 1, width: float | None = None, nrows: int = 1,
               height: float | None = None, **subplots: Any) -> tuple[Figure, Any]:
    """A figure with ``nrows`` × ``ncols`` axes in the package style; returns (figure, axes).

    Extra keyword arguments go to ``Figure.subplots`` (``sharex``, ``height_ratios`` …)."""
    import matplotlib as mpl

    with mpl.rc_context(STYLE):  # type: ignore[arg-type]  # rcParams keys are Literal-typed
        size = (width or 6.4 * (1 if ncols == 1 else 0.75 * ncols),
                height or 3.8 * (1 if nrows == 1 else 0.7 * nrows))
        fig = _figure_class()(figsize=size, layout="constrained")
        axes = fig.subplots(nrows, ncols, **subplots)
    return fig, axes


def close(fig: Figure) -> None:
    """Release a figure's artists once it has been saved (no figure manager holds it)."""
    fig.clear()


@cache
def _figure_class() -> type[Figure]:
    """Figure with ``_repr_png_``, so Jupyter shows it without pyplot. Built on first use:
    importing Matplotlib takes a second that listing or verifying claims should not pay."""
    from matplotlib.figure import Figure

    class ShowableFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = BytesIO()
            self.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()

    return ShowableFigure
