"""Why a field has its value: the strategy each field's cascade took, and the candidates it beat."""

from __future__ import annotations

import functools
import json

import pytest
from conftest import ROOT

from crawler import fixtures
from crawler.cli import main
from crawler.extract import Document, Page, extract, extract_document, profiles
from crawler.extract.explain import Explanation, Rejected, first, short

GOLDEN = ROOT / "tests" / "fixtures"


def explained(name: str) -> tuple[dict, Explanation]:
    doc = Document(fixtures.load(GOLDEN / name).page, explain=True)
    record = extract_document(doc)
    assert doc.explanation is not None
    return record, doc.explanation


def winners(explanation: Explanation) -> dict[str, str | None]:
    return {name: (e.winner.strategy if e.winner else None) for name, e in explanation.fields.items()}


def beaten(explanation: Explanation, field: str) -> list[tuple[str, object, str]]:
    return [(c.strategy, c.value, c.note) for c in explanation.fields[field].beaten]


def test_on_a_json_ld_page_each_field_names_its_winning_strategy():
    record, explanation = explained("news-jsonld-graph")
    assert winners(explanation) == {
        "url": "page:url",
        "canonical_url": "link:canonical",
        "page_type": "metadata:article",
        "title": "heading:h1",
        "breadcrumb": "json-ld:BreadcrumbList",
        "authors": "byline-class",
        "published": "json-ld:datePublished",
        "modified": "json-ld:dateModified",
        "body_text": "body:articleBody",
        "body_html": "body:articleBody",
        "related": "related:heading",
        "tags": "json-ld:keywords",
        "categories": "json-ld:articleSection",
        "language": "json-ld:inLanguage",
        "description": "meta:description",
        "image": "opengraph:og:image",
        "site_name": "opengraph:og:site_name",
        "word_count": "body_text:words",
    }
    assert list(explanation.fields) == list(record)
    assert all(explanation.fields[name].value == value for name, value in record.items())
    # The <h1> wins because the structured headline agrees with it; the shorter og:title loses.
    assert explanation.fields["title"].winner.note == "agrees with json-ld:headline: the same words"
    assert ("opengraph:og:title", "Rail strike talks collapse", "lower priority") in beaten(explanation, "title")
    # The byline shown on the page wins over the JSON-LD names it overlaps; the staff credit is no person.
    authors = beaten(explanation, "authors")
    assert ("json-ld:author", ["Tom Hadley", "Priya Raman"]) in [c[:2] for c in authors]
    assert ("meta:author", "Daily Ledger staff", "rejected: an organisation") in authors
    # The date the page shows agrees with the metadata; the lower sources are listed after.
    published = beaten(explanation, "published")
    assert published[0] == ("dateline", "2021-03-14T18:05:00", "the same day as the metadata")
    assert ("url", "2021-03-14", "lower priority") in published
    assert ("body:trafilatura", None, "not asked: the body looks right") in beaten(explanation, "body_text")


def test_on_a_page_without_structured_data_each_field_names_its_winning_strategy():
    record, explanation = explained("minimal-blog")
    assert winners(explanation) == {
        "url": "page:url",
        "canonical_url": "page:url",
        "page_type": "body:dated-or-signed",
        "title": "heading:h1",
        "breadcrumb": None,
        "authors": "byline-text",
        "published": "dateline",
        "modified": None,
        "body_text": "body:scorer",
        "body_html": "body:scorer",
        "related": None,
        "tags": None,
        "categories": None,
        "language": None,
        "description": None,
        "image": None,
        "site_name": None,
        "word_count": "body_text:words",
    }
    title = explanation.fields["title"]
    assert title.winner.note == "agrees with html:title: the headline part of it"
    assert beaten(explanation, "title") == [
        ("html:title", "Fixing a squeaky door hinge - Anna's notebook", "agrees with the heading, which wins")
    ]
    assert explanation.fields["body_text"].winner.note.startswith("body, ")
    text = explanation.as_text(["published", "breadcrumb"])
    assert text.splitlines() == [
        'published = "2016-05-03"',
        "    from  dateline",
        '    beat  htmldate = "2016-05-03"  (the same value; lower priority)',
        '    beat  dateline-from-top = "2016-05-03"  (the same value; lower priority)',
        "breadcrumb = []",
        "    from  nothing: no source gave a value",
    ]
    assert record["published"] == "2016-05-03"


