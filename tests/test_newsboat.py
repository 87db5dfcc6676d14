"""End to end in a real feed reader: Debian's newsboat subscribed over HTTP to three topic feeds.

The site is built from a local hf daily_papers file, served on 127.0.0.1 by ``start_server``;
newsboat reloads, 5 papers are added to the source, the site is rebuilt, newsboat reloads again:
its unread count grows by exactly 5 and only the 5 new papers are unread-and-new (no old paper is
delivered again). Every entry's authors show, from Atom and from RSS; ``feeds.opml`` imports with
``all`` apart and the topics in one folder (newsboat: a tag). ``make test`` installs newsboat
(``make system-deps``); the test is skipped only when the binary is missing.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from feedsmith.config import Config, load_config, with_overrides
from feedsmith.jobs import build
from feedsmith.render import site_files
from feedsmith.render.site import write_site
from feedsmith.render.view import author_line
from feedsmith.serve import RunningServer, start_server
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import RECORDED, T0, fixed_site, recorded_entries

NEWSBOAT = Path("/usr/bin/newsboat")
pytestmark = [
    pytest.mark.reader,
    pytest.mark.skipif(not NEWSBOAT.exists(),
                       reason="newsboat is not installed (/usr/bin/newsboat): run `make system-deps`"),
]
TOPICS = ("medical", "multilingual", "surveys")
NEW_PAPERS = [  # (arXiv id, title): each matches exactly one of TOPICS
    ("2603.99001", "Clinical note generation for hospital patient records"),
    ("2603.99002", "Radiology report grounding with weak labels"),
    ("2603.99003", "Machine translation between twelve rare scripts"),
    ("2603.99004", "Multilingual speech tokens for fifty languages"),
    ("2603.99005", "A survey of world models"),
]


def new_item(arxiv_id: str, title: str) -> dict[str, object]:
    """One daily_papers item in the shape the hf source reads."""
    return {"paper": {"id": arxiv_id, "title": title, "summary": "We describe a method.",
                      "authors": [{"name": "A. Tester"}], "publishedAt": "2026-03-01T00:00:00.000Z"},
            "title": title}


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[Path, RunningServer]]:
    site = tmp_path / "site"
    site.mkdir()
    server = start_server(site)
    yield site, server
    server.stop()


def newsboat(home: Path, *commands: str) -> str:
    """Run newsboat non-interactively with its files in ``home``; its standard output."""
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(home / ".local" / "share"), "TERM": "dumb"}
    args = [str(NEWSBOAT), "-u", str(home / "urls"), "-c", str(home / "cache.db"),
            "-C", str(home / "config")]
    for command in commands:
        args += ["-x", command]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def unread_count(home: Path) -> int:
    """The total unread count newsboat prints."""
    out = newsboat(home, "print-unread")
    match = re.search(r"(\d+) unread articles", out)
    assert match, out
    return int(match.group(1))


def stored_items(home: Path) -> list[tuple[str, int]]:
    """(guid, unread) of every article in newsboat's cache."""
    with sqlite3.connect(home / "cache.db") as db:
        return [(g, u) for g, u in db.execute("SELECT guid, unread FROM rss_item")]


def test_newsboat_sees_exactly_the_new_papers(tmp_path: Path,
                                              served_site: tuple[Path, RunningServer]) -> None:
    site, server = served_site
    source = tmp_path / "papers.json"
    items = json.loads(SNAPSHOT.read_bytes())
    source.write_text(json.dumps(items))
    path = write_config(tmp_path, [("papers", "hf-daily", str(source))])

    def config() -> Config:
        loaded = with_overrides(load_config(path), base_url=server.url)
        assert loaded.site.output == site
        return loaded

    build(config(), now=T0)

    home = tmp_path / "newsboat"
    home.mkdir()
    (home / "urls").write_text("".join(f"{server.url}{slug}.atom\n" for slug in TOPICS))
    (home / "config").write_text("reload-threads 1\ndownload-retries 1\ndownload-timeout 30\n"
                                 "show-read-feeds yes\n")
    newsboat(home, "reload")
    before = stored_items(home)
    first = unread_count(home)
    assert first == len({guid for guid, _ in before}) > 0

    source.write_text(json.dumps(items + [new_item(i, t) for i, t in NEW_PAPERS]))
    report = build(config(), now=T0 + timedelta(hours=1))
    assert report.new == 5
    for slug in TOPICS:  # the new papers reached the feeds newsboat reads
        assert sum(i in (site / f"{slug}.atom").read_text() for i, _ in NEW_PAPERS) >= 1
    newsboat(home, "reload")
    after = stored_items(home)
    assert unread_count(home) == first + 5
    new_guids = {f"https://arxiv.org/abs/{i}" for i, _ in NEW_PAPERS}
    assert {guid for guid, _ in after} - {guid for guid, _ in before} == new_guids
    assert len(after) == len(before) + 5  # no old paper stored (delivered) a second time
    assert len({guid for guid, _ in after}) == len(after)


def test_newsboat_shows_every_entry_author_in_atom_and_rss(
        tmp_path: Path, served_site: tuple[Path, RunningServer]) -> None:
    """Atom has one ``author`` per person (newsboat joins them), RSS one ``dc:creator`` line
    (newsboat keeps only the last of several): either way the reader shows the same line, cut to
    ten names and "et al." for the recorded paper with 19 authors."""
    site, server = served_site
    config = load_config(write_config(tmp_path, [("papers", "hf-daily", str(RECORDED))]))
    build(with_overrides(config, base_url=server.url, output=site), now=T0)
    expected = {entry.guid: author_line(entry) for entry in recorded_entries()}
    assert expected["https://arxiv.org/abs/2605.05242"].endswith("Ming Zhong, et al.")
    for ext in ("atom", "rss"):
        home = tmp_path / f"newsboat-{ext}"
        home.mkdir()
        (home / "urls").write_text(f"{server.url}all.{ext}\n")
        (home / "config").write_text("reload-threads 1\ndownload-retries 1\ndownload-timeout 30\n")
        newsboat(home, "reload")
        with sqlite3.connect(home / "cache.db") as db:
            authors = dict(db.execute("SELECT guid, author FROM rss_item"))
        assert authors == expected, ext


def test_newsboat_imports_feeds_opml_with_all_apart_and_the_topics_in_one_folder(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site(site, site_files(fixed_site()))
    home = tmp_path / "newsboat"
    home.mkdir()
    (home / "urls").write_text("")
    (home / "config").write_text("")
    env = {**os.environ, "HOME": str(home), "TERM": "dumb"}
    done = subprocess.run([str(NEWSBOAT), "-u", str(home / "urls"), "-c", str(home / "cache.db"),
                           "-C", str(home / "config"), "-i", str(site / "feeds.opml")],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    base = fixed_site().base_url
    assert (home / "urls").read_text().splitlines() == [f"{base}all.atom"] + [
        f'{base}{slug}.atom "Test site: topics"' for slug in ("vision", "agents", "empty")]
