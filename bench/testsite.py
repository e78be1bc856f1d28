"""Local test sites for crawl benchmarks, written as static files and served on 127.0.0.1 by nginx when
it is installed (`make bench-packages`: apt-get install nginx-light), else by a threaded Python server (the name yielded says
which).

- "demo": the demo site scaled to N articles.
- "wordpress": the same articles as a link-heavy WordPress blog: every page carries a tag cloud of
  60 tags, a monthly archive list, popular and recent posts and recent comments (150-190 links a
  page), articles are spread over about three years and listed by month too.
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
import zlib
from contextlib import contextmanager
from datetime import timedelta
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo import content  # noqa: E402
from crawler.demo.site import IMAGE_COUNT, PER_PAGE, DemoSite  # noqa: E402


def _padding(rules: int, entries: int) -> str:
    """Inline CSS and a script's data, as WordPress themes and plugins put into every page."""
    return (
        "<style>"
        + "".join(f".w{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i:06x}}}" for i in range(rules))
        + "</style>"
        "<script>var wpData="
        + repr([{"id": i, "slug": f"item-{i}", "views": i * 37} for i in range(entries)])
        + ";</script>"
    )


# Real WordPress pages carry inline CSS/JS and long widget lists; the demo's are lean. This brings a demo
# article page to about 40 KB, as in the reference measurements; the link-heavy site's widgets
# bring most of that themselves.
PADDING = {"demo": _padding(300, 400), "wordpress": _padding(120, 150)}
BASE_PLACEHOLDER = "http://bench.invalid"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TAG_COUNT = 60
POPULAR_POSTS = 20
RECENT_COMMENTS = 8


