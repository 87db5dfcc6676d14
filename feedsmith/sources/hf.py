"""Hugging Face papers: the JSON of ``/api/daily_papers`` (a bare array of items), or the HTML of
the ``/papers/trending`` and ``/papers/date/...`` pages, in; entries out.

Each item is ``{paper: {id, title, summary, authors[{name}], publishedAt?, upvotes?, githubRepo?,
projectPage?, ai_keywords?, submittedOnDailyAt?}, numComments?, thumbnail?, ...}``; optional keys
are often absent. The item's position is its rank (trending order on the trending page). The pages
carry the same items, HTML-escaped, in the ``data-props`` attribute of the ``DailyPapers`` hydrater
``<div>``; ``parse_trending`` reads either form.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from ..dates import parse_iso
from ..errors import SourceError
from ..ids import arxiv_key, extract_arxiv_id
from ..model import Entry, Links
from ..text import html_to_text, safe_url
from . import Parsed

HF_HOST = "huggingface.co"
HF_PAPERS = f"https://{HF_HOST}/papers/"


def parse_daily_papers(data: bytes, *, source: str) -> Parsed:
    """Entries of a daily_papers JSON array (or a page's ``{dailyPapers: [...]}`` props)."""
    try:
        items = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"not valid JSON: {exc}") from None
    if isinstance(items, dict) and isinstance(items.get("dailyPapers"), list):
        items = items["dailyPapers"]
    if not isinstance(items, list):
        raise SourceError(f"expected a JSON array of papers, got {type(items).__name__}")
    return papers_from_items(items, source=source)


def papers_from_items(items: list[Any], *, source: str) -> Parsed:
    """Entries of daily_papers items in order; the position is the rank; bad items are counted."""
    entries: list[Entry] = []
    skipped = 0
    for rank, item in enumerate(items, start=1):
        entry = paper_entry(item, source=source, rank=rank)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    if items and not entries:  # not one paper: the response has the wrong shape, not bad items
        raise SourceError(f"none of the {len(items)} items is a paper "
                          f"(the first is a JSON {type(items[0]).__name__})")
    return Parsed(tuple(entries), skipped)


def parse_trending(data: bytes, *, source: str) -> Parsed:
    """Entries of ``daily_papers?sort=trending`` JSON or of a papers HTML page, ranked in page order."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return parse_daily_papers(data, source=source)
    props = daily_papers_props(data)
    if props is None:
        raise SourceError("no DailyPapers data in the page (neither daily_papers JSON nor a papers page)")
    try:
        payload = json.loads(props)
    except ValueError as exc:
        raise SourceError(f"DailyPapers data-props is not valid JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("dailyPapers"), list):
        raise SourceError("DailyPapers data-props has no dailyPapers list")
    return papers_from_items(payload["dailyPapers"], source=source)


class _HydraterProps(HTMLParser):
    """Finds the ``data-props`` of the first ``data-target="DailyPapers"`` element (unescaped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.props: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.props is not None:
            return
        values = dict(attrs)
        if values.get("data-target") == "DailyPapers" and values.get("data-props") is not None:
            self.props = values["data-props"]


def daily_papers_props(page: bytes) -> str | None:
    """The JSON text in the ``DailyPapers`` hydrater's ``data-props`` of an HTML page, else None."""
    parser = _HydraterProps()
    parser.feed(page.decode("utf-8", errors="replace"))
    parser.close()
    return parser.props


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(values: Any, *, key: str | None = None) -> tuple[str, ...]:
    if not isinstance(values, list):
        return ()
    out = []
    for value in values:
        if key is not None:
            value = value.get(key) if isinstance(value, dict) else None
        text = html_to_text(value)  # names and keywords are text: markup is dropped
        if text:
            out.append(text)
    return tuple(out)


def paper_entry(item: Any, *, source: str, rank: int | None) -> Entry | None:
    """One daily_papers item (or a flat ``/api/papers/{id}`` object) as an entry, else None."""
    if not isinstance(item, dict):
        return None
    paper = item.get("paper", item)
    if not isinstance(paper, dict):
        return None
    arxiv = extract_arxiv_id(paper.get("id") if isinstance(paper.get("id"), str) else None)
    title = html_to_text(paper.get("title") or item.get("title"))
    if arxiv is None or not title:
        return None
    day = parse_iso(paper.get("submittedOnDailyAt"))
    return Entry(
        key=arxiv_key(arxiv),
        guid=arxiv.abs_url,
        title=title,
        summary=html_to_text(paper.get("summary") or item.get("summary")),
        authors=_strings(paper.get("authors"), key="name"),
        links=Links(
            url=arxiv.abs_url,
            pdf=arxiv.pdf_url,
            hf=HF_PAPERS + arxiv.id,
            code=safe_url(paper.get("githubRepo")),
            project=safe_url(paper.get("projectPage")),
        ),
        arxiv_id=arxiv.id,
        version=arxiv.version,
        sources=(source,),
        rank=rank,
        paper_date=parse_iso(paper.get("publishedAt")),
        keywords=_strings(paper.get("ai_keywords")),
        thumbnail=safe_url(item.get("thumbnail")),
        upvotes=_int(paper.get("upvotes")),
        comments=_int(item.get("numComments")),
        hf_day=day.date().isoformat() if day else None,
    )
