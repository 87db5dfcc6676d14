"""An XML feed (RSS 0.9x/1.0/2.0, Atom 1.0) in, its items out, by one of two paths.

Both read the document only after it was capped and defused (``xmlsafe.defuse``: decoded, no
DOCTYPE, no entities, UTF-8) and give the same ``Item`` values, which ``feed.py`` normalises into
entries:

- the fast path (``fast_items``) reads the document with lxml, strictly: a document that is not
  well-formed, whose root is not ``rss``, ``rdf:RDF`` or Atom 1.0's ``feed``, or that holds
  anything whose reading it cannot vouch for is declined (None), never repaired. Where it
  accepts, it reads each field as feedparser does (the same element mapping, stripping,
  link and author rules, and feedparser's own date parser);
- feedparser (``parse_xml_feed``, ``feedparser_item``) reads anything, repairs what it can and
  says so. It stays the reference: ``tests/test_feed_paths.py`` runs both over every fixture,
  hostile case and a generated corpus and requires the same entries wherever the fast path
  accepted.

fastfeedparser was tried for the fast path and is not used: it keeps only an entry's first
author, synthesises ids, links and dates from other fields, and cuts a summary it made from the
content to 512 characters, so its items could not be normalised into feedparser's entries.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import feedparser
from feedparser.datetimes import _parse_date as feedparser_date
from lxml import etree

from ..dates import from_struct, parse_rfc822
from ..errors import HTMLPageError, SourceError
from ..text import clean_text, safe_url
from .xmlsafe import defuse

MAX_FEED_BYTES = 10 * 1024 * 1024
"""A feed larger than this is refused before parsing."""


@dataclass(frozen=True, slots=True)
class Item:
    """One item of a feed as read, before normalisation: texts may hold markup, URLs may be
    unsafe. ``texts`` are the summary, then the content; ``thumbnails`` in document order."""

    guid: str | None = None
    link: str | None = None
    title: str = ""
    texts: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date: datetime | None = None
    thumbnails: tuple[str, ...] = ()
    pdf: str | None = None


def check_size(data: bytes, limit: int = MAX_FEED_BYTES) -> None:
    """SourceError if ``data`` is larger than ``limit`` bytes."""
    if len(data) > limit:
        raise SourceError(f"feed is {len(data)} bytes, larger than the {limit}-byte limit")


def feed_items(data: bytes, *, fast: bool = True) -> tuple[list[Item], list[str]]:
    """The items of the XML feed ``data`` (capped, defused) and the repairs it took: by the
    fast path when it accepts the document (and ``fast``), else by feedparser."""
    check_size(data)
    body, repairs = defuse(data)
    items = fast_items(body) if fast else None
    if items is not None:
        return items, repairs
    parsed = _feedparser(body, repairs)
    return [feedparser_item(item) for item in parsed.entries], parsed[WARNINGS_KEY]


# --------------------------------------------------------------------------------------------
# feedparser: the reference, and the reader of everything the fast path declines

WARNINGS_KEY = "feedsmith_warnings"
"""Where ``parse_xml_feed`` leaves the repairs it made in feedparser's result."""


def parse_xml_feed(data: bytes, *, max_bytes: int = MAX_FEED_BYTES) -> Any:
    """feedparser's result for ``data`` (capped, defused); SourceError when it holds no entries
    and is not a readable feed, or when feedparser itself fails on it. The repairs made, and
    feedparser's complaint about a malformed feed that still had entries, are listed under
    ``WARNINGS_KEY`` (read them with ``feed_warning``)."""
    check_size(data, max_bytes)
    return _feedparser(*defuse(data))


def _feedparser(body: bytes, repairs: list[str]) -> Any:
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
    repairs = list(repairs)
    if parsed.bozo and parsed.get("bozo_exception") is not None:
        complaint = parsed["bozo_exception"]
        repairs.append(f"malformed feed ({type(complaint).__name__}: {one_line(str(complaint))})")
    parsed[WARNINGS_KEY] = repairs
    return parsed


def feed_warning(parsed: Any) -> str | None:
    """The repairs ``parse_xml_feed`` made to get ``parsed``, as one line (None: none)."""
    repairs = parsed.get(WARNINGS_KEY) or []
    return "; ".join(repairs) or None


