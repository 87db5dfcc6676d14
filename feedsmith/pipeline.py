"""The main job: configured sources -> entries -> store (merge, classify) -> feeds -> site folder.

``build(config)`` runs it all and returns a ``BuildReport`` for the CLI to print. Data flows one
way; rendering reads only the store, so every entry ever stored stays publishable when a source
fails or its window moves on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from .config import Config, SourceConfig
from .errors import SourceError
from .model import Entry
from .render import FeedView, SiteView, site_files
from .render.site import WriteReport, write_site
from .seed import read_seeds
from .sources import parser_for
from .store import RunClock, Store, open_store
from .topics import ALL, CompiledTopic, classify, compile_topic

MAX_LOCAL_BYTES = 50 * 1024 * 1024


@dataclass
class SourceResult:
    """How one source went: entries read, new ones, skipped items, or the error that stopped it."""

    name: str
    kind: str
    entries: int = 0
    new: int = 0
    skipped: int = 0
    error: str | None = None


@dataclass
class BuildReport:
    """What one run did, for the summary the CLI prints."""

    sources: list[SourceResult] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    reclassified: bool = False
    topic_counts: dict[str, int] = field(default_factory=dict)
    write: WriteReport | None = None
    output: Path | None = None
    seeded: int | None = None

    @property
    def failed(self) -> list[SourceResult]:
        """The sources that failed."""
        return [s for s in self.sources if s.error is not None]


def read_local(location: str) -> bytes:
    """The bytes of a local file source; SourceError if it cannot be read."""
    path = Path(location)
    try:
        if path.stat().st_size > MAX_LOCAL_BYTES:
            raise SourceError(f"{path}: larger than {MAX_LOCAL_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror}") from None


def rules_fingerprint(compiled: tuple[CompiledTopic, ...]) -> str:
    """A fingerprint of the topic rules: a change means the store must be re-classified."""
    return hashlib.sha256(repr([c.topic for c in compiled]).encode()).hexdigest()


def classifier(compiled: tuple[CompiledTopic, ...]) -> Callable[[Entry], Entry]:
    """A function giving an entry its topics under the ``compiled`` rules."""
    def apply(entry: Entry) -> Entry:
        topics = classify(entry, compiled)
        return entry if topics == entry.topics else replace(entry, topics=topics)
    return apply


def reclassify_if_rules_changed(store: Store, compiled: tuple[CompiledTopic, ...]) -> bool:
    """Re-classify every stored entry if the rules changed since the last run; whether it did."""
    fingerprint = rules_fingerprint(compiled)
    if store.meta("rules") == fingerprint:
        return False
    apply = classifier(compiled)
    changed = []
    for entry in store.entries():
        classified = apply(entry)
        if classified is not entry:
            changed.append(classified)
    store.put_many(changed)
    store.set_meta("rules", fingerprint)
    return True


def crawl(config: Config, store: Store, clock: RunClock, report: BuildReport) -> None:
    """Read every configured source and merge its entries into ``store``."""
    apply = classifier(tuple(compile_topic(t) for t in config.topics))
    for source in config.sources:
        result = SourceResult(source.name, source.kind)
        report.sources.append(result)
        try:
            parsed = parser_for(source.kind)(fetch(source), source=source.name)
        except SourceError as exc:
            result.error = str(exc)
            continue
        parsed = replace(parsed, entries=tuple(replace(e, origin=source.kind) for e in parsed.entries))
        ingest = store.ingest(parsed.entries, clock=clock, classify=apply)
        result.entries = len(parsed.entries)
        result.skipped = parsed.skipped
        result.new = len(ingest.new)
        report.new += len(ingest.new)
        report.changed += len(ingest.changed)


def fetch(source: SourceConfig) -> bytes:
    """The bytes of ``source``: a local path here; remote URLs come with the crawler."""
    if source.url.startswith(("http://", "https://")):
        raise SourceError(f"{source.url}: remote sources are not supported yet")
    return read_local(source.url)


def _newest_first(entries: list[Entry]) -> list[Entry]:
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(entries, key=lambda e: (-(e.first_seen or epoch).timestamp(), e.key))


def select_window(entries: list[Entry], config: Config, now: datetime) -> list[Entry]:
    """The entries a feed holds: all first seen within the window, at least ``min_entries``
    and at most ``max_entries`` of them; ``entries`` must be newest first."""
    site = config.site
    cutoff = now - site.window
    inside = sum(1 for e in entries if e.first_seen and e.first_seen >= cutoff)
    count = min(max(inside, site.min_entries), site.max_entries)
    return entries[:count]


def site_view(config: Config, store: Store, now: datetime) -> SiteView:
    """The feeds to publish, read from the store."""
    site = config.site
    base = site.base_url if site.base_url.endswith("/") else site.base_url + "/"
    everything = _newest_first(list(store.entries()))
    groups: list[tuple[str, str, str, list[Entry]]] = [
        (ALL, f"{site.title}: all papers", site.description, everything)
    ]
    for topic in config.topics:
        members = [e for e in everything if topic.slug in e.topics]
        groups.append((topic.slug, f"{site.title}: {topic.title}", topic.description, members))
    views = []
    for slug, title, description, members in groups:
        chosen = select_window(members, config, now)
        updated = max((e.updated for e in chosen if e.updated), default=store.created)
        views.append(FeedView(slug, title, description, base, tuple(chosen), updated,
                              len(members)))
    return SiteView(site.title, site.description, site.author, base, tuple(views))


def build(config: Config, *, now: datetime | None = None, lock_timeout: float = 60.0,
          seed_from: str | None = None) -> BuildReport:
    """Crawl every source into the store, then render and write the site; ``seed_from`` (the
    folder or URL of a previously published site) restores ids and dates a lost cache forgot."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    report = BuildReport(output=config.site.output)
    compiled = tuple(compile_topic(t) for t in config.topics)
    seeds = read_seeds(seed_from, contact=config.site.contact) if seed_from else None
    with open_store(config.site.cache, lock_timeout=lock_timeout, now=now) as store:
        if seeds is not None:
            report.seeded = store.add_seeds(seeds)
        report.reclassified = reclassify_if_rules_changed(store, compiled)
        crawl(config, store, RunClock(now), report)
        view = site_view(config, store, now)
        report.topic_counts = {v.slug: len(v.entries) for v in view.feeds}
        report.write = write_site(config.site.output, site_files(view))
    return report
