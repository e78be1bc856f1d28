"""Scrapy's in-memory stats collector, without the hook it runs on every attribute access.

Scrapy 2.19's StatsCollector.__getattribute__ wraps its methods to warn about a deprecated `spider`
argument, and runs on every read of every attribute, `self._stats` inside inc_value() included: a
Python call and a caught AttributeError each time, about 2% of a crawl process's CPU (py-spy, the
link-heavy bench site). Nothing here passes `spider`; the methods take it and ignore it, as Scrapy's do.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class StatsCollector(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__
