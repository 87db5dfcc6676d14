"""Digest feeds: the top papers of each closed UTC day and ISO week, per feed, frozen when made.

Periods and first sentences (pure); the ranking (pure, with a TL;DR, counts and links); golden
files for a fixed digest site; end to end: a build after the day closes writes the digest feeds,
valid in every format and byte-identical on rerun, and later upvotes or title merges never change
a frozen digest; the skip-render check wakes at the next period boundary; empty periods and
periods before the store write nothing; export/import carries digests; a schema-1 store upgrades.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

from feedsmith import store as store_module
from feedsmith.cli import main
from feedsmith.config import load_config, with_overrides
from feedsmith.digest import make_digest
from feedsmith.jobs import build, crawl_sources
from feedsmith.model import Entry, Links
from feedsmith.periods import DAILY, WEEKLY, closed_periods, next_boundary, period_of
from feedsmith.render import site_files
from feedsmith.render.site import write_site
from feedsmith.store import SCHEMA_VERSION, Store, open_store
from feedsmith.text import first_sentence
from tests.conftest import SNAPSHOT, assert_golden, write_config
from tests.sitecheck import BASE, SCRIPT_TITLE, T0, check_feed_triplet, check_opml, fixed_digest_site

# T0 is Friday 13 March 2026, 12:00 UTC: its day closes at Saturday 00:00, its ISO week (11) at
# Monday 16 March 00:00.
DAY_CLOSED = datetime(2026, 3, 14, 0, 5, tzinfo=UTC)
WEEK_CLOSED = datetime(2026, 3, 16, 0, 5, tzinfo=UTC)
# RFC 4151: tag:<DNS name or e-mail>,<YYYY[-MM[-DD]]>:<specific> (pchar, "/" and "?")
TAG_URI = re.compile(r"^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$")


# periods and sentences ----------------------------------------------------------------------------
def test_periods_are_utc_days_and_iso_weeks() -> None:
    day = period_of(DAILY, T0)
    assert (day.name, day.start, day.end) == ("2026-03-13", datetime(2026, 3, 13, tzinfo=UTC),
                                              datetime(2026, 3, 14, tzinfo=UTC))
    assert day.label() == "Fri 13 Mar 2026"
    week = period_of(WEEKLY, T0)
    assert (week.name, week.start.date().isoformat(), week.end.date().isoformat()) == (
        "2026-W11", "2026-03-09", "2026-03-16")
    assert week.label() == "week 11 of 2026, 9–15 Mar"
    # ISO years: 1 January 2027 (a Friday) is in 2026's week 53, which spans two months
    new_year = period_of(WEEKLY, datetime(2027, 1, 1, 23, 59, tzinfo=UTC))
    assert new_year.name == "2026-W53" and new_year.label() == "week 53 of 2026, 28 Dec–3 Jan"
    # a time given in another zone is placed by its UTC day
    assert period_of(DAILY, datetime.fromisoformat("2026-03-13T23:30:00-02:00")).name == "2026-03-14"
    # closed: ended after `after` and by `now`; the boundary itself counts as closed
    assert [p.name for p in closed_periods(DAILY, after=T0, now=datetime(2026, 3, 16, tzinfo=UTC))] == [
        "2026-03-13", "2026-03-14", "2026-03-15"]
    assert closed_periods(WEEKLY, after=week.end, now=week.end + timedelta(days=6)) == []
    assert next_boundary([DAILY, WEEKLY], T0) == day.end
    assert next_boundary([WEEKLY], T0) == week.end and next_boundary([], T0) is None


def test_the_first_sentence_of_an_abstract() -> None:
    firsts = {
        "We study X. We find Y.": "We study X.",
        "Large models, e.g. GPT-4 (OpenAI et al. 2023), are strong. We test them.":
            "Large models, e.g. GPT-4 (OpenAI et al. 2023), are strong.",
        "As Fig. 2 shows, scores reach 3.5 points! More follows.":
            "As Fig. 2 shows, scores reach 3.5 points!",
        "No full stop at all": "No full stop at all",
        "  Spaces\n and\tlines. Next.": "Spaces and lines.",
    }
    assert {abstract: first_sentence(abstract) for abstract in firsts} == firsts


def test_a_long_first_sentence_is_cut_at_a_word() -> None:
    cut = first_sentence("word " * 100)
    assert len(cut) <= 301 and cut.endswith("word…")


# the ranking ---------------------------------------------------------------------------------------
def paper(n: int, **fields: Any) -> Entry:
    values: dict[str, Any] = {
        "key": f"arxiv:2603.0000{n}", "guid": f"https://arxiv.org/abs/2603.0000{n}",
        "title": f"Paper {n}", "summary": f"Paper {n} does things. It does more.",
        "authors": tuple(f"Author {a}" for a in range(n)),
        "links": Links(url=f"https://arxiv.org/abs/2603.0000{n}", pdf=f"https://arxiv.org/pdf/2603.0000{n}"),
        "first_seen": T0 - timedelta(seconds=n), "updated": T0 - timedelta(seconds=n)}
    values.update(fields)
    return Entry(**values)


def test_a_digest_ranks_by_upvotes_then_trending_rank_then_first_seen() -> None:
    entries = [paper(1, upvotes=5, rank=9), paper(2, upvotes=12), paper(3, upvotes=5, rank=2),
               paper(4), paper(5, rank=1), paper(6, upvotes=5, rank=2),
               paper(7, upvotes=0, tldr="Hugging Face says what it does.")]
    digest = make_digest("vision", "Vision", period_of(DAILY, T0), entries, top=6, base_url=BASE,
                         now=DAY_CLOSED)
    # 12 upvotes; then 5 with the better rank (2, and of two such the one first seen earlier: 6
    # has the earlier first_seen), then 5 with rank 9; 0 upvotes; no upvotes: by rank, then none
    assert [item.title for item in digest.items] == ["Paper 2", "Paper 6", "Paper 3", "Paper 1",
                                                     "Paper 7", "Paper 5"]
    assert digest.papers == 7 and digest.period == "2026-03-13" and digest.end == DAY_CLOSED.replace(minute=0)
    assert digest.guid == "tag:feeds.example.org,2026-03-13:/ml/vision/daily/2026-03-13"
    assert TAG_URI.match(digest.guid)
    assert digest.title == "Vision: top papers of Fri 13 Mar 2026"
    assert digest.summary == "The top 6 of the 7 papers first seen on Fri 13 Mar 2026 in Vision."
    first, tldr = digest.items[0], digest.items[4]
    assert (first.text, first.tldr, first.upvotes, first.rank) == ("Paper 2 does things.", False, 12, None)
    assert (tldr.text, tldr.tldr) == ("Hugging Face says what it does.", True)
    for expected in ("<b>TL;DR:</b> Hugging Face says what it does.", "Paper 2 does things.",
                     "▲ 12 upvotes", "▲ 5 upvotes · trending #2", "trending #1", "Author 0, Author 1",
                     'href="https://arxiv.org/pdf/2603.00002">PDF</a>',
                     '<a href="https://arxiv.org/abs/2603.00002">Paper 2</a>'):
        assert expected in digest.content, expected
    assert "Paper 4" not in digest.content  # seventh: not in the top 6


def test_many_authors_are_summed_up() -> None:
    digest = make_digest("all", None, period_of(WEEKLY, T0), [paper(9, upvotes=1)], top=10,
                         base_url=BASE, now=WEEK_CLOSED)
    assert "Author 0, Author 1, Author 2, Author 3, Author 4, Author 5, Author 6, Author 7 and 1 more" \
        in digest.content
    assert digest.summary == "The one paper first seen in week 11 of 2026, 9–15 Mar."
    assert digest.title == "Top papers of week 11 of 2026, 9–15 Mar"


# golden files and validity of the renderer ------------------------------------------------------------
DIGEST_GOLDEN = ["all.daily.atom", "all.daily.rss", "all.daily.json", "all.weekly.atom", "feeds.opml"]


@pytest.mark.parametrize("name", DIGEST_GOLDEN)
def test_rendered_digest_file_matches_golden(name: str, update_golden: bool) -> None:
    assert_golden(site_files(fixed_digest_site())[name], f"digests-{name}", update_golden)


def check_digest_feed(site: Path, stem: str) -> list[str]:
    """The digest feed ``stem`` (``all.daily``) parses in every format (bozo 0, the same ids,
    dates and titles) and keeps the Feed Validation Service's rules; its ids."""
    ids = check_feed_triplet(site, stem)
    assert all(TAG_URI.match(i) for i in ids), ids
    atom = feedparser.parse((site / f"{stem}.atom").read_bytes())
    rss = (site / f"{stem}.rss").read_text()
    assert rss.count('<guid isPermaLink="false">tag:') == len(ids)  # a tag: id is no permalink
    updated = [e.updated for e in atom.entries]
    assert len(set(updated)) == len(updated)  # no two entries share an updated date
    page = (site / f"{stem}.html").read_text()
    for entry in atom.entries:
        page_url, anchor = entry.link.split("#")
        assert page_url == f"{BASE}{stem}.html"
        assert f'<article id="{anchor}">' in page  # every entry's link has its place on the page
        assert entry.published == entry.updated
    return ids


