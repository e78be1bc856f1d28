"""crawler report OUTPUT_DIR: an HTML page with charts about the last run of a job."""

from __future__ import annotations

import sys
from pathlib import Path

from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.report import ReportError, load_run, write_report
from crawler.web.redact import redact

from . import COMMANDS

REPORT_NAME = "report.html"


def add_parser(sub):
    parser = sub.add_parser(
        "report",
        help=COMMANDS["report"],
        description="Write a self-contained HTML page about the last run of a job, read from its output "
        "folder (stats.json, WARC files, records.jsonl): fetches over time, status codes, content types, "
        "hosts and extraction coverage. It opens offline in any browser. Exit code 0 when the page is "
        "written, 1 when it cannot be written, 2 when the folder holds no finished run.",
    )
    parser.add_argument("folder", metavar="OUTPUT_DIR", help="a job's output folder, e.g. output/demo")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help=f"where to write the page (default: OUTPUT_DIR/{REPORT_NAME})"
    )
    return parser


def run(args) -> int:
    folder = Path(args.folder)
    try:
        report = load_run(folder)
    except ReportError as exc:
        print(f"crawler report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"crawler report: cannot read {folder}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    target = Path(args.output) if args.output else folder / REPORT_NAME
    try:
        write_report(report, target)
    except OSError as exc:
        print(f"crawler report: cannot write {target}: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    for note in report.notes:
        print(f"crawler report: note: {redact(note)}", file=sys.stderr)
    print(
        f"Report of {report.job!r}: {report.fetches.total} responses, {report.coverage.records} article records "
        f"-> {target}"
    )
    return EXIT_OK
