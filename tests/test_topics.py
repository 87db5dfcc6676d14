"""Topic rules: word boundaries, hyphen/space/plural equivalence, exclusions, validation."""

from __future__ import annotations

import pytest

from feedsmith.errors import ConfigError
from feedsmith.model import Entry
from feedsmith.topics import (
    CompiledTopic,
    Match,
    Topic,
    TopicMatcher,
    compile_topic,
    phrase_pattern,
    topic_from_table,
)


def classify(paper: Entry, compiled: tuple[CompiledTopic, ...]) -> tuple[str, ...]:
    return TopicMatcher(compiled).classify(paper)


def explain(paper: Entry, compiled: CompiledTopic) -> Match:
    (match,) = TopicMatcher([compiled]).explain(paper)
    return match


def found(phrase: str, text: str) -> bool:
    """Whether the matcher finds ``phrase`` in a title ``text`` (the phrase's pattern agreeing)."""
    hit = bool(classify(entry(text), (compile_topic(Topic("t", "T", any=(phrase,))),)))
    assert hit is bool(phrase_pattern(phrase).search(text))
    return hit


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("long-context", "a long context model", True),
        ("long-context", "Long-Context LLMs", True),
        ("long context", "long-contexts matter", True),
        ("long-context", "longcontext", False),
        ("RAG", "we improve RAG pipelines", True),
        ("RAG", "storage and leverage", False),
        ("survey", "A Survey of LLMs", True),
        ("survey", "surveys of the field", True),
        ("study", "two studies", True),
        ("LLM", "LLMs are here", True),
        ("benchmark", "benchmarking", False),
        ("fine-tuning", "Fine_tuning", True),
        ("fine-tuning", "fine tuning", True),
    ],
)
def test_phrase_matching(phrase: str, text: str, hit: bool) -> None:
    assert found(phrase, text) is hit


def entry(title: str, summary: str = "") -> Entry:
    return Entry(key="k", guid="g", title=title, summary=summary)


def test_none_excludes_and_explains() -> None:
    topic = compile_topic(Topic("medical", "Medical", any=("medical",), none=("medical imaging",)))
    assert classify(entry("A medical chatbot"), (topic,)) == ("medical",)
    match = explain(entry("Medical imaging at scale"), topic)
    assert not match.matched and match.words == ("medical imaging",)
    assert explain(entry("Robots"), topic).reason == "no `any` phrase matched"


@pytest.mark.parametrize(
    ("slug", "table", "message"),
    [
        ("Bad Slug", {"any": ["x"]}, "slug must match"),
        ("all", {"any": ["x"]}, "reserved"),
        ("index", {"any": ["x"]}, "reserved"),
        ("ok", {"any": ["x"], "anyy": ["y"]}, "unknown key 'anyy'"),
        ("ok", {"any": []}, "at least one phrase"),
        ("ok", {"any": [3]}, "key 'any'"),
    ],
)
def test_invalid_rules_name_file_topic_and_key(slug: str, table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        topic_from_table(slug, table, where="topics.toml")
    assert "topics.toml" in str(error.value) and message in str(error.value)


# The rest of the rule language -------------------------------------------------------------
from dataclasses import replace  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from feedsmith.config import Config, SiteConfig  # noqa: E402
from feedsmith.publish import select_window  # noqa: E402
from feedsmith.topics import RULE_KEYS, rules, rules_fingerprint  # noqa: E402


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("long context", "long_context windows", True),
        ("long-context", "x_long-context", True),
        ("fine-tune", "fine-tuning", False),
        ("query", "queries", True),
        ("key", "keys", True),
        ("box", "boxes", True),
        ("large language model", "large languages model", False),
    ],
)
def test_phrase_matching_exact_rules(phrase: str, text: str, hit: bool) -> None:
    assert found(phrase, text) is hit


def rule(**table: object) -> Topic:
    return topic_from_table("t", table, where="test")


def paper(title: str, summary: str = "", **values: object) -> Entry:
    return replace(entry(title, summary), **values)  # type: ignore[arg-type]


def test_every_condition_must_hold_and_explain_names_the_failing_one() -> None:
    topic = compile_topic(rule(any=["retrieval"], all=["dense", "title:embedding"],
                               regex=r"\bBERT\b", categories=["cs.IR"], sources=["arxiv"],
                               min_upvotes=5, none=["image"]))
    good = paper("Dense embeddings", "Dense retrieval with BERT", categories=("cs.IR",),
                 sources=("arxiv",), upvotes=9)
    assert classify(good, (topic,)) == ("t",)
    why = explain(good, topic)
    assert why.matched and set(why.words) >= {"retrieval", "dense", "title:embedding"}
    for change, failing in [
        ({"categories": ("cs.CV",)}, "categories"), ({"sources": ("hf",)}, "sources"),
        ({"upvotes": 2}, "min_upvotes"), ({"upvotes": None}, "min_upvotes"),
        ({"title": "Dense retrieval"}, "all"), ({"summary": "Dense retrieval with T5"}, "regex"),
        ({"summary": "Dense retrieval with BERT for image search"}, "none"),
    ]:
        bad = replace(good, **change)  # type: ignore[arg-type]
        match = explain(bad, topic)
        assert not match.matched, change
        assert [c.rule for c in match.checks if not c.passed] == [failing]


