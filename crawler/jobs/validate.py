"""Settings checked before a crawl starts: raw values against the defaults' types, numeric limits against their ranges.

A job file's own keys are checked by config.SCHEMA; these checks cover what reaches the crawl
without that schema: `[settings]` values, `-s NAME=VALUE` overrides, and the final value of every
limit whichever way it was set. Each failure is a JobConfigError naming the setting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import JobConfigError

_TRUE_FALSE = {"true", "false", "1", "0"}


def _kind(default) -> str | None:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, (int, float)):
        return "number"
    if isinstance(default, str):
        return "text"
    if isinstance(default, (list, tuple)):
        return "list"
    if isinstance(default, dict):
        return "table"
    return None  # None or an object: nothing to compare with


def type_error(value, default) -> str | None:
    """Why value cannot stand where Scrapy expects something like default, or None.

    Strings (from -s) are accepted where Scrapy's getters convert them: "1.5" for a number, "true"
    for a flag, "a,b" for a list, a JSON object for a table.
    """
    kind = _kind(default)
    if kind is None:
        return None
    if kind == "bool":
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return None
        if isinstance(value, str) and value.strip().lower() in _TRUE_FALSE:
            return None
        return f"expected true or false, got {value!r}"
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        if isinstance(value, str):
            try:
                float(value)
                return None
            except ValueError:
                pass
        return f"expected a number, got {value!r}"
    if kind == "text":
        return None if isinstance(value, str) else f"expected a string, got {value!r}"
    if kind == "list":
        return None if isinstance(value, (list, tuple, str)) else f"expected a list, got {value!r}"
    if isinstance(value, dict):
        return None
    if isinstance(value, str):
        try:
            if isinstance(json.loads(value), dict):
                return None
        except ValueError:
            pass
    return f"expected a table (or a JSON object), got {value!r}"


def check_types(values: Mapping[str, Any], defaults: Mapping[str, Any], where: str) -> None:
    """Raise JobConfigError for the first of values whose type cannot replace its default."""
    for name, value in values.items():
        if name in defaults and (error := type_error(value, defaults[name])):
            raise JobConfigError(f"{where}{name}: {error}")


@dataclass(frozen=True)
class Limit:
    minimum: float  # the smallest allowed value
    why: str = ""  # why smaller values (usually 0) are refused
    maximum: float | None = None


# Every numeric limit a crawl reads, with its range. Where 0 is allowed, docs/limits.md says what it means.
LIMITS: dict[str, Limit] = {
    "DOWNLOAD_MAXSIZE": Limit(1, "0 would mean no size limit at all, gzip bombs included"),
    "DOWNLOAD_WARNSIZE": Limit(0),
    "DOWNLOAD_TIMEOUT": Limit(0.001, "0 would mean no timeout"),
    "DOWNLOAD_DELAY": Limit(0),
    "DOWNLOAD_HEADERS_MAXSIZE": Limit(1, "every response needs a head"),
    "DOWNLOAD_HEADERS_MAXCOUNT": Limit(1, "every response needs a head"),
    "CONCURRENT_REQUESTS": Limit(1, "0 would let nothing through and the crawl would wait forever"),
    "CONCURRENT_REQUESTS_PER_DOMAIN": Limit(1, "0 would let nothing through and the crawl would wait forever"),
    "CONCURRENT_ITEMS": Limit(1, "0 would let no record through"),
    "RETRY_TIMES": Limit(0),
    "REDIRECT_MAX_TIMES": Limit(0),
    "DEPTH_LIMIT": Limit(0),
    "LIMIT_PAGES": Limit(0),
    "LIMIT_PAGES_PER_HOST": Limit(0),
    "LIMIT_RECORDS": Limit(0),
    "CLOSESPIDER_TIMEOUT": Limit(0),
    "CLOSESPIDER_PAGECOUNT": Limit(0),
    "CLOSESPIDER_ITEMCOUNT": Limit(0),
    "CLOSESPIDER_ERRORCOUNT": Limit(0),
    "AUTOTHROTTLE_START_DELAY": Limit(0),
    "AUTOTHROTTLE_MAX_DELAY": Limit(0),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": Limit(0.01, "0 would stall every host"),
    "CRAWL_DELAY_MAX": Limit(0),
    "ERROR_THRESHOLD": Limit(0, maximum=1),
    "WARC_MAX_SIZE": Limit(1, "0 would start a new file for every record"),
    "WARC_DEDUP_MIN_SIZE": Limit(0),
    "FRONTIER_LEASE_SECONDS": Limit(1, "a lease of 0 s would hand every request to every worker"),
    "OUTPUT_MIN_FREE_SPACE": Limit(0),
    "DISK_CHECK_INTERVAL": Limit(0.1, "the free-space check needs an interval"),
    "CHECKPOINT_INTERVAL": Limit(0.1, "checkpoints need an interval"),
    "ANALYSIS_TIMEOUT": Limit(0.1, "0 would let one page stall the crawl"),
    "ANALYSIS_MAXSIZE": Limit(1, "give the part of a page to analyse"),
    "SITEMAP_MAX_URLS": Limit(1, "0 would mean no limit"),
    "SITEMAP_MAX_FILES": Limit(1, "0 would mean no limit"),
    "TRAP_MAX_BARREN_CHAIN": Limit(1, "0 would follow no link between listing pages of one shape"),
    "TRAP_YEARS_AHEAD": Limit(0),
    "ROBOTSTXT_RETRY_AFTER": Limit(1, "robots.txt would be fetched for every request"),
    "ROBOTSTXT_MAX_REDIRECTS": Limit(0, maximum=20),
}


def check_limits(get: Callable[[str], Any], where: Callable[[str], str] = lambda name: "") -> None:
    """Raise JobConfigError for the first limit (by get(NAME)) outside its range.

    where(NAME) names the setting as the user wrote it (a job-file key, -s NAME, [settings] NAME).
    """
    for name, limit in LIMITS.items():
        value = get(name)
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise JobConfigError(f"{where(name)}{name}: expected a number, got {value!r}") from None
        if number < limit.minimum:
            shown = "0" if number == 0 else repr(value)
            reason = f" ({limit.why})" if limit.why and number == 0 else ""
            floor = "more than 0" if limit.minimum > 0 and limit.minimum <= 1 else f"at least {limit.minimum:g}"
            raise JobConfigError(f"{where(name)}{name} = {shown}: must be {floor}{reason}")
        if limit.maximum is not None and number > limit.maximum:
            raise JobConfigError(f"{where(name)}{name} = {value!r}: must be at most {limit.maximum:g}")
    budgets = get("LIMIT_PAGES_PER_PATTERN")
    if budgets:
        if isinstance(budgets, str):
            try:
                budgets = json.loads(budgets)
            except ValueError:
                budgets = None
        if not isinstance(budgets, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in budgets.values()
        ):
            raise JobConfigError(
                f"{where('LIMIT_PAGES_PER_PATTERN')}LIMIT_PAGES_PER_PATTERN: expected a table of regex = pages (at least 1)"
            )
