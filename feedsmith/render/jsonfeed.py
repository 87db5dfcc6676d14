"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): a ``FeedView`` in, deterministic bytes out.

Keys come in a fixed order, the layout is compact, absent optional values are left out (never
``null``). Ids, dates, entry order, authors, summary (the TL;DR when there is one) and categories
(as ``tags``: topic names, then arXiv categories) are the same as in the Atom and RSS files of the
same feed; like them, no churning number (upvotes, stars, rank) goes in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

from ..model import Entry
from .content import EntryHTML
from .fragments import JSON, Fragments
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


def item_json(entry: Entry, site: SiteView, html_of: EntryHTML) -> bytes:
    """``entry`` as one item of a JSON Feed, encoded as ``json_feed`` encodes the whole."""
    return _dump(_item(entry, site, html_of)).encode()


def feed_head(view: FeedLike, site: SiteView) -> dict[str, Any]:
    """The members of ``view``'s JSON Feed but ``items`` (which come last)."""
    return {
        "version": JSON_FEED_VERSION,
        "title": view.title,
        "home_page_url": view.url("html"),
        "feed_url": view.url("json"),
        "description": view.description or view.title,
        "authors": [{"name": site.author}],
        "language": "en",
    }


def json_feed(view: FeedView, site: SiteView, fragments: Fragments | None = None) -> bytes:
    """``view`` as JSON Feed 1.1 bytes: compact (one line; the C encoder, several times faster
    than indenting), UTF-8, a final newline. Each item is its entry's piece (``Fragments``):
    the JSON of the object with ``items`` last is that of the object without it, with
    ``,"items":[`` and the items' own JSON, joined by commas, before its closing brace."""
    fragments = fragments or Fragments(site)
    render = partial(item_json, site=site, html_of=fragments.html_of)
    head = _dump(feed_head(view, site)).encode()
    items = b",".join(fragments(JSON, entry, render) for entry in view.entries)
    return b"".join((head[:-1], b',"items":[', items, b"]}\n"))


def dump(document: dict[str, Any]) -> bytes:
    """A whole JSON Feed object as ``json_feed`` writes one: compact, UTF-8, a final newline."""
    return (_dump(document) + "\n").encode()


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
