"""Extraction speed of this checkout against another one (or against itself explaining), in one process.

    python bench/extraction_ab.py CORPUS [CORPUS ...] --base CHECKOUT [--runs 5]
    python bench/extraction_ab.py CORPUS [CORPUS ...] --explain [--runs 5]

--base: CHECKOUT's crawler/extract (an older commit, e.g. from `git worktree add` or `git archive`) is
loaded beside this checkout's, as the package `base_extract` (its imports are relative; crawler.web
comes from this checkout, so the two must agree on it). --explain: this checkout's extraction with
and without `Document(page, explain=True)`. Both sides get the same decompressed pages (bench/
extraction.py's loading), page by page in turn with the order alternating, so load from other
processes falls on both; each page's time is CPU time of this process (time.process_time), which
other processes on a shared machine disturb less than wall time. Label caches of both sides are
emptied before every run. Prints, per run, each side's seconds and the ratio; then the median ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extraction import load_corpus

import crawler.extract as ours
from crawler.web.page import Page


def load_base(checkout: Path):
    folder = checkout.resolve() / "crawler" / "extract"
    spec = importlib.util.spec_from_file_location(
        "base_extract", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"{folder}: no crawler/extract package there")
    module = importlib.util.module_from_spec(spec)
    sys.modules["base_extract"] = module
    spec.loader.exec_module(module)
    return module


def forget_pages() -> None:
    """Empty both sides' per-label caches (bench/extraction.py's rule), so each run meets unseen sites."""
    for name, module in list(sys.modules.items()):
        if not name.startswith(("crawler.extract", "base_extract")):
            continue
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__name__", "") != "registry":
                value.cache_clear()


def explained(page: Page) -> dict:
    return ours.extract_document(ours.Document(page, explain=True))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="benchmark folders (each with score.py and data/)")
    side = parser.add_mutually_exclusive_group(required=True)
    side.add_argument("--base", type=Path, metavar="CHECKOUT", help="the checkout to compare this one with")
    side.add_argument("--explain", action="store_true", help="compare extraction with and without explaining")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (the median ratio is reported)")
    args = parser.parse_args(argv)

    pages = [(url, html) for path in args.corpora for _, url, html in load_corpus(path).pages]
    if args.explain:
        sides = {"extract": ours.extract, "explain": explained}
    else:
        sides = {"base": load_base(args.base).extract, "this": ours.extract}
    first, second = sides
    for extract in sides.values():
        extract(Page(*pages[0]))  # warm up imports
    ratios = []
    for run in range(max(1, args.runs)):
        forget_pages()
        seconds = dict.fromkeys(sides, 0.0)
        for number, (url, html) in enumerate(pages):
            for name in sides if number % 2 == 0 else reversed(sides):
                page = Page(url, html)
                start = time.process_time()
                sides[name](page)
                seconds[name] += time.process_time() - start
        ratios.append(seconds[second] / seconds[first])
        print(
            f"run {run + 1}: {first} {seconds[first]:.2f} s, {second} {seconds[second]:.2f} s, "
            f"{second}/{first} {ratios[-1]:.3f}",
            flush=True,
        )
    print(
        f"{len(pages)} pages; median {second}/{first} CPU time {statistics.median(ratios):.3f} "
        f"(runs {', '.join(f'{r:.3f}' for r in ratios)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
