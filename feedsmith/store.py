"""The entry store: one diskcache directory holding entries by canonical key, run metadata and
HTTP validators. Entries are never evicted and never expire.

In: entries from sources (``ingest``). Out: stored entries (``entries``, ``get``). One writer at a
time: ``open_store`` takes an OS-level lock (released by the kernel if the process dies) and refuses
a store whose database is missing its marker, truncated or not SQLite at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import diskcache
import filelock

from .errors import StoreError
from .merge import merge_entries
from .model import Entry, entry_from_record, entry_to_record

STORE_FORMAT = 1
_ENTRY = "e:"
_META = "m:"
_MARKER = _META + "store"
_GENERATION = _META + "generation"  # bumped by every write of entries
_SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_LOCK_TIMEOUT = 60.0


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
    seen: int = 0


def _check_database_file(path: Path) -> None:
    if not path.exists():
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"store {path}: cannot read: {exc.strerror}") from None
    if head != _SQLITE_MAGIC:
        what = "empty (zero bytes)" if not head else "not an SQLite database"
        raise StoreError(
            f"store {path} is {what}; refusing to use it (it would re-publish every entry as "
            "new). Restore it from a backup (`feedsmith store import`) or move the folder away."
        )


class Store:
    """An open entry store; use ``open_store`` to get one."""

    def __init__(self, cache: diskcache.Cache, directory: Path) -> None:
        self._cache = cache
        self.directory = directory

    # entries -------------------------------------------------------------------------------
    def get(self, key: str) -> Entry | None:
        """The stored entry with canonical ``key``, else None."""
        record = self._read(_ENTRY + key)
        return entry_from_record(record) if record is not None else None

    def entries(self) -> Iterator[Entry]:
        """Every stored entry, in no particular order."""
        for cache_key in self._guard(lambda: list(self._cache.iterkeys())):
            if isinstance(cache_key, str) and cache_key.startswith(_ENTRY):
                record = self._read(cache_key)
                if record is not None:
                    yield entry_from_record(record)

    def put_many(self, entries: Iterable[Entry]) -> None:
        """Store ``entries`` (replacing any with the same key) in one transaction."""
        def write() -> None:
            with self._cache.transact():
                written = 0
                for entry in entries:
                    self._cache.set(_ENTRY + entry.key, entry_to_record(entry))
                    written += 1
                if written:
                    self._cache.incr(_GENERATION, default=0)
        self._guard(write)

    def delete_many(self, keys: Iterable[str]) -> int:
        """Remove the entries with these keys; how many were there."""
        def delete() -> int:
            count = 0
            with self._cache.transact():
                for key in keys:
                    count += bool(self._cache.delete(_ENTRY + key))
                if count:
                    self._cache.incr(_GENERATION, default=0)
            return count
        return int(self._guard(delete))

    def ingest(self, entries: Iterable[Entry], *, clock: RunClock,
               classify: Callable[[Entry], Entry] | None = None) -> IngestReport:
        """Merge ``entries`` into the store: new keys get the next ``clock`` stamp as first_seen,
        known keys keep theirs; ``classify`` gives each new or merged entry its topics. Several
        entries with one key in the same batch merge too."""
        report = IngestReport()
        pending: dict[str, Entry] = {}
        for entry in entries:
            report.seen += 1
            old = pending.get(entry.key) or self.get(entry.key)
            merged = merge_entries(old, entry, stamp=clock.next)
            if classify is not None:
                merged = classify(merged)
            if old is None:
                report.new.append(entry.key)
            elif merged.updated != old.updated and entry.key not in report.new:
                report.changed.append(entry.key)
            if merged != old:
                pending[entry.key] = merged
        self.put_many(pending.values())
        return report

    # metadata ------------------------------------------------------------------------------
    def meta(self, name: str, default: Any = None) -> Any:
        """The run metadata stored under ``name``."""
        value = self._read(_META + name)
        return default if value is None else value

    def set_meta(self, name: str, value: Any) -> None:
        """Store run metadata ``value`` under ``name``."""
        self._guard(lambda: self._cache.set(_META + name, value))

    @property
    def generation(self) -> int:
        """A counter that moves whenever entries are written or deleted: equal values, same entries."""
        return int(self.meta("generation", 0))

    @property
    def created(self) -> datetime:
        """When this store was created: the stable date of feeds that have no entries."""
        return datetime.fromisoformat(self.meta("store")["created"])

    # plumbing ------------------------------------------------------------------------------
    def _read(self, cache_key: str) -> Any:
        return self._guard(lambda: self._cache.get(cache_key))

    def _guard(self, action: Any) -> Any:
        try:
            return action()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"store {self.directory} is damaged: {exc}") from None
        except OSError as exc:
            raise StoreError(f"store {self.directory}: {exc.strerror or exc}") from None


@contextmanager
def open_store(directory: Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
               now: datetime | None = None) -> Iterator[Store]:
    """The store in ``directory`` (created if absent), locked for this process until exit."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create store folder {directory}: {exc.strerror}") from None
    lock = filelock.FileLock(str(directory / "lock"), timeout=lock_timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise StoreError(
            f"store {directory} is locked by another feedsmith run; gave up after "
            f"{lock_timeout:g} s (the lock is released when that run ends)"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot lock store {directory}: {exc.strerror}") from None
    try:
        database = directory / "cache.db"
        fresh = not database.exists()
        _check_database_file(database)
        try:
            cache = diskcache.Cache(str(directory), eviction_policy="none", statistics=False,
                                    cull_limit=0)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open store {directory}: {exc}") from None
        try:
            store = Store(cache, directory)
            marker = store.meta("store")
            if marker is None:
                if not fresh:
                    raise StoreError(
                        f"store {directory} has lost its marker (truncated or replaced); "
                        "refusing to treat it as empty. Restore it with `feedsmith store import`."
                    )
                stamp = (now or datetime.now(UTC)).replace(microsecond=0)
                store.set_meta("store", {"format": STORE_FORMAT, "created": stamp.isoformat()})
            elif marker.get("format") != STORE_FORMAT:
                raise StoreError(f"store {directory} has format {marker.get('format')}, "
                                 f"this feedsmith reads {STORE_FORMAT}")
            yield store
        finally:
            cache.close()
    finally:
        lock.release()
