"""The crawler against real HTTP servers on 127.0.0.1: conditional GET, retries, deadlines, byte
caps, redirects, the User-Agent, HF_TOKEN, and one failing source never stopping the others.

Waits are observed through an injected sleep (which returns at once); deadlines and caps are
test-sized through the ``[crawl]`` table.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import diskcache
import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedsmith.config import load_config
from feedsmith.errors import SourceError
from feedsmith.http import Fetcher
from feedsmith.jobs import build, crawl_sources
from feedsmith.settings import CrawlSettings, HostLimits
from feedsmith.store import open_store
from tests.conftest import FIXTURES, ROOT, TOPICS, Waits

HF_FIXTURE = (FIXTURES / "hf_daily_papers_3items.json").read_bytes()
HF_IDS = [item["paper"]["id"] for item in json.loads(HF_FIXTURE)]
CONTACT = "mailto:feeds@example.org"
FAST_CRAWL = """
[crawl]
deadline = 0.5
read_timeout = 5
connect_timeout = 2
max_bytes = 200000
retries = 2
backoff_base = 0.5
backoff_cap = 60
"""


def write_crawl_config(folder: Path, sources: list[dict[str, Any]], *, crawl: str = FAST_CRAWL) -> Path:
    """A configuration with ``sources`` (tables as dicts), the default topics, test-sized crawl
    settings, and output/cache inside ``folder``."""
    lines = [f'include = ["{TOPICS}"]', "[site]", 'base_url = "https://feeds.example.org/ml/"',
             'output = "site"', 'cache = "cache"', f'contact = "{CONTACT}"', crawl]
    for table in sources:
        lines.append("[[sources]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path = folder / "feedsmith.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def daily_pages(request: Request, *, headers: dict[str, str] | None = None) -> Response:
    """hf-daily paging: page 0 is the recorded 3-item response, page 1 is ``[]``."""
    body = HF_FIXTURE if request.args.get("p", "0") == "0" else b"[]"
    return Response(body, content_type="application/json", headers=headers or {})


def hf_source(httpserver: HTTPServer, path: str = "/api/daily_papers", name: str = "hf") -> dict[str, Any]:
    return {"name": name, "kind": "hf-daily", "url": httpserver.url_for(path)}


def stored_entries(config_path: Path) -> dict[str, Any]:
    config = load_config(config_path)
    with open_store(config.site.cache) as store:
        return {e.key: e for e in store.entries()}


# conditional GET -----------------------------------------------------------------------------
def test_second_crawl_is_conditional_gets_304_and_parses_nothing(
        httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    etags = {"0": '"page0-v1"', "1": 'W/"page1-v1"'}
    modified = "Wed, 13 May 2026 08:00:00 GMT"

    def handler(request: Request) -> Response:
        page = request.args.get("p", "0")
        if request.headers.get("If-None-Match") == etags[page]:
            return Response(status=304, headers={"ETag": etags[page]})
        return daily_pages(request, headers={"ETag": etags[page], "Last-Modified": modified})

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    path = write_crawl_config(tmp_path, [hf_source(httpserver)])
    first = crawl_sources(load_config(path))
    assert [(s.entries, s.new, s.error) for s in first.sources] == [(3, 3, None)]
    before = stored_entries(path)
    assert sorted(before) == sorted(f"arxiv:{i}" for i in HF_IDS)

    from dataclasses import replace

    from feedsmith.sources import kind_named, registry
    parsed: list[bytes] = []

    def parse(data: bytes, *, source: str) -> Any:
        parsed.append(data)
        raise AssertionError("a 304 must not be parsed")

    monkeypatch.setitem(registry(), "hf-daily", replace(kind_named("hf-daily"), parse=parse))
    httpserver.clear_log()
    store_file = tmp_path / "cache" / "store.sqlite"
    stamp = (store_file.stat().st_mtime_ns, store_file.stat().st_size)
    written: list[object] = []
    monkeypatch.setattr(diskcache.Cache, "set", lambda self, key, value, **kw: written.append(key))
    second = crawl_sources(load_config(path))
    # nothing changed, so nothing is written: no validators saved again, nothing in the store
    assert written == [] and (store_file.stat().st_mtime_ns, store_file.stat().st_size) == stamp
    result = second.sources[0]
    assert result.not_modified and result.error is None and result.new == 0 and result.entries == 0
    assert parsed == [] and second.new == 0 and second.changed == 0
    sent = [(r.args["p"], r.headers.get("If-None-Match"), r.headers.get("If-Modified-Since"))
            for r, _ in httpserver.log]
    assert sent == [("0", etags["0"], modified), ("1", etags["1"], modified)]
    assert [resp.status_code for _, resp in httpserver.log] == [304, 304]
    assert stored_entries(path) == before


def test_same_body_again_without_validators_is_not_reingested(httpserver: HTTPServer,
                                                              tmp_path: Path) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_handler(daily_pages)
    path = write_crawl_config(tmp_path, [hf_source(httpserver)])
    assert crawl_sources(load_config(path)).new == 3
    again = crawl_sources(load_config(path)).sources[0]
    assert again.not_modified and again.new == 0 and again.error is None


# retries ---------------------------------------------------------------------------------------
def test_429_with_retry_after_is_retried_after_exactly_that_wait(httpserver: HTTPServer,
                                                                  tmp_path: Path) -> None:
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return daily_pages(request)

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    waits = Waits()
    report = crawl_sources(load_config(write_crawl_config(tmp_path, [hf_source(httpserver)])),
                           sleep=waits)
    assert waits.seconds == [1.0]
    assert report.sources[0].new == 3 and report.sources[0].error is None
    assert report.sources[0].requests == 3  # page 0 twice, page 1 once


def test_retry_after_beyond_the_cap_fails_as_throttled_without_sleeping(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data(
        "later", status=429, headers={"Retry-After": "3600"})
    waits = Waits()
    report = crawl_sources(load_config(write_crawl_config(tmp_path, [hf_source(httpserver)])),
                           sleep=waits)
    assert waits.seconds == []
    assert report.sources[0].error is not None and "throttled" in report.sources[0].error


def test_503_then_success_backs_off_with_jitter(httpserver: HTTPServer, tmp_path: Path) -> None:
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        calls["n"] += 1
        return Response("busy", status=503) if calls["n"] == 1 else daily_pages(request)

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    waits = Waits()
    report = crawl_sources(load_config(write_crawl_config(tmp_path, [hf_source(httpserver)])),
                           sleep=waits)
    assert report.sources[0].new == 3
    assert len(waits.seconds) == 1 and 0.25 <= waits.seconds[0] <= 0.5  # backoff_base 0.5, jittered


# one bad source never stops the others ------------------------------------------------------------
@pytest.fixture
def trickle_url() -> Iterator[str]:
    """A raw socket server that sends headers, then one byte every 50 ms for 2.5 s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100000\r\n\r\n[")
                for _ in range(50):
                    if stop.wait(0.05):
                        return
                    conn.sendall(b" ")
            except OSError:
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/daily_papers"
    stop.set()
    thread.join()
    listener.close()


def test_failing_sources_are_reported_while_the_others_are_stored_and_rendered(
        httpserver: HTTPServer, tmp_path: Path, trickle_url: str) -> None:
    httpserver.expect_request("/good").respond_with_handler(daily_pages)
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    httpserver.expect_request("/huge").respond_with_data(b"[" + b" " * 1_000_000 + b"]",
                                                         content_type="application/json")
    bomb = gzip.compress(b"[" + b" " * 5_000_000 + b"]")
    assert len(bomb) < 200_000
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="application/json", headers={"Content-Encoding": "gzip"})
    path = write_crawl_config(tmp_path, [
        {"name": "broken", "kind": "hf-daily", "url": httpserver.url_for("/broken")},
        {"name": "slow", "kind": "hf-daily", "url": trickle_url},
        hf_source(httpserver, "/good", name="good"),
        {"name": "huge", "kind": "hf-daily", "url": httpserver.url_for("/huge")},
        {"name": "bomb", "kind": "hf-daily", "url": httpserver.url_for("/bomb")},
    ], crawl=FAST_CRAWL.replace("retries = 2", "retries = 1"))
    waits = Waits()
    report = build(load_config(path), sleep=waits)
    errors = {s.name: s.error for s in report.sources}
    assert errors["good"] is None and report.sources[2].new == 3
    assert errors["broken"] is not None and "HTTP 500 after 2 attempts" in errors["broken"]
    assert errors["slow"] is not None and "0.5 s deadline" in errors["slow"]
    assert errors["huge"] is not None and "larger than 200000 bytes" in errors["huge"]
    assert errors["bomb"] is not None and "larger than 200000 bytes" in errors["bomb"]
    atom = feedparser.parse((tmp_path / "site" / "all.atom").read_bytes())
    assert sorted(e.id for e in atom.entries) == sorted(f"https://arxiv.org/abs/{i}" for i in HF_IDS)


