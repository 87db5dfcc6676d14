"""The entry store: one diskcache directory holding entries by canonical key, run metadata and
HTTP validators. Entries are never evicted and never expire.

In: entries from sources (``ingest``), seeds from a published feed (``add_seeds``), JSON Lines
(``import_jsonl``). Out: stored entries (``entries``, ``get``, ``keys_by_first_seen``), JSON Lines
(``export_jsonl``), a verification report (``check``). One writer at a time: ``open_store`` takes an
OS-level lock (flock, released by the kernel if the process dies) and refuses a store whose database
is missing its marker, truncated or not SQLite at all.

Besides entries (``e:<key>``) the store keeps meta records (``m:<name>``): the marker, the topic
rules fingerprint, seeds, and an index of every entry's first_seen and topics, so rendering can
choose a feed's entries without unpickling the whole store.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import diskcache
import filelock

from .errors import StoreError
from .merge import merge_entries
from .model import Entry, Seed, entry_from_record, entry_to_record

STORE_FORMAT = 1
_ENTRY = "e:"
_META = "m:"
_MARKER = _META + "store"
_GENERATION = _META + "generation"  # bumped by every write of entries
_SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_LOCK_TIMEOUT = 60.0
INDEX = "index"
INDEX_GENERATION = "index-generation"
SEEDS = "seeds"
EXPORT_HEADER = "feedsmith-store"


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
    expected = _expected_size(path)
    if expected is not None and path.stat().st_size < expected:
        raise StoreError(
            f"store {path} is truncated ({path.stat().st_size} of {expected} bytes); refusing to "
            "use it. Restore it from a backup (`feedsmith store import`) or move the folder away."
        )


def _expected_size(path: Path) -> int | None:
    """The database size its SQLite header records (page size x page count), if the header says
    that count is valid; None if it cannot tell."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100:
        return 1 << 62  # shorter than its own header: certainly truncated
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter, valid_for = header[24:28], header[92:96]
    if pages == 0 or change_counter != valid_for:
        return None
    return page_size * pages


