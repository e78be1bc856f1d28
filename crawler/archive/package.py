"""A WACZ package of a folder's WARC files, written and checked with the `wacz` package.

A WACZ is one zip file holding the WARCs, their index and a page list; ReplayWeb.page opens it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path

import wacz.main
from wacz.waczindexer import WACZIndexer

from .index import is_not_modified, warc_files

logger = logging.getLogger(__name__)


class WaczError(RuntimeError):
    pass


class _Indexer(WACZIndexer):
    """py-wacz's indexer; a server-not-modified revisit is indexed with status 200.

    ReplayWeb.page takes a 3xx status in the index for a redirect and replays the revisit's empty
    304; with 200 it loads the earlier capture the revisit refers to (WARC-Refers-To-Target-URI
    and -Date) and replays that payload at the revisit's time.
    """

    def _write_line(self, out, index, record, filename):
        if is_not_modified(record):
            index["status"] = "200"
        super()._write_line(out, index, record, filename)


@contextlib.contextmanager
def _our_indexer():
    """py-wacz builds its index with the WACZIndexer its main module names: ours, while we run it."""
    stock = wacz.main.WACZIndexer
    wacz.main.WACZIndexer = _Indexer
    try:
        yield
    finally:
        wacz.main.WACZIndexer = stock


def _run_wacz(args: list[str]) -> tuple[int, str]:
    """Run the wacz command in-process; its progress messages are returned, not printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), _our_indexer():
        try:
            code = wacz.main.main(args)
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 1
    return code or 0, out.getvalue()


def write_wacz(
    directory: str | os.PathLike,
    output: str | os.PathLike,
    title: str = "",
    description: str = "",
    pages: Path | None = None,
    extra_pages: Path | None = None,
) -> Path:
    """Package every WARC in directory into output (replaced atomically).

    pages / extra_pages: page lists (JSON Lines, json-pages-1.0) copied in as pages/pages.jsonl and
    pages/extraPages.jsonl; without them py-wacz guesses pages from Referer headers.
    """
    directory, output = Path(directory), Path(output)
    files = warc_files(directory)
    if not files:
        raise WaczError(f"no WARC files in {directory}")
    temporary = output.with_name(output.name + ".tmp.wacz")
    args = ["create", "-o", str(temporary), *map(str, files)]
    if pages is not None:
        args += ["--pages", str(pages), "--copy-pages"]
        if extra_pages is not None:
            args += ["--extra-pages", str(extra_pages)]
    else:
        args.append("--detect-pages")
    if title:
        args += ["--title", title]
    if description:
        args += ["--desc", description]
    code, messages = _run_wacz(args)
    if code != 0 or not temporary.exists():
        temporary.unlink(missing_ok=True)
        raise WaczError(f"wacz create failed ({code}): {messages.strip()[-2000:]}")
    os.replace(temporary, output)
    logger.info("Packaged %d WARC files into %s", len(files), output)
    return output


def validate_wacz(path: str | os.PathLike) -> tuple[bool, str]:
    """(valid, wacz's messages) from `wacz validate`."""
    code, messages = _run_wacz(["validate", "-f", str(path)])
    return code == 0, messages
