"""The site search bundle (Pagefind): byte-identical run to run, made only when what it indexes
changed, written and removed through the manifest like every other file feedsmith writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest

from feedsmith.config import load_config
from feedsmith.errors import RenderError
from feedsmith.jobs import build
from feedsmith.render import search, site_files
from feedsmith.render.site import MANIFEST
from feedsmith.render.view import entry_anchor
from feedsmith.store import open_store
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import T0, fixed_site, site_state


def bundle_of(site: Path) -> dict[str, bytes]:
    return {name: data for name, data in site_state(site).items() if name.startswith("pagefind/")}


def test_the_bundle_is_byte_identical_run_to_run_whatever_the_order_of_the_pages() -> None:
    files = site_files(fixed_site())
    pages = search.pages_to_index(files)
    assert set(pages) == {"all.html", "vision.html", "agents.html", "empty.html"}
    first = search.search_bundle(pages)
    # Pagefind is given the topic pages without what it ignores, and makes the very bundle it
    # makes of every whole page
    whole = {name: data for name, data in files.items() if name.endswith(".html")}
    assert all(len(pages[name]) < len(whole[name]) for name in pages)
    assert search.search_bundle(whole) == first
    again = search.search_bundle(dict(reversed(pages.items())))
    assert first == again
    assert set(search.FIXED_FILES) <= set(first)
    assert any(name.startswith("pagefind/fragment/") for name in first)  # the pages' text
    # only the topic pages are indexed (data-pagefind-body): index.html and search.html are not
    entry = json.loads(first["pagefind/pagefind-entry.json"])
    assert entry["languages"]["en"]["page_count"] == 4


def test_each_paper_is_indexed_once_on_the_first_page_that_lists_it() -> None:
    site = fixed_site()
    pages = search.pages_to_index(site_files(site))
    listed: dict[str, list[str]] = {}
    for view in site.feeds:
        for entry in view.entries:
            listed.setdefault(entry_anchor(entry), []).append(view.slug)
    assert any(len(slugs) > 1 for slugs in listed.values())  # papers in several feeds
    for anchor, slugs in listed.items():
        indexed = [name for name, data in pages.items() if f'<h2 id="{anchor}"'.encode() in data]
        assert indexed == [f"{slugs[0]}.html"], (anchor, slugs)
    # the stars a paper's code has are a live number: not indexed either
    stars = [entry for view in site.feeds for entry in view.entries if entry.stars is not None]
    assert stars and not any(b'class="stars"' in data for data in pages.values())


def test_a_configuration_or_variable_of_the_users_cannot_change_the_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = search.pages_to_index(site_files(fixed_site()))
    expected = search.search_bundle(pages)
    (tmp_path / "pagefind.yml").write_text("exclude_selectors: ['h2']\nforce_language: fr\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "fr")
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "h2")
    assert search.search_bundle(pages) == expected


def papers_file(folder: Path, items: list[dict[str, object]]) -> Path:
    path = folder / "papers.json"
    path.write_text(json.dumps(items))
    return path


def test_pagefind_runs_only_when_a_page_changed_and_its_files_go_through_the_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    real = search.started

    def counted(pages: dict[str, bytes]) -> AbstractContextManager[Callable[[], dict[str, bytes]]]:
        runs.append(len(pages))
        return real(pages)

    monkeypatch.setattr(search, "started", counted)
    items = json.loads(SNAPSHOT.read_bytes())
    config = load_config(write_config(tmp_path, [("papers", "hf-daily",
                                                   str(papers_file(tmp_path, items)))]))
    site = config.site.output
    first = build(config, now=T0)
    assert len(runs) == 1 and first.write is not None
    bundle = bundle_of(site)
    assert set(search.FIXED_FILES) <= set(bundle) and set(bundle) <= set(first.write.written)
    manifest = set(json.loads((site / MANIFEST).read_text()))
    assert set(bundle) <= manifest and manifest == set(site_state(site)) - {MANIFEST}

    # the store changes (a field no page shows), the site is rendered again: no page changed, so
    # the bundle on disk is kept without running Pagefind, and nothing at all is written
    with open_store(config.site.cache) as store:
        generation = store.generation
    items[0]["paper"]["ai_keywords"] = ["a keyword no page shows"]
    papers_file(tmp_path, items)
    quiet = build(config, now=T0 + timedelta(minutes=5))
    with open_store(config.site.cache) as store:
        assert store.generation != generation  # so the build could not skip rendering
    assert len(runs) == 1
    assert quiet.write is not None and quiet.write.written == [] and bundle_of(site) == bundle

    # upvotes change: pages change, but not what Pagefind indexes: the bundle on disk is kept
    items[0]["paper"]["upvotes"] = 4321
    papers_file(tmp_path, items)
    upvoted = build(config, now=T0 + timedelta(minutes=7))
    assert len(runs) == 1 and upvoted.write is not None
    assert "all.html" in upvoted.write.written and bundle_of(site) == bundle
    assert "4321 upvotes" in (site / "all.html").read_text()

    # a new paper: Pagefind runs, chunks named by their content replace the old ones, which the
    # manifest lets the build remove
    items.insert(0, {"paper": {"id": "2603.99001", "title": "Zebra finch song grammars",
                               "summary": "Songbirds learn syntax.", "authors": [{"name": "A. Tester"}]}})
    papers_file(tmp_path, items)
    changed = build(config, now=T0 + timedelta(minutes=10))
    assert len(runs) == 2 and changed.write is not None
    stale = set(bundle) - set(bundle_of(site))
    assert stale and stale <= set(changed.write.removed)
    manifest = set(json.loads((site / MANIFEST).read_text()))
    assert manifest == set(site_state(site)) - {MANIFEST} and not stale & manifest

    # a bundle file gone from disk: the next build makes the bundle again
    (site / search.FIXED_FILES[0]).unlink()
    restored = build(config, now=T0 + timedelta(minutes=15))
    assert len(runs) == 3 and restored.write is not None
    assert restored.write.written == [search.FIXED_FILES[0]]


def test_a_missing_pagefind_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    search._executable.cache_clear()
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-pagefind"))
    try:
        with pytest.raises(RenderError, match=r"needs Pagefind.*pip install 'pagefind\[bin\]'"):
            search.search_bundle({"a.html": b"<html></html>"})
    finally:
        search._executable.cache_clear()
