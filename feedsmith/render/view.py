"""What the renderers draw: a site's feeds, each with its chosen entries (plain values), and the
per-entry values every format shows alike (authors cut to ``MAX_AUTHORS``, categories, anchors)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Protocol

from ..checks import is_arxiv_category
from ..model import Digest, Entry
from ..topics import ALL


class FeedLike(Protocol):
    """What the feed-level parts of every format need: a feed of entries or of digests."""

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def updated(self) -> datetime: ...

    def url(self, extension: str) -> str: ...


@dataclass(frozen=True)
class FeedView:
    """One feed as published: its identity, its absolute URLs and its entries, newest first.
    ``title`` names the feed among a reader's other subscriptions (the site's title and the
    topic's); ``name`` is the topic's own title, for headings inside the site."""

    slug: str
    title: str
    description: str
    base_url: str
    entries: tuple[Entry, ...]
    updated: datetime
    total: int
    name: str

    def url(self, extension: str) -> str:
        """The absolute URL of this feed's file with ``extension`` (``atom``, ``rss``...)."""
        return f"{self.base_url}{self.slug}.{extension}"

    def file(self, extension: str) -> str:
        """The file name of this feed's file with ``extension``."""
        return f"{self.slug}.{extension}"


@dataclass(frozen=True)
class DigestView:
    """One digest feed as published: the digests of one feed (``slug``) and ``cadence`` that have
    papers, newest first; ``updated`` is the newest one's (else a stored, stable date)."""

    slug: str
    cadence: str
    title: str
    description: str
    base_url: str
    digests: tuple[Digest, ...]
    updated: datetime

    def url(self, extension: str) -> str:
        """The absolute URL of this digest feed's file with ``extension``."""
        return f"{self.base_url}{self.file(extension)}"

    def file(self, extension: str) -> str:
        """The file name of this digest feed's file with ``extension``: ``<slug>.<cadence>.atom``."""
        return f"{self.slug}.{self.cadence}.{extension}"

    def entry_url(self, digest: Digest) -> str:
        """Where ``digest`` is shown: its anchor on this digest feed's page."""
        return f"{self.url('html')}#{digest.period}"


@dataclass(frozen=True)
class Category:
    """One category of an entry as every format writes it: Atom ``term``/``scheme``/``label``,
    RSS ``<category domain="scheme">label</category>``, JSON Feed tag ``label``."""

    term: str
    scheme: str | None = None
    label: str | None = None

    @property
    def text(self) -> str:
        """What a reader shows: the label, else the term."""
        return self.label or self.term


@dataclass(frozen=True)
class SiteView:
    """Everything the site shows: its settings, one ``FeedView`` per topic (``all`` first) and
    the digest feeds of each."""

    title: str
    description: str
    author: str
    base_url: str
    feeds: tuple[FeedView, ...]
    digests: tuple[DigestView, ...] = ()

    def digest_feeds(self, slug: str) -> tuple[DigestView, ...]:
        """The digest feeds of the feed ``slug``, in cadence order."""
        return tuple(view for view in self.digests if view.slug == slug)

    @cached_property
    def topics(self) -> dict[str, FeedView]:
        """The topic feeds (every feed but ``all``) by slug, in configuration order."""
        return {view.slug: view for view in self.feeds if view.slug != ALL}

    def entry_topics(self, entry: Entry) -> tuple[FeedView, ...]:
        """The topics of this site ``entry`` is in, in configuration order."""
        return tuple(view for slug, view in self.topics.items() if slug in entry.topics)

    def categories(self, entry: Entry) -> tuple[Category, ...]:
        """``entry``'s topics (scheme: the site's base URL, term: the slug, label: the topic's
        name), then its own categories: an arXiv paper's arXiv categories have the arXiv
        scheme, any other category has none."""
        topics = [Category(view.slug, self.base_url, view.name) for view in self.entry_topics(entry)]
        own = [Category(term, ARXIV_SCHEME if entry.arxiv_id and is_arxiv_category(term) else None)
               for term in entry.categories]
        return (*topics, *own)


GENERATOR = "feedsmith"
GENERATOR_URI = "https://github.com/feedsmith/feedsmith"
ARXIV_SCHEME = "http://arxiv.org/schemas/atom"  # the scheme arXiv's own Atom API gives categories
MAX_AUTHORS = 10
ET_AL = "et al."


def shown_authors(entry: Entry) -> tuple[str, ...]:
    """The authors every format shows: all of them, or the first ``MAX_AUTHORS`` then "et al."."""
    if len(entry.authors) <= MAX_AUTHORS:
        return entry.authors
    return (*entry.authors[:MAX_AUTHORS], ET_AL)


def author_line(entry: Entry) -> str:
    """``shown_authors`` as one line: ``A, B, C, et al.``."""
    return ", ".join(shown_authors(entry))


_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


def entry_anchor(entry: Entry) -> str:
    """The HTML id of ``entry`` on a page, the same on every page: ``arxiv-<id>`` for an arXiv
    paper (readable, stable), else ``item-`` and a hash of its key (any key is safe)."""
    if entry.arxiv_id:
        return "arxiv-" + _ANCHOR_UNSAFE.sub("-", entry.arxiv_id)
    return "item-" + hashlib.sha256(entry.key.encode()).hexdigest()[:16]


STYLE_CSS = "style.css"
OPML = "feeds.opml"
INDEX = "index.html"
SEARCH = "search.html"
FEED_EXTENSIONS = ("atom", "rss", "json", "html")  # the files of each feed: <slug>.<extension>
