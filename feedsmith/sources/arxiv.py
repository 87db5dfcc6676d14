"""arXiv: the Atom of ``export.arxiv.org/api/query`` and the RSS of ``rss.arxiv.org`` in, entries out.

API (current format since Nov 2025, and the legacy one): entry ``<id>`` is
``http://arxiv.org/abs/<id>vN``; titles and summaries may be hard-wrapped; ``arxiv:primary_category``
plus ``<category term>``; a PDF link with ``title="pdf"``/``type="application/pdf"``, or (Nov 2025)
without rel/title/type but with ``/pdf/`` in its href. Legacy responses pad missing ids with EMPTY
entries (skipped and counted); an API error is HTTP 200 with one entry titled "Error" (SourceError).

RSS: ``<guid>oai:arXiv.org:<id>vN``, ``<arxiv:announce_type>`` (new, cross, replace,
replace-cross), one comma-joined ``<dc:creator>``, ``<description>`` ``arXiv:<id>vN Announce Type:
new \\nAbstract: ...``. An empty feed (weekends, holidays) is zero entries, not an error.
Every entry is keyed by the versionless id; the version goes in ``Entry.version``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from datetime import date
from typing import Any

from ..dates import from_struct
from ..errors import ConfigError, SourceError
from ..ids import ArxivId, arxiv_key, extract_arxiv_id
from ..model import Entry, Links
from ..settings import ARXIV_API
from ..text import clean_text, html_to_text, safe_url
from . import (
    Option,
    Parsed,
    SourceConfig,
    SourceKind,
    Step,
    categories_option,
    collect,
    count_option,
    flag_option,
    text_option,
    with_params,
)
from .feed import dedup_by_key, feed_warning, parse_xml_feed, unique_texts
from .xmlsafe import defuse

_RSS_PREAMBLE = re.compile(
    r"^\s*arXiv:\S+\s+Announce\s+Type:\s*[\w-]+\s*(?:Abstract:\s*)?", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*,\s*|\s+and\s+")
# Titles in the RSS format before 2024 ended in "(arXiv:2401.00001v1 [cs.LG])".
_OLD_RSS_TITLE_SUFFIX = re.compile(r"\s*\(arXiv:\S+\s+\[[^\]]*\](?:\s+UPDATED)?\)\s*$")


def _text(item: Any, name: str) -> str:
    """Field ``name`` of a feedparser item as plain text: markup removed only if it is HTML."""
    detail = item.get(f"{name}_detail")
    kind = detail.get("type", "") if isinstance(detail, dict) else ""
    value = item.get(name)
    return html_to_text(value) if "html" in kind else clean_text(value)


def _is_pdf_link(link: dict[str, Any]) -> bool:
    href = link.get("href") or ""
    return (link.get("title") == "pdf" or link.get("type") == "application/pdf"
            or "/pdf/" in href)


def pdf_link(item: Any, arxiv: ArxivId) -> str | None:
    """The entry's PDF link (by title/type, else ``/pdf/`` in the href): versionless if it is this
    paper's own PDF on arxiv.org, else as given; None without one."""
    for link in item.get("links") or []:
        if not isinstance(link, dict) or not _is_pdf_link(link):
            continue
        href = safe_url(link.get("href"))
        if href is None:
            continue
        named = extract_arxiv_id(href)
        return arxiv.pdf_url if named is not None and named.id == arxiv.id else href
    return None


def _categories(item: Any) -> tuple[str, ...]:
    primary = item.get("arxiv_primary_category")
    terms: list[object] = [primary.get("term")] if isinstance(primary, dict) else []
    terms += [t.get("term") for t in item.get("tags") or [] if isinstance(t, dict)]
    return unique_texts(terms)


def _authors(item: Any) -> tuple[str, ...]:
    return unique_texts(a.get("name") for a in item.get("authors") or [] if isinstance(a, dict))


