"""The hf-trending parser: the daily_papers?sort=trending JSON and the papers HTML pages."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from feedsmith.errors import SourceError
from feedsmith.sources import kind_named
from feedsmith.sources.hf import HF_HOST, parse_daily_papers, parse_trending
from tests.conftest import FIXTURES, SNAPSHOT

PAGES = sorted(FIXTURES.glob("hf_papers_*_page_SYNTHETIC.html"))
DAILY = FIXTURES / "hf_daily_papers_3items.json"


def page(props: object, *, before: str = "") -> bytes:
    """A papers page carrying ``props`` the way Hugging Face does: HTML-escaped in data-props."""
    escaped = html.escape(json.dumps(props), quote=True)
    return (f"<!doctype html><html><body>{before}<main>"
            f'<div class="SVELTE_HYDRATER contents" data-target="DailyPapers" data-props="{escaped}">'
            "<article>x</article></div></main></body></html>").encode()


def test_the_kind_is_registered() -> None:
    assert kind_named("hf-trending").parse is parse_trending


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_recorded_pages_give_the_api_items_with_rank_and_live_fields(path: Path) -> None:
    parsed = parse_trending(path.read_bytes(), source="trending")
    assert parsed.skipped == 0
    first, second = parsed.entries
    assert (first.key, first.guid) == ("arxiv:2605.05242", "https://arxiv.org/abs/2605.05242")
    assert first.title == ("Beyond Semantic Similarity: Rethinking Retrieval for Agentic Search via "
                           "Direct Corpus Interaction")
    assert first.authors[:3] == ("Zhuofeng Li", "Haoxiang Zhang", "Cong Wei")
    assert (first.rank, first.upvotes, first.comments) == (1, 86, 3)
    assert (second.key, second.rank, second.upvotes) == ("arxiv:2605.06548", 2, 68)
    assert second.title == "Continuous Latent Diffusion Language Model"
    assert first.links.hf == f"https://{HF_HOST}/papers/2605.05242"
    assert first.links.code == "https://github.com/DCI-Agent/DCI-Agent-Lite"
    assert second.links.project == "https://hongcanguo.github.io/Cola-DLM/"
    assert first.paper_date is not None and first.paper_date.isoformat() == "2026-05-03T00:00:00+00:00"
    assert first.hf_day == "2026-05-08"
    assert first.sources == ("trending",)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_page_and_the_api_give_the_same_entries(path: Path) -> None:
    from_page = parse_trending(path.read_bytes(), source="s").entries
    from_api = parse_daily_papers(DAILY.read_bytes(), source="s").entries[:2]
    assert from_page == from_api


def test_trending_api_json_keeps_the_trending_order_as_rank() -> None:
    parsed = parse_trending(SNAPSHOT.read_bytes(), source="s")
    assert len(parsed.entries) == 72
    assert [e.rank for e in parsed.entries] == list(range(1, 73))
    assert parsed.entries[0].key == "arxiv:2410.00086"
    bom = parse_trending(b"\xef\xbb\xbf " + DAILY.read_bytes(), source="s")
    assert [e.arxiv_id for e in bom.entries] == ["2605.05242", "2605.06548", "2605.06130"]


def test_escaped_text_and_other_hydraters_are_read_correctly() -> None:
    item = json.loads(DAILY.read_bytes())[0]
    item["paper"]["title"] = 'Quotes "x" & <angle> brackets'
    decoy = ('<div class="SVELTE_HYDRATER contents" data-target="UserMenu" '
             'data-props="{&quot;dailyPapers&quot;:[]}"></div>')
    parsed = parse_trending(page({"dailyPapers": [item], "isTrending": True}, before=decoy),
                            source="s")
    assert [e.arxiv_id for e in parsed.entries] == ["2605.05242"]
    assert parsed.entries[0].title == 'Quotes "x" & brackets'  # markup in titles is stripped


def test_bad_items_in_a_page_are_skipped_and_counted() -> None:
    good = json.loads(DAILY.read_bytes())[1]
    parsed = parse_trending(page({"dailyPapers": [{"paper": {"title": "no id"}}, good]}),
                            source="s")
    assert [(e.arxiv_id, e.rank) for e in parsed.entries] == [("2605.06548", 2)]
    assert parsed.skipped == 1


@pytest.mark.parametrize("data, reason", [
    (b"<html><body><p>Rate limited</p></body></html>", "no DailyPapers data"),
    (b"", "no DailyPapers data"),
    (b'<div data-target="DailyPapers" data-props="{not json"></div>', "not valid JSON"),
    (b'<div data-target="DailyPapers" data-props="[1, 2]"></div>', "no dailyPapers list"),
    (b"[{", "not valid JSON"),
])
def test_unusable_pages_raise_source_error(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse_trending(data, source="s")
