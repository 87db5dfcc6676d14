"""Topics: rules (``rules``: load, validate, fingerprint) and matching (``match``: compile,
classify, explain). The names other modules use are here."""

from .match import (
    Check,
    CompiledTopic,
    Hit,
    Match,
    Phrase,
    SimilarityScorer,
    TopicMatcher,
    compile_topic,
    phrase_pattern,
)
from .rules import (
    ALL,
    DEFAULT_FIELDS,
    DEFAULT_SIMILARITY,
    FIELDS,
    MATCHING_VERSION,
    RESERVED_SLUGS,
    RULE_KEYS,
    SORTS,
    Topic,
    rules_fingerprint,
    toml_table,
    topic_from_table,
    topic_to_table,
)

__all__ = [
    "ALL", "DEFAULT_FIELDS", "DEFAULT_SIMILARITY", "FIELDS", "MATCHING_VERSION", "RESERVED_SLUGS",
    "RULE_KEYS", "SORTS", "Check", "CompiledTopic", "Hit", "Match", "Phrase", "SimilarityScorer",
    "Topic", "TopicMatcher", "compile_topic", "phrase_pattern", "rules_fingerprint", "toml_table",
    "topic_from_table", "topic_to_table",
]
