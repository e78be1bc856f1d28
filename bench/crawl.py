"""Crawl benchmark: wget, a bare Scrapy CrawlSpider and our full pipeline, alternating, on the same local site.

    .venv/bin/python bench/crawl.py [--site wordpress|demo|both] [--articles 2000] [--runs 3] [--job-dir]

(w) wget: `wget --recursive --level=inf --warc-file` (robots.txt obeyed, one connection, WARC
written, pages deleted once parsed); (a) bare: a CrawlSpider following same-host links, no output;
(b) full: `crawler crawl` with discovery, extraction, JSON Lines and WARC (request, response and
metadata records), CDXJ. Two more show Scrapy's own floor on the site (`--sides wget,floor,engine,full`):
(f) floor: a Scrapy spider given every HTML page's URL up front, whose callback does nothing, with
Scrapy's stock middlewares and extensions; (e) engine: the same with all of them off but the core
stats. Each crawl runs in its own process; each run of the script measures the contenders in turn,
run after run (w, a, b, w, a, b, ...), so machine noise hits all alike.

Reported per contender (medians over the runs): pages/s (responses over crawl time: Scrapy's
elapsed_time_seconds, wget's wall time), CPU ms per response split by process (the crawling
process; its page-analysis workers), peak RSS (VmHWM) of the crawl process and of its largest
worker, and ratios to the bare spider and to wget from the same runs.

Every run is checked and the script stops loudly when a check fails: wget and the bare spider
must fetch every HTML page; the full pipeline must write one record per article and no duplicate,
archive every HTML page once, log no error, and leave valid WARC files (warcio check); wget's WARC
must be valid too. With --job-dir the full pipeline keeps its frontier on disk (Scrapy JOBDIR).
With --profile FILE the full pipeline runs once under py-spy (crawl process and workers; samples that
hold the GIL, so waiting is left out) instead,
and the script prints where the samples went (bench/stacks.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from testsite import ROOT, SITES, bench_site

SHARED = {
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": "False",
}
SIDES = ("wget", "floor", "engine", "bare", "full", "base")
NAMES = {
    "wget": "(w) wget --recursive --warc-file",
    "floor": "(f) Scrapy fetching the page list, stock components",
    "engine": "(e) Scrapy fetching the page list, no components",
    "bare": "(a) bare CrawlSpider, no output",
    "full": "(b) full pipeline",
    "base": "(c) full pipeline of --base-tree",
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

# Scrapy's own floor: every HTML page's URL given up front, a callback that does nothing. "stock" keeps
# Scrapy's default middlewares and extensions; "engine" turns them all off but the core stats, so what
# is left is the engine, scheduler, downloader, HTTP/1.1 client and signals.
FLOOR_SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

urls_path, stats_path, mode = sys.argv[1:4]
settings = dict(a.split("=", 1) for a in sys.argv[4:])
if mode == "engine":
    settings.update(
        DOWNLOADER_MIDDLEWARES_BASE={},
        SPIDER_MIDDLEWARES_BASE={},
        EXTENSIONS_BASE={"scrapy.extensions.corestats.CoreStats": 0},
    )

class Floor(scrapy.Spider):
    name = "floor"

    async def start(self):
        with open(urls_path) as fh:
            for line in fh:
                yield scrapy.Request(line.strip())

    def parse(self, response):
        self.crawler.stats.inc_value("floor/responses")
        return ()

process = CrawlerProcess(settings)
crawler = process.create_crawler(Floor)
process.crawl(crawler)
process.start()
json.dump({k: str(v) if not isinstance(v, (int, float)) else v for k, v in crawler.stats.get_stats().items()}, open(stats_path, "w"))
"""

_TICKS = os.sysconf("SC_CLK_TCK")
# Bytecode of the trees measured, kept across runs (and out of the trees).
PYCACHE = Path(tempfile.gettempdir()) / "bench-crawl-pycache"


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


def _cpu_of_exited(pid: int) -> tuple[float, float]:
    """(own CPU seconds, CPU seconds of the children it reaped: its workers) of an exited, unreaped process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) / _TICKS for v in fields[11:15])
    return utime + stime, cutime + cstime


def run_measured(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,), tree: Path = ROOT, stdout=None) -> dict:
    """Run a command; its wall seconds, CPU seconds of the process and of its workers, peak RSS MB of
    each (the largest worker's), or stop with its error output when its exit code is not one of ok.
    stdout: a file for its output (default: none kept)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiling every module anew in every run is no crawl cost
    started = time.monotonic()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout or subprocess.DEVNULL, stderr=errors)
        try:
            main_peak, worker_peak = _watch(proc)
        finally:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                proc.terminate()  # the benchmark was stopped: so is the crawl
                proc.wait()
        wall = time.monotonic() - started
        cpu, workers_cpu = _cpu_of_exited(proc.pid)
        proc.wait()
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if proc.returncode not in ok:
        raise SystemExit(f"crawl failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return {
        "wall": wall,
        "cpu": cpu,
        "workers_cpu": workers_cpu,
        "rss": main_peak,
        "worker_rss": worker_peak,
        "stderr": stderr,
    }


