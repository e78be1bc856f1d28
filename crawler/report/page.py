"""The report page: one self-contained HTML file, with inline CSS and inline SVG, no script.

Its Content-Security-Policy forbids every load from outside the file, so a page that shows
correctly here is known to work offline.
"""

from __future__ import annotations

import http
from collections import Counter
from datetime import UTC, datetime

import crawler
from crawler.jobs.summary import human_size
from crawler.report.changes import REPLAY_BASE, changes_html
from crawler.report.changes import STYLE as CHANGE_STYLE
from crawler.report.charts import (
    Bar,
    bar_chart,
    bucket_name,
    duration,
    plural,
    text,
    time_buckets,
    timeline,
)
from crawler.report.load import COVERAGE_FIELDS, STATUS_CLASSES, Run, host_rows, status_class
from crawler.web.redact import redact

TOP_HOSTS = 20
TOP_CONTENT_TYPES = 15
IGNORED = "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest"
EXCEPTION_PREFIX = "downloader/exception_type_count/"

STYLE = """
:root { color-scheme: light dark; --fg: #1d1f23; --muted: #5f6670; --bg: #fff; --panel: #f4f5f7; --line: #d9dce1;
  --track: #eceef1; --bar: #5c6bc0; --s2xx: #2e7d32; --s3xx: #1565c0; --s4xx: #ef6c00; --s5xx: #c62828; --sother: #7b7f86;
  --good: #2e7d32; --fair: #ef6c00; --poor: #c62828; --warn-bg: #fff4e5; --warn-line: #f0b35b; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e6ea; --muted: #a0a6b0; --bg: #17191d; --panel: #22252b;
  --line: #3a3f47; --track: #2b2f36; --bar: #8c9eff; --warn-bg: #3a2c14; --warn-line: #a8782c; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 980px; padding: 24px 20px 48px; font: 15px/1.45 system-ui, -apple-system, "Segoe UI",
  Roboto, "Noto Sans", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 26px; margin: 0 0 12px; } h2 { font-size: 19px; margin: 0 0 4px; }
section { margin: 28px 0; } .caption { color: var(--muted); margin: 0 0 10px; font-size: 14px; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.run dt { color: var(--muted); } dl.run dd { margin: 0; }
.reason-bad { color: var(--poor); font-weight: 600; }
.notes { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; padding: 10px 16px; }
.notes h2 { font-size: 16px; } .notes ul { margin: 4px 0 0; padding-left: 20px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.tile { background: var(--panel); border-radius: 6px; padding: 10px 12px; }
.tile .value { font-size: 24px; font-weight: 600; } .tile .name { color: var(--muted); font-size: 13px; }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; }
svg text { fill: var(--fg); } svg text.axis, svg text.note { fill: var(--muted); }
svg .track { fill: var(--track); } svg .bar { fill: var(--bar); }
svg .grid { stroke: var(--line); stroke-width: 1; } svg .baseline, svg .tick { stroke: var(--muted); stroke-width: 1; }
.s2xx { fill: var(--s2xx); background: var(--s2xx); } .s3xx { fill: var(--s3xx); background: var(--s3xx); }
.s4xx { fill: var(--s4xx); background: var(--s4xx); } .s5xx { fill: var(--s5xx); background: var(--s5xx); }
.sother { fill: var(--sother); background: var(--sother); }
.good { fill: var(--good); } .fair { fill: var(--fair); } .poor { fill: var(--poor); }
.legend { display: flex; gap: 14px; flex-wrap: wrap; margin: 6px 0; color: var(--muted); font-size: 13px; }
.legend .key { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table.data { border-collapse: collapse; margin-top: 8px; font-size: 14px; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 14px 3px 0; text-align: left; }
table.data td.n, table.data th.n { text-align: right; font-variant-numeric: tabular-nums; }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
.url { word-break: break-all; font-size: 13px; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
"""


