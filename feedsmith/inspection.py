"""Inspecting stored papers against the topics: a configuration and the store in, reports out.

For `feedsmith topics`: ``topic_summaries`` (entries per topic, newest entry), ``explain_paper``
(every topic's verdict on one stored paper, with the words that decided it) and ``try_rule`` (what
a rule not yet in the configuration would catch). For `feedsmith entries show`: ``describe_entry``
(where a stored entry came from, and its topics' verdicts). Both verdicts come from
``explain_entry``. They read the store and never write it, and never create one. ``like`` rules
are scored on the stored vocabulary (``similar.read_only``); ``try`` fetches an example paper
that is nowhere in the store from arXiv, without keeping it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from .config import Config
from .entries import find_entry, select_entries
from .errors import ArgumentError, ConfigError, StoreError
from .ids import extract_arxiv_id
from .merge import CURRENT, fingerprint
from .model import Entry
from .similar import Scorer, arxiv_fetcher, read_only
from .store import Store, open_store
from .topics import (
    Match,
    Topic,
    TopicMatcher,
    compile_topic,
    toml_table,
    topic_from_table,
    topic_to_table,
)

READ_LOCK_TIMEOUT = 10.0
TRIAL_SLUG = "trial"


@dataclass(frozen=True)
class TopicSummary:
    """One topic as stored: how many entries it has and the newest of them."""

    slug: str
    title: str
    count: int
    newest: Entry | None


@dataclass(frozen=True)
class Explanation:
    """One stored paper and every topic's verdict on it under the current rules."""

    entry: Entry
    matches: tuple[Match, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics the current rules put the paper in."""
        return tuple(m.slug for m in self.matches if m.matched)


@dataclass(frozen=True)
class TryResult:
    """What a trial rule catches: matching entries (newest first) and, against ``base`` (the
    configured topic it was derived from), the entries it adds and drops. ``toml``: the rule as
    a ``[topics.<slug>]`` table to paste into the configuration."""

    rule: dict[str, object]
    slug: str
    total: int
    caught: tuple[tuple[Entry, Match], ...]
    added: frozenset[str]
    dropped: tuple[Entry, ...]
    base: str | None
    missing: tuple[str, ...] = ()
    """Example papers of a ``like`` rule that could be read neither from the store nor arXiv."""

    @property
    def toml(self) -> str:
        """The rule as the TOML table of topic ``slug``."""
        return toml_table(f"topics.{self.slug}", self.rule)


@contextmanager
def existing_store(config: Config, lock_timeout: float = READ_LOCK_TIMEOUT) -> Iterator[Store]:
    """The configured store, opened only if a build already made it."""
    with open_store(config.site.cache, lock_timeout=lock_timeout, create=False) as store:
        yield store


def configured_topic(config: Config, slug: str) -> Topic:
    """The configured topic ``slug`` (given with ``--topic``); ArgumentError naming the known
    ones if there is none."""
    for topic in config.topics:
        if topic.slug == slug:
            return topic
    raise ArgumentError(f"--topic {slug!r}: no such topic "
                        f"(known: {', '.join(t.slug for t in config.topics) or 'none'})")


def list_entries(config: Config, *, topic: str | None = None, source: str | None = None,
                 text: str | None = None, since: datetime | None = None,
                 lock_timeout: float = READ_LOCK_TIMEOUT) -> list[Entry]:
    """The stored entries that match every given filter (``entries.select_entries``), newest
    first; ArgumentError for a topic that is not configured."""
    if topic is not None:
        configured_topic(config, topic)
    with existing_store(config, lock_timeout) as store:
        return list(select_entries(store, topic=topic, source=source, text=text, since=since))


def show_entry(config: Config, reference: str, *, lock_timeout: float = READ_LOCK_TIMEOUT
               ) -> list[str]:
    """The lines that describe the stored entry ``reference`` (an arXiv id, URL or guid)."""
    with existing_store(config, lock_timeout) as store:
        entry = find_entry(store, reference)
        scorer = read_only(store, config.topics)
    if entry is None:
        raise StoreError(f"no stored entry for {reference!r}")
    return describe_entry(entry, config.topics, scorer)


def topic_summaries(config: Config, *, lock_timeout: float = READ_LOCK_TIMEOUT
                    ) -> list[TopicSummary]:
    """Every configured topic with its stored entry count and newest entry (by first seen)."""
    summaries = []
    with existing_store(config, lock_timeout) as store:
        for topic in config.topics:
            keys = store.keys_by_first_seen(topic.slug)
            summaries.append(TopicSummary(topic.slug, topic.title, len(keys),
                                          store.get(keys[0][1]) if keys else None))
    return summaries


def find_paper(store: Store, reference: str) -> Entry:
    """The stored entry named by ``reference``: an arXiv id (versioned or not), an arXiv or
    Hugging Face paper URL, or the link of a non-arXiv item (``entries.find_entry``)."""
    if extract_arxiv_id(reference) is None and not reference.startswith(("http://", "https://")):
        raise ArgumentError(f"{reference!r} is not an arXiv id or a URL")
    entry = find_entry(store, reference)
    if entry is None:
        raise StoreError(f"{reference} is not in the store {store.directory}")
    return entry


def explain_entry(entry: Entry, topics: Iterable[Topic], scorer: Scorer | None = None
                  ) -> Explanation:
    """The verdict of each of ``topics`` on ``entry`` (``scorer`` scoring the ``like`` ones)."""
    return Explanation(entry, TopicMatcher((compile_topic(t) for t in topics), scorer).explain(entry))


def explain_paper(config: Config, reference: str, *, lock_timeout: float = READ_LOCK_TIMEOUT
                  ) -> Explanation:
    """Every configured topic's verdict on the stored paper ``reference``."""
    with existing_store(config, lock_timeout) as store:
        entry = find_paper(store, reference)
        scorer = read_only(store, config.topics)
    return explain_entry(entry, config.topics, scorer)


def parse_rule(items: tuple[str, ...]) -> dict[str, object]:
    """A rule table from ``--rule`` values: each one TOML ``key = value`` line (or several,
    separated by newlines), exactly as in topics.toml, e.g. ``any = ["long context"]``."""
    text = "\n".join(items)
    try:
        return dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ArgumentError(f"--rule: not TOML `key = value` lines ({exc}): {text!r}") from None


def try_rule(config: Config, items: tuple[str, ...], *, base: str | None = None,
             lock_timeout: float = READ_LOCK_TIMEOUT) -> TryResult:
    """What the rule in ``items`` catches in the store; with ``base`` (a configured topic's slug)
    the items change that topic's rule, and the result says what that adds and drops.
    ArgumentError for a rule that is not valid and a topic that is not configured."""
    table: dict[str, object] = {}
    if base is not None:
        table.update(topic_to_table(configured_topic(config, base)))
    table.update(parse_rule(items))
    try:
        topic = topic_from_table(base or TRIAL_SLUG, table, where="--rule")
    except ConfigError as exc:
        raise ArgumentError(str(exc)) from None
    with existing_store(config, lock_timeout) as store:
        everything = store.get_many(key for _, key in store.keys_by_first_seen())
        scorer = read_only(store, [topic], arxiv_fetcher(config))
    matcher = TopicMatcher([compile_topic(topic)], scorer)
    caught = tuple((e, matcher.explain(e)[0]) for e in everything if matcher.classify(e))
    keys = {e.key for e, _ in caught}
    before = {e.key for e in everything if base in e.topics} if base else set()
    return TryResult(
        rule=table,
        slug=topic.slug,
        total=len(everything),
        caught=caught,
        added=frozenset(keys - before) if base else frozenset(),
        dropped=tuple(e for e in everything if e.key in before - keys),
        base=base,
        missing=scorer.missing if scorer is not None else (),
    )


def describe_entry(entry: Entry, topics: Iterable[Topic], scorer: Scorer | None = None
                   ) -> list[str]:
    """Lines explaining ``entry``: identity, dates, sources, who won each field, history, and
    the verdict of each of ``topics``."""
    lines = [
        f"key:        {entry.key}",
        f"id:         {entry.guid}",
        f"title:      {entry.title}",
        f"first seen: {_iso(entry.first_seen)}",
        f"updated:    {_iso(entry.updated)}",
    ]
    if entry.arxiv_id:
        version = f"v{entry.version}" if entry.version else ""
        lines.append(f"arXiv:      {entry.arxiv_id}{version}")
    live = [f"{name} {getattr(entry, name)}" for name in ("upvotes", "comments", "rank")
            if getattr(entry, name) is not None]
    if live:
        lines.append(f"live:       {', '.join(live)} (latest values; not in feed files)")
    lines.append("sources (first seen):")
    seen = {p.field.removeprefix("source:"): p.seen for p in entry.provenance
            if p.field.startswith("source:")}
    for name in entry.sources:
        lines.append(f"  {name}  {_iso(seen.get(name))}")
    fields = [p for p in entry.provenance if not p.field.startswith("source:")]
    if fields:
        lines.append("field values (* = current; priority, version, first seen with that value):")
        for p in fields:
            value = getattr(entry.links, p.field[6:]) if p.field.startswith("links.") else (
                getattr(entry, p.field, None))
            current = p.field == "guid" or (value is not None and (
                p.fingerprint == CURRENT or fingerprint(value) == p.fingerprint))
            lines.append(f"  {'*' if current else ' '} {p.field:<14} {p.priority} v{p.version} "
                         f"{_iso(p.seen)}")
    lines.append("history:")
    for change in entry.history:
        run = f" run {_iso(change.run)}" if change.run else ""
        lines.append(f"  {_iso(change.at)}{run} {change.source}: {change.what}")
    lines.append("topics:")
    for match in explain_entry(entry, topics, scorer).matches:
        mark = "in " if match.matched else "out"
        words = f": {', '.join(match.words)}" if match.words else ""
        lines.append(f"  {mark} {match.slug} ({match.reason}{words})")
    return lines


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else "-"
