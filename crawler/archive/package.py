"""A WACZ package of a folder's WARC files, written and checked with the `wacz` package.

A WACZ is one zip file holding the WARCs, their index and a page list; ReplayWeb.page opens it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path

from wacz.main import main as wacz_main

from .index import warc_files

logger = logging.getLogger(__name__)


class WaczError(RuntimeError):
    pass


def _run_wacz(args: list[str]) -> tuple[int, str]:
    """Run the wacz command in-process; its progress messages are returned, not printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = wacz_main(args)
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 1
    return code or 0, out.getvalue()


def write_wacz(directory: str | os.PathLike, output: str | os.PathLike, title: str = "", description: str = "") -> Path:
    """Package every WARC in directory into output (replaced atomically); pages are the HTML responses."""
    directory, output = Path(directory), Path(output)
    files = warc_files(directory)
    if not files:
        raise WaczError(f"no WARC files in {directory}")
    temporary = output.with_name(output.name + ".tmp.wacz")
    args = ["create", "-o", str(temporary), "--detect-pages", *map(str, files)]
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
