"""Browser mode end to end: a site built by JavaScript from a JSON endpoint, crawled with and without the
browser; what the WARC holds; replay in pywb, checked in Chromium; pages that hang or crash the renderer."""

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from conftest import kill, run_cli, start_cli
from servers import replay
from servers.scripted import BANNER, ScriptedSite, png
from servers.sites import RouteServer
from warcio.archiveiterator import ArchiveIterator

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

BIN = Path(sys.executable).parent
QUIET = ("--log-level", "WARNING", "--no-progress")
COUNT = 4  # articles; the last is linked only from the related links the script inserts


def records(job: Path) -> dict[str, dict]:
    path = job / "records.jsonl"
    found = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return {record["url"]: record for record in found}


def warc_records(job: Path) -> list[tuple[object, object, bytes]]:
    """(rec_headers, http_headers, payload as stored) of every record of the job's WARCs."""
    out = []
    for path in sorted(job.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                raw = record.raw_stream.read()
                out.append((record.rec_headers, record.http_headers, raw))
    return out


def by_uri(entries, kind: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for headers, http, payload in entries:
        if headers.get_header("WARC-Type") == kind:
            found.setdefault(headers.get_header("WARC-Target-URI"), []).append((headers, http, payload))
    return found


@pytest.fixture(scope="module")
def site():
    site = ScriptedSite(COUNT)
    with RouteServer(site) as server:
        yield site, server


@pytest.fixture(scope="module")
def crawls(site, tmp_path_factory):
    site, server = site
    out = tmp_path_factory.mktemp("out")
    browser = run_cli("crawl", server.url + "/", "--job", "browser", "--output", str(out), "--browser", *QUIET)
    assert browser.returncode == 0, browser.stderr[-3000:]
    plain = run_cli("crawl", server.url + "/", "--job", "plain", "--output", str(out), *QUIET)
    assert plain.returncode == 0, plain.stderr[-3000:]
    return {"base": server.url, "browser": out / "browser", "plain": out / "plain"}


def test_browser_crawl_gives_the_full_record_and_follows_rendered_links(site, crawls):
    site, _ = site
    base = crawls["base"]
    got = records(crawls["browser"])
    assert set(got) == {f"{base}/story/{n}/" for n in range(COUNT)}  # the last one only through related links
    for n in range(COUNT):
        record = got[f"{base}/story/{n}/"]
        assert record["page_type"] == "article"
        assert record["title"] == site.title(n)
        assert record["authors"] == [site.author(n)]
        assert record["published"].startswith(f"2024-03-{1 + n:02d}")
        for paragraph in site.story_json(n, base)["paragraphs"]:
            assert paragraph in record["body_text"]
        assert "cookies" not in record["body_text"]  # the banner was removed from the rendered copy
        related = {r["url"] for r in record["related"]}
        assert related == {r["url"] for r in site.story_json(n, base)["related"]}
    stats = json.loads((crawls["browser"] / "stats.json").read_text())
    assert stats["browser/pages"] == COUNT + 1 and stats["browser/screenshots"] == COUNT + 1
    assert stats.get("browser/overlays_removed", 0) >= COUNT
    assert "browser/failed_pages" not in stats and "log_count/ERROR" not in stats


def test_same_site_without_the_browser_gives_honest_empty_records(site, crawls):
    site, _ = site
    base = crawls["base"]
    got = records(crawls["plain"])
    # The last article is linked only from the related links the script inserts: never found.
    assert set(got) == {f"{base}/story/{n}/" for n in range(COUNT - 1)}
    for n in range(COUNT - 1):
        record = got[f"{base}/story/{n}/"]
        assert record["title"] == site.title(n)  # what the HTML holds
        # Nothing of the article: only what the HTML holds outside it (the banner, "Loading…").
        assert not any(p in record["body_text"] for p in site.story_json(n, base)["paragraphs"])
        assert len(record["body_text"]) < 100
        assert record["authors"] == [] and record["related"] == []


def test_warc_holds_every_exchange_the_browser_made(site, crawls):
    site, _ = site
    base = crawls["base"]
    entries = warc_records(crawls["browser"])
    responses, revisits = by_uri(entries, "response"), by_uri(entries, "revisit")
    for n in range(COUNT):
        # The JSON endpoint, sent gzip-encoded, stored as the browser exposes it, the head restated.
        [(headers, http, payload)] = responses[f"{base}/api/story/{n}.json"]
        assert json.loads(payload) == site.story_json(n, base)
        assert http.get_header("Content-Encoding") is None
        assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
        assert http.get_header("Content-Length") == str(len(payload))
        # The lazy images, which load only once scrolled to.
        for k in range(2):
            [(_, http, payload)] = responses[f"{base}/img/{n}-{k}.png"]
            assert payload == png(n * 10 + k) and http.get_statuscode() == "200"
        # The page as the server sent it (banner and script, no article), not the rendered DOM.
        [(_, http, payload)] = responses[f"{base}/story/{n}/"]
        assert BANNER.encode() in payload and b"paragraph 1" not in payload
        assert http.get_header("Server", "").startswith("BaseHTTP")  # the head as received
    # The same script on every page: stored once, then revisits.
    assert len(responses[f"{base}/static/app.js"]) == 1 and len(revisits[f"{base}/static/app.js"]) == COUNT - 1
    # Every response has its request record.
    requests = by_uri(entries, "request")
    for uri, found in responses.items():
        assert len(requests[uri]) >= len(found), uri
    info = [payload for headers, _, payload in entries if headers.get_header("WARC-Type") == "warcinfo"][0]
    assert b"capture-browser:" in info and b"X-Archive-Orig-Content-Encoding" in info
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, sorted(crawls["browser"].glob("*.warc.gz")))],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_rendered_dom_and_screenshot_are_resource_records_of_each_page(site, crawls):
    site, _ = site
    base = crawls["base"]
    entries = warc_records(crawls["browser"])
    resources = by_uri(entries, "resource")
    got = records(crawls["browser"])
    for n in range(COUNT):
        url = f"{base}/story/{n}/"
        [(dom_headers, _, dom)] = resources[f"urn:dom:{url}"]
        [(shot_headers, _, shot)] = resources[f"urn:screenshot:{url}"]
        assert dom_headers.get_header("Content-Type").startswith("text/html")
        assert site.story_json(n, base)["paragraphs"][0].encode() in dom and b"cookie-banner" not in dom
        assert shot_headers.get_header("Content-Type") == "image/png" and shot.startswith(b"\x89PNG\r\n\x1a\n")
        # Both belong to the page's response record, which the article record points at.
        page_record = got[url]["warc"]["record_id"]
        assert dom_headers.get_header("WARC-Concurrent-To") == page_record
        assert shot_headers.get_header("WARC-Concurrent-To") == page_record


