"""Crawl: configured sources in, entries merged into the store out (sources -> store).

Remote sources are fetched concurrently, politely per host (``http.Fetcher``); local files are
read by ``http.LocalFiles`` (same result shape) when their turn comes, so at most
``PARSE_AHEAD`` + 1 local bodies are in memory. Each source's bodies are parsed by its kind
``PARSE_AHEAD`` sources ahead of its ingest (in a second process once the crawl has read 1 MB:
``parsers``); then, in configuration order (so first-seen stamps are deterministic), each source
is filtered by its kind's ``admit`` rule, classified into topics and merged into the store in one
transaction (``feedsmith.ingest``); only then are its validators and paging state saved in the
crawl cache. A source that fails, in any step and for any reason, is reported in one line and
changes nothing; the others go on. A source that did not change since the last
run (304, same body, same file) is not parsed.

Topics that use ``like`` classify with a similarity scorer (``feedsmith.similar``) made before
the first source, on the stored vocabulary; when the crawl has grown the store past what the
vocabulary was fitted on, it is refitted and the store re-classified, as for a change of rules.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any

from .addresses import Addresses
from .config import Config
from .crawl_cache import CRAWL_CACHE_DIR, CrawlCache
from .errors import HTMLPageError, SourceError
from .http import Budget, Fetcher, LocalFiles, Retriever, Sleep
from .ingest import RunClock, ingest
from .model import Entry, evolve
from .parsers import ParseResult, Parsers
from .redact import redact_text
from .report import BuildReport, SourceResult
from .similar import Scorer, arxiv_fetcher, prepare, settle
from .sources import SourceConfig, Step, kind_named, registry, with_params
from .store import Store
from .topics import CompiledTopic, TopicMatcher, compile_topic, rules_fingerprint

MAX_PAGES = 20
RECLASSIFY_BATCH = 1000
PARSE_AHEAD = 2
Progress = Callable[[SourceResult], None]


@dataclass
class SourceFetch:
    """What fetching one source gave: the bodies to parse in order (none when nothing changed),
    the validators and paging state to save once they are stored, or the error that stopped it."""

    bodies: list[bytes] = field(default_factory=list)
    validators: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    pages: list[tuple[str, bool]] = field(default_factory=list)
    requests: int = 0
    error: str | None = None
    elapsed: float = 0.0


def is_remote(source: SourceConfig) -> bool:
    """Whether ``source`` is fetched over HTTP (else it is a local file)."""
    return source.url.startswith(("http://", "https://")) or not source.url


def one_line_error(exc: BaseException) -> str:
    """A failure as the one line a report shows (any URL in a foreign message redacted)."""
    if isinstance(exc, SourceError):
        return str(exc)
    message = redact_text(" ".join(str(exc).split()))[:160]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


async def _get(retriever: Retriever, cache: CrawlCache, url: str, out: SourceFetch,
               budget: Budget | None) -> bytes | None:
    fetched = await retriever.get(url, stored=cache.validators(url), budget=budget)
    out.requests += fetched.attempts
    out.validators.append((url, fetched.validators))
    if fetched.body is not None:
        out.bodies.append(fetched.body)
    return fetched.body


async def fetch_source(retriever: Retriever, cache: CrawlCache, source: SourceConfig,
                       today: date, budget: Budget | None = None) -> SourceFetch:
    """Fetch every URL of ``source``'s plan within ``budget`` (all its URLs together); any
    failure is recorded in the result, not raised."""
    out = SourceFetch()
    started = time.monotonic()
    try:
        # a local file is the whole source; a remote one is what its kind's plan asks for
        plan = kind_named(source.kind).plan(source, today) if is_remote(source) else (Step(source.url),)
        for step in plan:
            if step.has_items is not None:
                for page in range(MAX_PAGES):
                    url = with_params(step.url, p=page, limit=step.limit)
                    body = await _get(retriever, cache, url, out, budget)
                    more = step.has_items(body) if body is not None else cache.has_more(url)
                    out.pages.append((url, more))
                    if not more:
                        break
                continue
            try:
                await _get(retriever, cache, step.url, out, budget)
            except SourceError as exc:
                if step.fallback is None:
                    raise
                try:
                    await _get(retriever, cache, step.fallback, out, budget)
                except SourceError as again:
                    raise SourceError(f"{exc}; fallback {again}") from None
    except Exception as exc:  # one source's failure, whatever it is, is that source's alone
        out.error = one_line_error(exc)
        out.bodies = []
    out.elapsed = time.monotonic() - started
    return out


def ingest_source(source: SourceConfig, got: SourceFetch, parsed: Callable[[], ParseResult] | None,
                  store: Store, cache: CrawlCache, clock: RunClock,
                  classify: Callable[[Entry], Entry]) -> SourceResult:
    """Merge what ``parsed`` gives (the parse of what was fetched for ``source``; None: nothing
    to parse, it did not change) into ``store`` (one transaction); then, and only then, save
    its validators and paging state in the crawl cache."""
    result = SourceResult(source.name, source.kind, requests=got.requests, elapsed=got.elapsed,
                          error=got.error)
    if got.error is not None:
        return result
    if parsed is not None:
        started = time.monotonic()
        try:
            entries, result.skipped, result.warning = parsed()
        except HTMLPageError as exc:  # the page's own URL is known here, not to the parser
            result.error = str(exc.resolved(source.url))
            return result
        except SourceError as exc:
            result.error = str(exc)
            return result
        except Exception as exc:  # a parser that raises fails its own source only
            result.error = f"cannot parse the response ({one_line_error(exc)})"
            return result
        finally:
            result.elapsed += time.monotonic() - started
        result.entries = len(entries)
        admit = kind_named(source.kind).admit
        if admit is not None:
            entries, result.dropped = admit(entries, source, store.has)
        done = ingest(store, entries, clock=clock, classify=classify)
        result.new = len(done.new)
        result.changed = len(done.changed)
    else:
        result.not_modified = True
    cache.save(got.validators, got.pages, generation=store.generation)
    return result


def classifier(compiled: tuple[CompiledTopic, ...], scorer: Scorer | None = None
               ) -> Callable[[Entry], Entry]:
    """A function giving an entry its topics under the ``compiled`` rules (``scorer`` scoring
    the ``like`` ones)."""
    matcher = TopicMatcher(compiled, scorer)

    def apply(entry: Entry) -> Entry:
        topics = matcher.classify(entry)
        return entry if topics == entry.topics else evolve(entry, topics=topics)
    return apply


def reclassify_if_rules_changed(store: Store, compiled: tuple[CompiledTopic, ...],
                                scorer: Scorer | None = None) -> bool:
    """Re-classify every stored entry if the rules (or, with ``like`` rules, the vocabulary or
    an example paper) changed since the last run; whether it did."""
    fingerprint = rules_fingerprint(c.topic for c in compiled)
    if scorer is not None:
        fingerprint += ":" + scorer.fingerprint
    if store.meta("rules") == fingerprint:
        return False
    if store.count() == 0:  # a new store: nothing to re-classify
        store.set_meta("rules", fingerprint)
        return False
    apply = classifier(compiled, scorer)
    batch: list[Entry] = []
    for old in store.entries():  # a page at a time, written a batch at a time: memory stays flat
        if (new := apply(old)) is not old:
            batch.append(new)
        if len(batch) == RECLASSIFY_BATCH:
            store.put_many(batch)
            batch = []
    store.put_many(batch)
    store.set_meta("rules", fingerprint)  # last: a run stopped half-way re-classifies again
    return True


def bearer_tokens(config: Config, env: dict[str, str] | None = None) -> dict[str, str]:
    """Host -> token for the credentials of the configured sources' kinds that are set."""
    env = dict(os.environ) if env is None else env
    used = {source.kind for source in config.sources}
    return {host: env[variable] for name, kind in registry().items() if name in used
            for host, variable in kind.credentials if env.get(variable)}


