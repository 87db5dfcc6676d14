"""The renderer: fixed entries in, every site file out; golden files, escaping, the default build
parsed in every format, removed topics, empty topics.

Golden files live in tests/golden/; regenerate them after an intended change with
``pytest tests/test_render.py --update-golden`` (or FEEDSMITH_UPDATE_GOLDEN=1) and review the diff.
"""

from __future__ import annotations

import json
from dataclasses import fields
from dataclasses import replace as dataclass_replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feedsmith.config import load_config
from feedsmith.jobs import build
from feedsmith.merge import VISIBLE_FIELDS
from feedsmith.model import Entry, Organization
from feedsmith.periods import CADENCES
from feedsmith.render import feeds, site_files
from feedsmith.render.content import EntryHTML, entry_html
from feedsmith.render.site import write_site
from tests.conftest import assert_golden, write_config
from tests.sitecheck import (
    BASE,
    CREATED,
    IMG_TITLE,
    SCRIPT_TITLE,
    T0,
    check_feed_triplet,
    check_json_feed,
    check_opml,
    fixed_entries,
    fixed_site,
    recorded_entries,
)

GOLDEN_FILES = ["all.atom", "all.rss", "all.json", "vision.html", "agents.html", "empty.atom",
                "empty.rss", "empty.json", "feeds.opml", "index.html"]


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_rendered_file_matches_golden(name: str, update_golden: bool) -> None:
    assert_golden(site_files(fixed_site())[name], f"site-{name}", update_golden)


def test_rendering_is_deterministic() -> None:
    assert site_files(fixed_site()) == site_files(fixed_site())


def test_fixed_site_parses_in_every_format(tmp_path: Path) -> None:
    write_site(tmp_path, site_files(fixed_site()))
    assert check_feed_triplet(tmp_path, "all") == [e.guid for e in fixed_entries()]
    assert check_feed_triplet(tmp_path, "vision") == [e.guid for e in fixed_entries()[:2]]
    assert check_feed_triplet(tmp_path, "agents") == [e.guid for e in recorded_entries()[::2]]
    assert check_feed_triplet(tmp_path, "empty") == []
    check_opml((tmp_path / "feeds.opml").read_bytes(), ["all", "vision", "agents", "empty"], BASE)


def test_hostile_text_shows_as_text_in_every_format(tmp_path: Path) -> None:
    files = site_files(fixed_site())
    write_site(tmp_path, files)
    for ext in ("atom", "rss"):
        parsed = feedparser.parse(files[f"all.{ext}"])
        assert parsed.bozo == 0
        assert parsed.entries[1].title == IMG_TITLE
    doc = json.loads(files["all.json"])
    hostile = doc["items"][1]
    assert hostile["title"] == IMG_TITLE and hostile["summary"] == SCRIPT_TITLE
    assert hostile["tags"] == ["Vision <&> images", IMG_TITLE]
    for html in (hostile["content_html"], entry_html(fixed_entries()[1])):
        assert "<script" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for name in ("index.html", "all.html", "vision.html"):
        page = files[name].decode()
        assert "<script" not in page and "<img src=x" not in page, name
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, name
    # the search page runs feedsmith's own script, and names nothing a source gave
    assert "alert" not in files["search.html"].decode()
    vision = files["vision.html"].decode()
    assert "Vision &lt;&amp;&gt; images" in vision and "&lt;b&gt;images&lt;/b&gt;" in vision
    # the one link with a query string stays one escaped attribute
    assert 'href="https://example.org/post?a=1&amp;b=2"' in files["all.html"].decode()


@pytest.mark.parametrize("rss", [False, True], ids=["atom", "rss"])
def test_feeds_are_the_bytes_feedgen_writes_with_every_entry_added_to_it(rss: bool) -> None:
    # Each entry is written once and its piece set into every feed that lists it: the result is
    # what feedgen writes of the whole feed, hostile text, thumbnails, authors and all.
    site = fixed_site()
    for view in site.feeds:
        fg = feeds.with_dc(feeds.feed_generator(view, site, rss=rss), rss=rss)
        for entry in view.entries:
            feeds.add_entry_to(fg, entry, site, EntryHTML(), rss=rss)
        whole = feeds.serialize(fg, rss=rss)
        assert (feeds.rss if rss else feeds.atom)(view, site) == whole, view.slug


