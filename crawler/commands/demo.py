"""crawler demo: serve the bundled demo site on 127.0.0.1 and crawl it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from crawler.demo.server import DemoServer
from crawler.jobs.run import EXIT_OK, finish

from . import COMMANDS
from .options import LOG_LEVELS
from .runner import project_settings, run_crawl


def add_parser(sub):
    parser = sub.add_parser(
        "demo",
        help=COMMANDS["demo"],
        description="Start the bundled demo site on a free 127.0.0.1 port, crawl it completely into "
        "OUTPUT/demo/ (emptied first), stop the server and print a summary.",
    )
    parser.add_argument("--serve", action="store_true", help="only serve the site until Ctrl-C")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--output", metavar="DIR", help="output root folder (default: output)")
    parser.add_argument("--log-level", choices=LOG_LEVELS, help="default: INFO")
    return parser


def run(args) -> int:
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
    return finish(stats, output_dir, "demo")
