"""Digests: a closed period's stored entries in, its digest frozen into the store out.

For ``all`` and each topic, and each cadence of ``[digest] periods``, a digest holds the top
papers (``[digest] top``) among those first seen in one closed UTC day or ISO week, ranked by
Hugging Face upvotes, then trending rank, then first seen (``top_papers``, pure). ``freeze_due``
makes the digest of every period that closed since the last one made (at most ``[digest] keep``
periods back, and none that closed before the store existed) and stores it with its counts and
its rendered HTML, once: later merges of a title or upvotes never change it, so a published
digest never moves. A period without papers is stored too (as decided) but publishes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .config import Config
from .model import Digest, DigestItem, Entry
from .periods import DAILY, Period, closed_periods, period_length
from .render.digests import digest_content
from .store import Store
from .text import first_sentence
from .topics import ALL

_LAST = datetime.max.replace(tzinfo=UTC)


def digest_id(base_url: str, slug: str, period: Period) -> str:
    """The ``tag:`` URI (RFC 4151) of a feed's digest of ``period``: the site's host, the day the
    period starts, the site's path, the feed and the period, e.g.
    ``tag:feeds.example.org,2026-03-12:/ml/vision/daily/2026-03-12``. It depends on nothing stored,
    so a store rebuilt from scratch gives a period's digest the same id."""
    parts = urlsplit(base_url)
    return (f"tag:{parts.hostname},{period.start.date().isoformat()}:"
            f"{parts.path or '/'}{slug}/{period.cadence}/{period.name}")


def ranking(entry: Entry) -> tuple[bool, int, bool, int, datetime, str]:
    """How a paper ranks in a digest: more upvotes first, then a better trending rank, then
    first seen earlier (papers without a number go after those with one)."""
    return (entry.upvotes is None, -(entry.upvotes or 0), entry.rank is None, entry.rank or 0,
            entry.first_seen or _LAST, entry.key)


def top_papers(entries: Iterable[Entry], top: int) -> list[Entry]:
    """The ``top`` best-ranked of ``entries``, best first."""
    return sorted(entries, key=ranking)[:top]


def digest_item(entry: Entry) -> DigestItem:
    """What a digest keeps of a paper: its title, Hugging Face's TL;DR (else the abstract's first
    sentence), authors, links and the counts it was ranked by."""
    text = entry.tldr or first_sentence(entry.summary)
    return DigestItem(entry.key, entry.guid, entry.title, text, bool(entry.tldr), entry.authors,
                      entry.links, entry.upvotes, entry.rank, entry.first_seen)


def summary_line(shown: int, papers: int, period: Period, topic: str | None) -> str:
    """One sentence that says what a digest holds."""
    when = f"on {period.label()}" if period.cadence == DAILY else f"in {period.label()}"
    where = f" in {topic}" if topic else ""
    if shown < papers:
        return f"The top {shown} of the {papers} papers first seen {when}{where}."
    if papers == 1:
        return f"The one paper first seen {when}{where}."
    return f"All {papers} papers first seen {when}{where}."


def make_digest(slug: str, topic: str | None, period: Period, entries: list[Entry], *, top: int,
                base_url: str, now: datetime) -> Digest:
    """The digest of ``entries`` (those first seen in ``period`` in the feed ``slug``, whose
    title is ``topic``; None for ``all``), made at ``now``."""
    items = tuple(digest_item(entry) for entry in top_papers(entries, top))
    title = f"{topic}: top papers of {period.label()}" if topic else f"Top papers of {period.label()}"
    summary = summary_line(len(items), len(entries), period, topic)
    return Digest(slug, period.cadence, period.name, period.start, period.end, now,
                  digest_id(base_url, slug, period), len(entries), title, summary,
                  digest_content(summary, items) if items else "", items)


def freeze_due(config: Config, store: Store, now: datetime) -> list[Digest]:
    """Make and store the digest of every period that closed since the last one made (per feed
    and cadence): none that closed before the store existed, at most ``[digest] keep`` periods
    back. Each period's entries are read once, for every feed. The digests made, oldest first."""
    feeds = [(ALL, None), *((t.slug, t.title) for t in config.topics)]
    made: list[Digest] = []
    ends = store.digest_ends() if config.digest.periods else {}
    for cadence in config.digest.periods:
        floor = max(store.created, now - config.digest.keep * period_length(cadence))
        due: dict[Period, list[tuple[str, str | None]]] = {}
        for slug, topic in feeds:
            after = max(floor, ends.get((slug, cadence), floor))
            for period in closed_periods(cadence, after=after, now=now):
                due.setdefault(period, []).append((slug, topic))
        for period, wanting in sorted(due.items(), key=lambda item: item[0].end):
            entries = store.first_seen_between(period.start, period.end)
            for slug, topic in wanting:
                members = entries if slug == ALL else [e for e in entries if slug in e.topics]
                made.append(make_digest(slug, topic, period, members, top=config.digest.top,
                                        base_url=config.site.base_url, now=now))
    if made:
        store.add_digests(made)
    return sorted(made, key=lambda d: (d.end, d.slug, d.cadence))
