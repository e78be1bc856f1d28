"""Body extraction benchmark: our extractor against trafilatura, same pages, same process.

    python bench/extraction.py PATH_TO_BENCH_DATA [--runs 3] [--worst 15] [--only ours]

PATH_TO_BENCH_DATA is the benchmark folder (the one holding score.py and data/) or its data/ folder.
Scores use that folder's score.py (the Zyte benchmark metric: word 4-gram shingles, per-page
normalised counts, precision and recall averaged over pages). Speed is pages per second over the
whole set, from already-decompressed bytes, median of --runs runs; trafilatura gets the same bytes,
page by page in turn with ours, so both see the same machine load.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def load_scorer(folder: Path):
    spec = importlib.util.spec_from_file_location("bench_score", folder / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(folder: Path) -> tuple[dict, list[tuple[str, str, bytes]]]:
    truth = json.loads((folder / "data" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        body = gzip.decompress((folder / "data" / "html" / f"{key}.html.gz").read_bytes())
        pages.append((key, truth[key].get("url") or "", body))
    return truth, pages


def ours(url: str, body: bytes) -> str:
    from crawler.extract import extract

    return extract(url, body)["body_text"]


def trafilatura_body(url: str, body: bytes) -> str:
    import trafilatura

    return trafilatura.extract(body, url=url, include_comments=False) or ""


EXTRACTORS = {"ours": ours, "trafilatura": trafilatura_body}


def forget_pages() -> None:
    """Empty our per-label caches, so every run meets the pages as unseen sites (as a first crawl would)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("crawler.extract"):
            continue
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__name__", "") != "registry":
                value.cache_clear()


def run(extractors: dict, pages) -> tuple[dict, dict]:
    """Predictions by extractor and id, and seconds per extractor.

    Page by page, the extractors take turns (in alternating order), so that load from other
    processes on the machine falls on all of them alike and their ratio stays meaningful.
    """
    predictions = {name: {} for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    names = list(extractors)
    for number, (key, url, body) in enumerate(pages):
        for name in names if number % 2 == 0 else reversed(names):
            start = time.perf_counter()
            predictions[name][key] = extractors[name](url, body)
            seconds[name] += time.perf_counter() - start
    return predictions, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="benchmark folder (with score.py and data/)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per extractor (median is reported)")
    parser.add_argument("--only", choices=sorted(EXTRACTORS), action="append", help="run only these extractors")
    parser.add_argument("--worst", type=int, default=0, help="list this many worst pages of our extractor")
    parser.add_argument("--save", type=Path, help="write our predictions here as JSON Lines {id, body}")
    parser.add_argument("--fields", type=int, metavar="N", default=0,
                        help="also report title/author/date coverage (no truth for them here) and print N sample records to check by hand")
    args = parser.parse_args(argv)

    folder = args.path.resolve()
    if not (folder / "score.py").exists() and (folder.parent / "score.py").exists():
        folder = folder.parent
    scorer = load_scorer(folder)
    truth, pages = load_pages(folder)
    gt = {k: (v.get("articleBody") or "", v.get("url") or "") for k, v in truth.items()}

    names = args.only or list(EXTRACTORS)
    extractors = {name: EXTRACTORS[name] for name in names}
    for extractor in extractors.values():
        extractor(pages[0][1], pages[0][2])  # warm up imports and caches
    rates: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(max(1, args.runs)):
        forget_pages()
        predictions, seconds = run(extractors, pages)
        for name in names:
            rates[name].append(len(pages) / seconds[name])
    results = {}
    for name in names:
        metrics = scorer.evaluate(gt, predictions[name], n_boot=200)
        results[name] = (metrics, statistics.median(rates[name]), rates[name])
    if args.save and "ours" in predictions:
        with args.save.open("w", encoding="utf-8") as out:
            for key, body in predictions["ours"].items():
                out.write(json.dumps({"id": key, "body": body}, ensure_ascii=False) + "\n")

    print(f"{len(pages)} pages, {args.runs} timed runs each (median pages/s; all runs in brackets)")
    print(f"{'extractor':<12} {'F1':>6} {'±':>6} {'P':>6} {'R':>6} {'pages/s':>8}  runs")
    for name, (m, pps, all_pps) in results.items():
        runs = ", ".join(f"{x:.1f}" for x in all_pps)
        print(f"{name:<12} {m['f1']:6.3f} {m.get('f1_std', 0):6.3f} {m['precision']:6.3f} {m['recall']:6.3f} {pps:8.1f}  [{runs}]")
    if "ours" in results and "trafilatura" in results:
        ratios = [o / t for o, t in zip(rates["ours"], rates["trafilatura"])]
        runs = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"speed ratio ours/trafilatura: {statistics.median(ratios):.2f}x (median of per-run ratios [{runs}])")
        print(f"F1 difference ours-trafilatura: {results['ours'][0]['f1'] - results['trafilatura'][0]['f1']:+.3f}")
    if args.worst and "ours" in results:
        pages_by_f1 = sorted(results["ours"][0]["pages"], key=lambda p: (p["f1"], p["id"]))
        print(f"\nworst {args.worst} pages of ours (F1 P R pred_tokens true_tokens id url):")
        for p in pages_by_f1[: args.worst]:
            fmt = lambda x: "  nan" if x is None else f"{x:.3f}"  # noqa: E731
            print(f"{fmt(p['f1'])} {fmt(p['precision'])} {fmt(p['recall'])} {p['pred_tokens']:6d} {p['true_tokens']:6d}  {p['id'][:12]} {p['url']}")
    if args.fields:
        report_fields(pages, args.fields)
    return 0


def report_fields(pages, sample: int) -> None:
    """Coverage of the metadata fields, which the benchmark has no truth for, and a sample to check by hand."""
    import random

    from crawler.extract import extract

    records = [(key, extract(url, body)) for key, url, body in pages]
    print(f"\nmetadata coverage on {len(records)} pages (share of pages with a value; correctness needs a person):")
    for name in ("title", "authors", "published", "modified", "breadcrumb", "language", "site_name", "image"):
        print(f"  {name:<10} {sum(1 for _, r in records if r[name]) / len(records):6.1%}")
    types = {}
    for _, record in records:
        types[record["page_type"]] = types.get(record["page_type"], 0) + 1
    print(f"  page_type  {types}")
    for key, record in random.Random(1).sample(records, min(sample, len(records))):
        print(f"\n{key[:12]} {record['url']}\n  title     {record['title']!r}\n  authors   {record['authors']}\n  published {record['published']}")


if __name__ == "__main__":
    sys.exit(main())
