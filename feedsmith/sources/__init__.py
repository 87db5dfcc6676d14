"""Source kinds: each module turns the bytes a source returned into entries (pure, no I/O).

``parser_for(kind)`` gives the parse function of a kind: ``parse(data, *, source) -> Parsed``.
A parse that cannot use the input at all raises ``SourceError``; a bad item is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ConfigError
from ..model import Entry


@dataclass(frozen=True)
class Parsed:
    """What one response held: the entries in source order, how many items were skipped, and
    what had to be repaired to read it (one line, or None)."""

    entries: tuple[Entry, ...]
    skipped: int = 0
    warning: str | None = None


Parser = Callable[..., Parsed]


def parser_for(kind: str) -> Parser:
    """The parse function of source ``kind``; ConfigError for an unknown kind."""
    from . import arxiv, feed, hf

    parsers: dict[str, Parser] = {
        "hf-daily": hf.parse_daily_papers,
        "hf-trending": hf.parse_trending,
        "arxiv-api": arxiv.parse_api,
        "arxiv-rss": arxiv.parse_rss,
        "feed": feed.parse,
    }
    try:
        return parsers[kind]
    except KeyError:
        raise ConfigError(
            f"unknown source kind {kind!r} (known: {', '.join(sorted(parsers))})"
        ) from None


KINDS = ("hf-daily", "hf-trending", "arxiv-api", "arxiv-rss", "feed")
