"""Per-site profiles: a small TOML file per host with XPath selectors per field.

A profile only overrides fields its selectors find; everything else keeps the generic result, and
pages of hosts without a profile never need one. Profiles ship in this folder; more folders can be
named in the CRAWLER_PROFILES environment variable (os.pathsep-separated). A broken profile fails
loudly when loaded, not silently on every page.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from ..authors import clean_names
from ..body import extract_body_at
from ..breadcrumb import finish_trail, trail_tokens
from ..dates import parse_date
from ..document import Document
from ..related import links_in
from ..text import squash, text_of

# Field -> how its selectors' results become a value.
TEXT_FIELDS = ("title", "description", "site_name", "language")
LIST_FIELDS = ("authors", "tags", "categories")
DATE_FIELDS = ("published", "modified")
URL_FIELDS = ("canonical_url", "image")
BLOCK_FIELDS = ("body", "breadcrumb", "related")
KNOWN = set(TEXT_FIELDS + LIST_FIELDS + DATE_FIELDS + URL_FIELDS + BLOCK_FIELDS + ("body_remove",))
HERE = Path(__file__).resolve().parent


@dataclass
class Profile:
    name: str
    hosts: tuple[str, ...]
    selectors: dict[str, list[etree.XPath]] = field(default_factory=dict)

    def first(self, doc_root, name: str) -> list:
        """Results of the first selector of a field that finds anything."""
        for xpath in self.selectors.get(name, ()):
            try:
                found = xpath(doc_root)
            except etree.XPathError:
                continue
            if isinstance(found, list):
                found = [f for f in found if not isinstance(f, str) or f.strip()]
                if found:
                    return found
            elif found:
                return [found]
        return []


def _compile(path: Path, data: dict) -> Profile:
    hosts = data.get("hosts")
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise ValueError(f"{path}: 'hosts' must be a non-empty list of host names")
    fields = data.get("fields", {})
    unknown = set(fields) - KNOWN
    if unknown:
        raise ValueError(f"{path}: unknown fields {sorted(unknown)}; known: {sorted(KNOWN)}")
    selectors = {}
    for name, value in fields.items():
        value = [value] if isinstance(value, str) else value
        try:
            selectors[name] = [etree.XPath(expr) for expr in value]
        except etree.XPathSyntaxError as exc:
            raise ValueError(f"{path}: field {name!r}: bad XPath: {exc}") from None
    return Profile(path.stem, tuple(h.lower().strip() for h in hosts), selectors)


def load(path: Path) -> Profile:
    with path.open("rb") as handle:
        return _compile(path, tomllib.load(handle))


def _directories() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("CRAWLER_PROFILES", "").split(os.pathsep) if p]
    return [HERE, *extra]


@lru_cache(maxsize=1)
def registry() -> dict[str, Profile]:
    """Profiles by host, from every profile folder (later folders win)."""
    by_host: dict[str, Profile] = {}
    for directory in _directories():
        for path in sorted(directory.glob("*.toml")):
            profile = load(path)
            for host in profile.hosts:
                by_host[host] = profile
    return by_host


def for_url(url: str) -> Profile | None:
    host = (urlsplit(url).hostname or "").lower()
    profiles = registry()
    while host:
        if host in profiles:
            return profiles[host]
        host = host.partition(".")[2]  # blog.example.org falls back to example.org
    return None


# ---- applying a profile ------------------------------------------------------------------------


def _string(value) -> str:
    return squash(value if isinstance(value, str) else text_of(value))


def apply(profile: Profile, doc: Document, record: dict) -> dict:
    """The fields this profile finds on the page, ready to override the generic record."""
    root = doc.root
    out: dict = {}
    for name in TEXT_FIELDS:
        values = [_string(v) for v in profile.first(root, name)]
        if values and values[0]:
            out[name] = values[0]
    for name in LIST_FIELDS:
        values = [_string(v) for v in profile.first(root, name)]
        if name == "authors":
            values = [n for v in values for n in clean_names(v)]
        values = list(dict.fromkeys(v for v in values if v))
        if values:
            out[name] = values
    for name in DATE_FIELDS:
        for value in profile.first(root, name):
            parsed = parse_date(_string(value))
            if parsed:
                out[name] = parsed
                break
    for name in URL_FIELDS:
        for value in profile.first(root, name):
            url = doc.absolute(
                _string(value)
                if isinstance(value, str)
                else (value.get("href") or value.get("src") or value.get("content"))
            )
            if url:
                out[name] = url
                break
    page_url = out.get("canonical_url") or record.get("canonical_url") or doc.url
    title = out.get("title") or record.get("title") or ""
    trail = profile.first(root, "breadcrumb")
    if trail and not isinstance(trail[0], str):
        items = trail_tokens(trail[0], doc)
        if items:
            out["breadcrumb"] = finish_trail(items, doc, page_url, title)
    blocks = profile.first(root, "related")
    if blocks and not isinstance(blocks[0], str):
        items = [item for block in blocks for item in links_in(block, doc, page_url)]
        if items:
            out["related"] = list({item["url"]: item for item in items}.values())
    if profile.selectors.get("body"):
        text, html = extract_body_at(doc, profile.selectors["body"], profile.selectors.get("body_remove", []), title)
        if text:
            out["body_text"], out["body_html"] = text, html
    return out
