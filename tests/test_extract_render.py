"""`crawler parse --format text`: a record laid out the way the founding site's article reads."""

from pathlib import Path

from crawler import fixtures
from crawler.extract.render import record_as_text

FOUNDING = Path(__file__).parent / "fixtures" / "wordpress-magazine-founding"


def test_text_layout_follows_the_founding_page():
    fixture = fixtures.load(FOUNDING)
    parts = record_as_text(fixture.extract()).split("\n\n")
    expected = fixture.expected
    assert parts[0] == " » ".join(item["name"] for item in expected["breadcrumb"])
    assert parts[0].startswith("Home » Mujahedin Khalq Organization as a terrorist group » April 1992")
    assert parts[1] == expected["title"]
    body = expected["body_text"].split("\n\n")
    assert parts[2 : 2 + len(body)] == body
    assert parts[2 + len(body)] == "Mazda Parsi"
    assert parts[3 + len(body)] == "You may also like"
    assert parts[4 + len(body)].split("\n") == [item["title"] for item in expected["related"]]


def test_text_layout_skips_missing_parts():
    assert record_as_text({"title": "Only a title", "breadcrumb": [], "authors": [], "related": []}) == "Only a title"
