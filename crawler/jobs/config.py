"""Job files (TOML): validated, then turned into Scrapy settings.

Every key is declared once in SCHEMA with its type and the setting it becomes, so validation,
the example job (jobs/nejatngo.toml) and mapping cannot drift apart.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .paths import check_job_name


class JobConfigError(ValueError):
    """A job file that cannot be used; the message names the file and the key."""


def _size(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*", str(value), re.I)
    if not m:
        raise ValueError("expected a size such as 50MB or 1GB")
    unit = m.group(2).lower().rstrip("b").rstrip("i")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(unit or " "))


def _duration(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*", str(value), re.I)
    if not m:
        raise ValueError("expected seconds or a duration such as 90s, 30m, 2h")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[(m.group(2) or "s").lower()]


def _nonzero(check: Callable[[Any], Any], why: str) -> Callable[[Any], Any]:
    """check, refusing 0: for limits where 0 would switch a safeguard off or stall the crawl."""

    def checked(value):
        value = check(value)
        if value == 0:
            raise ValueError(f"must be more than 0 ({why})")
        return value

    return checked


def _job_name(value) -> str:
    value = _typed(str)(value)
    check_job_name(value)
    return value


def _pattern_budgets(value) -> dict[str, int]:
    """{regex: pages}: at most that many fetches of URLs matching the regex."""
    if not isinstance(value, dict):
        raise ValueError('expected a table of regex = pages, such as { "/calendar/" = 100 }')
    for pattern, budget in value.items():
        _patterns([pattern])
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
            raise ValueError(f"{pattern!r}: expected a number of pages, at least 1 (use scope.exclude for none)")
    return dict(value)


def _date(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError("expected a date such as 2024-01-31") from None


def _typed(kind: type) -> Callable[[Any], Any]:
    def check(value):
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
        if kind in (int, float) and value < 0:
            raise ValueError("must not be negative")
        return value

    return check


def _str_list(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return value


def _url_list(value) -> list[str]:
    value = _str_list(value)
    bad = [v for v in value if not v.startswith(("http://", "https://"))]
    if bad:
        raise ValueError(f"not an http(s) URL: {bad[0]!r}")
    return value


def read_seeds(path: str | Path) -> list[str]:
    """The start URLs of a seeds file: one http(s) URL a line; blank lines and # comments skipped.

    ValueError names the line of a URL that cannot be one.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such seeds file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    urls = []
    for number, line in enumerate(text.splitlines(), 1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url):
            raise ValueError(f"{path} line {number}: not an http(s) URL: {line.strip()[:200]!r}")
        if url not in urls:
            urls.append(url)
    return urls


def _patterns(value) -> list[str]:
    value = _str_list(value)
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return value


def _fraction(value) -> float:
    value = _typed(float)(value)
    if value > 1:
        raise ValueError("expected a share between 0 and 1")
    return value


def _wait(value) -> float:
    """Seconds a bounded wait may take; false (or 0) turns it off."""
    return 0.0 if value is False else _duration(value)


def _megabytes(value) -> int:
    return _size(value) // 1024**2


@dataclass(frozen=True)
class Key:
    check: Callable[[Any], Any]
    setting: str  # the Scrapy setting it becomes
    secret: bool = False


BOOL, INT, STR = _typed(bool), _typed(int), _typed(str)
AT_LEAST_ONE = _nonzero(INT, "0 would let nothing through and the crawl would wait forever")

