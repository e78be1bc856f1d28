"""The body extractor's parts: class labels read as words, the second opinion's trigger and its blocks."""

import pytest

from crawler.extract import Page, extract
from crawler.extract.document import Document
from crawler.extract.labels import label_kind
from crawler.extract.second_opinion import looks_wrong, trafilatura_blocks


@pytest.mark.parametrize(
    "label",
    [
        "sidebar",
        "widget widget_recent_entries",
        "footer-widget",
        "textwidget",
        "tag-list",
        "post-tags",
        "share-buttons",
        "sharedaddy sd-sharing-enabled",
        "read-more",
        "mostPopular",
        "subHead",
        "no-print",
        "d-print-none",
        "print-header",
        "comment-list",
        "kommentare",
        "site-header",
        "header-inner",
        "postmetadata alt",
        "sr-only",
        "rightsidebar",
        "related-posts",
        "author-box",
        "community-notice",
        "affiliate-text",
        "third-party-services--placeholder",
        "dida",
        "foto-didascalia",
        "bildunterschrift",
    ],
)
def test_boilerplate_labels(label):
    assert label_kind(label).negative


@pytest.mark.parametrize(
    "label",
    [
        # The case: a layout's content column that is the article body.
        "sidebar-grid__content article__content",
        "has-sidebar",
        "site__main--no-sidebar",
        "no-share post-96709 post type-post status-publish",
        "post-231 post hentry category-greenhouse tag-tomatoes tag-shirley",
        "print-full",
        "col-md-6 print-full",
        "elementor-widget-container",
        "elementor-element elementor-widget elementor-widget-text-editor",
        "node node-article node-promoted",
        "APageRoot__SectionWrapper",
        "datei paragraph",
        "entry-header",
        "article__header",
        "header-content-align-left",
        "teaser-text",
        "field--name-field-quote-author",
        "sdc-article-widget sdc-article-tweet",
        "hidden-xs",
    ],
)
def test_content_labels(label):
    assert not label_kind(label).negative


def test_body_and_title_labels():
    assert label_kind("sidebar-grid__content article__content").body
    assert label_kind("section-title css-1yk4ls0").titled
    assert not label_kind("comment-reply-title").titled
    assert label_kind("comments-area").discussion
    assert label_kind("screen-reader-text").hidden


@pytest.mark.parametrize(
    "body, paragraphs, page, suspect",
    [
        (0, 5000, 8000, True),  # empty
        (300, 5000, 8000, True),  # a lead only
        (0, 0, 4000, True),  # empty, and the page's text is not in paragraphs (a table layout)
        (3000, 100_000, 120_000, True),  # a sliver of a page full of text
        (3000, 20_000, 30_000, False),
        (0, 0, 100, False),  # a page without text: nothing to find
        (400, 500, 3000, False),  # the page holds no more paragraphs than the body
    ],
)
def test_looks_wrong(body, paragraphs, page, suspect):
    assert looks_wrong(body, paragraphs, lambda: page) is suspect


def test_page_text_is_counted_only_for_a_short_body():
    def page_text():
        raise AssertionError("counted")

    assert not looks_wrong(3000, 20_000, page_text)


ARTICLE = """<html><head><title>Ferry timetable</title></head><body>
<div class="modal--ads"><p>Nothing here.</p></div>
<main><h1>Ferry timetable</h1>
<p>The harbour ferry runs every half hour from six in the morning, a little less often at weekends.</p>
<ul><li>Monday to Friday: every 30 minutes</li><li>Saturday and Sunday: every 45 minutes</li></ul>
<blockquote>We added two crossings in the evening after the consultation, said the operator.</blockquote>
<table><tr><td>First ferry</td><td>06:00</td></tr><tr><td>Last ferry</td><td>23:30</td></tr></table>
<p>Tickets cost 2.40 euros<br>and can be bought on board.</p></main></body></html>"""


def test_trafilatura_blocks_are_our_blocks():
    doc = Document(Page("https://harbour.example.org/ferry/timetable", ARTICLE.encode()))
    blocks = trafilatura_blocks(doc)
    kinds = [b.kind for b in blocks]
    texts = [b.text for b in blocks]
    assert "li" in kinds and "blockquote" in kinds
    assert "First ferry 06:00" in texts
    assert "Tickets cost 2.40 euros\nand can be bought on board." in texts
    # Items of one list share a group, so body_text writes them as one paragraph of lines.
    items = [b for b in blocks if b.kind == "li"]
    assert len({b.group for b in items}) == 1


def test_empty_page_gets_no_second_opinion_and_an_empty_body():
    record = extract(Page("https://example.org/empty", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"))
    assert record["body_text"] == ""
