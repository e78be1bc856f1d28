"""The shared vocabulary of every layer: a page as received, HTTP helpers, URL rules, redaction.

Pure: no Scrapy or Twisted. Everything else in crawler/ may import it; it imports nothing of ours
but itself.
"""
