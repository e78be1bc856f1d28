"""Page requisite rules (crawler/discovery/requisites.py): HTML, srcset, CSS through tinycss2, scope."""

import hashlib

import pytest
import tinycss2
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler.discovery import requisites
from crawler.discovery.cssrules import top_level_rules
from crawler.discovery.requisites import (
    css_declaration_requisites,
    css_requisites,
    html_requisites,
    link_kind,
    requisite_rejection,
    srcset_urls,
)
from crawler.discovery.scope import Scope
from crawler.extract.document import Document
from crawler.extract.tasks import analyse
from crawler.web.page import Page

BASE = "http://a.test/dir/page.html"


def _html(body: str, head: str = "") -> list[tuple[str, str]]:
    root = etree.fromstring(f"<html><head>{head}</head><body>{body}</body></html>", etree.HTMLParser())
    return html_requisites(root, BASE)


def test_links_by_rel_and_preload_as():
    head = (
        '<link rel="stylesheet" href="/s.css"><link rel="alternate stylesheet" href="alt.css">'
        '<link rel="shortcut icon" href="/f.ico"><link rel="apple-touch-icon" href="/t.png">'
        '<link rel="preload" as="font" href="/f.woff2" crossorigin><link rel="preload" as="image" '
        'imagesrcset="/p1.jpg 1x, /p2.jpg 2x"><link rel="modulepreload" href="/m.js">'
        '<link rel="prefetch" href="/next.html"><link rel="alternate" href="/feed.xml"><link rel="next" href="/2">'
        '<link rel="manifest" href="/site.webmanifest">'
    )
    assert _html("", head) == [
        ("http://a.test/s.css", "stylesheet"),
        ("http://a.test/dir/alt.css", "stylesheet"),
        ("http://a.test/f.ico", "icon"),
        ("http://a.test/t.png", "icon"),
        ("http://a.test/f.woff2", "font"),
        ("http://a.test/p1.jpg", "image"),
        ("http://a.test/p2.jpg", "image"),
        ("http://a.test/m.js", "script"),
        ("http://a.test/site.webmanifest", "manifest"),
    ]
    assert link_kind("PRELOAD", "Style") == "stylesheet" and link_kind("preload", "fetch") is None


def test_images_media_and_backgrounds_each_once_in_document_order():
    body = (
        '<script src="/app.js"></script><picture><source srcset="/a.webp 1x, /a@2x.webp 2x" type="image/webp">'
        '<img src="/a.jpg" srcset="/a-320.jpg 320w, /a.jpg 640w" data-src="/lazy.jpg"></picture>'
        '<video poster="/poster.png" src="/v.mp4"><track src="/subs.vtt"></video><audio src="/a.mp3"></audio>'
        '<table background="/t.gif"><tr><td background="/td.gif">x</td></tr></table><input type="image" src="/go.png">'
        '<iframe src="/frame.html"></iframe><img src="data:image/png;base64,AAAA"><img src="#x"><a href="/page">p</a>'
        '<img src="/a.jpg">'
    )
    assert [url.rsplit("/", 1)[1] for url, _ in _html(body)] == [
        "app.js",
        "a.webp",
        "a@2x.webp",
        "a.jpg",
        "lazy.jpg",
        "a-320.jpg",
        "poster.png",
        "v.mp4",
        "subs.vtt",
        "a.mp3",
        "t.gif",
        "td.gif",
        "go.png",
        "frame.html",
    ]
    kinds = dict(_html(body))
    assert kinds["http://a.test/poster.png"] == "image" and kinds["http://a.test/frame.html"] == "frame"


