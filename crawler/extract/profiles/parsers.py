"""Site parsers in Python: a module with HOSTS and a class Parser whose methods return fields.

    # profiles/news_example_org.py
    HOSTS = ["news.example.org"]

    class Parser:
        def authors(self, page):
            return [a.get_text(strip=True) for a in page.soup.select("p.byline a")]

A module is read (not run) when profiles are listed, and imported on the first page of one of its
hosts. Each method gets a ParserPage and returns the field's value in the record's type; a method
that raises, or returns the wrong type, costs that field on that page only (Document.problems).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from parsel import Selector, SelectorList

from ..dates import parse_date
from ..document import Document
from .selectors import ProfileError

# Field -> the type a parser method must return (after None, which means "no opinion").
TEXT = ("title", "description", "site_name", "language", "canonical_url", "image", "body_text", "body_html")
NAMES = ("authors", "tags", "categories")
DATES = ("published", "modified")
LINKS = {"breadcrumb": "name", "related": "title"}  # list of {KEY, "url"}
PAGE_TYPES = ("article", "listing", "other")
FIELDS = (*TEXT, *NAMES, *DATES, *LINKS, "page_type")


class ParserPage:
    """What a parser method is given: the page's trees, its URL and headers, and the record so far."""

    def __init__(self, doc: Document, record: dict):
        self.doc = doc
        self.url = doc.url
        self.headers = doc.page.headers
        self.record = record  # the generic (and TOML profile) values, read-only by convention

    @cached_property
    def soup(self) -> BeautifulSoup:
        """The page as BeautifulSoup (lxml's HTML parser): the parser's own copy, free to change."""
        return BeautifulSoup(self.doc.text, "lxml")

    @cached_property
    def selector(self) -> Selector:
        """parsel's Selector over the shared tree (the same one the generic extractor reads)."""
        return Selector(root=self.doc.root, type="html")

    def css(self, query: str) -> SelectorList:
        return self.selector.css(query)

    def xpath(self, query: str, **variables) -> SelectorList:
        return self.selector.xpath(query, **variables)


def declared_hosts(path: Path) -> tuple[str, ...]:
    """HOSTS of a parser module, read without running it; a syntax error names the file and line."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise ProfileError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "HOSTS" for t in node.targets):
            try:
                hosts = ast.literal_eval(node.value)
            except ValueError:
                hosts = None
            if isinstance(hosts, (list, tuple)) and hosts and all(isinstance(h, str) for h in hosts):
                if not any(isinstance(n, ast.ClassDef) and n.name == "Parser" for n in tree.body):
                    raise ProfileError(f"{path}: no class Parser (its methods are the fields it finds)")
                return tuple(h.lower().strip() for h in hosts)
            raise ProfileError(f"{path}:{node.lineno}: HOSTS must be a non-empty list of host names")
    raise ProfileError(f"{path}: no HOSTS = [...] (the hosts this parser serves)")


@dataclass
class SiteParser:
    """A parser module, imported on first use."""

    path: Path
    hosts: tuple[str, ...]
    _instance: Any = field(default=None, repr=False)

    def instance(self):
        if self._instance is None:
            name = f"crawler_site_parser_{self.path.stem}"
            spec = importlib.util.spec_from_file_location(name, self.path)
            if spec is None or spec.loader is None:
                raise ProfileError(f"{self.path}: cannot be imported")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
                parser_class = module.Parser
                self._instance = parser_class()
            except Exception as exc:
                sys.modules.pop(name, None)
                raise ProfileError(f"{_where(self.path, exc)}: {type(exc).__name__}: {exc}") from None
            unknown = sorted(m for m in vars(parser_class) if not m.startswith("_") and m not in FIELDS)
            if unknown:
                raise ProfileError(f"{self.path}: Parser has methods that are not fields: {unknown} (fields: {FIELDS})")
        return self._instance

    def apply(self, doc: Document, record: dict) -> dict:
        """The fields this parser's methods find, checked (dates normalised); problems go to doc.problems."""
        parser = self.instance()
        page = ParserPage(doc, record)
        explanation = doc.explanation
        out = {}
        for name in FIELDS:
            method = getattr(parser, name, None)
            if method is None:
                continue
            strategy = f"parser:Parser.{name}"
            try:
                value = method(page)
            except Exception as exc:
                problem = f"{_where(self.path, exc)}: Parser.{name} raised {type(exc).__name__}: {exc}"
            else:
                problem = "" if value is None else self._problem(name, value)
            if problem:
                doc.problems.append(problem)
                if explanation is not None:
                    explanation.beat(name, strategy, None, f"rejected: {problem}")
                continue
            if value is None:
                if explanation is not None:
                    explanation.beat(name, strategy, None, f"{self.path.name}: returned None, the generic value stays")
                continue
            checked = _checked(name, value)
            out[name] = parse_date(checked) if name in DATES else checked
            if explanation is not None:
                explanation.won(
                    name,
                    strategy,
                    out[name],
                    self.path.name,
                    replaced=f"overridden by the site parser {self.path.name}",
                )
        return out

    def _problem(self, name: str, value) -> str:
        """What is wrong with a method's value ("" when nothing is)."""
        checked = _checked(name, value)
        if checked is None:
            return (
                f"{self.path}: Parser.{name} returned {type(value).__name__} {value!r:.80}, "
                f"not what the field {name!r} holds"
            )
        if name in DATES and parse_date(checked) is None:
            return f"{self.path}: Parser.{name} returned {checked!r}, not a date"
        return ""


def _where(path: Path, exc: BaseException) -> str:
    """path:line of the deepest frame of exc in that file."""
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if Path(frame.filename) == path]
    return f"{path}:{lines[-1]}" if lines else str(path)


def _checked(name: str, value):
    """value in the record's type for the field, or None when it is not."""
    if name in TEXT or name in DATES:
        return value.strip() if isinstance(value, str) else None
    if name in NAMES:
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        return list(dict.fromkeys(v.strip() for v in value if v.strip())) if ok else None
    if name in LINKS:
        key = LINKS[name]
        ok = isinstance(value, (list, tuple)) and all(
            isinstance(v, dict) and isinstance(v.get(key), str) and isinstance(v.get("url", ""), (str, type(None)))
            for v in value
        )
        return [{key: v[key], "url": v.get("url")} for v in value] if ok else None
    return value if value in PAGE_TYPES else None
