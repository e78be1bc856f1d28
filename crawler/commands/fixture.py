"""crawler fixture save|check: keep pages as parser fixtures and check today's extraction against them.

`save URL` fetches the page with a one-page Scrapy crawl (the project's settings, download path
and WARC capture) into a temporary folder, then builds the fixture from that WARC response with
the same code as `save --from-warc`, so both give the same fixture for the same response.
"""

from __future__ import annotations

import difflib
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import canonicalize_url

from crawler import fixtures
from crawler.archive.folder import is_warc_name
from crawler.archive.reader import ArchivedResponse, iter_responses, read_record
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.web import redact
from crawler.web.http import sniff

from . import COMMANDS
from .options import add_setting_option
from .runner import project_settings, split_credentials

DEFAULT_DIR = "tests/fixtures"
MAX_REDIRECTS = 20  # Scrapy's REDIRECT_MAX_TIMES default
# The fields `save` prints for a first look; expected.json holds them all.
_PREVIEW = ("page_type", "title", "authors", "published", "breadcrumb", "word_count")


class FixtureError(Exception):
    """A page that cannot become a fixture; the message says why."""


def add_parser(sub):
    parser = sub.add_parser(
        "fixture",
        help=COMMANDS["fixture"],
        description="Parser fixtures: a folder per page with page.html (the body as received), meta.json "
        "(final URL, status, headers) and expected.json (the fields a person has checked). "
        "See docs/testing-parsers.md.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    save = actions.add_parser(
        "save",
        help="fetch a page (or take it from a WARC) and store it as a fixture",
        description="Fetch URL once, the way a crawl does (project settings, robots.txt, redirects followed), "
        "or take its response from WARC files with --from-warc, and write DIR/NAME/: page.html (body bytes "
        "as received, still Content-Encoded if the server compressed them), meta.json (final URL, status, "
        "headers as received) and expected.json (today's extraction, to review and correct). "
        "Exit codes: 0 saved, 1 the page cannot be fetched or found or is not a 2xx HTML page, "
        "2 bad arguments or the fixture exists (see --force).",
    )
    save.add_argument("url", nargs="?", metavar="URL", help="the page to save")
    save.add_argument("--url", dest="url_option", metavar="URL", help="the same as the positional URL")
    save.add_argument(
        "--from-warc",
        action="append",
        metavar="FILE",
        help="take the response from this WARC file or job folder instead of the network "
        "(repeatable; the latest capture wins, redirects recorded in the WARCs are followed)",
    )
    save.add_argument("--name", help="fixture folder name, may contain '/' (default: from the URL)")
    save.add_argument("--dir", default=DEFAULT_DIR, help=f"folder of fixtures (default: {DEFAULT_DIR})")
    save.add_argument("--force", action="store_true", help="replace an existing fixture of that name")
    save.add_argument(
        "--any-status", action="store_true", help="also keep non-2xx answers (error pages are fixtures too)"
    )
    add_setting_option(save, " for the fetch")

    check = actions.add_parser(
        "check",
        help="run the extraction over fixtures and show what differs from expected.json",
        description="Extract every fixture at or under DIR and compare the fields its expected.json lists "
        "(fields it does not list are not checked). Prints each differing field (a line diff for text, "
        "missing/extra items for lists, then why the extractor chose its value: the strategy that produced "
        "it and the candidates it beat) and a summary table. Exit codes: 0 all match, 1 something differs "
        "or a fixture is broken, 2 no fixtures found.",
    )
    check.add_argument(
        "dirs", nargs="*", metavar="DIR", help=f"fixture folders or folders of them (default: {DEFAULT_DIR})"
    )
    check.add_argument(
        "--update",
        action="store_true",
        help="after review: write today's values into expected.json, for the fields it already "
        "lists (an empty expected.json gets every field)",
    )
    return parser


def run(args) -> int:
    return run_save(args) if args.action == "save" else run_check(args)


# ---- save --------------------------------------------------------------------------------


def run_save(args) -> int:
    url = args.url or args.url_option
    if args.url and args.url_option and args.url != args.url_option:
        return _usage("give the URL once (positional or --url)")
    if not url:
        return _usage("give the page's URL")
    if not args.from_warc and not url.startswith(("http://", "https://")):
        return _usage(f"not an http(s) URL: {url}")
    if args.from_warc and args.setting:
        return _usage("-s applies to fetching; --from-warc does not fetch")
    name = args.name or fixtures.default_name(url)
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return _usage(f"--name must be a relative folder name inside --dir: {name}")
    target = Path(args.dir) / name
    if not args.force and any((target / f).exists() for f in fixtures.FILES):
        return _usage(f"{target} already holds a fixture; choose another --name or pass --force to replace it")
    try:
        if args.from_warc:
            response = find_response(warc_files(args.from_warc), url)
        else:
            response = fetch(url, dict(args.setting or []))
        check_usable(response, any_status=args.any_status)
        fixture = fixtures.save(target, response.page, force=args.force)
    except FixtureError as exc:
        print(f"crawler fixture save: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    page = fixture.page
    encoding = page.header("Content-Encoding")
    print(f"saved {target}/")
    print(f"  url        {page.url}" + (f" (asked for {url})" if page.url != url else ""))
    print(f"  status     {page.status}, {len(page.body)} bytes" + (f" ({encoding})" if encoding else ""))
    for field in _PREVIEW:
        print(f"  {field:<11}{fixture.expected.get(field)!r}"[:160])
    print(f"Review {target / fixtures.EXPECTED}: correct wrong values, delete fields you do not want checked.")
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"crawler fixture save: {message}", file=sys.stderr)
    return EXIT_USAGE


