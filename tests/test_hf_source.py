"""The hf-daily parser on recorded Hugging Face responses and the bundled snapshot."""

from __future__ import annotations

import json

import pytest

from feedsmith.errors import SourceError
from feedsmith.sources.hf import HF_HOST, parse_daily_papers
from tests.conftest import FIXTURES, SNAPSHOT


def test_snapshot_gives_all_72_papers_in_trending_order() -> None:
    parsed = parse_daily_papers(SNAPSHOT.read_bytes(), source="snap")
    assert len(parsed.entries) == 72 and parsed.skipped == 0
    first = parsed.entries[0]
    assert first.key == "arxiv:2410.00086"
    assert first.guid == "https://arxiv.org/abs/2410.00086"
    assert first.rank == 1 and parsed.entries[-1].rank == 72
    assert first.authors[:2] == ("Zhen Han", "Zeyinzi Jiang")
    assert first.links.hf == f"https://{HF_HOST}/papers/2410.00086"
    assert first.paper_date is not None and first.paper_date.tzinfo is not None
    assert len({e.key for e in parsed.entries}) == 72


def test_snapshot_tolerates_missing_dates_and_authors() -> None:
    parsed = parse_daily_papers(SNAPSHOT.read_bytes(), source="snap")
    assert sum(e.paper_date is None for e in parsed.entries) == 9
    assert sum(not e.authors for e in parsed.entries) == 6


def test_recorded_daily_papers_keep_live_fields() -> None:
    parsed = parse_daily_papers((FIXTURES / "hf_daily_papers_3items.json").read_bytes(), source="d")
    first, second, third = parsed.entries
    assert first.arxiv_id == "2605.05242"
    assert first.upvotes == 86 and first.comments == 3
    assert first.links.code == \
        "https://github.com/DCI-Agent/DCI-Agent-Lite"
    assert first.hf_day == "2026-05-08"
    assert "dense retrieval" in first.keywords
    assert first.thumbnail and first.thumbnail.startswith("https://")
    assert second.links.project is not None
    assert third.links.code is None and third.links.project is None


def test_bad_items_are_skipped_and_counted() -> None:
    good = json.loads(SNAPSHOT.read_bytes())[0]
    data = json.dumps([None, {"paper": None}, {"paper": {"id": 5, "title": "x"}},
                       {"paper": {"id": "2401.00001"}}, good]).encode()
    parsed = parse_daily_papers(data, source="s")
    assert [e.arxiv_id for e in parsed.entries] == ["2410.00086"]
    assert parsed.skipped == 4


@pytest.mark.parametrize("data", [b"", b"[{", b'{"error": "x"}', b"\xff\xfe", b"42"])
def test_unusable_responses_raise_source_error(data: bytes) -> None:
    with pytest.raises(SourceError):
        parse_daily_papers(data, source="s")


def test_tldr_organization_and_stars_are_kept_and_older_records_stay_byte_identical() -> None:
    from feedsmith.model import Organization, entry_from_record, entry_to_record
    from feedsmith.sources.hf import parse_daily_papers
    from tests.conftest import FIXTURES, SNAPSHOT

    first, second, third = parse_daily_papers(
        (FIXTURES / "hf_daily_papers_3items.json").read_bytes(), source="hf").entries
    assert first.tldr and first.tldr.startswith("Direct corpus interaction")
    assert first.organization == Organization("TIGER-Lab", "6313a90017838d05194fd282", "TIGER-Lab")
    assert first.stars == 101 and second.stars is None
    assert second.organization is not None and second.organization.fullname == "ByteDance Seed"
    assert third.organization is None and third.tldr
    assert entry_from_record(entry_to_record(first)) == first
    snapshot = parse_daily_papers(SNAPSHOT.read_bytes(), source="snap").entries[0]
    assert not {"tldr", "organization", "stars"} & set(entry_to_record(snapshot))
