"""A set that remembers only recent items: a cheap filter in front of an exact, slower one."""

from __future__ import annotations


class RecentSet:
    """Remembers at least the last `size` strings added, or fewer when they hold more than `chars`
    characters (at most twice either), in two generations; a string longer than `chars` is never kept.

    Memory stays flat however many and however long the strings that pass (a crawler trap's growing
    URLs included); a string forgotten is caught again by the exact check behind this filter (for
    links: the frontier's seen-set).
    """

    def __init__(self, size: int, chars: int):
        self.size = size
        self.chars = chars
        self.current: set[str] = set()
        self.previous: set[str] = set()
        self.current_chars = 0

    def __contains__(self, item: str) -> bool:
        return item in self.current or item in self.previous

    def add(self, item: str) -> None:
        if len(item) > self.chars:
            return
        count = len(self.current)
        self.current.add(item)
        if len(self.current) > count:
            self.current_chars += len(item)
        if len(self.current) >= self.size or self.current_chars >= self.chars:
            self.previous, self.current, self.current_chars = self.current, set(), 0
