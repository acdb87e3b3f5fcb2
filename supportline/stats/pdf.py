"""The printable report as PDF, drawn by WeasyPrint from the same HTML as the page.

WeasyPrint is given the whole document: the style sheets are written into it and every URL it
would fetch is refused, so making a PDF never reaches the network or the file system."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app, render_template

STYLESHEETS = ("static/style.css", "stats/static/stats.css", "stats/static/report.css")


@cache
def _stylesheet(root: str) -> str:
    return "\n".join((Path(root) / name).read_text(encoding="utf-8") for name in STYLESHEETS)


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_template("stats/report_pdf.html", stylesheet=_stylesheet(current_app.root_path), **context)
    # No protocol allowed: any URL in the document (there should be none) is refused, not fetched.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