@pytest.mark.parametrize(
    "fixture, field, strategy",
    [
        ("listing-category", "page_type", "json-ld:listing-type"),
        ("listing-category", "authors", "page-type:listing"),  # a listing's names belong to its stories
        ("home-page", "page_type", "url:home"),
        ("error-404", "page_type", "http:status"),
        ("product-test-ad-sections-second-opinion-de", "body_text", "body:trafilatura"),
        ("blogger-pl-post", "title", "heading:h3"),
        ("microdata-blogposting", "published", "microdata:datePublished"),
        ("opengraph-only", "published", "opengraph:article:published_time"),
        ("de-news-relative-date", "published", "relative-date"),
        ("wordpress-2008-default-theme-tag-classes", "published", "url"),
    ],
)
def test_other_strategies_are_named(fixture, field, strategy):
    _, explanation = explained(fixture)
    assert explanation.fields[field].winner.strategy == strategy


def test_a_body_replaced_by_the_second_opinion_keeps_ours_as_beaten():
    record, explanation = explained("product-test-ad-sections-second-opinion-de")
    body = explanation.fields["body_text"]
    ours = body.beaten[0]
    assert ours.strategy == "body:article" and ours.note.endswith(": looked wrong, and trafilatura's is longer")
    assert ours.value is None  # nothing left of it once finished
    assert body.winner.note.startswith("ours looked wrong (0 characters); trafilatura's has ")
    assert record["body_text"]


@functools.cache
def every_golden_fixture() -> list[tuple[str, Page, dict, Explanation]]:
    """(name, page, record, explanation) of every golden fixture, extracted with an explanation once."""
    out = []
    for path in fixtures.discover([GOLDEN]):
        page = fixtures.load(path).page
        doc = Document(page, explain=True)
        out.append((path.name, page, extract_document(doc), doc.explanation))
    return out


def test_explaining_never_changes_the_record():
    """Every golden fixture: the same record with and without an explanation, and a winner for every value."""
    for name, page, record, explanation in every_golden_fixture():
        assert record == extract(page), name
        for field, value in record.items():
            assert explanation.fields[field].value == value, (name, field)
            assert value in (None, "", []) or explanation.fields[field].winner is not None, (name, field)


# ---- profiles and parsers ------------------------------------------------------------------------

PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ferry | Bay Chronicle</title>
<meta name="author" content="Bay Chronicle"></head><body><main><article>
<h1>Ferry</h1><p class="standfirst">Harbour ferry returns after a winter of repairs</p>
<p class="byline">By <a rel="author" href="/staff/ines-marlow/">Ines Marlow</a>, <span class="day">5 March 2024</span></p>
<div class="article-body"><p>The harbour ferry is back on the water this week after four months in dry dock.</p>
<p>Engineers replaced both propeller shafts and rebuilt the passenger deck over the winter.</p></div>
</article></main></body></html>"""
HOST = "explain.example"

PARSER = """
HOSTS = ["explain.example"]


class Parser:
    def published(self, page):
        return page.css("span.day::text").get() + " 09:30"

    def tags(self, page):
        raise RuntimeError("the tag box moved")
