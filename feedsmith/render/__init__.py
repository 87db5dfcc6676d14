"""Rendering: stored entries grouped into ``FeedView``s (and digests into ``DigestView``s) in,
the bytes of every site file out.

``site_files`` is pure (same views -> same bytes); ``search`` adds Pagefind's search bundle for
the pages; ``write_site`` (in ``site``) puts them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import digests, feeds, html, jsonfeed, opml, search
from .fragments import ATOM, JSON, RSS, Fragments
from .view import FEED_EXTENSIONS, INDEX, OPML, SEARCH, STYLE_CSS, DigestView, FeedView, SiteView


def site_files(site: SiteView, fragments: Fragments | None = None) -> dict[str, bytes]:
    """Every file of the site by name but the search bundle: ``page_files``,
    ``digest_feed_files`` and ``feed_files``. ``fragments`` (of ``site``) may hold entries'
    pieces kept from before."""
    fragments = fragments or Fragments(site)
    return {**page_files(site, fragments), **digest_feed_files(site), **feed_files(site, fragments)}


def page_files(site: SiteView, fragments: Fragments) -> dict[str, bytes]:
    """Each feed's page, the index, the search page and the stylesheet."""
    fragments.load()
    return html.pages(site, fragments)


def digest_feed_files(site: SiteView) -> dict[str, bytes]:
    """Each digest feed's Atom, RSS, JSON Feed and page (the page is indexed by search too)."""
    names = {view.slug: view.name for view in site.feeds}
    files: dict[str, bytes] = {}
    for digest_view in site.digests:
        files.update(digests.digest_files(digest_view, site, names.get(digest_view.slug, "")))
    return files


def feed_files(site: SiteView, fragments: Fragments) -> dict[str, bytes]:
    """Atom, RSS and JSON Feed per feed, and the OPML list."""
    fragments.load()
    files: dict[str, bytes] = {}
    for view in site.feeds:
        for kind, render in ((ATOM, feeds.atom), (RSS, feeds.rss), (JSON, jsonfeed.json_feed)):
            files[view.file(kind)] = render(view, site, fragments)
    files[OPML] = opml.opml(site)
    return files


def site_file_names(slugs: Iterable[str], cadences: Iterable[str] = ()) -> set[str]:
    """The name of every file ``site_files`` makes for the feeds ``slugs`` (``all`` included)
    and their digest feeds of ``cadences``, and those every search bundle has, known before
    anything is read or rendered."""
    stems = [*slugs]
    stems += [f"{slug}.{cadence}" for slug in list(stems) for cadence in cadences]
    return ({INDEX, OPML, STYLE_CSS, SEARCH, *search.FIXED_FILES}
            | {f"{stem}.{ext}" for stem in stems for ext in FEED_EXTENSIONS})


__all__ = ["DigestView", "FeedView", "Fragments", "SiteView", "digest_feed_files", "feed_files",
           "page_files", "site_file_names", "site_files"]
