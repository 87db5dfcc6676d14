"""The main job: configured sources -> entries -> store (merge, classify) -> feeds -> site folder.

``build(config)`` runs it all and returns a ``BuildReport`` for the CLI to print;
``crawl_sources(config)`` only crawls into the store. Sources are fetched concurrently
(``feedsmith.http``, ``feedsmith.plans``) and parsed and ingested in configuration order. Data flows one
way; rendering reads only the store, so every entry ever stored stays publishable when a source
fails or its window moves on.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from .config import Config, SourceConfig
from .crawl_cache import CRAWL_CACHE_DIR, CrawlCache
from .errors import SourceError
from .http import Fetcher, Sleep
from .ingest import RunClock, ingest
from .model import Entry, Seed, evolve
from .plans import MAX_PAGES, page_has_items, page_url, plan_for
from .render import FeedView, SiteView, site_files
from .render.site import WriteReport, write_site
from .seed import read_seeds
from .sources import Parsed, parser_for
from .store import Store, open_store
from .topics import ALL, CompiledTopic, Topic, TopicMatcher, compile_topic
from .topics import rules_fingerprint as topics_fingerprint

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
    not_modified: bool = False
    requests: int = 0
    dropped: int = 0
    warning: str | None = None
    elapsed: float = 0.0
    """Seconds from the start of this source's fetch (waiting for its host's turn included) to the
    end of its parse: what the report prints, and what its deadline bounds."""


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
    return topics_fingerprint(c.topic for c in compiled)


def classifier(compiled: tuple[CompiledTopic, ...]) -> Callable[[Entry], Entry]:
    """A function giving an entry its topics under the ``compiled`` rules."""
    matcher = TopicMatcher(compiled)

    def apply(entry: Entry) -> Entry:
        topics = matcher.classify(entry)
        return entry if topics == entry.topics else evolve(entry, topics=topics)
    return apply


def reclassify_if_rules_changed(store: Store, compiled: tuple[CompiledTopic, ...]) -> bool:
    """Re-classify every stored entry if the rules changed since the last run; whether it did."""
    fingerprint = rules_fingerprint(compiled)
    if store.meta("rules") == fingerprint:
        return False
    if store.count() == 0:  # a new store: nothing to re-classify
        store.set_meta("rules", fingerprint)
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


REPLACE_TYPES = frozenset({"replace", "replace-cross"})
Progress = Callable[[SourceResult], None]


@dataclass
class SourceFetch:
    """What fetching one source gave: the bodies to parse in order (none when nothing changed),
    the validators to save once they are stored, or the error that stopped it."""

    bodies: list[bytes] = field(default_factory=list)
    validators: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: int = 0
    error: str | None = None
    elapsed: float = 0.0


def is_remote(source: SourceConfig) -> bool:
    """Whether ``source`` is fetched over HTTP (else it is a local file)."""
    return source.url.startswith(("http://", "https://")) or not source.url


async def _get(fetcher: Fetcher, cache: CrawlCache, url: str, out: SourceFetch) -> bytes | None:
    fetched = await fetcher.get(url, stored=cache.validators(url))
    out.requests += fetched.attempts
    out.validators.append((url, fetched.validators))
    if fetched.body is not None:
        out.bodies.append(fetched.body)
    return fetched.body


def read_local_if_changed(cache: CrawlCache, source: SourceConfig, out: SourceFetch) -> None:
    """A local file's bytes into ``out`` unless they are the ones stored last time (by SHA-256):
    the local counterpart of a 304, so an unchanged snapshot is neither parsed nor re-ingested."""
    body = fetch(source)
    digest = {"sha256": hashlib.sha256(body).hexdigest()}
    name = "file:" + source.url
    out.validators.append((name, digest))
    if cache.validators(name) != digest:
        out.bodies.append(body)


async def fetch_source(fetcher: Fetcher, cache: CrawlCache, source: SourceConfig, today: date
                       ) -> SourceFetch:
    """Fetch every URL of ``source``'s plan; a failure is recorded in the result, not raised."""
    out = SourceFetch()
    try:
        if not is_remote(source):
            return out  # read when its turn to be parsed comes (see ``crawl``): bounded memory
        for step in plan_for(source, today=today):
            if step.paged:
                for page in range(MAX_PAGES):
                    url = page_url(step, page)
                    body = await _get(fetcher, cache, url, out)
                    more = page_has_items(body) if body is not None else bool(
                        out.validators[-1][1].get("more"))
                    out.validators[-1] = (url, {**out.validators[-1][1], "more": more})
                    if not more:
                        break
                continue
            try:
                await _get(fetcher, cache, step.url, out)
            except SourceError as exc:
                if step.fallback is None:
                    raise
                try:
                    await _get(fetcher, cache, step.fallback, out)
                except SourceError as again:
                    raise SourceError(f"{exc}; fallback {again}") from None
    except SourceError as exc:
        out.error = str(exc)
    return out