def test_reextract_from_the_warc_gives_the_records_of_the_browser_crawl(crawls, tmp_path):
    # Extraction runs on the rendered DOM, archived as the page's urn:dom: record: so does reextract.
    files = sorted(crawls["browser"].glob("*.warc.gz"))
    result = run_cli("reextract", *map(str, files), "--every-capture", "-o", str(tmp_path / "again.jsonl"))
    assert result.returncode == 0, result.stderr
    again = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(map(key, again)) == sorted(map(key, records(crawls["browser"]).values()))


def test_a_second_browser_run_finds_the_articles_unchanged(site, crawls, tmp_path):
    # The server answers the conditional requests of an incremental run with 304, which a browser
    # cannot show for a page it has no copy of: rendered pages are fetched in full, judged by content.
    _, server = site
    shutil.copytree(crawls["browser"], tmp_path / "browser")
    again = run_cli("crawl", server.url + "/", "--job", "browser", "--output", str(tmp_path), "--browser", *QUIET)
    assert again.returncode == 0, again.stderr[-3000:]
    stats = json.loads((tmp_path / "browser" / "stats.json").read_text())
    assert stats["articles/unchanged"] == COUNT and "fetch/failed" not in stats
    assert stats["browser/conditional_headers_dropped"] == COUNT
    assert len(records(tmp_path / "browser")) == COUNT  # no new version of anything


# ---- replay ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wayback(crawls, tmp_path_factory):
    command = BIN / "wayback"
    assert command.exists(), "pywb is not installed: pip install --no-deps pywb==2.10.0 (see pyproject.toml)"
    with replay.wayback([str(command)], crawls["browser"], tmp_path_factory.mktemp("pywb"), name="js") as base:
        yield base


