"""Which URLs a crawl finds and may fetch: scope and trap rules, sitemaps and feeds, date windows.

Pure: no Scrapy or Twisted.
"""
