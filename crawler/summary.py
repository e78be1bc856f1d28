"""The end-of-run summary: one screen for people, stats.json for programs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_stats(stats: dict, output_dir: Path) -> Path:
    path = output_dir / "stats.json"
    output_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(stats), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def render(stats: dict, output_dir: Path, job: str) -> str:
    statuses = {
        int(k.rsplit("/", 1)[1]): v for k, v in stats.items() if k.startswith("downloader/response_status_count/")
    }
    by_class = {}
    for status, count in sorted(statuses.items()):
        by_class[f"{status // 100}xx"] = by_class.get(f"{status // 100}xx", 0) + count
    fetched = stats.get("downloader/response_count", 0)
    # IgnoreRequest is a decision (robots.txt, scope), not a failure.
    errors = stats.get("downloader/exception_count", 0) - stats.get(
        "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest", 0
    )
    files = [Path(p) for p in stats.get("warc/files", [])]
    total = sum(p.stat().st_size for p in files if p.exists())
    lines = [
        f"Crawl {job!r} {stats.get('finish_reason', 'unknown')} in {stats.get('elapsed_time_seconds', 0):.1f} s",
        f"  pages fetched    {fetched}" + (f"  ({', '.join(f'{k} {v}' for k, v in by_class.items())})" if by_class else ""),
        f"  failed fetches   {errors}",
        f"  robots.txt       {stats.get('robotstxt/forbidden', 0)} URLs disallowed",
        f"  article records  {stats.get('item_scraped_count', 0)} -> {output_dir / 'records.jsonl'}",
        f"  WARC files       {len(files)}, {_human(total)}",
    ]
    lines += [f"                   {p} ({_human(p.stat().st_size)})" for p in files if p.exists()]
    lines.append(f"  stats            {output_dir / 'stats.json'}")
    return "\n".join(lines)
