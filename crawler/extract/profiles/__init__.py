"""Per-site profiles: a TOML file of selectors per field (XPath or CSS), or a Python parser, per host.

A profile only overrides fields it finds; everything else keeps the generic result, and pages of
hosts without a profile never need one. A TOML profile and a Python parser (parsers.py) may serve
the same host: the parser wins per field. Profiles ship in this folder; more folders can be named in
the CRAWLER_PROFILES environment variable (os.pathsep-separated). A broken profile fails loudly when
profiles are listed (a parser's syntax) or first used (its import), naming the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from ..authors import clean_names
from ..body import extract_body_at
from ..breadcrumb import finish_trail, trail_tokens
from ..dates import parse_date
from ..document import Document
from ..explain import Explanation
from ..related import links_in
from ..text import squash, text_of
from .parsers import SiteParser, declared_hosts
from .selectors import ProfileError, Selector, compile_field

__all__ = ["KNOWN", "Profile", "ProfileError", "apply", "for_url", "load", "registry"]

# Field -> how its selectors' results become a value.
TEXT_FIELDS = ("title", "description", "site_name", "language")
LIST_FIELDS = ("authors", "tags", "categories")
DATE_FIELDS = ("published", "modified")
URL_FIELDS = ("canonical_url", "image")
BLOCK_FIELDS = ("body", "breadcrumb", "related")
KNOWN = set(TEXT_FIELDS + LIST_FIELDS + DATE_FIELDS + URL_FIELDS + BLOCK_FIELDS + ("body_remove",))
SHIPPED = Path(__file__).resolve().parent / "sites"  # the project's own profiles (data, not code)


@dataclass
class Profile:
    name: str
    hosts: tuple[str, ...]
    selectors: dict[str, list[Selector]] = field(default_factory=dict)
    parser: SiteParser | None = None  # a Python parser for the same hosts; it wins per field

    def find(self, doc_root, name: str) -> tuple[Selector | None, list]:
        """The first selector of a field that finds anything, and its results."""
        for selector in self.selectors.get(name, ()):
            try:
                found = selector(doc_root)
            except etree.XPathError:
                continue
            if isinstance(found, list):
                found = [f for f in found if not isinstance(f, str) or f.strip()]
                if found:
                    return selector, found
            elif found:
                return selector, [found]
        return None, []


def _compile(path: Path, data: dict) -> Profile:
    hosts = data.get("hosts")
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise ProfileError(f"{path}: 'hosts' must be a non-empty list of host names")
    fields = data.get("fields", {})
    unknown = set(fields) - KNOWN
    if unknown:
        raise ProfileError(f"{path}: unknown fields {sorted(unknown)}; known: {sorted(KNOWN)}")
    selectors = {name: compile_field(path, name, value) for name, value in fields.items()}
    return Profile(path.stem, tuple(h.lower().strip() for h in hosts), selectors)


def load(path: Path) -> Profile:
    """A TOML profile, or a Python parser (read, not imported) as a profile without selectors."""
    if path.suffix == ".py":
        hosts = declared_hosts(path)
        return Profile(path.stem, hosts, parser=SiteParser(path, hosts))
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    return _compile(path, data)


def _directories() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("CRAWLER_PROFILES", "").split(os.pathsep) if p]
    return [SHIPPED, *extra]


@lru_cache(maxsize=1)
def registry() -> dict[str, Profile]:
    """Profiles by host, from every profile folder (later folders win)."""
    by_host: dict[str, Profile] = {}
    for directory in _directories():
        paths = sorted(directory.glob("*.toml")) + sorted(directory.glob("*.py"))
        for path in paths:
            profile = load(path)
            for host in profile.hosts:
                by_host[host] = _merged(by_host.get(host), profile)
    return by_host


def _merged(known: Profile | None, new: Profile) -> Profile:
    """A host's TOML profile and its Python parser together; otherwise the later profile wins."""
    if known is None:
        return new
    if new.parser is not None and known.parser is None:
        return Profile(known.name, known.hosts, known.selectors, new.parser)
    if new.parser is None and known.parser is not None:
        return Profile(new.name, new.hosts, new.selectors, known.parser)
    return new


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
    """The fields this profile finds on the page (selectors, then the Python parser), to override the record."""
    out = _apply_selectors(profile, doc, record) if profile.selectors else {}
    if profile.parser is not None:
        found = profile.parser.apply(doc, {**record, **out})
        if "body_text" in found and "body_html" not in found:
            paragraphs = [p for p in found["body_text"].split("\n\n") if p.strip()]
            found["body_html"] = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
            if doc.explanation is not None:
                doc.explanation.won("body_html", "parser:Parser.body_text", None, "its paragraphs as HTML")
        out.update(found)
    return out


def _apply_selectors(profile: Profile, doc: Document, record: dict) -> dict:
    root = doc.root
    out: dict = {}
    chosen: dict[str, Selector] = {}  # field -> the selector its value came from

    def find(name: str) -> list:
        selector, found = profile.find(root, name)
        if selector is not None:
            chosen[name] = selector
        return found

    for name in TEXT_FIELDS:
        values = [_string(v) for v in find(name)]
        if values and values[0]:
            out[name] = values[0]
    for name in LIST_FIELDS:
        values = [_string(v) for v in find(name)]
        if name == "authors":
            values = [n for v in values for n in clean_names(v)]
        values = list(dict.fromkeys(v for v in values if v))
        if values:
            out[name] = values
    for name in DATE_FIELDS:
        for value in find(name):
            parsed = parse_date(_string(value))
            if parsed:
                out[name] = parsed
                break
    for name in URL_FIELDS:
        for value in find(name):
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
    trail = find("breadcrumb")
    if trail and not isinstance(trail[0], str):
        items = trail_tokens(trail[0], doc)
        if items:
            out["breadcrumb"] = finish_trail(items, doc, page_url, title)
    blocks = find("related")
    if blocks and not isinstance(blocks[0], str):
        items = [item for block in blocks for item in links_in(block, doc, page_url)]
        if items:
            out["related"] = list({item["url"]: item for item in items}.values())
    if profile.selectors.get("body"):
        text, html, container = extract_body_at(
            doc, profile.selectors["body"], profile.selectors.get("body_remove", []), title
        )
        if container is not None:
            chosen["body_text"] = container  # body_html follows body_text
        if text:
            out["body_text"], out["body_html"] = text, html
    if doc.explanation is not None:
        _explain(doc.explanation, profile, out, chosen)
    return out


def _explain(explanation: Explanation, profile: Profile, out: dict, chosen: dict[str, Selector]) -> None:
    """The fields the profile's selectors gave; those that matched what is not a value; those that found nothing."""
    for name, selector in chosen.items():
        where = selector.file.name
        if name in out:
            replaced = f"overridden by the site profile {where}"
            explanation.won(name, selector.strategy, out[name], where, replaced=replaced)
        else:
            explanation.beat(name, selector.strategy, None, f"rejected: {where}: what it matches gives no {name}")
    for name, selectors in profile.selectors.items():
        field_name = "body_text" if name == "body" else name
        if name == "body_remove" or field_name in chosen:
            continue
        for selector in selectors:
            explanation.beat(field_name, selector.strategy, None, f"{selector.file.name}: finds nothing on this page")
