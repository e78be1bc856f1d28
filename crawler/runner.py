"""Run the article spider in this process with the project's settings."""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2


def project_settings(overrides: dict | None = None):
    """The project's settings module, then overrides at Scrapy's 'cmdline' priority."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(start_urls: list[str], settings) -> tuple[dict, Path]:
    """Run the article spider to the end; return (stats, output folder)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.job import job_output_dir
    from crawler.spiders.article import ArticleSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, start_urls=start_urls)
    process.start()
    return crawler.stats.get_stats(), job_output_dir(crawler.settings)


def finish(stats: dict, output_dir: Path, job: str) -> int:
    """Write stats.json, print the summary, return the exit code."""
    from crawler.summary import render, write_stats

    write_stats(stats, output_dir)
    print(render(stats, output_dir, job), flush=True)
    return EXIT_OK if stats.get("finish_reason") == "finished" else EXIT_CRAWL_FAILED
