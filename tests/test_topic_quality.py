"""The hand labels the default topics are measured against, and the held-out floors."""

from __future__ import annotations

from collections import Counter

import pytest

from tests import quality


def test_every_labelled_paper_is_real_has_a_half_and_a_reason_for_each_label() -> None:
    data = quality.load_labels()
    entries = {e.arxiv_id: e for e in quality.labelled_entries(data)}
    assert len(entries) == len(data["papers"]) == 231
    for arxiv_id, paper in data["papers"].items():
        assert paper["title"] == entries[arxiv_id].title
        assert paper["split"] in quality.HALVES
        for topic, reason in [*paper["topics"].items(), *paper.get("not", {}).items()]:
            assert topic in data["definitions"], (arxiv_id, topic)
            assert reason.strip() and "\n" not in reason, (arxiv_id, topic)
        assert not set(paper["topics"]) & set(paper.get("not", {})), arxiv_id


# the listings of the second batch of listing papers: the first 25 papers of each (by arXiv category)
SECOND_BATCH_FILES = tuple(f"data/{day}.jsonl" for day in
                           ("2025-07-15", "2025-10-15", "2026-01-15", "2026-04-15"))


def test_every_half_is_the_one_the_split_rule_gives() -> None:
    papers = quality.load_labels()["papers"]
    recorded = {arxiv_id: paper["split"] for arxiv_id, paper in papers.items()}
    # the 82 papers labelled first (no `source`: they come from the snapshot and the fixtures) were
    # split by the rule all at once; the 49 first listing papers were placed later by the same rule
    # without moving any of them, and the 100 of the second batch after them, moving none
    first = {a: h for a, h in recorded.items() if "source" not in papers[a]}
    second_batch = {a for a, p in papers.items()
                    if p.get("source", "").endswith(SECOND_BATCH_FILES)}
    assert len(first) == 82 and len(second_batch) == 100
    assert quality.assign_halves({a: papers[a]["topics"] for a in first}) == first
    before = {a: h for a, h in recorded.items() if a not in second_batch}
    assert quality.assign_halves({a: papers[a]["topics"] for a in before}, first) == before
    assert quality.assign_halves({a: p["topics"] for a, p in papers.items()}, before) == recorded


def test_the_halves_are_stratified_with_three_positives_a_side() -> None:
    papers = quality.load_labels()["papers"].values()
    sides = {half: Counter(t for p in papers if p["split"] == half for t in p["topics"])
             for half in quality.HALVES}
    # the rule balances each topic and the papers without a topic, not the halves' totals
    untopical = Counter(p["split"] for p in papers if not p["topics"])
    assert abs(untopical[quality.TUNE] - untopical[quality.HELD_OUT]) <= 1
    for topic in quality.load_labels()["definitions"]:
        tune, held = sides[quality.TUNE][topic], sides[quality.HELD_OUT][topic]
        assert held >= 3, topic
        assert tune >= 3, topic
        assert abs(tune - held) <= 1, topic


def test_held_out_figures_stay_at_or_above_their_floors() -> None:
    halves = quality.score()
    assert set(quality.HELD_OUT_FLOORS) == set(halves[quality.HELD_OUT].per_topic)
    assert quality.below_floor(halves) == [], quality.table(halves, misses=quality.HELD_OUT)


@pytest.mark.xfail(strict=True, reason="issue 16, first bullet, not met after one honest retune on "
                   "the 231-paper labels: fine-tuning R, reasoning P, data R and the micro-average "
                   "(P and R) are short on the held-out half (docs/topics.md)")
def test_held_out_figures_reach_the_issue_16_goal() -> None:
    assert quality.short_of_goal(quality.score()) == []


def test_tuning_half_figures() -> None:
    micro = quality.score()[quality.TUNE].micro
    assert micro.precision >= 0.95 and micro.recall >= 0.95


def test_no_topic_holds_more_than_35_percent_of_the_snapshot_unless_the_labels_do() -> None:
    shares, labelled = quality.shares(), quality.label_shares()
    papers = len(quality.snapshot_entries())
    for slug, share in shares.items():
        assert share <= max(quality.MAX_SHARE, labelled[slug] + 1 / papers), (slug, share)
    assert labelled["multimodal"] > quality.MAX_SHARE  # the snapshot is heavy on multimodal models
