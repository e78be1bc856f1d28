"""AutoThrottle whose learnt delay is a host's, shared by every worker of a job."""

from __future__ import annotations

from crawler import compat
from crawler.web.urls import netloc_key

from .politeness import politeness


class _HostDelay:
    """What AutoThrottle takes for a slot: the host's learnt delay in the shared politeness state."""

    def __init__(self, store, host: str, start: float, transferring):
        self.store, self.host, self.start = store, host, start
        self.transferring = transferring  # the downloader slot's, for AUTOTHROTTLE_DEBUG lines

    @property
    def delay(self) -> float:
        learnt = self.store.learnt_delay(self.host)
        return self.start if learnt is None else learnt

    @delay.setter
    def delay(self, seconds: float) -> None:
        self.store.set_learnt_delay(self.host, seconds)


class SharedAutoThrottle(compat.DelayThrottle):
    """Scrapy's AutoThrottle (AUTOTHROTTLE_* settings, the same policy), learning one delay per host:port
    that every worker reads and adjusts; the politeness middleware applies it.

    With several workers, each response adjusts the host's delay as the only worker's would; two
    adjustments at the same moment keep one of them.
    """

    def delay_slot(self, request):
        shared = politeness(self.crawler)
        if shared.rules.start_delay is None:
            return None, None
        host = netloc_key(request.url)
        return host, _HostDelay(shared.store, host, shared.rules.start_delay, self._transferring(request))

    def _transferring(self, request):
        try:
            slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot"))
        except RuntimeError:  # no engine: a component on its own
            return ()
        return slot.transferring if slot is not None else ()
