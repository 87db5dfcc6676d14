"""End to end: the bundled snapshot through store, topics and renderer to a site on disk."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.config import load_config
from feedsmith.jobs import build
from feedsmith.sources.hf import HF_HOST
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import is_digest_file, site_state

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
SLUGS = ["all", "multimodal", "image-generation", "fine-tuning", "long-context", "reasoning",
         "evaluation", "embeddings-retrieval", "surveys", "medical", "efficiency", "data",
         "multilingual"]


def test_build_writes_every_feed_and_they_round_trip(snapshot_config: Path) -> None:
    config = load_config(snapshot_config)
    report = build(config, now=T0)
    site = config.site.output
    assert (site / "index.html").is_file()
    assert [v for v in report.topic_counts] == SLUGS
    ids_by_feed: dict[str, set[str]] = {}
    for slug in SLUGS:
        for ext in ("atom", "rss"):
            parsed = feedparser.parse((site / f"{slug}.{ext}").read_bytes())
            assert parsed.bozo == 0, (slug, ext, parsed.get("bozo_exception"))
            assert len(parsed.entries) == report.topic_counts[slug]
            ids = {e.id for e in parsed.entries}
            assert all(i.startswith("https://arxiv.org/abs/") and "v" not in i.rsplit("/", 1)[1]
                       for i in ids)
            ids_by_feed.setdefault(slug, ids)
            assert ids_by_feed[slug] == ids  # the same ids in Atom and RSS
            links = {link.get("rel"): link.href for link in parsed.feed.links}
            assert links["self"] == f"https://feeds.example.org/ml/{slug}.{ext}"
            for item in parsed.entries:
                assert item.published_parsed is not None
    assert len(ids_by_feed["all"]) == 72
    assert set().union(*ids_by_feed.values()) == ids_by_feed["all"]


def test_feed_dates_are_first_seen_and_feed_updated_is_newest_entry(snapshot_config: Path) -> None:
    config = load_config(snapshot_config)
    build(config, now=T0)
    atom = feedparser.parse((config.site.output / "all.atom").read_bytes())
    published = [datetime(*e.published_parsed[:6], tzinfo=UTC) for e in atom.entries]
    assert published[0] == T0 and len(set(published)) == 72
    assert published == sorted(published, reverse=True)
    assert atom.feed.updated == "2026-03-13T12:00:00+00:00"
    first_ids = [e.id for e in atom.entries]
    assert first_ids[0] == "https://arxiv.org/abs/2410.00086"  # trending rank 1 is newest


def test_rerun_rewrites_nothing_and_output_is_identical(snapshot_config: Path) -> None:
    config = load_config(snapshot_config)
    build(config, now=T0)
    site = config.site.output
    before = site_state(site, mtimes=True)
    report = build(config, now=datetime(2026, 3, 14, 9, 30, tzinfo=UTC))
    after = site_state(site, mtimes=True)
    # Friday closed in between: its digests are new files; nothing else is rewritten
    assert report.write is not None and all(map(is_digest_file, report.write.written))
    assert {n: v for n, v in before.items() if not is_digest_file(n)} == {
        n: v for n, v in after.items() if not is_digest_file(n)}


def test_versions_and_hf_urls_add_no_entry(tmp_path: Path) -> None:
    items = json.loads(SNAPSHOT.read_bytes())
    versioned = json.loads(SNAPSHOT.read_bytes())
    for n, item in enumerate(versioned):
        pid = item["paper"]["id"]
        item["paper"]["id"] = f"{pid}v{n % 4 + 1}" if n % 2 else f"https://{HF_HOST}/papers/{pid}"
    (tmp_path / "a.json").write_text(json.dumps(items))
    (tmp_path / "b.json").write_text(json.dumps(versioned))
    config = load_config(write_config(tmp_path, [
        ("a", "hf-daily", "a.json"), ("a-again", "hf-daily", "a.json"), ("b", "hf-daily", "b.json"),
    ]))
    report = build(config, now=T0)
    assert report.new == 72
    assert [s.new for s in report.sources] == [72, 0, 0]
    parsed = feedparser.parse((config.site.output / "all.atom").read_bytes())
    assert len(parsed.entries) == 72


def test_cli_exit_3_when_a_source_fails_but_site_is_built(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT)),
                                     ("gone", "hf-daily", "missing.json")])
    result = CliRunner().invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 3, result.output
    assert "FAILED gone" in result.output
    assert len(feedparser.parse((tmp_path / "site" / "all.atom").read_bytes()).entries) == 72


def test_cli_exit_1_on_bad_configuration(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[site]\nwindow_days = -1\n")
    result = CliRunner().invoke(main, ["build", "--config", str(bad)])
    assert result.exit_code == 1 and "window_days" in result.output
    assert not (tmp_path / "site").exists()


def test_cli_exit_2_on_usage_error() -> None:
    assert CliRunner().invoke(main, ["build", "--no-such-flag"]).exit_code == 2


def test_out_and_cache_flags_override_the_file(tmp_path: Path, snapshot_config: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--config", str(snapshot_config),
                                       "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "k")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "all.atom").is_file() and (tmp_path / "k" / "store.sqlite").is_file()


def test_python_dash_m_and_version() -> None:
    out = subprocess.run([sys.executable, "-m", "feedsmith", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("feedsmith, version ")


def test_demo_runs_without_a_repository_checkout(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Outside the repository (no feeds/ in the working directory), `feedsmith build` uses the
    bundled demo configuration and snapshot and writes into the working directory."""
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.site.output == tmp_path / "site"
    assert config.site.cache == tmp_path / ".cache" / "feedsmith"
    report = build(config, now=T0)
    assert report.new == 72 and (tmp_path / "site" / "all.atom").is_file()


def test_unchanged_local_source_is_not_parsed_again(tmp_path: Path) -> None:
    """A local file whose bytes did not change since the last run is the local 304: not parsed,
    nothing re-ingested; a changed file is read again."""
    data = json.loads(SNAPSHOT.read_bytes())
    (tmp_path / "papers.json").write_text(json.dumps(data[:10]))
    config = load_config(write_config(tmp_path, [("papers", "hf-daily", "papers.json")]))
    first = build(config, now=T0)
    assert first.sources[0].entries == 10 and not first.sources[0].not_modified
    again = build(config, now=T0)
    assert again.sources[0].not_modified and again.sources[0].entries == 0 and again.new == 0
    (tmp_path / "papers.json").write_text(json.dumps(data[:12]))
    changed = build(config, now=T0)
    assert changed.sources[0].entries == 12 and changed.new == 2


def test_progress_says_not_modified_only_when_it_is_true(snapshot_config: Path) -> None:
    """The progress line of a local snapshot reads 'fetched' on a first build and 'not modified'
    only once the same bytes were already stored."""
    first = CliRunner().invoke(main, ["build", "--config", str(snapshot_config)])
    assert first.exit_code == 0, first.output
    assert "snapshot (hf-daily) fetched" in first.output and "not modified" not in first.output
    again = CliRunner().invoke(main, ["build", "--config", str(snapshot_config)])
    assert "snapshot (hf-daily) not modified" in again.output
    assert "snapshot (hf-daily): not modified since the last run" in again.output
