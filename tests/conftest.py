import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest


def _rewrite_no_library_asserts() -> None:
    """pytest rewrites the asserts of every module of a distribution that has a pytest plugin: the whole of
    crawler (our fixture plugin) and of hypothesis, some 200 modules with hardly an assert, none a test reads.
    That was a third of the collection's time (PYTHONDONTWRITEBYTECODE: every run). The tests' own modules
    and conftest are still rewritten; the modules already imported (the fixture plugin's) stay as they are.
    Private pytest state, looked up defensively: where it is not found, pytest rewrites as before."""
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if isinstance(marked, set):
            marked -= {name for name in marked if name == "crawler" or name.startswith(("hypothesis", "_hypothesis"))}
            cache = getattr(finder, "_marked_for_rewrite_cache", None)
            if isinstance(cache, dict):
                cache.clear()


_rewrite_no_library_asserts()  # before the imports below load most of crawler

import redis  # noqa: E402

from crawler.cli import main as cli_main  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402
from crawler.settings import BROWSER_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]  # test_fixture_kit runs the fixture plugin's pytest sessions in this process


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the `crawler` command in a fresh interpreter (Twisted's reactor cannot restart in-process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_cli_here(capsys, *args: str) -> SimpleNamespace:
    """The `crawler` command in this process, for commands that start no reactor (report, parse,
    fixture): its exit code and captured output, as run_cli gives them, without an interpreter's start-up."""
    capsys.readouterr()
    code = cli_main(list(args))
    captured = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)


def start_cli(*args: str, **popen) -> subprocess.Popen:
    """Start the `crawler` command in the background (stdout and stderr piped unless popen says otherwise;
    popen's env is added to the environment)."""
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    env = {**os.environ, "PYTHONPATH": str(ROOT), **popen.pop("env", {})}
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


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of the test's own on a free loopback port."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server not found: `make test` installs it (apt-get install -y redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(500):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.01)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    # Killed, not terminated: it keeps nothing (no save, no append-only file), and a SIGTERM waits for
    # the server's next cron tick (up to 100 ms) before it shuts down.
    proc.kill()
    proc.wait(10)


@pytest.fixture
def redis_client(redis_url):
    """A client of the test's own redis-server."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def demo_server():
    with DemoServer() as server:
        yield server


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = BROWSER_ARGS  # the crawl's own flags: the tests see the browser as a crawl does


@pytest.fixture(scope="module")
def browser():
    """A Chromium page factory; fails (never skips) when the browser cannot be had."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `make test` installs it (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install -y chromium)")
    profile = tempfile.mkdtemp(prefix="report-test-chromium-")
    with sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Error as exc:
            pytest.fail(f"cannot start {CHROMIUM}: {exc}")
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def open_report(context, path: Path):
    """The page and the problems it met: console errors, page errors, requests for anything but itself."""
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    url = path.resolve().as_uri()
    page.on("request", lambda req: problems.append(f"request: {req.url}") if req.url != url else None)
    page.goto(url, wait_until="load")
    return page, problems
