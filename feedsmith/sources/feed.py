"""Any feed: RSS 0.9x/1.0/2.0 or Atom or JSON Feed 1.0/1.1 bytes in, entries out.

Pure: the bytes were fetched elsewhere; no parser ever sees them as a URL or a file name. An XML
feed is capped, defused and read into items by ``xmlfeed`` (a strict lxml fast path, else
feedparser); each item, by either path, is normalised here (``normalise``). A feed that was
readable only after repairs, or that feedparser flagged as malformed, still gives its entries,
with a one-line warning (``Parsed.warning``). An HTML page is refused as one, with the feeds it
links to (``HTMLPageError``; the crawler, which knows the page's URL, makes them absolute).
An item whose own guid or link names an arXiv paper becomes that paper (versionless key and id);
any other item keeps its own guid/id, else its canonical link (``feedsmith.ids.item_key``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from ..dates import parse_iso
from ..errors import ConfigError, SourceError
from ..ids import canonical_url, item_key, publishable_id
from ..model import Entry, Links
from ..text import clean_text, html_to_text, safe_url
from . import Parsed, SourceConfig, SourceKind, Step, collect
from .xmlfeed import MAX_FEED_BYTES, Item, check_size, feed_items

JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/1(?:\.1)?/?$")
FALLBACK_TITLE_CHARS = 100
"""An item without a title is titled by the start of its text, cut at a word near this length."""


def dedup_by_key(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """``entries`` without later ones whose key or guid was already seen (the first one wins)."""
    kept: list[Entry] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.key in seen or entry.guid in seen:
            continue
        seen.update((entry.key, entry.guid))
        kept.append(entry)
    return tuple(kept)


def unique_texts(values: Iterable[object]) -> tuple[str, ...]:
    """The non-empty cleaned texts of ``values``, in order, without repeats."""
    return tuple(dict.fromkeys(t for t in (clean_text(v) for v in values) if t))


def fallback_title(text: str) -> str:
    """A title made of the start of ``text`` (an item that has none), cut at a word boundary."""
    if len(text) <= FALLBACK_TITLE_CHARS:
        return text
    cut = text[:FALLBACK_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def item_entry(*, guid: str | None, link: str | None, title: str, summary: str,
               authors: tuple[str, ...], categories: tuple[str, ...], date: datetime | None,
               thumbnail: str | None, source: str, pdf: str | None = None) -> Entry | None:
    """One feed item as an entry (the identity rule of ``item_key``); None for an item with
    neither a title nor an id (guid or usable link), or with nothing to title it by."""
    guid = clean_text(guid) or None
    link = safe_url(link)
    if not title and guid is None and link is None:
        return None
    title = title or fallback_title(summary)
    if not title:
        return None
    key, arxiv = item_key(guid=guid, link=link, title=title, source=source)
    if arxiv is not None:
        return Entry(key=key, guid=arxiv.abs_url, title=title, summary=summary, authors=authors,
                     links=Links(url=arxiv.abs_url, pdf=arxiv.pdf_url), arxiv_id=arxiv.id,
                     version=arxiv.version, sources=(source,), paper_date=date,
                     categories=categories, thumbnail=thumbnail)
    if guid is None and link is None:
        # No identity of its own: the title-fingerprint key stands in for its id.
        guid = key
    elif guid is None:
        guid = canonical_url(link or "")
    else:
        # Keyed by the guid as given (so a stored entry is found and keeps the id it was first
        # published with: merge.py), published only if it is a harmless id.
        guid = publishable_id(guid)
    return Entry(key=key, guid=guid, title=title, summary=summary, authors=authors,
                 links=Links(url=link or safe_url(guid), pdf=safe_url(pdf)), sources=(source,),
                 paper_date=date,
                 categories=categories, thumbnail=thumbnail)


def parse(data: bytes, *, source: str, fast: bool = True) -> Parsed:
    """Entries of an RSS, Atom or JSON Feed document, in document order (duplicates merged); an
    XML feed is read by the fast path when it accepts it and ``fast`` (``xmlfeed``)."""
    check_size(data, MAX_FEED_BYTES)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return parse_json_feed(data, source=source)
    items, repairs = feed_items(data, fast=fast)
    entries, skipped = collect(items, lambda item: normalise(item, source=source))
    return Parsed(dedup_by_key(entries), skipped, "; ".join(repairs) or None)


def normalise(item: Item, *, source: str) -> Entry | None:
    """One XML feed item (from either path) as an entry; None for one that cannot be (see
    ``item_entry``)."""
    summary = next((text for text in map(html_to_text, item.texts) if text), "")
    return item_entry(guid=item.guid, link=item.link, title=html_to_text(item.title),
                      summary=summary, authors=unique_texts(item.authors),
                      categories=unique_texts(map(html_to_text, item.categories)), date=item.date,
                      thumbnail=next((url for url in map(safe_url, item.thumbnails) if url), None),
                      source=source, pdf=item.pdf)


def _names(people: Any) -> Iterator[object]:
    if not isinstance(people, list):
        return
    for person in people:
        if isinstance(person, dict):
            yield person.get("name") or person.get("email")


def parse_json_feed(data: bytes, *, source: str) -> Parsed:
    """Entries of a JSON Feed 1.0 or 1.1 document; SourceError if it is not one."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"not valid JSON: {exc}") from None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not JSON_FEED_VERSION.match(version):
        raise SourceError("JSON but not a JSON Feed (no jsonfeed.org version 1 or 1.1)")
    items = document.get("items")
    if not isinstance(items, list):
        raise SourceError("JSON Feed without an items array")
    entries, skipped = collect(
        items, lambda item: _json_feed_entry(item, source=source) if isinstance(item, dict) else None)
    return Parsed(dedup_by_key(entries), skipped)


def _json_feed_entry(item: dict[str, Any], *, source: str) -> Entry | None:
    raw_id = item.get("id")
    guid = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    people = item.get("authors")
    if not isinstance(people, list):  # JSON Feed 1.0: a single "author" object
        people = [item["author"]] if isinstance(item.get("author"), dict) else []
    summary = html_to_text(item.get("content_html")) or clean_text(item.get("content_text")) \
        or html_to_text(item.get("summary"))
    tags = item.get("tags")
    date = parse_iso(item.get("date_published")) or parse_iso(item.get("date_modified"))
    link = item.get("url") if safe_url(item.get("url")) else item.get("external_url")
    return item_entry(guid=guid, link=link if isinstance(link, str) else None,
                      title=html_to_text(item.get("title")), summary=summary,
                      authors=unique_texts(_names(people)),
                      categories=unique_texts(tags if isinstance(tags, list) else []),
                      date=date, thumbnail=safe_url(item.get("image")), source=source)


def feed_plan(source: SourceConfig, today: date) -> tuple[Step, ...]:
    """The ``url`` itself."""
    return (Step(source.url),)


def check_feed(source: SourceConfig) -> None:
    """A feed needs its URL."""
    if not source.url:
        raise ConfigError(f"kind {source.kind!r} needs a 'url'")


FEED = SourceKind(name="feed", parse=parse, plan=feed_plan, family="feed", validate=check_feed)
