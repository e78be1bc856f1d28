"""Site profiles as scraper authors write them: CSS selectors, Python parsers, starting profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, run_cli_here
from servers.sites import HTML, RouteServer

from crawler import fixtures
from crawler.extract import Document, Page, extract, extract_document, profiles
from crawler.extract.profiles import ProfileError

HOST = "parsers.example"
PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ferry back | Bay Post</title>
<meta property="og:type" content="article"></head><body>
<header><a href="/">Bay Post</a></header>
<main><article><p class="kicker">Transport</p><h1>Ferry back</h1>
<p class="headline-long">Harbour ferry returns after a winter of repairs</p>
<div class="meta"><span class="day">2026-03-14</span> <span class="time">07:45</span></div>
<p class="byline">Written by <span class="who">Ines Marlow</span> and <span class="who">Tom Reed</span></p>
<div class="story"><p>The harbour ferry is back on the water this week after four months in dry dock, with new engines.</p>
<p>Engineers replaced both propeller shafts and rebuilt the passenger deck over the winter months.</p>
<div class="promo">Subscribe to our newsletter for the day's stories every morning, it is free.</div>
<p>The first crossing left at seven in the morning and was full, the operator said on Monday.</p></div>
</article></main></body></html>"""


@pytest.fixture
def profile_dir(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    monkeypatch.setenv("CRAWLER_PROFILES", str(folder))
    profiles.registry.cache_clear()
    yield folder
    profiles.registry.cache_clear()


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")
    profiles.registry.cache_clear()


def record_of(url: str = f"https://{HOST}/ferry/") -> tuple[dict, list[str]]:
    doc = Document(Page(url, PAGE, (("Content-Type", "text/html; charset=utf-8"),), 200))
    return extract_document(doc), doc.problems


def changed_fields(generic: dict, tuned: dict) -> set[str]:
    return {name for name in generic if generic[name] != tuned[name]}


def test_a_css_profile_changes_exactly_the_fields_it_names(profile_dir):
    generic, _ = record_of("https://elsewhere.example/ferry/")
    write(
        profile_dir,
        f"{HOST}.toml",
        f'hosts = ["{HOST}"]\n[fields]\n'
        'title = ["css:p.headline-long::text"]\n'
        'authors = { css = ["p.byline .who:first-child::text"] }\n'
        'published = ["css:span.nothing-here::text"]\n',  # finds nothing: the generic value stays
    )
    tuned, problems = record_of()
    generic = {**generic, "url": tuned["url"], "canonical_url": tuned["canonical_url"]}
    assert changed_fields(generic, tuned) == {"title", "authors"} and problems == []
    assert tuned["title"] == "Harbour ferry returns after a winter of repairs"
    assert tuned["authors"] == ["Ines Marlow"]


PARSER = """
HOSTS = ["parsers.example"]


class Parser:
    def published(self, page):
        # a date split over two elements
        return page.css("span.day::text").get() + "T" + page.css("span.time::text").get() + ":00+00:00"

    def body_text(self, page):
        story = page.soup.select_one("div.story")
        for promo in story.select(".promo"):
            promo.decompose()
        lead = page.soup.select_one("p.headline-long").get_text(strip=True)
        return "\\n\\n".join([lead] + [p.get_text(" ", strip=True) for p in story.find_all("p")])

    def tags(self, page):
        raise RuntimeError("the tag box moved")

    def description(self, page):
        return 42  # not text: refused
"""


def test_a_python_parser_changes_exactly_its_fields_and_a_failing_method_costs_only_its_own(profile_dir):
    generic, _ = record_of("https://elsewhere.example/ferry/")
    write(profile_dir, "parsers_example.py", PARSER)
    tuned, problems = record_of()
    generic = {**generic, "url": tuned["url"], "canonical_url": tuned["canonical_url"]}
    assert changed_fields(generic, tuned) - {"body_html", "word_count"} == {"published", "body_text"}
    assert tuned["published"] == "2026-03-14T07:45:00+00:00"
    assert tuned["body_text"].startswith("Harbour ferry returns") and tuned["body_text"].count("\n\n") == 3
    assert "Subscribe" not in tuned["body_text"]
    assert tuned["word_count"] == len(tuned["body_text"].split())
    raised, refused = sorted(problems, key=lambda p: "raised" not in p)
    assert len(problems) == 2
    assert "parsers_example.py:18: Parser.tags raised RuntimeError: the tag box moved" in raised
    assert "Parser.description returned int" in refused


def test_python_wins_over_toml_per_field(profile_dir):
    write(
        profile_dir,
        f"{HOST}.toml",
        f'hosts = ["{HOST}"]\n[fields]\ntitle = ["css:p.kicker::text"]\npublished = ["css:span.day::text"]\n',
    )
    write(
        profile_dir,
        "parsers_example.py",
        'HOSTS = ["parsers.example"]\n\nclass Parser:\n    def published(self, page):\n        return "2020-01-02"\n',
    )
    tuned, _ = record_of()
    assert tuned["title"] == "Transport" and tuned["published"] == "2020-01-02"


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            f"{HOST}.toml",
            f'hosts = ["{HOST}"]\n[fields]\ntitle = ["css:h1[[broken"]\n',
            "bad CSS selector 'h1[[broken'",
        ),
        (f"{HOST}.toml", f'hosts = ["{HOST}"]\n[fields]\ntitle = ["//h1[["]\n', "bad XPath"),
        (
            "broken.py",
            'HOSTS = ["x.example"]\n\nclass Parser:\n    def title(self, page)\n        return 1\n',
            "broken.py:4: syntax error",
        ),
        ("nohosts.py", "class Parser:\n    pass\n", "no HOSTS"),
    ],
)
def test_broken_profiles_fail_loudly_naming_the_file(profile_dir, name, content, message):
    write(profile_dir, name, content)
    with pytest.raises(ProfileError) as error:
        profiles.registry()
    assert str(profile_dir / name) in str(error.value) and message in str(error.value)


