"""Merging: one entry per paper whatever the source, version, URL form, run or ingest order."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsmith.config import load_config
from feedsmith.crawl import classifier
from feedsmith.ids import item_key
from feedsmith.ingest import RunClock, ingest
from feedsmith.merge import MAX_HISTORY, merge_entries
from feedsmith.model import Entry, Links, evolve
from feedsmith.publish import site_view
from feedsmith.render import site_files
from feedsmith.sources import family_of
from feedsmith.sources.hf import HF_HOST
from feedsmith.store import Store, open_store
from feedsmith.topics import compile_topic
from tests.conftest import write_config
from tests.sitecheck import fixed_entries

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
PAPERS = ("2401.00001", "2402.00002", "hep-th/9901001")
KINDS = (("arxiv", "arxiv-api"), ("arxiv-rss", "arxiv-rss"), ("hf", "hf-daily"),
         ("blog", "rss"))
URL_FORMS = (
    "https://arxiv.org/abs/{id}v{v}",
    "http://arxiv.org/pdf/{id}v{v}.pdf",
    "https://arxiv.org/html/{id}v{v}",
    "https://www.alphaxiv.org/abs/{id}",
    f"https://{HF_HOST}/papers/{{id}}",
    "https://export.arxiv.org/abs/{id}",
)


def delivery(paper: int, kind: int, version: int, form: int, upvotes: int) -> Entry:
    """One paper as one source would deliver it: arXiv text changes from version 2 on; Hugging
    Face and the blog copy the first version; only Hugging Face has upvotes and a code link."""
    pid = PAPERS[paper]
    source, origin = KINDS[kind]
    url = URL_FORMS[form].format(id=pid, v=version)
    key, arxiv = item_key(guid=url, link=url, title="x", source=source)
    assert arxiv is not None
    family = "arxiv" if origin.startswith("arxiv") else "hf" if origin.startswith("hf") else "feed"
    revised = family == "arxiv" and version >= 2
    title = f"Paper {paper}: long-context reasoning" + (" (revised)" if revised else "")
    summary = "We benchmark long context." + (" Now with more data." if revised else "")
    if family != "arxiv":
        version = arxiv.version or 0
    return Entry(
        key=key, guid=arxiv.abs_url, title=title, summary=summary,
        authors=("A. Author", "B. Author") if family == "arxiv" else ("A. Author",),
        links=Links(url=arxiv.abs_url, pdf=arxiv.pdf_url,
                    hf=f"https://{HF_HOST}/papers/{pid}" if family == "hf" else None,
                    code="https://github.com/example/code" if family == "hf" and upvotes > 5
                    else None),
        arxiv_id=arxiv.id, version=version or None, sources=(source,),
        categories=("cs.CL",) if family == "arxiv" else (),
        upvotes=upvotes if family == "hf" else None, origin=origin,
    )


deliveries = st.lists(
    st.tuples(st.integers(0, len(PAPERS) - 1), st.integers(0, len(KINDS) - 1),
              st.integers(1, 3), st.integers(0, len(URL_FORMS) - 1), st.integers(0, 3),
              st.integers(0, 10)),
    min_size=1, max_size=12,
)


def _config(folder: Path):  # type: ignore[no-untyped-def]
    return load_config(write_config(folder, []))


def _ingest(folder: Path, items: list[tuple[Entry, datetime]], config) -> tuple[  # type: ignore[no-untyped-def]
        dict[str, Entry], dict[str, bytes]]:
    apply = classifier(tuple(compile_topic(t) for t in config.topics))
    with open_store(folder, now=T0) as store:
        for entry, at in items:
            ingest(store, [entry], clock=RunClock(at), classify=apply)
        entries = {e.key: e for e in store.entries()}
        files = site_files(site_view(config, store, T0 + timedelta(days=5)))
    feeds = {name: data for name, data in files.items() if not name.endswith(".html")}
    return entries, feeds


def _without_live(entry: Entry) -> Entry:
    return replace(entry, history=(), upvotes=None, comments=None, rank=None)


@settings(deadline=None, max_examples=20)
@given(raw=deliveries, data=st.data())
def test_any_interleaving_gives_one_entry_per_paper_and_identical_feeds(raw, data) -> None:  # type: ignore[no-untyped-def]
    items = [(delivery(p, k, v, f, u), T0 + timedelta(days=run, seconds=n))
             for n, (p, k, v, f, run, u) in enumerate(raw)]
    shuffled = data.draw(st.permutations(items))
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(Path(tmp))
        in_order, feeds = _ingest(Path(tmp) / "a", sorted(items, key=lambda i: i[1]), config)
        other, other_feeds = _ingest(Path(tmp) / "b", list(shuffled), config)
    papers = {e.key for e, _ in items}
    assert set(in_order) == set(other) == papers  # exactly one entry per paper
    for key, entry in in_order.items():
        assert entry.first_seen == min(at for e, at in items if e.key == key)
        assert entry.guid == entry.links.url and "v" not in entry.guid.rsplit("/", 1)[1]
        assert _without_live(entry) == _without_live(other[key])
        arxiv_versions = [e.version for e, _ in items if e.key == key and e.version]
        assert entry.version == (max(arxiv_versions) if arxiv_versions else None)
        if any(e.origin.startswith("arxiv") for e, _ in items if e.key == key):
            assert entry.categories == ("cs.CL",)  # arXiv metadata wins whatever came last
    assert feeds == other_feeds  # byte-identical Atom and RSS for every topic


def merge(old: Entry | None, new: Entry, *, stamp: Callable[[], datetime]) -> Entry:
    """``merge_entries`` with the merge family of the delivery's source kind."""
    return merge_entries(old, new, family=family_of(new.origin), stamp=stamp)


