"""Topic rules: a TOML table per topic in, the topic slugs of an entry (and why) out. Pure.

Phrase matching (the whole rule language is documented in the README):
- case-insensitive, on word boundaries: ``rag`` does not match ``storage``;
- hyphens, underscores and spaces between words are alike: ``long-context`` = ``long context``;
- the last word may take a simple plural: ``s``/``es``, and ``y`` -> ``ies``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .errors import ConfigError
from .model import Entry

ALL = "all"
RESERVED_SLUGS = frozenset({ALL, "index", "feeds", "style", "feed", "site"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_KEYS = frozenset({"title", "description", "any", "none"})
_WORD_SEP = r"[\s\-_]+"


@dataclass(frozen=True)
class Topic:
    """One topic: its slug, how it is presented, and its matching rule."""

    slug: str
    title: str
    description: str = ""
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """Why an entry is (or is not) in a topic: the rule and the words that decided it."""

    slug: str
    matched: bool
    reason: str
    words: tuple[str, ...] = ()


def _plural(word: str) -> str:
    escaped = re.escape(word)
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return escaped + "(?:es)?"
    return escaped + "(?:s|es)?"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The compiled pattern of one rule phrase (see the module docstring)."""
    words = [w for w in re.split(_WORD_SEP, phrase.strip().lower()) if w]
    if not words:
        raise ValueError("empty phrase")
    body = _WORD_SEP.join([re.escape(w) for w in words[:-1]] + [_plural(words[-1])])
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class CompiledTopic:
    """A topic with its phrases compiled once."""

    topic: Topic
    any: tuple[tuple[str, re.Pattern[str]], ...] = field(default=())
    none: tuple[tuple[str, re.Pattern[str]], ...] = field(default=())


def compile_topic(topic: Topic) -> CompiledTopic:
    """``topic`` ready for matching."""
    return CompiledTopic(
        topic,
        any=tuple((p, phrase_pattern(p)) for p in topic.any),
        none=tuple((p, phrase_pattern(p)) for p in topic.none),
    )


def searchable_text(entry: Entry) -> str:
    """The text rules are matched against: title and abstract."""
    return f"{entry.title}\n{entry.summary}"


@lru_cache(maxsize=4096)
def phrase_needle(phrase: str) -> str | None:
    """A lowercase literal that every ASCII match of ``phrase`` starts with (its first word, or the
    stem of a lone word), or None if the phrase is not ASCII. A cheap ``in`` test on it skips the
    regex (about 50 us on an abstract) for the many phrases a text cannot match."""
    words = [w for w in re.split(_WORD_SEP, phrase.strip().lower()) if w]
    if not words or not phrase.isascii():
        return None
    word = words[0]
    if len(words) == 1 and len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1]
    return word


def _searcher(text: str) -> Callable[[str, re.Pattern[str]], bool]:
    """``(phrase, pattern) -> matched`` for ``text``; an ASCII text is pre-screened by needle
    (for ASCII text and phrase, IGNORECASE matching is exactly ``str.lower`` equality)."""
    if not text.isascii():
        return lambda _phrase, pattern: pattern.search(text) is not None
    lowered = text.lower()

    def search(phrase: str, pattern: re.Pattern[str]) -> bool:
        needle = phrase_needle(phrase)
        if needle is None:
            return pattern.search(text) is not None
        # every match starts with the needle: try the pattern only where the needle is
        at = lowered.find(needle)
        while at >= 0:
            if pattern.match(text, at) is not None:
                return True
            at = lowered.find(needle, at + 1)
        return False
    return search


def explain(entry: Entry, compiled: CompiledTopic) -> Match:
    """Whether ``entry`` belongs to the topic, with the rule and words that decided it."""
    text = searchable_text(entry)
    slug = compiled.topic.slug
    search = _searcher(text)
    hits = tuple(p for p, pattern in compiled.any if search(p, pattern))
    if not hits:
        return Match(slug, False, "no `any` phrase matched")
    blocked = tuple(p for p, pattern in compiled.none if search(p, pattern))
    if blocked:
        return Match(slug, False, "excluded by `none`", blocked)
    return Match(slug, True, "`any` matched", hits)


def classify(entry: Entry, compiled: tuple[CompiledTopic, ...]) -> tuple[str, ...]:
    """The slugs of every topic ``entry`` belongs to, in configuration order."""
    return tuple(c.topic.slug for c in compiled if explain(entry, c).matched)


def _phrases(value: Any, *, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def topic_from_table(slug: str, table: Mapping[str, Any], *, where: str) -> Topic:
    """A validated ``Topic`` from its TOML table; ConfigError naming ``where``, topic and key."""
    here = f"{where}: topic {slug!r}"
    if not SLUG.match(slug):
        raise ConfigError(f"{here}: slug must match [a-z0-9-]+ (lowercase words joined by -)")
    if slug in RESERVED_SLUGS:
        raise ConfigError(f"{here}: slug is reserved for a file feedsmith writes")
    if not isinstance(table, Mapping):
        raise ConfigError(f"{here}: expected a table")
    unknown = sorted(set(table) - TOPIC_KEYS)
    if unknown:
        raise ConfigError(f"{here}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOPIC_KEYS))})")
    title = table.get("title", slug.replace("-", " ").capitalize())
    description = table.get("description", "")
    if not isinstance(title, str) or not isinstance(description, str):
        raise ConfigError(f"{here}: title and description must be strings")
    any_ = _phrases(table.get("any", []), where=f"{here}, key 'any'")
    if not any_:
        raise ConfigError(f"{here}, key 'any': give at least one phrase")
    return Topic(
        slug=slug,
        title=title,
        description=description,
        any=any_,
        none=_phrases(table.get("none", []), where=f"{here}, key 'none'"),
    )
