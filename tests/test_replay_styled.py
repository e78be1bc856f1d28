"""Two runs of a job over a styled site with a CDN host, then what clients nobody here wrote make of
the archive: page requisites, not-modified revisits, the WACZ page list, masked credentials, and
the records FastWARC and warcat check. The browser replays are in test_replay_browser.py."""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, run_cli
from servers import replay
from servers.sites import RouteServer
from servers.styled import ARTICLES, PASSWORD, SESSION, USER, Cdn, StyledSite
from warcio.archiveiterator import ArchiveIterator

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# The job's password and the Authorization value it makes; the session cookie is checked in requests
# only: the server's Set-Cookie stays in its response as received.
SECRETS = (PASSWORD, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
# Every kind of requisite the site's pages need, as paths on the site (and the CDN's stylesheet).
REQUISITES = {
    "/static/css/site.css",  # <link rel=stylesheet>
    "/static/css/theme.css",  # @import in site.css
    "/static/img/masthead.png",  # url() relative to the stylesheet
    "/static/img/footer.png",  # url() inside @media
    "/static/fonts/site.woff2",  # @font-face src
    "/static/js/app.js",  # <script src>
    "/favicon.ico",  # <link rel=icon>
    "/static/img/story-1.png",  # <img src>
    "/static/img/story-1-small.png",  # <img srcset>
    "/static/img/story-1.webp",  # <picture><source srcset>
    "/static/img/story-1@2x.webp",
    "/static/img/poster.png",  # <video poster>
    "/static/img/inline.png",  # style="background: url()"
    "/static/img/table.png",  # <table background>
}


def _job_file(path: Path, site: str, **output) -> Path:
    host = site.split("://", 1)[1]
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in output.items())
    path.write_text(
        f'[job]\nname = "{path.stem}"\n[seeds]\nurls = ["{site}/"]\n'
        f'[auth]\nuser = "{USER}"\npassword = "{PASSWORD}"\ndomain = "{host}"\n'
        # Articles are one link from the seed: their requisites are part of them, not a depth further.
        "[scope]\nmax_depth = 1\n"
        f"[output]\nwarc_max_size = 20000\nwacz = true\n{extra}"
    )
    return path


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    """(site, cdn, job folder, stats of each run, records) after two runs; the servers stay up."""
    out = tmp_path_factory.mktemp("styled")
    with RouteServer(Cdn()) as cdn, RouteServer(StyledSite()) as site:
        site.handler.cdn = cdn.url
        job_file = _job_file(out / "styled.toml", site.url)
        runs = []
        for _ in range(2):
            result = run_cli("crawl", "--config", str(job_file), "--output", str(out), "--log-level", "WARNING")
            assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
            runs.append((result.stdout, json.loads((out / "styled" / "stats.json").read_text())))
        yield {"site": site, "cdn": cdn, "out": out, "job": out / "styled", "runs": runs}


