"""Hostile text: every text field comes out XML-safe, titles without markup."""

from __future__ import annotations

import pytest

from feedsmith.text import clean_text, html_to_text, safe_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x00b\x01c\x08d\x0be\x0cf\x1fg", "abcdefg"),
        ("x\ufffey\uffffz", "xyz"),
        ("lone \ud800 surrogate \udfff", "lone surrogate"),
        ("  folded \n\t  whitespace  ", "folded whitespace"),
        ("tab\tand\r\nnewline", "tab and newline"),
        # bidi embeddings, overrides and isolates go (they reorder what is shown); marks stay
        ("Invoice \u202eexe.pdf\u202c", "Invoice exe.pdf"),
        ("\u2066a\u2067b\u2068c\u2069 \u202a\u202b\u202d", "abc"),
        ("\u05e9\u05dc\u05d5\u05dd\u200f!\u200e\u061c", "\u05e9\u05dc\u05d5\u05dd\u200f!\u200e\u061c"),
    ],
)
def test_clean_text_removes_xml_illegal_characters(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_of_non_strings_is_empty() -> None:
    assert clean_text(None) == ""
    assert clean_text(42) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<b>Bold</b> title", "Bold title"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ('<img src=x onerror="alert(1)">Pic', "Pic"),
        ("x &lt; y &amp; z", "x < y & z"),
        ("a < b and c > d", "a < b and c > d"),
        ("line<br>break", "line break"),
        ("<p>one</p><p>two</p>", "one two"),
        ("plain \x01 text", "plain text"),
        ("<b>\u202eevil</b>&#x202E;", "evil"),
    ],
)
def test_html_to_text_strips_markup(raw: str, expected: str) -> None:
    assert html_to_text(raw) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://github.com/x/y", True),
        ("http://example.org/a?b=1", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//example.org/x", False),
        ("https://exa mple.org", False),
        ('https://example.org/"onmouseover=', False),
        ("https://example.org/\u202egnp.exe", False),
        (None, False),
    ],
)
def test_safe_url_keeps_only_http_links(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok
