"""Seeding a lost store from the site it published: a folder or URL in, (store key, ``Seed``) out.

A run on a fresh machine (CI, a container) has no store; without one every entry would come back
with today's date. ``read_seeds`` reads the previously published ``all.atom`` (from a folder, a
file, or an http(s) URL of the site, fetched with a timeout and a size cap) and returns each
entry's id with its published and updated dates. The store keeps them as seeds; when a source
delivers one of those ids again, the entry gets its old id and dates back (``merge_entries``).
No published feed yet (missing file, HTTP 404) means no seeds, not an error.
"""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from urllib.parse import urljoin

import httpx

from .dates import from_struct
from .errors import SourceError, StoreError
from .http import user_agent
from .ids import arxiv_key, extract_arxiv_id, url_key
from .model import Seed
from .sources.feed import parse_xml_feed

SEED_FILE = "all.atom"
MAX_SEED_BYTES = 50 * 1024 * 1024
SEED_TIMEOUT = 30.0


def seed_location(location: str) -> str:
    """The ``all.atom`` that ``location`` (a site folder or URL, or the feed itself) means."""
    if location.startswith(("http://", "https://")):
        if location.endswith(".atom"):
            return location
        return urljoin(location if location.endswith("/") else location + "/", SEED_FILE)
    path = Path(location)
    return str(path / SEED_FILE if path.is_dir() else path)


def _fetch(url: str, *, contact: str, timeout: float) -> bytes | None:
    headers = {"User-Agent": user_agent(contact)}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
            with client.stream("GET", url) as response:
                if response.status_code == 404:
                    return None
                if response.status_code != 200:
                    raise StoreError(f"cannot seed from {url}: HTTP {response.status_code}")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_SEED_BYTES:
                        raise StoreError(f"cannot seed from {url}: larger than {MAX_SEED_BYTES} bytes")
                return bytes(data)
    except httpx.HTTPError as exc:
        raise StoreError(f"cannot seed from {url}: {exc}") from None


def _read(path: str) -> bytes | None:
    try:
        if Path(path).stat().st_size > MAX_SEED_BYTES:
            raise StoreError(f"cannot seed from {path}: larger than {MAX_SEED_BYTES} bytes")
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot seed from {path}: {exc.strerror}") from None


def parse_seeds(data: bytes, *, where: str = "feed") -> list[tuple[str, Seed]]:
    """(store key, seed) for every entry of a published Atom feed; an entry is listed under its
    store key and under ``guid:<id>``, so items keyed by their link still find their seed."""
    try:
        # capped, DOCTYPE and entities removed, as for any feed
        parsed = parse_xml_feed(data, max_bytes=MAX_SEED_BYTES)
    except SourceError as exc:
        raise StoreError(f"cannot seed from {where}: {exc}") from None
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


def read_seeds(location: str, *, contact: str = "",
               timeout: float = SEED_TIMEOUT) -> list[tuple[str, Seed]]:
    """The seeds in the ``all.atom`` of ``location``; [] if nothing was published there yet."""
    where = seed_location(location)
    if where.startswith(("http://", "https://")):
        data = _fetch(where, contact=contact, timeout=timeout)
    else:
        data = _read(where)
    return [] if data is None else parse_seeds(data, where=where)
