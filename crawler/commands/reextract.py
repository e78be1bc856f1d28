"""crawler reextract PATH.warc.gz...: run today's extraction over archived responses, offline."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC
from pathlib import Path

from crawler.archive.reader import iter_responses
from crawler.extract import extract
from crawler.jobs.records import make_item
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.jobs.versions import link_all
from crawler.web.http import sniff

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "reextract",
        help=COMMANDS["reextract"],
        description="Read the article pages archived in WARC files (revisit records resolved to the payload "
        "they refer to, in the same folder) and extract them with this version's extraction. The records "
        "have the same shape as a crawl's, fetched_at and warc from the archive; given the WARCs of several runs "
        "in capture order, they form the same article versions as the crawl (a record only when a page's "
        "content changed, its 'previous' pointing at the version it replaces).",
    )
    parser.add_argument("warcs", nargs="+", metavar="PATH.warc.gz")
    parser.add_argument("-o", "--output", metavar="FILE", help="write JSON Lines here (default: standard output)")
    parser.add_argument(
        "--every-capture",
        action="store_true",
        help="a record for every archived capture of an article, as a crawl with incremental runs off writes "
        "them (no versions: 'previous' is null)",
    )
    return parser


def records(paths) -> Iterator[dict]:
    """Article records from the archived 2xx HTML responses of the given WARCs."""
    for archived in iter_responses(paths):
        page = archived.page
        if not 200 <= (page.status or 0) < 300 or archived.truncated:
            continue
        try:
            content = page.content
        except (ValueError, OSError, EOFError) as exc:
            print(
                f"crawler reextract: cannot decode {page.url} ({page.header('Content-Encoding')}): {exc}",
                file=sys.stderr,
            )
            continue
        if sniff(page.header("Content-Type"), content) != "html":
            continue
        record = extract(page)
        if record["page_type"] != "article":
            continue
        warc = asdict(archived.payload_location)
        if archived.revisit:
            warc["revisit"] = asdict(archived.location)
        fetched_at = archived.date.replace(tzinfo=UTC).isoformat(timespec="seconds")
        yield make_item(record, fetched_at, page.status or 0, warc)


def run(args) -> int:
    missing = [p for p in args.warcs if not Path(p).is_file()]
    if missing:
        print(f"crawler reextract: no such file: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115 - closed below
    count = 0
    try:
        items = records(args.warcs)
        for item in ({**item, "previous": None} for item in items) if args.every_capture else link_all(items):
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            count += 1
    except OSError as exc:
        print(f"crawler reextract: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    finally:
        if args.output:
            out.close()
    print(f"{count} article records from {len(args.warcs)} WARC file(s)", file=sys.stderr)
    return EXIT_OK