def test_a_second_document_after_html_is_read_too():
    """Two pages glued together (a second <html> after </html>): libxml2 keeps the second as a sibling of
    the root, and its requisites are the page's too, as XPath's // finds them."""
    html = b"<html><head><link rel=stylesheet href=/a.css></head><body><img src=a.png></body></html>"
    html += b'<html><body><script src="late.js"></script><p style="background: url(bg.png)">x</p></body></html>'
    doc = Document(Page("http://a.test/p/", html, [("Content-Type", "text/html")], 200))
    assert html_requisites(doc.root, doc.base_url) == [
        ("http://a.test/a.css", "stylesheet"),
        ("http://a.test/p/a.png", "image"),
        ("http://a.test/p/late.js", "script"),
        ("http://a.test/p/bg.png", "image"),
    ]


def test_base_href_and_style_blocks_and_attributes():
    root = etree.fromstring(
        '<html><head><base href="http://cdn.test/base/"><style>@import "imp.css"; .x{background:url(x.png)}</style>'
        "</head><body><div style=\"background-image: url('in line.png')\">x</div></body></html>",
        etree.HTMLParser(),
    )
    assert html_requisites(root, "http://cdn.test/base/") == [
        ("http://cdn.test/base/imp.css", "stylesheet"),
        ("http://cdn.test/base/x.png", "image"),
        ("http://cdn.test/base/in line.png", "image"),
    ]


def test_inline_css_whose_only_reference_is_a_src_or_image_set_string():
    """CSS Images 4's src("...") and image-set("...") take strings: no url( in the text at all."""
    root = etree.fromstring(
        '<html><head><style>.a { background-image: src("block.png") }</style></head>'
        "<body><div style='background-image: image-set(\"set.png\" 1x)'>x</div>"
        "<p style='background-image: SRC(\"attr.png\")'>y</p></body></html>",
        etree.HTMLParser(),
    )
    assert html_requisites(root, "http://a.test/") == [
        ("http://a.test/block.png", "image"),
        ("http://a.test/set.png", "image"),
        ("http://a.test/attr.png", "image"),
    ]


@pytest.mark.parametrize(
    "value, urls",
    [
        ("a.jpg", ["a.jpg"]),
        ("a.jpg 1x, b.jpg 2x", ["a.jpg", "b.jpg"]),
        ("a.jpg,b.jpg 2x", ["a.jpg,b.jpg"]),  # as the HTML standard reads it: one URL holding a comma
        ("a.jpg, b.jpg 2x", ["a.jpg", "b.jpg"]),  # a URL ending in a comma ends its candidate
        ("/img,w_320/a.jpg 320w, /img,w_640/a.jpg 640w", ["/img,w_320/a.jpg", "/img,w_640/a.jpg"]),
        ("  a.jpg   1x ,  b.jpg  ", ["a.jpg", "b.jpg"]),
        ("", []),
    ],
)
def test_srcset_candidates(value, urls):
    assert srcset_urls(value) == urls


def test_css_imports_fonts_images_and_nested_rules():
    css = b"""@charset "utf-8";
    @import url("theme.css") screen;
    @import 'print.css' print;
    /* url(commented.png) */
    @font-face { font-family: X; src: url(../fonts/x.woff2) format("woff2"), url("../fonts/x.woff") format("woff"); }
    body { background: #fff url(bg.png) no-repeat; }
    .a { content: "url(not-a-url.png)"; background-image: image-set("set1.png" 1x, url(set2.png) 2x); }
    @media (min-width: 600px) { .b { background: url('wide.png') } @supports (display: grid) { .c { background: url(grid.png) } } }
    .esc { background: url(sp\\ ace.png) }
    """
    found = css_requisites(css, "http://a.test/css/site.css")
    assert found == [
        ("http://a.test/css/theme.css", "stylesheet"),
        ("http://a.test/css/print.css", "stylesheet"),
        ("http://a.test/fonts/x.woff2", "font"),
        ("http://a.test/fonts/x.woff", "font"),
        ("http://a.test/css/bg.png", "image"),
        ("http://a.test/css/set1.png", "image"),
        ("http://a.test/css/set2.png", "image"),
        ("http://a.test/css/wide.png", "image"),
        ("http://a.test/css/grid.png", "image"),
        ("http://a.test/css/sp ace.png", "image"),
    ]


