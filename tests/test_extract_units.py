"""Field strategies on small hand-written pages."""

from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest

from crawler.extract import Document, Page, extract
from crawler.extract.authors import _dated_names, clean_names
from crawler.extract.dates import parse_date
from crawler.extract.datetext import parse_relative
from crawler.extract.names import is_person, site_keys
from crawler.extract.tasks import analyse
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
        ("Von Katharina Vogel und Jens Brandt", ["Katharina Vogel", "Jens Brandt"]),
        ("Par Marie Dupont et Paul Martin", ["Marie Dupont", "Paul Martin"]),
        ("Escrito por Juan Pérez y María López", ["Juan Pérez", "María López"]),
        ("di Mario Rossi e Luca Bianchi", ["Mario Rossi", "Luca Bianchi"]),
        ("Door Jan de Vries en Piet Jansen", ["Jan de Vries", "Piet Jansen"]),
        ("Ahmet Yılmaz tarafından", ["Ahmet Yılmaz"]),
        ("توسط مریم احمدی", ["مریم احمدی"]),
        ("作者：张三", ["张三"]),
        ("Dieter Sieckmeyer", ["Dieter Sieckmeyer"]),
        ("Parker Smith", ["Parker Smith"]),
        ("Posted on September 21, 2020 by Adi Tzlil", ["Adi Tzlil"]),
        ("Isabella Marino am Samstag", ["Isabella Marino"]),
        ("Georg Quaas, 21. Jan", ["Georg Quaas"]),
        ("Matthew Davis · 4 min read", ["Matthew Davis"]),
        ("Kristen FalchonKristen Falchon", ["Kristen Falchon"]),
        ("Por Renata Sampaio @renatasampaio -", ["Renata Sampaio"]),
        ("Jane Doe · @jdoe_news and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe jane@example.org", []),  # an e-mail address is no handle: the line is contact details
    ],
)
def test_clean_names(raw, names):
    assert clean_names(raw) == names


@pytest.mark.parametrize(
    "name, person",
    [
        ("Jane Doe", True),
        ("Jan de Vries", True),
        ("J.R. Stone", True),
        ("Rundschau Medien Verlag GmbH", False),
        ("Redaktion", False),
        ("Redacción EC", False),
        ("BBC News", False),
        ("oe24.at", False),
        ("Example Times", False),  # the site's own name
        ("exampletimes", False),  # the host's
        ("AgE", False),
        ("07 Dezember", False),
        ("Dieser Eintrag wurde", False),
        ("Donnerstag", False),
    ],
)
def test_is_person(name, person):
    assert is_person(name, site_keys("Example Times", "https://www.exampletimes.example/a")) is person


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
        ("12. April 2018 um 16:11 Uhr", "2018-04-12T16:11:00"),
        ("Publié le jeudi 12 avril 2018 à 14h30", "2018-04-12T14:30:00"),
        ("Jueves, 12 Abril 2018 10:30", "2018-04-12T10:30:00"),
        ("12 de abril de 2018", "2018-04-12"),
        ("12 aprile 2018", "2018-04-12"),
        ("donderdag 12 april 2018, 10:30", "2018-04-12T10:30:00"),
        ("12 Nisan 2018 Perşembe, 10:30", "2018-04-12T10:30:00"),
        ("czwartek, 12 kwietnia 2018", "2018-04-12"),
        ("12 апреля 2018", "2018-04-12"),
        ("۱۲ آوریل ۲۰۱۸", "2018-04-12"),
        ("12 أبريل 2018", "2018-04-12"),
        ("2018年4月12日 10:30", "2018-04-12T10:30:00"),
        ("2018년 4월 12일", "2018-04-12"),
        ("12/04/2018", "2018-04-12"),
        ("31.10.23", "2023-10-31"),
        ("Version 2.1.18", None),
    ],
)
def test_parse_date(raw, iso):
    assert parse_date(raw) == iso


