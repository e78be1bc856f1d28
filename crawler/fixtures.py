"""Parser fixtures: a saved response plus the record a person has checked.

A fixture is a folder:

    page.html      the response body exactly as received (still compressed if meta.json
                   lists a Content-Encoding)
    meta.json      {"url": final URL, "status": int, "headers": [[name, value], ...], ...}
    expected.json  the expected record; only the fields it lists are checked

No Scrapy here: fixtures run wherever the extraction library runs.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from crawler.content_encoding import decode_content
from crawler.extract import extract

BODY = "page.html"
META = "meta.json"
EXPECTED = "expected.json"


@dataclass
class Fixture:
    path: Path
    url: str
    status: int | None
    headers: list[tuple[str, str]]
    raw_body: bytes
    expected: dict

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def body(self) -> bytes:
        """The body with its Content-Encoding undone, as the extractor sees it in a crawl."""
        return decode_content(self.raw_body, header(self.headers, "Content-Encoding"))

    def extract(self) -> dict:
        return extract(self.url, self.body, headers=self.headers, status=self.status)


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def is_fixture(path: Path) -> bool:
    return (path / META).is_file() and (path / BODY).is_file()


def discover(paths: list[Path]) -> list[Path]:
    """Fixture folders at or under the given paths, sorted."""
    found = set()
    for path in paths:
        if is_fixture(path):
            found.add(path)
        elif path.is_dir():
            found.update(meta.parent for meta in path.rglob(META) if is_fixture(meta.parent))
    return sorted(found)


def load(path: Path) -> Fixture:
    meta = json.loads((path / META).read_text(encoding="utf-8"))
    expected_path = path / EXPECTED
    expected = json.loads(expected_path.read_text(encoding="utf-8")) if expected_path.exists() else {}
    return Fixture(
        path=path,
        url=meta["url"],
        status=meta.get("status"),
        headers=[(k, v) for k, v in meta.get("headers", [])],
        raw_body=(path / BODY).read_bytes(),
        expected=expected,
    )


def save(path: Path, url: str, status: int | None, headers: list[tuple[str, str]], raw_body: bytes, **meta) -> Fixture:
    """Write a fixture folder, with today's extraction as expected.json for a person to review."""
    path.mkdir(parents=True, exist_ok=True)
    (path / BODY).write_bytes(raw_body)
    meta_doc = {"url": url, "status": status, "headers": [list(h) for h in headers], **meta}
    (path / META).write_text(json.dumps(meta_doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    fixture = load(path)
    write_expected(path, fixture.extract())
    return load(path)


def write_expected(path: Path, record: dict) -> None:
    (path / EXPECTED).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ---- comparing ---------------------------------------------------------------------------


def _key(item) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def describe_difference(field: str, got, want) -> str:
    """A readable account of how a field differs: a line diff for text, added/removed for lists."""
    if isinstance(got, str) and isinstance(want, str) and ("\n" in got + want or len(got) + len(want) > 120):
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "expected", "extracted", lineterm="", n=1)
        return "\n".join(diff)
    if isinstance(got, list) and isinstance(want, list):
        got_keys, want_keys = [_key(i) for i in got], [_key(i) for i in want]
        lines = [f"- missing {k}" for k in want_keys if k not in got_keys]
        lines += [f"+ extra   {k}" for k in got_keys if k not in want_keys]
        if not lines:
            lines = ["  same items, different order", f"  expected {want_keys}", f"  got      {got_keys}"]
        return "\n".join(lines)
    return f"  expected {want!r}\n  got      {got!r}"


def compare(record: dict, expected: dict) -> dict[str, str]:
    """{field: description} for each expected field the record gets wrong."""
    return {
        field: describe_difference(field, record.get(field), want)
        for field, want in expected.items()
        if record.get(field) != want
    }
