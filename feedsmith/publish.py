"""Publish: the store in, the site folder out (store -> site).

``site_view`` chooses each feed's entries with indexed queries (newest first per topic, within
the feed's window and bounds) and decodes only those, and each digest feed's newest stored
digests; ``publish`` renders every file
(``feedsmith.render``; each entry's pieces come from the render cache when an earlier build made
them), adds the search bundle (Pagefind runs only when what it indexes changed, while the feeds
render: ``search_files``) and writes them atomically, or skips the render entirely when nothing
it depends on changed since the last build (``site_is_current``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from ._version import __version__
from .config import Config
from .errors import RenderError
from .model import Digest, Entry
from .periods import DAILY, next_boundary
from .render import (
    DigestView,
    FeedView,
    Fragments,
    SiteView,
    digest_feed_files,
    feed_files,
    page_files,
    search,
    site_file_names,
)
from .render.site import WriteReport, foreign_files, write_site
from .render.view import FEED_EXTENSIONS
from .render_cache import RenderCache
from .report import BuildReport
from .store import Store
from .topics import ALL, Topic

ALL_NAME = "All papers"


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


def site_view(config: Config, store: Store, now: datetime, *, digests: bool = True) -> SiteView:
    """The feeds to publish, read from the store: only the entries a feed can hold are decoded.
    ``digests`` False: the digest feeds are named, their digests not read (their files are kept
    from the last build: ``publish``)."""
    site = config.site
    base = site.base_url if site.base_url.endswith("/") else site.base_url + "/"
    feeds: list[tuple[str, str, str, str, Topic | None]] = [
        (ALL, "all papers", ALL_NAME, site.description, None)]
    feeds += [(t.slug, t.title, t.title, t.description, t) for t in config.topics]
    counts = store.topic_counts()
    counts[ALL] = store.count()
    newest = {slug: store.newest_keys(None if slug == ALL else slug, feed_bounds(config, rule)[2])
              for slug, _, _, _, rule in feeds}
    wanted = sorted({key for keys in newest.values() for key in keys})
    decoded = {entry.key: entry for entry in store.get_many(wanted)}
    views = []
    for slug, title, name, description, rule in feeds:
        members = [decoded[key] for key in newest[slug] if key in decoded]
        chosen = select_window(members, config, now, topic=rule)
        updated = max((e.updated for e in chosen if e.updated), default=store.created)
        views.append(FeedView(slug, f"{site.title}: {title}", description, base, tuple(chosen),
                              updated, counts.get(slug, 0), name))
    return SiteView(site.title, site.description, site.author, base, tuple(views),
                    digest_views(config, store, [(slug, f"{site.title}: {title}", rule)
                                                 for slug, title, _, _, rule in feeds],
                                 read=digests))


def digest_views(config: Config, store: Store, feeds: list[tuple[str, str, Topic | None]], *,
                 read: bool = True) -> tuple[DigestView, ...]:
    """Each feed's digest feed of each cadence: its newest ``[digest] keep`` digests with papers
    (``read`` False: none, the view only names the feed's files)."""
    cadences = config.digest.periods
    stored: dict[tuple[str, str], list[Digest]] = {}
    for digest in store.digests([slug for slug, _, _ in feeds], cadences,
                                limit=config.digest.keep) if read else ():
        stored.setdefault((digest.slug, digest.cadence), []).append(digest)
    base = config.site.base_url
    views = []
    for slug, title, rule in feeds:
        for cadence in cadences:
            chosen = tuple(stored.get((slug, cadence), ()))
            span = "day" if cadence == DAILY else "ISO week"
            where = f" in {rule.title}" if rule else ""
            views.append(DigestView(
                slug, cadence, f"{title}, {cadence} digest",
                f"The top {config.digest.top} papers{where} first seen each {span} (UTC), ranked by "
                "Hugging Face upvotes, then trending rank.",
                base, chosen, chosen[0].end if chosen else store.created))
    return tuple(views)


# Skipping a build that cannot change anything --------------------------------------------------
# A build's output depends only on the configuration (site settings, topics), the code version, the
# stored entries (``Store.generation``) and the clock, through the windows. The windows only change
# when an entry ages out of one, at ``valid_until``. When none of these moved and every file is still
# on disk, rendering would rewrite nothing: skip it instead of decoding the whole store.
_BUILD_META = "last-build"
_SEARCH_META = "last-search-index"
_DIGEST_META = "last-digest-files"


@cache
def code_fingerprint() -> str:
    """A hash of this feedsmith's code and templates (their names and contents): an edited
    template or module makes the next build render again even without a version bump."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".css") and path.is_file():
            digest.update(f"\n{path.relative_to(root)}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_fingerprint(config: Config, store: Store) -> str:
    """What the site was built from: configuration, code, store generation and digests."""
    what = repr((config.site, config.topics, config.digest, code_fingerprint(), store.generation,
                 store.digest_count()))
    return hashlib.sha256(what.encode()).hexdigest()


def digest_fingerprint(config: Config, store: Store) -> str:
    """What the digest feeds' files are made from: the digests they hold (by id: a digest never
    changes once made), the settings and titles they show, and the code."""
    slugs = [ALL, *(topic.slug for topic in config.topics)]
    what = repr((config.site, [(t.slug, t.title) for t in config.topics], config.digest,
                 code_fingerprint(), store.digest_ids(slugs, config.digest.periods,
                                                      limit=config.digest.keep)))
    return hashlib.sha256(what.encode()).hexdigest()


def _valid_until(view: SiteView, config: Config, now: datetime) -> datetime | None:
    """When the first entry that holds a window open leaves it, or the next digest period
    closes, whichever comes first (None: no window can shrink and no digest is made)."""
    topics = {t.slug: t for t in config.topics}
    ends = []
    for feed in view.feeds:
        window, low, _ = feed_bounds(config, topics.get(feed.slug))
        seen = [e.first_seen for e in feed.entries if e.first_seen is not None]
        if len(feed.entries) > low and seen:
            ends.append(min(seen) + window)
    boundary = next_boundary(config.digest.periods, now)
    if boundary is not None:
        ends.append(boundary)
    return min(ends, default=None)


def remember_build(config: Config, store: Store, view: SiteView, files: dict[str, bytes],
                   now: datetime, search_input: str, digest_input: str) -> None:
    """Record what this build was made from, for ``site_is_current``, ``search_files`` and the
    digest feeds' files."""
    until = _valid_until(view, config, now)
    store.set_meta(_BUILD_META, {
        "fingerprint": build_fingerprint(config, store),
        "valid_until": until.isoformat() if until else None,
        "files": sorted(files),
        "counts": {v.slug: len(v.entries) for v in view.feeds},
    })
    store.set_meta(_SEARCH_META, {"input": search_input,
                                  "files": sorted(n for n in files if n.startswith(search.FOLDER + "/"))})
    store.set_meta(_DIGEST_META, {"input": digest_input, "files": sorted(
        v.file(extension) for v in view.digests for extension in FEED_EXTENSIONS)})


