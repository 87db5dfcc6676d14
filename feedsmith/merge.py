"""Merging: the stored entry and a newly parsed one for the same key in, the entry to store out.

Pure. The rules (docs/store.md says the same for users):

- ``first_seen`` is the earliest time any delivery of the entry was seen (or a seed's date).
- Every other content field is chosen by source priority, not by arrival order: arXiv metadata
  (sources of kind ``arxiv-api``/``arxiv-rss``) wins title, abstract, authors, categories, paper
  date and links to the paper; Hugging Face (``hf-daily``/``hf-trending``) wins keywords,
  thumbnail, code, project page and HF day; generic feeds come last. Same priority: the higher
  arXiv version wins, then the larger value in a stable ordering. Empty values never win.
- Live numbers (upvotes, comments, trending rank) take the latest non-empty values.
- Each field remembers (``Entry.provenance``) the values it was given, each with the best rank a
  source gave it and the earliest time it was seen (a few per field). A value is known by its
  fingerprint, but the field's current value is stored with the fingerprint ``CURRENT`` (empty)
  and hashed only when another value competes with it or ``store export`` writes it
  (``with_fingerprints``): a delivery that repeats the stored values, or brings a new entry,
  hashes nothing. ``updated`` is the latest of those times over the current values of the
  fields a reader sees (never before ``first_seen``). So ``updated`` moves only when what a
  reader sees changes, never for upvote churn, and the result does not depend on the order
  deliveries are merged in.
- ``history`` keeps a short, bounded log of which source and run added or changed what.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import Any

from .model import Change, Entry, FieldSource, Links, Seed, evolve

MAX_HISTORY = 20
MAX_CANDIDATES = 6

# Fields chosen by priority, by the family of source that wins them.
PAPER_FIELDS = ("title", "summary", "authors", "categories", "paper_date", "announce_type",
                "links.url", "links.pdf", "origin")
HF_FIELDS = ("keywords", "thumbnail", "hf_day", "links.hf", "links.code", "links.project", "tldr",
             "organization")
LIVE_FIELDS = ("upvotes", "comments", "rank", "stars")
# Fields whose change a reader sees in a feed: they move ``updated``.
VISIBLE_FIELDS = frozenset({"title", "summary", "tldr", "authors", "categories", "paper_date", "thumbnail",
                            "links.url", "links.pdf", "links.hf", "links.code", "links.project",
                            "version"})
_PAPER_PRIORITY = {"arxiv": 3, "hf": 2, "feed": 1}
_HF_PRIORITY = {"hf": 3, "arxiv": 2, "feed": 1}
_SOURCE_PREFIX = "source:"
_PRIORITY_FIELDS = (*PAPER_FIELDS, *HF_FIELDS)
_VALUE_FIELDS = (*_PRIORITY_FIELDS, "version")
_VALUE_FIELD_SET = frozenset(_VALUE_FIELDS)
CURRENT = ""
"""The fingerprint a field's current value is stored under (``guid`` and ``source:`` entries have
no value, so their fingerprint is empty too)."""


def field_priority(name: str, family: str) -> int:
    """How strongly a source of merge family ``family`` (``arxiv``, ``hf`` or ``feed``: a
    ``SourceKind``'s ``family``) claims field ``name`` (higher wins)."""
    table = _HF_PRIORITY if name in HF_FIELDS else _PAPER_PRIORITY
    return table.get(family, 1)


def _get(entry: Entry, name: str) -> Any:
    return _GETTERS[name](entry)


_GETTERS: dict[str, Callable[[Entry], Any]] = {name: attrgetter(name) for name in _VALUE_FIELDS}


@cache
def _claims(family: str) -> tuple[tuple[str, Callable[[Entry], Any], int], ...]:
    """(field, its getter, the priority ``family`` claims it with) for each priority field
    (computed once: the first delivery of 10,000 papers 0.58 -> 0.45 s)."""
    return tuple((name, _GETTERS[name], field_priority(name, family)) for name in _PRIORITY_FIELDS)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == ()


_ENCODER = json.JSONEncoder(
    default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
    sort_keys=True, ensure_ascii=False)


def fingerprint(value: object) -> str:
    """A short stable fingerprint of a field value (of its JSON); also the last tie-break
    between values."""
    return hashlib.sha256(_ENCODER.encode(value).encode()).hexdigest()[:16]


def _first_delivery(new: Entry, *, family: str, at: datetime, run: datetime | None) -> Entry:
    """What ``_merge(None, new, ...)`` gives, without its bookkeeping: every non-empty field of
    ``new`` becomes its only candidate, the current value, seen ``at``. (The most common merge by
    far: a batch of papers the store has never seen.)"""
    first_seen = min(new.first_seen, at) if new.first_seen else at
    version = new.version or 0
    provenance = [FieldSource(name, priority, version, at) for name, get, priority in _claims(family)
                  if (value := get(new)) is not None and value != "" and value != ()]
    if not _empty(new.version):
        provenance.append(FieldSource("version", 0, int(new.version or 0), at))
    provenance.append(FieldSource("guid", 0, 0, at))
    sources = sorted(set(new.sources))
    provenance.extend(FieldSource(_SOURCE_PREFIX + name, 0, 0, at) for name in sources)
    history = (Change(at, run, new.source or new.origin or "?",
                      f"added ({new.origin or 'unknown kind'})"),)
    return evolve(new, first_seen=first_seen, updated=max(first_seen, at), sources=tuple(sources),
                   provenance=tuple(sorted(provenance, key=_order)), history=history)


def _order(p: FieldSource) -> tuple[str, str]:
    return (p.field, p.fingerprint)


def _legacy_provenance(entry: Entry) -> list[FieldSource]:
    """Provenance for an entry stored before provenance existed: every value ranks as a feed's."""
    seen = entry.updated or entry.first_seen
    if seen is None:
        return []
    out = []
    for name in _PRIORITY_FIELDS:
        if not _empty(_get(entry, name)):
            out.append(FieldSource(name, 1, entry.version or 0, seen))
    if entry.version is not None:
        out.append(FieldSource("version", 0, entry.version, seen))
    out.append(FieldSource("guid", 0, 0, entry.first_seen or seen))
    for source in entry.sources:
        out.append(FieldSource(_SOURCE_PREFIX + source, 0, 0, entry.first_seen or seen))
    return out


def _rank(p: FieldSource) -> tuple[int, int, str]:
    return (p.priority, p.version, p.fingerprint)


def _same(a: object, b: object) -> bool:
    """Whether two field values are the same value (so have the same fingerprint), decided
    without hashing; False may still be the same value (``_merge`` then compares fingerprints)."""
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, datetime) and isinstance(b, datetime):  # equal instants, maybe other offsets
        return a.utcoffset() == b.utcoffset()
    return True


