"""Any feed: RSS 0.9x/1.0/2.0 or Atom (through feedparser) or JSON Feed 1.0/1.1 bytes in, entries out.

Pure: the bytes were fetched elsewhere; feedparser only ever sees them as a stream, never a URL or
a file name. Before feedparser runs, the size is capped and the document is decoded, stripped of
its DOCTYPE and entity declarations and handed over as UTF-8 (``xmlsafe.defuse``: a
repeated-entity file costs minutes and gigabytes, in any encoding). A feed that was readable only
after repairs, or that feedparser flagged as malformed, still gives its entries, with a one-line
warning (``Parsed.warning``). An HTML page is refused as one, with the feeds it links to
(``HTMLPageError``; the crawler, which knows the page's URL, makes them absolute).
An item whose own guid or link names an arXiv paper becomes that paper (versionless key and id);
any other item keeps its own guid/id, else its canonical link (``feedsmith.ids.item_key``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import feedparser

from ..dates import from_struct, parse_iso, parse_rfc822
from ..errors import ConfigError, HTMLPageError, SourceError
from ..ids import canonical_url, item_key, publishable_id
from ..model import Entry, Links
from ..text import clean_text, html_to_text, safe_url
from . import Parsed, SourceConfig, SourceKind, Step, collect
from .xmlsafe import defuse

MAX_FEED_BYTES = 10 * 1024 * 1024
"""A feed larger than this is refused before parsing."""

JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/1(?:\.1)?/?$")
FALLBACK_TITLE_CHARS = 100
"""An item without a title is titled by the start of its text, cut at a word near this length."""


def check_size(data: bytes, limit: int = MAX_FEED_BYTES) -> None:
    """SourceError if ``data`` is larger than ``limit`` bytes."""
    if len(data) > limit:
        raise SourceError(f"feed is {len(data)} bytes, larger than the {limit}-byte limit")


WARNINGS_KEY = "feedsmith_warnings"
"""Where ``parse_xml_feed`` leaves the repairs it made in feedparser's result."""


def parse_xml_feed(data: bytes, *, max_bytes: int = MAX_FEED_BYTES) -> Any:
    """feedparser's result for ``data`` (capped, defused); SourceError when it holds no entries
    and is not a readable feed, or when feedparser itself fails on it. The repairs made, and
    feedparser's complaint about a malformed feed that still had entries, are listed under
    ``WARNINGS_KEY`` (read them with ``feed_warning``)."""
    check_size(data, max_bytes)
    body, repairs = defuse(data)
    if not body.strip():
        raise SourceError("empty response")
    try:
        # No sanitizing or URI resolving here: every text is reduced to plain text and every link
        # checked for an absolute http(s) URL at normalization, so both would be paid twice.
        parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as exc:  # feedparser raises on some malformed input instead of flagging it
        raise SourceError(f"not a readable feed: the feed parser failed "
                          f"({type(exc).__name__}: {one_line(str(exc))})") from None
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        if _HTML_ROOT.search(body, 0, HTML_SNIFF_BYTES):
            raise HTMLPageError(feed_links(body))
        reason = parsed.get("bozo_exception") if parsed.bozo else None
        what = f"not a readable feed: {one_line(str(reason))}" if reason else "not an RSS or Atom feed"
        raise SourceError(what)
    if parsed.bozo and parsed.get("bozo_exception") is not None:
        complaint = parsed["bozo_exception"]
        repairs.append(f"malformed feed ({type(complaint).__name__}: {one_line(str(complaint))})")
    parsed[WARNINGS_KEY] = repairs
    return parsed


# An <html> element near the start (after the defused prologue): a web page, not a feed.
_HTML_ROOT = re.compile(rb"<html[\s>]", re.IGNORECASE)
HTML_SNIFF_BYTES = 4096
FEED_TYPES = frozenset({"application/atom+xml", "application/rss+xml", "application/feed+json"})
MAX_FEED_LINKS = 3
MAX_HEAD_BYTES = 256 * 1024
"""The start of a page searched for feed links (they belong in its ``<head>``)."""


class _FeedLinks(HTMLParser):
    """Collects the hrefs of ``<link rel="alternate">`` elements of a feed type."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name: (value or "") for name, value in attrs}
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in values.get("rel", "").lower().split() and kind in FEED_TYPES:
            self.hrefs.append(values.get("href", "").strip())


def feed_links(page: bytes) -> tuple[str, ...]:
    """The feeds an HTML page links to (``<link rel="alternate" type="application/atom+xml"
    href=...>``, RSS and JSON Feed alike), as written, in order, once each and at most
    ``MAX_FEED_LINKS``: absolute http(s) URLs and relative references only."""
    reader = _FeedLinks()
    reader.feed(page[:MAX_HEAD_BYTES].decode("utf-8", "replace"))
    usable = [href for href in reader.hrefs if href and (
        safe_url(href) or (not urlsplit(href).scheme and safe_url("http://h/" + href)))]
    return tuple(dict.fromkeys(usable))[:MAX_FEED_LINKS]


def one_line(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut to about ``limit`` characters."""
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def feed_warning(parsed: Any) -> str | None:
    """The repairs ``parse_xml_feed`` made to get ``parsed``, as one line (None: none)."""
    repairs = parsed.get(WARNINGS_KEY) or []
    return "; ".join(repairs) or None


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


def parse(data: bytes, *, source: str) -> Parsed:
    """Entries of an RSS, Atom or JSON Feed document, in document order (duplicates merged)."""
    check_size(data)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return parse_json_feed(data, source=source)
    parsed = parse_xml_feed(data)
    entries, skipped = collect(parsed.entries, lambda item: _feedparser_entry(item, source=source))
    return Parsed(dedup_by_key(entries), skipped, feed_warning(parsed))


def _first_text(item: Any, *names: str) -> str:
    for name in names:
        value = item.get(name)
        if isinstance(value, list):  # ``content`` is a list of {value, type}
            value = next((c.get("value") for c in value if isinstance(c, dict) and c.get("value")),
                         None)
        text = html_to_text(value)
        if text:
            return text
    return ""


def _names(people: Any) -> Iterator[object]:
    if not isinstance(people, list):
        return
    for person in people:
        if isinstance(person, dict):
            yield person.get("name") or person.get("email")


def _feedparser_entry(item: Any, *, source: str) -> Entry | None:
    authors = unique_texts(_names(item.get("authors")))
    if not authors and item.get("author"):
        authors = unique_texts([item.get("author")])
    tags = item.get("tags") or []
    categories = unique_texts(html_to_text(t.get("term") or t.get("label")) for t in tags
                              if isinstance(t, dict))
    # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed, warning.
    date = from_struct(dict.get(item, "published_parsed")) \
        or from_struct(dict.get(item, "updated_parsed")) or parse_rfc822(dict.get(item, "published"))
    thumbnail = None
    for media in item.get("media_thumbnail") or []:
        thumbnail = thumbnail or (safe_url(media.get("url")) if isinstance(media, dict) else None)
    guid = item.get("id") if isinstance(item.get("id"), str) else None
    link = item.get("link") if isinstance(item.get("link"), str) else None
    pdf = next((link.get("href") for link in item.get("links") or []
                if isinstance(link, dict) and link.get("type") == "application/pdf"), None)
    return item_entry(guid=guid, link=link, title=html_to_text(item.get("title")),
                      summary=_first_text(item, "summary", "content"), authors=authors,
                      categories=categories, date=date, thumbnail=thumbnail, source=source,
                      pdf=pdf)


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
