"""Inline SVG charts, drawn here so that the report needs no script or library to be viewed.

Colours come from CSS classes (defined in page.py), so that light and dark schemes both work.
Every bar carries a <title>, which browsers show as a tooltip.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from crawler.web.redact import redact

WIDTH = 760
# Bucket widths for the timeline, in seconds: the first that gives at most MAX_BUCKETS columns.
BUCKET_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
MAX_BUCKETS = 60


def text(value) -> str:
    """Escaped for HTML and SVG, with any credentials in URLs removed."""
    return escape(redact(str(value)), quote=True)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


def duration(seconds: float) -> str:
    """2.6 s, 3 min 12 s, 2 h 05 min, 1 d 4 h."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


@dataclass
class Bar:
    label: str
    value: float
    note: str  # shown at the bar's end, e.g. "98 (98.0 %)"
    css: str = "bar"
    tooltip: str = ""


def bar_chart(bars: list[Bar], title: str, maximum: float | None = None) -> str:
    """Horizontal bars, one row per item, scaled to maximum (default: the largest value)."""
    label_w, note_w, row_h = 230, 140, 24
    plot_w = WIDTH - label_w - note_w
    top = max(maximum or 0, *(b.value for b in bars), 1)
    height = row_h * len(bars) + 8
    parts = [
        f'<svg class="chart bars" role="img" aria-label="{text(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{text(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 4 + i * row_h
        w = plot_w * bar.value / top
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        parts.append(
            f'<g class="row"><title>{text(bar.tooltip or f"{bar.label}: {bar.note}")}</title>'
            f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">{text(label)}</text>'
            f'<rect class="track" x="{label_w}" y="{y + 3}" width="{plot_w}" height="{row_h - 6}"/>'
            f'<rect class="{bar.css}" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}"/>'
            f'<text class="note" x="{label_w + plot_w + 8}" y="{y + 16}">{text(bar.note)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bucket_size(span_seconds: float) -> int:
    for size in BUCKET_SECONDS:
        if span_seconds / size <= MAX_BUCKETS:
            return size
    return math.ceil(span_seconds / MAX_BUCKETS / 86400) * 86400


def time_buckets(counts: Counter, start: float, end: float) -> tuple[int, float, list[Counter]]:
    """counts: (POSIX time, status class) -> responses. Returns (bucket seconds, first bucket's start,
    one Counter of status classes per bucket), covering start..end and every counted time."""
    start, end = min([start, *(t for t, _ in counts)]), max([end, *(t for t, _ in counts)])
    size = bucket_size(end - start)
    first = math.floor(start / size) * size  # whole minutes, hours... read better on the axis
    buckets: list[Counter] = [Counter() for _ in range(int((end - first) // size) + 1)]
    for (when, cls), count in counts.items():
        buckets[int((when - first) // size)][cls] += count
    return size, first, buckets


def bucket_name(size: int) -> str:
    if size % 86400 == 0:
        return plural(size // 86400, "day") if size > 86400 else "day"
    if size % 3600 == 0:
        return f"{size // 3600} h" if size > 3600 else "hour"
    if size % 60 == 0:
        return f"{size // 60} min" if size > 60 else "minute"
    return f"{size} s" if size > 1 else "second"


def _nice_ceiling(value: float) -> int:
    """The smallest whole 1, 2 or 5 times a power of ten that is >= value."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _clock(when: float, size: int) -> str:
    moment = datetime.fromtimestamp(when, UTC)
    if size >= 86400:
        return moment.strftime("%Y-%m-%d")
    if size >= 3600:
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%H:%M" if size >= 60 else "%H:%M:%S")


def _span(begin: float, size: int) -> str:
    start, end = (datetime.fromtimestamp(t, UTC) for t in (begin, begin + size))
    if size >= 86400:
        return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC"
    return f"{start:%Y-%m-%d %H:%M:%S} – {end:%H:%M:%S} UTC"


def timeline(size: int, first: float, buckets: list[Counter], classes: tuple[str, ...], title: str) -> str:
    """Stacked columns: fetches per bucket, split by status class."""
    left, right, top_m, bottom = 56, 12, 12, 34
    height = 260
    plot_w, plot_h = WIDTH - left - right, height - top_m - bottom
    highest = max((sum(b.values()) for b in buckets), default=0)
    step = _nice_ceiling(highest / 5)  # at most 5 whole-number grid steps
    steps = max(1, math.ceil(highest / step))
    peak = step * steps
    col_w = plot_w / len(buckets)
    gap = min(2.0, col_w * 0.15)
    parts = [
        f'<svg class="chart timeline" role="img" aria-label="{text(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{text(title)}</title>",
    ]
    for i in range(steps + 1):  # horizontal grid with its values
        y = top_m + plot_h - plot_h * i / steps
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{step * i:,}</text>')
    label_every = max(1, math.ceil(len(buckets) / 6))
    for i, counts in enumerate(buckets):
        x = left + i * col_w
        total = sum(counts.values())
        begin = first + i * size
        if total:
            detail = ", ".join(f"{cls} {counts[cls]}" for cls in classes if counts[cls])
            parts.append(
                f'<g class="column"><title>{_span(begin, size)}: {plural(total, "fetch", "fetches")} ({text(detail)})</title>'
            )
            y = top_m + plot_h
            for cls in classes:
                if counts[cls]:
                    h = plot_h * counts[cls] / peak
                    y -= h
                    parts.append(
                        f'<rect class="s{cls}" x="{x + gap / 2:.1f}" y="{y:.1f}" width="{col_w - gap:.1f}" height="{h:.1f}"/>'
                    )
            parts.append("</g>")
        if i % label_every == 0:
            parts.append(
                f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{top_m + plot_h}" y2="{top_m + plot_h + 4}"/>'
                f'<text class="axis" x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{_clock(begin, size)}</text>'
            )
    parts.append(
        f'<line class="baseline" x1="{left}" x2="{WIDTH - right}" y1="{top_m + plot_h}" y2="{top_m + plot_h}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
