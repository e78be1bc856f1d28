"""The end-of-run summary: one screen for people, stats.json for programs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from crawler.web.redact import redact


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def _jsonable(value, secrets: list[str]):
    """Stats as JSON values, every text redacted (stat keys and values may hold URLs)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, secrets) for v in value]
    if isinstance(value, dict):
        return {redact(str(k), secrets): _jsonable(v, secrets) for k, v in value.items()}
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact(str(value), secrets)


def write_stats(stats: dict, output_dir: Path, name: str = "stats.json", secrets: Iterable[str] = ()) -> Path:
    path = output_dir / name
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    text = json.dumps(_jsonable(stats, list(secrets)), indent=2, sort_keys=True)
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # the last complete stats.json stays
        raise
    return path


def _counts(stats: dict, prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix) and isinstance(v, int)}


def _join(pairs) -> str:
    return ", ".join(f"{k} {v}" for k, v in pairs if v) or "none"


def _requisites_line(stats: dict) -> list[str]:
    """Page requisites (stylesheets, scripts, images...) fetched for the archived pages, if any were asked for."""
    requested = stats.get("requisites/requested", 0)
    if not requested:
        return []
    kinds = _counts(stats, "requisites/requested/")
    others = stats.get("requisites/other_hosts", 0)
    failed = stats.get("requisites/failed", 0)
    return [
        f"  requisites       {stats.get('requisites/archived', 0)} of {requested} archived ({_join(kinds.items())})"
        + (f", {others} from other hosts" if others else "")
        + (f", {failed} failed" if failed else "")
    ]


def render(
    stats: dict, output_dir: Path, job: str, stats_path: Path | str | None = None, records_name: str = "records.jsonl"
) -> str:
    by_class: dict[str, int] = {}
    for status, count in _counts(stats, "downloader/response_status_count/").items():
        by_class[f"{status[0]}xx"] = by_class.get(f"{status[0]}xx", 0) + count
    files = [Path(p) for p in stats.get("warc/files", [])]
    total = sum(p.stat().st_size for p in files if p.exists())
    failures = _counts(stats, "fetch/failed/")
    if stats.get("fetch/server_error"):
        failures["server error (5xx)"] = stats["fetch/server_error"]
    rejected = sum(_counts(stats, "scope/rejected/").values())
    limits = sum(v for k, v in _counts(stats, "limits/").items())
    code = stats.get("exit_code")
    causes = ["storage/write_failed", "storage/low_space", "crawl/error"]
    if stats.get("finish_reason") == "disk_space_low":
        causes.insert(0, causes.pop(1))  # what stopped the crawl first; what failed while it closed after
    stopped = [stats[key] for key in causes if stats.get(key)]
    lines = [
        f"Crawl {job!r} {stats.get('finish_reason', 'unknown')} in {stats.get('elapsed_time_seconds', 0):.1f} s"
        + (f" (exit code {code})" if code is not None else ""),
        *[f"  {'stopped' if n == 0 else 'also':16} {text}" for n, text in enumerate(stopped)],
        f"  pages fetched    {stats.get('downloader/response_count', 0) - stats.get('robotstxt/response_count', 0)}"
        f"  ({_join(by_class.items())}; robots.txt {stats.get('robotstxt/response_count', 0)}), "
        f"{human_size(stats.get('downloader/response_bytes', 0))} received",
        f"  articles         {_join((k, stats.get('articles/' + k, 0)) for k in ('new', 'changed', 'unchanged'))}",
        f"  article records  {stats.get('item_scraped_count', 0)} -> {output_dir / records_name}",
        f"  failed fetches   {sum(failures.values())}" + (f"  ({_join(failures.items())})" if failures else ""),
        f"  not fetched      {_join([('robots.txt', stats.get('robotstxt/forbidden', 0)), ('robots.txt unreachable', stats.get('robotstxt/unreachable_skipped', 0)), ('out of scope', rejected), ('date window', stats.get('discovery/skipped_date_window', 0)), ('unchanged in sitemap', stats.get('discovery/skipped_unchanged', 0)), ('limits', limits)])}",
        *_requisites_line(stats),
        f"  WARC files       {len(files)}, {human_size(total)}",
    ]
    lines += [f"                   {p} ({human_size(p.stat().st_size)})" for p in files if p.exists()]
    if stats.get("extraction/failed"):
        lines.append(
            f"  failed analysis  {stats['extraction/failed']} pages (archived; their records carry extraction_error)"
        )
    if stats.get("log_file"):
        lines.append(f"  log              {stats['log_file']}")
    lines.append(f"  stats            {stats_path or output_dir / 'stats.json'}")
    return "\n".join(lines)
