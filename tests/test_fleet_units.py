"""The parts of a polite fleet on their own: per-host politeness, hosts' turns, both frontiers' queues per
host, leases kept by a thread, shared page counts, and the components that use them. No crawl."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from types import SimpleNamespace

import pytest
import redis
from scrapy import Request, signals
from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse
from test_components import SITE, crawler_with

from crawler import compat
from crawler.commands.merge import merge_stats
from crawler.downloadermiddlewares.limits import PageLimitMiddleware
from crawler.downloadermiddlewares.politeness import SLOT_META, PolitenessMiddleware
from crawler.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from crawler.downloadermiddlewares.warc import NotArchived
from crawler.extensions.politeness import politeness
from crawler.extensions.throttle import SharedAutoThrottle
from crawler.jobs import config as jobconfig
from crawler.jobs.frontier import Frontier
from crawler.jobs.hosts import BUSY_RETRY, HostTurns
from crawler.jobs.leases import LeaseKeeper, lease_tokens
from crawler.jobs.pagecounts import PageCounts, RedisPageCounts
from crawler.jobs.politeness import FULL_RETRY, Grant, LocalPoliteness, RedisPoliteness, Rules, Wait
from crawler.scheduler import serialize
from crawler.scheduler.distributed import HostQueues, frontier_keys, migrate_frontier, push_seeds, reset_frontier
from crawler.scheduler.local import FrontierScheduler


class Clock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---- rules -------------------------------------------------------------------------------------------


def test_a_delay_asked_for_is_kept_from_the_end_of_a_request_autothrottles_from_its_start():
    rules = Rules(delay=0.5, concurrency=4, max_crawl_delay=10.0, start_delay=1.0)
    assert rules.fixed_delay(None) == 0.5 and rules.fixed_delay(30) == 10.0 and rules.fixed_delay(2) == 2
    assert rules.learnt_delay(None) == 1.0 and rules.learnt_delay(0.1) == 0.1
    assert rules.limit(None) == 1  # a delay is asked for: one request at a time
    assert Rules(concurrency=4).limit(None) == 4 and Rules(concurrency=4).limit(0.5) == 1
    # started at 10, ended at 13: AutoThrottle's 1 s counts from 10, the Crawl-delay of 2 s from 13
    assert rules.due(10.0, 13.0, 2.0, None) == 15.0
    assert rules.due(10.0, None, 2.0, 3.0) == 13.0  # in flight: only the start is known
    assert rules.due(None, None, None, None) == 0.0  # never asked: due at once
    assert Rules().delay_of(None, None) == 0.0 and rules.delay_of(2.0, 0.2) == 2.0


# ---- local politeness --------------------------------------------------------------------------------


def test_local_politeness_spaces_a_hosts_requests_and_frees_slots():
    clock = Clock()
    store = LocalPoliteness(Rules(delay=1.0, concurrency=4, lease=30), clock)
    first = store.acquire("a", "t1")
    assert isinstance(first, Grant) and first.spacing is None
    assert isinstance(store.acquire("b", "t2"), Grant)  # another host is not held up
    assert store.acquire("a", "t3") == Wait(FULL_RETRY)  # one at a time with a delay
    clock.now += 0.3
    store.release("a", "t1")  # ended at 100.3: the next may start at 101.3
    clock.now += 0.5
    wait = store.acquire("a", "t3")
    assert isinstance(wait, Wait) and wait.seconds == pytest.approx(0.5)
    assert store.due_at("a") == pytest.approx(101.3)
    clock.now += 0.5
    second = store.acquire("a", "t3")
    assert isinstance(second, Grant) and second.spacing == pytest.approx(1.3)
    store.set_crawl_delay("a", 5.0)
    store.release("a", "t3")
    assert store.due_at("a") == pytest.approx(clock.now + 5.0) and store.delay("a") == 5.0


def test_a_slot_whose_lease_ran_out_is_free_again():
    clock = Clock()
    store = LocalPoliteness(Rules(concurrency=1, lease=3), clock)
    assert isinstance(store.acquire("a", "dead"), Grant)
    assert store.full("a") and store.acquire("a", "t2") == Wait(FULL_RETRY)
    store.renew([("a", "dead")])
    clock.now += 2.5
    assert store.full("a")  # renewed at 100: good until 103
    clock.now += 1
    assert not store.full("a") and isinstance(store.acquire("a", "t2"), Grant)


# ---- hosts' turns ------------------------------------------------------------------------------------


def test_hosts_take_turns_a_new_host_goes_first_and_a_busy_one_keeps_its_turn():
    turns = HostTurns()
    turns.added("deep", due=0.0, count=100)
    assert turns.next_host(10.0, lambda h: False) == "deep"
    turns.served("deep", due=10.0)
    turns.added("new", due=0.0, count=2)  # never asked: due at once, before deep
    assert turns.next_host(10.0, lambda h: False) == "new"
    turns.served("new", due=10.5)
    assert turns.next_host(10.0, lambda h: False) == "deep"  # new is not due before 10.5
    turns.served("deep", due=11.0)
    assert turns.next_host(10.0, lambda h: False) == pytest.approx(0.5)  # nothing due: wait
    assert turns.next_host(10.6, lambda h: h == "new") == pytest.approx(BUSY_RETRY)  # due but busy
    assert turns.next_host(10.6, lambda h: False) == "new"  # kept its turn
    turns.served("new", due=12.0)
    assert "new" not in turns.queued and len(turns) == 1
    # deep's last request ended late: due at 13, not 11 as reckoned when it was handed out
    assert turns.next_host(11.0, lambda h: 13.0) == pytest.approx(2.0) and turns.due["deep"] == 13.0
    for _ in range(99):
        turns.served("deep", due=0.0)
    assert turns.next_host(20.0, lambda h: False) is None


# ---- the SQLite frontier ----------------------------------------------------------------------------


def test_the_sqlite_frontier_pops_by_host_and_gives_hosts_to_an_older_file(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE requests (id INTEGER PRIMARY KEY, fingerprint BLOB UNIQUE, priority INTEGER NOT NULL,"
        " state INTEGER NOT NULL, data BLOB);"
        "CREATE INDEX requests_next ON requests (priority DESC, id) WHERE state = 0;"
    )
    rows = [(b"a1", 0, 0, b'{"url": "http://a:1/x"}'), (b"b1", 5, 0, b'{"url": "http://b/y"}'), (b"p", 9, 0, b"\x80")]
    db.executemany("INSERT INTO requests (fingerprint, priority, state, data) VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    frontier = Frontier(path)  # a frontier written before hosts were kept
    assert frontier.queued_by_host() == {"a:1": 1, "b": 1, "": 1}
    frontier.push(b'{"url": "http://a:1/z"}', 7, b"a2", "a:1")
    assert frontier.pop("a:1")[1] == b'{"url": "http://a:1/z"}'  # priority within the host
    assert frontier.pop("b")[1] == b'{"url": "http://b/y"}' and frontier.pop("b") is None
    assert frontier.pop()[1] == b"\x80"  # over all hosts
    frontier.close()


def test_the_local_scheduler_serves_hosts_in_turns(tmp_path):
    crawler = crawler_with(tmp_path, AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=0)
    scheduler = FrontierScheduler.from_crawler(crawler)
    scheduler.open(SimpleNamespace(name="article", parse=lambda r: None))
    for n in range(4):
        scheduler.enqueue_request(Request(f"http://deep.example/{n}", priority=-n))
    scheduler.enqueue_request(Request("http://small.example/0"))
    scheduler.enqueue_request(Request("http://small.example/1", priority=-1))
    order = []
    while (request := scheduler.next_request()) is not None:
        order.append(request.url)
    assert order == [
        "http://deep.example/0",
        "http://small.example/0",  # a new host: its first page early
        "http://deep.example/1",
        "http://small.example/1",
        "http://deep.example/2",
        "http://deep.example/3",
    ]
    scheduler.close("finished")


def test_the_local_scheduler_passes_over_a_host_that_is_not_due(tmp_path):
    crawler = crawler_with(tmp_path, AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=2)
    scheduler = FrontierScheduler.from_crawler(crawler)
    scheduler.open(SimpleNamespace(name="article", parse=lambda r: None))
    store = politeness(crawler).store
    for url in ("http://slow.example/1", "http://slow.example/2", "http://fast.example/1"):
        scheduler.enqueue_request(Request(url))
    first = scheduler.next_request()
    assert first.url == "http://slow.example/1"
    grant = store.acquire("slow.example", "t")
    store.release("slow.example", grant.token)  # fetched: slow.example waits 2 s now
    assert scheduler.next_request().url == "http://fast.example/1"
    assert scheduler.next_request() is None  # slow.example is not due yet
    scheduler.close("finished")


# ---- page counts ------------------------------------------------------------------------------------


def test_page_counts_refuse_a_page_over_any_of_its_limits():
    counts = PageCounts()
    assert counts.take([("*", 3), ("host:a", 2)]) == (None, [1, 1])
    assert counts.take([("*", 3), ("host:a", 2)]) == (None, [2, 2])
    assert counts.take([("*", 3), ("host:a", 2)]) == (1, [])  # host:a is used up; nothing counted
    assert counts.take([("*", 3), ("host:b", 2)]) == (None, [3, 1])
    assert counts.take([("*", 3)]) == (0, [])


@pytest.mark.redis
def test_page_counts_in_redis_are_the_fleets(redis_client):
    first, second = RedisPageCounts(redis_client, "crawler:j:pages"), RedisPageCounts(redis_client, "crawler:j:pages")
    assert first.take([("host:a", 2)]) == (None, [1])
    assert second.take([("host:a", 2)]) == (None, [2])
    assert first.take([("host:a", 2)]) == (0, [])


def test_the_page_limit_middleware_counts_per_host(tmp_path):
    crawler = crawler_with(tmp_path, LIMIT_PAGES_PER_HOST=2)
    middleware = PageLimitMiddleware.from_crawler(crawler)
    for n in range(2):
        assert middleware.process_request(Request(f"http://a.example/{n}")) is None
    with pytest.raises(IgnoreRequest, match="page limit for a.example reached"):
        middleware.process_request(Request("http://a.example/3"))
    assert middleware.process_request(Request("http://b.example/1")) is None
    assert crawler.stats.get_value("hosts/a.example/over_limit") == 1


# ---- leases kept by a thread -----------------------------------------------------------------------


def test_the_lease_keeper_renews_while_the_loop_turns_and_stops_when_it_does_not():
    clock = Clock()
    keeper = LeaseKeeper(interval=0.01, hang=60, clock=clock)
    renewed = []
    keeper.add(lambda: renewed.append(clock.now))
    keeper.add(lambda: 1 / 0)  # a renewal that fails does not stop the others
    keeper.start()
    deadline = time.monotonic() + 5
    while len(renewed) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(renewed) >= 3 and keeper.failures >= 3
    clock.now += 61  # the loop has not ticked for longer than `hang`: the worker is stuck
    time.sleep(0.05)
    count = len(renewed)
    time.sleep(0.1)
    assert len(renewed) == count
    keeper.tick()
    deadline = time.monotonic() + 5
    while len(renewed) == count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(renewed) > count
    keeper.stop()


# ---- components ------------------------------------------------------------------------------------


def test_the_politeness_middleware_holds_a_request_until_its_hosts_turn(tmp_path):
    crawler = crawler_with(tmp_path, AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=0.2)
    middleware = PolitenessMiddleware.from_crawler(crawler)
    host = "127.0.0.1:8000"

    async def two_requests():
        first, second = Request(f"{SITE}/1"), Request(f"{SITE}/2")
        await middleware.process_request(first)
        assert first.meta["download_slot"] == host and first.meta[SLOT_META][0] == host
        started = time.monotonic()
        pending = asyncio.ensure_future(middleware.process_request(second))
        await asyncio.sleep(0.05)
        assert not pending.done()  # one request at a time with a delay
        middleware.process_response(first, HtmlResponse(first.url, body=b""))
        await pending
        return time.monotonic() - started, second

    waited, second = asyncio.run(two_requests())
    assert waited >= 0.2
    middleware.process_exception(second, OSError("refused"))
    stats = crawler.stats
    assert stats.get_value(f"hosts/{host}/requests") == 2 and stats.get_value(f"hosts/{host}/responses") == 1
    assert stats.get_value(f"hosts/{host}/failures") == 1 and stats.get_value(f"hosts/{host}/delay") == 0.2
    assert stats.get_value(f"hosts/{host}/min_spacing") >= 0.25 and stats.get_value(f"hosts/{host}/waited") > 0
    assert politeness(crawler).held == {}


def test_shared_autothrottle_keeps_scrapys_policy_on_the_hosts_delay(tmp_path):
    crawler = crawler_with(tmp_path, AUTOTHROTTLE_ENABLED=True, AUTOTHROTTLE_START_DELAY=1.0, DOWNLOAD_DELAY=0.1)
    SharedAutoThrottle.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.spider_opened, spider=None)
    store = politeness(crawler).store
    request = Request(f"{SITE}/a", meta={"download_latency": 0.2})
    response = HtmlResponse(request.url, body=b"")
    crawler.signals.send_catch_log(signals.response_downloaded, response=response, request=request, spider=None)
    # Scrapy's rule: the mean of the old delay (the start delay, 1 s) and latency / target concurrency (0.1 s)
    assert store.learnt_delay("127.0.0.1:8000") == pytest.approx(0.55)


def test_the_private_scrapy_parts_compat_uses_are_there():
    for name in ("_spider_opened", "_get_slot", "_min_delay", "_max_delay", "_adjust_delay"):
        assert callable(getattr(AutoThrottle, name))
    downloader = Downloader(crawler_with(DOWNLOAD_DELAY=3, DOWNLOAD_DELAY_JITTER=0.5))
    assert (downloader._delay, downloader._jitter) == (3, 0.5)
    slot = downloader.slots["127.0.0.1"] = Slot(4, 3.0, 0.5)
    compat.downloader_without_delay(downloader)
    assert (downloader._delay, downloader._jitter, slot.delay, slot.jitter) == (0.0, 0.0, 0.0, 0.0)
    downloader.close()


# ---- Redis -----------------------------------------------------------------------------------------


@pytest.mark.redis
def test_redis_politeness_is_one_for_every_worker(redis_client):
    rules = Rules(delay=0.3, concurrency=4, lease=0.5)
    one = RedisPoliteness(redis_client, "crawler:j", rules)
    two = RedisPoliteness(redis_client, "crawler:j", rules)
    first = one.acquire("h", "w1:1")
    assert isinstance(first, Grant) and first.spacing is None
    assert two.acquire("h", "w2:1") == Wait(FULL_RETRY)  # one at a time, fleet-wide
    one.release("h", "w1:1")
    wait = two.acquire("h", "w2:1")
    assert isinstance(wait, Wait) and 0.25 < wait.seconds <= 0.3
    time.sleep(wait.seconds)
    assert isinstance(two.acquire("h", "w2:1"), Grant)
    # w2 dies holding the slot: it frees itself after the lease (0.5 s), unless renewed
    time.sleep(0.3)
    one.renew([("h", "w2:1")])
    time.sleep(0.3)
    assert one.acquire("h", "w1:2") == Wait(FULL_RETRY)
    time.sleep(0.3)
    later = one.acquire("h", "w1:2")
    assert isinstance(later, Grant) and later.spacing > 0.8
    # delays set by any worker hold for all
    one.set_crawl_delay("h", 2.5)
    two.set_learnt_delay("h", 0.7)
    assert two.delay("h") == 2.5 and one.learnt_delay("h") == 0.7
    # a request whose frontier lease is gone is not sent
    assert one.acquire("other", "w1:3", lease="w1:gone") == Wait(0.0, lost=True)


@pytest.mark.redis
def test_robots_txt_is_fetched_by_one_worker_and_shared(redis_client):
    one = RedisPoliteness(redis_client, "crawler:j", Rules())
    two = RedisPoliteness(redis_client, "crawler:j", Rules())
    assert one.shared_robots("h") is None
    assert one.claim_robots("h", 30) and not two.claim_robots("h", 30)
    one.share_robots("h", {"kind": "response", "status": 200, "body": b"User-agent: *\nCrawl-delay: 2\n"}, 60)
    assert two.shared_robots("h") == {"kind": "response", "status": 200, "body": b"User-agent: *\nCrawl-delay: 2\n"}
    one.share_robots("u", {"kind": "unreachable", "reason": "HTTP 503"}, 60)
    assert two.shared_robots("u") == {"kind": "unreachable", "reason": "HTTP 503"}


def _queues(redis_client, job="j", **rules) -> HostQueues:
    queues = HostQueues(redis_client, SimpleNamespace(name="article", parse=lambda r: None), f"crawler:{job}:requests")
    queues.rules = Rules(**rules)
    return queues


@pytest.mark.redis
def test_the_redis_frontier_serves_hosts_in_turns(redis_client):
    queues = _queues(redis_client, concurrency=2)
    for n in range(4):
        queues.push(Request(f"http://deep.example/{n}", priority=-n))
    first = queues.pop()
    queues.push(Request("http://new.example/0"))
    order = [first.url] + [queues.pop().url for _ in range(4)]
    assert order == [
        "http://deep.example/0",
        "http://new.example/0",  # a new host: its first page early
        "http://deep.example/1",
        "http://deep.example/2",
        "http://deep.example/3",
    ]
    assert queues.pop() is None and len(queues) == 0 and queues.leased() == 5


@pytest.mark.redis
def test_the_redis_frontier_passes_over_busy_and_waiting_hosts(redis_client):
    queues = _queues(redis_client, delay=0.5, concurrency=4)
    store = RedisPoliteness(redis_client, "crawler:j", queues.rules)
    for url in ("http://a.example/1", "http://a.example/2", "http://b.example/1"):
        queues.push(Request(url))
    assert queues.pop().url == "http://a.example/1"
    assert queues.pop(busy=["b.example"]) == pytest.approx(0.05, abs=0.01)  # a waits for its delay, b is busy here
    grant = store.acquire("a.example", "w:1")
    store.release("a.example", grant.token)  # a's request ended now: a is due in 0.5 s
    assert queues.pop().url == "http://b.example/1"
    wait = queues.pop()
    assert isinstance(wait, float) and 0.3 < wait <= 0.5
    deadline = time.monotonic() + 2
    while isinstance(answer := queues.pop(), float) and time.monotonic() < deadline:
        time.sleep(answer)
    assert answer.url == "http://a.example/2"


@pytest.mark.redis
def test_expired_leases_go_back_to_their_hosts_queue_and_a_lapsed_release_says_so(redis_client):
    queues = _queues(redis_client)
    HostQueues.lease_seconds = 0.3
    try:
        queues.push(Request("http://a.example/1", priority=3))
        request = queues.pop()
        token = request.meta["lease"]
        queues.renew([token])
        assert queues.requeue_expired() == 0
        time.sleep(0.4)
        assert queues.requeue_expired() == 1 and len(queues) == 1
        again = queues.pop()
        assert again.url == "http://a.example/1" and again.priority == 3
        assert not queues.release(token)  # the first holder's lease had lapsed
        assert queues.release(again.meta["lease"])  # the second holder's is its own
    finally:
        HostQueues.lease_seconds = 120.0


@pytest.mark.redis
def test_a_frontier_of_an_older_version_moves_into_the_hosts_queues(redis_client):
    keys = frontier_keys("j")
    request = serialize.dumps(Request("http://a.example:8080/x").to_dict())
    leased = serialize.dumps(Request("http://b.example/y").to_dict())
    redis_client.zadd(keys["queue"], {request: -5, b"\x80pickle": 0})
    redis_client.zadd(keys["leases"], {leased: 1})
    redis_client.hset(keys["scores"], leased, -1)
    assert migrate_frontier(redis_client, "j", Rules()) == (2, 1)
    assert redis_client.zrange(keys["queue"] + ":q:a.example:8080", 0, -1, withscores=True) == [(request, -5.0)]
    assert redis_client.zcard(keys["queue"] + ":q:b.example") == 1 and redis_client.zcard(keys["leases"]) == 0
    assert redis_client.lrange(keys["rejected"], 0, -1) == [b"\x80pickle"]
    assert migrate_frontier(redis_client, "j", Rules()) == (0, 0)
    assert push_seeds(redis_client, "j", [("http://c.example/", 0)]) == 1
    assert int(redis_client.get(keys["queued"])) == 3
    reset_frontier(redis_client, "j")
    assert redis_client.keys("crawler:j:*") == []


def test_merged_stats_add_up_counts_and_keep_the_extremes_of_per_host_values(tmp_path):
    one = {"hosts/a/requests": 3, "hosts/a/min_spacing": 1.2, "hosts/a/delay": 1.0, "robotstxt/crawl_delay/a": 1.0}
    one |= {"hosts/a/first_request": "2026-01-01T00:00:02", "hosts/a/last_request": "2026-01-01T00:01:00"}
    two = {"hosts/a/requests": 4, "hosts/a/min_spacing": 1.1, "hosts/a/delay": 2.0, "robotstxt/crawl_delay/a": 1.0}
    two |= {"hosts/a/first_request": "2026-01-01T00:00:01", "hosts/a/last_request": "2026-01-01T00:00:50"}
    paths = []
    for n, stats in enumerate((one, two)):
        paths.append(tmp_path / f"stats-w{n}.json")
        paths[-1].write_text(json.dumps({**stats, "start_time": "x", "finish_time": "y", "finish_reason": "finished"}))
    merged = merge_stats(paths, [])
    assert merged["hosts/a/requests"] == 7 and merged["hosts/a/min_spacing"] == 1.1 and merged["hosts/a/delay"] == 2.0
    assert merged["hosts/a/first_request"] == "2026-01-01T00:00:01" and merged["hosts/a/last_request"].endswith("01:00")
    assert merged["robotstxt/crawl_delay/a"] == 1.0


def test_a_seeds_file_gives_one_url_a_line_and_names_the_line_it_cannot_use(tmp_path):
    (tmp_path / "sites.txt").write_text(
        "\ufeff# NGOs\nhttps://a.example/\n\n  https://b.example:8080/news/  \nhttps://a.example/\n", encoding="utf-8"
    )
    job = tmp_path / "job.toml"
    job.write_text('[seeds]\nurls = ["https://c.example/"]\nfile = "sites.txt"\n', encoding="utf-8")
    config = jobconfig.load(job)
    assert config.settings["START_URLS"] == ["https://c.example/", "https://a.example/", "https://b.example:8080/news/"]
    (tmp_path / "sites.txt").write_text("https://a.example/\nwww.b.example\n", encoding="utf-8")
    with pytest.raises(jobconfig.JobConfigError, match=r"seeds.file: .*sites.txt line 2: not an http\(s\) URL: 'www.b"):
        jobconfig.load(job)
    (tmp_path / "job.toml").write_text('[seeds]\nfile = "missing.txt"\n', encoding="utf-8")
    with pytest.raises(jobconfig.JobConfigError, match="no such seeds file"):
        jobconfig.load(job)


def test_a_robots_txt_the_fleet_cannot_share_leaves_the_host_waiting_not_hanging(tmp_path):
    crawler = crawler_with(tmp_path)
    middleware = RobotsTxtMiddleware.from_crawler(crawler)

    def down(host, seconds):
        raise redis.ConnectionError("Redis is gone")

    politeness(crawler).store.claim_robots = down
    with pytest.raises(IgnoreRequest, match="robots.txt unreachable"):
        asyncio.run(middleware.process_request(Request(f"{SITE}/a")))
    with pytest.raises(IgnoreRequest, match="robots.txt unreachable"):  # and the next request too, at once
        asyncio.run(asyncio.wait_for(middleware.process_request(Request(f"{SITE}/b")), 5))


@pytest.mark.redis
def test_a_worker_restarted_under_its_id_leaves_its_dead_selfs_leases_alone(redis_client):
    """The dead worker's leases outlive it; the new one's tokens must not take them over."""
    dead, restarted = _queues(redis_client), _queues(redis_client)
    dead.tokens, restarted.tokens = lease_tokens("w1"), lease_tokens("w1")
    HostQueues.lease_seconds = 0.3
    try:
        for n in range(2):
            dead.push(Request(f"http://a.example/{n}"))
        held = dead.pop()  # then the worker is killed, holding it
        taken = restarted.pop()
        assert held.meta["lease"] != taken.meta["lease"] and restarted.leased() == 2
        time.sleep(0.4)
        assert restarted.requeue_expired() == 2 and len(restarted) == 2
    finally:
        HostQueues.lease_seconds = 120.0


def test_a_robots_txt_this_worker_could_not_archive_disallows_the_host_and_is_not_shared(tmp_path):
    """A full disk is the crawler's failure, not the site's answer: it must never read as "no robots.txt"."""
    crawler = crawler_with(tmp_path)
    middleware = RobotsTxtMiddleware.from_crawler(crawler)
    shared = []
    store = politeness(crawler).store
    store.share_robots = lambda host, outcome, seconds: shared.append(outcome)

    async def full_disk(request):
        raise NotArchived("not archived ([Errno 28] No space left on device)")

    crawler.engine = SimpleNamespace(download_async=full_disk)
    with pytest.raises(IgnoreRequest, match="robots.txt unreachable"):
        asyncio.run(middleware.process_request(Request(f"{SITE}/wp-admin/")))
    assert shared == []