def _records(job: Path):
    """[(file name, record type, WARC headers, HTTP headers, raw payload, offset)] of every record, in order."""
    out = []
    for path in sorted(job.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                payload = record.raw_stream.read()
                out.append((path.name, record.rec_type, record.rec_headers, record.http_headers, payload))
    return out


def _uri(headers) -> str:
    return headers.get_header("WARC-Target-URI") or ""


def test_every_kind_of_requisite_is_archived_and_none_is_followed_as_a_page(styled):
    site, cdn, job = styled["site"].url, styled["cdn"].url, styled["job"]
    first_run = {Path(p).name for p in styled["runs"][0][1]["warc/files"]}
    archived = {
        _uri(h)
        for name, kind, h, http, _ in _records(job)
        if name in first_run and kind == "response" and http.get_statuscode() == "200"
    }
    missing = {p for p in REQUISITES if site + p not in archived}
    assert not missing, f"requisites not archived: {sorted(missing)}"
    assert cdn + "/lib/badge.css" in archived  # from another host, robots.txt asked there first
    assert cdn + "/robots.txt" in archived
    assert site + "/static/img/in-a-comment.png" not in archived  # a CSS comment is no reference
    records = [json.loads(line) for line in (job / "records.jsonl").read_text().splitlines()]
    assert {r["url"] for r in records} == {f"{site}/news/2026/story-{n}/" for n in range(1, ARTICLES + 1)}
    stats = styled["runs"][0][1]
    assert stats["requisites/other_hosts"] == 1
    assert stats["requisites/archived"] == stats["requisites/requested"] >= len(REQUISITES)
    assert stats["requisites/requested/stylesheet"] == 3
    summary = styled["runs"][0][0]
    assert f"requisites       {stats['requisites/archived']} of {stats['requisites/requested']} archived" in summary


def test_second_run_archives_304s_as_server_not_modified_revisits_of_the_first_capture(styled):
    records = _records(styled["job"])
    ids = {h.get_header("WARC-Record-ID"): (name, kind, h, http) for name, kind, h, http, _ in records}
    revisits = [(h, http) for _, kind, h, http, _ in records if h.get_header("WARC-Profile") == NOT_MODIFIED]
    assert len(revisits) == ARTICLES == styled["site"].handler.not_modified
    for headers, http in revisits:
        assert http.get_statuscode() == "304"  # the 304 head kept
        assert http.get_header("ETag")
        _, kind, original, original_http = ids[headers.get_header("WARC-Refers-To")]
        assert kind == "response" and original_http.get_statuscode() == "200"
        assert headers.get_header("WARC-Refers-To-Target-URI") == _uri(original) == _uri(headers)
        assert headers.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
        assert headers.get_header("WARC-Payload-Digest") == original.get_header("WARC-Payload-Digest")
    assert styled["runs"][1][1]["warc/revisits/server_not_modified"] == ARTICLES


def _cdxj(path: Path) -> list[tuple[str, dict]]:
    return [(line.split(" ", 2)[1], json.loads(line.split(" ", 2)[2])) for line in path.read_text().splitlines()]


def test_cdxj_and_pywb_give_the_latest_capture_the_earlier_payload(styled, tmp_path):
    job, site = styled["job"], styled["site"].url
    url = f"{site}/news/2026/story-1/"
    lines = [(ts, data) for ts, data in _cdxj(job / "index.cdxj") if data.get("url") == url]
    assert len(lines) == 2
    (first_ts, first), (latest_ts, latest) = lines
    assert latest_ts > first_ts and latest["status"] == "200" and latest["mime"] == "text/html"
    assert (latest["filename"], latest["offset"]) == (first["filename"], first["offset"])
    assert latest["revisit.filename"] != first["filename"]  # the revisit record itself, still indexed
    with open(job / first["filename"], "rb") as fh:
        fh.seek(int(first["offset"]))
        payload = next(iter(ArchiveIterator(fh))).raw_stream.read()
    with replay.wayback([str(BIN / "wayback")], job, tmp_path) as base:
        status, body = replay.get(f"{base}/{latest_ts}id_/{url}")
        assert status == 200 and body == payload
        status, page = replay.get(f"{base}/{latest_ts}mp_/{url}")
        assert status == 200 and b"Story number 1" in page


def test_wacz_lists_every_seed_and_article_with_title_and_text_and_validates(styled):
    package = styled["job"] / "styled.wacz"
    result = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(package)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    site = styled["site"].url
    with zipfile.ZipFile(package) as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
        extra = [json.loads(line) for line in zf.read("pages/extraPages.jsonl").decode().splitlines()]
        index = gzip.decompress(zf.read("indexes/index.cdx.gz")).decode()
    assert pages[0]["format"] == "json-pages-1.0" and pages[0]["hasText"] is True
    by_url = {p["url"]: p for p in pages[1:]}
    assert set(by_url) == {f"{site}/"} | {f"{site}/news/2026/story-{n}/" for n in range(1, ARTICLES + 1)}
    assert by_url[f"{site}/"]["seed"] is True
    story = by_url[f"{site}/news/2026/story-3/"]
    assert story["title"] == "Story number 3" and "harbour plan" in story["text"]
    assert story["ts"][:4] == "2026" and story["ts"].endswith("Z")
    extra_urls = {p["url"] for p in extra[1:]}
    assert f"{site}/news/section-a/" in extra_urls and f"{site}/members/" in extra_urls
    assert not any("/static/" in u for u in extra_urls)  # requisites are no pages
    # The latest capture of an unchanged article is the not-modified revisit, indexed as a 200.
    entries = [json.loads(line.split(" ", 2)[2]) for line in index.splitlines() if line.startswith(("1", "("))]
    story_lines = [e for e in entries if e.get("url") == f"{site}/news/2026/story-3/"]
    assert [(e["mime"], e["status"]) for e in story_lines] == [("text/html", "200"), ("warc/revisit", "200")]


def _every_byte(path: Path) -> bytes:
    """A file's bytes with every gzip member and every zip entry (WARCs in a WACZ too) opened."""
    data = path.read_bytes()
    if path.suffix == ".wacz":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return b"".join(_open(zf.read(name)) for name in zf.namelist())
    return _open(data)


def _open(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_credentials_are_masked_in_records_warcs_cdxj_wacz_and_reports(styled):
    job = styled["job"]
    assert any(a.startswith("Basic ") for a in styled["site"].handler.authorized)  # they were really sent
    report = run_cli("report", str(job))
    assert report.returncode == 0, report.stderr
    files = [*job.glob("*.warc.gz"), job / "index.cdxj", job / "styled.wacz", job / "report.html", job / "stats.json"]
    files += [*job.glob("logs/*.log")]
    for path in files:
        data = _every_byte(path)
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret!r} in {path.name}"
    requests = [http for _, kind, _, http, _ in _records(job) if kind == "request"]
    assert not any(SESSION.split("=", 1)[1] in http.to_str() for http in requests)
    assert any(http.get_header("Authorization") == "***" for http in requests)
    assert any(http.get_header("Cookie") == "***" for http in requests)
    info = next(payload for _, kind, _, _, payload in _records(job) if kind == "warcinfo").decode()
    assert "http-request-credentials: masked" in info


def test_a_job_can_keep_credentials_as_sent(styled):
    out = styled["out"]
    job_file = _job_file(out / "kept.toml", styled["site"].url, keep_credentials=True)
    result = run_cli("crawl", "--config", str(job_file), "--output", str(out), "--log-level", "WARNING")
    assert result.returncode == 0, result.stderr[-3000:]
    data = b"".join(_every_byte(p) for p in (out / "kept").glob("*.warc.gz"))
    assert SECRETS[1].encode() in data and SESSION.encode() in data
    assert b"http-request-credentials: kept as sent" in data


def test_conformance_warcinfo_ids_ip_addresses_and_metadata_in_its_response_file(styled):
    records = _records(styled["job"])
    assert len({name for name, *_ in records}) >= 3  # the runs rolled over
    info_ids, where = {}, {}
    for name, kind, headers, _, _ in records:
        if kind == "warcinfo":
            info_ids[name] = headers.get_header("WARC-Record-ID")
        where[headers.get_header("WARC-Record-ID")] = name
    metadata = 0
    for name, kind, headers, _, _ in records:
        if kind != "warcinfo":
            assert headers.get_header("WARC-Warcinfo-ID") == info_ids[name], (kind, _uri(headers))
        if kind in ("request", "response", "revisit"):
            assert headers.get_header("WARC-IP-Address") == "127.0.0.1", (kind, _uri(headers))
        if kind == "metadata":
            metadata += 1
            assert where[headers.get_header("WARC-Concurrent-To")] == name, _uri(headers)
    assert metadata == ARTICLES  # one per article record (run 2 wrote no records: all unchanged)


def _fastwarc(paths):
    """{record id: verdict} from `fastwarc check` over each file (it takes one at a time)."""
    verdicts = {}
    for path in paths:
        result = subprocess.run(
            [str(BIN / "fastwarc"), "check", "-p", "-q", "-o", "/dev/stdout", str(path)], capture_output=True, text=True
        )
        verdicts.update(line.split(": ", 1) for line in result.stdout.splitlines() if line.startswith("<urn:"))
    return verdicts


def _warcat(paths):
    result = subprocess.run(
        [sys.executable, "-m", "warcat", "verify", *map(str, paths)], capture_output=True, text=True
    )
    failed = set()
    for line in (result.stdout + result.stderr).splitlines():
        if line.startswith("Record <urn:") and "failed validation" in line:
            failed.add(line.split()[1])
    return result, failed


def test_fastwarc_and_warcat_find_no_fault_in_requests_responses_and_metadata(styled):
    paths = sorted(styled["job"].glob("*.warc.gz"))
    kinds = {h.get_header("WARC-Record-ID"): kind for _, kind, h, _, _ in _records(styled["job"])}
    verdicts = _fastwarc(paths)
    assert set(verdicts) == set(kinds)
    bad = {record_id: verdict for record_id, verdict in verdicts.items() if "FAIL" in verdict}
    assert {kinds[r] for r in bad} <= {"revisit"}, bad
    warcat, failed = _warcat(paths)
    assert {kinds[r] for r in failed} <= {"revisit"}, warcat.stdout[-3000:] + warcat.stderr[-3000:]
    assert "Content block length changed" not in warcat.stderr
    revisits = sum(1 for kind in kinds.values() if kind == "revisit")
    # What docs/archive.md says each validator makes of revisits: the payload digest names the
    # original's payload, which a revisit record does not hold.
    print(
        f"\nfastwarc: {len(verdicts)} records, {len(bad)} payload FAIL, all revisits ({revisits} revisits); "
        f"warcat: {len(failed)} failed, all revisits"
    )
    assert len(bad) == revisits and len(failed) == revisits


# ---- replay in a browser: ReplayWeb.page and pywb, Chromium driven by Playwright ---------------

VIEWPORT = {"width": 1000, "height": 800}
# Mean difference per colour channel (0-255) between two screenshots: a replay within SAME of the
# live page looks like it; an unstyled rendering of the page is more than UNSTYLED away.
SAME, UNSTYLED = 2.0, 15.0


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """A Chromium context with a fresh profile; fails (never skips) when the browser cannot be had."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `make test` installs it (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp("chromium-profile")),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport=VIEWPORT,
            )
        except Error as exc:
            pytest.fail(f"cannot start {CHROMIUM}: {exc}")
        yield context
        context.close()


class _Watch:
    """What a page met with the archived site's URLs: HTTP errors, loads that failed and never succeeded."""

    def __init__(self, page, hosts):
        self.hosts = hosts
        self.errors: list[str] = []
        self.failed: dict[str, str] = {}
        self.seen: set[str] = set()  # answered below 400
        page.on("response", self.on_response)
        page.on("requestfailed", lambda r: self.archived(r.url) and self.failed.setdefault(r.url, str(r.failure)))
        page.on("console", self.on_console)

    def archived(self, url: str) -> bool:
        return any(host in url for host in self.hosts)

    def on_response(self, response):
        if not self.archived(response.url):
            return
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")
        else:
            self.seen.add(response.url)

    def on_console(self, message):
        where = message.location.get("url", "")
        if message.type == "error" and self.archived(where + message.text):
            self.errors.append(f"console: {message.text} ({where})")

    def clear(self):
        self.errors.clear()
        self.failed.clear()

    @property
    def problems(self) -> list[str]:
        """Errors, and failed loads (a load the page cancelled and made again is no failure)."""
        return self.errors + [f"failed {url}: {why}" for url, why in self.failed.items() if url not in self.seen]


def _difference(a: bytes, b: bytes) -> float:
    from PIL import Image, ImageChops, ImageStat

    first, second = (Image.open(io.BytesIO(x)).convert("RGB") for x in (a, b))
    if first.size != second.size:  # a replay frame under a banner: compare what both show, from the top left
        size = (0, 0, min(first.width, second.width), min(first.height, second.height))
        first, second = first.crop(size), second.crop(size)
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 3


@pytest.fixture(scope="module")
def live_article(styled, chromium):
    """(URL, screenshot of the live article, screenshot of it without its stylesheets)."""
    url = f"{styled['site'].url}/news/2026/story-1/"
    page = chromium.new_page()
    page.goto(url, wait_until="networkidle")
    styled_shot = page.screenshot()
    page.close()
    page = chromium.new_page()
    page.route("**/*.css", lambda route: route.abort())
    page.goto(url, wait_until="networkidle")
    unstyled_shot = page.screenshot()
    page.close()
    assert _difference(styled_shot, unstyled_shot) > UNSTYLED, "the comparison cannot tell styled from unstyled"
    return url, styled_shot, unstyled_shot


def _latest_ts(styled, url: str) -> str:
    return max(ts for ts, data in _cdxj(styled["job"] / "index.cdxj") if data.get("url") == url)


def _wait_for(page, watch: _Watch, urls, timeout=60.0):
    """Until every one of urls was answered inside the replay (and the page had a moment to paint)."""
    deadline = time.monotonic() + timeout

    def missing():
        return [url for url in urls if not any(seen.endswith("/" + url) for seen in watch.seen)]

    while missing():
        assert time.monotonic() < deadline, f"not replayed: {missing()}; problems: {watch.problems}"
        page.wait_for_timeout(250)
    page.wait_for_timeout(1000)


def _article_requisites(styled) -> list[str]:
    site = styled["site"].url
    needed = [p for p in REQUISITES if "story-" not in p or "story-1" in p]
    # What Chromium loads of them: one srcset candidate, no icon inside a frame, no @2x at 1x.
    loaded = [
        p
        for p in needed
        if p
        not in (
            "/favicon.ico",
            "/static/img/story-1-small.png",
            "/static/img/story-1@2x.webp",
            "/static/img/story-1.png",
        )
    ]
    return [site + p for p in loaded] + [styled["cdn"].url + "/lib/badge.css"]


@pytest.mark.browser
def test_replaywebpage_replays_the_latest_capture_styled_like_the_live_page(styled, chromium, live_article, tmp_path):
    from servers.replayweb import ReplayWebPage

    url, live, unstyled = live_article
    ts = _latest_ts(styled, url)  # the second run's not-modified revisit
    hosts = [styled["site"].url.split("//")[1], styled["cdn"].url.split("//")[1]]
    with ReplayWebPage(styled["job"] / "styled.wacz", width=VIEWPORT["width"], height=VIEWPORT["height"]) as rwp:
        page = chromium.new_page()
        watch = _Watch(page, hosts)
        page.goto(rwp.page(url, ts))
        # The first visit installs ReplayWeb.page's service worker; it replays from the next one on.
        page.wait_for_function("navigator.serviceWorker.getRegistrations().then(rs => rs.some(r => r.active))")
        watch.clear()
        page.reload()
        _wait_for(page, watch, [url, *_article_requisites(styled)])
        replayed = page.screenshot()
        (tmp_path / "replaywebpage.png").write_bytes(replayed)
        api = chromium.new_page()
        collection = next(part for s in watch.seen for part in s.split("/") if part.startswith("id-"))
        api.goto(f"{rwp.url}/replay/w/api/c/{collection}?all=1")
        listed = json.loads(api.inner_text("body"))["pages"]
        api.close()
        page.close()
    assert watch.problems == [], "\n".join(watch.problems)
    difference = _difference(live, replayed)
    print(f"\nReplayWeb.page: {difference:.2f} from the live page; unstyled {_difference(live, unstyled):.2f}")
    assert difference < SAME, f"replayed article differs from the live one by {difference:.1f} ({tmp_path})"
    titles = {p["url"]: p.get("title") for p in listed}
    assert len(titles) == 1 + ARTICLES and titles[url] == "Story number 1"
    assert all("harbour plan" in p.get("text", "") for p in listed if "/story-" in p["url"])


@pytest.mark.browser
def test_pywb_replays_the_latest_capture_styled_like_the_live_page(styled, chromium, live_article, tmp_path):
    url, live, unstyled = live_article
    ts = _latest_ts(styled, url)
    hosts = [styled["site"].url.split("//")[1], styled["cdn"].url.split("//")[1]]
    with replay.wayback([str(BIN / "wayback")], styled["job"], tmp_path / "pywb", name="styled") as base:
        page = chromium.new_page()
        watch = _Watch(page, hosts)
        page.goto(f"{base}/{ts}mp_/{url}", wait_until="networkidle")
        _wait_for(page, watch, [url, *_article_requisites(styled)])
        # pywb shows a top-level mp_ page in its frame, under its banner: the frame is the replay.
        frames = [frame for frame in page.frames if "mp_/" in frame.url]
        replayed = frames[0].frame_element().screenshot() if frames else page.screenshot()
        (tmp_path / "pywb.png").write_bytes(replayed)
        page.close()
    assert watch.problems == [], "\n".join(watch.problems)
    difference = _difference(live, replayed)
    print(f"\npywb: {difference:.2f} from the live page; unstyled {_difference(live, unstyled):.2f}")
    assert difference < SAME, f"replayed article differs from the live one by {difference:.1f} ({tmp_path})"
