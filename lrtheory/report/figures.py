"""Figures of a run written as PNG files, with metadata fixed so the bytes are reproducible."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure

from lrtheory.plotting import close, new_figure
from lrtheory.results import ClaimResult

_PNG_METADATA = {"Software": None}


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (reproducible: no software/date metadata); closes it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata=_PNG_METADATA)
    close(fig)
    return buffer.getvalue()


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


def render_figures(result: ClaimResult) -> dict[str, bytes]:
    """The claim's figure and, where it has them, the validity figure and the worst case
    beyond quadratics, as PNG files by name (``ID.png``, ``ID-validity.png``,
    ``ID-beyond.png``)."""
    files = {f"{result.claim.id}.png": png(result.claim.figure(result))}
    extra = validity_figure(result)
    if extra is not None:
        files[f"{result.claim.id}-validity.png"] = png(extra)
    if result.beyond is not None:
        from lrtheory.certify import beyond_figure

        files[f"{result.claim.id}-beyond.png"] = png(beyond_figure(result.beyond))
    return files


def write_figures(result: ClaimResult, directory: Path) -> list[str]:
    """Write the claim's figures into ``directory``; return the file names written.

    Figures the run already drew (``result.figures``) are written as they are; otherwise
    they are drawn here."""
    directory.mkdir(parents=True, exist_ok=True)
    files = result.figures or render_figures(result)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return list(files)
