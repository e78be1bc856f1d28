"""Where a job's output goes, and its default name."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

# A job name is a folder of OUTPUT_ROOT and a prefix of file names: no separators, no "..", no hidden names.
JOB_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_job_name(name: str) -> str:
    """name, if it is safe as a folder and file-name prefix; else ValueError saying what is allowed."""
    if not JOB_NAME_PATTERN.fullmatch(name) or ".." in name:
        raise ValueError(
            f"job name {name!r} is not allowed: use letters, digits, '.', '_' and '-' "
            "(at most 128, starting with a letter or digit, no '..')"
        )
    return name


def default_job_name(urls: list[str]) -> str:
    """A file-system-safe name from the first start URL's host ("www.example.org:8080" -> "www.example.org-8080")."""
    netloc = urlsplit(urls[0]).netloc.rsplit("@", 1)[-1] if urls else ""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", netloc).strip("-._")
    return re.sub(r"\.{2,}", ".", name)[:128] or "crawl"


def job_output_dir(settings) -> Path:
    """OUTPUT_ROOT/JOB_NAME from a Scrapy Settings object (or any mapping with .get); ValueError for an unsafe name."""
    name = check_job_name(settings.get("JOB_NAME") or "crawl")
    return Path(settings.get("OUTPUT_ROOT") or "output") / name


def worker_suffix(settings) -> str:
    """ "-WORKER" when several processes share the job (a Redis frontier), else ""."""
    worker = settings.get("WORKER_ID")
    return f"-{re.sub(r'[^A-Za-z0-9._-]+', '_', worker)}" if worker else ""


def records_path(settings) -> Path:
    """OUTPUT/JOB/records.jsonl, or records-WORKER.jsonl for one worker of a distributed crawl."""
    return job_output_dir(settings) / f"records{worker_suffix(settings)}.jsonl"
