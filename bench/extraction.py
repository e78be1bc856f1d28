"""Extraction benchmark: our extractor against trafilatura, on every corpus given, in one run.

    python bench/extraction.py CORPUS [CORPUS ...] [--runs 3] [--worst N] [--only ours] [--save DIR]

e.g. `python bench/extraction.py ../shared/bench/extraction ../shared/bench/articles --runs 3`.
A CORPUS is a benchmark folder holding score.py and data/ (or its data/ folder). Its kind comes from
its files, and its own score.py gives every score:

- body corpus (data/ground-truth.json; Zyte's article-extraction benchmark): F1, its bootstrap
  std (±, 200 resamples), P and R of the article body: word 4-gram shingles, precision and recall
  averaged over pages, F1 of the two averages.
- articles corpus (data/truth.jsonl; trafilatura's evaluation corpus), each over the pages annotated
  for it: title = headline exactly right after normalisation, title~ = mean token F1 of the title;
  authors = set of names exactly right (pages with named authors), author_f1 = micro F1 over names,
  noauth = nothing predicted where the page has no person author; date = first YYYY-MM-DD equals the
  publication date; body_p/body_r/body_f1 = passages the body must contain (found: TP, missed: FN) and
  must not contain (found: FP), pooled over pages.

Both extractors build their full record (ours: `extract`, every field; trafilatura: `bare_extraction(html,
url=url, include_comments=False, include_tables=True, with_metadata=True)`, its author string split on
";", as the articles README states; on the body corpus its text scores the same as the
`extract(html, url=url, include_comments=False)` this script used before). pages/s is over a corpus'
pages, from already-decompressed bytes, the median of --runs runs; the extractors take turns page by
page (alternating order), so machine load falls on both alike, and the ratio is the median of the
per-run ratios. Our label caches are emptied before every run: each run meets the pages as unseen sites.

Pages have no HTTP headers. Where the truth has no URL (37 articles pages), both extractors get
PLACEHOLDER_URL: a crawled page always has one, and "" or a bare host would make ours classify the page
as a site's home page (a listing), which blanks its authors and date (it cost 1 date there;
trafilatura scores the same with url=None).

--worst N lists, per field, N of our misses (worst first where the scorer's measure ranks them): id,
url, what we predicted, the truth. --save DIR writes DIR/<corpus>.<extractor>.jsonl in the scorer's
input format, to rescore with `python score.py FILE`.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import Page, extract

PLACEHOLDER_URL = "https://example.invalid/page"


def ours(url: str, html: bytes) -> dict:
    """Our record in the scorers' terms: the one place that calls crawler.extract."""
    record = extract(Page(url, html))
    return {
        "title": record["title"],
        "authors": record["authors"],
        "date": record["published"],
        "body": record["body_text"],
    }


def trafilatura_record(url: str, html: bytes) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, include_comments=False, include_tables=True, with_metadata=True)
    if doc is None:
        return {"title": None, "authors": [], "date": None, "body": ""}
    authors = [name.strip() for name in (doc.author or "").split(";") if name.strip()]
    return {"title": doc.title, "authors": authors, "date": doc.date, "body": doc.text or ""}


EXTRACTORS = {"ours": ours, "trafilatura": trafilatura_record}


@dataclass
class Corpus:
    name: str
    kind: str  # "body" or "articles"
    scorer: object  # the corpus' score.py
    truth: dict  # id -> truth as its scorer takes it
    pages: list  # (id, url, html bytes)