def test_the_fixed_digest_site_is_valid_everywhere(tmp_path: Path) -> None:
    files = site_files(fixed_digest_site())
    write_site(tmp_path, files)
    assert check_digest_feed(tmp_path, "all.daily") == [
        "tag:feeds.example.org,2026-03-13:/ml/all/daily/2026-03-13",
        "tag:feeds.example.org,2026-03-12:/ml/all/daily/2026-03-12"]
    assert check_digest_feed(tmp_path, "all.weekly") == []
    check_opml(files["feeds.opml"], ["all", "vision", "agents", "empty"], BASE,
               ["all.daily", "all.weekly"])
    daily = files["all.daily.atom"].decode()
    assert "&lt;script&gt;" not in daily.replace("&amp;lt;script&amp;gt;", "")  # escaped twice in XML
    assert SCRIPT_TITLE not in files["all.daily.html"].decode()
    assert "TL;DR with &lt;script&gt;alert(1)&lt;/script&gt; inside" in files["all.daily.html"].decode()
    topic = files["all.html"].decode()
    for ext in ("html", "atom", "rss", "json"):
        assert f'href="all.daily.{ext}"' in topic and f'href="all.weekly.{ext}"' in topic
    assert "all.daily" not in files["vision.html"].decode()  # only the feeds that have digests


