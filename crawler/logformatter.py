"""Scrapy's log messages about records, one line each: the record's URL, never the whole record.

Scrapy prints every dropped record in full at WARNING (a duplicate page's body, per page, in cron's
mail) and every scraped one in full at DEBUG. Records are in records.jsonl; the log says which page.
"""

from __future__ import annotations

import logging

from scrapy import logformatter


def _url(item) -> str:
    try:
        return str(item.get("url") or "?")
    except AttributeError:
        return "?"


class LogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider):
        level = getattr(exception, "log_level", None) or spider.crawler.settings["DEFAULT_DROPITEM_LOG_LEVEL"]
        return {
            "level": getattr(logging, level) if isinstance(level, str) else level,
            "msg": "Dropped the record of %(url)s: %(exception)s",
            "args": {"url": _url(item), "exception": exception},
        }

    def scraped(self, item, response, spider):
        return {"level": logging.DEBUG, "msg": "Record of %(url)s written", "args": {"url": _url(item)}}

    def item_error(self, item, exception, response, spider):
        return {"level": logging.ERROR, "msg": "Error processing the record of %(url)s", "args": {"url": _url(item)}}