def _stamp(at: datetime):  # type: ignore[no-untyped-def]
    return RunClock(at).next


def test_arxiv_metadata_and_hf_extras_win_by_priority_not_by_arrival() -> None:
    arxiv = delivery(0, 0, 2, 0, 0)
    hf = replace(delivery(0, 2, 1, 4, 7), title="HF's own title", thumbnail="https://t.example/a.png")
    for first, second in ((arxiv, hf), (hf, arxiv)):
        merged = merge(merge(None, first, stamp=_stamp(T0)), second,
                               stamp=_stamp(T0 + timedelta(days=1)))
        assert merged.title == arxiv.title and merged.summary == arxiv.summary
        assert merged.authors == arxiv.authors and merged.categories == ("cs.CL",)
        assert merged.links.code == hf.links.code and merged.thumbnail == hf.thumbnail
        assert merged.upvotes == 7 and merged.version == 2
        assert merged.sources == (first.source, second.source)


def test_upvote_churn_never_moves_updated_but_new_version_does() -> None:
    entry = merge(None, delivery(1, 2, 1, 4, 3), stamp=_stamp(T0))
    for day in range(1, 5):
        entry = merge(entry, replace(delivery(1, 2, 1, 4, 3), upvotes=100 + day, rank=day),
                              stamp=_stamp(T0 + timedelta(days=day)))
    assert entry.updated == T0 and entry.upvotes == 104 and entry.rank == 4
    assert len(entry.history) == 1  # churn is not history either
    revised = merge(entry, delivery(1, 0, 2, 0, 0), stamp=_stamp(T0 + timedelta(days=9)))
    assert revised.updated == T0 + timedelta(days=9) and revised.first_seen == T0
    assert "version 2" in revised.history[-1].what and "title" in revised.history[-1].what
    again = merge(revised, delivery(1, 0, 2, 1, 0), stamp=_stamp(T0 + timedelta(days=10)))
    assert again.updated == revised.updated


