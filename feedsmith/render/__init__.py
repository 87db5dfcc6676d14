"""Rendering: stored entries grouped into ``FeedView``s in, the bytes of every site file out.

``site_files`` is pure (same views -> same bytes); ``search`` adds Pagefind's search bundle for
the pages; ``write_site`` (in ``site``) puts them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import feeds, html, jsonfeed, opml, search
from .content import EntryHTML
from .view import FEED_EXTENSIONS, INDEX, OPML, SEARCH, STYLE_CSS, FeedView, SiteView


def site_files(site: SiteView) -> dict[str, bytes]:
    """Every file of the site by name but the search bundle: Atom, RSS and JSON Feed per feed,
    each feed's page, the index, the search page, the stylesheet and the OPML list."""
    html_of = EntryHTML()
    files: dict[str, bytes] = {}
    for view in site.feeds:
        files[view.file("atom")] = feeds.atom(view, site, html_of)
        files[view.file("rss")] = feeds.rss(view, site, html_of)
        files[view.file("json")] = jsonfeed.json_feed(view, site, html_of)
    files.update(html.pages(site))
    files[OPML] = opml.opml(site)
    return files


def site_file_names(slugs: Iterable[str]) -> set[str]:
    """The name of every file ``site_files`` makes for the feeds ``slugs`` (``all`` included),
    and those every search bundle has, known before anything is read or rendered."""
    return ({INDEX, OPML, STYLE_CSS, SEARCH, *search.FIXED_FILES}
            | {f"{slug}.{ext}" for slug in slugs for ext in FEED_EXTENSIONS})


__all__ = ["FeedView", "SiteView", "site_file_names", "site_files"]
