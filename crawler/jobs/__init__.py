"""A job across its runs: job files, output paths, the job state, the frontier, records, a run's end.

Pure: no Scrapy or Twisted.
"""
