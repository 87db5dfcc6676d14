"""The store of record: one SQLite database file, ``store.sqlite``, with an explicit schema.

In: entries to write (``put_many``, one transaction), seeds from a published site, digests and
sent records (``add_digests``, ``record_sent``), JSON Lines (``import_jsonl``). Out: stored
entries (``get``, ``get_many``, ``entries``), a feed's newest keys (``newest_keys``, one indexed
query), digests, JSON Lines (``export_jsonl``, optionally salvaging around damaged records), a
list of problems (``check``). The store only reads and writes rows: what to
write is decided elsewhere (``feedsmith.ingest``, ``feedsmith.merge``).

Schema (``PRAGMA user_version`` = the last migration applied):

- ``entries(key, guid, first_seen, updated, record)``: one row per paper or item; ``record`` is the
  entry as JSON (``model.entry_to_record``); ``first_seen``/``updated`` are POSIX seconds.
- ``entry_topics(topic, key, first_seen)``: topic membership, indexed newest first per topic.
- ``topic_totals(topic, entries)``: how many entries each topic holds, kept with ``entry_topics``.
- ``seeds(key, guid, first_seen, updated)``: ids and dates read from a published site.
- ``meta(name, value)``: JSON values: ``store`` (id, created), ``generation``, ``rules``,
  ``similarity`` (what the vocabulary was fitted on), ...
- ``similar_terms(term, idf)``: the TF-IDF vocabulary and IDF weights of ``like`` rules, fitted
  on the store's own text (``feedsmith.similar``); derived data, not exported.
- ``similar_examples(arxiv_id, title, summary, fetched)``: example papers of ``like`` rules that
  were fetched from arXiv because no source brought them: not entries, never published.
- ``digests(slug, cadence, period, closes, papers, id, record)``: each closed period's digest per
  feed, frozen when made (``model.digest_to_record``); written once, never changed.
- ``digest_sent(digest, recipient, message_id, sent, reply)``: each digest message the mail
  server accepted, per recipient (``digest``: the digest's id).

One writer at a time: ``open_store`` takes an OS-level lock (released by the kernel if the
process dies). WAL mode while open, checkpointed after each commit on a thread of the store's own
(``Checkpointer``); every run ends with a ``wal_checkpoint(TRUNCATE)``, so the database file
alone is the whole store. A file that is empty, truncated, not SQLite, not a
feedsmith store or from a newer feedsmith is refused loudly, never read as empty.
"""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import filelock

from .convert import OldStore, is_old_store, move_aside, read_old_store, save_validators
from .errors import StoreError
from .merge import with_fingerprints
from .model import (
    Digest,
    Entry,
    Seed,
    SentRecord,
    digest_from_record,
    digest_to_record,
    entry_from_record,
    entry_to_record,
    sent_from_record,
    sent_to_record,
)

