"""Seeding a lost store from the site it published: a folder or URL in, (store key, ``Seed``) out.

A run on a fresh machine (CI, a container) has no store; without one every entry would come back
with today's date. ``read_seeds`` reads every Atom feed the site published (a folder's ``*.atom``
files; for a URL, each feed its ``feeds.opml`` lists, else its ``all.atom``), but the digest
feeds (``<slug>.daily.atom``: no source ever delivers a digest), and returns each entry's id with
its published and updated dates. URLs are fetched by the crawler's ``Fetcher``,
with its deadlines and size caps. The store keeps them as seeds; when a source delivers one of
those ids again, the entry gets its old id and dates back (``merge_entries``). Nothing published
yet (a folder without feeds, HTTP 404) means no seeds, not an error; a folder or file that does
not exist is one (a typo)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC
from pathlib import Path
from urllib.parse import urljoin

from .dates import from_struct
from .errors import NotFoundError, SourceError, StoreError
from .http import Fetcher, LocalFiles, Retriever
from .ids import arxiv_key, extract_arxiv_id, url_key
from .model import Seed
from .periods import CADENCES
from .redact import redact_url
from .sources.xmlfeed import parse_xml_feed

LIST_FILE = "feeds.opml"
FALLBACK_FEED = "all.atom"
MAX_SEED_BYTES = 50 * 1024 * 1024
# The Atom files an OPML list names, by file name only: seeding never leaves the seed location.
_LISTED_ATOM = re.compile(rb'xmlUrl="[^"]*?/?([a-z0-9][a-z0-9._-]*\.atom)"')
_DIGEST_FEED = re.compile(rf"^[a-z0-9-]+\.(?:{'|'.join(CADENCES)})\.atom$")


def is_digest_feed(name: str) -> bool:
    """Whether the file ``name`` is a digest feed (``vision.daily.atom``), not an entry feed."""
    return bool(_DIGEST_FEED.match(name))


def parse_seeds(data: bytes, *, where: str = "feed") -> list[tuple[str, Seed]]:
    """(store key, seed) for every entry of a published Atom feed; an entry is listed under its
    store key and under ``guid:<id>``, so items keyed by their link still find their seed."""
    try:
        # capped, DOCTYPE and entities removed, as for any feed
        parsed = parse_xml_feed(data, max_bytes=MAX_SEED_BYTES)
    except SourceError as exc:
        raise StoreError(f"cannot seed from {redact_url(where)}: {exc}") from None
    seeds: list[tuple[str, Seed]] = []
    for item in parsed.entries:
        guid = item.get("id")
        published = from_struct(item.get("published_parsed"))
        updated = from_struct(item.get("updated_parsed")) or published
        if not guid or published is None or updated is None:
            continue
        seed = Seed(guid, published.astimezone(UTC), max(updated, published).astimezone(UTC))
        arxiv = extract_arxiv_id(guid)
        if arxiv is not None:
            seeds.append((arxiv_key(arxiv), seed))
        elif re.match(r"(?i)^https?://", guid):
            seeds.append((url_key(guid), seed))
        seeds.append(("guid:" + guid, seed))
    return seeds


async def _fetch(retriever: Retriever, url: str) -> bytes | None:
    """The body at ``url``; None if nothing is there (404, 410, no such file)."""
    try:
        return (await retriever.get(url)).body
    except NotFoundError:
        return None
    except SourceError as exc:
        raise StoreError(f"cannot seed from {exc}") from None


def listed_feeds(opml: bytes) -> list[str]:
    """The file names of the entry feeds a site's ``feeds.opml`` lists, in order, once each."""
    names = [match.decode() for match in _LISTED_ATOM.findall(opml)]
    return [name for name in dict.fromkeys(names) if not is_digest_feed(name)]


async def _site_feeds(fetcher: Fetcher, base: str) -> list[tuple[str, bytes | None]]:
    base = base if base.endswith("/") else base + "/"
    listing = await _fetch(fetcher, urljoin(base, LIST_FILE))
    names = listed_feeds(listing) if listing is not None else []
    urls = [urljoin(base, name) for name in (names or [FALLBACK_FEED])]
    bodies = await asyncio.gather(*(_fetch(fetcher, url) for url in urls))
    return list(zip(urls, bodies, strict=True))


async def read_seeds(location: str, *, fetcher: Fetcher) -> list[tuple[str, Seed]]:
    """The seeds in every feed published at ``location``: a site folder, an Atom file, a site
    URL or an Atom URL. The first feed that names a key gives its seed (every feed of one site
    carries the same dates for an entry)."""
    if location.startswith(("http://", "https://")):
        if location.endswith(".atom"):
            feeds = [(location, await _fetch(fetcher, location))]
        else:
            feeds = await _site_feeds(fetcher, location)
    else:
        path = Path(location)
        if not path.exists():  # a typo, not a site with nothing published yet
            raise StoreError(f"cannot seed from {location}: no such file or folder")
        files = sorted((p for p in path.glob("*.atom") if not is_digest_feed(p.name)),
                       key=lambda p: (p.name != FALLBACK_FEED, p.name)) if path.is_dir() else [path]
        local = LocalFiles(MAX_SEED_BYTES)
        feeds = [(str(p), await _fetch(local, str(p))) for p in files]
    seeds: dict[str, Seed] = {}
    for where, data in feeds:
        if data is not None:
            for key, seed in parse_seeds(data, where=where):
                seeds.setdefault(key, seed)
    return list(seeds.items())
