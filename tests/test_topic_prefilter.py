"""The matcher's shortcuts (its word index, the folded lowercase text, the word boundary checked
outside the regex) never change a verdict or a reported hit: checked against plain case-insensitive
regex searches, rule by rule, on generated texts and on the bundled snapshot."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsmith.config import load_config
from feedsmith.model import Entry
from feedsmith.sources.hf import parse_daily_papers
from feedsmith.topics import RULE_KEYS, Topic, TopicMatcher, compile_topic, phrase_pattern, topic_from_table
from feedsmith.topics.rules import rule_data
from tests.conftest import SNAPSHOT

WORDS = ["long", "context", "contexts", "study", "studies", "studys", "rag", "storage", "fine",
         "tuning", "gpt", "4o", "c++", "data", "set", "sets", "benchmark", "benchmarking", "x",
         "class", "classes", "classs", "box", "boxs", "ſet", "ınfo", "info", "ß", "kelvın", "İnfo",
         "café", "naïve"]
SEPARATORS = [" ", "-", "_", " - ", ", ", ".", "/", "", "\n", "é", "İ", "K", "\xa0", "-\u2009"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)),
                          max_size=12))
    text = "".join(w + s for w, s in parts)
    return text.upper() if draw(st.booleans()) else text


phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(
    lambda words: "-".join(words) if len(words) % 2 else " ".join(words))


@settings(max_examples=400, deadline=None)
@given(phrase=phrases, text=texts())
def test_a_phrase_is_found_where_its_pattern_finds_it(phrase: str, text: str) -> None:
    matcher = TopicMatcher([compile_topic(topic_from_table("t", {"any": [phrase]}, where="test"))])
    paper = Entry(key="k", guid="g", title=text)
    expected = phrase_pattern(phrase).search(text)
    assert bool(matcher.classify(paper)) is (expected is not None)
    (match,) = matcher.explain(paper)
    assert match.matched is (expected is not None)
    if expected is not None:
        assert [(h.field, h.text) for h in match.checks[0].hits] == [("title", expected.group(0))]


def occurs(item: str, fields: Sequence[str], paper: Entry) -> bool:
    """Whether rule item ``item`` occurs in ``paper``, by plain regex search field by field."""
    prefix, _, rest = item.partition(":")
    if prefix in ("title", "abstract", "keywords"):
        item, fields = rest.strip(), (prefix,)
    pattern = re.compile(item[3:], re.IGNORECASE) if item.startswith("re:") else phrase_pattern(item)
    texts = {"title": paper.title, "abstract": paper.summary, "keywords": "; ".join(paper.keywords)}
    return any(pattern.search(texts[name]) for name in fields)


def admits(rule: Mapping[str, object], paper: Entry) -> bool:
    """Whether ``paper`` meets the phrase conditions (any, all, none, regex) of ``rule``."""
    def items(key: str) -> list[str]:
        value = rule.get(key) or []
        assert isinstance(value, list)
        return value
    fields = items("fields")
    return (all(occurs(p, fields, paper) for p in items("all"))
            and (not items("any") or any(occurs(p, fields, paper) for p in items("any")))
            and (not rule.get("regex") or occurs(f"re:{rule['regex']}", fields, paper))
            and not any(occurs(p, fields, paper) for p in items("none")))


def verdicts(topics: Sequence[Topic], paper: Entry) -> tuple[str, ...]:
    """The topics ``paper`` is in by rule-by-rule plain regex search; the matcher's classification
    and its explanation must both agree."""
    assert all(set(k for k, v in rule_data(t).items() if v) <= {"slug", "fields", "any", "all",
                                                                  "none", "regex"} for t in topics)
    matcher = TopicMatcher(compile_topic(t) for t in topics)
    expected = tuple(t.slug for t in topics if admits(rule_data(t), paper))
    assert matcher.classify(paper) == expected
    assert tuple(m.slug for m in matcher.explain(paper) if m.matched) == expected
    return expected


def test_the_default_topics_sort_the_snapshot_as_plain_regexes_do() -> None:
    topics = load_config().topics
    found = [verdicts(topics, e) for e in parse_daily_papers(SNAPSHOT.read_bytes(), source="s").entries]
    assert sum(map(len, found)) > 72  # the check is not vacuous


@settings(max_examples=200, deadline=None)
@given(title=texts(), abstract=texts(), keywords=st.lists(texts(), max_size=2))
def test_many_topics_sort_generated_texts_as_plain_regexes_do(title: str, abstract: str,
                                                               keywords: list[str]) -> None:
    tables = [{"any": ["long-context", "rag"]}, {"all": ["data", "set"], "none": ["benchmark"]},
              {"any": ["title:study"], "none": ["abstract:fine tuning"]}, {"any": ["re:gpt.?4o"]},
              {"any": ["c++", "x"], "fields": ["abstract"]}, {"regex": r"\bset\b", "any": ["info"]},
              {"all": ["long context", "keywords:class"], "fields": ["keywords", "title"]},
              {"any": ["café", "naïve set"]}, {"any": ["data sets", "data-set"]}]
    topics = [topic_from_table(f"t{i}", t, where="test") for i, t in enumerate(tables)]
    assert RULE_KEYS >= {k for t in tables for k in t}
    verdicts(topics, Entry(key="k", guid="g", title=title, summary=abstract,
                           keywords=tuple(keywords)))
