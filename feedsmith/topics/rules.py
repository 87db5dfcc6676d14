"""Topic rules: a TOML table per topic in, a validated ``Topic`` (and a fingerprint of its rule) out.

A rule is a set of conditions that must all hold (the README documents the language):
``any`` (at least one phrase occurs), ``all`` (every phrase occurs), ``none`` (no phrase occurs),
``regex`` (a Python regex, case-insensitive, finds a match), ``categories`` (the entry has one of
these arXiv categories), ``sources`` (the entry came from one of these sources),
``min_upvotes``, ``authors`` (one of these people wrote it: names compared by ``name_parts``),
``organizations`` (it was submitted for one of these Hugging Face organisations, by name or id)
and ``like`` (its text is at least ``similarity`` similar to one of these example papers, by arXiv
id). Phrases and the regex are searched in ``fields`` (default title and abstract), each field on
its own; a phrase may name its own field (``title:``) or be a regex (``re:``). How a phrase
matches is ``match``'s business; how similar two papers are is the similarity scorer's.
``toml_table`` writes a rule back as TOML.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..checks import ARXIV_CATEGORY_FORM, is_arxiv_category, is_count, is_number, unknown_key
from ..errors import ConfigError
from ..ids import extract_arxiv_id

ALL = "all"
RESERVED_SLUGS = frozenset({ALL, "index", "feeds", "style", "feed", "site"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 64  # a slug names files (<slug>.atom): keep it far below any file name limit
FIELDS = ("title", "abstract", "keywords", "authors")
DEFAULT_FIELDS = ("title", "abstract")
SORTS = ("first-seen", "upvotes", "trending")
RULE_KEYS = frozenset({"any", "all", "none", "regex", "categories", "sources", "min_upvotes",
                       "fields", "authors", "organizations", "like", "similarity"})
# A topic needs one of these (``none`` and ``fields`` only narrow what another lets in).
SELECTING_KEYS = ("any", "all", "regex", "categories", "sources", "min_upvotes", "authors",
                  "organizations", "like")
OPTION_KEYS = frozenset({"title", "description", "window_days", "min_entries", "max_entries",
                         "sort"})
TOPIC_KEYS = RULE_KEYS | OPTION_KEYS
# The default `similarity` of a `like` topic: the best threshold on development subjects
# (tests/similar_calibration.py), fixed before the papers of the `like` tests were chosen.
DEFAULT_SIMILARITY = 0.175
# Bump when the meaning of a rule changes (phrase matching, fields): stores re-classify.
MATCHING_VERSION = 2
# What separates the words of a phrase, in the phrase and in the text alike.
WORD_SEP = r"[\s\-_]+"
_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z]+):\s*(?P<phrase>.*)$", re.DOTALL)


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
    authors: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    like: tuple[str, ...] = ()
    similarity: float = DEFAULT_SIMILARITY
    window: timedelta | None = None
    min_entries: int | None = None
    max_entries: int | None = None
    sort: str = "first-seen"


def split_field(item: str) -> tuple[str, tuple[str, ...] | None]:
    """An ``any``/``all``/``none`` item without its field prefix (``title:``, ``authors:``...),
    and the field it names (None: the topic's ``fields``); ValueError for an unknown field name."""
    found = _FIELD_PREFIX.match(item.strip())
    if not found or found.group("field") == "re":
        return item, None
    if found.group("field") not in FIELDS:
        raise ValueError(f"unknown field {found.group('field')!r} in {item!r} "
                         f"(known: {', '.join(FIELDS)})")
    return found.group("phrase"), (found.group("field"),)


def phrase_words(phrase: str) -> list[str]:
    """The lowercase words of a phrase (split on spaces, hyphens and underscores)."""
    return [w for w in re.split(WORD_SEP, phrase.strip().lower()) if w]


_NAME_WORD = re.compile(r"[^\W\d_]+")
Name = tuple[str, tuple[str, ...]]
_SUFFIX = re.compile(r"jr|sr|ii|iii|iv", re.IGNORECASE)
# Letters NFKD does not take apart, as the plain letters they are written with in ASCII; apostrophes
# dropped (O'Brien = OBrien).
_NAME_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                               "þ": "th", "ı": "i", "'": None, "\u2019": None})


