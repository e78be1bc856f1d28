"""Many-host benchmark: 50 loopback sites of uneven size, each with its own robots.txt Crawl-delay, served by
one nginx (one server block per port of 127.0.0.1), crawled as one job by 1 worker (SQLite frontier) and by
2 workers (a Redis frontier).

    .venv/bin/python bench/hosts.py [--runs 3] [--hosts 50]

For each run: the crawl's time (first to last request the sites saw, and the process wall time) against
the politeness bound (the slowest host's requests x its delay: no crawl that keeps the delays can be
faster); requests per host; the spacing each host saw (shortest and median gap between two of its
requests, against its delay), from nginx's access log; peak RSS of each crawl process. Then peak RSS
of one worker crawling the same 1,000 articles as 1 site and as 50, for the memory each host adds.
Needs nginx and redis-server.
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
import urllib.request
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed import start_redis
from testsite import ROOT, generate

# Articles per site (the demo site has at least 12; about 1.9 requests per article with its listings,
# feed, sitemap and images) and Crawl-delays: uneven, one large site sets the bound, a few middling ones
# come near it, most are small. Long enough delays that the bound, not this 2-core machine's CPU
# (extraction of ~1,500 pages), sets the pace.
SIZES = [100, 50, 40, 30, 25, 20, 20, 15, 15, 15] + [12] * 40
DELAYS = [0.5, 0.6, 0.5, 0.4, 0.5, 0.3, 0.6, 0.2, 0.4, 0.5]

_NGINX = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format fleet '$msec $server_port $status "$request_uri"';
    access_log {tmp}/access.log fleet;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    types {{ text/html html; application/xml xml; text/css css; image/png png; text/plain txt; }}
    default_type text/html;
{servers}
}}
"""
_SERVER = """    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        location = /robots.txt {{ default_type text/plain; }}
        location /feed/ {{ default_type application/rss+xml; }}
    }}"""


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def build_sites(root: Path, sizes: list[int], delays: list[float | None]) -> list[dict]:
    """A site per size under root, each on its own port, with a Crawl-delay in its robots.txt (None: none)."""
    sites = []
    for n, (articles, port) in enumerate(zip(sizes, free_ports(len(sizes)))):
        folder = root / f"site{n}"
        base = f"http://127.0.0.1:{port}"
        _, pages = generate(folder, articles, base)
        delay = delays[n % len(delays)]
        if delay is not None:
            robots = folder / "robots.txt"
            robots.write_text(robots.read_text().replace("User-agent: *\n", f"User-agent: *\nCrawl-delay: {delay}\n"))
        sites.append({"port": port, "url": base + "/", "pages": pages, "delay": delay})
    return sites


