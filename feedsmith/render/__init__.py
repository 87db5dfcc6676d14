"""Rendering: stored entries grouped into ``FeedView``s (and digests into ``DigestView``s) in,
the bytes of every site file out.

``site_files`` is pure (same views -> same bytes); ``search`` adds Pagefind's search bundle for
the pages; ``write_site`` (in ``site``) puts them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import digests, feeds, html, jsonfeed, opml, search
from .content import EntryHTML
from .view import FEED_EXTENSIONS, INDEX, OPML, SEARCH, STYLE_CSS, DigestView, FeedView, SiteView


def site_files(site: SiteView) -> dict[str, bytes]:
    """Every file of the site by name but the search bundle: Atom, RSS and JSON Feed per feed,
    each feed's page, the index, the search page, the stylesheet, the OPML list, and each digest
    feed's Atom, RSS, JSON Feed and page."""
    html_of = EntryHTML()
    files: dict[str, bytes] = {}
    for view in site.feeds:
        files[view.file("atom")] = feeds.atom(view, site, html_of)
        files[view.file("rss")] = feeds.rss(view, site, html_of)
        files[view.file("json")] = jsonfeed.json_feed(view, site, html_of)
    files.update(html.pages(site))
    names = {view.slug: view.name for view in site.feeds}
    for digest_view in site.digests:
        files.update(digests.digest_files(digest_view, site, names.get(digest_view.slug, "")))
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


__all__ = ["DigestView", "FeedView", "SiteView", "site_file_names", "site_files"]
