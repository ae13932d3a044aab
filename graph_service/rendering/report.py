"""The credit report drawn for people: an HTML page in Chinese with the English field names
beside (template ``templates/credit_report.html.j2``, Jinja2, autoescaped), and the same page
as PDF, laid out by WeasyPrint (PyPI ``weasyprint``; it needs Debian's Pango —
``libpango-1.0-0``, ``libpangoft2-1.0-0`` — and a CJK font such as ``fonts-noto-cjk``; nothing
is downloaded at run time). The data is the engine's
(:func:`graph_service.engine.evaluation.report.credit_report`).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph_service.catalogue import label_zh
from graph_service.engine.evaluation.config import evaluation_config
from graph_service.engine.evaluation.report import CreditReport
from graph_service.errors import ServiceUnavailable
from graph_service.ids.regions import region_name

TEMPLATES = Path(__file__).parent / "templates"


class ReportUnavailable(ServiceUnavailable):
    """The PDF renderer (WeasyPrint and its system libraries) is not installed."""


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["kind_zh"] = lambda code: label_zh("kind", code)
    env.filters["status_zh"] = lambda code: label_zh("status", code or "active")
    env.filters["region"] = lambda code: region_name(code) if code else ""
    return env


def render_html(report: CreditReport) -> str:
    """The report as one self-contained HTML page (Chinese, English field names beside)."""
    cfg = evaluation_config()
    return (
        _environment()
        .get_template("credit_report.html.j2")
        .render(r=report, e=report.evaluation, grades=cfg.grades)
    )


def render_pdf(report: CreditReport) -> bytes:
    """The report as PDF (A4), from the HTML page. Raises :class:`ReportUnavailable` when
    WeasyPrint or its system libraries are missing."""
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise ReportUnavailable(
            "无法生成PDF：未安装 weasyprint 或其系统库（Pango）",
            f"cannot make a PDF: weasyprint or its system libraries (Pango) are missing: {exc}",
        ) from exc
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its progress is INFO
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf: bytes = weasyprint.HTML(string=render_html(report), base_url=str(TEMPLATES)).write_pdf()
    return pdf
