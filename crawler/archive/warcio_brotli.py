"""Let warcio decode Content-Encoding: br with Google's brotli package.

warcio's br support expects brotlipy's API (Decompressor.decompress and a settable unused_data,
webrecorder/warcio#73); Scrapy needs Google's brotli, which installs the same `brotli` module name
and has Decompressor.process instead. Without this, warcio's content_stream() -- and so
`warcio check` -- fails on any br-encoded response, although its digests are fine.
"""

from __future__ import annotations

import sys

from warcio.bufferedreaders import BufferedReader
from warcio.cli import main as warcio_main

try:
    import brotli
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None


class BrotliDecompressor:
    """brotlipy's Decompressor interface, as warcio uses it, over Google's brotli."""

    unused_data = None

    def __init__(self):
        self._decompressor = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        return self._decompressor.process(data)

    def flush(self) -> bytes:
        return b""


def install() -> None:
    """Use BrotliDecompressor for warcio's br decoding when the installed brotli is Google's."""
    if brotli is not None and hasattr(brotli.Decompressor, "process"):
        BufferedReader.DECOMPRESSORS["br"] = BrotliDecompressor


def main(argv: list[str] | None = None) -> int:
    """`warcio` with br decoding that works: python -m crawler.archive.warcio_brotli check FILE..."""
    install()
    return warcio_main(argv)


if __name__ == "__main__":
    sys.exit(main())
