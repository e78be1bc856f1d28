"""Distributed crawl benchmark: pages/s with 1 and 2 workers sharing a Redis frontier, on one machine,
against the same local site; and Redis memory per 100,000 queued URLs.

    .venv/bin/python bench/distributed.py [--articles 2000] [--runs 3]

Needs redis-server (make test installs it); nginx is used for the site when installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from testsite import ROOT, bench_site

CRAWL_SETTINGS = [
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "INCREMENTAL_ENABLED=False",
    "--log-level",
    "WARNING",
    "--no-progress",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(tmp: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            shutil.which("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tmp,
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def crawl(url: str, frontier: str, workers: int, out: Path, job: str) -> tuple[float, int]:
    """Wall seconds and responses of one crawl by `workers` processes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "crawl",
                url + "/",
                "--job",
                job,
                "--output",
                str(out),
                "--frontier",
                frontier,
                "--worker-id",
                f"w{n}",
                *CRAWL_SETTINGS,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(workers)
    ]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"worker failed ({proc.returncode}): {err.decode()[-2000:]}")
    elapsed = time.monotonic() - started
    responses = sum(
        json.loads(p.read_text()).get("downloader/response_count", 0) for p in (out / job).glob("stats-*.json")
    )
    return elapsed, responses


def redis_memory_per_100k(frontier: str) -> int:
    """Bytes of Redis memory a queue of 100,000 requests (with their seen-set entries) takes."""
    import redis

    from crawler.scheduler.distributed import push_seeds

    server = redis.Redis.from_url(frontier)
    server.flushdb()
    before = server.info("memory")["used_memory"]
    urls = [
        (f"http://127.0.0.1:8000/{2000 + n % 20}/{n % 12 + 1:02d}/article-number-{n}-with-a-typical-slug/", 0)
        for n in range(100_000)
    ]
    push_seeds(server, "memory", urls)
    return server.info("memory")["used_memory"] - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed (apt-get install -y redis-server)")
    results: dict[int, list[tuple[float, int]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp, bench_site(args.articles) as (url, pages, server_name):
        redis_proc, frontier = start_redis(tmp)
        try:
            import redis

            for run in range(args.runs):
                for workers in (1, 2):  # interleaved, so drift in machine load hits both alike
                    redis.Redis.from_url(frontier).flushdb()
                    out = Path(tmp) / f"out-{workers}-{run}"
                    results[workers].append(crawl(url, frontier, workers, out, "bench"))
                    shutil.rmtree(out)
                    elapsed, responses = results[workers][-1]
                    print(
                        f"run {run + 1}: {workers} worker(s): {responses} pages in {elapsed:.1f} s = {responses / elapsed:.1f} pages/s",
                        flush=True,
                    )
            memory = redis_memory_per_100k(frontier)
        finally:
            redis_proc.terminate()
    rates = {w: statistics.median(r / e for e, r in runs) for w, runs in results.items()}
    print()
    print(
        f"date {date.today()}, machine {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"site: {args.articles} articles, {pages} HTML pages, served by {server_name}")
    print(f"command: .venv/bin/python bench/distributed.py --articles {args.articles} --runs {args.runs}")
    print(f"| workers | pages/s (median of {args.runs}) | ratio to 1 worker |")
    print("|---|---|---|")
    for workers, rate in rates.items():
        print(f"| {workers} | {rate:.1f} | {rate / rates[1]:.2f} |")
    print(
        f"Redis memory per 100,000 queued URLs: {memory / 1e6:.1f} MB ({memory / 100_000:.0f} bytes per URL, queue entry and seen-set fingerprint)"
    )


if __name__ == "__main__":
    main()
