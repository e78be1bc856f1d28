"""One module per `crawler` subcommand, each with add_parser(subparsers) and run(args) -> int.

COMMANDS lets `crawler --help` list them all while only the command that runs is imported, so
`crawler parse` starts without loading Scrapy.
"""

# Name -> one-line help, in the order `crawler --help` shows them.
COMMANDS = {
    "crawl": "crawl sites from start URLs or a job file",
    "parse": "extract records from saved HTML files, offline",
    "demo": "serve the bundled demo news site on 127.0.0.1 and crawl it",
    "report": "write an HTML report of a job's last run",
    "index": "rebuild the CDXJ index of a job folder's WARC files",
    "wacz": "package a job folder's WARC files as a WACZ (for ReplayWeb.page)",
    "reextract": "extract records again from archived responses (no network)",
    "changes": "show the articles whose content changed between crawls, and how",
    "seed": "seed, inspect or reset the Redis frontier of a distributed job",
    "merge": "merge the records and stats of all workers of a job",
    "fixture": "save pages as parser fixtures; check extraction against them",
    "profile": "write a starting site profile (TOML selectors or a Python parser) for a host",
}
