"""Atom and RSS 2.0 through feedgen 1.0.0, wrapped so its traps stay here (GUIDE section 4).

In: a ``FeedView``. Out: deterministic bytes. Every date is set explicitly (feedgen would stamp
now()), entries are appended in our order, the generator is fixed, each entry has exactly one link
(bug #135 would turn a second one into a second alternate link); the thumbnail goes into a
``media:thumbnail`` element through feedgen's media extension and into the HTML content.

Each entry carries its authors (Atom: one ``author`` each; RSS: one ``dc:creator`` line, since
readers such as newsboat keep only the last of several), cut alike in every format
(``shown_authors``); its topics and arXiv categories as ``category`` elements with their schemes
(RSS: ``domain``); and its one-line TL;DR, when Hugging Face gave one, as the Atom summary and the
start of the RSS description. A feed's ``alternate`` link is its topic's HTML page: browsers do
not render feeds, readers do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, partial
from html import escape

from feedgen.feed import FeedGenerator

# isort: split
# after feedgen.feed, which imports lxml.etree: feedgen.util uses it without importing it
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.ext.media import MediaEntryExtension, MediaExtension

from ..model import Entry
from .content import EntryHTML
from .fragments import ATOM, RSS, Fragments
from .view import (
    GENERATOR,
    GENERATOR_URI,
    FeedLike,
    FeedView,
    SiteView,
    author_line,
    shown_authors,
)


def _with_media(fg: FeedGenerator) -> FeedGenerator:
    """``fg`` with the ``media`` extension (an entry's thumbnail). Extensions are registered by
    class: ``load_extension`` imports, and fails to import, a module each time."""
    fg.register_extension("media", MediaExtension, MediaEntryExtension, atom=True, rss=True)
    return fg


def feed_generator(view: FeedLike, site: SiteView, *, rss: bool) -> FeedGenerator:
    """A feedgen generator with ``view``'s feed-level elements set, every date explicit."""
    fg = _with_media(FeedGenerator())
    fg.id(view.url("atom"))
    fg.title(view.title)
    fg.subtitle(view.description or view.title)
    fg.author({"name": site.author})
    fg.generator(GENERATOR, uri=GENERATOR_URI)
    fg.language("en")
    # RSS <channel><link> is the LAST link added: self first, alternate last.
    fg.link(href=view.url("rss" if rss else "atom"), rel="self")
    fg.link(href=view.url("html"), rel="alternate")
    fg.updated(view.updated)
    fg.lastBuildDate(view.updated)
    return fg


def add_entry_to(fg: FeedGenerator, entry: Entry, site: SiteView, html_of: EntryHTML, *,
                 rss: bool) -> None:
    """Add ``entry`` to ``fg`` (whose extensions it takes on), every field set explicitly."""
    fe = fg.add_entry(order="append")
    fe.id(entry.guid)
    fe.guid(entry.guid, permalink=entry.guid.startswith(("http://", "https://")))
    fe.title(entry.title or "(untitled)")
    if entry.links.url:  # an http(s) URL or None; a guid like urn:... or tag:... is no link
        fe.link(href=entry.links.url)
    if rss:
        if entry.authors:
            fe.dc.dc_creator(author_line(entry))
    else:
        for name in shown_authors(entry):
            fe.author({"name": name})
    fe.published(entry.first_seen)
    fe.updated(entry.updated)
    for category in site.categories(entry):
        fe.category({key: value for key, value in (("term", category.term), ("scheme", category.scheme),
                                                   ("label", category.label)) if value})
    fe.summary(rss_description(entry) if rss else entry.tldr or entry.summary or entry.title)
    fe.content(html_of(entry), type="html")
    if entry.thumbnail:
        fe.media.thumbnail(url=entry.thumbnail, group=None)


def with_dc(fg: FeedGenerator, *, rss: bool) -> FeedGenerator:
    """``fg`` (which has ``media``, for the thumbnail) with the ``dc`` extension in RSS: an
    entry's authors are one ``dc:creator`` line."""
    if rss:
        fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    return fg


# Where a feed's entries go in feedgen's pretty-printed output: last, before the end of <feed>
# (Atom) or of <channel> (RSS).
_END = {False: b"</feed>\n", True: b"  </channel>\n</rss>\n"}


def _bare(rss: bool) -> FeedGenerator:
    """A feed with only what feedgen requires, and the topic feeds' extensions."""
    fg = with_dc(_with_media(FeedGenerator()), rss=rss)
    fg.id("about:blank")
    fg.title("-")
    fg.description("-")
    fg.link(href="about:blank")
    fg.updated(datetime(2000, 1, 1, tzinfo=UTC))
    return fg


@cache
def _bare_head(rss: bool) -> bytes:
    """What ``_bare``'s document holds before its entries."""
    return serialize(_bare(rss), rss=rss)[:-len(_END[rss])]


def entry_xml(entry: Entry, site: SiteView, html_of: EntryHTML, *, rss: bool) -> bytes:
    """``entry`` exactly as feedgen writes it into a topic feed: an Atom ``<entry>`` or an RSS
    ``<item>``, pretty-printed at its depth, its namespaces declared by the feed. feedgen writes it
    into a feed of its own, which it is cut from: pretty-printing indents an element by its depth
    alone, and every topic feed declares the same namespaces, so these bytes are the entry's in
    any topic feed (tests/test_render.py compares whole feeds with feedgen's own)."""
    fg, head = _bare(rss), _bare_head(rss)
    add_entry_to(fg, entry, site, html_of, rss=rss)
    document = serialize(fg, rss=rss)
    if not document.startswith(head) or not document.endswith(_END[rss]):
        raise AssertionError("feedgen wrote the entry elsewhere than last in its feed")
    return document[len(head):-len(_END[rss])]


def rss_description(entry: Entry) -> str:
    """An RSS ``<description>`` (HTML): the TL;DR, then the abstract, each in a paragraph; an
    entry without a TL;DR has its abstract (else its title) alone. Plain text is escaped once
    more, or a reader would run the "<script>" a summary mentions as text."""
    if not entry.tldr:
        return escape(entry.summary or entry.title, quote=False)
    paragraphs = [entry.tldr, entry.summary] if entry.summary else [entry.tldr]
    return "\n".join(f"<p>{escape(text, quote=False)}</p>" for text in paragraphs)


def _feed(view: FeedView, fragments: Fragments, *, rss: bool) -> bytes:
    """``view``'s document: feedgen's, with no entries, and each entry's piece where feedgen puts
    its entries (before the end of the feed, or of the channel)."""
    fg = with_dc(feed_generator(view, fragments.site, rss=rss), rss=rss)
    empty = serialize(fg, rss=rss)
    if not empty.endswith(_END[rss]):
        raise AssertionError("feedgen ended a feed other than as expected")
    render = partial(entry_xml, site=fragments.site, html_of=fragments.html_of, rss=rss)
    kind = RSS if rss else ATOM
    pieces = [fragments(kind, entry, render) for entry in view.entries]
    return b"".join((empty[:-len(_END[rss])], *pieces, _END[rss]))


def serialize(fg: FeedGenerator, *, rss: bool) -> bytes:
    """The RSS (``rss``) or else Atom document of ``fg``."""
    return bytes(fg.rss_str(pretty=True) if rss else fg.atom_str(pretty=True))


def atom(view: FeedView, site: SiteView, fragments: Fragments | None = None) -> bytes:
    """``view`` as an Atom 1.0 document."""
    return _feed(view, fragments or Fragments(site), rss=False)


def rss(view: FeedView, site: SiteView, fragments: Fragments | None = None) -> bytes:
    """``view`` as an RSS 2.0 document."""
    return _feed(view, fragments or Fragments(site), rss=True)
