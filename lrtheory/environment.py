"""What a run was made with: versions, platform, backend and device (recorded in reports)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from typing import Any

from lrtheory.montecarlo.backend import Backend

_PACKAGES = ("lrtheory", "numpy", "scipy", "sympy", "matplotlib", "jinja2", "rich", "cupy")


def package_versions() -> dict[str, str]:
    """Installed versions of lrtheory and the libraries whose numbers it reports."""
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        dist = "cupy-cuda12x" if name == "cupy" else name
        try:
            versions[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            if name != "cupy":
                versions[name] = "not installed"
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