"""


@pytest.fixture
def profile_dir(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / f"{HOST}.toml").write_text(
        f'hosts = ["{HOST}"]\n[fields]\ntitle = ["css:p.standfirst::text"]\n'
        'authors = ["//p[@class=\'byline\']/a[@rel=\'author\']"]\nbody = ["css:nav.nothing", "css:div.article-body"]\n',
        encoding="utf-8",
    )
    (folder / "explain_example.py").write_text(PARSER, encoding="utf-8")
    monkeypatch.setenv("CRAWLER_PROFILES", str(folder))
    profiles.registry.cache_clear()
    yield folder
    profiles.registry.cache_clear()


def test_a_profile_selector_and_a_parser_method_are_named_as_winners(profile_dir):
    doc = Document(Page(f"https://{HOST}/ferry/", PAGE), explain=True)
    record = extract_document(doc)
    explanation = doc.explanation
    found = winners(explanation)
    assert found["title"] == "profile-css:p.standfirst::text"
    assert found["authors"] == "profile-xpath://p[@class='byline']/a[@rel='author']"
    assert found["body_text"] == found["body_html"] == "profile-css:div.article-body"  # the selector that matched
    assert found["published"] == "parser:Parser.published"
    assert record["published"] == "2024-03-05T09:30:00"
    # What the generic extractor would have given is beaten, overridden by the profile or parser.
    assert ("meta:author", ["Bay Chronicle"], "overridden by the site profile explain.example.toml") in beaten(
        explanation, "authors"
    )
    assert beaten(explanation, "published")[0][2] == "overridden by the site parser explain_example.py"
    assert explanation.fields["title"].winner.note == "explain.example.toml"
    # A method that raises costs its field only, and says so.
    (tags,) = beaten(explanation, "tags")
    assert tags[0] == "parser:Parser.tags" and "raised RuntimeError: the tag box moved" in tags[2]
    assert found["tags"] is None and record["tags"] == []


# ---- the commands ----------------------------------------------------------------------------------


def test_parse_explain_prints_a_block_per_field(tmp_path, capsys):
    page = GOLDEN / "news-jsonld-graph"
    (tmp_path / "page.html").write_bytes((page / "page.html").read_bytes())
    url = json.loads((page / "meta.json").read_text())["url"]
    assert main(["parse", "--explain", str(tmp_path / "page.html"), "--url", url]) == 0
    out = capsys.readouterr().out
    assert 'title = "Rail strike talks collapse as unions reject final offer"\n    from  heading:h1  (agrees' in out
    assert '    beat  opengraph:og:title = "Rail strike talks collapse"  (lower priority)\n' in out
    assert "published = " in out and "    from  json-ld:datePublished\n" in out
    assert out.count("\n    from  ") == len(extract(Page(url, (page / "page.html").read_bytes())))

    assert main(["parse", "--explain", "--format", "json", str(tmp_path / "page.html"), "--url", url]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["title"] == "Rail strike talks collapse as unions reject final offer"
    assert record["explain"]["title"]["strategy"] == "heading:h1"
    assert {"strategy": "opengraph:og:title", "value": "Rail strike talks collapse", "note": "lower priority"} in (
        record["explain"]["title"]["beaten"]
    )
    assert record["explain"]["breadcrumb"]["strategy"] == "json-ld:BreadcrumbList"


def test_fixture_check_says_why_a_differing_field_has_its_value(tmp_path, capsys):
    source = fixtures.load(GOLDEN / "minimal-blog")
    fixture = fixtures.save(tmp_path / "blog", source.page)
    fixtures.write_expected(fixture.path, {"title": "Fixing a squeaky door hinge", "authors": ["Someone Else"]})
    assert main(["fixture", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert (
        '  authors:\n    - missing "Someone Else"\n    + extra   "Anna Lindqvist"\n    why:\n      from  byline-text\n'
    ) in out
    assert "title:" not in out  # a field that matches is not explained


# ---- the parts -----------------------------------------------------------------------------------


def test_first_takes_what_the_cascade_took_and_reads_on_only_when_explaining():
    read: list[str] = []

    def sources():
        for strategy, value in (("a", ""), ("b", Rejected("x", "not a date")), ("c", "3"), ("d", "4")):
            read.append(strategy)
            yield strategy, value

    assert first(sources()) == "3" and read == ["a", "b", "c"]
    read.clear()
    explanation = Explanation()
    assert first(sources(), explanation, "f") == "3" and read == ["a", "b", "c", "d"]
    assert explanation.fields["f"].winner.strategy == "c"
    assert beaten(explanation, "f") == [("b", "x", "rejected: not a date"), ("d", "4", "lower priority")]


def test_values_are_shown_short():
    assert short("x" * 150).endswith('…" (150 characters)')
    assert short("First paragraph.\n\nSecond.") == '"First paragraph. ¶ Second." (25 characters, 2 paragraphs)'
    assert short([{"name": "Home", "url": "https://a.example/"}, {"name": "News", "url": None}]) == (
        '["Home", "News"] (2 links)'
    )
    assert short(None) == "null" and short(["Ana"]) == '["Ana"]'


def _documented_as(strategy: str) -> str:
    """meta:<name> and opengraph:<property> stand for every <meta> key."""
    kind = strategy.partition(":")[0]
    if kind == "meta":
        return "meta:<name>"
    if kind == "opengraph":
        return "opengraph:<property>"
    return strategy


def test_the_documented_strategy_names_are_the_ones_extraction_uses():
    """docs/extraction.md lists every strategy name; the golden fixtures' winners must all be listed."""
    doc = (ROOT / "docs" / "extraction.md").read_text(encoding="utf-8")
    used = set()
    for _, _, _, explanation in every_golden_fixture():
        for explained_field in explanation.fields.values():
            for candidate in [explained_field.winner, *explained_field.beaten]:
                if candidate is not None and not candidate.strategy.startswith(("profile-", "…")):
                    used.add(_documented_as(candidate.strategy))
    missing = sorted(s for s in used if f"`{s}`" not in doc)
    assert not missing, f"strategies not in docs/extraction.md: {missing}"


def test_unexplained_documents_record_nothing():
    doc = Document(Page("https://example.org/a", b"<html><body><h1>Hi</h1></body></html>"))
    extract_document(doc)
    assert doc.explanation is None
