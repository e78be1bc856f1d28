"""A loopback HTTP server whose every byte is known: Content-Encodings, chunked framing, odd headers,
redirects, errors, oversized and cut-off bodies. It logs the exact request and response bytes of
each exchange, so tests can compare the WARC with what really crossed the socket.
"""

from __future__ import annotations

import gzip
import socketserver
import threading
from dataclasses import dataclass

import brotli

try:
    from compression import zstd
except ImportError:
    from backports import zstd

MAXSIZE = 100_000  # the DOWNLOAD_MAXSIZE tests crawl with
BIG = bytes((i * 7919) % 251 for i in range(3 * MAXSIZE))  # > MAXSIZE, incompressible enough


def html(title: str, extra: str = "") -> bytes:
    para = " ".join(f"Sentence {i} of the {title} page says something." for i in range(60))
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>{para}</p>{extra}</body></html>".encode()


@dataclass
class Sent:
    path: str
    request_head: bytes  # as received, CRLF line endings
    response_head: bytes  # as sent
    body: bytes  # payload as sent (after Content-Encoding, before chunked framing)
    content: bytes  # before Content-Encoding
    complete: bool = True  # False when the server cut the body off


LINKS = [
    "/gzip",
    "/brotli",
    "/zstd",
    "/chunked",
    "/chunked-gzip",
    "/odd-headers",
    "/http10",
    "/redirect",
    "/missing",
    "/error",
    "/big",
    "/big-chunked",
    "/drop",
    "/reset",
    "/empty",
    "/feed.xml",
    "/style.css",
]


class FidelityServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while server._serve_one(self):
                    pass

        self._tcp = socketserver.ThreadingTCPServer((host, port), Handler, bind_and_activate=False)
        self._tcp.allow_reuse_address = True
        self._tcp.daemon_threads = True
        self._tcp.server_bind()
        self._tcp.server_activate()
        self._thread = threading.Thread(target=self._tcp.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._tcp.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._tcp.shutdown()
        self._tcp.server_close()

    def sent_for(self, path: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.path == path]

    # ---- one exchange ----------------------------------------------------------------------

    def _serve_one(self, handler) -> bool:
        """Answer one request; False to close the connection."""
        lines = []
        while True:
            line = handler.rfile.readline(65537)
            if not line:
                return False
            lines.append(line.rstrip(b"\r\n"))
            if not lines[-1]:
                break
        request_head = b"\r\n".join(lines) + b"\r\n"
        method, target, _ = lines[0].decode("latin-1").split(" ", 2)
        path = target.split("?", 1)[0]
        out = handler.wfile
        keep = True

        def send(
            status_line: str,
            headers: list[tuple[str, str]],
            body: bytes,
            content: bytes,
            chunks=None,
            complete=True,
            raw_body=None,
        ):
            head = (status_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("latin-1")
            with self._lock:
                self.sent.append(Sent(path, request_head, head, body, content, complete))
            out.write(head)
            if method == "HEAD":
                return
            if chunks is not None:
                for chunk in chunks:
                    out.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                out.write(b"0\r\n\r\n")
            else:
                out.write(raw_body if raw_body is not None else body)
            out.flush()

        def ok(content: bytes, ctype="text/html; charset=utf-8", encoding=None, extra=()):
            body = {
                "gzip": lambda c: gzip.compress(c, mtime=0),
                "br": brotli.compress,
                "zstd": zstd.compress,
                None: lambda c: c,
            }[encoding](content)
            headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
            if encoding:
                headers.insert(1, ("Content-Encoding", encoding))
            send("HTTP/1.1 200 OK", headers + list(extra), body, content)

        if path == "/":
            links = "".join(f'<a href="{link}">{link}</a> ' for link in LINKS)
            ok(html("Index", links + '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'))
        elif path == "/robots.txt":
            ok(b"User-agent: *\nAllow: /\n", ctype="text/plain")
        elif path == "/gzip":
            ok(html("Gzip"), encoding="gzip")
        elif path == "/brotli":
            ok(html("Brotli"), encoding="br")
        elif path == "/zstd":
            ok(html("Zstandard"), encoding="zstd")
        elif path in ("/chunked", "/chunked-gzip"):
            content = html("Chunked")
            body = gzip.compress(content, mtime=0) if path.endswith("gzip") else content
            headers = [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]
            if path.endswith("gzip"):
                headers.insert(0, ("Content-Encoding", "gzip"))
            send(
                "HTTP/1.1 200 OK", headers, body, content, chunks=[body[i : i + 700] for i in range(0, len(body), 700)]
            )
        elif path == "/odd-headers":
            content = html("Odd headers")
            send(
                "HTTP/1.1 200 Fine Thanks",
                [
                    ("x-lower-case", "kept as sent"),
                    ("Content-Type", "text/html"),
                    ("Set-Cookie", "a=1; Path=/"),
                    ("X-Between", "yes"),
                    ("Set-Cookie", "b=2; Path=/"),
                    ("ETAG", '"v1"'),
                    ("Content-Length", str(len(content))),
                ],
                content,
                content,
            )
        elif path == "/http10":
            content = html("HTTP/1.0")
            send(
                "HTTP/1.0 200 OK",
                [("Content-Type", "text/html"), ("Content-Length", str(len(content)))],
                content,
                content,
            )
            keep = False
        elif path == "/redirect":
            send("HTTP/1.1 302 Found", [("Location", "/redirected"), ("Content-Length", "0")], b"", b"")
        elif path == "/redirected":
            ok(html("Redirected"))
        elif path == "/missing":
            content = b"<html><body>Not here</body></html>"
            send(
                "HTTP/1.1 404 Not Found",
                [("Content-Type", "text/html"), ("Content-Length", str(len(content)))],
                content,
                content,
            )
        elif path == "/error":
            content = b"<html><body>Server error</body></html>"
            send(
                "HTTP/1.1 500 Internal Server Error",
                [("Content-Type", "text/html"), ("Content-Length", str(len(content)))],
                content,
                content,
            )
        elif path == "/big":
            send(
                "HTTP/1.1 200 OK",
                [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BIG)))],
                BIG,
                BIG,
                complete=False,
            )
            keep = False
        elif path == "/big-chunked":
            send(
                "HTTP/1.1 200 OK",
                [("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked")],
                BIG,
                BIG,
                chunks=[BIG[i : i + 8192] for i in range(0, len(BIG), 8192)],
                complete=False,
            )
            keep = False
        elif path == "/drop":
            content = html("Dropped") * 20
            cut = content[: len(content) // 3]
            send(
                "HTTP/1.1 200 OK",
                [("Content-Type", "text/html"), ("Content-Length", str(len(content)))],
                cut,
                content,
                complete=False,
            )
            return False  # close mid-body
        elif path == "/reset":
            return False  # close without answering
        elif path == "/empty":
            send("HTTP/1.1 204 No Content", [("X-Nothing", "here")], b"", b"")
        elif path == "/feed.xml":
            content = b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><link>/gzip</link></item></channel></rss>'
            ok(content, ctype="application/rss+xml", encoding="gzip")
        elif path == "/style.css":
            ok(b"body { color: #333 }", ctype="text/css", encoding="br")
        else:
            content = b"no such page"
            send(
                "HTTP/1.1 404 Not Found",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(content)))],
                content,
                content,
            )
        return keep


if __name__ == "__main__":  # manual use: python -m tests.servers.fidelity
    import time

    with FidelityServer(port=8001) as s:
        print(s.url)
        time.sleep(3600)
