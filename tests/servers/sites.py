"""Small loopback sites for discovery and trap tests; each answers from a route function."""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class RouteServer:
    """Serve handler(path, query, base) -> (status, headers, body | iterable of chunks) on 127.0.0.1 (or host).

    A handler with wants_headers = True is also given the request's headers (headers=dict).
    """

    def __init__(self, handler, delay: float = 0.0, host: str = "127.0.0.1", port: int = 0):
        self.handler = handler
        self.delay = delay  # seconds before each answer
        self.requests: list[str] = []
        self.log: list[tuple[float, str, str]] = []  # (monotonic time, path, User-Agent)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with server._lock:
                    server.requests.append(self.path)
                    server.log.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                if server.delay:
                    time.sleep(server.delay)
                parts = urlsplit(self.path)
                extra = {"headers": dict(self.headers)} if getattr(server.handler, "wants_headers", False) else {}
                status, headers, body = server.handler(parts.path, parse_qs(parts.query), server.url, **extra)
                if callable(body):  # a streaming body: the handler writes it
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        body(self.wfile, server._stop)
                    return
                if headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                    status, headers, body = 304, {"ETag": headers["ETag"]}, b""  # unchanged since that copy
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if status not in (204, 304):  # no body, and no length of one
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler was stopped mid-request

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # clients hanging up on purpose
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}


def article_html(title: str, published: str, base: str) -> bytes:
    paragraphs = "".join(
        f"<p>{title} — paragraph {n}. Reporters followed the story for several weeks, speaking to residents, "
        f"officials and experts, and reviewing the documents that were made public this month.</p>"
        for n in range(1, 5)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Discovery Test</title>'
        f'<meta property="og:type" content="article"><meta property="article:published_time" content="{published}">'
        f'</head><body><main><article><h1>{title}</h1><p class="byline">By Test Reporter</p>'
        f"{paragraphs}</article></main></body></html>"
    ).encode()


class DiscoverySite:
    """Articles reachable only through sitemaps and a feed: no page links to any article.

    robots.txt -> sitemap index -> a gzip sitemap and a news sitemap; the home page announces an
    Atom feed with <link rel=alternate>. Article n is published on DATES[n].
    """

    DATES = [date(2020 + n % 5, 1 + n % 12, 1 + n) for n in range(12)]

    def __init__(self):
        self.articles = {f"/story/{n}/": (f"Story number {n}", self.DATES[n]) for n in range(12)}

    def paths(self, group: str) -> list[str]:
        ordered = list(self.articles)
        return {"gzip": ordered[0:4], "news": ordered[4:8], "feed": ordered[8:12]}[group]

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return (
                200,
                {"Content-Type": "text/plain"},
                f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap_index.xml\n".encode(),
            )
        if path == "/":
            body = (
                f'<html><head><title>Discovery Test</title><link rel="alternate" type="application/atom+xml" '
                f'href="{base}/feed.atom"></head><body><h1>Welcome</h1><p>Nothing linked here.</p></body></html>'
            )
            return 200, HTML, body.encode()
        if path == "/sitemap_index.xml":
            body = (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{base}/sitemap-posts.xml.gz</loc></sitemap>"
                f"<sitemap><loc>{base}/news-sitemap.xml</loc></sitemap></sitemapindex>"
            )
            return 200, XML, body.encode()
        if path == "/sitemap-posts.xml.gz":
            urls = "".join(
                f"<url><loc>{base}{p}</loc><lastmod>{self.articles[p][1]}</lastmod></url>" for p in self.paths("gzip")
            )
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return 200, {"Content-Type": "application/x-gzip"}, gzip.compress(body.encode())
        if path == "/news-sitemap.xml":
            urls = "".join(
                f"<url><loc>{base}{p}</loc><news:news><news:publication><news:name>Test</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{self.articles[p][1]}T08:00:00+00:00</news:publication_date>"
                f"<news:title>{self.articles[p][0]}</news:title></news:news></url>"
                for p in self.paths("news")
            )
            body = (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
            )
            return 200, XML, body.encode()
        if path == "/feed.atom":
            entries = "".join(
                f'<entry><title>{self.articles[p][0]}</title><link rel="alternate" href="{base}{p}"/>'
                f"<updated>{self.articles[p][1]}T08:00:00Z</updated><id>{base}{p}</id></entry>"
                for p in self.paths("feed")
            )
            body = f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Test</title>{entries}</feed>'
            return 200, {"Content-Type": "application/atom+xml"}, body.encode()
        if path in self.articles:
            title, day = self.articles[path]
            return 200, HTML, article_html(title, f"{day}T08:00:00+00:00", base)
        return 404, HTML, b"<html><body>not found</body></html>"


