"""Topic rules: a TOML table per topic in, the topic slugs of an entry (and why) out. Pure.

A rule is a set of conditions that must all hold (the README documents the language):
``any`` (at least one phrase occurs), ``all`` (every phrase occurs), ``none`` (no phrase occurs),
``regex`` (a Python regex, case-insensitive, finds a match), ``categories`` (the entry has one of
these arXiv categories), ``sources`` (the entry came from one of these sources) and
``min_upvotes``. Phrases and the regex are searched in ``fields`` (default title and abstract),
each field on its own, so a phrase never spans two fields.

Phrase matching, exactly:
- case-insensitive;
- on word boundaries: the phrase must not start or end inside a word (``rag`` does not match
  ``storage``, ``benchmark`` does not match ``benchmarking``);
- words are separated by any run of spaces, hyphens and underscores, in the phrase and in the text
  alike: ``long-context`` = ``long context`` = ``long_context``, but not ``longcontext``;
- the last word may take a simple plural: ``+s``, ``+es``, and a consonant + ``y`` may become
  ``ies`` (``study`` matches ``studies``); earlier words must match as written;
- nothing else: no stemming (``fine-tune`` does not match ``fine-tuning``; list both).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .errors import ConfigError
from .model import Entry

ALL = "all"
RESERVED_SLUGS = frozenset({ALL, "index", "feeds", "style", "feed", "site"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELDS = ("title", "abstract", "keywords")
DEFAULT_FIELDS = ("title", "abstract")
SORTS = ("first-seen", "upvotes", "trending")
RULE_KEYS = frozenset({"any", "all", "none", "regex", "categories", "sources", "min_upvotes",
                       "fields"})
OPTION_KEYS = frozenset({"title", "description", "window_days", "min_entries", "max_entries",
                         "sort"})
TOPIC_KEYS = RULE_KEYS | OPTION_KEYS
# Bump when the meaning of a rule changes (phrase matching, fields): stores re-classify.
MATCHING_VERSION = 2
_WORD_SEP = r"[\s\-_]+"


@dataclass(frozen=True)
class Topic:
    """One topic: its slug, how it is presented and published, and its matching rule."""

    slug: str
    title: str
    description: str = ""
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    regex: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_upvotes: int | None = None
    fields: tuple[str, ...] = DEFAULT_FIELDS
    window: timedelta | None = None
    min_entries: int | None = None
    max_entries: int | None = None
    sort: str = "first-seen"


@dataclass(frozen=True)
class Hit:
    """Where a phrase (or the regex) occurred: the rule's phrase, the field and the text found."""

    phrase: str
    field: str
    text: str


@dataclass(frozen=True)
class Check:
    """One condition of a rule applied to one entry: passed or not, and what it saw."""

    rule: str
    passed: bool
    detail: str
    hits: tuple[Hit, ...] = ()


@dataclass(frozen=True)
class Match:
    """Why an entry is (or is not) in a topic: the rule and the words that decided it."""

    slug: str
    matched: bool
    reason: str
    words: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()


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
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)


def item_pattern(item: str) -> re.Pattern[str]:
    """The pattern of one ``any``/``all``/``none`` item: ``re:<regex>`` is a Python regex
    (case-insensitive), anything else a phrase (``phrase_pattern``)."""
    if item.startswith("re:"):
        return re.compile(item[3:], re.IGNORECASE)
    return phrase_pattern(item)


Phrases = tuple[tuple[str, re.Pattern[str], tuple[str, ...] | None], ...]
_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z]+):\s*(?P<phrase>.*)$", re.DOTALL)


def split_field(phrase: str) -> tuple[str, tuple[str, ...] | None]:
    """A phrase without its ``title:``/``abstract:``/``keywords:`` prefix, and the field it names
    (None: the topic's ``fields``); ValueError for an unknown field name."""
    found = _FIELD_PREFIX.match(phrase.strip())
    if not found or found.group("field") == "re":
        return phrase, None
    if found.group("field") not in FIELDS:
        raise ValueError(f"unknown field {found.group('field')!r} in {phrase!r} "
                         f"(known: {', '.join(FIELDS)})")
    return found.group("phrase"), (found.group("field"),)


@dataclass(frozen=True)
class CompiledTopic:
    """A topic with its phrases and regex compiled once."""

    topic: Topic
    any: Phrases = field(default=())
    all: Phrases = field(default=())
    none: Phrases = field(default=())
    regex: re.Pattern[str] | None = None


def compile_topic(topic: Topic) -> CompiledTopic:
    """``topic`` ready for matching."""
    def phrases(values: tuple[str, ...]) -> Phrases:
        compiled = []
        for value in values:
            phrase, fields = split_field(value)
            compiled.append((value, item_pattern(phrase), fields))
        return tuple(compiled)
    return CompiledTopic(
        topic,
        any=phrases(topic.any),
        all=phrases(topic.all),
        none=phrases(topic.none),
        regex=re.compile(topic.regex, re.IGNORECASE) if topic.regex else None,
    )


