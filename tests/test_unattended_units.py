"""Building blocks of unattended crawls, without a crawl."""

import logging
from datetime import UTC, date, datetime

import pytest

from crawler.commands.runner import split_credentials
from crawler.discovery.datewindow import DateWindow
from crawler.discovery.recent import RecentSet
from crawler.discovery.scope import Scope, trap_reason
from crawler.discovery.sitemaps import feed_entries, sitemap_entries
from crawler.jobs import config as jobconfig
from crawler.jobs.frontier import Frontier
from crawler.jobs.records import repair_jsonl
from crawler.jobs.run import EXIT_CRAWL_FAILED, EXIT_OK, EXIT_PARTIAL, exit_code, finish
from crawler.web import urls
from crawler.web.redact import install, redact, strip_userinfo
from crawler.web.urls import canonical_url, clean_url, netloc_key


@pytest.mark.parametrize(
    "url, cleaned",
    [
        ("http://ex.org/a?utm_source=x&id=3&fbclid=9#top", "http://ex.org/a?id=3"),
        ("http://ex.org/a?b=2&a=1", "http://ex.org/a?b=2&a=1"),  # order kept when nothing is removed
        ("http://ex.org/story/amp/", "http://ex.org/story/"),
        ("http://ex.org/story.amp.html", "http://ex.org/story.html"),
        ("http://ex.org/story/?amp=1", "http://ex.org/story/"),
        ("http://ex.org/s?outputType=amp&x=1", "http://ex.org/s?x=1"),
        ("http://ex.org/camp/", "http://ex.org/camp/"),
    ],
)
def test_clean_url(url, cleaned):
    assert clean_url(url) == cleaned


def test_canonical_url_is_the_dedup_key():
    assert canonical_url("http://ex.org/a?b=2&a=1&utm_medium=m") == canonical_url("http://ex.org/a?a=1&b=2")
    assert canonical_url("http://ex.org/a/amp/") == canonical_url("http://ex.org/a/")


@pytest.mark.parametrize(
    "url, key",
    [
        ("http://Ex.ORG/a", "ex.org"),
        ("http://ex.org:80/a", "ex.org"),  # default ports dropped
        ("https://ex.org:443?q", "ex.org"),
        ("https://ex.org:80#x", "ex.org:80"),
        ("http://me:secret@ex.org:8080/", "ex.org:8080"),  # no credentials
        ("http://[::1]:8000/", "::1:8000"),
        ("http://ex.org:http/", "ex.org"),  # a port that is no number: the host alone
        ("http://ex.org", "ex.org"),
        ("HTTP://Ex.org/", "ex.org"),  # not remembered: urlsplit lower-cases the scheme
        ("http://ex.\torg/", "ex.org"),  # urlsplit deletes tabs and line breaks before it splits
        ("http://ex.org\n:81/", "ex.org:81"),
        ("ftp://ex.org:21/", "ex.org:21"),
        ("/relative", ""),
    ],
)
def test_netloc_key_answers_as_urlsplit_does_from_memory_too(url, key):
    assert netloc_key(url) == key
    assert netloc_key(url) == key  # the second answer may come from memory
    assert netloc_key(url + "/more?x#y") == key


def test_netloc_key_of_an_authority_broken_by_a_tab_is_not_that_of_its_start():
    assert netloc_key("http://ex.org\t.other.example/") == "ex.org.other.example"
    assert netloc_key("http://ex.org/") == "ex.org"
    assert netloc_key("http://ex.org\r\n:8080/") == "ex.org:8080"
    assert netloc_key("http://ex.org?q") == "ex.org"


def test_netloc_key_refuses_a_bad_authority_every_time():
    for _ in range(2):
        with pytest.raises(ValueError):
            netloc_key("http://[::1/")


def test_netloc_keys_remembered_stay_bounded():
    urls._origin_key.cache_clear()
    for n in range(urls._ORIGINS + 10):
        assert netloc_key(f"http://h{n}.example/") == f"h{n}.example"
    assert netloc_key("http://" + "h" * 100_000 + "/") == "h" * 100_000
    assert urls._origin_key.cache_info().currsize <= urls._ORIGINS
    assert netloc_key("http://" + "h" * 100_000 + "/") == "h" * 100_000
    assert urls._origin_key.cache_info().misses == urls._ORIGINS + 10  # the long one was never asked for


def test_strip_userinfo():
    assert strip_userinfo("https://u:p@ex.org/x") == "https://ex.org/x"


def test_split_credentials_moves_them_to_auth_settings():
    urls, auth, secrets = split_credentials(["https://me:p%40ss@ex.org/"])
    assert urls == ["https://ex.org/"]
    assert auth == {"HTTPAUTH_USER": "me", "HTTPAUTH_PASS": "p@ss", "HTTPAUTH_DOMAIN": "ex.org"}
    assert "p@ss" in secrets


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://ex.org/a/b/a/b/a/b/a/b/", "repeating-path"),
        ("http://ex.org/s?" + "&".join(f"p{i}=1" for i in range(13)), "many-query-params"),
        ("http://ex.org/" + "x/" * 21, "deep-path"),
        ("http://ex.org/" + "x" * 1100, "long-url"),
        ("http://ex.org/2024/01/02/story/", None),
    ],
)
def test_trap_reason(url, reason):
    assert trap_reason(url) == reason


