"""Page analysis in worker processes: parse a page once, return its links, its requisites and its record.

The crawl's process spends its time in Scrapy's engine; parsing and extraction are pure CPU work,
so they run in worker processes (the other cores) and the engine keeps downloading meanwhile.
Workers import only the extraction library.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from crawler.discovery.requisites import html_requisites
from crawler.web.page import Page

from . import extract_document
from .document import Document

logger = logging.getLogger(__name__)

# (url, tag, rel, type) per link, in document order.
LinkTuple = tuple[str, str, str, str]
# (url, kind) per page requisite (crawler.discovery.requisites), in document order.
RequisiteTuple = tuple[str, str]
# links, requisites, record, and what site parsers got wrong on the page
Analysis = tuple[list[LinkTuple], list[RequisiteTuple], dict, list[str]]


def analyse(page: Page) -> Analysis:
    """Links and requisites first (the body extractor prunes the tree), then the record, from one parse."""
    doc = Document(page)
    links = [(link.url, link.tag, link.rel, link.type) for link in doc.links]
    requisites = html_requisites(doc.root, doc.base_url)
    return links, requisites, extract_document(doc), doc.problems


def default_workers() -> int:
    """One process per core beyond the one running the engine."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class PageAnalyser:
    """Runs analyse() in `workers` processes, or in this process when workers is 0."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.restarts = 0
        if workers:
            self._start()

    def _start(self) -> None:
        # spawn: a fork of a process running Twisted, asyncio and threads is not safe.
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(self.workers):  # pay the workers' start-up now, not on the first pages
            self.pool.submit(int)

    async def analyse(self, page: Page) -> Analysis:
        return await self.call(analyse, page, about=page.url)

    async def call(self, function, *args, about: str = ""):
        """function(*args) in a worker (a pure, module-level function: its arguments are pickled)."""
        if self.pool is None:
            return function(*args)
        try:
            return await asyncio.wrap_future(self.pool.submit(function, *args))
        except BrokenProcessPool:
            # A worker died (killed, or crashed in native code on this page): this page is analysed
            # here, and a new pool serves the next ones.
            self.restarts += 1
            logger.warning("A page-analysis worker died while on %s; restarting the pool", about)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self._start()
            return function(*args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
