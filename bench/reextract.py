"""Re-extraction benchmark: `crawler reextract` on every core against the same pages in one process.

    .venv/bin/python bench/reextract.py [--site wordpress|demo] [--articles 2000] [--runs 3]

Writes every page of a bench site (bench/testsite.py) into WARC files as a crawl would (response and
request records, gzip members, through crawler.archive.writer, and the folder's index.cdxj, which
reextract's workers read the records' offsets from), then runs, alternating:
(a) `crawler parse` over the same pages saved as files, one process; (b) `crawler reextract FOLDER
--workers 0`, one process; (c) `crawler reextract FOLDER` with a worker per core; (d) the machine's
own scaling, the ceiling for (c): as many `crawler parse` processes as (c) has workers, each over
its share of the pages, started together (wall time until the last ends). pages/s = HTML pages over
the command's wall time (start-up included). Every run is checked: one record per article, (c)
writes exactly the records of (b), and (d) exactly those of (a).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import run_measured
from testsite import ROOT, SITES, generate

from crawler.archive.index import write_cdxj
from crawler.archive.writer import Exchange, RollingWarcWriter
from crawler.web.page import Page

BASE = "http://127.0.0.1:8000"


def write_warcs(site_dir: Path, warc_dir: Path) -> list[Path]:
    """Every file of the generated site as a response record, and the folder's index; the HTML pages' paths."""
    writer = RollingWarcWriter(warc_dir, prefix="bench", info={"software": "bench/reextract.py"}, max_size=100 << 20)
    pages = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        relative = "/" + str(path.relative_to(site_dir))
        html = path.name == "index.html"
        url = BASE + (relative[: -len("index.html")] if html else relative)
        kind = "text/html; charset=UTF-8" if html else "application/octet-stream"
        body = path.read_bytes()
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        writer.write_exchange(
            Exchange(Page(url, body, headers, 200), request_headers=[("Host", "127.0.0.1:8000"), ("Accept", "*/*")])
        )
        if html:
            pages.append(path)
    writer.close()
    write_cdxj(warc_dir)
    return pages


def measured(cmd: list[str], tmp: Path) -> tuple[dict, str]:
    """crawl.py's measurement of a command (wall, CPU of the process and of its workers), and its output."""
    with tempfile.TemporaryFile(dir=tmp) as out:
        result = run_measured(cmd, ROOT, stdout=out)
        out.seek(0)
        return result, out.read().decode()