def warc_files(names: list[str]) -> list[Path]:
    """The given WARC files, and the closed WARC files of given folders, in name (= time) order."""
    paths = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if is_warc_name(p.name))
            if not found:
                raise FixtureError(f"no .warc or .warc.gz files in {path}")
            paths += found
        elif path.is_file():
            paths.append(path)
        else:
            raise FixtureError(f"no such WARC file or folder: {path}")
    return paths


def find_response(paths: list[Path], url: str) -> ArchivedResponse:
    """The archived response for url, its body as received.

    The latest capture of the URL wins (304 answers hold no page and are passed over); a 3xx with a
    Location is followed to the capture of its target, as the crawl followed it. URLs match exactly, else after w3lib's canonicalisation.
    """
    exact, canonical = {}, {}
    try:
        for path in paths:
            # One file at a time, to know each record's folder; payloads are dropped to keep memory flat.
            for archived in iter_responses([path]):
                page = archived.page
                if page.status == 304:  # an incremental run's "unchanged": the page is in an earlier capture
                    continue
                entry = (replace(archived, page=replace(page, body=b"")), path.parent)
                exact[page.url] = entry
                canonical[canonicalize_url(page.url)] = entry
    except Exception as exc:  # warcio raises assorted errors on files that are not WARCs
        raise FixtureError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None

    if not exact:
        raise FixtureError(f"no archived HTTP responses in {', '.join(map(str, paths))} (are these WARC files?)")
    chain = [url]
    while True:
        entry = exact.get(chain[-1]) or canonical.get(canonicalize_url(chain[-1]))
        if entry is None:
            where = ", ".join(p.name for p in paths)
            if len(chain) > 1:
                raise FixtureError(f"{chain[0]} redirects to {chain[-1]}, which is not in {where}")
            close = difflib.get_close_matches(url, list(exact), n=3, cutoff=0.6)
            hint = f"; archived URLs like it: {', '.join(close)}" if close else ""
            raise FixtureError(f"{url} is not in {where}{hint}")
        archived, folder = entry
        location = archived.page.header("Location")
        if 300 <= (archived.page.status or 0) < 400 and location:
            target = urljoin(archived.page.url, location)
            if target in chain or len(chain) > MAX_REDIRECTS:
                raise FixtureError(f"{url} redirects in a loop or too often: {' -> '.join(chain + [target])}")
            chain.append(target)
            continue
        _, payload = read_record(folder / archived.payload_location.filename, archived.payload_location.offset)
        return replace(archived, page=replace(archived.page, body=payload))


def check_usable(response: ArchivedResponse, any_status: bool = False) -> None:
    """Raise FixtureError unless the response is a whole HTML page (2xx unless any_status)."""
    page = response.page
    if response.truncated:
        raise FixtureError(
            f"{page.url}: the body was cut off (WARC-Truncated: {response.truncated}); a fixture needs the whole page"
        )
    if not 200 <= (page.status or 0) < 300 and not any_status:
        raise FixtureError(
            f"{page.url} answered HTTP {page.status}; pass --any-status to keep an error page as a fixture"
        )
    try:
        content = page.content
    except (ValueError, OSError, EOFError) as exc:
        raise FixtureError(
            f"{page.url}: cannot undo Content-Encoding {page.header('Content-Encoding')!r}: {exc}"
        ) from None
    ctype = page.header("Content-Type")
    if sniff(ctype, content) != "html":
        raise FixtureError(f"{page.url} is not an HTML page (Content-Type: {ctype or 'none'})")


