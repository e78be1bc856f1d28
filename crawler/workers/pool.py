"""Page analysis in worker processes, with a time budget per task, for the crawl and `crawler reextract`.

The crawl's process spends its time in Scrapy's engine; parsing and extraction are pure CPU work,
so they run in worker processes (the other cores) and the engine keeps downloading meanwhile.
Tasks are module-level functions, named by their dotted paths or passed as functions: the crawl's
process names crawler.extract.tasks.analyse, so only its workers import the extraction library
(0.3 s of start-up, and trafilatura's and htmldate's modules in memory). The crawl's workers are
spawned; `crawler reextract`'s are forked, with the modules its process has imported.

Hostile pages cannot stall or sink the crawl:
- each task gets a time budget: past it the worker is killed and replaced, and the page gets a
  failed record (its `extraction_error` says why) instead of links and fields;
- an exception in extraction, or a worker that dies, also gives a failed record, and a new worker;
- only the first `max_size` bytes of a page are analysed (the archive keeps the whole body);
- a worker exits when the crawl's process dies, whatever kills it (SIGKILL included): the kernel
  signals it on Linux (PR_SET_PDEATHSIG), and it watches its parent and its pipe everywhere.

Each worker holds its next tasks while it runs one (TASKS_PER_WORKER), so it never waits for the
crawl's busy event loop to read a result before it gets more work; the pool's end of each pipe never
blocks that loop, however large a page. A task's time budget starts when the pool has the result
of the one before it, never before its worker starts it.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import pickle
import pkgutil
import signal
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from multiprocessing.connection import Connection

from crawler.web.page import Page

logger = logging.getLogger(__name__)

# The crawl's task: a page in, its Analysis out.
ANALYSE = "crawler.extract.tasks.analyse"

# (url, tag, rel, type) per link, in document order.
LinkTuple = tuple[str, str, str, str]
# (url, kind) per page requisite (crawler.discovery.requisites), in document order.
RequisiteTuple = tuple[str, str]
# links, requisites, record, and what site parsers got wrong on the page
Analysis = tuple[list[LinkTuple], list[RequisiteTuple], dict, list[str]]
# A module-level function, or its dotted path ("package.module.function")
FunctionRef = Callable | str

_PR_SET_PDEATHSIG = 1
MAX_DEATHS_IN_A_ROW = 5
_PARENT_POLL_SECONDS = 1.0
# The task a worker runs and the ones it starts next. With one, it idled about a third of a crawl
# waiting for the crawl's event loop to take its result; with two, whenever the loop ran longer than
# two pages take (a burst of responses: 8 to 11 ms at the 90th percentile, 3.6 ms a page); with four
# the crawl was 1.10x faster than with two, and eight no faster than four (docs/benchmarks.md).
TASKS_PER_WORKER = 4
# multiprocessing.Connection's framing, which the workers read and write with send() and recv(): a
# message's length, or -1 and then a longer length from 2 GiB on, then its pickle
_SIZE = struct.Struct("!i")
_LARGE_SIZE = struct.Struct("!Q")
_READ_SIZE = 1 << 16  # a larger read allocates (and maps) a buffer that large for each result


_named = cache(pkgutil.resolve_name)  # a worker looks up its task once, not on every page


def resolve(function: FunctionRef) -> Callable:
    """The function a dotted path names (its module imported the first time), or the function itself."""
    return _named(function) if isinstance(function, str) else function


class AnalysisFailed(Exception):
    """A task raised, ran out of time, or its worker died: the message says which."""


def failed_record(url: str, reason: str) -> dict:
    """The record of a page whose analysis failed: the crawl goes on, the page stays in the archive."""
    return {"url": url, "page_type": "unknown", "extraction_error": reason}


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def default_workers() -> int:
    """One process per core beyond the one running the engine, and at least one (the time budget needs it)."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


# ---- the pool's end of a pipe, which never blocks: messages as a worker's Connection frames them --


def _header(size: int) -> bytes:
    """What Connection.send_bytes writes before a message of size bytes."""
    if size > 0x7FFFFFFF:
        return _SIZE.pack(-1) + _LARGE_SIZE.pack(size)
    return _SIZE.pack(size)


