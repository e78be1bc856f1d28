"""Crawl benchmark: a bare Scrapy CrawlSpider against our full pipeline, on the same local site.

    .venv/bin/python bench/crawl.py [--articles 2000] [--runs 3] [--job-dir]

(a) bare: a CrawlSpider following same-host links, no output; (b) full: `crawler crawl` with
discovery, extraction, JSON Lines and WARC (request + response records). Each crawl runs in its own
process; we report pages/s (responses / crawl time), CPU seconds per page (user + system of the
crawling process and its page-analysis workers) and peak RSS (VmHWM) of the crawl process and of its
largest worker, the medians over the runs and the ratio b/a. Runs alternate
a, b, a, b, ... so machine noise hits both alike. Every full run is checked: one record per article,
no duplicate, every WARC valid, one response per HTML page; a failed check stops the script.
With --job-dir the full pipeline keeps its frontier on disk (Scrapy JOBDIR): the memory test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from testsite import ROOT, bench_site

SHARED = {
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": "False",
}

BARE_SPIDER = """
import sys
from urllib.parse import urlsplit
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

url, stats_path, settings = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])

class Bare(CrawlSpider):
    name = "bare"
    start_urls = [url]
    allowed_domains = [urlsplit(url).hostname]
    rules = [Rule(LinkExtractor(), follow=True)]  # same-host: OffsiteMiddleware with allowed_domains

process = CrawlerProcess(settings)
crawler = process.create_crawler(Bare)
process.crawl(crawler)
process.start()
import json
json.dump({k: str(v) if not isinstance(v, (int, float)) else v for k, v in crawler.stats.get_stats().items()}, open(stats_path, "w"))
"""


def _hwm_mb(pid: int) -> float:
    """VmHWM: a process's own peak RSS. (wait4's ru_maxrss is no good here: it keeps the RSS the
    child inherited from this growing benchmark process across fork and exec.)"""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_measured(cmd: list[str], cwd: Path) -> tuple[float, float, float, float]:
    """(wall seconds, CPU seconds of the crawl and its workers, peak RSS MB of the crawl process,
    peak RSS MB of its largest worker process) of a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        main_peak = worker_peak = 0.0
        while proc.poll() is None:
            main_peak = max(main_peak, _hwm_mb(proc.pid))
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            for child in children.read_text().split() if children.exists() else []:
                worker_peak = max(worker_peak, _hwm_mb(int(child)))
            time.sleep(0.2)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the crawl and its workers, once reaped
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return wall, cpu, main_peak, worker_peak


def bare(url: str, tmp: Path, extra: dict[str, str]) -> dict:
    stats_path = tmp / "bare-stats.json"
    script = tmp / "bare.py"
    script.write_text(BARE_SPIDER)
    settings = {**SHARED, **extra}
    _, cpu, rss, worker = run_measured(
        [sys.executable, str(script), url + "/", str(stats_path), *(f"{k}={v}" for k, v in settings.items())], tmp
    )
    stats = json.loads(stats_path.read_text())
    return {
        "pages": stats["downloader/response_count"],
        "seconds": stats["elapsed_time_seconds"],
        "cpu": cpu,
        "rss": rss,
        "worker": worker,
    }


def full(url: str, tmp: Path, job_dir: bool) -> tuple[dict, Path]:
    out = tmp / f"full-{time.monotonic_ns()}"
    cmd = [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        url + "/",
        "--job",
        "bench",
        "--output",
        str(out),
        "--no-progress",
    ]
    for key, value in SHARED.items():
        cmd += ["-s", f"{key}={value}"]
    cmd += ["-s", "INCREMENTAL_ENABLED=False"]
    if job_dir:
        cmd += ["--job-dir", str(out / "jobdir")]
    _, cpu, rss, worker = run_measured(cmd, ROOT)
    stats = json.loads((out / "bench" / "stats.json").read_text())
    return {
        "pages": stats["downloader/response_count"],
        "seconds": stats["elapsed_time_seconds"],
        "cpu": cpu,
        "rss": rss,
        "worker": worker,
    }, out / "bench"


