"""Topic rules: word boundaries, hyphen/space/plural equivalence, exclusions, validation."""

from __future__ import annotations

import pytest

from feedsmith.errors import ConfigError
from feedsmith.model import Entry
from feedsmith.topics import Topic, classify, compile_topic, explain, phrase_pattern, topic_from_table


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
    assert bool(phrase_pattern(phrase).search(text)) is hit


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
