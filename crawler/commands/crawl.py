"""crawler crawl [URL...] [--config JOB.toml]: crawl sites into WARC files and article records."""

from __future__ import annotations

import argparse
import os
import socket
import sys

from crawler.downloader.browser import missing_browser
from crawler.downloadermiddlewares.browser import browser_wanted
from crawler.jobs import config as jobconfig
from crawler.jobs.paths import default_job_name, job_output_dir, worker_suffix
from crawler.jobs.run import EXIT_LOCKED, EXIT_USAGE, JobLocked, finish, job_lock, run_log_path
from crawler.web import redact

from . import COMMANDS
from .options import LOG_LEVELS, add_job_options, add_setting_option, load_job
from .runner import project_settings, run_crawl, split_credentials


def add_parser(sub) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "crawl",
        help=COMMANDS["crawl"],
        description="Crawl from start URLs (or a job file's seeds), staying on their hosts and obeying "
        "robots.txt. Writes OUTPUT/JOB/records.jsonl (article records, appended), OUTPUT/JOB/*.warc.gz "
        "(every HTTP exchange), OUTPUT/JOB/stats.json and OUTPUT/JOB/logs/. Command-line options override "
        "the job file. Exit codes: 0 done, 1 failed or interrupted, 2 bad arguments or job file, "
        "3 finished with failed fetches above the error threshold, 4 another run of the job is active.",
    )
    add_job_options(parser)
    parser.add_argument("--output", metavar="DIR", help="output root folder (default: output)")
    parser.add_argument(
        "--job-dir",
        metavar="DIR",
        help="Scrapy JOBDIR: a stopped or killed crawl started again with the same folder resumes",
    )
    parser.add_argument("--since", metavar="DATE", help="skip articles published before this date (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="skip articles published after this date (YYYY-MM-DD)")
    parser.add_argument("--max-pages", type=int, metavar="N", help="fetch at most N pages (exact)")
    parser.add_argument("--max-records", type=int, metavar="N", help="write at most N records (exact)")
    parser.add_argument(
        "--worker-id",
        metavar="ID",
        help="names this worker's output files and lock (default with --frontier: host-pid)",
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        help="render every page in headless Chromium and archive all it loads (docs/browser.md)",
    )
    add_setting_option(parser)
    parser.add_argument("--log-level", choices=LOG_LEVELS, help="log file level (default: INFO)")
    parser.add_argument("--no-progress", action="store_true", help="no live progress line on a terminal")
    return parser


def _overrides(args) -> dict:
    overrides = dict(args.setting or [])
    flags = {
        "JOB_NAME": args.job,
        "OUTPUT_ROOT": args.output,
        "JOBDIR": args.job_dir,
        "LOG_LEVEL": args.log_level,
        "LIMIT_PAGES": args.max_pages,
        "LIMIT_RECORDS": args.max_records,
        "FRONTIER_URL": args.frontier,
        "WORKER_ID": args.worker_id,
        "BROWSER_ENABLED": True if args.browser else None,
    }
    for key, value in (("DATE_SINCE", args.since), ("DATE_UNTIL", args.until)):
        if value is not None:
            try:
                flags[key] = jobconfig.SCHEMA["schedule"]["since"].check(value)
            except ValueError as exc:
                raise jobconfig.JobConfigError(f"--{key[5:].lower()}: {exc}") from None
    overrides.update({k: v for k, v in flags.items() if v is not None})
    return overrides


def run(args) -> int:
    config = load_job(args, "crawl")
    if config is None:
        return EXIT_USAGE
    try:
        overrides = _overrides(args)
    except jobconfig.JobConfigError as exc:
        print(f"crawler crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    bad = [u for u in args.urls if not u.startswith(("http://", "https://"))]
    if bad:
        print(f"crawler crawl: not an http(s) URL: {bad[0]}", file=sys.stderr)
        return EXIT_USAGE
    seeds = args.urls or list(config.settings.get("START_URLS", []))
    seeds, auth, secrets = split_credentials(seeds)
    if not seeds and not config.settings.get("SITEMAP_URLS") and not config.settings.get("FEED_URLS"):
        print("crawler crawl: no start URLs: give URLs or a job file with [seeds] urls", file=sys.stderr)
        return EXIT_USAGE
    redact.install(config.secrets + secrets)
    overrides.update(auth)
    overrides["START_URLS"] = seeds
    settings = project_settings(overrides, config.settings)
    if browser_wanted(settings) and (problem := missing_browser(settings)):
        print(f"crawler crawl: browser mode: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not settings.get("JOB_NAME"):
        everything = seeds + settings.getlist("SITEMAP_URLS") + settings.getlist("FEED_URLS")
        settings.set("JOB_NAME", default_job_name(everything), priority="cmdline")
    if settings.get("FRONTIER_URL") and not settings.get("WORKER_ID"):
        settings.set("WORKER_ID", f"{socket.gethostname()}-{os.getpid()}", priority="cmdline")
    output_dir = job_output_dir(settings)
    try:
        with job_lock(output_dir, worker_suffix(settings)):
            log_file = run_log_path(output_dir)
            log_file.parent.mkdir(parents=True, exist_ok=True)
            settings.set("LOG_FILE", str(log_file), priority="cmdline")
            settings.set("PROGRESS_BAR", not args.no_progress, priority="cmdline")
            stats, output_dir = run_crawl(seeds, settings)
            stats["log_file"] = str(log_file)
            return finish(
                stats,
                output_dir,
                settings.get("JOB_NAME"),
                settings.getfloat("ERROR_THRESHOLD"),
                worker_suffix(settings),
                config.secrets + secrets,
            )
    except JobLocked as exc:
        print(f"crawler crawl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
