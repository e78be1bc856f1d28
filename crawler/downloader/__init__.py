"""Download handlers: Scrapy's, extended to record what the WARC capture needs."""
