"""The arxiv-api and arxiv-rss parsers on recorded arXiv responses (current and legacy formats)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedsmith.errors import SourceError
from feedsmith.sources import kind_named
from feedsmith.sources.arxiv import parse_api, parse_rss, rss_abstract, split_creators
from tests.conftest import FIXTURES

API_FILES = sorted(FIXTURES.glob("arxiv_api_*.xml"))
RSS = FIXTURES / "arxiv_rss_multi_cat_4items.xml"
ATOM_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
             'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
             "<title>ArXiv Query</title><id>http://arxiv.org/api/x</id>"
             "<updated>2026-05-11T00:00:00Z</updated>\n")
RSS_HEAD = ("<?xml version='1.0' encoding='UTF-8'?>\n<rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
            'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
            "<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>"
            "<description>cs.LG updates</description>\n")


def atom(*entries: str) -> bytes:
    return (ATOM_HEAD + "".join(entries) + "</feed>").encode()


def rss(*items: str) -> bytes:
    return (RSS_HEAD + "".join(items) + "</channel></rss>").encode()


def test_the_kinds_are_registered() -> None:
    assert kind_named("arxiv-api").parse is parse_api
    assert kind_named("arxiv-rss").parse is parse_rss


@pytest.mark.parametrize("path", API_FILES, ids=lambda p: p.name)
def test_every_recorded_api_response_parses(path: Path) -> None:
    parsed = parse_api(path.read_bytes(), source="api")
    expected = {"empty": (0, 0), "missing_ids": (1, 3), "regression_links": (1, 0), "2entries": (2, 0)}
    suffix = next(k for k in expected if path.stem.endswith(k))
    assert (len(parsed.entries), parsed.skipped) == expected[suffix]
    for entry in parsed.entries:
        assert entry.key == f"arxiv:{entry.arxiv_id}" and entry.guid.endswith(f"/abs/{entry.arxiv_id}")
        assert entry.version == 1 and entry.title and entry.summary and entry.authors
        assert entry.links.pdf == f"https://arxiv.org/pdf/{entry.arxiv_id}"


def test_current_format_query() -> None:
    first, second = parse_api((FIXTURES / "arxiv_api_query_cs_CL_2entries.xml").read_bytes(),
                              source="api").entries
    assert (first.key, first.guid, first.version) == (
        "arxiv:2605.08083", "https://arxiv.org/abs/2605.08083", 1)
    assert first.title == "LLMs Improving LLMs: Agentic Discovery for Test-Time Scaling"
    assert len(first.authors) == 13
    assert (first.authors[0], first.authors[-1]) == ("Tong Zheng", "Heng Huang")
    assert first.categories == ("cs.CL",)
    assert first.paper_date == datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    assert first.links.url == "https://arxiv.org/abs/2605.08083"
    assert first.summary.startswith("Test-time scaling (TTS) has become")
    assert first.summary.endswith("https://github.com/zhengkid/AutoTTS.")
    assert first.sources == ("api",) and first.announce_type is None
    assert second.arxiv_id == "2605.08077" and second.authors[-1] == "Dimitris N. Metaxas"
    assert second.paper_date == datetime(2026, 5, 10, 10, 0, tzinfo=UTC)


def test_pdf_link_without_rel_title_or_type_is_found_by_its_href() -> None:
    (entry,) = parse_api((FIXTURES / "arxiv_api_2025-11-11_idlist_regression_links.xml").read_bytes(),
                         source="api").entries
    assert entry.links.url == "https://arxiv.org/abs/2201.13452"
    assert entry.links.pdf == "https://arxiv.org/pdf/2201.13452"
    assert entry.authors == ("Hong-Ming Yin", "Jun Zou")
    assert entry.categories == ("math.AP",)
    assert entry.paper_date == datetime(2022, 1, 31, 18, 59, 34, tzinfo=UTC)


def test_legacy_format_folds_wrapped_text_and_skips_empty_entries() -> None:
    parsed = parse_api((FIXTURES / "arxiv_api_legacy_2025-08_idlist_missing_ids.xml").read_bytes(),
                       source="api")
    assert parsed.skipped == 3
    (entry,) = parsed.entries
    assert entry.title == ("Asymptotic Analysis for a Nonlinear Reaction-Diffusion System Modeling "
                           "an Infectious Disease")
    assert "\n" not in entry.summary and "  " not in entry.summary
    assert entry.summary.startswith("In this paper we study a nonlinear reaction-diffusion system")
    assert entry.categories == ("math.AP", "35")
    # The same paper from the current format reads the same (apart from the MSC class).
    current = parse_api((FIXTURES / "arxiv_api_2025-11-11_idlist_regression_links.xml").read_bytes(),
                        source="api").entries[0]
    assert (entry.title, entry.summary, entry.authors, entry.links) == (
        current.title, current.summary, current.authors, current.links)


def test_primary_category_first_without_duplicates_and_plain_text_kept() -> None:
    data = atom("""<entry><id>http://arxiv.org/abs/2401.00001v3</id>
      <title>Bounds for $n&lt;k$ and $k&gt;m$</title>
      <summary>We show $n&lt;k$ and $k&gt;m$ when p&lt;q.</summary>
      <published>2024-01-01T10:00:00Z</published>
      <author><name>A. One</name></author><author><name>A. One</name></author>
      <category term="cs.LG"/><category term="cs.AI"/><category term="cs.LG"/>
      <arxiv:primary_category term="cs.AI"/>
      <link href="http://arxiv.org/abs/2401.00001v3" rel="alternate" type="text/html"/>
      <link title="pdf" href="http://arxiv.org/pdf/2401.00001v3" rel="related" type="application/pdf"/>
      </entry>""")
    (entry,) = parse_api(data, source="api").entries
    assert entry.categories == ("cs.AI", "cs.LG")
    assert entry.version == 3 and entry.key == "arxiv:2401.00001"
    assert entry.title == "Bounds for $n<k$ and $k>m$"
    assert entry.summary == "We show $n<k$ and $k>m$ when p<q."
    assert entry.authors == ("A. One",)
    assert entry.links.pdf == "https://arxiv.org/pdf/2401.00001"


def test_old_style_ids_and_a_bad_entry_between_good_ones() -> None:
    data = atom(
        "<entry><id>http://arxiv.org/abs/hep-th/9901001v2</id><title>Old</title></entry>",
        "<entry><id>http://example.org/not-arxiv</id><title>Stray</title></entry>",
        "<entry><id>http://arxiv.org/abs/2401.00002v1</id><title>  </title></entry>",
        "<entry><id>http://arxiv.org/abs/2401.00003v1</id><title>New</title></entry>",
    )
    parsed = parse_api(data, source="api")
    assert [(e.key, e.version) for e in parsed.entries] == [
        ("arxiv:hep-th/9901001", 2), ("arxiv:2401.00003", 1)]
    assert parsed.skipped == 2


def test_an_api_error_sent_with_http_200_raises_with_its_text() -> None:
    data = atom("""<entry>
      <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
      <title>Error</title>
      <summary>incorrect id format for 1234.12345</summary>
      <updated>2026-05-11T00:00:00-04:00</updated>
      <link href="http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345" rel="alternate"
            type="text/html"/>
      <author><name>arXiv api core</name></author>
    </entry>""")
    with pytest.raises(SourceError, match="arXiv API error: incorrect id format for 1234.12345"):
        parse_api(data, source="api")


@pytest.mark.parametrize("data", [b"", b"Rate exceeded.", b"<html><body>503</body></html>"])
def test_what_is_not_a_feed_raises(data: bytes) -> None:
    with pytest.raises(SourceError):
        parse_api(data, source="api")
    with pytest.raises(SourceError):
        parse_rss(data, source="rss")


def test_recorded_rss_feed() -> None:
    parsed = parse_rss(RSS.read_bytes(), source="rss")
    assert parsed.skipped == 0
    assert [(e.key, e.version, e.announce_type) for e in parsed.entries] == [
        ("arxiv:2609.26811", 1, "new"), ("arxiv:2609.26820", 1, "new"),
        ("arxiv:2205.06398", 2, "cross"), ("arxiv:2009.13987", 3, "replace")]
    first, second, cross, replaced = parsed.entries
    assert first.guid == "https://arxiv.org/abs/2609.26811"
    assert first.links.url == "https://arxiv.org/abs/2609.26811"
    assert first.title == "The Drift Contract: Spectral Updates for Depth-Robust Local Learning"
    assert first.authors == ("Fabien Polly",)
    assert second.authors == ("Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan")
    assert second.categories == ("cs.LG", "cs.AI")
    assert cross.categories == ("stat.ME", "stat.AP", "stat.ML")
    assert first.summary.startswith("Local learning trains each layer with its own auxiliary loss")
    assert first.summary.endswith("precisely where normalization is absent.")
    assert all("Announce Type" not in e.summary and not e.summary.startswith("arXiv:")
               for e in parsed.entries)
    # The pubDate is the announcement day: a paper date for new papers only.
    assert first.paper_date == datetime(2026, 9, 24, 4, 0, tzinfo=UTC)
    assert cross.paper_date is None and replaced.paper_date is None


def test_an_empty_weekend_feed_is_zero_entries_not_an_error() -> None:
    parsed = parse_rss(rss(), source="rss")
    assert parsed.entries == () and parsed.skipped == 0


def test_rss_keeps_plain_text_abstracts_and_every_announce_type() -> None:
    item = """<item><title>Bounds for $n&lt;k$ and $k&gt;m$ (arXiv:2401.00001v2 [cs.LG] UPDATED)</title>
      <link>https://arxiv.org/abs/2401.00001</link>
      <description>arXiv:2401.00001v2 Announce Type: replace-cross \nAbstract: We show $n&lt;k$
      and $k&gt;m$ when p&lt;q &amp; more.</description>
      <guid isPermaLink="false">oai:arXiv.org:2401.00001v2</guid>
      <category>math.CO</category><category>cs.LG</category>
      <arxiv:announce_type>replace-cross</arxiv:announce_type>
      <dc:creator>A. One, B. Two and C. Three</dc:creator></item>"""
    missing = "<item><title>No guid, no link</title><description>x</description></item>"
    parsed = parse_rss(rss(missing, item), source="rss")
    assert parsed.skipped == 1
    (entry,) = parsed.entries
    assert entry.title == "Bounds for $n<k$ and $k>m$"
    assert entry.summary == "We show $n<k$ and $k>m$ when p<q & more."
    assert entry.announce_type == "replace-cross"
    assert entry.authors == ("A. One", "B. Two", "C. Three")
    assert entry.categories == ("math.CO", "cs.LG")
    assert (entry.key, entry.version) == ("arxiv:2401.00001", 2)


def test_rss_abstract_and_creator_helpers() -> None:
    assert rss_abstract("arXiv:2401.00001v1 Announce Type: new \nAbstract: Hello.") == "Hello."
    assert rss_abstract("No preamble here.") == "No preamble here."
    assert split_creators(["A, B", "C"]) == ("A", "B", "C")
    assert split_creators([None]) == ()