def _api_error(parsed: Any) -> str | None:
    """The error text if the response is the API's one-entry "Error" answer, else None."""
    if len(parsed.entries) != 1:
        return None
    item = parsed.entries[0]
    if clean_text(item.get("title")) != "Error" or extract_arxiv_id(item.get("id")) is not None:
        return None
    return clean_text(item.get("summary")) or "unknown error"


def parse_api(data: bytes, *, source: str) -> Parsed:
    """Entries of an arXiv API Atom response (current or legacy format), in response order."""
    parsed = parse_xml_feed(data)
    error = _api_error(parsed)
    if error is not None:
        raise SourceError(f"arXiv API error: {error}")
    entries, skipped = collect(parsed.entries, lambda item: _api_entry(item, source=source))
    return Parsed(dedup_by_key(entries), skipped, feed_warning(parsed))


def _api_entry(item: Any, *, source: str) -> Entry | None:
    arxiv = extract_arxiv_id(item.get("id"))
    title = _text(item, "title")
    if arxiv is None or not title:
        return None
    return Entry(
        key=arxiv_key(arxiv),
        guid=arxiv.abs_url,
        title=title,
        summary=_text(item, "summary"),
        authors=_authors(item),
        links=Links(url=arxiv.abs_url, pdf=pdf_link(item, arxiv)),
        arxiv_id=arxiv.id,
        version=arxiv.version,
        sources=(source,),
        paper_date=from_struct(item.get("published_parsed")),
        categories=_categories(item),
    )


def rss_abstract(description: str) -> str:
    """The abstract of an arXiv RSS description, without its ``arXiv:... Announce Type: ...``
    preamble."""
    return _RSS_PREAMBLE.sub("", description, count=1)


def split_creators(values: list[object]) -> tuple[str, ...]:
    """The authors in comma-joined ``dc:creator`` values (``A, B, C and D``)."""
    names: list[str] = []
    for value in values:
        names += _AUTHOR_SPLIT.split(html_to_text(value))
    return unique_texts(names)


def raw_descriptions(data: bytes) -> dict[str, str]:
    """Each item's ``<description>`` text by ``<guid>``, exactly as the XML holds it; empty when
    the XML is not well-formed.

    arXiv abstracts are plain text (``$n<k$ and $k>m$``) but RSS descriptions are HTML to
    feedparser, which would eat ``<k$ and $k>`` as a tag; so the text is read from the XML itself.
    """
    try:
        root = ElementTree.fromstring(defuse(data)[0])
    except (ElementTree.ParseError, SourceError):
        return {}
    descriptions = {}
    for item in root.iter("item"):
        guid, description = item.findtext("guid"), item.findtext("description")
        if guid and description is not None:
            descriptions[guid.strip()] = description
    return descriptions


def parse_rss(data: bytes, *, source: str) -> Parsed:
    """Entries of an rss.arxiv.org feed with their announce type, in feed order."""
    parsed = parse_xml_feed(data)
    raw = raw_descriptions(data)
    entries, skipped = collect(parsed.entries, lambda item: _rss_entry(item, raw, source=source))
    return Parsed(dedup_by_key(entries), skipped, feed_warning(parsed))


def _rss_entry(item: Any, raw: dict[str, str], *, source: str) -> Entry | None:
    arxiv = extract_arxiv_id(item.get("id")) or extract_arxiv_id(item.get("link"))
    title = _OLD_RSS_TITLE_SUFFIX.sub("", _text(item, "title"))
    if arxiv is None or not title:
        return None
    creators = [a.get("name") for a in item.get("authors") or [] if isinstance(a, dict)]
    announce = clean_text(item.get("arxiv_announce_type")).lower() or None
    guid = item.get("id") if isinstance(item.get("id"), str) else ""
    if guid.strip() in raw:
        summary = clean_text(rss_abstract(raw[guid.strip()]))
    else:
        summary = html_to_text(rss_abstract(item.get("summary") or ""))
    return Entry(
        key=arxiv_key(arxiv),
        guid=arxiv.abs_url,
        title=title,
        summary=summary,
        authors=split_creators(creators or [item.get("author")]),
        links=Links(url=arxiv.abs_url, pdf=arxiv.pdf_url),
        arxiv_id=arxiv.id,
        version=arxiv.version,
        sources=(source,),
        # The pubDate is the announcement day: the paper's date only for a new paper.
        paper_date=from_struct(item.get("published_parsed")) if announce == "new" else None,
        categories=unique_texts(t.get("term") for t in item.get("tags") or []
                                if isinstance(t, dict)),
        announce_type=announce,
    )