class TrapSite:
    """An endless calendar, ever-growing query strings, repeating paths, a stalled page and a 50 MB body."""

    BIG = 50 * 1024 * 1024

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/":
            links = ["/calendar/2024/01/", "/search?q=a", "/loop/a/", "/stall", "/big"]
            body = "".join(f'<a href="{link}">{link}</a> ' for link in links)
            return 200, HTML, f"<html><body><h1>Traps</h1>{body}</body></html>".encode()
        if path.startswith("/calendar/"):
            year, month = (int(x) for x in path.strip("/").split("/")[1:3])
            nxt = (year + month // 12, month % 12 + 1)
            prev = (year - (month == 1), 12 if month == 1 else month - 1)
            body = (
                f'<html><body><h1>{year}-{month:02d}</h1><a href="/calendar/{nxt[0]}/{nxt[1]:02d}/">next</a>'
                f' <a href="/calendar/{prev[0]}/{prev[1]:02d}/">previous</a></body></html>'
            )
            return 200, HTML, body.encode()
        if path == "/search":
            # Every page links to its own query plus one more parameter.
            params = "&amp;".join(f"{k}={v[0]}" for k, v in query.items())
            body = f'<html><body><a href="/search?{params}&amp;p{len(query)}=1">more results</a></body></html>'
            return 200, HTML, body.encode()
        if path.startswith("/loop/"):
            return (
                200,
                HTML,
                f'<html><body><a href="{path}a/">deeper</a> <a href="{path}b/a/">again</a></body></html>'.encode(),
            )
        if path == "/stall":

            def stall(out, stop):
                stop.wait(60)

            return 200, HTML, stall
        if path == "/big":

            def big(out, stop):
                chunk = b"x" * 65536
                for _ in range(self.BIG // len(chunk)):
                    if stop.is_set():
                        return
                    out.write(chunk)

            return 200, {"Content-Type": "application/octet-stream", "Content-Length": str(self.BIG)}, big
        return 404, HTML, b"<html><body>not found</body></html>"


class PoliteSite:
    """robots.txt with a Crawl-delay, a printable copy whose rel=canonical names the article, and a
    redirect to another host."""

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n"
        if path == "/":
            links = "".join(f'<a href="{p}">{p}</a> ' for p in ("/a/", "/b/", "/c/", "/a/print/", "/away"))
            return 200, HTML, f"<html><body><h1>Home</h1>{links}</body></html>".encode()
        if path in ("/a/", "/b/", "/c/", "/a/print/"):
            canonical = path.replace("print/", "")
            body = article_html(f"Article {canonical.strip('/')}", "2024-05-01T08:00:00+00:00", base)
            body = body.replace(b"</head>", f'<link rel="canonical" href="{base}{canonical}"></head>'.encode())
            return 200, HTML, body
        if path == "/away":
            return 302, {"Location": "http://offsite.invalid/elsewhere", "Content-Type": "text/html"}, b""
        return 404, HTML, b"<html><body>not found</body></html>"


class NewsroomSite:
    """Three articles whose editors change them between crawls (article versions).

    Article 0 links to the other two under "Related stories"; they link only to each other, so a
    new headline on article 0 changes no other page's record. Each article page carries an ad slot
    and a "generated at" time, which are not content.
    """

    def __init__(self):
        self.articles = [
            {
                "slug": slug,
                "title": title,
                "published": f"2026-0{n + 3}-0{n + 2}T09:30:00+00:00",
                "paragraphs": [
                    f"{title}: paragraph {k} of the report. The council met on Tuesday evening and heard from "
                    f"residents, engineers and the treasurer about the plans for the coming year ({slug}-{k})."
                    for k in range(1, 5)
                ],
                "ad": "Advertisement: Harbour Bakery, fresh bread daily",
                "generated": "08:00:00",
            }
            for n, (slug, title) in enumerate(
                [
                    ("bridge-reopens", "Old bridge reopens after two years of repairs"),
                    ("library-hours", "Library extends its evening hours"),
                    ("market-moves", "Saturday market moves to the harbour"),
                ]
            )
        ]
        self.related = {0: [1, 2], 1: [2], 2: [1]}

    def path(self, n: int) -> str:
        return f"/news/{self.articles[n]['slug']}/"

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/":
            links = "".join(f'<li><a href="{self.path(n)}">{a["title"]}</a></li>' for n, a in enumerate(self.articles))
            page = f"<!doctype html><html><head><title>Newsroom</title></head><body><h1>Newsroom</h1><ul>{links}</ul>"
            return 200, HTML, (page + "</body></html>").encode()
        for n in range(len(self.articles)):
            if path == self.path(n):
                return 200, HTML, self.article_page(n)
        return 404, HTML, b"<html><body>Not found</body></html>"

    def article_page(self, n: int) -> bytes:
        a = self.articles[n]
        body = "".join(f"<p>{text}</p>" for text in a["paragraphs"])
        related = "".join(f'<li><a href="{self.path(k)}">{self.articles[k]["title"]}</a></li>' for k in self.related[n])
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{a["title"]} | Newsroom</title>'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{a["published"]}"></head><body>'
            f'<header><a href="/">Newsroom</a></header><main><article><h1>{a["title"]}</h1>'
            f'<p class="byline">By Ana Reporter</p><div class="entry-content">{body}</div>'
            f'<section class="related"><h2>Related stories</h2><ul>{related}</ul></section></article></main>'
            f'<aside class="sidebar"><div class="ad-slot">{a["ad"]}</div></aside>'
            f'<footer><p class="generated">Page generated at {a["generated"]}</p></footer></body></html>'
        ).encode()
