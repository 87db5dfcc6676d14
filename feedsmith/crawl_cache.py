"""The crawl cache: HTTP validators (ETag, Last-Modified, body hash) and local files' hashes,
kept in a diskcache folder of their own beside the store (``<cache dir>/crawl-cache``).

In: a URL (or ``file:`` path) and the validators of its last body, saved only after the store has
committed what that body gave. Out: those validators for the next conditional fetch. Keys are a
SHA-256 of the URL, since a URL may carry a secret. It is only a cache: losing or damaging it
costs one full re-download, never an entry. It records the store it belongs to (id and
generation), and a cache written for another store, or for a later state of this one (a store
restored from an older copy), is emptied on open, so a 304 can never keep an empty store empty.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import diskcache

CRAWL_CACHE_DIR = "crawl-cache"
_OWNER = "owner"
_UNREAD = object()
log = logging.getLogger("feedsmith")


def _key(space: str, url: str) -> str:
    return space + hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _open(directory: Path) -> diskcache.Cache:
    return diskcache.Cache(str(directory), eviction_policy="none", statistics=False, cull_limit=0)


class CrawlCache:
    """The crawl cache of the store ``store_id`` at ``generation``, in ``directory``."""

    def __init__(self, directory: Path, *, store_id: str, generation: int) -> None:
        self.directory = Path(directory)
        self.store_id = store_id
        self._cache: diskcache.Cache | None = None
        self._read: dict[str, Any] = {}  # what this run read, so a save writes only what changed
        try:
            self._claim(generation)
        except (sqlite3.Error, OSError) as exc:  # a full disk, say: the run goes on without it
            self._give_up(f"not used ({exc})")

    def _claim(self, generation: int) -> None:
        try:
            self._cache = _open(self.directory)
            owner = self._cache.get(_OWNER)
        except (sqlite3.Error, OSError, ValueError, EOFError, TypeError, AttributeError,
                ImportError):
            self.close()
            shutil.rmtree(self.directory, ignore_errors=True)  # damaged: a cache starts over
            self._cache = _open(self.directory)
            owner = None
        if (not isinstance(owner, dict) or owner.get("store") != self.store_id
                or not isinstance(owner.get("generation"), int) or owner["generation"] > generation):
            self._cache.clear()
            self._cache.set(_OWNER, {"store": self.store_id, "generation": generation})

    def _give_up(self, what: str) -> None:
        """Go on without the cache for the rest of this run (saying so once): every lookup is a
        miss, nothing is saved, and the next run downloads in full what this one could not save."""
        self.close()
        self._cache = None
        log.warning(f"crawl cache {self.directory} {what}; sources are downloaded in full "
                    "until it can be written again")

    def validators(self, url: str) -> dict[str, Any] | None:
        """The validators saved for ``url``, or None (never saved, or unreadable)."""
        value = self._get(_key("v:", url))
        return value if isinstance(value, dict) else None

    def has_more(self, url: str) -> bool:
        """Whether the page at ``url`` held items when it was last read (paging goes on past
        it when it has not changed since)."""
        return self._get(_key("p:", url)) is True

    def save(self, validators: Sequence[tuple[str, dict[str, Any]]],
             pages: Sequence[tuple[str, bool]] = (), *, generation: int) -> None:
        """Save (url, validators) and (page url, held items) pairs, once the store has committed
        what they gave (at ``generation``). A cache that cannot be written (a full disk) is given
        up for the rest of the run, never an error: it only costs a download."""
        if self._cache is None:
            return
        # Unchanged values (a 304, a page that held items before and still does) are not written
        # again: an all-304 crawl writes nothing. The owner record keeps the generation of the
        # last write, which every value here is still true of.
        wanted: list[tuple[str, object]] = [(_key("v:", url), values) for url, values in validators]
        wanted += [(_key("p:", url), more) for url, more in pages]
        changed = [(key, value) for key, value in wanted if self._read.get(key, _UNREAD) != value]
        if not changed:
            return
        try:
            with self._cache.transact():
                for key, value in changed:
                    self._cache.set(key, value)
                    self._read[key] = value
                self._cache.set(_OWNER, {"store": self.store_id, "generation": generation})
        except (sqlite3.Error, OSError) as exc:
            self._give_up(f"cannot be written ({exc})")

    def _get(self, key: str) -> Any:
        if self._cache is None:
            return None
        try:
            value = self._cache.get(key)
        except Exception:  # a damaged value is a cache miss
            return None
        self._read[key] = value
        return value

    def close(self) -> None:
        """Close the underlying diskcache."""
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> CrawlCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
