"""The scheduler over the SQLite frontier: with JOBDIR, a crawl resumes after any stop, SIGKILL included.

Scrapy's own JOBDIR queues write their state only on a clean close, and its seen-set is
buffered, so a killed run loses its frontier. Here every request is committed when queued,
marked in flight when handed to the engine, and done only on `request_done`, when the engine has
finished with it (downloaded, parsed, items exported, or replaced by a redirect or retry).
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

from scrapy.utils.job import job_dir
from scrapy.utils.request import request_from_dict

from crawler.jobs.frontier import Frontier
from crawler.signals import request_done

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
    def __init__(self, frontier: Frontier, fingerprinter, stats, signals):
        self.frontier = frontier
        self.fingerprinter = fingerprinter
        self.stats = stats
        self.signals = signals
        self.resumed = False

    @classmethod
    def from_crawler(cls, crawler):
        directory = job_dir(crawler.settings)
        frontier = Frontier(Path(directory) / FRONTIER_FILE if directory else None)
        return cls(frontier, crawler.request_fingerprinter, crawler.stats, crawler.signals)

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
        # Connected after every middleware and extension, so this runs last for each request.
        self.signals.connect(self.request_done, signal=request_done)

    def request_done(self, request):
        request_id = request.meta.get("frontier_id")
        if request_id is not None:
            self.frontier.done(request_id)

    def close(self, reason):
        self.frontier.set_meta("status", "shutdown" if reason == "shutdown" else "finished")
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
        data = pickle.dumps(request_as_dict(request), protocol=pickle.HIGHEST_PROTOCOL)
        if self.frontier.push(data, request.priority, fingerprint) is None:
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self):
        entry = self.frontier.pop()
        if entry is None:
            return None
        request_id, data = entry
        request = request_from_dict(pickle.loads(data), spider=self.spider)
        request.meta["frontier_id"] = request_id
        self.stats.inc_value("scheduler/dequeued")
        return request
