"""Topic matching: topics in, one compiled form out; entries in, their topics and the reasons out. Pure.

Phrase matching, exactly:
- case-insensitive;
- on word boundaries: the phrase must not start or end inside a word (``rag`` does not match
  ``storage``, ``benchmark`` does not match ``benchmarking``);
- words are separated by any run of spaces, hyphens and underscores, in the phrase and in the text
  alike: ``long-context`` = ``long context`` = ``long_context``, but not ``longcontext``;
- the last word may take a simple plural: ``+s``, ``+es``, and a consonant + ``y`` may become
  ``ies`` (``study`` matches ``studies``); earlier words must match as written;
- nothing else: no stemming (``fine-tune`` does not match ``fine-tuning``; list both).
``phrase_pattern`` is that definition as one regex.

``compile_topic`` gives each phrase (and the topic's ``regex``) one ``Phrase``: the regex that
decides it and the words a text must contain for it to have a chance. ``TopicMatcher`` indexes the
phrases of many topics by those words, finds which phrases occur in an entry, and from that one
set both decides membership (``classify``) and explains it (``explain``).

``authors`` compares people's names by ``rules.name_parts``; ``organizations`` the Hugging Face
organisation's handle or id, case-insensitive. ``like`` asks a ``SimilarityScorer``, a plain
value the caller gives the matcher: a function from an entry to its similarity (0 to 1) to each
example paper it knows, by arXiv id; the matcher asks it at most once per entry, and only when a
topic that uses ``like`` is still in question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..model import Entry
from .rules import FIELDS, WORD_SEP, Name, Topic, name_parts, phrase_words, same_person, split_field

SimilarityScorer = Callable[[Entry], Mapping[str, float]]
"""An entry in; its similarity (0 to 1) to each example paper the scorer knows, by arXiv id, out."""

_TOKEN = re.compile(r"[^\W_]+")
# bytes.translate table: ASCII letters and digits stay, every other byte becomes a space.
_ASCII_WORD_BYTES = bytes(b if chr(b).isascii() and chr(b).isalnum() else 32 for b in range(256))
# The characters re.IGNORECASE matches to an ASCII letter that str.lower() does not lower to it.
# With them mapped first, a folded text holds an ASCII phrase exactly where the case-insensitive
# pattern finds it, character for character (so a match's span is also its span in the text).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


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


@dataclass(frozen=True)
class Phrase:
    """One ``any``/``all``/``none`` item (or a topic's ``regex``) compiled: where it is searched,
    the regex that decides where it occurs, and the words a text must hold for it to occur.

    ``folded``: the regex is the phrase in lowercase ASCII, searched in the folded text (see
    ``_FOLD``), and ``_search`` checks the word boundary before it; else the regex is searched in
    the text as written (``re:`` items, a topic's regex, non-ASCII phrases).
    ``words``: the runs of letters and digits the folded text must hold as words for the regex to
    match, in order, each as the set of spellings it accepts (empty: none known)."""

    item: str
    fields: tuple[str, ...]
    regex: re.Pattern[str]
    folded: bool = False
    words: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class CompiledTopic:
    """A topic with its phrases and regex compiled once, its authors' names taken apart
    (``rules.name_parts``) by family name, and its organisations case-folded."""

    topic: Topic
    any: tuple[Phrase, ...] = ()
    all: tuple[Phrase, ...] = ()
    none: tuple[Phrase, ...] = ()
    regex: Phrase | None = None
    authors: Mapping[str, tuple[tuple[str, Name], ...]] | None = None
    organizations: frozenset[str] = frozenset()


def _last_word(word: str) -> tuple[str, tuple[str, ...]]:
    """A phrase's last word as a stem and the endings it may take (its simple plural)."""
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1], ("y", "ies")
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word, ("es", "")
    return word, ("s", "es", "")


def _body(words: list[str]) -> str:
    """The regex of a phrase's words, up to the word boundary after it (not the one before)."""
    stem, endings = _last_word(words[-1])
    last = f"{re.escape(stem)}(?:{'|'.join(endings)})"
    return WORD_SEP.join([*map(re.escape, words[:-1]), last]) + r"(?![^\W_])"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The pattern of one phrase, exactly as the module docstring defines phrase matching."""
    words = phrase_words(phrase)
    if not words:
        raise ValueError("empty phrase")
    return re.compile(rf"(?<![^\W_]){_body(words)}", re.IGNORECASE)


def _needs(words: list[str]) -> tuple[frozenset[str], ...]:
    """The words (runs of letters and digits) a folded text must contain for the phrase of
    ``words`` to occur in it, each with its accepted spellings (the last with its plurals)."""
    runs: list[frozenset[str]] = []
    for index, word in enumerate(words):
        tokens = _TOKEN.findall(word)
        for position, token in enumerate(tokens):
            if index == len(words) - 1 and position == len(tokens) - 1 and word.endswith(token):
                stem, endings = _last_word(word)
                cut = len(word) - len(token)
                runs.append(frozenset((stem + ending)[cut:] for ending in endings))
            else:
                runs.append(frozenset({token}))
    return tuple(runs)


def _compile_phrase(item: str, fields: tuple[str, ...]) -> Phrase:
    """``item`` (a phrase, maybe with a field prefix or ``re:``) searched in ``fields`` unless it
    names its own field."""
    phrase, own = split_field(item)
    fields = own or fields
    if phrase.startswith("re:"):
        return Phrase(item, fields, re.compile(phrase[3:], re.IGNORECASE))
    if not phrase.isascii():
        return Phrase(item, fields, phrase_pattern(phrase))
    words = phrase_words(phrase)
    if not words:
        raise ValueError("empty phrase")
    return Phrase(item, fields, re.compile(_body(words)), folded=True, words=_needs(words))


def compile_topic(topic: Topic) -> CompiledTopic:
    """``topic`` ready for matching."""
    def phrases(items: tuple[str, ...]) -> tuple[Phrase, ...]:
        return tuple(_compile_phrase(item, topic.fields) for item in items)
    regex = (Phrase(topic.regex, topic.fields, re.compile(topic.regex, re.IGNORECASE))
             if topic.regex else None)
    authors: dict[str, tuple[tuple[str, Name], ...]] = {}
    for person in topic.authors:
        parts = name_parts(person)
        authors[parts[0]] = (*authors.get(parts[0], ()), (person, parts))
    return CompiledTopic(topic, any=phrases(topic.any), all=phrases(topic.all),
                         none=phrases(topic.none), regex=regex, authors=authors or None,
                         organizations=frozenset(o.casefold() for o in topic.organizations))


class _Field:
    """One searchable field: its text, folded (lowercase; see ``_FOLD``), and its words: the runs
    of ASCII letters and digits of the folded text (every other character parts words). Those are
    all the words an ASCII phrase can need, as a phrase only matches between word boundaries."""

    __slots__ = ("text", "folded", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = (text if text.isascii() else text.translate(_FOLD)).lower()
        self.words = frozenset(self.folded.encode("ascii", "replace").translate(_ASCII_WORD_BYTES)
                               .decode("ascii").split())


_FIELD_TEXT: dict[str, Callable[[Entry], str]] = {
    "title": lambda e: e.title, "abstract": lambda e: e.summary,
    "keywords": lambda e: "; ".join(e.keywords), "authors": lambda e: "; ".join(e.authors)}


class _Reading:
    """An entry's searchable fields, its authors' names taken apart and its similarity to the
    example papers, each prepared on first use."""

    __slots__ = ("entry", "_fields", "_names", "_scores", "_scorer")

    def __init__(self, entry: Entry, scorer: SimilarityScorer | None = None) -> None:
        self.entry = entry
        self._fields: dict[str, _Field] = {}
        self._names: tuple[tuple[str, Name], ...] | None = None
        self._scores: Mapping[str, float] | None = None
        self._scorer = scorer

    @property
    def names(self) -> tuple[tuple[str, Name], ...]:
        """Each author as written, with the parts of the name."""
        if self._names is None:
            self._names = tuple((a, name_parts(a)) for a in self.entry.authors)
        return self._names

    @property
    def scores(self) -> Mapping[str, float]:
        """The entry's similarity to each example paper the scorer knows (none without one)."""
        if self._scores is None:
            self._scores = self._scorer(self.entry) if self._scorer is not None else {}
        return self._scores

    def field(self, name: str) -> _Field:
        """Field ``name`` (one of ``FIELDS``)."""
        found = self._fields.get(name)
        if found is None:
            found = self._fields[name] = _Field(_FIELD_TEXT[name](self.entry))
        return found


def _search(phrase: Phrase, field: _Field) -> re.Match[str] | None:
    """The first match of ``phrase`` in ``field``; its span is also its span in ``field.text``."""
    if not phrase.folded:
        return phrase.regex.search(field.text)
    text = field.folded
    # the boundary checked here, not in the regex: bench S1 (10,000 entries) takes 38% less time
    found = phrase.regex.search(text)
    while found is not None and found.start() > 0 and text[found.start() - 1].isalnum():
        found = phrase.regex.search(text, found.start() + 1)
    return found


def _hit(phrase: Phrase, reading: _Reading) -> Hit | None:
    """Where ``phrase`` first occurs in its fields, with the text it matched."""
    for name in phrase.fields:
        field = reading.field(name)
        found = _search(phrase, field)
        if found is not None:
            return Hit(phrase.item, name, field.text[found.start():found.end()])
    return None


class _FieldIndex:
    """The phrases searched in one field, by the first word each needs (in every spelling it
    accepts), with the words it needs besides: those between (as written) and the last (in its
    spellings). Phrases that need no known word are always candidates."""

    __slots__ = ("by_word", "first_words", "always")

    def __init__(self, phrases: Iterable[tuple[int, Phrase]]) -> None:
        self.by_word: dict[str, list[tuple[int, frozenset[str], frozenset[str]]]] = {}
        self.always: list[int] = []
        for number, phrase in phrases:
            if not phrase.words:
                self.always.append(number)
                continue
            between = frozenset().union(*phrase.words[1:-1])
            for spelling in phrase.words[0]:
                self.by_word.setdefault(spelling, []).append((number, between, phrase.words[-1]))
        self.first_words = frozenset(self.by_word)

    def candidates(self, words: frozenset[str]) -> list[int]:
        """The phrases that may occur in a field of ``words``: those that need no known word and
        those whose every needed word it holds."""
        return self.always + [number for word in self.first_words.intersection(words)
                              for number, between, last in self.by_word[word]
                              if between <= words and not last.isdisjoint(words)]


_PHRASE_CONDITIONS = ("all", "any", "regex", "none")


def _phrases(compiled: CompiledTopic, condition: str) -> tuple[Phrase, ...]:
    """The phrases of one of the ``_PHRASE_CONDITIONS`` of ``compiled``."""
    if condition == "regex":
        return () if compiled.regex is None else (compiled.regex,)
    return {"all": compiled.all, "any": compiled.any, "none": compiled.none}[condition]


@dataclass(frozen=True)
class _Rule:
    """A compiled topic as the matcher sees it: the conditions it sets, in the order they are
    explained, and the phrases of each phrase condition as numbers in the matcher's phrase list
    (in the rule's order, and as a set)."""

    compiled: CompiledTopic
    conditions: tuple[str, ...]
    numbers: dict[str, tuple[int, ...]]
    sets: dict[str, frozenset[int]]


class TopicMatcher:
    """Matches entries against many topics at once: every phrase of every topic is indexed by the
    words it needs (``_FieldIndex``) and decided once per entry however many topics use it; then
    only the topics that a found phrase can let in are checked, condition by condition.
    ``classify`` and ``explain`` share all of it."""

    def __init__(self, compiled: Iterable[CompiledTopic],
                 similarity: SimilarityScorer | None = None) -> None:
        self.compiled = tuple(compiled)
        self.similarity = similarity
        unscored = [c.topic.slug for c in self.compiled if c.topic.like and similarity is None]
        if unscored:
            raise ValueError(f"topic {unscored[0]!r} uses `like`: the matcher needs a similarity "
                             "scorer")
        self._phrases: list[Phrase] = []
        self._numbers: dict[tuple[str, int, bool, tuple[str, ...]], int] = {}
        self._rules: list[_Rule] = []
        self._topics_needing: dict[int, list[int]] = {}
        self._unconditional: list[int] = []
        for position, topic in enumerate(self.compiled):
            numbers = {c: self._number(_phrases(topic, c)) for c in _PHRASE_CONDITIONS}
            self._rules.append(_Rule(topic, _conditions(topic), numbers,
                                     {c: frozenset(n) for c, n in numbers.items()}))
            # the topic cannot match without one of these: its first `all` phrase, else one of
            # its `any` phrases, else its regex
            needed = numbers["all"][:1] or numbers["any"] or numbers["regex"]
            for number in needed:
                self._topics_needing.setdefault(number, []).append(position)
            if not needed:
                self._unconditional.append(position)
        self._index = {name: _FieldIndex((n, p) for n, p in enumerate(self._phrases)
                                         if name in p.fields)
                       for name in FIELDS if any(name in p.fields for p in self._phrases)}

    def _number(self, phrases: tuple[Phrase, ...]) -> tuple[int, ...]:
        """The numbers of ``phrases``, adding those not seen yet (one number per regex, search
        mode and fields: the same phrase written twice is searched once)."""
        numbers = []
        for phrase in phrases:
            key = (phrase.regex.pattern, phrase.regex.flags, phrase.folded, phrase.fields)
            number = self._numbers.get(key)
            if number is None:
                number = self._numbers[key] = len(self._phrases)
                self._phrases.append(phrase)
            numbers.append(number)
        return tuple(numbers)

    def _found(self, reading: _Reading) -> set[int]:
        """The numbers of the phrases that occur in the entry of ``reading``."""
        found: set[int] = set()
        for name, index in self._index.items():
            field = reading.field(name)
            for number in index.candidates(field.words):
                if number not in found and _search(self._phrases[number], field) is not None:
                    found.add(number)
        return found

    def _candidates(self, found: set[int]) -> list[_Rule]:
        """The topics the entry whose phrases ``found`` occur may be in, in configuration order."""
        positions = {p for n in found for p in self._topics_needing.get(n, ())}
        return [self._rules[p] for p in sorted(positions.union(self._unconditional))]

    def classify(self, entry: Entry) -> tuple[str, ...]:
        """The slugs of every topic ``entry`` belongs to, in configuration order."""
        reading = _Reading(entry, self.similarity)
        found = self._found(reading)
        slugs = []
        for rule in self._candidates(found):
            for condition in rule.conditions:
                if not _holds(rule, condition, reading, found):
                    break
            else:
                slugs.append(rule.compiled.topic.slug)
        return tuple(slugs)

    def explain(self, entry: Entry) -> tuple[Match, ...]:
        """Every topic's verdict on ``entry``, in configuration order, with every condition
        checked and the words that decided it."""
        reading = _Reading(entry, self.similarity)
        found = self._found(reading)
        return tuple(_match(rule.compiled.topic.slug,
                            tuple(_check(rule, c, reading, found) for c in rule.conditions))
                     for rule in self._rules)


def _conditions(compiled: CompiledTopic) -> tuple[str, ...]:
    """The conditions ``compiled`` sets, in the order they are checked and explained (the
    cheapest first; ``like``, which may have to score the entry, after every other)."""
    topic = compiled.topic
    given = {"sources": topic.sources, "categories": topic.categories,
             "min_upvotes": topic.min_upvotes is not None, "organizations": topic.organizations,
             "authors": topic.authors, "all": compiled.all, "any": compiled.any,
             "regex": compiled.regex is not None, "none": compiled.none, "like": topic.like}
    return tuple(name for name, value in given.items() if value)


def _from_sources(topic: Topic, entry: Entry) -> list[str]:
    return [s for s in entry.sources if s in topic.sources]


def _in_categories(topic: Topic, entry: Entry) -> list[str]:
    wanted = {c.lower() for c in topic.categories}
    return [c for c in entry.categories if c.lower() in wanted]


def _organization(compiled: CompiledTopic, entry: Entry) -> str | None:
    """The handle or id of ``entry``'s organisation that ``compiled`` names, if any."""
    organization = entry.organization
    if organization is None:
        return None
    for value in (organization.name, organization.id):
        if value and value.casefold() in compiled.organizations:
            return value
    return None


def _authors(compiled: CompiledTopic, reading: _Reading) -> list[tuple[str, str]]:
    """(name in the rule, author as written) for each author of the entry a rule name matches."""
    wanted = compiled.authors or {}
    return [(person, written) for written, parts in reading.names
            for person, rule_parts in wanted.get(parts[0], ()) if same_person(rule_parts, parts)]


def _closest(topic: Topic, reading: _Reading) -> tuple[str, float] | None:
    """The example paper of ``topic`` most similar to the entry, with the score (None when the
    scorer knows none of them)."""
    scores = reading.scores
    known = [(example, scores[example]) for example in topic.like if example in scores]
    return max(known, key=lambda pair: pair[1]) if known else None  # ties: the first in the rule


def _holds(rule: _Rule, condition: str, reading: _Reading, found: set[int]) -> bool:
    """Whether ``condition`` of ``rule`` holds for the entry of ``reading``, whose phrases
    ``found`` occur."""
    entry = reading.entry
    if condition == "any":
        return not found.isdisjoint(rule.sets["any"])
    if condition == "none":
        return found.isdisjoint(rule.sets["none"])
    if condition in ("all", "regex"):
        return found.issuperset(rule.sets[condition])
    if condition == "sources":
        return bool(_from_sources(rule.compiled.topic, entry))
    if condition == "categories":
        return bool(_in_categories(rule.compiled.topic, entry))
    if condition == "organizations":
        return _organization(rule.compiled, entry) is not None
    if condition == "authors":
        return bool(_authors(rule.compiled, reading))
    if condition == "like":
        closest = _closest(rule.compiled.topic, reading)
        return closest is not None and closest[1] >= rule.compiled.topic.similarity
    least = rule.compiled.topic.min_upvotes  # min_upvotes
    return entry.upvotes is not None and least is not None and entry.upvotes >= least


def _quoted(items: Iterable[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _check(rule: _Rule, condition: str, reading: _Reading, found: set[int]) -> Check:
    """``condition`` of ``rule`` applied to the entry of ``reading``: ``_holds``, with what it saw."""
    compiled, entry = rule.compiled, reading.entry
    topic = compiled.topic
    passed = _holds(rule, condition, reading, found)
    if condition == "sources":
        hit = _from_sources(topic, entry)
        return Check(condition, passed, f"from {', '.join(hit)}" if passed else
                     f"not from {', '.join(topic.sources)} (from {', '.join(entry.sources) or '?'})")
    if condition == "categories":
        hit = _in_categories(topic, entry)
        return Check(condition, passed, f"in {', '.join(hit)}" if passed else
                     f"not in {', '.join(topic.categories)} "
                     f"(has {', '.join(entry.categories) or 'no categories'})")
    if condition == "min_upvotes":
        votes = entry.upvotes
        return Check(condition, passed, f"{'no' if votes is None else votes} upvotes, "
                     f"{'>=' if passed else 'needs'} {topic.min_upvotes}")
    if condition in ("organizations", "authors", "like"):
        return Check(condition, passed, _who_or_like(condition, compiled, reading, passed))
    phrases = tuple(zip(_phrases(compiled, condition), rule.numbers[condition], strict=True))
    hits = tuple(h for h in (_hit(p, reading) for p, n in phrases if n in found) if h is not None)
    fields = "+".join(topic.fields)
    if condition == "all":
        missing = [p.item for p, n in phrases if n not in found]
        return Check(condition, passed, f"every `all` phrase occurs in {fields}" if passed else
                     f"`all` phrase{'s' if len(missing) > 1 else ''} not in {fields}: "
                     + _quoted(missing), hits)
    if condition == "any":
        return Check(condition, passed, f"`any` matched {_quoted(h.phrase for h in hits)}"
                     if passed else "no `any` phrase matched", hits)
    if condition == "regex":
        return Check(condition, passed, f"`regex` found \"{hits[0].text}\"" if passed else
                     "`regex` found nothing", hits)
    return Check(condition, passed, "no `none` phrase occurs" if passed else
                 f"excluded by `none` {_quoted(h.phrase for h in hits)}", hits)


def _who_or_like(condition: str, compiled: CompiledTopic, reading: _Reading, passed: bool) -> str:
    """What an ``organizations``, ``authors`` or ``like`` check saw."""
    topic, entry = compiled.topic, reading.entry
    if condition == "organizations":
        found = entry.organization
        if passed and found is not None:
            return f"organization {found.name}" + (f" (id {found.id})" if found.id else "") + \
                f" matched \"{_organization(compiled, entry)}\""
        return (f"organization {found.name if found else '(none)'} is not "
                + " or ".join(f'"{o}"' for o in topic.organizations))
    if condition == "authors":
        if passed:
            return "; ".join(f'author "{written}" matched "{person}"'
                             for person, written in _authors(compiled, reading))
        return ("no author matches " + _quoted(topic.authors)
                + (f" (authors: {', '.join(entry.authors)})" if entry.authors else " (no authors)"))
    closest = _closest(topic, reading)
    if closest is None:
        return (f"no example paper could be read ({', '.join(topic.like)}: not in the store and "
                "not fetched)")
    example, score = closest
    return (f"closest example {example}, similarity {score:.3f} "
            f"{'>=' if passed else '<'} {topic.similarity:g}")


def _match(slug: str, checks: tuple[Check, ...]) -> Match:
    """The verdict of ``checks``: in if all passed, with the phrases that matched; else out, with
    the reason and phrases of the first failed condition."""
    failed = [c for c in checks if not c.passed]
    if failed:
        first = failed[0]
        reason = "excluded by `none`" if first.rule == "none" else first.detail
        return Match(slug, False, reason, tuple(h.phrase for h in first.hits), checks)
    words = tuple(h.phrase for c in checks if c.rule in ("all", "any", "regex") for h in c.hits)
    reason = "; ".join(c.detail for c in checks if c.rule != "none") or "no condition"
    return Match(slug, True, reason, words, checks)
