"""Ingest: one batch of deliveries from a source -> the entries to write -> the store.

In: the entries a source delivered (several may share a key), the run's clock and the topic
classifier. Out: an ``IngestReport`` (which keys are new, which changed). What each entry becomes
is decided by the pure ``merge.merge_entries`` (stored entry + delivery -> entry to write); the
store only reads the old rows and writes the new ones, in one transaction per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .merge import merge_entries
from .model import Entry
from .sources import family_of
from .store import Store


@dataclass
class RunClock:
    """Distinct timestamps for entries first seen (or changed) in one run: the run's start time
    minus one second per entry already stamped, so source order is kept and none is in the future."""

    start: datetime
    issued: int = 0

    def next(self) -> datetime:
        """The next timestamp, one second earlier than the previous one."""
        stamp = self.start - timedelta(seconds=self.issued)
        self.issued += 1
        return stamp


@dataclass
class IngestReport:
    """What one ingest did: keys of entries that are new, and of those whose content changed."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def ingest(store: Store, entries: Iterable[Entry], *, clock: RunClock,
           classify: Callable[[Entry], Entry] | None = None) -> IngestReport:
    """Merge ``entries`` into ``store``: new keys get the next ``clock`` stamp as first_seen (or
    their seed's dates), known keys keep theirs; ``classify`` gives each new or merged entry its
    topics. Everything that changed is written in one transaction."""
    report = IngestReport()
    new: set[str] = set()
    changed: set[str] = set()
    batch = list(entries)
    pending = store.get_by_key(entry.key for entry in batch)  # the stored rows, read at once
    for entry in batch:
        old = pending.get(entry.key)
        seed = store.seed_for(entry) if old is None else None
        merged = merge_entries(old, entry, family=family_of(entry.origin), stamp=clock.next,
                               run=clock.start, seed=seed)
        if classify is not None:
            merged = classify(merged)
        if old is None:
            report.new.append(entry.key)
            new.add(entry.key)
        elif merged.updated != old.updated and entry.key not in new:
            report.changed.append(entry.key)
        if merged != old:
            pending[entry.key] = merged
            changed.add(entry.key)
    store.put_many(pending[key] for key in changed)
    return report
