"""The store as the product's memory: runs that fail, concurrent runs, crashes, damage, backups."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from feedsmith.cli import main
from feedsmith.config import load_config
from feedsmith.errors import StoreError
from feedsmith.jobs import build
from feedsmith.store import open_store
from tests.conftest import ROOT, SNAPSHOT, write_config
from tests.sitecheck import site_state

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
FEED_EXTENSIONS = (".atom", ".rss", ".json")


def feed_files(site: Path) -> dict[str, bytes]:
    """The entry feeds (not the digest feeds, which a day that closes or a new store changes)."""
    return {p.name: p.read_bytes() for p in sorted(site.iterdir())
            if p.suffix in FEED_EXTENSIONS and p.name.count(".") == 1}


def feed_ids(site: Path) -> dict[str, set[str]]:
    import feedparser

    return {p.name: {e.id for e in feedparser.parse(p.read_bytes()).entries}
            for p in sorted(site.glob("*.atom"))}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedsmith", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def test_failing_or_empty_sources_never_remove_an_entry_from_any_feed(tmp_path: Path) -> None:
    items = json.loads(SNAPSHOT.read_bytes())
    (tmp_path / "a.json").write_text(json.dumps(items[:45]))
    (tmp_path / "b.json").write_text(json.dumps(items[30:]))
    config = load_config(write_config(tmp_path, [("a", "hf-daily", "a.json"),
                                                 ("b", "hf-daily", "b.json")]))
    build(config, now=T0)
    before = feed_ids(config.site.output)
    assert len(before["all.atom"]) == 72
    runs = [("b", None), ("a", "[]"), ("a", None)]  # b fails; a returns []; a fails, b still []
    for day, (name, content) in enumerate(runs, start=1):
        if content is None:
            (tmp_path / f"{name}.json").unlink()
        else:
            (tmp_path / f"{name}.json").write_text(content)
        if day == 2:
            (tmp_path / "b.json").write_text("[]")
        report = build(config, now=T0 + timedelta(days=day))
        after = feed_ids(config.site.output)
        for feed, ids in before.items():
            assert ids <= after[feed], (day, feed)
        assert report.new == 0
        before = after


def test_upvote_and_rank_churn_leave_every_feed_byte_identical(tmp_path: Path) -> None:
    items = json.loads(SNAPSHOT.read_bytes())
    (tmp_path / "s.json").write_text(json.dumps(items))
    config = load_config(write_config(tmp_path, [("s", "hf-daily", "s.json")]))
    build(config, now=T0)
    before = feed_files(config.site.output)
    for n, item in enumerate(items):
        item["paper"]["upvotes"] = 1000 + n
        item["numComments"] = n
    (tmp_path / "s.json").write_text(json.dumps(list(reversed(items))))  # every rank changes
    report = build(config, now=T0 + timedelta(days=1))
    assert feed_files(config.site.output) == before and report.changed == 0
    with open_store(config.site.cache) as store:
        assert store.get("arxiv:2410.00086").upvotes == 1000  # type: ignore[union-attr]


def _built(tmp_path: Path) -> tuple[Path, Path]:
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    config = load_config(config_path)
    build(config, now=T0)
    return config_path, config.site.cache


def test_second_concurrent_build_is_refused_after_timeout_without_damage(tmp_path: Path) -> None:
    config_path, cache = _built(tmp_path)
    site = tmp_path / "site"
    before = site_state(site)
    with filelock.FileLock(str(cache / "lock"), timeout=5):
        result = run_cli("build", "--config", str(config_path), "--lock-timeout", "0.2")
    assert result.returncode == 1
    assert "locked by another feedsmith run" in result.stderr and "0.2 s" in result.stderr
    assert site_state(site) == before  # nothing partial
    check = run_cli("store", "check", "--config", str(config_path))
    assert check.returncode == 0 and "ok, 72 entries" in check.stdout


def test_second_concurrent_build_waits_for_the_first(tmp_path: Path) -> None:
    config_path, cache = _built(tmp_path)
    (tmp_path / "site" / "all.atom").unlink()
    lock = filelock.FileLock(str(cache / "lock"), timeout=5)
    lock.acquire()
    try:
        waiting = subprocess.Popen([sys.executable, "-m", "feedsmith", "build", "--config",
                                    str(config_path)], cwd=ROOT, env={
                                        **os.environ, "FEEDSMITH_LOCK_TIMEOUT": "60"},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        assert waiting.poll() is None  # blocked on the lock, not failed
        assert not (tmp_path / "site" / "all.atom").exists()
    finally:
        lock.release()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert (tmp_path / "site" / "all.atom").is_file()


def test_a_run_killed_with_sigkill_leaves_no_lock_behind(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from feedsmith.store import open_store\n"
         "with open_store(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(120)",
         str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="locked by another feedsmith run"):
            with open_store(folder, lock_timeout=0):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    assert holder.returncode == -signal.SIGKILL
    with open_store(folder, lock_timeout=0) as store:  # the kernel released the flock
        assert store.count() == 0


@pytest.mark.parametrize("damage", ["zero", "garbage", "truncated", "bad-record"])
def test_damaged_store_gives_a_clear_error_and_exit_1(tmp_path: Path, damage: str) -> None:
    config_path, cache = _built(tmp_path)
    database = cache / "store.sqlite"
    if damage == "zero":
        database.write_bytes(b"")
    elif damage == "garbage":
        database.write_bytes(os.urandom(20000))
    elif damage == "truncated":
        database.write_bytes(database.read_bytes()[: database.stat().st_size // 2])
    else:
        with sqlite3.connect(database) as raw:
            raw.execute("UPDATE entries SET record = 'not a record' WHERE key = 'arxiv:2410.00086'")
        raw.close()
    runner = CliRunner()
    check = runner.invoke(main, ["store", "check", "--config", str(config_path)])
    assert check.exit_code == 1, check.output
    expected = {"zero": r"empty \(zero bytes\)", "garbage": "not a readable SQLite database",
                "truncated": "truncated|malformed", "bad-record": "entry arxiv:2410.00086: cannot be read"}
    assert re.search(expected[damage], check.output) and "Error: store " in check.output
    if damage != "bad-record":
        result = runner.invoke(main, ["build", "--config", str(config_path)])
        assert result.exit_code == 1 and re.search(expected[damage], result.output)


def test_export_then_import_into_an_empty_cache_reproduces_byte_identical_feeds(
        tmp_path: Path) -> None:
    config_path, cache = _built(tmp_path)
    backup = tmp_path / "backup.jsonl"
    runner = CliRunner()
    exported = runner.invoke(main, ["store", "export", "--config", str(config_path), str(backup)])
    assert exported.exit_code == 0, exported.output
    lines = backup.read_text().splitlines()
    assert len(lines) == 73 and json.loads(lines[0])["feedsmith-store"] == 2
    fresh = tmp_path / "fresh-cache"
    imported = runner.invoke(main, ["store", "import", "--config", str(config_path),
                                    "--cache-dir", str(fresh), str(backup)])
    assert imported.exit_code == 0 and "imported 72 entries" in imported.output
    again = runner.invoke(main, ["store", "import", "--config", str(config_path),
                                 "--cache-dir", str(fresh), str(backup)])
    assert again.exit_code == 1 and "already holds 72 entries" in again.output
    config = load_config(config_path)
    from feedsmith.config import with_overrides

    rebuilt = with_overrides(config, cache=fresh, output=tmp_path / "site2")
    build(rebuilt, now=T0 + timedelta(days=3))
    build(config, now=T0 + timedelta(days=3))  # both stores make the digests of the same days
    assert site_state(tmp_path / "site2") == site_state(tmp_path / "site")


def _lost_cache_rebuild(tmp_path: Path, seed_from: str) -> tuple[Path, Path]:
    config_path, cache = _built(tmp_path)
    config = load_config(config_path)
    from feedsmith.config import with_overrides

    rebuilt = with_overrides(config, cache=tmp_path / "new-cache", output=tmp_path / "site2")
    report = build(rebuilt, now=T0 + timedelta(days=4), seed_from=seed_from)
    assert report.seeded is not None and report.seeded > 0 and report.new == 72
    return tmp_path / "site", tmp_path / "site2"


def test_seed_from_a_site_folder_keeps_ids_and_dates_after_a_lost_cache(tmp_path: Path) -> None:
    old, new = _lost_cache_rebuild(tmp_path, str(tmp_path / "site"))
    assert feed_files(new) == feed_files(old)


def test_seed_from_a_site_url(tmp_path: Path, httpserver: HTTPServer) -> None:
    config_path, cache = _built(tmp_path)
    httpserver.expect_request("/ml/feeds.opml").respond_with_data("", status=404)
    httpserver.expect_request("/ml/all.atom").respond_with_data(
        (tmp_path / "site" / "all.atom").read_bytes(), content_type="application/atom+xml")
    result = CliRunner().invoke(main, [
        "build", "--config", str(config_path), "--cache-dir", str(tmp_path / "c2"), "--out",
        str(tmp_path / "site2"), "--seed-from", httpserver.url_for("/ml/")])
    assert result.exit_code == 0, result.output
    assert "seeded: 72 entries" in result.output  # not 144: each id is under two keys
    import feedparser

    published = {e.id: (e.published, e.updated)
                 for e in feedparser.parse((tmp_path / "site" / "all.atom").read_bytes()).entries}
    with open_store(tmp_path / "c2") as store:
        restored = {e.guid: (e.first_seen.isoformat(), e.updated.isoformat())  # type: ignore[union-attr]
                    for e in store.entries()}
    assert len(published) == 72 and restored == published


def test_seed_from_nothing_published_yet_is_not_an_error(tmp_path: Path,
                                                          httpserver: HTTPServer) -> None:
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    httpserver.expect_request("/feeds.opml").respond_with_data("not here", status=404)
    httpserver.expect_request("/all.atom").respond_with_data("not here", status=404)
    result = CliRunner().invoke(main, ["build", "--config", str(config_path), "--seed-from",
                                       httpserver.url_for("/")])
    assert result.exit_code == 0 and "seeded: 0 entries" in result.output


def test_entries_lists_filters_and_show_explains_where_an_entry_came_from(tmp_path: Path) -> None:
    versioned = json.loads(SNAPSHOT.read_bytes())
    for item in versioned:
        item["paper"]["id"] += "v2"
        item["paper"]["upvotes"] = 5
    (tmp_path / "b.json").write_text(json.dumps(versioned))
    config_path = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT)),
                                          ("later", "hf-daily", "b.json")])
    build(load_config(config_path), now=T0)
    runner = CliRunner()
    shown = runner.invoke(main, ["entries", "--config", str(config_path), "show",
                                 "https://arxiv.org/pdf/2410.00086v1"])
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "id:         https://arxiv.org/abs/2410.00086" in out and "arXiv:      2410.00086v2" in out
    assert "  snap  " in out and "  later  " in out
    assert "snap: added (hf-daily)" in out and "later: changed version 2, new source later" in out
    assert "in  image-generation (`any` matched \"title:diffusion transformer\"" in out
    listed = runner.invoke(main, ["entries", "--config", str(config_path), "--topic", "medical"])
    with open_store(tmp_path / "cache") as store:
        medical = {e.guid for e in store.entries() if "medical" in e.topics}
    assert listed.exit_code == 0 and medical
    assert {line.split()[1] for line in listed.output.splitlines()} == medical
    as_json = runner.invoke(main, ["entries", "--config", str(config_path), "--json", "--text",
                                   "diffusion transformer", "--since", "2026-03-01"])
    records = [json.loads(line) for line in as_json.output.splitlines()]
    assert records and all("diffusion transformer" in (r["title"] + r["summary"]).lower()
                           for r in records)
    missing = runner.invoke(main, ["entries", "--config", str(config_path), "show", "2501.00001"])
    assert missing.exit_code == 1 and "no stored entry" in missing.output


def test_prune_removes_entries_first_seen_before_the_cutoff(tmp_path: Path) -> None:
    config_path, _ = _built(tmp_path)
    runner = CliRunner()
    bad = runner.invoke(main, ["prune", "--config", str(config_path), "--older-than", "soon"])
    assert bad.exit_code == 2 and "bad age" in bad.output
    kept = runner.invoke(main, ["prune", "--config", str(config_path), "--older-than", "36500d"])
    assert kept.exit_code == 0 and "pruned 0 entries" in kept.output
    pruned = runner.invoke(main, ["prune", "--config", str(config_path), "--older-than", "2w"])
    assert pruned.exit_code == 0 and "pruned 72 entries" in pruned.output and "0 left" in pruned.output
