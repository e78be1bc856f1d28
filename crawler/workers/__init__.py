"""Pure tasks in worker processes, each within a time budget, the pool dying with its parent.

Pure: no Scrapy or Twisted. It imports `web` only; tasks are named by their dotted paths, so the
pool's own process need not import what its workers run.
"""
