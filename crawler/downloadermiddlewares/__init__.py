"""Downloader middlewares: WARC capture, browser capture, scope, exact page limits, incremental requests, fetch outcomes."""
