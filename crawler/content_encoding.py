"""Undo HTTP Content-Encoding. No Scrapy here: the extraction side and the archive side share it."""

from __future__ import annotations

import gzip
import zlib


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """Undo Content-Encoding (gzip, deflate, br, zstd; several in order)."""
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br":
            import brotli

            body = brotli.decompress(body)
        elif coding == "zstd":
            try:
                from compression import zstd
            except ImportError:
                from backports import zstd
            body = zstd.decompress(body)
        elif coding != "identity":
            raise ValueError(f"unknown Content-Encoding {coding!r}")
    return body