def test_css_bytes_decoded_by_charset_rule_or_http_charset():
    latin1 = "a { background: url(caf\xe9.png) }".encode("latin-1")
    assert css_requisites(latin1, "http://a.test/", encoding="iso-8859-1") == [("http://a.test/caf\xe9.png", "image")]
    declared = b'@charset "iso-8859-1"; ' + latin1
    assert css_requisites(declared, "http://a.test/") == [("http://a.test/caf\xe9.png", "image")]


def test_broken_css_gives_what_it_can():
    assert css_requisites("a { background: url(ok.png) } } } @import ; b { x: url(", "http://a.test/") == [
        ("http://a.test/ok.png", "image")
    ]
    assert css_declaration_requisites("background: url(x.png", "http://a.test/") == [("http://a.test/x.png", "image")]


def test_inline_css_is_tokenized_once_and_resolved_against_each_page(monkeypatch):
    """A site's pages share their inline CSS: its references are remembered as written, and each page
    resolves them against its own base."""
    monkeypatch.setattr(requisites, "_REFERENCES", {})
    calls = []
    parse = requisites.tinycss2.parse_stylesheet
    monkeypatch.setattr(requisites.tinycss2, "parse_stylesheet", lambda *a, **k: calls.append(a) or parse(*a, **k))
    style = "<style>@import 'theme.css'; .hero { background: url(img/hero.png) } .x { background: url(data:image/png;base64,AAAA) }</style>"
    first = html_requisites(
        etree.fromstring(f"<html><head>{style}</head></html>", etree.HTMLParser()), "http://a.test/2024/post/"
    )
    tokenized = len(calls)  # its rules that may hold a reference, one by one
    second = html_requisites(
        etree.fromstring(f"<html><head>{style}</head></html>", etree.HTMLParser()), "http://a.test/about/"
    )
    assert first == [
        ("http://a.test/2024/post/theme.css", "stylesheet"),
        ("http://a.test/2024/post/img/hero.png", "image"),
    ]
    assert second == [("http://a.test/about/theme.css", "stylesheet"), ("http://a.test/about/img/hero.png", "image")]
    assert tokenized and len(calls) == tokenized
    assert css_requisites(style[7:-8] + " ", "http://a.test/") != [] and len(calls) > tokenized  # another text


def test_what_inline_css_leaves_in_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(requisites, "_REFERENCES", {})
    for n in range(requisites._REMEMBERED_CSS + 50):
        css_declaration_requisites(f"background: url(img/{n}.png)", BASE)
    assert len(requisites._REFERENCES) == requisites._REMEMBERED_CSS
    # The most recently used stay: the oldest (50), used again, is kept; the next oldest goes.
    assert _key(b"style", "background: url(img/49.png)") not in requisites._REFERENCES
    css_declaration_requisites("background: url(img/50.png)", BASE)
    css_declaration_requisites("background: url(img/new.png)", BASE)
    assert _key(b"style", "background: url(img/50.png)") in requisites._REFERENCES
    assert _key(b"style", "background: url(img/51.png)") not in requisites._REFERENCES
    # References too long to remember are found every time; data: URLs (no requisite) are not kept.
    many = "".join(f".a{n} {{ background: url(/{'x' * 200}/{n}.png) }}" for n in range(400))
    assert len(css_requisites(many, BASE)) == 400 and _key(b"sheet", many) not in requisites._REFERENCES
    fonts = "@font-face { src: url(data:font/woff2;base64," + "A" * 100_000 + ") } b { background: url(b.png) }"
    assert css_requisites(fonts, BASE) == [("http://a.test/dir/b.png", "image")]
    assert requisites._REFERENCES[_key(b"sheet", fonts)] == (("b.png", "image"),)


def _key(kind: bytes, css: str) -> bytes:
    return hashlib.sha256(kind + css.encode()).digest()