def render_page(run: Run) -> str:
    stats = run.stats
    body = [
        _header(run),
        _notes(run),
        _totals(run),
        _timeline(run),
        _status_codes(run),
        _counter_section(
            "content-types",
            "Content types",
            run.fetches.content_types,
            TOP_CONTENT_TYPES,
            "content type",
            "Media type of each archived response (Content-Type without parameters).",
            "other content types",
        ),
        _hosts(run),
        _coverage(run),
        _changes(run),
        _errors(stats),
        _all_stats(stats),
        f"<footer>Made by crawler {text(crawler.__version__)} on {_when(datetime.now(UTC))} from "
        f"{text(run.folder.resolve())}. A single file: no script, nothing loaded from elsewhere.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">\n'
        f"<title>Crawl report: {text(run.job)}</title>\n<style>{STYLE}{CHANGE_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )


def _number(stats: dict, key: str) -> float | None:
    value = stats.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "unknown"


def _header(run: Run) -> str:
    stats = run.stats
    elapsed = _number(stats, "elapsed_time_seconds")
    if elapsed is None and run.start and run.end:
        elapsed = (run.end - run.start).total_seconds()
    reason = stats.get("finish_reason")
    reason_html = (
        f'<span id="finish-reason">{text(reason)}</span>'
        if reason == "finished"
        else f'<span id="finish-reason" class="reason-bad">{text(reason or "unknown")}</span>'
    )
    rows = [
        ("Started", text(_when(run.start))),
        ("Finished", text(_when(run.end))),
        ("Duration", text(duration(elapsed) if elapsed is not None else "unknown")),
        ("Finish reason", reason_html),
        *([("Exit code", text(stats["exit_code"]))] if "exit_code" in stats else []),
        ("Records", text(run.records_source)),
        ("Folder", text(run.folder)),
        *([("Log", text(stats["log_file"]))] if stats.get("log_file") else []),
    ]
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<header>\n<h1>Crawl report: <span id="job">{text(run.job)}</span></h1>\n<dl class="run">{items}</dl>\n</header>'


def _notes(run: Run) -> str:
    if not run.notes:
        return ""
    items = "".join(f"<li>{text(note)}</li>" for note in run.notes)
    return f'<section id="notes" class="notes"><h2>Read with care</h2><ul>{items}</ul></section>'


def _totals(run: Run) -> str:
    stats, fetches, coverage = run.stats, run.fetches, run.coverage
    # Scrapy leaves out counters that stayed at zero.
    failed = (_number(stats, "downloader/exception_count") or 0) - (_number(stats, IGNORED) or 0)
    warc_bytes = sum(p.stat().st_size for p in run.warc_files if p.exists())
    tiles = [
        ("fetches", "fetches archived (WARC)", _count(fetches.total)),
        ("responses", "responses (stats.json)", _count(_number(stats, "downloader/response_count") or 0)),
        ("records", "article records read", _count(coverage.records)),
        ("scraped", "records written (stats.json)", _count(_number(stats, "item_scraped_count") or 0)),
        ("failed", "failed fetches", _count(failed)),
        ("robots", "disallowed by robots.txt", _count(_number(stats, "robotstxt/forbidden") or 0)),
        ("warc", f"in {plural(len(run.warc_files), 'WARC file')}", human_size(warc_bytes)),
        ("downloaded", "downloaded (stats.json)", human_size(_number(stats, "downloader/response_bytes") or 0)),
    ]
    # Incremental runs count pages as new, changed, unchanged...: shown when the crawl counted them.
    for key in sorted(k for k in stats if k.startswith("incremental/")):
        if _number(stats, key) is not None:
            tiles.append(
                (key.replace("/", "-"), f"{key.split('/', 1)[1].replace('_', ' ')} (incremental)", _count(stats[key]))
            )
    if _number(stats, "requisites/requested"):
        tiles.append(("requisites", "page requisites archived", _count(_number(stats, "requisites/archived") or 0)))
        if _number(stats, "requisites/other_hosts"):
            tiles.append(
                ("requisites-other-hosts", "requisites from other hosts", _count(stats["requisites/other_hosts"]))
            )
    if fetches.revisits:
        tiles.append(("revisits", "revisits (payload archived before)", _count(fetches.revisits)))
    if fetches.truncated:
        tiles.append(("truncated", "truncated bodies", _count(fetches.truncated)))
    html = "".join(
        f'<div class="tile" id="total-{key}"><div class="value">{value}</div><div class="name">{text(name)}</div></div>'
        for key, name, value in tiles
    )
    return f'<section id="totals"><h2>Totals</h2><div class="tiles">{html}</div></section>'


def _section(key: str, title: str, caption: str, content: str) -> str:
    return f'<section id="{key}"><h2>{text(title)}</h2><p class="caption">{text(caption)}</p>{content}</section>'


def _empty(message: str) -> str:
    return f'<p class="empty">{text(message)}</p>'


def _timeline(run: Run) -> str:
    fetches = run.fetches
    if not fetches.per_second:
        return _section("timeline", "Fetches over time", "", _empty("No dated responses were archived in this run."))
    times = [t for t, _ in fetches.per_second]
    start = run.start.timestamp() if run.start else min(times)
    end = run.end.timestamp() if run.end else max(times)
    size, first, buckets = time_buckets(fetches.per_second, start, end)
    caption = (
        f"Responses archived per {bucket_name(size)} (UTC), coloured by status class; every response counts: "
        "pages, robots.txt, sitemaps, feeds and images."
    )
    if fetches.undated:
        caption += f" {plural(fetches.undated, 'response')} without a WARC-Date are not shown."
    chart = timeline(size, first, buckets, STATUS_CLASSES, f"Fetches per {bucket_name(size)}")
    used = [cls for cls in STATUS_CLASSES if any(b[cls] for b in buckets)]
    legend = "".join(f'<span><span class="key s{cls}"></span>{cls}</span>' for cls in used)
    return _section("timeline", "Fetches over time", caption, f'{chart}<div class="legend">{legend}</div>')


def _table(headers: tuple[str, str, str], rows: list[tuple[str, int, int, str]]) -> str:
    """rows: (label, count, whole, data-key)."""
    head = f'<tr><th>{text(headers[0])}</th><th class="n">{text(headers[1])}</th><th class="n">{text(headers[2])}</th></tr>'
    body = "".join(
        f'<tr data-key="{text(key)}" data-count="{count}"><td>{text(label)}</td><td class="n">{count:,}</td>'
        f'<td class="n">{_percent(count, whole)}</td></tr>'
        for label, count, whole, key in rows
    )
    return f'<table class="data"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _status_label(status: int | None) -> str:
    if status is None:
        return "unknown"
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _status_codes(run: Run) -> str:
    statuses = run.fetches.statuses
    caption = "HTTP status of each archived response."
    if not statuses:
        prefix = "downloader/response_status_count/"
        statuses = Counter()
        for key, value in run.stats.items():
            code = key[len(prefix) :] if key.startswith(prefix) else ""
            if code.isdigit() and isinstance(value, int):
                statuses[int(code)] = value
        caption = "From stats.json: this run archived no responses."
    if not statuses:
        return _section("status-codes", "Status codes", "", _empty("No responses in this run."))
    whole = sum(statuses.values())
    ordered = sorted(statuses.items(), key=lambda item: (item[0] is None, item[0] or 0))
    bars = [
        Bar(_status_label(code), count, f"{count:,} ({_percent(count, whole)})", f"s{status_class(code)}")
        for code, count in ordered
    ]
    rows = [(_status_label(code), count, whole, str(code)) for code, count in ordered]
    content = bar_chart(bars, "Responses by status code") + _table(("Status", "Responses", "Share"), rows)
    return _section("status-codes", "Status codes", caption, content)


def _counter_section(key, title, counter, top, what, caption, others) -> str:
    if not counter:
        return _section(key, title, "", _empty("No responses were archived in this run."))
    whole = sum(counter.values())
    shown = counter.most_common(top)
    rest = whole - sum(count for _, count in shown)
    rows = [(label, count, whole, label) for label, count in shown]
    if rest:
        rows.append((f"{len(counter) - len(shown)} {others}", rest, whole, "(others)"))
    bars = [Bar(label, count, f"{count:,} ({_percent(count, whole)})") for label, count, _, _ in rows]
    content = bar_chart(bars, f"Responses by {what}") + _table((what.capitalize(), "Responses", "Share"), rows)
    return _section(key, title, caption, content)


def _hosts(run: Run) -> str:
    """Archived responses per host, and each host's requests, delay and spacing from stats.json."""
    chart = _counter_section(
        "hosts",
        "Hosts",
        run.fetches.hosts,
        TOP_HOSTS,
        "host",
        "Archived responses per host (host and port).",
        "other hosts",
    )
    rows = host_rows(run.stats)
    if not rows:
        return chart

    def seconds(value: float | None) -> str:
        return "–" if value is None else f"{value:,.2f}"

    def clock(value: str) -> str:
        return text(value[11:19]) if len(value) >= 19 else "–"

    body = "".join(
        f'<tr data-host="{text(row.host)}" data-requests="{row.requests}"><td>{text(row.host)}</td>'
        f'<td class="n">{row.requests:,}</td><td class="n">{row.responses:,}</td><td class="n">{row.failures:,}</td>'
        f'<td class="n">{run.fetches.hosts.get(row.host, 0):,}</td><td class="n">{seconds(row.delay)}</td>'
        f'<td class="n">{seconds(row.min_spacing)}</td><td class="n">{seconds(row.waited)}</td>'
        f'<td class="n">{row.over_limit:,}</td><td>{clock(row.first_request)}</td><td>{clock(row.last_request)}</td></tr>'
        for row in rows
    )
    head = "".join(
        f'<th class="n">{name}</th>'
        for name in ("Requests", "Responses", "Failures", "Archived", "Delay (s)", "Shortest gap (s)", "Waited (s)")
    )
    table = (
        f'<table class="data" id="hosts-table"><thead><tr><th>Host</th>{head}<th class="n">Over the limit</th>'
        f"<th>First request</th><th>Last request</th></tr></thead><tbody>{body}</tbody></table>"
    )
    caption = (
        f"Each of the {len(rows):,} hosts: requests sent to it (robots.txt included) and how they ended; responses "
        "archived; the delay in force at the end (the larger of the job's delay, its Crawl-delay and AutoThrottle's); "
        "the shortest gap between two of its requests, any worker's; the time requests waited for its turn; "
        "pages not fetched for max_pages_per_host; first and last request (UTC)."
    )
    return (
        chart.removesuffix("</section>") + f'<h3>Per host</h3><p class="caption">{text(caption)}</p>{table}</section>'
    )


def _coverage(run: Run) -> str:
    coverage = run.coverage
    title = "Extraction coverage"
    caption = f"How many of the run's article records have each field (not empty). Records: {run.records_source}."
    if coverage.other_pages:
        caption += f" {plural(coverage.other_pages, 'record')} of other page types are not counted."
    if not coverage.records:
        return _section("coverage", title, caption, _empty("This run has no article records."))
    total = coverage.records
    bars, rows, missing = [], [], []
    for label, key in COVERAGE_FIELDS:
        count = coverage.present[key]
        share = count / total
        css = "good" if share >= 0.9 else "fair" if share >= 0.5 else "poor"
        bars.append(Bar(label, count, f"{count:,} / {total:,} ({_percent(count, total)})", css))
        rows.append(
            f'<tr data-field="{text(key)}" data-count="{count}" data-total="{total}"><td>{text(label)}</td>'
            f'<td class="n">{count:,}</td><td class="n">{total - count:,}</td><td class="n">{_percent(count, total)}</td></tr>'
        )
        if coverage.missing[key]:
            urls = "".join(f'<li class="url">{text(url)}</li>' for url in coverage.missing[key])
            more = total - count - len(coverage.missing[key])
            tail = f"<li>and {more:,} more</li>" if more > 0 else ""
            missing.append(
                f"<details><summary>{text(label)}: missing in {total - count:,}</summary><ul>{urls}{tail}</ul></details>"
            )
    table = (
        '<table class="data" id="coverage-table"><thead><tr><th>Field</th><th class="n">With it</th>'
        f'<th class="n">Without</th><th class="n">Share</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    content = bar_chart(bars, f"Fields present in {total} article records", maximum=total) + table + "".join(missing)
    return _section("coverage", title, caption, content)


def _changes(run: Run) -> str:
    caption = (
        "Articles whose content (title, body, authors, dates, breadcrumb, related) changed in this run, against "
        f"the version before; the capture links replay in pywb as README sets it up ({REPLAY_BASE})."
    )
    content = redact(changes_html(run.changes, run.job)) if run.changes else _empty("No article changed in this run.")
    return _section("changes", f"Changed articles ({len(run.changes)})", caption, content)


def _errors(stats: dict) -> str:
    kinds = {
        key[len(EXCEPTION_PREFIX) :]: value
        for key, value in stats.items()
        if key.startswith(EXCEPTION_PREFIX) and key != IGNORED and isinstance(value, int)
    }
    if not kinds:
        return _section("errors", "Failed fetches", "", _empty("No fetch failed."))
    whole = sum(kinds.values())
    rows = [(kind, count, whole, kind) for kind, count in sorted(kinds.items(), key=lambda item: -item[1])]
    return _section(
        "errors",
        "Failed fetches",
        "Downloads that ended in an exception, by kind (from stats.json).",
        _table(("Kind", "Fetches", "Share"), rows),
    )


def _all_stats(stats: dict) -> str:
    def shown(value) -> str:
        if isinstance(value, list):
            return "<br>".join(text(v) for v in value)
        return text(value)

    rows = "".join(f"<tr><td>{text(key)}</td><td>{shown(stats[key])}</td></tr>" for key in sorted(stats))
    return (
        f'<details id="stats"><summary>All {len(stats)} values of stats.json</summary>'
        f'<table class="data"><tbody>{rows}</tbody></table></details>'
    )
