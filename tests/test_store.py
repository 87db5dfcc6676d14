"""The entry store: one entry per paper, first_seen kept, damaged stores refused."""

from __future__ import annotations

import io
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedsmith.store as store_module
from feedsmith.cli import main
from feedsmith.errors import StoreError
from feedsmith.ingest import RunClock, ingest
from feedsmith.merge import with_fingerprints
from feedsmith.model import entry_to_record
from feedsmith.sources.hf import parse_daily_papers
from feedsmith.store import MIGRATIONS, SCHEMA_VERSION, Store, open_store
from tests.conftest import SNAPSHOT, write_config

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


def test_commits_reach_the_database_file_while_the_run_goes_on(tmp_path: Path) -> None:
    # The run's connection leaves checkpoints to the store's own thread: what it committed is
    # copied into store.sqlite (where a reader that ignores the write-ahead log sees it) while the
    # store is still open, and the log is empty once it is closed.
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
        seen, deadline = 0, time.monotonic() + 30
        while seen != 72 and time.monotonic() < deadline:
            time.sleep(0.05)
            # immutable: the file alone, and read afresh by each connection
            database = sqlite3.connect(f"file:{folder / 'store.sqlite'}?immutable=1", uri=True)
            try:
                seen = database.execute("SELECT count(*) FROM entries").fetchone()[0]
            except sqlite3.OperationalError:  # not even the tables are in the file yet
                seen = 0
            finally:
                database.close()
        assert seen == 72
    wal = folder / "store.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0


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
        for table in ("similar_terms", "similar_examples", "digests", "digest_sent", "topic_totals"):
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version = 1")
    db.close()
    with open_store(folder) as store:
        assert store.count() == 72 and store.check() == []
        assert store.similarity_terms() == {} and store.examples(["2309.12307"]) == {}
        store.set_similarity_terms({"context": 2.5}, {"documents": 72})
        store.add_examples({"2402.13753": ("LongRoPE", "Extends the context window.")}, T0)
    with sqlite3.connect(folder / "store.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        assert {name for (name,) in db.execute("SELECT name FROM sqlite_master")} >= {
            "similar_terms", "similar_examples", "digests", "digest_sent", "topic_totals"}
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
        db.execute("DROP TABLE topic_totals")
        db.execute("PRAGMA user_version = 2")
    db.close()
    with open_store(folder) as store:
        assert store.count() == 72 and store.check() == []
        assert store.similarity_terms() == {"context": 2.5} and store.digest_count() == 0
    with sqlite3.connect(folder / "store.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    db.close()


# a store of a million entries: import streams, pages are read a page at a time -----------------
def _export_lines(tmp_path: Path) -> list[str]:
    with open_store(tmp_path / "source", now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
        buffer = io.StringIO()
        store.export_jsonl(buffer)
    return buffer.getvalue().splitlines(keepends=True)


def test_import_streams_its_lines_in_batches_and_exports_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _export_lines(tmp_path)
    pulled = 0

    def reading() -> Iterator[str]:
        nonlocal pulled
        for line in lines:
            pulled += 1
            yield line

    written: list[tuple[int, int]] = []
    real = store_module._write_entries
    monkeypatch.setattr(store_module, "IMPORT_BATCH", 10)
    monkeypatch.setattr(store_module, "_write_entries",
                        lambda db, batch: written.append((pulled, len(batch))) or real(db, batch))
    with open_store(tmp_path / "copy", now=T0) as store:
        assert store.import_jsonl(reading()) == len(lines) - 1
        again = io.StringIO()
        store.export_jsonl(again)
    assert written[0] == (11, 10)  # the header and ten entries read, then written
    assert all(size <= 10 for _, size in written) and sum(size for _, size in written) == len(lines) - 1
    assert again.getvalue() == "".join(lines)


@pytest.mark.parametrize("failure", ["bad line", "read error"])
def test_an_import_that_fails_after_some_batches_imports_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    lines = _export_lines(tmp_path)
    monkeypatch.setattr(store_module, "IMPORT_BATCH", 10)

    def reading() -> Iterator[str]:
        yield from lines[:40]
        if failure == "read error":
            raise OSError("disk went away")
        yield "{not json\n"

    with open_store(tmp_path / "copy", now=T0) as store:
        with pytest.raises(StoreError if failure == "bad line" else OSError,
                           match="line 41" if failure == "bad line" else "went away"):
            store.import_jsonl(reading())
        assert store.count() == 0 and store.topic_counts() == {} and store.generation == 0


def test_import_reads_standard_input(tmp_path: Path) -> None:
    lines = _export_lines(tmp_path)
    result = CliRunner().invoke(main, ["store", "import", "-", "--cache-dir", str(tmp_path / "in"),
                                       "--config", str(write_config(tmp_path, []))],
                                input="".join(lines))
    assert result.exit_code == 0 and f"imported {len(lines) - 1} entries" in result.output


def test_entries_are_read_a_page_at_a_time_newest_first_even_while_rewritten(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        ingest(store, snapshot_entries(), clock=RunClock(T0))
        order = [key for _, key in store.keys_by_first_seen()]
        seen = []
        for entry in store.entries(page=7):
            seen.append(entry.key)
            store.put_many([replace(entry, topics=("rewritten",))])
        assert seen == order and store.topic_counts() == {"rewritten": len(order)}


def test_the_store_keeps_provenance_compact_and_reads_the_older_form(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        ingest(store, snapshot_entries()[:3], clock=RunClock(T0))
        entry = next(store.entries())
    db = sqlite3.connect(tmp_path / "c" / "store.sqlite")
    stored = json.loads(db.execute("SELECT record FROM entries WHERE key = ?", (entry.key,)).fetchone()[0])
    assert all(isinstance(p, list) and len(p) == 4 for p in stored["provenance"])  # no hash: current
    older = json.dumps(entry_to_record(with_fingerprints(entry)))  # every fingerprint, as dicts
    db.execute("UPDATE entries SET record = ? WHERE key = ?", (older, entry.key))
    db.commit()
    db.close()
    with open_store(tmp_path / "c", now=T0) as store:
        assert store.get(entry.key) == with_fingerprints(entry) and store.check() == []


def test_topic_counts_are_kept_as_entries_are_written_and_a_first_schema_store_gets_them(
        tmp_path: Path) -> None:
    folder = tmp_path / "c"

    def counted() -> dict[str, int]:
        with sqlite3.connect(folder / "store.sqlite") as db:
            rows = dict(db.execute("SELECT topic, count(*) FROM entry_topics GROUP BY topic"))
        db.close()
        return rows

    papers = snapshot_entries()
    with open_store(folder, now=T0) as store:
        ingest(store, [replace(e, topics=("a", "b") if n % 2 else ("a",)) for n, e in enumerate(papers)],
               clock=RunClock(T0))
        assert store.topic_counts() == {"a": len(papers), "b": len(papers) // 2}
        store.put_many([replace(e, topics=("c",)) for e in list(store.entries())[:5]])
        assert store.delete_many([papers[-1].key, "arxiv:missing"]) == 1
        totals = store.topic_counts()
        assert store.check() == []
    assert totals == counted() and totals["c"] == 5
    with sqlite3.connect(folder / "store.sqlite") as db:  # as schema 3 (digests) left it
        db.execute("DROP TABLE topic_totals")
        db.execute("PRAGMA user_version = 3")
    db.close()
    with open_store(folder, now=T0) as store:
        assert store.topic_counts() == totals and len(MIGRATIONS) == SCHEMA_VERSION == 4


def test_check_and_export_read_a_page_at_a_time_and_still_see_every_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        ingest(store, [replace(e, topics=("a",)) for e in snapshot_entries()], clock=RunClock(T0))
        whole = io.StringIO()
        store.export_jsonl(whole)
        keys = sorted(e.key for e in store.entries())
    with sqlite3.connect(folder / "store.sqlite") as db:
        db.execute("DELETE FROM entry_topics WHERE key = ?", (keys[20],))
        db.execute("INSERT INTO entry_topics VALUES ('x', ?, 0)", (keys[30],))
        db.execute("INSERT INTO entry_topics VALUES ('x', 'arxiv:gone', 0)")
        db.execute("UPDATE entries SET record = '{' WHERE key = ?", (keys[40],))
    db.close()
    monkeypatch.setattr(Store, "PAGE", 7)
    with open_store(folder, now=T0) as store:
        problems = store.check()
        salvaged = io.StringIO()
        assert store.export_jsonl(salvaged, salvage=True).skipped[0].startswith(f"entry {keys[40]}")
    lines = whole.getvalue().splitlines()
    assert salvaged.getvalue().splitlines() == lines[:41] + lines[42:]
    assert [p for p in problems if "topic counts" not in p] == [
        f"entry {keys[20]}: its topic rows disagree with its record",
        f"entry {keys[30]}: its topic rows disagree with its record",
        f"entry {keys[40]}: cannot be read (JSONDecodeError: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1))",
        "topic rows for arxiv:gone, which is not stored"]
