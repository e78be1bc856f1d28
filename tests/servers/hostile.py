"""Hostile loopback servers: an endless calendar, a robots.txt that fails, pages that stall analysis,
a 1M-URL sitemap, a 48 MB page, and a server that streams response headers forever."""

from __future__ import annotations

import base64
import socket
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .sites import HTML, XML, article_html

TEXT = {"Content-Type": "text/plain"}


class CalendarSite:
    """A news site whose events calendar never ends: every month links the next and previous month
    and each of its days; days link their neighbours. Only 2024-04 to 2024-06 have articles."""

    FIRST, LAST = date(2024, 4, 1), date(2024, 6, 28)

    def __init__(self):
        self.articles = {}
        day = self.FIRST
        while day <= self.LAST:
            if day.day in (3, 17):
                self.articles[f"/news/{day:%Y-%m-%d}-story/"] = day
            day += timedelta(days=1)

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, TEXT, b"User-agent: *\nAllow: /\n"
        if path == "/":
            links = ["/events/2024/05/", *list(self.articles)[:2]]
            return 200, HTML, _page("Home", links)
        parts = [p for p in path.strip("/").split("/") if p]
        if parts[:1] == ["events"] and len(parts) in (3, 4) and all(p.lstrip("-").isdigit() for p in parts[1:]):
            year, month = int(parts[1]), int(parts[2])
            nxt = (year + month // 12, month % 12 + 1)
            prev = (year - (month == 1), 12 if month == 1 else month - 1)
            links = [f"/events/{nxt[0]}/{nxt[1]:02d}/", f"/events/{prev[0]}/{prev[1]:02d}/"]
            if len(parts) == 3:
                links += [f"/events/{year}/{month:02d}/{d:02d}/" for d in range(1, 29)]
                return 200, HTML, _page(f"Events {year}-{month:02d}", links)
            day = int(parts[3])
            links += [f"/events/{year}/{month:02d}/{d:02d}/" for d in (day - 1, day + 1) if 1 <= d <= 28]
            links += [p for p, when in self.articles.items() if (when.year, when.month, when.day) == (year, month, day)]
            return 200, HTML, _page(f"Events {year}-{month:02d}-{day:02d}", links)
        if path in self.articles:
            when = self.articles[path]
            body = article_html(f"Story of {when}", f"{when}T08:00:00+00:00", base)
            return 200, HTML, body.replace(b"</article>", b'<a href="/events/2024/05/">Events</a></article>')
        return 404, HTML, b"<html><body>not found</body></html>"


def _page(title: str, links: list[str]) -> bytes:
    anchors = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1><ul>{anchors}</ul></body></html>".encode()


class RobotsSite:
    """robots.txt that answers `robots` ("500", "404", "stall", "redirect:URL", "loop"); /private/ is disallowed
    wherever robots.txt can be read."""

    def __init__(self, robots: str):
        self.robots = robots

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            if self.robots == "500":
                return 500, TEXT, b"Internal Server Error"
            if self.robots == "404":
                return 404, HTML, b"<html><body>no robots here</body></html>"
            if self.robots == "stall":
                return 200, TEXT, lambda out, stop: stop.wait(30)
            if self.robots.startswith("redirect:"):
                return 302, {"Location": self.robots.removeprefix("redirect:"), **TEXT}, b""
            if self.robots == "loop":  # redirects to itself, one hop longer each time
                return 302, {"Location": f"{base}/robots.txt?hop={query.get('hop', [''])[0]}x", **TEXT}, b""
            return 200, TEXT, ROBOTS
        if path == "/":
            return 200, HTML, _page("Home", ["/public/", "/private/"])
        if path in ("/public/", "/private/"):
            return 200, HTML, article_html(path.strip("/").title(), "2024-05-01T08:00:00+00:00", base)
        return 404, HTML, b"<html><body>not found</body></html>"


ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class RobotsOnly:
    """Another host (port) that serves only a robots.txt disallowing /private/."""

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, TEXT, ROBOTS
        return 404, HTML, b"<html><body>not found</body></html>"


class HugeSitemapSite:
    """robots.txt names a sitemap of `count` URLs (relative, so 1M fit under the body limit)."""

    def __init__(self, count: int = 1_000_000):
        self.count = count
        self._body: bytes | None = None

    def sitemap(self) -> bytes:
        if self._body is None:
            urls = "".join(f"<url><loc>/p/{n}</loc></url>" for n in range(self.count))
            self._body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
        return self._body

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, TEXT, f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode()
        if path == "/sitemap.xml":
            return 200, XML, self.sitemap()
        if path == "/":
            return 200, HTML, _page("Home", [])
        if path.startswith("/p/"):
            return 200, HTML, _page(f"Page {path}", [])
        return 404, HTML, b"<html><body>not found</body></html>"


class HostilePagesSite:
    """Pages that stall or break analysis (the quadratic related-links page of the issue, JSON-LD 5,000
    deep), a 48 MB article, and ordinary articles around them."""

    BIG = 48 * 1024 * 1024
    PAGES = ("/quadratic/", "/deep-json-ld/", "/big/", "/a/", "/b/")

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, TEXT, b"User-agent: *\nAllow: /\n"
        if path == "/":
            return 200, HTML, _page("Home", list(self.PAGES))
        if path == "/quadratic/":
            blocks = "".join(
                f'<h3>Related</h3><ul><li><a href="/a/#r{n}">Related story number {n}</a></li></ul>'
                for n in range(2500)
            )
            return (
                200,
                HTML,
                article_html("Quadratic", "2024-05-01T08:00:00+00:00", base).replace(
                    b"</article>", blocks.encode() + b"</article>"
                ),
            )
        if path == "/deep-json-ld/":
            deep = "[" * 5000 + "]" * 5000
            script = f'<script type="application/ld+json">{{"@type": "NewsArticle", "x": {deep}}}</script>'
            return (
                200,
                HTML,
                article_html("Deep", "2024-05-01T08:00:00+00:00", base).replace(
                    b"</head>", script.encode() + b"</head>"
                ),
            )
        if path == "/big/":
            head = article_html("Big", "2024-05-01T08:00:00+00:00", base).replace(
                b"</article></main></body></html>", b""
            )
            filler = b"<p>" + b"filler text " * 80 + b"</p>\n"
            body = head + filler * ((self.BIG - len(head)) // len(filler)) + b"</article></main></body></html>"
            return 200, HTML, body
        if path in ("/a/", "/b/"):
            return 200, HTML, article_html(f"Story {path}", "2024-05-01T08:00:00+00:00", base)
        return 404, HTML, b"<html><body>not found</body></html>"


class HeaderFloodServer:
    """Answers every connection with a status line and then headers, forever (8 KB lines)."""

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()
        return f"http://{host}:{port}"

    def _serve(self):
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._flood, args=(conn,), daemon=True).start()

    def _flood(self, conn):
        line = b"X-Flood: " + b"a" * 8192 + b"\r\n"
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
                while not self._stop.is_set():
                    conn.sendall(line * 16)
            except OSError:
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._sock.close()
        self._thread.join(5)


class AuthServer:
    """Pages behind HTTP basic auth (401 without it); records the Authorization header of every request."""

    def __init__(self, user: str, password: str):
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.authorizations: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                auth = self.headers.get("Authorization")
                server.authorizations.append(auth)
                if self.path == "/robots.txt":
                    status, body = 200, b"User-agent: *\nAllow: /\n"
                elif auth != expected:
                    status, body = 401, b"<html><body>who are you?</body></html>"
                else:
                    status, body = 200, article_html(f"Members {self.path}", "2024-05-01T08:00:00+00:00", "")
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="members"')
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
