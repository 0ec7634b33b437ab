"""Report writers: Markdown, self-contained HTML with MathML, JSON, and figures."""

from lrtheory.report.writer import write_report

__all__ = ["write_report"]
