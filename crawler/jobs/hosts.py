"""Which host's queue a frontier serves next: hosts take turns, each when its politeness allows.

The policy (docs/architecture.md, "Scheduling across hosts"), the same in the SQLite and the Redis
frontier:
- every host with queued requests has a due time: 0 for a host never asked (so a new host's first
  pages go early), else when its delay since its last request has passed;
- the next request comes from the host due longest ago, the best of that host's own queue
  (priority, then first queued); the host is then due again one delay later;
- a host that cannot take a request now (its slots are full here or fleet-wide) is passed over,
  keeping its turn; a host whose time has not come is not asked at all. So a host with a long delay,
  slow answers or a deep backlog holds at most its own slots, never the others' turns.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

# Seconds before asking again when every due host is busy (a slot frees when a response arrives;
# the engine asks again then too).
BUSY_RETRY = 0.05


class HostTurns:
    """Hosts with queued requests, by due time (the caller's clock)."""

    def __init__(self) -> None:
        self.queued: dict[str, int] = {}  # host -> queued requests
        self.due: dict[str, float] = {}
        self._heap: list[tuple[float, int, str]] = []  # (due, order, host); stale entries skipped
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self.queued)

    def added(self, host: str, due: float, count: int = 1) -> None:
        """count requests of host were queued; due is when it may be served if it had none queued."""
        if host in self.queued:
            self.queued[host] += count
            return
        self.queued[host] = count
        self._set_due(host, due)

    def served(self, host: str, due: float) -> None:
        """One of host's requests was handed out; the host is due again at `due`."""
        left = self.queued.get(host, 0) - 1
        if left <= 0:
            self.queued.pop(host, None)
            self.due.pop(host, None)
            return
        self.queued[host] = left
        self._set_due(host, due)

    def _set_due(self, host: str, due: float) -> None:
        self.due[host] = due
        heapq.heappush(self._heap, (due, next(self._order), host))

    def next_host(self, now: float, busy: Callable[[str], bool | float]) -> str | float | None:
        """The host to serve now; else seconds until one is due (a due host may be busy: then a short
        wait), or None with nothing queued.

        busy(host): False if the host can take a request now, True if not (its slots are all held), or
        the time it will be due, when that is later than it was reckoned (its last request ended late).
        """
        passed_over = []
        chosen: str | float | None = None
        while self._heap:
            due, order, host = self._heap[0]
            if self.due.get(host) != due:
                heapq.heappop(self._heap)  # served or emptied since
                continue
            if due > now:
                chosen = due - now
                break
            entry = heapq.heappop(self._heap)
            answer = busy(host)
            if answer is True:
                passed_over.append(entry)
                continue
            if answer is not False and answer > now:
                self._set_due(host, answer)
                continue
            heapq.heappush(self._heap, entry)  # stays until served() moves it
            chosen = host
            break
        for entry in passed_over:
            heapq.heappush(self._heap, entry)
        if isinstance(chosen, str) or not passed_over:
            return chosen
        return BUSY_RETRY if chosen is None else min(chosen, BUSY_RETRY)