async def _crawl(config: Config, store: Store, cache: CrawlCache, clock: RunClock,
                 report: BuildReport, classify: Callable[[Entry], Entry], sleep: Sleep | None,
                 progress: Progress | None, addresses: Addresses | None) -> None:
    today = clock.start.astimezone(UTC).date()
    local = LocalFiles()

    async def fetch(retriever: Retriever, source: SourceConfig,
                    budget: Budget | None = None) -> SourceFetch:
        got = await fetch_source(retriever, cache, source, today, budget)
        if progress is not None:
            progress(SourceResult(source.name, source.kind, error=got.error,
                                  not_modified=got.error is None and not got.bodies,
                                  requests=got.requests))
        return got

    async with Fetcher(config.crawl, contact=config.site.contact, sleep=sleep,
                       tokens=bearer_tokens(config), addresses=addresses) as fetcher:
        remote = [s for s in config.sources if is_remote(s)]
        fetched = dict(zip((s.name for s in remote), await asyncio.gather(
            *(fetch(fetcher, s, fetcher.budget()) for s in remote)), strict=True))
    # each source's bodies are parsed PARSE_AHEAD sources ahead of its ingest (``Parsers``)
    ahead: deque[tuple[SourceConfig, SourceFetch, Callable[[], ParseResult] | None]] = deque()
    sources = iter(config.sources)
    parsers = Parsers()
    try:
        while True:
            while len(ahead) <= PARSE_AHEAD and (source := next(sources, None)) is not None:
                got = fetched.pop(source.name) if source.name in fetched else await fetch(local, source)
                parse = parsers.submit(source.kind, source.name, got.bodies,
                                       meanwhile=bool(ahead)) if got.bodies else None
                got.bodies = []  # with the parser now: let the bytes go
                ahead.append((source, got, parse))
            if not ahead:
                break
            result = ingest_source(*ahead.popleft(), store, cache, clock, classify)
            report.sources.append(result)
            report.new += result.new
            report.changed += result.changed
    finally:
        parsers.close()


def crawl(config: Config, store: Store, clock: RunClock, report: BuildReport, *,
          sleep: Sleep | None = None, progress: Progress | None = None,
          addresses: Addresses | None = None) -> None:
    """Re-classify the store if the topic rules changed, then fetch every configured source
    and merge it into ``store``; what happened goes into ``report``. ``sleep`` and
    ``addresses`` replace the real waits and network (tests)."""
    compiled = tuple(compile_topic(t) for t in config.topics)
    scorer = prepare(store, config.topics, clock.start)
    report.reclassified = reclassify_if_rules_changed(store, compiled, scorer)
    with CrawlCache(store.directory / CRAWL_CACHE_DIR, store_id=store.store_id,
                    generation=store.generation) as cache:
        asyncio.run(_crawl(config, store, cache, clock, report, classifier(compiled, scorer),
                           sleep, progress, addresses))
    if scorer is not None:
        settled = settle(store, scorer, config.topics, clock.start, arxiv_fetcher(
            config, sleep=sleep, addresses=addresses, errors=report.notes))
        if settled.vocabulary is not scorer.vocabulary:
            report.notes.append(f"like: vocabulary refitted on {settled.vocabulary.documents} "
                                "entries")
        if settled.missing:
            report.notes.append("like: example papers in neither the store nor arXiv (their "
                                f"topics ignore them): {', '.join(settled.missing)}")
        if reclassify_if_rules_changed(store, compiled, settled):
            report.reclassified = True
