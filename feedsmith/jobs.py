"""The two jobs the CLI runs: ``build`` (crawl, make the digests due, publish) and
``crawl_sources`` (crawl only).

Each opens the store (locked for the run), optionally seeds it from a published site, runs
``feedsmith.crawl`` and, for a build, ``feedsmith.digest.freeze_due`` and ``feedsmith.publish``,
and returns a ``BuildReport``.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import closing
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .addresses import Addresses
from .config import Config
from .crawl import Progress, crawl, is_remote
from .digest import freeze_due
from .http import Fetcher, Sleep
from .ingest import RunClock
from .model import Seed
from .publish import check_output_is_ours, publish
from .render_cache import RENDER_CACHE_DIR, RenderCache
from .report import BuildReport
from .seed import read_seeds
from .similar import check_available
from .store import DEFAULT_LOCK_TIMEOUT, open_store

log = logging.getLogger("feedsmith")


def crawl_sources(config: Config, *, now: datetime | None = None,
                  lock_timeout: float = DEFAULT_LOCK_TIMEOUT, sleep: Sleep | None = None,
                  progress: Progress | None = None,
                  addresses: Addresses | None = None) -> BuildReport:
    """Crawl every source into the store without rendering anything."""
    check_available(config.topics)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    report = BuildReport()
    with open_store(config.site.cache, lock_timeout=lock_timeout, now=now) as store:
        crawl(config, store, RunClock(now), report, sleep=sleep, progress=progress,
              addresses=addresses)
    return report


def build(config: Config, *, now: datetime | None = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
          sleep: Sleep | None = None, progress: Progress | None = None,
          seed_from: str | None = None, force: bool = False,
          addresses: Addresses | None = None) -> BuildReport:
    """Crawl every source into the store, make the digests of the periods that closed since the
    last build, then render and write the site; ``seed_from`` (the
    folder or URL of a previously published site) restores ids and dates a lost store forgot.
    RenderError before anything is read or written if the site would overwrite files feedsmith
    did not write, unless ``force``. ``sleep`` and ``addresses`` replace the real waits and
    network (tests)."""
    check_available(config.topics)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if not force:
        check_output_is_ours(config)
    warn_if_published_at_loopback(config)
    report = BuildReport(output=config.site.output)
    seeds = asyncio.run(_read_seeds(config, seed_from, sleep, addresses)) if seed_from else None
    # the render cache is opened before the crawl: opened after it, its first read waited behind
    # the store's checkpoint of what the crawl wrote (S4 at scale 1: 0.06-0.15 s)
    with open_store(config.site.cache, lock_timeout=lock_timeout, now=now) as store, \
            closing(RenderCache(store.directory / RENDER_CACHE_DIR)) as pieces:
        if seeds is not None:
            report.seeded = store.add_seeds(seeds)
        crawl(config, store, RunClock(now), report, sleep=sleep, progress=progress,
              addresses=addresses)
        report.digests = len([d for d in freeze_due(config, store, now) if d.papers])
        publish(config, store, now, report, pieces)
    return report


def warn_if_published_at_loopback(config: Config) -> None:
    """One warning line when remote sources are published with a loopback ``base_url`` (the
    default): every link and id in the feeds would point at this machine."""
    host = urlsplit(config.site.base_url).hostname or ""
    if any(is_remote(s) for s in config.sources) and (
            host == "localhost" or host.startswith("127.") or host == "::1"):
        log.warning(f"base_url is {config.site.base_url}: the feeds will point at {host}; set "
                    "base_url (or --base-url, FEEDSMITH_BASE_URL) to where the site is served")


async def _read_seeds(config: Config, location: str, sleep: Sleep | None,
                      addresses: Addresses | None) -> list[tuple[str, Seed]]:
    async with Fetcher(config.crawl, contact=config.site.contact, sleep=sleep,
                       addresses=addresses) as fetcher:
        return await read_seeds(location, fetcher=fetcher)
