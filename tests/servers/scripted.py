"""A site built in the browser: article text, byline and related links come from a JSON endpoint through
JavaScript, images load lazily when scrolled to, and a cookie banner covers the page.

The HTML of an article holds only its title (in <head>) and a script: a crawl without a browser gets
an honest record with an empty body. /story/N/ for N < count are linked from the home page; the
last article is linked only from the related links the script inserts. /hang/ never finishes
loading (a script that never ends); /crash/ asks for a script whose request runs on_crash (the
test kills the browser's renderer there) and never ends either.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def png(n: int) -> bytes:
    """A 1x1 PNG whose colour depends on n, so that every lazy image is a payload of its own."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixel = b"\x00" + bytes([n % 256, (n * 7) % 256, 160, 255])
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(pixel)) + _chunk(b"IEND", b"")


def article_words(n: int) -> list[str]:
    return [
        f"Story {n} paragraph {k}: the river authority confirmed on Tuesday that the new flood barrier "
        f"will be finished before the winter, after residents of the lower town had waited for nine years."
        for k in range(1, 6)
    ]


APP_JS = """
(async function () {
  const slug = document.documentElement.dataset.story;
  const data = await (await fetch('/api/story/' + slug + '.json')).json();
  const main = document.querySelector('main');
  let html = '<article><h1>' + data.title + '</h1><p class="byline">By <span class="author">' + data.author +
    '</span></p><time datetime="' + data.published + '">' + data.published.slice(0, 10) + '</time>';
  for (const p of data.paragraphs) html += '<p>' + p + '</p>';
  html += '<div style="height:4000px"></div>';
  for (const src of data.images) html += '<img class="lazy" width="40" height="40" alt="" data-src="' + src + '">';
  html += '</article><aside class="related"><h2>Related articles</h2><ul>';
  for (const r of data.related) html += '<li><a href="' + r.url + '">' + r.title + '</a></li>';
  html += '</ul></aside>';
  main.innerHTML = html;
  const seen = new IntersectionObserver(function (entries) {
    for (const e of entries) if (e.isIntersecting) { e.target.src = e.target.dataset.src; seen.unobserve(e.target); }
  });
  document.querySelectorAll('img.lazy').forEach(function (img) { seen.observe(img); });
})();
"""

# Covers the lower part of the window; the archived page keeps it, the rendered copy does not.
BANNER = (
    '<div id="cookie-banner" style="position:fixed;left:0;right:0;bottom:0;height:40%;background:#000;color:#fff;'
    'z-index:9999">We use cookies to measure our audience. <button>Accept all cookies</button></div>'
)


class ScriptedSite:
    """handler(path, query, base) for tests/servers/sites.RouteServer."""

    def __init__(self, count: int = 3, on_crash=None):
        self.count = count  # articles; the last one is linked only from related links
        self.on_crash = on_crash

    def title(self, n: int) -> str:
        return f"Flood barrier story {n}"

    def author(self, n: int) -> str:
        return ["Mara Lindqvist", "Tomas Okafor", "Ines Carvalho"][n % 3]

    def story_json(self, n: int, base: str) -> dict:
        related = [(n + 1) % self.count, (n + 2) % self.count]
        return {
            "title": self.title(n),
            "author": self.author(n),
            "published": f"2024-03-{1 + n % 28:02d}T09:00:00+00:00",
            "paragraphs": article_words(n),
            "images": [f"/img/{n}-{k}.png" for k in range(2)],
            "related": [{"title": self.title(m), "url": f"{base}/story/{m}/"} for m in related if m != n],
        }

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/":
            links = "".join(f'<li><a href="/story/{n}/">{self.title(n)}</a></li>' for n in range(self.count - 1))
            links += '<li><a href="/hang/">A page that never loads</a></li>' if self.on_crash else ""
            links += '<li><a href="/crash/">A page whose renderer crashes</a></li>' if self.on_crash else ""
            body = f"<!doctype html><html><head><title>River News</title></head><body><h1>River News</h1><ul>{links}</ul></body></html>"
            return 200, HTML, body.encode()
        if path.startswith("/story/"):
            n = int(path.strip("/").split("/")[1])
            if not 0 <= n < self.count:
                return 404, HTML, b"<html><body>not found</body></html>"
            body = (
                f'<!doctype html><html lang="en" data-story="{n}"><head><meta charset="utf-8">'
                f"<title>{self.title(n)} | River News</title>"
                '<meta property="og:type" content="article"><meta property="og:site_name" content="River News">'
                f'</head><body>{BANNER}<main><p class="loading">Loading…</p></main>'
                '<script src="/static/app.js"></script></body></html>'
            )
            return 200, {**HTML, "ETag": f'"story-{n}"'}, body.encode()
        if path == "/static/app.js":
            return 200, {"Content-Type": "application/javascript"}, APP_JS.encode()
        if path.startswith("/api/story/"):
            n = int(path.rsplit("/", 1)[1].removesuffix(".json"))
            # Sent gzip-encoded: the browser exposes it decoded, and the archive says so.
            body = gzip.compress(json.dumps(self.story_json(n, base)).encode())
            return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, body
        if path.startswith("/img/"):
            a, b = path.removeprefix("/img/").removesuffix(".png").split("-")
            return 200, {"Content-Type": "image/png"}, png(int(a) * 10 + int(b))
        if path in ("/hang/", "/crash/"):
            script = "/static/never.js" if path == "/hang/" else "/static/crash.js"
            body = f'<!doctype html><html><head><title>Waiting</title></head><body><p>Waiting</p><script src="{script}"></script></body></html>'
            return 200, HTML, body.encode()
        if path in ("/static/never.js", "/static/crash.js"):
            crash = path == "/static/crash.js"

            def never(out, stop):
                if crash and self.on_crash:
                    self.on_crash()
                out.write(b"// ")
                out.flush()
                stop.wait(120)

            return 200, {"Content-Type": "application/javascript", "Content-Length": "1000"}, never
        return 404, HTML, b"<html><body>not found</body></html>"
