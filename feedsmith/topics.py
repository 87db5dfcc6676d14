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
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from .checks import is_count, is_number
from .errors import ConfigError
from .model import Entry

ALL = "all"
RESERVED_SLUGS = frozenset({ALL, "index", "feeds", "style", "feed", "site"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 64  # a slug names files (<slug>.atom): keep it far below any file name limit
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


def _split_phrase(phrase: str) -> list[str]:
    """The lowercase words of a rule phrase (split on spaces, hyphens and underscores)."""
    return [w for w in re.split(_WORD_SEP, phrase.strip().lower()) if w]


def _takes_ies(word: str) -> bool:
    """Whether a phrase's last word makes its plural with ``ies`` (consonant + ``y``)."""
    return len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou"


def _takes_es(word: str) -> bool:
    """Whether a phrase's last word makes its plural with ``es`` only (a sibilant ending)."""
    return word.endswith(("s", "x", "z", "ch", "sh"))


def _plural(word: str) -> str:
    escaped = re.escape(word)
    if _takes_ies(word):
        return re.escape(word[:-1]) + "(?:y|ies)"
    if _takes_es(word):
        return escaped + "(?:es)?"
    return escaped + "(?:s|es)?"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The compiled pattern of one rule phrase (see the module docstring)."""
    words = _split_phrase(phrase)
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


_TOKEN = re.compile(r"[^\W_]+")
# bytes.translate table: ASCII letters and digits stay, every other byte becomes a space.
_ASCII_WORD_BYTES = bytes(b if chr(b).isascii() and chr(b).isalnum() else 32 for b in range(256))
_PLAIN_WORD = re.compile(r"[a-z0-9]+")
# Characters that re.IGNORECASE matches to an ASCII letter but str.lower() does not map to one:
# a text holding one is searched with the patterns only.
_FOLD_SURPRISES = ("\u0130", "\u0131", "\u017f")


@dataclass(frozen=True)
class CompiledPhrase:
    """One ``any``/``all``/``none`` item compiled: its pattern, the field it is limited to (None:
    the topic's ``fields``), and the words a text must contain for the pattern to have a chance
    (each a set of accepted spellings; None for ``re:`` items, which are always searched)."""

    phrase: str
    pattern: re.Pattern[str]
    fields: tuple[str, ...] | None
    needs: tuple[frozenset[str], ...] | None
    words: tuple[frozenset[str], ...] | None = None
    lowered: re.Pattern[str] | None = None


def lowered_pattern(phrase: str) -> re.Pattern[str] | None:
    """For a phrase of several plain ASCII words, ``phrase_pattern`` for lowercase ASCII text,
    without the case-insensitive flag and the leading boundary check (the caller checks it), so
    that the regex engine can scan for the first word as a literal."""
    words = _split_phrase(phrase)
    if len(words) < 2 or not all(_PLAIN_WORD.fullmatch(w) for w in words):
        return None
    body = _WORD_SEP.join([re.escape(w) for w in words[:-1]] + [_plural(words[-1])])
    return re.compile(rf"{body}(?![^\W_])")


def _spellings(word: str) -> frozenset[str]:
    """The spellings ``_plural(word)`` accepts for the last word of a phrase."""
    if _takes_ies(word):
        return frozenset({word, word[:-1] + "ies"})
    if _takes_es(word):
        return frozenset({word, word + "es"})
    return frozenset({word, word + "s", word + "es"})


def phrase_words(phrase: str) -> tuple[frozenset[str], ...] | None:
    """For a phrase of plain ASCII words, the spellings each word position accepts (the last
    with its plurals): matching it is then a lookup in the text's word sequence. None otherwise."""
    words = _split_phrase(phrase)
    if not words or not all(_PLAIN_WORD.fullmatch(w) for w in words):
        return None
    return tuple(frozenset({w}) for w in words[:-1]) + (_spellings(words[-1]),)


def phrase_needs(phrase: str) -> tuple[frozenset[str], ...] | None:
    """The words a text must contain (as whole words, case-folded) for ``phrase_pattern(phrase)``
    to match: every run of letters and digits of the phrase, the last one also in its plural
    spellings. None when no such shortcut is exact (non-ASCII phrases)."""
    if not phrase.isascii():
        return None
    words = _split_phrase(phrase)
    runs: list[frozenset[str]] = []
    for index, word in enumerate(words):
        tokens = _TOKEN.findall(word)
        for position, token in enumerate(tokens):
            spellings = {token}
            ends_phrase = index == len(words) - 1 and position == len(tokens) - 1
            if ends_phrase and word.endswith(token):
                spellings |= {token + "s", token + "es"}
                if _takes_ies(word):
                    spellings.add(token[:-1] + "ies")
            runs.append(frozenset(spellings))
    return tuple(runs) or None


Phrases = tuple[CompiledPhrase, ...]
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
            regex = phrase.startswith("re:")
            compiled.append(CompiledPhrase(value, item_pattern(phrase), fields,
                                           None if regex else phrase_needs(phrase),
                                           None if regex else phrase_words(phrase),
                                           None if regex else lowered_pattern(phrase)))
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


class _Field:
    """One searchable field: its text, lowercased, whether it is ASCII, its set of words and its
    set of adjacent word pairs (a phrase of several words can only occur where its first two
    words stand side by side)."""

    __slots__ = ("text", "lowered", "ascii", "words", "pairs")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        self.ascii = text.isascii()
        self.words: frozenset[str] | None = None
        self.pairs: frozenset[tuple[str, str]] | None = None
        if self.ascii:
            tokens = (self.lowered.encode("ascii").translate(_ASCII_WORD_BYTES)
                      .decode("ascii").split())
        elif any(c in text for c in _FOLD_SURPRISES):
            return
        else:
            tokens = _TOKEN.findall(self.lowered)
        self.words = frozenset(tokens)
        self.pairs = frozenset(zip(tokens, tokens[1:], strict=False))


class EntryText:
    """An entry's searchable fields, each lowercased and split into its set of words once, so
    that every topic's phrases are matched by word lookups: a one-word phrase is a set lookup, a
    longer one is searched only where all its words occur, on the lowercase text with a literal
    scan; ``re:`` items and texts whose letters fold surprisingly use the phrase's own pattern."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.texts = dict(field_texts(entry, FIELDS))
        self._fields: dict[str, _Field] = {}

    def field(self, name: str) -> _Field:
        """Field ``name``, prepared on first use."""
        found = self._fields.get(name)
        if found is None:
            found = self._fields[name] = _Field(self.texts[name])
        return found

    def occurs_in(self, phrase: CompiledPhrase, field: _Field) -> bool:
        """Whether ``phrase`` occurs in ``field``."""
        words = field.words
        if words is not None and phrase.needs is not None:
            if phrase.words is not None and len(phrase.words) == 1:
                return not phrase.words[0].isdisjoint(words)  # a whole word, in a spelling
            if any(spellings.isdisjoint(words) for spellings in phrase.needs):
                return False
            if field.ascii and phrase.lowered is not None:
                text = field.lowered
                found = phrase.lowered.search(text)
                while found is not None:
                    start = found.start()
                    if start == 0 or not text[start - 1].isalnum():
                        return True
                    found = phrase.lowered.search(text, start + 1)
                return False
        return phrase.pattern.search(field.text) is not None

    def occurs(self, phrase: CompiledPhrase, fields: tuple[str, ...]) -> bool:
        """Whether ``phrase`` occurs in its own field if it names one, else in ``fields``."""
        return any(self.occurs_in(phrase, self.field(name)) for name in phrase.fields or fields)

    def find(self, phrase: CompiledPhrase, fields: tuple[str, ...]) -> Hit | None:
        """Where ``phrase`` first occurs (with the text it matched), as ``occurs`` decides."""
        for name in phrase.fields or fields:
            if not self.occurs_in(phrase, self.field(name)):
                continue
            found = phrase.pattern.search(self.texts[name])
            if found:
                return Hit(phrase.phrase, name, found.group(0))
        return None

    def search(self, pattern: re.Pattern[str], fields: tuple[str, ...], label: str) -> Hit | None:
        """Where ``pattern`` first finds a match in ``fields``."""
        for name in fields:
            found = pattern.search(self.texts[name])
            if found:
                return Hit(label, name, found.group(0))
        return None


def _hits(phrases: Phrases, text: EntryText, fields: tuple[str, ...]) -> tuple[Hit, ...]:
    """The first hit of each phrase."""
    return tuple(hit for hit in (text.find(p, fields) for p in phrases) if hit is not None)


def _quoted(hits: tuple[Hit, ...]) -> str:
    return ", ".join(f'"{h.phrase}"' for h in hits)


def _checks(text: EntryText, compiled: CompiledTopic, *, full: bool) -> list[Check]:
    """The rule's conditions on an entry, cheapest first; stops at the first failure unless ``full``."""
    topic = compiled.topic
    entry = text.entry
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
        hits = _hits(compiled.all, text, topic.fields)
        missing = [p.phrase for p in compiled.all if p.phrase not in {h.phrase for h in hits}]
        detail = (f"every `all` phrase occurs in {fields}" if not missing else
                  f"`all` phrase{'s' if len(missing) > 1 else ''} not in {fields}: "
                  + ", ".join(f'"{p}"' for p in missing))
        if not add(Check("all", not missing, detail, hits)):
            return checks
    if compiled.any:
        hits = _hits(compiled.any, text, topic.fields)
        detail = f"`any` matched {_quoted(hits)}" if hits else "no `any` phrase matched"
        if not add(Check("any", bool(hits), detail, hits)):
            return checks
    if compiled.regex is not None:
        regex_hit = text.search(compiled.regex, topic.fields, topic.regex or "")
        hits = (regex_hit,) if regex_hit else ()
        detail = f"`regex` found \"{regex_hit.text}\"" if regex_hit else "`regex` found nothing"
        if not add(Check("regex", bool(hits), detail, hits)):
            return checks
    if compiled.none:
        hits = _hits(compiled.none, text, topic.fields)
        add(Check("none", not hits, f"excluded by `none` {_quoted(hits)}" if hits else
                  "no `none` phrase occurs", hits))
    return checks


def explain(entry: Entry, compiled: CompiledTopic) -> Match:
    """Whether ``entry`` belongs to the topic, with every condition checked and the words that
    decided it: the matching phrases if it is in, else those of the first failed condition."""
    checks = tuple(_checks(EntryText(entry), compiled, full=True))
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


def _record_passes(topic: Topic, entry: Entry) -> bool:
    """Whether ``entry`` meets the conditions of ``topic`` that are not about its text:
    ``sources``, ``categories`` and ``min_upvotes``."""
    if topic.sources and not any(s in topic.sources for s in entry.sources):
        return False
    if topic.categories:
        wanted = {c.lower() for c in topic.categories}
        if not any(c.lower() in wanted for c in entry.categories):
            return False
    return topic.min_upvotes is None or (entry.upvotes is not None
                                         and entry.upvotes >= topic.min_upvotes)


def _passes(text: EntryText, compiled: CompiledTopic) -> bool:
    """Whether the entry of ``text`` meets every condition of the rule (no explanation kept)."""
    topic = compiled.topic
    if not _record_passes(topic, text.entry):
        return False
    fields = topic.fields
    if compiled.all and not all(text.occurs(p, fields) for p in compiled.all):
        return False
    if compiled.any and not any(text.occurs(p, fields) for p in compiled.any):
        return False
    if compiled.regex is not None and text.search(compiled.regex, fields, "") is None:
        return False
    return not any(text.occurs(p, fields) for p in compiled.none)


def matches(entry: Entry, compiled: CompiledTopic) -> bool:
    """Whether ``entry`` belongs to the topic (the fast path of ``explain``)."""
    return _passes(EntryText(entry), compiled)


class TopicMatcher:
    """Classifies entries into many topics at once. Every phrase of every topic is indexed: a
    one-word phrase by its spellings (an entry's words then find it by set intersection), a
    longer one by its first word (searched only when that word occurs); each phrase is decided
    once per entry however many topics use it. Verdicts equal ``matches``."""

    def __init__(self, compiled: tuple[CompiledTopic, ...]) -> None:
        self.compiled = compiled
        self._phrases: list[CompiledPhrase] = []
        ids: dict[tuple[str, tuple[str, ...]], int] = {}
        self._single: dict[str, list[int]] = {}
        self._by_pair: dict[tuple[str, str], list[int]] = {}
        self._by_first_word: dict[str, list[int]] = {}
        self._always: list[int] = []
        self._topics: list[tuple[CompiledTopic, frozenset[int], frozenset[int], frozenset[int]]] = []
        for topic in compiled:
            groups = []
            for group in (topic.all, topic.any, topic.none):
                group_ids = []
                for phrase in group:
                    key = (phrase.phrase, phrase.fields or topic.topic.fields)
                    if key not in ids:
                        ids[key] = index = len(self._phrases)
                        self._phrases.append(replace(phrase, fields=key[1]))
                        if phrase.words is not None and len(phrase.words) == 1:
                            for spelling in phrase.words[0]:
                                self._single.setdefault(spelling, []).append(index)
                        elif phrase.words is not None:
                            for first in phrase.words[0]:
                                for second in phrase.words[1]:
                                    self._by_pair.setdefault((first, second), []).append(index)
                        elif phrase.needs is not None:
                            for spelling in phrase.needs[0]:
                                self._by_first_word.setdefault(spelling, []).append(index)
                        else:
                            self._always.append(index)
                    group_ids.append(ids[key])
                groups.append(tuple(group_ids))
            self._topics.append((topic, frozenset(groups[0]), frozenset(groups[1]),
                                 frozenset(groups[2])))
        self._single_words = frozenset(self._single)
        self._pairs = frozenset(self._by_pair)
        self._first_words = frozenset(self._by_first_word)
        self._fields = tuple(name for name in FIELDS
                             if any(name in (p.fields or ()) for p in self._phrases))

    def _found(self, text: EntryText) -> set[int]:
        """The ids of the phrases that occur in ``text`` (each in its own fields)."""
        phrases = self._phrases
        found: set[int] = set()
        for name in self._fields:
            field = text.field(name)
            words, pairs = field.words, field.pairs
            if words is None or pairs is None:  # no word shortcut here: search every phrase
                checks: Iterable[int] = range(len(phrases))
            else:
                for word in self._single_words.intersection(words):
                    found.update(i for i in self._single[word] if name in (phrases[i].fields or ()))
                checks = [i for pair in self._pairs.intersection(pairs) for i in self._by_pair[pair]]
                checks += [i for word in self._first_words.intersection(words)
                           for i in self._by_first_word[word]]
                checks += self._always
            for i in checks:
                phrase = phrases[i]
                if (i not in found and name in (phrase.fields or ())
                        and text.occurs_in(phrase, field)):
                    found.add(i)
        return found

    def classify(self, entry: Entry) -> tuple[str, ...]:
        """The slugs of every topic ``entry`` belongs to, in configuration order."""
        text = EntryText(entry)
        found = self._found(text)
        slugs = []
        for compiled, all_ids, any_ids, none_ids in self._topics:
            if (any_ids and found.isdisjoint(any_ids)) or not found.isdisjoint(none_ids) \
                    or (all_ids and not found.issuperset(all_ids)):
                continue
            topic = compiled.topic
            if not _record_passes(topic, entry):
                continue
            if compiled.regex is not None and text.search(compiled.regex, topic.fields, "") is None:
                continue
            slugs.append(topic.slug)
        return tuple(slugs)


def classify(entry: Entry, compiled: tuple[CompiledTopic, ...]) -> tuple[str, ...]:
    """The slugs of every topic ``entry`` belongs to, in configuration order (to classify many
    entries, build one ``TopicMatcher`` and call its ``classify``)."""
    return TopicMatcher(compiled).classify(entry)


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
    if not is_count(value):
        raise ConfigError(f"{where}: expected a whole number >= 0")
    return int(value)


def topic_from_table(slug: str, table: Mapping[str, Any], *, where: str) -> Topic:
    """A validated ``Topic`` from its TOML table; ConfigError naming ``where``, topic and key."""
    here = f"{where}: topic {slug!r}"
    if not SLUG.match(slug):
        raise ConfigError(f"{here}: slug must match [a-z0-9-]+ (lowercase words joined by -)")
    if len(slug) > MAX_SLUG_LENGTH:
        raise ConfigError(f"{here}: slug is {len(slug)} characters long; at most "
                          f"{MAX_SLUG_LENGTH} are allowed")
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
        if not is_number(days) or days <= 0:
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