async def fetch_all(config: Config, cache: CrawlCache, *, today: date, sleep: Sleep | None = None,
                    progress: Progress | None = None) -> list[SourceFetch]:
    """Fetch every configured source concurrently (politely, per host); results in config order."""
    async with Fetcher(config.crawl, contact=config.site.contact, sleep=sleep) as fetcher:
        async def one(source: SourceConfig) -> SourceFetch:
            started = time.monotonic()
            result = await fetch_source(fetcher, cache, source, today)
            result.elapsed = time.monotonic() - started
            if progress is not None:
                progress(SourceResult(source.name, source.kind, error=result.error,
                                      not_modified=result.error is None and not result.bodies,
                                      requests=result.requests))
            return result
        return list(await asyncio.gather(*(one(s) for s in config.sources)))


def drop_unknown_replacements(entries: Iterable[Entry], store: Store) -> tuple[list[Entry], int]:
    """arXiv RSS rule: a ``replace``/``replace-cross`` announcement only updates a paper already
    stored (or announced as new earlier in the same batch); it never creates an entry."""
    kept: list[Entry] = []
    keys: set[str] = set()
    dropped = 0
    for entry in entries:
        if entry.announce_type in REPLACE_TYPES and entry.key not in keys and not store.has(entry.key):
            dropped += 1
            continue
        keys.add(entry.key)
        kept.append(entry)
    return kept, dropped


def crawl(config: Config, store: Store, clock: RunClock, report: BuildReport, *,
          compiled: tuple[CompiledTopic, ...], sleep: Sleep | None = None,
          progress: Progress | None = None) -> None:
    """Fetch every configured source concurrently, then parse and merge them into ``store`` in
    configuration order (so first-seen stamps are deterministic), classified by ``compiled``.
    A failed source is reported and changes nothing; one that did not change since the last run
    is not parsed."""
    apply = classifier(compiled)
    with CrawlCache(store.directory / CRAWL_CACHE_DIR, store_id=store.store_id,
                    generation=store.generation) as cache:
        fetched = asyncio.run(fetch_all(config, cache, today=clock.start.astimezone(UTC).date(),
                                        sleep=sleep, progress=progress))
        for source, got in zip(config.sources, fetched, strict=True):
            result = SourceResult(source.name, source.kind, requests=got.requests,
                                  elapsed=got.elapsed)
            report.sources.append(result)
            ingest_source(source, got, store, cache, clock, report, result, apply)


def ingest_source(source: SourceConfig, got: SourceFetch, store: Store, cache: CrawlCache,
                  clock: RunClock, report: BuildReport, result: SourceResult,
                  apply: Callable[[Entry], Entry]) -> None:
    """Parse what was fetched for ``source`` and merge it into ``store`` (one transaction); then,
    and only then, save its validators in the crawl cache."""
    if got.error is None and not is_remote(source):
        try:
            read_local_if_changed(cache, source, got)
        except SourceError as exc:
            got.error = str(exc)
    if got.error is not None:
        result.error = got.error
        return
    if not got.bodies:
        result.not_modified = True
        # a 200 with the same body may bring new validators
        cache.save(got.validators, generation=store.generation)
        return
    entries: list[Entry] = []
    started = time.monotonic()
    try:
        warnings: list[str] = []
        for body in got.bodies:
            parsed = parse_guarded(source.kind, body, source=source.name)
            entries.extend(parsed.entries)
            result.skipped += parsed.skipped
            if parsed.warning and parsed.warning not in warnings:
                warnings.append(parsed.warning)
        result.warning = "; ".join(warnings) or None
    except SourceError as exc:
        result.error = str(exc)
        return
    finally:
        result.elapsed += time.monotonic() - started
        got.bodies = []  # parsed: let the bytes go before the next source
    entries = [evolve(e, origin=source.kind) for e in entries]
    result.entries = len(entries)
    if source.kind == "arxiv-rss" and not source.replace_creates:
        entries, result.dropped = drop_unknown_replacements(entries, store)
    done = ingest(store, entries, clock=clock, classify=apply)
    result.new = len(done.new)
    report.new += len(done.new)
    report.changed += len(done.changed)
    cache.save(got.validators, generation=store.generation)


