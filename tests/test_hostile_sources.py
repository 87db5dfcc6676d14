"""Hostile sources through the real pipeline: bad JSON, bad items, an entity bomb in UTF-16 under a
memory limit, content attacks, deceptive ids and bidi controls, dates, identity.

Every payload comes from ``tests.hostile`` and is read as a local-file source (``hf-daily`` or
``feed``), mostly next to the bundled snapshot. What must hold: a bad item is skipped and counted,
a bad response fails only its own source with a one-line reason, the snapshot's papers stay in
every feed they belong to, and nothing executable or deceptive reaches any output file.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser

from feedsmith.config import load_config
from feedsmith.dates import parse_iso
from feedsmith.jobs import build
from feedsmith.sources.hf import parse_daily_papers
from feedsmith.store import open_store
from tests import hostile
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import is_digest_file, site_state, without_own_scripts

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
FORBIDDEN = ("<script", "onerror=", "onload=", "onclick=", "onmouseover=", "javascript:",
             "vbscript:", "data:text", "data:image/svg", "<iframe", "<svg")


def site_ids(site: Path) -> dict[str, set[str]]:
    """Entry ids of every Atom feed in ``site`` by file name (not the digest feeds, to which a
    day that closes adds an entry)."""
    return {p.name: {e.id for e in feedparser.parse(p.read_bytes()).entries}
            for p in sorted(site.glob("*.atom")) if not is_digest_file(p.name)}


def small_snapshot(folder: Path, papers: int = 15) -> str:
    """The first ``papers`` papers of the bundled snapshot as a file in ``folder`` (the machine
    is slow and every build costs; the subprocess test reads the whole snapshot)."""
    path = folder / "snapshot.json"
    path.write_text(json.dumps(json.loads(SNAPSHOT.read_bytes())[:papers]))
    return str(path)


def baseline_ids(tmp_path: Path, snapshot: str) -> dict[str, set[str]]:
    """The ids each feed holds when ``snapshot`` is the only source."""
    folder = tmp_path / "baseline"
    folder.mkdir()
    config = load_config(write_config(folder, [("snapshot", "hf-daily", snapshot)]))
    build(config, now=T0)
    return site_ids(config.site.output)


def run_cli(config: Path, *, address_space: int | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m feedsmith build --config config`` in a subprocess, bounded to 60 s and, if
    given, to ``address_space`` bytes of memory (RLIMIT_AS: an allocation past it fails)."""
    def limit() -> None:
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    return subprocess.run([sys.executable, "-m", "feedsmith", "build", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, preexec_fn=limit)


# ------------------------------------------------------------------------------------------
# the payload library itself

def test_gzip_bomb_inflates_to_its_size_from_a_small_body() -> None:
    body = hostile.gzip_bomb()
    assert len(body) < 300_000
    assert int.from_bytes(body[-4:], "little") == hostile.GZIP_BOMB_SIZE % 2**32
    inflater = zlib.decompressobj(31)
    head = inflater.decompress(body, 8 * 1024 * 1024)  # read a bounded prefix only
    assert len(head) == 8 * 1024 * 1024 and not head.strip(b"\0")
    small = hostile.gzip_bomb(4 * 1024 * 1024)
    assert zlib.decompress(small, 31) == bytes(4 * 1024 * 1024)


def test_entity_payloads_are_small_files_with_huge_expansions() -> None:
    assert len(hostile.billion_laughs()) < 2048 and b"&lol9;" in hostile.billion_laughs()
    assert hostile.quadratic_blowup().count(b"&big;") >= 5000
    assert b'SYSTEM "file:///etc/passwd"' in hostile.external_entity_file()
    assert b'SYSTEM "http://127.0.0.1:9/dtd"' in hostile.external_parameter_entity(
        "http://127.0.0.1:9/dtd")
    assert hostile.random_bytes(3) == hostile.random_bytes(3) != hostile.random_bytes(4)


# ------------------------------------------------------------------------------------------
# JSON: bad items and bad responses

def test_bad_items_are_skipped_and_counted_and_their_neighbours_kept(tmp_path: Path) -> None:
    (tmp_path / "mixed.json").write_bytes(hostile.hf_mixed_items())
    config = load_config(write_config(tmp_path, [("mixed", "hf-daily", "mixed.json")]))
    report = build(config, now=T0)
    (result,) = report.sources
    bad, tolerated = hostile.hf_bad_items(), hostile.hf_tolerated_items()
    neighbours = len(bad) + len(tolerated) + 1
    assert result.error is None
    assert result.skipped == len(bad)
    assert result.entries == neighbours + len(tolerated)
    ids = site_ids(config.site.output)["all.atom"]
    assert len(ids) == neighbours + len(tolerated)
    assert {f"https://arxiv.org/abs/2501.9{n:04d}" for n in range(1, neighbours + 1)} <= ids


def test_tolerated_items_keep_the_item_and_drop_the_bad_field() -> None:
    parsed = parse_daily_papers(hostile.hf_json([item for _, item in hostile.hf_tolerated_items()]),
                                source="t")
    by_id = {e.arxiv_id: e for e in parsed.entries}
    assert parsed.skipped == 0 and len(by_id) == len(hostile.hf_tolerated_items())
    assert by_id["2501.90201"].authors == ()
    assert by_id["2501.90202"].authors == ("Bo",)
    assert by_id["2501.90203"].summary == "" and by_id["2501.90204"].summary == ""
    assert by_id["2501.90205"].paper_date is None and by_id["2501.90206"].paper_date is None
    assert by_id["2501.90207"].upvotes is None and by_id["2501.90208"].upvotes is None
    assert by_id["2501.90209"].links.code is None and by_id["2501.90210"].keywords == ()
    assert by_id["2501.90211"].thumbnail is None and by_id["2501.90212"].comments is None


WHOLE_RESPONSE_FAILURES = {
    "truncated": hostile.hf_truncated(),
    "object": hostile.hf_wrong_shape_object(),
    "strings": hostile.hf_wrong_shape_strings(),
    "empty": hostile.empty_body(),
    "html": hostile.html_page(),
    "random": hostile.random_bytes(),
    "badutf8": hostile.invalid_utf8_rss(),
    "laughs": hostile.billion_laughs(),
    "gzipbomb": hostile.gzip_bomb(4 * 1024 * 1024),
}


def test_a_bad_response_fails_only_its_source_with_one_line(tmp_path: Path) -> None:
    expected = baseline_ids(tmp_path, str(SNAPSHOT))
    sources = [("snapshot", "hf-daily", str(SNAPSHOT))]
    for name, body in WHOLE_RESPONSE_FAILURES.items():
        (tmp_path / f"{name}.json").write_bytes(body)
        sources.append((name, "hf-daily", f"{name}.json"))
    result = run_cli(write_config(tmp_path, sources))
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    failures = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert len(failures) == len(WHOLE_RESPONSE_FAILURES), result.stdout
    for name in WHOLE_RESPONSE_FAILURES:
        (line,) = [f for f in failures if f.strip().startswith(f"FAILED {name} ")]
        reason = line.split("):", 1)[1].strip()
        assert reason and len(line) < 300, line
    # an array of id strings is a bad shape; every one of its items was skipped, not stored
    assert site_ids(tmp_path / "site") == expected


def test_a_utf16_entity_bomb_costs_seconds_under_300_mb_and_only_its_own_source(tmp_path: Path) -> None:
    """500 KB of UTF-16 declaring a 200,000-character entity referenced 10,000 times (2 GB
    expanded): read with the entity ignored; the same with its DOCTYPE left unclosed is refused.
    Either way nothing is expanded, and the snapshot's 72 papers are all published."""
    bomb = hostile.quadratic_blowup(200_000, 10_000)
    unclosed = bomb.replace(b"\n]>\n", b"\n", 1)
    for name, document in (("bomb", bomb), ("unclosed", unclosed)):
        (tmp_path / f"{name}.xml").write_bytes(hostile.reencoded(document, "utf-16-le", bom=True))
    assert 500_000 < (tmp_path / "bomb.xml").stat().st_size < 520_000
    config = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT)),
                                     ("bomb", "feed", "bomb.xml"), ("unclosed", "feed", "unclosed.xml")])
    started = time.monotonic()
    result = run_cli(config, address_space=300 * 1024 * 1024)
    assert time.monotonic() - started < 30
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stdout + result.stderr
    assert "  bomb (feed): 0 entries, 0 new, 1 skipped (warning: ignored 1 XML entity declaration(s))" \
        in result.stdout
    assert "  FAILED unclosed (feed): a DOCTYPE or ENTITY declaration that cannot be removed " \
        "safely (refused unread)" in result.stdout
    assert "sources: 2 read, 1 failed" in result.stdout
    assert len(site_ids(tmp_path / "site")["all.atom"]) == 72


