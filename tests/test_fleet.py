"""A job on several workers behaves as one polite crawler: per-host delays and slots hold across the fleet,
hosts take turns, a dead worker's slot frees itself, and no page is fetched twice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, kill, start_cli
from servers.fleet import BlogSite, SmallSite, serving, spacings
from servers.sites import RouteServer
from test_distributed import response_uris

from crawler import settings as project_settings

pytestmark = [pytest.mark.e2e]

# Two requests to a host are never closer than its delay, less this much: the time between the
# moment a request is granted (in Redis, or in the worker) and the moment the server logs it varies
# by a few milliseconds on loopback, more on a loaded machine.
TOLERANCE = 0.05


def worker(urls: list[str], out: Path, worker_id: str, *extra: str, frontier: str | None = None, **popen):
    args = ["crawl", *urls, "--job", "fleet", "--output", str(out), "--log-level", "INFO", "--no-progress"]
    if frontier:
        args += ["--frontier", frontier, "--worker-id", worker_id]
    settings = {"AUTOTHROTTLE_ENABLED": "False", "FRONTIER_LEASE_SECONDS": "4", "EXTRACTION_WORKERS": "1"}
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return start_cli(*args, *extra, **popen)


def finish(procs) -> None:
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr.decode()[-3000:]


def fetched(server: RouteServer) -> Counter:
    return Counter(path for _, path, _ in server.log)


@pytest.mark.redis
@pytest.mark.parametrize("workers", [2, 3])
def test_workers_keep_a_sites_crawl_delay_and_fetch_each_page_once(redis_url, tmp_path, workers):
    site = BlogSite(articles=6, crawl_delay=1.0)
    with serving([site]) as (server,):
        procs = [worker([server.url + "/"], tmp_path, f"w{n}", frontier=redis_url) for n in range(workers)]
        finish(procs)
    counts = fetched(server)
    # One robots.txt for the fleet (shared in Redis), then every page once: comment-reply pages too,
    # and no share, AMP or tracking variant.
    assert counts.pop("/robots.txt") == 1
    assert counts == Counter(site.expected_paths()), counts
    assert min(spacings(server.log)) >= site.crawl_delay - TOLERANCE, sorted(spacings(server.log))[:5]
    uris = Counter(u for u in response_uris(tmp_path / "fleet") if not u.endswith("/robots.txt"))
    assert max(uris.values()) == 1
    stats = [json.loads(p.read_text()) for p in sorted((tmp_path / "fleet").glob("stats-*.json"))]
    assert len(stats) == workers and sum(s.get("robotstxt/shared", 0) for s in stats) == workers - 1
    host = server.url.removeprefix("http://")
    assert min(s.get(f"hosts/{host}/min_spacing", 9) for s in stats) >= site.crawl_delay - TOLERANCE


def host_of(server: RouteServer) -> str:
    return server.url.removeprefix("http://")


def write_job(folder: Path, urls: list[str], **sections: dict) -> Path:
    """A job file whose seeds are in a seeds file next to it."""
    (folder / "sites.txt").write_text("# the sites of the job\n" + "\n".join(urls) + "\n\n", encoding="utf-8")
    lines = ['[job]\nname = "fleet"\n', '[seeds]\nfile = "sites.txt"\n']
    for section, values in sections.items():
        lines.append(f"[{section}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    job = folder / "fleet.toml"
    job.write_text("\n".join(lines), encoding="utf-8")
    return job


def many_hosts_crawl(tmp_path: Path, workers: int, frontier: str | None) -> None:
    """20 sites in one job: one slow (answers in 0.2 s, Crawl-delay 0.5) holding most pages, 19 small
    ones (Crawl-delay 0.2)."""
    slow = SmallSite(pages=24, crawl_delay=0.5, answer_delay=0.2)
    small = [SmallSite(pages=3, crawl_delay=0.2) for _ in range(19)]
    with serving([slow, *small]) as servers:
        job = write_job(tmp_path, [s.url + "/" for s in servers])
        procs = [worker(["--config", str(job)], tmp_path / "out", f"w{n}", frontier=frontier) for n in range(workers)]
        finish(procs)
    slow_server, small_servers = servers[0], servers[1:]
    for site, server in zip([slow, *small], servers):
        assert Counter(p for p in fetched(server) if p != "/robots.txt") == Counter(site.expected_paths())
        assert min(spacings(server.log)) >= site.crawl_delay - TOLERANCE, host_of(server)
    # The slow host takes its delay and answer time per page, about 17 s; each small one about 1 s.
    # Each small host is finished before the slow one has had a third of its requests.
    slow_times = sorted(t for t, _, _ in slow_server.log)
    third = slow_times[len(slow_times) // 3]
    late = {host_of(s): round(max(t for t, _, _ in s.log) - third, 2) for s in small_servers}
    assert all(after < 0 for after in late.values()), late
    # Per-host stats of every worker add up to what each server saw.
    stats = [json.loads(p.read_text()) for p in (tmp_path / "out" / "fleet").glob("stats*.json")]
    for server in servers:
        requests = sum(s.get(f"hosts/{host_of(server)}/requests", 0) for s in stats)
        assert requests == len(server.log), host_of(server)


def test_a_slow_deep_host_never_holds_up_the_others_one_worker(tmp_path):
    many_hosts_crawl(tmp_path, 1, None)


@pytest.mark.redis
def test_a_slow_deep_host_never_holds_up_the_others_two_workers(redis_url, tmp_path):
    many_hosts_crawl(tmp_path, 2, redis_url)


@pytest.mark.redis
def test_a_per_host_page_limit_holds_for_the_fleet(redis_url, tmp_path):
    sites = [SmallSite(pages=8, crawl_delay=0) for _ in range(3)]
    with serving(sites) as servers:
        job = write_job(tmp_path, [s.url + "/" for s in servers], limits={"max_pages_per_host": 4})
        finish([worker(["--config", str(job)], tmp_path / "out", f"w{n}", frontier=redis_url) for n in range(2)])
    for server in servers:
        assert sum(n for p, n in fetched(server).items() if p != "/robots.txt") == 4


class SlowOnce:
    """Six pages; /p/3 answers after `hold` seconds the first time it is asked."""

    def __init__(self, hold: float):
        self.hold, self.held = hold, False

    def __call__(self, path, query, base):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/p/3" and not self.held:
            self.held = True
            time.sleep(self.hold)
        return SmallSite(pages=6, crawl_delay=0)(path, query, base)


@pytest.mark.redis
def test_a_killed_workers_host_slot_frees_itself_within_the_lease(redis_url, tmp_path):
    lease = 4.0
    site = SlowOnce(hold=30)
    with serving([site]) as (server,):
        procs = {
            name: worker(
                [server.url + "/"],
                tmp_path,
                name,
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s",
                f"USER_AGENT=fleet-test-{name}",
                "-s",
                f"FRONTIER_LEASE_SECONDS={lease}",
                frontier=redis_url,
            )
            for name in ("w1", "w2")
        }
        deadline = time.monotonic() + 60
        while not any(p == "/p/3" for _, p, _ in server.log) and time.monotonic() < deadline:
            time.sleep(0.05)
        held_at, _, agent = next(entry for entry in server.log if entry[1] == "/p/3")
        victim = agent.removeprefix("fleet-test-")
        time.sleep(1.0)  # the victim holds the host's only slot: nobody else asks the host meanwhile
        killed_at = time.monotonic()
        kill(procs.pop(victim))
        finish(procs.values())
    survivor_requests = [t for t, _, agent in server.log if t > held_at and not agent.endswith(victim)]
    assert survivor_requests and min(survivor_requests) > killed_at  # the slot was the victim's until it died
    assert min(survivor_requests) - killed_at <= lease + 1.0  # and frees itself within the lease
    counts = fetched(server)
    assert counts.pop("/robots.txt") == 1 and set(counts) == SmallSite(pages=6, crawl_delay=0).expected_paths()
    # Fetched again: the victim's requests it had not finished (/p/3 among them), no other.
    victims = {path for _, path, agent in server.log if agent.endswith(victim)}
    assert counts["/p/3"] == 2 and {path for path, n in counts.items() if n > 1} <= victims


@pytest.mark.redis
def test_a_stalled_worker_keeps_its_leases_and_nothing_is_fetched_twice(redis_url, tmp_path):
    """The issue's duplicate fetches: a worker whose event loop stalls longer than its leases (a slow fsync,
    a machine under load) used to let them lapse, and another worker fetched its requests again."""
    extensions = {**project_settings.EXTENSIONS, "servers.stall.Stall": 1000}
    site = BlogSite(articles=30, crawl_delay=0)
    with serving([site]) as (server,):
        procs = [
            worker(
                [server.url + "/"],
                tmp_path,
                f"w{n}",
                "-s",
                "FRONTIER_LEASE_SECONDS=3",
                "-s",
                f"EXTENSIONS={json.dumps(extensions)}",
                "-s",
                f"STALL_AFTER={6 if n == 0 else 0}",
                "-s",
                "STALL_SECONDS=6",
                frontier=redis_url,
                env={"PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"},
            )
            for n in range(2)
        ]
        finish(procs)
    counts = fetched(server)
    assert counts.pop("/robots.txt") == 1
    assert counts == Counter(site.expected_paths()), {p: n for p, n in counts.items() if n > 1}
    stats = [json.loads(p.read_text()) for p in (tmp_path / "fleet").glob("stats-*.json")]
    assert not any(s.get("frontier/leases_requeued") for s in stats)


def _netns_unavailable() -> str | None:
    """Why this machine lets no test make network namespaces, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2)"
    name = f"fleetprobe{os.getpid()}"
    probe = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"ip netns add failed: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


