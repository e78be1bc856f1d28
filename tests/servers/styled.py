"""A styled news site, served from loopback with a second host as its CDN.

Every page needs requisites of each kind: a stylesheet that @imports another and uses url() images
and a @font-face font, a script, a favicon, srcset and <picture> images, a video poster, a table
background and an inline style. Articles answer conditional requests with 304 Not Modified, and
one page is behind HTTP basic auth with a session cookie, so credentials reach the request records.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from email.utils import formatdate

ARTICLES = 6
LAST_MODIFIED = formatdate(1767225600, usegmt=True)  # 2026-01-01
USER, PASSWORD = "archivist", "s3cret-pw"
SESSION = "sid=SESSION-TOKEN-42"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, made here so the site needs no files."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


SITE_CSS = b"""@charset "utf-8";
@import url("theme.css");
@font-face { font-family: "Site Serif"; src: url(/static/fonts/site.woff2) format("woff2"); }
body { margin: 0; background: #f4ecd8; color: #1d3557; font-family: "Site Serif", Georgia, serif; }
header.masthead { background: #1d3557 url("../img/masthead.png") repeat-x; color: #f1faee; padding: 24px 32px; }
header.masthead h1 { margin: 0; font-size: 40px; letter-spacing: 2px; }
article { max-width: 720px; margin: 32px auto; padding: 24px; background: #ffffff; border-left: 12px solid #e63946; }
article h2 { font-size: 34px; color: #e63946; }
article p { font-size: 19px; line-height: 1.6; }
/* url(/static/img/in-a-comment.png) is no reference */
"""
THEME_CSS = b"""nav.sections { background: #457b9d; padding: 12px 32px; }
nav.sections a { color: #ffffff; margin-right: 24px; font-weight: bold; }
@media (min-width: 10px) { footer { background: url('/static/img/footer.png'); height: 60px; } }
"""
CDN_CSS = b".cdn-badge { display: inline-block; padding: 4px 8px; background: #a8dadc; border-radius: 4px; }\n"
APP_JS = b"document.documentElement.dataset.app = 'ready';\n"
FONT = b"wOF2" + hashlib.sha256(b"font").digest() * 8  # not a usable font; only its fetch matters here


class StyledSite:
    """A RouteServer handler; cdn is the base URL of the second host (another port on 127.0.0.1)."""

    wants_headers = True

    def __init__(self, cdn: str = ""):
        self.cdn = cdn
        self.not_modified = 0  # 304 answers given
        self.authorized: list[str] = []  # Authorization headers the private page received

    def article_path(self, n: int) -> str:
        return f"/news/2026/story-{n}/"

    def page(self, base: str, title: str, body: str) -> bytes:
        sections = "".join(f'<a href="/news/section-{s}/">Section {s}</a>' for s in ("a", "b"))
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<link rel="stylesheet" href="/static/css/site.css">'
            f'<link rel="stylesheet" href="{self.cdn}/lib/badge.css">'
            '<link rel="icon" href="/favicon.ico"><script src="/static/js/app.js" defer></script>'
            '</head><body><header class="masthead"><h1>The Loopback Courier</h1></header>'
            f'<nav class="sections">{sections}<span class="cdn-badge">live</span></nav>{body}'
            '<footer><table background="/static/img/table.png"><tr><td>Footer</td></tr></table></footer>'
            "</body></html>"
        ).encode()

    def article(self, base: str, n: int) -> bytes:
        paragraphs = "".join(
            f"<p>Paragraph {p} of story {n}. The council met on Tuesday to discuss the harbour plan, and residents "
            "who had waited for months finally heard how the money would be spent.</p>"
            for p in range(1, 5)
        )
        body = (
            f'<article><h2>Story number {n}</h2><p class="byline">By Test Reporter</p>'
            f'<picture><source srcset="/static/img/story-{n}.webp 1x, /static/img/story-{n}@2x.webp 2x" '
            f'type="image/webp"><img src="/static/img/story-{n}.png" '
            f'srcset="/static/img/story-{n}-small.png 320w, /static/img/story-{n}.png 640w" alt="" width="64" '
            f'height="32"></picture>{paragraphs}'
            '<video poster="/static/img/poster.png" width="64" height="32"></video>'
            '<div style="background: url(/static/img/inline.png); height: 8px"></div></article>'
        )
        head = (
            f'<meta property="og:type" content="article"><meta property="article:published_time" '
            f'content="2026-01-0{n}T08:00:00+00:00">'
        )
        return self.page(base, f"Story number {n}", body).replace(b"</title>", b"</title>" + head.encode())

    def __call__(self, path, query, base, headers=None):
        headers = headers or {}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/":
            links = "".join(f'<li><a href="{self.article_path(n)}">Story {n}</a></li>' for n in range(1, ARTICLES + 1))
            # Members first: the session cookie it sets goes with the stories' requests (masked in their records).
            body = f'<main><a href="/members/">Members</a><ul>{links}</ul></main>'
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.page(base, "The Loopback Courier", body)
        for n in range(1, ARTICLES + 1):
            if path == self.article_path(n):
                etag = f'"story-{n}-v1"'
                validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
                if headers.get("If-None-Match") == etag:
                    self.not_modified += 1
                    return 304, validators, b""
                return 200, {"Content-Type": "text/html; charset=utf-8", **validators}, self.article(base, n)
        if path == "/members/":
            self.authorized.append(headers.get("Authorization", ""))
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if headers.get("Authorization") != expected:
                return 401, {"WWW-Authenticate": 'Basic realm="members"', "Content-Type": "text/plain"}, b"no"
            body = "<main><p>Members only.</p></main>"
            page = self.page(base, "Members", body)
            return 200, {"Content-Type": "text/html; charset=utf-8", "Set-Cookie": f"{SESSION}; Path=/"}, page
        if path.startswith("/news/section-"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.page(base, "Section", "<main>Section</main>")
        if path == "/static/css/site.css":
            return 200, {"Content-Type": "text/css; charset=utf-8"}, SITE_CSS
        if path == "/static/css/theme.css":
            return 200, {"Content-Type": "text/css"}, THEME_CSS
        if path == "/static/js/app.js":
            return 200, {"Content-Type": "application/javascript"}, APP_JS
        if path == "/static/fonts/site.woff2":
            return 200, {"Content-Type": "font/woff2"}, FONT
        if path == "/favicon.ico":
            return 200, {"Content-Type": "image/png"}, png(16, 16, (230, 57, 70))
        if path.startswith("/static/img/") and path.endswith((".png", ".webp")):
            colour = tuple(hashlib.sha256(path.encode()).digest()[:3])
            return 200, {"Content-Type": "image/png"}, png(64, 32, colour)  # type: ignore[arg-type]
        return 404, {"Content-Type": "text/html"}, b"<html><body>not found</body></html>"


class Cdn:
    """The second host: a stylesheet other pages link to."""

    def __call__(self, path, query, base, headers=None):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
        if path == "/lib/badge.css":
            return 200, {"Content-Type": "text/css"}, CDN_CSS
        return 404, {"Content-Type": "text/plain"}, b"not found"
