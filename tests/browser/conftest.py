"""Headless Chromium for the report tests (Debian's ``chromium``, driven by Playwright).

Playwright's Python package brings the driver; the browser is the system's (no download):
``LRTHEORY_CHROMIUM`` names it, else the first of chromium, chromium-browser, google-chrome on
PATH. The tests run only when asked for (``pytest -m browser``; ``nox -s browser``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("LRTHEORY_SCREENSHOTS", ROOT / "build" / "screenshots"))
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str:
    """The Chromium executable, or a failure that says how to install one."""
    named = os.environ.get("LRTHEORY_CHROMIUM")
    if named:
        if not Path(named).is_file():
            pytest.fail(f"LRTHEORY_CHROMIUM={named} is not a file")
        return named
    for name in CANDIDATES:
        if found := shutil.which(name):
            return found
    pytest.fail("no Chromium found: install Debian's package (apt-get install chromium) "
                "or set LRTHEORY_CHROMIUM to a Chromium/Chrome executable")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright: pip install -e '.[browser]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