def _watch(proc: subprocess.Popen) -> tuple[float, float]:
    """Peak RSS MB of a process and of its largest child, until it exits (left unreaped, for its CPU times)."""
    main_peak = worker_peak = 0.0
    while True:
        main_peak = max(main_peak, _hwm_mb(proc.pid))
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        try:
            for child in children.read_text().split():
                worker_peak = max(worker_peak, _hwm_mb(int(child)))
        except OSError:
            pass
        # Exited but not yet reaped: its /proc entry still holds its own and its children's CPU times.
        if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            break
        time.sleep(0.1)
    return main_peak, worker_peak


def wget(url: str, tmp: Path, html_pages: int) -> dict:
    if shutil.which("wget") is None:
        raise SystemExit("wget is not installed: `make bench-packages` (apt-get install wget), or --sides bare,full")
    out = tmp / f"wget-{time.monotonic_ns()}"
    out.mkdir()
    warc = out / "wget"
    cmd = ["wget", "--recursive", "--level=inf", "--no-verbose", "--delete-after", "--no-host-directories"]
    cmd += ["--directory-prefix", str(out / "files"), "--warc-file", str(warc), url + "/"]
    result = run_measured(cmd, out, ok=(0, 8))  # 8: some answer was an error (the site's deliberate 404)
    responses, html = _archived(out / "wget.warc.gz")
    problems = _warc_problems([out / "wget.warc.gz"])
    if len(html) < html_pages:
        problems.append(f"{len(html)} HTML pages archived for {html_pages}")
    if problems:
        raise SystemExit("CHECK FAILED for wget in " + str(out) + ":\n  " + "\n  ".join(problems))
    shutil.rmtree(out)
    return {**result, "pages": sum(responses.values()), "seconds": result["wall"]}


def bare(url: str, tmp: Path, extra: dict[str, str], html_pages: int) -> dict:
    stats_path = tmp / "bare-stats.json"
    script = tmp / "bare.py"
    script.write_text(BARE_SPIDER)
    settings = {**SHARED, **extra}
    cmd = [sys.executable, str(script), url + "/", str(stats_path), *(f"{k}={v}" for k, v in settings.items())]
    result = run_measured(cmd, tmp)
    stats = json.loads(stats_path.read_text())
    fetched = stats.get("downloader/response_status_count/200", 0)
    if fetched < html_pages or stats.get("log_count/ERROR"):
        raise SystemExit(f"CHECK FAILED for the bare spider: {fetched} pages for {html_pages}, stats {stats}")
    return {**result, "pages": stats["downloader/response_count"], "seconds": stats["elapsed_time_seconds"]}


def floor(url: str, tmp: Path, mode: str, site: str, articles: int, html_pages: int) -> dict:
    """Scrapy's engine fetching every HTML page from a list: what any Scrapy crawl of the site spends at least."""
    urls = tmp / "pages.txt"
    if not urls.exists():
        urls.write_text("".join(f"{url}{path}\n" for path in SITES[site](articles=articles).html_paths()))
    stats_path = tmp / "floor-stats.json"
    script = tmp / "floor.py"
    script.write_text(FLOOR_SPIDER)
    cmd = [sys.executable, str(script), str(urls), str(stats_path), mode, *(f"{k}={v}" for k, v in SHARED.items())]
    result = run_measured(cmd, tmp)
    stats = json.loads(stats_path.read_text())
    fetched = stats.get("floor/responses", 0)
    if fetched < html_pages or stats.get("log_count/ERROR"):
        raise SystemExit(f"CHECK FAILED for the {mode} floor: {fetched} pages for {html_pages}, stats {stats}")
    return {**result, "pages": fetched, "seconds": stats["elapsed_time_seconds"]}