def measured_together(cmds: list[list[str]], tmp: Path) -> tuple[dict, list[str]]:
    """Commands started together: wall seconds until the last ends, their CPU summed, their outputs."""
    results: list[tuple[dict, str] | None] = [None] * len(cmds)
    failures: list[BaseException] = []

    def one(i: int) -> None:
        try:
            results[i] = measured(cmds[i], tmp)
        except BaseException as exc:  # SystemExit from a failed command: raised again below
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(cmds))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if failures:
        raise failures[0]
    done = [r for r in results if r is not None]
    return {
        "wall": wall,
        "cpu": sum(r["cpu"] for r, _ in done),
        "workers_cpu": sum(r["workers_cpu"] for r, _ in done),
    }, [out for _, out in done]


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # kill PID: temporary files go too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", choices=list(SITES), default="wordpress")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="for (c); default one per core")
    args = parser.parse_args()
    crawler = [sys.executable, "-m", "crawler.cli"]
    rates: dict[str, list[float]] = {"parse": [], "reextract-0": [], "reextract": [], "parse-split": []}
    cpu: dict[str, list[tuple[float, float]]] = {side: [] for side in rates}
    with tempfile.TemporaryDirectory() as tmp:
        site_dir, warc_dir = Path(tmp) / "site", Path(tmp) / "warcs"
        generate(site_dir, args.articles, BASE, args.site)
        pages = write_warcs(site_dir, warc_dir)
        print(f"{len(pages)} HTML pages in {len(list(warc_dir.glob('*.warc.gz')))} WARC file(s)", flush=True)
        one_process = parsed = None
        for run in range(args.runs):
            for side in rates:
                if side == "parse":
                    result, out = measured([*crawler, "parse", *map(str, pages)], Path(tmp))
                    records = [json.loads(line) for line in out.splitlines()]
                    articles = sum(r["page_type"] == "article" for r in records)
                    parsed = sorted(out.splitlines())
                elif side == "parse-split":
                    # Every n-th page to each process, so that each gets as many listings as articles.
                    shares = [pages[i :: args.workers] for i in range(args.workers)]
                    result, outs = measured_together([[*crawler, "parse", *map(str, s)] for s in shares], Path(tmp))
                    lines = [line for out in outs for line in out.splitlines()]
                    if sorted(lines) != parsed:
                        raise SystemExit("CHECK FAILED: parse split between processes wrote other records than (a)")
                    articles = sum(json.loads(line)["page_type"] == "article" for line in lines)
                else:
                    output = Path(tmp) / f"{side}.jsonl"
                    workers = 0 if side == "reextract-0" else args.workers
                    cmd = [*crawler, "reextract", str(warc_dir), "-o", str(output), "--workers", str(workers)]
                    result, _ = measured(cmd, Path(tmp))
                    text = output.read_text()
                    articles = len(text.splitlines())
                    if side == "reextract-0":
                        one_process = text
                    elif text != one_process:
                        raise SystemExit("CHECK FAILED: reextract with workers wrote other records than in one process")
                if articles != args.articles:
                    raise SystemExit(f"CHECK FAILED: {side} gave {articles} article records for {args.articles}")
                wall = result["wall"]
                rates[side].append(len(pages) / wall)
                cpu[side].append((1000 * result["cpu"] / len(pages), 1000 * result["workers_cpu"] / len(pages)))
                print(
                    f"run {run + 1} {side}: {wall:.1f} s, {len(pages) / wall:.1f} pages/s, CPU ms/page "
                    f"{cpu[side][-1][0]:.2f} + {cpu[side][-1][1]:.2f} workers; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    print(
        f"\ndate {date.today()}; machine {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"site: {args.site}, {args.articles} articles, {len(pages)} HTML pages")
    print(f"command: .venv/bin/python {' '.join(sys.argv)}")
    print(
        f"| command (medians of {args.runs} runs) | pages/s | ratio to parse | CPU ms/page: process; workers |"
        "\n|---|---|---|---|"
    )
    names = {
        "parse": "(a) `crawler parse FILE...`, one process",
        "reextract-0": "(b) `crawler reextract FOLDER --workers 0`",
        "reextract": f"(c) `crawler reextract FOLDER` ({args.workers} workers)",
        "parse-split": f"(d) {args.workers} `crawler parse` processes, each 1/{args.workers} of the files, together",
    }
    for side, values in rates.items():
        ratios = [v / p for v, p in zip(values, rates["parse"])]
        own, workers = (statistics.median(c[i] for c in cpu[side]) for i in (0, 1))
        print(
            f"| {names[side]} | {statistics.median(values):.1f} | {statistics.median(ratios):.2f} "
            f"(per run {', '.join(f'{r:.2f}' for r in ratios)}) | {own:.2f}; {workers:.2f} |"
        )
    # What idle cores would allow: the busiest process sets the pace, or all of them together when
    # they are more than the cores (the reading process and the workers share them).
    parse_cpu = statistics.median(c[0] for c in cpu["parse"])
    own, workers = (statistics.median(c[i] for c in cpu["reextract"]) for i in (0, 1))
    cores = os.cpu_count() or 1
    pace = max(own, workers / args.workers, (own + workers) / cores)
    print(
        f"on {cores} idle cores (from CPU times): (c) at most {parse_cpu / pace:.2f}x "
        f"(a)'s rate; all processes' CPU per page {(own + workers) / parse_cpu:.2f}x (a)'s"
    )
    # (d) is what independent processes reach on this machine: (c) cannot beat it by more than noise.
    shares = [c / d for c, d in zip(rates["reextract"], rates["parse-split"])]
    ceiling = [d / a for d, a in zip(rates["parse-split"], rates["parse"])]
    print(
        f"(c) reaches {statistics.median(shares):.2f} of (d)'s rate (per run {', '.join(f'{r:.2f}' for r in shares)}); "
        f"(d), the machine's own scaling, is {statistics.median(ceiling):.2f}x (a)'s"
    )


if __name__ == "__main__":
    main()
