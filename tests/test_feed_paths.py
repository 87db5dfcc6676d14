"""The fast path against feedparser: wherever the fast path accepts an XML feed, the entries are
the ones feedparser's reading gives, over every feed fixture, every hostile XML case and a
generated corpus (``bench/data.py``: ``feed_corpus``); and it accepts nearly all of that corpus."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from feedsmith.errors import SourceError
from feedsmith.sources import Parsed
from feedsmith.sources.feed import parse
from feedsmith.sources.xmlfeed import fast_items
from feedsmith.sources.xmlsafe import defuse
from tests import hostile
from tests.conftest import FIXTURES, ROOT

_SPEC = importlib.util.spec_from_file_location("bench_data", ROOT / "bench" / "data.py")
assert _SPEC is not None and _SPEC.loader is not None
bench_data = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bench_data)

NOW = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
GENERATED = bench_data.feed_corpus(NOW)
FIXTURE_FEEDS = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.xml"))
                 + sorted((FIXTURES / "feeds").glob("*.xml"))]
HOSTILE_BUILDERS: list[Callable[[], bytes]] = [
    hostile.billion_laughs, hostile.quadratic_blowup, hostile.external_entity_file,
    lambda: hostile.external_parameter_entity("http://127.0.0.1:9/dtd"), hostile.invalid_utf8_rss,
    hostile.control_characters_rss, hostile.bad_title_characters_rss, hostile.html_page,
    hostile.empty_body, hostile.random_bytes, hostile.rss_content_attacks,
    hostile.rss_hostile_dates, hostile.rss_identity, hostile.atom_content_attacks,
    hostile.deceptive_text_rss, hostile.rss_cdata_titles, hostile.utf16_surrogate_references,
]
HOSTILE = [(f"hostile-{n}", build()) for n, build in enumerate(HOSTILE_BUILDERS)] + [
    (f"hidden-{name}", data) for name, data in
    hostile.in_hidden_encodings(hostile.rss_content_attacks()).items()]
CORPUS = FIXTURE_FEEDS + HOSTILE + GENERATED


def accepted(data: bytes) -> bool:
    """Whether the fast path reads ``data`` (after the defusing every path shares)."""
    try:
        body = defuse(data)[0]
    except SourceError:
        return False
    return fast_items(body) is not None


def reading(data: bytes, *, fast: bool) -> Parsed | str:
    try:
        return parse(data, source="src", fast=fast)
    except SourceError as exc:
        return f"{type(exc).__name__}: {exc}"


def test_the_corpus_is_large_and_distinct() -> None:
    assert len({data for _, data in CORPUS}) == len(CORPUS) >= 80
    assert len(GENERATED) >= 50


@pytest.mark.parametrize("data", [d for _, d in CORPUS], ids=[n for n, _ in CORPUS])
def test_where_the_fast_path_accepts_it_reads_what_feedparser_reads(data: bytes) -> None:
    if not accepted(data):
        pytest.skip("declined: feedparser reads it")
    fast, reference = reading(data, fast=True), reading(data, fast=False)
    assert isinstance(reference, Parsed)
    assert fast == reference


def test_the_fast_path_accepts_nearly_all_of_the_generated_corpus() -> None:
    declined = [name for name, data in GENERATED if not accepted(data)]
    assert len(declined) <= len(GENERATED) // 10, declined


def test_the_fast_path_declines_what_it_cannot_vouch_for() -> None:
    item = b"<item><title>t</title><link>https://e.org/1</link></item>"
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>%s</channel></rss>'
    assert fast_items(rss % item) is not None
    for body in (
        (rss % item)[:-20],  # not well-formed: never repaired
        b"<html><body>" + item + b"</body></html>",  # not a feed root
        rss % item.replace(b"</item>", b"<itunes:author xmlns:itunes='u'>x</itunes:author></item>"),
        rss % item.replace(b"<title>t</title>", b"<title>t</title><title>u</title>"),
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
        b"<author><email>ada@e.org</email></author></entry></feed>",  # given another's name
        rss % item.replace(b"<title>t", b"<title xml:base='https://e.org/'>t"),
        rss % item.replace(b"<title>t</title>", b"<title>t<b>b</b></title>"),
        rss % (item + b"<group>" + item + b"</group>"),  # an item feedparser finds elsewhere
        b'<feed xmlns="http://purl.org/atom/ns#"><entry><title>t</title></entry></feed>',  # 0.3
    ):
        assert fast_items(body) is None, body
