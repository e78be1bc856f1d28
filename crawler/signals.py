"""Signals of our own, sent through Scrapy's signal manager."""

# A scheduled request and everything it led to are finished: downloaded (or failed), parsed,
# items exported, or replaced by a redirect or retry request. Arguments: request.
request_done = object()

# The last WARC file of the crawl is closed. Arguments: warc_files, the paths written.
warc_files_closed = object()
