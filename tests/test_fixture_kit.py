"""The parser-testing kit: `crawler fixture save` (network and WARC), `crawler fixture check`, the pytest plugin."""

from __future__ import annotations

import gzip
import io
import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, run_cli, run_cli_here
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import fixtures
from crawler.extract.profiles import registry as profiles_registry
from crawler.web.page import Page

GOLDEN = ROOT / "tests" / "fixtures"

STORY = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour ferry returns after a winter of repairs | Bay Chronicle</title>
<link rel="canonical" href="/story/">
<meta property="og:type" content="article"><meta property="og:site_name" content="Bay Chronicle">
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
<meta name="author" content="Ines Marlow"></head>
<body><header><nav><a href="/">Home</a> <a href="/local/">Local</a></nav></header>
<main><article><h1>Harbour ferry returns after a winter of repairs</h1>
<p class="byline">By Ines Marlow</p>
<p>The harbour ferry is back on the water this week after four months in dry dock, where engineers replaced
its propeller shafts and rebuilt the passenger deck that had been closed since the autumn storms.</p>
<p>Commuters who spent the winter on the long road around the bay said the first crossing felt like a small
holiday, and the operator promised that the timetable would return to half-hourly departures by April.</p>
<p>The council, which paid for most of the work, said the repairs should keep the vessel in service for at
least another fifteen years, and that a second, electric ferry is being considered for the busier routes.</p>
</article></main><footer>© Bay Chronicle</footer></body></html>""".encode()

# The same head and body bytes on every request (no Date or Server added), so two fetches of a page get
# "the same response". The story is gzip-compressed, reached through a redirect, with odd header names
# and a repeated header, to show that the fixture keeps what the server sent.
ROUTES = {
    "/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"),
    "/old": (301, [("Location", "/story/"), ("Content-Type", "text/html")], b"<html><body>moved</body></html>"),
    "/story/": (
        200,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Date", "Tue, 05 Mar 2024 10:00:00 GMT"),
            ("x-ODD-case", "kept as sent"),
            ("Link", "</a.css>; rel=preload"),
            ("Link", "</b.css>; rel=preload"),
        ],
        gzip.compress(STORY, mtime=0),
    ),
    "/data.json": (200, [("Content-Type", "application/json")], b'{"not": "a page"}'),
}
NOT_FOUND = (404, [("Content-Type", "text/html")], b"<html><body><h1>Not found</h1></body></html>")


class FixedSite:
    def __init__(self):
        self.paths: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                site.paths.append(self.path)
                status, headers, body = ROUTES.get(self.path, NOT_FOUND)
                self.send_response_only(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site():
    with FixedSite() as server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """The job folder of an ordinary crawl of the site, started at the redirecting URL."""
    out = tmp_path_factory.mktemp("crawl")
    result = run_cli("crawl", f"{site.url}/old", "--output", str(out), "--job", "fixed", "--no-progress")
    assert result.returncode == 0, result.stderr + result.stdout
    return out / "fixed"


def read_fixture(path: Path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in fixtures.FILES}


def make_fixture(folder: Path, html: bytes = STORY, url: str = "https://news.example/story/") -> fixtures.Fixture:
    return fixtures.save(folder, Page(url, html, (("Content-Type", "text/html; charset=utf-8"),), 200))


# ---- save ----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_saving_from_the_server_and_from_a_warc_gives_identical_fixtures(site, crawled, tmp_path):
    live = run_cli("fixture", "save", f"{site.url}/old", "--dir", str(tmp_path), "--name", "live")
    assert live.returncode == 0, live.stderr
    archived = run_cli(
        "fixture",
        "save",
        "--from-warc",
        str(crawled),
        "--url",
        f"{site.url}/old",
        "--dir",
        str(tmp_path),
        "--name",
        "from-warc",
    )
    assert archived.returncode == 0, archived.stderr
    assert site.paths.count("/story/") == 2  # both went through the server: the crawl and `save`

    assert read_fixture(tmp_path / "live") == read_fixture(tmp_path / "from-warc")
    fixture = fixtures.load(tmp_path / "live")
    status, sent_headers, sent_body = ROUTES["/story/"]
    assert fixture.page.url == f"{site.url}/story/"  # the redirect's target
    assert fixture.page.status == status
    assert fixture.page.body == sent_body  # still gzip, byte for byte
    assert fixture.page.content == STORY
    assert list(fixture.page.headers) == sent_headers + [("Content-Length", str(len(sent_body)))]
    assert fixture.expected == fixture.extract()
    assert fixture.expected["title"] == "Harbour ferry returns after a winter of repairs"
    assert f"{site.url}/story/ (asked for {site.url}/old)" in live.stdout


@pytest.mark.e2e
def test_save_refuses_an_existing_fixture_unless_forced(crawled, site, tmp_path):
    args = [
        "fixture",
        "save",
        "--from-warc",
        str(crawled),
        "--url",
        f"{site.url}/story/",
        "--dir",
        str(tmp_path),
        "--name",
        "story",
    ]
    assert run_cli(*args).returncode == 0
    (tmp_path / "story" / fixtures.EXPECTED).write_text('{"title": "corrected by hand"}')
    again = run_cli(*args)
    assert again.returncode == 2 and "already holds a fixture" in again.stderr
    assert json.loads((tmp_path / "story" / fixtures.EXPECTED).read_text()) == {"title": "corrected by hand"}
    forced = run_cli(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert fixtures.load(tmp_path / "story").expected["title"].startswith("Harbour ferry")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "path, options, message",
    [
        ("/missing/", [], "is not in"),  # never archived
        ("/sitemap.xml", [], "answered HTTP 404"),  # the crawl's sitemap probe
        ("/robots.txt", [], "is not an HTML page"),
    ],
)
def test_save_from_warc_errors_are_clear(crawled, site, tmp_path, path, options, message):
    result = run_cli(
        "fixture", "save", "--from-warc", str(crawled), "--url", site.url + path, "--dir", str(tmp_path), *options
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert not fixtures.discover([tmp_path])


def test_save_from_a_file_that_is_not_a_warc(tmp_path, capsys):
    garbage = tmp_path / "notes.warc.gz"
    garbage.write_bytes(b"this is not a WARC file\n" * 10)
    result = run_cli_here(
        capsys, "fixture", "save", "--from-warc", str(garbage), "--url", "https://x.example/", "--dir", str(tmp_path)
    )
    assert result.returncode == 1 and "no archived HTTP responses" in result.stderr


def write_warc(path: Path, responses: list[tuple[str, int, list[tuple[str, str]], bytes]]) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, status, headers, body in responses:
            http = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
            )
            writer.write_record(record)


def test_save_from_warc_takes_the_latest_capture_with_a_page(tmp_path, capsys):
    html = [("Content-Type", "text/html")]
    page = "<html><head><title>{}</title></head><body><h1>{}</h1></body></html>"
    write_warc(tmp_path / "a.warc.gz", [("https://x.example/p", 200, html, page.format("Old", "Old").encode())])
    write_warc(
        tmp_path / "b.warc.gz",
        [
            ("https://x.example/short", 302, [("Location", "/p")], b""),
            ("https://x.example/p", 200, html, page.format("New", "New").encode()),
            ("https://x.example/p", 304, [("ETag", '"1"')], b""),  # a later incremental run: unchanged
        ],
    )
    args = ["--from-warc", str(tmp_path), "--url", "https://x.example/short", "--dir", str(tmp_path), "--name", "p"]
    result = run_cli_here(capsys, "fixture", "save", *args)
    assert result.returncode == 0, result.stderr
    fixture = fixtures.load(tmp_path / "p")
    assert (fixture.page.url, fixture.page.status, fixture.expected["title"]) == ("https://x.example/p", 200, "New")


@pytest.mark.e2e
def test_save_keeps_an_error_page_with_any_status(crawled, site, tmp_path):
    result = run_cli(
        "fixture",
        "save",
        "--from-warc",
        str(crawled),
        "--url",
        f"{site.url}/sitemap.xml",
        "--dir",
        str(tmp_path),
        "--name",
        "error",
        "--any-status",
    )
    assert result.returncode == 0, result.stderr
    assert fixtures.load(tmp_path / "error").page.status == 404


@pytest.mark.e2e
def test_save_over_the_network_reports_404_and_refused(site, tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/page"
    # Non-HTML pages are refused by the same code as with --from-warc (tested there).
    for url, message in [(f"{site.url}/gone/", "answered HTTP 404"), (closed, "cannot fetch")]:
        result = run_cli("fixture", "save", url, "--dir", str(tmp_path), "-s", "RETRY_TIMES=0")
        assert result.returncode == 1, (url, result.stderr)
        assert message in result.stderr, (url, result.stderr)
        assert "Traceback" not in result.stderr
    assert not fixtures.discover([tmp_path])


def test_save_rejects_bad_arguments(tmp_path, capsys):
    for args, message in [
        (["ftp://x.example/"], "not an http(s) URL"),
        ([], "give the page's URL"),
        (["https://x.example/", "--name", "../out"], "--name"),
        (["--from-warc", str(tmp_path / "none.warc.gz"), "--url", "https://x.example/"], "no such WARC"),
    ]:
        try:
            result = run_cli_here(capsys, "fixture", "save", *args, "--dir", str(tmp_path))
            code, err = result.returncode, result.stderr
        except SystemExit as exc:  # argparse's own errors
            code, err = exc.code, capsys.readouterr().err
        assert code != 0 and message in err, (args, err)


# ---- check ---------------------------------------------------------------------------------


def test_check_names_a_wrong_field_and_update_accepts_it(tmp_path, capsys):
    make_fixture(tmp_path / "good")
    bad = make_fixture(tmp_path / "bad")
    expected = {"title": "Ferry sinks", "authors": ["Ines Marlow"], "page_type": "article"}  # only these are checked
    fixtures.write_expected(bad.path, expected)

    result = run_cli_here(capsys, "fixture", "check", str(tmp_path))
    out = result.stdout
    assert result.returncode == 1
    assert f"DIFF {bad.path}: 1 of 3 fields differ" in out
    assert "  title:\n      expected 'Ferry sinks'\n      got      'Harbour ferry returns" in out
    assert "FAIL: title" in out and "authors:" not in out
    assert "DIFF good" not in out

    result = run_cli_here(capsys, "fixture", "check", "--update", str(tmp_path))
    assert result.returncode == 0 and "updated: title" in result.stdout
    after = json.loads((bad.path / fixtures.EXPECTED).read_text())
    # Only the listed fields are rewritten: the person's choice of what to check stays.
    assert after == {**expected, "title": "Harbour ferry returns after a winter of repairs"}
    result = run_cli_here(capsys, "fixture", "check", str(tmp_path))
    assert result.returncode == 0 and "2 fixtures: 2 pass, 0 fail" in result.stdout


def test_check_reports_unknown_fields_and_broken_fixtures(tmp_path, capsys):
    fixtures.write_expected(make_fixture(tmp_path / "typo").path, {"autors": ["Ines Marlow"]})
    broken = make_fixture(tmp_path / "broken")
    (broken.path / fixtures.META).write_text("{not json")
    result = run_cli_here(capsys, "fixture", "check", "--update", str(tmp_path))
    assert result.returncode == 1  # --update cannot fix either
    out = result.stdout
    assert "'autors' is not a field of the extraction output" in out
    assert f"ERROR {broken.path}" in out
    assert json.loads((tmp_path / "typo" / fixtures.EXPECTED).read_text()) == {"autors": ["Ines Marlow"]}


def test_check_without_fixtures_is_a_usage_error(tmp_path, capsys):
    assert run_cli_here(capsys, "fixture", "check", str(tmp_path)).returncode == 2
    assert run_cli_here(capsys, "fixture", "check", str(tmp_path / "absent")).returncode == 2


def test_check_passes_on_the_projects_golden_fixtures(capsys):
    if not fixtures.discover([GOLDEN]):
        pytest.skip("no golden fixtures in tests/fixtures yet")
    result = run_cli_here(capsys, "fixture", "check", str(GOLDEN))
    out = result.stdout
    assert result.returncode == 0, out
    assert " 0 fail" in out


def test_check_uses_the_site_profiles_named_in_crawler_profiles(tmp_path, monkeypatch, capsys):
    page = (
        b"<html><head><title>Generic | Site</title></head><body><h1>Generic</h1><p class='who'>Ada Lane</p>"
        b"<p>Some text of the story that is long enough to count as a paragraph of the article.</p></body></html>"
    )
    fixture = make_fixture(tmp_path / "fixtures" / "page", page, url="https://kit-profile.example/story")
    fixtures.write_expected(fixture.path, {"authors": ["Ada Lane"]})
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "kit.toml").write_text('hosts = ["kit-profile.example"]\n[fields]\nauthors = ["//p[@class=\'who\']"]\n')

    generic = run_cli_here(capsys, "fixture", "check", str(tmp_path / "fixtures"))
    assert generic.returncode == 1 and "FAIL: authors" in generic.stdout
    monkeypatch.setenv("CRAWLER_PROFILES", str(profiles))
    profiles_registry.cache_clear()  # read once per process, as in a crawl
    try:
        tuned = run_cli_here(capsys, "fixture", "check", str(tmp_path / "fixtures"))
    finally:
        monkeypatch.delenv("CRAWLER_PROFILES")
        profiles_registry.cache_clear()
    assert tuned.returncode == 0, tuned.stdout


# ---- differences ---------------------------------------------------------------------------


def test_differences_are_readable():
    text = "Short days and wet roads put many riders off.\n\nLights matter more than anything else.\n\nKeep going."
    changed = text.replace("wet", "dry").replace("\n\nKeep going.", "")
    diff = fixtures.describe_difference("body_text", changed, text)
    assert diff.splitlines() == [
        "~ paragraph 1: Short days and [-wet-] {+dry+} roads put many riders off.",
        "- paragraph 3: Keep going.",
    ]
    lists = fixtures.describe_difference("authors", ["A", "C", "C"], ["A", "B", "C"])
    assert lists.splitlines() == ['- missing "B"', '+ extra   "C"']
    assert "different order" in fixtures.describe_difference("tags", ["b", "a"], ["a", "b"])
    long_line = " ".join(f"word{n}" for n in range(40))
    words = fixtures.describe_difference("description", long_line.replace("word20", "WORD"), long_line)
    assert "[-word20-] {+WORD+}" in words and "word0 " not in words  # the change, with context only


def test_updated_expected_rewrites_listed_fields_only():
    record = {"title": "New", "authors": ["A"], "body_text": "x"}
    assert fixtures.updated_expected({"title": "Old", "typo": 1}, record) == {"title": "New", "typo": 1}
    assert fixtures.updated_expected({}, record) == record


# ---- pytest plugin -------------------------------------------------------------------------


def run_pytest(pytester, folder: Path, *args: str) -> SimpleNamespace:
    """pytest over a folder with no test code, run from it; the plugin comes from the entry point.

    In this process (pytester: a session of its own, which loads the entry points' plugins as `pytest DIR`
    does, and forgets the modules it imported), not in a fresh interpreter: that one's start-up and
    imports were most of the time of these tests."""
    # hypothesis's plugin only costs startup time here.
    options = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-rf"]
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = pytester.runpytest_inprocess(*options, *args, str(folder))
    finally:
        os.chdir(here)
    return SimpleNamespace(returncode=result.ret, stdout=result.stdout.str())


def test_pytest_plugin_reports_one_failing_test_per_wrong_field(tmp_path, pytester):
    fixtures_dir = tmp_path / "fixtures"
    make_fixture(fixtures_dir / "site-a" / "story")
    wrong = make_fixture(fixtures_dir / "site-b")
    fixtures.write_expected(wrong.path, {**wrong.expected, "authors": ["Somebody Else"]})
    fields = len(wrong.expected)

    collected = run_pytest(pytester, fixtures_dir, "--collect-only", "-q")
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert len(ids) == 2 * fields
    assert "site-a/story/expected.json::title" in ids

    result = run_pytest(pytester, fixtures_dir)
    assert result.returncode == 1
    failed = [line.split(" - ")[0] for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert failed == ["FAILED site-b/expected.json::authors"]
    assert f"1 failed, {2 * fields - 1} passed" in result.stdout
    assert '- missing "Somebody Else"' in result.stdout and '+ extra   "Ines Marlow"' in result.stdout
    assert "why:\n    from  byline-class  (the byline the page shows" in result.stdout  # what gave today's value


def test_pytest_plugin_reports_an_unreadable_expected_json(tmp_path, pytester):
    fixture = make_fixture(tmp_path / "page")
    (fixture.path / fixtures.EXPECTED).write_text("{oops")
    result = run_pytest(pytester, tmp_path)
    assert result.returncode != 0
    assert "cannot load fixture" in result.stdout and "JSONDecodeError" in result.stdout
