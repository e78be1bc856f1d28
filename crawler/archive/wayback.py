"""pywb's `wayback` replay server, able to decode br-encoded pages.

pywb decodes bodies through warcio, whose br decoder needs brotlipy (see warcio_brotli.py); with
Google's brotli, which Scrapy needs, br pages fail in pywb's rewritten modes. This runs the same
`wayback` command with warcio's br decoding fixed: python -m crawler.archive.wayback -p 8080
"""

from __future__ import annotations

import sys

from .warcio_brotli import install


def main() -> int:
    # Imported here, not above: gevent must patch the standard library before pywb is imported (as
    # pywb's own entry point does), and pywb is optional (make test installs it).
    from gevent.monkey import patch_all

    patch_all()
    from pywb.apps.cli import wayback

    install()
    sys.argv[0] = "wayback"
    return wayback() or 0


if __name__ == "__main__":
    sys.exit(main())
