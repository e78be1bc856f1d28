"""The crawl report: one self-contained HTML page about a job's last run, made from its files.

load.py reads the output folder, charts.py draws inline SVG, page.py assembles the page.
No Scrapy import: the report only reads files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crawler.report.load import ReportError, Run, load_run
from crawler.report.page import render_page

__all__ = ["ReportError", "Run", "load_run", "render_page", "write_report"]


def write_report(run: Run, path: Path) -> Path:
    """Write the page next to its final name, then rename: a reader never sees half a report."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(render_page(run))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