def parse_guarded(kind: str, body: bytes, *, source: str) -> Parsed:
    """``body`` parsed by the parser of ``kind``; any exception a parser lets through (a library
    that raises on input it should have flagged) becomes a SourceError for this source only."""
    try:
        return parser_for(kind)(body, source=source)
    except SourceError:
        raise
    except Exception as exc:
        message = " ".join(str(exc).split())[:160]
        raise SourceError(f"cannot parse the response ({type(exc).__name__}: {message})") from None


def fetch(source: SourceConfig) -> bytes:
    """The bytes of a local ``source`` (a path or ``file://`` URL, made absolute by the config)."""
    return read_local(source.url.removeprefix("file://"))


def feed_bounds(config: Config, topic: Topic | None) -> tuple[timedelta, int, int]:
    """A feed's window, ``min_entries`` and ``max_entries``: the topic's own where it sets them,
    else the [site] ones (``topic`` None: the ``all`` feed)."""
    site = config.site
    window = topic.window if topic and topic.window is not None else site.window
    low = topic.min_entries if topic and topic.min_entries is not None else site.min_entries
    high = topic.max_entries if topic and topic.max_entries is not None else site.max_entries
    return window, low, high


def select_window(entries: list[Entry], config: Config, now: datetime, *,
                  topic: Topic | None = None) -> list[Entry]:
    """The entries a feed holds: all first seen within the window, at least ``min_entries``
    and at most ``max_entries`` of them; ``entries`` must be newest first. A ``topic``'s own
    window and bounds replace the [site] ones; its ``sort`` then orders the chosen entries
    (it never changes which entries are chosen)."""
    window, low, high = feed_bounds(config, topic)
    cutoff = now - window
    inside = sum(1 for e in entries if e.first_seen and e.first_seen >= cutoff)
    count = min(max(inside, low), high)
    return sort_entries(entries[:count], topic.sort if topic else "first-seen")


def sort_entries(entries: list[Entry], order: str) -> list[Entry]:
    """``entries`` (newest first) in a topic's ``sort`` order: ``first-seen`` keeps them newest
    first; ``upvotes`` puts the most upvoted first; ``trending`` the best trending rank first.
    Entries without the number go last; ties stay newest first."""
    if order == "upvotes":
        return sorted(entries, key=lambda e: (e.upvotes is None, -(e.upvotes or 0)))
    if order == "trending":
        return sorted(entries, key=lambda e: (e.rank is None, e.rank or 0))
    return entries


def site_view(config: Config, store: Store, now: datetime) -> SiteView:
    """The feeds to publish, read from the store: only the entries a feed can hold are decoded."""
    site = config.site
    base = site.base_url if site.base_url.endswith("/") else site.base_url + "/"
    feeds: list[tuple[str, str, str, Topic | None]] = [
        (ALL, f"{site.title}: all papers", site.description, None)
    ]
    feeds += [(t.slug, f"{site.title}: {t.title}", t.description, t) for t in config.topics]
    counts = store.topic_counts()
    counts[ALL] = store.count()
    newest = {slug: store.newest_keys(None if slug == ALL else slug, feed_bounds(config, rule)[2])
              for slug, _, _, rule in feeds}
    wanted = sorted({key for keys in newest.values() for key in keys})
    decoded = {entry.key: entry for entry in store.get_many(wanted)}
    views = []
    for slug, title, description, rule in feeds:
        members = [decoded[key] for key in newest[slug] if key in decoded]
        chosen = select_window(members, config, now, topic=rule)
        updated = max((e.updated for e in chosen if e.updated), default=store.created)
        views.append(FeedView(slug, title, description, base, tuple(chosen), updated,
                              counts.get(slug, 0)))
    return SiteView(site.title, site.description, site.author, base, tuple(views))


def update_store(config: Config, store: Store, now: datetime, report: BuildReport, *,
                 sleep: Sleep | None = None, progress: Progress | None = None) -> None:
    """The store part of a run: re-classify if the rules changed, then crawl every source."""
    compiled = tuple(compile_topic(t) for t in config.topics)
    report.reclassified = reclassify_if_rules_changed(store, compiled)
    crawl(config, store, RunClock(now), report, compiled=compiled, sleep=sleep, progress=progress)


