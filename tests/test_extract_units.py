"""Field strategies on small hand-written pages."""

import pytest

from crawler.extract import Page, extract
from crawler.extract.authors import clean_names
from crawler.extract.dates import parse_date
from crawler.extract.title import strip_site_name
from crawler.web.charset import decode_html


@pytest.mark.parametrize(
    "raw, names",
    [
        ("By Jane Doe", ["Jane Doe"]),
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Written by: Ana Gomes, Senior Correspondent", ["Ana Gomes"]),
        ("Mazda Parsi | April 23, 2018", ["Mazda Parsi"]),
        ("Ilana Muhlstein, MS, RDN", ["Ilana Muhlstein"]),
        ("Posted by Anna Lindqvist on 3 May 2016", ["Anna Lindqvist"]),
        ("Submitted by Maria Garcia on Tue, 03/05/2019 - 10:12", ["Maria Garcia"]),
        ("بقلم: أحمد منصور - 15 يناير 2020", ["أحمد منصور"]),
        ("https://example.org/author/x", []),
        ("", []),
    ],
)
def test_clean_names(raw, names):
    assert clean_names(raw) == names


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2018-04-23T10:12:00+04:30", "2018-04-23T10:12:00+04:30"),
        ("2018-04-23T10:12:00Z", "2018-04-23T10:12:00+00:00"),
        ("April 23, 2018", "2018-04-23"),
        ("23 April 2018 10:12 pm", "2018-04-23T22:12:00"),
        ("Mon, 23 Apr 2018 10:12:00 +0430", "2018-04-23T10:12:00+04:30"),
        ("no date here", None),
        ("1850-01-01", None),
    ],
)
def test_parse_date(raw, iso):
    assert parse_date(raw) == iso


@pytest.mark.parametrize(
    "title, site, expected",
    [
        ("Big news today | Example Times", "Example Times", "Big news today"),
        ("Example Times - Big news today", "Example Times", "Big news today"),
        ("Big news today | Example", "", "Big news today"),
        ("Brexit - what happens next", "", "Brexit - what happens next"),
    ],
)
def test_strip_site_name(title, site, expected):
    assert strip_site_name(title, site) == expected


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        ("café".encode("cp1252"), "text/html; charset=windows-1252", "café"),
        ('<meta charset="iso-8859-1">café'.encode("latin-1"), None, '<meta charset="iso-8859-1">café'),
        (
            "<p>مرحبا بالعالم هذا نص عربي ويجب أن يتم التعرف عليه بشكل صحيح</p>".encode("cp1256"),
            None,
            "<p>مرحبا بالعالم هذا نص عربي ويجب أن يتم التعرف عليه بشكل صحيح</p>",
        ),
        (
            "<html>日本語のテキストです。これはテストです。</html>".encode("shift_jis"),
            None,
            "<html>日本語のテキストです。これはテストです。</html>",
        ),
        ("<html>hi</html>".encode("utf-16"), None, "<html>hi</html>"),
    ],
)
def test_decode_html(body, content_type, expected):
    assert decode_html(body, content_type)[0] == expected


JSONLD_PAGE = b"""<html><head><title>Ignored | Site</title>
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"NewsArticle","headline":"A headline","datePublished":"2020-05-01T08:00:00+02:00",
  "author":[{"@type":"Person","name":"Ann Author"},{"@type":"Person","name":"Bob Writer"}],
  "publisher":{"@type":"Organization","name":"Site"}},
 {"@type":"BreadcrumbList","itemListElement":[
  {"@type":"ListItem","position":2,"name":"World","item":"https://ex.org/world/"},
  {"@type":"ListItem","position":1,"name":"Home","item":"https://ex.org/"},
  {"@type":"ListItem","position":3,"name":"A headline"}]}]}</script>
</head><body><article><h1>A headline</h1><p>First paragraph of the story, long enough to count as text, with commas, too.</p>
<p>Second paragraph of the story, also long enough to count as article text here.</p></article></body></html>"""


def test_jsonld_fields():
    record = extract(Page("https://ex.org/world/a-headline", JSONLD_PAGE))
    assert record["title"] == "A headline"
    assert record["authors"] == ["Ann Author", "Bob Writer"]
    assert record["published"] == "2020-05-01T08:00:00+02:00"
    assert [b["name"] for b in record["breadcrumb"]] == ["Home", "World", "A headline"]
    assert record["breadcrumb"][-1]["url"] == "https://ex.org/world/a-headline"
    assert record["page_type"] == "article"
    assert record["body_text"].startswith("First paragraph")
    assert record["site_name"] == "Site"


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\xff\xfe garbage \x00", b"<html>", b"<?xml version='1.0'?><rss></rss>", "<p>ü</p>".encode("utf-16-le")],
)
def test_bad_input_gives_a_record(body):
    record = extract(Page("http://ex.org/x", body))
    assert record["page_type"] in ("article", "listing", "other")
    assert isinstance(record["body_text"], str)
