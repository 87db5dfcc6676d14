"""The store of record: one SQLite file that is the whole store, a crawl cache that is only a
cache, salvage around damaged records, seeding from every published feed, the conversion of a
feedsmith 0.1.0 store, and the paths that must never hold a store."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from feedsmith.cli import main
from feedsmith.config import load_config, with_overrides
from feedsmith.convert import read_old_store
from feedsmith.crawl_cache import CRAWL_CACHE_DIR, CrawlCache
from feedsmith.jobs import build
from feedsmith.store import open_store
from tests.conftest import FIXTURES, ROOT, SNAPSHOT, write_config
from tests.sitecheck import site_state

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parent / "data"
OLD_STORE = DATA / "store-v0.1.0"
OLD_EXPORT = DATA / "store-v0.1.0.export.jsonl"
RSS = (FIXTURES / "arxiv_rss_multi_cat_4items.xml").read_bytes()


def feed_files(site: Path) -> dict[str, bytes]:
    """The entry feeds (not the digest feeds, which a day that closes or a new store changes)."""
    return {p.name: p.read_bytes() for p in sorted(site.iterdir())
            if p.suffix in (".atom", ".rss", ".json") and p.name.count(".") == 1}


def published_dates(site: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """Per Atom feed: entry id -> (published, updated)."""
    return {p.name: {e.id: (e.published, e.updated) for e in feedparser.parse(p.read_bytes()).entries}
            for p in sorted(site.glob("*.atom"))}


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# the database file alone is the store -------------------------------------------------------------
def test_copying_only_the_database_file_keeps_every_entry(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT)),
                                          ("day", "hf-daily", str(FIXTURES / "hf_daily_papers_3items.json"))])
    config = load_config(config_path)
    build(config, now=T0)
    elsewhere = tmp_path / "copied"
    elsewhere.mkdir()
    shutil.copy2(config.site.cache / "store.sqlite", elsewhere / "store.sqlite")
    code, original = cli("store", "export", "--config", str(config_path))
    code2, copied = cli("store", "export", "--config", str(config_path), "--cache-dir", str(elsewhere))
    assert code == code2 == 0 and copied == original and len(original.splitlines()) == 76
    report = build(with_overrides(config, cache=elsewhere, output=tmp_path / "site2"),
                   now=T0 + timedelta(days=1))
    assert report.new == 0 and report.changed == 0
    assert feed_files(tmp_path / "site2") == feed_files(config.site.output)


# the crawl cache is only a cache ---------------------------------------------------------------------
class ConditionalFeed:
    """Serves the recorded arXiv RSS with an ETag; records whether each request was conditional."""

    def __init__(self, server: HTTPServer) -> None:
        self.conditional: list[bool] = []
        server.expect_request("/rss").respond_with_handler(self)

    def __call__(self, request: Request) -> Response:
        self.conditional.append("If-None-Match" in request.headers)
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(RSS, content_type="application/rss+xml", headers={"ETag": '"v1"'})


def rss_config(tmp_path: Path, server: HTTPServer) -> Path:
    return write_config(tmp_path, [("rss", "feed", server.url_for("/rss"))])


def test_deleting_the_crawl_cache_downloads_again_and_changes_no_feed_byte(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    feed = ConditionalFeed(httpserver)
    config = load_config(rss_config(tmp_path, httpserver))
    build(config, now=T0)
    build(config, now=T0 + timedelta(hours=1))
    assert feed.conditional == [False, True]  # the second run asked "changed since?" and got 304
    before = site_state(config.site.output, mtimes=True)
    shutil.rmtree(config.site.cache / CRAWL_CACHE_DIR)
    report = build(config, now=T0 + timedelta(hours=2))
    assert feed.conditional[-1] is False and report.new == 0 and report.changed == 0
    assert site_state(config.site.output, mtimes=True) == before


def test_a_damaged_crawl_cache_is_a_cache_miss_not_a_damaged_store(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    feed = ConditionalFeed(httpserver)
    config_path = rss_config(tmp_path, httpserver)
    config = load_config(config_path)
    build(config, now=T0)
    (config.site.cache / CRAWL_CACHE_DIR / "cache.db").write_bytes(os.urandom(5000))
    report = build(config, now=T0 + timedelta(hours=1))
    assert not report.failed and feed.conditional == [False, False]
    assert cli("store", "check", "--config", str(config_path))[0] == 0


def test_a_crawl_cache_that_belongs_to_another_store_never_keeps_a_store_empty(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    feed = ConditionalFeed(httpserver)
    config = load_config(rss_config(tmp_path, httpserver))
    build(config, now=T0)
    (config.site.cache / "store.sqlite").unlink()  # a new store beside the old crawl cache
    report = build(config, now=T0 + timedelta(hours=1))
    assert feed.conditional == [False, False] and report.new == 4


def test_a_crawl_cache_newer_than_its_store_is_ignored(tmp_path: Path, httpserver: HTTPServer) -> None:
    """A store restored from an older copy of itself (same id, earlier generation) downloads
    again: the cache's validators describe entries the old copy may not hold."""
    feed = ConditionalFeed(httpserver)
    config = load_config(rss_config(tmp_path, httpserver))
    backup = tmp_path / "backup.sqlite"
    with open_store(config.site.cache, now=T0):
        pass
    shutil.copy2(config.site.cache / "store.sqlite", backup)  # an empty store, generation 0
    build(config, now=T0)
    shutil.copy2(backup, config.site.cache / "store.sqlite")
    report = build(config, now=T0 + timedelta(hours=1))
    assert feed.conditional == [False, False] and report.new == 4


