"""A set that remembers only recent items: a cheap filter in front of an exact, slower one."""

from __future__ import annotations

from collections.abc import Hashable


class RecentSet:
    """Remembers at least the last `size` items added (at most 2 * size), in two generations.

    Memory stays flat however many items pass; an item forgotten is caught again by the exact
    check behind this filter (for links: the frontier's seen-set).
    """

    def __init__(self, size: int):
        self.size = size
        self.current: set[Hashable] = set()
        self.previous: set[Hashable] = set()

    def __contains__(self, item: Hashable) -> bool:
        return item in self.current or item in self.previous

    def add(self, item: Hashable) -> None:
        self.current.add(item)
        if len(self.current) >= self.size:
            self.previous, self.current = self.current, set()
