"""Browser-mode benchmark: a browser crawl against a plain crawl of the same JavaScript-built site, in the same run.

    .venv/bin/python bench/browser.py [--articles 200] [--runs 3] [--memory-articles 2000]

The site is tests/servers/scripted.py (article text, byline and related links fetched by a script
from a JSON endpoint, two lazy images per article), served from its own process. Each crawl
(`crawler crawl`, with and without --browser) runs in its own process; runs alternate plain,
browser, plain, browser... so machine noise hits both alike. Reported per mode, medians over the
runs: pages/s (responses / crawl time), CPU seconds per page (user + system of the crawl, its
analysis workers, the Playwright driver and every browser process, from RUSAGE_CHILDREN) and
peak RSS of the crawl's whole process tree (crawl, workers, driver, browser), sampled every
0.25 s; and the ratios browser / plain. With --memory-articles N the browser crawl also runs on N
articles, and the script reports its peak RSS against the one at --articles (target: within 1.3x).
Every browser run is checked: one record per article, each with its body, and no failed page.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from servers.scripted import ScriptedSite
from servers.sites import RouteServer
with RouteServer(ScriptedSite(int(sys.argv[2]))) as server:
    print(server.url, flush=True)
    sys.stdin.read()
"""
SHARED = {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING", "INCREMENTAL_ENABLED": "False"}


def tree_rss_mb(proc: psutil.Process) -> float:
    total = 0
    try:
        processes = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total / 2**20


def crawl(url: str, out: Path, browser: bool) -> dict:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", url + "/", "--job", "bench", "--output", str(out)]
    cmd += ["--no-progress", *(["--browser"] if browser else [])]
    for key, value in SHARED.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as errors:
        popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        proc = psutil.Process(popen.pid)
        peak = 0.0
        while popen.poll() is None:
            peak = max(peak, tree_rss_mb(proc))
            time.sleep(0.25)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if popen.returncode != 0:
        raise SystemExit(f"crawl failed ({popen.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    stats = json.loads((out / "bench" / "stats.json").read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pages = stats["downloader/response_count"]
    return {
        "pages": pages,
        "pages_per_s": pages / stats["elapsed_time_seconds"],
        "cpu_per_page": cpu / pages,
        "peak_rss_mb": peak,
        "stats": stats,
    }


def check(job: Path, articles: int) -> None:
    records = [json.loads(line) for line in (job / "records.jsonl").read_text().splitlines()]
    stats = json.loads((job / "stats.json").read_text())
    problems = []
    if len(records) != articles or len({r["url"] for r in records}) != articles:
        problems.append(f"{len(records)} records for {articles} articles")
    if any("paragraph 1" not in r["body_text"] for r in records):
        problems.append("records without the article text")
    if stats.get("browser/failed_pages") or stats.get("fetch/failed"):
        problems.append(
            f"failed pages: {stats.get('browser/failed_pages')}, failed fetches: {stats.get('fetch/failed')}"
        )
    if problems:
        raise SystemExit(f"CHECK FAILED for {job}:\n  " + "\n  ".join(problems))


def serve(articles: int):
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ROOT / "tests"), str(articles)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return server, server.stdout.readline().strip()


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-articles", type=int, default=0, help="also a browser crawl of this many articles")
    args = parser.parse_args()
    results: dict[str, list[dict]] = {"plain": [], "browser": []}
    memory: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        server, url = serve(args.articles)
        try:
            for run in range(args.runs):
                for mode in ("plain", "browser"):
                    out = Path(tmp) / f"{mode}-{run}"
                    result = crawl(url, out, mode == "browser")
                    if mode == "browser":
                        check(out / "bench", args.articles)
                    results[mode].append(result)
                    print(
                        f"{mode:8} run {run + 1}: {result['pages']} pages, {result['pages_per_s']:.2f} pages/s, "
                        f"{result['cpu_per_page'] * 1000:.0f} ms CPU/page, peak RSS {result['peak_rss_mb']:.0f} MB",
                        flush=True,
                    )
        finally:
            server.stdin.close()
            server.wait(timeout=30)
        if args.memory_articles:
            server, url = serve(args.memory_articles)
            try:
                for run in range(args.runs):
                    out = Path(tmp) / f"memory-{run}"
                    result = crawl(url, out, True)
                    check(out / "bench", args.memory_articles)
                    memory.append(result)
                    print(
                        f"browser {args.memory_articles} articles run {run + 1}: {result['pages_per_s']:.2f} pages/s, "
                        f"peak RSS {result['peak_rss_mb']:.0f} MB",
                        flush=True,
                    )
            finally:
                server.stdin.close()
                server.wait(timeout=30)
    print(
        f"\n{date.today()} {platform.node()} ({os.cpu_count()} cores), {args.articles} articles, median of {args.runs}"
    )
    print(f"{'':10}{'pages/s':>10}{'ms CPU/page':>14}{'peak RSS MB':>14}")
    for mode, runs in results.items():
        cpu = median(runs, "cpu_per_page") * 1000
        print(f"{mode:10}{median(runs, 'pages_per_s'):>10.2f}{cpu:>14.0f}{median(runs, 'peak_rss_mb'):>14.0f}")
    ratios = [
        median(results["browser"], key) / median(results["plain"], key)
        for key in ("pages_per_s", "cpu_per_page", "peak_rss_mb")
    ]
    print(f"{'ratio':10}{ratios[0]:>10.3f}{ratios[1]:>14.1f}{ratios[2]:>14.2f}   (browser / plain)")
    if memory:
        small, large = median(results["browser"], "peak_rss_mb"), median(memory, "peak_rss_mb")
        verdict = "within" if large <= 1.3 * small else "NOT within"
        print(
            f"peak RSS, browser crawl: {small:.0f} MB at {args.articles} articles, {large:.0f} MB at "
            f"{args.memory_articles}: {large / small:.2f}x ({verdict} the 1.3x target)"
        )


if __name__ == "__main__":
    main()