class Store:
    """An open entry store; use ``open_store`` to get one."""

    def __init__(self, cache: diskcache.Cache, directory: Path) -> None:
        self._cache = cache
        self.directory = directory
        self._seeds: dict[str, Seed] | None = None
        self._index_rows: dict[str, tuple[float, tuple[str, ...]]] | None = None
        self._index_dirty = False

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
            index = self._index()
            rows = {}
            with self._cache.transact():
                for entry in entries:
                    self._cache.set(_ENTRY + entry.key, entry_to_record(entry))
                    rows[entry.key] = _index_row(entry)
                if rows:
                    self._cache.incr(_GENERATION, default=0)
            if rows:  # committed: now the index may say so
                index.update(rows)
                self._index_dirty = True
        self._guard(write)

    def delete_many(self, keys: Iterable[str]) -> int:
        """Remove the entries with these keys; how many were there."""
        def delete() -> int:
            index = self._index()
            gone = []
            with self._cache.transact():
                for key in keys:
                    if self._cache.delete(_ENTRY + key):
                        gone.append(key)
                count = len(gone)
                if count:
                    self._cache.incr(_GENERATION, default=0)
            for key in gone:
                index.pop(key, None)
            self._index_dirty = self._index_dirty or bool(gone)
            return count
        return int(self._guard(delete))

    def get_many(self, keys: Iterable[str]) -> list[Entry]:
        """The stored entries with these keys, in the order given (missing keys are skipped)."""
        out = []
        for key in keys:
            entry = self.get(key)
            if entry is not None:
                out.append(entry)
        return out

    def keys_by_first_seen(self, topic: str | None = None) -> list[tuple[datetime, str]]:
        """(first_seen, key) of every entry (in ``topic`` if given), newest first, ties by key;
        read from the index, without unpickling any entry."""
        rows = [(seconds, key) for key, (seconds, topics) in self._index().items()
                if topic is None or topic in topics]
        rows.sort(key=lambda row: (-row[0], row[1]))
        return [(datetime.fromtimestamp(seconds, UTC), key) for seconds, key in rows]

    def count(self) -> int:
        """How many entries the store holds (from the index)."""
        return len(self._index())

    def prune(self, older_than: datetime) -> int:
        """Remove entries first seen before ``older_than``; how many were removed."""
        old = [key for key, (seconds, _) in self._index().items()
               if seconds < older_than.timestamp()]
        return self.delete_many(old)

    # seeds ---------------------------------------------------------------------------------
    def add_seeds(self, seeds: Iterable[tuple[str, Seed]]) -> int:
        """Remember (store key, seed) pairs for keys not in the store yet; how many were added."""
        stored = dict(self.meta(SEEDS, {}))
        index = self._index()
        added = 0
        for key, seed in seeds:
            if key in index or key in stored:
                continue
            stored[key] = {"guid": seed.guid, "first_seen": seed.first_seen.isoformat(),
                           "updated": seed.updated.isoformat()}
            added += 1
        self.set_meta(SEEDS, stored)
        self._seeds = None
        return added

    def seed_for(self, entry: Entry) -> Seed | None:
        """The seed recorded for ``entry``'s key (or its guid), if any."""
        if self._seeds is None:
            self._seeds = {key: Seed(v["guid"], datetime.fromisoformat(v["first_seen"]),
                                     datetime.fromisoformat(v["updated"]))
                           for key, v in dict(self.meta(SEEDS, {})).items()}
        return self._seeds.get(entry.key) or self._seeds.get("guid:" + entry.guid)

    def ingest(self, entries: Iterable[Entry], *, clock: RunClock,
               classify: Callable[[Entry], Entry] | None = None) -> IngestReport:
        """Merge ``entries`` into the store: new keys get the next ``clock`` stamp as first_seen,
        known keys keep theirs; ``classify`` gives each new or merged entry its topics. Several
        entries with one key in the same batch merge too."""
        report = IngestReport()
        pending: dict[str, Entry] = {}
        known = self._index()
        for entry in entries:
            old = pending.get(entry.key) or (self.get(entry.key) if entry.key in known else None)
            seed = self.seed_for(entry) if old is None else None
            merged = merge_entries(old, entry, stamp=clock.next, run=clock.start, seed=seed)
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

    # backup and verification -------------------------------------------------------------
    def export_jsonl(self, out: IO[str]) -> int:
        """Write a header line and every entry (sorted by key) as JSON Lines; how many entries."""
        header = {EXPORT_HEADER: STORE_FORMAT, "created": self.meta("store")["created"],
                  SEEDS: self.meta(SEEDS, {})}
        out.write(json.dumps(header, sort_keys=True) + "\n")
        count = 0
        for key in sorted(self._index()):
            entry = self.get(key)
            if entry is not None:
                out.write(json.dumps(entry_to_record(entry), sort_keys=True, ensure_ascii=False)
                          + "\n")
                count += 1
        return count

    def import_jsonl(self, lines: Iterable[str], *, name: str = "input") -> int:
        """Read what ``export_jsonl`` wrote into this store, which must hold no entries; how many
        entries were imported. StoreError (nothing imported) on any bad line."""
        if self.count():
            raise StoreError(f"store {self.directory} already holds {self.count()} entries; import "
                             "into an empty cache folder")
        entries: list[Entry] = []
        header: dict[str, Any] | None = None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if number == 1 and isinstance(record, dict) and EXPORT_HEADER in record:
                    header = record
                    continue
                entries.append(entry_from_record(record))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise StoreError(f"{name} line {number}: not a feedsmith entry record ({exc})") from None
        if header is None:
            raise StoreError(f"{name}: missing the {EXPORT_HEADER} header line of `store export`")
        if header[EXPORT_HEADER] != STORE_FORMAT:
            raise StoreError(f"{name}: store format {header[EXPORT_HEADER]}, this feedsmith reads "
                             f"{STORE_FORMAT}")
        self.set_meta("store", {"format": STORE_FORMAT, "created": header["created"]})
        self.set_meta(SEEDS, header.get(SEEDS) or {})
        self._seeds = None
        self.put_many(entries)
        return len(entries)

    def check(self) -> list[str]:
        """Problems found: SQLite integrity, the marker, every record decoding, the index; [] if
        the store is sound."""
        problems: list[str] = []
        self.flush_index()
        try:
            rows = self._cache._sql("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return [f"SQLite integrity check failed: {exc}"]
        result = [str(row[0]) for row in rows]
        if result != ["ok"]:
            problems.extend(f"SQLite: {line}" for line in result[:10])
            return problems
        marker = self.meta("store")
        if not isinstance(marker, dict) or marker.get("format") != STORE_FORMAT:
            problems.append("the store marker is missing or has an unknown format")
        keys: list[str] = []
        for cache_key in self._guard(lambda: list(self._cache.iterkeys())):
            if not (isinstance(cache_key, str) and cache_key.startswith(_ENTRY)):
                continue
            key = cache_key[len(_ENTRY):]
            try:
                entry = entry_from_record(self._cache.get(cache_key))
                if entry.key != key:
                    raise ValueError(f"holds key {entry.key}")
            except Exception as exc:  # any failure to decode is what we report
                problems.append(f"entry {key}: cannot be read ({type(exc).__name__}: {exc})")
                continue
            keys.append(key)
        try:
            record = self._cache.get(_META + INDEX)
            index = record.get("rows") if isinstance(record, dict) else None
        except Exception:
            index = None
        if not isinstance(index, dict) or set(index) != set(keys):
            problems.append("the first-seen index does not match the entries "
                            "(it is rebuilt the next time the store is opened)")
        return problems

    def rebuild_index(self) -> None:
        """Recompute the first-seen index from the entries (after an upgrade, a repair or a run
        that ended before it saved the index)."""
        index = {}
        for entry in self.entries():
            index[entry.key] = _index_row(entry)
        self._index_rows = index
        self._index_dirty = True
        self.flush_index()

    def flush_index(self) -> None:
        """Save the in-memory first-seen index, tagged with the store generation it describes
        (written once per run, not per write: a run that dies first leaves a stale tag, and the
        next open rebuilds the index)."""
        if self._index_dirty and self._index_rows is not None:
            generation = self.generation
            record = {"generation": generation, "rows": self._index_rows}

            def write() -> None:
                with self._cache.transact():
                    self._cache.set(_META + INDEX, record)
                    self._cache.set(_META + INDEX_GENERATION, generation)
            self._guard(write)
            self._index_dirty = False

    def index_rows(self) -> dict[str, tuple[float, tuple[str, ...]]]:
        """Key -> (first seen in POSIX seconds, topics) of every entry, without unpickling any."""
        return self._index()

    # plumbing ------------------------------------------------------------------------------
    def _index(self) -> dict[str, tuple[float, tuple[str, ...]]]:
        if self._index_rows is None:
            record = self._read(_META + INDEX)
            rows = record.get("rows") if isinstance(record, dict) else None
            self._index_rows = rows if isinstance(rows, dict) else {}
        return self._index_rows

    def index_is_current(self) -> bool:
        """Whether the saved index describes the entries as they are (same generation); read
        from a small tag, so that a run that needs no index never loads it."""
        tag = self.meta(INDEX_GENERATION)
        return (tag is not None and tag == self.generation
                and bool(self._guard(lambda: (_META + INDEX) in self._cache)))

    def _read(self, cache_key: str) -> Any:
        return self._guard(lambda: self._cache.get(cache_key))

    def _guard(self, action: Any) -> Any:
        try:
            return action()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"store {self.directory} is damaged: {exc}") from None
        except (pickle.UnpicklingError, EOFError) as exc:
            raise StoreError(f"store {self.directory} is damaged: a record cannot be read "
                             f"({exc})") from None
        except OSError as exc:
            raise StoreError(f"store {self.directory}: {exc.strerror or exc}") from None


def _index_row(entry: Entry) -> tuple[float, tuple[str, ...]]:
    """What the index keeps of an entry: first_seen (POSIX seconds) and topics."""
    seen = entry.first_seen.timestamp() if entry.first_seen else 0.0
    return (seen, entry.topics)


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
            if not store.index_is_current():
                store.rebuild_index()
            yield store
            # Only a run that ended normally saves its index; after an error the saved one keeps
            # an older generation tag (if anything was written) and the next open rebuilds it.
            store.flush_index()
        finally:
            cache.close()
    finally:
        lock.release()
