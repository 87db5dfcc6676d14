"""Fetch plans, the [crawl] table and source options, --add-source, the hf-trending fallback, and
the arXiv RSS rule that a replacement never creates an entry."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import feedsmith.crawl as crawl
from feedsmith.cli import main
from feedsmith.config import load_config, with_added_sources
from feedsmith.crawl_cache import CrawlCache
from feedsmith.errors import ConfigError
from feedsmith.http import Fetcher, retry_after_seconds
from feedsmith.ids import arxiv_key, extract_arxiv_id
from feedsmith.jobs import crawl_sources
from feedsmith.model import Entry
from feedsmith.settings import CrawlSettings, HostLimits
from feedsmith.sources import Parsed, SourceConfig, kind_named, registry
from feedsmith.sources.hf import HF_HOST, page_has_items
from feedsmith.store import open_store
from tests.conftest import FIXTURES, ROOT
from tests.test_crawler import HF_FIXTURE, Waits, daily_pages, write_crawl_config

TODAY = date(2026, 3, 13)


def plan_for(source: SourceConfig) -> tuple[Any, ...]:
    return kind_named(source.kind).plan(source, TODAY)


def urls(source: SourceConfig) -> list[str]:
    return [step.url for step in plan_for(source)]


# plans -------------------------------------------------------------------------------------------
def test_hf_daily_today_with_backfill_asks_for_each_day_newest_first() -> None:
    source = SourceConfig("d", "hf-daily", options={"date": "today", "backfill_days": 2})
    api = f"https://{HF_HOST}/api/daily_papers"
    assert urls(source) == [f"{api}?date=2026-03-13", f"{api}?date=2026-03-12", f"{api}?date=2026-03-11"]
    assert all(step.has_items is page_has_items and step.limit == 100 for step in plan_for(source))


def test_hf_daily_week_month_and_url_override() -> None:
    assert urls(SourceConfig("w", "hf-daily", options={"week": "2026-W11"})) == [
        f"https://{HF_HOST}/api/daily_papers?week=2026-W11"]
    assert urls(SourceConfig("m", "hf-daily", url="http://127.0.0.1:9/api",
                             options={"month": "2026-03"})) == [
        "http://127.0.0.1:9/api?month=2026-03"]


def test_hf_trending_uses_the_api_with_the_page_as_fallback() -> None:
    (step,) = plan_for(SourceConfig("t", "hf-trending"))
    assert step.url == f"https://{HF_HOST}/api/daily_papers?sort=trending&limit=100"
    assert step.fallback == f"https://{HF_HOST}/papers/trending"


def test_arxiv_plans() -> None:
    (api,) = urls(SourceConfig("a", "arxiv-api",
                               options={"categories": ("cs.CL", "cs.LG"), "max_results": 50}))
    assert api.startswith("https://export.arxiv.org/api/query?search_query=cat%3Acs.CL")
    assert "max_results=50" in api and "sortOrder=descending" in api
    assert urls(SourceConfig("r", "arxiv-rss", options={"categories": ("cs.CL", "cs.AI")})) == [
        "https://rss.arxiv.org/rss/cs.CL+cs.AI"]
    assert urls(SourceConfig("r", "arxiv-rss", url="http://127.0.0.1:9/rss/",
                             options={"categories": ("cs.CL",)})) == [
        "http://127.0.0.1:9/rss/cs.CL"]
    assert urls(SourceConfig("f", "feed", url="https://example.org/atom.xml")) == [
        "https://example.org/atom.xml"]


def test_paging_ends_at_an_empty_page() -> None:
    assert page_has_items(HF_FIXTURE)
    assert not page_has_items(b"[]") and not page_has_items(b"<html>")


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("1", now=now) == 1.0
    assert retry_after_seconds("Fri, 13 Mar 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Fri, 13 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon", now=now) is None and retry_after_seconds(None, now=now) is None


# configuration -----------------------------------------------------------------------------------
def test_crawl_table_and_per_host_overrides(tmp_path: Path) -> None:
    path = write_crawl_config(tmp_path, [], crawl="""
