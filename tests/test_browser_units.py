"""Browser mode without a browser: DevTools events to WARC exchanges, the recorder's bookkeeping, the
middleware's choice of pages, the job file's [browser] section."""

from __future__ import annotations

import asyncio
import base64
from types import SimpleNamespace

import pytest
from conftest import run_cli
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler import settings as project_settings
from crawler.archive.browser import devtools_exchange, restated_head
from crawler.archive.writer import RollingWarcWriter
from crawler.commands.crawl import _overrides
from crawler.discovery.scope import Scope
from crawler.downloader import browsermode
from crawler.downloader.browser import CAPTURE
from crawler.downloader.browsermode import PAGE
from crawler.downloader.devtools import DevToolsRecorder
from crawler.downloadermiddlewares.browser import BrowserCaptureMiddleware
from crawler.downloadermiddlewares.warc import WarcCaptureMiddleware, warcinfo
from crawler.jobs.config import JobConfigError, from_dict

PROJECT = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
RAW = (
    "HTTP/1.1 200 Fine\r\nServer: test\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 43\r\n\r\n"
)


# ---- DevTools objects to exchanges ------------------------------------------------------------


def test_head_is_restated_to_describe_the_decoded_body():
    head = restated_head(RAW.encode(), 23)
    assert head == (
        b"HTTP/1.1 200 Fine\r\nServer: test\r\nContent-Type: application/json\r\n"
        b"X-Archive-Orig-Content-Encoding: gzip\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 23\r\n\r\n"
    )


def test_exchange_keeps_the_raw_head_chromium_received_and_the_headers_it_sent():
    request = {"url": "http://127.0.0.1:8000/api?x=1", "method": "GET", "headers": {"Accept": "*/*"}}
    response = {"url": request["url"], "status": 200, "statusText": "Fine", "protocol": "http/1.1"}
    response["remoteIPAddress"] = "127.0.0.1"
    sent = {"Accept": "*/*", "Host": "127.0.0.1:8000", "Cookie": "a=1"}
    exchange = devtools_exchange(
        request,
        response,
        b'{"t":"hello from json"}',
        sent_headers=sent,
        received={"statusCode": 200, "headersText": RAW},
    )
    assert exchange.response_head.startswith(b"HTTP/1.1 200 Fine\r\nServer: test\r\n")
    assert b"Content-Length: 23\r\n" in exchange.response_head and b"\r\nContent-Encoding" not in exchange.response_head
    assert (
        exchange.request_head == b"GET /api?x=1 HTTP/1.1\r\nAccept: */*\r\nHost: 127.0.0.1:8000\r\nCookie: a=1\r\n\r\n"
    )
    assert exchange.ip_address == "127.0.0.1" and exchange.truncated is None
    assert exchange.response.header("X-Archive-Orig-Content-Encoding") == "gzip"


def test_http2_head_is_rebuilt_from_the_protocols_headers_with_its_status_text():
    request = {"url": "https://example.org/a", "method": "GET"}
    response = {"url": request["url"], "status": 404, "statusText": "", "protocol": "h2"}
    response["headers"] = {"content-type": "text/html", "set-cookie": "a=1\nb=2"}
    sent = {":method": "GET", ":authority": "example.org", ":path": "/a", "accept": "*/*"}
    exchange = devtools_exchange(request, response, b"gone", sent_headers=sent)
    assert exchange.response_head == (
        b"HTTP/2 404 Not Found\r\ncontent-type: text/html\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
    )
    assert exchange.request_head == b"GET /a HTTP/2\r\nHost: example.org\r\naccept: */*\r\n\r\n"


def test_a_body_the_browser_does_not_expose_is_marked_not_passed_off_as_empty():
    request = {"url": "http://127.0.0.1:8000/r", "method": "GET"}
    response = {"url": request["url"], "status": 302, "protocol": "http/1.1"}
    raw = "HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 5\r\n\r\n"
    exchange = devtools_exchange(request, response, None, received={"statusCode": 302, "headersText": raw})
    assert exchange.truncated == "unspecified" and exchange.response.body == b""
    assert b"Content-Length: 0\r\n" in exchange.response_head
    cut = devtools_exchange(request, {**response, "status": 200}, b"x" * 10, max_size=4)
    assert cut.truncated == "length" and cut.response.body == b"xxxx"


