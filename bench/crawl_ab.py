"""Crawl-process CPU, A against B, measured inside the crawl process: load-independent measures for one change.

    .venv/bin/python bench/crawl_ab.py [--articles 1000] [--runs 5] [--a-set KEY=VALUE] [--a-tree DIR]

Crawls bench/testsite.py's wordpress site with `crawler crawl` (bench/crawl.py's settings), A and B
alternating run after run. B is this tree with its settings; A is this tree with --a-set settings, or
another checkout (--a-tree, e.g. `git archive BASE | tar -x -C DIR`). Inside each crawl process a wrapper
reads, at its exit, time.process_time() (its own CPU, start-up included; not its analysis workers'), the
time.thread_time() spent between the gc.callbacks start and stop of every collection, the collections
per generation, and VmHWM (its peak RSS). Every run must write one record per article. Prints each run,
the medians and the per-run B/A CPU ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import PYCACHE, SHARED
from testsite import ROOT, bench_site

WRAPPER = """
import atexit, gc, json, runpy, sys, time

def main():
    out = sys.argv.pop(1)
    spent, started, counts = [0.0], [0.0], [0, 0, 0]

    def collection(phase, info):
        if phase == "start":
            started[0] = time.thread_time()
        else:
            spent[0] += time.thread_time() - started[0]
            counts[info["generation"]] += 1

    def report():
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
        result = {"cpu": time.process_time(), "gc": spent[0], "collections": counts, "rss": int(hwm) / 1024}
        with open(out, "w") as fh:
            json.dump(result, fh)

    gc.callbacks.append(collection)
    atexit.register(report)
    sys.argv = ["crawler", *sys.argv[1:]]
    runpy.run_module("crawler.cli", run_name="__main__")

if __name__ == "__main__":  # a spawned analysis worker imports this file as __mp_main__
    main()
"""


def crawl(tree: Path, url: str, tmp: Path, extra: dict[str, str], articles: int) -> dict:
    out, result = tmp / "out", tmp / "result.json"
    cmd = [sys.executable, str(tmp / "wrapper.py"), str(result), "crawl", url + "/", "--job", "bench"]
    cmd += ["--output", str(out), "--no-progress"]
    for key, value in {**SHARED, "INCREMENTAL_ENABLED": "False", **extra}.items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(cmd, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    measured = json.loads(result.read_text())
    records = len((out / "bench" / "records.jsonl").read_text().splitlines())
    if records != articles:
        raise SystemExit(f"CHECK FAILED: {records} records for {articles} articles ({tree})")
    measured["pages"] = json.loads((out / "bench" / "stats.json").read_text())["downloader/response_count"]
    shutil.rmtree(out)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--a-set", action="append", default=[], metavar="KEY=VALUE", help="a setting of side A")
    parser.add_argument("--a-tree", metavar="DIR", help="side A runs this checkout (default: this tree)")
    args = parser.parse_args()
    sides = {
        "A": (Path(args.a_tree).resolve() if args.a_tree else ROOT, dict(s.split("=", 1) for s in args.a_set)),
        "B": (ROOT, {}),
    }
    results: dict[str, list[dict]] = {"A": [], "B": []}
    with tempfile.TemporaryDirectory() as tmpdir, bench_site(args.articles, "wordpress") as (url, _, _):
        tmp = Path(tmpdir)
        (tmp / "wrapper.py").write_text(WRAPPER)
        for run in range(args.runs):
            for side, (tree, extra) in sides.items():
                r = crawl(tree, url, tmp, extra, args.articles)
                results[side].append(r)
                print(
                    f"run {run + 1} {side}: CPU {r['cpu']:.2f} s, GC {r['gc']:.3f} s {r['collections']}, "
                    f"peak RSS {r['rss']:.1f} MB, {r['pages']} responses",
                    flush=True,
                )
    for side, (tree, extra) in sides.items():
        runs = results[side]
        print(
            f"{side} ({tree}{', ' + str(extra) if extra else ''}): median CPU "
            f"{statistics.median(r['cpu'] for r in runs):.2f} s "
            f"({1000 * statistics.median(r['cpu'] / r['pages'] for r in runs):.2f} ms/response), "
            f"GC {statistics.median(r['gc'] for r in runs):.3f} s, peak RSS {statistics.median(r['rss'] for r in runs):.1f} MB"
        )
    ratios = [b["cpu"] / a["cpu"] for a, b in zip(results["A"], results["B"])]
    print(f"B/A CPU per run {', '.join(f'{r:.3f}' for r in ratios)}; median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
