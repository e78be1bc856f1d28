"""Read the last run of a job's output folder into the numbers the report shows.

Files only (stats.json, the run's WARC files, records.jsonl), no Scrapy. Problems that still
leave something to show become notes; a folder with nothing to show raises ReportError.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_datetime

from crawler.archive.folder import is_warc_name
from crawler.archive.repair import OPEN_SUFFIX
from crawler.jobs.versions import Change, find_changes, records_files
from crawler.web.redact import strip_userinfo

STATS = "stats.json"
RECORDS = "records.jsonl"
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "other")

# (label, record key): the fields whose presence is counted; the six come first.
COVERAGE_FIELDS = [
    ("title", "title"),
    ("author", "authors"),
    ("date published", "published"),
    ("breadcrumb", "breadcrumb"),
    ("related links", "related"),
    ("body", "body_text"),
    ("date modified", "modified"),
    ("tags", "tags"),
]
MISSING_EXAMPLES = 10  # URLs listed per field that a record lacks


def host_of(url: str) -> str:
    """host[:port] of a URL, lower-cased, without userinfo; "(no host)" for relative or odd URLs."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return "(invalid URL)"
    return netloc.rpartition("@")[2].lower() or "(no host)"


@dataclass
class HostRow:
    """One host's numbers from stats.json (hosts/<host>/...: the politeness middleware's and the page limits')."""

    host: str
    requests: int = 0
    responses: int = 0
    failures: int = 0
    over_limit: int = 0
    delay: float | None = None
    min_spacing: float | None = None
    waited: float = 0.0
    first_request: str = ""
    last_request: str = ""


_HOST_NUMBERS = {"requests", "responses", "failures", "over_limit", "delay", "min_spacing", "waited"}


def host_rows(stats: dict) -> list[HostRow]:
    """Every host with per-host stats, most requests first."""
    rows: dict[str, HostRow] = {}
    for key, value in stats.items():
        if not key.startswith("hosts/") or key.count("/") != 2:
            continue
        _, host, field_name = key.split("/")
        if field_name in _HOST_NUMBERS and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
            continue
        if field_name in _HOST_NUMBERS or (field_name in ("first_request", "last_request") and isinstance(value, str)):
            setattr(rows.setdefault(host, HostRow(host)), field_name, value)
    return sorted(rows.values(), key=lambda row: (-row.requests, row.host))


class ReportError(Exception):
    """Nothing to report on in this folder; the message tells the user why."""


@dataclass
class Fetches:
    """The run's archived HTTP responses: WARC response and revisit records."""

    # (whole POSIX second, status class) -> responses: small however long the run, and a second
    # is the finest bucket the timeline draws.
    per_second: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)  # status code (None: unknown) -> count
    content_types: Counter = field(default_factory=Counter)
    hosts: Counter = field(default_factory=Counter)
    revisits: int = 0
    truncated: int = 0
    undated: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def add(
        self, when: datetime | None, status: int | None, content_type: str, url: str, revisit: bool, truncated: bool
    ):
        self.statuses[status] += 1
        self.content_types[content_type] += 1
        self.hosts[host_of(url)] += 1
        self.revisits += revisit
        self.truncated += truncated
        if when is None:
            self.undated += 1
        else:
            self.per_second[(int(when.timestamp()), status_class(status))] += 1


@dataclass
class Coverage:
    """How many of the run's article records have each field."""

    records: int = 0
    other_pages: int = 0  # records whose page_type is not "article": not counted
    present: Counter = field(default_factory=Counter)  # record key -> records having it
    missing: dict[str, list[str]] = field(default_factory=dict)  # record key -> example URLs lacking it


@dataclass
class Run:
    folder: Path
    job: str
    stats: dict
    start: datetime | None
    end: datetime | None
    fetches: Fetches
    coverage: Coverage
    warc_files: list[Path]
    records_source: str  # which part of records.jsonl was read, said in the report
    notes: list[str]  # problems met while reading, shown at the top of the report
    changes: list[Change] = field(default_factory=list)  # articles whose content changed in this run


def status_class(status: int | None) -> str:
    return f"{status // 100}xx" if status is not None and 200 <= status < 600 else "other"


