import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import DemoServer

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the `crawler` command in a fresh interpreter (Twisted's reactor cannot restart in-process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def demo_server():
    with DemoServer() as server:
        yield server
