"""Rules by who wrote a paper: ``authors`` (names compared however they are written: case,
accents, initials, "Family, Given") and ``organizations`` (a Hugging Face organisation's handle or
id), alone or with other conditions; ``topics explain`` and ``topics try`` show which name matched."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.errors import ConfigError
from feedsmith.model import Entry, Organization
from feedsmith.topics import TopicMatcher, compile_topic, topic_from_table
from feedsmith.topics.rules import name_parts, same_person
from tests import quality
from tests.conftest import FIXTURES, SNAPSHOT, write_config

HF_DAILY = FIXTURES / "hf_daily_papers_3items.json"


def matches(table: dict[str, object], paper: Entry) -> bool:
    topic = topic_from_table("t", table, where="test")
    return TopicMatcher([compile_topic(topic)]).classify(paper) == ("t",)


def paper(*authors: str, organization: Organization | None = None, title: str = "A paper") -> Entry:
    return Entry(key="k", guid="g", title=title, authors=authors, organization=organization)


@pytest.mark.parametrize(("rule", "author", "same"), [
    ("Yann LeCun", "Yann LeCun", True),
    ("Y. LeCun", "Yann LeCun", True),
    ("Y LeCun", "yann lecun", True),
    ("LeCun, Yann", "Yann LeCun", True),
    ("Yann LeCun", "Yann A. LeCun", True),           # a middle name the rule does not give
    ("A. LeCun", "Yann LeCun", False),               # another initial: another person
    ("Yann Le Cun", "Yann LeCun", False),            # the family name is compared as written
    ("Jürgen Müller", "Jurgen Muller", True),        # accents
    ("J. Muller", "Jürgen Müller", True),
    ("Ivan Vulic", "Ivan Vulić", True),
    ("Łukasz Kaiser", "Lukasz Kaiser", True),
    ("Søren Hauberg", "Soren Hauberg", True),
    ("J.-P. Dupont", "Jean-Pierre Dupont", True),
    ("J.-P. Dupont", "Jean-Paul Dupont", True),      # initials cannot tell them apart
    ("J.-M. Dupont", "Jean-Pierre Dupont", False),
    ("Martin Luther King, Jr.", "Martin L. King", True),
    ("D'Amour", "Alexander D’Amour", True),          # a family name alone; apostrophes alike
    ("Zhen Han", "Han Zhen", False),                 # word order says which is the family name
])
def test_names_are_compared_however_they_are_written(rule: str, author: str, same: bool) -> None:
    assert same_person(name_parts(rule), name_parts(author)) is same
    assert matches({"authors": [rule]}, paper("Someone Else", author)) is same


def test_an_author_feed_on_real_papers_with_accents_and_initials() -> None:
    entries = quality.labelled_entries(quality.load_labels())
    topic = topic_from_table("vulic", {"authors": ["I. Vulic"]}, where="test")
    matcher = TopicMatcher([compile_topic(topic)])
    caught = sorted(str(e.arxiv_id) for e in entries if matcher.classify(e))
    assert caught == ["2401.16405", "2406.16678"]  # both papers of Ivan Vulić in the snapshot
    (match,) = matcher.explain(next(e for e in entries if e.arxiv_id == "2406.16678"))
    assert match.matched and match.checks[0].detail == 'author "Ivan Vulić" matched "I. Vulic"'


def test_organizations_match_the_hugging_face_handle_or_id_in_any_case() -> None:
    from feedsmith.sources import kind_named
    entries = kind_named("hf-daily").parse(HF_DAILY.read_bytes(), source="hf").entries
    orgs = {e.arxiv_id: e.organization for e in entries}
    assert orgs["2605.05242"] == Organization("TIGER-Lab", "6313a90017838d05194fd282", "TIGER-Lab")
    for names in (["TIGER-Lab"], ["tiger-lab"], ["6313a90017838d05194fd282"]):
        topic = topic_from_table("lab", {"organizations": names}, where="test")
        caught = [e.arxiv_id for e in entries if TopicMatcher([compile_topic(topic)]).classify(e)]
        assert caught == ["2605.05242"], names
    two = topic_from_table("labs", {"organizations": ["TIGER-Lab", "ByteDance-Seed"]}, where="test")
    matcher = TopicMatcher([compile_topic(two)])
    assert [e.arxiv_id for e in entries if matcher.classify(e)] == ["2605.05242", "2605.06548"]
    (out,) = matcher.explain(entries[2])  # no organisation
    assert not out.matched and out.reason == 'organization (none) is not "TIGER-Lab" or "ByteDance-Seed"'
    (hit,) = TopicMatcher([compile_topic(topic_from_table(
        "by-id", {"organizations": ["6313A90017838D05194FD282"]}, where="test"))]).explain(entries[0])
    assert hit.checks[0].detail == ('organization TIGER-Lab (id 6313a90017838d05194fd282) matched '
                                    '"6313a90017838d05194fd282"')


def test_authors_and_organizations_combine_with_the_other_conditions() -> None:
    lab = Organization("TIGER-Lab", "6313a90017838d05194fd282")
    table = {"authors": ["W. Chen"], "organizations": ["TIGER-Lab"], "any": ["retrieval"]}
    assert matches(table, paper("Wenhu Chen", organization=lab, title="Dense retrieval"))
    assert not matches(table, paper("Wenhu Chen", organization=lab, title="Video generation"))
    assert not matches(table, paper("Wenhu Chen", title="Dense retrieval"))
    assert not matches(table, paper("Danqi Chen", organization=lab, title="Dense retrieval"))
    assert not matches({**table, "none": ["dense"]},
                       paper("Wenhu Chen", organization=lab, title="Dense retrieval"))
    (match,) = TopicMatcher([compile_topic(topic_from_table("t", table, where="test"))]).explain(
        paper("Danqi Chen", organization=lab, title="Dense retrieval"))
    assert [(c.rule, c.passed) for c in match.checks] == [
        ("organizations", True), ("authors", False), ("any", True)]
    assert match.reason == 'no author matches "W. Chen" (authors: Danqi Chen)'


@pytest.mark.parametrize(("table", "message"), [
    ({"authors": []}, "give at least one name"),
    ({"authors": ["  "]}, "expected a list of non-empty strings"),
    ({"authors": ["..."]}, "is not a person's name"),
    ({"organizations": [1]}, "expected a list of non-empty strings"),
])
def test_bad_author_and_organization_rules_name_the_key(table: dict[str, object], message: str) -> None:
    key = next(iter(table))
    with pytest.raises(ConfigError, match=f"topic 't', key '{key}': .*{message}"):
        topic_from_table("t", table, where="test")


def test_topics_try_and_explain_show_the_name_and_the_organisation(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT)),
                                     ("daily", "hf-daily", str(HF_DAILY))])
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--config", str(config)]).exit_code == 0
    result = runner.invoke(main, ["topics", "try", "--config", str(config),
                                  "--rule", 'authors = ["Vulic, I."]'])
    assert result.exit_code == 0, result.output
    assert "catches 2 of 75 stored entries" in result.output
    assert '2406.16678  Segment Any Text' in result.output
    assert 'author "Ivan Vulić" matched "Vulic, I."' in result.output
    result = runner.invoke(main, ["topics", "try", "--config", str(config), "--topic", "embeddings-retrieval",
                                  "--rule", 'organizations = ["tiger-lab"]'])
    assert result.exit_code == 0, result.output
    assert "catches 1 of 75 stored entries (+0 / -11 against embeddings-retrieval)" in result.output
    assert "- 2412.12591  LLMs are Also Effective Embedding Models" in result.output
    (tmp_path / "people").mkdir()
    topics = tmp_path / "people" / "people.toml"
    topics.write_text('[topics.tiger]\norganizations = ["6313a90017838d05194fd282"]\n'
                      '[topics.vulic]\nauthors = ["I. Vulić"]\n')
    config = write_config(tmp_path / "people", [("daily", "hf-daily", str(HF_DAILY))], topics=topics)
    result = runner.invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 0 and "tiger 1, vulic 0" in result.output, result.output
    result = runner.invoke(main, ["topics", "explain", "2605.05242", "--config", str(config)])
    assert "+ tiger: IN" in result.output and "- vulic: OUT" in result.output
    assert 'ok   organizations: organization TIGER-Lab (id 6313a90017838d05194fd282) matched' in result.output


def test_an_entry_without_authors_or_organisation_is_out() -> None:
    bare = replace(paper(), authors=())
    assert not matches({"authors": ["Yann LeCun"]}, bare)
    assert not matches({"organizations": ["TIGER-Lab"]}, bare)
