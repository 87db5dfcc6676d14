"""HTML pages: a ``SiteView`` in, ``index.html``, ``search.html``, the stylesheet and one
``<slug>.html`` per feed out.

Links between pages and to feeds are relative, so the folder works on any host and sub-path.
Source text is escaped by jinja2's autoescaping; nothing here builds markup by hand. The pages
show the live numbers (upvotes, comments, stars, trending rank) the feeds leave out, and load
nothing from another host (no thumbnail: the feeds carry it). Topic pages mark what Pagefind
indexes (``data-pagefind-body``; see ``search``): each paper once, on the first page that lists
it (``indexed_pages``), its ``<article>`` elsewhere marked ``data-pagefind-ignore``. Only
``search.html`` runs a script.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial
from importlib import resources

from markupsafe import Markup

from ..model import Entry
from .content import environment
from .fragments import ARTICLE, Fragments
from .view import INDEX, SEARCH, STYLE_CSS, FeedView, SiteView, author_line, entry_anchor

NEWEST_ON_INDEX = 3
HF_ORGANIZATIONS = "https://hf-proxy-2.923828430.workers.dev/"
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NEVER = datetime.min.replace(tzinfo=UTC)
_ARTICLE = b"<article>"
_NOT_INDEXED = b"<article data-pagefind-ignore>"


def organization_url(entry: Entry) -> str | None:
    """The Hugging Face page of ``entry``'s organisation, when its handle is a plain name."""
    org = entry.organization
    return HF_ORGANIZATIONS + org.name if org and _HANDLE.match(org.name) else None


def newest(view: FeedView, count: int = NEWEST_ON_INDEX) -> list[Entry]:
    """The ``count`` entries of ``view`` first seen last (whatever the topic's sort)."""
    return sorted(view.entries, key=_first_seen, reverse=True)[:count]


def _first_seen(entry: Entry) -> datetime:
    return entry.first_seen or _NEVER


def style_css() -> bytes:
    """The stylesheet every page links to."""
    return (resources.files("feedsmith") / "templates" / STYLE_CSS).read_bytes()


def article_html(entry: Entry, site: SiteView) -> bytes:
    """``entry``'s ``<article>`` on a topic page: the same on every page that lists it."""
    return environment().get_template("article.html").render(
        entry=entry, anchor=entry_anchor(entry), authors=author_line(entry),
        topics=site.entry_topics(entry), org_url=organization_url(entry)).encode()


def indexed_pages(site: SiteView) -> dict[str, str]:
    """The one feed page where search finds each paper, by entry key: the first of the site's
    feeds (``all``, then the topics in order) that lists it. A paper in three topics is one
    search result, not three (and Pagefind indexes a third of the text at scale 1)."""
    home: dict[str, str] = {}
    for view in site.feeds:
        for entry in view.entries:
            home.setdefault(entry.key, view.slug)
    return home


def pages(site: SiteView, fragments: Fragments | None = None) -> dict[str, bytes]:
    """The index, the search page, the stylesheet and each feed's page, by file name. Each
    entry's ``<article>`` is its piece (``Fragments``): rendered once, on every page that lists
    it, marked to be left out of the search index on all but its ``indexed_pages`` one."""
    env = environment()
    fragments = fragments or Fragments(site)
    render = partial(article_html, site=site)
    home = indexed_pages(site)

    def article(entry: Entry, slug: str) -> Markup:
        piece = fragments(ARTICLE, entry, render)
        if home[entry.key] != slug and piece.startswith(_ARTICLE):
            piece = _NOT_INDEXED + piece[len(_ARTICLE):]
        return Markup(piece.decode())

    files = {
        INDEX: env.get_template("index.html").render(
            site=site, newest_of=newest, anchor=entry_anchor).encode(),
        SEARCH: env.get_template("search.html").render(site=site).encode(),
        STYLE_CSS: style_css(),
    }
    topic_page = env.get_template("topic.html")
    for view in site.feeds:
        files[view.file("html")] = topic_page.render(
            site=site, view=view, article=partial(article, slug=view.slug)).encode()
    return files
