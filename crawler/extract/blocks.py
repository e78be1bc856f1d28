"""Blocks of article text (paragraphs, headings, list items, quotes, code) and the two ways a body is
written from them: plain text, and clean HTML made only of tags we write ourselves."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(slots=True)
class Block:
    kind: str  # p, h2..h6, li, blockquote, pre
    text: str
    link_chars: int
    group: int  # blocks of one list share a group


def blocks_to_text(blocks: list[Block]) -> str:
    parts: list[str] = []
    prev: Block | None = None
    for block in blocks:
        if prev is not None and block.kind == "li" and prev.kind == "li" and block.group == prev.group:
            parts[-1] += "\n" + block.text
        else:
            parts.append(block.text)
        prev = block
    return "\n\n".join(parts)


def blocks_to_html(blocks: list[Block]) -> str:
    """Clean, safe HTML: only the tags we write ourselves, every text escaped."""
    out: list[str] = []
    open_list = None
    for block in blocks:
        if block.kind == "li":
            if open_list != block.group:
                if open_list is not None:
                    out.append("</ul>")
                out.append("<ul>")
                open_list = block.group
            out.append(f"<li>{escape(block.text)}</li>")
            continue
        if open_list is not None:
            out.append("</ul>")
            open_list = None
        text = escape(block.text).replace("\n", "<br>")
        if block.kind == "blockquote":
            out.append(f"<blockquote><p>{text}</p></blockquote>")
        elif block.kind == "pre":
            out.append(f"<pre>{escape(block.text)}</pre>")
        else:
            out.append(f"<{block.kind}>{text}</{block.kind}>")
    if open_list is not None:
        out.append("</ul>")
    return "\n".join(out)
