"""crawler changes OUTPUT/JOB: the articles whose content changed between crawls, and how."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from crawler.jobs.run import EXIT_OK, EXIT_USAGE
from crawler.jobs.versions import find_changes, records_files
from crawler.report.changes import as_json, as_text, html_page
from crawler.web.redact import redact

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "changes",
        help=COMMANDS["changes"],
        description="List the article records that replaced an earlier version of the same page (their "
        "'previous' field), newest first: the fields that changed (title, body_text, authors, published, "
        "modified, breadcrumb, related) and, for texts, the paragraphs added, removed and edited, word by "
        "word. Reads every records*.jsonl of the folder (all workers of a distributed job). Exit codes: 0 "
        "with or without changes, 2 bad arguments or no such folder.",
    )
    parser.add_argument("folder", metavar="OUTPUT/JOB", help="a job's output folder, e.g. output/demo")
    parser.add_argument("--since", metavar="DATE", help="changes fetched on or after this date (YYYY-MM-DD)")
    parser.add_argument("--url", help="changes of this page only")
    parser.add_argument("--format", choices=["text", "json", "html"], default="text", help="default: text")
    return parser


def run(args) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"crawler changes: no such folder: {folder}", file=sys.stderr)
        return EXIT_USAGE
    if args.since:
        try:
            date.fromisoformat(args.since)
        except ValueError:
            print(f"crawler changes: --since: expected a date such as 2024-01-31, got {args.since!r}", file=sys.stderr)
            return EXIT_USAGE
    files = records_files(folder)
    if not files:
        print(f"crawler changes: no records*.jsonl in {folder}", file=sys.stderr)
        return EXIT_USAGE
    job = folder.resolve().name
    changes = find_changes(files, since=args.since, url=args.url)
    if args.format == "json":
        output = json.dumps([as_json(change, job) for change in changes], ensure_ascii=False, indent=2)
    elif args.format == "html":
        output = html_page(changes, job)
    else:
        output = "\n\n".join(as_text(change) for change in changes) or "No article has changed."
    print(redact(output))
    return EXIT_OK
