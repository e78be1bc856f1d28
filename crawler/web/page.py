"""One HTTP response as received: the page every layer passes around.

The crawl builds it from a Scrapy response, a fixture from its folder, the WARC reader from a
record; extraction, the analysis workers and the WARC writer take it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .charset import decode_html
from .http import decode_content, header


@dataclass(frozen=True, eq=False)
class Page:
    url: str
    body: bytes = b""  # as received: still Content-Encoded when the headers say so
    headers: tuple[tuple[str, str], ...] = ()  # as received: names, order and repeats kept
    status: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.body, bytes):
            raise TypeError(f"Page.body must be bytes, not {type(self.body).__name__}")
        object.__setattr__(self, "headers", tuple((str(k), str(v)) for k, v in self.headers))

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @cached_property
    def content(self) -> bytes:
        """The body with its Content-Encoding undone (ValueError, OSError or EOFError if that fails)."""
        return decode_content(self.body, self.header("Content-Encoding"))

    @cached_property
    def _decoded(self) -> tuple[str, str]:
        return decode_html(self.content, self.header("Content-Type"))

    @property
    def text(self) -> str:
        """The content as text, in the encoding a browser would choose."""
        return self._decoded[0]

    @property
    def encoding(self) -> str:
        return self._decoded[1]
