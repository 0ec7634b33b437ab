"""The report: every format written, every claim present, MathML rendered, atomic writes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lrtheory.report import write_report, writer
from lrtheory.results import RunResult


class _Collect(HTMLParser):
    """Records tags, links and images, and checks that every opened element is closed."""

    VOID = frozenset({"meta", "img", "br", "link", "hr", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.count: dict[str, int] = {}
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count[tag] = self.count.get(tag, 0) + 1
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(str(a[key]))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1]}>"
        self.stack.pop()


def _parse(path: Path) -> _Collect:
    p = _Collect()
    p.feed(path.read_text())
    p.close()
    assert not p.stack, f"unclosed elements in {path.name}: {p.stack}"
    return p


@pytest.fixture(scope="module")
def report_dir(full_run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(full_run, tmp_path_factory.mktemp("r") / "reports")


def test_every_format_and_claim_page_is_written(report_dir: Path, full_run: RunResult) -> None:
    for name in ("index.md", "index.html", "results.json"):
        assert (report_dir / name).is_file()
    index_md = (report_dir / "index.md").read_text()
    for c in full_run.claims:
        assert f"[{c.claim.id}](claims/{c.claim.id}.md)" in index_md
        for ext in ("md", "html"):
            assert (report_dir / "claims" / f"{c.claim.id}.{ext}").is_file()
        assert (report_dir / "figures" / f"{c.claim.id}.png").stat().st_size > 5000


def test_html_parses_links_resolve_and_mathml_is_present(report_dir: Path,
                                                         full_run: RunResult) -> None:
    index = _parse(report_dir / "index.html")
    assert index.count.get("style") == 1
    assert "script" not in index.count
    for c in full_run.claims:
        page_path = report_dir / "claims" / f"{c.claim.id}.html"
        page = _parse(page_path)
        n_math = page.count.get("math", 0)
        assert n_math >= len(c.derivation.steps) + 2 * len(c.identities)
        for link in page.links:
            assert not link.startswith(("http:", "https:", "//")), "no network fetches"
            path, _, fragment = link.partition("#")
            if path:
                assert (page_path.parent / path).resolve().exists(), link
            else:
                assert fragment in page.ids, link
    for link in index.links:
        path, _, fragment = link.partition("#")
        assert (report_dir / path).exists() if path else fragment in index.ids, link


def test_results_json_holds_the_evidence(report_dir: Path, full_run: RunResult) -> None:
    data = json.loads((report_dir / "results.json").read_text())
    assert [c["id"] for c in data["claims"]] == [c.claim.id for c in full_run.claims]
    for c in data["claims"]:
        for p in c["points"]:
            for m in p["monte_carlo"]:
                assert m["negative_controls"]
                assert all(x["rejected"] for x in m["negative_controls"])
                assert m["n"] >= 1000
                assert m["alpha"] == data["alpha_per_check"]
    assert data["environment"]["packages"]["numpy"]
    assert data["settings"]["seed"] == 0


def test_a_failed_write_leaves_the_previous_report_intact(
        report_dir: Path, full_run: RunResult, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p: p.read_bytes() for p in report_dir.rglob("*") if p.is_file()}
    (report_dir / "bench.json").write_text("{}")

    def boom(*_: object) -> list[str]:
        raise RuntimeError("simulated crash while writing figures")

    monkeypatch.setattr(writer, "write_figures", boom)
    with pytest.raises(RuntimeError, match="simulated crash"):
        write_report(full_run, report_dir)
    after = {p: p.read_bytes() for p in report_dir.rglob("*") if p.is_file()}
    assert {p: b for p, b in after.items() if p.name != "bench.json"} == before
    assert not list(report_dir.parent.glob(".reports.tmp-*")), "temporary directory removed"
    monkeypatch.undo()
    write_report(full_run, report_dir)
    assert (report_dir / "bench.json").read_text() == "{}", "files of other commands kept"


def test_claims_beyond_quadratics_have_their_panel(report_dir: Path, full_run: RunResult) -> None:
    """The six claims with a worst case over their function class show it: label, one table
    row per horizon n, the figure; the index lists them; other claims have no panel."""
    from lrtheory.certify import BEYOND_CLAIMS

    pytest.importorskip("PEPit", reason="the beyond-quadratics panel needs lrtheory[certify]")
    data = json.loads((report_dir / "results.json").read_text())
    index = (report_dir / "index.html").read_text()
    for c in data["claims"]:
        page = (report_dir / "claims" / f"{c['id']}.html").read_text()
        if c["id"] not in BEYOND_CLAIMS:
            assert c["beyond"] is None
            assert 'id="beyond"' not in page
            continue
        b = c["beyond"]
        assert b["label"] in ("holds on the class", "holds with another constant",
                              "quadratics only")
        assert 'id="beyond"' in page
        assert b["label"] in page
        rows = sum(len(s["ns"]) for s in b["series"])
        assert page.count('<tr><td class="num">') == rows
        assert (report_dir / "figures" / f"{c['id']}-beyond.png").stat().st_size > 0
        assert f'href="claims/{c["id"]}.html#beyond"' in index
    # M3's panel carries the heavy-ball 3-cycle the certificate found.
    m3 = next(c for c in data["claims"] if c["id"] == "M3")["beyond"]
    assert m3["label"] == "quadratics only"
    assert m3["cycle"]["period"] == 3


def test_a_directory_that_is_not_a_report_is_never_replaced(tmp_path: Path) -> None:
    """``out`` = a project (files other than JSON, no results.json) is refused before
    anything is written: the report replaces its directory whole."""
    from lrtheory.errors import ParameterError
    from lrtheory.report.atomic import replace_directory

    project = tmp_path / "project"
    project.mkdir()
    (project / "keep.py").write_text("x = 1\n")
    with pytest.raises(ParameterError, match="out"), replace_directory(project):
        pass
    assert (project / "keep.py").read_text() == "x = 1\n"
    with pytest.raises(ParameterError, match="file"), replace_directory(project / "keep.py"):
        pass