def fetch(url: str, user_settings: dict) -> ArchivedResponse:
    """Fetch url with a one-page crawl under the project's settings; its archived final response."""
    (url,), auth, secrets = split_credentials([url])
    redact.install(secrets)
    with tempfile.TemporaryDirectory(prefix="crawler-fixture-") as tmp:
        overrides = {
            "LOG_LEVEL": "CRITICAL",  # failures are reported below, in one line (-s LOG_LEVEL=DEBUG to see more)
            **user_settings,
            **auth,
            # A fresh job folder, so nothing from earlier runs (conditional requests, dedup) applies,
            # and the live response is archived, not a cached copy.
            "OUTPUT_ROOT": tmp,
            "JOB_NAME": "fixture",
            "FEEDS": {},
            "HTTPCACHE_ENABLED": False,
            "WARC_ENABLED": True,
            "WARC_DEDUP": False,
            "WARC_CDXJ_ENABLED": False,
            "WACZ_ENABLED": False,
            "PROGRESS_BAR": False,
        }
        settings = project_settings(overrides)
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(FixtureFetch)
        process.crawl(crawler, url=url)
        process.start()
        spider = crawler.spider
        if spider.error or not spider.final_url:
            raise FixtureError(f"cannot fetch {url}: {spider.error or 'no response'}")
        warcs = sorted(Path(tmp, "fixture").glob("*.warc.gz")) + sorted(Path(tmp, "fixture").glob("*.warc"))
        if not warcs:
            raise FixtureError(f"fetched {url}, but nothing was archived (is WARC capture turned off by a setting?)")
        return find_response(warcs, spider.final_url)


class FixtureFetch(scrapy.Spider):
    """Requests one URL and remembers where it ended."""

    name = "fixture"

    def __init__(self, url: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [url]  # named in the WARC's warcinfo
        self.final_url: str | None = None
        self.error: str | None = None

    async def start(self):
        yield scrapy.Request(self.start_urls[0], callback=self.fetched, errback=self.failed, dont_filter=True)

    def fetched(self, response):
        self.final_url = response.url

    def failed(self, failure):
        if failure.check(HttpError):  # a non-2xx answer: still a response, judged by check_usable
            self.final_url = failure.value.response.url
        elif failure.check(IgnoreRequest):
            self.error = str(failure.value) or "request dropped"
        else:
            self.error = f"{type(failure.value).__name__}: {failure.value}"


# ---- check -------------------------------------------------------------------------------


def _shown(path: Path) -> str:
    """Relative to the working folder when inside it, as given otherwise."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def run_check(args) -> int:
    roots = [Path(d) for d in (args.dirs or [DEFAULT_DIR])]
    missing = [r for r in roots if not r.exists()]
    if missing:
        print(f"crawler fixture check: no such folder: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    found = fixtures.discover(roots)
    if not found:
        print(
            f"crawler fixture check: no fixtures (folders with {fixtures.META} and {fixtures.BODY}) under "
            f"{', '.join(map(str, roots))}",
            file=sys.stderr,
        )
        return EXIT_USAGE

    rows = []  # (fixture, fields checked, fields differing, result)
    failed = 0
    for path in found:
        name = _shown(path)
        try:
            fixture = fixtures.load(path)
            record = fixture.extract()
        except Exception as exc:  # one broken fixture must not hide the others' results
            print(f"ERROR {name}: {type(exc).__name__}: {exc}\n")
            rows.append((name, "-", "-", "error"))
            failed += 1
            continue
        differences = fixtures.compare(record, fixture.expected)
        for problem in fixture.problems:
            print(f"PARSER {name}: {problem}")
        if not fixture.expected:
            result = "nothing checked (empty expected.json)"
            if args.update:
                fixtures.write_expected(path, fixtures.updated_expected({}, record))
                result = "updated: all fields written"
            rows.append((name, 0, 0, result))
            continue
        if differences:
            print(f"DIFF {name}: {len(differences)} of {len(fixture.expected)} fields differ")
            for field, description in differences.items():
                print(f"  {field}:\n{_indent(description)}")
                reasons = fixture.reasons(field) if field in record else ""
                if reasons:
                    print(f"    why:\n{_indent(reasons, '  ')}")
            print()
        result = "ok"
        if differences and args.update:
            expected = fixtures.updated_expected(fixture.expected, record)
            fixtures.write_expected(path, expected)
            still = fixtures.compare(record, expected)
            accepted = [f for f in differences if f not in still]
            result = f"updated: {', '.join(accepted)}" if accepted else ""
            if still:
                result += ("; " if result else "") + f"FAIL: {', '.join(still)}"
                failed += 1
        elif differences:
            result = f"FAIL: {', '.join(differences)}"
            failed += 1
        rows.append((name, len(fixture.expected), len(differences), result))

    _print_table(rows)
    updated = sum(1 for row in rows if str(row[3]).startswith("updated"))
    summary = f"{len(rows)} fixtures: {len(rows) - failed} pass, {failed} fail"
    if updated:
        summary += f", {updated} expected.json updated"
    elif failed and not args.update:
        summary += "; after review, --update writes today's values into expected.json"
    print(summary)
    return EXIT_CRAWL_FAILED if failed else EXIT_OK


def _print_table(rows) -> None:
    header = ("fixture", "fields", "differ", "result")
    width = max(len(header[0]), *(len(r[0]) for r in rows))
    print(f"{header[0]:<{width}}  {header[1]:>6}  {header[2]:>6}  {header[3]}")
    for name, checked, differing, result in rows:
        print(f"{name:<{width}}  {checked!s:>6}  {differing!s:>6}  {result}")
