"""Serve the demo site on 127.0.0.1 from a background thread."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .site import DemoSite, etag

COMPRESSIBLE = ("text/", "application/xml", "application/rss+xml")


class DemoServer:
    """Context manager: `with DemoServer() as server: server.url` ... Logs every request path."""

    def __init__(self, site: DemoSite | None = None, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0):
        self.site = site or DemoSite()
        self.delay = delay  # seconds before each answer: a slow site, for tests that stop crawls midway
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "DemoCourier/1.0"

            def do_GET(self):
                self._answer(send_body=True)

            def do_HEAD(self):
                self._answer(send_body=False)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self._answer(send_body=True)

            def _answer(self, send_body: bool) -> None:
                with server._lock:
                    server.requests.append((self.command, self.path))
                if server.delay:
                    time.sleep(server.delay)
                status, headers, body = server.site.page(self.path, server.url)
                tag = etag(body) if status == 200 else None
                if tag and self.headers.get("If-None-Match") == tag:
                    status, body = 304, b""
                ctype = headers.get("Content-Type", "")
                if body and ctype.startswith(COMPRESSIBLE):
                    headers["Vary"] = "Accept-Encoding"
                    if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                        body = gzip.compress(body, mtime=0)
                        headers["Content-Encoding"] = "gzip"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if tag:
                    self.send_header("ETag", tag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body and body:
                    self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        return Handler