@contextmanager
def search_files(config: Config, store: Store,
                 files: dict[str, bytes]) -> Iterator[Callable[[], tuple[dict[str, bytes], str]]]:
    """The search bundle for the pages in ``files``, and the fingerprint of what it indexes, for
    the body to call when it needs them. Pagefind runs only when what it indexes changed since
    the bundle on disk was made (or a file of that bundle is gone), in the background while the
    body runs; otherwise that bundle is read back, so nothing is rewritten."""
    pages = search.pages_to_index(files)
    fingerprint = search.input_fingerprint(pages)
    kept = _kept_files(config, store, _SEARCH_META, fingerprint)
    if kept is not None:
        yield lambda: (kept, fingerprint)
        return
    with search.started(pages) as bundle:
        yield lambda: (bundle(), fingerprint)


def _kept_files(config: Config, store: Store, meta: str, fingerprint: str) -> dict[str, bytes] | None:
    """The files the last build recorded under ``meta`` as made from ``fingerprint``, read from
    the site folder, if it made them from that and they are all there."""
    last = store.meta(meta)
    if not isinstance(last, dict) or last.get("input") != fingerprint or not last.get("files"):
        return None
    try:
        return {name: (config.site.output / name).read_bytes() for name in last["files"]}
    except OSError:  # a file of those is gone: make them again
        return None


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


def check_output_is_ours(config: Config) -> None:
    """RenderError naming the files in the output folder that a build would overwrite although
    feedsmith did not write them (a user's own ``index.html``, say). Cheap: run it before
    anything is read or written."""
    out = config.site.output
    names = site_file_names([ALL, *(t.slug for t in config.topics)], config.digest.periods)
    foreign = foreign_files(out, names)
    if foreign:
        raise RenderError(f"output folder {out} holds files feedsmith did not write: "
                          f"{', '.join(foreign)}; move them away, or build with --force to "
                          "overwrite them")


def publish(config: Config, store: Store, now: datetime, report: BuildReport,
            cache: RenderCache) -> None:
    """Render and write the site from ``store`` (unless it is current), each entry's pieces
    taken from and kept in ``cache`` (the render cache); fill ``report``."""
    if site_is_current(config, store, now, report):
        return
    # the digest feeds' files, frozen digests rendered, are kept while no digest is made (S7 at
    # 1,000,000 entries: decoding and rendering 2,295 digests took 0.9 s of every build)
    digest_input = digest_fingerprint(config, store)
    kept = _kept_files(config, store, _DIGEST_META, digest_input)
    view = site_view(config, store, now, digests=kept is None)
    report.topic_counts = {v.slug: len(v.entries) for v in view.feeds}
    # the render cache: S4 at scale 1 renders 982 of its 1,643 entries (render and cache 1.34 s
    # CPU against 1.66 s with the cache empty, median of 3)
    fragments = Fragments(view, cache, salt=code_fingerprint())
    files = page_files(view, fragments)
    files.update(kept if kept is not None else digest_feed_files(view))
    # Pagefind indexes the pages while the feeds render (scale 1, median of 5 alternated
    # runs: S2 5.7 s in turn, 5.1 s side by side; S4 5.7 s, 4.9 s)
    with search_files(config, store, files) as bundle:
        files.update(feed_files(view, fragments))
        fragments.save()
        cache.retain(fragments.used)
        found, search_input = bundle()
    files.update(found)
    report.write = write_site(config.site.output, files)
    remember_build(config, store, view, files, now, search_input, digest_input)
