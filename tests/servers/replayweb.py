"""ReplayWeb.page served from loopback: its prebuilt ui.js and service worker, an embedding page, and
one WACZ (with HTTP range requests, which ReplayWeb.page reads a WACZ with)."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "replayweb" / "node_modules" / "replaywebpage"
_TYPES = {".js": "application/javascript", ".html": "text/html; charset=utf-8", ".wacz": "application/zip"}
EMBED = """<!doctype html><html><head><meta charset="utf-8"><title>replay</title>
<script src="/ui.js"></script><style>body{{margin:0}} replay-web-page{{display:block;width:{width}px;height:{height}px}}</style>
</head><body><replay-web-page source="/archive.wacz" url="{url}" ts="{ts}" embed="replayonly" replayBase="/replay/"
deepLink="true"></replay-web-page></body></html>"""


class ReplayWebPage:
    """Serve PACKAGE's ui.js and sw.js and one WACZ; page(url, ts) is an embedding page's address."""

    def __init__(self, wacz: Path, width: int = 1000, height: int = 800):
        if not (PACKAGE / "ui.js").exists():
            raise FileNotFoundError(f"{PACKAGE} is missing: run `npm install` in tests/replayweb (make test does)")
        # The embedding page loads /ui.js; it opens the app at /replay/ (index.html, loading ./ui.js),
        # whose service worker (/replay/sw.js) replays the archive under /replay/w/.
        self.files = {
            "/ui.js": PACKAGE / "ui.js",
            "/replay/": PACKAGE / "index.html",
            "/replay/index.html": PACKAGE / "index.html",
            "/replay/ui.js": PACKAGE / "ui.js",
            "/replay/sw.js": PACKAGE / "sw.js",
            "/archive.wacz": wacz,
        }
        self.width, self.height = width, height
        self.embeds: dict[str, bytes] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if path in server.embeds:
                    return self._send(200, server.embeds[path], "text/html; charset=utf-8")
                file = server.files.get(path)
                if file is None:
                    return self._send(404, b"not found", "text/plain")
                data = file.read_bytes()
                kind = _TYPES.get(file.suffix, "application/octet-stream")
                match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
                if match and (match[1] or match[2]):
                    start = int(match[1]) if match[1] else len(data) - int(match[2])
                    end = min(int(match[2]), len(data) - 1) if match[1] and match[2] else len(data) - 1
                    extra = {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
                    return self._send(206, data[start : end + 1], kind, extra)
                return self._send(200, data, kind)

            def _send(self, status, body, kind, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Cache-Control", "no-store")
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
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

    def page(self, url: str, ts: str) -> str:
        """The address of a page embedding ReplayWeb.page on url at timestamp ts (14 digits)."""
        path = f"/embed-{len(self.embeds)}.html"
        self.embeds[path] = EMBED.format(url=url, ts=ts, width=self.width, height=self.height).encode()
        return self.url + path

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