SCHEMA: dict[str, dict[str, Key]] = {
    "job": {
        "name": Key(_job_name, "JOB_NAME"),
        "operator": Key(STR, "JOB_OPERATOR"),
        "description": Key(STR, "JOB_DESCRIPTION"),
        "contact": Key(STR, "JOB_CONTACT"),
    },
    "seeds": {
        "urls": Key(_url_list, "START_URLS"),
        # A seeds file (one URL a line), relative to the job file; its URLs follow `urls`.
        "file": Key(STR, "SEEDS_FILE"),
        "sitemaps": Key(_url_list, "SITEMAP_URLS"),
        "feeds": Key(_url_list, "FEED_URLS"),
        "probe_sitemap": Key(BOOL, "SITEMAP_PROBE"),
    },
    "scope": {
        "hosts": Key(_str_list, "SCOPE_HOSTS"),
        "subdomains": Key(BOOL, "SCOPE_SUBDOMAINS"),
        "include": Key(_patterns, "SCOPE_INCLUDE"),
        "exclude": Key(_patterns, "SCOPE_EXCLUDE"),
        "max_depth": Key(INT, "DEPTH_LIMIT"),
        "earliest_year": Key(INT, "TRAP_EARLIEST_YEAR"),
        "years_ahead": Key(INT, "TRAP_YEARS_AHEAD"),
        "max_barren_chain": Key(
            _nonzero(INT, "0 would follow no link between listing pages of one shape"), "TRAP_MAX_BARREN_CHAIN"
        ),
    },
    "limits": {
        "max_pages": Key(INT, "LIMIT_PAGES"),
        "max_pages_per_host": Key(INT, "LIMIT_PAGES_PER_HOST"),
        "max_pages_per_pattern": Key(_pattern_budgets, "LIMIT_PAGES_PER_PATTERN"),
        "max_records": Key(INT, "LIMIT_RECORDS"),
        "max_duration": Key(_duration, "CLOSESPIDER_TIMEOUT"),
        "max_body_size": Key(
            _nonzero(_size, "0 would mean no size limit at all, gzip bombs included"), "DOWNLOAD_MAXSIZE"
        ),
        "max_header_size": Key(_nonzero(_size, "every response needs a head"), "DOWNLOAD_HEADERS_MAXSIZE"),
        "max_headers": Key(_nonzero(INT, "every response needs a head"), "DOWNLOAD_HEADERS_MAXCOUNT"),
        "timeout": Key(_nonzero(_duration, "0 would mean no timeout"), "DOWNLOAD_TIMEOUT"),
        "retries": Key(INT, "RETRY_TIMES"),
        "analysis_timeout": Key(_nonzero(_duration, "0 would let one page stall the crawl"), "ANALYSIS_TIMEOUT"),
        "analysis_max_size": Key(_nonzero(_size, "give the part of a page to analyse"), "ANALYSIS_MAXSIZE"),
        "max_sitemap_urls": Key(_nonzero(INT, "0 would mean no limit"), "SITEMAP_MAX_URLS"),
        "max_sitemaps": Key(_nonzero(INT, "0 would mean no limit"), "SITEMAP_MAX_FILES"),
    },
    "politeness": {
        "obey_robots": Key(BOOL, "ROBOTSTXT_OBEY"),
        "robots_retry_after": Key(
            _nonzero(_duration, "robots.txt would be fetched again for every request"), "ROBOTSTXT_RETRY_AFTER"
        ),
        "autothrottle": Key(BOOL, "AUTOTHROTTLE_ENABLED"),
        "delay": Key(_duration, "DOWNLOAD_DELAY"),
        "concurrency": Key(AT_LEAST_ONE, "CONCURRENT_REQUESTS"),
        "concurrency_per_host": Key(AT_LEAST_ONE, "CONCURRENT_REQUESTS_PER_DOMAIN"),
        "user_agent": Key(STR, "USER_AGENT"),
    },
    "output": {
        "dir": Key(STR, "OUTPUT_ROOT"),
        "warc_max_size": Key(_nonzero(_size, "0 would start a new file for every record"), "WARC_MAX_SIZE"),
        "min_free_space": Key(_size, "OUTPUT_MIN_FREE_SPACE"),
        "warc_prefix": Key(STR, "WARC_PREFIX"),
        "wacz": Key(BOOL, "WACZ_ENABLED"),
        "change_feed": Key(BOOL, "CHANGE_FEED_ENABLED"),
        "page_requisites": Key(BOOL, "PAGE_REQUISITES_ENABLED"),
        "page_requisites_other_hosts": Key(BOOL, "PAGE_REQUISITES_OTHER_HOSTS"),
        "keep_credentials": Key(BOOL, "WARC_KEEP_CREDENTIALS"),
    },
    "schedule": {
        "since": Key(_date, "DATE_SINCE"),
        "until": Key(_date, "DATE_UNTIL"),
        "incremental": Key(BOOL, "INCREMENTAL_ENABLED"),
        "job_dir": Key(STR, "JOBDIR"),
        "error_threshold": Key(_fraction, "ERROR_THRESHOLD"),
    },
    "browser": {  # pages rendered in headless Chromium (docs/browser.md)
        "enabled": Key(BOOL, "BROWSER_ENABLED"),
        "urls": Key(_patterns, "BROWSER_URL_PATTERNS"),  # only the pages matching one of these regexes
        "executable": Key(STR, "BROWSER_EXECUTABLE"),
        "max_pages": Key(INT, "BROWSER_MAX_PAGES"),
        "navigation_timeout": Key(_duration, "BROWSER_NAVIGATION_TIMEOUT"),
        "page_timeout": Key(_duration, "BROWSER_PAGE_TIMEOUT"),
        "memory_limit": Key(_megabytes, "BROWSER_MEMORY_LIMIT_MB"),
        "network_idle": Key(_wait, "BROWSER_NETWORK_IDLE_TIMEOUT"),
        "scroll": Key(_wait, "BROWSER_SCROLL_TIMEOUT"),
        "close_banners": Key(BOOL, "BROWSER_CLOSE_BANNERS"),
        "screenshot": Key(BOOL, "BROWSER_SCREENSHOT"),
    },
    "auth": {  # HTTP basic auth, sent only to this domain
        "user": Key(STR, "HTTPAUTH_USER", secret=True),
        "password": Key(STR, "HTTPAUTH_PASS", secret=True),
        "domain": Key(STR, "HTTPAUTH_DOMAIN"),
    },
    "safety": {
        "telnet_console": Key(BOOL, "TELNETCONSOLE_ENABLED"),
        "remote_control": Key(BOOL, "REMOTE_CONTROL_ENABLED"),
    },
    "frontier": {
        "url": Key(STR, "FRONTIER_URL", secret=True),
    },
}
# [settings] passes any Scrapy setting through, for what the sections above do not cover.
RAW_SECTION = "settings"