def _messages(inbox: bytearray) -> list:
    """The whole messages at the start of inbox, unpickled and taken out of it."""
    messages, start = [], 0
    with memoryview(inbox) as view:  # unpickled where they lie, not copied out first
        while len(view) - start >= _SIZE.size:
            (size,) = _SIZE.unpack_from(view, start)
            body = start + _SIZE.size
            if size == -1:
                if len(view) - body < _LARGE_SIZE.size:
                    break
                (size,) = _LARGE_SIZE.unpack_from(view, body)
                body += _LARGE_SIZE.size
            if len(view) < body + size:
                break
            messages.append(pickle.loads(view[body : body + size]))
            start = body + size
    del inbox[:start]
    return messages


# ---- the worker process ------------------------------------------------------------------------


def _die_with_parent(parent_pid: int) -> None:
    """Exit when the parent process does, however it ends."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:  # where prctl is missing, and for a parent that died before prctl ran
        while os.getppid() == parent_pid:
            time.sleep(_PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(conn: Connection, parent_pid: int, inherited: list[Connection], main: FunctionRef) -> None:
    """A worker's loop: (function, args) in, ("ok", function(*args)) or ("error", text) out, until the pipe closes.

    inherited: the pool's ends of the pipes, which a forked worker holds copies of: closed here, or
    no worker would read EOF when the pool closes its end. main: the pool's usual task, imported
    before the worker says it is ready.
    """
    for end in inherited:
        end.close()
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle; it closes the pipe
    resolve(main)  # start-up (imports) is not part of any task's time budget
    try:
        conn.send(("ready", None))
    except OSError:  # the pool was closed while this worker started: nothing to do, and no traceback
        return
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: tuple = ("ok", resolve(function)(*args))
        except Exception as exc:  # RecursionError, MemoryError from a hostile page, a bug: this task fails
            result = ("error", error_text(exc))
        try:
            conn.send(result)
        except (OSError, ValueError):
            return
        except Exception as exc:  # a result that does not pickle (RecursionError on a deep value)
            conn.send(("error", error_text(exc)))


# ---- the pool, in the crawl's process ------------------------------------------------------------


@dataclass
class _Task:
    function: FunctionRef
    args: tuple
    future: asyncio.Future
    timer: asyncio.TimerHandle | None = None
    sent_by: int = 0  # how many bytes its worker must have been sent for it to have all of it


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    tasks: deque[_Task] = field(default_factory=deque)  # sent to it, in order: the first is running
    ready: bool = False  # started up and waiting for tasks
    inbox: bytearray = field(default_factory=bytearray)  # bytes read, not yet a whole message
    outbox: bytearray = field(default_factory=bytearray)  # bytes to write when the pipe takes them
    written: int = 0  # bytes ever written
    writing: bool = False  # waiting for the pipe to take more

    def received(self, task: _Task) -> bool:
        return self.written >= task.sent_by


class PageAnalyser:
    """Runs crawler.extract.tasks.analyse (and other pure tasks) in `workers` processes, or in this
    process when workers is 0 (no time budget then).

    timeout: seconds one task may take; max_size: bytes of a page analysed (0: all); function: what
    runs on each page (a module-level function, or its dotted path, for the worker processes to import).
    restarts, timeouts and failures count what happened. Workers are spawned (a fork of Twisted, asyncio
    and threads is not safe: the crawl's), or forked (fork=True) for a caller that runs no thread and
    whose workers need only modules it has imported (`crawler reextract`): a forked worker starts
    without importing the extraction library again (0.4 s of CPU each).
    """

    def __init__(
        self,
        workers: int,
        timeout: float = 15.0,
        max_size: int = 0,
        function: FunctionRef = ANALYSE,
        fork: bool = False,
    ):
        self.workers = workers
        self.function = function
        self.timeout = timeout
        self.max_size = max_size
        self.restarts = 0
        self.timeouts = 0
        self.failures = 0
        self._context: multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext = (
            multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        )
        self._pool: list[_Worker] = []
        self._queue: deque[_Task] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deaths = 0  # workers that died idle in a row, none getting ready in between
        for _ in range(workers):  # pay the workers' start-up now, not on the first pages
            self._pool.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        forked = isinstance(self._context, multiprocessing.context.ForkContext)
        inherited = [parent_end, *(worker.conn for worker in self._pool)] if forked else []
        process = self._context.Process(
            target=serve,
            args=(child_end, os.getpid(), inherited, self.function),
            daemon=True,
            name="page-analysis",
        )
        process.start()
        child_end.close()
        os.set_blocking(parent_end.fileno(), False)  # the crawl's event loop never waits on a worker
        worker = _Worker(process, parent_end)
        if self._loop is not None:
            self._loop.add_reader(parent_end.fileno(), self._readable, worker)
        return worker

    def _cut(self, page: Page) -> tuple[Page, bool]:
        if self.max_size and len(page.body) > self.max_size:
            return replace(page, body=page.body[: self.max_size]), True
        return page, False

    async def analyse(self, page: Page) -> Analysis:
        """The page's links, requisites and record; a failed record (extraction_error) if analysis failed."""
        page, cut = self._cut(page)
        try:
            links, requisites, record, problems = await self.call(self.function, page)
        except AnalysisFailed as exc:
            self.failures += 1
            logger.warning("Extraction failed on %s: %s; the page is archived, its record says why", page.url, exc)
            return [], [], failed_record(page.url, str(exc)), []
        if cut:
            record = {**record, "analysed_bytes": self.max_size}
        return links, requisites, record, problems

    async def call(self, function: FunctionRef, *args):
        """function(*args) in a worker, within the time budget (a pure, module-level function or its dotted
        path: its arguments and result are pickled); AnalysisFailed if it raised, ran out of time or its
        worker died."""
        if not self.workers:
            try:
                return resolve(function)(*args)
            except Exception as exc:
                raise AnalysisFailed(error_text(exc)) from None
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            for worker in self._pool:
                self._loop.add_reader(worker.conn.fileno(), self._readable, worker)
        task = _Task(function, args, self._loop.create_future())
        self._queue.append(task)
        self._dispatch()
        try:
            return await task.future
        except asyncio.CancelledError:
            if task in self._queue:
                self._queue.remove(task)
            raise

    def _dispatch(self) -> None:
        """Queue tasks for the ready workers, an idle one's before a busy one's next, and write what
        each pipe takes now."""
        assert self._loop is not None
        for held in range(TASKS_PER_WORKER):
            for worker in self._pool:
                while worker.ready and len(worker.tasks) == held and self._queue:
                    self._hand(worker, self._queue.popleft())  # a cancelled task: the next
        for worker in self._pool:
            if worker.outbox and not worker.writing:
                self._write(worker)

    def _hand(self, worker: _Worker, task: _Task) -> None:
        if task.future.done():  # cancelled while it waited
            return
        try:
            data = pickle.dumps((task.function, task.args), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # arguments that do not pickle: this task fails, not the worker
            self._fail(task, error_text(exc))
            return
        worker.outbox += _header(len(data))
        worker.outbox += data  # a page is copied once, into the bytes its pipe has yet to take
        task.sent_by = worker.written + len(worker.outbox)
        worker.tasks.append(task)
        if len(worker.tasks) == 1:
            self._start_clock(worker)

    def _start_clock(self, worker: _Worker) -> None:
        """The first of a worker's tasks is the one it runs: its time budget starts now."""
        assert self._loop is not None
        task = worker.tasks[0]
        task.timer = self._loop.call_later(self.timeout, self._timed_out, worker)

    def _write(self, worker: _Worker) -> None:
        """Write what the worker's pipe takes without blocking; wait for it to take the rest."""
        assert self._loop is not None
        if worker not in self._pool:
            return
        try:
            while worker.outbox:
                count = os.write(worker.conn.fileno(), worker.outbox)
                del worker.outbox[:count]
                worker.written += count
        except BlockingIOError:
            pass
        except OSError:  # the worker is gone: its end of the pipe reads EOF, which _readable handles
            worker.outbox.clear()
        if worker.outbox and not worker.writing:
            self._loop.add_writer(worker.conn.fileno(), self._write, worker)
            worker.writing = True
        elif not worker.outbox and worker.writing:
            self._loop.remove_writer(worker.conn.fileno())
            worker.writing = False

    def _readable(self, worker: _Worker) -> None:
        if worker not in self._pool:
            return
        try:
            chunk = os.read(worker.conn.fileno(), _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            worker.process.join(1)
            code = worker.process.exitcode
            self._died(worker, f"exited with code {code}", f"the analysis worker died on this page (exit code {code})")
            self._dispatch()
            return
        worker.inbox += chunk
        try:
            messages = _messages(worker.inbox)
        except Exception as exc:  # not what serve() writes: start over with another worker
            why = f"sent what is not a message ({error_text(exc)})"
            self._died(worker, why, f"the analysis worker {why}")
            self._dispatch()
            return
        for kind, value in messages:
            if kind == "ready":
                worker.ready = True
                self._deaths = 0
            elif worker.tasks:
                task = worker.tasks.popleft()
                if worker.tasks:
                    self._start_clock(worker)
                if kind == "ok":
                    self._settle(task, value)
                else:
                    self._fail(task, value)
        self._dispatch()

    def _settle(self, task: _Task, value) -> None:
        if task.timer is not None:
            task.timer.cancel()
        if not task.future.done():
            task.future.set_result(value)

    def _fail(self, task: _Task, reason: str) -> None:
        if task.timer is not None:
            task.timer.cancel()
        if not task.future.done():
            task.future.set_exception(AnalysisFailed(reason))

    def _take_back(self, worker: _Worker) -> None:
        """The tasks a worker holds and never started, back at the front of the queue in their order."""
        for task in reversed(worker.tasks):
            if task.timer is not None:
                task.timer.cancel()
                task.timer = None
            self._queue.appendleft(task)
        worker.tasks.clear()

    def _died(self, worker: _Worker, why: str, reason: str) -> None:
        """A worker ended: the task it had received and was running fails with reason (that page's
        doing); the others go to its replacement. One that never received a task died idle."""
        running = worker.tasks.popleft() if worker.tasks and worker.received(worker.tasks[0]) else None
        self._take_back(worker)
        self._replace(worker, why, idle=running is None)
        if running is not None:
            self._fail(running, reason)

    def _timed_out(self, worker: _Worker) -> None:
        if not worker.tasks or worker not in self._pool:
            return
        self.timeouts += 1
        task = worker.tasks.popleft()
        self._take_back(worker)
        self._replace(worker, "out of time")
        self._fail(task, f"timeout: analysis took longer than {self.timeout:g} s")
        self._dispatch()

    def _replace(self, worker: _Worker, why: str, idle: bool = False) -> None:
        """Kill a worker (if it still runs) and start another in its place.

        idle: it died without a task (at start-up, or waiting). Workers that keep dying so (they
        cannot start here) give way to analysis in this process, without a time budget, rather than
        to an endless round of restarts. A worker that dies on a page is that page's doing.
        """
        pid = worker.process.pid
        self._stop(worker, kill=True)
        self.restarts += 1
        if idle:
            self._deaths += 1
        if self._deaths > MAX_DEATHS_IN_A_ROW:
            logger.error(
                "Page-analysis workers died %d times in a row (last: %s); analysing pages in the crawl's "
                "own process from now on, without a time budget",
                self._deaths,
                why,
            )
            self._pool.remove(worker)
            if not self._pool:
                self.workers = 0
                for task in self._queue:
                    self._run_here(task)
                self._queue.clear()
            return
        self._pool[self._pool.index(worker)] = self._spawn()
        logger.info("Page-analysis worker %s %s; started another", pid, why)

    def _run_here(self, task: _Task) -> None:
        try:
            self._settle(task, resolve(task.function)(*task.args))
        except Exception as exc:
            self._fail(task, error_text(exc))

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if self._loop is not None:
            self._loop.remove_reader(worker.conn.fileno())
            if worker.writing:
                self._loop.remove_writer(worker.conn.fileno())
                worker.writing = False
        worker.conn.close()  # an idle worker reads EOF and exits
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(2)
        if not worker.process.is_alive():
            worker.process.close()

    def close(self) -> None:
        for task in self._queue:
            if not task.future.done():
                task.future.cancel()
        self._queue.clear()
        for worker in self._pool:
            busy = bool(worker.tasks)
            for task in worker.tasks:
                self._fail(task, "the crawl stopped")
            worker.tasks.clear()
            self._stop(worker, kill=busy)
        self._pool = []
