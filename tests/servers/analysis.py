"""Stand-ins for page analysis that misbehaves, for the worker pool's tests (module level: workers import them)."""

from __future__ import annotations

import os
import time


def slow_on_slow_pages(page):
    """Takes a minute on a page holding b"slow" (as a quadratic page took minutes), a second on b"nap",
    raises on b"boom" and ends its process on b"die" (as a crash in native code would)."""
    if b"slow" in page.body:
        time.sleep(60)
    if b"nap" in page.body:
        time.sleep(1)
    if b"die" in page.body:
        os._exit(3)
    if b"boom" in page.body:
        raise RecursionError("maximum recursion depth exceeded")
    return [("http://x/link", "a", "", "")], [], {"url": page.url, "page_type": "article", "size": len(page.body)}, []
