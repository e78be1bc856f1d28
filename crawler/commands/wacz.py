"""crawler wacz OUTPUT_DIR: package a job folder's WARC files as a WACZ for ReplayWeb.page."""

from __future__ import annotations

import sys
from pathlib import Path

from crawler.archive.package import WaczError, validate_wacz
from crawler.jobs.pages import write_job_wacz
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "wacz",
        help=COMMANDS["wacz"],
        description="Write OUTPUT_DIR/JOB.wacz: every WARC of the folder, its index and a page list, in one "
        "file ReplayWeb.page opens. The package is checked with `wacz validate`.",
    )
    parser.add_argument("output_dir", metavar="OUTPUT_DIR", help="a job folder, e.g. output/demo")
    parser.add_argument("-o", "--output", metavar="FILE", help="default: OUTPUT_DIR/<folder name>.wacz")
    parser.add_argument("--title", help="title shown by ReplayWeb.page (default: the folder name)")
    parser.add_argument("--description", default="", help="description stored in the package")
    return parser


def run(args) -> int:
    directory = Path(args.output_dir)
    if not directory.is_dir():
        print(f"crawler wacz: no such folder: {directory}", file=sys.stderr)
        return EXIT_USAGE
    name = directory.resolve().name
    output = Path(args.output) if args.output else directory / f"{name}.wacz"
    try:
        path = write_job_wacz(directory, output, title=args.title or name, description=args.description)
    except WaczError as exc:
        print(f"crawler wacz: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    valid, messages = validate_wacz(path)
    if not valid:
        print(f"crawler wacz: {path} does not validate:\n{messages}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    print(f"Packaged {directory} -> {path} ({path.stat().st_size} bytes, validated)")
    return EXIT_OK
