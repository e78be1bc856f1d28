"""One crawl on many workers: scrapy-redis's scheduler and duplicate filter, with the gaps closed.

Stock scrapy-redis 0.9.1 on current Scrapy loses what a killed worker had in flight (popped
requests are already marked seen), ignores the project's request fingerprinter, and lets idle
workers quit while others still expand the frontier. Here:

- a popped request is *leased* (a Redis sorted set scored by expiry) instead of deleted; the worker
  renews its leases while it works and releases each on `request_done`; leases of a worker that
  died expire and go back to the queue, picked up by any worker;
- the duplicate filter fingerprints with the crawler's REQUEST_FINGERPRINTER_CLASS;
- a worker stays open while the queue or anyone's leases are non-empty;
- requests are JSON (crawler.scheduler.serialize), never pickles: an entry that does not parse is
  refused, moved to ...:requests:rejected and reported.
Keys (frontier_keys): crawler:<job>:requests (queue), ...:requests:leases, ...:requests:scores,
...:requests:rejected, crawler:<job>:dupefilter.
"""

from __future__ import annotations

import logging
import os
import socket

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler import compat
from crawler.signals import request_done

from . import serialize
from .fingerprint import CanonicalRequestFingerprinter

logger = logging.getLogger(__name__)

# Pop the best request, lease it until now + ARGV[1] seconds (Redis's clock: workers' clocks may differ).
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return nil end
redis.call('ZREM', KEYS[1], item[1])
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], now[1] + ARGV[1], item[1])
redis.call('HSET', KEYS[3], item[1], item[2])
return item[1]
"""
# Put expired leases back in the queue with their original score.
_REQUEUE = """
local now = redis.call('TIME')
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now[1])
for _, item in ipairs(expired) do
  local score = redis.call('HGET', KEYS[3], item) or 0
  redis.call('ZREM', KEYS[2], item)
  redis.call('HDEL', KEYS[3], item)
  redis.call('ZADD', KEYS[1], score, item)
end
return #expired
"""
# Extend leases that still exist (XX: a lease that already expired and was requeued stays requeued).
_RENEW = """
local now = redis.call('TIME')
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now[1] + ARGV[1], ARGV[i])
end
return 0
"""


def configure(settings) -> None:
    """Switch the crawl to the Redis frontier of FRONTIER_URL; call while settings are open."""
    keys = frontier_keys(settings.get("JOB_NAME") or "crawl")
    priority = "spider"
    settings.set("SCHEDULER", f"{__name__}.RedisScheduler", priority=priority)
    settings.set("REDIS_URL", settings.get("FRONTIER_URL"), priority=priority)
    settings.set("SCHEDULER_QUEUE_CLASS", f"{__name__}.LeasedPriorityQueue", priority=priority)
    settings.set("SCHEDULER_QUEUE_KEY", keys["queue"], priority=priority)
    settings.set("SCHEDULER_DUPEFILTER_KEY", keys["dupefilter"], priority=priority)
    settings.set("DUPEFILTER_CLASS", f"{__name__}.RedisDupeFilter", priority=priority)
    if not settings.get("WORKER_ID"):
        # No two processes ever write one file: output names carry the worker.
        settings.set("WORKER_ID", f"{socket.gethostname()}-{os.getpid()}", priority=priority)


def frontier_keys(job: str) -> dict[str, str]:
    queue = f"crawler:{job}:requests"
    return {
        "queue": queue,
        "leases": f"{queue}:leases",
        "scores": f"{queue}:scores",
        "rejected": f"{queue}:rejected",
        "dupefilter": f"crawler:{job}:dupefilter",
    }


def push_seeds(server, job: str, seeds: list[tuple[str, int]]) -> int:
    """Queue (url, priority) seeds through the shared duplicate filter, as a worker's start() would."""
    keys = frontier_keys(job)
    fingerprinter = CanonicalRequestFingerprinter()
    pushed = 0
    for url, priority in seeds:
        request = Request(url, priority=priority)
        if server.sadd(keys["dupefilter"], fingerprinter.fingerprint(request).hex()):
            server.execute_command("ZADD", keys["queue"], -priority, serialize.dumps(request.to_dict()))
            pushed += 1
    return pushed


def frontier_status(server, job: str) -> dict[str, int]:
    keys = frontier_keys(job)
    return {
        "queued": server.zcard(keys["queue"]),
        "in_flight": server.zcard(keys["leases"]),
        "seen": server.scard(keys["dupefilter"]),
    }