def name_parts(name: str) -> Name:
    """A person's name as (family name, given names), compared alike however it is written: accents
    removed, case folded, apostrophes dropped, initials as their letter, "Family, Given" turned
    round. ``Y. LeCun``, ``yann lecun`` and ``LeCun, Yann`` give ("lecun", ("y",)) or
    ("lecun", ("yann",)); the family name is the last word (("", ()) for a name without a word)."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    text = text.casefold().translate(_NAME_LETTERS)
    family, comma, given = text.partition(",")
    if comma and _NAME_WORD.findall(given) and not _SUFFIX.fullmatch(given.strip(" .")):
        text = f"{given} {family}"
    elif comma:
        text = family  # "King, Jr.": the suffix is not a name
    words = _NAME_WORD.findall(text)
    if not words:
        return "", ()
    return words[-1], tuple(words[:-1])


def same_person(rule: Name, author: Name) -> bool:
    """Whether two ``name_parts`` may name the same person: the same family name, and given names
    that agree as far as both go, an initial agreeing with any name it begins (``Y`` = ``Yann``).
    A name without given names agrees with any."""
    return rule[0] == author[0] and all(
        a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))
        for a, b in zip(rule[1], author[1], strict=False))


def rule_data(topic: Topic) -> dict[str, Any]:
    """The parts of ``topic`` that decide membership (not its title, window or sort). The keys
    added after the first rule language appear only when set, so older rules keep their
    fingerprints."""
    data: dict[str, Any] = {
        "slug": topic.slug, "any": list(topic.any), "all": list(topic.all),
        "none": list(topic.none), "regex": topic.regex, "categories": list(topic.categories),
        "sources": list(topic.sources), "min_upvotes": topic.min_upvotes,
        "fields": list(topic.fields)}
    if topic.authors:
        data["authors"] = list(topic.authors)
    if topic.organizations:
        data["organizations"] = list(topic.organizations)
    if topic.like:
        data["like"] = list(topic.like)
        data["similarity"] = topic.similarity
    return data


def rules_fingerprint(topics: Iterable[Topic]) -> str:
    """A fingerprint of every rule field of ``topics`` (and of the matching code's version):
    when it changes, stored entries must be re-classified."""
    data = {"matching": MATCHING_VERSION, "topics": [rule_data(t) for t in topics]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


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
        if not phrase_words(words):
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
        raise ConfigError(f"{here}: {unknown_key(unknown[0], TOPIC_KEYS)}")

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
    bad = [c for c in values.get("categories", ()) if not is_arxiv_category(c, any_case=True)]
    if bad:
        raise ConfigError(f"{key('categories')}: expected {ARXIV_CATEGORY_FORM}, not {bad[0]!r}")
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
    _people(table, values, key)
    _examples(table, values, key)
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
    if not set(values) & set(SELECTING_KEYS):
        raise ConfigError(f"{key('any')}: give at least one phrase (or another condition: "
                          f"{', '.join(SELECTING_KEYS[1:])})")
    values.setdefault("title", slug.replace("-", " ").capitalize())
    return Topic(slug=slug, **values)


def _people(table: Mapping[str, Any], values: dict[str, Any], key: Callable[[str], str]) -> None:
    """``authors`` and ``organizations`` of ``table`` into ``values``."""
    for name in ("authors", "organizations"):
        if name in table:
            values[name] = _phrases(table[name], where=key(name), phrases=False)
            if not values[name]:
                raise ConfigError(f"{key(name)}: give at least one name (or leave the key out)")
    for person in values.get("authors", ()):
        if not name_parts(person)[0]:
            raise ConfigError(f"{key('authors')}: {person!r} is not a person's name")


def _examples(table: Mapping[str, Any], values: dict[str, Any], key: Callable[[str], str]) -> None:
    """``like`` (example papers, as versionless arXiv ids) and ``similarity`` of ``table`` into
    ``values``."""
    if "like" in table:
        ids: list[str] = []
        for reference in _phrases(table["like"], where=key("like"), phrases=False):
            arxiv = extract_arxiv_id(reference)
            if arxiv is None:
                raise ConfigError(f"{key('like')}: {reference!r} is not an arXiv id or an arXiv or "
                                  "Hugging Face paper URL")
            if arxiv.id not in ids:
                ids.append(arxiv.id)
        if not ids:
            raise ConfigError(f"{key('like')}: give at least one example paper (or leave the key out)")
        values["like"] = tuple(ids)
    if "similarity" in table:
        similarity = table["similarity"]
        if "like" not in table:
            raise ConfigError(f"{key('similarity')}: only a `like` rule has a similarity")
        if not is_number(similarity) or not 0 < similarity <= 1:
            raise ConfigError(f"{key('similarity')}: expected a number above 0 and at most 1 "
                              f"(default {DEFAULT_SIMILARITY})")
        values["similarity"] = float(similarity)


def topic_to_table(topic: Topic) -> dict[str, Any]:
    """The TOML table of ``topic``'s rule (the inverse of ``topic_from_table`` for rule keys)."""
    data = rule_data(topic)
    del data["slug"]
    return {k: v for k, v in data.items()
            if v not in (None, []) and not (k == "fields" and tuple(v) == DEFAULT_FIELDS)}


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_table(name: str, table: Mapping[str, Any]) -> str:
    """``table`` as TOML text to paste into the configuration: ``[name]`` (a dotted path of bare
    keys, such as ``topics.long-context``), then one ``key = value`` line per key. Values are
    the kinds a rule holds: strings, numbers, booleans and lists of them (TypeError otherwise)."""
    lines = [f"[{name}]"]
    lines += [f"{key if _BARE_KEY.match(key) else _toml_string(key)} = {_toml_value(value)}"
              for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # Python's repr of a number is TOML (1, 2.5, 1e+16, inf)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_string(text: str) -> str:
    """A TOML string: literal ('...') when it holds a backslash and can be one (regexes read as
    written), else basic ("...") with JSON's escapes, which TOML shares, and DEL escaped too."""
    controls = any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)
    if "\\" in text and "'" not in text and not controls:
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