[crawl]
deadline = 7
max_bytes = 1000
retries = 0
[crawl.hosts."example.org"]
concurrency = 2
spacing = 0.5
[crawl.hosts."arxiv.org"]
spacing = 5
""")
    crawl = load_config(path).crawl
    assert (crawl.deadline, crawl.max_bytes, crawl.retries) == (7.0, 1000, 0)
    assert crawl.limits_for("feeds.example.org") == ("example.org", HostLimits(2, 0.5))
    assert crawl.limits_for("export.arxiv.org") == ("arxiv.org", HostLimits(1, 5.0))
    assert load_config(write_crawl_config(tmp_path, [], crawl="")).crawl == CrawlSettings()


@pytest.mark.parametrize(("crawl", "message"), [
    ("[crawl]\ndeadline = 0", "deadline"),
    ("[crawl]\nretries = -1", "retries"),
    ("[crawl]\ntimeout = 3", "unknown key 'timeout'"),
    ('[crawl.hosts."x.org"]\nconcurrency = 0', "concurrency"),
])
def test_bad_crawl_settings_are_configuration_errors(tmp_path: Path, crawl: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write_crawl_config(tmp_path, [], crawl=crawl))


@pytest.mark.parametrize(("table", "message"), [
    ({"date": "yesterday"}, "'date' must be"),
    ({"date": "today", "week": "2026-W11"}, "only one of"),
    ({"backfill_days": 2}, "needs a 'date'"),
    ({"week": "2026-11"}, "'week' must"),
    ({"query": "cat:cs.CL"}, "does not apply"),
    ({"limit": 0}, "'limit'"),
])
def test_bad_source_options_are_configuration_errors(tmp_path: Path, table: dict[str, Any],
                                                     message: str) -> None:
    path = write_crawl_config(tmp_path, [{"name": "d", "kind": "hf-daily", **table}])
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_hf_daily_without_url_uses_the_service(tmp_path: Path) -> None:
    path = write_crawl_config(tmp_path, [{"name": "d", "kind": "hf-daily", "date": "2026-03-13",
                                          "backfill_days": 1, "limit": 50}])
    (source,) = load_config(path).sources
    assert (source.url, source.option("date"), source.option("backfill_days"),
            source.option("limit")) == ("", "2026-03-13", 1, 50)


def test_add_source_derives_unique_names_and_rejects_bad_values(snapshot_config: Path) -> None:
    config = load_config(snapshot_config)
    added = with_added_sources(config, ["hf-daily=https://example.org/api/daily.json",
                                        "hf-daily=https://example.org/api/daily.json"])
    assert [(s.name, s.kind, s.url) for s in added.sources[1:]] == [
        ("example-org-api-daily-json", "hf-daily", "https://example.org/api/daily.json"),
        ("example-org-api-daily-json-2", "hf-daily", "https://example.org/api/daily.json")]
    for bad in ("no-equals", "nope=https://example.org/x", "hf-daily=ftp://example.org/x",
                "hf-daily=https:///x"):
        with pytest.raises(ConfigError):
            with_added_sources(config, [bad])


def test_cli_crawl_with_add_source_fills_the_store_and_writes_no_site(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/daily").respond_with_handler(daily_pages)
    path = write_crawl_config(tmp_path, [])
    result = CliRunner().invoke(main, ["crawl", "--config", str(path),
                                       "--add-source", f"hf-daily={httpserver.url_for('/daily')}"])
    assert result.exit_code == 0, result.output
    assert "127-0-0-1" in result.output and "3 new" in result.output
    assert "feedsmith: 127-0-0-1" in result.output and "(hf-daily) fetched" in result.output  # progress
    assert not (tmp_path / "site").exists()
    with open_store(tmp_path / "cache") as store:
        assert len(list(store.entries())) == 3


@pytest.mark.parametrize("command", ["build", "crawl"])
def test_cli_bad_add_source_is_a_usage_error(tmp_path: Path, command: str) -> None:
    path = write_crawl_config(tmp_path, [])
    result = CliRunner().invoke(main, [command, "--config", str(path), "--add-source", "rss"])
    assert result.exit_code == 2 and "KIND=URL" in result.output


# hf-trending fallback ---------------------------------------------------------------------------
def test_hf_trending_falls_back_to_the_page_when_the_api_fails(httpserver: HTTPServer,
                                                              tmp_path: Path) -> None:
    page = (FIXTURES / "hf_papers_trending_page_SYNTHETIC.html").read_bytes()
    httpserver.expect_request("/api/daily_papers").respond_with_data("down", status=500)
    httpserver.expect_request("/papers/trending").respond_with_data(page, content_type="text/html")
    source = SourceConfig("t", "hf-trending", url=httpserver.url_for("/api/daily_papers"),
                          options={"fallback_url": httpserver.url_for("/papers/trending")})
    settings = CrawlSettings(retries=1)

    async def run() -> crawl.SourceFetch:
        with CrawlCache(tmp_path / "crawl", store_id="s", generation=0) as cache:
            async with Fetcher(settings, contact="x", sleep=Waits()) as fetcher:
                return await crawl.fetch_source(fetcher, cache, source, TODAY)

    got = asyncio.run(run())
    assert got.error is None and got.bodies == [page]
    assert [r.path for r, _ in httpserver.log] == ["/api/daily_papers"] * 2 + ["/papers/trending"]


# arXiv RSS: replacements only update ------------------------------------------------------------
def announcement_parser(data: bytes, *, source: str) -> Parsed:
    """A test-only stand-in for the arxiv-rss parser: [{id, title, announce_type}] in."""
    entries = []
    for item in json.loads(data):
        arxiv = extract_arxiv_id(item["id"])
        assert arxiv is not None
        entries.append(Entry(key=arxiv_key(arxiv), guid=arxiv.abs_url, title=item["title"],
                             arxiv_id=arxiv.id, version=arxiv.version, sources=(source,),
                             announce_type=item["announce_type"]))
    return Parsed(tuple(entries))


@pytest.fixture
def rss_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the stand-in as kind arxiv-rss, for this test only."""
    monkeypatch.setitem(registry(), "arxiv-rss",
                        replace(kind_named("arxiv-rss"), parse=announcement_parser))


