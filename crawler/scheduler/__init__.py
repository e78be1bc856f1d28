"""Scrapy schedulers: the crash-safe SQLite frontier (local.py), the shared Redis one (distributed.py),
and the canonical request fingerprints both use."""