def test_entry_content_has_links_categories_and_thumbnail() -> None:
    files = site_files(fixed_site())
    content = json.loads(files["all.json"])["items"][0]["content_html"]
    for expected in ('href="https://arxiv.org/abs/2410.00086"', 'href="https://arxiv.org/pdf/2410.00086"',
                     "/papers/2410.00086", 'href="https://github.com/ali-vilab/ace"',
                     'href="https://ali-vilab.github.io/ace-page/"', "cs.CV, cs.AI",
                     '<img src="https://cdn.example.org/thumbs/2410.00086.png?w=640&amp;h=360"',
                     "Zhen Han, Zeyinzi Jiang"):
        assert expected in content, expected
    atom = files["all.atom"].decode()
    assert '<media:thumbnail url="https://cdn.example.org/thumbs/2410.00086.png?w=640&amp;h=360"' in atom


FEED_FILES = ("all.atom", "all.rss", "all.json", "agents.atom", "agents.rss", "agents.json",
              "vision.atom", "feeds.opml")


def test_live_numbers_and_store_bookkeeping_never_reach_feed_bytes() -> None:
    """Upvotes, comments, stars, rank, organisation and the store's own fields change without
    moving ``updated`` (they are not among merge.VISIBLE_FIELDS): no feed byte may depend on them,
    or feeds would churn every day. The pages show the live numbers."""
    site = fixed_site()
    before = site_files(site)
    churn = {"upvotes": 917, "comments": 913, "stars": 911, "rank": 97,
             "organization": Organization("churn-org", "x", "Churned Org"), "keywords": ("churned",),
             "hf_day": "2099-01-01", "announce_type": "replace", "sources": ("elsewhere",),
             "origin": "feed", "provenance": (), "history": ()}
    identity = {"key", "guid", "arxiv_id", "first_seen", "updated", "topics"}
    # every Entry field is visible (merge.VISIBLE_FIELDS; links.* are), identity, or varied here
    assert {f.name for f in fields(Entry)} - VISIBLE_FIELDS - identity - set(churn) == {"links"}
    churned = {entry.key: dataclass_replace(entry, **churn) for entry in fixed_entries()}
    after = site_files(dataclass_replace(site, feeds=tuple(
        dataclass_replace(view, entries=tuple(churned[e.key] for e in view.entries))
        for view in site.feeds)))
    for name in FEED_FILES:
        assert after[name] == before[name], name
    agents = after["agents.html"].decode()
    assert all(text in agents for text in ("917 upvotes", "913 comments", "★ 911", "trending #97",
                                           "Churned Org"))
    page = before["agents.html"].decode()  # the recorded numbers, on the page only
    assert "86 upvotes" in page and "★ 101" in page and "3 comments" in page and "TIGER-Lab" in page
    for name in FEED_FILES:
        assert "TIGER-Lab" not in before[name].decode(), name


def test_index_lists_every_topic_with_its_count_newest_titles_and_subscribe_links() -> None:
    index = site_files(fixed_site())["index.html"].decode()
    assert '<meta name="viewport"' in index and "<script" not in index
    for kind, ext in (("application/atom+xml", "atom"), ("application/rss+xml", "rss"),
                      ("application/feed+json", "json")):
        assert f'<link rel="alternate" type="{kind}"' in index and f'href="all.{ext}"' in index
    for slug in ("all", "vision", "agents", "empty"):
        assert f'href="{slug}.html"' in index
        for ext in ("atom", "rss", "json"):
            assert f'<a href="{slug}.{ext}"' in index
        assert f'id="topic-{slug}"' in index
    assert '<h2><a href="agents.html">Agents</a></h2>' in index  # the site name is said once
    assert index.count("Test site") == 2  # the <title> and the <h1>
    assert "6 papers" in index and "0 papers" in index and "No papers yet." in index
    newest = index.split('id="topic-all"')[1].split("</ul>")[0]
    assert newest.count("<li>") == 3  # the newest three titles, linking into the topic page
    assert '<a href="all.html#arxiv-2410.00086">ACE: All-round Creator &amp; Editor</a>' in newest
    assert "2026-01-02 03:04 UTC" in index  # the empty topic: the store's creation date
    assert "http" not in index.split("<body")[1]  # relative links only


