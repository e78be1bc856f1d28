"""Start pywb's `wayback` on a free loopback port over a collection made from a job's WARCs and CDXJ."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, headers=None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def wayback(command: list[str], job: Path, root: Path, name: str = "demo"):
    """Yield the collection's base URL, http://127.0.0.1:PORT/NAME, while pywb serves it."""
    collection = root / "collections" / name
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for path in job.glob("*.warc.gz"):
        os.link(path, collection / "archive" / path.name)
    shutil.copy(job / "index.cdxj", collection / "indexes" / "index.cdxj")
    port = free_port()
    log_path = root / "wayback.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*command, "-p", str(port), "-b", "127.0.0.1"], cwd=root, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}/{name}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if get(base + "/")[0] == 200:
                        break
                except OSError:
                    pass
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "pywb did not start in 60 s"
                time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
