"""The live configuration: arXiv only enriches what Hugging Face brought (``creates = false``);
``base_url`` from the file, the environment or ``--base-url``, checked and applied everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.config import load_config, with_overrides
from feedsmith.errors import ConfigError
from feedsmith.jobs import build
from feedsmith.store import open_store
from tests.conftest import FIXTURES, ROOT, SNAPSHOT, write_config

T0 = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
HF_PAPER = "2605.06130"       # in the recorded Hugging Face response
SHARED = "2205.06398"         # a `cross` announcement (v2) in the recorded arXiv RSS
ARXIV_NEW = {"2609.26811", "2609.26820"}  # `new` announcements only on arXiv
ARXIV_REPLACED = "2009.13987"             # a `replace` of a paper neither service brought


def live_sources_on_recordings(tmp_path: Path, *, creates: bool | None = None) -> Path:
    """feeds/live.toml's hf-daily and arxiv-rss sources with their options as configured, reading
    the recorded responses; the RSS announces the Hugging Face paper in place of ``SHARED``, so
    one paper is on both services."""
    (tmp_path / "hf.json").write_bytes((FIXTURES / "hf_daily_papers_3items.json").read_bytes())
    rss = (FIXTURES / "arxiv_rss_multi_cat_4items.xml").read_bytes().replace(
        SHARED.encode(), HF_PAPER.encode())
    (tmp_path / "rss.xml").write_bytes(rss)
    live = {s.name: s for s in load_config(ROOT / "feeds" / "live.toml").sources}
    arxiv = live["arxiv-rss"]
    options = dict(arxiv.options) if creates is None else {**arxiv.options, "creates": creates}
    sources = [replace(live["hf-daily"], url=str(tmp_path / "hf.json")),
               replace(arxiv, url=str(tmp_path / "rss.xml"), options=options)]
    config = load_config(write_config(tmp_path, []))
    return build(replace(config, sources=tuple(sources)), now=T0).output or tmp_path


def stored(tmp_path: Path) -> dict[str, object]:
    with open_store(tmp_path / "cache") as store:
        return {e.arxiv_id: e for e in store.entries()}


def test_live_arxiv_only_enriches_papers_hugging_face_brought(tmp_path: Path) -> None:
    live = load_config(ROOT / "feeds" / "live.toml")
    assert [s.option("creates") for s in live.sources if s.kind.startswith("arxiv")] == [False]
    live_sources_on_recordings(tmp_path)
    papers = stored(tmp_path)
    assert set(papers) == {"2605.05242", HF_PAPER, "2605.06548"}  # nothing only on arXiv
    shared = papers[HF_PAPER]
    assert shared.version == 2 and "stat.ME" in shared.categories  # type: ignore[attr-defined]
    assert set(shared.sources) == {"hf-daily", "arxiv-rss"}  # type: ignore[attr-defined]


def test_with_creates_true_every_arxiv_announcement_is_an_entry(tmp_path: Path) -> None:
    live_sources_on_recordings(tmp_path, creates=True)
    papers = stored(tmp_path)
    assert ARXIV_NEW <= set(papers) and HF_PAPER in papers
    assert ARXIV_REPLACED not in papers  # a replacement still only updates (replace_creates)


def test_the_arxiv_recipe_creates_entries_and_loads() -> None:
    recipe = load_config(ROOT / "feeds" / "arxiv-topics.toml")
    assert [s.option("creates") for s in recipe.sources if s.kind == "arxiv-rss"] == [True]


# base_url ------------------------------------------------------------------------------------------
def atom_links(site: Path) -> set[str]:
    parsed = feedparser.parse((site / "all.atom").read_bytes())
    return {link.href for link in parsed.feed.links} | {e.link for e in parsed.entries[:1]}


def test_base_url_flag_and_environment_change_every_absolute_url(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    runner = CliRunner()
    done = runner.invoke(main, ["build", "--config", str(config), "--base-url",
                                "https://me.github.io/papers"])
    assert done.exit_code == 0, done.output
    site = tmp_path / "site"
    self_links = {link.href for link in feedparser.parse((site / "all.atom").read_bytes()).feed.links}
    assert "https://me.github.io/papers/all.atom" in self_links
    opml = (site / "feeds.opml").read_text()
    assert 'xmlUrl="https://me.github.io/papers/all.atom"' in opml and "feeds.example.org" not in opml
    done = runner.invoke(main, ["build", "--config", str(config)],
                         env={"FEEDSMITH_BASE_URL": "https://env.example.org/x/"})
    assert done.exit_code == 0 and "https://env.example.org/x/all.rss" in (site / "all.rss").read_text()
    done = runner.invoke(main, ["build", "--config", str(config), "--base-url", "https://flag.example/"],
                         env={"FEEDSMITH_BASE_URL": "https://env.example.org/x/"})
    assert "https://flag.example/all.rss" in (site / "all.rss").read_text()  # flag > environment


@pytest.mark.parametrize("value", ["me.github.io/papers", "/papers/", "ftp://example.org/",
                                   "https:///nohost/", "https://example.org/a b/"])
def test_a_relative_or_schemeless_base_url_is_refused(tmp_path: Path, value: str) -> None:
    config = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    runner = CliRunner()
    flag = runner.invoke(main, ["build", "--config", str(config), "--base-url", value])
    assert flag.exit_code == 2 and repr(value) in flag.output  # a usage error
    env = runner.invoke(main, ["build", "--config", str(config)], env={"FEEDSMITH_BASE_URL": value})
    assert env.exit_code == 1 and repr(value) in env.output
    in_file = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))],
                           extra_site="").read_text().replace(
        'base_url = "https://feeds.example.org/ml/"', f'base_url = "{value}"')
    (tmp_path / "bad.toml").write_text(in_file)
    with pytest.raises(ConfigError, match="not an absolute http"):
        load_config(tmp_path / "bad.toml")
    assert not (tmp_path / "site").exists()


def test_a_missing_trailing_slash_is_added() -> None:
    config = with_overrides(load_config(ROOT / "feeds" / "feedsmith.toml"),
                            base_url="https://example.org/papers")
    assert config.site.base_url == "https://example.org/papers/"


def test_remote_sources_published_at_the_loopback_default_print_one_warning(tmp_path: Path) -> None:
    config = tmp_path / "live.toml"
    config.write_text(f'include = ["{ROOT / "feeds" / "topics.toml"}"]\n[site]\noutput = "site"\n'
                      'cache = "cache"\n[[sources]]\nname = "gone"\nkind = "feed"\n'
                      'url = "http://127.0.0.1:9/feed.xml"\n[crawl]\nretries = 0\n')
    done = subprocess.run([sys.executable, "-m", "feedsmith", "build", "--config", str(config)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "FEEDSMITH_BASE_URL": ""})
    warnings = [line for line in done.stderr.splitlines() if "the feeds will point at" in line]
    assert len(warnings) == 1 and "127.0.0.1" in warnings[0]
    local = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))]).read_text().replace(
        'base_url = "https://feeds.example.org/ml/"', 'base_url = "http://127.0.0.1:8000/"')
    (tmp_path / "local.toml").write_text(local)
    done = subprocess.run([sys.executable, "-m", "feedsmith", "build", "--config",
                           str(tmp_path / "local.toml")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0 and "will point at" not in done.stderr  # the offline demo: quiet