def one_line(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut to about ``limit`` characters."""
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _first_content(item: Any) -> str | None:
    for content in item.get("content") or []:
        if isinstance(content, dict) and content.get("value"):
            return str(content["value"])
    return None


def _names(people: Any) -> list[str]:
    names = [p.get("name") or p.get("email") for p in people if isinstance(p, dict)] \
        if isinstance(people, list) else []
    return [name for name in names if isinstance(name, str)]


def _strings(*values: object) -> tuple[str, ...]:
    return tuple(value for value in values if isinstance(value, str))


def feedparser_item(item: Any) -> Item:
    """One feedparser entry as an ``Item``."""
    authors = _names(item.get("authors"))
    if not authors and item.get("author"):
        authors = list(_strings(item.get("author")))
    tags = [t.get("term") or t.get("label") for t in item.get("tags") or [] if isinstance(t, dict)]
    # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed, warning.
    date = from_struct(dict.get(item, "published_parsed")) \
        or from_struct(dict.get(item, "updated_parsed")) or parse_rfc822(dict.get(item, "published"))
    thumbnails = [m.get("url") for m in item.get("media_thumbnail") or [] if isinstance(m, dict)]
    pdf = next((link.get("href") for link in item.get("links") or []
                if isinstance(link, dict) and link.get("type") == "application/pdf"), None)
    title = item.get("title")
    return Item(guid=item.get("id") if isinstance(item.get("id"), str) else None,
                link=item.get("link") if isinstance(item.get("link"), str) else None,
                title=title if isinstance(title, str) else "",
                texts=_strings(item.get("summary"), _first_content(item)), authors=tuple(authors),
                categories=_strings(*tags), date=date, thumbnails=_strings(*thumbnails),
                pdf=pdf if isinstance(pdf, str) else None)


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


# --------------------------------------------------------------------------------------------
# the fast path

class _Decline(Exception):
    """The fast path cannot vouch for reading this document as feedparser does."""


_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_MEDIA = "{http://search.yahoo.com/mrss/}"
_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Comment-count and comment-feed elements (WordPress): feedparser keeps them under names of their
# own, apart from every field an entry is made of.
_IGNORED = ("{http://wellformedweb.org/CommentAPI/}", "{http://purl.org/rss/1.0/modules/slash/}")
_EXTENSIONS = {_DC + "creator": "author", _DC + "date": "updated", _DC + "subject": "category",
               _ENCODED: "content", _MEDIA + "thumbnail": "thumbnail", _MEDIA + "content": "media",
               _MEDIA + "group": "media"}
# What each child element of an item is to feedparser; a child not listed is declined.
_RSS_FIELDS = {"title": "title", "link": "link", "guid": "guid", "description": "summary",
               "author": "author", "category": "category", "pubDate": "published",
               "enclosure": "enclosure", "comments": "", **_EXTENSIONS}
_RDF_FIELDS = {_RSS1 + "title": "title", _RSS1 + "link": "link", _RSS1 + "description": "summary",
               **_EXTENSIONS}
_ATOM_FIELDS = {_ATOM + "id": "guid", _ATOM + "title": "title", _ATOM + "link": "atom-link",
                _ATOM + "author": "atom-author", _ATOM + "contributor": "", _ATOM + "rights": "",
                _ATOM + "published": "published", _ATOM + "updated": "updated",
                _ATOM + "summary": "summary", _ATOM + "content": "content",
                _ATOM + "category": "category", **_EXTENSIONS}
_SINGLE = frozenset({"title", "link", "guid", "summary", "published", "updated"})
# Attributes a child may carry without changing how feedparser reads its text.
_PLAIN_ATTRIBUTES = {"guid": {"isPermaLink"}, "category": {"domain", "term", "label", "scheme"},
                     "title": {"type"}, "summary": {"type"}, "content": {"type"}}
_TEXT_TYPES = {"": "text", "text": "text", "text/plain": "text", "html": "text",
               "text/html": "text", "xhtml": "xhtml", "application/xhtml+xml": "xhtml"}
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
# feedparser strips extra slashes after a scheme (``http:///x``) from every link and id it resolves.
_URI_FIXER = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
# ``xml:base``, against which feedparser resolves links
_DECLINED_BYTES = re.compile(rb"xml:base")
# feedparser maps C1 control characters (U+0080-U+009F) to the windows-1252 characters they are
_CP1252 = {code: ord(bytes([code]).decode("cp1252")) for code in range(0x80, 0xA0)
           if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, recover=False,
                          remove_comments=True, remove_pis=True)


# The fast path reads the S5 bench's 200 feeds of 50 items in 0.47 s of CPU, feedparser in 2.88 s.
def fast_items(body: bytes) -> list[Item] | None:
    """The items of a defused XML feed, read strictly with lxml; None (declined) for a document
    that is not well-formed, is not RSS (2.0 or 0.9x, items in its one channel), RSS 1.0 or
    Atom 1.0, or holds an item field read differently by feedparser than here (see
    ``_read_item``). Never repairs anything."""
    if _DECLINED_BYTES.search(body):
        return None
    try:
        root = etree.fromstring(body, _STRICT)
        if root.tag == "rss":
            channels = root.findall("channel")
            found = channels[0].findall("item") if len(channels) == 1 else []
            return _read_items(root, found, "item", _RSS_FIELDS)
        if root.tag == _RDF + "RDF":
            return _read_items(root, root.findall(_RSS1 + "item"), _RSS1 + "item", _RDF_FIELDS)
        if root.tag == _ATOM + "feed":
            return _read_items(root, root.findall(_ATOM + "entry"), _ATOM + "entry", _ATOM_FIELDS)
    except (etree.XMLSyntaxError, _Decline):
        pass
    return None


def _read_items(root: Any, found: list[Any], tag: str, fields: dict[str, str]) -> list[Item]:
    # Every item must be where feedparser finds it too: none nested elsewhere, none of another
    # letter case or namespace that feedparser would also take for an item.
    everywhere = sum(1 for e in root.iter() if e.tag.rpartition("}")[2].lower() in ("item", "entry"))
    if everywhere != len(found) or any(e.tag != tag for e in found):
        raise _Decline
    return [_read_item(element, fields) for element in found]


def _text(element: Any) -> str:
    """An element's text as feedparser gives it (``_as_feedparser``)."""
    if len(element):
        raise _Decline  # markup inside a text element: feedparser serializes it its own way
    return _as_feedparser(element.text or "")


def _as_feedparser(text: str) -> str:
    """``text`` as feedparser leaves it: stripped, decoded once more when it reads as UTF-8 read
    as Latin-1 (feedparser's fix for that), C1 controls made windows-1252 characters."""
    text = text.strip()
    if text.isascii():
        return text
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except UnicodeError:
        pass
    return text.translate(_CP1252)


def _construct(element: Any) -> tuple[str, str]:
    """An Atom text construct (or RSS text) and its kind: ``text`` (text and escaped HTML) or
    ``xhtml`` (its markup serialized, which normalisation reduces to text as feedparser's)."""
    kind = _TEXT_TYPES.get(element.get("type", "").lower())
    if kind is None or element.get("src") is not None or element.get("mode") is not None:
        raise _Decline
    if kind == "text":
        return _text(element), element.get("type", "text").lower()
    return _as_feedparser((element.text or "") + "".join(
        etree.tostring(child, encoding="unicode") for child in element)), "xhtml"


def _href(element: Any, *names: str) -> str | None:
    return next((element.get(n) for n in names if element.get(n)), None)


def _date(text: str | None) -> Any:
    return feedparser_date(text) if text else None


def _read_item(element: Any, fields: dict[str, str]) -> Item:
    """One item, read as feedparser reads it: the same elements for each field, the link rule
    (the last HTML alternate link; else a permalink guid or an Atom id), authors in order
    (declined when one holds an e-mail address, which feedparser takes apart), the first PDF
    link or enclosure, thumbnails nested or not, and feedparser's own date parser."""
    one: dict[str, str] = {}
    authors: list[str] = []
    categories: list[str] = []
    thumbnails: list[str] = []
    contents: list[tuple[str, str]] = []
    typed_links: list[tuple[str, str | None]] = []
    link: str | None = None
    permalink = True
    for child in element:
        tag = child.tag
        field = fields.get(tag)
        if field is None:
            if tag.startswith(_IGNORED):
                continue
            raise _Decline
        if not field:
            continue
        allowed = _PLAIN_ATTRIBUTES.get(field, set())
        if field not in ("atom-link", "enclosure", "thumbnail", "media") and \
                any(name not in allowed for name in child.attrib):
            raise _Decline
        if field in _SINGLE:
            if field in one:
                raise _Decline
            if field in ("title", "summary"):
                one[field] = _construct(child)[0]
            else:
                one[field] = _text(child)
            if field == "guid":
                permalink = child.get("isPermaLink", "true") == "true"
        elif field == "content":
            value, kind = _construct(child)
            contents.append((value, kind))
        elif field == "author":
            authors.append(_rss_author(_text(child)))
        elif field == "atom-author":
            # an author without a name is given the previous author's by feedparser: declined
            name = [_text(c) for c in child if c.tag == _ATOM + "name"]
            if len(name) != 1 or not name[0] or any(
                    c.tag not in (_ATOM + "name", _ATOM + "email", _ATOM + "uri") for c in child):
                raise _Decline
            authors.append(name[0])
        elif field == "category":
            term = child.get("term") or child.get("label")
            text = _text(child)
            if term and text:
                raise _Decline
            categories.append(term or text)
        elif field == "enclosure":
            typed_links.append(((child.get("type") or "").lower(), _href(child, "url", "uri", "href")))
        elif field == "atom-link":
            href = _href(child, "url", "uri", "href")
            if href is None or len(child) or (child.text or "").strip():
                raise _Decline
            href = _URI_FIXER.sub(r"\1\3", href)
            rel = (child.get("rel") or "alternate").lower()
            kind = (child.get("type") or ("application/atom+xml" if rel == "self" else "text/html"))
            typed_links.append((kind.lower(), href))
            if rel == "alternate" and kind.lower() in _HTML_TYPES:
                link = href
        elif field == "thumbnail":
            thumbnails.append(child.get("url") if child.get("url") is not None else _text(child))
        else:  # media:content or media:group: thumbnails (and contents) inside, nothing else
            thumbnails += _media_thumbnails(child)
    guid = one.get("guid")
    if guid is not None and permalink:
        guid = _URI_FIXER.sub(r"\1\3", guid)
    if "link" in one:
        # feedparser unescapes what looks like an entity left in a link's query (``&amp;b``)
        link = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", _URI_FIXER.sub(r"\1\3", one["link"]))
    elif link is None and permalink and guid is not None:
        link = guid
    if guid is None and fields is _RDF_FIELDS:
        guid = element.get(_RDF + "about")
    summary = one.get("summary")
    if summary is None:  # feedparser's summary is then the first plain or HTML content
        summary = next((value for value, kind in contents if kind != "xhtml"), None)
    published = one.get("published")
    return Item(guid=guid, link=link, title=one.get("title", ""),
                texts=tuple(t for t in (summary, next((v for v, _ in contents if v), None)) if t),
                authors=tuple(authors), categories=tuple(categories),
                date=from_struct(_date(published)) or from_struct(_date(one.get("updated")))
                or parse_rfc822(published),
                thumbnails=tuple(thumbnails),
                pdf=next((href for kind, href in typed_links if kind == "application/pdf"), None))


# feedparser's reading of an e-mail address in an RSS author ("ada@e.org (Ada Example)")
_EMAIL = re.compile(r"(([a-zA-Z0-9_\-.+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"
                    r"([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?")


def _rss_author(text: str) -> str:
    """An RSS author or Dublin Core creator as feedparser names it: the text without the e-mail
    address it holds and the brackets around either, else that address."""
    found = _EMAIL.search(text)
    if found is None:
        return text
    name = text.replace(found.group(0), "").replace("()", "").replace("<>", "")
    name = name.replace("&lt;&gt;", "").strip()
    name = name.removeprefix("(").removesuffix(")").strip()
    return name or found.group(0)


def _media_thumbnails(element: Any) -> list[str]:
    """The thumbnails inside ``media:content`` or ``media:group``; declined if it holds anything
    else (feedparser reads a media title or description into the entry's own)."""
    found: list[str] = []
    for child in element:
        if child.tag == _MEDIA + "thumbnail":
            found.append(child.get("url") if child.get("url") is not None else _text(child))
        elif child.tag == _MEDIA + "content":
            found += _media_thumbnails(child)
        else:
            raise _Decline
    return found

