"""The bundled demo site: a small WordPress-style news site, generated deterministically.

`DemoSite.page(path)` answers a request path with (status, headers, body); `expected_records()`
is the site's own truth about its article pages, used by the tests.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from urllib.parse import parse_qs, urlsplit

from . import content as c

PER_PAGE = 5
FIRST_POST_ID = 8200
MISSING_PATH = "/2017/01/deleted-story/"
DISALLOWED_PREFIX = "/private/"
IMAGE_COUNT = 5
TZ = timezone(timedelta(hours=4, minutes=30))


@dataclass
class Article:
    id: int
    slug: str
    title: str
    category: tuple[str, str]
    author: tuple[str, str]
    published: datetime
    tags: list[tuple[str, str]]
    blocks: list[tuple[str, str | list[str]]]  # (tag, text), or ("ul", items)
    image: int | None
    comments: list[tuple[str, str]]
    related: list[int] = field(default_factory=list)
    see_also: str | None = None  # path linked from the end of the first paragraph
    modified: datetime | None = None  # set by edit()

    def paragraph(self, n: int, value: object) -> str:
        return f"{value} See also our earlier story." if self.see_also and n == self.first_paragraph else str(value)

    @property
    def first_paragraph(self) -> int:
        return next(n for n, (kind, _) in enumerate(self.blocks) if kind == "p")

    @property
    def path(self) -> str:
        return f"/{self.published:%Y}/{self.published:%m}/{self.slug}/"

    @property
    def body_text(self) -> str:
        parts = []
        for n, (_, value) in enumerate(self.blocks):
            parts.append("\n".join(value) if isinstance(value, list) else self.paragraph(n, value))
        return "\n\n".join(parts)


def slugify(title: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in title)
    return "-".join(part for part in out.split("-") if part)


def _png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class DemoSite:
    """Articles, listings, feed, sitemap and robots.txt of the demo site."""

    def __init__(self, seed: int = 1992, articles: int = len(c.TITLES)):
        """articles: how many; past the hand-written titles, numbered variants (for benchmarks)."""
        rng = random.Random(seed)
        start = datetime(2018, 4, 23, 10, 12, tzinfo=TZ)
        self.articles: list[Article] = []
        titles = [
            c.TITLES[i % len(c.TITLES)] + (f" ({i // len(c.TITLES) + 1})" if i >= len(c.TITLES) else "")
            for i in range(articles)
        ]
        for i, title in enumerate(titles):
            blocks: list[tuple[str, str | list[str]]] = []
            for n in range(rng.randint(3, 6)):
                if n == 2 and i % 3 == 0:
                    blocks.append(("h2", c.SUBHEADINGS[i % len(c.SUBHEADINGS)]))
                if n == 3 and i % 4 == 1:
                    blocks.append(("blockquote", c.QUOTES[i % len(c.QUOTES)]))
                if n == 2 and i % 5 == 2:
                    blocks.append(("ul", rng.sample(c.LIST_ITEMS, 3)))
                blocks.append(("p", " ".join(rng.sample(c.SENTENCES, rng.randint(2, 4)))))
            self.articles.append(
                Article(
                    id=FIRST_POST_ID + i,
                    slug=slugify(title),
                    title=title,
                    category=c.CATEGORIES[i % len(c.CATEGORIES)],
                    author=c.AUTHORS[(i * 7) % len(c.AUTHORS)],
                    # Three days apart, then hours apart past the hand-written ones (large benchmark sites).
                    published=start
                    - timedelta(days=3 * min(i, len(c.TITLES)), hours=max(0, i - len(c.TITLES)) + i % 7),
                    tags=rng.sample(c.TAGS, 2),
                    blocks=blocks,
                    image=(i % IMAGE_COUNT) + 1 if i % 3 == 0 else None,
                    comments=c.COMMENTS[: (i % 3)] if i % 4 == 0 else [],
                )
            )
        by_category: dict[str, list[Article]] = {}
        for article in self.articles:
            by_category.setdefault(article.category[0], []).append(article)
        for same in by_category.values():
            for k, article in enumerate(same):
                article.related = [same[(k + j) % len(same)].id for j in range(1, 4)]
        self.by_id = {a.id: a for a in self.articles}
        self.by_path = {a.path: a for a in self.articles}
        # One internal link that 404s, and one old shortlink that redirects.
        self.articles[10].see_also = MISSING_PATH
        self.redirect_target = self.articles[5]

    def edit(self, article_id: int, sentence: str, when: datetime | None = None) -> None:
        """Change an article as an editor would: a sentence added, a new modification date."""
        article = self.by_id[article_id]
        n = article.first_paragraph
        kind, value = article.blocks[n]
        article.blocks[n] = (kind, f"{value} {sentence}")
        article.modified = when or datetime.now(UTC).replace(microsecond=0)

    # ---- truth -------------------------------------------------------------------------

    def expected_records(self, base_url: str) -> list[dict]:
        """What a correct extraction gives for every article page."""
        base = base_url.rstrip("/")
        records = []
        for a in self.articles:
            url = base + a.path
            records.append(
                {
                    "url": url,
                    "title": a.title,
                    "breadcrumb": [
                        {"name": "Home", "url": base + "/"},
                        {"name": a.category[1], "url": f"{base}/category/{a.category[0]}/"},
                        {"name": a.title, "url": url},
                    ],
                    "authors": [a.author[1]],
                    "body_text": a.body_text,
                    "related": [{"title": self.by_id[r].title, "url": base + self.by_id[r].path} for r in a.related],
                }
            )
        return records

    def html_paths(self) -> list[str]:
        """Every HTML page a complete crawl reaches (articles, listings, about)."""
        paths = ["/", "/about/"] + [a.path for a in self.articles]
        for slug, _ in c.CATEGORIES:
            paths += self._listing_paths(f"/category/{slug}/", len(self._in_category(slug)))
        for slug, _ in c.AUTHORS:
            paths += self._listing_paths(f"/author/{slug}/", len(self._by_author(slug)))
        for slug, _ in c.TAGS:
            if self._tagged(slug):
                paths += self._listing_paths(f"/tag/{slug}/", len(self._tagged(slug)))
        return paths

    # ---- routing -----------------------------------------------------------------------

    def page(self, target: str, base_url: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        base = base_url.rstrip("/")
        if path == "/" and "p" in query:
            article = self.by_id.get(int(query["p"][0])) if query["p"][0].isdigit() else None
            if article:
                return 301, {"Location": base + article.path}, b""
            return self._not_found()
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: {DISALLOWED_PREFIX}\n\nSitemap: {base}/sitemap.xml\n"
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, body.encode()
        if path == "/sitemap.xml":
            return 200, {"Content-Type": "application/xml; charset=utf-8"}, self._sitemap(base).encode()
        if path == "/feed/":
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, self._feed(base).encode()
        if path.startswith("/wp-content/uploads/courier-") and path.endswith(".png"):
            n = path.rsplit("-", 1)[1][:-4]
            if n.isdigit() and 1 <= int(n) <= IMAGE_COUNT:
                rgb = (40 * int(n), 90, 200 - 30 * int(n))
                return 200, {"Content-Type": "image/png"}, _png(rgb)
        if path == "/wp-content/themes/courier/style.css":
            return 200, {"Content-Type": "text/css"}, b"body{font-family:Georgia,serif;max-width:70em;margin:auto}\n"
        html = self._html_page(path, base)
        if html is None:
            return self._not_found()
        headers = {"Content-Type": "text/html; charset=UTF-8"}
        if path in self.by_path:
            article = self.by_path[path]
            changed = article.modified or article.published
            headers["Last-Modified"] = format_datetime(changed.astimezone(UTC), usegmt=True)
        return 200, headers, html.encode("utf-8")

    def _not_found(self) -> tuple[int, dict[str, str], bytes]:
        body = self._layout(
            "Page not found", "<h1>Oops! That page can&rsquo;t be found.</h1>", base="", page_class="error404"
        )
        return 404, {"Content-Type": "text/html; charset=UTF-8"}, body.encode()

    def _html_page(self, path: str, base: str) -> str | None:
        if path in self.by_path:
            return self._article(self.by_path[path], base)
        if path == "/":
            return self._home(base)
        if path == "/about/":
            return self._about(base)
        if path.startswith(DISALLOWED_PREFIX):
            return self._layout("Members", "<h1>Members area</h1><p>Log in to continue.</p>", base)
        for prefix, names, select in (
            ("/category/", dict(c.CATEGORIES), self._in_category),
            ("/author/", dict(c.AUTHORS), self._by_author),
            ("/tag/", dict(c.TAGS), self._tagged),
        ):
            if path.startswith(prefix):
                rest = path[len(prefix) :].strip("/").split("/")
                slug, page = rest[0], 1
                if len(rest) == 3 and rest[1] == "page" and rest[2].isdigit():
                    page = int(rest[2])
                elif len(rest) != 1:
                    return None
                items = select(slug)
                if slug not in names or not items:
                    return None
                return self._listing(prefix, slug, names[slug], items, page, base)
        return None

    def _in_category(self, slug: str) -> list[Article]:
        return self._index("category", slug, lambda a: a.category[0] == slug)

    def _by_author(self, slug: str) -> list[Article]:
        return self._index("author", slug, lambda a: a.author[0] == slug)

    def _tagged(self, slug: str) -> list[Article]:
        return self._index("tag", slug, lambda a: any(t[0] == slug for t in a.tags))

    def _index(self, kind: str, slug: str, belongs) -> list[Article]:
        # Listings are asked for on every page (menus, sidebars): computed once per site.
        cache = self.__dict__.setdefault("_listings", {})
        if (kind, slug) not in cache:
            cache[(kind, slug)] = [a for a in self.articles if belongs(a)]
        return cache[(kind, slug)]

    @staticmethod
    def _listing_paths(first: str, count: int) -> list[str]:
        pages = max(1, -(-count // PER_PAGE))
        return [first] + [f"{first}page/{n}/" for n in range(2, pages + 1)]

    # ---- rendering ---------------------------------------------------------------------

    def _layout(self, title: str, main: str, base: str, page_class: str = "page", head: str = "") -> str:
        menu = "".join(f'<li><a href="{base}/category/{s}/">{escape(n)}</a></li>' for s, n in c.CATEGORIES)
        recent = "".join(f'<li><a href="{base}{a.path}">{escape(a.title)}</a></li>' for a in self.articles[:5])
        cats = "".join(
            f'<li class="cat-item"><a href="{base}/category/{s}/">{escape(n)}</a> ({len(self._in_category(s))})</li>'
            for s, n in c.CATEGORIES
        )
        old = self.redirect_target
        full_title = f"{escape(title)} | {c.SITE_NAME}" if title else c.SITE_NAME
        return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{full_title}</title>
<link rel="stylesheet" id="courier-style-css" href="{base}/wp-content/themes/courier/style.css" type="text/css" media="all">
<link rel="alternate" type="application/rss+xml" title="{c.SITE_NAME} &raquo; Feed" href="{base}/feed/">
{head}</head>
<body class="{page_class}">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding"><a href="{base}/" rel="home"><img src="{base}/wp-content/uploads/courier-1.png" alt="" width="16" height="16"> {c.SITE_NAME}</a>
<p class="site-description">Independent reporting on rights and civil society</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
<li><a href="{base}/">Home</a></li>{menu}<li><a href="{base}/about/">About us</a></li><li><a href="{base}{DISALLOWED_PREFIX}members/">Members</a></li>
</ul></nav>
<form role="search" method="get" class="search-form" action="{base}/"><input type="search" name="s" placeholder="Search &hellip;"><button type="submit">Search</button></form>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area"><main id="main" class="site-main">
{main}
</main></div>
<aside id="secondary" class="widget-area">
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></section>
<section class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul>{cats}</ul></section>
<section class="widget widget_text"><h2 class="widget-title">From the archive</h2>
<p><a href="{base}/?p={old.id}">{escape(old.title)}</a></p></section>
</aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2018 {c.SITE_NAME}. All rights reserved.
<a href="{base}/about/">About</a> &middot; <a href="{base}/feed/">RSS</a></div></footer>
</div>
</body>
</html>
"""

    def _article(self, a: Article, base: str) -> str:
        url = base + a.path
        cat_slug, cat_name = a.category
        figure = ""
        if a.image:
            figure = (
                f'<figure class="wp-block-image"><img src="{base}/wp-content/uploads/courier-{a.image}.png" '
                f'alt="" width="640" height="360"><figcaption>Illustration: {escape(c.SITE_NAME)} archive</figcaption></figure>\n'
            )
        body = []
        for n, (kind, value) in enumerate(a.blocks):
            if isinstance(value, list):
                items = "".join(f"<li>{escape(item)}</li>" for item in value)
                body.append(f"<ul>{items}</ul>")
            elif kind == "blockquote":
                body.append(f"<blockquote><p>{escape(str(value))}</p></blockquote>")
            else:
                text = escape(str(value))
                if a.see_also and n == a.first_paragraph:
                    text += f' See also <a href="{base}{a.see_also}">our earlier story</a>.'
                body.append(f"<{kind}>{text}</{kind}>")
        related = "".join(
            f'<div class="jp-relatedposts-post"><a class="jp-relatedposts-post-a" href="{base}{self.by_id[r].path}">'
            f'<img class="jp-relatedposts-post-img" src="{base}/wp-content/uploads/courier-{(self.by_id[r].id % IMAGE_COUNT) + 1}.png" alt="">'
            f'</a><h4 class="jp-relatedposts-post-title"><a href="{base}{self.by_id[r].path}">{escape(self.by_id[r].title)}</a></h4>'
            f'<p class="jp-relatedposts-post-date">{self.by_id[r].published:%B %-d, %Y}</p></div>'
            for r in a.related
        )
        tags = ", ".join(f'<a href="{base}/tag/{s}/" rel="tag">{escape(n)}</a>' for s, n in a.tags)
        comments = ""
        if a.comments:
            items = "".join(
                f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
                f'<b class="fn">{escape(who)}</b> <span class="says">says:</span></footer>'
                f'<div class="comment-content"><p>{escape(text)}</p></div></article></li>'
                for who, text in a.comments
            )
            comments = f'<h2 class="comments-title">{len(a.comments)} thoughts on &ldquo;{escape(a.title)}&rdquo;</h2><ol class="comment-list">{items}</ol>'
        published = a.published.isoformat()
        head = (
            f'<link rel="canonical" href="{url}">\n<link rel="shortlink" href="{base}/?p={a.id}">\n'
            f'<meta property="og:type" content="article">\n<meta property="og:title" content="{escape(a.title)}">\n'
            f'<meta property="og:url" content="{url}">\n<meta property="og:site_name" content="{c.SITE_NAME}">\n'
            f'<meta property="article:published_time" content="{published}">\n'
        )
        main = f"""<div class="breadcrumbs"><span><a href="{base}/">Home</a></span> &raquo; <span><a href="{base}/category/{cat_slug}/">{escape(cat_name)}</a></span> &raquo; <span class="breadcrumb_last" aria-current="page">{escape(a.title)}</span></div>
<article id="post-{a.id}" class="post-{a.id} post type-post status-publish format-standard category-{cat_slug}">
<header class="entry-header">
<h1 class="entry-title">{escape(a.title)}</h1>
<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{published}">{a.published:%B %-d, %Y}</time></span></div>
</header>
{figure}<div class="entry-content">
{chr(10).join(body)}
</div>
<div class="author-line"><a href="{base}/author/{a.author[0]}/" rel="author">{escape(a.author[1])}</a></div>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li><a class="share-twitter" href="https://twitter.com/intent/tweet?url={url}">Twitter</a></li><li><a class="share-facebook" href="https://www.facebook.com/sharer.php?u={url}">Facebook</a></li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>You may also like</em></h3>
<div class="jp-relatedposts-items">{related}</div></div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="{base}/category/{cat_slug}/" rel="category tag">{escape(cat_name)}</a></span> <span class="tags-links">Tagged {tags}</span></footer>
</article>
<div id="comments" class="comments-area">{comments}
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Comment</h3>
<form action="{base}/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" cols="45" rows="8"></textarea></p>
<p class="comment-form-author"><label for="author">Name</label><input id="author" name="author" type="text"></p>
<p class="comment-form-email"><label for="email">Email</label><input id="email" name="email" type="email"></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"><input type="hidden" name="comment_post_ID" value="{a.id}"></p>
</form></div></div>"""
        return self._layout(
            a.title, main, base, page_class=f"post-template-default single single-post postid-{a.id}", head=head
        )

    def _summary(self, a: Article, base: str) -> str:
        first = next(str(v) for k, v in a.blocks if k == "p")
        return (
            f'<article class="post-{a.id} post type-post"><header class="entry-header"><h2 class="entry-title">'
            f'<a href="{base}{a.path}" rel="bookmark">{escape(a.title)}</a></h2>'
            f'<div class="entry-meta"><time class="entry-date published" datetime="{a.published.isoformat()}">{a.published:%B %-d, %Y}</time> '
            f'by <a href="{base}/author/{a.author[0]}/">{escape(a.author[1])}</a></div></header>'
            f'<div class="entry-summary"><p>{escape(first[:160])}&hellip;</p></div></article>'
        )

    def _listing(self, prefix: str, slug: str, name: str, items: list[Article], page: int, base: str) -> str | None:
        first = f"{prefix}{slug}/"
        pages = max(1, -(-len(items) // PER_PAGE))
        if page < 1 or page > pages:
            return None
        chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
        nav = []
        if page < pages:
            nav.append(f'<a class="next page-numbers" href="{base}{first}page/{page + 1}/">Older posts</a>')
        if page > 1:
            prev = first if page == 2 else f"{first}page/{page - 1}/"
            nav.append(f'<a class="prev page-numbers" href="{base}{prev}">Newer posts</a>')
        kind = {"/category/": "Category", "/author/": "Author", "/tag/": "Tag"}[prefix]
        main = (
            f'<header class="page-header"><h1 class="page-title">{kind}: <span>{escape(name)}</span></h1></header>\n'
            + "\n".join(self._summary(a, base) for a in chunk)
            + f'\n<nav class="navigation pagination"><div class="nav-links">{" ".join(nav)}</div></nav>'
        )
        title = f"{name}" + (f" &ndash; Page {page}" if page > 1 else "")
        return self._layout(title, main, base, page_class=f"archive {kind.lower()}")

    def _home(self, base: str) -> str:
        main = '<h1 class="screen-reader-text">Latest news</h1>\n' + "\n".join(
            self._summary(a, base) for a in self.articles[:10]
        )
        return self._layout("", main, base, page_class="home blog")

    def _about(self, base: str) -> str:
        main = (
            '<article class="page type-page"><header class="entry-header"><h1 class="entry-title">About us</h1></header>'
            f'<div class="entry-content"><p>The {c.SITE_NAME} is a demonstration site bundled with the crawler.</p>'
            "<p>It is generated on the fly and contains no real news.</p></div></article>"
        )
        return self._layout("About us", main, base, page_class="page-template-default page")

    def _sitemap(self, base: str) -> str:
        urls: list[tuple[str, datetime | None]] = [(base + a.path, a.modified or a.published) for a in self.articles]
        urls += [(f"{base}/category/{s}/", None) for s, _ in c.CATEGORIES]
        entries = "".join(
            f"<url><loc>{escape(u)}</loc>" + (f"<lastmod>{d.isoformat()}</lastmod>" if d else "") + "</url>\n"
            for u, d in urls
        )
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'

    def _feed(self, base: str) -> str:
        items = "".join(
            f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
            f"<dc:creator><![CDATA[{a.author[1]}]]></dc:creator><pubDate>{format_datetime(a.published)}</pubDate>"
            f'<category><![CDATA[{a.category[1]}]]></category><guid isPermaLink="false">{base}/?p={a.id}</guid>'
            f"<description>{escape(next(str(v) for k, v in a.blocks if k == 'p')[:160])}</description></item>\n"
            for a in self.articles[:20]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f"<channel><title>{c.SITE_NAME}</title><link>{base}/</link><description>Independent reporting</description>\n"
            f"{items}</channel></rss>\n"
        )


def etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
