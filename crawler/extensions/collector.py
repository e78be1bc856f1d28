"""The garbage collector during a crawl: what is there at start-up frozen, young objects collected less often.

A crawl allocates many short-lived objects per page (requests, responses, headers, Deferreds), and
CPython's collector, at its default 700 allocations per young collection, spent about a tenth of the
crawl process's CPU walking them and, in full collections, every module, class and function loaded at
start-up (docs/benchmarks.md). Reference counting frees almost all of them anyway; the collector is
only for cycles, which a higher threshold still finds, later.
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.exceptions import NotConfigured


class GarbageCollectorTuning:
    """On engine start: collect, freeze what survives (never scanned again) and raise the young
    generation's threshold to gen0_threshold; on engine stop: unfreeze and restore the thresholds."""

    def __init__(self, gen0_threshold: int, stats):
        self.gen0_threshold = gen0_threshold
        self.stats = stats
        self.previous: tuple[int, ...] | None = None  # the thresholds to restore
        self.collections_before = 0

    @classmethod
    def from_crawler(cls, crawler):
        threshold = crawler.settings.getint("GC_GEN0_THRESHOLD", 50_000)
        if threshold <= 0:
            raise NotConfigured
        extension = cls(threshold, crawler.stats)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self):
        self.previous = gc.get_threshold()
        gc.collect()
        self.collections_before = _collections()
        gc.freeze()
        self.stats.set_value("gc/frozen_objects", gc.get_freeze_count())
        gc.set_threshold(self.gen0_threshold, *self.previous[1:])

    def engine_stopped(self):
        if self.previous is None:
            return
        gc.set_threshold(*self.previous)
        gc.unfreeze()
        self.previous = None
        self.stats.set_value("gc/collections", _collections() - self.collections_before)


def _collections() -> int:
    """Collections of every generation so far in this process."""
    return sum(generation["collections"] for generation in gc.get_stats())
