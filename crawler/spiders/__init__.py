"""Spiders: the article spider (seeds, sitemaps, feeds, links; one record per article)."""
