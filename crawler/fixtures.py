"""Parser fixtures: a saved response plus the record a person has checked.

A fixture is a folder:

    page.html      the response body exactly as received (still compressed if meta.json
                   lists a Content-Encoding)
    meta.json      {"url": final URL, "status": int, "headers": [[name, value], ...]}, the
                   headers as the server sent them (names, order and repeats kept)
    expected.json  the expected record; only the fields it lists are checked

`crawler fixture save` writes them, `crawler fixture check` and the pytest plugin
(crawler/pytest_plugin.py) compare today's extraction with expected.json.
No Scrapy here: fixtures run wherever the extraction library runs.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawler.content_encoding import decode_content
from crawler.extract import extract

BODY = "page.html"
META = "meta.json"
EXPECTED = "expected.json"
FILES = (BODY, META, EXPECTED)


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
    if not isinstance(expected, dict):
        raise ValueError(f"{expected_path}: expected a JSON object of field: value, got {type(expected).__name__}")
    return Fixture(
        path=path,
        url=meta["url"],
        status=meta.get("status"),
        headers=[(k, v) for k, v in meta.get("headers", [])],
        raw_body=(path / BODY).read_bytes(),
        expected=expected,
    )


def default_name(url: str) -> str:
    """A folder name from a URL: host and path, lower case, words joined by '-'."""
    parts = urlsplit(url)
    text = f"{parts.hostname or ''}{parts.path}{'-' + parts.query if parts.query else ''}"
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")[:100] or "page"


def save(path: Path, url: str, status: int | None, headers: list[tuple[str, str]], raw_body: bytes,
         force: bool = False) -> Fixture:
    """Write a fixture folder, with today's extraction as expected.json for a person to review.

    An existing fixture is only replaced with force=True; other files in the folder are left alone.
    """
    if not force and any((path / name).exists() for name in FILES):
        raise FileExistsError(f"{path} already holds a fixture")
    path.mkdir(parents=True, exist_ok=True)
    (path / BODY).write_bytes(raw_body)
    (path / META).write_text(_meta_json(url, status, headers), encoding="utf-8")
    (path / EXPECTED).unlink(missing_ok=True)
    fixture = load(path)
    write_expected(path, fixture.extract())
    return load(path)


def write_expected(path: Path, record: dict) -> None:
    _write_json(path / EXPECTED, record)


def _meta_json(url: str, status: int | None, headers: list[tuple[str, str]]) -> str:
    """meta.json with one header per line, easy to read and to diff."""
    head = json.dumps({"url": url, "status": status}, ensure_ascii=False, indent=2)[:-2]  # open at the end
    rows = ",\n".join("    " + json.dumps([name, value], ensure_ascii=False) for name, value in headers)
    return f'{head},\n  "headers": [\n{rows}\n  ]\n}}\n' if headers else f'{head},\n  "headers": []\n}}\n'


def _write_json(path: Path, doc) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def updated_expected(expected: dict, record: dict) -> dict:
    """expected.json after accepting today's record: listed fields take the extracted values.

    Fields expected.json does not list stay unchecked (a person chose them); an empty
    expected.json gets the whole record, like a freshly saved fixture. Names that are not fields
    of the record are kept, so the person sees them again.
    """
    if not expected:
        return dict(record)
    return {field: record[field] if field in record else want for field, want in expected.items()}


# ---- comparing ---------------------------------------------------------------------------

_WORDS_CONTEXT = 6  # words shown either side of a change in a one-line text diff
_SIMILAR = 0.5  # texts less alike than this are shown whole, not as a word diff


def _key(item) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def _word_diff(want: str, got: str) -> str:
    """One-line texts: the changed words as [-removed-]{+added+}, with a few words of context."""
    old, new = want.split(" "), got.split(" ")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < _SIMILAR:  # unrelated texts: a word diff would be noise
        return f"  expected {want!r}\n  got      {got!r}"
    pieces = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            words = old[i1:i2]
            if len(words) > 2 * _WORDS_CONTEXT:
                head = words[:_WORDS_CONTEXT] if pieces else []
                tail = words[-_WORDS_CONTEXT:] if i2 < len(old) or j2 < len(new) else []
                words = head + ["…"] + tail
            pieces.append(" ".join(words))
            continue
        if i2 > i1:
            pieces.append("[-" + " ".join(old[i1:i2]) + "-]")
        if j2 > j1:
            pieces.append("{+" + " ".join(new[j1:j2]) + "+}")
    return "  " + " ".join(p for p in pieces if p)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


def _paragraph_diff(want: str, got: str) -> str:
    """Multi-line texts: changed paragraphs as word diffs, removed ones with -, added ones with +."""
    old = [line for line in want.splitlines() if line.strip()]
    new = [line for line in got.splitlines() if line.strip()]
    if old == new:
        return f"  same paragraphs, different spacing\n  expected {_clip(want)!r}\n  got      {_clip(got)!r}"
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = 0
        while (op == "replace" and pairs < min(i2 - i1, j2 - j1)
               and difflib.SequenceMatcher(None, old[i1 + pairs], new[j1 + pairs]).ratio() >= _SIMILAR):
            pairs += 1  # paragraphs edited in place; the rest were removed or added
        out += [f"~ paragraph {i1 + k + 1}: {_word_diff(old[i1 + k], new[j1 + k]).strip()}" for k in range(pairs)]
        out += [f"- paragraph {i + 1}: {_clip(old[i])}" for i in range(i1 + pairs, i2)]
        out += [f"+ paragraph {j + 1}: {_clip(new[j])}" for j in range(j1 + pairs, j2)]
    return "\n".join(out)


def describe_difference(field: str, got, want) -> str:
    """A readable account of how a field differs.

    Multi-line text: per paragraph, changed words as [-removed-]{+added+}, and paragraphs missing
    (-) or extra (+). Long one-line text: the changed words. Lists: the items missing and the
    items extra (or, when only the order differs, both orders). Anything else: both values.
    """
    if isinstance(got, str) and isinstance(want, str):
        if "\n" in got + want:
            return _paragraph_diff(want, got)
        if len(got) + len(want) > 120:
            return _word_diff(want, got)
    if isinstance(got, list) and isinstance(want, list):
        got_keys, want_keys = Counter(_key(i) for i in got), Counter(_key(i) for i in want)
        lines = [f"- missing {k}" for k in (want_keys - got_keys).elements()]
        lines += [f"+ extra   {k}" for k in (got_keys - want_keys).elements()]
        if not lines:
            lines = ["  same items, different order",
                     f"  expected {[_key(i) for i in want]}", f"  got      {[_key(i) for i in got]}"]
        return "\n".join(lines)
    return f"  expected {want!r}\n  got      {got!r}"


def compare(record: dict, expected: dict) -> dict[str, str]:
    """{field: description} for each expected field the record gets wrong."""
    differences = {}
    for field, want in expected.items():
        if field not in record:
            known = ", ".join(record)
            differences[field] = (f"  {field!r} is not a field of the extraction output; fix its name or remove it "
                                  f"from expected.json (fields: {known})")
        elif record[field] != want:
            differences[field] = describe_difference(field, record[field], want)
    return differences
