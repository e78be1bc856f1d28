"""Sites for fleet tests (RouteServer handlers): a WordPress-style blog whose comment-reply links are
?replytocom= variants, and small sites of a many-host job. Each asks for a Crawl-delay in robots.txt."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time

from .sites import HTML, RouteServer, article_html

TEXT = {"Content-Type": "text/plain"}


def spacings(log: list[tuple[float, str, str]]) -> list[float]:
    """Seconds between consecutive requests of a RouteServer's log (any client)."""
    times = sorted(t for t, _, _ in log)
    return [b - a for a, b in zip(times, times[1:])]


class BlogSite:
    """Home, a category page and articles; article n has n % 3 comments, each with a WordPress Reply
    link (?replytocom=ID#respond), and every article has share links (?share=...), an AMP copy
    (/amp/) and a tracking-parameter link (?utm_source=...). A complete crawl fetches each page and
    each ?replytocom= page once; share, AMP and tracking variants fold onto their article."""

    def __init__(self, articles: int = 6, crawl_delay: float = 1.0):
        self.crawl_delay = crawl_delay
        self.articles = [f"/2024/05/post-{n}/" for n in range(articles)]
        self.comments = {path: [100 * n + c for c in range(n % 3)] for n, path in enumerate(self.articles)}

    def expected_paths(self) -> set[str]:
        """Every path a complete crawl asks for, robots.txt aside."""
        replies = {f"{path}?replytocom={c}" for path, ids in self.comments.items() for c in ids}
        return {"/", "/category/news/", "/sitemap.xml", *self.articles, *replies}

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, TEXT, f"User-agent: *\nCrawl-delay: {self.crawl_delay}\nDisallow: /wp-admin/\n".encode()
        if path in ("/", "/category/news/"):
            links = "".join(f'<li><a href="{base}{p}">Post {p}</a></li>' for p in self.articles)
            extra = f'<a href="{base}{self.articles[0]}?utm_source=home&utm_medium=web">Featured</a>'
            body = f"<html><head><title>Blog</title></head><body><h1>News</h1><ul>{links}</ul>{extra}"
            body += f'<a href="{base}/category/news/">News</a> <a href="{base}/wp-admin/">Admin</a></body></html>'
            return 200, HTML, body.encode()
        if path in self.comments:
            return 200, HTML, self._article(path, base)
        if path.endswith("/amp/") and path[: -len("amp/")] in self.comments:
            return 200, HTML, self._article(path[: -len("amp/")], base)
        return 404, HTML, b"<html><body>not found</body></html>"

    def _article(self, path: str, base: str) -> bytes:
        n = self.articles.index(path)
        url = base + path
        comments = "".join(
            f'<li id="comment-{c}" class="comment"><article class="comment-body"><p>Comment {c}</p>'
            f'<div class="reply"><a rel="nofollow" class="comment-reply-link" href="{url}?replytocom={c}#respond" '
            f'data-commentid="{c}">Reply</a></div></article></li>'
            for c in self.comments[path]
        )
        following = self.articles[(n + 1) % len(self.articles)]
        extra = (
            f'<ol class="comment-list">{comments}</ol><div id="respond"><form method="post"></form></div>'
            f'<a href="{url}?share=twitter">Tweet</a> <a href="{url}?share=facebook">Share</a> '
            f'<a href="{url}amp/">AMP</a> <a href="{base}{following}">Next post</a> <a href="{base}/">Home</a>'
        )
        body = article_html(f"Post {n}", "2024-05-01T08:00:00+00:00", base)
        body = body.replace(b"</head>", f'<link rel="canonical" href="{url}"></head>'.encode())
        return body.replace(b"</main>", extra.encode() + b"</main>")


class SmallSite:
    """A home page linking to pages - 1 leaves; answers after `answer_delay` seconds."""

    def __init__(self, pages: int, crawl_delay: float, answer_delay: float = 0.0):
        self.pages, self.crawl_delay, self.answer_delay = pages, crawl_delay, answer_delay

    def expected_paths(self) -> set[str]:
        return {"/", "/sitemap.xml", *(f"/p/{n}" for n in range(1, self.pages))}

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, TEXT, f"User-agent: *\nCrawl-delay: {self.crawl_delay}\n".encode()
        if self.answer_delay:
            time.sleep(self.answer_delay)
        if path == "/":
            links = "".join(f'<a href="{base}/p/{n}">page {n}</a> ' for n in range(1, self.pages))
            return 200, HTML, f"<html><head><title>Home</title></head><body>{links}</body></html>".encode()
        if path.startswith("/p/") and path[3:].isdigit() and 0 < int(path[3:]) < self.pages:
            return 200, HTML, f"<html><head><title>{path}</title></head><body><p>{path}</p></body></html>".encode()
        return 404, HTML, b"<html><body>not found</body></html>"


@contextlib.contextmanager
def serving(handlers: list):
    """A RouteServer on its own loopback port for each handler."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(RouteServer(handler)) for handler in handlers]


def serve_blog(host: str, port: int, log_file: str, crawl_delay: float) -> None:
    """Serve a BlogSite on host:port until SIGTERM, then write its request log (JSON) to log_file; for tests
    whose site lives in a network namespace of its own (python -m servers.fleet HOST PORT LOG DELAY)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with RouteServer(BlogSite(crawl_delay=crawl_delay), host=host, port=port) as server:
        print("ready", flush=True)
        stop.wait()
    with open(log_file, "w", encoding="utf-8") as fh:
        json.dump(server.log, fh)


if __name__ == "__main__":
    serve_blog(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
