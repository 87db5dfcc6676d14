"""Dates from sources: strings or struct_time in, timezone-aware UTC datetimes (or None) out.

A date that cannot be read, has no timezone we can trust, or is absurd (before arXiv existed or in
the future) is unknown: None, never "now", so reruns stay deterministic.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

EARLIEST = datetime(1991, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)


def reasonable(value: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """``value`` in UTC if it lies between 1991 and ``now`` (plus two days of slack), else None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    return value if EARLIEST <= value <= latest else None


def parse_iso(value: object, *, now: datetime | None = None) -> datetime | None:
    """An ISO 8601 string (``Z`` or offset; a bare date or naive time is read as UTC) as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return reasonable(parsed, now=now)


def from_struct(value: time.struct_time | None, *, now: datetime | None = None) -> datetime | None:
    """A feedparser ``*_parsed`` value (UTC struct_time) as a UTC datetime."""
    if value is None:
        return None
    try:
        return reasonable(datetime.fromtimestamp(calendar.timegm(value), UTC), now=now)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def parse_rfc822(value: object, *, now: datetime | None = None) -> datetime | None:
    """An RFC 822 date (``Thu, 02 Jan 2025 03:04:05 GMT``) as UTC; one without a timezone, which
    feedparser leaves unparsed, is read as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return reasonable(parsed, now=now)
