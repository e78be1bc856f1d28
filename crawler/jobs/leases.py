"""Keep a worker's leases (frontier requests, host slots) alive from a thread, while the worker lives.

Renewing from the event loop ties a lease to the loop's punctuality: a few seconds of fsync, a
long parse or a machine under load, and the leases lapse while the worker still holds the requests;
other workers then fetch them a second time. A thread renews them whatever the loop is doing; they
lapse when the process dies, or when its loop has not turned for `hang` seconds (a stuck worker
gives its work back).
"""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator

logger = logging.getLogger(__name__)


def lease_tokens(owner: str) -> Iterator[str]:
    """Tokens no other process makes, not even this worker restarted under the same id: a dead
    worker's leases outlive it, and a reused token would take over (and lose) what one of them holds."""
    run = secrets.token_hex(4)
    return (f"{owner}:{run}:{n}" for n in itertools.count(1))


class LeaseKeeper:
    """Calls every renew function every `interval` seconds from a daemon thread, while `tick()` was
    called (by the event loop) within the last `hang` seconds."""

    def __init__(self, interval: float, hang: float, clock=time.monotonic):
        self.interval = interval
        self.hang = hang
        self.clock = clock
        self.renewers: list[Callable[[], None]] = []
        self.ticked = clock()
        self.failures = 0  # renewals that raised (Redis unreachable): logged, retried next time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, renew: Callable[[], None]) -> None:
        self.renewers.append(renew)

    def tick(self) -> None:
        self.ticked = self.clock()

    def alive(self) -> bool:
        return self.clock() - self.ticked < self.hang

    def renew_now(self) -> None:
        if not self.alive():
            return
        for renew in list(self.renewers):
            try:
                renew()
            except Exception as exc:  # the next round tries again; the lease has time left
                self.failures += 1
                logger.warning("Could not renew leases: %s", exc)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.renew_now()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