def test_parse_date_month_first():
    assert parse_date("04/12/2018", day_first=False) == "2018-04-12"
    assert parse_date("13/04/2018", day_first=False) == "2018-04-13"  # no 13th month: the order is settled


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("3 hours ago", "2018-04-12T11:00:00+00:00"),
        ("vor 2 Tagen", "2018-04-10"),
        ("il y a 3 jours", "2018-04-09"),
        ("hace 2 días", "2018-04-10"),
        ("3 giorni fa", "2018-04-09"),
        ("2 gün önce", "2018-04-10"),
        ("3天前", "2018-04-09"),
        ("gestern, 10:00", "2018-04-11"),
        ("12 April 2018", None),
    ],
)
def test_parse_relative(raw, iso):
    assert parse_relative(raw, datetime(2018, 4, 12, 14, 0, tzinfo=UTC)) == iso


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
        # Valid UTF-8 under a stale <meta charset>: UTF-8 (an HTTP charset would still win).
        ('<meta charset="gb2312"><p>作者：张三</p>'.encode(), None, '<meta charset="gb2312"><p>作者：张三</p>'),
        ('<meta charset="windows-1252"><p>Café</p>'.encode(), None, '<meta charset="windows-1252"><p>Café</p>'),
        ("<p>Café</p>".encode(), "text/html; charset=windows-1252", "<p>CafÃ©</p>"),
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


def test_the_dateline_nearest_the_headline_wins():
    paragraphs = "".join(
        f"<p>Paragraph {n} of the story, long enough to be text, with commas, here.</p>" for n in range(30)
    )
    page = (
        "<html lang='de'><head><title>Neue Brücke | Stadtblatt</title></head><body><article>"
        "<p class='subline'>21. Januar 2022 // Dominik Ricker</p><h1>Neue Brücke</h1>"
        f"{paragraphs}<p><strong>Mittwoch, 13.10.2021</strong> Die Sitzung beginnt.</p>"
        "<p><i>Artikel mis à jour le 7 janvier 2022.</i></p></article></body></html>"
    )
    record = extract(Page("https://stadtblatt.example/neue-bruecke", page.encode()))
    assert record["published"] == "2022-01-21"


# Absolute links are remembered across pages: the answer must still be urljoin's for each page's base.
_BASES = ["http://a.example/x/y", "https://a.example/", "HTTP://A.example/p", "https://b.example/q?z#f"]
_HREFS = [
    "http://a.example/?",  # urljoin drops the empty query only when the schemes match
    "http://a.example/b;c?d#e",
    "https://a.example/./c/../d",
    "http:///no-host",
    "http://?query-only",
    "https://",
    "http:relative",
    "//a.example/scheme-relative",
    "../up",
    "http://[::1",  # urljoin raises: absolute() gives None
    "  https://a.example/spaced#top ",  # remembered as written, answered stripped and without the fragment
    "javascript:void(0)",
]


@pytest.mark.parametrize("base", _BASES)
def test_links_resolve_as_urljoin_does_whatever_pages_came_before(base):
    for earlier in _BASES:  # warm the memory with other bases' answers first
        for href in _HREFS:
            Document(Page(earlier, b"<html><body></body></html>")).absolute(href)
    doc = Document(Page(base, b"<html><body></body></html>"))
    for href in _HREFS:
        try:
            expected = urljoin(base, href.strip())
        except ValueError:
            expected = None
        if expected is not None:
            expected = expected.split("#", 1)[0] if expected.startswith(("http://", "https://")) else None
        assert doc.absolute(href) == expected, href


# Two pages glued together: libxml2 keeps the second <html> as a sibling of the root.
_GLUED = (
    b'<html><head><base href="/docs/"><meta name="a" content="1"></head><body itemtype="x">'
    b'<a href="one" rel="Author">One</a><p><a href="two">Two</a></p></body></html>'
    b'<html><body><a href="three">Three</a><meta name="b" content="2"></body></html>'
)


