"""Answers about class and id labels, remembered: labels repeat across elements and a site's pages.

functools.lru_cache keeps every key it is given, and a hostile page's labels can be megabytes long
(distinct ones on every page grew an analysis worker by 8 MB a page). A label of up to
LONGEST_REMEMBERED characters is remembered; of longer ones only the last, which is what the rest of
its page asks about again. Each function keeps at most MAXSIZE labels of that length and one longer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

T = TypeVar("T")

MAXSIZE = 16_384
LONGEST_REMEMBERED = 256


def label_cache(function: Callable[[str], T]) -> Callable[[str], T]:
    """lru_cache(MAXSIZE) for a function of one label, but for labels longer than LONGEST_REMEMBERED
    (the last of those only). The result has lru_cache's cache_clear and cache_info."""
    cached = lru_cache(maxsize=MAXSIZE)(function)
    longest = LONGEST_REMEMBERED
    last: list = ["", None]  # the last long label and its answer: a page repeats its own labels

    @wraps(function)
    def judge(label: str) -> T:
        if len(label) <= longest:
            return cached(label)
        if label != last[0]:
            last[:] = label, function(label)
        return last[1]

    def cache_clear() -> None:
        cached.cache_clear()
        last[:] = "", None

    judge.cache_clear = cache_clear  # type: ignore[attr-defined]
    judge.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return judge
