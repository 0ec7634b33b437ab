"""What a run was made with: versions, platform, backend and device (recorded in reports)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from lrtheory.montecarlo.backend import Backend

_PACKAGES = ("lrtheory", "numpy", "scipy", "sympy", "matplotlib", "jinja2", "rich", "cupy")


def source_revision() -> str | None:
    """``git <commit>`` of the checkout lrtheory runs from, with ``+ local changes`` when
    tracked files differ from it; None outside a git checkout (an installed wheel)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        changes = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                  "--untracked-files=no"],
                                 capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return f"git {commit.stdout.strip()}" + (" + local changes" if changes.stdout.strip() else "")


def package_versions() -> dict[str, str]:
    """Installed versions of lrtheory (with its git revision in a checkout) and the libraries
    whose numbers it reports."""
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        dist = "cupy-cuda12x" if name == "cupy" else name
        try:
            versions[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            if name != "cupy":
                versions[name] = "not installed"
    revision = source_revision()
    if revision is not None:
        versions["lrtheory"] += f" ({revision})"
    return versions


def environment(backend: Backend) -> dict[str, Any]:
    """The environment block of a report."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "backend": backend.name,
        "device": backend.device,
        "packages": package_versions(),
    }
