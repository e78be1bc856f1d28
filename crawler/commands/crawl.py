"""crawler crawl [URL...] [--config JOB.toml]: crawl sites into WARC files and article records."""

from __future__ import annotations

# First, while few modules are loaded: Scrapy's TLS modules build deprecated aliases with
# inspect.stack(), whose cost grows with the modules loaded and the depth of the stack (CPython
# #92041). Imported later, by the download handler, they took 0.1 s more CPU at every crawl's start
# (docs/benchmarks.md).
import scrapy.core.downloader.contextfactory  # noqa: F401

# isort: split
import argparse
import os
import socket
import sys
from pathlib import Path

from crawler.downloader.browsermode import browser_wanted, missing_browser
from crawler.jobs import config as jobconfig
from crawler.jobs import validate
from crawler.jobs.disk import is_no_space, low_space
from crawler.jobs.paths import check_job_name, default_job_name, job_output_dir, worker_suffix
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_LOCKED, EXIT_USAGE, JobLocked, finish, job_lock, run_log_path
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


# Command-line flags, by the setting they set (for messages that name what the user wrote).
FLAGS = {
    "JOB_NAME": "--job",
    "OUTPUT_ROOT": "--output",
    "JOBDIR": "--job-dir",
    "LIMIT_PAGES": "--max-pages",
    "LIMIT_RECORDS": "--max-records",
    "WORKER_ID": "--worker-id",
}


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
    if overrides.get("JOB_NAME"):
        try:
            check_job_name(str(overrides["JOB_NAME"]))
        except ValueError as exc:
            raise jobconfig.JobConfigError(f"{FLAGS['JOB_NAME'] if args.job else '-s JOB_NAME'}: {exc}") from None
    return overrides


def check_settings(settings, config: jobconfig.JobConfig, args) -> None:
    """Raw [settings] and -s values against the defaults' types, then every limit's final value (JobConfigError)."""
    defaults = project_settings().attributes  # attribute values: Settings.get warns about deprecated names
    given = dict(args.setting or [])
    known = {name: defaults[name].value for name in {*config.raw, *given} if name in defaults}
    where_file = f"{config.path}: " if config.path else ""
    validate.check_types(config.raw, known, f"{where_file}[settings] ")
    validate.check_types(given, known, "-s ")
    schema_keys = {
        key.setting: f"{section}.{name}" for section, keys in jobconfig.SCHEMA.items() for name, key in keys.items()
    }

    def where(name: str) -> str:
        if name in FLAGS and getattr(args, FLAGS[name][2:].replace("-", "_"), None) is not None:
            return f"{FLAGS[name]}: "
        if name in given:
            return "-s "
        if name in config.raw:
            return f"{where_file}[settings] "
        if name in schema_keys and name in config.settings:
            return f"{where_file}{schema_keys[name]}: "
        return ""

    validate.check_limits(settings.get, where)


def _usable_folder(path: Path, what: str) -> tuple[int, str] | None:
    """(exit code, message) if path cannot be created or written, else None."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(f"not a folder: {path}")
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        code = EXIT_CRAWL_FAILED if is_no_space(exc) else EXIT_USAGE
        return code, f"crawler crawl: cannot write to the {what} {path}: {exc.strerror or exc}"
    return None


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
    try:
        check_settings(settings, config, args)
    except jobconfig.JobConfigError as exc:
        print(f"crawler crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if browser_wanted(settings) and (problem := missing_browser(settings)):
        print(f"crawler crawl: browser mode: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not settings.get("JOB_NAME"):
        everything = seeds + settings.getlist("SITEMAP_URLS") + settings.getlist("FEED_URLS")
        settings.set("JOB_NAME", default_job_name(everything), priority="cmdline")
    if settings.get("FRONTIER_URL") and not settings.get("WORKER_ID"):
        settings.set("WORKER_ID", f"{socket.gethostname()}-{os.getpid()}", priority="cmdline")
    try:
        output_dir = job_output_dir(settings)
    except ValueError as exc:  # an unsafe JOB_NAME from [settings]
        print(f"crawler crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    folders = [(output_dir, "output folder")]
    if settings.get("JOBDIR"):
        folders.append((Path(settings.get("JOBDIR")), "job folder (--job-dir)"))
    for folder, what in folders:
        if problem := _usable_folder(folder, what):
            print(problem[1], file=sys.stderr)
            return problem[0]
    if reason := low_space([folder for folder, _ in folders], settings.getint("OUTPUT_MIN_FREE_SPACE")):
        print(f"crawler crawl: not started: {reason}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
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
    except OSError as exc:  # the lock or the log folder: the output folder was usable a moment ago
        print(f"crawler crawl: cannot write to {output_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED if is_no_space(exc) else EXIT_USAGE