def test_a_crawl_cache_that_cannot_be_written_costs_a_download_never_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    url = "https://feeds.example.org/feed"
    with CrawlCache(tmp_path / "crawl", store_id="s", generation=1) as cache:
        cache.save([(url, {"etag": '"x"'})], generation=1)
        monkeypatch.setattr(cache._cache, "set", disk_full)
        cache.save([(url, {"etag": '"y"'})], generation=2)  # given up, not raised
        assert cache.validators(url) is None  # and no longer read for the rest of the run
        cache.save([(url, {"etag": '"z"'})], generation=3)
    assert caplog.text.count("cannot be written (database or disk is full)") == 1
    monkeypatch.setattr("diskcache.Cache.__init__", disk_full)
    with CrawlCache(tmp_path / "crawl", store_id="s", generation=1) as cache:  # cannot even open
        assert cache.validators(url) is None
        cache.save([(url, {"etag": '"x"'})], generation=1)
    assert "not used (database or disk is full)" in caplog.text


def test_validators_are_keyed_by_a_hash_of_the_url(tmp_path: Path) -> None:
    secret = "https://user:pw@feeds.example.org/feed?api_key=s3cret"
    with CrawlCache(tmp_path / "crawl", store_id="s", generation=1) as cache:
        cache.save([(secret, {"etag": '"x"'})], generation=1)
        assert cache.validators(secret) == {"etag": '"x"'}
    dump = b"".join(p.read_bytes() for p in (tmp_path / "crawl").rglob("*") if p.is_file())
    assert b"s3cret" not in dump and b"user:pw" not in dump


