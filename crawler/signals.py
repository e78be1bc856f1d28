"""Signals of our own, sent through Scrapy's signal manager."""

# A scheduled request and everything it led to are finished: downloaded (or failed), parsed,
# items exported, or replaced by a redirect or retry request. Arguments: request.
request_done = object()

# The last WARC file of the crawl is closed. Arguments: warc_files, the paths written.
warc_files_closed = object()

# A write to the job's output (records, WARC files, the frontier, the job state) failed: the crawl
# must stop, commit nothing more, and exit with code 1. Arguments: what (a path or a name), error.
write_failed = object()

# Make what is written so far durable (fsync); sent every CHECKPOINT_INTERVAL seconds before the
# requests finished since the last checkpoint are committed (request_done). A handler that raises
# counts as a write failure. No arguments.
checkpoint = object()
