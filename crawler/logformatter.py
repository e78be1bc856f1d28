"""Scrapy's log messages about records, one line each: the record's URL, never the whole record.

Scrapy prints every dropped record in full at WARNING (a duplicate page's body, per page, in cron's
mail) and every scraped one in full at DEBUG. Records are in records.jsonl; the log says which page.

The two DEBUG lines of every page ("Crawled", "Record written") are not even built when their logger
drops DEBUG (see crawler.commands.runner.loggers_skip_unhandled_levels): a page's arguments, its
referer and the record's URL cost more than the line is worth when nobody writes it.
"""

from __future__ import annotations

import logging

from scrapy import logformatter

# The loggers Scrapy writes these lines to (its engine and its scraper).
ENGINE_LOGGER = logging.getLogger("scrapy.core.engine")
SCRAPER_LOGGER = logging.getLogger("scrapy.core.scraper")


def _url(item) -> str:
    try:
        return str(item.get("url") or "?")
    except AttributeError:
        return "?"


class LogFormatter(logformatter.LogFormatter):
    def crawled(self, request, response, spider):
        if not ENGINE_LOGGER.isEnabledFor(logging.DEBUG):
            return None  # Scrapy logs nothing for None
        return super().crawled(request, response, spider)

    def dropped(self, item, exception, response, spider):
        level = getattr(exception, "log_level", None) or spider.crawler.settings["DEFAULT_DROPITEM_LOG_LEVEL"]
        return {
            "level": getattr(logging, level) if isinstance(level, str) else level,
            "msg": "Dropped the record of %(url)s: %(exception)s",
            "args": {"url": _url(item), "exception": exception},
        }

    def scraped(self, item, response, spider):
        if not SCRAPER_LOGGER.isEnabledFor(logging.DEBUG):
            return None
        return {"level": logging.DEBUG, "msg": "Record of %(url)s written", "args": {"url": _url(item)}}

    def item_error(self, item, exception, response, spider):
        return {"level": logging.ERROR, "msg": "Error processing the record of %(url)s", "args": {"url": _url(item)}}
