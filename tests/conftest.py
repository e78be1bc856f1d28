import os
import signal
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


def start_cli(*args: str, **popen) -> subprocess.Popen:
    """Start the `crawler` command in the background (stdout and stderr piped unless popen says otherwise)."""
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=env, **popen)


def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Signal a crawl process, wait for it and close its pipes.

    Not communicate(): the pipes may stay open in processes it started, which outlive it.
    """
    proc.send_signal(sig)
    proc.wait(timeout=60)
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


@pytest.fixture(scope="session")
def demo_server():
    with DemoServer() as server:
        yield server
