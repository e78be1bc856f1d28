"""One crawl on many workers: scrapy-redis's scheduler and duplicate filter, with the gaps closed.

Stock scrapy-redis 0.9.1 on current Scrapy loses what a killed worker had in flight (popped
requests are already marked seen), ignores the project's request fingerprinter, lets idle workers
quit while others still expand the frontier, and serves one queue for all hosts. Here:

- a queue per host, and hosts take turns as their politeness allows (crawler.jobs.hosts; the same
  policy as the SQLite frontier): a pop takes the best request of the host due longest ago that has
  a free slot fleet-wide and here, and makes the host due again one delay later;
- a popped request is *leased* under a token of its own (a Redis sorted set scored by expiry)
  instead of deleted; a thread renews the worker's leases while the worker lives
  (crawler.jobs.leases), and each is released on `request_done`; leases of a worker that died
  expire and go back to their host's queue, picked up by any worker. A lease that ran out is never
  sent again by the worker that had it (the politeness middleware checks it before the request goes);
- the duplicate filter fingerprints with the crawler's REQUEST_FINGERPRINTER_CLASS;
- a worker stays open while the queue or anyone's leases are non-empty;
- requests are JSON (crawler.scheduler.serialize), never pickles: an entry that does not parse is
  refused, moved to ...:requests:rejected and reported.
Keys (frontier_keys): crawler:<job>:requests:q:<host> (a host's queue), ...:requests:hosts (hosts
by due time), ...:requests:queued (count), ...:requests:leases, ...:requests:leased (token -> host,
score, request), ...:requests:rejected, crawler:<job>:dupefilter; the hosts' politeness is under
crawler:<job>:host:<host> (crawler.jobs.politeness).
"""

from __future__ import annotations

import logging
import os
import socket
import time

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from crawler import compat
from crawler.downloadermiddlewares.politeness import forget_slot, in_transfer
from crawler.extensions.politeness import politeness
from crawler.jobs.leases import lease_tokens
from crawler.jobs.politeness import LUA_HELPERS, Rules
from crawler.signals import request_done
from crawler.web.urls import netloc_key

from . import serialize
from .fingerprint import CanonicalRequestFingerprinter
from .wake import EngineWake

logger = logging.getLogger(__name__)

# Seconds before asking again when the due hosts are all busy (their slots free when responses arrive).
BUSY_RETRY = 0.05
# Due hosts a pop looks at before giving up for now (hosts with every slot taken are passed over).
MAX_PASSED_OVER = 512

