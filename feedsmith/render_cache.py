"""The render cache: each entry's rendered pieces (``render.fragments``), kept from one build to
the next in a diskcache folder of their own beside the store (``<cache dir>/render-cache``).

In: pieces by key (the piece's kind and a SHA-256 of everything it shows, the site's settings and
the code: ``Fragments.key``). Out: those of the asked keys it holds, each checked against the
checksum saved with it. It is only a cache: losing, emptying or damaging it costs the time to
render again, never a byte of the site (a value that cannot be read or fails its checksum is a
miss). It drops the pieces no build uses any more (``retain``), so it stays within twice the
size of one site's pieces. A cache that cannot be opened or written (a full disk) is given up for the
rest of the run with one warning line, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sqlite3
from collections.abc import Collection, Iterable
from pathlib import Path

import diskcache

RENDER_CACHE_DIR = "render-cache"
_SUM = 8  # bytes of BLAKE2b before each value
_SLACK = 100  # values a small site may hold beyond twice its own before ``retain`` deletes
log = logging.getLogger("feedsmith")


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_SUM).digest()


class RenderCache:
    """The render cache in ``directory`` (a ``render.fragments.FragmentStore``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._cache: diskcache.Cache | None = None
        try:
            try:
                self._open()
            except sqlite3.OperationalError:  # a full disk, say: not damage
                raise
            except sqlite3.DatabaseError:  # not a database, or a malformed one: start over
                self.close()
                shutil.rmtree(self.directory, ignore_errors=True)
                self._open()
        except (sqlite3.Error, OSError) as exc:  # the run goes on without it
            self._give_up(f"not used ({exc})")

    def _open(self) -> None:
        # values are read and written once per build: SQLite's page cache and memory map would
        # only hold memory (32 MB and 64 MB by default; S2 at scale 1: peak RSS 219 MB -> 194 MB)
        self._cache = diskcache.Cache(str(self.directory), eviction_policy="none", statistics=False,
                                      cull_limit=0, sqlite_cache_size=256, sqlite_mmap_size=0)
        self._cache.get("")  # reads the database: a damaged one fails here

    def _give_up(self, what: str) -> None:
        self.close()
        self._cache = None
        log.warning(f"render cache {self.directory} {what}; entries are rendered again until it "
                    "can be written")

    def get_many(self, keys: Collection[str]) -> dict[str, bytes]:
        """The pieces of ``keys`` this cache holds intact."""
        found: dict[str, bytes] = {}
        if self._cache is None or not keys:
            return found
        try:
            with self._cache.transact():
                for key in keys:
                    value = self._cache.get(key)
                    if isinstance(value, bytes) and _checksum(value[_SUM:]) == value[:_SUM]:
                        found[key] = value[_SUM:]
        except Exception:  # a damaged database is a miss; later writes say so if it stays
            return found
        return found

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Keep the (key, value) pairs ``items``, made one at a time; a cache that cannot be
        written is given up for the run."""
        if self._cache is None:
            return
        try:
            with self._cache.transact():
                for key, value in items:
                    self._cache.set(key, _checksum(value) + value)
        except (sqlite3.Error, OSError) as exc:
            self._give_up(f"cannot be written ({exc})")

    def retain(self, keys: Collection[str]) -> None:
        """Drop every value but those of ``keys`` (the ones a build just used) once the cache
        holds more than twice as many: most builds then delete nothing, and each value stored is
        deleted once, in a batch."""
        if self._cache is None:
            return
        try:
            if len(self._cache) <= 2 * len(keys) + _SLACK:
                return
            stale = [key for key in self._cache.iterkeys() if key not in keys]
            with self._cache.transact():
                for key in stale:
                    self._cache.delete(key)
        except (sqlite3.Error, OSError) as exc:
            self._give_up(f"cannot be written ({exc})")

    def close(self) -> None:
        """Close the underlying diskcache (``contextlib.closing`` does it after a build)."""
        if self._cache is not None:
            self._cache.close()
