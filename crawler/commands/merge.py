"""crawler merge OUTPUT/JOB: the output of all workers of a distributed crawl, seen as one crawl."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crawler.jobs.records import record_key
from crawler.jobs.run import EXIT_OK, EXIT_USAGE
from crawler.report.changes import write_feed

from . import COMMANDS


def add_parser(sub):
    parser = sub.add_parser(
        "merge",
        help=COMMANDS["merge"],
        description="Read records*.jsonl and stats*.json of every worker in OUTPUT/JOB (copy other machines' "
        "files there first) and write OUTPUT/JOB/merged/records.jsonl (one record per canonical page, the "
        "latest capture) and merged/stats.json (counters summed, all WARC files), which `crawler report "
        "OUTPUT/JOB/merged` reads. The workers' files are left as they are; index.cdxj already covers all WARCs "
        "(`crawler index OUTPUT/JOB` rebuilds it); OUTPUT/JOB/changes.xml is rewritten from every worker's records "
        "(`crawler changes OUTPUT/JOB` lists the same changes).",
    )
    parser.add_argument("output_dir", metavar="OUTPUT/JOB")
    return parser


def merge_records(paths: list[Path]) -> tuple[list[dict], int]:
    """Latest record per canonical page across files, and how many lines were read."""
    latest: dict[str, dict] = {}
    read = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                    key = record_key(record)
                except (ValueError, KeyError, TypeError):
                    continue  # a partial last line of a killed worker
                read += 1
                if key not in latest or record.get("fetched_at", "") > latest[key].get("fetched_at", ""):
                    latest[key] = record
    return sorted(latest.values(), key=lambda r: r["url"]), read


# Per-host values of several workers that are not added up: the smallest, the largest, the earliest, the latest.
_LEAST = ("/min_spacing", "/first_request")
_MOST = ("/delay", "/last_request")


def merge_stats(paths: list[Path], warcs: list[Path]) -> dict:
    merged: dict = {"workers": len(paths)}
    starts, finishes, reasons = [], [], set()
    for path in paths:
        stats = json.loads(path.read_text(encoding="utf-8"))
        for key, value in stats.items():
            if key.endswith(_LEAST) or key.endswith(_MOST) or key.startswith("robotstxt/crawl_delay/"):
                if key in merged:
                    value = min(merged[key], value) if key.endswith(_LEAST) else max(merged[key], value)
                merged[key] = value
            elif (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and ("/" in key or key.endswith("_count"))
            ):
                merged[key] = merged.get(key, 0) + value
        starts.append(stats.get("start_time", ""))
        finishes.append(stats.get("finish_time", ""))
        reasons.add(stats.get("finish_reason", "unknown"))
    merged["start_time"], merged["finish_time"] = min(starts), max(finishes)
    merged["finish_reason"] = reasons.pop() if len(reasons) == 1 else "mixed: " + ", ".join(sorted(reasons))
    merged["warc/files"] = [str(p.resolve()) for p in warcs]
    return merged


def run(args) -> int:
    folder = Path(args.output_dir)
    records = sorted(folder.glob("records*.jsonl"))
    stats = sorted(folder.glob("stats*.json"))
    if not folder.is_dir() or not (records or stats):
        print(f"crawler merge: {folder} holds no records*.jsonl or stats*.json", file=sys.stderr)
        return EXIT_USAGE
    out = folder / "merged"
    out.mkdir(exist_ok=True)
    merged, read = merge_records(records)
    with open(out / "records.jsonl", "w", encoding="utf-8") as fh:
        for record in merged:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    totals = merge_stats(stats, sorted(folder.glob("*.warc.gz")))
    totals["item_scraped_count"] = len(merged)
    totals["run/records_offset_start"], totals["run/records_offset_end"] = 0, (out / "records.jsonl").stat().st_size
    (out / "stats.json").write_text(json.dumps(totals, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_feed(folder)
    print(
        f"merged {len(records)} record files ({read} records, {len(merged)} distinct pages) and "
        f"{len(stats)} stats files into {out}/"
    )
    return EXIT_OK
