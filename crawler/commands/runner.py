"""Run the article spider in this process, under the project's settings, a job's and the command line's."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import SETTINGS_PRIORITIES, Settings

from crawler.jobs.paths import job_output_dir
from crawler.spiders.article import ArticleSpider
from crawler.web.redact import strip_userinfo

JOB_FILE_PRIORITY = 25  # above the project's settings (20), below the command line (40)


def project_settings(overrides: dict | None = None, job_settings: dict | None = None) -> Settings:
    """The project's settings module, then a job file's settings, then command-line overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (job_settings or {}).items():
        settings.set(key, value, priority=JOB_FILE_PRIORITY)
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    contact = settings.get("JOB_CONTACT")
    if contact and settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["project"]:
        # Site owners can tell who is crawling and how to reach them.
        settings.set("USER_AGENT", f"{settings.get('USER_AGENT')} (+{contact})", priority=JOB_FILE_PRIORITY)
    return settings


def split_credentials(urls: list[str]) -> tuple[list[str], dict, list[str]]:
    """Seeds without user:password@, and the HTTP auth settings and secrets taken out of them."""
    clean, auth, secrets = [], {}, []
    for url in urls:
        parts = urlsplit(url)
        if parts.username is not None:
            user, password = unquote(parts.username), unquote(parts.password or "")
            auth = {"HTTPAUTH_USER": user, "HTTPAUTH_PASS": password, "HTTPAUTH_DOMAIN": parts.hostname}
            secrets += [s for s in (parts.username, parts.password, user, password) if s]
        clean.append(strip_userinfo(url))
    return clean, auth, secrets


def run_crawl(start_urls: list[str], settings: Settings) -> tuple[dict, Path]:
    """Run the article spider to the end; return (stats, output folder).

    With a LOG_FILE, the file gets everything and stderr (cron's mail) only warnings and errors.
    """
    process = CrawlerProcess(settings)
    if settings.get("LOG_FILE"):
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(stderr)
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, start_urls=start_urls)
    process.start()
    return crawler.stats.get_stats(), job_output_dir(crawler.settings)
