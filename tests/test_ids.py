"""arXiv id extraction and URL canonicalization: the table every source relies on."""

from __future__ import annotations

import pytest

from feedsmith.ids import ArxivId, arxiv_key, canonical_url, extract_arxiv_id, publishable_id
from feedsmith.sources.hf import HF_HOST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.12345", ArxivId("2401.12345")),
        ("2401.12345v3", ArxivId("2401.12345", 3)),
        ("1501.00001", ArxivId("1501.00001")),
        ("0704.0001", ArxivId("0704.0001")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("math.GT/0309136", ArxivId("math.GT/0309136")),
        ("arXiv:2401.12345v1", ArxivId("2401.12345", 1)),
        ("https://arxiv.org/abs/2401.12345", ArxivId("2401.12345")),
        ("http://arxiv.org/abs/2401.12345v2", ArxivId("2401.12345", 2)),
        ("https://arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001")),
        ("https://arxiv.org/pdf/2401.12345", ArxivId("2401.12345")),
        ("https://arxiv.org/pdf/2401.12345v4.pdf", ArxivId("2401.12345", 4)),
        ("https://arxiv.org/pdf/2401.12345.pdf", ArxivId("2401.12345")),
        ("https://export.arxiv.org/abs/2401.12345", ArxivId("2401.12345")),
        ("https://arxiv.org/html/2401.12345v1", ArxivId("2401.12345", 1)),
        (f"https://{HF_HOST}/papers/2401.12345", ArxivId("2401.12345")),
        ("https://www.alphaxiv.org/abs/2401.12345", ArxivId("2401.12345")),
        ("oai:arXiv.org:2401.12345v2", ArxivId("2401.12345", 2)),
        ("oai:arXiv.org:hep-th/9901001", ArxivId("hep-th/9901001")),
        ("  2401.12345 ", ArxivId("2401.12345")),
    ],
)
def test_extracts_arxiv_ids(text: str, expected: ArxivId) -> None:
    assert extract_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", None, "hello", "2401.1234567", "1412.12345", "1501.0001", "2413.12345",
        "https://example.org/abs/2401.12345", "https://arxiv.org/list/cs.CL/recent",
        "javascript:2401.12345", "12345",
    ],
)
def test_rejects_non_ids(text: str | None) -> None:
    assert extract_arxiv_id(text) is None


def test_canonical_key_never_carries_the_version() -> None:
    keys = {arxiv_key(extract_arxiv_id(t)) for t in  # type: ignore[arg-type]
            ("2401.12345", "2401.12345v3", f"https://{HF_HOST}/papers/2401.12345",
             "oai:arXiv.org:2401.12345v1", "https://arxiv.org/pdf/2401.12345v2.pdf")}
    assert keys == {"arxiv:2401.12345"}


def test_abs_url_is_versionless() -> None:
    assert ArxivId("2401.12345", 3).abs_url == "https://arxiv.org/abs/2401.12345"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.example.org/post/", "https://example.org/post"),
        ("https://example.org/post?utm_source=x&utm_medium=rss&id=3", "https://example.org/post?id=3"),
        ("https://EXAMPLE.org:443/a#frag", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_item_key_prefers_arxiv_then_link_then_guid_then_title() -> None:
    from feedsmith.ids import item_key

    assert item_key(guid="oai:arXiv.org:2401.12345v2", link=None, title="t", source="s")[0] == \
        "arxiv:2401.12345"
    assert item_key(guid="x", link="https://arxiv.org/pdf/2401.12345v1", title="t", source="s")[0] == \
        "arxiv:2401.12345"
    assert item_key(guid="x", link="http://www.blog.org/p/?utm_source=rss", title="t", source="s")[0] == \
        "url:https://blog.org/p"
    assert item_key(guid="tag:blog,1", link=None, title="t", source="s")[0] == "guid:s:tag:blog,1"
    assert item_key(guid=None, link=None, title="Hello,  World!", source="s")[0] == \
        item_key(guid="", link=None, title="hello world", source="s")[0]


@pytest.mark.parametrize(("guid", "kept"), [
    ("https://example.org/post/1", True), ("HTTP://example.org/1", True),
    ("urn:hostile:atom1", True), ("tag:example.org,2026:1", True),
    ("hostile-a2", True), ("42", True), ("post 12: notes", True),  # no scheme: a plain string
    ("javascript:alert(2)", False), ("JaVaScRiPt:alert(2)", False), ("data:text/html,x", False),
    ("vbscript:msgbox(1)", False), ("mailto:a@example.org", False), ("blog:post-1", False),
])
def test_only_harmless_ids_are_published_as_they_are(guid: str, kept: bool) -> None:
    published = publishable_id(guid)
    assert (published == guid) is kept
    if not kept:  # derived from the guid: the same on every run, another for another guid
        assert published.startswith("urn:uuid:") and published == publishable_id(guid)
        assert published != publishable_id(guid + "x")
