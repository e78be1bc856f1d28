"""Answers about class and id labels, remembered: labels repeat across elements and a site's pages.

functools.lru_cache keeps every key it is given, and a hostile page's labels can be megabytes long
(distinct ones on every page grew an analysis worker by 8 MB a page). A label of up to
LONGEST_REMEMBERED characters is remembered, a longer one is judged every time: each function keeps
at most MAXSIZE labels of that length.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

T = TypeVar("T")

MAXSIZE = 16_384
LONGEST_REMEMBERED = 256


def label_cache(function: Callable[[str], T]) -> Callable[[str], T]:
    """lru_cache(MAXSIZE) for a function of one label, but for labels longer than LONGEST_REMEMBERED.
    The result has lru_cache's cache_clear and cache_info."""
    cached = lru_cache(maxsize=MAXSIZE)(function)
    longest = LONGEST_REMEMBERED

    @wraps(function)
    def judge(label: str) -> T:
        if len(label) > longest:
            return function(label)
        return cached(label)

    judge.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    judge.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return judge
