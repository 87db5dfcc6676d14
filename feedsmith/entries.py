"""Querying the store: filters in, matching entries out; a reference in, the entry it names out.

Pure over a ``Store`` (read only): ``select_entries`` filters by topic, source, text (a phrase
matched as topic rules match it) and date; ``find_entry`` resolves an arXiv id or any URL to a
stored entry (``inspection`` explains it). Also ``parse_age`` for ``prune --older-than``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from .errors import ArgumentError
from .ids import arxiv_key, extract_arxiv_id, url_key
from .model import Entry
from .store import Store
from .topics import Topic, TopicMatcher, compile_topic

TEXT_FIELDS = ("title", "abstract", "authors")

_AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_AGE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_age(text: str) -> timedelta:
    """``90d``, ``2w`` or ``12h`` as a duration; ArgumentError for anything else."""
    match = _AGE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ArgumentError(f"--older-than: bad age {text!r}: use a positive number with h, d or w "
                            "(e.g. 90d, 2w)")
    return int(match.group(1)) * _AGE_UNITS[match.group(2).lower()]


def text_filter(text: str) -> Callable[[Entry], bool]:
    """Whether an entry holds ``text``, matched exactly as an ``any`` item of a topic rule
    searched in ``TEXT_FIELDS`` (whole words, plurals, ``title:`` and ``re:`` prefixes: the
    topic matcher itself); ArgumentError if ``text`` is not such an item."""
    try:
        matcher = TopicMatcher([compile_topic(Topic("text", "--text", any=(text,),
                                                    fields=TEXT_FIELDS))])
    except (ValueError, re.error) as exc:
        raise ArgumentError(f"--text {text!r}: {exc}") from None
    return lambda entry: bool(matcher.classify(entry))


def select_entries(store: Store, *, topic: str | None = None, source: str | None = None,
                   text: str | None = None, since: datetime | None = None) -> Iterator[Entry]:
    """Stored entries matching every given filter, newest first: ``topic`` slug, ``source`` name
    (or kind), ``text`` (``text_filter``), first seen at or after ``since``."""
    holds = text_filter(text) if text is not None else None
    for first_seen, key in store.keys_by_first_seen(topic):
        if since is not None and first_seen < since:
            break
        entry = store.get(key)
        if entry is None:
            continue
        if source is not None and source not in entry.sources and source != entry.origin:
            continue
        if holds is not None and not holds(entry):
            continue
        yield entry


def find_entry(store: Store, reference: str) -> Entry | None:
    """The stored entry an arXiv id, a paper URL, a link, a guid or a store key names."""
    arxiv = extract_arxiv_id(reference)
    candidates = [arxiv_key(arxiv)] if arxiv is not None else []
    candidates.append(reference)
    if re.match(r"(?i)^https?://", reference):
        candidates.append(url_key(reference))
    for key in candidates:
        entry = store.get(key)
        if entry is not None:
            return entry
    for entry in store.entries():
        if reference in (entry.guid, entry.links.url):
            return entry
    return None
