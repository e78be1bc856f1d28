"""Where a job's output goes, and its default name."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit


def default_job_name(urls: list[str]) -> str:
    """A file-system-safe name from the first start URL's host ("www.example.org:8080" -> "www.example.org-8080")."""
    netloc = urlsplit(urls[0]).netloc.rsplit("@", 1)[-1] if urls else ""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", netloc).strip("-.") or "crawl"


def job_output_dir(settings) -> Path:
    """OUTPUT_ROOT/JOB_NAME from a Scrapy Settings object (or any mapping with .get)."""
    name = settings.get("JOB_NAME") or "crawl"
    return Path(settings.get("OUTPUT_ROOT") or "output") / name


def worker_suffix(settings) -> str:
    """ "-WORKER" when several processes share the job (a Redis frontier), else ""."""
    worker = settings.get("WORKER_ID")
    return f"-{re.sub(r'[^A-Za-z0-9._-]+', '_', worker)}" if worker else ""


def records_path(settings) -> Path:
    """OUTPUT/JOB/records.jsonl, or records-WORKER.jsonl for one worker of a distributed crawl."""
    return job_output_dir(settings) / f"records{worker_suffix(settings)}.jsonl"
