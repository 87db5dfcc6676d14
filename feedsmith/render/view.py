"""What the renderers draw: a site's feeds, each with its chosen entries (plain values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..model import Digest, Entry


class FeedLike(Protocol):
    """What the feed-level parts of every format need: a feed of entries or of digests."""

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def updated(self) -> datetime: ...

    def url(self, extension: str) -> str: ...


@dataclass(frozen=True)
class FeedView:
    """One feed as published: its identity, its absolute URLs and its entries, newest first."""

    slug: str
    title: str
    description: str
    base_url: str
    entries: tuple[Entry, ...]
    updated: datetime
    total: int

    def url(self, extension: str) -> str:
        """The absolute URL of this feed's file with ``extension`` (``atom``, ``rss``...)."""
        return f"{self.base_url}{self.slug}.{extension}"

    def file(self, extension: str) -> str:
        """The file name of this feed's file with ``extension``."""
        return f"{self.slug}.{extension}"


@dataclass(frozen=True)
class DigestView:
    """One digest feed as published: the digests of one feed (``slug``) and ``cadence`` that have
    papers, newest first; ``updated`` is the newest one's (else a stored, stable date)."""

    slug: str
    cadence: str
    title: str
    description: str
    base_url: str
    digests: tuple[Digest, ...]
    updated: datetime

    def url(self, extension: str) -> str:
        """The absolute URL of this digest feed's file with ``extension``."""
        return f"{self.base_url}{self.file(extension)}"

    def file(self, extension: str) -> str:
        """The file name of this digest feed's file with ``extension``: ``<slug>.<cadence>.atom``."""
        return f"{self.slug}.{self.cadence}.{extension}"

    def entry_url(self, digest: Digest) -> str:
        """Where ``digest`` is shown: its anchor on this digest feed's page."""
        return f"{self.url('html')}#{digest.period}"


@dataclass(frozen=True)
class SiteView:
    """Everything the site shows: its settings, one ``FeedView`` per topic (``all`` first) and
    the digest feeds of each."""

    title: str
    description: str
    author: str
    base_url: str
    feeds: tuple[FeedView, ...]
    digests: tuple[DigestView, ...] = ()

    def digest_feeds(self, slug: str) -> tuple[DigestView, ...]:
        """The digest feeds of the feed ``slug``, in cadence order."""
        return tuple(view for view in self.digests if view.slug == slug)


GENERATOR = "feedsmith"
GENERATOR_URI = "https://github.com/feedsmith/feedsmith"


FEED_CSS = "feed.css"
OPML = "feeds.opml"
INDEX = "index.html"
FEED_EXTENSIONS = ("atom", "rss", "json", "html")  # the files of each feed: <slug>.<extension>