class Namespaces:
    """A hub namespace (the site and Redis on 10.213.0.1, on its loopback) and one namespace per worker,
    each joined to the hub by a veth pair the test makes: worker n is 10.213.n.2, its hub end 10.213.n.1.
    Every address is inside these namespaces; they are deleted at the end."""

    HUB_ADDRESS = "10.213.0.1"

    def __init__(self, workers: int):
        tag = os.getpid() % 10000
        self.hub = f"fhub{tag}"
        self.workers = [f"fw{n}x{tag}" for n in range(1, workers + 1)]
        self.made: list[str] = []

    def _ip(self, *args: str, netns: str | None = None) -> None:
        command = ["ip", *(["-n", netns] if netns else []), *args]
        subprocess.run(command, check=True, capture_output=True)

    def __enter__(self):
        for name in (self.hub, *self.workers):
            self._ip("netns", "add", name)
            self.made.append(name)
            self._ip("link", "set", "lo", "up", netns=name)
        self._ip("addr", "add", f"{self.HUB_ADDRESS}/32", "dev", "lo", netns=self.hub)
        for n, name in enumerate(self.workers, 1):
            hub_end, worker_end = f"vh{n}x{os.getpid() % 10000}", f"vw{n}x{os.getpid() % 10000}"
            self._ip(
                "link", "add", hub_end, "netns", self.hub, "type", "veth", "peer", "name", worker_end, "netns", name
            )
            self._ip("addr", "add", f"10.213.{n}.1/30", "dev", hub_end, netns=self.hub)
            self._ip("addr", "add", f"10.213.{n}.2/30", "dev", worker_end, netns=name)
            self._ip("link", "set", hub_end, "up", netns=self.hub)
            self._ip("link", "set", worker_end, "up", netns=name)
            self._ip("route", "add", f"{self.HUB_ADDRESS}/32", "via", f"10.213.{n}.1", netns=name)
        return self

    def __exit__(self, *exc):
        for name in self.made:  # deleting a namespace deletes its end of each veth pair, and so the pair
            subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def popen(self, netns: str, command: list[str], **popen) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
        return subprocess.Popen(["ip", "netns", "exec", netns, *command], cwd=ROOT, env=env, **popen)