# ------------------------------------------------------------------------------------------
# content attacks

class LinkCollector(HTMLParser):
    """Every href/src/action value and every on* attribute of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.handlers: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("href", "src", "action", "srcset", "poster"):
                self.urls.append(value or "")
            if name.startswith("on"):
                self.handlers.append(name)


def assert_html_is_inert(markup: str, where: str) -> None:
    """No script/iframe/svg tag, no event handler, and only http(s) or relative URLs (and the
    empty ``data:,`` icon each page names, so that no browser asks for a missing favicon)."""
    collector = LinkCollector()
    collector.feed(markup)
    assert not collector.tags & {"script", "iframe", "svg", "object", "embed"}, where
    assert collector.handlers == [], where
    for url in collector.urls:
        assert re.match(r"^(https?://|[\w./#-]*$|data:,$)", url.strip()), (where, url)


def test_content_attacks_reach_no_output_file(tmp_path: Path) -> None:
    (tmp_path / "attacks.json").write_bytes(hostile.hf_content_attacks())
    config = load_config(write_config(tmp_path, [("snapshot", "hf-daily", small_snapshot(tmp_path)),
                                                 ("attacks", "hf-daily", "attacks.json")]))
    report = build(config, now=T0)
    assert report.failed == [] and report.sources[1].skipped == 0
    site = config.site.output
    files = sorted(p for p in site.iterdir() if p.is_file())
    assert len(files) > 30
    for path in files:
        text = without_own_scripts(path.read_text()).lower()
        for needle in FORBIDDEN:
            assert needle not in text, (path.name, needle)
        if path.suffix == ".html":
            assert_html_is_inert(without_own_scripts(path.read_text()), path.name)
    for path in files:
        if path.suffix not in (".atom", ".rss"):
            continue
        # what a reader sees after decoding one layer of XML escaping, before any sanitizing
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        assert parsed.bozo == 0, (path.name, parsed.get("bozo_exception"))
        for item in parsed.entries:
            layers = [item.get("title", ""), item.get("summary", "")]
            layers += [c.value for c in item.get("content", [])]
            for value in layers:
                assert not any(n in value.lower() for n in FORBIDDEN), (path.name, value)
                assert_html_is_inert(value, path.name)
    attacked = {e.id: e for e in feedparser.parse((site / "all.atom").read_bytes()).entries
                if "2501.903" in e.id}
    assert len(attacked) == 2 + len(hostile.HOSTILE_URLS)  # every attacked paper is still there
    assert attacked["https://arxiv.org/abs/2501.90301"].title == "Attack on bold titles"


def test_ids_that_are_not_harmless_uris_and_bidi_controls_are_never_published(tmp_path: Path) -> None:
    (tmp_path / "deceptive.xml").write_bytes(hostile.deceptive_text_rss())
    config = load_config(write_config(tmp_path, [("deceptive", "feed", "deceptive.xml")]))
    assert build(config, now=T0).new == 4
    site = config.site.output
    for path in site.iterdir():
        if path.is_dir():  # the search bundle: Pagefind's code and compressed index
            continue
        text = path.read_text()
        assert not set(text) & set(hostile.BIDI_CONTROLS), path.name
        if path.suffix == ".html":  # (an HTML page names its articles by store key, escaped)
            assert_html_is_inert(without_own_scripts(text), path.name)
            continue
        for needle in ("javascript:", "data:text", "vbscript:"):
            assert needle not in text.lower(), (path.name, needle)
    atom = {e.title: e.id for e in feedparser.parse((site / "all.atom").read_bytes()).entries}
    assert set(atom) == {"Script id", "Data id", "Bidi evil title", "Isolated title"}
    assert atom["Isolated title"] == "urn:hostile:g4"
    derived = [i for t, i in atom.items() if t != "Isolated title"]
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in derived) and len(set(derived)) == 3
    rss_ids = {e.title: e.id for e in feedparser.parse((site / "all.rss").read_bytes()).entries}
    json_ids = {i["title"]: i["id"] for i in json.loads((site / "all.json").read_text())["items"]}
    assert rss_ids == json_ids == atom  # the same id in every format
    json_authors = [a["name"] for i in json.loads((site / "all.json").read_text())["items"]
                    for a in i.get("authors", [])]
    assert json_authors == ["Mallory yrollaM"]
    build(config, now=T0 + timedelta(hours=1))
    assert {e.title: e.id for e in feedparser.parse((site / "all.atom").read_bytes()).entries} == atom


def test_an_id_already_published_never_changes_even_if_it_would_not_be_published_today(
        tmp_path: Path) -> None:
    (tmp_path / "deceptive.xml").write_bytes(hostile.deceptive_text_rss())
    config = load_config(write_config(tmp_path, [("deceptive", "feed", "deceptive.xml")]))
    build(config, now=T0)
    with open_store(config.site.cache) as store:  # as a feedsmith before this rule stored it
        (entry,) = [e for e in store.entries() if e.title == "Script id"]
        store.put_many([replace(entry, guid="javascript:alert(2)")])
    build(config, now=T0 + timedelta(hours=1))
    ids = {e.title: e.id for e in feedparser.parse((config.site.output / "all.atom").read_bytes()).entries}
    assert ids["Script id"] == "javascript:alert(2)"


# ------------------------------------------------------------------------------------------
# dates

def test_hostile_dates_never_raise() -> None:
    for value in (*hostile.HOSTILE_DATES, None, 5, 1e308, [], "9" * 400):
        result = parse_iso(value, now=T0)
        assert result is None or result <= T0 + timedelta(days=2)


def test_hostile_dates_are_unknown_and_reruns_change_nothing(tmp_path: Path) -> None:
    (tmp_path / "dates.json").write_bytes(hostile.hf_hostile_dates())
    config = load_config(write_config(tmp_path, [("dates", "hf-daily", "dates.json")]))
    report = build(config, now=T0)
    assert report.failed == [] and report.new == len(hostile.HOSTILE_DATES)
    site = config.site.output
    first = site_state(site)
    rerun = build(config, now=T0 + timedelta(days=3, hours=5))
    # the days that closed since have their digests; nothing else is written
    assert rerun.write is not None and all(map(is_digest_file, rerun.write.written))
    assert {n: v for n, v in site_state(site).items() if not is_digest_file(n)} == {
        n: v for n, v in first.items() if not is_digest_file(n)}
    for name in ("all.atom", "all.rss"):
        parsed = feedparser.parse(first[name])
        assert parsed.bozo == 0
        for item in parsed.entries:
            stamps = [item.published_parsed, dict.get(item, "updated_parsed")]
            assert stamps[0] is not None
            for stamp in filter(None, stamps):
                assert datetime(*stamp[:6], tzinfo=UTC) <= T0
    with open_store(config.site.cache) as store:
        dates = {e.arxiv_id: e.paper_date for e in store.entries()}
    kept = {f"2501.904{n:02d}" for n, v in enumerate(hostile.HOSTILE_DATES)
            if v == "2025-01-02T03:04:05"}
    assert {k for k, v in dates.items() if v is not None} == kept  # a naive time is read as UTC
    for name, text in first.items():
        if "/" not in name:  # (Pagefind's own files hold "z-index: 9999")
            assert b"9999" not in text and b"1800-" not in text


# ------------------------------------------------------------------------------------------
# identity

def test_duplicates_in_one_response_give_one_entry_each(tmp_path: Path) -> None:
    (tmp_path / "dups.json").write_bytes(hostile.hf_duplicates())
    config = load_config(write_config(tmp_path, [("dups", "hf-daily", "dups.json")]))
    report = build(config, now=T0)
    assert report.new == 2
    entries = feedparser.parse((config.site.output / "all.atom").read_bytes()).entries
    assert sorted(e.id for e in entries) == ["https://arxiv.org/abs/2501.90501",
                                             "https://arxiv.org/abs/2501.90502"]
    assert {e.title for e in entries} == {"Duplicated paper title", "The other paper"}
    again = build(config, now=T0 + timedelta(days=1))
    assert again.new == 0 and again.changed == 0


def test_an_empty_or_all_bad_response_empties_no_feed(tmp_path: Path) -> None:
    snapshot = small_snapshot(tmp_path)
    expected = baseline_ids(tmp_path, snapshot)
    (tmp_path / "nothing.json").write_bytes(json.dumps([]).encode())
    (tmp_path / "nulls.json").write_bytes(b"[null, null]")
    config = load_config(write_config(tmp_path, [("snapshot", "hf-daily", snapshot),
                                                 ("nothing", "hf-daily", "nothing.json")]))
    build(config, now=T0)
    # the snapshot source is gone and the others return nothing usable: the store keeps it all
    alone = load_config(write_config(tmp_path, [("nothing", "hf-daily", "nothing.json"),
                                                ("nulls", "hf-daily", "nulls.json")]))
    report = build(alone, now=T0 + timedelta(days=1))
    assert [s.error is None for s in report.sources] == [True, False]
    assert site_ids(tmp_path / "site") == expected
