"""crawler profile new HOST: a starting site profile (TOML or a Python parser) from what the generic extractor finds."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from crawler import fixtures
from crawler.extract import Document, extract_document
from crawler.extract.profiles import ProfileError, load
from crawler.extract.profiles.suggest import python_parser, suggest, toml_profile
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "profile",
        help=COMMANDS["profile"],
        description="Site profiles tell the extractor where to look on one site (docs/testing-parsers.md).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new",
        help="write a starting profile for a host",
        description="Write a profile for HOST: with --from-fixture, one selector per field the generic extractor "
        "found on that saved page (and, in comments, what it found), to keep, fix or delete; without, an empty "
        "profile to fill in. TOML with CSS selectors, or --python for a parser module. Written to --dir "
        "(default: the first CRAWLER_PROFILES folder, else ./profiles). Exit codes: 0 written, 1 the fixture "
        "cannot be read, 2 bad arguments or the file exists (see --force).",
    )
    new.add_argument("host", metavar="HOST", help="the site's host, e.g. news.example.org")
    new.add_argument("--from-fixture", metavar="DIR", help="a fixture folder of a page of that site")
    new.add_argument("--python", action="store_true", help="a Python parser (BeautifulSoup, parsel) instead of TOML")
    new.add_argument("--dir", metavar="DIR", help="where to write it")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    return parser


def run(args) -> int:
    host = args.host.lower().strip()
    if not host or "/" in host or ":" in host.rstrip("0123456789").rstrip(":"):
        return _usage(f"expected a host name such as news.example.org, got {args.host!r}")
    folder = Path(
        args.dir or next((p for p in os.environ.get("CRAWLER_PROFILES", "").split(os.pathsep) if p), "profiles")
    )
    target = folder / (f"{host.replace('.', '_').replace('-', '_')}.py" if args.python else f"{host}.toml")
    if target.exists() and not args.force:
        return _usage(f"{target} exists; pass --force to replace it")
    suggestions, source = [], "no page (an empty profile)"
    if args.from_fixture:
        try:
            fixture = fixtures.load(Path(args.from_fixture))
        except (OSError, ValueError, KeyError) as exc:
            print(f"crawler profile new: cannot read the fixture {args.from_fixture}: {exc}", file=sys.stderr)
            return EXIT_CRAWL_FAILED
        doc = Document(fixture.page)
        suggestions, source = suggest(doc, extract_document(doc)), f"the fixture {args.from_fixture}"
    text = (python_parser if args.python else toml_profile)(host, suggestions, source)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    try:
        load(target)  # what we wrote must load
    except ProfileError as exc:
        print(f"crawler profile new: wrote {target}, but it does not load: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    print(
        f"wrote {target}: {len(suggestions)} fields; review it, then `crawler fixture check` with "
        f"CRAWLER_PROFILES={folder}"
    )
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"crawler profile new: {message}", file=sys.stderr)
    return EXIT_USAGE
