"""End to end: one paper arriving through hf-daily, hf-trending, arxiv-api and arxiv-rss (with
version suffixes) is one entry in the store and in every feed the site publishes."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from feedsmith.config import load_config
from feedsmith.jobs import build
from feedsmith.store import open_store
from tests.conftest import write_config

T0 = datetime(2026, 5, 12, 8, 0, tzinfo=UTC)
PAPER = "2605.08083"
ABS = f"https://arxiv.org/abs/{PAPER}"
TITLE = "LLMs Improving LLMs: Agentic Discovery for Test-Time Scaling"
SUMMARY = "Test-time scaling (TTS) improves large language model reasoning at inference time."
AUTHORS = ["Tong Zheng", "Haolin Liu", "Heng Huang"]


def hf_item(paper_id: str) -> dict[str, object]:
    return {"paper": {"id": paper_id, "title": TITLE, "summary": SUMMARY,
                      "authors": [{"name": n} for n in AUTHORS],
                      "publishedAt": "2026-05-10T12:00:00.000Z", "upvotes": 41,
                      "submittedOnDailyAt": "2026-05-11T05:00:00.000Z"},
            "numComments": 2}


def write_sources(folder: Path) -> list[tuple[str, str, str]]:
    """The same paper in the four formats, as local files; the sources naming them."""
    (folder / "daily.json").write_text(json.dumps([hf_item(PAPER)]))
    props = html.escape(json.dumps({"dailyPapers": [hf_item(f"{PAPER}v1")], "isTrending": True}))
    (folder / "trending.html").write_text(
        "<!doctype html><html><body><main><div class=\"SVELTE_HYDRATER contents\" "
        f'data-target="DailyPapers" data-props="{props}"></div></main></body></html>')
    authors = "".join(f"<author><name>{n}</name></author>" for n in AUTHORS)
    (folder / "api.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>arXiv Query</title>'
        "<id>https://arxiv.org/api/q</id><updated>2026-05-11T11:50:16Z</updated>"
        f"<entry><id>http://arxiv.org/abs/{PAPER}v2</id><title>{TITLE}</title>"
        f"<updated>2026-05-11T12:00:00Z</updated><published>2026-05-10T12:00:00Z</published>"
        f"<summary>{SUMMARY}</summary>{authors}"
        f'<link href="https://arxiv.org/abs/{PAPER}v2" rel="alternate" type="text/html"/>'
        f'<link href="https://arxiv.org/pdf/{PAPER}v2" rel="related" type="application/pdf" '
        'title="pdf"/><category term="cs.CL"/><arxiv:primary_category term="cs.CL"/></entry></feed>')
    (folder / "rss.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8'?><rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        "<title>cs.CL updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CL</link>"
        f"<description>cs.CL</description><item><title>{TITLE}</title><link>{ABS}</link>"
        f"<description>arXiv:{PAPER}v1 Announce Type: new \nAbstract: {SUMMARY}</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{PAPER}v1</guid><category>cs.CL</category>'
        "<pubDate>Mon, 11 May 2026 00:00:00 -0400</pubDate>"
        "<arxiv:announce_type>new</arxiv:announce_type>"
        f"<dc:creator>{', '.join(AUTHORS)}</dc:creator></item></channel></rss>")
    return [("hf-daily", "hf-daily", "daily.json"), ("hf-trending", "hf-trending", "trending.html"),
            ("arxiv-api", "arxiv-api", "api.xml"), ("arxiv-rss", "arxiv-rss", "rss.xml")]


def test_one_paper_from_four_kinds_is_one_entry_everywhere(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, write_sources(tmp_path)))
    report = build(config, now=T0)
    assert report.failed == []
    assert [(s.name, s.entries) for s in report.sources] == [
        ("hf-daily", 1), ("hf-trending", 1), ("arxiv-api", 1), ("arxiv-rss", 1)]
    assert report.new == 1

    with open_store(config.site.cache) as store:
        (entry,) = list(store.entries())
    assert (entry.key, entry.guid, entry.arxiv_id) == (f"arxiv:{PAPER}", ABS, PAPER)
    assert entry.version == 2  # the highest version any source named
    assert set(entry.sources) == {"hf-daily", "hf-trending", "arxiv-api", "arxiv-rss"}
    assert entry.upvotes == 41 and entry.categories == ("cs.CL",)

    site = config.site.output
    feeds = sorted(site.glob("*.atom")) + sorted(site.glob("*.rss"))
    assert {p.name for p in feeds} >= {"all.atom", "all.rss"}
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, path.name
        assert [e.id for e in parsed.entries] in ([], [ABS]), path.name
    for path in sorted(site.glob("*.json")):  # JSON Feed files, once the renderer writes them
        document = json.loads(path.read_bytes())
        if isinstance(document, dict) and "jsonfeed.org" in str(document.get("version")):
            assert [i["id"] for i in document["items"]] in ([], [ABS]), path.name
    assert [e.id for e in feedparser.parse((site / "all.atom").read_bytes()).entries] == [ABS]

    again = build(config, now=T0.replace(hour=9))
    assert again.new == 0 and again.failed == []
