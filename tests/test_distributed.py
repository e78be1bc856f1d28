"""One crawl on two workers sharing a Redis frontier (a redis-server of our own on a free loopback port)."""

import json
import os
import pickle
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import kill, run_cli, start_cli
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import DemoServer

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

COMPARED = ("url", "status", "page_type", "title", "breadcrumb", "authors", "published", "body_text", "related", "tags")


def worker(url, out, frontier, worker_id, *extra):
    return start_cli(
        "crawl",
        url,
        "--job",
        "fleet",
        "--output",
        str(out),
        "--frontier",
        frontier,
        "--worker-id",
        worker_id,
        "--log-level",
        "WARNING",
        "--no-progress",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "FRONTIER_LEASE_SECONDS=3",
        *extra,
    )


def all_records(job: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(job.glob("records-*.jsonl")) for line in path.read_text().splitlines()]


def response_uris(job: Path) -> list[str]:
    uris = []
    for path in sorted(job.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            uris += [
                r.rec_headers.get_header("WARC-Target-URI")
                for r in ArchiveIterator(fh)
                if r.rec_type in ("response", "revisit")
            ]
    return uris


def single_worker_records(url, tmp_path) -> dict:
    result = run_cli(
        "crawl", url, "--job", "solo", "--output", str(tmp_path / "solo"), "--log-level", "WARNING", "--no-progress"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (tmp_path / "solo" / "solo" / "records.jsonl").read_text().splitlines()
    return {r["url"]: r for r in map(json.loads, lines)}


def test_two_workers_share_the_crawl(redis_url, tmp_path):
    out = tmp_path / "out"
    with DemoServer(delay=0.01) as server:
        solo = single_worker_records(server.url + "/", tmp_path)
        before = len(server.requests)
        workers = [worker(server.url + "/", out, redis_url, f"w{n}") for n in (1, 2)]
        results = [w.communicate(timeout=300) for w in workers]
        fleet_requests = [p for _, p in server.requests[before:]]
    for w, (_, stderr) in zip(workers, results):
        assert w.returncode == 0, stderr.decode()[-3000:]
    job = out / "fleet"
    records = all_records(job)
    urls = [r["url"] for r in records]
    assert len(urls) == len(set(urls)), [u for u, n in Counter(urls).items() if n > 1]
    assert {u: {k: r[k] for k in COMPARED} for u, r in ((r["url"], r) for r in records)} == {
        u: {k: r[k] for k in COMPARED} for u, r in solo.items()
    }
    # Each URL fetched once across the fleet (robots.txt: once per worker), and both workers worked.
    counts = Counter(p for p in fleet_requests if p != "/robots.txt")
    assert max(counts.values()) == 1
    uris = Counter(u for u in response_uris(job) if not u.endswith("/robots.txt"))
    assert max(uris.values()) == 1
    assert len(list(job.glob("records-w1.jsonl"))) == 1 and len(list(job.glob("records-w2.jsonl"))) == 1
    assert all(len(list(job.glob(f"*-{w}.warc.gz"))) >= 1 for w in ("w1", "w2"))
    # Seeing the fleet as one crawl.
    merged = run_cli("merge", str(job))
    assert merged.returncode == 0, merged.stderr
    lines = (job / "merged" / "records.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["url"] for line in lines) == sorted(solo)
    status = run_cli("seed", "--job", "fleet", "--frontier", redis_url, "--status")
    assert "queued 0, in flight 0" in status.stdout


def test_killed_worker_loses_nothing(redis_url, tmp_path):
    out = tmp_path / "out"
    with DemoServer(delay=0.03) as server:
        truth = {r["url"] for r in server.site.expected_records(server.url)}
        steady = worker(server.url + "/", out, redis_url, "steady")
        victim = worker(server.url + "/", out, redis_url, "victim")
        deadline = time.monotonic() + 60
        while len(server.requests) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert victim.poll() is None, "the crawl ended before the worker could be killed"
        kill(victim)
        restarted = worker(server.url + "/", out, redis_url, "victim")
        for proc in (steady, restarted):
            _, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stderr.decode()[-3000:]
    job = out / "fleet"
    assert {r["url"] for r in all_records(job)} == truth
    assert run_cli("merge", str(job)).returncode == 0
    merged = [json.loads(line)["url"] for line in (job / "merged" / "records.jsonl").read_text().splitlines()]
    assert sorted(merged) == sorted(truth)
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, sorted(job.glob("*.warc.gz")))],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout[-2000:]


def test_seed_pushes_seeds_once(redis_url):
    first = run_cli("seed", "http://127.0.0.1:9/", "--job", "s", "--frontier", redis_url)
    second = run_cli("seed", "http://127.0.0.1:9/", "--job", "s", "--frontier", redis_url)
    assert "queued 1 new seeds" in first.stdout and "queued 0 new seeds" in second.stdout
    assert "queued 1, in flight 0, seen 1" in second.stdout
    reset = run_cli("seed", "--job", "s", "--frontier", redis_url, "--reset")
    assert "queued 0, in flight 0, seen 0" in reset.stdout


class _Planted:
    """What someone who can reach Redis could queue: a pickle that runs a command when loaded."""

    marker = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_in_the_redis_frontier_is_refused(redis_url, tmp_path):
    import redis

    client = redis.Redis.from_url(redis_url)
    _Planted.marker = str(tmp_path / "pwned")
    run_cli("seed", "http://127.0.0.1:9/", "--job", "other", "--frontier", redis_url)
    queued = client.zrange("crawler:other:requests:q:127.0.0.1:9", 0, -1)
    assert queued and all(json.loads(entry)["url"] == "http://127.0.0.1:9/" for entry in queued)  # JSON, no pickle
    with DemoServer() as server:
        host = server.url.removeprefix("http://")
        # Into a host's queue, as the frontier keeps it; and into the one queue older versions kept.
        client.zadd(f"crawler:fleet:requests:q:{host}", {pickle.dumps(_Planted()): -100})
        client.zadd("crawler:fleet:requests:hosts", {host: 0})
        client.incr("crawler:fleet:requests:queued")
        client.zadd("crawler:fleet:requests", {pickle.dumps(_Planted()) + b" ": -100})
        result = run_cli(
            "crawl",
            server.url + "/",
            "--job",
            "fleet",
            "--output",
            str(tmp_path),
            "--frontier",
            redis_url,
            "--worker-id",
            "w1",
            "--max-pages",
            "5",
            "--log-level",
            "WARNING",
            "--no-progress",
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (tmp_path / "pwned").exists()
    assert "Refused a frontier entry in Redis" in result.stderr and "Refused 1 frontier entries" in result.stderr
    assert client.llen("crawler:fleet:requests:rejected") == 2
    stats = json.loads((tmp_path / "fleet" / "stats-w1.json").read_text())
    assert stats["frontier/rejected_rows"] == 2