@dataclass
class JobConfig:
    path: Path | None
    settings: dict[str, Any]
    secrets: list[str]  # values that must never be printed
    raw: dict[str, Any] = field(default_factory=dict)  # [settings]: checked against Scrapy's types later


def load(path: str | Path) -> JobConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JobConfigError(f"{path}: no such job file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JobConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise JobConfigError(f"{path}: not valid TOML: {exc}") from None
    return from_dict(data, path)


def from_dict(data: dict, path: Path | None = None) -> JobConfig:
    where = f"{path}: " if path else ""
    settings: dict[str, Any] = {}
    secrets: list[str] = []
    raw: dict[str, Any] = {}
    for section, values in data.items():
        if section == RAW_SECTION:
            if not isinstance(values, dict):
                raise JobConfigError(f"{where}[{section}] must be a table")
            bad = [k for k in values if not re.fullmatch(r"[A-Z][A-Z0-9_]*", k)]
            if bad:
                raise JobConfigError(f"{where}[{section}] {bad[0]!r}: Scrapy setting names are UPPER_CASE")
            settings.update(values)
            raw.update(values)
            continue
        if section not in SCHEMA:
            raise JobConfigError(f"{where}unknown section [{section}] (known: {', '.join([*SCHEMA, RAW_SECTION])})")
        if not isinstance(values, dict):
            raise JobConfigError(f"{where}[{section}] must be a table")
        for key, value in values.items():
            spec = SCHEMA[section].get(key)
            if spec is None:
                raise JobConfigError(
                    f"{where}unknown key {section}.{key} (known in [{section}]: {', '.join(SCHEMA[section])})"
                )
            try:
                checked = spec.check(value)
            except ValueError as exc:
                raise JobConfigError(f"{where}{section}.{key}: {exc}") from None
            settings[spec.setting] = checked
            if spec.secret:
                secrets.append(str(checked))
    if "SEEDS_FILE" in settings:
        seeds_file = Path(settings["SEEDS_FILE"])
        if path is not None and not seeds_file.is_absolute():
            seeds_file = path.parent / seeds_file
        try:
            seeds = read_seeds(seeds_file)
        except ValueError as exc:
            raise JobConfigError(f"{where}seeds.file: {exc}") from None
        settings["SEEDS_FILE"] = str(seeds_file)
        settings["START_URLS"] = list(dict.fromkeys([*settings.get("START_URLS", []), *seeds]))
    auth = data.get("auth") or {}
    if (auth.get("user") or auth.get("password")) and not auth.get("domain"):
        raise JobConfigError(f"{where}auth.domain: required with auth.user (credentials go only to this host[:port])")
    return JobConfig(path, settings, secrets, raw)
