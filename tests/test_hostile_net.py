"""Hostile networks, over real HTTP on 127.0.0.1 (issue 13): codings stacked to inflate past
the byte cap, redirects from a public address to an internal one, credentials in source URLs,
a host that holds a source past its total time, and a body that breaks a recursive decoder.

No test here sends a packet outside 127.0.0.0/8: other addresses exist only in an injected
resolver (``FakeDNS``) and an injected connection backend (``LoopbackOnly``) that refuses every
address outside loopback, except the fake internal ones a test names as stand-ins for its own
server (then it connects to 127.0.0.1 instead), so a broken address policy fails the test rather
than sending traffic. Waits go through the injected sleep; no assertion is made on wall time.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import socket
import subprocess
import sys
import tracemalloc
import zlib
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpcore
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedsmith.addresses import Addresses, is_internal
from feedsmith.cli import main
from feedsmith.config import load_config
from feedsmith.content_coding import CappedDecoder, CodingError
from feedsmith.crawl import fetch_source
from feedsmith.crawl_cache import CrawlCache
from feedsmith.errors import ConfigError
from feedsmith.http import Fetcher
from feedsmith.jobs import build
from feedsmith.redact import redact_text, redact_url
from feedsmith.report import BuildReport
from feedsmith.settings import CrawlSettings
from feedsmith.sources import SourceConfig
from feedsmith.sources.hf import page_has_items
from tests import hostile
from tests.conftest import SNAPSHOT, Waits
from tests.test_hostile_http import T0, TEST_CRAWL, site_files, write_config

ITEM = hostile.rss([hostile.rss_item("Read as usual", link="https://hostile.example/ok")])
REFUSED = "redirect to an internal address refused"


# ------------------------------------------------------------------------------------------
# the injected network

class FakeDNS:
    """An injected resolver: each host's answers in lookup order (the last one repeats); an IP
    address is its own answer; any other host does not exist. Every lookup is recorded."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.lookups.append(host)
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the test resolver")
        answers = self.answers[host]
        return [answers[min(self.lookups.count(host), len(answers)) - 1]]


