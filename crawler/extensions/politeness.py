"""The crawl's per-host politeness, opened once and shared by the components that need it."""

from __future__ import annotations

import threading
import weakref

import redis
from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from crawler.jobs.leases import LeaseKeeper
from crawler.jobs.politeness import LocalPoliteness, RedisPoliteness, Rules


def rules_from(settings) -> Rules:
    autothrottle = settings.getbool("AUTOTHROTTLE_ENABLED")
    delay = settings.getfloat("DOWNLOAD_DELAY")
    return Rules(
        delay=delay,
        concurrency=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
        max_crawl_delay=settings.getfloat("CRAWL_DELAY_MAX", 60.0),
        # As AutoThrottle starts a slot: never below DOWNLOAD_DELAY.
        start_delay=max(delay, settings.getfloat("AUTOTHROTTLE_START_DELAY")) if autothrottle else None,
        lease=settings.getfloat("FRONTIER_LEASE_SECONDS", 120.0),
    )


def key_prefix(settings) -> str:
    return f"crawler:{settings.get('JOB_NAME') or 'crawl'}"


class HostPoliteness:
    """Holds the crawl's LocalPoliteness (or RedisPoliteness with a Redis frontier) from start to engine stop.

    Components find it with `politeness(crawler)`: the politeness middleware asks it before every
    request and releases the host's slot after; the schedulers ask when a host is due; AutoThrottle
    and the robots.txt Crawl-delay set a host's delays in it. With Redis, a thread renews the slots
    this worker holds (and, through `keeper`, the frontier's leases), see crawler.jobs.leases.
    """

    def __init__(self, store: LocalPoliteness | RedisPoliteness, keeper: LeaseKeeper | None = None):
        self.store = store
        self.rules = store.rules
        self.keeper = keeper
        self.held: dict[str, str] = {}  # token -> host of the slots this worker holds
        self._lock = threading.Lock()  # held is read by the keeper's thread
        self._tick = None
        if keeper is not None:
            keeper.add(self._renew_slots)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        rules = rules_from(settings)
        url = settings.get("FRONTIER_URL")
        if not url:
            return cls(LocalPoliteness(rules))
        prefix = key_prefix(settings)
        store = RedisPoliteness(redis.Redis.from_url(url), prefix, rules, leases_key=f"{prefix}:requests:leases")
        extension = cls(store, LeaseKeeper(interval=max(0.2, rules.lease / 4), hang=max(rules.lease, 60.0)))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def hold(self, token: str, host: str) -> None:
        with self._lock:
            self.held[token] = host

    def drop(self, token: str) -> str | None:
        with self._lock:
            return self.held.pop(token, None)

    def _renew_slots(self) -> None:
        with self._lock:
            slots = [(host, token) for token, host in self.held.items()]
        self.store.renew(slots)

    def spider_opened(self, spider):
        # The event loop shows it still turns; the keeper stops renewing when it does not.
        self._tick = create_looping_call(self.keeper.tick)
        self._tick.start(1.0)
        self.keeper.start()

    def engine_stopped(self):
        if self._tick is not None and self._tick.running:
            self._tick.stop()
        if self.keeper is not None:
            self.keeper.stop()
        self.store.close()


_UNLISTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # crawler -> HostPoliteness


def politeness(crawler) -> HostPoliteness:
    """The crawl's politeness: the extension's, or one made alike for a crawl whose EXTENSIONS leave it out."""
    extension = crawler.get_extension(HostPoliteness)
    if extension is None:
        extension = _UNLISTED.get(crawler)
        if extension is None:
            extension = _UNLISTED[crawler] = HostPoliteness.from_crawler(crawler)
    return extension