# damaged records: named, salvaged around, restored --------------------------------------------------
def test_a_garbled_record_is_named_salvaged_around_and_the_export_restores_a_working_store(
        tmp_path: Path) -> None:
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    config = load_config(config_path)
    build(config, now=T0)
    with sqlite3.connect(config.site.cache / "store.sqlite") as db:
        db.execute("UPDATE entries SET record = '{\"format\": 1, \"key\": 1' "
                   "WHERE key = 'arxiv:2410.00086'")
    db.close()
    code, out = cli("store", "check", "--config", str(config_path))
    assert code == 1 and "entry arxiv:2410.00086: cannot be read" in out
    code, out = cli("store", "export", "--config", str(config_path), str(tmp_path / "all.jsonl"))
    assert code == 1 and "arxiv:2410.00086 is damaged" in out and "--salvage" in out
    code, out = cli("store", "export", "--salvage", "--config", str(config_path),
                    str(tmp_path / "saved.jsonl"))
    assert code == 1 and "exported 71 entries" in out
    assert "skipped damaged entry arxiv:2410.00086" in out
    fresh = tmp_path / "fresh"
    code, out = cli("store", "import", "--config", str(config_path), "--cache-dir", str(fresh),
                    str(tmp_path / "saved.jsonl"))
    assert code == 0 and "imported 71 entries" in out
    assert cli("store", "check", "--config", str(config_path), "--cache-dir", str(fresh)) == (
        0, f"store {fresh}: ok, 71 entries\n")
    report = build(with_overrides(config, cache=fresh), now=T0 + timedelta(days=1))
    assert report.new == 1 and not report.failed  # the lost paper comes back from its source


# seeding from a published site ----------------------------------------------------------------------
TOPICS = """
[topics.alpha]
any = ["alpha"]
[topics.beta]
any = ["beta"]
[topics.gamma]
any = ["gamma"]
"""


def many_papers(count: int) -> list[dict[str, object]]:
    words = ("alpha", "beta", "gamma")
    return [{"paper": {"id": f"2501.{n:05d}", "title": f"A {words[n % 3]} study number {n}",
                       "summary": f"We study {words[n % 3]} problem {n}.", "authors": [{"name": "A. B."}]}}
             for n in range(1, count + 1)]


def test_seeding_from_a_site_of_1100_entries_restamps_none_in_any_published_feed(tmp_path: Path) -> None:
    (tmp_path / "topics.toml").write_text(TOPICS)
    (tmp_path / "papers.json").write_text(json.dumps(many_papers(1100)))
    config_path = write_config(tmp_path, [("papers", "hf-daily", "papers.json")],
                               topics=tmp_path / "topics.toml", extra_site="max_entries = 500")
    config = load_config(config_path)
    build(config, now=T0)
    before = published_dates(config.site.output)
    assert len(before["all.atom"]) == 500 and sum(len(ids) for ids in before.values()) == 1600
    lost = with_overrides(config, cache=tmp_path / "new-cache", output=tmp_path / "site2")
    report = build(lost, now=T0 + timedelta(days=3), seed_from=str(config.site.output))
    assert report.new == 1100 and report.seeded is not None and report.seeded >= 1100
    assert published_dates(tmp_path / "site2") == before
    assert feed_files(tmp_path / "site2") == feed_files(config.site.output)


def test_seeding_from_a_site_url_reads_every_feed_its_opml_lists(tmp_path: Path,
                                                               httpserver: HTTPServer) -> None:
    from re import compile as regex

    (tmp_path / "topics.toml").write_text(TOPICS)
    (tmp_path / "papers.json").write_text(json.dumps(many_papers(90)))
    config_path = write_config(tmp_path, [("papers", "hf-daily", "papers.json")],
                               topics=tmp_path / "topics.toml", extra_site="max_entries = 40")
    config = load_config(config_path)
    build(config, now=T0)
    requested: list[str] = []

    def handler(request: Request) -> Response:
        requested.append(request.path)
        path = config.site.output / request.path.removeprefix("/ml/")
        return Response(path.read_bytes()) if path.is_file() else Response("no", status=404)
    httpserver.expect_request(regex("^/ml/.*")).respond_with_handler(handler)
    lost = with_overrides(config, cache=tmp_path / "new-cache", output=tmp_path / "site2")
    build(lost, now=T0 + timedelta(days=3), seed_from=httpserver.url_for("/ml/"))
    assert sorted(requested) == ["/ml/all.atom", "/ml/alpha.atom", "/ml/beta.atom",
                                 "/ml/feeds.opml", "/ml/gamma.atom"]
    assert published_dates(tmp_path / "site2") == published_dates(config.site.output)


