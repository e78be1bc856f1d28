"""Profile selectors: XPath as written, CSS (with parsel's ::text and ::attr(name)) compiled to XPath once."""

from __future__ import annotations

from pathlib import Path

from cssselect import SelectorError
from lxml import etree
from parsel.csstranslator import HTMLTranslator

CSS_PREFIX = "css:"
_TRANSLATOR = HTMLTranslator()


class ProfileError(ValueError):
    """A profile or site parser that cannot be used; the message names the file (and line or selector)."""


class Selector(etree.XPath):
    """A compiled selector that knows how it was written: its strategy name is profile-css:<selector> or
    profile-xpath:<expression> (explain.py), file the profile it is in."""

    def __init__(self, expression: str, strategy: str, path: Path):
        super().__init__(expression)
        self.strategy = strategy
        self.file = path


def compile_selector(path: Path, field: str, spec: str, css: bool = False) -> Selector:
    """One selector of a field: "css:..." or css=True is CSS, anything else XPath."""
    if spec.startswith(CSS_PREFIX):
        spec, css = spec[len(CSS_PREFIX) :].strip(), True
    if css:
        try:
            expression = _TRANSLATOR.css_to_xpath(spec)
        except SelectorError as exc:
            raise ProfileError(f"{path}: field {field!r}: bad CSS selector {spec!r}: {exc}") from None
    else:
        expression = spec
    try:
        return Selector(expression, f"profile-{'css' if css else 'xpath'}:{spec}", path)
    except etree.XPathSyntaxError as exc:
        raise ProfileError(f"{path}: field {field!r}: bad XPath {expression!r}: {exc}") from None


def compile_field(path: Path, field: str, value) -> list[Selector]:
    """A field's selectors, in order: a string, a list of strings, or a table {xpath = [...], css = [...]}."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        unknown = set(value) - {"xpath", "css"}
        if unknown:
            raise ProfileError(f"{path}: field {field!r}: unknown keys {sorted(unknown)} (use xpath and css)")
        compiled = []
        for kind, specs in value.items():
            for spec in [specs] if isinstance(specs, str) else specs:
                if not isinstance(spec, str):
                    raise ProfileError(f"{path}: field {field!r}: selectors must be strings, got {spec!r}")
                compiled.append(compile_selector(path, field, spec, css=kind == "css"))
        return compiled
    if not isinstance(value, list) or not all(isinstance(spec, str) for spec in value):
        raise ProfileError(f"{path}: field {field!r}: expected a selector, a list of them or a table, got {value!r}")
    return [compile_selector(path, field, spec) for spec in value]