def check_output(job: Path, articles: int, html_pages: int) -> None:
    """No error, no lost or duplicated record, valid WARCs, one response per page: or stop loudly."""
    from warcio.archiveiterator import ArchiveIterator

    urls = [json.loads(line)["url"] for line in (job / "records.jsonl").read_text().splitlines()]
    problems = []
    stats = json.loads((job / "stats.json").read_text())
    errors = {k: v for k, v in stats.items() if k.startswith("spider_exceptions/") or k == "log_count/ERROR"}
    if errors:
        problems.append(f"errors in the crawl (see {job / 'logs'}): {errors}")
    if len(urls) != articles:
        problems.append(f"{len(urls)} records for {articles} articles")
    duplicates = [u for u, n in Counter(urls).items() if n > 1]
    if duplicates:
        problems.append(f"duplicate records: {duplicates[:3]}")
    files = sorted(job.glob("*.warc.gz"))
    check = subprocess.run(
        [sys.executable, "-m", "crawler.archive.warcio_brotli", "check", *map(str, files)],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0 or list(job.glob("*.open")):
        problems.append(f"WARC check failed: {check.stdout[-500:]} {check.stderr[-500:]}")
    responses = Counter()
    for path in files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    responses[record.rec_headers.get_header("WARC-Target-URI")] += 1
    if any(n > 1 for n in responses.values()):
        problems.append("a URL was archived twice")
    if len(responses) < html_pages:
        problems.append(f"{len(responses)} responses archived for {html_pages} HTML pages")
    if problems:
        raise SystemExit("CHECK FAILED for " + str(job) + ":\n  " + "\n  ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="2000 (default), 20000 or 100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--job-dir", action="store_true", help="full pipeline with a disk-backed frontier (JOBDIR)")
    parser.add_argument("--only", choices=["bare", "full"], help="run one side only (profiling)")
    parser.add_argument(
        "--bare-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Scrapy setting for the bare spider only, e.g. CONCURRENT_ITEMS=4 to give it our tuning",
    )
    args = parser.parse_args()
    bare_extra = dict(item.split("=", 1) for item in args.bare_set)
    results: dict[str, list[dict]] = {"bare": [], "full": []}
    with tempfile.TemporaryDirectory() as tmpdir, bench_site(args.articles) as (url, html_pages, server):
        tmp = Path(tmpdir)
        for run in range(args.runs):
            for side in ("bare", "full"):
                if args.only and side != args.only:
                    continue
                if side == "bare":
                    result = bare(url, tmp, bare_extra)
                else:
                    result, job = full(url, tmp, args.job_dir)
                    check_output(job, args.articles, html_pages)
                results[side].append(result)
                print(
                    f"run {run + 1} {side}: {result['pages']} pages, {result['pages'] / result['seconds']:.1f} pages/s, "
                    f"{1000 * result['cpu'] / result['pages']:.2f} ms CPU/page, peak RSS {result['rss']:.0f} MB"
                    f" (analysis worker {result['worker']:.0f} MB)",
                    flush=True,
                )
    med = {
        side: {
            "rate": statistics.median(r["pages"] / r["seconds"] for r in runs),
            "cpu": statistics.median(r["cpu"] / r["pages"] for r in runs),
            "rss": statistics.median(r["rss"] for r in runs),
            "worker": statistics.median(r["worker"] for r in runs),
        }
        for side, runs in results.items()
        if runs
    }
    print()
    print(
        f"date {date.today()}; machine {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"site: {args.articles} articles, {html_pages} HTML pages, served by {server}")
    print(
        f"command: .venv/bin/python bench/crawl.py --articles {args.articles} --runs {args.runs}"
        + (" --job-dir" if args.job_dir else "")
        + (f" --only {args.only}" if args.only else "")
        + "".join(f" --bare-set {item}" for item in args.bare_set)
    )
    print(
        f"| crawler | pages/s | CPU ms/page | peak RSS MB (crawl process; largest worker) | (medians of {args.runs} runs)"
    )
    print("|---|---|---|---|")
    names = {
        "bare": "(a) bare CrawlSpider, no output",
        "full": "(b) full pipeline" + (" (JOBDIR)" if args.job_dir else ""),
    }
    for side, m in med.items():
        print(f"| {names[side]} | {m['rate']:.1f} | {1000 * m['cpu']:.2f} | {m['rss']:.0f}; {m['worker']:.0f} |")
    if len(med) == 2:
        ratios = [
            f["pages"] / f["seconds"] / (b["pages"] / b["seconds"]) for b, f in zip(results["bare"], results["full"])
        ]
        print(
            f"| ratio b/a | {statistics.median(ratios):.2f} (median of per-run ratios {', '.join(f'{r:.2f}' for r in ratios)}) | "
            f"{med['full']['cpu'] / med['bare']['cpu']:.2f} | {med['full']['rss'] / med['bare']['rss']:.2f} |"
        )


if __name__ == "__main__":
    main()
