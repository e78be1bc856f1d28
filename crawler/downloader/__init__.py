"""Download handlers: Scrapy's, extended to record what the WARC capture needs; browser mode's handler, its
DevTools recorder and the behaviours run on a page before capture."""