def test_a_parser_that_fails_to_import_names_its_file_and_line(profile_dir):
    write(profile_dir, "importer.py", f'HOSTS = ["{HOST}"]\n\nimport no_such_module_here\n\nclass Parser:\n    pass\n')
    with pytest.raises(ProfileError, match=r"importer\.py:3: ModuleNotFoundError"):
        extract(Page(f"https://{HOST}/ferry/", PAGE))


def test_profile_new_writes_selectors_that_find_what_the_generic_extractor_found(tmp_path, monkeypatch, capsys):
    """For each way (TOML CSS, Python), a profile written from a fixture gives that fixture's values back."""
    source = Path(__file__).parent / "fixtures" / "wordpress-magazine-founding"
    fixture = fixtures.load(source)
    host = "profile-new.example"
    page = Page(f"https://{host}/post/", fixture.page.body, fixture.page.headers, 200)
    saved = tmp_path / "fixture"
    fixtures.save(saved, page)
    monkeypatch.setattr(profiles, "for_url", lambda url: None)  # the generic result, which the profile must match
    generic = extract(page)
    monkeypatch.undo()
    for python in (False, True):
        folder = tmp_path / ("python" if python else "toml")
        args = ["profile", "new", host, "--from-fixture", str(saved), "--dir", str(folder)] + (
            ["--python"] if python else []
        )
        result = run_cli_here(capsys, *args)  # in this process: the command starts no reactor
        assert result.returncode == 0, result.stderr
        monkeypatch.setenv("CRAWLER_PROFILES", str(folder))
        profiles.registry.cache_clear()
        doc = Document(page)
        found = profiles.apply(profiles.for_url(page.url), doc, generic)
        assert doc.problems == []
        for name in ("title", "authors", "published", "body_text", "related"):
            assert found[name] == generic[name], (python, name)
    profiles.registry.cache_clear()


@pytest.mark.e2e
def test_a_parser_that_raises_leaves_the_record_and_the_crawl_intact_and_is_counted(tmp_path):
    def site(path, query, base):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/":
            return 200, HTML, b'<html><body><a href="/ferry/">Ferry</a> <a href="/other/">Other</a></body></html>'
        if path in ("/ferry/", "/other/"):
            return 200, HTML, PAGE.replace(b"Ferry back", f"The {path.strip('/')} story".encode())
        return 404, HTML, b"<html><body>Not found</body></html>"

    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "raising.py").write_text(
        'HOSTS = ["127.0.0.1"]\n\nclass Parser:\n    def authors(self, page):\n        raise KeyError("byline")\n'
    )
    with RouteServer(site) as server:
        env_dirs = str(folder)
        result = run_cli(
            "crawl",
            server.url + "/",
            "--job",
            "parsers",
            "--output",
            str(tmp_path),
            "--no-progress",
            "-s",
            "EXTRACTION_WORKERS=1",
            env={"CRAWLER_PROFILES": env_dirs},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in (tmp_path / "parsers" / "records.jsonl").read_text().splitlines()]
    assert sorted(r["title"] for r in records) == ["The ferry story", "The other story"]
    assert all(r["authors"] == ["Ines Marlow", "Tom Reed"] for r in records)  # the generic value
    stats = json.loads((tmp_path / "parsers" / "stats.json").read_text())
    assert stats["extraction/parser_errors"] == 3  # the two articles and the home page
    assert "raising.py:5: Parser.authors raised KeyError" in result.stderr
