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

import copy
from functools import partial
from html import escape

from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension
from feedgen.ext.media import MediaEntryExtension
from feedgen.feed import FeedGenerator
from lxml import etree

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


def feed_generator(view: FeedLike, site: SiteView, *, rss: bool) -> FeedGenerator:
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
    fg.link(href=view.url("rss" if rss else "atom"), rel="self")
    fg.link(href=view.url("html"), rel="alternate")
    fg.updated(view.updated)
    fg.lastBuildDate(view.updated)
    return fg


class _Made:
    """An entry whose element is already made, for ``add_entry(feedEntry=...)`` (feedgen 1.0.0
    appends what ``atom_entry``/``rss_entry`` return, after asking the entry to register the
    feed's extensions, whose elements the made one already holds)."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element

    def register_extension(self, *args: object, **kwargs: object) -> None:
        """Nothing to do: the extensions' elements are in the element already."""

    def atom_entry(self, extensions: bool = True) -> etree._Element:
        """A copy of the element: appending moves an element into its feed, and the entry is in
        other feeds too."""
        return copy.deepcopy(self.element)

    rss_entry = atom_entry


def entry_xml(entry: Entry, site: SiteView, html_of: EntryHTML, *, rss: bool) -> bytes:
    """``entry`` as feedgen writes it into an Atom feed (``<entry>``) or an RSS one (``<item>``),
    with the extensions those feeds load, as bytes."""
    fe = FeedEntry()
    fe.register_extension("media", MediaEntryExtension, atom=True, rss=True)
    if rss:
        fe.register_extension("dc", DcEntryExtension, atom=False, rss=True)
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
    return bytes(etree.tostring(fe.rss_entry() if rss else fe.atom_entry()))


def rss_description(entry: Entry) -> str:
    """An RSS ``<description>`` (HTML): the TL;DR, then the abstract, each in a paragraph; an
    entry without a TL;DR has its abstract (else its title) alone. Plain text is escaped once
    more, or a reader would run the "<script>" a summary mentions as text."""
    if not entry.tldr:
        return escape(entry.summary or entry.title, quote=False)
    paragraphs = [entry.tldr, entry.summary] if entry.summary else [entry.tldr]
    return "\n".join(f"<p>{escape(text, quote=False)}</p>" for text in paragraphs)


def _feed(view: FeedView, fragments: Fragments, *, rss: bool) -> FeedGenerator:
    fg = feed_generator(view, fragments.site, rss=rss)
    if rss:  # an entry's authors: one dc:creator line
        fg.load_extension("dc", atom=False, rss=True)
    kind = RSS if rss else ATOM
    render = partial(entry_xml, site=fragments.site, html_of=fragments.html_of, rss=rss)
    for entry in view.entries:
        fg.add_entry(_Made(fragments.parsed(kind, entry, render, _element)), order="append")
    return fg


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def _element(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, _PARSER)


def serialize(fg: FeedGenerator, *, rss: bool) -> bytes:
    """The RSS (``rss``) or else Atom document of ``fg``."""
    return bytes(fg.rss_str(pretty=True) if rss else fg.atom_str(pretty=True))


def atom(view: FeedView, site: SiteView, fragments: Fragments | None = None) -> bytes:
    """``view`` as an Atom 1.0 document."""
    return serialize(_feed(view, fragments or Fragments(site), rss=False), rss=False)


def rss(view: FeedView, site: SiteView, fragments: Fragments | None = None) -> bytes:
    """``view`` as an RSS 2.0 document."""
    return serialize(_feed(view, fragments or Fragments(site), rss=True), rss=True)
