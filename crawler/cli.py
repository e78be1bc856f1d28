"""The `crawler` command: crawl sites, parse saved pages, run the demo."""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
import sys
import time
from pathlib import Path

from crawler import __version__

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2

logger = logging.getLogger(__name__)


# ---- settings and running ----------------------------------------------------------------


def project_settings(overrides: dict | None = None):
    """The project's settings module, then CLI overrides (Scrapy's 'cmdline' priority)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(start_urls: list[str], settings) -> tuple[dict, Path]:
    """Run the article spider to the end in this process; return (stats, output folder)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.job import job_output_dir
    from crawler.spiders.article import ArticleSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, start_urls=start_urls)
    process.start()
    return crawler.stats.get_stats(), job_output_dir(crawler.settings)


def _finish(stats: dict, output_dir: Path, job: str) -> int:
    from crawler.summary import render, write_stats

    write_stats(stats, output_dir)
    print(render(stats, output_dir, job), flush=True)
    return EXIT_OK if stats.get("finish_reason") == "finished" else EXIT_CRAWL_FAILED


def _parse_setting(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), value


def _crawl_overrides(args) -> dict:
    overrides = dict(args.setting or [])
    if args.job:
        overrides["JOB_NAME"] = args.job
    if args.output:
        overrides["OUTPUT_ROOT"] = args.output
    if args.log_level:
        overrides["LOG_LEVEL"] = args.log_level
    return overrides


# ---- commands ----------------------------------------------------------------------------


def cmd_crawl(args) -> int:
    bad = [u for u in args.urls if not u.startswith(("http://", "https://"))]
    if bad:
        print(f"crawler crawl: not an http(s) URL: {bad[0]}", file=sys.stderr)
        return EXIT_USAGE
    settings = project_settings(_crawl_overrides(args))
    stats, output_dir = run_crawl(args.urls, settings)
    return _finish(stats, output_dir, output_dir.name)


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def cmd_parse(args) -> int:
    from crawler.extract import extract
    from crawler.render import record_as_text

    if args.url and len(args.files) > 1:
        print("crawler parse: --url applies to one file only", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        try:
            body = _read_page(path)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            print(f"crawler parse: cannot read {name}: {exc}", file=sys.stderr)
            status = EXIT_CRAWL_FAILED
            continue
        record = extract(args.url or path.resolve().as_uri(), body)
        if args.format == "text":
            print(record_as_text(record))
            if len(args.files) > 1:
                print("\n" + "-" * 72 + "\n")
        elif len(args.files) > 1:
            print(json.dumps({"source": name, **record}, ensure_ascii=False))
        else:
            print(json.dumps(record, ensure_ascii=False, indent=2))
    return status


def cmd_demo(args) -> int:
    from crawler.demo.server import DemoServer

    server = DemoServer(port=args.port).start()
    if args.serve:
        print(f"Demo site at {server.url}/ (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
        return EXIT_OK
    output_root = Path(args.output or "output")
    # The demo always starts from scratch; real jobs append.
    shutil.rmtree(output_root / "demo", ignore_errors=True)
    print(f"Serving the demo site at {server.url}/ and crawling it into {output_root / 'demo'}/", flush=True)
    settings = project_settings(
        {"JOB_NAME": "demo", "OUTPUT_ROOT": str(output_root), "LOG_LEVEL": args.log_level or "INFO"}
    )
    try:
        stats, output_dir = run_crawl([server.url + "/"], settings)
    finally:
        server.stop()
    return _finish(stats, output_dir, "demo")


# ---- argument parsing --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Archiving crawler for article websites: WARC files of every HTTP exchange, "
        "and one JSON Lines record per article page.",
    )
    parser.add_argument("--version", action="version", version=f"crawler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    crawl = sub.add_parser(
        "crawl",
        help="crawl sites from start URLs",
        description="Crawl from start URLs, staying on their hosts and obeying robots.txt. Writes "
        "OUTPUT/JOB/records.jsonl (article records, appended) and OUTPUT/JOB/*.warc.gz (every HTTP exchange).",
    )
    crawl.add_argument("urls", nargs="+", metavar="URL", help="start URL(s); their hosts are the crawl's scope")
    crawl.add_argument("--job", help="job name (default: the first URL's host)")
    crawl.add_argument("--output", metavar="DIR", help="output root folder (default: output)")
    crawl.add_argument("-s", "--setting", action="append", type=_parse_setting, metavar="NAME=VALUE",
                       help="override a Scrapy setting, e.g. -s CLOSESPIDER_PAGECOUNT=100 (repeatable)")
    crawl.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default: INFO")
    crawl.set_defaults(func=cmd_crawl)

    parse = sub.add_parser(
        "parse",
        help="extract records from saved HTML files, offline",
        description="Run the crawl's extraction on saved HTML files (.html.gz read transparently). One file: "
        "the record as indented JSON. Several files: JSON Lines, each with a 'source' key.",
    )
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.add_argument("--url", help="the page's original URL, used to resolve links (default: the file's URI)")
    parse.add_argument("--format", choices=["json", "text"], default="json",
                       help="json (default) or text: breadcrumb, title, body, author and related titles")
    parse.set_defaults(func=cmd_parse)

    demo = sub.add_parser(
        "demo",
        help="serve the bundled demo news site on 127.0.0.1 and crawl it",
        description="Start the bundled demo site on a free 127.0.0.1 port, crawl it completely into "
        "OUTPUT/demo/ (emptied first), stop the server and print a summary.",
    )
    demo.add_argument("--serve", action="store_true", help="only serve the site until Ctrl-C")
    demo.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    demo.add_argument("--output", metavar="DIR", help="output root folder (default: output)")
    demo.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default: INFO")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
