"""Page requisites of real pages: html_requisites as it is, against the whole-stylesheet reading it
replaced (tinycss2 over every <style> block, nothing remembered), in one run.

    .venv/bin/python bench/requisites.py ../shared/bench/extraction/data/html ../shared/bench/articles/data/html

Each folder's *.html.gz pages are parsed once; then, --runs times, alternating: the baseline, the
current code with its memory emptied before each page (a site's first page), and the current code
on each page just read once (a site's next page, when it repeats its inline CSS). Prints CPU
milliseconds a page (median of the runs) and the ratios to the baseline, and fails if any page's
requisites differ from the baseline's.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tinycss2  # noqa: E402

from crawler.discovery import requisites  # noqa: E402
from crawler.extract.document import Document  # noqa: E402
from crawler.web.page import Page  # noqa: E402

CURRENT = requisites._text_references


def whole_sheet(css: str):
    """The reading before: tinycss2 over the whole text."""
    return requisites._stylesheet_references(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def timed(docs: list[Document], again: bool) -> tuple[float, list]:
    """ms a page, and each page's requisites: with the memory emptied first (a site's first page), or
    (again) with the page read once just before (a site's next page, when it repeats the CSS)."""
    found, spent = [], 0.0
    for doc in docs:
        requisites._REFERENCES.clear()
        if again:
            requisites.html_requisites(doc.root, doc.base_url)
        start = time.process_time()
        found.append(requisites.html_requisites(doc.root, doc.base_url))
        spent += time.process_time() - start
    return spent / len(docs) * 1e3, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for folder in args.folders:
        files = sorted(folder.glob("*.html.gz"))
        docs = [
            Document(
                Page("http://example.org/a/b", gzip.decompress(f.read_bytes()), [("Content-Type", "text/html")], 200)
            )
            for f in files
        ]
        times: dict[str, list[float]] = {"baseline": [], "first page": [], "next pages": []}
        for _ in range(args.runs):
            requisites._text_references = whole_sheet
            ms, expected = timed(docs, again=False)
            times["baseline"].append(ms)
            requisites._text_references = CURRENT
            ms, first = timed(docs, again=False)
            times["first page"].append(ms)
            ms, again = timed(docs, again=True)
            times["next pages"].append(ms)
            differing = sum(a != b or a != c for a, b, c in zip(expected, first, again))
            if differing:
                sys.exit(f"{folder}: {differing} pages' requisites differ from the baseline's")
        medians = {name: statistics.median(values) for name, values in times.items()}
        base = medians["baseline"]
        print(
            f"{folder} ({len(docs)} pages): "
            + ", ".join(f"{name} {ms:.2f} ms/page ({base / ms:.1f}x)" for name, ms in medians.items())
            + "; every page's requisites as the baseline's"
        )


if __name__ == "__main__":
    main()