def test_same_value_from_a_stronger_source_does_not_move_updated() -> None:
    blog = replace(delivery(0, 0, 1, 0, 0), origin="rss", sources=("blog",))
    entry = merge(None, blog, stamp=_stamp(T0))
    entry = merge(entry, delivery(0, 0, 1, 0, 0), stamp=_stamp(T0 + timedelta(days=2)))
    assert entry.updated == T0 and entry.origin == "arxiv-api"


def test_history_is_bounded_and_keeps_how_the_entry_arrived() -> None:
    entry = merge(None, delivery(0, 3, 1, 0, 0), stamp=_stamp(T0))
    for n in range(1, 60):
        entry = merge(entry, replace(delivery(0, 3, 1, 0, 0), sources=(f"feed{n}",)),
                              stamp=_stamp(T0 + timedelta(hours=n)))
    assert len(entry.history) == MAX_HISTORY
    assert entry.history[0].what.startswith("added")
    assert entry.history[-1].source == "feed59" and len(entry.sources) == 60


def test_non_arxiv_items_dedup_by_canonical_link_then_title_within_source(tmp_path: Path) -> None:
    def item(link: str | None, title: str, source: str, guid: str | None = None) -> Entry:
        key, _ = item_key(guid=guid, link=link, title=title, source=source)
        return Entry(key=key, guid=guid or link or title, title=title, sources=(source,),
                     links=Links(url=link), origin="rss")

    with open_store(tmp_path / "c", now=T0) as store:
        ingest(store, [
            item("https://blog.example.org/post/?utm_source=x", "A post", "b1"),
            item("http://www.blog.example.org/post", "A post (copy)", "b2"),
            item(None, "Untitled  Thoughts!", "b1", guid=None),
            item(None, "untitled thoughts", "b1", guid=None),
            item(None, "untitled thoughts", "b2", guid=None),
            item("https://example.org/x", "Mirror", "b3", guid="https://arxiv.org/pdf/2401.00001v2"),
        ], clock=RunClock(T0))
        keys = sorted(e.key for e in store.entries())
    assert keys == ["arxiv:2401.00001", "title:b1:untitledthoughts", "title:b2:untitledthoughts",
                    "url:https://blog.example.org/post"]


def test_store_index_lists_keys_newest_first_without_reading_entries(tmp_path: Path) -> None:
    with open_store(tmp_path / "c", now=T0) as store:
        for n in range(3):
            ingest(store, [delivery(n, 0, 1, 0, 0)], clock=RunClock(T0 + timedelta(days=n)))
        rows = store.keys_by_first_seen()
        assert [k for _, k in rows] == ["arxiv:hep-th/9901001", "arxiv:2402.00002",
                                       "arxiv:2401.00001"]
        assert rows[0][0] == T0 + timedelta(days=2)
        assert store.prune(T0 + timedelta(days=1)) == 1 and store.count() == 2
        assert isinstance(store, Store) and store.check() == []




def test_first_delivery_shortcut_equals_the_full_merge() -> None:
    """A never-seen entry takes a shortcut through merge_entries (kept for its speed, see merge.py);
    it must give exactly what the full merge gives, for every snapshot paper and source kind."""
    from feedsmith.merge import _merge
    from feedsmith.sources.hf import parse_daily_papers
    from tests.conftest import SNAPSHOT

    papers = list(parse_daily_papers(SNAPSHOT.read_bytes(), source="snap").entries)
    kinds = ["hf-daily", "hf-trending", "arxiv-api", "arxiv-rss", "feed", ""]
    for n, paper in enumerate(papers):
        new = replace(paper, origin=kinds[n % len(kinds)], version=(n % 3) or None,
                      sources=("b", "a") if n % 2 else ("a",),
                      first_seen=T0 - timedelta(hours=1) if n % 5 == 0 else None)
        family = family_of(new.origin)
        fast = merge_entries(None, new, family=family, stamp=lambda: T0, run=T0)
        full = _merge(None, new, family=family, stamp=lambda: T0, run=T0, seed=None)
        assert fast == full