@pytest.mark.parametrize("replace_creates", [False, True])
def test_arxiv_rss_replacements_only_update_known_papers(tmp_path: Path, rss_registered: None,
                                                         replace_creates: bool) -> None:
    known = json.loads(HF_FIXTURE)[0]["paper"]["id"]
    (tmp_path / "rss.json").write_text(json.dumps([
        {"id": f"oai:arXiv.org:{known}v2", "title": "Known paper, v2", "announce_type": "replace"},
        {"id": "oai:arXiv.org:2603.00001v1", "title": "Brand new", "announce_type": "new"},
        {"id": "oai:arXiv.org:2001.00002v3", "title": "Old paper v3", "announce_type": "replace"},
        {"id": "oai:arXiv.org:2002.00003v2", "title": "Old cross", "announce_type": "replace-cross"},
    ]))
    (tmp_path / "hf.json").write_bytes(HF_FIXTURE)
    rss: dict[str, Any] = {"name": "rss", "kind": "arxiv-rss", "url": "rss.json"}
    if replace_creates:
        rss["replace_creates"] = True
    path = write_crawl_config(tmp_path, [{"name": "hf", "kind": "hf-daily", "url": "hf.json"}, rss])
    report = crawl_sources(load_config(path))
    result = report.sources[1]
    assert result.error is None and result.entries == 4
    with open_store(tmp_path / "cache") as store:
        keys = {e.key for e in store.entries()}
        assert store.get(f"arxiv:{known}") is not None
        assert store.get(f"arxiv:{known}").version == 2  # type: ignore[union-attr]
    assert "arxiv:2603.00001" in keys
    if replace_creates:
        assert result.dropped == 0 and {"arxiv:2001.00002", "arxiv:2002.00003"} <= keys
    else:
        assert result.dropped == 2 and not {"arxiv:2001.00002", "arxiv:2002.00003"} & keys


# the live configuration -------------------------------------------------------------------------
def test_live_configuration_plans_hugging_face_and_arxiv(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(ROOT / "feeds" / "live.toml")
    assert config.site.output == (ROOT / "site-live").resolve()
    assert config.site.cache == (ROOT / ".cache" / "feedsmith-live").resolve()
    demo = load_config(ROOT / "feeds" / "feedsmith.toml")
    assert [t.slug for t in config.topics] == [t.slug for t in demo.topics]
    plans = {s.name: urls(s) for s in config.sources}
    assert plans["arxiv-rss"] == ["https://rss.arxiv.org/rss/cs.CL+cs.CV+cs.LG+cs.AI"]
    assert plans["hf-daily"][0] == f"https://{HF_HOST}/api/daily_papers?date=2026-03-13"
    assert len(plans["hf-daily"]) == 4
    assert plans["hf-trending"] == [f"https://{HF_HOST}/api/daily_papers?sort=trending&limit=100"]
    assert config.crawl.limits_for("rss.arxiv.org")[1] == HostLimits(1, 3.0)
