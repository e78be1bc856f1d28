"""crawler index OUTPUT_DIR: rebuild the CDXJ index of a job folder's WARC files."""

from __future__ import annotations

import sys
from pathlib import Path

from crawler.archive.index import warc_files, write_cdxj
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "index",
        help=COMMANDS["index"],
        description="Index the response and revisit records of OUTPUT_DIR/*.warc.gz into "
        "OUTPUT_DIR/index.cdxj (sorted, filenames relative to OUTPUT_DIR), as pywb and ReplayWeb.page read it.",
    )
    parser.add_argument("output_dir", metavar="OUTPUT_DIR", help="a job folder, e.g. output/demo")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="where to write the index (default: OUTPUT_DIR/index.cdxj)"
    )
    return parser


def run(args) -> int:
    directory = Path(args.output_dir)
    if not directory.is_dir():
        print(f"crawler index: no such folder: {directory}", file=sys.stderr)
        return EXIT_USAGE
    files = warc_files(directory)
    if not files:
        print(f"crawler index: no WARC files in {directory}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    path = write_cdxj(directory, args.output)
    with open(path, encoding="utf-8") as index:
        lines = sum(1 for _ in index)
    print(f"Indexed {len(files)} WARC file(s), {lines} entries -> {path}")
    return EXIT_OK