def full_command(url: str, out: Path, job_dir: bool, extra: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", url + "/", "--job", "bench", "--output", str(out)]
    cmd += ["--no-progress"]
    for key, value in {**SHARED, "INCREMENTAL_ENABLED": "False", **extra}.items():
        cmd += ["-s", f"{key}={value}"]
    if job_dir:
        cmd += ["--job-dir", str(out / "jobdir")]
    return cmd


def full(
    url: str, tmp: Path, job_dir: bool, extra: dict[str, str], articles: int, html_pages: int, tree: Path = ROOT
) -> dict:
    out = tmp / f"full-{time.monotonic_ns()}"
    result = run_measured(full_command(url, out, job_dir, extra), tree, tree=tree)
    job = out / "bench"
    stats = json.loads((job / "stats.json").read_text())
    check_output(job, articles, html_pages)
    shutil.rmtree(out)
    return {**result, "pages": stats["downloader/response_count"], "seconds": stats["elapsed_time_seconds"]}


def _archived(*paths: Path) -> tuple[Counter, set[str]]:
    """Response (and revisit) records per URL, and the URLs of 200 HTML responses, in these WARCs."""
    from warcio.archiveiterator import ArchiveIterator

    responses: Counter = Counter()
    html = set()
    for path in paths:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    responses[uri] += 1
                    http = record.http_headers
                    if http and http.get_statuscode() == "200" and "html" in (http.get_header("Content-Type") or ""):
                        html.add(uri)
    return responses, html


def _warc_problems(files: list[Path]) -> list[str]:
    check = subprocess.run(
        [sys.executable, "-m", "crawler.archive.warcio_brotli", "check", *map(str, files)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if check.returncode != 0 or not files:
        return [f"WARC check failed ({len(files)} files): {check.stdout[-500:]} {check.stderr[-500:]}"]
    return []


def check_output(job: Path, articles: int, html_pages: int) -> None:
    """No error, no lost or duplicated record, valid WARCs, one response per page: or stop loudly."""
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
    problems += _warc_problems(files)
    if list(job.glob("*.open")):
        problems.append("a WARC file was left open")
    responses, html = _archived(*files)
    if any(n > 1 for n in responses.values()):
        problems.append("a URL was archived twice")
    if len(html) < html_pages:
        problems.append(f"{len(html)} HTML pages archived for {html_pages}")
    if problems:
        raise SystemExit("CHECK FAILED for " + str(job) + ":\n  " + "\n  ".join(problems))


def profile(url: str, tmp: Path, job_dir: bool, extra: dict[str, str], output: Path, tree: Path = ROOT) -> None:
    """A full pipeline once under py-spy (raw collapsed stacks, crawl process and workers), then a summary."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = tmp / "profiled"
    cmd = [py_spy, "record", "--subprocesses", "--gil", "--rate", "200", "--format", "raw", "--output", str(output)]
    cmd += ["--", *full_command(url, out, job_dir, extra)]
    result = run_measured(cmd, tree, tree=tree)
    print(f"profiled run: {result['wall']:.1f} s wall; stacks in {output}")
    subprocess.run([sys.executable, str(Path(__file__).parent / "stacks.py"), str(output)], check=True)


def _medians(runs: list[dict]) -> dict:
    return {
        "rate": statistics.median(r["pages"] / r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] / r["pages"] for r in runs),
        "workers_cpu": statistics.median(r["workers_cpu"] / r["pages"] for r in runs),
        "total_cpu": statistics.median((r["cpu"] + r["workers_cpu"]) / r["pages"] for r in runs),
        "rss": statistics.median(r["rss"] for r in runs),
        "worker_rss": statistics.median(r["worker_rss"] for r in runs),
        "pages": statistics.median(r["pages"] for r in runs),
    }


def _ratios(results: dict[str, list[dict]], side: str, base: str) -> list[float]:
    return [(s["pages"] / s["seconds"]) / (b["pages"] / b["seconds"]) for s, b in zip(results[side], results[base])]


def report(site: str, args, html_pages: int, server: str, results: dict[str, list[dict]]) -> None:
    med = {side: _medians(runs) for side, runs in results.items() if runs}
    print()
    print(
        f"date {date.today()}; machine {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    print(f"site: {site}, {args.articles} articles, {html_pages} HTML pages, served by {server}")
    print(f"command: .venv/bin/python {' '.join(sys.argv)}")
    print(f"| crawler (medians of {args.runs} runs) | responses | pages/s | CPU ms/page: crawl; workers; all |", end="")
    print(" peak RSS MB: crawl; largest worker |")
    print("|---|---|---|---|---|")
    for side, m in med.items():
        print(
            f"| {NAMES[side]}{' (JOBDIR)' if side == 'full' and args.job_dir else ''} | {m['pages']:.0f} | "
            f"{m['rate']:.1f} | {1000 * m['cpu']:.2f}; {1000 * m['workers_cpu']:.2f}; {1000 * m['total_cpu']:.2f} | "
            f"{m['rss']:.0f}; {m['worker_rss']:.0f} |"
        )
    pairs = [("full", "bare"), ("full", "wget"), ("bare", "wget"), ("full", "base"), ("base", "bare")]
    pairs += [("floor", "wget"), ("engine", "wget"), ("full", "floor"), ("full", "engine")]
    for side, base in pairs:
        if side in med and base in med:
            ratios = _ratios(results, side, base)
            print(
                f"ratio {side}/{base}: pages/s {statistics.median(ratios):.2f} (per run "
                f"{', '.join(f'{r:.2f}' for r in ratios)}); CPU per page "
                f"{med[side]['total_cpu'] / med[base]['total_cpu']:.2f}; peak RSS {med[side]['rss'] / med[base]['rss']:.2f}"
            )


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # kill PID: the server and the crawl stop too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", choices=[*SITES, "both"], default="wordpress", help="which site (default wordpress)")
    parser.add_argument("--articles", type=int, default=2000, help="2000 (default), 20000 or 100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--job-dir", action="store_true", help="full pipeline with a disk-backed frontier (JOBDIR)")
    parser.add_argument(
        "--sides",
        default="wget,bare,full,base",
        help=f"which contenders, comma-separated ({', '.join(SIDES)}; default wget,bare,full,base)",
    )
    parser.add_argument("--only", choices=SIDES, help="one contender only (same as --sides NAME)")
    parser.add_argument(
        "--bare-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Scrapy setting for the bare spider only, e.g. CONCURRENT_ITEMS=4 to give it our tuning",
    )
    parser.add_argument(
        "--full-set", action="append", default=[], metavar="KEY=VALUE", help="a setting for the full pipeline only"
    )
    parser.add_argument(
        "--base-tree",
        metavar="DIR",
        help="another checkout (e.g. `git archive BASE | tar -x -C DIR`) whose full pipeline runs as contender base",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="profile the full pipeline once with py-spy into FILE (--only base: the base tree's)",
    )
    args = parser.parse_args()
    sides = [args.only] if args.only else [s for s in args.sides.split(",") if s]
    if unknown := set(sides) - set(SIDES):
        parser.error(f"unknown contenders: {', '.join(sorted(unknown))}")
    if args.base_tree and "base" not in sides:
        sides.append("base")
    if "base" in sides and not args.base_tree:
        sides.remove("base")
    bare_extra = dict(item.split("=", 1) for item in args.bare_set)
    full_extra = dict(item.split("=", 1) for item in args.full_set)
    for site in SITES if args.site == "both" else [args.site]:
        results: dict[str, list[dict]] = {side: [] for side in sides}
        with tempfile.TemporaryDirectory() as tmpdir, bench_site(args.articles, site) as (url, html_pages, server):
            tmp = Path(tmpdir)
            if args.profile:
                tree = Path(args.base_tree).resolve() if args.only == "base" else ROOT
                profile(url, tmp, args.job_dir, full_extra, Path(args.profile), tree)
                continue
            for run in range(args.runs):
                for side in sides:
                    if side == "wget":
                        result = wget(url, tmp, html_pages)
                    elif side == "bare":
                        result = bare(url, tmp, bare_extra, html_pages)
                    elif side in ("floor", "engine"):
                        result = floor(url, tmp, side, site, args.articles, html_pages)
                    elif side == "full":
                        result = full(url, tmp, args.job_dir, full_extra, args.articles, html_pages)
                    else:
                        tree = Path(args.base_tree).resolve()
                        result = full(url, tmp, args.job_dir, full_extra, args.articles, html_pages, tree)
                    results[side].append(result)
                    print(
                        f"{site} run {run + 1} {side}: {result['pages']} responses, "
                        f"{result['pages'] / result['seconds']:.1f} pages/s, CPU ms/page "
                        f"{1000 * result['cpu'] / result['pages']:.2f} crawl + "
                        f"{1000 * result['workers_cpu'] / result['pages']:.2f} workers, "
                        f"peak RSS {result['rss']:.0f} MB (worker {result['worker_rss']:.0f} MB)",
                        flush=True,
                    )
        if not args.profile:
            if args.base_tree:
                print(f"base tree: {args.base_tree}")
            report(site, args, html_pages, server, results)


if __name__ == "__main__":
    main()