def test_resource_records_are_written_next_to_the_page(tmp_path):
    writer = RollingWarcWriter(tmp_path, prefix="t", info={"software": "test"})
    writer.write_resource("urn:screenshot:http://a/", "image/png", b"\x89PNG...", "<urn:uuid:1>")
    writer.close()
    with open(writer.files[0], "rb") as fh:
        [(headers, payload)] = [
            (r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(fh) if r.rec_type == "resource"
        ]
    assert headers.get_header("WARC-Target-URI") == "urn:screenshot:http://a/"
    assert headers.get_header("Content-Type") == "image/png"
    assert headers.get_header("WARC-Concurrent-To") == "<urn:uuid:1>"
    assert payload == b"\x89PNG..."


# ---- the recorder's bookkeeping, from synthetic protocol events -------------------------------


class _Session:
    """Answers getResponseBody; streaming is refused (the body then comes from getResponseBody)."""

    def __init__(self, bodies):
        self.bodies = bodies

    async def send(self, method, params=None):
        if method == "Network.getResponseBody":
            return self.bodies[params["requestId"]]
        raise RuntimeError("Request with the provided ID has already finished loading")

    async def detach(self):
        pass


def _sent(request_id, url, ts, document=False, redirect=None):
    event = {"requestId": request_id, "request": {"url": url, "method": "GET"}, "wallTime": 1_700_000_000.0 + ts}
    event.update(timestamp=ts, type="Document" if document else "Script", frameId="F", loaderId="L")
    if redirect:
        event["redirectResponse"] = redirect
    return event


def test_recorder_pairs_redirect_hops_with_their_raw_heads_and_streams_bodies():
    async def run():
        recorder = DevToolsRecorder(max_size=1000)
        recorder.main_frame = "F"
        recorder.session = _Session({"S": {"body": "caf\u00e9", "base64Encoded": False}})
        # A document redirected once, its body streamed; a script whose body comes from getResponseBody.
        recorder._request_will_be_sent(_sent("L", "http://h/r", 1.0, document=True))
        recorder._response_extra(
            {"requestId": "L", "statusCode": 302, "headersText": "HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n"}
        )
        redirect = {"url": "http://h/r", "status": 302, "protocol": "http/1.1"}
        recorder._request_will_be_sent(_sent("L", "http://h/", 1.1, document=True, redirect=redirect))
        recorder._response_extra(
            {"requestId": "L", "statusCode": 200, "headersText": "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"}
        )
        recorder._response_received(
            {"requestId": "L", "timestamp": 1.2, "response": {"url": "http://h/", "status": 200}}
        )
        for part in (b"<p>", b"hi</p>"):
            recorder._data_received(
                {"requestId": "L", "dataLength": len(part), "data": base64.b64encode(part).decode()}
            )
        recorder._loading_finished({"requestId": "L"})
        recorder._request_will_be_sent(_sent("S", "http://h/s.js", 1.3))
        response = {"url": "http://h/s.js", "status": 200, "charset": "windows-1252"}
        recorder._response_received({"requestId": "S", "timestamp": 1.4, "response": response})
        recorder._data_received({"requestId": "S", "dataLength": 4})
        recorder._loading_finished({"requestId": "S"})
        # Served from the disk cache: not an exchange.
        recorder._request_will_be_sent(_sent("C", "http://h/c.css", 1.5))
        recorder._response_received(
            {"requestId": "C", "timestamp": 1.6, "response": {"url": "http://h/c.css", "fromDiskCache": True}}
        )
        await recorder.settle(5)
        return recorder

    recorder = asyncio.run(run())
    exchanges = recorder.exchanges()
    assert [(e.response.url, e.response.status, document) for e, document in exchanges] == [
        ("http://h/r", 302, True),
        ("http://h/", 200, True),
        ("http://h/s.js", 200, False),
    ]
    redirect, page, script = (e for e, _ in exchanges)
    assert redirect.response_head == b"HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n" and redirect.truncated is None
    assert page.response.body == b"<p>hi</p>" and page.truncated is None
    assert page.captured_at.timestamp() == pytest.approx(1_700_000_001.2)
    # Text handed back decoded, encoded again in its charset: the bytes the server sent.
    assert script.response.body == "caf\u00e9".encode("cp1252") and recorder.reencoded == 1 and recorder.inexact == 0
    assert recorder.from_cache == 1 and recorder.in_flight() == 0


def test_recorder_cuts_bodies_past_the_size_limit_and_marks_unfinished_ones():
    async def run():
        recorder = DevToolsRecorder(max_size=4)
        recorder.session = _Session({})
        recorder._request_will_be_sent(_sent("B", "http://h/big", 1.0))
        recorder._response_received(
            {"requestId": "B", "timestamp": 1.1, "response": {"url": "http://h/big", "status": 200}}
        )
        recorder._data_received({"requestId": "B", "dataLength": 10, "data": base64.b64encode(b"0123456789").decode()})
        recorder._loading_finished({"requestId": "B"})
        recorder._request_will_be_sent(_sent("U", "http://h/stalled", 1.2))
        recorder._response_extra(
            {"requestId": "U", "statusCode": 200, "headersText": "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"}
        )
        recorder._data_received({"requestId": "U", "dataLength": 3, "data": base64.b64encode(b"// ").decode()})
        assert recorder.in_flight() == 1 and not await recorder.quiet(0.1, 0.2)
        await recorder.settle(1)
        return recorder

    big, stalled = (e for e, _ in asyncio.run(run()).exchanges())
    assert big.response.body == b"0123" and big.truncated == "length"
    assert stalled.response.body == b"// " and stalled.truncated == "unspecified"


# ---- the middleware and the settings ----------------------------------------------------------


def _crawler(**settings):
    return get_crawler(settings_dict={**PROJECT, "JOB_NAME": "job", **settings})


def test_browser_middleware_is_off_unless_the_job_asks():
    with pytest.raises(NotConfigured):
        BrowserCaptureMiddleware.from_crawler(_crawler())


def test_only_pages_matching_the_patterns_go_to_the_browser():
    middleware = BrowserCaptureMiddleware.from_crawler(_crawler(BROWSER_URL_PATTERNS=[r"/live/"]))
    page = {PAGE: True}
    assert middleware.renders(Request("http://h/live/story/", meta=page))
    assert not middleware.renders(Request("http://h/static/story/", meta=page))  # not matching
    assert not middleware.renders(Request("http://h/live/story/"))  # a sitemap, feed or image request
    assert not middleware.renders(Request("http://h/live/report.pdf", meta=page))  # a file by its name
    assert not middleware.renders(Request("http://h/live/x/", method="POST", meta=page))
    everything = BrowserCaptureMiddleware.from_crawler(_crawler(BROWSER_ENABLED=True))
    request = Request("http://h/any/", meta=page)
    assert everything.process_request(request) is None
    assert request.meta["playwright"] is True and request.meta["playwright_page_methods"]
    everything._forget(request)  # before it goes back to the frontier (a retry): nothing that cannot be stored
    assert not any(key.startswith(("playwright", "_browser")) for key in request.meta)


def test_configure_routes_every_scheme_through_one_handler_and_keeps_limits():
    settings = Settings({**PROJECT, "BROWSER_ENABLED": True, "BROWSER_MAX_PAGES": 2, "BROWSER_NAVIGATION_TIMEOUT": 7})
    assert "crawler.downloadermiddlewares.browser.BrowserCaptureMiddleware" not in settings.getdict(
        "DOWNLOADER_MIDDLEWARES"
    )
    browsermode.configure(settings)
    assert settings.getdict("DOWNLOAD_HANDLERS") == {
        "http": "crawler.downloader.browser.BrowserDownloadHandler",
        "https": "crawler.downloader.browser.BrowserDownloadHandler",
    }
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["crawler.downloadermiddlewares.browser.BrowserCaptureMiddleware"] == 960
    assert middlewares["crawler.downloadermiddlewares.warc.WarcCaptureMiddleware"] == 950  # the project's kept
    assert settings.getint("PLAYWRIGHT_MAX_CONTEXTS") == 1 and settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") == 2
    assert settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") == 7000
    assert settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["executable_path"] == "/usr/bin/chromium"
    assert "crawler.downloader.browser.BrowserCrashed" in settings.getlist("RETRY_EXCEPTIONS")
    assert "--headless" in settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["args"]


def test_warcinfo_says_what_a_browser_capture_changes():
    plain = warcinfo(_crawler().settings)
    assert "capture-browser" not in plain and not any("BROWSER" in key for key in plain)
    info = warcinfo(_crawler(BROWSER_ENABLED=True).settings)
    assert "X-Archive-Orig-Content-Encoding" in info["capture-browser"]
    assert info["crawler-setting-BROWSER_ENABLED"] == "True"


def test_job_file_browser_section():
    config = from_dict(
        {"browser": {"enabled": True, "urls": ["/live/"], "network_idle": False, "scroll": "5s", "memory_limit": "1GB"}}
    )
    assert config.settings == {
        "BROWSER_ENABLED": True,
        "BROWSER_URL_PATTERNS": ["/live/"],
        "BROWSER_NETWORK_IDLE_TIMEOUT": 0.0,
        "BROWSER_SCROLL_TIMEOUT": 5.0,
        "BROWSER_MEMORY_LIMIT_MB": 1024,
    }
    with pytest.raises(JobConfigError, match="browser.urls"):
        from_dict({"browser": {"urls": ["("]}})
    with pytest.raises(JobConfigError, match="unknown key browser.enable "):
        from_dict({"browser": {"enable": True}})


def test_crawl_flag_turns_the_browser_on():
    args = type("Args", (), {"setting": None, "browser": True, "since": None, "until": None})()
    for name in ("job", "output", "job_dir", "log_level", "max_pages", "max_records", "frontier", "worker_id"):
        setattr(args, name, None)
    assert _overrides(args)["BROWSER_ENABLED"] is True
    args.browser = False
    assert "BROWSER_ENABLED" not in _overrides(args)


def test_a_missing_browser_is_an_error_before_the_crawl(tmp_path):
    settings = Settings({**PROJECT, "BROWSER_ENABLED": True, "BROWSER_EXECUTABLE": str(tmp_path / "chromium")})
    with pytest.raises(ValueError, match="apt-get install chromium"):
        browsermode.configure(settings)


@pytest.mark.e2e  # runs the crawler command
def test_crawl_command_says_the_browser_is_missing_and_starts_nothing(tmp_path):
    result = run_cli(
        "crawl", "http://127.0.0.1:9/", "--browser", "--output", str(tmp_path), "-s", f"BROWSER_EXECUTABLE={tmp_path}/x"
    )
    assert result.returncode == 2 and "no browser at" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing started: no job folder, no lock, no log


def test_browser_capture_archives_the_pages_exchanges_not_the_rendered_response(tmp_path):
    crawler = _crawler(BROWSER_ENABLED=True, OUTPUT_ROOT=str(tmp_path), WARC_DEDUP=False)
    crawler.spider = SimpleNamespace(scope=Scope({"h"}), name="article")
    warc = WarcCaptureMiddleware.from_crawler(crawler)
    middleware = BrowserCaptureMiddleware.from_crawler(crawler)
    middleware._writer = lambda: warc.writer  # what crawler.get_downloader_middleware finds in a crawl
    request = Request("http://h/", meta={PAGE: True})
    middleware.process_request(request)
    capture = request.meta[CAPTURE]
    recorder = capture.recorder
    recorder.main_frame, capture.screenshot = "F", b"\x89PNG shot"

    async def load():  # what the browser reports for the page: its document, then a script
        recorder.session = _Session({})
        for request_id, url, document in (("L", "http://h/", True), ("S", "http://h/s.js", False)):
            recorder._request_will_be_sent(_sent(request_id, url, 1.0, document=document))
            recorder._response_received(
                {"requestId": request_id, "timestamp": 1.1, "response": {"url": url, "status": 200}}
            )
            body = b"<html>shell</html>" if document else b"go()"
            recorder._data_received(
                {"requestId": request_id, "dataLength": len(body), "data": base64.b64encode(body).decode()}
            )
            recorder._loading_finished({"requestId": request_id})
        await recorder.settle(1)

    asyncio.run(load())
    rendered = HtmlResponse("http://h/", body=b"<html>rendered article</html>", flags=["playwright"], request=request)
    assert middleware.process_response(request, rendered) is rendered
    assert warc.process_response(request, rendered) is rendered  # "archived": not stored again
    # A page that moved off the crawl's scope is archived, not followed.
    away = Request("http://h/", meta={PAGE: True})
    middleware.process_request(away)
    with pytest.raises(IgnoreRequest):
        middleware.process_response(
            away, HtmlResponse("http://elsewhere/", body=b"x", flags=["playwright"], request=away)
        )
    warc.spider_closed(None)
    with open(warc.writer.files[0], "rb") as fh:
        found = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(fh)
        ]
    assert [(kind, uri) for kind, uri, _ in found][:7] == [
        ("warcinfo", None),
        ("response", "http://h/"),
        ("request", "http://h/"),
        ("resource", "urn:dom:http://h/"),
        ("resource", "urn:screenshot:http://h/"),
        ("response", "http://h/s.js"),
        ("request", "http://h/s.js"),
    ]
    assert found[1][2] == b"<html>shell</html>" and found[3][2] == b"<html>rendered article</html>"
    assert [uri for kind, uri, _ in found if kind == "response"] == ["http://h/", "http://h/s.js"]
    assert request.meta["warc"]["offset"] > 0 and "archived" in rendered.flags
    assert crawler.stats.get_value("browser/exchanges") == 2 and crawler.stats.get_value("browser/screenshots") == 1