def load_scorer(folder: Path):
    spec = importlib.util.spec_from_file_location(f"score_{folder.name}", folder / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_corpus(path: Path) -> Corpus:
    folder = path.resolve()
    if not (folder / "score.py").exists() and (folder.parent / "score.py").exists():
        folder = folder.parent
    data = folder / "data"
    scorer = load_scorer(folder)
    if (data / "ground-truth.json").exists():
        truth = scorer.load_ground_truth(data / "ground-truth.json")  # id -> (body, url)
        pages = [(key, truth[key][1] or PLACEHOLDER_URL, data / "html" / f"{key}.html.gz") for key in sorted(truth)]
        kind = "body"
    elif (data / "truth.jsonl").exists():
        truth = scorer.load(data / "truth.jsonl")
        pages = [(key, t["url"] or PLACEHOLDER_URL, data / t["html"]) for key, t in sorted(truth.items())]
        kind = "articles"
    else:
        raise SystemExit(f"{path}: no data/ground-truth.json or data/truth.jsonl")
    pages = [(key, url, gzip.decompress(file.read_bytes())) for key, url, file in pages]
    return Corpus(folder.name, kind, scorer, truth, pages)


def forget_pages() -> None:
    """Empty our per-label caches, so every run meets the pages as unseen sites (as a first crawl would)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("crawler.extract"):
            continue
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__name__", "") != "registry":
                value.cache_clear()


def run(extractors: dict, pages) -> tuple[dict, dict]:
    """Records by extractor and id, and seconds per extractor, the extractors taking turns page by page."""
    predictions = {name: {} for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    names = list(extractors)
    for number, (key, url, html) in enumerate(pages):
        for name in names if number % 2 == 0 else reversed(names):
            start = time.perf_counter()
            predictions[name][key] = extractors[name](url, html)
            seconds[name] += time.perf_counter() - start
    return predictions, seconds


# ---- scores -------------------------------------------------------------------------------------


def columns(corpus: Corpus) -> tuple[str, ...]:
    return ("f1", "f1_std", "precision", "recall") if corpus.kind == "body" else corpus.scorer.COLS


def score(corpus: Corpus, records: dict) -> dict:
    if corpus.kind == "body":
        bodies = {key: record["body"] for key, record in records.items()}
        return corpus.scorer.evaluate(corpus.truth, bodies, n_boot=200)
    return corpus.scorer.score(corpus.truth, records)


def scored_line(corpus: Corpus, metrics: dict) -> str:
    if corpus.kind == "body":
        return f"(scored: body over {metrics['n_pages']} pages, {metrics['n_empty']} predictions empty)"
    return (
        f"(scored: title {metrics['n_title']}, authors {metrics['n_authors']}, no-author {metrics['n_noauth']}, "
        f"date {metrics['n_date']} pages; body over every page's passages)"
    )


def save(corpus: Corpus, name: str, records: dict, folder: Path) -> None:
    fields = ("body",) if corpus.kind == "body" else ("title", "authors", "date", "body")
    with (folder / f"{corpus.name}.{name}.jsonl").open("w", encoding="utf-8") as out:
        for key, record in records.items():
            out.write(json.dumps({"id": key, **{f: record[f] for f in fields}}, ensure_ascii=False) + "\n")


# ---- our worst pages ----------------------------------------------------------------------------


def _short(value, width: int = 90) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _first_gap(text: str, other: str, scorer, words: int = 12) -> str:
    """The first words of text that other lacks (from its first 4-gram shingle missing from other)."""
    tokens = scorer.tokens(text)
    known = scorer.shingles(scorer.tokens(other))
    for start in range(max(1, len(tokens) - scorer.SHINGLE + 1) if tokens else 0):
        if tuple(tokens[start : start + scorer.SHINGLE]) not in known:
            return " ".join(tokens[start : start + words])
    return "-"


def worst_body_pages(corpus: Corpus, metrics: dict, records: dict, n: int) -> None:
    fmt = lambda x: "  nan" if x is None else f"{x:.3f}"  # noqa: E731
    print(
        f"\nbody: worst {n} pages of ours (F1 P R pred_tokens true_tokens id url / predicted, first extra words / truth, first missed words):"
    )
    for p in sorted(metrics["pages"], key=lambda p: (p["f1"], p["id"]))[:n]:
        got, want = records[p["id"]]["body"], corpus.truth[p["id"]][0]
        print(
            f"  {fmt(p['f1'])} {fmt(p['precision'])} {fmt(p['recall'])} {p['pred_tokens']:6d} {p['true_tokens']:6d}  {p['id'][:16]} {p['url']}"
        )
        print(f"      got  {_short(got, 60)} | extra: {_first_gap(got, want, corpus.scorer)}")
        print(f"      want {_short(want, 60)} | missed: {_first_gap(want, got, corpus.scorer)}")


def worst_article_pages(corpus: Corpus, records: dict, n: int) -> None:
    """Per field, our misses by the scorer's own per-page verdict (score() on a one-page truth)."""
    scorer = corpus.scorer
    misses = {"title": [], "authors": [], "date": [], "body": []}
    for key, truth in corpus.truth.items():
        record = records[key]
        page = scorer.score({key: truth}, {key: record})
        if page["n_title"] and not page["title"]:
            misses["title"].append((page["title~"], key, record["title"], truth["title"]))
        if (page["n_authors"] and not page["authors"]) or (page["n_noauth"] and not page["noauth"]):
            misses["authors"].append((page["author_f1"], key, record["authors"], truth["authors"]))
        if page["n_date"] and not page["date"]:
            misses["date"].append((0, key, record["date"], truth["date"]))
        body = scorer.ws(record["body"])
        missed = [w for w in truth["with"] if scorer.ws(w) not in body]
        leaked = [w for w in truth["without"] if scorer.ws(w) in body]
        if missed or leaked:
            got = f"{len(body)} chars: {body}"
            want = f"missed {len(missed)}/{len(truth['with'])}: {missed[0] if missed else '-'} | leaked {len(leaked)}/{len(truth['without'])}: {leaked[0] if leaked else '-'}"
            misses["body"].append((page["body_f1"], key, got, want))
    urls = {key: url for key, url, _ in corpus.pages}
    for field, rows in misses.items():
        print(f"\n{field}: {len(rows)} pages wrong; worst {min(n, len(rows))} of ours (id url / predicted / truth):")
        for _, key, got, want in sorted(rows, key=lambda row: (row[0], row[1]))[:n]:
            print(f"  {key} {urls[key]}\n      got  {_short(got)}\n      want {_short(want)}")


# ---- main ---------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="benchmark folders (each with score.py and data/)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the median is reported)")
    parser.add_argument("--only", choices=sorted(EXTRACTORS), action="append", help="run only these extractors")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list N of our worst pages per field")
    parser.add_argument(
        "--save", type=Path, metavar="DIR", help="write every extractor's predictions here (JSON Lines)"
    )
    args = parser.parse_args(argv)

    corpora = [load_corpus(path) for path in args.corpora]
    extractors = {name: EXTRACTORS[name] for name in args.only or EXTRACTORS}
    for corpus in corpora:
        for extractor in extractors.values():
            extractor(*corpus.pages[0][1:])  # warm up imports
    runs = max(1, args.runs)
    rates = {corpus.name: {name: [] for name in extractors} for corpus in corpora}
    predictions = {}
    for _ in range(runs):
        forget_pages()
        for corpus in corpora:
            predictions[corpus.name], seconds = run(extractors, corpus.pages)
            for name in extractors:
                rates[corpus.name][name].append(len(corpus.pages) / seconds[name])
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)

    import trafilatura

    print(
        f"date {date.today()}; machine {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"trafilatura {trafilatura.__version__}; {runs} timed runs (median pages/s, all runs in brackets)"
    )
    for corpus in corpora:
        cols = columns(corpus)
        print(f"\n{corpus.name} ({corpus.kind} corpus, {len(corpus.pages)} pages)")
        print(f"{'extractor':<12} " + " ".join(f"{c:>9}" for c in cols) + f" {'pages/s':>8}  runs")
        results = {}
        for name in extractors:
            records = predictions[corpus.name][name]
            metrics = results[name] = score(corpus, records)
            if args.save:
                save(corpus, name, records, args.save)
            cells = " ".join("        -" if metrics.get(c) is None else f"{metrics[c]:9.3f}" for c in cols)
            all_rates = rates[corpus.name][name]
            print(
                f"{name:<12} {cells} {statistics.median(all_rates):8.1f}  [{', '.join(f'{r:.1f}' for r in all_rates)}]"
            )
        print(scored_line(corpus, next(iter(results.values()))))
        if len(extractors) == len(EXTRACTORS):
            ratios = [o / t for o, t in zip(rates[corpus.name]["ours"], rates[corpus.name]["trafilatura"])]
            print(
                f"speed ratio ours/trafilatura: {statistics.median(ratios):.2f}x (median of per-run ratios [{', '.join(f'{r:.2f}' for r in ratios)}])"
            )
        if args.worst and "ours" in results:
            if corpus.kind == "body":
                worst_body_pages(corpus, results["ours"], predictions[corpus.name]["ours"], args.worst)
            else:
                worst_article_pages(corpus, predictions[corpus.name]["ours"], args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
