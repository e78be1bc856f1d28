"""Per-host politeness: when a host may get its next request, shared by every worker of a job.

Two kinds of delay, as their sources mean them:
- a delay the host or the job asks for, its robots.txt Crawl-delay (capped at CRAWL_DELAY_MAX) and
  DOWNLOAD_DELAY: the host gets one request at a time, and the next one starts at least that long
  after the previous one *ended* (as Heritrix and Yandex read Crawl-delay). So the host never sees two
  requests closer than that, whatever a connection's set-up, a busy worker or the network adds;
- the delay AutoThrottle learns from the host's response times (a speed, not a promise): at least
  that long between the *starts* of two requests, with up to `concurrency` in flight, as in Scrapy.
Whichever worker sends them. Each request in flight holds one of the host's slots with a lease, so a
slot of a worker that died frees itself when its lease runs out.

LocalPoliteness keeps this in memory for a crawl of one process. RedisPoliteness keeps it in Redis
for a fleet: every change is a Lua script (atomic) on Redis's clock (the workers' clocks may differ),
and the Redis frontier's scripts read the same keys to pass over hosts that are not due yet.
RedisPoliteness also shares each host's robots.txt: one worker fetches it, the others read it from
Redis, so a host sees one robots.txt request per fleet and its Crawl-delay is known before any
worker's second request.
Keys (host_keys): crawler:<job>:host:<host> (hash: last start, last end, crawl, learnt), ...:slots
(sorted set), ...:robots (hash: the outcome of its robots.txt fetch), ...:robots-claim (the worker
fetching it).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

import redis

# Seconds to wait before asking again for a host whose slots are all taken: a slot frees when a
# response arrives, which no one announces across workers.
FULL_RETRY = 0.05
# A robots.txt shared by a fleet is fetched again after a day (RFC 9309 2.4); the part kept is what a
# parser must read at least (500 KiB).
ROBOTS_KEPT_SECONDS = 86400
ROBOTS_MAX_SIZE = 512 * 1024


@dataclass(frozen=True)
class Rules:
    """The job's politeness settings, the same on every worker."""

    delay: float = 0.0  # DOWNLOAD_DELAY: the least delay for every host
    concurrency: int = 4  # CONCURRENT_REQUESTS_PER_DOMAIN: requests in flight to one host
    max_crawl_delay: float = 60.0  # CRAWL_DELAY_MAX: a longer robots.txt Crawl-delay is cut to this
    start_delay: float | None = None  # AutoThrottle's delay for a host it has not measured; None: AutoThrottle off
    lease: float = 120.0  # a slot not renewed for this long is free again

    def fixed_delay(self, crawl_delay: float | None) -> float:
        """From the end of a request to the start of the next: DOWNLOAD_DELAY or the Crawl-delay."""
        return self.delay if crawl_delay is None else max(self.delay, min(crawl_delay, self.max_crawl_delay))

    def learnt_delay(self, learnt: float | None) -> float:
        """From the start of a request to the start of the next: AutoThrottle's."""
        if self.start_delay is None:
            return 0.0
        return self.start_delay if learnt is None else learnt

    def delay_of(self, crawl_delay: float | None, learnt: float | None) -> float:
        """The host's delay, for people: the larger of the two."""
        return max(self.fixed_delay(crawl_delay), self.learnt_delay(learnt))

    def limit(self, crawl_delay: float | None) -> int:
        """Requests in flight to the host at once: one where a delay is asked for."""
        return 1 if self.fixed_delay(crawl_delay) > 0 else self.concurrency

    def due(self, last: float | None, end: float | None, crawl_delay: float | None, learnt: float | None) -> float:
        """When the host may get its next request (0: at once), from its last request's start and end."""
        due = 0.0
        if last is not None:
            due = last + self.learnt_delay(learnt)
        if end is not None:
            due = max(due, end + self.fixed_delay(crawl_delay))
        return due


@dataclass(frozen=True)
class Grant:
    """A request may go: it holds a slot of its host until released."""

    token: str
    spacing: float | None  # seconds since the host's previous request (None: the host's first)
    delay: float  # the host's delay when it was granted


@dataclass(frozen=True)
class Wait:
    """Not yet: ask again in `seconds`. `lost`: the request's frontier lease is gone (another worker has it)."""

    seconds: float
    lost: bool = False


@dataclass
class _Host:
    last: float | None = None  # when its last request started
    end: float | None = None  # when its last request ended (a response, or a failure)
    crawl_delay: float | None = None
    learnt: float | None = None
    slots: dict[str, float] = field(default_factory=dict)  # token -> lease expiry


