"""Text cleaning shared by every source: source strings in, plain XML-safe text out.

Every text field of an entry passes through here at normalization, so nothing downstream
(feedgen, the HTML templates) ever sees a control character, a lone surrogate or source markup.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

# Removed from every text: characters XML 1.0 forbids, the non-characters U+FFFE/U+FFFF, lone
# surrogates, and the bidi embedding, override and isolate controls (U+202A-U+202E,
# U+2066-U+2069), which make text display in another order than it reads (a title or author
# that spoofs another). The bidi marks (U+200E, U+200F, U+061C) stay: they reorder no run of
# letters, and right-to-left text needs them around punctuation and numbers.
_REMOVED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
_BLOCK_END = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>")
# A complete tag (``<name ...>`` or ``</name>``) left after decoding entities: markup a source
# smuggled in as text (``&lt;script&gt;``), removed like any other markup.
_DECODED_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?>")


def clean_text(value: object) -> str:
    """``value`` as one line of XML-safe text: illegal characters and bidi controls removed,
    whitespace folded."""
    if not isinstance(value, str):
        return ""
    if value.isascii() and value.isprintable() and "  " not in value and value.strip() == value:
        return value  # only characters 0x20-0x7e, no runs of spaces: already clean
    value = _REMOVED.sub("", value)
    value = unicodedata.normalize("NFC", value)
    return _SPACE.sub(" ", value).strip()


def html_to_text(value: object) -> str:
    """Markup in ``value`` removed (scripts and styles with their content), entities decoded,
    then cleaned as by ``clean_text``. Markup that decoding revealed (entity-encoded tags) is
    removed too, so no tag reaches any output as text. Plain text without markup passes through
    unchanged."""
    if not isinstance(value, str):
        return ""
    value = _REMOVED.sub("", value)
    if "<" in value or "&" in value:
        value = _BLOCK_END.sub(" ", value)
        value = html.unescape(nh3.clean(value, tags=set(), attributes={}))
        if _DECODED_TAG.search(value):
            value = html.unescape(nh3.clean(value, tags=set(), attributes={}))
    return clean_text(value)


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL without spaces or control characters, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not re.match(r"(?i)^https?://[^\s/?#<>\"']+", url) or _REMOVED.search(url):
        return None
    if any(c in url for c in ' <>"\'`\\'):
        return None
    return url


# A sentence ends at . ! or ? followed by a space and a capital, a digit or an opening bracket;
# not after the abbreviations abstracts use mid-sentence ("e.g.", "et al.", "Fig.", "vs.").
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(\[\"'“])")
_NOT_AN_END = re.compile(r"(?:\b(?i:e\.g|i\.e|et al|etc|fig|figs|eq|eqs|sec|vs|cf|approx|resp|no|"
                         r"ref|refs|dr|mr|ms|prof|st))\.$")


def first_sentence(text: str, *, limit: int = 300) -> str:
    """The first sentence of ``text`` (an abstract): up to the first full stop that ends a
    sentence, at most ``limit`` characters (cut at a word, with an ellipsis)."""
    text = clean_text(text)
    for match in _SENTENCE_END.finditer(text):
        if not _NOT_AN_END.search(text[:match.end()]):
            text = text[:match.end()]
            break
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
