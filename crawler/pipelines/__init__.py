"""Item pipelines: the date window, one record per page per run, the exact record limit."""
