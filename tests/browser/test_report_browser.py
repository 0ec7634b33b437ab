"""The HTML report in a real browser: MathML lays out, figures load, links resolve, nothing is
fetched from the network, and the pages read in light and dark mode and on a phone.

Run with ``nox -s browser`` (or ``pytest -m browser tests/browser``). Two reports are checked:
the committed ``reports/`` (every page), and a fresh one written by the code under test, so a
template change is tested before the report is regenerated. Screenshots go to
``build/screenshots/`` (``LRTHEORY_SCREENSHOTS`` moves them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from lrtheory import Settings, registry, verify
from lrtheory.report import write_report

from .conftest import ROOT

pytestmark = pytest.mark.browser

COMMITTED = ROOT / "reports"
LAYOUT = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const maths = [...document.querySelectorAll('math')].map(box);
  const fracs = [...document.querySelectorAll('mfrac')].map(f => {
    const [num, den] = f.children;
    return num.getBoundingClientRect().bottom <= den.getBoundingClientRect().top + 1;
  });
  const images = [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth,
                                                 i.getBoundingClientRect().width]);
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  return {maths, fracs, images, links, ids, overflow};
}"""
COLOURS = """() => {
  const css = (sel, prop) => { const e = document.querySelector(sel);
                               return e ? getComputedStyle(e)[prop] : null; };
  return {fg: css('body', 'color'), bg: css('body', 'backgroundColor'),
          link: css('a', 'color'), muted: css('.muted', 'color'),
          badges: [...document.querySelectorAll('.badge')].slice(0, 50).map(b => {
            const s = getComputedStyle(b); return [b.textContent, s.color, s.backgroundColor]; })};
}"""


@dataclass
class Visit:
    """What one page load did: its layout facts, requests, and errors."""

    layout: dict[str, Any]
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def visit(browser: Any, page_path: Path, *, scheme: str = "light", width: int = 1280,
          screenshot: Path | None = None) -> Visit:
    """Load ``page_path`` with every non-file request blocked and recorded."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    seen = Visit(layout={})

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            seen.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: seen.requests.append(req.url))
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    seen.layout = page.evaluate(LAYOUT)
    seen.layout["colours"] = page.evaluate(COLOURS)
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return seen


def broken_links(page_path: Path, links: list[str], ids: list[str]) -> list[str]:
    """Internal links whose file or fragment does not exist."""
    broken = []
    for href in links:
        parts = urlsplit(href)
        if parts.scheme in {"http", "https", "mailto"}:
            continue
        target = (page_path.parent / unquote(parts.path)).resolve() if parts.path else page_path
        if not target.is_file():
            broken.append(href)
            continue
        if parts.fragment:
            target_ids = ids if target == page_path.resolve() else re.findall(
                r'\bid="([^"]+)"', target.read_text())
            if parts.fragment not in target_ids:
                broken.append(href)
    return broken


def luminance(css: str) -> float:
    """WCAG relative luminance of a computed ``rgb(...)`` colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def assert_page_ok(page_path: Path, seen: Visit, *, expect_math: bool) -> None:
    lay = seen.layout
    assert not seen.blocked, f"{page_path.name} asked the network for {seen.blocked}"
    assert all(u.startswith(("file:", "data:")) for u in seen.requests), seen.requests
    assert not seen.errors, f"{page_path.name}: {seen.errors}"
    if expect_math:
        assert lay["maths"], f"{page_path.name} has no <math> element"
    empty = [i for i, (w, h) in enumerate(lay["maths"]) if not (w > 0 and h > 0)]
    assert not empty, f"{page_path.name}: math elements {empty} have no layout size"
    assert all(lay["fracs"]), f"{page_path.name}: an <mfrac> is not stacked (MathML not laid out)"
    bad = [src for src, done, natural, shown in lay["images"] if not (done and natural > 0
                                                                       and shown > 0)]
    assert not bad, f"{page_path.name}: images not loaded: {bad}"
    broken = broken_links(page_path, lay["links"], lay["ids"])
    assert not broken, f"{page_path.name}: links that resolve to nothing: {broken}"


def report_pages(directory: Path) -> list[Path]:
    return [directory / "index.html", *sorted((directory / "claims").glob("*.html"))]


@pytest.fixture(scope="module")
def fresh_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report written now by the code under test (two claims, a coarse resolution)."""
    run = verify(registry.select(["S1", "S4"]), Settings(seed=0, resolution=0.05))
    return write_report(run, tmp_path_factory.mktemp("report") / "reports")


def test_committed_report_every_page(browser: Any) -> None:
    pages = report_pages(COMMITTED)
    assert len(pages) == 1 + len(registry.all_claims()), "reports/ is not the full report"
    for page_path in pages:
        seen = visit(browser, page_path)
        assert_page_ok(page_path, seen, expect_math=page_path.name != "index.html")
        if page_path.name != "index.html":
            assert seen.layout["images"], f"{page_path.name} shows no figure"


def test_fresh_report_pages(browser: Any, fresh_report: Path) -> None:
    for page_path in report_pages(fresh_report):
        assert_page_ok(page_path, visit(browser, page_path),
                       expect_math=page_path.name != "index.html")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_readable_in_both_colour_schemes(browser: Any, fresh_report: Path, screenshots: Path,
                                         scheme: str) -> None:
    """Body text ≥ 7:1 against the background (WCAG AAA), links and muted text ≥ 4.5:1,
    badge labels ≥ 4.5:1 against their fill; dark mode really is dark."""
    for page_path in (fresh_report / "index.html", fresh_report / "claims" / "S1.html"):
        shot = screenshots / f"{page_path.stem}-{scheme}.png"
        colours = visit(browser, page_path, scheme=scheme, screenshot=shot).layout["colours"]
        assert contrast(colours["fg"], colours["bg"]) >= 7, colours
        assert contrast(colours["link"], colours["bg"]) >= 4.5, colours
        assert contrast(colours["muted"], colours["bg"]) >= 4.5, colours
        for text, fg, bg in colours["badges"]:
            assert contrast(fg, bg) >= 4.5, f"badge {text!r} in {scheme}: {fg} on {bg}"
        assert (luminance(colours["bg"]) < 0.05) == (scheme == "dark"), colours
        assert shot.stat().st_size > 10_000


def test_claim_page_fits_a_phone(browser: Any, fresh_report: Path, screenshots: Path) -> None:
    """At 390 px wide the page itself does not scroll sideways (wide tables scroll in place)."""
    for page_path in (fresh_report / "index.html", fresh_report / "claims" / "S1.html"):
        seen = visit(browser, page_path, width=390,
                     screenshot=screenshots / f"{page_path.stem}-phone.png")
        assert seen.layout["overflow"] <= 1, f"{page_path.name} overflows by {seen.layout}"
