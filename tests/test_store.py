"""The entry store: one entry per paper, first_seen kept, damaged stores refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedsmith.errors import StoreError
from feedsmith.sources.hf import parse_daily_papers
from feedsmith.store import RunClock, open_store
from tests.conftest import SNAPSHOT

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)


def snapshot_entries():  # type: ignore[no-untyped-def]
    return parse_daily_papers(SNAPSHOT.read_bytes(), source="snap").entries


def test_reingest_keeps_one_entry_and_first_seen(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        first = store.ingest(snapshot_entries(), clock=RunClock(T0))
        second = store.ingest(snapshot_entries(), clock=RunClock(T0 + timedelta(days=1)))
        entries = {e.key: e for e in store.entries()}
    assert len(first.new) == 72 and second.new == [] and second.changed == []
    assert len(entries) == 72
    assert entries["arxiv:2410.00086"].first_seen == T0


def test_run_clock_keeps_source_order_with_distinct_past_times(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        store.ingest(snapshot_entries(), clock=RunClock(T0))
        entries = list(store.entries())
    stamps = sorted((e.rank, e.first_seen) for e in entries)
    times = [s for _, s in stamps]
    assert len(set(times)) == 72 and all(t <= T0 for t in times)  # type: ignore[operator]
    assert times == sorted(times, reverse=True)


def test_store_survives_reopen(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        store.ingest(snapshot_entries(), clock=RunClock(T0))
    with open_store(tmp_path / "c") as store:
        assert len(list(store.entries())) == 72
        assert store.created == T0


@pytest.mark.parametrize("damage", [b"", b"garbage" * 100, None])
def test_damaged_store_is_refused(tmp_path: Path, damage: bytes | None) -> None:
    folder = tmp_path / "c"
    with open_store(folder, now=T0) as store:
        store.ingest(snapshot_entries(), clock=RunClock(T0))
    database = folder / "cache.db"
    if damage is None:
        database.write_bytes(database.read_bytes()[:4096])  # truncated mid-file
    else:
        database.write_bytes(damage)
    with pytest.raises(StoreError):
        with open_store(folder) as store:
            list(store.entries())


def test_index_written_once_per_run_is_rebuilt_after_a_run_that_failed(tmp_path: Path) -> None:
    """The first-seen index is saved when a run ends normally; a run that fails after writing
    entries leaves a stale generation tag, and the next open rebuilds the index from entries."""
    folder = tmp_path / "c"
    with pytest.raises(RuntimeError):
        with open_store(folder, now=T0) as store:
            store.ingest(snapshot_entries(), clock=RunClock(T0))
            raise RuntimeError("crash after writing")
    with open_store(folder) as store:
        assert store.index_is_current()
        assert len(store.index_rows()) == 72
        assert store.check() == []
