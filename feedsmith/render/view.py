"""What the renderers draw: a site's feeds, each with its chosen entries (plain values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model import Entry


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
class SiteView:
    """Everything the site shows: its settings and one ``FeedView`` per topic, ``all`` first."""

    title: str
    description: str
    author: str
    base_url: str
    feeds: tuple[FeedView, ...]


GENERATOR = "feedsmith"
GENERATOR_URI = "https://github.com/feedsmith/feedsmith"


FEED_CSS = "feed.css"
OPML = "feeds.opml"
INDEX = "index.html"
FEED_EXTENSIONS = ("atom", "rss", "json", "html")  # the files of each feed: <slug>.<extension>
