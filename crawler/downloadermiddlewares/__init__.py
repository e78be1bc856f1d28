"""Downloader middlewares: WARC capture, scope, exact page limits, incremental requests, fetch outcomes."""