def load_run(folder: Path) -> Run:
    """The last finished run of the job whose output folder this is."""
    folder = Path(folder)
    if not folder.exists():
        raise ReportError(f"no such folder: {folder}")
    if not folder.is_dir():
        raise ReportError(f"not a folder: {folder} (give a job's output folder, e.g. output/JOB)")
    notes: list[str] = []
    stats = read_stats(folder)
    start, end = parse_time(stats.get("start_time")), parse_time(stats.get("finish_time"))
    for key, value in (("start_time", start), ("finish_time", end)):
        if value is None and key in stats:
            notes.append(f"{key} in {STATS} is not an ISO 8601 time: {stats[key]!r}")
    _note_unfinished_later_run(folder, notes)
    warc_files, by_date = run_warc_files(folder, stats, notes)
    window = None
    if by_date:
        if start and end:
            # Capture times fall inside the run; a second of slack for clock rounding.
            window = (start - timedelta(seconds=1), end + timedelta(seconds=1))
        else:
            notes.append("stats.json has no usable start and finish time: all WARC files of the folder are counted")
    fetches = read_fetches(warc_files, notes, window)
    coverage, records_source = read_records(folder, stats, notes)
    since = start.astimezone(UTC).replace(microsecond=0).isoformat() if start else None
    changes = find_changes(records_files(folder), since=since) if since else []
    return Run(
        folder, folder.resolve().name, stats, start, end, fetches, coverage, warc_files, records_source, notes, changes
    )


def read_stats(folder: Path) -> dict:
    path = folder / STATS
    if not path.is_file():
        message = f"no finished run in {folder}: there is no {STATS} (a crawl writes it when it ends)"
        unfinished = sorted(p.name for p in folder.glob("*" + OPEN_SUFFIX))
        if unfinished:
            message += f"; {len(unfinished)} file(s) named *{OPEN_SUFFIX} were left by a run that did not finish"
        raise ReportError(message)
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from None
    if not isinstance(stats, dict):
        raise ReportError(f"{path} is not a JSON object of crawl stats")
    return stats


