"""Command-line options and job-file loading shared by several commands."""

from __future__ import annotations

import argparse
import sys

from crawler.jobs.config import JobConfig, JobConfigError, load, read_seeds

LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def setting(text: str) -> tuple[str, str]:
    """NAME=VALUE of -s/--setting."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), value


def add_setting_option(parser: argparse.ArgumentParser, what: str = "") -> None:
    parser.add_argument(
        "-s",
        "--setting",
        action="append",
        type=setting,
        metavar="NAME=VALUE",
        help=f"override a Scrapy setting{what}, e.g. -s DOWNLOAD_DELAY=1 (repeatable)",
    )


def add_job_options(parser: argparse.ArgumentParser) -> None:
    """Seeds, job file, job name and Redis frontier: what names a job and where its URLs come from."""
    parser.add_argument("urls", nargs="*", metavar="URL", help="start URL(s) (default: the job file's seeds)")
    parser.add_argument("--config", metavar="JOB.toml", help="job file (see jobs/nejatngo.toml)")
    parser.add_argument(
        "--seeds", metavar="FILE", help="start URLs, one a line (# comments), added to the URLs given or the job's"
    )
    parser.add_argument("--job", help="job name (default: the job file's, else the first URL's host)")
    parser.add_argument(
        "--frontier",
        metavar="redis://HOST:PORT/DB",
        help="the job's frontier in Redis, shared with other workers (docs/distributed.md)",
    )


def load_job(args, command: str) -> JobConfig | None:
    """The job file named by --config (an empty one without it), with the --seeds file's URLs; None after
    printing why it cannot be used."""
    try:
        config = load(args.config) if args.config else JobConfig(None, {}, [])
        if getattr(args, "seeds", None):
            seeds = read_seeds(args.seeds)
            args.urls = list(dict.fromkeys([*(args.urls or config.settings.get("START_URLS", [])), *seeds]))
        return config
    except (JobConfigError, ValueError) as exc:
        where = "--seeds: " if not isinstance(exc, JobConfigError) else ""
        print(f"crawler {command}: {where}{exc}", file=sys.stderr)
        return None
