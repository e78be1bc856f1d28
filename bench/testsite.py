"""A local test site for crawl benchmarks: the demo site scaled to N articles, written as static files
and served on 127.0.0.1 by nginx when it is installed (apt-get install nginx-light), else by a
threaded Python server. `served_by` says which.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo.site import IMAGE_COUNT, DemoSite  # noqa: E402

# Real WordPress pages carry inline CSS/JS and long widget lists; the demo's are lean. This brings an
# article page to about 40 KB, as in the reference measurements.
PADDING = (
    "<style>" + "".join(f".w{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i:06x}}}" for i in range(300)) + "</style>"
    "<script>var wpData=" + repr([{"id": i, "slug": f"item-{i}", "views": i * 37} for i in range(400)]) + ";</script>"
)
BASE_PLACEHOLDER = "http://bench.invalid"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def generate(directory: Path, articles: int, base_url: str) -> tuple[DemoSite, int]:
    """Write every page of a DemoSite(articles) under directory; return (site, HTML page count)."""
    site = DemoSite(articles=articles)
    directory.mkdir(parents=True, exist_ok=True)
    paths = site.html_paths() + ["/robots.txt", "/sitemap.xml", "/feed/", "/wp-content/themes/courier/style.css"]
    paths += [f"/wp-content/uploads/courier-{n}.png" for n in range(1, IMAGE_COUNT + 1)]
    for path in paths:
        status, headers, body = site.page(path, base_url)
        if status != 200:
            continue
        if headers.get("Content-Type", "").startswith("text/html"):
            body = body.replace(b"</body>", PADDING.encode() + b"</body>")
        target = directory / path.lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    return site, len(site.html_paths())


_NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    types {{ text/html html; application/xml xml; text/css css; image/png png; text/plain txt; }}
    default_type text/html;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        location = /robots.txt {{ default_type text/plain; }}
        location /feed/ {{ default_type application/rss+xml; }}
    }}
}}
"""


@contextmanager
def serve(directory: Path, port: int):
    """Serve directory on 127.0.0.1:port; yields the name of the server used."""
    nginx = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
    with tempfile.TemporaryDirectory() as tmp:
        if nginx:
            conf = Path(tmp) / "nginx.conf"
            conf.write_text(_NGINX_CONF.format(tmp=tmp, port=port, root=directory.resolve()))
            proc = subprocess.Popen([nginx, "-c", str(conf), "-p", tmp], stderr=subprocess.DEVNULL)
            name = (
                "nginx " + subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
            )
        else:
            proc = subprocess.Popen(
                [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            name = "python http.server (threaded)"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.05)
            yield name
        finally:
            proc.terminate()
            proc.wait(10)


@contextmanager
def bench_site(articles: int):
    """Generate and serve a site; yields (base URL, HTML page count, server name)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        os.chmod(tmp, 0o755)  # nginx workers run as an unprivileged user
        _, pages = generate(Path(tmp), articles, base)
        with serve(Path(tmp), port) as name:
            yield base, pages, name