def test_topic_page_shows_tldr_authors_topics_links_and_a_folded_abstract() -> None:
    page = site_files(fixed_site())["agents.html"].decode()
    article = page.split('<h2 id="arxiv-2605.05242">')[1].split("</article>")[0]
    tldr = recorded_entries()[0].tldr or ""
    assert article.index(tldr) < article.index("Zhuofeng Li") < article.index("<details>")
    assert "Hangxiao Zhu, Ming Zhong, et al.</p>" in article  # 19 authors: the first ten
    assert '<a href="agents.html">Agents</a>' in article
    assert '<a href="https://github.com/DCI-Agent/DCI-Agent-Lite">Code</a> <span class="stars"' in article
    assert "<details>\n<summary>Abstract</summary>\n<p>Modern retrieval systems" in article
    assert '<main data-pagefind-body>' in page and "<img" not in page  # no thumbnail: no other host


def test_default_build_parses_everywhere(snapshot_config: Path) -> None:
    config = load_config(snapshot_config)
    report = build(config, now=T0)
    site = config.site.output
    slugs = list(report.topic_counts)
    for slug in slugs:
        assert len(check_feed_triplet(site, slug)) == report.topic_counts[slug]
    digests = [f"{slug}.{cadence}" for slug in slugs for cadence in CADENCES]
    check_opml((site / "feeds.opml").read_bytes(), slugs, "https://feeds.example.org/ml/", digests)
    for stem in digests:
        assert check_feed_triplet(site, stem) == []  # no day or week has closed yet
    assert (site / "style.css").read_bytes().startswith(b"/*")
    assert not (site / "feed.css").exists()


def test_removed_topic_loses_its_files_and_other_files_stay(tmp_path: Path) -> None:
    from tests.conftest import SNAPSHOT

    topics = tmp_path / "topics.toml"
    topics.write_text('[topics.vision]\ntitle = "Vision"\nany = ["image"]\n'
                      '[topics.agents]\ntitle = "Agents"\nany = ["agent"]\n')
    path = write_config(tmp_path, [("s", "hf-daily", str(SNAPSHOT))], topics=topics)
    build(load_config(path), now=T0)
    site = tmp_path / "site"
    (site / "CNAME").write_text("feeds.example.org\n")
    assert (site / "agents.json").is_file()
    topics.write_text('[topics.vision]\ntitle = "Vision"\nany = ["image"]\n')
    report = build(load_config(path), now=T0.replace(hour=13))
    assert report.write is not None
    assert sorted(n for n in report.write.removed if "/" not in n) == sorted(
        f"agents{digest}.{ext}" for digest in ("", ".daily", ".weekly")
        for ext in ("atom", "html", "json", "rss"))
    assert not any((site / n).exists() for n in report.write.removed)  # search chunks as well
    assert not any(site.glob("agents.*"))
    assert (site / "CNAME").read_text() == "feeds.example.org\n"
    assert "agents" not in (site / "feeds.opml").read_text()


def test_empty_topic_gets_valid_feeds_dated_by_store_creation(tmp_path: Path) -> None:
    from tests.conftest import SNAPSHOT

    topics = tmp_path / "topics.toml"
    topics.write_text('[topics.nothing]\ntitle = "Nothing"\nany = ["zzzqqq"]\n')
    config = load_config(write_config(tmp_path, [("s", "hf-daily", str(SNAPSHOT))], topics=topics))
    build(config, now=CREATED)
    build(config, now=T0)
    site = config.site.output
    assert check_feed_triplet(site, "nothing") == []
    atom = feedparser.parse((site / "nothing.atom").read_bytes())
    assert atom.feed.updated == CREATED.isoformat()
    assert datetime(*atom.feed.updated_parsed[:6], tzinfo=UTC) == CREATED
    assert check_json_feed((site / "nothing.json").read_bytes())["items"] == []
