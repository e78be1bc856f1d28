"""crawler reextract PATH.warc.gz|FOLDER...: run today's extraction over archived responses, offline, on every core."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC
from pathlib import Path
from typing import Any

from crawler.archive.captures import Capture, IndexProblem, captures_in_order, plan, read_capture
from crawler.archive.folder import is_warc_name
from crawler.archive.reader import ArchivedResponse
from crawler.extract.tasks import archived_record
from crawler.jobs.records import make_item
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.jobs.versions import link_all
from crawler.web.http import sniff
from crawler.web.page import Page
from crawler.workers.pool import AnalysisFailed, PageAnalyser, error_text

from . import COMMANDS

# Captures of indexed files go to a worker in batches (file, offset, length: the worker reads them), so
# the reading process pays one message for several pages. A batch shares one page's time budget;
# past it, each of its pages is tried again alone, so only the page that takes too long fails.
BATCH_PAGES = 8
# Pages handed to the workers ahead of the one whose record is written next: enough to keep every
# worker busy (a batch running and one waiting), few enough that memory stays bounded (back-pressure
# on reading the WARCs).
PAGES_AHEAD_PER_WORKER = 2 * BATCH_PAGES
# What the reading process needs of each page, made where the page was extracted (a worker's task
# pickles no record nor response it would only drop): ("item", the article's record, None); ("page",
# None, None) for an HTML page that is no article; ("undecodable", why, (url, Content-Encoding));
# ("failed", why, url) for a page whose extraction raised, ran out of time or killed its worker;
# ("stale", why, None) for a record that is not where the index says; ("other" or "skip", None, None).
Outcome = tuple[str, Any, Any]


def add_parser(sub):
    parser = sub.add_parser(
        "reextract",
        help=COMMANDS["reextract"],
        description="Read the article pages archived in WARC files (revisit records resolved to the payload "
        "they refer to, in the same folder) and extract them with this version's extraction, in worker "
        "processes on every core. The records "
        "have the same shape as a crawl's, fetched_at and warc from the archive; given the WARCs of several runs "
        "in capture order, they form the same article versions as the crawl (a record only when a page's "
        "content changed, its 'previous' pointing at the version it replaces). A folder stands for its WARC "
        "files in name order (capture order for the crawler's files). Pages whose extraction fails or takes "
        "longer than --timeout are reported on stderr and skipped (exit code 1 at the end). Workers read the "
        "records of files listed in their folder's index.cdxj themselves, at the offsets it gives: an index "
        "that lists records a WARC no longer holds (a WARC cut, changed or deleted since) stops the command "
        "(exit code 1; `crawler index FOLDER` rebuilds it).",
    )
    parser.add_argument("warcs", nargs="+", metavar="PATH.warc.gz|FOLDER")
    parser.add_argument("-o", "--output", metavar="FILE", help="write JSON Lines here (default: standard output)")
    parser.add_argument(
        "--every-capture",
        action="store_true",
        help="a record for every archived capture of an article, as a crawl with incremental runs off writes "
        "them (no versions: 'previous' is null)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="extraction processes (default: one per core, %(default)s here); 0 extracts in this process",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="time budget of one page's extraction in a worker (default %(default)s)",
    )
    return parser


def warc_files(paths) -> list[Path]:
    """The files named, and the WARC files of the folders named (in name order)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if is_warc_name(p.name))
        else:
            files.append(path)
    return files


class Progress:
    """Pages read and analysed, and how long it took: `crawler reextract` reports pages/s."""

    def __init__(self):
        self.pages = 0  # HTML pages analysed
        self.failed = 0
        self.started = time.monotonic()

    def rate(self) -> float:
        return self.pages / max(time.monotonic() - self.started, 1e-9)


def _is_candidate(archived: ArchivedResponse) -> bool:
    """A 2xx response, not truncated, that may be HTML: what the crawl would have extracted."""
    page = _page_of(archived)
    return 200 <= (page.status or 0) < 300 and not archived.truncated and _may_be_html(page)


def _sources(paths) -> Iterator[ArchivedResponse | list[Capture]]:
    """What the workers extract, in capture order: batches of indexed captures (the worker reads and
    checks them), and the candidate responses of the files read here."""
    files = plan(paths)
    for file in files:
        if file.note:
            print(f"crawler reextract: {file.note}", file=sys.stderr)
    batch: list[Capture] = []
    for item in captures_in_order(files):
        if isinstance(item, Capture):
            batch.append(item)
            if len(batch) == BATCH_PAGES:
                yield batch
                batch = []
            continue
        if batch:
            yield batch
            batch = []
        if _is_candidate(item):
            yield item
    if batch:
        yield batch


def extracted(captures: list[Capture]) -> list[Outcome]:
    """A worker's task: read each capture from its WARC file (checked against its index line) and extract it."""
    outcomes: list[Outcome] = []
    for capture in captures:
        try:
            archived = read_capture(capture)
        except IndexProblem as exc:
            outcomes.append(("stale", str(exc), None))
            break
        if archived is None or not _is_candidate(archived):
            outcomes.append(("skip", None, None))
            continue
        try:
            kind, value = archived_record(_page_of(archived))
        except Exception as exc:  # this page fails, as it would alone in a worker
            outcomes.append(("failed", error_text(exc), capture.url))
            continue
        outcomes.append(_outcome(archived, kind, value))
    return outcomes