@pytest.mark.redis
def test_workers_in_network_namespaces_of_their_own_behave_as_one(tmp_path):
    """Two "machines": each worker in its own network namespace, reaching Redis and the site over veth pairs."""
    if reason := _netns_unavailable():
        pytest.skip(f"no network namespaces on this machine: {reason}")
    site_port, redis_port, log = 8080, 6379, tmp_path / "access.json"
    with Namespaces(workers=2) as ns:
        hub = ns.HUB_ADDRESS
        redis_command = [shutil.which("redis-server"), "--bind", hub, "--port", str(redis_port)]
        redis_command += ["--requirepass", "fleet-secret", "--save", "", "--dir", str(tmp_path)]
        redis_server = ns.popen(ns.hub, redis_command, stdout=subprocess.DEVNULL)
        site_command = [sys.executable, "-m", "servers.fleet", hub, str(site_port), str(log), "1"]
        site = ns.popen(ns.hub, site_command, stdout=subprocess.PIPE)
        args = ["-m", "crawler.cli", "crawl", f"http://{hub}:{site_port}/", "--job", "fleet", "--output", str(tmp_path)]
        args += ["--frontier", f"redis://:fleet-secret@{hub}:{redis_port}/0", "--log-level", "INFO", "--no-progress"]
        args += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACTION_WORKERS=1"]
        workers = []
        try:
            assert site.stdout.readline().strip() == b"ready"
            for name in ns.workers:
                command = [sys.executable, *args, "--worker-id", name, "-s", f"USER_AGENT=fleet-{name}"]
                workers.append(ns.popen(name, command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
            finish(workers)
        finally:
            for proc in (*workers, site, redis_server):
                if proc.poll() is None:
                    proc.terminate()
                proc.wait(60)
                for pipe in (proc.stdout, proc.stderr):
                    if pipe is not None:
                        pipe.close()
    entries = [tuple(entry) for entry in json.loads(log.read_text())]
    counts = Counter(path for _, path, _ in entries)
    assert counts.pop("/robots.txt") == 1
    assert counts == Counter(BlogSite().expected_paths())
    assert min(spacings(entries)) >= 1.0 - TOLERANCE
    assert {agent for _, _, agent in entries} == {f"fleet-{name}" for name in ns.workers}  # both worked
    assert not any("fleet-secret" in path.read_text() for path in (tmp_path / "fleet" / "logs").glob("*.log"))