class LocalPoliteness:
    """Politeness of a crawl in one process (time.monotonic)."""

    def __init__(self, rules: Rules, clock=time.monotonic):
        self.rules = rules
        self.clock = clock
        self.hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        state = self.hosts.get(host)
        if state is None:
            state = self.hosts[host] = _Host()
        return state

    def delay(self, host: str) -> float:
        state = self.hosts.get(host)
        return self.rules.delay_of(state.crawl_delay, state.learnt) if state else self.rules.delay_of(None, None)

    def due_at(self, host: str) -> float:
        """When the host may next get a request, on this object's clock (0: never asked, due at once)."""
        state = self.hosts.get(host)
        if state is None:
            return 0.0
        return self.rules.due(state.last, state.end, state.crawl_delay, state.learnt)

    def limit(self, host: str) -> int:
        state = self.hosts.get(host)
        return self.rules.limit(state.crawl_delay if state else None)

    def full(self, host: str) -> bool:
        """Whether every slot of the host is taken."""
        state = self.hosts.get(host)
        if state is None:
            return False
        now = self.clock()
        return sum(1 for expiry in state.slots.values() if expiry > now) >= self.rules.limit(state.crawl_delay)

    def acquire(self, host: str, token: str, lease: str | None = None) -> Grant | Wait:
        state = self._host(host)
        now = self.clock()
        state.slots = {t: expiry for t, expiry in state.slots.items() if expiry > now}
        due = self.rules.due(state.last, state.end, state.crawl_delay, state.learnt)
        if due > now:
            return Wait(due - now)
        if len(state.slots) >= self.rules.limit(state.crawl_delay):
            return Wait(FULL_RETRY)
        state.slots[token] = now + self.rules.lease
        spacing = None if state.last is None else now - state.last
        state.last = now
        return Grant(token, spacing, self.rules.delay_of(state.crawl_delay, state.learnt))

    def release(self, host: str, token: str) -> None:
        state = self.hosts.get(host)
        if state is not None and state.slots.pop(token, None) is not None:
            state.end = self.clock()

    def renew(self, slots: list[tuple[str, str]]) -> None:
        now = self.clock()
        for host, token in slots:
            state = self.hosts.get(host)
            if state is not None and token in state.slots:
                state.slots[token] = now + self.rules.lease

    def set_crawl_delay(self, host: str, seconds: float) -> None:
        self._host(host).crawl_delay = seconds

    def learnt_delay(self, host: str) -> float | None:
        state = self.hosts.get(host)
        return state.learnt if state else None

    def set_learnt_delay(self, host: str, seconds: float) -> None:
        self._host(host).learnt = seconds

    # One process fetches each robots.txt once anyway: nothing to share.
    def shared_robots(self, host: str) -> dict | None:
        return None

    def claim_robots(self, host: str, seconds: float) -> bool:
        return True

    def share_robots(self, host: str, outcome: dict, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


def host_keys(prefix: str, host: str) -> tuple[str, str]:
    """(state hash, slots sorted set) of a host under a job's key prefix (crawler:<job>)."""
    return f"{prefix}:host:{host}", f"{prefix}:host:{host}:slots"


# Lua: Redis's clock in seconds (float), and a host's state from its hash (the same rules as Rules).
# The Redis frontier's scripts include it too. Floats leave Lua as strings: Redis would cut numbers to integers.
LUA_HELPERS = """
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function fmt(x) return string.format('%.6f', x) end
-- A host's state under the job's rules (Rules): when it is due, how many requests it may have in
-- flight, its delay (the larger of the two), and its last request's start.
local function host_state(hkey, base, max_crawl, start, concurrency)
  local f = redis.call('HMGET', hkey, 'last', 'end', 'crawl', 'learnt')
  local last, finish, crawl = tonumber(f[1]), tonumber(f[2]), tonumber(f[3])
  local fixed = base
  if crawl then fixed = math.max(base, math.min(crawl, max_crawl)) end
  local learnt = 0
  if start >= 0 then learnt = tonumber(f[4]) or start end
  local due = 0
  if last then due = last + learnt end
  if finish then due = math.max(due, finish + fixed) end
  local limit = concurrency
  if fixed > 0 then limit = 1 end
  return due, limit, math.max(fixed, learnt), last
end
"""

# KEYS: host hash, host slots, the frontier's leases. ARGV: token, slot lease, delay, max crawl delay,
# start delay (-1: no AutoThrottle), concurrency, the request's frontier lease ('' if none).
_ACQUIRE = (
    LUA_HELPERS
    + """
local now = clock()
if ARGV[7] ~= '' and not redis.call('ZSCORE', KEYS[3], ARGV[7]) then return {'lost'} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local due, limit, delay, last = host_state(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]),
  tonumber(ARGV[6]))
if due > now then return {'wait', fmt(due - now)} end
if redis.call('ZCARD', KEYS[2]) >= limit then return {'full'} end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[1], 'last', fmt(now))
local spacing = ''
if last then spacing = fmt(now - last) end
return {'ok', spacing, fmt(delay)}
"""
)
# KEYS: host hash, host slots. ARGV: token. The request ended: its slot frees, the host's next fixed delay starts.
_RELEASE = (
    LUA_HELPERS
    + """
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], 'end', fmt(clock())) end
return 0
"""
)
# ARGV: slot lease, then host slots key and token pairs. XX: a slot that expired stays free.
_RENEW = (
    LUA_HELPERS
    + """
local now = clock()
for i = 2, #ARGV, 2 do
  redis.call('ZADD', ARGV[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
end
return 0
"""
)


class RedisPoliteness:
    """LocalPoliteness's interface in Redis, shared by every worker of a job."""

    def __init__(self, server: redis.Redis, prefix: str, rules: Rules, leases_key: str = ""):
        self.server = server
        self.prefix = prefix
        self.rules = rules
        self.leases_key = leases_key or f"{prefix}:leases"  # the frontier's leases: a lapsed one is not sent
        self._acquire = server.register_script(_ACQUIRE)
        self._release = server.register_script(_RELEASE)
        self._renew = server.register_script(_RENEW)

    def acquire(self, host: str, token: str, lease: str | None = None) -> Grant | Wait:
        rules = self.rules
        state, slots = host_keys(self.prefix, host)
        start = -1.0 if rules.start_delay is None else rules.start_delay
        answer = self._acquire(
            keys=[state, slots, self.leases_key],
            args=[token, rules.lease, rules.delay, rules.max_crawl_delay, start, rules.concurrency, lease or ""],
        )
        kind = answer[0].decode()
        if kind == "ok":
            spacing = float(answer[1]) if answer[1] else None
            return Grant(token, spacing, float(answer[2]))
        if kind == "wait":
            return Wait(float(answer[1]))
        if kind == "full":
            return Wait(FULL_RETRY)
        return Wait(0.0, lost=True)

    def release(self, host: str, token: str) -> None:
        self._release(keys=list(host_keys(self.prefix, host)), args=[token])

    def renew(self, slots: list[tuple[str, str]]) -> None:
        if slots:
            pairs = [part for host, token in slots for part in (host_keys(self.prefix, host)[1], token)]
            self._renew(args=[self.rules.lease, *pairs])

    def delay(self, host: str) -> float:
        crawl, learnt = self.server.hmget(host_keys(self.prefix, host)[0], "crawl", "learnt")
        return self.rules.delay_of(float(crawl) if crawl else None, float(learnt) if learnt else None)

    def set_crawl_delay(self, host: str, seconds: float) -> None:
        self.server.hset(host_keys(self.prefix, host)[0], "crawl", repr(float(seconds)))

    def learnt_delay(self, host: str) -> float | None:
        value = self.server.hget(host_keys(self.prefix, host)[0], "learnt")
        return float(value) if value else None

    def set_learnt_delay(self, host: str, seconds: float) -> None:
        self.server.hset(host_keys(self.prefix, host)[0], "learnt", repr(float(seconds)))

    def shared_robots(self, host: str) -> dict | None:
        """The outcome of the host's robots.txt fetch by a worker of the fleet: {"kind": "response",
        "status", "body"}, {"kind": "unavailable"} or {"kind": "unreachable", "reason"}; None if none yet."""
        fields = self.server.hgetall(host_keys(self.prefix, host)[0] + ":robots")
        if not fields:
            return None
        outcome: dict = {_text(key): _text(value) for key, value in fields.items()}
        if "status" in outcome:
            outcome["status"] = int(outcome["status"])
        if "body" in outcome:
            outcome["body"] = base64.b64decode(outcome["body"])
        return outcome

    def claim_robots(self, host: str, seconds: float) -> bool:
        """Whether this worker is the one to fetch the host's robots.txt (for `seconds`, or until shared)."""
        claim = host_keys(self.prefix, host)[0] + ":robots-claim"
        return bool(self.server.set(claim, "1", nx=True, ex=max(1, round(seconds))))

    def share_robots(self, host: str, outcome: dict, seconds: float) -> None:
        key = host_keys(self.prefix, host)[0] + ":robots"
        fields = {k: str(v) for k, v in outcome.items() if k != "body"}
        if "body" in outcome:
            fields["body"] = base64.b64encode(outcome["body"][:ROBOTS_MAX_SIZE]).decode("ascii")
        pipe = self.server.pipeline()
        pipe.delete(key)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, max(1, round(seconds)))
        pipe.delete(key + "-claim")
        pipe.execute()

    def close(self) -> None:
        pass


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