STORE_FILE = "store.sqlite"
LOCK_FILE = "lock"
EXPORT_HEADER = "feedsmith-store"
EXPORT_FORMAT = 3
"""Format 1: exports of feedsmith 0.1.0; the entry lines are the same, only the header differs.
Format 3 adds digest and sent lines after the entries; an export without any is format 2."""
ENTRIES_ONLY_FORMAT = 2
DEFAULT_LOCK_TIMEOUT = 60.0
IMPORT_BATCH = 1000
"""Entries an import decodes before writing them (all in one transaction): memory stays flat."""
log = logging.getLogger("feedsmith")
# What a full disk (or a quota, or a file-size limit) looks like: SQLite could not write, or could
# not grow its shared-memory file (which it reports as an I/O error), or the OS said so.
_DISK_FULL_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE")
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE entries (
        key TEXT PRIMARY KEY,
        guid TEXT NOT NULL,
        first_seen REAL NOT NULL,
        updated REAL,
        record TEXT NOT NULL
    );
    CREATE INDEX entries_newest ON entries (first_seen DESC, key);
    CREATE TABLE entry_topics (
        topic TEXT NOT NULL,
        key TEXT NOT NULL,
        first_seen REAL NOT NULL,
        PRIMARY KEY (key, topic)
    ) WITHOUT ROWID;
    CREATE INDEX entry_topics_newest ON entry_topics (topic, first_seen DESC, key);
    CREATE TABLE seeds (
        key TEXT PRIMARY KEY,
        guid TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        updated TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 2: the TF-IDF vocabulary of `like` rules, and their example papers fetched from arXiv
    """
    CREATE TABLE similar_terms (term TEXT PRIMARY KEY, idf REAL NOT NULL) WITHOUT ROWID;
    CREATE TABLE similar_examples (
        arxiv_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        fetched TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # 3: digests (issue 17): each closed period's digest per feed, frozen when made, and each message
    # the mail server accepted, per digest and recipient
    """
    CREATE TABLE digests (
        slug TEXT NOT NULL,
        cadence TEXT NOT NULL,
        period TEXT NOT NULL,
        closes REAL NOT NULL,
        papers INTEGER NOT NULL,
        id TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL,
        PRIMARY KEY (slug, cadence, period)
    ) WITHOUT ROWID;
    CREATE INDEX digests_newest ON digests (slug, cadence, closes DESC);
    CREATE TABLE digest_sent (
        digest TEXT NOT NULL,
        recipient TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sent TEXT NOT NULL,
        reply TEXT NOT NULL,
        PRIMARY KEY (digest, recipient)
    ) WITHOUT ROWID;
    """,
    # 4: each topic's entry count, kept as entries are written (counting the topic rows of a
    # million entries took 1.2 s of every build that rendered)
    """
    CREATE TABLE topic_totals (topic TEXT PRIMARY KEY, entries INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO topic_totals SELECT topic, count(*) FROM entry_topics GROUP BY topic;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class Export:
    """What ``export_jsonl`` wrote: how many entries, digests and sent records, and the damaged
    records it skipped."""

    count: int = 0
    skipped: list[str] = field(default_factory=list)
    digests: int = 0
    sent: int = 0


def store_error(directory: Path, exc: sqlite3.Error | OSError, message: str) -> StoreError:
    """``message`` as a StoreError, unless ``exc`` comes of a full disk: then the line says
    "disk full", since freeing space is the fix (not restoring a backup), and the store is intact:
    a failed write is rolled back, and a failed checkpoint leaves the run committed in the WAL."""
    if isinstance(exc, sqlite3.Error):
        full = getattr(exc, "sqlite_errorname", "") in _DISK_FULL_ERRORS
    else:
        full = exc.errno in _DISK_FULL_ERRNOS
    if full:
        return StoreError(f"store {directory}: disk full; free some space there and run again "
                          "(the store is intact)")
    return StoreError(message)


def _seconds(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _record_json(entry: Entry) -> str:
    return json.dumps(entry_to_record(entry, compact=True), ensure_ascii=False, separators=(",", ":"))


def _write_entries(db: sqlite3.Connection, entries: list[Entry]) -> None:
    """Write ``entries`` (replacing any with the same key) and their topic rows, inside the
    caller's transaction."""
    rows = [(e.key, e.guid, _seconds(e.first_seen) or 0.0, _seconds(e.updated), _record_json(e))
            for e in entries]
    db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)", rows)
    totals = _drop_topic_rows(db, [e.key for e in entries])
    db.executemany("INSERT INTO entry_topics VALUES (?, ?, ?)",
                   [(topic, row[0], row[2]) for e, row in zip(entries, rows, strict=True)
                    for topic in e.topics])
    totals.update(topic for e in entries for topic in e.topics)
    _add_to_totals(db, totals)


def _drop_topic_rows(db: sqlite3.Connection, keys: list[str]) -> Counter[str]:
    """Delete the topic rows of ``keys``; minus one per row deleted, by topic."""
    totals: Counter[str] = Counter()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        totals.subtract(topic for (topic,) in db.execute(
            f"DELETE FROM entry_topics WHERE key IN ({marks}) RETURNING topic", chunk).fetchall())
    return totals


def _add_to_totals(db: sqlite3.Connection, totals: Counter[str]) -> None:
    """Move each topic's count in ``topic_totals`` by ``totals``; a topic at 0 has no row."""
    db.executemany("INSERT INTO topic_totals VALUES (?, ?) ON CONFLICT (topic) "
                   "DO UPDATE SET entries = entries + excluded.entries",
                   [(topic, n) for topic, n in totals.items() if n])
    db.execute("DELETE FROM topic_totals WHERE entries <= 0")


def decode_record(key: str, text: str) -> Entry:
    """The entry stored as JSON ``text`` under ``key``; ValueError if it is not one."""
    try:
        entry = entry_from_record(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    if entry.key != key:
        raise ValueError(f"holds key {entry.key}")
    return entry


def decode_digest(text: str) -> Digest:
    """The digest stored as JSON ``text``; ValueError if it is not one."""
    try:
        return digest_from_record(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from None


class Checkpointer:
    """Copies what each commit wrote to the write-ahead log into the database file on a thread of
    its own (``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection, which neither waits for
    nor blocks the run's reads and writes), so the run goes on meanwhile: SQLite's own
    checkpoint runs inside the commit that fills the log (0.25 s of a build after 1,000 new
    entries at scale 1, 1.9 s of ingesting 100,000). The run's connection has SQLite's off;
    ``close`` waits for the thread, and ``open_store`` then checkpoints what is left."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._due = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="feedsmith-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """A transaction was committed: checkpoint it (coalesced with any not yet started)."""
        self._due.set()

    def _run(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            if self._closing:
                return
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # the checkpoint at close says what is wrong
                pass

    def close(self) -> None:
        """Stop the thread (after the checkpoint it is running, if any) and close its connection."""
        self._closing = True
        self._due.set()
        self._thread.join()
        self._db.close()


class Store:
    """An open store; use ``open_store`` to get one."""

    PAGE = 1000
    """Rows read at a time where every entry is read (a million would not fit in memory)."""

    def __init__(self, db: sqlite3.Connection, directory: Path,
                 checkpointer: Checkpointer | None = None) -> None:
        self._db = db
        self.directory = directory
        self._has_seeds: bool | None = None
        self._checkpointer = checkpointer

    # entries -------------------------------------------------------------------------------
    def get(self, key: str) -> Entry | None:
        """The stored entry with canonical ``key``, else None; StoreError if it is damaged."""
        row = self._one("SELECT record FROM entries WHERE key = ?", (key,))
        return self._decode(key, row[0]) if row is not None else None

    def get_many(self, keys: Iterable[str]) -> list[Entry]:
        """The stored entries with these keys, in the order given (missing keys are skipped),
        read in a few queries (a build reads 5,100 of a million: 0.66 -> 0.1 s)."""
        wanted = list(keys)
        found = self.get_by_key(wanted)
        return [found[key] for key in wanted if key in found]

    def get_by_key(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The stored entries among ``keys``, by key (read in a few queries, not one per key)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Entry] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for key, text in self._all(f"SELECT key, record FROM entries WHERE key IN ({marks})",
                                       tuple(chunk)):
                found[key] = self._decode(key, text)
        return found

    def entries(self, *, page: int | None = None) -> Iterator[Entry]:
        """Every stored entry, newest first, read ``page`` rows at a time (the store may hold a
        million: memory stays flat). The caller may write entries between pages, as long as it
        keeps their first_seen: each page starts after the last row of the one before."""
        for _, key, text in self._paged(
                "SELECT first_seen, key, record FROM entries{} ORDER BY first_seen DESC, key",
                "first_seen < ? OR (first_seen = ? AND key > ?)", lambda row: (row[0], row[0], row[1]),
                page or self.PAGE):
            yield self._decode(key, text)

    def _records(self) -> Iterator[tuple[str, str]]:
        """(key, record) of every entry by key, read ``PAGE`` rows at a time."""
        return self._paged("SELECT key, record FROM entries{} ORDER BY key", "key > ?",
                           lambda row: (row[0],), self.PAGE)

    def _paged(self, sql: str, after: str, last: Callable[[Any], tuple[Any, ...]],
               page: int) -> Iterator[Any]:
        """The rows of ``sql`` (its ``{}``: where a WHERE goes), ``page`` at a time: each page
        starts ``after`` the values ``last`` takes from the last row of the one before."""
        rows = self._all(sql.format("") + " LIMIT ?", (page,))
        while rows:
            yield from rows
            if len(rows) < page:
                return
            rows = self._all(sql.format(f" WHERE {after}") + " LIMIT ?", (*last(rows[-1]), page))

    def put_many(self, entries: Iterable[Entry]) -> None:
        """Store ``entries`` (replacing any with the same key) in one transaction."""
        batch = list(entries)
        if not batch:
            return
        with self.transaction() as db:
            _write_entries(db, batch)
            self._bump_generation(db)

    def delete_many(self, keys: Iterable[str]) -> int:
        """Remove the entries with these keys; how many were there."""
        pairs = [(key,) for key in keys]
        with self.transaction() as db:
            count = sum(db.execute("DELETE FROM entries WHERE key = ?", pair).rowcount
                        for pair in pairs)
            _add_to_totals(db, _drop_topic_rows(db, [key for (key,) in pairs]))
            if count:
                self._bump_generation(db)
        return count

    def keys_by_first_seen(self, topic: str | None = None) -> list[tuple[datetime, str]]:
        """(first_seen, key) of every entry (in ``topic`` if given), newest first, ties by key."""
        if topic is None:
            rows = self._all("SELECT first_seen, key FROM entries ORDER BY first_seen DESC, key")
        else:
            rows = self._all("SELECT first_seen, key FROM entry_topics WHERE topic = ? "
                             "ORDER BY first_seen DESC, key", (topic,))
        return [(datetime.fromtimestamp(seconds, UTC), key) for seconds, key in rows]

    def newest_keys(self, topic: str | None, limit: int) -> list[str]:
        """The keys of the ``limit`` newest entries (in ``topic`` if given), ties by key."""
        if topic is None:
            rows = self._all("SELECT key FROM entries ORDER BY first_seen DESC, key LIMIT ?",
                             (limit,))
        else:
            rows = self._all("SELECT key FROM entry_topics WHERE topic = ? "
                             "ORDER BY first_seen DESC, key LIMIT ?", (topic, limit))
        return [key for (key,) in rows]

    def topic_counts(self) -> dict[str, int]:
        """How many entries each topic holds (kept as entries are written: no count at read)."""
        return dict(self._all("SELECT topic, entries FROM topic_totals"))

    def count(self) -> int:
        """How many entries the store holds."""
        row = self._one("SELECT count(*) FROM entries")
        return int(row[0]) if row else 0

    def has(self, key: str) -> bool:
        """Whether an entry with ``key`` is stored."""
        return self._one("SELECT 1 FROM entries WHERE key = ?", (key,)) is not None

    def prune(self, older_than: datetime) -> int:
        """Remove entries first seen before ``older_than``; how many were removed."""
        rows = self._all("SELECT key FROM entries WHERE first_seen < ?", (older_than.timestamp(),))
        return self.delete_many(key for (key,) in rows)

    # seeds ---------------------------------------------------------------------------------
    def add_seeds(self, seeds: Iterable[tuple[str, Seed]]) -> int:
        """Remember (store key, seed) pairs for keys not stored yet; how many entries (distinct
        ids, each maybe under several keys) got a seed."""
        added: set[str] = set()
        with self.transaction() as db:
            for key, seed in seeds:
                if self.has(key):
                    continue
                cursor = db.execute("INSERT OR IGNORE INTO seeds VALUES (?, ?, ?, ?)",
                                    (key, seed.guid, seed.first_seen.isoformat(),
                                     seed.updated.isoformat()))
                if cursor.rowcount:
                    added.add(seed.guid)
        self._has_seeds = None
        return len(added)

    def seed_for(self, entry: Entry) -> Seed | None:
        """The seed recorded for ``entry``'s key (or its guid), if any."""
        if self._has_seeds is None:
            self._has_seeds = self._one("SELECT 1 FROM seeds LIMIT 1") is not None
        if not self._has_seeds:
            return None
        for key in (entry.key, "guid:" + entry.guid):
            row = self._one("SELECT guid, first_seen, updated FROM seeds WHERE key = ?", (key,))
            if row is not None:
                return Seed(row[0], datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2]))
        return None

    def seeds(self) -> dict[str, dict[str, str]]:
        """Every seed, as ``store export`` writes them: key -> guid, first_seen, updated."""
        return {key: {"first_seen": seen, "guid": guid, "updated": updated}
                for key, guid, seen, updated in self._all("SELECT * FROM seeds ORDER BY key")}

    # similarity ----------------------------------------------------------------------------
    def texts(self) -> Iterator[tuple[str, str, str]]:
        """(key, title, summary) of every stored entry, by key, read without decoding records,
        ``PAGE`` rows at a time."""
        yield from self._paged("SELECT key, coalesce(json_extract(record, '$.title'), ''), "
                               "coalesce(json_extract(record, '$.summary'), '') FROM entries{} "
                               "ORDER BY key", "key > ?", lambda row: (row[0],), self.PAGE)

    def similarity_terms(self) -> dict[str, float]:
        """The stored TF-IDF vocabulary: term -> IDF weight (empty when none was fitted)."""
        return {term: float(idf) for term, idf in self._all("SELECT term, idf FROM similar_terms")}

    def set_similarity_terms(self, idf: Mapping[str, float], info: Mapping[str, Any]) -> None:
        """Replace the stored vocabulary with ``idf``, and its meta ``similarity`` with ``info``,
        in one transaction."""
        with self.transaction() as db:
            db.execute("DELETE FROM similar_terms")
            db.executemany("INSERT INTO similar_terms VALUES (?, ?)", sorted(idf.items()))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('similarity', ?)",
                       (json.dumps(dict(info), sort_keys=True),))

    def examples(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """arXiv id -> (title, summary) of the fetched example papers among ``ids``."""
        found = {}
        for arxiv_id in ids:
            row = self._one("SELECT title, summary FROM similar_examples WHERE arxiv_id = ?",
                            (arxiv_id,))
            if row is not None:
                found[arxiv_id] = (str(row[0]), str(row[1]))
        return found

    def add_examples(self, examples: Mapping[str, tuple[str, str]], fetched: datetime) -> None:
        """Keep fetched example papers (arXiv id -> title, summary)."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO similar_examples VALUES (?, ?, ?, ?)",
                           [(i, t, s, fetched.isoformat()) for i, (t, s) in examples.items()])

    # digests -------------------------------------------------------------------------------
    def first_seen_between(self, start: datetime, end: datetime) -> list[Entry]:
        """The entries first seen from ``start`` to before ``end``, in that order."""
        rows = self._all("SELECT key FROM entries WHERE first_seen >= ? AND first_seen < ? "
                         "ORDER BY first_seen, key", (start.timestamp(), end.timestamp()))
        found = self.get_by_key(key for (key,) in rows)
        return [found[key] for (key,) in rows if key in found]

    def digest_ends(self) -> dict[tuple[str, str], datetime]:
        """(slug, cadence) -> when the latest period with a stored digest closed."""
        return {(slug, cadence): datetime.fromtimestamp(closes, UTC) for slug, cadence, closes in
                self._all("SELECT slug, cadence, max(closes) FROM digests GROUP BY slug, cadence")}

    def add_digests(self, digests: Iterable[Digest]) -> None:
        """Store ``digests`` in one transaction; a period that has its digest already keeps it."""
        rows = [(d.slug, d.cadence, d.period, d.end.timestamp(), d.papers, d.guid,
                 json.dumps(digest_to_record(d), ensure_ascii=False, separators=(",", ":")))
                for d in digests]
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO digests VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def digests(self, slugs: Iterable[str], cadences: Iterable[str], *,
                limit: int | None = None) -> list[Digest]:
        """The digests with papers of these feeds and cadences, newest first (then by slug and
        cadence); with ``limit``, at most that many per feed and cadence."""
        found = [self._decode_digest(f"{slug} {cadence} {period}", text) for slug, cadence, (
            period, text) in self._newest_digest_rows("period, record", slugs, cadences, limit)]
        return sorted(found, key=lambda d: (-d.end.timestamp(), d.slug, d.cadence))

    def digest_ids(self, slugs: Iterable[str], cadences: Iterable[str], *,
                   limit: int | None = None) -> list[str]:
        """The ids of what ``digests`` gives (by feed and cadence, newest first), without
        reading the digests themselves."""
        return [guid for _, _, (guid,) in self._newest_digest_rows("id", slugs, cadences, limit)]

    def _newest_digest_rows(self, columns: str, slugs: Iterable[str], cadences: Iterable[str],
                            limit: int | None) -> Iterator[tuple[str, str, Any]]:
        """(slug, cadence, ``columns``) of each feed's and cadence's digests with papers, newest
        first, at most ``limit`` of each."""
        for slug in dict.fromkeys(slugs):
            for cadence in dict.fromkeys(cadences):
                for row in self._all(f"SELECT {columns} FROM digests WHERE slug = ? AND cadence = ? "
                                     "AND papers > 0 ORDER BY closes DESC LIMIT ?",
                                     (slug, cadence, -1 if limit is None else limit)):
                    yield slug, cadence, row

    def digest_count(self) -> int:
        """How many digests (of periods with papers or without) the store holds."""
        row = self._one("SELECT count(*) FROM digests")
        return int(row[0]) if row else 0

    def sent_records(self) -> list[SentRecord]:
        """Every digest message the mail server accepted, by digest id and recipient."""
        return [SentRecord(digest, recipient, message_id, datetime.fromisoformat(sent), reply)
                for digest, recipient, message_id, sent, reply in
                self._all("SELECT * FROM digest_sent ORDER BY digest, recipient")]

    def record_sent(self, sent: SentRecord) -> None:
        """Record that the mail server accepted ``sent`` (committed at once)."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO digest_sent VALUES (?, ?, ?, ?, ?)",
                       (sent.digest, sent.recipient, sent.message_id, sent.sent.isoformat(),
                        sent.reply))

    def _decode_digest(self, name: str, text: str) -> Digest:
        try:
            return decode_digest(text)
        except ValueError as exc:
            raise StoreError(f"store {self.directory}: digest {name} is damaged ({exc}); "
                             "`feedsmith store check` lists every damaged record") from None

    # metadata ------------------------------------------------------------------------------
    def meta(self, name: str, default: Any = None) -> Any:
        """The JSON value stored under ``name``, else ``default``."""
        row = self._one("SELECT value FROM meta WHERE name = ?", (name,))
        return default if row is None else json.loads(row[0])

    def set_meta(self, name: str, value: Any) -> None:
        """Store the JSON ``value`` under ``name``."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, json.dumps(value)))

    @property
    def generation(self) -> int:
        """A counter that moves whenever entries are written or deleted: equal values, same entries."""
        return int(self.meta("generation", 0))

    @property
    def created(self) -> datetime:
        """When this store was created: the stable date of feeds that have no entries."""
        return datetime.fromisoformat(self.meta("store")["created"])

    @property
    def store_id(self) -> str:
        """A random id given to this store when it was created (the crawl cache records it)."""
        return str(self.meta("store")["id"])

    # backup and verification -------------------------------------------------------------
    def export_jsonl(self, out: IO[str], *, salvage: bool = False) -> Export:
        """Write a header line, every entry (sorted by key), every digest (by feed, cadence and
        period) and every sent record (by digest and recipient) as JSON Lines. A damaged record
        raises StoreError, or with ``salvage`` is skipped and named in the result."""
        digests = self._all("SELECT slug, cadence, period, record FROM digests "
                            "ORDER BY slug, cadence, period")
        sent = self.sent_records()
        header = {EXPORT_HEADER: EXPORT_FORMAT if digests or sent else ENTRIES_ONLY_FORMAT,
                  "created": self.meta("store")["created"], "seeds": self.seeds()}
        out.write(json.dumps(header, sort_keys=True) + "\n")
        result = Export()

        def damaged(what: str, exc: ValueError) -> None:
            if not salvage:
                raise StoreError(f"store {self.directory}: {what} is damaged ({exc}); "
                                 "`feedsmith store export --salvage` exports the others") from None
            result.skipped.append(f"{what} ({exc})")

        for key, text in self._records():
            try:
                entry = decode_record(key, text)
            except ValueError as exc:
                damaged(f"entry {key}", exc)
                continue
            out.write(json.dumps(entry_to_record(with_fingerprints(entry)), sort_keys=True,
                                 ensure_ascii=False) + "\n")
            result.count += 1
        for slug, cadence, period, text in digests:
            try:
                digest = decode_digest(text)
            except ValueError as exc:
                damaged(f"digest {slug} {cadence} {period}", exc)
                continue
            out.write(json.dumps(digest_to_record(digest), sort_keys=True, ensure_ascii=False) + "\n")
            result.digests += 1
        for record in sent:
            out.write(json.dumps(sent_to_record(record), sort_keys=True, ensure_ascii=False) + "\n")
            result.sent += 1
        return result

    def import_jsonl(self, lines: Iterable[str], *, name: str = "input") -> int:
        """Read what ``export_jsonl`` wrote (format 1, 2 or 3) into this store, which must hold no
        entries and no digests; how many entries were imported. The lines are read as they come,
        ``IMPORT_BATCH`` entries at a time, into one transaction (digest and sent lines, a few per
        feed and day, are kept until the end): StoreError (nothing imported) on any bad line; an
        error of ``lines`` itself (a file that cannot be read) also leaves nothing imported."""
        if self.count() or self.digest_count():
            raise StoreError(f"store {self.directory} already holds {self.count()} entries and "
                             f"{self.digest_count()} digests; import into an empty cache folder")
        numbered = enumerate(lines, start=1)
        header = _export_header(next(numbered, (1, "")), name)
        count = 0
        digests: list[Digest] = []
        sent: list[SentRecord] = []
        with self.transaction() as db:
            marker = {**self.meta("store"), "created": header["created"]}
            db.execute("INSERT OR REPLACE INTO meta VALUES ('store', ?)", (json.dumps(marker),))
            db.execute("DELETE FROM seeds")
            db.executemany("INSERT INTO seeds VALUES (?, ?, ?, ?)",
                           [(key, s["guid"], s["first_seen"], s["updated"])
                            for key, s in (header.get("seeds") or {}).items()])
            batch: list[Entry] = []
            for number, line in numbered:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if isinstance(record, dict) and "sent" in record:  # it names its "digest" too
                        sent.append(sent_from_record(record))
                    elif isinstance(record, dict) and "digest" in record:
                        digests.append(digest_from_record(record))
                    else:
                        batch.append(entry_from_record(record))
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    raise StoreError(f"{name} line {number}: not a feedsmith entry, digest or sent "
                                     f"record ({exc})") from None
                if len(batch) == IMPORT_BATCH:
                    _write_entries(db, batch)
                    count, batch = count + len(batch), []
            _write_entries(db, batch)
            count += len(batch)
            if count:
                self._bump_generation(db)
        self._has_seeds = None
        self.add_digests(digests)
        for record in sent:
            self.record_sent(record)
        return count

    def check(self) -> list[str]:
        """Every problem found: SQLite integrity, the marker, each record that cannot be read,
        topic rows that disagree with their record; [] if the store is sound."""
        try:
            result = [str(row[0]) for row in self._db.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            return [f"SQLite integrity check failed: {exc}"]
        if result != ["ok"]:
            return [f"SQLite: {line}" for line in result[:10]]
        problems: list[str] = []
        marker = self.meta("store")
        if not isinstance(marker, dict) or "created" not in marker:
            problems.append("the store marker is missing")
        topics: dict[str, set[str]] = {}
        for key, text in self._records():  # a page of records and their topic rows at a time
            if key not in topics:
                topics = self._topic_rows_from(key)
            try:
                entry = decode_record(key, text)
            except ValueError as exc:
                problems.append(f"entry {key}: cannot be read ({exc})")
                continue
            if set(entry.topics) != topics.get(key, set()):
                problems.append(f"entry {key}: its topic rows disagree with its record")
        problems.extend(f"topic rows for {key}, which is not stored" for (key,) in self._all(
            "SELECT DISTINCT key FROM entry_topics WHERE key NOT IN (SELECT key FROM entries) "
            "ORDER BY key"))
        counted = dict(self._all("SELECT topic, count(*) FROM entry_topics GROUP BY topic"))
        if counted != self.topic_counts():
            problems.append("the topic counts disagree with the topic rows")
        for slug, cadence, period, papers, guid, text in self._all(
                "SELECT slug, cadence, period, papers, id, record FROM digests "
                "ORDER BY slug, cadence, period"):
            try:
                digest = decode_digest(text)
            except ValueError as exc:
                problems.append(f"digest {slug} {cadence} {period}: cannot be read ({exc})")
                continue
            if (digest.slug, digest.cadence, digest.period, digest.papers, digest.guid) != (
                    slug, cadence, period, papers, guid):
                problems.append(f"digest {slug} {cadence} {period}: its row disagrees with its record")
        return problems

    def _topic_rows_from(self, key: str) -> dict[str, set[str]]:
        """The topics of each of the ``PAGE`` entries from ``key`` on (a page of ``_records``),
        by key."""
        page = self.PAGE
        topics: dict[str, set[str]] = {}
        for topic, row_key in self._all(
                "SELECT topic, key FROM entry_topics WHERE key IN "
                "(SELECT key FROM entries WHERE key >= ? ORDER BY key LIMIT ?)", (key, page)):
            topics.setdefault(row_key, set()).add(topic)
        for (row_key,) in self._all("SELECT key FROM entries WHERE key >= ? ORDER BY key LIMIT ?",
                                    (key, page)):
            topics.setdefault(row_key, set())
        return topics

    # plumbing ------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            if self._checkpointer is not None:
                self._checkpointer.committed()
        except sqlite3.Error as exc:
            raise store_error(self.directory, exc, f"store {self.directory}: {exc}") from None

    def _bump_generation(self, db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT (name) "
                   "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def _decode(self, key: str, text: str) -> Entry:
        try:
            return decode_record(key, text)
        except ValueError as exc:
            raise StoreError(f"store {self.directory}: entry {key} is damaged ({exc}); "
                             "`feedsmith store check` lists every damaged record") from None

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.directory, exc, f"store {self.directory} is damaged: {exc}") from None

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        try:
            return self._db.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise store_error(self.directory, exc, f"store {self.directory} is damaged: {exc}") from None


def _export_header(first: tuple[int, str], name: str) -> dict[str, Any]:
    """The header of an export, from its first line; StoreError if it is not one this feedsmith
    reads."""
    try:
        header = json.loads(first[1]) if first[1].strip() else None
    except ValueError as exc:
        raise StoreError(f"{name} line 1: not a feedsmith export ({exc})") from None
    if not isinstance(header, dict) or EXPORT_HEADER not in header:
        raise StoreError(f"{name}: missing the {EXPORT_HEADER} header line of `store export`")
    if header[EXPORT_HEADER] not in (1, ENTRIES_ONLY_FORMAT, EXPORT_FORMAT):
        raise StoreError(f"{name}: export format {header[EXPORT_HEADER]}, this feedsmith reads "
                         f"1 to {EXPORT_FORMAT}")
    return header


def store_exists(directory: Path) -> bool:
    """Whether ``directory`` holds a store (of this feedsmith, or one to convert)."""
    return (Path(directory) / STORE_FILE).exists() or is_old_store(Path(directory))


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the database at ``path`` (created if absent), in autocommit mode: every
    write goes through ``Store.transaction``."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations ``db`` lacks; refuse a database this feedsmith cannot read."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(f"store {path} has schema version {version}, written by a newer "
                         f"feedsmith (this one reads up to {SCHEMA_VERSION}); upgrade feedsmith")
    if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise StoreError(f"{path} is an SQLite database but not a feedsmith store; refusing to "
                         "use it. Move it away or choose another --cache-dir.")
    for number in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        for statement in MIGRATIONS[number].split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {number + 1}")
        db.execute("COMMIT")


def _refuse_damaged_file(path: Path) -> None:
    """Refuse a database file that SQLite would silently read as empty or partial."""
    size = path.stat().st_size
    restore = ("Restore it from a backup (`feedsmith store import`) or move the folder away.")
    if size == 0:
        raise StoreError(f"store {path} is empty (zero bytes); refusing to use it (it would "
                         f"re-publish every entry as new). {restore}")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return  # pages live in the WAL until the next checkpoint: the file may be shorter
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pages, page_size = (db.execute(f"PRAGMA {name}").fetchone()[0]
                            for name in ("page_count", "page_size"))
    except sqlite3.DatabaseError as exc:
        raise store_error(path.parent, exc, f"store {path} is not a readable SQLite database ({exc}). "
                          f"{restore}") from None
    finally:
        db.close()
    if pages * page_size > size:
        raise StoreError(f"store {path} is truncated ({size} of {pages * page_size} bytes); "
                         f"refusing to use it. {restore}")


def _convert(directory: Path, path: Path, now: datetime) -> str:
    """Convert the feedsmith 0.1.0 store in ``directory`` into ``path`` (written beside it, then
    renamed: a crash leaves the old store in place); the line that says what happened."""
    old: OldStore = read_old_store(directory)
    building = path.with_name(path.name + ".converting")
    for leftover in (building, *(building.with_name(building.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    db = connect(building)
    try:
        migrate(db, building)
        store = Store(db, directory)
        store_id = uuid.uuid4().hex
        store.set_meta("store", {"id": store_id, "created": old.created})
        if old.rules is not None:
            store.set_meta("rules", old.rules)
        with store.transaction() as tx:
            tx.executemany("INSERT INTO seeds VALUES (?, ?, ?, ?)",
                           [(key, s["guid"], s["first_seen"], s["updated"])
                            for key, s in old.seeds.items()])
        store.put_many(old.entries)
        generation = store.generation
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot convert the old store in {directory}: {exc}") from None
    finally:
        db.close()
    building.replace(path)
    save_validators(directory, old, store_id=store_id, generation=generation)
    aside = move_aside(directory, now)
    message = (f"converted the feedsmith 0.1.0 store in {directory} to {path.name} "
               f"({len(old.entries)} entries, {len(old.seeds)} seeds); the old files are in {aside}")
    if old.damaged:
        message += f"; {len(old.damaged)} damaged records left behind: " + ", ".join(old.damaged)
    return message


@contextmanager
def open_store(directory: Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
               now: datetime | None = None, create: bool = True) -> Iterator[Store]:
    """The store in ``directory``, locked for this process until exit. ``create`` False: a
    folder without a store is an error, and nothing is created. A feedsmith 0.1.0 store found
    there is converted first, with one warning line on the ``feedsmith`` logger."""
    directory = Path(directory)
    if not create and not store_exists(directory):
        raise StoreError(f"no store at {directory}: run feedsmith build first")
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise store_error(directory, exc, f"cannot create store folder {directory}: {exc.strerror}") from None
    lock = filelock.FileLock(str(directory / LOCK_FILE), timeout=lock_timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise StoreError(
            f"store {directory} is locked by another feedsmith run; gave up after "
            f"{lock_timeout:g} s (the lock is released when that run ends)"
        ) from None
    except OSError as exc:
        raise store_error(directory, exc, f"cannot lock store {directory}: {exc.strerror}") from None
    try:
        path = directory / STORE_FILE
        if not path.exists() and is_old_store(directory):
            log.warning(_convert(directory, path, (now or datetime.now(UTC)).replace(microsecond=0)))
        fresh = not path.exists()
        if not fresh:
            _refuse_damaged_file(path)
        try:
            db = connect(path)
            migrate(db, path)
        except sqlite3.Error as exc:
            raise store_error(directory, exc, f"cannot open store {path}: {exc}") from None
        except OSError as exc:
            raise store_error(directory, exc, f"cannot open store {path}: {exc.strerror or exc}") from None
        checkpointer = None
        try:
            db.execute("PRAGMA wal_autocheckpoint = 0")  # the Checkpointer's thread does it
            checkpointer = Checkpointer(path)
            store = Store(db, directory, checkpointer)
            if store.meta("store") is None:
                if not fresh:
                    raise StoreError(f"store {path} has lost its marker; refusing to treat it as "
                                     "empty. Restore it with `feedsmith store import`.")
                stamp = (now or datetime.now(UTC)).replace(microsecond=0)
                store.set_meta("store", {"id": uuid.uuid4().hex, "created": stamp.isoformat()})
            yield store
            checkpointer.close()
            checkpointer = None
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise store_error(directory, exc, f"store {path}: cannot checkpoint: {exc}") from None
        finally:
            if checkpointer is not None:
                checkpointer.close()
            db.close()
    finally:
        lock.release()
