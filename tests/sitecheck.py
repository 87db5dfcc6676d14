"""Test helpers for rendered sites: a fixed small site (hostile titles included, and the three
recorded Hugging Face items with a TL;DR, organisation, stars and upvotes) and checkers for each
format (JSON Feed 1.1 rules, Atom/RSS/JSON agreement, OPML)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import feedparser
import listparser

from feedsmith.digest import make_digest
from feedsmith.model import Digest, Entry, Links
from feedsmith.periods import DAILY, WEEKLY, period_of
from feedsmith.render import DigestView, FeedView, SiteView
from feedsmith.render.view import ET_AL, MAX_AUTHORS
from feedsmith.sources.hf import HF_HOST, parse_daily_papers

BASE = "https://feeds.example.org/ml/"
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
RECORDED = Path(__file__).resolve().parent / "fixtures" / "hf_daily_papers_3items.json"
RECORDED_TOPICS = {"2605.05242": ("agents",), "2605.06548": (), "2605.06130": ("agents",)}
SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_TITLE = "<img src=x onerror=alert(1)>"


def recorded_entries() -> tuple[Entry, ...]:
    """The three recorded daily_papers items as the hf source reads them (TL;DR, organisation,
    upvotes, comments; the first with 19 authors and GitHub stars), first seen 10-12 s before
    ``T0``, the first and third in topic ``agents``."""
    parsed = parse_daily_papers(RECORDED.read_bytes(), source="hf").entries
    return tuple(replace(entry, first_seen=T0 - timedelta(seconds=10 + i),
                         updated=T0 - timedelta(seconds=10 + i),
                         topics=RECORDED_TOPICS[entry.arxiv_id or ""])
                 for i, entry in enumerate(parsed))


def fixed_entries() -> tuple[Entry, ...]:
    """Six entries, newest first: a full arXiv paper, a hostile non-arXiv item, a bare paper and
    the three recorded Hugging Face items."""
    paper = Entry(
        key="arxiv:2410.00086", guid="https://arxiv.org/abs/2410.00086",
        title="ACE: All-round Creator & Editor", summary="Diffusion models <are> powerful & general.",
        authors=("Zhen Han", "Zeyinzi Jiang"),
        links=Links(url="https://arxiv.org/abs/2410.00086", pdf="https://arxiv.org/pdf/2410.00086",
                    hf=f"https://{HF_HOST}/papers/2410.00086", code="https://github.com/ali-vilab/ace",
                    project="https://ali-vilab.github.io/ace-page/"),
        arxiv_id="2410.00086", version=2, sources=("hf",), rank=1,
        paper_date=datetime(2024, 9, 30, tzinfo=UTC), categories=("cs.CV", "cs.AI"),
        thumbnail="https://cdn.example.org/thumbs/2410.00086.png?w=640&h=360", upvotes=42,
        first_seen=T0, updated=T0, topics=("vision",))
    hostile = Entry(
        key="item:example.org/7", guid="tag:example.org,2026:item-7", title=IMG_TITLE,
        summary=SCRIPT_TITLE, authors=(SCRIPT_TITLE,),
        links=Links(url="https://example.org/post?a=1&b=2"), sources=("blog",),
        categories=(IMG_TITLE,), first_seen=T0.replace(second=59, minute=59, hour=11),
        updated=T0.replace(second=59, minute=59, hour=11), topics=("vision",))
    bare = Entry(
        key="arxiv:2501.00001", guid="https://arxiv.org/abs/2501.00001", title="A bare paper",
        links=Links(url="https://arxiv.org/abs/2501.00001"), arxiv_id="2501.00001",
        first_seen=T0.replace(hour=11, minute=59, second=58),
        updated=T0.replace(hour=11, minute=59, second=58))
    return (paper, hostile, bare, *recorded_entries())


def fixed_site(base: str = BASE) -> SiteView:
    """A site with ``all`` (6 entries), ``vision`` (2, one hostile), ``agents`` (2 recorded
    items) and ``empty`` (none)."""
    entries = fixed_entries()
    vision = tuple(e for e in entries if "vision" in e.topics)
    agents = tuple(e for e in entries if "agents" in e.topics)
    views = (
        FeedView("all", "Test: all papers", "Every paper.", base, entries, T0, 6, "All papers"),
        FeedView("vision", "Test: Vision <&> images", "Vision papers & <b>images</b>.", base, vision,
                 T0, 2, "Vision <&> images"),
        FeedView("agents", "Test: Agents", "Agents and search.", base, agents, agents[0].updated
                 or T0, 2, "Agents"),
        FeedView("empty", "Test: Empty", "Nothing matches yet.", base, (), CREATED, 0, "Empty"),
    )
    return SiteView("Test site", "Papers for tests.", "Test Author", base, views)


def fixed_digests() -> tuple[Digest, ...]:
    """Two daily digests of ``all``, newest first: 13 March (the three fixed entries, top 2
    shown; the hostile one has a TL;DR) and 12 March (one paper)."""
    paper, hostile, bare = fixed_entries()[:3]
    hostile = replace(hostile, upvotes=7, tldr=f"TL;DR with {SCRIPT_TITLE} inside")
    earlier = replace(bare, key="arxiv:2501.00002", guid="https://arxiv.org/abs/2501.00002",
                      title="An earlier paper", summary="It came first. Then more.",
                      links=Links(url="https://arxiv.org/abs/2501.00002"), arxiv_id="2501.00002",
                      first_seen=T0 - timedelta(days=1), rank=4)
    today, yesterday = period_of(DAILY, T0), period_of(DAILY, T0 - timedelta(days=1))
    return (make_digest("all", None, today, [bare, hostile, paper], top=2, base_url=BASE,
                        now=today.end + timedelta(minutes=17)),
            make_digest("all", None, yesterday, [earlier], top=2, base_url=BASE,
                        now=yesterday.end + timedelta(minutes=17)))


def fixed_digest_site(base: str = BASE) -> SiteView:
    """``fixed_site`` with the digest feeds of ``all``: daily (``fixed_digests``) and weekly
    (none made yet)."""
    digests = fixed_digests()
    daily = DigestView("all", DAILY, "Test: all papers, daily digest", "The top papers of each day.",
                       base, digests, digests[0].end)
    weekly = DigestView("all", WEEKLY, "Test: all papers, weekly digest",
                        "The top papers of each week.", base, (), CREATED)
    return replace(fixed_site(base), digests=(daily, weekly))


def is_digest_file(name: str) -> bool:
    """Whether ``name`` is a digest feed's file (``vision.daily.atom``, ``all.weekly.html``),
    which a build after a day or week closes writes although no entry changed."""
    return name.count(".") == 2 and name.split(".")[1] in (DAILY, WEEKLY)


OWN_SCRIPTS = tuple(re.findall(r"<script\b.*?</script>", (
    Path(__file__).resolve().parent.parent / "feedsmith" / "templates" / "search.html").read_text(),
    re.DOTALL))


def without_own_scripts(page: str) -> str:
    """``page`` without feedsmith's own search scripts (those of ``search.html``, which name
    nothing a source gave): whatever script is left came from somewhere else."""
    assert OWN_SCRIPTS
    for script in OWN_SCRIPTS:
        page = page.replace(script, "")
    return page


def site_state(folder: Path, *, mtimes: bool = False) -> dict[str, Any]:
    """Every file in ``folder`` and its subfolders (the search bundle) by relative name: its
    bytes, or (bytes, mtime in ns) with ``mtimes``."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) if mtimes
            else p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _rfc3339(value: Any) -> datetime:
    assert isinstance(value, str) and "T" in value, value
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def check_json_feed(data: bytes) -> dict[str, Any]:
    """Check ``data`` against the JSON Feed 1.1 rules; the parsed document."""
    doc = json.loads(data)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(doc["title"], str) and doc["title"]
    for key in ("home_page_url", "feed_url"):
        assert doc[key].startswith(("http://", "https://"))
    assert isinstance(doc["items"], list)
    for author in doc.get("authors", []):
        assert set(author) <= {"name", "url", "avatar"} and author

    def no_nulls(value: Any) -> None:
        assert value is not None
        if isinstance(value, dict):
            for v in value.values():
                no_nulls(v)
        elif isinstance(value, list):
            for v in value:
                no_nulls(v)

    no_nulls(doc)
    ids = [item["id"] for item in doc["items"]]
    assert len(ids) == len(set(ids))
    for item in doc["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str)
        assert isinstance(item["title"], str)
        assert item["url"].startswith(("http://", "https://"))
        for key in ("date_published", "date_modified"):
            if key in item:
                _rfc3339(item[key])
        for author in item.get("authors", []):
            assert set(author) <= {"name", "url", "avatar"} and author
        assert all(isinstance(t, str) for t in item.get("tags", []))
        if "image" in item:
            assert item["image"].startswith(("http://", "https://"))
    return doc


def _when(struct: Any) -> datetime:
    return datetime(*struct[:6], tzinfo=UTC)


def check_feed_triplet(folder: Path, slug: str) -> list[str]:
    """Parse ``slug``'s Atom, RSS and JSON Feed in ``folder``; assert they agree on ids, dates and
    counts; the ids in feed order."""
    atom = feedparser.parse((folder / f"{slug}.atom").read_bytes())
    rss = feedparser.parse((folder / f"{slug}.rss").read_bytes())
    for parsed in (atom, rss):
        assert parsed.bozo == 0, (slug, parsed.get("bozo_exception"))
    doc = check_json_feed((folder / f"{slug}.json").read_bytes())
    ids = [item["id"] for item in doc["items"]]
    assert [e.id for e in atom.entries] == ids
    assert [e.id for e in rss.entries] == ids
    for a, r, j in zip(atom.entries, rss.entries, doc["items"], strict=True):
        published = _rfc3339(j["date_published"])
        assert _when(a.published_parsed) == published == _when(r.published_parsed)
        assert _when(a.updated_parsed) == _rfc3339(j["date_modified"])
        assert a.title == r.title == j["title"]
        assert len(a.links) == 1  # feedgen bug #135: exactly one link per entry
        check_entry_agrees(a, r, j)
    # W3C Feed Validation Service rules feedparser does not check: Atom needs an author (the
    # feed's covers every entry) and an alternate link; RSS a channel link; no duplicate ids
    assert atom.feed.author_detail["name"] and doc["authors"][0]["name"]
    page = doc["home_page_url"]
    assert ("alternate", "text/html", page) in {(x.rel, x.type, x.href) for x in atom.feed.links}
    assert rss.feed.link == page
    for document in ("atom", "rss"):
        head = (folder / f"{slug}.{document}").read_bytes().split(b"\n")[:2]
        assert head[0].startswith(b"<?xml ") and not head[1].startswith(b"<?xml-stylesheet")
    return ids


def check_entry_agrees(atom: Any, rss: Any, item: dict[str, Any]) -> None:
    """One entry's authors, categories and summary are the same in Atom, RSS and JSON Feed:
    Atom one ``author`` per person, RSS one ``dc:creator`` line, JSON Feed ``authors``, at most
    ``MAX_AUTHORS`` then "et al."; Atom ``category`` term/scheme/label, RSS category (label or
    term, domain), JSON Feed tags; the summary (the TL;DR when there is one) starts the RSS
    description."""
    names = [author["name"] for author in item.get("authors", [])]
    assert [author["name"] for author in atom.get("authors", [])] == names
    assert rss.get("author") == (", ".join(names) if names else None)
    assert len(names) <= MAX_AUTHORS or (len(names) == MAX_AUTHORS + 1 and names[-1] == ET_AL)
    atom_tags = [(t.term, t.scheme, t.label) for t in atom.get("tags", [])]
    assert [(t.term, t.scheme) for t in rss.get("tags", [])] == [
        (label or term, scheme) for term, scheme, label in atom_tags]
    assert item.get("tags", []) == list(dict.fromkeys(label or term for term, _, label in atom_tags))
    assert atom.summary == item["summary"]
    assert rss.summary.removeprefix("<p>").startswith(escape(item["summary"], quote=False))


def check_opml(data: bytes, slugs: list[str], base: str, digests: list[str] | None = None) -> None:
    """Parse ``data`` with listparser: ``all`` (``slugs[0]``) an rss outline of its own, then one
    folder holding an rss outline per topic, then, with ``digests`` (``all.daily``...), a
    ``Digests`` folder holding one per digest feed, each with absolute Atom/HTML URLs."""
    digests = digests or []
    result = listparser.parse(data)
    assert result.bozo == 0, result.get("bozo_exception")
    urls = [feed.url for feed in result.feeds]
    assert urls == [f"{base}{stem}.atom" for stem in [*slugs, *digests]]
    body = ET.fromstring(data).find("body")
    assert body is not None
    first, *folders = list(body)
    assert (first.get("type"), first.get("htmlUrl")) == ("rss", f"{base}{slugs[0]}.html")
    if len(slugs) > 1:
        folder, *folders = folders
        assert set(folder.attrib) == {"text"}  # a folder: no type, so nothing but its text
        assert [(o.get("type"), o.get("htmlUrl")) for o in folder] == [
            ("rss", f"{base}{slug}.html") for slug in slugs[1:]]
        assert [f.categories for f in result.feeds[1:len(slugs)]] == [
            [[folder.get("text")]]] * (len(slugs) - 1)
    if digests:
        folder, *folders = folders
        assert folder.attrib == {"text": "Digests"}
        assert [(o.get("type"), o.get("htmlUrl")) for o in folder] == [
            ("rss", f"{base}{stem}.html") for stem in digests]
        assert [f.categories for f in result.feeds[len(slugs):]] == [[["Digests"]]] * len(digests)
    assert folders == []