# Pieces of CSS that decide where tinycss2 ends a rule, and what a reference is.
CSS_PIECES = [
    *["url(", "URL(", "url( ", "u\\72l(", "\\75 rl(", "\\ url(", "xurl(", "-url(", "5url(", "url()", "url('q.png')"],
    *['"', "'", '"u(}"', "'a{'", "/*", "*/", "\\", "\\\n", "\\)", "\\41 ", "\\7b", "\\7d ", "\x00", "é"],
    *["{", "}", "(", ")", "[", "]", ";", ":", " ", "\n", "\r", "\f", ".", "%", "+", ",", "-", "#", "@", "5"],
    *["@import", "@IMPORT ", "@\\69mport ", "@media", "@font-face", "@supports", "src(", "image-set(", "-->", "<!--"],
    *["U+1", "U+?", "u+a-f", "a.png", "rgba(0,0,0)", "b{c:d}", "a{background:url(x.png)}", "@media x{a{b:url(m.png)}}"],
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CSS_PIECES), max_size=30))
def test_inline_css_read_rule_by_rule_finds_what_tinycss2_finds_in_the_whole(pieces):
    """Only a stylesheet's rules that may hold a reference are tokenized; cut where tinycss2 ends its
    rules, the references are the same (50,000 more examples of this found none differing, nor did
    the 666 <style> blocks with references of the two benchmark corpora)."""
    css = "".join(pieces)
    rules = top_level_rules(css)
    assert rules is None or "".join(rules) == css
    whole = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    assert list(requisites._text_references(css)) == list(requisites._stylesheet_references(whole)), rules


@pytest.mark.parametrize(
    "css, rules",
    [
        ('a { content: "}" } b { x: url(y{z) }', ['a { content: "}" }', " b { x: url(y{z) }"]),
        ("a { /* } */ } b { c: calc( } ) }", ["a { /* } */ }", " b { c: calc( } ) }"]),
        ("@media x { a { b: c } } d {}", ["@media x { a { b: c } }", " d {}"]),
        ("a { b: \\} } c {}", ["a { b: \\} }", " c {}"]),  # an escaped } closes nothing
        ("a { b: \\75rl(x}) }", None),  # an escaped url(): not cut
        ("@font-face { unicode-range: U+1url(x}) }", None),  # url( right after a unicode-range: not cut
    ],
)
def test_top_level_rules_end_where_tinycss2_ends_them(css, rules):
    assert top_level_rules(css) == rules


def test_scope_for_requisites():
    scope = Scope({"a.test"}, include=["/news/"], exclude=["/private/"])
    assert requisite_rejection(scope, "http://a.test/static/s.css", "stylesheet", other_hosts=False) is None
    assert requisite_rejection(scope, "http://cdn.test/s.css", "stylesheet", other_hosts=True) is None
    assert requisite_rejection(scope, "http://cdn.test/s.css", "stylesheet", other_hosts=False) == "host"
    assert requisite_rejection(scope, "http://ads.test/frame.html", "frame", other_hosts=True) == "host"
    assert requisite_rejection(scope, "http://a.test/private/x.png", "image", other_hosts=True) == "excluded"
    assert requisite_rejection(scope, "http://a.test/" + "a/" * 30 + "x.png", "image", other_hosts=True) == "deep-path"
    assert requisite_rejection(scope, "ftp://a.test/x.png", "image", other_hosts=True) == "scheme"


def test_the_analysis_worker_returns_requisites_from_its_one_parse():
    html = b'<html><head><link rel=stylesheet href="/s.css"></head><body><a href="/p">p</a><img src="/i.png"></body></html>'
    links, requisites, record, problems = analyse(Page("http://a.test/", html, [("Content-Type", "text/html")], 200))
    assert ("http://a.test/p", "a", "", "") in links
    assert requisites == [("http://a.test/s.css", "stylesheet"), ("http://a.test/i.png", "image")]
    assert "page_type" in record and problems == []