class WordPressSite(DemoSite):
    """The demo's articles with a WordPress theme's widgets: many links per page, most seen before."""

    def __init__(self, articles: int):
        super().__init__(articles=articles)
        words = [name for _, name in content.TAGS] + [name for _, name in content.CATEGORIES]
        self.tags = [(f"topic-{n}", f"{words[n % len(words)]} {n // len(words) + 1}") for n in range(TAG_COUNT)]
        newest = self.articles[0].published
        for i, article in enumerate(self.articles):
            # About three years of posts, newest first, one every 13 hours.
            article.published = newest - timedelta(hours=13 * i)
            article.tags = [self.tags[(i * 7 + k * 13) % TAG_COUNT] for k in range(3)]
        self.by_path = {a.path: a for a in self.articles}
        self.months: dict[str, list] = {}
        for article in self.articles:
            self.months.setdefault(f"/{article.published:%Y/%m}/", []).append(article)

    def html_paths(self) -> list[str]:
        paths = [p for p in super().html_paths() if not p.startswith("/tag/")]
        for slug, _ in self.tags:
            paths += self._listing_paths(f"/tag/{slug}/", len(self._tagged(slug)))
        for month, items in self.months.items():
            paths += self._listing_paths(month, len(items))
        return paths

    def _tagged(self, slug: str) -> list:
        return self._index("tag", slug, lambda a: any(t[0] == slug for t in a.tags))

    def _html_page(self, path: str, base: str) -> str | None:
        if path.startswith("/tag/"):
            rest = path[len("/tag/") :].strip("/").split("/")
            names = dict(self.tags)
            page = int(rest[2]) if len(rest) == 3 and rest[1] == "page" and rest[2].isdigit() else 1
            if rest[0] not in names or len(rest) not in (1, 3):
                return None
            return self._listing("/tag/", rest[0], names[rest[0]], self._tagged(rest[0]), page, base)
        month = path[:9]
        if month in self.months and (path == month or path.startswith(month + "page/")):
            rest = path[9:].strip("/").split("/")
            page = int(rest[1]) if len(rest) == 2 and rest[0] == "page" and rest[1].isdigit() else 1
            items = self.months[month]
            return self._listing_page(month, f"Month: {items[0].published:%B %Y}", items, page, base)
        return super()._html_page(path, base)

    def _listing_page(self, first: str, title: str, items: list, page: int, base: str) -> str | None:
        pages = max(1, -(-len(items) // PER_PAGE))
        if page < 1 or page > pages:
            return None
        nav = []
        if page < pages:
            nav.append(f'<a class="next page-numbers" href="{base}{first}page/{page + 1}/">Older posts</a>')
        if page > 1:
            nav.append(
                f'<a class="prev page-numbers" href="{base}{first if page == 2 else f"{first}page/{page - 1}/"}">Newer posts</a>'
            )
        chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
        main = (
            f'<header class="page-header"><h1 class="page-title">{escape(title)}</h1></header>\n'
            + "\n".join(self._summary(a, base) for a in chunk)
            + f'\n<nav class="navigation pagination"><div class="nav-links">{" ".join(nav)}</div></nav>'
        )
        return self._layout(title, main, base, page_class="archive date")

    def _layout(self, title: str, main: str, base: str, page_class: str = "page", head: str = "") -> str:
        html = super()._layout(title, main, base, page_class, head)
        # Different popular posts on every page (a "related by views" widget): links seen and unseen.
        seed = zlib.crc32(main.encode())
        count = len(self.articles)
        popular = [self.articles[(seed + k * 7919) % count] for k in range(POPULAR_POSTS)]
        commented = [self.articles[(seed // 7 + k * 104_729) % count] for k in range(RECENT_COMMENTS)]
        cloud = " ".join(
            f'<a href="{base}/tag/{slug}/" class="tag-cloud-link tag-link-{n}" style="font-size: {8 + n % 14}pt;" '
            f'aria-label="{escape(name)} ({len(self._tagged(slug))} items)">{escape(name)}</a>'
            for n, (slug, name) in enumerate(self.tags)
        )
        archives = "".join(
            f'<li><a href="{base}{month}">{items[0].published:%B %Y}</a>&nbsp;({len(items)})</li>'
            for month, items in self.months.items()
        )
        widgets = (
            '<section class="widget widget_top-posts"><h2 class="widget-title">Popular Posts</h2><ul>'
            + "".join(
                f'<li><a href="{base}{a.path}" class="bump-view" data-bump-view="tp">{escape(a.title)}</a></li>'
                for a in popular
            )
            + '</ul></section><section class="widget widget_recent_comments"><h2 class="widget-title">Recent '
            'Comments</h2><ul id="recentcomments">'
            + "".join(
                f'<li class="recentcomments"><span class="comment-author-link">{escape(a.author[1])}</span> on '
                f'<a href="{base}{a.path}#comment-{a.id + k}">{escape(a.title)}</a></li>'
                for k, a in enumerate(commented)
            )
            + f'</ul></section><section class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2>'
            f'<div class="tagcloud">{cloud}</div></section>'
            f'<section class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>{archives}</ul></section>'
        )
        return html.replace("</aside>", widgets + "</aside>", 1)


SITES = {"demo": DemoSite, "wordpress": WordPressSite}


def generate(directory: Path, articles: int, base_url: str, kind: str = "demo") -> tuple[DemoSite, int]:
    """Write every page of a site of that kind (SITES) under directory; return (site, HTML page count)."""
    site = SITES[kind](articles=articles)
    directory.mkdir(parents=True, exist_ok=True)
    paths = site.html_paths() + ["/robots.txt", "/sitemap.xml", "/feed/", "/wp-content/themes/courier/style.css"]
    paths += [f"/wp-content/uploads/courier-{n}.png" for n in range(1, IMAGE_COUNT + 1)]
    for path in paths:
        status, headers, body = site.page(path, base_url)
        if status != 200:
            continue
        if headers.get("Content-Type", "").startswith("text/html"):
            body = body.replace(b"</body>", PADDING[kind].encode() + b"</body>")
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
def bench_site(articles: int, kind: str = "demo"):
    """Generate and serve a site of that kind (SITES); yields (base URL, HTML page count, server name)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        os.chmod(tmp, 0o755)  # nginx workers run as an unprivileged user
        _, pages = generate(Path(tmp), articles, base, kind)
        with serve(Path(tmp), port) as name:
            yield base, pages, name