def _outcome(archived: ArchivedResponse, kind: str, value) -> Outcome:
    """archived_record's answer for a response, as the reading process needs it."""
    if kind == "record":
        return ("item", _item(archived, value), None) if value["page_type"] == "article" else ("page", None, None)
    if kind == "undecodable":
        page = _page_of(archived)
        return kind, value, (page.url, page.header("Content-Encoding"))
    return kind, None, None


async def _outcomes(analyser: PageAnalyser, source: ArchivedResponse | list[Capture]) -> list[Outcome]:
    if isinstance(source, ArchivedResponse):
        try:
            kind, value = await analyser.call(archived_record, _page_of(source))
        except AnalysisFailed as exc:
            return [("failed", str(exc), source.page.url)]
        return [_outcome(source, kind, value)]
    try:
        return await analyser.call(extracted, source)
    except AnalysisFailed as exc:
        if len(source) == 1:
            return [("failed", str(exc), source[0].url)]
    outcomes = []
    for capture in source:  # a page ran out of time or killed its worker: each alone, so only it fails
        outcomes += await _outcomes(analyser, [capture])
    return outcomes


def _may_be_html(page: Page) -> bool:
    """False for what archived_record would call other content, where that is sure without decoding: a
    body without Content-Encoding (images, fonts) is not worth sending to a worker."""
    if (page.header("Content-Encoding") or "identity").strip().lower() != "identity":
        return True
    return sniff(page.header("Content-Type"), page.body) == "html"


def _page_of(archived: ArchivedResponse) -> Page:
    """The page the crawl extracted from: in browser mode the rendered DOM (a urn:dom: record)."""
    return archived.rendered or archived.page


def _item(archived: ArchivedResponse, record: dict) -> dict:
    warc = asdict(archived.payload_location)
    if archived.revisit:
        warc["revisit"] = asdict(archived.location)
    fetched_at = archived.date.replace(tzinfo=UTC).isoformat(timespec="seconds")
    return make_item(record, fetched_at, _page_of(archived).status or 0, warc)


def records(paths, workers: int = 0, timeout: float = 15.0, progress: Progress | None = None) -> Iterator[dict]:
    """Article records from the archived 2xx HTML responses of the given WARCs, in capture order.

    Extraction runs in `workers` processes (0: in this one); records come out in the order of the
    archive whatever order the workers finish in, with at most PAGES_AHEAD_PER_WORKER pages per
    worker read ahead.
    """
    progress = progress or Progress()
    loop = asyncio.new_event_loop()
    # Forked: this process runs no thread, and the workers need only what it has imported.
    analyser = PageAnalyser(workers, timeout=timeout, function=archived_record, fork=True)
    ahead = max(1, workers) * PAGES_AHEAD_PER_WORKER
    pending: deque[tuple[int, asyncio.Task]] = deque()  # (pages, task), in capture order
    pages_ahead = 0

    def finish() -> Iterator[dict]:
        nonlocal pages_ahead
        pages, task = pending.popleft()
        pages_ahead -= pages
        for kind, value, detail in loop.run_until_complete(task):
            if kind == "stale":
                raise IndexProblem(value)
            if kind == "failed":
                progress.pages += 1
                progress.failed += 1
                print(f"crawler reextract: cannot extract {detail}: {value}", file=sys.stderr)
            elif kind == "undecodable":
                url, encoding = detail
                print(f"crawler reextract: cannot decode {url} ({encoding}): {value}", file=sys.stderr)
            elif kind in ("item", "page"):
                progress.pages += 1
                if kind == "item":
                    yield value

    try:
        for source in _sources(paths):
            pages = len(source) if isinstance(source, list) else 1
            pending.append((pages, loop.create_task(_outcomes(analyser, source))))
            pages_ahead += pages
            while pages_ahead >= ahead:
                yield from finish()
        while pending:
            yield from finish()
    finally:
        for _, task in pending:
            task.cancel()
        analyser.close()
        loop.run_until_complete(asyncio.sleep(0))  # let cancelled tasks finish
        loop.close()


def run(args) -> int:
    missing = [p for p in args.warcs if not Path(p).exists()]
    if missing:
        print(f"crawler reextract: no such file or folder: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    if args.workers < 0 or args.timeout <= 0:
        print("crawler reextract: --workers must be 0 or more, --timeout more than 0", file=sys.stderr)
        return EXIT_USAGE
    files = warc_files(args.warcs)
    if not files:
        print(f"crawler reextract: no WARC files in {', '.join(args.warcs)}", file=sys.stderr)
        return EXIT_USAGE
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115 - closed below
    count = 0
    progress = Progress()
    try:
        items = records(files, args.workers, args.timeout, progress)
        for item in ({**item, "previous": None} for item in items) if args.every_capture else link_all(items):
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            count += 1
    except (OSError, IndexProblem) as exc:
        print(f"crawler reextract: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    finally:
        if args.output:
            out.close()
    print(
        f"{count} article records from {len(files)} WARC file(s): {progress.pages} HTML pages in "
        f"{time.monotonic() - progress.started:.1f} s, {progress.rate():.1f} pages/s with "
        f"{args.workers or 'no'} worker process(es)" + (f"; {progress.failed} failed" if progress.failed else ""),
        file=sys.stderr,
    )
    return EXIT_CRAWL_FAILED if progress.failed else EXIT_OK
