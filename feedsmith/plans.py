"""Fetch plans: a source's configuration and the run's date in, the URLs to GET out. Pure.

- ``hf-daily``: ``/api/daily_papers`` by ``date`` (or ``"today"``, plus ``backfill_days`` earlier
  days, newest first), ``week`` or ``month``; each paged with ``p`` from 0 and ``limit`` until a
  page is ``[]``.
- ``hf-trending``: ``/api/daily_papers?sort=trending``, falling back to the ``/papers/trending``
  page when the API fails.
- ``arxiv-api``: ``export.arxiv.org/api/query`` for ``query`` or ``categories``, newest first,
  ``max_results`` at most.
- ``arxiv-rss``: ``rss.arxiv.org/rss/<cat+cat>``.
- ``feed``: the ``url`` itself.

A source's ``url`` replaces the kind's default base URL (so a test can point a kind at 127.0.0.1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from .config import SourceConfig
from .sources.hf import HF_HOST

HF_DAILY_API = f"https://{HF_HOST}/api/daily_papers"
HF_TRENDING_PAGE = f"https://{HF_HOST}/papers/trending"
ARXIV_API = "https://export.arxiv.org/api/query"
ARXIV_RSS = "https://rss.arxiv.org/rss/"
MAX_PAGES = 20


@dataclass(frozen=True)
class Step:
    """One resource to GET: its URL, whether it is paged (hf-daily ``p``/``limit``), and the URL
    to try instead when it fails."""

    url: str
    paged: bool = False
    limit: int = 100
    fallback: str | None = None


def with_params(url: str, **params: str | int) -> str:
    """``url`` with ``params`` added to (or replacing those in) its query string."""
    return str(httpx.URL(url).copy_merge_params({k: str(v) for k, v in params.items()}))


def page_url(step: Step, page: int) -> str:
    """The URL of page ``page`` (0-based) of a paged step."""
    return with_params(step.url, p=page, limit=step.limit)


def hf_days(source: SourceConfig, today: date) -> list[str]:
    """The ``date`` values an hf-daily source asks for, newest first."""
    if source.date is None:
        return []
    first = today if source.date == "today" else date.fromisoformat(source.date)
    return [(first - timedelta(days=n)).isoformat() for n in range(source.backfill_days + 1)]


def plan_for(source: SourceConfig, *, today: date) -> tuple[Step, ...]:
    """The requests that fetch ``source`` on ``today`` (UTC), in the order to ingest them."""
    kind = source.kind
    if kind == "hf-daily":
        base = source.url or HF_DAILY_API
        if source.date is not None:
            urls = [with_params(base, date=day) for day in hf_days(source, today)]
        elif source.week is not None:
            urls = [with_params(base, week=source.week)]
        elif source.month is not None:
            urls = [with_params(base, month=source.month)]
        else:
            urls = [base]
        return tuple(Step(url, paged=True, limit=source.limit) for url in urls)
    if kind == "hf-trending":
        base = source.url or HF_DAILY_API
        fallback = source.fallback_url or (None if source.url else HF_TRENDING_PAGE)
        return (Step(with_params(base, sort="trending", limit=source.limit), fallback=fallback),)
    if kind == "arxiv-api":
        base = source.url or ARXIV_API
        if source.query is None and not source.categories:
            return (Step(base),)
        query = source.query or " OR ".join(f"cat:{c}" for c in source.categories)
        return (Step(with_params(base, search_query=query, sortBy="submittedDate",
                                 sortOrder="descending", start=0,
                                 max_results=source.max_results)),)
    if kind == "arxiv-rss":
        if not source.categories:
            return (Step(source.url),)
        base = source.url or ARXIV_RSS
        return (Step(base.rstrip("/") + "/" + "+".join(source.categories)),)
    return (Step(source.url),)


def page_has_items(body: bytes) -> bool:
    """Whether an hf-daily page holds any item (``[]`` ends the paging; so does junk, which the
    parser then reports)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    if isinstance(data, dict):
        data = data.get("dailyPapers")
    return isinstance(data, list) and len(data) > 0