def field_texts(entry: Entry, fields: Iterable[str] = DEFAULT_FIELDS) -> tuple[tuple[str, str], ...]:
    """The texts rules search, by field name: title, abstract (the summary), keywords."""
    values = {"title": entry.title, "abstract": entry.summary, "keywords": "; ".join(entry.keywords)}
    return tuple((name, values[name]) for name in fields)


def searchable_text(entry: Entry) -> str:
    """The title and abstract, the default text rules are matched against."""
    return f"{entry.title}\n{entry.summary}"


def _find(pattern: re.Pattern[str], texts: tuple[tuple[str, str], ...], phrase: str) -> Hit | None:
    for name, text in texts:
        found = pattern.search(text)
        if found:
            return Hit(phrase, name, found.group(0))
    return None


def _hits(phrases: Phrases, texts: tuple[tuple[str, str], ...],
          every: tuple[tuple[str, str], ...]) -> tuple[Hit, ...]:
    """The first hit of each phrase: in its own field if it names one, else in ``texts``."""
    found = []
    for phrase, pattern, fields in phrases:
        where = texts if fields is None else tuple(t for t in every if t[0] in fields)
        hit = _find(pattern, where, phrase)
        if hit is not None:
            found.append(hit)
    return tuple(found)


def _quoted(hits: tuple[Hit, ...]) -> str:
    return ", ".join(f'"{h.phrase}"' for h in hits)


def _checks(entry: Entry, compiled: CompiledTopic, *, full: bool) -> list[Check]:
    """The rule's conditions on ``entry``, cheapest first; stops at the first failure unless ``full``."""
    topic = compiled.topic
    texts = field_texts(entry, topic.fields)
    every = field_texts(entry, FIELDS)
    fields = "+".join(topic.fields)
    checks: list[Check] = []

    def add(check: Check) -> bool:
        checks.append(check)
        return check.passed or full

    if topic.sources:
        hit = [s for s in entry.sources if s in topic.sources]
        if not add(Check("sources", bool(hit), f"from {', '.join(hit)}" if hit else
                         f"not from {', '.join(topic.sources)} (from {', '.join(entry.sources) or '?'})")):
            return checks
    if topic.categories:
        wanted = {c.lower() for c in topic.categories}
        hit = [c for c in entry.categories if c.lower() in wanted]
        if not add(Check("categories", bool(hit), f"in {', '.join(hit)}" if hit else
                         f"not in {', '.join(topic.categories)} "
                         f"(has {', '.join(entry.categories) or 'no categories'})")):
            return checks
    if topic.min_upvotes is not None:
        votes = entry.upvotes
        passed = votes is not None and votes >= topic.min_upvotes
        if not add(Check("min_upvotes", passed, f"{'no' if votes is None else votes} upvotes, "
                         f"{'>=' if passed else 'needs'} {topic.min_upvotes}")):
            return checks
    if compiled.all:
        hits = _hits(compiled.all, texts, every)
        missing = [p for p, _, _ in compiled.all if p not in {h.phrase for h in hits}]
        detail = (f"every `all` phrase occurs in {fields}" if not missing else
                  f"`all` phrase{'s' if len(missing) > 1 else ''} not in {fields}: "
                  + ", ".join(f'"{p}"' for p in missing))
        if not add(Check("all", not missing, detail, hits)):
            return checks
    if compiled.any:
        hits = _hits(compiled.any, texts, every)
        detail = f"`any` matched {_quoted(hits)}" if hits else "no `any` phrase matched"
        if not add(Check("any", bool(hits), detail, hits)):
            return checks
    if compiled.regex is not None:
        regex_hit = _find(compiled.regex, texts, topic.regex or "")
        hits = (regex_hit,) if regex_hit else ()
        detail = f"`regex` found \"{regex_hit.text}\"" if regex_hit else "`regex` found nothing"
        if not add(Check("regex", bool(hits), detail, hits)):
            return checks
    if compiled.none:
        hits = _hits(compiled.none, texts, every)
        add(Check("none", not hits, f"excluded by `none` {_quoted(hits)}" if hits else
                  "no `none` phrase occurs", hits))
    return checks


def explain(entry: Entry, compiled: CompiledTopic) -> Match:
    """Whether ``entry`` belongs to the topic, with every condition checked and the words that
    decided it: the matching phrases if it is in, else those of the first failed condition."""
    checks = tuple(_checks(entry, compiled, full=True))
    return _match(compiled.topic.slug, checks)


def _match(slug: str, checks: tuple[Check, ...]) -> Match:
    failed = [c for c in checks if not c.passed]
    if failed:
        first = failed[0]
        reason = "excluded by `none`" if first.rule == "none" else first.detail
        return Match(slug, False, reason, tuple(h.phrase for h in first.hits), checks)
    words = tuple(h.phrase for c in checks if c.rule in ("all", "any", "regex") for h in c.hits)
    reason = "; ".join(c.detail for c in checks if c.rule != "none") or "no condition"
    return Match(slug, True, reason, words, checks)


