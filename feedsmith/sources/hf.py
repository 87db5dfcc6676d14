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
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from ..dates import parse_iso
from ..errors import ConfigError, SourceError
from ..ids import arxiv_key, extract_arxiv_id
from ..model import Entry, Links, Organization
from ..text import html_to_text, safe_url
from . import (
    Option,
    Parsed,
    SourceConfig,
    SourceKind,
    Step,
    collect,
    count_option,
    text_option,
    with_params,
)

HF_HOST = "huggingface.co"
HF_PAPERS = f"https://{HF_HOST}/papers/"
HF_DAILY_API = f"https://{HF_HOST}/api/daily_papers"
HF_TRENDING_PAGE = f"https://{HF_HOST}/papers/trending"
_WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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
    entries, skipped = collect(enumerate(items, start=1),
                               lambda ranked: paper_entry(ranked[1], source=source, rank=ranked[0]))
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
        tldr=html_to_text(paper.get("ai_summary")) or None,
        organization=_organization(item.get("organization") or paper.get("organization")),
        stars=_int(paper.get("githubStars")),
    )


def _organization(value: Any) -> Organization | None:
    """The organisation of an item (``{_id, name, fullname}``), if it names one."""
    if not isinstance(value, dict):
        return None
    name = html_to_text(value.get("name") if isinstance(value.get("name"), str) else "")
    if not name:
        return None
    ident = value.get("_id") if isinstance(value.get("_id"), str) else ""
    fullname = value.get("fullname") if isinstance(value.get("fullname"), str) else ""
    return Organization(name, html_to_text(ident), html_to_text(fullname) or name)


# fetch plans ------------------------------------------------------------------------------------
def page_has_items(body: bytes) -> bool:
    """Whether a daily_papers page holds any item (``[]`` ends the paging; so does junk, which the
    parser then reports)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    if isinstance(data, dict):
        data = data.get("dailyPapers")
    return isinstance(data, list) and len(data) > 0


def hf_days(source: SourceConfig, today: date) -> list[str]:
    """The ``date`` values an hf-daily source asks for, newest first."""
    day = source.option("date")
    if day is None:
        return []
    first = today if day == "today" else date.fromisoformat(day)
    return [(first - timedelta(days=n)).isoformat() for n in range(source.option("backfill_days") + 1)]


def daily_plan(source: SourceConfig, today: date) -> tuple[Step, ...]:
    """``/api/daily_papers`` by ``date`` (or ``"today"``, plus ``backfill_days`` earlier days,
    newest first), ``week`` or ``month``; each paged with ``p`` from 0 and ``limit`` until a page
    is ``[]``."""
    base = source.url or HF_DAILY_API
    if source.option("date") is not None:
        urls = [with_params(base, date=day) for day in hf_days(source, today)]
    elif source.option("week") is not None:
        urls = [with_params(base, week=source.option("week"))]
    elif source.option("month") is not None:
        urls = [with_params(base, month=source.option("month"))]
    else:
        urls = [base]
    return tuple(Step(url, limit=source.option("limit"), has_items=page_has_items) for url in urls)


def check_daily(source: SourceConfig) -> None:
    """One of date, week, month at most, each well formed; backfill_days only with a date."""
    chosen = [k for k in ("date", "week", "month") if source.option(k) is not None]
    if len(chosen) > 1:
        raise ConfigError("give only one of 'date', 'week', 'month'")
    day = source.option("date")
    if day is not None and day != "today":
        try:
            date.fromisoformat(day)
        except ValueError:
            raise ConfigError("'date' must be YYYY-MM-DD or \"today\"") from None
    if source.option("backfill_days") and day is None:
        raise ConfigError("'backfill_days' needs a 'date'")
    if source.option("week") is not None and not _WEEK.match(source.option("week")):
        raise ConfigError("'week' must look like 2026-W11")
    if source.option("month") is not None and not _MONTH.match(source.option("month")):
        raise ConfigError("'month' must look like 2026-03")


def trending_plan(source: SourceConfig, today: date) -> tuple[Step, ...]:
    """``/api/daily_papers?sort=trending``, falling back to the ``/papers/trending`` page when the
    API fails."""
    base = source.url or HF_DAILY_API
    fallback = source.option("fallback_url") or (None if source.url else HF_TRENDING_PAGE)
    return (Step(with_params(base, sort="trending", limit=source.option("limit")), fallback=fallback),)


_CREDENTIALS = ((HF_HOST, "HF_TOKEN"),)
_LIMIT = Option(count_option(1), 100)

DAILY = SourceKind(
    name="hf-daily", parse=parse_daily_papers, plan=daily_plan, family="hf",
    options={"date": Option(text_option), "backfill_days": Option(count_option(0), 0),
             "week": Option(text_option), "month": Option(text_option), "limit": _LIMIT},
    validate=check_daily, credentials=_CREDENTIALS)
TRENDING = SourceKind(
    name="hf-trending", parse=parse_trending, plan=trending_plan, family="hf",
    options={"limit": _LIMIT, "fallback_url": Option(text_option)}, credentials=_CREDENTIALS)
