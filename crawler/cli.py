"""The `crawler` command. Each subcommand lives in crawler/commands/<name>.py."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys

from crawler import __version__
from crawler.commands import COMMANDS
from crawler.jobs.run import EXIT_USAGE


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; only `command`'s module is imported (the others are listed by name and help)."""
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Archiving crawler for article websites: WARC files of every HTTP exchange, "
        "and one JSON Lines record per article page.",
    )
    parser.add_argument("--version", action="version", version=f"crawler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if name == command:
            module = importlib.import_module(f"crawler.commands.{name}")
            module.add_parser(sub).set_defaults(func=module.run)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    # Importing a command allocates objects that live as long as the process: collections during it
    # find no garbage and cost about 50 ms of a crawl's start-up (docs/benchmarks.md).
    gc.disable()
    try:
        parser = build_parser(command if command in COMMANDS else None)
    finally:
        gc.enable()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
