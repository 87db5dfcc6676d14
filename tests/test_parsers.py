"""Large responses are parsed in a second process while the crawl ingests: the same entries and
errors as parsing here, and nothing lost when that process dies."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

import feedsmith.parsers as parsers_module
from feedsmith.config import load_config
from feedsmith.errors import HTMLPageError
from feedsmith.jobs import build
from feedsmith.parsers import Parsers, parse_bodies
from feedsmith.sources import Parsed, kind_named
from feedsmith.store import open_store
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import T0, site_state

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: parsed here")
HTML_PAGE = (b'<!doctype html><html><head><link rel="alternate" type="application/atom+xml" '
             b'href="/feed.atom"></head><body>a page</body></html>')


def with_parse(monkeypatch: pytest.MonkeyPatch, parse: object) -> None:
    """The hf-daily kind, with ``parse`` as its parser (the parser process is forked after
    this, so it has it too)."""
    kind = replace(kind_named("hf-daily"), parse=parse)
    monkeypatch.setattr(parsers_module, "kind_named", lambda name: kind)


def test_a_large_response_is_parsed_in_another_process_into_the_same_entries(
        monkeypatch: pytest.MonkeyPatch) -> None:
    body = SNAPSHOT.read_bytes()
    monkeypatch.setattr(parsers_module, "PARALLEL_BYTES", len(body))
    here = parse_bodies("hf-daily", "snap", [body])
    parsers = Parsers()
    try:
        assert parsers.submit("hf-daily", "snap", [body])() == here
    finally:
        parsers.close()
    parent = os.getpid()

    def parse(data: bytes, *, source: str) -> Parsed:
        entries = kind_named("hf-daily").parse(data, source=source).entries
        return Parsed((replace(entries[0], title=str(os.getpid())),))
    with_parse(monkeypatch, parse)
    parsers = Parsers()
    try:
        (entry,), _, _ = parsers.submit("hf-daily", "snap", [body])()
        assert entry.title != str(parent) and entry.origin == "hf-daily"
        # nothing to do meanwhile (the crawl's last source): parsed here
        (entry,), _, _ = parsers.submit("hf-daily", "snap", [body], meanwhile=False)()
        assert entry.title == str(parent)
    finally:
        parsers.close()


def test_a_parser_error_comes_back_whole_from_the_other_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsers_module, "PARALLEL_BYTES", 0)
    parsers = Parsers()
    try:
        with pytest.raises(HTMLPageError) as raised:
            parsers.submit("feed", "page", [HTML_PAGE])()
    finally:
        parsers.close()
    assert raised.value.feeds == ("/feed.atom",)
    assert "/feed.atom" in str(raised.value.resolved("https://example.org/blog/"))


def test_when_the_parser_process_dies_its_sources_are_parsed_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    body = SNAPSHOT.read_bytes()
    monkeypatch.setattr(parsers_module, "PARALLEL_BYTES", 0)
    parent = os.getpid()
    real = kind_named("hf-daily").parse

    def parse(data: bytes, *, source: str) -> Parsed:
        if os.getpid() != parent:
            os._exit(3)  # killed, out of memory, ...
        return real(data, source=source)
    with_parse(monkeypatch, parse)
    parsers = Parsers()
    try:
        first = parsers.submit("hf-daily", "a", [body])
        second = parsers.submit("hf-daily", "b", [body])
        assert len(first()[0]) == len(second()[0]) == 72
        assert len(parsers.submit("hf-daily", "c", [body])()[0]) == 72  # from now on, here
    finally:
        parsers.close()


def test_a_build_parsing_in_another_process_stores_and_writes_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def built(folder: Path) -> tuple[str, dict[str, object]]:
        folder.mkdir()
        config = load_config(write_config(folder, [
            (f"snap{n}", "hf-daily", str(SNAPSHOT)) for n in range(4)]))
        build(config, now=T0)
        out = io.StringIO()
        with open_store(config.site.cache) as store:
            store.export_jsonl(out)
        return out.getvalue(), site_state(config.site.output)

    here = built(tmp_path / "here")
    monkeypatch.setattr(parsers_module, "PARALLEL_BYTES", 0)
    assert built(tmp_path / "there") == here