def _improved(p: FieldSource, rank: tuple[int, int], at: datetime) -> FieldSource:
    """``p`` given again with ``rank`` at ``at``: its best rank and earliest sighting."""
    best = max((p.priority, p.version), rank)
    if best == (p.priority, p.version) and p.seen <= at:
        return p
    return FieldSource(p.field, best[0], best[1], min(p.seen, at), p.fingerprint)


def _as(p: FieldSource, mark: str) -> FieldSource:
    """``p`` under fingerprint ``mark``."""
    return p if p.fingerprint == mark else FieldSource(p.field, p.priority, p.version, p.seen, mark)


def _current_to_marks(candidates: dict[str, dict[str, FieldSource]], entry: Entry) -> None:
    """Re-key each field's current value from its fingerprint to ``CURRENT``: records written
    before ``CURRENT`` existed (converted, imported or legacy entries) keep every fingerprint."""
    for name in _VALUE_FIELDS:
        held = candidates.get(name)
        if not held or CURRENT in held or _empty(value := _get(entry, name)):
            continue
        mark = fingerprint(value)
        if mark in held:
            held[CURRENT] = _as(held.pop(mark), CURRENT)


def with_fingerprints(entry: Entry) -> Entry:
    """``entry`` with the fingerprint of each field's current value written out and its
    provenance in (field, fingerprint) order: the form ``store export`` writes, the same whether
    the entry was stored with ``CURRENT`` marks or with every fingerprint."""
    if not any(p.fingerprint == CURRENT and p.field in _VALUE_FIELD_SET for p in entry.provenance):
        return entry
    provenance = [_as(p, fingerprint(_get(entry, p.field)))
                  if p.fingerprint == CURRENT and p.field in _VALUE_FIELD_SET else p
                  for p in entry.provenance]
    return evolve(entry, provenance=tuple(sorted(provenance, key=_order)))


def merge_entries(old: Entry | None, new: Entry, *, family: str, stamp: Callable[[], datetime],
                  run: datetime | None = None, seed: Seed | None = None) -> Entry:
    """``new`` (delivered by a source of merge ``family``) folded into ``old`` (None: a new
    entry); ``stamp()`` gives the time this delivery was seen; ``seed`` (for a new entry)
    restores the dates a previous site published.

    Each field keeps its candidate values (``FieldSource``: best rank, earliest sighting); the
    value with the highest (priority, version, fingerprint) is the field's value. Candidates only
    ever improve, so merging is commutative and associative: ingest order does not matter."""
    # S1 (ingest): 18% faster, 8.7 s -> 7.1 s for 20,000 papers; without fingerprints (CURRENT
    # marks) the first delivery went from 0.73 to 0.47 s per 10,000 papers
    if old is None and seed is None:
        return _first_delivery(new, family=family, at=stamp(), run=run)
    return _merge(old, new, family=family, stamp=stamp, run=run, seed=seed)


