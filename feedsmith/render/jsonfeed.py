"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): a ``FeedView`` in, deterministic bytes out.

Keys come in a fixed order, the layout is compact, absent optional values are left out (never
``null``). Ids, dates, entry order, authors, summary (the TL;DR when there is one) and categories
(as ``tags``: topic names, then arXiv categories) are the same as in the Atom and RSS files of the
same feed; like them, no churning number (upvotes, stars, rank) goes in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..model import Entry
from .content import EntryHTML
from .view import FeedLike, FeedView, SiteView, shown_authors

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def rfc3339(value: datetime) -> str:
    """``value`` in UTC as an RFC 3339 timestamp, as JSON Feed wants it."""
    return value.astimezone(UTC).isoformat()


def _item(entry: Entry, site: SiteView, html_of: EntryHTML) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.guid,
    }
    if entry.links.url:  # only an http(s) link; a non-URL guid is no link
        item["url"] = entry.links.url
    item.update({
        "title": entry.title or "(untitled)",
        "content_html": html_of(entry),
        "summary": entry.tldr or entry.summary or entry.title,
    })
    if entry.thumbnail:
        item["image"] = entry.thumbnail
    if entry.first_seen is not None:
        item["date_published"] = rfc3339(entry.first_seen)
    if entry.updated is not None:
        item["date_modified"] = rfc3339(entry.updated)
    if entry.authors:
        item["authors"] = [{"name": name} for name in shown_authors(entry)]
    tags = list(dict.fromkeys(category.text for category in site.categories(entry)))
    if tags:
        item["tags"] = tags
    return item


def feed_head(view: FeedLike, site: SiteView) -> dict[str, Any]:
    """The feed-level members of ``view``'s JSON Feed (all but ``items``)."""
    return {
        "version": JSON_FEED_VERSION,
        "title": view.title,
        "home_page_url": view.url("html"),
        "feed_url": view.url("json"),
        "description": view.description or view.title,
        "authors": [{"name": site.author}],
        "language": "en",
    }


def feed_document(view: FeedView, site: SiteView, html_of: EntryHTML | None = None) -> dict[str, Any]:
    """``view`` as a JSON Feed 1.1 object."""
    html_of = html_of or EntryHTML()
    return {**feed_head(view, site), "items": [_item(entry, site, html_of) for entry in view.entries]}


def dump(document: dict[str, Any]) -> bytes:
    """A JSON Feed object as bytes: compact (one line; the C encoder, several times faster than
    indenting), UTF-8, a final newline."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def json_feed(view: FeedView, site: SiteView, html_of: EntryHTML | None = None) -> bytes:
    """``view`` as JSON Feed 1.1 bytes."""
    return dump(feed_document(view, site, html_of))
