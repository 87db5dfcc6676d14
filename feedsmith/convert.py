"""The one-time converter of a feedsmith 0.1.0 store (a diskcache folder: ``cache.db`` and its
value files) into today's ``store.sqlite`` and crawl cache.

In: the folder of an old store. Out: ``read_old_store`` gives its entries, seeds, creation date,
topic-rules fingerprint and HTTP validators (records it cannot read are named, not fatal);
``save_validators`` puts the validators into the new crawl cache; ``move_aside`` moves the old
files into a dated folder beside the store (never deleted). This is the only place that reads
the old pickled format.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import diskcache

from .crawl_cache import CRAWL_CACHE_DIR, CrawlCache
from .errors import StoreError
from .model import Entry, entry_from_record

OLD_DATABASE = "cache.db"
_OLD_FORMAT = 1


@dataclass
class OldStore:
    """What a feedsmith 0.1.0 store held."""

    created: str
    entries: list[Entry] = field(default_factory=list)
    seeds: dict[str, dict[str, str]] = field(default_factory=dict)
    rules: str | None = None
    validators: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


def is_old_store(directory: Path) -> bool:
    """Whether ``directory`` holds a feedsmith 0.1.0 store."""
    return (directory / OLD_DATABASE).is_file()


def read_old_store(directory: Path) -> OldStore:
    """Everything the 0.1.0 store in ``directory`` holds; StoreError if it cannot be opened or
    has no marker."""
    try:
        cache = diskcache.Cache(str(directory), eviction_policy="none", statistics=False,
                                cull_limit=0)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot convert the old store in {directory}: {exc}") from None
    try:
        marker = _read(cache, "m:store")
        if not isinstance(marker, dict) or marker.get("format") != _OLD_FORMAT:
            raise StoreError(f"cannot convert the old store in {directory}: its marker is "
                             "missing or unknown; restore it with `feedsmith store import`")
        old = OldStore(created=str(marker["created"]))
        seeds = _read(cache, "m:seeds")
        old.seeds = dict(seeds) if isinstance(seeds, dict) else {}
        rules = _read(cache, "m:rules")
        old.rules = rules if isinstance(rules, str) else None
        for name in sorted(k for k in cache.iterkeys() if isinstance(k, str)):
            if name.startswith("e:"):
                try:
                    entry = entry_from_record(cache[name])
                    if entry.key != name[2:]:
                        raise ValueError(f"holds key {entry.key}")
                    old.entries.append(entry)
                except Exception as exc:  # any record that cannot be read is named
                    old.damaged.append(f"{name[2:]} ({type(exc).__name__}: {exc})")
            elif name.startswith("m:http:"):
                value = _read(cache, name)
                if isinstance(value, dict):  # local files were kept as "file:<path>"
                    old.validators.append((name[len("m:http:"):].removeprefix("file:"), value))
        return old
    except sqlite3.Error as exc:
        raise StoreError(f"cannot convert the old store in {directory}: {exc}") from None
    finally:
        cache.close()


def _read(cache: diskcache.Cache, name: str) -> Any:
    try:
        return cache.get(name)
    except (sqlite3.Error, OSError):
        raise
    except Exception:  # an unreadable derived value (the old index, say) is just absent
        return None


def save_validators(directory: Path, old: OldStore, *, store_id: str, generation: int) -> None:
    """The old store's HTTP validators, into the crawl cache of the new store ``store_id``."""
    with CrawlCache(directory / CRAWL_CACHE_DIR, store_id=store_id, generation=generation) as cache:
        validators = [(url, {k: v for k, v in values.items() if k != "more"})
                      for url, values in old.validators]
        pages = [(url, bool(values["more"])) for url, values in old.validators if "more" in values]
        cache.save(validators, pages, generation=generation)


def move_aside(directory: Path, stamp: datetime) -> Path:
    """Move the old store's files into ``directory/old-store-<UTC time>``; that folder."""
    target = directory / f"old-store-{stamp:%Y%m%dT%H%M%SZ}"
    target.mkdir(mode=0o700)
    for path in sorted(directory.iterdir()):
        old_value_folder = path.is_dir() and len(path.name) == 2 and all(
            c in "0123456789abcdef" for c in path.name)
        if path.name.startswith(OLD_DATABASE) or old_value_folder:
            shutil.move(str(path), str(target / path.name))
    return target