def parse_time(value) -> datetime | None:
    """An ISO 8601 time from stats.json, in UTC (naive times are taken as UTC)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _note_unfinished_later_run(folder: Path, notes: list[str]) -> None:
    stats_time = (folder / STATS).stat().st_mtime
    later = sorted(p.name for p in folder.glob("*" + OPEN_SUFFIX) if p.stat().st_mtime > stats_time)
    if later:
        notes.append(
            f"a later run did not finish ({', '.join(later)} left open): "
            f"this report covers the last run that wrote {STATS}"
        )


def run_warc_files(folder: Path, stats: dict, notes: list[str]) -> tuple[list[Path], bool]:
    """The run's WARC files, and whether they may hold other runs' records (then dates select)."""
    listed = stats.get("warc/files")
    if listed is None:
        files = sorted(p for p in folder.iterdir() if p.is_file() and is_warc_name(p.name))
        if files:
            notes.append(
                f"{STATS} does not list the run's WARC files: responses in the folder's WARC files "
                "dated within the run are counted"
            )
        return files, True
    if not isinstance(listed, list):
        notes.append(f"warc/files in {STATS} is not a list: no WARC file read")
        return [], False
    files = []
    for entry in listed:
        if not isinstance(entry, str) or not entry:
            notes.append(f"warc/files in {STATS} holds {entry!r}, not a file name: ignored")
            continue
        # Listed paths are relative to where the crawl ran; the folder may have moved since.
        name = Path(entry).name
        candidates = [folder / name, Path(entry)]
        found = next((p for p in candidates if p.is_file()), None)
        if found:
            files.append(found)
        elif (folder / (name + OPEN_SUFFIX)).exists():
            notes.append(f"{name} is still named {name}{OPEN_SUFFIX} (not closed by its run): skipped")
        else:
            notes.append(f"WARC file {name}, listed in {STATS}, is missing")
    return files, False


def read_fetches(files: list[Path], notes: list[str], window=None) -> Fetches:
    fetches = Fetches()
    outside = 0
    for path in files:
        count = 0
        try:
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type not in ("response", "revisit"):
                        continue
                    when = _warc_date(record.rec_headers.get_header("WARC-Date"))
                    if window and (when is None or not window[0] <= when <= window[1]):
                        outside += 1
                        continue
                    http = record.http_headers
                    status = _int(http.get_statuscode()) if http else None
                    content_type = (http.get_header("Content-Type") or "") if http else ""
                    fetches.add(
                        when,
                        status,
                        content_type.split(";")[0].strip().lower() or "(none)",
                        strip_userinfo(record.rec_headers.get_header("WARC-Target-URI") or ""),
                        revisit=record.rec_type == "revisit",
                        truncated=bool(record.rec_headers.get_header("WARC-Truncated")),
                    )
                    count += 1
        # warcio raises many kinds of errors on damaged input (gzip, parsing, EOF): all mean
        # "the rest of this file is unreadable", and the report goes on with what was read.
        except Exception as exc:
            notes.append(
                f"{path.name} is damaged: read {count} responses, then "
                f"{type(exc).__name__}: {str(exc)[:200]}; the rest of the file is left out"
            )
    if outside:
        notes.append(f"{outside} responses in those WARC files are from other runs (dated outside this run): left out")
    return fetches


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return iso_date_to_datetime(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _offset(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def read_records(folder: Path, stats: dict, notes: list[str]) -> tuple[Coverage, str]:
    """Coverage of the run's records, and a sentence saying which records those are."""
    path = folder / RECORDS
    if not path.is_file():
        scraped = stats.get("item_scraped_count")
        if scraped:
            notes.append(f"{RECORDS} is missing, though {STATS} counts {scraped} records written")
        return Coverage(), f"no {RECORDS} in the folder"
    size = path.stat().st_size
    keys = ("run/records_offset_start", "run/records_offset_end")
    if not any(k in stats for k in keys):
        return (
            _coverage(path, 0, size, notes),
            f"all of {RECORDS}: {STATS} does not say where this run's records start (output of an older "
            "crawler), so records of earlier runs are counted too",
        )
    start, end = (_offset(stats.get(k)) for k in keys)
    whole = f"all of {RECORDS} (records of earlier runs may be counted too)"
    if start is None or end is None or start > end:
        notes.append(
            f"{STATS} has unusable record offsets {stats.get(keys[0])!r}..{stats.get(keys[1])!r}: counting {whole}"
        )
        return _coverage(path, 0, size, notes), whole
    if end > size:
        notes.append(
            f"{RECORDS} has {size} bytes but this run's records end at byte {end}: the file was cut "
            "or replaced; counting the records that are there"
        )
        end = size
    if start > end or not _starts_line(path, start):
        notes.append(
            f"this run's records should start at byte {start} of {RECORDS}, which is not a line start: counting {whole}"
        )
        return _coverage(path, 0, size, notes), whole
    if size > end:
        notes.append(
            f"{RECORDS} holds {size - end} bytes after this run's records (from a later run that did not finish?)"
        )
    return _coverage(path, start, end, notes), f"bytes {start}–{end} of {RECORDS}: this run's records"


def _starts_line(path: Path, offset: int) -> bool:
    if offset == 0:
        return True
    with path.open("rb") as stream:
        stream.seek(offset - 1)
        return stream.read(1) == b"\n"


def _coverage(path: Path, start: int, end: int, notes: list[str]) -> Coverage:
    coverage = Coverage(missing={key: [] for _, key in COVERAGE_FIELDS})
    bad, first_bad = 0, None
    try:
        with path.open("rb") as stream:
            stream.seek(start)
            position = start
            while position < end:
                line = stream.readline(end - position)
                if not line:
                    break
                line_start, position = position, position + len(line)
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:  # JSONDecodeError and UnicodeDecodeError
                    record = None
                if not isinstance(record, dict):
                    bad += 1
                    first_bad = line_start if first_bad is None else first_bad
                    continue
                _count(coverage, record)
    except OSError as exc:
        notes.append(f"cannot read {path.name}: {exc}; coverage counts the records read before the error")
    if bad:
        notes.append(
            f"{bad} line(s) of {path.name} are not JSON objects (the first at byte {first_bad}): left out of the coverage"
        )
    return coverage


def _count(coverage: Coverage, record: dict) -> None:
    if record.get("page_type", "article") != "article":
        coverage.other_pages += 1
        return
    coverage.records += 1
    for _, key in COVERAGE_FIELDS:
        if has_value(record.get(key)):
            coverage.present[key] += 1
        elif len(coverage.missing[key]) < MISSING_EXAMPLES:
            coverage.missing[key].append(strip_userinfo(str(record.get("url") or "(no url)")))


def has_value(value) -> bool:
    """A field counts as extracted unless it is null, blank or empty."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return True
