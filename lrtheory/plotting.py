"""A shared figure style for claim figures (headless Agg backend; readable light and dark)."""

from __future__ import annotations

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

    Extra keyword arguments go to ``plt.subplots`` (``sharex``, ``height_ratios`` …)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: figures are written to files, never shown
    import matplotlib.pyplot as plt  # deferred: pyplot takes a second to import

    with plt.rc_context(STYLE):  # type: ignore[arg-type]  # rcParams keys are Literal-typed
        size = (width or 6.4 * (1 if ncols == 1 else 0.75 * ncols),
                height or 3.8 * (1 if nrows == 1 else 0.7 * nrows))
        fig, axes = plt.subplots(nrows, ncols, figsize=size, layout="constrained", **subplots)
    return fig, axes


def close(fig: Figure) -> None:
    """Release a figure's memory once it has been saved."""
    import matplotlib.pyplot as plt

    plt.close(fig)
