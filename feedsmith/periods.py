"""Digest periods: a cadence (``daily``, ``weekly``) and a time in, the UTC period around it out.

A daily period is one UTC day, ``2026-03-12``; a weekly period is one ISO week, Monday 00:00 UTC
to the next Monday, ``2026-W11``. A period is closed once its end has passed. Pure date
arithmetic, no I/O: the digests (``feedsmith.digest``), the skip-render check
(``feedsmith.publish``) and the mail (``feedsmith.mail``) share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

DAILY = "daily"
WEEKLY = "weekly"
CADENCES = (DAILY, WEEKLY)
_LENGTH = {DAILY: timedelta(days=1), WEEKLY: timedelta(weeks=1)}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Period:
    """One day or ISO week: its cadence, its name (``2026-03-12``, ``2026-W11``), start and end."""

    cadence: str
    name: str
    start: datetime
    end: datetime

    def label(self) -> str:
        """How a reader sees the period (in English whatever the locale): ``Thu 12 Mar 2026``,
        ``week 11 of 2026, 9–15 Mar``, ``week 14 of 2026, 30 Mar–5 Apr``."""
        first = self.start
        if self.cadence == DAILY:
            return f"{_DAYS[first.weekday()]} {first.day} {_MONTHS[first.month - 1]} {first.year}"
        last = self.end - timedelta(days=1)
        year, week, _ = first.isocalendar()
        start = str(first.day) if first.month == last.month else f"{first.day} {_MONTHS[first.month - 1]}"
        return f"week {week} of {year}, {start}–{last.day} {_MONTHS[last.month - 1]}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def period_of(cadence: str, moment: datetime) -> Period:
    """The period of ``cadence`` that holds ``moment``."""
    day = moment.astimezone(UTC).date()
    if cadence == DAILY:
        return Period(DAILY, day.isoformat(), _midnight(day), _midnight(day + timedelta(days=1)))
    if cadence != WEEKLY:
        raise ValueError(f"unknown cadence {cadence!r}")
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return Period(WEEKLY, f"{year}-W{week:02d}", _midnight(monday), _midnight(monday + timedelta(weeks=1)))


def closed_periods(cadence: str, *, after: datetime, now: datetime) -> list[Period]:
    """The periods of ``cadence`` that ended after ``after`` and by ``now``, oldest first."""
    found: list[Period] = []
    period = period_of(cadence, after)
    while period.end <= now:
        if period.end > after:
            found.append(period)
        period = period_of(cadence, period.end)
    return found


def period_length(cadence: str) -> timedelta:
    """How long one period of ``cadence`` lasts."""
    return _LENGTH[cadence]


def next_boundary(cadences: Iterable[str], now: datetime) -> datetime | None:
    """When the next period of any of ``cadences`` closes after ``now`` (None: no cadence)."""
    return min((period_of(cadence, now).end for cadence in cadences), default=None)
