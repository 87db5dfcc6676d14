"""Merging: the stored entry and a newly parsed one for the same key in, the entry to store out.

Pure. ``first_seen`` is the earliest ever seen; live numbers (upvotes, comments, rank) take the
latest values; ``updated`` moves only when what a reader sees changes (``reader_content``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from .model import Entry


def reader_content(entry: Entry) -> tuple[object, ...]:
    """The fields a reader sees in a feed; a change here is a real update."""
    return (entry.title, entry.summary, entry.authors, entry.version, entry.links,
            entry.categories, entry.thumbnail, entry.paper_date)


def _pick(new: object, old: object) -> object:
    return new if new not in (None, "", ()) else old


def merge_entries(old: Entry | None, new: Entry, *, stamp: Callable[[], datetime]) -> Entry:
    """``new`` folded into ``old``; ``stamp()`` gives the time of a new or changed entry."""
    if old is None:
        first_seen = new.first_seen or stamp()
        return replace(new, first_seen=first_seen, updated=new.updated or first_seen)
    values = {}
    for name in ("title", "summary", "authors", "arxiv_id", "paper_date", "categories",
                 "keywords", "thumbnail", "hf_day", "announce_type"):
        values[name] = _pick(getattr(new, name), getattr(old, name))
    for name in ("upvotes", "comments", "rank"):
        values[name] = _pick(getattr(new, name), getattr(old, name))
    versions = [v for v in (old.version, new.version) if v is not None]
    values["version"] = max(versions) if versions else None
    values["links"] = replace(old.links, **{
        k: v for k, v in vars(new.links).items() if v is not None
    })
    values["sources"] = tuple(dict.fromkeys(old.sources + new.sources))
    merged = replace(old, **values)  # type: ignore[arg-type]
    known = [d for d in (old.first_seen, new.first_seen) if d is not None]
    first_seen = min(known) if known else stamp()
    changed = reader_content(merged) != reader_content(old)
    updated = stamp() if changed else (old.updated or first_seen)
    return replace(merged, first_seen=first_seen, updated=max(updated, first_seen))