def test_scope_hosts_subdomains_and_patterns():
    exact = Scope.from_seeds(["https://www.ex.org/"])
    assert exact.allows("https://www.ex.org/a") and not exact.allows("https://news.ex.org/a")
    assert not exact.allows("http://www.ex.org:8080/a")
    wide = Scope.from_seeds(["https://www.ex.org/"], subdomains=True, include=[r"/news/"], exclude=[r"\?print"])
    assert wide.allows("https://news.ex.org/news/1") and wide.allows("https://ex.org/news/2")
    assert wide.rejection("https://ex.org/about") == "not-included"
    assert wide.rejection("https://ex.org/news/1?print") == "excluded"
    assert wide.rejection("https://other.org/news/") == "host"


# ---- job files -----------------------------------------------------------------------------------


def test_job_file_maps_to_settings(tmp_path):
    path = tmp_path / "job.toml"
    path.write_text(
        '[job]\nname = "n"\ncontact = "mailto:a@b"\n[seeds]\nurls = ["https://ex.org/"]\n'
        '[limits]\nmax_body_size = "2MB"\nmax_duration = "2h"\n[schedule]\nsince = 2024-01-31\n'
        '[auth]\nuser = "u"\npassword = "pw"\ndomain = "ex.org"\n[settings]\nDOWNLOAD_DELAY = 2\n'
    )
    config = jobconfig.load(path)
    assert config.settings["JOB_NAME"] == "n"
    assert config.settings["START_URLS"] == ["https://ex.org/"]
    assert config.settings["DOWNLOAD_MAXSIZE"] == 2 * 1024**2
    assert config.settings["CLOSESPIDER_TIMEOUT"] == 7200
    assert config.settings["DATE_SINCE"] == "2024-01-31"
    assert config.settings["DOWNLOAD_DELAY"] == 2
    assert "pw" in config.secrets


@pytest.mark.parametrize(
    "data, message",
    [
        ({"scope": {"hostz": []}}, "unknown key scope.hostz"),
        ({"nope": {}}, "unknown section [nope]"),
        ({"limits": {"max_pages": -1}}, "limits.max_pages: must not be negative"),
        ({"limits": {"max_pages": True}}, "limits.max_pages: expected int"),
        ({"scope": {"exclude": ["("]}}, "scope.exclude: bad regular expression"),
        ({"schedule": {"since": "yesterday"}}, "schedule.since: expected a date"),
        ({"schedule": {"error_threshold": 3}}, "schedule.error_threshold: expected a share"),
        ({"settings": {"lower": 1}}, "UPPER_CASE"),
    ],
)
def test_job_file_errors_name_the_key(data, message):
    with pytest.raises(jobconfig.JobConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        jobconfig.from_dict(data)


def test_example_job_file_is_valid():
    from pathlib import Path

    examples = sorted((Path(__file__).parent.parent / "jobs").glob("*.toml"))
    assert examples
    for path in examples:
        jobconfig.load(path)


# ---- frontier --------------------------------------------------------------------------------------


def test_frontier_order_dedupe_and_crash_recovery(tmp_path):
    path = tmp_path / "f.sqlite"
    frontier = Frontier(path)
    assert frontier.push(b"a", 0, b"fa") and frontier.push(b"b", 5, b"fb") and frontier.push(b"c", 0, b"fc")
    assert frontier.push(b"a again", 0, b"fa") is None
    assert frontier.push(b"no filter", 0, None) and frontier.push(b"no filter", 0, None)
    first = frontier.pop()
    assert first[1] == b"b"  # highest priority first
    second = frontier.pop()
    assert second[1] == b"a"  # then first in, first out
    frontier.done(first[0])
    # The process dies with "a" in flight: it must come back.
    recovered = Frontier(path)
    assert recovered.requeue_in_flight() == 1
    assert [recovered.pop()[1] for _ in range(4)] == [b"a", b"c", b"no filter", b"no filter"]
    assert recovered.pop() is None
    assert recovered.seen(b"fb") and recovered.seen(b"fa")


# ---- discovery -------------------------------------------------------------------------------------


def test_sitemap_index_news_and_lastmod():
    index = b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/s1.xml.gz</loc></sitemap></sitemapindex>'
    kind, entries = sitemap_entries(index, "https://ex.org/sitemap.xml")
    assert kind == "sitemapindex" and list(entries)[0].url == "https://ex.org/s1.xml.gz"
    news = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://ex.org/a</loc><lastmod>2024-02-01</lastmod><news:news><news:publication_date>2024-01-05T10:00:00+01:00"
        b"</news:publication_date></news:news></url><url><loc>https://ex.org/b</loc><lastmod>2023-12-24</lastmod></url></urlset>"
    )
    kind, entries = sitemap_entries(news, "https://ex.org/")
    assert kind == "urlset"
    assert [(e.url, e.when.date()) for e in entries] == [
        ("https://ex.org/a", date(2024, 1, 5)),
        ("https://ex.org/b", date(2023, 12, 24)),
    ]


