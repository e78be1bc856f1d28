"""The article spider: discover pages from seeds, sitemaps, feeds and links; one record per article."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from itertools import islice
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.utils.gz import gunzip

from crawler import compat
from crawler.discovery.datewindow import DateWindow
from crawler.discovery.recent import RecentSet
from crawler.discovery.requisites import FRAME, css_requisites
from crawler.discovery.scope import Scope
from crawler.discovery.sitemaps import feed_entries, parse_when, sitemap_entries
from crawler.discovery.traps import TrapRules
from crawler.downloader import browsermode
from crawler.downloader.browsermode import PAGE, browser_wanted
from crawler.extensions.jobstate import job_state
from crawler.extensions.warc_index import enable_wacz
from crawler.jobs.paths import default_job_name, records_path
from crawler.jobs.records import make_item
from crawler.scheduler.distributed import configure
from crawler.spiders.requisites import RequisiteRequests, charset, is_stylesheet
from crawler.web.http import sniff
from crawler.web.page import Page
from crawler.web.urls import clean_url
from crawler.workers.pool import AnalysisFailed, PageAnalyser, default_workers

logger = logging.getLogger(__name__)

_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# What each of the spider's memories of recent URLs holds: the last RECENT_URLS (at most twice as
# many), fewer once they hold RECENT_URL_CHARS characters (at most twice: 20 MB, however long a site's URLs).
RECENT_URLS = 50_000
RECENT_URL_CHARS = 10_000_000


def split_urls(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [u for u in re.split(r"[\s,]+", value) if u]
    return [str(u) for u in value]


class ArticleSpider(scrapy.Spider):
    name = "article"

    def __init__(self, start_urls=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = split_urls(start_urls)
        # Sitemap and feed entries dated out of the date window, so that links to them are not followed
        # either; recent ones only (a news site's sitemaps list millions): a link to one forgotten is
        # fetched, and DateWindowPipeline judges its record by the date the page gives.
        self.out_of_window = RecentSet(RECENT_URLS, RECENT_URL_CHARS)
        # Links seen on recent pages of this run: most of a page's links are, and turning them into
        # Requests only for the frontier to drop them again is where a crawler's time goes. Recent
        # only, so that memory does not grow with the site (the frontier's seen-set is exact).
        self.seen_links = RecentSet(RECENT_URLS, RECENT_URL_CHARS)
        self.job_state = None  # the job's shared state, once the spider is open (incremental runs)
        self.requisites: RequisiteRequests | None = None  # once the spider is open, if requisites are on

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.start_urls = spider.start_urls or split_urls(settings.get("START_URLS"))
        spider.sitemap_urls = split_urls(settings.get("SITEMAP_URLS"))
        spider.feed_urls = split_urls(settings.get("FEED_URLS"))
        seeds = spider.start_urls + spider.sitemap_urls + spider.feed_urls
        if not seeds:
            raise ValueError("no start URLs: pass -a start_urls=URL[,URL...] or set START_URLS")
        hosts = split_urls(settings.get("SCOPE_HOSTS"))
        spider.scope = Scope(
            {h.lower() for h in hosts} if hosts else Scope.from_seeds(seeds).hosts,
            subdomains=settings.getbool("SCOPE_SUBDOMAINS"),
            include=settings.getlist("SCOPE_INCLUDE"),
            exclude=settings.getlist("SCOPE_EXCLUDE"),
            traps=TrapRules(
                earliest_year=settings.getint("TRAP_EARLIEST_YEAR", 1990),
                years_ahead=settings.getint("TRAP_YEARS_AHEAD", 1),
                max_chain=settings.getint("TRAP_MAX_BARREN_CHAIN", 10),
            ),
        )
        # Sitemap and feed expansion: entries read per document, sitemap documents per run.
        spider.max_sitemap_urls = settings.getint("SITEMAP_MAX_URLS", 50_000)
        spider.sitemap_files_left = settings.getint("SITEMAP_MAX_FILES", 1_000)
        spider.window = DateWindow.from_settings(settings)
        # None: no requisites; else whether other hosts may serve them (set up once stats exist).
        spider.requisites_other_hosts = (
            settings.getbool("PAGE_REQUISITES_OTHER_HOSTS") if settings.getbool("PAGE_REQUISITES_ENABLED") else None
        )
        spider.probe_sitemaps = settings.getbool("SITEMAP_PROBE")
        # Settings are still open here: name the job (and the worker) before components read them.
        if not settings.get("JOB_NAME"):
            settings.set("JOB_NAME", default_job_name(seeds), priority="spider")
        if settings.get("FRONTIER_URL"):
            configure(settings)
        if browser_wanted(settings):
            browsermode.configure(settings)
        enable_wacz(settings)
        spider.incremental = settings.getbool("INCREMENTAL_ENABLED")
        workers = settings.get("EXTRACTION_WORKERS")
        spider.analyser = PageAnalyser(
            default_workers() if workers in (None, "auto") else int(workers),
            timeout=settings.getfloat("ANALYSIS_TIMEOUT", 15.0),
            max_size=settings.getint("ANALYSIS_MAXSIZE", 0),
        )
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
        return spider

    def spider_opened(self, spider):
        compat.warn_if_unchecked()
        # Not `spider.state`: with JOBDIR, Scrapy's SpiderState extension replaces that with its own dict.
        self.job_state = job_state(self.crawler) if self.incremental else None
        if self.requisites_other_hosts is not None:
            self.requisites = RequisiteRequests(
                self.scope, self.crawler.stats, self.seen_links, self.requisites_other_hosts
            )

    def spider_closed(self, spider):
        self.analyser.close()
        self.crawler.stats.set_value("extraction/workers", self.analyser.workers)
        if self.analyser.restarts:
            self.crawler.stats.set_value("extraction/worker_restarts", self.analyser.restarts)
        if self.analyser.timeouts:
            self.crawler.stats.set_value("extraction/timeouts", self.analyser.timeouts)

    @property
    def records_path(self) -> str:
        """Where records go; the FEEDS setting refers to it as %(records_path)s."""
        return str(records_path(self.crawler.settings))

    async def start(self):
        for url in self.sitemap_urls:
            if (request := self._sitemap(url)) is not None:
                yield request
        for url in self.feed_urls:
            yield scrapy.Request(url, callback=self.parse, priority=10)
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, meta={PAGE: True})

    def robots_parsed(self, robotparser, request):
        """Sitemaps listed in robots.txt are discovery sources; without any, try /sitemap.xml."""
        parser = getattr(robotparser, "rp", None)
        sitemaps = list(getattr(parser, "sitemaps", None) or ())
        if not sitemaps and self.probe_sitemaps:
            parts = urlsplit(request.url)
            sitemaps = [f"{parts.scheme}://{parts.netloc}/sitemap.xml"]
        for url in sitemaps:
            if self.scope.host_allowed(url) and (sitemap := self._sitemap(url)) is not None:
                self.crawler.engine.crawl(sitemap)

    def _sitemap(self, url: str):
        """A request for a sitemap document, while the run's SITEMAP_MAX_FILES allow another."""
        if self.sitemap_files_left <= 0:
            self.crawler.stats.inc_value("discovery/sitemaps_over_limit")
            return None
        self.sitemap_files_left -= 1
        return scrapy.Request(url, callback=self.parse, priority=10)

    def _closing(self) -> bool:
        """The crawl is stopping (a limit, a signal, a write failure): discovery stops at once."""
        return compat.engine_closing(self.crawler.engine)

    # ---- responses ---------------------------------------------------------------------

    async def parse(self, response):
        kind = sniff(response.headers.get(b"Content-Type", b"").decode("latin-1"), response.body)
        if kind == "gzip":
            maxsize = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            try:
                body = gunzip(response.body, max_size=maxsize)
            except (OSError, ValueError) as exc:
                logger.warning("Cannot gunzip %s: %s", response.url, exc)
                return
            for request in self._parse_xml(response, body):
                yield request
        elif kind == "xml":
            for request in self._parse_xml(response, response.body):
                yield request
        elif kind == "html":
            async for output in self._parse_html(response):
                yield output

    async def _parse_html(self, response):
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs]
        page = Page(response.url, response.body, headers, response.status)
        links, requisites, record, problems = await self.analyser.analyse(page)
        for problem in problems:  # a site parser failed on a field: the record keeps the generic value
            logger.warning("Site parser on %s: %s", response.url, problem)
            self.crawler.stats.inc_value("extraction/parser_errors")
        # For components that archive the page's outlinks (WARC metadata records).
        response.meta["outlinks"] = [url for url, _, _, _ in links]
        if "playwright" not in response.flags:  # else the browser fetched (and archived) what the page needs
            for request in self._requisite_requests(requisites):
                yield request
        pages, page_links = [], []
        for url, tag, rel, type_ in links:
            if tag in ("a", "area") or (tag == "link" and _is_page_link(rel, type_)):
                page_links.append(url)
                request = self._follow(url)
                if request is not None:
                    pages.append(request)
        for request in self._unless_barren_chain(response, record["page_type"] != "article", page_links, pages):
            yield request
        response.meta["article"] = record["page_type"] == "article"
        if "extraction_error" in record:
            self.crawler.stats.inc_value("extraction/failed")
            response.meta["article"] = False
            if not response.meta.get("unchanged"):
                yield make_item(record, self._fetched_at(response), response.status, response.meta.get("warc"))
            return
        if record["page_type"] != "article":
            return
        if response.meta.get("unchanged"):  # a 304, or the same bytes as last time (VersionsPipeline counts the rest)
            self.crawler.stats.inc_value("articles/unchanged")
            return
        yield make_item(record, self._fetched_at(response), response.status, response.meta.get("warc"))

    @staticmethod
    def _fetched_at(response) -> str:
        return response.meta.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds")

    def _unless_barren_chain(self, response, listing: bool, links: list[str], requests: list):
        """The page's new page links, less those that continue a chain of listing pages bringing nothing."""
        traps = self.scope.traps
        if not listing or not requests:  # an article starts no chain; nothing new, nothing to follow
            yield from requests
            return
        digest = traps.links_digest(response.url, links)
        chain = traps.child_chain(response.meta.get("trap_chain", 0), listing, digest, response.meta.get("trap_links"))
        for request in requests:
            if traps.same_family(request.url, response.url):
                if traps.too_long(chain):
                    self.crawler.stats.inc_value("scope/rejected/barren-chain")
                    continue
                request.meta["trap_chain"], request.meta["trap_links"] = chain, digest
            yield request

    def _follow(self, url: str, priority: int = 0, when: datetime | None = None):
        if when is None and url in self.seen_links:
            return None
        raw, url = url, clean_url(url)
        if when is None:
            self.seen_links.add(raw)
            if url != raw and url in self.seen_links:
                return None
        reason = self.scope.rejection(url)
        if reason:
            self.crawler.stats.inc_value(f"scope/rejected/{reason}")
            return None
        if url in self.out_of_window:
            return None
        if when is not None and not self.window.contains(when):
            self.out_of_window.add(url)
            self.crawler.stats.inc_value("discovery/skipped_date_window")
            return None
        if when is not None and self._unchanged_since(url, when):
            self.crawler.stats.inc_value("discovery/skipped_unchanged")
            return None
        self.seen_links.add(url)
        return scrapy.Request(url, callback=self.parse, priority=priority, meta={PAGE: True})

    def _unchanged_since(self, url: str, when: datetime) -> bool:
        """A sitemap lastmod no newer than our last capture: no need to ask again."""
        if self.job_state is None:
            return False
        capture = self.job_state.capture(url)
        fetched = parse_when(capture.fetched_at) if capture else None
        return fetched is not None and when <= fetched

    # ---- page requisites (PAGE_REQUISITES_ENABLED) -------------------------------------------

    def _requisite_requests(self, pairs):
        if self.requisites is None:
            return ()
        return self.requisites.requests(pairs, self.parse_requisite, self.requisite_failed)

    async def parse_requisite(self, response):
        """A requisite is archived; a stylesheet's url()s and @imports, and a frame's requisites, follow."""
        self.requisites.archived(response)
        if is_stylesheet(response):
            try:
                pairs = await self.analyser.call(css_requisites, response.body, response.url, charset(response))
            except AnalysisFailed as exc:
                logger.warning("Could not read the stylesheet %s: %s", response.url, exc)
                return
        elif (
            response.meta.get("requisite") == FRAME
            and sniff(response.headers.get(b"Content-Type", b"").decode("latin-1"), response.body) == "html"
        ):
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs]
            _, pairs, _, _ = await self.analyser.analyse(Page(response.url, response.body, headers, response.status))
        else:
            return
        for request in self._requisite_requests(pairs):
            yield request

    def requisite_failed(self, failure):
        self.requisites.failed(failure)

    def _parse_xml(self, response, body: bytes):
        kind, entries = sitemap_entries(body, response.url)
        if not kind:
            entries = iter(feed_entries(body, response.url))
        count, what = 0, "sitemap" if kind else "feed"
        for entry in islice(entries, self.max_sitemap_urls):
            if self._closing():
                return
            count += 1
            if kind == "sitemapindex":
                if self.scope.host_allowed(entry.url) and (sitemap := self._sitemap(entry.url)) is not None:
                    yield sitemap
                continue
            request = self._follow(entry.url, priority=5, when=entry.when)
            if request is not None:
                yield request
        if next(entries, None) is not None:
            self.crawler.stats.inc_value(f"discovery/{what}_over_limit")
            logger.warning(
                "%s lists more than %d entries (SITEMAP_MAX_URLS); the rest is not read", response.url, count
            )
        if kind != "sitemapindex":
            self.crawler.stats.inc_value(f"discovery/{what}_urls", count)


def _is_page_link(rel: str, type_: str) -> bool:
    """<link rel=next/prev>, and rel=alternate feeds or HTML pages (not JSON APIs, oEmbed, AMP)."""
    rels = rel.split()
    if "next" in rels or "prev" in rels:
        return True
    return "alternate" in rels and (not type_ or type_ in _FEED_TYPES or "html" in type_)