# fetch plans ------------------------------------------------------------------------------------
ARXIV_RSS = "https://rss.arxiv.org/rss/"
REPLACE_TYPES = frozenset({"replace", "replace-cross"})


def api_plan(source: SourceConfig, today: date) -> tuple[Step, ...]:
    """``export.arxiv.org/api/query`` for ``query`` or ``categories``, newest first,
    ``max_results`` at most."""
    base = source.url or ARXIV_API
    query, categories = source.option("query"), source.option("categories")
    if query is None and not categories:
        return (Step(base),)
    query = query or " OR ".join(f"cat:{c}" for c in categories)
    return (Step(with_params(base, search_query=query, sortBy="submittedDate",
                             sortOrder="descending", start=0,
                             max_results=source.option("max_results"))),)


def check_api(source: SourceConfig) -> None:
    """A query or categories (not both), unless a URL says it all."""
    if source.option("query") is not None and source.option("categories"):
        raise ConfigError("give 'query' or 'categories', not both")
    if not source.url and source.option("query") is None and not source.option("categories"):
        raise ConfigError(f"kind {source.kind!r} needs a 'query' or 'categories'")


def rss_plan(source: SourceConfig, today: date) -> tuple[Step, ...]:
    """``rss.arxiv.org/rss/<cat+cat>``."""
    categories = source.option("categories")
    if not categories:
        return (Step(source.url),)
    base = source.url or ARXIV_RSS
    return (Step(base.rstrip("/") + "/" + "+".join(categories)),)


def check_rss(source: SourceConfig) -> None:
    """Categories, unless a URL says it all."""
    if not source.url and not source.option("categories"):
        raise ConfigError(f"kind {source.kind!r} needs 'categories' (or a 'url')")


def only_known_papers(entries: list[Entry], source: SourceConfig,
                      stored: Callable[[str], bool]) -> tuple[list[Entry], int]:
    """With ``creates = false`` an arXiv source only enriches papers already stored (brought by
    Hugging Face, say: categories, versions, dates, PDF links) and creates none."""
    if source.option("creates"):
        return entries, 0
    kept = [entry for entry in entries if stored(entry.key)]
    return kept, len(entries) - len(kept)


def admit_rss(entries: list[Entry], source: SourceConfig,
              stored: Callable[[str], bool]) -> tuple[list[Entry], int]:
    """``only_known_papers``; then a ``replace``/``replace-cross`` announcement only updates a
    paper already stored (or announced as new earlier in the same batch), unless the source sets
    ``replace_creates``."""
    entries, unknown = only_known_papers(entries, source, stored)
    if source.option("replace_creates"):
        return entries, unknown
    kept: list[Entry] = []
    keys: set[str] = set()
    for entry in entries:
        if entry.announce_type in REPLACE_TYPES and entry.key not in keys and not stored(entry.key):
            continue
        keys.add(entry.key)
        kept.append(entry)
    return kept, unknown + len(entries) - len(kept)


_CATEGORIES = Option(categories_option, ())
_CREATES = Option(flag_option, True)

API = SourceKind(
    name="arxiv-api", parse=parse_api, plan=api_plan, family="arxiv",
    options={"query": Option(text_option), "categories": _CATEGORIES,
             "max_results": Option(count_option(1), 100), "creates": _CREATES},
    validate=check_api, admit=only_known_papers)
RSS = SourceKind(
    name="arxiv-rss", parse=parse_rss, plan=rss_plan, family="arxiv",
    options={"categories": _CATEGORIES, "replace_creates": Option(flag_option, False),
             "creates": _CREATES},
    validate=check_rss, admit=admit_rss)
