"""Free space on the file systems a job writes to, against the job's floor (OUTPUT_MIN_FREE_SPACE)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from .summary import human_size

# errno values that mean "the disk (or the quota) is full": a crawl failure (exit 1), not a usage error.
NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def is_no_space(exc: BaseException) -> bool:
    """A write failed because the disk or a quota is full (also sqlite3's 'database or disk is full')."""
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:
        return True
    return "disk is full" in str(exc) or "No space left" in str(exc)


def _existing(path: Path) -> Path:
    """The path, or its nearest existing parent (a folder the crawl has not created yet)."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_space(path: str | os.PathLike) -> int:
    """Bytes an unprivileged process may still write on path's file system."""
    stat = os.statvfs(_existing(Path(path)))
    return stat.f_bavail * stat.f_frsize


def low_space(paths: Iterable[str | os.PathLike], floor: int) -> str | None:
    """A one-line reason if any of paths' file systems has less than floor bytes free, else None (floor 0: no check)."""
    if floor <= 0:
        return None
    for path in paths:
        free = free_space(path)
        if free < floor:
            return (
                f"only {human_size(free)} free on the file system of {path}, below the floor of "
                f"{human_size(floor)} (OUTPUT_MIN_FREE_SPACE, job file: output.min_free_space)"
            )
    return None