# provenance without waste: values are hashed only when two of them compete -----------------------
def _exported(entry: Entry) -> Entry:
    """``entry`` as ``store export`` writes it and ``store import`` reads it back: every
    fingerprint written out (the form of converted and imported entries)."""
    from feedsmith.merge import with_fingerprints
    from feedsmith.model import entry_from_record, entry_to_record
    return entry_from_record(entry_to_record(with_fingerprints(entry)))


@settings(deadline=None, max_examples=40)
@given(raw=deliveries, data=st.data())
def test_entries_stored_with_every_fingerprint_merge_exactly_like_marked_ones(raw, data) -> None:  # type: ignore[no-untyped-def]
    """An entry read from an export (every fingerprint written out, as feedsmith wrote them
    before the current value was marked) merges into the same entry, and exports the same bytes,
    as one that kept the mark; any step of the history may be such a round trip."""
    items = [(delivery(p, k, v, f, u), T0 + timedelta(days=run, seconds=n))
             for n, (p, k, v, f, run, u) in enumerate(raw) if p == 0]
    marked: Entry | None = None
    mixed: Entry | None = None
    for entry, at in items:
        marked = merge(marked, entry, stamp=_stamp(at))
        if mixed is not None and data.draw(st.booleans()):
            mixed = _exported(mixed)
        mixed = merge(mixed, entry, stamp=_stamp(at))
        assert mixed == marked
    if marked is not None:
        assert _exported(marked) == _exported(mixed) and _exported(_exported(marked)) == _exported(marked)


def test_a_new_entry_and_a_repeated_delivery_hash_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One fingerprint per competing value, none per delivery: a paper's first delivery and
    any delivery that repeats its stored values compute no fingerprint; a changed value costs two
    (the old value and the new one), and the export writes the fingerprint of every value."""
    import feedsmith.merge as merge_module
    from feedsmith.merge import CURRENT, fingerprint, with_fingerprints
    calls: list[object] = []
    real = merge_module.fingerprint
    monkeypatch.setattr(merge_module, "fingerprint", lambda value: calls.append(value) or real(value))
    first = merge(None, delivery(0, 2, 1, 4, 3), stamp=_stamp(T0))
    again = merge(first, replace(delivery(0, 2, 1, 4, 3), upvotes=9), stamp=_stamp(T0 + timedelta(days=1)))
    assert calls == [] and again.upvotes == 9 and again.provenance == first.provenance
    revised = merge(again, delivery(0, 0, 2, 0, 0), stamp=_stamp(T0 + timedelta(days=2)))
    assert revised.title.endswith("(revised)") and 2 <= len(calls) <= 2 * 7
    titles = [p for p in revised.provenance if p.field == "title"]
    assert [p.fingerprint == CURRENT for p in titles].count(True) == 1 and len(titles) == 2
    monkeypatch.undo()
    exported = with_fingerprints(revised)
    assert {p.fingerprint for p in exported.provenance if p.field == "title"} == {
        fingerprint(revised.title), fingerprint(first.title)}
    assert list(exported.provenance) == sorted(exported.provenance, key=lambda p: (p.field, p.fingerprint))


def test_evolve_gives_what_dataclasses_replace_gives_for_every_field() -> None:
    # evolve copies an entry's fields instead of calling __init__: the same entry as replace,
    # as long as Entry's __init__ does nothing but set its fields
    assert not hasattr(Entry, "__post_init__")
    assert all(f.init for f in dataclasses.fields(Entry))
    other = fixed_entries()[1]
    for entry in fixed_entries():
        for f in dataclasses.fields(Entry):
            value = getattr(other, f.name)
            changed = evolve(entry, **{f.name: value})
            assert changed == replace(entry, **{f.name: value}) and getattr(changed, f.name) is value
            assert hash(changed) == hash(replace(entry, **{f.name: value}))
        assert evolve(entry) == entry and evolve(entry) is not entry
    with pytest.raises(TypeError, match="no field colour"):
        evolve(other, colour="red")
