"""A rebuild with nothing changed skips rendering, but never serves a stale site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedsmith.config import load_config
from feedsmith.jobs import build
from feedsmith.store import open_store

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)


def test_unchanged_rebuild_skips_but_a_missing_file_or_moved_window_rebuilds(
        snapshot_config: Path) -> None:
    config = load_config(snapshot_config)
    first = build(config, now=T0)
    assert first.write is not None and first.write.written
    with open_store(config.site.cache) as store:
        generation = store.generation
    again = build(config, now=T0 + timedelta(hours=1))
    assert again.write is not None and again.write.written == []
    assert again.topic_counts == first.topic_counts
    with open_store(config.site.cache) as store:
        assert store.generation == generation  # re-reading the same source wrote no entry
    (config.site.output / "all.atom").unlink()
    restored = build(config, now=T0 + timedelta(hours=2))
    assert restored.write is not None and restored.write.written == ["all.atom"]
    # 72 entries, min_entries 20: past the window only 20 stay, so every feed changes
    late = build(config, now=T0 + timedelta(days=30))
    assert late.write is not None and "all.atom" in late.write.written
