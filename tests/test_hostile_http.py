"""Hostile sources served over real HTTP (pytest-httpserver on 127.0.0.1) through the crawler.

XML attacks through the ``feed`` kind (and the arXiv kinds), content attacks through RSS and Atom,
hostile dates and identities, and network attacks (a gzip bomb, redirect loops and chains,
Retry-After far ahead, 503 then success). Then the headline: ONE real ``feedsmith build`` with the
bundled snapshot plus every hostile source exits 3, names each bad source with its reason in one
line, keeps every snapshot paper, publishes nothing executable, stays under 300 MB and finishes
every source within its deadline.

Waits are observed through an injected sleep (in-process builds) or bounded by test-sized
``[crawl]`` settings (the subprocess); no assertion is made on wall time of unrelated work.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedsmith.config import load_config, source_name_for, with_added_sources
from feedsmith.jobs import build
from feedsmith.report import BuildReport
from feedsmith.store import open_store
from tests import hostile
from tests.conftest import SNAPSHOT, TOPICS, Waits
from tests.sitecheck import is_digest_file, without_own_scripts
from tests.test_hostile_sources import FORBIDDEN, assert_html_is_inert, site_ids

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
DEADLINE = 5.0
BACKOFF_CAP = 2.0
TEST_CRAWL = f"""
[crawl]
deadline = {DEADLINE}
read_timeout = 5
connect_timeout = 2
max_bytes = 2000000
max_redirects = 5
retries = 1
backoff_base = 0
backoff_cap = {BACKOFF_CAP}
"""
SECRET = b"SECRET-CONTENT-THAT-MUST-NEVER-BE-FETCHED"


def write_config(folder: Path, sources: list[tuple[str, str, str]], *, crawl: str = TEST_CRAWL) -> Path:
    """A configuration with ``sources`` (name, kind, url), the default topics, test-sized crawl
    settings, output and cache inside ``folder``."""
    lines = [f'include = ["{TOPICS}"]', "[site]", 'base_url = "https://feeds.example.org/ml/"',
             'output = "site"', 'cache = "cache"', crawl]
    for name, kind, url in sources:
        lines += ["[[sources]]", f'name = "{name}"', f'kind = "{kind}"', f'url = "{url}"']
    path = folder / "feedsmith.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def paged(body: bytes) -> Callable[[Request], Response]:
    """An hf-daily handler: ``body`` on page 0, ``[]`` after it."""
    def handler(request: Request) -> Response:
        page = request.args.get("p", "0")
        return Response(body if page == "0" else b"[]", content_type="application/json")
    return handler


def flaky(body: bytes, failures: int = 1) -> Callable[[Request], Response]:
    """A handler that answers 503 ``failures`` times, then ``body``."""
    calls = {"n": 0}
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            calls["n"] += 1
            n = calls["n"]
        if n <= failures:
            return Response(b"busy", status=503)
        return Response(body, content_type="application/rss+xml")
    return handler


@dataclass(frozen=True)
class Hostile:
    """One hostile source: its kind, its path on the test server and what must come of it:
    ``failed`` (with a reason matching ``reason``), ``warning`` (read, with a repair named) or
    ``ok`` (read as is, possibly with items skipped)."""

    kind: str
    path: str
    outcome: str
    reason: str = ""


def mount(server: HTTPServer) -> list[Hostile]:
    """Every hostile source on ``server``; returns them in the order to configure them."""
    xxe_url = server.url_for("/xxe-target")
    dtd_url = server.url_for("/xxe-dtd")
    for path in ("/xxe-target", "/xxe-dtd"):
        server.expect_request(path).respond_with_data(SECRET)
    xml: dict[str, tuple[bytes, str, str]] = {
        "laughs": (hostile.billion_laughs(), "warning", "entity"),
        "quadratic": (hostile.quadratic_blowup(), "warning", "entity"),
        "xxe-file": (hostile.external_entity_file(), "warning", "entity"),
        "xxe-url": (hostile.external_entity(xxe_url), "warning", "entity"),
        "xxe-param": (hostile.external_parameter_entity(dtd_url), "warning", "entity"),
        "bad-utf8": (hostile.invalid_utf8_rss(), "warning", "UTF-8"),
        "controls": (hostile.control_characters_rss(), "warning", "character references"),
        # decoded before it is defused, so its references are in reach (feedparser raised on them)
        "utf16-surrogates": (hostile.utf16_surrogate_references(), "warning", "character references"),
        "title-chars": (hostile.bad_title_characters_rss(), "warning", "malformed"),
        "html-page": (hostile.html_page(), "failed", "an HTML page, not a feed"),
        "empty": (hostile.empty_body(), "failed", "empty response"),
        "random": (hostile.random_bytes(), "failed", "not a readable feed"),
        "rss-attacks": (hostile.rss_content_attacks(), "ok", ""),
        "cdata-titles": (hostile.rss_cdata_titles(), "ok", ""),
        "atom-attacks": (hostile.atom_content_attacks(), "ok", ""),
        "rss-dates": (hostile.rss_hostile_dates(), "ok", ""),
        "rss-identity": (hostile.rss_identity(), "ok", ""),
    }
    for encoding, body in hostile.in_hidden_encodings(hostile.quadratic_blowup()).items():
        xml[f"quadratic-{encoding}"] = (body, "warning", "entity")
    sources = []
    for name, (body, outcome, reason) in xml.items():
        server.expect_request(f"/feed/{name}").respond_with_data(body, content_type="application/rss+xml")
        sources.append(Hostile("feed", f"/feed/{name}", outcome, reason))
    for kind, name in (("arxiv-api", "laughs"), ("arxiv-api", "controls"), ("arxiv-rss", "quadratic"),
                       ("arxiv-rss", "bad-utf8"), ("arxiv-rss", "random")):
        body, outcome, reason = xml[name]
        server.expect_request(f"/{kind}/{name}").respond_with_data(body)
        sources.append(Hostile(kind, f"/{kind}/{name}", outcome, reason))
    # network
    server.expect_request("/net/gzip-bomb").respond_with_data(
        hostile.gzip_bomb(), headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml")
    server.expect_request("/net/loop-a").respond_with_data(
        b"", status=302, headers={"Location": "/net/loop-b"})
    server.expect_request("/net/loop-b").respond_with_data(
        b"", status=302, headers={"Location": "/net/loop-a"})
    for hop in range(30):
        server.expect_request(f"/net/chain/{hop}").respond_with_data(
            b"", status=301, headers={"Location": f"/net/chain/{hop + 1}"})
    server.expect_request("/net/chain/30").respond_with_data(hostile.rss([hostile.rss_item()]))
    server.expect_request("/net/retry-hour").respond_with_data(
        b"slow down", status=429, headers={"Retry-After": "3600"})
    later = format_datetime(datetime.now(UTC) + timedelta(hours=3), usegmt=True)
    server.expect_request("/net/retry-date").respond_with_data(
        b"maintenance", status=503, headers={"Retry-After": later})
    server.expect_request("/net/flaky").respond_with_handler(flaky(hostile.rss(
        [hostile.rss_item("Served after a 503", link="https://hostile.example/flaky")])))
    sources += [
        Hostile("feed", "/net/gzip-bomb", "failed", "larger than 2000000 bytes"),
        Hostile("feed", "/net/loop-a", "failed", "redirect loop"),
        Hostile("feed", "/net/chain/0", "failed", "too many redirects"),
        Hostile("feed", "/net/retry-hour", "failed", "throttled"),
        Hostile("feed", "/net/retry-date", "failed", "throttled"),
        Hostile("feed", "/net/flaky", "ok", ""),
    ]
    # Hugging Face JSON
    json_cases: dict[str, tuple[bytes, str, str]] = {
        "truncated": (hostile.hf_truncated(), "failed", "not valid JSON"),
        "object": (hostile.hf_wrong_shape_object(), "failed", "expected a JSON array"),
        "strings": (hostile.hf_wrong_shape_strings(), "failed", "none of the"),
        "mixed": (hostile.hf_mixed_items(), "ok", ""),
        "attacks": (hostile.hf_content_attacks(), "ok", ""),
        "dates": (hostile.hf_hostile_dates(), "ok", ""),
    }
    for name, (body, outcome, reason) in json_cases.items():
        server.expect_request(f"/hf/{name}").respond_with_handler(paged(body))
        sources.append(Hostile("hf-daily", f"/hf/{name}", outcome, reason))
    return sources


def specs(server: HTTPServer, sources: list[Hostile]) -> list[str]:
    """``--add-source`` values for ``sources``."""
    return [f"{s.kind}={server.url_for(s.path)}" for s in sources]


def fetched_paths(server: HTTPServer) -> list[str]:
    """The path of every request the test server received."""
    return [request.path for request, _ in server.log]


def small_snapshot(folder: Path, papers: int = 15) -> str:
    """The first ``papers`` papers of the bundled snapshot as a file in ``folder``."""
    path = folder / "snapshot.json"
    path.write_text(json.dumps(json.loads(SNAPSHOT.read_bytes())[:papers]))
    return str(path)


def build_with(tmp_path: Path, server: HTTPServer, sources: list[Hostile], *,
               waits: Waits | None = None, now: datetime = T0,
               snapshot: str | None = None) -> tuple[BuildReport, Path]:
    """One in-process build of ``snapshot`` (if any) plus ``sources``; the report and the site."""
    local = [("snapshot", "hf-daily", snapshot)] if snapshot else []
    config = with_added_sources(load_config(write_config(tmp_path, local)), specs(server, sources))
    report = build(config, now=now, sleep=waits or Waits())
    return report, config.site.output


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of ``site`` by name, but the search bundle (Pagefind's own code and index),
    feedsmith's own search script and the digest feeds' files (a day that closes adds to them)."""
    return {p.name: without_own_scripts(p.read_text()).encode() if p.suffix == ".html" else p.read_bytes()
            for p in sorted(site.iterdir()) if p.is_file() and not is_digest_file(p.name)}


