"""The word shortcut in topic matching never changes a verdict: it only skips pattern searches
that cannot match (checked against the plain pattern search on generated texts)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsmith.model import Entry
from feedsmith.topics import EntryText, compile_topic, phrase_pattern, topic_from_table

WORDS = ["long", "context", "contexts", "study", "studies", "studys", "rag", "storage", "fine",
         "tuning", "gpt", "4o", "c++", "data", "set", "sets", "benchmark", "benchmarking", "x",
         "class", "classes", "classs", "box", "boxs", "ſet", "ınfo", "info", "ß"]
SEPARATORS = [" ", "-", "_", " - ", ", ", ".", "/", "", "\n", "é", "İ", "K", "\xa0", "-\u2009"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)),
                          max_size=12))
    text = "".join(w + s for w, s in parts)
    return text.upper() if draw(st.booleans()) else text


phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(
    lambda words: draw_join(words))


def draw_join(words: list[str]) -> str:
    return "-".join(words) if len(words) % 2 else " ".join(words)


@settings(max_examples=400, deadline=None)
@given(phrase=phrases, text=texts())
def test_shortcut_agrees_with_the_pattern(phrase: str, text: str) -> None:
    compiled = compile_topic(topic_from_table("t", {"any": [phrase]}, where="test"))
    found = EntryText(Entry(key="k", guid="g", title=text)).find(compiled.any[0], ("title",))
    assert (found is not None) is bool(phrase_pattern(phrase).search(text))


def test_indexed_classification_equals_rule_by_rule_matching() -> None:
    from feedsmith.config import load_config
    from feedsmith.sources.hf import parse_daily_papers
    from feedsmith.topics import TopicMatcher, matches
    from tests.conftest import SNAPSHOT

    compiled = tuple(compile_topic(t) for t in load_config().topics)
    matcher = TopicMatcher(compiled)
    entries = parse_daily_papers(SNAPSHOT.read_bytes(), source="s").entries
    verdicts = [matcher.classify(e) for e in entries]
    assert verdicts == [tuple(c.topic.slug for c in compiled if matches(e, c)) for e in entries]
    assert sum(map(len, verdicts)) > 72  # the check is not vacuous


@settings(max_examples=200, deadline=None)
@given(title=texts(), abstract=texts())
def test_indexed_classification_agrees_on_generated_texts(title: str, abstract: str) -> None:
    from feedsmith.topics import TopicMatcher, matches

    tables = [{"any": ["long-context", "rag"]}, {"all": ["data", "set"], "none": ["benchmark"]},
              {"any": ["title:study"], "none": ["abstract:fine tuning"]}, {"any": ["re:gpt.?4o"]},
              {"any": ["c++", "x"], "fields": ["abstract"]}]
    compiled = tuple(compile_topic(topic_from_table(f"t{i}", t, where="test"))
                     for i, t in enumerate(tables))
    entry = Entry(key="k", guid="g", title=title, summary=abstract)
    assert TopicMatcher(compiled).classify(entry) == tuple(
        c.topic.slug for c in compiled if matches(entry, c))
