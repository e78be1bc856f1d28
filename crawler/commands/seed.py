"""crawler seed: put a job's seeds into a shared Redis frontier, show its state, or reset it."""

from __future__ import annotations

import sys

from crawler.runner import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_USAGE


def add_parser(sub):
    parser = sub.add_parser(
        "seed",
        help="seed, inspect or reset the Redis frontier of a distributed job",
        description="Queue a job's seeds in its Redis frontier once, before or while workers run "
        "(workers also queue them at start; the shared duplicate filter keeps one copy). "
        "--status prints queued, in-flight and seen counts; --reset forgets the frontier for a new crawl.",
    )
    parser.add_argument("urls", nargs="*", metavar="URL", help="seed URLs (default: the job file's seeds)")
    parser.add_argument("--config", metavar="JOB.toml", help="job file: seeds, job name and [frontier] url")
    parser.add_argument("--job", help="job name (default: the job file's, else the first URL's host)")
    parser.add_argument("--frontier", metavar="redis://HOST:PORT/DB", help="the Redis frontier (default: the job file's)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--status", action="store_true", help="print the frontier's counts and exit")
    action.add_argument("--reset", action="store_true", help="delete the frontier (queue, leases, seen set)")
    return parser


def run(args) -> int:
    import redis

    from crawler import jobconfig
    from crawler.distributed import frontier_status, push_seeds, reset_frontier
    from crawler.job import default_job_name

    try:
        config = jobconfig.load(args.config) if args.config else jobconfig.JobConfig(None, {}, [])
    except jobconfig.JobConfigError as exc:
        print(f"crawler seed: {exc}", file=sys.stderr)
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
    print(f"job {job!r}: queued {status['queued']}, in flight {status['in_flight']}, seen {status['seen']}")
    return EXIT_OK
