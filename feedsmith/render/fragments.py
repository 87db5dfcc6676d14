"""Each entry's rendered pieces: made once per site render, and kept from one render to the next.

An entry sits in ``all`` and in several topics, and every feed shows it in four formats: its Atom
``<entry>``, its RSS ``<item>``, its JSON Feed item and its ``<article>`` on the topic pages
(``KINDS``). They depend only on what the entry shows (``SHOWN_FIELDS``), the topics it is
listed under (their slugs and names), the site's base URL and the code that renders them, so
``Fragments`` renders each piece once per site render and, given a ``FragmentStore`` (the render
cache, ``feedsmith.render_cache``), keeps an entry's four pieces under a fingerprint of exactly
those inputs: a build after 1,000 new entries renders those 1,000, not every entry of every feed
again. A kept piece holds the bytes the renderer made, so a store that is empty, lost or
unreadable changes no byte of the site, only the time it takes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from importlib.metadata import version
from typing import Protocol

from ..model import Entry
from .content import EntryHTML
from .view import SiteView

# Every field a piece shows: what feeds show (merge.VISIBLE_FIELDS, which move ``updated``, and
# the entry's identity and dates), then what only pages show (the live numbers, the
# organisation). tests/test_render_cache.py holds every other field to change no byte.
SHOWN_FIELDS = ("key", "guid", "arxiv_id", "first_seen", "updated", "title", "summary", "tldr",
                "authors", "links", "categories", "paper_date", "thumbnail", "version",
                "upvotes", "comments", "rank", "stars", "organization")
ATOM, RSS, JSON, ARTICLE = "atom", "rss", "json", "article"
KINDS = (ATOM, RSS, JSON, ARTICLE)
# The libraries whose output the pieces are: another version may write other bytes.
_LIBRARIES = ("feedgen", "lxml", "jinja2", "markupsafe")


class FragmentStore(Protocol):
    """Where an entry's pieces are kept between renders, by key; a key it cannot give is a miss."""

    def get_many(self, keys: Collection[str]) -> dict[str, bytes]: ...

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None: ...


def library_versions() -> str:
    """The versions of the libraries that write the pieces."""
    return " ".join(f"{name} {version(name)}" for name in _LIBRARIES)


def encode(pieces: Mapping[str, bytes]) -> bytes:
    """An entry's pieces (one per kind of ``KINDS``) as one value: their sizes, then them."""
    sizes = " ".join(str(len(pieces[kind])) for kind in KINDS)
    return b"".join((sizes.encode(), b"\n", *(pieces[kind] for kind in KINDS)))


def decode(value: bytes) -> dict[str, bytes] | None:
    """The pieces ``encode`` made ``value`` of, or None if it is not such a value."""
    head, _, body = value.partition(b"\n")
    try:
        sizes = [int(size) for size in head.split(b" ")]
    except ValueError:
        return None
    if len(sizes) != len(KINDS) or min(sizes) < 0 or sum(sizes) != len(body):
        return None
    pieces, start = {}, 0
    for kind, size in zip(KINDS, sizes, strict=True):
        pieces[kind], start = body[start:start + size], start + size
    return pieces


class Fragments:
    """The pieces of every entry of ``site`` for one render: each rendered at most once, taken
    from ``store`` when it holds them (``load``) and handed back to it when new (``save``).
    ``salt`` names the code (``publish.code_fingerprint``); the libraries' versions are added."""

    def __init__(self, site: SiteView, store: FragmentStore | None = None, salt: str = "") -> None:
        self.site = site
        self.html_of = EntryHTML()
        self._store = store
        self._salt = f"{salt}\n{library_versions()}\n{site.base_url}\n" if store is not None else ""
        self._keys: dict[int, tuple[Entry, str]] = {}
        self._kept: dict[str, dict[str, bytes]] = {}  # from the store: pieces by kind, by key
        self._new: dict[str, dict[str, bytes]] = {}
        self._done: dict[tuple[str, int], tuple[Entry, bytes]] = {}
        self.used: set[str] = set()  # the keys of the entries this render showed
        self.rendered = 0  # pieces this render made (not taken from the store)

    def key(self, entry: Entry) -> str:
        """The fingerprint of what ``entry``'s pieces show."""
        found = self._keys.get(id(entry))
        if found is None or found[0] is not entry:
            shown = (tuple(getattr(entry, name) for name in SHOWN_FIELDS),
                     tuple((view.slug, view.name) for view in self.site.entry_topics(entry)))
            digest = hashlib.sha256(f"{self._salt}{shown!r}".encode("utf-8", "surrogatepass"))
            found = self._keys[id(entry)] = (entry, digest.hexdigest())
        return found[1]

    def load(self) -> None:
        """Take the pieces the store holds for the site's entries, in one go (once)."""
        if self._store is None or self.used:
            return
        self.used = {self.key(entry) for view in self.site.feeds for entry in view.entries}
        for key, value in self._store.get_many(self.used).items():
            pieces = decode(value)
            if pieces is not None:
                self._kept[key] = pieces

    def __call__(self, kind: str, entry: Entry, render: Callable[[Entry], bytes]) -> bytes:
        """The ``kind`` piece of ``entry``: ``render(entry)`` unless it was made or kept before."""
        found = self._done.get((kind, id(entry)))
        if found is not None and found[0] is entry:
            return found[1]
        key = self.key(entry) if self._store is not None else ""
        piece = self._kept.get(key, {}).get(kind)
        if piece is None:
            piece = render(entry)
            self.rendered += 1
            if key:
                self._new.setdefault(key, {})[kind] = piece
        self._done[(kind, id(entry))] = (entry, piece)
        return piece

    def save(self) -> None:
        """Hand the store each entry whose pieces of every kind this render made."""
        if self._store is not None:
            self._store.put_many((key, encode(pieces)) for key, pieces in self._new.items()
                                 if len(pieces) == len(KINDS))
            self._new = {}