def matches(entry: Entry, compiled: CompiledTopic) -> bool:
    """Whether ``entry`` belongs to the topic (the fast path of ``explain``)."""
    return all(c.passed for c in _checks(entry, compiled, full=False))


def classify(entry: Entry, compiled: tuple[CompiledTopic, ...]) -> tuple[str, ...]:
    """The slugs of every topic ``entry`` belongs to, in configuration order."""
    return tuple(c.topic.slug for c in compiled if matches(entry, c))


def rule_data(topic: Topic) -> dict[str, Any]:
    """The parts of ``topic`` that decide membership (not its title, window or sort)."""
    return {"slug": topic.slug, "any": list(topic.any), "all": list(topic.all),
            "none": list(topic.none), "regex": topic.regex, "categories": list(topic.categories),
            "sources": list(topic.sources), "min_upvotes": topic.min_upvotes,
            "fields": list(topic.fields)}


def rules_fingerprint(topics: Iterable[Topic]) -> str:
    """A fingerprint of every rule field of ``topics`` (and of the matching code's version):
    when it changes, stored entries must be re-classified."""
    data = {"matching": MATCHING_VERSION, "topics": [rule_data(t) for t in topics]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# loading -------------------------------------------------------------------------------------
def _phrases(value: Any, *, where: str, phrases: bool = True) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of non-empty strings")
    for phrase in value if phrases else ():
        try:
            words, _ = split_field(phrase)
            if words.startswith("re:"):
                re.compile(words[3:], re.IGNORECASE)
                continue
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        except re.error as exc:
            raise ConfigError(f"{where}: invalid regular expression {phrase!r}: {exc}") from None
        if not re.sub(_WORD_SEP, "", words):
            raise ConfigError(f"{where}: phrase {phrase!r} has no words")
    return tuple(v.strip() for v in value)


def _count(value: Any, *, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where}: expected a whole number >= 0")
    return value


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

    def key(name: str) -> str:
        return f"{here}, key {name!r}"

    values: dict[str, Any] = {}
    for name in ("title", "description"):
        if name in table:
            if not isinstance(table[name], str):
                raise ConfigError(f"{key(name)}: expected a string")
            values[name] = table[name]
    for name in ("any", "all", "none", "categories", "sources"):
        if name in table:
            values[name] = _phrases(table[name], where=key(name),
                                    phrases=name in ("any", "all", "none"))
            if not values[name] and name in ("any", "all"):
                raise ConfigError(f"{key(name)}: give at least one phrase (or leave the key out)")
    if "regex" in table:
        regex = table["regex"]
        if not isinstance(regex, str) or not regex:
            raise ConfigError(f"{key('regex')}: expected a non-empty string")
        try:
            re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"{key('regex')}: invalid regular expression: {exc}") from None
        values["regex"] = regex
    if "min_upvotes" in table:
        values["min_upvotes"] = _count(table["min_upvotes"], where=key("min_upvotes"))
    if "fields" in table:
        fields = _phrases(table["fields"], where=key("fields"), phrases=False)
        bad = [f for f in fields if f not in FIELDS]
        if bad or len(set(fields)) != len(fields):
            raise ConfigError(f"{key('fields')}: expected distinct names among "
                              f"{', '.join(FIELDS)}, got {', '.join(fields)}")
        values["fields"] = fields
    if "window_days" in table:
        days = table["window_days"]
        if not isinstance(days, int | float) or isinstance(days, bool) or days <= 0:
            raise ConfigError(f"{key('window_days')}: expected a positive number of days")
        values["window"] = timedelta(days=days)
    for name in ("min_entries", "max_entries"):
        if name in table:
            values[name] = _count(table[name], where=key(name))
    if "sort" in table:
        if table["sort"] not in SORTS:
            raise ConfigError(f"{key('sort')}: expected one of {', '.join(SORTS)}")
        values["sort"] = table["sort"]
    if values.get("min_entries", 0) > values.get("max_entries", values.get("min_entries", 0)):
        raise ConfigError(f"{key('min_entries')}: larger than max_entries")
    if not (set(values) & {"any", "all", "regex", "categories", "sources", "min_upvotes"}):
        raise ConfigError(f"{key('any')}: give at least one phrase (or another condition: all, "
                          "regex, categories, sources, min_upvotes)")
    values.setdefault("title", slug.replace("-", " ").capitalize())
    return Topic(slug=slug, **values)


def topic_to_table(topic: Topic) -> dict[str, Any]:
    """The TOML table of ``topic``'s rule (the inverse of ``topic_from_table`` for rule keys)."""
    data = rule_data(topic)
    del data["slug"]
    return {k: v for k, v in data.items()
            if v not in (None, []) and not (k == "fields" and tuple(v) == DEFAULT_FIELDS)}
