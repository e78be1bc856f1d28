"""Job files (TOML): validated, then turned into Scrapy settings.

Every key is declared once in SCHEMA with its type and the setting it becomes, so validation,
the example job (jobs/nejatngo.toml) and mapping cannot drift apart.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any


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


@dataclass(frozen=True)
class Key:
    check: Callable[[Any], Any]
    setting: str  # the Scrapy setting it becomes
    secret: bool = False


BOOL, INT, STR = _typed(bool), _typed(int), _typed(str)

SCHEMA: dict[str, dict[str, Key]] = {
    "job": {
        "name": Key(STR, "JOB_NAME"),
        "operator": Key(STR, "JOB_OPERATOR"),
        "description": Key(STR, "JOB_DESCRIPTION"),
        "contact": Key(STR, "JOB_CONTACT"),
    },
    "seeds": {
        "urls": Key(_url_list, "START_URLS"),
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
    },
    "limits": {
        "max_pages": Key(INT, "LIMIT_PAGES"),
        "max_pages_per_host": Key(INT, "LIMIT_PAGES_PER_HOST"),
        "max_records": Key(INT, "LIMIT_RECORDS"),
        "max_duration": Key(_duration, "CLOSESPIDER_TIMEOUT"),
        "max_body_size": Key(_size, "DOWNLOAD_MAXSIZE"),
        "timeout": Key(_duration, "DOWNLOAD_TIMEOUT"),
        "retries": Key(INT, "RETRY_TIMES"),
    },
    "politeness": {
        "obey_robots": Key(BOOL, "ROBOTSTXT_OBEY"),
        "autothrottle": Key(BOOL, "AUTOTHROTTLE_ENABLED"),
        "delay": Key(_duration, "DOWNLOAD_DELAY"),
        "concurrency": Key(INT, "CONCURRENT_REQUESTS"),
        "concurrency_per_host": Key(INT, "CONCURRENT_REQUESTS_PER_DOMAIN"),
        "user_agent": Key(STR, "USER_AGENT"),
    },
    "output": {
        "dir": Key(STR, "OUTPUT_ROOT"),
        "warc_max_size": Key(_size, "WARC_MAX_SIZE"),
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
    for section, values in data.items():
        if section == RAW_SECTION:
            if not isinstance(values, dict):
                raise JobConfigError(f"{where}[{section}] must be a table")
            bad = [k for k in values if not re.fullmatch(r"[A-Z][A-Z0-9_]*", k)]
            if bad:
                raise JobConfigError(f"{where}[{section}] {bad[0]!r}: Scrapy setting names are UPPER_CASE")
            settings.update(values)
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
    return JobConfig(path, settings, secrets)