def test_pywb_replays_the_page_with_the_article_text_visible(site, crawls, wayback, browser):
    site, _ = site
    base = crawls["base"]
    got = records(crawls["browser"])
    for n in (0, COUNT - 1):
        url = f"{base}/story/{n}/"
        with open(crawls["browser"] / got[url]["warc"]["filename"], "rb") as fh:
            fh.seek(got[url]["warc"]["offset"])
            warc = next(iter(ArchiveIterator(io.BytesIO(fh.read(got[url]["warc"]["length"])))))
        stamp = warc.rec_headers.get_header("WARC-Date")[:19].translate(str.maketrans("", "", "-T:"))
        page = browser.new_page()
        try:
            # pywb's top frame, with the archived page in its replay frame (as a reader opens it).
            page.goto(f"{wayback}/{stamp}/{url}", wait_until="load")
            frame = page.frame_locator("#replay_iframe")
            paragraph = frame.get_by_text(site.story_json(n, base)["paragraphs"][0])
            paragraph.wait_for(state="visible", timeout=20_000)  # the script ran on the archived JSON
            assert frame.get_by_text(site.author(n)).is_visible()
            # Painted, not only present: the paragraph's pixels change when its text is made transparent.
            box = paragraph.bounding_box()
            assert box and box["width"] > 100 and box["y"] < 500
            painted = page.screenshot(clip=box)
            paragraph.evaluate("el => { el.style.color = 'transparent'; }")
            blank = page.screenshot(clip=box)
            assert painted != blank, "the article text is not painted in the replayed page"
        finally:
            page.close()


# ---- failures -------------------------------------------------------------------------------------


def _kill_renderers(pid_holder: list) -> None:
    """Kill the browser's renderer processes of the crawl (a renderer crash, as an out-of-memory one)."""
    if not pid_holder:
        return
    for process in psutil.Process(pid_holder[0]).children(recursive=True):
        try:
            if "--type=renderer" in " ".join(process.cmdline()):
                process.kill()
        except psutil.Error:
            pass


def test_pages_that_hang_or_crash_the_renderer_are_failed_fetches(tmp_path):
    pid: list[int] = []
    site = ScriptedSite(3, on_crash=lambda: _kill_renderers(pid))
    log = tmp_path / "crawl.log"
    with RouteServer(site) as server, open(log, "wb") as output:
        # Output to a file: the browser's processes hold the crawl's pipes for as long as they live.
        proc = start_cli(
            "crawl",
            server.url + "/",
            "--job",
            "fail",
            "--output",
            str(tmp_path),
            "--browser",
            "-s",
            "BROWSER_NAVIGATION_TIMEOUT=4",
            "-s",
            "BROWSER_MAX_PAGES=1",
            "-s",
            "RETRY_TIMES=0",
            *QUIET,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        pid.append(proc.pid)
        try:
            proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            kill(proc)
            pytest.fail(f"the crawl did not end within 180 s: {log.read_text()[-3000:]}")
    stderr = log.read_text()
    job = tmp_path / "fail"
    stats = json.loads((job / "stats.json").read_text())
    # Two failed fetches of about ten: above the 5% error threshold, so exit code 3 (README).
    assert proc.returncode == 3, stderr[-3000:]
    assert stats["fetch/failed"] == 2
    assert stats["fetch/failed/BrowserPageTimeout"] == 1 and stats["fetch/failed/BrowserCrashed"] == 1
    assert stats["browser/failed_pages"] == 2 and stats.get("browser/renderer_crashes") == 1
    # BROWSER_MAX_PAGES held, but for the moment between a crash and its page's close (scrapy-playwright
    # frees a crashed page's slot at once; the handler takes back the second one it frees on close).
    assert stats["playwright/page_count/max_concurrent"] <= 2
    # The crawl went on: every article has its record.
    assert set(records(job)) == {f"{server.url}/story/{n}/" for n in range(3)}
    # What the browser received of the failed pages is archived: their documents, the stalled script cut.
    entries = warc_records(job)
    responses = by_uri(entries, "response")
    assert f"{server.url}/hang/" in responses and f"{server.url}/crash/" in responses
    [(headers, _, payload)] = responses[f"{server.url}/static/never.js"]
    assert headers.get_header("WARC-Truncated") == "unspecified"
    assert "Fetch failed" in stderr and "BrowserPageTimeout" in stderr


def test_a_browser_past_its_memory_limit_is_restarted_and_the_crawl_goes_on(site, tmp_path):
    site, server = site
    result = run_cli(
        "crawl", server.url + "/", "--job", "mem", "--output", str(tmp_path), "--browser",
        "-s", "BROWSER_MEMORY_LIMIT_MB=1", *QUIET,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads((tmp_path / "mem" / "stats.json").read_text())
    assert stats["browser/restarts"] >= 1 and stats["browser/memory_max_bytes"] > 2**20
    assert "fetch/failed" not in stats
    got = records(tmp_path / "mem")
    assert len(got) == COUNT and all("paragraph 1: the river authority" in r["body_text"] for r in got.values())
