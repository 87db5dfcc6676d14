"""Rendered pieces kept between builds (render/fragments.py, render_cache.py): a build renders only
the entries whose pieces it has not made before, and what it writes is the same bytes whether
the render cache is warm, cold, gone or damaged."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Collection, Iterable
from contextlib import closing
from dataclasses import fields, replace
from datetime import timedelta
from pathlib import Path

import pytest

from feedsmith.config import load_config
from feedsmith.jobs import build
from feedsmith.model import Entry, Organization
from feedsmith.render import Fragments, site_files
from feedsmith.render import feeds as feeds_module
from feedsmith.render.fragments import SHOWN_FIELDS, decode, encode
from feedsmith.render.view import SiteView
from feedsmith.render_cache import RENDER_CACHE_DIR, RenderCache
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import T0, fixed_site, site_state


class MemoryStore:
    """A ``FragmentStore`` in a dict, counting what is asked and kept."""

    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    def get_many(self, keys: Collection[str]) -> dict[str, bytes]:
        return {key: self.items[key] for key in keys if key in self.items}

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        self.items.update(items)


def render(site: SiteView, store: MemoryStore | RenderCache | None) -> tuple[dict[str, bytes], int]:
    """Every file of ``site`` and how many pieces were rendered (not taken from ``store``)."""
    fragments = Fragments(site, store, salt="code")
    files = site_files(site, fragments)
    fragments.save()
    return files, fragments.rendered


def changed(site: SiteView, key: str, **values: object) -> SiteView:
    """``site`` with the entry ``key`` changed (the same object in every feed)."""
    new = {e.key: replace(e, **values) for view in site.feeds for e in view.entries if e.key == key}  # type: ignore[arg-type]
    return replace(site, feeds=tuple(replace(view, entries=tuple(new.get(e.key, e) for e in view.entries))
                                     for view in site.feeds))


def test_kept_pieces_give_the_same_bytes_and_only_what_changed_is_rendered_again() -> None:
    site, store = fixed_site(), MemoryStore()
    cold, rendered = render(site, store)
    entries = {e.key for view in site.feeds for e in view.entries}
    assert rendered == 4 * len(entries)  # Atom, RSS, JSON Feed and article: once per entry
    assert cold == site_files(site)  # the same bytes as with no store at all
    warm, rendered = render(site, store)
    assert warm == cold and rendered == 0

    key = site.feeds[0].entries[0].key
    for values in ({"title": "A new title"}, {"upvotes": 12345}, {"comments": 99, "rank": 1},
                   {"organization": Organization("new-org", "x", "New Org")}, {"stars": 5}):
        files, rendered = render(changed(site, key, **values), store)
        assert rendered == 4 and files == site_files(changed(site, key, **values)), values


def test_a_renamed_topic_or_another_base_url_renders_its_entries_again() -> None:
    site, store = fixed_site(), MemoryStore()
    render(site, store)
    vision = next(view for view in site.feeds if view.slug == "vision")
    renamed = replace(site, feeds=tuple(replace(view, name="Seeing") if view.slug == "vision" else view
                                        for view in site.feeds))
    files, rendered = render(renamed, store)
    assert rendered == 4 * len(vision.entries) and files == site_files(renamed)
    moved = fixed_site("https://elsewhere.example.org/")
    files, rendered = render(moved, store)
    assert rendered == 4 * len({e.key for view in moved.feeds for e in view.entries})
    assert files == site_files(moved)


def test_a_field_outside_the_fingerprint_changes_no_file() -> None:
    """Every field an entry's pieces show is in its fingerprint (SHOWN_FIELDS; its topics through
    their slugs and names): any other field may change without changing a byte, or a kept piece
    would be stale."""
    site = fixed_site()
    other = {"sources": ("elsewhere",), "keywords": ("churned",), "hf_day": "2099-01-01",
             "announce_type": "replace", "origin": "feed", "provenance": (), "history": ()}
    assert {f.name for f in fields(Entry)} - set(SHOWN_FIELDS) - {"topics"} == set(other)
    before = site_files(site)
    for key in {e.key for view in site.feeds for e in view.entries}:
        assert site_files(changed(site, key, **other)) == before, key


def test_the_render_cache_keeps_pieces_and_a_damaged_one_is_a_miss(tmp_path: Path) -> None:
    site = fixed_site()
    folder = tmp_path / RENDER_CACHE_DIR
    with closing(RenderCache(folder)) as cache:
        cold, rendered = render(site, cache)
        assert rendered > 0
    with closing(RenderCache(folder)) as cache:
        assert render(site, cache) == (cold, 0)
        # a value whose checksum fails (bytes flipped on disk) is rendered again
        assert cache._cache is not None
        key = next(iter(cache._cache))
        value = cache._cache.get(key)
        cache._cache.set(key, value[:-1] + bytes([value[-1] ^ 1]))
        assert render(site, cache) == (cold, 4)
    # a folder that is no database at all starts over
    (folder / "cache.db").write_bytes(b"this is not a database" * 100)
    with closing(RenderCache(folder)) as cache:
        assert render(site, cache) == (cold, rendered)
        assert render(site, cache) == (cold, 0)


def test_a_render_cache_that_cannot_be_written_is_given_up_with_one_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = fixed_site()
    with closing(RenderCache(tmp_path / RENDER_CACHE_DIR)) as cache:
        assert cache._cache is not None

        def full(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        cache._cache.set = full
        files, _ = render(site, cache)
        assert files == site_files(site)
        assert render(site, cache)[0] == files  # given up: every lookup a miss, no error
    assert [r.getMessage() for r in caplog.records if "render cache" in r.getMessage()] == [
        f"render cache {tmp_path / RENDER_CACHE_DIR} cannot be written (database or disk is full); "
        "entries are rendered again until it can be written"]


def papers(folder: Path, count: int) -> Path:
    items = json.loads(SNAPSHOT.read_bytes())
    path = folder / "papers.json"
    path.write_text(json.dumps(items[:count]))
    return path


def test_a_build_renders_only_new_entries_and_writes_what_a_cold_build_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = feeds_module.entry_xml

    def counted(entry: Entry, site: SiteView, html_of: object, *, rss: bool) -> bytes:
        made.append(entry.key)
        return real(entry, site, html_of, rss=rss)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds_module, "entry_xml", counted)
    config = load_config(write_config(tmp_path, [("papers", "hf-daily", str(papers(tmp_path, 60)))]))
    build(config, now=T0)
    first = len(set(made))
    assert first and len(made) == 2 * first  # each entry's <entry> and <item>, once
    made.clear()
    build(config, now=T0 + timedelta(minutes=5))  # nothing changed: the render is skipped
    assert made == []
    papers(tmp_path, 72)  # 12 more
    build(config, now=T0 + timedelta(minutes=10))
    assert len(made) == 2 * 12
    warm = site_state(config.site.output)
    # the same build with the render cache gone renders every entry and writes the same bytes
    shutil.rmtree(config.site.cache / RENDER_CACHE_DIR)
    shutil.rmtree(config.site.output)
    made.clear()
    build(config, now=T0 + timedelta(minutes=10))
    assert len(made) == 2 * (first + 12)
    assert site_state(config.site.output) == warm


def test_an_entry_s_pieces_are_one_value_and_anything_else_is_a_miss() -> None:
    pieces = {"atom": b"<entry/>", "rss": b"", "json": b'{"id":"x"}', "article": "<p>é</p>".encode()}
    assert decode(encode(pieces)) == pieces
    for damaged in (b"", b"1 2 3\nabc", b"x 0 0 0\n", encode(pieces)[:-1], b"-1 0 0 1\nx"):
        assert decode(damaged) is None, damaged


def test_the_render_cache_drops_what_no_build_uses_once_it_holds_twice_as_much(tmp_path: Path) -> None:
    with closing(RenderCache(tmp_path / RENDER_CACHE_DIR)) as cache:
        cache.put_many((f"old{n}", b"x") for n in range(100))
        cache.put_many((f"new{n}", b"y") for n in range(20))
        used = {f"new{n}" for n in range(20)}
        cache.retain(used)  # 120 values: within twice 20 and the slack, nothing deleted
        assert len(cache.get_many({f"old{n}" for n in range(100)})) == 100
        cache.put_many((f"old{n}", b"x") for n in range(100, 200))
        cache.retain(used)
        assert cache.get_many({f"old{n}" for n in range(200)}) == {}
        assert cache.get_many(used) == {key: b"y" for key in used}
