"""Signals of our own, sent through Scrapy's signal manager."""

# A scheduled request and everything it led to are finished: downloaded (or failed), parsed,
# items exported, or replaced by a redirect or retry request. Arguments: request.
request_done = object()
