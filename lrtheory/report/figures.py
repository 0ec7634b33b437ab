"""Figures of a run written as PNG files, with metadata fixed so the bytes are reproducible."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from lrtheory.plotting import close, new_figure
from lrtheory.results import ClaimResult

_PNG_METADATA = {"Software": None}


def save(fig: Figure, path: Path) -> None:
    fig.savefig(path, format="png", metadata=_PNG_METADATA)
    close(fig)


def validity_figure(result: ClaimResult) -> Figure | None:
    """The approximation's error against its control parameter (log scale when it spans)."""
    v = result.validity
    if v is None:
        return None
    fig, ax = new_figure()
    ax.plot(v.values, v.errors, "o-", ms=3)
    positive = [e for e in v.errors if e > 0]
    if positive and max(positive) / min(positive) > 100:
        ax.set_yscale("log")
    if min(v.values) > 0 and max(v.values) / min(v.values) > 100:  # a parameter over decades
        ax.set_xscale("log")
    ax.set_xlabel(v.parameter)
    ax.set_ylabel(v.error_label)
    ax.set_title(f"{result.claim.id}: validity domain")
    return fig


def write_figures(result: ClaimResult, directory: Path) -> list[str]:
    """Write the claim's figure (and validity figure); return the file names written."""
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    main = result.claim.figure(result)
    save(main, directory / f"{result.claim.id}.png")
    names.append(f"{result.claim.id}.png")
    extra = validity_figure(result)
    if extra is not None:
        save(extra, directory / f"{result.claim.id}-validity.png")
        names.append(f"{result.claim.id}-validity.png")
    return names
