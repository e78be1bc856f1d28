"""Extensions: the shared job state, request completion, Crawl-delay, progress, WARC metadata and index, feed storage."""
