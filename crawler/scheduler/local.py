"""The scheduler over the SQLite frontier: with JOBDIR, a crawl resumes after any stop, SIGKILL included.

Scrapy's own JOBDIR queues write their state only on a clean close, and its seen-set is
buffered, so a killed run loses its frontier. Here every request is committed when queued,
marked in flight when handed to the engine, and done only on `request_done`, when the engine has
finished with it (downloaded, parsed, items exported, or replaced by a redirect or retry).

Hosts take turns (crawler.jobs.hosts): the next request is the best of the host due longest ago
whose politeness allows a request now, so a slow or deep host never holds up the others.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from pathlib import Path

from scrapy.utils.job import job_dir

from crawler.downloadermiddlewares.politeness import forget_slot, in_transfer
from crawler.extensions.politeness import politeness
from crawler.jobs.frontier import Frontier
from crawler.jobs.hosts import HostTurns
from crawler.jobs.run import RESUMABLE_REASONS
from crawler.signals import request_done, write_failed
from crawler.web.urls import netloc_key

from .serialize import BadRequestData, dumps, request_from_data
from .wake import EngineWake

logger = logging.getLogger(__name__)

FRONTIER_FILE = "frontier.sqlite"
# Reasons after which the next run with the same JOBDIR continues instead of starting over.
RESUMABLE = {"shutdown", "running"}


def _method_name(method) -> str | None:
    return method.__name__ if method is not None else None


def request_as_dict(request) -> dict:
    """Request.to_dict() without its cost: Scrapy finds a callback's name by inspecting every member
    of the spider for each request; our callbacks are spider methods, named by __name__.
    request_from_dict() takes names back the same way."""
    if type(request).__name__ != "Request" or (request.callback and not hasattr(request.callback, "__self__")):
        return request.to_dict(spider=getattr(request.callback, "__self__", None))
    return {
        "url": request.url,
        "callback": _method_name(request.callback),
        "errback": _method_name(request.errback),
        "headers": dict(request.headers),
        "method": request.method,
        "body": request.body,
        "cookies": request.cookies,
        "meta": request.meta,
        "encoding": request.encoding,
        "priority": request.priority,
        "dont_filter": request.dont_filter,
        "flags": request.flags,
        "cb_kwargs": request.cb_kwargs,
    }


class FrontierScheduler:
    def __init__(self, frontier: Frontier, fingerprinter, stats, signals, politeness=None, crawler=None):
        self.frontier = frontier
        self.fingerprinter = fingerprinter
        self.stats = stats
        self.signals = signals
        self.politeness = politeness  # when hosts are due (HostPoliteness); None: all hosts always due
        self.crawler = crawler  # its engine: the requests this process holds, and waking it up
        self.turns = HostTurns()
        self.wake = EngineWake()  # when the next host is due
        self.resumed = False

    @classmethod
    def from_crawler(cls, crawler):
        directory = job_dir(crawler.settings)
        frontier = Frontier(Path(directory) / FRONTIER_FILE if directory else None)
        return cls(
            frontier, crawler.request_fingerprinter, crawler.stats, crawler.signals, politeness(crawler), crawler
        )

    def open(self, spider):
        self.spider = spider
        status = self.frontier.get_meta("status")
        if status in RESUMABLE:
            requeued = self.frontier.requeue_in_flight()
            self.resumed = True
            logger.info(
                "Resuming crawl: %d requests queued, %d of them were in flight when the last run stopped",
                self.frontier.queued(),
                requeued,
            )
            self.stats.set_value("frontier/resumed_in_flight", requeued)
        elif status is not None:
            self.frontier.clear()
        self.frontier.set_meta("status", "running")
        self._sync_turns()
        # Connected after every middleware and extension, so this runs last for each request.
        self.signals.connect(self.request_done, signal=request_done)

    def _write_failed(self, error: sqlite3.Error) -> None:
        self.signals.send_catch_log(write_failed, what=self.frontier.path or "the frontier", error=error)

    def request_done(self, request):
        request_id = request.meta.get("frontier_id")
        if request_id is not None:
            try:
                self.frontier.done(request_id)
            except sqlite3.Error as exc:
                self._write_failed(exc)

    def _sync_turns(self) -> None:
        """The hosts' turns from the frontier's queued requests (at open, and for rows written by others)."""
        self.turns = HostTurns()
        for host, count in self.frontier.queued_by_host().items():
            self.turns.added(host, self._due_at(host), count)

    def _due_at(self, host: str) -> float:
        return self.politeness.store.due_at(host) if self.politeness is not None else 0.0

    def _now(self) -> float:
        return self.politeness.store.clock() if self.politeness is not None else 0.0

    def close(self, reason):
        self.wake.cancel()
        # Interrupted, or stopped by a write failure or low disk space: the next run resumes.
        try:
            self.frontier.set_meta("status", "shutdown" if reason in RESUMABLE_REASONS else "finished")
        except sqlite3.Error as exc:  # left "running", which resumes too
            self._write_failed(exc)
        self.stats.set_value("frontier/left_queued", self.frontier.queued())
        self.frontier.close()

    def has_pending_requests(self) -> bool:
        return self.frontier.queued() > 0

    def __len__(self) -> int:
        return self.frontier.queued()

    def enqueue_request(self, request) -> bool:
        fingerprint = None if request.dont_filter else self.fingerprinter.fingerprint(request)
        meta = request.meta
        meta.pop("frontier_id", None)  # a redirect or retry copies its parent's meta
        forget_slot(meta)
        try:
            data = dumps(request_as_dict(request))
        except ValueError as exc:
            self.stats.inc_value("frontier/unstorable")
            logger.error("Cannot queue %s: %s", request.url, exc)
            return False
        host = netloc_key(request.url)
        try:
            pushed = self.frontier.push(data, request.priority, fingerprint, host)
        except sqlite3.Error as exc:
            # Lost for this run only: the page that linked to it is not committed, and is fetched again.
            self._write_failed(exc)
            return False
        if pushed is None:
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.turns.added(host, self._due_at(host))
        self.stats.inc_value("scheduler/enqueued")
        return True

    def _busy(self, now: float):
        """host -> True if it can take no request now (its slots are all held, here or by requests still
        waiting for their turn in this process), the time it is due if that is later than reckoned (its
        last request ended late), else False."""
        if self.politeness is None:
            return lambda host: False
        store = self.politeness.store
        engine = self._engine()
        held = in_transfer(engine.downloader.active) if engine is not None else Counter()

        def busy(host: str) -> bool | float:
            if held[host] >= store.limit(host) or store.full(host):
                return True
            due = store.due_at(host)
            return due if due > now else False

        return busy

    def _engine(self):
        """The crawl's engine; None outside a crawl (a scheduler built on its own)."""
        try:
            return self.crawler.engine if self.crawler is not None else None
        except RuntimeError:  # Scrapy's "not set yet"
            return None

    def _pop(self):
        if not self.turns and self.frontier.queued():
            self._sync_turns()
        now = self._now()
        host = self.turns.next_host(now, self._busy(now))
        if not isinstance(host, str):
            if host is not None:
                self._wake_in(host)
            return None
        try:
            entry = self.frontier.pop(host)
        except sqlite3.Error as exc:
            self._write_failed(exc)
            return None
        if entry is None:  # the frontier and the turns disagree (rows changed under us): next time, read them again
            self.turns = HostTurns()
            return None
        return host, entry

    def _wake_in(self, seconds: float) -> None:
        engine = self._engine()
        if engine is not None:
            self.wake.after(seconds, engine, self._now())

    def next_request(self):
        while (popped := self._pop()) is not None:
            host, (request_id, data) = popped
            try:
                request = request_from_data(data, self.spider)
            except BadRequestData as exc:
                self.turns.served(host, self._now())  # nothing was sent: the host keeps its turn
                # Never loaded as anything but data: a row planted (or left by an older version) is refused.
                self.frontier.reject(request_id)
                self.stats.inc_value("frontier/rejected_rows")
                logger.error(
                    "Refused frontier row %d of %s: %s (not a request this crawler wrote); it is kept, marked rejected",
                    request_id,
                    self.frontier.path or "the in-memory frontier",
                    exc,
                )
                continue
            self.turns.served(host, self._now() + (self.politeness.store.delay(host) if self.politeness else 0.0))
            request.meta["frontier_id"] = request_id
            self.stats.inc_value("scheduler/dequeued")
            return request
        return None
