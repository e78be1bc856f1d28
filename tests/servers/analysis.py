"""Stand-ins for page analysis that misbehaves, for the worker pool's tests (module level: workers import them)."""

from __future__ import annotations

import time


def slow_on_slow_pages(page):
    """Takes a minute on a page holding b"slow" (as a quadratic page took minutes), raises on b"boom"."""
    if b"slow" in page.body:
        time.sleep(60)
    if b"boom" in page.body:
        raise RecursionError("maximum recursion depth exceeded")
    return [("http://x/link", "a", "", "")], [], {"url": page.url, "page_type": "article", "size": len(page.body)}, []