# ------------------------------------------------------------------------------------------
# XML attacks, one build

def test_xml_attacks_over_http_cost_little_and_fail_only_themselves(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    everything = mount(httpserver)
    xml = [s for s in everything if s.path.startswith(("/feed/", "/arxiv-"))]
    snapshot = small_snapshot(tmp_path)
    (tmp_path / "baseline").mkdir()
    baseline, _ = build_with(tmp_path / "baseline", httpserver, [], snapshot=snapshot)
    expected = site_ids(tmp_path / "baseline" / "site")
    report, site = build_with(tmp_path, httpserver, xml, snapshot=snapshot)
    assert baseline.failed == []
    results = report.sources[1:]
    assert len(results) == len(xml)
    for source, result in zip(xml, results, strict=True):
        where = (source.path, result.error, result.warning)
        assert result.elapsed < DEADLINE / 2, where  # bounded: well under the deadline
        if source.outcome == "failed":
            assert result.error is not None and source.reason in result.error, where
            assert "\n" not in result.error and len(result.error) < 250, where
        elif source.outcome == "warning":
            assert result.error is None and result.warning, where
            assert source.reason.lower() in result.warning.lower(), where
        else:
            assert result.error is None, where
    assert report.sources[0].error is None and report.sources[0].entries == 15
    # external entities are never resolved: no request reached the server for them
    assert "/xxe-target" not in fetched_paths(httpserver)
    assert "/xxe-dtd" not in fetched_paths(httpserver)
    ids = site_ids(site)
    for name, members in expected.items():
        assert members <= ids[name], name
    for name, data in site_files(site).items():
        assert SECRET not in data and b"/etc/passwd" not in data and b"root:x:0" not in data, name
        assert b"&lol" not in data and b"&big;" not in data and b"&ext;" not in data, name
    with open_store(load_config(tmp_path / "feedsmith.toml").site.cache) as store:
        titles = {e.title for e in store.entries()}
    assert {"Leak:", "Raw controls", "Surrogate and refs", "Nonchar refs", "A clean item",
            "Startmiddle", "Noncharacter", "A fine neighbour"} <= titles
    assert "Bad \ufffd bytes \ufffd\ufffd here \ufffd and \ufffd\ufffd\ufffd end" in titles
    for name in ("all.atom", "all.rss"):
        assert feedparser.parse(site / name).bozo == 0


# ------------------------------------------------------------------------------------------
# content: titles plain, HTML sanitized, only http(s) links, in every output format

HREF = re.compile(r"""(?:href|src|url|xmlUrl|htmlUrl)\s*[=:]\s*["']?\s*([^"'\s>]+)""", re.IGNORECASE)


def test_content_attacks_over_rss_and_atom_reach_no_output_format(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    sources = [s for s in mount(httpserver) if s.path.endswith(("attacks", "cdata-titles"))]
    report, site = build_with(tmp_path, httpserver, sources)
    assert report.failed == []
    files = site_files(site)
    assert {n.rsplit(".", 1)[1] for n in files} >= {"atom", "rss", "json", "html", "opml"}
    for name, data in files.items():
        text = data.decode().lower()
        for needle in FORBIDDEN:
            assert needle not in text, (name, needle)
        if name.endswith(".html"):
            assert_html_is_inert(data.decode(), name)
    # every link or URL-like attribute in every XML and HTML file is http(s) or a local file name
    for name, data in files.items():
        if name.endswith(".json"):
            continue  # checked below, item by item
        for url in HREF.findall(data.decode()):
            assert re.match(r"^(https?://|(?:pagefind/)?[\w.-]+\.(?:html|opml|css|js|atom|rss|json)"
                            r"(?:#[\w.-]+)?$|data:,$)", url), (name, url)
    for name in ("all.atom", "all.rss"):
        parsed = feedparser.parse(files[name], sanitize_html=False)
        assert parsed.bozo == 0
        titles = {e.title for e in parsed.entries}
        assert {"Atom title", "CDATA title", "Split title", "Attack", "Data link"} <= titles
        for item in parsed.entries:
            assert "<" not in item.title, item.title
            for link in item.get("links", []):
                assert link["href"].startswith(("http://", "https://")), (name, link)
    document = json.loads(files["all.json"])
    for item in document["items"]:
        assert "<" not in item["title"] and "<" not in item["summary"]
        for key in ("url", "image", "external_url"):
            assert item.get(key, "https://").startswith(("http://", "https://")), item
        assert_html_is_inert(item["content_html"], "all.json")


# ------------------------------------------------------------------------------------------
# dates and identity in RSS

def test_rss_dates_never_crash_never_lie_in_the_future_and_reruns_change_nothing(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    sources = [s for s in mount(httpserver) if s.path == "/feed/rss-dates"]
    report, site = build_with(tmp_path, httpserver, sources)
    assert report.failed == [] and report.new == len(hostile.HOSTILE_RSS_DATES)
    first = site_files(site)
    rerun, _ = build_with(tmp_path, httpserver, sources, now=T0 + timedelta(days=2, hours=7))
    assert rerun.failed == [] and rerun.new == 0 and rerun.changed == 0
    assert site_files(site) == first
    for name in ("all.atom", "all.rss"):
        parsed = feedparser.parse(first[name])
        assert parsed.bozo == 0 and len(parsed.entries) == len(hostile.HOSTILE_RSS_DATES)
        for item in parsed.entries:
            for stamp in filter(None, (item.published_parsed, dict.get(item, "updated_parsed"))):
                assert datetime(*stamp[:6], tzinfo=UTC) <= T0
    for data in first.values():
        assert b"9999" not in data and b"1800" not in data
    with open_store(load_config(tmp_path / "feedsmith.toml").site.cache) as store:
        dated = {e.title: e.paper_date for e in store.entries()}
    # only the date without a timezone is kept (read as UTC); absurd and unreadable ones are unknown
    assert {t for t, d in dated.items() if d is not None} == {"Dated 4"}
    assert dated["Dated 4"] == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_rss_identity_duplicates_and_missing_ids_give_stable_unique_entries(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    sources = [s for s in mount(httpserver) if s.path == "/feed/rss-identity"]
    report, site = build_with(tmp_path, httpserver, sources)
    assert report.failed == []
    first = site_files(site)
    entries = feedparser.parse(first["all.atom"]).entries
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)) == 4  # a duplicate guid and a respaced item are one entry each
    assert sorted(e.title for e in entries) == ["Dup one", "No guid, no link",
                                                "No guid, no link either", "Spaced title"]
    for item in json.loads(first["all.json"])["items"]:
        assert item["id"] and item.get("url", "https://").startswith("https://")
    rerun, _ = build_with(tmp_path, httpserver, sources, now=T0 + timedelta(hours=1))
    assert rerun.new == 0 and rerun.changed == 0 and site_files(site) == first


# ------------------------------------------------------------------------------------------
# network

def test_network_attacks_are_bounded_and_throttling_never_sleeps_long(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    sources = [s for s in mount(httpserver) if s.path.startswith("/net/")]
    waits = Waits()
    report, _ = build_with(tmp_path, httpserver, sources, waits=waits)
    by_path = dict(zip((s.path for s in sources), report.sources, strict=True))
    for source in sources:
        result = by_path[source.path]
        if source.outcome == "failed":
            assert result.error is not None and source.reason in result.error, (source, result)
        else:
            assert result.error is None, result
    # Retry-After an hour and an HTTP date 3 hours ahead: reported as throttled at once, never slept
    assert "3600 s is longer than the 2 s cap" in by_path["/net/retry-hour"].error  # type: ignore[operator]
    assert all(w <= BACKOFF_CAP for w in waits.seconds), waits.seconds
    assert fetched_paths(httpserver).count("/net/retry-hour") == 1
    # 503 then success: retried once, read
    assert by_path["/net/flaky"].entries == 1 and by_path["/net/flaky"].requests == 2
    # the redirect chain stopped at the configured limit, the loop at its first repeat
    assert fetched_paths(httpserver).count("/net/chain/6") == 0
    assert fetched_paths(httpserver).count("/net/loop-a") == 1


# ------------------------------------------------------------------------------------------
# the headline: one real build with everything

def run_measured(args: list[str], timeout: float = 90) -> tuple[int, str, str, int]:
    """Run ``args``; its exit code, stdout, stderr and peak resident memory in KB. The peak comes
    from wait4 in a small Python process that starts ``args``: a child forked from this (large)
    test process would count this process's pages too."""
    with open(os.devnull, "rb") as stdin, \
            subprocess.Popen([sys.executable, "-c", MEASURE, *args], stdin=stdin,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        output: dict[str, bytes] = {}

        def drain(name: str, stream: Any) -> None:
            output[name] = stream.read()

        readers = [threading.Thread(target=drain, args=(n, s))
                   for n, s in (("out", child.stdout), ("err", child.stderr))]
        for reader in readers:
            reader.start()
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        try:
            child.wait()
        finally:
            killer.cancel()
        for reader in readers:
            reader.join()
    err, _, peak = output["err"].decode().rpartition("\nPEAK_KB ")
    return child.returncode, output["out"].decode(), err, int(peak)


MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"\\nPEAK_KB {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


SOURCE_LINE = re.compile(r"^\s+(FAILED )?(\S+) \(([\w-]+)\): (.*) \[(\d+\.\d+) s\]$")


def test_one_build_with_every_hostile_source(tmp_path: Path, httpserver: HTTPServer) -> None:
    sources = mount(httpserver)
    (tmp_path / "clean").mkdir()
    clean = load_config(write_config(tmp_path / "clean", [("snapshot", "hf-daily", str(SNAPSHOT))]))
    build(clean, now=T0)
    expected = site_ids(clean.site.output)
    config = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT))])
    args = [sys.executable, "-m", "feedsmith", "build", "--config", str(config)]
    for spec in specs(httpserver, sources):
        args += ["--add-source", spec]
    code, out, err, peak_kb = run_measured(args)
    assert code == 3, err
    assert "Traceback" not in err + out
    lines = {}
    for line in (out + err).splitlines():
        match = SOURCE_LINE.match(line)
        if match:
            lines[match.group(2)] = match
    assert len(lines) == len(sources) + 1, out + err
    assert lines["snapshot"].group(1) is None and lines["snapshot"].group(4).startswith("72 entries")
    failures = 0
    for source in sources:
        name = source_name_for(httpserver.url_for(source.path))
        match = lines[name]
        failed, detail, seconds = match.group(1) is not None, match.group(4), float(match.group(5))
        assert seconds < DEADLINE, (name, seconds)  # no source took longer than its deadline
        if source.outcome == "failed":
            failures += 1
            assert failed and source.reason in detail, (name, detail)
        else:
            assert not failed, (name, detail)
        if source.outcome == "warning":
            assert "warning: " in detail and source.reason.lower() in detail.lower(), (name, detail)
    assert failures == len([line for line in out.splitlines() if "FAILED" in line])
    assert f"{failures} failed" in out
    assert "/xxe-target" not in fetched_paths(httpserver)
    assert "/xxe-dtd" not in fetched_paths(httpserver)
    # peak memory of that run (ru_maxrss is in KB on Linux)
    assert peak_kb < 300 * 1024, peak_kb
    site = tmp_path / "site"
    ids = site_ids(site)
    for name, members in expected.items():
        assert members <= ids[name], name  # every snapshot paper in every feed it belongs to
    files = site_files(site)
    for name, data in files.items():
        lowered = data.lower()
        for needle in (b"<script", b"onerror=", b"javascript:"):
            assert needle not in lowered, (name, needle)
        assert SECRET not in data, name
    for name in files:
        if name.endswith((".atom", ".rss")):
            parsed = feedparser.parse(files[name])
            assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))


def test_any_exception_a_parser_raises_fails_only_its_source(tmp_path: Path, monkeypatch: Any) -> None:
    from dataclasses import replace

    from feedsmith.sources import kind_named, registry

    def exploding(data: bytes, *, source: str) -> Any:
        raise RecursionError("maximum recursion depth exceeded\nwhile parsing")

    monkeypatch.setitem(registry(), "feed", replace(kind_named("feed"), parse=exploding))
    (tmp_path / "any.xml").write_bytes(hostile.rss([hostile.rss_item()]))
    config = load_config(write_config(tmp_path, [("snapshot", "hf-daily", small_snapshot(tmp_path)),
                                                 ("deep", "feed", "any.xml")]))
    report = build(config, now=T0)
    assert [s.error for s in report.sources] == [
        None, "cannot parse the response (RecursionError: maximum recursion depth exceeded while parsing)"]
    assert report.sources[0].entries == 15 and report.write is not None
