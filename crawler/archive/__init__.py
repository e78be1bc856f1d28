"""WARC files: writing (rolling, dedup, verbatim heads), crash repair, reading back, CDXJ and WACZ.

Pure: no Scrapy or Twisted; warcio, cdxj-indexer and wacz underneath.
"""
