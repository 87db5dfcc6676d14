"""Rendering: stored entries grouped into ``FeedView``s in, the bytes of every site file out.

``site_files`` is pure (same views -> same bytes); ``search`` adds Pagefind's search bundle for
the pages; ``write_site`` (in ``site``) puts them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import feeds, html, jsonfeed, opml, search
from .fragments import ATOM, JSON, RSS, Fragments
from .view import FEED_EXTENSIONS, INDEX, OPML, SEARCH, STYLE_CSS, FeedView, SiteView


def site_files(site: SiteView, fragments: Fragments | None = None) -> dict[str, bytes]:
    """Every file of the site by name but the search bundle: ``page_files`` and
    ``feed_files``. ``fragments`` (of ``site``) may hold entries' pieces kept from before."""
    fragments = fragments or Fragments(site)
    return {**page_files(site, fragments), **feed_files(site, fragments)}


def page_files(site: SiteView, fragments: Fragments) -> dict[str, bytes]:
    """Each feed's page, the index, the search page and the stylesheet: what the search bundle
    is made from."""
    fragments.load()
    return html.pages(site, fragments)


def feed_files(site: SiteView, fragments: Fragments) -> dict[str, bytes]:
    """Atom, RSS and JSON Feed per feed, and the OPML list."""
    fragments.load()
    files: dict[str, bytes] = {}
    for kind, render in ((ATOM, feeds.atom), (RSS, feeds.rss), (JSON, jsonfeed.json_feed)):
        for view in site.feeds:  # one format at a time, its entries' parsed pieces then let go
            files[view.file(kind)] = render(view, site, fragments)
        fragments.release(kind)
    files[OPML] = opml.opml(site)
    return files


def site_file_names(slugs: Iterable[str]) -> set[str]:
    """The name of every file ``site_files`` makes for the feeds ``slugs`` (``all`` included),
    and those every search bundle has, known before anything is read or rendered."""
    return ({INDEX, OPML, STYLE_CSS, SEARCH, *search.FIXED_FILES}
            | {f"{slug}.{ext}" for slug in slugs for ext in FEED_EXTENSIONS})


__all__ = ["FeedView", "Fragments", "SiteView", "feed_files", "page_files", "site_file_names",
           "site_files"]
