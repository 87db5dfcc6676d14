"""Store maintenance: a configuration in, the store checked, exported, imported or pruned out.

Each function opens the configured store (read-only work refuses a folder with no store and
creates nothing), does one job and returns what the CLI prints.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime, timedelta

from .config import Config
from .store import DEFAULT_LOCK_TIMEOUT, Export, open_store


def check_store(config: Config, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> tuple[int, list[str]]:
    """How many entries the store holds, and every problem found in it ([] if it is sound)."""
    with open_store(config.site.cache, lock_timeout=lock_timeout, create=False) as store:
        return store.count(), store.check()


def export_store(config: Config, *, salvage: bool = False,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> tuple[str, Export]:
    """The store as JSON Lines, and what was exported (with ``salvage``: what was skipped)."""
    buffer = io.StringIO()
    with open_store(config.site.cache, lock_timeout=lock_timeout, create=False) as store:
        result = store.export_jsonl(buffer, salvage=salvage)
    return buffer.getvalue(), result


def import_store(config: Config, lines: Iterable[str], *, name: str,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> int:
    """Load a ``store export`` (its ``lines``, read from ``name`` as the import goes, never all
    at once) into an empty store; how many."""
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        return store.import_jsonl(lines, name=name)


def prune_store(config: Config, age: timedelta, *, now: datetime,
                lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> tuple[int, int]:
    """Remove entries first seen more than ``age`` before ``now``; (removed, left)."""
    with open_store(config.site.cache, lock_timeout=lock_timeout, create=False) as store:
        removed = store.prune(now - age)
        return removed, store.count()
