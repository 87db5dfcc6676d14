"""The generic feed parser: RSS 0.9x/1.0/2.0, Atom and JSON Feed 1.0/1.1 bytes to entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsmith.errors import SourceError
from feedsmith.sources import Parsed, kind_named
from feedsmith.sources.feed import MAX_FEED_BYTES, fallback_title, parse
from feedsmith.sources.xmlsafe import defuse
from tests import hostile
from tests.conftest import FIXTURES

FEEDS = FIXTURES / "feeds"


def read(name: str) -> Parsed:
    return parse((FEEDS / name).read_bytes(), source="blog")


def rss(*items: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0"?>\n{prolog}<rss version="2.0"><channel><title>t</title>'
            f'<link>https://e.org/</link><description>d</description>{"".join(items)}'
            "</channel></rss>").encode()


def test_the_kind_is_registered() -> None:
    assert kind_named("feed").parse is parse


@pytest.mark.parametrize("path", sorted(FEEDS.iterdir()), ids=lambda p: p.name)
def test_every_recorded_feed_parses_into_clean_entries(path: Path) -> None:
    parsed = parse(path.read_bytes(), source="blog")
    assert parsed.entries
    assert len({e.key for e in parsed.entries}) == len(parsed.entries)
    assert len({e.guid for e in parsed.entries}) == len(parsed.entries)
    for entry in parsed.entries:
        assert entry.title and "<" not in entry.title and "\n" not in entry.title
        assert entry.sources == ("blog",)
        for url in (entry.links.url, entry.links.pdf, entry.thumbnail):
            assert url is None or url.startswith("https://")
        assert entry.paper_date is None or entry.paper_date.tzinfo is not None


def test_rss20() -> None:
    parsed = read("rss20_blog.xml")
    assert parsed.skipped == 2  # an item with neither title nor id, and one with only a guid
    sparse, paper, reading, unsafe = parsed.entries
    assert sparse.key == "url:https://blog.example.org/2026/05/sparse-attention"
    assert sparse.guid == "https://blog.example.org/?p=1042"
    assert sparse.title == "Scaling sparse attention to 1M tokens"
    assert sparse.summary == "We trained a sparse attention model on 1M-token documents."
    assert sparse.authors == ("Ada Example",)
    assert sparse.categories == ("Long Context", "Attention")
    assert sparse.paper_date == datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    assert sparse.thumbnail == "https://blog.example.org/img/sparse.png"
    assert sparse.links.url == \
        "https://blog.example.org/2026/05/sparse-attention/?utm_source=rss&utm_medium=feed"
    # The item's own link names an arXiv paper: it is that paper, versionless.
    assert (paper.key, paper.guid, paper.arxiv_id, paper.version) == (
        "arxiv:2605.05242", "https://arxiv.org/abs/2605.05242", "2605.05242", 2)
    assert paper.links.pdf == "https://arxiv.org/pdf/2605.05242"
    # A link to a paper inside the content does not make the item that paper.
    assert reading.arxiv_id is None
    assert reading.guid == "https://blog.example.org/2026/05/reading-group"
    assert reading.summary == "We read Continuous Latent Diffusion."
    # A javascript: link is dropped, a date in 2100 is unknown, the guid stays the id.
    assert unsafe.links.url is None and unsafe.paper_date is None
    assert unsafe.guid == "tag:blog.example.org,2026:unsafe"


def test_rss10() -> None:
    first, second = read("rss10_rdf.xml").entries
    assert first.guid == "https://journal.example.net/articles/2026/17"
    assert first.title == "On the convergence of adaptive optimizers"
    assert first.authors == ("Carla Example", "Dan Example")
    assert first.categories == ("optimization",)
    assert first.summary == "We prove convergence & give rates."
    assert first.paper_date == datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
    assert second.paper_date == datetime(2026, 4, 15, 6, 30, tzinfo=UTC)


def test_atom() -> None:
    release, paper, no_id = read("atom_lab.xml").entries
    assert release.guid == "tag:research.example.com,2026:post-88"
    assert release.key == "url:https://research.example.com/posts/tiny-llm-v2"
    assert release.title == "Releasing tiny-llm v2"
    assert release.authors == ("Fay Example", "Gus Example")
    assert release.categories == ("release", "small models")
    assert release.links.url == "https://research.example.com/posts/tiny-llm-v2"
    assert release.links.pdf == "https://research.example.com/files/tiny-llm-v2.pdf"
    assert release.paper_date == datetime(2026, 5, 8, 14, 20, tzinfo=UTC)
    assert release.summary == "A smaller, faster model."
    assert (paper.key, paper.guid, paper.version) == (
        "arxiv:2605.06548", "https://arxiv.org/abs/2605.06548", 1)
    assert paper.summary == "Our diffusion LM paper is out."
    assert paper.paper_date == datetime(2026, 5, 7, 9, 0, tzinfo=UTC)  # updated, no published
    assert no_id.guid == "https://research.example.com/posts/no-id"  # its canonical link


def test_json_feed_11() -> None:
    parsed = read("jsonfeed11.json")
    assert parsed.skipped == 2  # a string among the items, an item with no title and no text
    digest, paper = parsed.entries  # the repeated id is merged into its first item
    assert digest.guid == "digest-2026-05-10-1"
    assert digest.key == "url:https://digest.example.org/2026/05/10/agents"
    assert digest.title == "Weekly digest: agents everywhere"
    assert digest.summary == "Three papers on agents."
    assert digest.authors == ("Hana Example", "Ivo Example")
    assert digest.categories == ("agents", "weekly")
    assert digest.paper_date == datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    assert digest.thumbnail == "https://digest.example.org/img/agents.png"
    assert (paper.key, paper.guid, paper.version) == (
        "arxiv:2605.05242", "https://arxiv.org/abs/2605.05242", 1)
    assert paper.summary == "Paper of the week."


def test_json_feed_10() -> None:
    notes, numeric = read("jsonfeed10.json").entries
    assert (notes.guid, notes.links.url) == ("42", "https://old.example.org/notes/42")
    assert notes.authors == ("Jo Example",)
    assert notes.summary == "Tokenizers matter. More than you think."
    assert notes.paper_date == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert notes.categories == ("tokenizers",)
    assert numeric.guid == "43" and numeric.paper_date is None


def test_an_entity_bomb_is_defused_and_its_neighbours_kept() -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    prolog = f'<!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}<!ENTITY big "{"x" * 5000}">]>\n'
    data = rss("<item><title>boom &l9;</title><link>https://e.org/1</link>"
               f"<description>{'&big;' * 2000}</description></item>",
               "<item><title>fine</title><link>https://e.org/2</link></item>", prolog=prolog)
    assert b"<!ENTITY" not in defuse(data)[0] and b"<!DOCTYPE" not in defuse(data)[0]
    parsed = parse(data, source="s")
    assert [e.links.url for e in parsed.entries] == ["https://e.org/1", "https://e.org/2"]
    assert len(parsed.entries[0].title) < 20 and "lollol" not in parsed.entries[0].summary
    assert "x" * 5000 not in parsed.entries[0].summary


@pytest.mark.parametrize("encoding", sorted(hostile.in_hidden_encodings(hostile.rss([]))))
def test_entities_are_defused_in_every_encoding_and_the_text_read_the_same(encoding: str) -> None:
    bomb = hostile.in_hidden_encodings(hostile.quadratic_blowup(5000, 1000))[encoding]
    body, repairs = defuse(bomb)
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?><rss')
    assert b"<!ENTITY" not in body and b"&big;" not in body and repairs == [
        "ignored 1 XML entity declaration(s)"]
    fine = hostile.rss([hostile.rss_item("Caf\u00e9 &amp; \u00fcber", link="https://e.org/1")])
    (entry,) = parse(hostile.in_hidden_encodings(fine)[encoding], source="s").entries
    assert entry.title == "Caf\u00e9 & \u00fcber"


@pytest.mark.parametrize("data, title, repairs", [
    # a byte order mark beats the declaration
    ("\ufeff<?xml version='1.0' encoding='ISO-8859-1'?><t>\u00e9</t>".encode("utf-16-be"), "\u00e9", []),
    # in an ASCII-compatible document, the declaration names the character set
    (b'<?xml version="1.0" encoding="windows-1252"?><t>\x80 \xe9</t>', "\u20ac \u00e9", []),
    (b'<?xml version="1.0" encoding="x-unknown"?><t>\xc3\xa9</t>', "\u00e9",
     ["ignored the declared encoding 'x-unknown', read as UTF-8"]),
    # codecs that are not character sets (Punycode decodes in quadratic time), or UTF-16 declared
    # where the bytes are not
    (b'<?xml version="1.0" encoding="punycode"?><t>\xc3\xa9</t>', "\u00e9",
     ["ignored the declared encoding 'punycode', read as UTF-8"]),
    (b'<?xml version="1.0" encoding="UTF-16"?><t>\xc3\xa9</t>', "\u00e9",
     ["ignored the declared encoding 'UTF-16', read as UTF-8"]),
    (b'<?xml version="1.0" encoding="base64"?><t>\xe9</t>', "\ufffd",
     ["ignored the declared encoding 'base64', read as UTF-8", "replaced invalid UTF-8"]),
    ('<?xml version="1.0"?><t>\ud800</t>'.encode("utf-16-le", "surrogatepass"), "\ufffd",
     ["replaced invalid UTF-16-LE"]),
])
def test_the_encoding_is_found_as_xml_orders_it(data: bytes, title: str, repairs: list[str]) -> None:
    body, found = defuse(data)
    assert body.decode("utf-8").endswith(f"<t>{title}</t>") and found == repairs


def test_defuse_keeps_the_declaration_and_the_document() -> None:
    data = (b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n<!-- c -->\n'
            b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91">x</rss>')
    assert defuse(data)[0] == b'<?xml version="1.0" encoding="utf-8"?><rss version="0.91">x</rss>'
    netscape = data.replace(b"x</rss>", b"<channel><title>t</title><link>https://e.org/</link>"
                            b"<item><title>Old &amp; fine</title><link>https://e.org/9</link></item>"
                            b"</channel></rss>")
    assert [e.title for e in parse(netscape, source="s").entries] == ["Old & fine"]


def test_a_broken_feed_with_entries_keeps_them() -> None:
    truncated = rss("<item><title>one</title><link>https://e.org/1</link></item>",
                    "<item><title>two</title><link>https://e.org/2</link></item>")[:-30]
    parsed = parse(truncated, source="s")
    assert [e.title for e in parsed.entries] == ["one", "two"]


@pytest.mark.parametrize("data, reason", [
    (b"", "empty response"),
    (b"   \n", "empty response"),
    (b"<!doctype html><html><head><title>Blog</title></head><body><p>Hi</p></body></html>",
     "not"),
    (bytes(range(256)) * 4, "not"),
    (b"/etc/hostname", "not"),  # bytes are never taken for a file name or a URL
    (b"https://example.org/feed.xml", "not"),
    (b'{"title": "an API, not a JSON Feed"}', "not a JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "without an items array"),
    (b"{not json", "not valid JSON"),
])
def test_what_is_not_a_feed_raises_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse(data, source="s")


def test_an_oversized_feed_is_refused_before_parsing() -> None:
    data = rss("<item><title>t</title><link>https://e.org/1</link></item>")
    with pytest.raises(SourceError, match="larger than"):
        parse(data + b" " * (MAX_FEED_BYTES - len(data) + 1), source="s")
    big_json = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [],
                           "pad": "x" * MAX_FEED_BYTES}).encode()
    with pytest.raises(SourceError, match="larger than"):
        parse(big_json, source="s")


def test_an_empty_but_valid_feed_is_zero_entries() -> None:
    assert parse(rss(), source="s") == Parsed((), 0)
    empty_json = b'{"version": "https://jsonfeed.org/version/1", "title": "t", "items": []}'
    assert parse(empty_json, source="s") == Parsed((), 0)


def test_items_without_a_title_are_titled_by_their_text_or_skipped() -> None:
    text = "A status update that is long enough to need cutting " * 4
    data = rss(f"<item><guid>s-1</guid><description>{text}</description></item>",
               "<item><title>Only a title</title></item>",
               "<item><description>no id and no title</description></item>")
    parsed = parse(data, source="src")
    first, title_only = parsed.entries
    assert first.title == fallback_title(first.summary) and first.title.endswith("…")
    assert len(first.title) <= 101 and first.guid == "s-1" and first.key == "guid:src:s-1"
    assert title_only.key == "title:src:onlyatitle"
    assert parsed.skipped == 1


@settings(max_examples=150)
@given(st.one_of(st.binary(max_size=300),
                 st.text(alphabet='<>&;"/!?[]{}:,rsitemchanlfdxy =', max_size=200).map(str.encode)))
def test_any_bytes_give_entries_or_a_source_error(data: bytes) -> None:
    try:
        parsed = parse(data, source="s")
    except SourceError:
        return
    assert all(e.title and e.key for e in parsed.entries)