def test_seeding_from_a_slow_drip_url_stops_at_the_crawl_deadline(tmp_path: Path,
                                                                 httpserver: HTTPServer) -> None:
    def trickle(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(30):
                yield b" "
                time.sleep(0.1)
        return Response(body(), content_type="application/xml")
    httpserver.expect_request("/feeds.opml").respond_with_handler(trickle)
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    with config_path.open("a") as handle:
        handle.write("[crawl]\ndeadline = 0.5\nretries = 0\n")
    started = time.monotonic()
    code, out = cli("build", "--config", str(config_path), "--seed-from", httpserver.url_for("/"))
    assert code == 1 and "cannot seed from" in out and "deadline" in out
    assert time.monotonic() - started < 2.5  # the 3 s trickle was cut at the deadline
    assert not (tmp_path / "site").exists()


# paths that must never hold a store -----------------------------------------------------------------
@pytest.mark.parametrize("cache", ["site", "site/.cache", "."])
def test_a_cache_folder_at_inside_or_around_the_output_is_refused(tmp_path: Path, cache: str) -> None:
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    code, out = cli("build", "--config", str(config_path), "--cache-dir", str(tmp_path / cache))
    assert code == 1 and "published with the site" in out
    assert not (tmp_path / "site").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("command", [["store", "check"], ["store", "export"], ["entries"],
                                     ["entries", "show", "2410.00086"], ["prune", "--older-than", "9d"],
                                     ["topics"], ["topics", "explain", "2410.00086"]])
def test_read_only_commands_on_a_folder_without_a_store_create_nothing(tmp_path: Path,
                                                                       command: list[str]) -> None:
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    missing = tmp_path / "mistyped"
    if command[0] == "entries":
        args = ["entries", "--config", str(config_path), "--cache-dir", str(missing), *command[1:]]
    else:
        args = [*command, "--config", str(config_path), "--cache-dir", str(missing)]
    code, out = cli(*args)
    assert code == 1 and f"no store at {missing}: run feedsmith build first" in out
    assert not missing.exists()


# the store of feedsmith 0.1.0 -----------------------------------------------------------------------
def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedsmith", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_a_0_1_0_store_is_converted_once_and_exports_the_same_entries(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    shutil.copytree(OLD_STORE, folder)
    validators = read_old_store(folder).validators
    first = run_cli("store", "export", str(tmp_path / "after.jsonl"), "--cache-dir", str(folder))
    assert first.returncode == 0, first.stderr
    assert "converted the feedsmith 0.1.0 store" in first.stderr and "875 entries" in first.stderr
    before = OLD_EXPORT.read_text().splitlines(keepends=True)
    after = (tmp_path / "after.jsonl").read_text().splitlines(keepends=True)
    assert after[1:] == before[1:]
    assert json.loads(after[0]) == {**json.loads(before[0]), "feedsmith-store": 2}
    aside = [p for p in folder.iterdir() if p.name.startswith("old-store-")]
    assert len(aside) == 1 and (aside[0] / "cache.db").is_file()
    assert not (folder / "cache.db").exists() and list(aside[0].rglob("*.val"))
    with open_store(folder) as store:
        assert store.meta("rules") is not None
        store_id, generation = store.store_id, store.generation
    with CrawlCache(folder / CRAWL_CACHE_DIR, store_id=store_id, generation=generation) as cache:
        assert validators and all(cache.validators(url) == v for url, v in validators)
    again = run_cli("store", "export", str(tmp_path / "again.jsonl"), "--cache-dir", str(folder))
    assert "converted" not in again.stderr
    assert (tmp_path / "again.jsonl").read_text() == (tmp_path / "after.jsonl").read_text()


def test_only_the_database_file_of_a_0_1_0_store_still_converts_every_entry(tmp_path: Path) -> None:
    """The old store kept its first-seen index in a separate value file; losing it lost every
    entry from the feeds. Entries themselves live in cache.db, and the conversion reads them."""
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy2(OLD_STORE / "cache.db", folder / "cache.db")
    done = run_cli("store", "check", "--cache-dir", str(folder))
    assert done.returncode == 0, done.stderr
    assert "ok, 875 entries" in done.stdout
