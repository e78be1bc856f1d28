"""crawler crawl URL...: crawl sites from start URLs."""

from __future__ import annotations

import argparse
import sys

from crawler.runner import EXIT_USAGE, finish, project_settings, run_crawl

LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def _setting(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), value


def add_parser(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "crawl",
        help="crawl sites from start URLs",
        description="Crawl from start URLs, staying on their hosts and obeying robots.txt. Writes "
        "OUTPUT/JOB/records.jsonl (article records, appended) and OUTPUT/JOB/*.warc.gz (every HTTP exchange).",
    )
    parser.add_argument("urls", nargs="+", metavar="URL", help="start URL(s); their hosts are the crawl's scope")
    parser.add_argument("--job", help="job name (default: the first URL's host)")
    parser.add_argument("--output", metavar="DIR", help="output root folder (default: output)")
    parser.add_argument("-s", "--setting", action="append", type=_setting, metavar="NAME=VALUE",
                        help="override a Scrapy setting, e.g. -s CLOSESPIDER_PAGECOUNT=100 (repeatable)")
    parser.add_argument("--log-level", choices=LOG_LEVELS, help="default: INFO")
    return parser


def run(args) -> int:
    bad = [u for u in args.urls if not u.startswith(("http://", "https://"))]
    if bad:
        print(f"crawler crawl: not an http(s) URL: {bad[0]}", file=sys.stderr)
        return EXIT_USAGE
    overrides = dict(args.setting or [])
    if args.job:
        overrides["JOB_NAME"] = args.job
    if args.output:
        overrides["OUTPUT_ROOT"] = args.output
    if args.log_level:
        overrides["LOG_LEVEL"] = args.log_level
    stats, output_dir = run_crawl(args.urls, project_settings(overrides))
    return finish(stats, output_dir, output_dir.name)
