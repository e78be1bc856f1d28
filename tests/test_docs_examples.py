"""The worked examples of docs/testing-parsers.md, run as printed: each profile gives its expected fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.extract import Page, extract, profiles

DOC = Path(__file__).resolve().parent.parent / "docs" / "testing-parsers.md"
_BLOCK = re.compile(r"<!-- example: (\w+) ?([^>]*?) -->\n```\w*\n(.*?)```", re.S)


def examples() -> tuple[tuple[str, bytes], list[tuple[str, str, dict]], list[tuple[list[str], str]]]:
    """The page (url, html), (file name, profile text, expected fields) for each profile example, and
    (fields, printed text) for each `crawler parse --explain` example."""
    page, found, explained, pending = None, [], [], None
    for kind, argument, text in _BLOCK.findall(DOC.read_text(encoding="utf-8")):
        if kind == "page":
            page = (argument, text.encode("utf-8"))
        elif kind == "profile":
            pending = (argument, text)
        elif kind == "expected" and pending:
            found.append((*pending, json.loads(text)))
            pending = None
        elif kind == "explain":
            explained.append((argument.split(), text))
    assert page is not None and len(found) == 3 and explained, "docs/testing-parsers.md lost its examples"
    return page, found, explained


PAGE, EXAMPLES, EXPLAINED = examples()


@pytest.mark.parametrize("name, profile, expected", EXAMPLES, ids=["toml-xpath", "toml-css", "python"])
def test_the_documented_profile_gives_the_documented_fields(tmp_path, monkeypatch, name, profile, expected):
    url, html = PAGE
    generic = extract(Page(url, html))
    assert all(generic[field] != value for field, value in expected.items())  # the example fixes something
    (tmp_path / name).write_text(profile, encoding="utf-8")
    monkeypatch.setenv("CRAWLER_PROFILES", str(tmp_path))
    profiles.registry.cache_clear()
    try:
        record = extract(Page(url, html))
    finally:
        profiles.registry.cache_clear()
    assert {field: record[field] for field in expected} == expected


@pytest.mark.parametrize("fields, printed", EXPLAINED)
def test_the_documented_explanation_is_what_parse_explain_prints(tmp_path, capsys, fields, printed):
    url, html = PAGE
    (tmp_path / "page.html").write_bytes(html)
    assert main(["parse", "--explain", str(tmp_path / "page.html"), "--url", url]) == 0
    blocks = {}  # field -> its block of the output
    for block in capsys.readouterr().out.split("\n"):
        if not block.startswith(" "):
            name = block.split(" = ", 1)[0]
            blocks[name] = []
        blocks[name].append(block)
    assert "\n".join(line for name in fields for line in blocks[name]) + "\n" == printed
