"""The entry store: one entry per paper, first_seen kept, damaged stores refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedsmith.errors import StoreError
from feedsmith.ingest import RunClock, ingest
from feedsmith.sources.hf import parse_daily_papers
from feedsmith.store import SCHEMA_VERSION, open_store
from tests.conftest import SNAPSHOT

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)


def snapshot_entries():  # type: ignore[no-untyped-def]
    return parse_daily_papers(SNAPSHOT.read_bytes(), source="snap").entries


def test_reingest_keeps_one_entry_and_first_seen(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        first = ingest(store, snapshot_entries(), clock=RunClock(T0))
        second = ingest(store, snapshot_entries(), clock=RunClock(T0 + timedelta(days=1)))
        entries = {e.key: e for e in store.entries()}
    assert len(first.new) == 72 and second.new == [] and second.changed == []
    assert len(entries) == 72
    assert entries["arxiv:2410.00086"].first_seen == T0


def test_run_clock_keeps_source_order_with_distinct_past_times(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
        entries = list(store.entries())
    stamps = sorted((e.rank, e.first_seen) for e in entries)
    times = [s for _, s in stamps]
    assert len(set(times)) == 72 and all(t <= T0 for t in times)  # type: ignore[operator]
    assert times == sorted(times, reverse=True)


def test_store_survives_reopen(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
    with open_store(tmp_path / "c") as store:
        assert len(list(store.entries())) == 72
        assert store.created == T0


@pytest.mark.parametrize("damage", [b"", b"garbage" * 100, None])
def test_damaged_store_is_refused(tmp_path: Path, damage: bytes | None) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
    database = folder / "store.sqlite"
    if damage is None:
        database.write_bytes(database.read_bytes()[:4096])  # truncated mid-file
    else:
        database.write_bytes(damage)
    with pytest.raises(StoreError):
        with open_store(folder) as store:
            list(store.entries())


def test_a_run_that_fails_after_writing_keeps_what_it_committed(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    with pytest.raises(RuntimeError):
        with open_store(folder, now=T0) as store:
            ingest(store, snapshot_entries(), clock=RunClock(T0))
            raise RuntimeError("crash after writing")
    with open_store(folder) as store:
        assert store.count() == 72 and store.check() == []
        assert len(store.newest_keys("long-context", 500)) == len(
            [e for e in store.entries() if "long-context" in e.topics])


def test_store_is_one_sqlite_file_readable_by_any_sqlite_client(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
    assert not (folder / "store.sqlite-wal").exists() or (folder / "store.sqlite-wal").stat().st_size == 0
    with sqlite3.connect(folder / "store.sqlite") as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        rows = db.execute("SELECT key, datetime(first_seen, 'unixepoch') FROM entries "
                          "ORDER BY first_seen DESC, key LIMIT 2").fetchall()
    db.close()
    assert version == SCHEMA_VERSION
    assert rows[0] == ("arxiv:2410.00086", "2026-03-13 12:00:00")


def test_a_store_from_a_newer_feedsmith_or_another_program_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
    with sqlite3.connect(folder / "store.sqlite") as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer feedsmith"):
        with open_store(folder):
            pass
    other = tmp_path / "other"
    other.mkdir()
    with sqlite3.connect(other / "store.sqlite") as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    with pytest.raises(StoreError, match="not a feedsmith store"):
        with open_store(other):
            pass


def test_a_store_of_schema_version_1_is_migrated_to_keep_the_like_vocabulary(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
    with sqlite3.connect(folder / "store.sqlite") as db:  # exactly what schema version 1 held
        for table in ("similar_terms", "similar_examples", "digests", "digest_sent"):
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version = 1")
    db.close()
    with open_store(folder) as store:
        assert store.count() == 72 and store.check() == []
        assert store.similarity_terms() == {} and store.examples(["2309.12307"]) == {}
        store.set_similarity_terms({"context": 2.5}, {"documents": 72})
        store.add_examples({"2402.13753": ("LongRoPE", "Extends the context window.")}, T0)
    with sqlite3.connect(folder / "store.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert {name for (name,) in db.execute("SELECT name FROM sqlite_master")} >= {
            "similar_terms", "similar_examples", "digests", "digest_sent"}
        assert db.execute("SELECT * FROM similar_terms").fetchall() == [("context", 2.5)]
    db.close()
    with open_store(folder) as store:
        assert store.examples(["2402.13753", "2309.12307"]) == {
            "2402.13753": ("LongRoPE", "Extends the context window.")}


def test_a_store_of_schema_version_2_gains_the_digest_tables(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
        store.set_similarity_terms({"context": 2.5}, {"documents": 72})
    with sqlite3.connect(folder / "store.sqlite") as db:  # what schema version 2 held (main's like)
        db.execute("DROP TABLE digests")
        db.execute("DROP TABLE digest_sent")
        db.execute("PRAGMA user_version = 2")
    db.close()
    with open_store(folder) as store:
        assert store.count() == 72 and store.check() == []
        assert store.similarity_terms() == {"context": 2.5} and store.digest_count() == 0
    with sqlite3.connect(folder / "store.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    db.close()
