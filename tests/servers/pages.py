"""A loopback site of many linked pages with incompressible bodies: served a little slowly
(RouteServer(linked_pages, delay=0.02)), a crawl of it runs long enough to be killed in the middle of
writing WARCs."""

from __future__ import annotations

import hashlib

PAGES = 400
FILLER = 30_000


def page(n: int) -> bytes:
    links = "".join(f'<a href="/page/{m}">page {m}</a> ' for m in range(n + 1, min(n + 4, PAGES)))
    noise = b"".join(hashlib.sha256(f"{n}-{i}".encode()).digest() for i in range(FILLER // 32)).hex()
    return (
        f"<!doctype html><html><head><title>Page {n}</title></head><body>{links}<p>{noise}</p></body></html>".encode()
    )


def linked_pages(path, query, base):
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path == "/" or path.startswith("/page/"):
        return 200, {"Content-Type": "text/html"}, page(int(path.rsplit("/", 1)[1] or 0))
    return 404, {"Content-Type": "text/html"}, b"not found"
