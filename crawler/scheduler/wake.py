"""Waking the engine when the next host is due: Scrapy asks an idle scheduler only every 5 s."""

from __future__ import annotations

from scrapy.utils.asyncio import call_later

from crawler import compat


class EngineWake:
    """One pending call that asks the engine for the next request; a later one never delays an earlier."""

    def __init__(self):
        self.call = None
        self.at = 0.0

    def after(self, seconds: float, engine, now: float) -> None:
        """Wake engine in `seconds` (now: the caller's clock), unless a call due sooner is pending."""
        at = now + seconds
        if self.call is not None:
            if self.at <= at:
                return
            self.call.cancel()

        def wake():
            self.call = None
            compat.wake_engine(engine)

        self.call, self.at = call_later(seconds, wake), at

    def cancel(self) -> None:
        if self.call is not None:
            self.call.cancel()
            self.call = None
