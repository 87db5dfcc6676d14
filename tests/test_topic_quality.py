"""The hand labels the default topics are measured against, and the held-out floors."""

from __future__ import annotations

from collections import Counter

from tests import quality

# The topics that have fewer than 6 real labelled papers offline, and so fewer than 3 on one side.
SHORT = {"image-generation", "reasoning", "multilingual"}


def test_every_labelled_paper_is_real_has_a_half_and_a_reason_for_each_label() -> None:
    data = quality.load_labels()
    entries = {e.arxiv_id: e for e in quality.labelled_entries(data)}
    assert len(entries) == len(data["papers"]) == 82
    for arxiv_id, paper in data["papers"].items():
        assert paper["title"] == entries[arxiv_id].title
        assert paper["split"] in quality.HALVES
        for topic, reason in [*paper["topics"].items(), *paper.get("not", {}).items()]:
            assert topic in data["definitions"], (arxiv_id, topic)
            assert reason.strip() and "\n" not in reason, (arxiv_id, topic)
        assert not set(paper["topics"]) & set(paper.get("not", {})), arxiv_id


def test_the_halves_are_stratified_with_three_positives_a_side_where_there_are_six() -> None:
    papers = quality.load_labels()["papers"].values()
    sides = {half: Counter(t for p in papers if p["split"] == half for t in p["topics"])
             for half in quality.HALVES}
    assert abs(sum(p["split"] == quality.TUNE for p in papers) * 2 - len(papers)) <= 1
    for topic in quality.load_labels()["definitions"]:
        tune, held = sides[quality.TUNE][topic], sides[quality.HELD_OUT][topic]
        assert held >= 3, topic
        assert tune >= (2 if topic in SHORT else 3), topic
        assert abs(tune - held) <= 1, topic