def crawl_sources(config: Config, *, now: datetime | None = None, lock_timeout: float = 60.0,
                  sleep: Sleep | None = None, progress: Progress | None = None) -> BuildReport:
    """Crawl every source into the store without rendering anything."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    report = BuildReport()
    with open_store(config.site.cache, lock_timeout=lock_timeout, now=now) as store:
        update_store(config, store, now, report, sleep=sleep, progress=progress)
    return report


def build(config: Config, *, now: datetime | None = None, lock_timeout: float = 60.0,
          sleep: Sleep | None = None, progress: Progress | None = None,
          seed_from: str | None = None) -> BuildReport:
    """Crawl every source into the store, then render and write the site; ``seed_from`` (the
    folder or URL of a previously published site) restores ids and dates a lost cache forgot."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    report = BuildReport(output=config.site.output)
    seeds = asyncio.run(_read_seeds(config, seed_from, sleep)) if seed_from else None
    with open_store(config.site.cache, lock_timeout=lock_timeout, now=now) as store:
        if seeds is not None:
            report.seeded = store.add_seeds(seeds)
        update_store(config, store, now, report, sleep=sleep, progress=progress)
        if not site_is_current(config, store, now, report):
            view = site_view(config, store, now)
            report.topic_counts = {v.slug: len(v.entries) for v in view.feeds}
            files = site_files(view)
            report.write = write_site(config.site.output, files)
            remember_build(config, store, view, files)
    return report


async def _read_seeds(config: Config, location: str, sleep: Sleep | None) -> list[tuple[str, Seed]]:
    async with Fetcher(config.crawl, contact=config.site.contact, sleep=sleep) as fetcher:
        return await read_seeds(location, fetcher=fetcher)


# Skipping a build that cannot change anything --------------------------------------------------
# A build's output depends only on the configuration (site settings, topics), the code version, the
# stored entries (``Store.generation``) and the clock, through the windows. The windows only change
# when an entry ages out of one, at ``valid_until``. When none of these moved and every file is still
# on disk, rendering would rewrite nothing: skip it instead of decoding the whole store.
_BUILD_META = "last-build"


@cache
def code_fingerprint() -> str:
    """This feedsmith's code and templates (names, sizes, mtimes): an edited template or module
    makes the next build render again even without a version bump."""
    from . import __version__
    root = Path(__file__).resolve().parent
    parts = [__version__]
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".css") and path.is_file():
            stat = path.stat()
            parts.append(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def build_fingerprint(config: Config, store: Store) -> str:
    """What the site was built from: configuration, code and store generation."""
    what = repr((config.site, config.topics, code_fingerprint(), store.generation))
    return hashlib.sha256(what.encode()).hexdigest()


def _valid_until(view: SiteView, config: Config) -> datetime | None:
    """When the first entry that holds a window open leaves it (None: no window can shrink)."""
    topics = {t.slug: t for t in config.topics}
    ends = []
    for feed in view.feeds:
        window, low, _ = feed_bounds(config, topics.get(feed.slug))
        seen = [e.first_seen for e in feed.entries if e.first_seen is not None]
        if len(feed.entries) > low and seen:
            ends.append(min(seen) + window)
    return min(ends, default=None)


def remember_build(config: Config, store: Store, view: SiteView, files: dict[str, bytes]) -> None:
    """Record what this build was made from, for ``site_is_current``."""
    until = _valid_until(view, config)
    store.set_meta(_BUILD_META, {
        "fingerprint": build_fingerprint(config, store),
        "valid_until": until.isoformat() if until else None,
        "files": sorted(files),
        "counts": {v.slug: len(v.entries) for v in view.feeds},
    })


def site_is_current(config: Config, store: Store, now: datetime, report: BuildReport) -> bool:
    """Whether the site on disk is exactly what a build now would write; if so, fill ``report``."""
    last = store.meta(_BUILD_META)
    if not isinstance(last, dict) or last.get("fingerprint") != build_fingerprint(config, store):
        return False
    until = last.get("valid_until")
    if until is not None and now >= datetime.fromisoformat(until):
        return False
    out = config.site.output
    if not all((out / name).is_file() for name in last["files"]):
        return False
    report.topic_counts = dict(last["counts"])
    report.write = WriteReport(unchanged=list(last["files"]))
    return True
