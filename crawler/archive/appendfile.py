"""A file written only at its end, where every write is whole or not there at all.

Python's unbuffered files may write part of what they are given when the disk fills up, and its
buffered ones keep what they could not write and write it later, after newer data: either way a
full disk leaves a record cut in the middle of the file. Here a write loops until all of it is
written, and a write that fails is cut off again (ftruncate), so the file always ends where the
last whole write ended. `rollback(size)` cuts back further, to the start of a record written in
several pieces.
"""

from __future__ import annotations

import os
from pathlib import Path


class AppendFile:
    def __init__(self, path: str | os.PathLike, exclusive: bool = False):
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        if exclusive:
            flags |= os.O_EXCL
        self.name = str(Path(path))
        self._fd = os.open(path, flags, 0o644)
        self._size = os.fstat(self._fd).st_size

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        start = self._size
        try:
            while view:
                written = os.write(self._fd, view)
                self._size += written
                view = view[written:]
        except OSError:
            self.rollback(start)
            raise
        return self._size - start

    def rollback(self, size: int) -> None:
        """Cut the file back to size bytes (the end of the last whole record)."""
        if self._size > size:
            os.ftruncate(self._fd, size)
            self._size = size

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        """Nothing is buffered here."""

    def fsync(self) -> None:
        os.fsync(self._fd)

    def fileno(self) -> int:
        return self._fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
