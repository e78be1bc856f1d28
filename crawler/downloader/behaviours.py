"""What happens to a browser page between navigation and capture, each step bounded in time.

PageCapture is one page's: it attaches the DevTools recorder before navigation
(scrapy-playwright's page init callback) and, once the page has loaded (a PageMethod, so before
scrapy-playwright reads the rendered DOM), waits for the network to go quiet, scrolls to the end
so lazy images and appended content arrive, removes cookie and consent overlays from the
rendered copy, takes a screenshot and stops recording. Overlays are removed from the DOM only: the
archived responses are the bytes the server sent, whatever the rendered copy shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError

from .devtools import RECORDERS, DevToolsRecorder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Behaviours:
    """Per-job switches and bounds (seconds; 0 turns a step off)."""

    network_idle: float = 10.0  # wait for no request in flight for QUIET seconds, at most this long
    scroll: float = 10.0  # scroll down to the end of the page, at most this long
    close_banners: bool = True
    screenshot: bool = True
    settle: float = 5.0  # bodies still being read out of the browser at capture time


QUIET = 0.5  # seconds without a request in flight that count as network idle
SCROLL_QUIET = 0.1  # ... after each scroll step, once its lazy loaders have run

# Elements that cover a page and speak of cookies or consent: fixed or sticky, or a modal dialog.
_REMOVE_OVERLAYS = """() => {
  const named = /cookie|consent|gdpr|cmp-|onetrust|didomi|usercentrics|quantcast|truste|privacy-banner/i;
  const spoken = /\\b(cookies?|consent|gdpr)\\b/i;
  let removed = 0;
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    if (!el.isConnected) continue;
    const style = getComputedStyle(el);
    const covering = style.position === 'fixed' || style.position === 'sticky' ||
      (el.getAttribute('role') === 'dialog' && el.getAttribute('aria-modal') === 'true');
    if (!covering) continue;
    const label = [el.id, typeof el.className === 'string' ? el.className : '', el.getAttribute('aria-label') || ''].join(' ');
    const text = (el.innerText || '').slice(0, 3000);
    if (named.test(label) || (spoken.test(text) && text.length < 3000)) { el.remove(); removed++; }
  }
  if (removed) {
    for (const el of [document.documentElement, document.body]) {
      if (el && getComputedStyle(el).overflow === 'hidden') el.style.setProperty('overflow', 'visible', 'important');
    }
  }
  return removed;
}"""

# One screen down, then two animation frames: intersection observers (lazy loaders) run in the
# rendering update, so their requests have started when this returns.
_SCROLL_STEP = """async () => {
  window.scrollBy(0, Math.max(window.innerHeight, 200));
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const root = document.scrollingElement || document.documentElement;
  return [Math.ceil(window.scrollY + window.innerHeight), root.scrollHeight];
}"""


class CaptureError(RuntimeError):
    """The page could not be recorded (the DevTools session did not attach)."""


@dataclass
class PageCapture:
    recorder: DevToolsRecorder
    behaviours: Behaviours = field(default_factory=Behaviours)
    page: object = None  # the Playwright page, once created
    screenshot: bytes | None = None
    crash: asyncio.Event = field(default_factory=asyncio.Event)  # set when the renderer crashes
    outcomes: dict[str, int] = field(default_factory=dict)  # stats: what the behaviours did

    async def attach(self, page, request=None) -> None:
        """scrapy-playwright's playwright_page_init_callback."""
        self.page = page
        page.on("crash", self._crash)
        await self.recorder.attach(page)
        RECORDERS[page] = self.recorder

    @property
    def crashed(self) -> bool:
        return self.crash.is_set()

    def _crash(self, *args) -> None:
        self.crash.set()

    def _count(self, name: str, value: int = 1) -> None:
        self.outcomes[name] = self.outcomes.get(name, 0) + value

    async def before_capture(self, page) -> None:
        """A PageMethod: make the page complete, then stop recording."""
        if self.recorder.session is None:
            raise CaptureError(f"no DevTools session for {page.url}: its exchanges cannot be archived")
        settings = self.behaviours
        started = time.monotonic()
        if settings.network_idle and not await self.recorder.quiet(QUIET, settings.network_idle):
            self._count("network_idle_timeouts")
        loaded = time.monotonic()
        if settings.scroll:
            steps = await self._scroll(page, settings.scroll)
            self._count("scroll_steps", steps)
            if settings.network_idle and not await self.recorder.quiet(QUIET, min(settings.network_idle, 5.0)):
                self._count("network_idle_timeouts")
        scrolled = time.monotonic()
        if settings.close_banners:
            removed = await _bounded(page.evaluate(_REMOVE_OVERLAYS), 2.0)
            if removed:
                self._count("overlays_removed", removed)
        if settings.screenshot:
            with contextlib.suppress(PlaywrightError, TimeoutError):
                self.screenshot = await page.screenshot(type="png", timeout=10_000, animations="disabled")
        shot = time.monotonic()
        await self.recorder.settle(settings.settle)
        logger.debug(
            "Behaviours on %s: network idle %.2f s, scroll %.2f s, banners and screenshot %.2f s, settle %.2f s",
            page.url,
            loaded - started,
            scrolled - loaded,
            shot - scrolled,
            time.monotonic() - shot,
        )

    async def _scroll(self, page, budget: float) -> int:
        """Scroll a screen at a time until the end stops moving away, or the budget is spent."""
        deadline = time.monotonic() + budget
        steps, last_height, still = 0, -1, 0
        while time.monotonic() < deadline:
            position = await _bounded(page.evaluate(_SCROLL_STEP), max(deadline - time.monotonic(), 0.1))
            if not position:
                break
            steps += 1
            bottom, height = position
            await self.recorder.quiet(SCROLL_QUIET, min(2.0, max(deadline - time.monotonic(), 0.0)))
            if bottom >= height:
                still = still + 1 if height == last_height else 0
                if still >= 1:  # at the end, and nothing more arrived
                    break
            last_height = height
        else:
            self._count("scroll_timeouts")
        await _bounded(page.evaluate("() => window.scrollTo(0, 0)"), 1.0)
        return steps

    async def close_page(self) -> None:
        """Close the page (a page timeout); scrapy-playwright releases its slot on close."""
        await self.recorder.detach()
        if self.page is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.page.close(), 10)


async def _bounded(awaitable, timeout: float):
    """The awaitable's result, or None if it takes longer than timeout or the page script fails."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        return None
    except PlaywrightError as exc:
        if "crash" in str(exc).lower() or "closed" in str(exc).lower():
            raise
        logger.debug("Page script failed: %s", exc)
        return None