# queue_request(queue prefix, politeness prefix, host, score, data, delay rule...): a request into its
# host's queue; a host that had none queued is due when its delay since its last request has passed
# (0 if it never had one: a new host goes first).
_QUEUE_LUA = (
    LUA_HELPERS
    + """
local function queue_request(hosts, queued, qprefix, pprefix, host, score, data, base, max_crawl, start)
  if redis.call('ZADD', qprefix .. ':q:' .. host, score, data) == 1 then redis.call('INCR', queued) end
  if not redis.call('ZSCORE', hosts, host) then
    local due = host_state(pprefix .. ':host:' .. host, base, max_crawl, start, 1)
    redis.call('ZADD', hosts, due, host)
  end
end
"""
)
# KEYS: hosts, queued. ARGV: queue prefix, politeness prefix, host, score, data, delay, max crawl delay, start delay.
_PUSH = (
    _QUEUE_LUA
    + """
queue_request(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5],
  tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]))
return 0
"""
)
# KEYS: hosts, queued, leases, leased. ARGV: queue prefix, politeness prefix, lease seconds, token,
# delay, max crawl delay, start delay, concurrency, then the hosts this worker cannot take now.
# Returns {'ok', request, host}, {'wait', seconds} or {'empty'}.
_POP = (
    LUA_HELPERS
    + """
local now = clock()
local base, max_crawl, start = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local busy = {}
for i = 9, #ARGV do busy[ARGV[i]] = true end
local offset, passed = 0, 0
while passed < """
    + str(MAX_PASSED_OVER)
    + """ do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', offset, 32)
  if #due == 0 then break end
  for _, host in ipairs(due) do
    local hkey = ARGV[2] .. ':host:' .. host
    local at, limit, delay = host_state(hkey, base, max_crawl, start, tonumber(ARGV[8]))
    local full = busy[host]
    if not full and at > now then
      full = true  -- its last request ended later than its turn was reckoned: due later
      redis.call('ZADD', KEYS[1], at, host)
    elseif not full then
      redis.call('ZREMRANGEBYSCORE', hkey .. ':slots', '-inf', now)
      full = redis.call('ZCARD', hkey .. ':slots') >= limit
    end
    local q = ARGV[1] .. ':q:' .. host
    local item = nil
    if not full then item = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES') end
    if full then
      passed = passed + 1
    elseif #item == 0 then
      redis.call('ZREM', KEYS[1], host)
    else
      redis.call('ZREM', q, item[1])
      redis.call('DECR', KEYS[2])
      redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[4])
      redis.call('HSET', KEYS[4], ARGV[4], host .. '\\n' .. item[2] .. '\\n' .. item[1])
      if redis.call('ZCARD', q) > 0 then
        redis.call('ZADD', KEYS[1], now + delay, host)
      else
        redis.call('ZREM', KEYS[1], host)
      end
      return {'ok', item[1], host}
    end
  end
  offset = offset + #due
end
local later = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. fmt(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local wait = nil
if #later > 0 then wait = tonumber(later[2]) - now end
if passed > 0 and (wait == nil or wait > """
    + str(BUSY_RETRY)
    + """) then wait = """
    + str(BUSY_RETRY)
    + """ end
if wait == nil then return {'empty'} end
return {'wait', fmt(wait)}
"""
)
# KEYS: hosts, queued, leases, leased. ARGV: queue prefix, politeness prefix, delay, max crawl delay, start delay.
# Expired leases go back to their host's queue with their original score.
_REQUEUE = (
    _QUEUE_LUA
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', fmt(clock()))
for _, token in ipairs(expired) do
  local info = redis.call('HGET', KEYS[4], token)
  redis.call('ZREM', KEYS[3], token)
  redis.call('HDEL', KEYS[4], token)
  if info then
    local a = string.find(info, '\\n', 1, true)
    local b = string.find(info, '\\n', a + 1, true)
    queue_request(KEYS[1], KEYS[2], ARGV[1], ARGV[2], string.sub(info, 1, a - 1), string.sub(info, a + 1, b - 1),
      string.sub(info, b + 1), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
  end
end
return #expired
"""
)
# Extend leases that still exist (XX: a lease that already expired and was requeued stays requeued).
_RENEW = (
    LUA_HELPERS
    + """
local now = clock()
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
return 0
"""
)


def configure(settings) -> None:
    """Switch the crawl to the Redis frontier of FRONTIER_URL; call while settings are open."""
    keys = frontier_keys(settings.get("JOB_NAME") or "crawl")
    priority = "spider"
    settings.set("SCHEDULER", f"{__name__}.RedisScheduler", priority=priority)
    settings.set("REDIS_URL", settings.get("FRONTIER_URL"), priority=priority)
    settings.set("SCHEDULER_QUEUE_CLASS", f"{__name__}.HostQueues", priority=priority)
    settings.set("SCHEDULER_QUEUE_KEY", keys["queue"], priority=priority)
    settings.set("SCHEDULER_DUPEFILTER_KEY", keys["dupefilter"], priority=priority)
    settings.set("DUPEFILTER_CLASS", f"{__name__}.RedisDupeFilter", priority=priority)
    if not settings.get("WORKER_ID"):
        # No two processes ever write one file: output names carry the worker.
        settings.set("WORKER_ID", f"{socket.gethostname()}-{os.getpid()}", priority=priority)


def frontier_keys(job: str) -> dict[str, str]:
    queue = f"crawler:{job}:requests"
    return {
        "queue": queue,  # the prefix of a host's queue (queue:q:HOST); alone, the queue of older versions
        "hosts": f"{queue}:hosts",
        "queued": f"{queue}:queued",
        "leases": f"{queue}:leases",
        "leased": f"{queue}:leased",
        "rejected": f"{queue}:rejected",
        "dupefilter": f"crawler:{job}:dupefilter",
        "politeness": f"crawler:{job}",
        "scores": f"{queue}:scores",  # older versions' leases
    }


def push_seeds(server, job: str, seeds: list[tuple[str, int]], rules: Rules | None = None) -> int:
    """Queue (url, priority) seeds through the shared duplicate filter, as a worker's start() would."""
    keys = frontier_keys(job)
    fingerprinter = CanonicalRequestFingerprinter()
    push = server.register_script(_PUSH)
    rules = rules or Rules()
    pushed = 0
    for url, priority in seeds:
        request = Request(url, priority=priority)
        if server.sadd(keys["dupefilter"], fingerprinter.fingerprint(request).hex()):
            _push(push, keys, rules, netloc_key(url), -priority, serialize.dumps(request.to_dict()))
            pushed += 1
    return pushed


def _push(script, keys: dict, rules: Rules, host: str, score: float, data: bytes, client=None) -> None:
    start = -1.0 if rules.start_delay is None else rules.start_delay
    script(
        keys=[keys["hosts"], keys["queued"]],
        args=[keys["queue"], keys["politeness"], host, score, data, rules.delay, rules.max_crawl_delay, start],
        client=client,
    )


def frontier_status(server, job: str) -> dict[str, int]:
    keys = frontier_keys(job)
    return {
        "queued": int(server.get(keys["queued"]) or 0),
        "in_flight": server.zcard(keys["leases"]),
        "seen": server.scard(keys["dupefilter"]),
        "hosts": server.zcard(keys["hosts"]),
    }


def reset_frontier(server, job: str) -> None:
    """Forget the queues, leases, seen set, hosts' politeness and page counts (a new crawl of the job);
    history (captures, digests) stays."""
    keys = frontier_keys(job)
    fixed = [keys[k] for k in ("queue", "hosts", "queued", "leases", "leased", "rejected", "dupefilter", "scores")]
    server.delete(*fixed, f"crawler:{job}:pages")
    for pattern in (f"{keys['queue']}:q:*", f"{keys['politeness']}:host:*"):
        for key in server.scan_iter(match=pattern, count=1000):
            server.delete(key)


def migrate_frontier(server, job: str, rules: Rules) -> tuple[int, int]:
    """Move a frontier queued by an older version (one queue for all hosts, leases named by their request)
    into the hosts' queues; its leases go back to the queue. Returns (requests moved, entries refused:
    not a request this crawler wrote, kept in ...:requests:rejected)."""
    keys = frontier_keys(job)
    if server.type(keys["queue"]) != b"zset" and not server.exists(keys["scores"]):
        return 0, 0
    entries = server.zrange(keys["queue"], 0, -1, withscores=True)
    scores = server.hgetall(keys["scores"])
    entries += [(data, float(scores.get(data, 0))) for data in server.zrange(keys["leases"], 0, -1) if data in scores]
    push = server.register_script(_PUSH)
    pipe = server.pipeline()
    refused = 0
    for data, score in entries:
        try:
            host = netloc_key(serialize.loads(data)["url"])
        except serialize.BadRequestData:
            pipe.rpush(keys["rejected"], data)
            refused += 1
            continue
        _push(push, keys, rules, host, score, data, client=pipe)
    pipe.delete(keys["queue"], keys["scores"])
    if scores:
        pipe.delete(keys["leases"])
    pipe.execute()
    return len(entries) - refused, refused


class HostQueues(Base):
    """The frontier's queues, one per host, served in turns; popping leases a request instead of deleting it."""

    lease_seconds = 120.0

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer or serialize)
        job_keys = frontier_keys(self.key.removesuffix(":requests").removeprefix("crawler:"))
        self.keys = {**job_keys, "queue": self.key}
        self.rules = Rules()  # the job's politeness rules (RedisScheduler sets them)
        self.tokens = lease_tokens(str(os.getpid()))
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._requeue = server.register_script(_REQUEUE)
        self._renew = server.register_script(_RENEW)

    def _rule_args(self) -> list:
        rules = self.rules
        return [rules.delay, rules.max_crawl_delay, -1.0 if rules.start_delay is None else rules.start_delay]

    def __len__(self):
        return int(self.server.get(self.keys["queued"]) or 0)

    def push(self, request):
        request.meta.pop("lease", None)  # a redirect or retry copies its parent's meta
        forget_slot(request.meta)
        data = self._encode_request(request)
        _push(self._push, self.keys, self.rules, netloc_key(request.url), -request.priority, data)

    def _decode_request(self, encoded_request):
        return serialize.request_from_data(encoded_request, self.spider)

    def pop(self, busy=()) -> Request | float | None:
        """The next request (meta["lease"]: its lease token), or seconds until a host is due, or None (empty).

        busy: hosts this worker holds as many requests of as a host may have in flight.
        """
        keys = [self.keys["hosts"], self.keys["queued"], self.keys["leases"], self.keys["leased"]]
        while True:
            token = next(self.tokens)
            args = [self.key, self.keys["politeness"], self.lease_seconds, token, *self._rule_args()]
            answer = self._pop(keys=keys, args=[*args, self.rules.concurrency, *busy])
            kind = answer[0].decode()
            if kind == "empty":
                return None
            if kind == "wait":
                return float(answer[1])
            data = answer[1]
            try:
                request = self._decode_request(data)
            except serialize.BadRequestData as exc:
                # Never loaded as anything but data; kept aside for inspection, out of every worker's way.
                self.server.rpush(self.keys["rejected"], data)
                self.release(token)
                logger.error(
                    "Refused a frontier entry in Redis (%s): not a request this crawler wrote; moved to %s",
                    exc,
                    self.keys["rejected"],
                )
                if getattr(self.spider, "crawler", None) is not None:
                    self.spider.crawler.stats.inc_value("frontier/rejected_rows")
                continue
            request.meta["lease"] = token
            return request

    def release(self, token: str) -> bool:
        """False if the lease had run out (and the request gone back to the queue)."""
        pipe = self.server.pipeline()
        pipe.zrem(self.keys["leases"], token).hdel(self.keys["leased"], token)
        removed, _ = pipe.execute()
        return bool(removed)

    def renew(self, tokens: list[str]) -> None:
        if tokens:
            self._renew(keys=[self.keys["leases"]], args=[self.lease_seconds, *tokens])

    def requeue_expired(self) -> int:
        keys = [self.keys["hosts"], self.keys["queued"], self.keys["leases"], self.keys["leased"]]
        return int(self._requeue(keys=keys, args=[self.key, self.keys["politeness"], *self._rule_args()]) or 0)

    def leased(self) -> int:
        return self.server.zcard(self.keys["leases"])

    def clear(self):
        reset_frontier(self.server, self.keys["politeness"].removeprefix("crawler:"))


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
    """scrapy-redis's scheduler with host queues and leases; SCHEDULER when FRONTIER_URL is set (see configure)."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.persist = True  # the frontier outlives any one worker
        scheduler.politeness = politeness(crawler)
        HostQueues.lease_seconds = crawler.settings.getfloat("FRONTIER_LEASE_SECONDS", 120)
        scheduler.mine: dict[int, str] = {}  # id(request) -> lease token, for requests this worker holds
        scheduler.wake = EngineWake()  # when the next host is due
        crawler.signals.connect(scheduler.request_done, signal=request_done)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider):
        # scrapy-redis's open(), less its deprecated Spider.log() call
        self.spider = spider
        self.queue = HostQueues(self.server, spider, self.queue_key % {"spider": spider.name}, self.serializer)
        if self.df is None:
            self.df = RedisDupeFilter.from_spider(spider)
        self.queue.rules = self.politeness.rules
        self.queue.tokens = lease_tokens(self.crawler.settings.get("WORKER_ID"))
        moved, refused = migrate_frontier(
            self.server, self.queue.keys["politeness"].removeprefix("crawler:"), self.queue.rules
        )
        if moved:
            logger.info("Moved %d requests of a frontier queued by an older version into the hosts' queues", moved)
        if refused:
            self.stats.inc_value("frontier/rejected_rows", refused)
            logger.error(
                "Refused %d frontier entries in Redis: not requests this crawler wrote; moved to %s",
                refused,
                self.queue.keys["rejected"],
            )
        if len(self.queue):
            logger.info("Resuming the crawl: %d requests queued", len(self.queue))
        requeued = self.queue.requeue_expired()
        if requeued:
            logger.info("Put %d expired leases (requests of a stopped worker) back in the queue", requeued)
        keeper = self.politeness.keeper
        if keeper is not None:  # renews from a thread; the loop's own heartbeat only requeues others' leases
            keeper.add(self._renew_leases)
        self.heartbeat = create_looping_call(self._heartbeat)
        self.heartbeat.start(max(0.5, self.queue.lease_seconds / 4), now=False)
        # The engine looks for work only every 5 s once idle; other workers fill the queue sooner.
        self.poll = create_looping_call(self._poll)
        self.poll.start(0.5, now=False)

    def close(self, reason):
        for loop in (getattr(self, "heartbeat", None), getattr(self, "poll", None)):
            if loop is not None and loop.running:
                loop.stop()
        self.wake.cancel()
        return super().close(reason)

    def _poll(self):
        # Work other workers queued, and the moment the last lease is released (the engine then sees
        # the frontier drained and closes, instead of at its next 5 s heartbeat).
        compat.wake_engine(self.crawler.engine)

    def _renew_leases(self) -> None:
        self.queue.renew(list(self.mine.values()))

    def _heartbeat(self):
        requeued = self.queue.requeue_expired()
        if requeued:
            self.stats.inc_value("frontier/leases_requeued", requeued)
            logger.info("Put %d expired leases back in the queue", requeued)

    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.queue.push(request)
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        limit = self.politeness.rules.concurrency
        held = in_transfer(self.crawler.engine.downloader.active)
        answer = self.queue.pop(busy=[host for host, count in held.items() if count >= limit])
        if isinstance(answer, float):
            self._wake_in(answer)
            return None
        if answer is not None:
            self.mine[id(answer)] = answer.meta["lease"]
            self.stats.inc_value("scheduler/dequeued/redis")
        return answer

    def _wake_in(self, seconds: float) -> None:
        self.wake.after(seconds, self.crawler.engine, time.monotonic())

    def request_done(self, request):
        token = self.mine.pop(id(request), None)
        if token is not None and not self.queue.release(token):
            # Its lease ran out while this worker had it (the worker was stuck for longer than the lease).
            self.stats.inc_value("frontier/leases_lost")
            logger.warning("The frontier lease of %s had run out; another worker may fetch it again", request.url)

    def has_pending_requests(self):
        return len(self.queue) > 0

    def spider_idle(self, spider):
        # Other workers' requests may still add to the frontier, and a dead worker's leases expire
        # back into it: only stop when both are empty.
        if len(self.queue) or self.queue.leased():
            raise DontCloseSpider
