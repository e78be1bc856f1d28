"""One module per `crawler` subcommand, each with add_parser(subparsers) and run(args) -> int."""

# Order shown in `crawler --help`.
COMMANDS = ["crawl", "parse", "demo", "report", "index", "wacz", "reextract", "seed", "merge", "fixture"]