def test_sitemap_entries_stream_in_order_and_survive_damage():
    urls = "".join(f"<url><loc>/p/{n}</loc></url>" for n in range(20000))
    kind, entries = sitemap_entries(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(), "https://ex.org/"
    )
    assert kind == "urlset" and [e.url for e in entries] == [f"https://ex.org/p/{n}" for n in range(20000)]
    cut = b"<urlset><url><loc>/a</loc></url><other>x</other><url><loc>/b</loc></url><url><lo"
    assert [e.url for e in sitemap_entries(cut, "https://ex.org/")[1]] == ["https://ex.org/a", "https://ex.org/b"]
    for junk in (b"", b"not xml", b"\x00\xff binary", b"<html><body>a page</body></html>"):
        kind, entries = sitemap_entries(junk, "https://ex.org/")
        assert kind == "" and list(entries) == []


def test_hostile_xml_is_not_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    kind, entries = sitemap_entries(bomb, "https://ex.org/")
    assert all("aaaaaaaaaa" not in e.url for e in entries)


def test_feed_entries_rss_and_atom():
    rss = b"<rss><channel><item><link>https://ex.org/1</link><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item></channel></rss>"
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="/2"/><updated>2024-03-01T00:00:00Z</updated></entry></feed>'
    assert [(e.url, e.when.date()) for e in feed_entries(rss, "https://ex.org/")] == [
        ("https://ex.org/1", date(2024, 1, 1))
    ]
    assert [(e.url, e.when.date()) for e in feed_entries(atom, "https://ex.org/feed")] == [
        ("https://ex.org/2", date(2024, 3, 1))
    ]


def test_date_window():
    window = DateWindow(date(2024, 1, 1), date(2024, 12, 31))
    assert window.contains("2024-06-01T10:00:00+02:00") and window.contains(None)
    assert not window.contains(datetime(2023, 12, 31, 23, tzinfo=UTC)) and not window.contains("2025-01-01")


# ---- files, logs, exit codes -----------------------------------------------------------------------


def test_repair_jsonl_cuts_a_partial_last_line(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    assert repair_jsonl(path) == len(b'{"a": 1}\n{"b": 2}\n')
    assert path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert repair_jsonl(path) == path.stat().st_size


def test_log_records_are_redacted(caplog):
    install(["hunter2"])
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("fetching %s with %s", "https://bob:pw@ex.org/", "hunter2")
    assert "hunter2" not in caplog.text and "bob:pw" not in caplog.text
    assert redact("x https://a:b@h/ y", []) == "x https://***@h/ y"


@pytest.mark.parametrize(
    "text, shown",
    [
        ("GET https://token@ex.org/feed", "GET https://***@ex.org/feed"),  # a bare token, no password
        ("https://u:p@ss@ex.org:8080/x", "https://***@ex.org:8080/x"),  # "@" inside the password
        ("see http://ex.org/a@b and mailto:x@ex.org", "see http://ex.org/a@b and mailto:x@ex.org"),
    ],
)
def test_one_redactor_masks_every_kind_of_userinfo(text, shown):
    assert redact(text) == shown
    assert strip_userinfo("https://token@ex.org/feed") == "https://ex.org/feed"


def test_stats_and_summary_are_redacted(tmp_path, capsys):
    stats = {
        "finish_reason": "finished",
        "downloader/response_count": 1,
        "note": "https://tok@ex.org/ s3cret",
        "fetch/failed/https://tok@ex.org/": 1,
    }
    finish(stats, tmp_path, "job", secrets=["s3cret"])
    written = (tmp_path / "stats.json").read_text()
    assert "tok@" not in written and "s3cret" not in written and "https://***@ex.org/" in written
    assert "s3cret" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "stats, code",
    [
        ({"finish_reason": "finished", "downloader/response_count": 10, "downloader/request_count": 10}, EXIT_OK),
        ({"finish_reason": "limit_pages", "downloader/response_count": 10, "downloader/request_count": 10}, EXIT_OK),
        ({"finish_reason": "finished", "downloader/response_count": 0}, EXIT_CRAWL_FAILED),
        ({"finish_reason": "shutdown", "downloader/response_count": 5}, EXIT_CRAWL_FAILED),
        (
            {
                "finish_reason": "finished",
                "downloader/response_count": 9,
                "downloader/request_count": 10,
                "fetch/failed": 1,
            },
            EXIT_PARTIAL,
        ),
    ],
)
def test_exit_code(stats, code):
    assert exit_code(stats, 0.05) == code


def test_recent_set_remembers_the_last_items_and_forgets_old_ones():
    seen = RecentSet(100, 1_000_000)
    for n in range(1000):
        seen.add(str(n))
    assert all(str(n) in seen for n in range(900, 1000))
    assert not any(str(n) in seen for n in range(800))
    assert len(seen.current) + len(seen.previous) <= 200