class LoopbackOnly(httpcore.AsyncNetworkBackend):
    """Connects inside 127.0.0.0/8 and ::1 only; an address in ``stand_ins`` is connected to
    127.0.0.1 instead (a fake internal host served by the test server); anything else is
    refused. Every address asked for is recorded."""

    def __init__(self, stand_ins: Iterable[str] = ()) -> None:
        self.stand_ins = set(stand_ins)
        self.asked: list[str] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        self.asked.append(host)
        target = "127.0.0.1" if host in self.stand_ins else host
        if not ipaddress.ip_address(target).is_loopback:
            raise httpcore.ConnectError(f"the test network refuses {host}")
        return await self._real.connect_tcp(target, port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


def internal_but_test_server(address: str) -> bool:
    """The tests' classifier: 127.0.0.1 (the test server, standing in for the internet) is
    public, everything else as feedsmith classes it."""
    return address != "127.0.0.1" and is_internal(address)


def network(answers: dict[str, list[str]], stand_ins: Iterable[str] = ()
            ) -> tuple[Addresses, FakeDNS, LoopbackOnly]:
    """An injected network where public.test and other.test are the test server (public) and
    ``answers`` add hosts; connections to ``stand_ins`` go to the test server."""
    dns = FakeDNS({"public.test": ["127.0.0.1"], "other.test": ["127.0.0.1"], **answers})
    backend = LoopbackOnly(stand_ins)
    return Addresses(resolve=dns, classify=internal_but_test_server, network=backend), dns, backend


def build_sources(tmp_path: Path, sources: list[tuple[str, str, str]], addresses: Addresses, *,
                  crawl: str = TEST_CRAWL) -> BuildReport:
    """One in-process build of ``sources`` (name, kind, url) over ``addresses``."""
    config = load_config(write_config(tmp_path, sources, crawl=crawl))
    return build(config, now=T0, sleep=Waits(), addresses=addresses)


def redirect(server: HTTPServer, path: str, target: str) -> None:
    """``path`` on ``server`` answers 302 to ``target``."""
    server.expect_request(path).respond_with_data(b"", status=302, headers={"Location": target})


def requested(server: HTTPServer) -> list[str]:
    """The path of every request ``server`` received."""
    return [request.path for request, _ in server.log]


# ------------------------------------------------------------------------------------------
# address policy

INTERNAL = {
    "meta": "169.254.169.254", "ten": "10.0.0.7", "sixteen": "172.16.5.4", "home": "192.168.1.1",
    "loopback": "127.0.0.2", "ula": "fd12::1", "link6": "fe80::1", "multicast": "224.0.0.1",
    "reserved": "240.0.0.1", "unspecified": "0.0.0.0", "mapped": "::ffff:169.254.169.254",
}


@pytest.mark.parametrize("address", [*INTERNAL.values(), "fe80::1%eth0", "100::1"])
def test_loopback_private_link_local_multicast_and_reserved_addresses_are_internal(address: str) -> None:
    assert is_internal(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.140", "2606:4700::6810:84e5"])
def test_public_addresses_are_not_internal(address: str) -> None:
    assert not is_internal(address)


def test_a_redirect_from_a_public_address_to_an_internal_one_is_refused_before_connecting(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    port = httpserver.port
    addresses, _, backend = network({f"{name}.test": [ip] for name, ip in INTERNAL.items()})
    sources = []
    targets = {**{name: f"http://{name}.test:{port}/secret/{name}" for name in INTERNAL},
               "literal": f"http://169.254.169.254:{port}/secret/literal",
               "literal6": f"http://[fd00::1]:{port}/secret/literal6"}
    for name, target in targets.items():
        redirect(httpserver, f"/to/{name}", target)
        sources.append((name, "feed", f"http://public.test:{port}/to/{name}"))
    report = build_sources(tmp_path, sources, addresses)
    for result in report.sources:
        assert result.error is not None and REFUSED in result.error, result
        assert "allow_private_redirects" in result.error and "\n" not in result.error
    assert not [path for path in requested(httpserver) if path.startswith("/secret")]
    assert set(backend.asked) == {"127.0.0.1"}  # only public.test was ever connected to
    assert report.write is not None  # the site is still built


def test_a_source_s_own_internal_url_and_its_internal_redirects_are_allowed(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    port = httpserver.port
    addresses, _, backend = network({"meta.test": ["169.254.169.254"], "intranet.test": ["10.1.2.3"]},
                                    stand_ins=["169.254.169.254", "10.1.2.3"])
    httpserver.expect_request("/feed").respond_with_data(ITEM, content_type="application/rss+xml")
    redirect(httpserver, "/to/other", f"http://other.test:{port}/feed")
    redirect(httpserver, "/to/meta", f"http://meta.test:{port}/feed")
    report = build_sources(tmp_path, [
        ("public-to-public", "feed", f"http://public.test:{port}/to/other"),
        ("own-internal", "feed", f"http://meta.test:{port}/feed"),
        ("internal-to-internal", "feed", f"http://intranet.test:{port}/to/meta"),
        ("public-to-internal", "feed", f"http://public.test:{port}/to/meta"),
    ], addresses)
    errors = {s.name: s.error for s in report.sources}
    assert errors == {"public-to-public": None, "own-internal": None, "internal-to-internal": None,
                      "public-to-internal": errors["public-to-internal"]}
    # refused although a connection to meta.test was open: the check is per redirect, not per connection
    assert errors["public-to-internal"] is not None and REFUSED in errors["public-to-internal"]
    assert "169.254.169.254" in backend.asked and "10.1.2.3" in backend.asked


def test_allow_private_redirects_follows_them(tmp_path: Path, httpserver: HTTPServer) -> None:
    port = httpserver.port
    addresses, _, backend = network({"meta.test": ["169.254.169.254"]}, stand_ins=["169.254.169.254"])
    httpserver.expect_request("/feed").respond_with_data(ITEM, content_type="application/rss+xml")
    redirect(httpserver, "/to/meta", f"http://meta.test:{port}/feed")
    report = build_sources(tmp_path, [("opted-out", "feed", f"http://public.test:{port}/to/meta")],
                           addresses, crawl=TEST_CRAWL + "allow_private_redirects = true\n")
    assert report.failed == [] and report.sources[0].entries == 1
    assert backend.asked == ["127.0.0.1", "169.254.169.254"]


def test_a_host_is_resolved_once_so_a_changed_dns_answer_cannot_reach_an_internal_address(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    port = httpserver.port
    # rebind.test answers a public address first, then the metadata address
    addresses, dns, backend = network({"rebind.test": ["127.0.0.1", "169.254.169.254"]})
    httpserver.expect_request("/feed").respond_with_data(ITEM, content_type="application/rss+xml")
    redirect(httpserver, "/to/rebind", f"http://rebind.test:{port}/feed")
    report = build_sources(tmp_path, [
        ("via-redirect", "feed", f"http://public.test:{port}/to/rebind"),
        ("direct", "feed", f"http://rebind.test:{port}/feed"),
    ], addresses)
    assert report.failed == []
    assert dns.lookups.count("rebind.test") == 1
    assert "169.254.169.254" not in backend.asked


# ------------------------------------------------------------------------------------------
# content codings

def test_stacked_or_unknown_content_codings_fail_their_source_and_one_layer_is_read(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    addresses, _, _ = network({})
    rss = {"content_type": "application/rss+xml"}
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    cases: dict[str, tuple[bytes, list[tuple[str, str]]]] = {
        "stacked": (hostile.stacked_gzip_bomb(), [("Content-Encoding", "gzip, gzip")]),
        "stacked-headers": (hostile.stacked_gzip_bomb(), [("Content-Encoding", "gzip"),
                                                          ("Content-Encoding", "gzip")]),
        "brotli": (ITEM, [("Content-Encoding", "br")]),
        "bomb": (hostile.gzip_bomb(), [("Content-Encoding", "gzip")]),
        "not-gzip": (ITEM, [("Content-Encoding", "gzip")]),
        "gzip": (gzip.compress(ITEM), [("Content-Encoding", "gzip")]),
        "deflate": (zlib.compress(ITEM), [("Content-Encoding", "deflate")]),
        "raw-deflate": (raw_deflate.compress(ITEM) + raw_deflate.flush(), [("Content-Encoding", "deflate")]),
        "identity": (ITEM, [("Content-Encoding", "identity")]),
    }
    for name, (body, headers) in cases.items():
        httpserver.expect_request(f"/{name}").respond_with_data(body, headers=headers, **rss)
    report = build_sources(tmp_path, [(n, "feed", httpserver.url_for(f"/{n}")) for n in cases], addresses)
    errors = {s.name: s.error for s in report.sources}
    assert "more than one content coding (gzip, gzip)" in str(errors.pop("stacked"))
    assert "more than one content coding (gzip, gzip)" in str(errors.pop("stacked-headers"))
    assert "unsupported content coding 'br'" in str(errors.pop("brotli"))
    assert "response larger than 2000000 bytes" in str(errors.pop("bomb"))
    assert "cannot decode the gzip body" in str(errors.pop("not-gzip"))
    assert errors == {"gzip": None, "deflate": None, "raw-deflate": None, "identity": None}
    assert {r.headers.get("Accept-Encoding") for r, _ in httpserver.log} == {"gzip, deflate"}


def test_decoding_a_bomb_holds_no_more_than_the_cap_and_one_piece() -> None:
    cap = 1_000_000
    bomb = hostile.gzip_bomb()
    decoder = CappedDecoder(["gzip"], cap)
    held: list[bytes] = []
    tracemalloc.start()
    try:
        with pytest.raises(CodingError, match="larger than 1000000 bytes"):
            for start in range(0, len(bomb), 65536):
                held.extend(decoder.decode(bomb[start:start + 65536]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(map(len, held)) <= cap
    assert peak < cap + 512 * 1024, peak


# ``python -m feedsmith`` with its address space limited to 300 MB (set in the child itself: a
# preexec_fn is unsafe while the test server's thread runs)
UNDER_300_MB = ("import resource, runpy, sys; limit = 300 * 1024 * 1024; "
                "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); sys.argv[0] = 'feedsmith'; "
                "runpy.run_module('feedsmith', run_name='__main__')")


def test_a_stacked_gzip_bomb_under_a_300_mb_address_space_fails_only_its_source(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    """The issue's reproduction: with RLIMIT_AS at 300 MB, a build of the bundled snapshot plus
    the stacked bomb (and a plain one) exits 3 and publishes every snapshot paper."""
    for name, body, coding in (("stacked", hostile.stacked_gzip_bomb(), "gzip, gzip"),
                               ("bomb", hostile.gzip_bomb(), "gzip")):
        httpserver.expect_request(f"/{name}").respond_with_data(
            body, headers={"Content-Encoding": coding}, content_type="application/rss+xml")
    config = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT)),
                                     ("stacked", "feed", httpserver.url_for("/stacked")),
                                     ("bomb", "feed", httpserver.url_for("/bomb"))])
    child = subprocess.run([sys.executable, "-c", UNDER_300_MB, "build", "--config", str(config)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == 3, child.stderr
    assert "Traceback" not in child.stderr and "MemoryError" not in child.stderr
    assert "FAILED stacked (feed): " in child.stdout and "more than one content coding" in child.stdout
    assert "FAILED bomb (feed): " in child.stdout
    assert "snapshot (hf-daily): 72 entries" in child.stdout
    assert len(json.loads((tmp_path / "site" / "all.json").read_bytes())["items"]) == 72


# ------------------------------------------------------------------------------------------
# credentials

def test_redact_url_masks_userinfo_and_secret_looking_parameters_only() -> None:
    assert redact_url("https://u:pw@host/feed?api_key=abc&x=1&Token=t#access_token=z") == \
        "https://***@host/feed?api_key=***&x=1&Token=***#access_token=***"
    assert redact_url("https://h/p?X-Amz-Signature=f&X-Amz-Credential=c&page=2&q=llm") == \
        "https://h/p?X-Amz-Signature=***&X-Amz-Credential=***&page=2&q=llm"
    assert redact_url("https://h/feed.xml") == "https://h/feed.xml"
    assert redact_url("/srv/feeds/a.xml") == "/srv/feeds/a.xml"
    assert redact_url("http://u:pw@[::1/x?password=p") == "http://***@[::1/x?***"
    assert redact_text("at https://a:b@h/x?sig=1, then (http://h/?pwd=2).") == \
        "at https://***@h/x?sig=***, then (http://h/?pwd=***)."


SECRETS = [f"SECRET-{n}" for n in range(1, 9)]


def test_secrets_in_urls_are_masked_in_every_line_and_stored_nowhere(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    port = httpserver.port
    httpserver.expect_request("/private/feed.xml").respond_with_data(b"down", status=500)
    httpserver.expect_request("/ok.xml").respond_with_data(ITEM, content_type="application/rss+xml",
                                                           headers={"ETag": '"v1"'})
    redirect(httpserver, "/moved", f"http://127.0.0.1:{port}/gone?sig={SECRETS[3]}")
    httpserver.expect_request("/gone").respond_with_data(b"", status=404)
    httpserver.expect_request("/site/feeds.opml").respond_with_data(b"", status=404)
    httpserver.expect_request("/site/all.atom").respond_with_data(b"", status=404)
    config = write_config(tmp_path, [
        ("private", "feed", f"http://reader:{SECRETS[0]}@127.0.0.1:{port}/private/feed.xml"
                            f"?api_key={SECRETS[1]}&page=1"),
        ("ok", "feed", f"http://127.0.0.1:{port}/ok.xml?access_token={SECRETS[2]}"),
        ("moved", "feed", f"http://127.0.0.1:{port}/moved"),
    ])
    seed = f"http://u:{SECRETS[4]}@127.0.0.1:{port}/site/?key={SECRETS[5]}"
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--seed-from", seed])
    assert result.exit_code == 3, result.output
    assert f"FAILED private (feed): http://***@127.0.0.1:{port}/private/feed.xml?api_key=***&page=1: " \
           "HTTP 500" in result.output
    assert "HTTP 404 (from http://127.0.0.1:" in result.output and "gone?sig=***" in result.output
    assert f"seeded: 0 entries from http://***@127.0.0.1:{port}/site/?key=***" in result.output
    # a seed that fails, and a malformed --add-source: the error lines mask them too
    httpserver.expect_request("/broken/feeds.opml").respond_with_data(b"", status=500)
    failed_seed = CliRunner().invoke(main, ["build", "--config", str(config), "--seed-from",
                                            f"http://u:{SECRETS[6]}@127.0.0.1:{port}/broken/"])
    assert failed_seed.exit_code == 1, failed_seed.output
    assert f"cannot seed from http://***@127.0.0.1:{port}/broken/feeds.opml: HTTP 500" in failed_seed.output
    usage = CliRunner().invoke(main, ["build", "--config", str(config), "--add-source",
                                      f"feed=https://u:{SECRETS[7]}@/feed?token={SECRETS[7]}"])
    assert usage.exit_code == 2 and "https://***@/feed?token=***" in usage.output, usage.output
    for run in (result, failed_seed, usage):
        for secret in SECRETS:
            assert secret not in run.output
    stored = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert stored and any(p.name == "cache.db" for p in stored)  # the crawl cache has validators
    for path in [*stored, *(tmp_path / "site").rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert not [s for s in SECRETS if s.encode() in data], path


# ------------------------------------------------------------------------------------------
# a total time per source

def test_a_source_s_attempts_and_waits_across_its_plan_stay_within_its_source_deadline(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    """Four days of an hf-daily plan, each answering 503 with Retry-After 3 once: the third
    wait would end past the 10 s source deadline, so the source stops there without waiting."""
    seen: set[str] = set()

    def once_busy(request: Request) -> Response:
        day = request.args["date"]
        if day not in seen:
            seen.add(day)
            return Response(b"busy", status=503, headers={"Retry-After": "3"})
        return Response(b"[]", content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(once_busy)
    source = SourceConfig("days", "hf-daily", httpserver.url_for("/api/daily_papers"),
                          {"date": "2026-03-13", "backfill_days": 3})
    settings = CrawlSettings(retries=5, backoff_cap=60, source_deadline=10)
    waits = Waits()

    async def run() -> Any:
        async with Fetcher(settings, contact="mailto:t@example.org", sleep=waits, clock=waits.clock,
                           addresses=network({})[0]) as fetcher:
            with CrawlCache(tmp_path / "cc", store_id="test", generation=0) as cache:
                return await fetch_source(fetcher, cache, source, date(2026, 3, 13), fetcher.budget())

    got = asyncio.run(run())
    assert waits.seconds == [3.0, 3.0, 3.0]  # days 13, 12 and 11 read after one wait each
    assert got.error is not None and "date=2026-03-10" in got.error
    assert got.error.endswith("HTTP 503; no time for another attempt within the 10 s source deadline")
    assert len(httpserver.log) == 7


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections (the kernel does, into its backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"


def test_a_silent_host_costs_its_source_deadline_not_retries_times_the_deadline(
        tmp_path: Path, httpserver: HTTPServer, silent_url: str) -> None:
    httpserver.expect_request("/ok.xml").respond_with_data(ITEM, content_type="application/rss+xml")
    # without a source deadline: 4 attempts of 60 s each
    crawl = "[crawl]\ndeadline = 60\nread_timeout = 60\nretries = 3\nsource_deadline = 0.5\n"
    report = build_sources(tmp_path, [("silent", "feed", silent_url),
                                      ("ok", "feed", httpserver.url_for("/ok.xml"))],
                           network({})[0], crawl=crawl)
    silent, ok = report.sources
    assert silent.error == f"{silent_url}: no complete response within the 0.5 s source deadline"
    assert ok.error is None and ok.entries == 1


# ------------------------------------------------------------------------------------------
# one source's exception is that source's failure

def test_deeply_nested_json_on_an_hf_daily_url_fails_only_its_source(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/deep").respond_with_data(hostile.deeply_nested_json(),
                                                         content_type="application/json")
    httpserver.expect_request("/ok.xml").respond_with_data(ITEM, content_type="application/rss+xml")
    config = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT)),
                                     ("deep", "hf-daily", httpserver.url_for("/deep")),
                                     ("ok", "feed", httpserver.url_for("/ok.xml"))])
    result = CliRunner().invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    failed = [line for line in result.output.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and failed[0].startswith("  FAILED deep (hf-daily): "), failed
    assert "RecursionError" in failed[0]
    assert "snapshot (hf-daily): 72 entries" in result.output and "ok (feed): 1 entries" in result.output
    assert set(site_files(tmp_path / "site")) >= {"index.html", "all.atom", "all.rss", "all.json"}


def test_a_memory_error_in_a_source_s_paging_check_fails_only_that_source(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(body: bytes) -> bool:
        if b"boom" in body:
            raise MemoryError()
        return page_has_items(body)

    monkeypatch.setattr("feedsmith.sources.hf.page_has_items", exhausted)
    httpserver.expect_request("/boom").respond_with_data(b'["boom"]', content_type="application/json")
    report = build_sources(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT)),
                                      ("boom", "hf-daily", httpserver.url_for("/boom"))], network({})[0])
    assert [s.error for s in report.sources] == [None, "MemoryError"]
    assert report.sources[0].entries == 72 and report.write is not None


@pytest.mark.parametrize(("line", "error"), [
    ("allow_private_redirects = 1", "allow_private_redirects: expected true or false"),
    ("source_deadline = 0", "source_deadline: expected a positive number of seconds"),
])
def test_the_new_crawl_keys_are_checked_when_the_configuration_is_loaded(
        tmp_path: Path, line: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        load_config(write_config(tmp_path, [], crawl=f"[crawl]\n{line}\n"))
    settings = load_config(write_config(tmp_path, [], crawl="[crawl]\nsource_deadline = 30\n"
                                                          "allow_private_redirects = true\n")).crawl
    assert settings.source_deadline == 30.0 and settings.allow_private_redirects is True
