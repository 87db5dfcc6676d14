"""What a run did, for the summary the CLI prints: plain values, filled in by ``feedsmith.crawl``
(sources, entries) and ``feedsmith.publish`` (feeds, files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .render.site import WriteReport


@dataclass
class SourceResult:
    """How one source went: entries read, new ones, skipped items, or the error that stopped it."""

    name: str
    kind: str
    entries: int = 0
    new: int = 0
    changed: int = 0
    skipped: int = 0
    error: str | None = None
    not_modified: bool = False
    requests: int = 0
    dropped: int = 0
    warning: str | None = None
    elapsed: float = 0.0
    """Seconds from the start of this source's fetch (waiting for its host's turn included) to the
    end of its parse: what the report prints, and what its deadline bounds."""


@dataclass
class BuildReport:
    """What one run did."""

    sources: list[SourceResult] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    reclassified: bool = False
    topic_counts: dict[str, int] = field(default_factory=dict)
    write: WriteReport | None = None
    output: Path | None = None
    seeded: int | None = None
    digests: int = 0
    """Digests made by this build (of periods with papers)."""
    notes: list[str] = field(default_factory=list)
    """What else the run has to say: a refitted similarity vocabulary, example papers of ``like``
    rules that could not be read."""

    @property
    def failed(self) -> list[SourceResult]:
        """The sources that failed."""
        return [s for s in self.sources if s.error is not None]
