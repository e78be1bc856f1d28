"""Site profiles: shipped ones load, they override what they find, and the generic path needs none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import fixtures
from crawler.extract import Document, Page, extract, profiles

FOUNDING = Path(__file__).parent / "fixtures" / "wordpress-magazine-founding"

PAGE = b"""<html><head><title>Generic title | Example</title>
<meta name="author" content="Meta Author"></head><body>
<h1>Generic title</h1><p class="kicker">The headline the site really wants</p>
<div class="story"><p>First paragraph of the story, long enough to be article text, with commas, too.</p>
<div class="promo">Buy our book now, it is great, really, really great, buy it.</div>
<p>Second paragraph of the story, also long enough to count as article text here.</p></div>
<p class="who">Written by Profile Person</p></body></html>"""


@pytest.fixture
def profile_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAWLER_PROFILES", str(tmp_path))
    profiles.registry.cache_clear()
    yield tmp_path
    profiles.registry.cache_clear()


def test_shipped_profiles_load():
    profiles.registry.cache_clear()
    registry = profiles.registry()
    assert registry["nejatngo.org"].name == "nejatngo.org"
    assert profiles.for_url("https://www.nejatngo.org/en/posts/1") is registry["nejatngo.org"]
    assert profiles.for_url("https://sub.nejatngo.org/x") is registry["nejatngo.org"]
    assert profiles.for_url("https://example.org/x") is None


def test_founding_profile_selectors_match_the_founding_page():
    fixture = fixtures.load(FOUNDING)
    doc = Document(fixture.page)
    found = profiles.apply(profiles.for_url(fixture.page.url), doc, {})
    assert {"title", "authors", "published", "breadcrumb", "related", "body_text", "categories"} <= set(found)
    for name in ("title", "authors", "published", "breadcrumb", "related", "body_text", "categories"):
        assert found[name] == fixture.expected[name], name


@pytest.mark.parametrize("use_profiles", [True, False], ids=["with-profile", "generic-only"])
def test_founding_page_right_with_and_without_profile(use_profiles, monkeypatch):
    if not use_profiles:
        monkeypatch.setattr(profiles, "for_url", lambda url: None)
    fixture = fixtures.load(FOUNDING)
    assert fixtures.compare(fixture.extract(), fixture.expected) == {}


def test_profile_overrides_what_it_finds(profile_dir):
    (profile_dir / "example.toml").write_text(
        'hosts = ["profile-test.example"]\n[fields]\n'
        "title = [\"//p[@class='kicker']\"]\n"
        "authors = [\"//p[@class='who']\"]\n"
        "body = [\"//div[@class='story']\"]\n"
        "body_remove = [\".//div[@class='promo']\"]\n"
        'published = ["//time/@datetime"]\n',
        encoding="utf-8",
    )
    generic = extract(Page("https://other.example/a", PAGE))
    tuned = extract(Page("https://profile-test.example/a", PAGE))
    assert generic["title"] == "Generic title"
    assert tuned["title"] == "The headline the site really wants"
    assert generic["authors"] == ["Meta Author"]
    assert tuned["authors"] == ["Profile Person"]
    assert "Buy our book" not in tuned["body_text"]
    assert tuned["body_text"].startswith("First paragraph") and tuned["body_text"].endswith("article text here.")
    assert tuned["word_count"] == len(re.findall(r"\w+", tuned["body_text"]))
    # Its date selector finds nothing: the generic value (none here) stays.
    assert tuned["published"] == generic["published"]


@pytest.mark.parametrize(
    "text, message",
    [
        ('hosts = ["a.example"]\n[fields]\nheadline = ["//h1"]\n', "unknown fields"),
        ('hosts = ["a.example"]\n[fields]\ntitle = ["//h1[@class="]\n', "bad XPath"),
        ("[fields]\ntitle = ['//h1']\n", "hosts"),
    ],
)
def test_broken_profiles_fail_loudly(profile_dir, text, message):
    (profile_dir / "broken.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        profiles.registry()