def reset_frontier(server, job: str) -> None:
    """Forget the queue, leases and seen set (a new crawl of the job); history (captures, digests) stays."""
    server.delete(*frontier_keys(job).values())


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leases instead of deleting."""

    lease_seconds = 120

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer or serialize)
        self.leases_key, self.scores_key = f"{self.key}:leases", f"{self.key}:scores"
        self.rejected_key = f"{self.key}:rejected"
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._renew = server.register_script(_RENEW)

    def push(self, request):
        request.meta.pop("lease", None)  # a redirect or retry copies its parent's meta
        super().push(request)

    def _decode_request(self, encoded_request):
        return serialize.request_from_data(encoded_request, self.spider)

    def pop(self, timeout=0):
        while data := self._pop(keys=[self.key, self.leases_key, self.scores_key], args=[self.lease_seconds]):
            try:
                request = self._decode_request(data)
            except serialize.BadRequestData as exc:
                # Never loaded as anything but data; kept aside for inspection, out of every worker's way.
                self.server.rpush(self.rejected_key, data)
                self.release(data)
                logger.error(
                    "Refused a frontier entry in Redis (%s): not a request this crawler wrote; moved to %s",
                    exc,
                    self.rejected_key,
                )
                if getattr(self.spider, "crawler", None) is not None:
                    self.spider.crawler.stats.inc_value("frontier/rejected_rows")
                continue
            request.meta["lease"] = data
            return request
        return None

    def release(self, data: bytes) -> None:
        pipe = self.server.pipeline()
        pipe.zrem(self.leases_key, data).hdel(self.scores_key, data)
        pipe.execute()

    def renew(self, items: list[bytes]) -> None:
        if items:
            self._renew(keys=[self.leases_key], args=[self.lease_seconds, *items])

    def requeue_expired(self) -> int:
        return int(self._requeue(keys=[self.key, self.leases_key, self.scores_key]) or 0)

    def leased(self) -> int:
        return self.server.zcard(self.leases_key)

    def clear(self):
        self.server.delete(self.key, self.leases_key, self.scores_key)


class RedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's filter with the crawler's fingerprinter; never cleared when a worker stops."""

    fingerprinter = None

    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request):
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason=""):
        pass


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler with leases; SCHEDULER when FRONTIER_URL is set (see configure)."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.persist = True  # the frontier outlives any one worker
        LeasedPriorityQueue.lease_seconds = crawler.settings.getint("FRONTIER_LEASE_SECONDS", 120)
        scheduler.mine: dict[int, bytes] = {}  # id(request) -> lease, for requests this worker holds
        crawler.signals.connect(scheduler.request_done, signal=request_done)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider):
        super().open(spider)
        requeued = self.queue.requeue_expired()
        if requeued:
            logger.info("Put %d expired leases (requests of a stopped worker) back in the queue", requeued)
        self.heartbeat = create_looping_call(self._heartbeat)
        self.heartbeat.start(max(1, self.queue.lease_seconds / 4), now=False)
        # The engine looks for work only every 5 s once idle; other workers fill the queue sooner.
        self.poll = create_looping_call(self._poll)
        self.poll.start(0.5, now=False)

    def close(self, reason):
        for loop in (getattr(self, "heartbeat", None), getattr(self, "poll", None)):
            if loop is not None and loop.running:
                loop.stop()
        return super().close(reason)

    def _poll(self):
        if len(self.queue):
            compat.wake_engine(self.crawler.engine)

    def _heartbeat(self):
        self.queue.renew(list(self.mine.values()))
        requeued = self.queue.requeue_expired()
        if requeued:
            self.stats.inc_value("frontier/leases_requeued", requeued)
            logger.info("Put %d expired leases back in the queue", requeued)

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.mine[id(request)] = request.meta["lease"]
        return request

    def request_done(self, request):
        lease = self.mine.pop(id(request), None)
        if lease is not None:
            self.queue.release(lease)

    def has_pending_requests(self):
        return len(self.queue) > 0

    def spider_idle(self, spider):
        # Other workers' requests may still add to the frontier, and a dead worker's leases expire
        # back into it: only stop when both are empty.
        if len(self.queue) or self.queue.leased():
            raise DontCloseSpider
