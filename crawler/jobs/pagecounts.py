"""Pages counted against a run's limits (all pages, per host, per pattern): in memory, or in Redis for a fleet.

A page is counted against several limits at once, or against none when one of them is used up, so
a fleet of workers never fetches more than a limit allows between them.
"""

from __future__ import annotations

from collections import Counter

import redis

# KEYS: the counts hash. ARGV: name, limit, name, limit, ... Returns {index of the first used-up limit} or {0, counts...}.
_TAKE = """
for i = 1, #ARGV, 2 do
  if (tonumber(redis.call('HGET', KEYS[1], ARGV[i])) or 0) >= tonumber(ARGV[i + 1]) then return {(i + 1) / 2} end
end
local counts = {0}
for i = 1, #ARGV, 2 do counts[#counts + 1] = redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
return counts
"""


class PageCounts:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def take(self, limits: list[tuple[str, int]]) -> tuple[int | None, list[int]]:
        """Count a page against every (name, limit): (None, the new counts), or (the index of the first
        limit already reached, []) and nothing counted."""
        for index, (name, limit) in enumerate(limits):
            if self.counts[name] >= limit:
                return index, []
        for name, _ in limits:
            self.counts[name] += 1
        return None, [self.counts[name] for name, _ in limits]


class RedisPageCounts:
    """PageCounts in a Redis hash (crawler:<job>:pages), shared by every worker; reset with the frontier."""

    def __init__(self, server: redis.Redis, key: str):
        self.server = server
        self.key = key
        self._take = server.register_script(_TAKE)

    def take(self, limits: list[tuple[str, int]]) -> tuple[int | None, list[int]]:
        if not limits:
            return None, []
        answer = self._take(keys=[self.key], args=[part for name, limit in limits for part in (name, limit)])
        if answer[0]:
            return int(answer[0]) - 1, []
        return None, [int(count) for count in answer[1:]]
