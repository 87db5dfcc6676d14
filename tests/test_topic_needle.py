"""The needle pre-screen in topic matching never changes a verdict, only skips hopeless regexes."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from feedsmith.topics import phrase_needle, phrase_pattern

WORDS = st.sampled_from(["rag", "Storage", "long", "context", "query", "queries", "fine", "tuning",
                         "LoRA", "bias", "boxes", "box", "x", "C++", "é"])
SEPS = st.sampled_from([" ", "-", "_", " - ", ", ", "\n"])


@given(st.lists(WORDS, min_size=1, max_size=3), st.lists(st.tuples(WORDS, SEPS), max_size=12))
def test_a_match_always_contains_the_needle(phrase_words: list[str],
                                            text_parts: list[tuple[str, str]]) -> None:
    phrase = " ".join(phrase_words)
    text = "".join(w + s for w, s in text_parts)
    needle = phrase_needle(phrase)
    if re.search(r"\w", phrase) is None:
        return
    matched = phrase_pattern(phrase).search(text) is not None
    if needle is not None and text.isascii() and matched:
        assert needle in text.lower()


def test_needles_of_plural_rules() -> None:
    assert phrase_needle("query") == "quer"  # matches "queries"
    assert phrase_needle("long-context") == "long"
    assert phrase_needle("café") is None


@given(st.lists(WORDS, min_size=1, max_size=3), st.lists(st.tuples(WORDS, SEPS), max_size=12))
def test_screened_search_gives_the_regex_verdict(phrase_words: list[str],
                                                 text_parts: list[tuple[str, str]]) -> None:
    from feedsmith.topics import _searcher
    phrase = " ".join(phrase_words)
    text = "".join(w + s for w, s in text_parts)
    pattern = phrase_pattern(phrase)
    assert _searcher(text)(phrase, pattern) == (pattern.search(text) is not None)
