"""crawler parse FILE...: run the crawl's extraction over saved pages, offline."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from crawler.extract import Document, extract_document
from crawler.extract.render import record_as_text
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.web.page import Page

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "parse",
        help=COMMANDS["parse"],
        description="Run the crawl's extraction on saved HTML files (.html.gz read transparently). One file: "
        "the record as indented JSON. Several files: JSON Lines, each with a 'source' key. A file that cannot "
        "be read or extracted is reported on stderr and skipped (exit code 1 at the end). --explain: why each "
        "field has its value (docs/extraction.md, 'Why a field has its value').",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--url", help="the page's original URL, used to resolve links (default: the file's URI)")
    parser.add_argument(
        "--format",
        choices=["json", "text"],
        help="json (the default) or text: breadcrumb, title, body, author and related titles "
        "(with --explain: text is the default, and json adds an 'explain' key to the record)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="for each field: its value, the strategy that produced it and the candidates it beat",
    )
    return parser


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def run(args) -> int:
    if args.url and len(args.files) > 1:
        print("crawler parse: --url applies to one file only", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    output = args.format or ("text" if args.explain else "json")
    for name in args.files:
        path = Path(name)
        try:
            body = read_page(path)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            print(f"crawler parse: cannot read {name}: {exc}", file=sys.stderr)
            status = EXIT_CRAWL_FAILED
            continue
        doc = Document(Page(args.url or path.resolve().as_uri(), body), explain=args.explain)
        try:
            record = extract_document(doc)
        except Exception as exc:  # one hostile or broken page must not stop the others
            print(f"crawler parse: cannot extract {name}: {type(exc).__name__}: {exc}"[:500], file=sys.stderr)
            status = EXIT_CRAWL_FAILED
            continue
        for problem in doc.problems:
            print(f"crawler parse: {name}: site parser: {problem}", file=sys.stderr)
        explanation = doc.explanation
        if output == "text":
            if explanation is not None and len(args.files) > 1:
                print(f"== {name}\n")
            print(explanation.as_text() if explanation is not None else record_as_text(record))
            if len(args.files) > 1:
                print("\n" + "-" * 72 + "\n")
            continue
        if explanation is not None:
            record = {**record, "explain": explanation.as_json()}
        if len(args.files) > 1:
            print(json.dumps({"source": name, **record}, ensure_ascii=False))
        else:
            print(json.dumps(record, ensure_ascii=False, indent=2))
    return status
