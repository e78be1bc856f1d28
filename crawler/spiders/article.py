"""The article spider: follow in-scope links, feeds and sitemaps; one record per article page."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.extract import Document, extract_document
from crawler.job import default_job_name, job_output_dir
from crawler.records import make_item
from crawler.scope import Scope

_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:RDF")
_SITEMAP_ROOTS = (b"<urlset", b"<sitemapindex")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def _split_urls(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u for u in re.split(r"[\s,]+", value) if u]
    return list(value)


class ArticleSpider(scrapy.Spider):
    name = "article"

    def __init__(self, start_urls=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = _split_urls(start_urls)
        if not self.start_urls:
            raise ValueError("no start URLs: pass -a start_urls=URL[,URL...]")
        self.scope = Scope.from_seeds(self.start_urls)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are still open here: name the job before components read it.
        if not crawler.settings.get("JOB_NAME"):
            crawler.settings.set("JOB_NAME", default_job_name(spider.start_urls), priority="spider")
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    @property
    def output_dir(self) -> str:
        """OUTPUT_ROOT/JOB_NAME; the FEEDS setting refers to it as %(output_dir)s."""
        return str(job_output_dir(self.crawler.settings))

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse)

    def robots_parsed(self, robotparser, request):
        """Sitemaps listed in robots.txt are discovery sources too."""
        parser = getattr(robotparser, "rp", None)
        for url in getattr(parser, "sitemaps", None) or ():
            if self.scope.allows(url):
                self.crawler.engine.crawl(scrapy.Request(url, callback=self.parse))

    # ---- responses ---------------------------------------------------------------------

    def parse(self, response):
        head = response.body[:512].lstrip()
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if response.url.endswith(".gz") or head[:2] == b"\x1f\x8b":
            yield from self._parse_xml(response, gunzip(response.body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE")))
        elif head.startswith(b"<?xml") or any(r in head for r in _FEED_ROOTS + _SITEMAP_ROOTS):
            yield from self._parse_xml(response, response.body)
        elif "html" in ctype or b"<html" in head.lower() or b"<!doctype html" in head.lower():
            yield from self._parse_html(response)

    def _parse_html(self, response):
        doc = Document(response.url, response.body, headers=response.headers, status=response.status)
        # For components that archive the page's outlinks (WARC metadata records).
        response.meta["outlinks"] = [link.url for link in doc.links]
        for link in doc.links:
            if not self.scope.allows(link.url):
                continue
            if link.tag in ("a", "area"):
                yield response.follow(link.url, callback=self.parse)
            elif link.tag == "img":
                yield response.follow(link.url, callback=self.parse, priority=-1)
            elif link.tag == "link" and _follow_link_element(link):
                yield response.follow(link.url, callback=self.parse)
        record = extract_document(doc)
        if record["page_type"] == "article":
            yield self._item(response, record)

    def _parse_xml(self, response, body: bytes):
        if any(r in body[:1024] for r in _SITEMAP_ROOTS):
            for entry in Sitemap(body):
                url = entry.get("loc")
                if url and self.scope.allows(url):
                    yield scrapy.Request(url, callback=self.parse)
            return
        for url in _feed_links(body):
            url = response.urljoin(url)
            if self.scope.allows(url):
                yield scrapy.Request(url, callback=self.parse)

    def _item(self, response, record: dict) -> dict:
        fetched_at = response.meta.get("fetched_at") or datetime.now(timezone.utc).isoformat(timespec="seconds")
        return make_item(record, fetched_at, response.status, response.meta.get("warc"))


def _follow_link_element(link) -> bool:
    """<link rel=next/prev>, and rel=alternate feeds or HTML pages (not JSON APIs, oEmbed, ...)."""
    rels = link.rel.split()
    if "next" in rels or "prev" in rels:
        return True
    return "alternate" in rels and (not link.type or link.type in _FEED_TYPES or "html" in link.type)


def _feed_links(body: bytes) -> list[str]:
    """Item links of an RSS 1/2 or Atom feed."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    links = []
    for el in root.iter("{*}item", "{*}entry"):
        for link in el.iter("{*}link"):
            href = link.get("href") or (link.text or "").strip()
            if href and link.get("rel", "alternate") == "alternate":
                links.append(href)
                break
    return links