def test_a_failed_source_removes_nothing_already_stored(httpserver: HTTPServer, tmp_path: Path) -> None:
    state = {"up": True}

    def handler(request: Request) -> Response:
        return daily_pages(request) if state["up"] else Response("down", status=500)

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    path = write_crawl_config(tmp_path, [hf_source(httpserver)])
    build(load_config(path), sleep=Waits())
    state["up"] = False
    report = build(load_config(path), sleep=Waits())
    assert report.failed and report.topic_counts["all"] == 3
    assert len(stored_entries(path)) == 3


# redirects --------------------------------------------------------------------------------------
def test_a_redirect_is_followed_and_a_loop_fails(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": "/api/daily_papers"})
    httpserver.expect_request("/api/daily_papers").respond_with_handler(daily_pages)
    httpserver.expect_request("/loop-a").respond_with_data("", status=302, headers={"Location": "/loop-b"})
    httpserver.expect_request("/loop-b").respond_with_data("", status=302, headers={"Location": "/loop-a"})
    path = write_crawl_config(tmp_path, [
        hf_source(httpserver, "/moved", name="moved"),
        {"name": "loop", "kind": "hf-daily", "url": httpserver.url_for("/loop-a")},
    ])
    report = crawl_sources(load_config(path))
    assert report.sources[0].new == 3 and report.sources[0].error is None
    assert report.sources[1].error is not None and "redirect loop" in report.sources[1].error


def test_too_many_redirects_fail(httpserver: HTTPServer, tmp_path: Path) -> None:
    for n in range(4):
        httpserver.expect_request(f"/hop{n}").respond_with_data(
            "", status=307, headers={"Location": f"/hop{n + 1}"})
    httpserver.expect_request("/hop4").respond_with_handler(daily_pages)
    path = write_crawl_config(tmp_path, [hf_source(httpserver, "/hop0")],
                              crawl=FAST_CRAWL + "max_redirects = 3\n")
    error = crawl_sources(load_config(path)).sources[0].error
    assert error is not None and "too many redirects (more than 3)" in error


# headers ----------------------------------------------------------------------------------------
def test_user_agent_names_feedsmith_version_and_contact(httpserver: HTTPServer, tmp_path: Path) -> None:
    from feedsmith import __version__

    httpserver.expect_request("/api/daily_papers").respond_with_handler(daily_pages)
    crawl_sources(load_config(write_crawl_config(tmp_path, [hf_source(httpserver)])))
    agents = {r.headers.get("User-Agent") for r, _ in httpserver.log}
    assert agents == {f"feedsmith/{__version__} (+{CONTACT})"}


def test_hf_token_is_not_sent_to_other_hosts_nor_printed(
        httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from click.testing import CliRunner

    from feedsmith.cli import main

    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_value")
    httpserver.expect_request("/api/daily_papers").respond_with_handler(daily_pages)
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    path = write_crawl_config(tmp_path, [hf_source(httpserver),
                                         hf_source(httpserver, "/gone", name="gone")])
    result = CliRunner().invoke(main, ["crawl", "--config", str(path)])
    assert result.exit_code == 3, result.output
    assert all("Authorization" not in r.headers for r, _ in httpserver.log)
    assert "hf_secret_token_value" not in result.output + capsys.readouterr().err


def test_hf_token_goes_to_hugging_face_hosts_only() -> None:
    from feedsmith.crawl import bearer_tokens
    from feedsmith.sources.hf import HF_HOST

    fetcher = Fetcher(CrawlSettings(), contact=CONTACT,
                      tokens=bearer_tokens(load_config(ROOT / "feeds" / "live.toml"), {"HF_TOKEN": "tok"}))
    auth = {"Authorization": "Bearer tok"}
    assert fetcher.request_headers(f"https://{HF_HOST}/api/daily_papers", True, None) == auth
    assert fetcher.request_headers(f"https://cdn.{HF_HOST}/x", True, None) == auth
    assert fetcher.request_headers(f"https://{HF_HOST}.evil.example/x", True, None) == {}
    assert fetcher.request_headers(f"https://not{HF_HOST}/x", True, None) == {}
    assert fetcher.request_headers("https://rss.arxiv.org/rss/cs.CL", True, None) == {}
    anonymous = Fetcher(CrawlSettings(), contact=CONTACT,
                        tokens=bearer_tokens(load_config(ROOT / "feeds" / "live.toml"), {}))
    assert anonymous.request_headers(f"https://{HF_HOST}/api/daily_papers", True, None) == {}


# politeness -------------------------------------------------------------------------------------
def test_requests_to_one_host_are_spaced_and_other_hosts_are_not(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("[]")
    settings = CrawlSettings(hosts=(("127.0.0.1", HostLimits(concurrency=1, spacing=3.0)),))
    waits = Waits()

    async def run() -> None:
        async with Fetcher(settings, contact=CONTACT, sleep=waits, clock=lambda: 100.0) as fetcher:
            for _ in range(3):
                await fetcher.get(httpserver.url_for("/a"))
            localhost = httpserver.url_for("/a").replace("127.0.0.1", "localhost")
            await fetcher.get(localhost)

    asyncio.run(run())
    assert waits.seconds == [3.0, 3.0]
    assert len(httpserver.log) == 4


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: 304 to ``If-None-Match: "v1"``, else a small body; records
    the client port of every request (one port, one connection)."""

    protocol_version = "HTTP/1.1"
    ports: list[int] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.ports.append(self.client_address[1])
        unchanged = self.headers.get("If-None-Match") == '"v1"'
        self.send_response(304 if unchanged else 200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", "0" if unchanged else "2")
        self.end_headers()
        if not unchanged:
            self.wfile.write(b"[]")


def test_each_host_keeps_as_many_connections_alive_as_its_concurrency_304s_included() -> None:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://127.0.0.1:{server.server_address[1]}/feed-{n}" for server in servers
            for n in range(10)]
    stored = {"etag": '"v1"'}

    async def crawl() -> list[bytes | None]:
        async with Fetcher(CrawlSettings(concurrency=2), contact=CONTACT) as fetcher:
            first = await asyncio.gather(*(fetcher.get(url) for url in urls))
            again = await asyncio.gather(*(fetcher.get(url, stored=stored) for url in urls))
            return [f.body for f in first + again]
    try:
        assert asyncio.run(crawl()) == [b"[]"] * 20 + [None] * 20
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    # two hosts, two requests at a time each: four connections served all 40 requests
    assert len(KeepAliveHandler.ports) == 40 and len(set(KeepAliveHandler.ports)) <= 4


def test_tls_certificates_are_verified_against_the_trust_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = HTTPServer(ssl_context=context)
    server.expect_request("/feed").respond_with_data("[]")
    server.start()
    try:
        async def get() -> bytes | None:
            async with Fetcher(CrawlSettings(retries=0), contact=CONTACT) as fetcher:
                return (await fetcher.get(server.url_for("/feed"))).body
        with pytest.raises(SourceError, match="unable to get local issuer certificate"):
            asyncio.run(get())
        authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        assert asyncio.run(get()) == b"[]"
    finally:
        server.stop()


def test_arxiv_hosts_share_one_gate_of_one_request_per_3_s_by_default() -> None:
    settings = CrawlSettings()
    assert settings.limits_for("export.arxiv.org") == ("arxiv.org", HostLimits(1, 3.0))
    assert settings.limits_for("rss.arxiv.org") == ("arxiv.org", HostLimits(1, 3.0))
    assert settings.limits_for("example.org") == ("example.org", HostLimits(4, 0.0))