def _merge_field(held: dict[str, FieldSource], name: str, new_value: object, old_value: object,
                 rank: tuple[int, int], at: datetime) -> bool:
    """Fold ``new_value`` (given with ``rank`` at ``at``) into field ``name``'s candidates
    ``held``, whose ``CURRENT`` one holds ``old_value``; whether ``new_value`` is now the field's
    value in its place. Fingerprints are computed only when the two values differ."""
    current = held.get(CURRENT)
    if current is not None and _same(new_value, old_value):  # the same value again: no hash
        held[CURRENT] = _improved(current, rank, at)
        return False
    if not held:  # the field's first value
        held[CURRENT] = FieldSource(name, rank[0], rank[1], at)
        return True
    mark, old_mark = fingerprint(new_value), fingerprint(old_value)
    if current is not None:
        held[old_mark] = _as(held.pop(CURRENT), old_mark)
    known = held.get(mark)
    held[mark] = FieldSource(name, rank[0], rank[1], at, mark) if known is None else (
        _improved(known, rank, at))
    wins = max(held.values(), key=_rank).fingerprint == mark
    if len(held) > MAX_CANDIDATES:
        keep = sorted(held.values(), key=_rank, reverse=True)[:MAX_CANDIDATES]
        held.clear()
        held.update((p.fingerprint, p) for p in keep)
    now = mark if wins else old_mark if current is not None else None
    if now is not None and now in held:
        held[CURRENT] = _as(held.pop(now), CURRENT)
    return wins and (_empty(old_value) or old_mark != mark)


def _merge(old: Entry | None, new: Entry, *, family: str, stamp: Callable[[], datetime],
           run: datetime | None, seed: Seed | None) -> Entry:
    """``merge_entries`` in full: any stored entry, any delivery, any seed."""
    if old is None and seed is not None:
        at, first_seen = seed.updated, min(seed.first_seen, seed.updated)
    else:
        at = stamp()
        first_seen = min(new.first_seen, at) if new.first_seen else at
    if old is not None and old.first_seen is not None:
        first_seen = min(first_seen, old.first_seen)
    base = old if old is not None else evolve(new, title="", summary="", authors=(), links=Links(),
                                              version=None, categories=(), keywords=(),
                                              thumbnail=None, hf_day=None, paper_date=None,
                                              announce_type=None, origin="", sources=(),
                                              provenance=(), history=())
    provenance = list(base.provenance) if base.provenance or old is None else _legacy_provenance(base)
    candidates: dict[str, dict[str, FieldSource]] = {}
    for p in provenance:
        candidates.setdefault(p.field, {})[p.fingerprint] = p
    if old is not None:
        _current_to_marks(candidates, base)
    values: dict[str, Any] = {}
    changed: list[str] = []
    version = new.version or 0
    for name in _VALUE_FIELDS:
        new_value = _get(new, name)
        if _empty(new_value):
            continue
        rank: tuple[int, int] = ((0, int(new_value)) if name == "version"
                                 else (field_priority(name, family), version))
        if _merge_field(candidates.setdefault(name, {}), name, new_value, _get(base, name), rank, at):
            values[name] = new_value
            changed.append(name)
    guid = seed.guid if seed is not None and old is None else new.guid
    current = candidates.get("guid", {}).get("")
    if current is None or (at, guid) < (current.seen, base.guid):
        values["guid"] = guid
        candidates["guid"] = {"": FieldSource("guid", 0, 0, at)}
    for source in new.sources:
        held_source = candidates.setdefault(_SOURCE_PREFIX + source, {}).get("")
        candidates[_SOURCE_PREFIX + source] = {"": FieldSource(
            _SOURCE_PREFIX + source, 0, 0, min(held_source.seen, at) if held_source else at)}
        if held_source is None and old is not None:
            changed.append(_SOURCE_PREFIX + source)
    for name in LIVE_FIELDS:
        if getattr(new, name) is not None:
            values[name] = getattr(new, name)
    if base.arxiv_id is None and new.arxiv_id is not None:
        values["arxiv_id"] = new.arxiv_id
    links = {name[6:]: values.pop(name) for name in list(values) if name.startswith("links.")}
    merged = evolve(base, **values, links=replace(base.links, **links))
    everything = [p for held in candidates.values() for p in held.values()]
    sources = sorted((p.seen, p.field[len(_SOURCE_PREFIX):]) for p in everything
                     if p.field.startswith(_SOURCE_PREFIX))
    visible = [held[CURRENT].seen for name in VISIBLE_FIELDS
               if (held := candidates.get(name)) and CURRENT in held
               and not _empty(_get(merged, name))]
    updated = max([first_seen, *visible])
    history = base.history
    source_name = new.source or new.origin or "?"
    if old is None:
        history = (Change(at, run, source_name, f"added ({new.origin or 'unknown kind'})"),)
    elif changed:
        what = ", ".join(
            f"new source {n[len(_SOURCE_PREFIX):]}" if n.startswith(_SOURCE_PREFIX)
            else f"version {merged.version}" if n == "version" else n
            for n in changed)
        history = _bounded((*history, Change(at, run, source_name, "changed " + what)))
    return evolve(merged, first_seen=first_seen, updated=updated,
                   sources=tuple(name for _, name in sources),
                   provenance=tuple(sorted(everything, key=_order)),
                   history=history)


def _bounded(history: tuple[Change, ...]) -> tuple[Change, ...]:
    """The first event (how the entry arrived) and the latest ones, at most ``MAX_HISTORY``."""
    if len(history) <= MAX_HISTORY:
        return history
    return (history[0], *history[-(MAX_HISTORY - 1):])
