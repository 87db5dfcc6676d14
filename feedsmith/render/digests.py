"""Digests drawn: a digest's papers in, its frozen HTML, its feeds, its page and its e-mail out.

``digest_content`` is the HTML a digest is frozen with when it is made (``feedsmith.digest``);
after that the feeds and pages show those stored bytes, never a re-rendering. ``digest_files``
writes one digest feed (``<slug>.<cadence>.atom``, ``.rss``, ``.json`` and its ``.html`` page,
where each digest has its anchor) through the same feed-level code as the topic feeds.
``email_html`` and ``email_text`` are the two parts of a digest message (``feedsmith.mail``):
inline styles only, no images, no scripts. Pure: same digests, same bytes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape
from typing import Any

from ..model import Digest, DigestItem
from . import feeds, jsonfeed
from .content import environment
from .jsonfeed import rfc3339
from .view import DigestView, SiteView

MAX_AUTHORS = 8  # more are summed up as "and N more": a paper can have hundreds


def authors_line(authors: tuple[str, ...]) -> str:
    """``authors`` as one line, the first ``MAX_AUTHORS`` named."""
    if len(authors) <= MAX_AUTHORS:
        return ", ".join(authors)
    return f"{', '.join(authors[:MAX_AUTHORS])} and {len(authors) - MAX_AUTHORS} more"


def numbers_line(item: DigestItem) -> str:
    """The counts a paper was ranked by, as they were when the digest was made."""
    parts = []
    if item.upvotes is not None:
        parts.append(f"▲ {item.upvotes} upvote{'' if item.upvotes == 1 else 's'}")
    if item.rank is not None:
        parts.append(f"trending #{item.rank}")
    return " · ".join(parts)


def item_links(item: DigestItem) -> list[tuple[str, str]]:
    """(label, URL) of every link of a paper, its own page first."""
    links = item.links
    own = "arXiv" if (links.url or "").startswith("https://arxiv.org/") else "Link"
    labelled = [(own, links.url), ("PDF", links.pdf), ("Hugging Face", links.hf),
                ("Code", links.code), ("Project page", links.project)]
    return [(label, url) for label, url in labelled if url]


def rows(items: tuple[DigestItem, ...]) -> list[dict[str, Any]]:
    """What the templates show of each paper, best first."""
    return [{"title": item.title or "(untitled)", "url": item.links.url, "text": item.text,
             "tldr": item.tldr, "authors": authors_line(item.authors),
             "numbers": numbers_line(item), "links": item_links(item)} for item in items]


def digest_content(summary: str, items: tuple[DigestItem, ...]) -> str:
    """The HTML a digest is published with: its summary and its papers, best first."""
    template = environment().get_template("digest-content.html")
    return template.render(summary=summary, rows=rows(items)).strip()


def _add_digest(fg: Any, view: DigestView, digest: Digest, *, rss: bool) -> None:
    fe = fg.add_entry(order="append")
    fe.id(digest.guid)
    fe.guid(digest.guid, permalink=False)  # a tag: URI, no link
    fe.title(digest.title)
    fe.link(href=view.entry_url(digest))
    fe.published(digest.end)
    fe.updated(digest.end)
    fe.summary(escape(digest.summary, quote=False) if rss else digest.summary)
    fe.content(digest.content, type="html")


def _feed(view: DigestView, site: SiteView, extension: str) -> bytes:
    rss = extension == "rss"
    fg = feeds.feed_generator(view, site, rss=rss)
    for digest in view.digests:
        _add_digest(fg, view, digest, rss=rss)
    return feeds.serialize(fg, rss=rss)


def _json_feed(view: DigestView, site: SiteView) -> bytes:
    items = [{"id": d.guid, "url": view.entry_url(d), "title": d.title, "content_html": d.content,
              "summary": d.summary, "date_published": rfc3339(d.end),
              "date_modified": rfc3339(d.end)} for d in view.digests]
    return jsonfeed.dump({**jsonfeed.feed_head(view, site), "items": items})


def digest_files(view: DigestView, site: SiteView, topic: str) -> dict[str, bytes]:
    """The files of one digest feed by name: Atom, RSS, JSON Feed and its page (``topic``: the
    title of the feed it digests, for the page's link back)."""
    page = environment().get_template("digest-page.html").render(site=site, view=view, topic=topic)
    return {view.file("atom"): _feed(view, site, "atom"), view.file("rss"): _feed(view, site, "rss"),
            view.file("json"): _json_feed(view, site), view.file("html"): page.encode()}


@dataclass(frozen=True)
class MailLinks:
    """What a digest message links to besides its papers: the site, the digest's place on its
    digest page, its feed, and where to unsubscribe (if configured)."""

    site_title: str
    page_url: str
    feed_url: str
    unsubscribe: str | None = None


def email_html(digest: Digest, links: MailLinks) -> str:
    """The HTML part of ``digest``'s message: a whole document with inline styles only."""
    return environment().get_template("digest-email.html").render(
        title=digest.title, summary=digest.summary, rows=rows(digest.items), links=links)


def _wrapped(text: str, indent: str = "   ") -> str:
    return textwrap.fill(text, width=76, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


def email_text(digest: Digest, links: MailLinks) -> str:
    """The plain-text part of ``digest``'s message: the same papers and links as the HTML part."""
    lines = [digest.title, "", textwrap.fill(digest.summary, width=76), ""]
    for number, row in enumerate(rows(digest.items), start=1):
        lines.append(textwrap.fill(f"{number}. {row['title']}", width=76, subsequent_indent="   "))
        for part in (row["numbers"], ("TL;DR: " if row["tldr"] else "") + row["text"],
                     row["authors"]):
            if part:
                lines.append(_wrapped(part))
        lines += [f"   {label}: {href}" for label, href in row["links"]]
        lines.append("")
    lines += ["-- ", f"{links.site_title}: {links.page_url}", f"This digest as a feed: {links.feed_url}"]
    if links.unsubscribe:
        lines.append(f"Unsubscribe: {links.unsubscribe}")
    return "\n".join(lines) + "\n"


__all__ = ["MailLinks", "digest_content", "digest_files", "email_html", "email_text"]