def test_fields_and_field_prefixes_choose_where_phrases_are_searched() -> None:
    keywords_only = compile_topic(rule(any=["agents"], fields=["keywords"]))
    assert classify(paper("Agents", "agents", keywords=("LLM agents",)), (keywords_only,)) == ("t",)
    assert classify(paper("Agents", "agents"), (keywords_only,)) == ()
    title_only = compile_topic(rule(any=["title:survey"]))
    assert classify(paper("A survey of RAG"), (title_only,)) == ("t",)
    assert classify(paper("RAG", "we survey RAG"), (title_only,)) == ()
    # fields are searched one by one: a phrase never spans the title and the abstract
    spanning = compile_topic(rule(any=["long context"]))
    assert classify(paper("Scaling long", "context models"), (spanning,)) == ()


def test_re_items_are_case_insensitive_regexes() -> None:
    topic = compile_topic(rule(any=[r"re:\bintroduc\w*\b[^.]{0,30}\bbenchmark"]))
    assert classify(paper("X", "We Introduce HardQA, a new BENCHMARK."), (topic,)) == ("t",)
    assert classify(paper("X", "We introduce a model. It beats the benchmark."), (topic,)) == ()


def test_fingerprint_covers_every_rule_field_and_nothing_else() -> None:
    base = rule(any=["a"], like=["2309.12307"])
    changes = {"any": ("b",), "all": ("c",), "none": ("d",), "regex": "e", "categories": ("cs.CL",),
               "sources": ("hf",), "min_upvotes": 3, "fields": ("title",),
               "authors": ("Yann LeCun",), "organizations": ("TIGER-Lab",),
               "like": ("2402.13753",), "similarity": 0.3}
    assert set(changes) == RULE_KEYS
    seen = {rules_fingerprint([base])}
    for name, value in changes.items():
        seen.add(rules_fingerprint([replace(base, **{name: value})]))  # type: ignore[arg-type]
    assert len(seen) == len(changes) + 1
    assert rules_fingerprint([replace(base, slug="other")]) not in seen
    cosmetic = replace(base, title="T", description="D", window=timedelta(days=2), min_entries=1,
                       max_entries=3, sort="upvotes")
    assert rules_fingerprint([cosmetic]) == rules_fingerprint([base])


def test_rules_without_the_newer_keys_keep_their_fingerprints() -> None:
    # a store classified before authors, organizations and like existed is not re-classified
    assert rules_fingerprint([rule(any=["a"])]) == (
        "8db2baa40c82c51e5c8c3db41cd8501bd7fa2b0b07fbd3e8e89ebfd813f9d797")  # as before


def test_fingerprint_changes_with_the_matching_code(monkeypatch: pytest.MonkeyPatch) -> None:
    before = rules_fingerprint([rule(any=["a"])])
    monkeypatch.setattr(rules, "MATCHING_VERSION", rules.MATCHING_VERSION + 1)
    assert rules_fingerprint([rule(any=["a"])]) != before


NOW = datetime(2026, 3, 13, tzinfo=UTC)


def stored(n: int, *, days_old: float, upvotes: int | None, rank: int | None) -> Entry:
    return replace(entry(f"paper {n}"), key=f"k{n}", first_seen=NOW - timedelta(days=days_old),
                   upvotes=upvotes, rank=rank)


def test_topic_window_bounds_choose_entries_and_sort_only_orders_them() -> None:
    newest_first = [stored(1, days_old=0.1, upvotes=1, rank=3),
                    stored(2, days_old=1, upvotes=50, rank=1),
                    stored(3, days_old=3, upvotes=None, rank=2),
                    stored(4, days_old=20, upvotes=99, rank=None)]
    config = Config(path=None, site=SiteConfig(min_entries=0, max_entries=10))
    keys = [e.key for e in select_window(newest_first, config, NOW)]
    assert keys == ["k1", "k2", "k3"]  # the site window: 14 days
    short = rule(any=["x"], window_days=2)
    assert [e.key for e in select_window(newest_first, config, NOW, topic=short)] == ["k1", "k2"]
    bounded = replace(short, min_entries=3, max_entries=3)
    assert [e.key for e in select_window(newest_first, config, NOW, topic=bounded)] == ["k1", "k2", "k3"]
    by_votes = replace(short, sort="upvotes")  # k4 has the most upvotes but is outside the window
    assert [e.key for e in select_window(newest_first, config, NOW, topic=by_votes)] == ["k2", "k1"]
    trending = replace(bounded, sort="trending")
    assert [e.key for e in select_window(newest_first, config, NOW, topic=trending)] == ["k2", "k3", "k1"]
