"""Atom and RSS 2.0 through feedgen 1.0.0, wrapped so its traps stay here (GUIDE section 4).

In: a ``FeedView``. Out: deterministic bytes. Every date is set explicitly (feedgen would stamp
now()), entries are appended in our order, the generator is fixed, each entry has exactly one link
(bug #135 would turn a second one into a second alternate link); the thumbnail goes into a
``media:thumbnail`` element through feedgen's media extension and into the HTML content. Each
document starts with an ``xml-stylesheet`` instruction pointing to ``feed.css`` so a browser
shows it as readable text.
"""

from __future__ import annotations

from html import escape
from importlib import resources

from feedgen.feed import FeedGenerator

from ..model import Entry
from .content import EntryHTML
from .view import FEED_CSS, GENERATOR, GENERATOR_URI, FeedLike, FeedView, SiteView


def feed_generator(view: FeedLike, site: SiteView, *, self_extension: str) -> FeedGenerator:
    """A feedgen generator with ``view``'s feed-level elements set, every date explicit."""
    fg = FeedGenerator()
    fg.load_extension("media", atom=True, rss=True)
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
    return fg


def _generator(view: FeedView, site: SiteView, *, self_extension: str,
               html_of: EntryHTML) -> FeedGenerator:
    fg = feed_generator(view, site, self_extension=self_extension)
    for entry in view.entries:
        _add_entry(fg, entry, html_of, rss=self_extension == "rss")
    return fg


def _add_entry(fg: FeedGenerator, entry: Entry, html_of: EntryHTML, *, rss: bool = False) -> None:
    fe = fg.add_entry(order="append")
    fe.id(entry.guid)
    fe.guid(entry.guid, permalink=entry.guid.startswith(("http://", "https://")))
    fe.title(entry.title or "(untitled)")
    if entry.links.url:  # an http(s) URL or None; a guid like urn:... or tag:... is no link
        fe.link(href=entry.links.url)
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
    fe.content(html_of(entry), type="html")
    if entry.thumbnail:
        fe.media.thumbnail(url=entry.thumbnail, group=None)


STYLESHEET = f'<?xml-stylesheet type="text/css" href="{FEED_CSS}"?>\n'.encode()


def with_stylesheet(document: bytes) -> bytes:
    """``document`` with the ``xml-stylesheet`` instruction right after its XML declaration."""
    declaration, newline, rest = document.partition(b"\n")
    if not declaration.startswith(b"<?xml ") or not newline:
        return STYLESHEET + document
    return declaration + newline + STYLESHEET + rest


def feed_css() -> bytes:
    """The stylesheet that makes an Atom or RSS file readable when opened in a browser."""
    return (resources.files("feedsmith") / "templates" / FEED_CSS).read_bytes()


def serialize(fg: FeedGenerator, extension: str) -> bytes:
    """The Atom (``extension`` "atom") or RSS document of ``fg``, with the stylesheet line."""
    document = fg.atom_str(pretty=True) if extension == "atom" else fg.rss_str(pretty=True)
    return with_stylesheet(bytes(document))


def atom(view: FeedView, site: SiteView, html_of: EntryHTML | None = None) -> bytes:
    """``view`` as an Atom 1.0 document."""
    return serialize(_generator(view, site, self_extension="atom", html_of=html_of or EntryHTML()),
                     "atom")


def rss(view: FeedView, site: SiteView, html_of: EntryHTML | None = None) -> bytes:
    """``view`` as an RSS 2.0 document."""
    return serialize(_generator(view, site, self_extension="rss", html_of=html_of or EntryHTML()),
                     "rss")
