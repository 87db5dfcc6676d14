"""Atom and RSS 2.0 through feedgen 1.0.0, wrapped so its traps stay here (GUIDE section 4).

In: a ``FeedView``. Out: deterministic bytes. Every date is set explicitly (feedgen would stamp
now()), entries are appended in our order, the generator is fixed, each entry has exactly one link.
"""

from __future__ import annotations

from html import escape

from feedgen.feed import FeedGenerator

from ..model import Entry
from . import GENERATOR, GENERATOR_URI, FeedView, SiteView
from .content import entry_html


def _generator(view: FeedView, site: SiteView, *, self_extension: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(view.url("atom"))
    fg.title(view.title)
    fg.subtitle(view.description or view.title)
    fg.author({"name": site.author})
    fg.generator(GENERATOR, uri=GENERATOR_URI)
    fg.language("en")
    # RSS <channel><link> is the LAST link added: self first, alternate last.
    fg.link(href=view.url(self_extension), rel="self")
    fg.link(href=view.url("html"), rel="alternate")
    fg.updated(view.updated)
    fg.lastBuildDate(view.updated)
    for entry in view.entries:
        _add_entry(fg, entry, rss=self_extension == "rss")
    return fg


def _add_entry(fg: FeedGenerator, entry: Entry, *, rss: bool = False) -> None:
    fe = fg.add_entry(order="append")
    fe.id(entry.guid)
    fe.guid(entry.guid, permalink=entry.guid.startswith(("http://", "https://")))
    fe.title(entry.title or "(untitled)")
    fe.link(href=entry.links.url or entry.guid)
    for name in entry.authors:
        fe.author({"name": name})
    fe.published(entry.first_seen)
    fe.updated(entry.updated)
    for term in entry.categories:
        fe.category(term=term)
    # RSS <description> is HTML: plain text must be escaped once more, or a reader would run the
    # "<script>" a summary mentions as text. Atom <summary> is type="text".
    summary = entry.summary or entry.title
    fe.summary(escape(summary, quote=False) if rss else summary)
    fe.content(entry_html(entry), type="html")


def atom(view: FeedView, site: SiteView) -> bytes:
    """``view`` as an Atom 1.0 document."""
    return bytes(_generator(view, site, self_extension="atom").atom_str(pretty=True))


def rss(view: FeedView, site: SiteView) -> bytes:
    """``view`` as an RSS 2.0 document."""
    return bytes(_generator(view, site, self_extension="rss").rss_str(pretty=True))