def test_lookups_by_tag_read_the_whole_document_as_xpath_does():
    doc = Document(Page("https://a.test/p", _GLUED))
    assert doc.elements("a") == doc.root.xpath("//a")
    assert doc.elements("a", "meta") == doc.root.xpath("//a | //meta")
    assert doc.elements("a") is doc.elements("a")  # each set of tags is walked for once
    assert doc.in_body("a") == doc.root.xpath("//body//a")
    assert [url for url, *_ in doc.link_targets] == [
        "https://a.test/docs/one",
        "https://a.test/docs/two",
        "https://a.test/docs/three",
    ]
    assert doc.meta == {"a": "1", "b": "2"}
    assert [(a.get("href"), rel) for a, rel in doc.rel_anchors] == [("one", ["author"])]


def test_in_body_leaves_out_what_is_outside_body():
    page = b"<html><head><title>T</title></head><body><a href=/x>x</a><div><a href=/y>y</a></div></body></html>"
    doc = Document(Page("https://a.test/p", page))
    doc.root.find("head").append(doc.root.makeelement("a", {"href": "/in-head"}))  # no parser puts one there
    assert (
        [a.get("href") for a in doc.in_body("a")]
        == ["/x", "/y"]
        == [a.get("href") for a in doc.root.xpath("//body//a")]
    )
    assert [a.get("href") for a in doc.elements("a")] == ["/in-head", "/x", "/y"]


@pytest.mark.parametrize(
    "head, base",
    [
        ('<base href="/docs/">', "https://a.test/docs/"),
        ('<base target="_top"><base href="/docs/">', "https://a.test/docs/"),  # the first <base href>
        ('<base href="  ">', "https://a.test/p"),  # blank: the page's URL, not a later one
        ("", "https://a.test/p"),
    ],
)
def test_base_url_is_the_first_base_href_of_the_head(head, base):
    doc = Document(Page("https://a.test/p", f"<html><head>{head}</head><body></body></html>".encode()))
    assert doc.base_url == base


_LISTING = b"""<html><head><title>Tag: Courts</title></head><body><h1>Tag: Courts</h1>
<article><h2><a href="/a/">First story</a></h2><p>By Jane Doe, 3 May 2020. A summary of the first story.</p></article>
<article><h2><a href="/b/">Second story</a></h2><p>By Jane Doe, 2 May 2020. A summary of the second story.</p></article>
</body></html>"""


def test_the_crawl_extracts_no_fields_of_pages_whose_url_or_status_say_they_are_no_articles():
    listing = Page("http://a.test/tag/courts/", _LISTING, [("Content-Type", "text/html")], 200)
    assert extract(listing)["page_type"] == "listing"
    assert analyse(listing)[2] == {"url": "http://a.test/tag/courts/", "page_type": "listing"}
    gone = Page("http://a.test/story/", _LISTING, [("Content-Type", "text/html")], 404)
    assert analyse(gone)[2] == {"url": "http://a.test/story/", "page_type": "other"}
    # Decided by the body: the whole record, as extract() gives it.
    story = Page("http://a.test/2020/05/story/", _LISTING, [("Content-Type", "text/html")], 200)
    assert analyse(story)[2] == extract(story)
    # A site profile may change any field: its pages always get the whole record.
    profiled = Page("https://nejatngo.org/tag/courts/", _LISTING, [("Content-Type", "text/html")], 200)
    assert analyse(profiled)[2] == extract(profiled)


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("04.02.2022 | 13:10 Uhr | Jane Doe", ["Jane Doe"]),
        ("11.12.2019 - Jane Doe", ["Jane Doe"]),
        ("06.11.2023 13:30 von Jane", ["Jane"]),
        ("4. Mai 2022 Berlin", []),  # no separator: a place, or the next sentence
        ("04. November 2021 | PAID CONTENT", []),  # a label in capitals
        ("12.03.2021 | Politik", []),  # one word without a byline word: a section
        ("Stand: 04.02.2022 | Jane Doe", []),  # the date does not open the line
    ],
)
def test_dated_names(line, names):
    assert _dated_names(line) == names
