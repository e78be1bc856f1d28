"""A loopback site of many linked pages with incompressible bodies, answered a little slowly:
a crawl of it runs long enough to be killed in the middle of writing WARCs."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGES = 400
FILLER = 30_000


def page(n: int) -> bytes:
    links = "".join(f'<a href="/page/{m}">page {m}</a> ' for m in range(n + 1, min(n + 4, PAGES)))
    noise = b"".join(hashlib.sha256(f"{n}-{i}".encode()).digest() for i in range(FILLER // 32)).hex()
    return f"<!doctype html><html><head><title>Page {n}</title></head><body>{links}<p>{noise}</p></body></html>".encode()


class PagesServer:
    def __init__(self, delay: float = 0.02):
        server = self
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                time.sleep(server.delay)
                if self.path == "/robots.txt":
                    body, status = b"User-agent: *\nAllow: /\n", 200
                elif self.path == "/" or self.path.startswith("/page/"):
                    n = int(self.path.rsplit("/", 1)[1] or 0)
                    body, status = page(n), 200
                else:
                    body, status = b"not found", 404
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler was killed mid-request: that is the test

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
