"""Rendering: stored entries grouped into ``FeedView``s in, the bytes of every site file out.

``site_files`` is pure (same views -> same bytes); ``write_site`` (in ``site``) puts them on disk.
"""

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


def site_files(site: SiteView) -> dict[str, bytes]:
    """Every file of the site by name: Atom, RSS and JSON Feed per feed, HTML pages, the index,
    the OPML list and the stylesheet the Atom and RSS files point to."""
    from . import feeds, html, jsonfeed, opml
    from .content import EntryHTML

    html_of = EntryHTML()
    files: dict[str, bytes] = {}
    for view in site.feeds:
        files[view.file("atom")] = feeds.atom(view, site, html_of)
        files[view.file("rss")] = feeds.rss(view, site, html_of)
        files[view.file("json")] = jsonfeed.json_feed(view, site, html_of)
    files.update(html.pages(site, html_of))
    files[OPML] = opml.opml(site)
    files[FEED_CSS] = feeds.feed_css()
    return files
