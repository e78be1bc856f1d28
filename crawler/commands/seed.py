"""crawler seed: put a job's seeds into a shared Redis frontier, show its state, or reset it."""

from __future__ import annotations

import sys

import redis

from crawler.jobs.paths import default_job_name
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE
from crawler.scheduler.distributed import frontier_status, push_seeds, reset_frontier

from . import COMMANDS
from .options import add_job_options, load_job


def add_parser(sub):
    parser = sub.add_parser(
        "seed",
        help=COMMANDS["seed"],
        description="Queue a job's seeds in its Redis frontier once, before or while workers run "
        "(workers also queue them at start; the shared duplicate filter keeps one copy). "
        "--status prints queued, in-flight and seen counts; --reset forgets the frontier (and the hosts' politeness "
        "state and page counts) for a new crawl.",
    )
    add_job_options(parser)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--status", action="store_true", help="print the frontier's counts and exit")
    action.add_argument("--reset", action="store_true", help="delete the frontier (queue, leases, seen set)")
    return parser


def run(args) -> int:
    config = load_job(args, "seed")
    if config is None:
        return EXIT_USAGE
    settings = config.settings
    url = args.frontier or settings.get("FRONTIER_URL")
    if not url:
        print("crawler seed: no frontier: give --frontier redis://HOST:PORT/DB or [frontier] url", file=sys.stderr)
        return EXIT_USAGE
    starts = args.urls or settings.get("START_URLS", [])
    extra = settings.get("SITEMAP_URLS", []) + settings.get("FEED_URLS", [])
    job = args.job or settings.get("JOB_NAME") or default_job_name(starts + extra)
    server = redis.Redis.from_url(url)
    try:
        if args.reset:
            reset_frontier(server, job)
            print(f"frontier of job {job!r} reset")
        elif not args.status:
            if not starts and not extra:
                print("crawler seed: no seeds: give URLs or a job file with [seeds]", file=sys.stderr)
                return EXIT_USAGE
            pushed = push_seeds(server, job, [(u, 10) for u in extra] + [(u, 0) for u in starts])
            print(f"queued {pushed} new seeds for job {job!r}")
        status = frontier_status(server, job)
    except redis.RedisError as exc:
        print(f"crawler seed: Redis at {url}: {exc}", file=sys.stderr)
        return EXIT_CRAWL_FAILED
    print(
        f"job {job!r}: queued {status['queued']}, in flight {status['in_flight']}, seen {status['seen']}, "
        f"hosts with queued requests {status['hosts']}"
    )
    return EXIT_OK