# end to end: builds ---------------------------------------------------------------------------------
def hf_items(upvotes: dict[int, int], *, retitle: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """The bundled snapshot (72 papers in trending order) with ``upvotes`` (position -> count),
    an ai_summary on the third paper and ``retitle`` (position -> title)."""
    items = json.loads(SNAPSHOT.read_bytes())
    for position, count in upvotes.items():
        items[position]["paper"]["upvotes"] = count
    items[2]["paper"]["ai_summary"] = "A one-line summary from Hugging Face."
    for position, title in (retitle or {}).items():
        items[position]["paper"]["title"] = items[position]["title"] = title
    return items


def digest_files(site: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(site.iterdir())
            if re.match(r"^[a-z0-9-]+\.(daily|weekly)\.", p.name)}


def stored_digests(cache: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(cache / "store.sqlite") as db:
        return db.execute("SELECT slug, cadence, period, papers, id, record FROM digests "
                          "ORDER BY slug, cadence, period").fetchall()


@pytest.fixture
def papers(tmp_path: Path) -> tuple[Path, Path]:
    """A configuration reading ``papers.json`` (the snapshot, some papers upvoted), and the file."""
    source = tmp_path / "papers.json"
    source.write_text(json.dumps(hf_items({5: 40, 9: 40, 30: 12, 2: 3})))
    return write_config(tmp_path, [("papers", "hf-daily", str(source))]), source


def test_a_closed_day_is_frozen_once_and_never_moves(papers: tuple[Path, Path]) -> None:
    config_path, source = papers
    config = load_config(config_path)
    first = build(config, now=T0)
    site = config.site.output
    assert first.digests == 0 and check_digest_feed(site, "all.daily") == []

    after = build(config, now=DAY_CLOSED)
    assert after.digests > 0
    ids = check_digest_feed(site, "all.daily")
    assert ids == ["tag:feeds.example.org,2026-03-13:/ml/all/daily/2026-03-13"]
    atom = feedparser.parse((site / "all.daily.atom").read_bytes())
    content = atom.entries[0].content[0].value
    titles = re.findall(r'<b><a href="[^"]+">([^<]+)</a></b>', content)
    snapshot = json.loads(SNAPSHOT.read_bytes())
    # 40 upvotes (positions 5 and 9: the better trending rank first), 12, 3; then by rank
    assert titles[:5] == [snapshot[i]["title"] for i in (5, 9, 30, 2, 0)] and len(titles) == 10
    assert "<b>TL;DR:</b> A one-line summary from Hugging Face." in content
    assert "▲ 40 upvotes · trending #6" in content
    assert atom.entries[0].updated == "2026-03-14T00:00:00+00:00"  # when the day closed
    assert "The top 10 of the 72 papers first seen on Fri 13 Mar 2026." in content
    for topic in load_config(config_path).topics:
        check_digest_feed(site, f"{topic.slug}.daily")
    frozen, rows = digest_files(site), stored_digests(config.site.cache)

    # later: upvotes turn around and a top paper's title is merged anew; the day's digest stays
    source.write_text(json.dumps(hf_items({5: 1, 9: 2, 30: 500, 2: 0}, retitle={5: "A new title"})))
    later = build(config, now=DAY_CLOSED + timedelta(hours=3))
    assert later.changed >= 1 and "A new title" in (site / "all.atom").read_text()
    assert digest_files(site) == frozen  # same bytes, not even rewritten
    assert stored_digests(config.site.cache) == rows

    # the week closes: a weekly digest is made with the counts of now; the daily one stays
    week = build(config, now=WEEK_CLOSED)
    weekly = feedparser.parse((site / "all.weekly.atom").read_bytes()).entries[0].content[0].value
    assert re.findall(r'<b><a href="[^"]+">([^<]+)</a></b>', weekly)[0] == snapshot[30]["title"]
    assert "▲ 500 upvotes" in weekly and "A new title" in weekly
    assert week.write is not None and not any(".daily." in name for name in week.write.written)
    assert {k: v for k, v in digest_files(site).items() if ".daily." in k} == {
        k: v for k, v in frozen.items() if ".daily." in k}


def test_a_digest_is_written_at_the_boundary_even_when_nothing_else_changed(
        papers: tuple[Path, Path]) -> None:
    config = load_config(papers[0])
    build(config, now=T0)
    quiet = build(config, now=T0 + timedelta(hours=11))
    assert quiet.write is not None and quiet.write.written == []  # skipped: nothing can change
    boundary = build(config, now=datetime(2026, 3, 14, 0, 0, 1, tzinfo=UTC))
    assert boundary.write is not None
    slugs = ["all", *(t.slug for t in config.topics)]
    with_papers = {s for s in slugs if (config.site.output / f"{s}.daily.html").read_text().count(
        "<article ") == 1}
    assert "all" in with_papers and len(with_papers) > 3
    assert sorted(boundary.write.written) == sorted(
        f"{slug}.daily.{ext}" for slug in with_papers for ext in ("atom", "rss", "json", "html"))
    again = build(config, now=datetime(2026, 3, 14, 0, 30, tzinfo=UTC))
    assert again.write is not None and again.write.written == []  # byte-identical, skipped


def test_periods_without_papers_or_before_the_store_publish_nothing(tmp_path: Path) -> None:
    source = tmp_path / "papers.json"
    items = hf_items({})
    source.write_text(json.dumps(items[:5]))
    config = load_config(write_config(tmp_path, [("papers", "hf-daily", str(source))]))
    # the store is created on Tuesday 10 March at noon: Monday and the days before it closed
    # before the store existed; Tuesday closes after, and has five papers
    tuesday = datetime(2026, 3, 10, 12, tzinfo=UTC)
    build(config, now=tuesday)
    source.write_text(json.dumps(items[5:8]))
    build(config, now=datetime(2026, 3, 12, 8, tzinfo=UTC))  # Wednesday passed with no paper
    build(config, now=WEEK_CLOSED)
    site = config.site.output
    records = [json.loads(line) for line in export_lines(tmp_path)[1:]]
    days = [(r["period"], r["papers"]) for r in records
            if "digest" in r and r["slug"] == "all" and r["cadence"] == DAILY]
    assert days == [("2026-03-10", 5), ("2026-03-11", 0), ("2026-03-12", 3), ("2026-03-13", 0),
                    ("2026-03-14", 0), ("2026-03-15", 0)]  # decided, but only two are published
    doc = json.loads((site / "all.daily.json").read_bytes())
    assert [item["id"].rsplit("/", 1)[1] for item in doc["items"]] == ["2026-03-12", "2026-03-10"]
    assert [item["summary"] for item in doc["items"]] == [
        "All 3 papers first seen on Thu 12 Mar 2026.", "All 5 papers first seen on Tue 10 Mar 2026."]
    weekly = json.loads((site / "all.weekly.json").read_bytes())
    assert [item["summary"] for item in weekly["items"]] == [
        "All 8 papers first seen in week 11 of 2026, 9–15 Mar."]


def export_lines(folder: Path) -> list[str]:
    result = CliRunner().invoke(main, ["store", "export", "--config", str(folder / "feedsmith.toml")])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_export_and_import_carry_the_digests_and_rebuild_byte_identical_feeds(
        papers: tuple[Path, Path], tmp_path: Path) -> None:
    config = load_config(papers[0])
    build(config, now=T0)
    build(config, now=DAY_CLOSED)
    lines = export_lines(tmp_path)
    header = json.loads(lines[0])
    assert header["feedsmith-store"] == store_module.EXPORT_FORMAT == 3
    kinds = ["digest" if "digest" in json.loads(line) else "entry" for line in lines[1:]]
    assert kinds == sorted(kinds, key=lambda kind: kind == "digest") and kinds.count("entry") == 72
    backup = tmp_path / "backup.jsonl"
    backup.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    restored = tmp_path / "restored"
    done = runner.invoke(main, ["store", "import", str(backup), "--config", str(papers[0]),
                                "--cache-dir", str(restored)])
    assert done.exit_code == 0, done.output
    again = runner.invoke(main, ["store", "export", "--config", str(papers[0]), "--cache-dir",
                                 str(restored)])
    assert again.output.splitlines() == lines
    out = tmp_path / "site-restored"
    build(with_overrides(config, cache=restored, output=out), now=DAY_CLOSED + timedelta(hours=1))
    assert {k: v[0] for k, v in digest_files(out).items()} == {
        k: v[0] for k, v in digest_files(config.site.output).items()}
    assert runner.invoke(main, ["store", "check", "--config", str(papers[0]), "--cache-dir",
                                str(restored)]).exit_code == 0


def test_a_schema_1_store_upgrades_and_keeps_every_entry(
        papers: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(papers[0])
    crawl_sources(config, now=T0)
    database = config.site.cache / "store.sqlite"
    with sqlite3.connect(database) as db:  # back to what the feedsmith before digests left: schema 1
        for table in ("similar_terms", "similar_examples", "digests", "digest_sent", "topic_totals"):
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version = 1")
    db.close()
    report = build(config, now=DAY_CLOSED)
    with sqlite3.connect(database) as db:  # through migrations 2 (like), 3 (digests), 4 (counts)
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert {name for (name,) in db.execute("SELECT name FROM sqlite_master")} >= {
            "similar_terms", "similar_examples", "digests", "digest_sent", "topic_totals"}
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 72
    assert report.new == 0 and report.digests > 0  # the day that closed since is made
    assert check_digest_feed(config.site.output, "all.daily")
    with open_store(config.site.cache) as store:
        assert store.check() == []


def test_a_damaged_digest_is_named_by_check_and_salvaged_around(papers: tuple[Path, Path],
                                                                tmp_path: Path) -> None:
    config = load_config(papers[0])
    build(config, now=T0)
    build(config, now=DAY_CLOSED)
    with sqlite3.connect(config.site.cache / "store.sqlite") as db:
        db.execute("UPDATE digests SET record = '{\"digest\": 1' WHERE slug = 'all' AND cadence = 'daily'")
    runner = CliRunner()
    where = ["--config", str(papers[0])]
    check = runner.invoke(main, ["store", "check", *where])
    assert check.exit_code == 1 and "digest all daily 2026-03-13: cannot be read" in check.output
    assert runner.invoke(main, ["store", "export", *where]).exit_code == 1
    salvaged = runner.invoke(main, ["store", "export", "--salvage", str(tmp_path / "s.jsonl"), *where])
    assert salvaged.exit_code == 1 and "skipped damaged digest all daily 2026-03-13" in salvaged.output
    kept = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()[1:]]
    assert sum("key" in r for r in kept) == 72 and not any(
        r.get("slug") == "all" and r.get("cadence") == DAILY for r in kept)


def test_a_build_that_made_no_digest_keeps_the_digest_files_without_reading_a_digest(
        papers: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    config_path, source = papers
    config = load_config(config_path)
    build(config, now=DAY_CLOSED)
    site = config.site.output
    frozen = digest_files(site)
    source.write_text(json.dumps(hf_items({5: 1, 9: 2, 30: 500, 2: 0}, retitle={5: "A new title"})))
    with monkeypatch.context() as patched:
        patched.setattr(Store, "digests", lambda *args, **kwargs: pytest.fail("a digest was read"))
        later = build(config, now=DAY_CLOSED + timedelta(hours=3))
    assert later.changed >= 1 and "A new title" in (site / "all.atom").read_text()
    assert digest_files(site) == frozen  # kept: same bytes, not rewritten
    # a file of theirs gone, or a setting they show changed: the digest feeds are made again
    (site / "all.daily.html").unlink()
    build(config, now=DAY_CLOSED + timedelta(hours=4))
    assert (site / "all.daily.html").read_bytes() == frozen["all.daily.html"][0]
    retitled = replace(config, site=replace(config.site, title="Other papers"))
    build(retitled, now=DAY_CLOSED + timedelta(hours=5))
    assert b"Other papers" in (site / "all.daily.atom").read_bytes()
