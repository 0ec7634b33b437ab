"""Shared fixtures: one full verification run reused by the registry and report tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrtheory import registry
from lrtheory.models.quadratic import spd_matrix
from lrtheory.results import RunResult
from lrtheory.verify import Settings, verify

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) every test of the full run goes to one worker,
    so that the run is made once, not once per worker."""
    for item in items:
        if "full_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("full_run"))


@pytest.fixture(scope="session")
def full_run() -> RunResult:
    """Every registered claim verified once at the default settings (seed 0, NumPy), claims
    side by side on every core (which changes no number: tests/test_parallel.py), with the
    figures and the worst cases beyond quadratics, as ``lrtheory report`` runs it."""
    return verify(registry.all_claims(), Settings(seed=0, backend="numpy"), jobs=0,
                  figures=True, beyond=True)


@pytest.fixture
def problem() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A fixed 8-dimensional SPD Hessian (κ = 40) with its eigenvalues and eigenvectors."""
    h = spd_matrix(8, 0.05, 2.0, seed=21)
    lam, vecs = np.linalg.eigh(h)
    return h, lam, vecs