class Nginx:
    def __init__(self, root: Path, sites: list[dict]):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-hosts-nginx-"))
        servers = "\n".join(
            _SERVER.format(port=s["port"], root=(root / f"site{n}").resolve()) for n, s in enumerate(sites)
        )
        (self.tmp / "nginx.conf").write_text(_NGINX.format(tmp=self.tmp, servers=servers))
        self.sites = sites
        self.log = self.tmp / "access.log"

    def __enter__(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-c", str(self.tmp / "nginx.conf"), "-p", str(self.tmp)])
        for site in self.sites:
            for _ in range(100):
                try:
                    urllib.request.urlopen(site["url"] + "robots.txt", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.05)
        self.log.write_text("")  # the probes above are not the crawl's
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def entries(self) -> dict[int, list[float]]:
        """port -> times of the requests it got."""
        times = defaultdict(list)
        for line in self.log.read_text().splitlines():
            msec, port, _ = line.split(" ", 2)
            times[int(port)].append(float(msec))
        return times


def peak_rss(pid: int) -> int:
    """VmHWM (peak resident set) of a live process, in bytes; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def crawl(sites: list[dict], out: Path, workers: int, frontier: str | None, settings: list[str]) -> dict:
    """Run the job; wall seconds and each worker process's peak RSS."""
    seeds = out / "sites.txt"
    seeds.write_text("\n".join(s["url"] for s in sites) + "\n")
    job = out / "hosts.toml"
    job.write_text(f'[job]\nname = "hosts"\n[seeds]\nfile = "{seeds}"\n[output]\ndir = "{out}"\n')
    command = [
        sys.executable,
        "-m",
        "crawler.cli",
        "crawl",
        "--config",
        str(job),
        "--no-progress",
        "--log-level",
        "WARNING",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    procs = []
    for n in range(workers):
        extra = ["--frontier", frontier, "--worker-id", f"w{n}"] if frontier else []
        procs.append(
            subprocess.Popen(
                [*command, *extra, *settings], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        )
    peaks = [0] * workers
    while any(p.poll() is None for p in procs):
        peaks = [max(peak, peak_rss(p.pid)) for peak, p in zip(peaks, procs)]
        time.sleep(0.2)
    wall = time.monotonic() - started
    for proc in procs:
        err = proc.stderr.read().decode()
        proc.stderr.close()
        if proc.returncode != 0:
            raise SystemExit(f"crawl failed ({proc.returncode}): {err[-2000:]}")
    return {"wall": wall, "rss": peaks}


MEMORY_ARTICLES = 1000


def measure(sites: list[dict], times: dict[int, list[float]]) -> dict:
    """The politeness bound, the crawl's span and each host's spacing, from the access log."""
    first = min(t for ts in times.values() for t in ts)
    last = max(t for ts in times.values() for t in ts)
    hosts = []
    for site in sites:
        ts = sorted(times.get(site["port"], []))
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        hosts.append(
            {
                "requests": len(ts),
                "delay": site["delay"] or 0.0,
                "bound": (len(ts) - 1) * (site["delay"] or 0.0),
                "min_gap": min(gaps) if gaps else None,
                "median_gap": statistics.median(gaps) if gaps else None,
                "finished_after": ts[-1] - first if ts else None,
            }
        )
    bound = max(h["bound"] for h in hosts)
    return {
        "span": last - first,
        "bound": bound,
        "hosts": hosts,
        "requests": sum(h["requests"] for h in hosts),
        "worst_gap_ratio": min((h["min_gap"] / h["delay"] for h in hosts if h["min_gap"] and h["delay"]), default=0),
        "median_gap_ratio": statistics.median(
            [h["median_gap"] / h["delay"] for h in hosts if h["median_gap"] and h["delay"]] or [0]
        ),
    }


def run_once(sites, root, workers: int, settings: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-hosts-out-") as out, Nginx(root, sites) as nginx:
        redis_proc, frontier = start_redis(out) if workers > 1 else (None, None)
        try:
            result = crawl(sites, Path(out), workers, frontier, settings)
        finally:
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait(10)
        return {**result, **measure(sites, nginx.entries())}


def memory_per_host(root: Path, runs: int) -> tuple[list[int], list[int]]:
    """Peak RSS of one worker crawling the same number of articles as 1 site and as 50 (no Crawl-delay)."""
    one = build_sites(root / "mem1", [MEMORY_ARTICLES], [None])
    fifty = build_sites(root / "mem50", [MEMORY_ARTICLES // 50] * 50, [None])
    few, many = [], []
    for _ in range(runs):
        for sites, folder, into in ((one, "mem1", few), (fifty, "mem50", many)):
            into.append(run_once(sites, root / folder, 1, [])["rss"][0])
    return few, many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=50)
    args = parser.parse_args()
    for tool in ("nginx", "redis-server"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            raise SystemExit(f"{tool} is needed (apt-get install nginx-light redis-server)")
    sizes = (SIZES * (args.hosts // len(SIZES) + 1))[: args.hosts]
    with tempfile.TemporaryDirectory(prefix="bench-hosts-sites-") as tmp:
        root = Path(tmp)
        os.chmod(tmp, 0o755)  # nginx workers run as an unprivileged user
        sites = build_sites(root, sizes, DELAYS)
        results: dict[int, list[dict]] = {1: [], 2: []}
        for _ in range(args.runs):  # alternating, so that the machine's load falls on both alike
            for workers in (1, 2):
                result = run_once(sites, root, workers, [])
                results[workers].append(result)
                print(
                    f"{workers} worker(s): span {result['span']:.1f} s, wall {result['wall']:.1f} s, bound "
                    f"{result['bound']:.1f} s, {result['requests']} requests, shortest gap / delay "
                    f"{result['worst_gap_ratio']:.3f}, peak RSS {max(result['rss']) / 2**20:.0f} MB",
                    flush=True,
                )
        few, many = memory_per_host(root, args.runs)
    report(args, sites, results, few, many)


def report(args, sites, results, few, many) -> None:
    def med(values):
        return statistics.median(values)

    print(
        f"\n- **Date**: {date.today()}. **Machine**: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}."
    )
    print(
        f"- **Command**: `.venv/bin/python bench/hosts.py --runs {args.runs} --hosts {args.hosts}`; "
        f"{len(sites)} sites, {sum(s['pages'] for s in sites)} HTML pages, Crawl-delays "
        f"{min(s['delay'] for s in sites)}-{max(s['delay'] for s in sites)} s, default settings (AutoThrottle on).\n"
    )
    print(
        "| workers | politeness bound | crawl span (first to last request) | span / bound | wall (process) | "
        "wall / bound | requests | shortest gap / delay (worst host) | median gap / delay (median host) | "
        "peak RSS per worker |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for workers, runs in results.items():
        bound = med([r["bound"] for r in runs])
        span, wall = med([r["span"] for r in runs]), med([r["wall"] for r in runs])
        print(
            f"| {workers} | {bound:.1f} s | {span:.1f} s | {med([r['span'] / r['bound'] for r in runs]):.2f} | "
            f"{wall:.1f} s | {med([r['wall'] / r['bound'] for r in runs]):.2f} | {med([r['requests'] for r in runs]):.0f} | "
            f"{min(r['worst_gap_ratio'] for r in runs):.3f} | {med([r['median_gap_ratio'] for r in runs]):.2f} | "
            f"{med([max(r['rss']) for r in runs]) / 2**20:.0f} MB |"
        )
    one = results[1][len(results[1]) // 2]
    print("\nPer host (1 worker, the median run): requests, delay, shortest and median gap, finished after (s):\n")
    print("| host | requests | delay | shortest gap | median gap | finished after |")
    print("|---|---|---|---|---|---|")
    for n, host in enumerate(sorted(one["hosts"], key=lambda h: -h["bound"])[:8]):
        print(
            f"| site {n} | {host['requests']} | {host['delay']} | {host['min_gap']:.3f} | {host['median_gap']:.3f} | "
            f"{host['finished_after']:.1f} |"
        )
    per_host = (med(many) - med(few)) / 49
    print(
        f"\nPeak RSS of 1 worker, {MEMORY_ARTICLES} articles as 1 site: {med(few) / 2**20:.1f} MB; as 50 sites: "
        f"{med(many) / 2**20:.1f} MB: {per_host / 2**20:.2f} MB per host (medians of {len(few)})."
    )
    print(
        "\nRaw:",
        json.dumps({w: [{k: v for k, v in r.items() if k != "hosts"} for r in rs] for w, rs in results.items()}),
    )


if __name__ == "__main__":
    main()
