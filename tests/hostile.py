"""Hostile payloads: pure builders returning the bytes a broken or malicious source would serve.

Used directly as local-file sources now, and served by the tests' own HTTP server (127.0.0.1) once
the crawler exists. Nothing here does I/O or touches the network; ``gzip_bomb`` is built in memory
chunk by chunk and never holds its decompressed size.

Groups: XML feeds (entity blow-ups, external entities, bad encodings and characters, non-feeds),
Hugging Face ``daily_papers`` JSON (bad shapes, bad items, deep nesting), content attacks, dates,
identity, and compression (a gzip bomb, one coded twice). Every arXiv id used here is synthetic
(``2501.9xxxx``) unless a test passes its own.
"""

from __future__ import annotations

import gzip
import json
import random
import struct
import zlib
from functools import cache
from typing import Any

# --------------------------------------------------------------------------------------------
# XML feeds

RSS_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def rss(items: list[bytes], *, doctype: bytes = b"", title: bytes = b"Hostile feed") -> bytes:
    """An RSS 2.0 document around raw ``items`` (``<item>`` bytes), with an optional DOCTYPE."""
    return (RSS_HEAD + doctype + b'<rss version="2.0"><channel><title>' + title
            + b"</title><link>https://hostile.example/</link><description>d</description>\n"
            + b"\n".join(items) + b"\n</channel></rss>\n")


def rss_item(title: str = "An item", *, link: str | None = "https://hostile.example/1",
             guid: str | None = None, description: str = "", pub_date: str | None = None) -> bytes:
    """One RSS ``<item>`` with the given fields; values are inserted raw (not escaped)."""
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f"<guid>{guid}</guid>")
    if description:
        parts.append(f"<description>{description}</description>")
    if pub_date is not None:
        parts.append(f"<pubDate>{pub_date}</pubDate>")
    return ("<item>" + "".join(parts) + "</item>").encode("utf-8", "surrogatepass")


def billion_laughs(levels: int = 10, fanout: int = 10) -> bytes:
    """Nested entity expansion: ``lol{levels}`` expands to ``fanout ** levels`` copies of "lol"
    (10 levels of 10 is 10^10 copies, about 30 GB) from a file under 2 KB."""
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, levels + 1):
        refs = b"".join(b"&lol%d;" % (level - 1) for _ in range(fanout))
        entities.append(b'<!ENTITY lol%d "%s">' % (level, refs))
    doctype = b"<!DOCTYPE rss [\n" + b"\n".join(entities) + b"\n]>\n"
    return rss([rss_item(f"&lol{levels};")], doctype=doctype)


def quadratic_blowup(entity_bytes: int = 50 * 1024, references: int = 5000) -> bytes:
    """One ``entity_bytes`` entity referenced ``references`` times (the default is 50 KB x 5000,
    about 250 MB expanded) from a file of ``entity_bytes + 5 * references`` bytes. The declaration
    is on a line of its own and holds no ``&``: the form feedparser's own DOCTYPE filter keeps."""
    doctype = b'<!DOCTYPE rss [\n<!ENTITY big "' + b"A" * entity_bytes + b'">\n]>\n'
    return rss([rss_item("&big;" * references, description="&big;" * 3)], doctype=doctype)


def external_entity(system_id: str) -> bytes:
    """An external entity whose SYSTEM id is ``system_id`` (a ``file://`` path or a URL, such as
    the tests' own server, to prove that no request is made), referenced in a title."""
    doctype = f'<!DOCTYPE rss [<!ENTITY ext SYSTEM "{system_id}">]>\n'.encode()
    return rss([rss_item("Leak: &ext;", description="&ext;")], doctype=doctype)


def external_entity_file(path: str = "/etc/passwd") -> bytes:
    """An external entity pointing at a local file (``file:///etc/passwd`` by default)."""
    return external_entity(f"file://{path}")


def external_parameter_entity(url: str) -> bytes:
    """An external parameter entity (a remote DTD at ``url``), the out-of-band XXE variant."""
    doctype = f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{url}"> %remote;]>\n'.encode()
    return rss([rss_item("Parameter entity")], doctype=doctype)


def invalid_utf8_rss() -> bytes:
    """An RSS document declared UTF-8 with invalid sequences (a lone continuation byte, an
    overlong encoding, a truncated sequence and a UTF-16 surrogate encoded in UTF-8)."""
    bad = b"Bad \x80 bytes \xc0\xaf here \xe2\x82 and \xed\xa0\x80 end"
    item = b"<item><title>" + bad + b"</title><link>https://hostile.example/u</link>" \
           b"<description>" + bad + b"</description></item>"
    return rss([item, rss_item("A fine neighbour", link="https://hostile.example/fine")])


def control_characters_rss() -> bytes:
    """Raw C0 control characters, DEL, and character references to surrogates, U+0001, U+FFFE and
    U+FFFF (all illegal in XML 1.0) in titles and descriptions, next to a clean item."""
    raw = bytes(range(0x00, 0x09)) + b"\x0b\x0c\x0e\x1f\x7f"
    items = [
        b"<item><title>Raw " + raw + b" controls</title><link>https://hostile.example/c1</link>"
        b"<description>x" + raw + b"y</description></item>",
        rss_item("Surrogate &#xD800; and &#xDFFF; refs", link="https://hostile.example/c2",
                 description="lone &#55296; surrogate"),
        rss_item("Nonchar &#x1; &#xFFFE; &#xFFFF; refs", link="https://hostile.example/c3"),
        rss_item("A clean item", link="https://hostile.example/c4"),
    ]
    return rss(items)


def bad_title_characters_rss() -> bytes:
    """Titles carrying U+0001 and U+FFFE as real characters (encoded in UTF-8, not references)."""
    return rss([
        rss_item("Start\u0001middle", link="https://hostile.example/t1"),
        rss_item("Non\ufffecharacter\uffff", link="https://hostile.example/t2"),
    ])


def html_page() -> bytes:
    """An HTML page (a login wall or error page) served where a feed was expected."""
    return (b"<!DOCTYPE html>\n<html><head><title>Sign in</title>"
            b"<script>window.location='/login'</script></head>"
            b"<body><h1>Please sign in</h1><p>This feed requires a subscription.</p></body></html>\n")


def empty_body() -> bytes:
    """Nothing at all."""
    return b""


def random_bytes(seed: int = 8, size: int = 4096) -> bytes:
    """``size`` pseudo-random bytes from ``seed`` (the same bytes on every run)."""
    return random.Random(seed).randbytes(size)


# --------------------------------------------------------------------------------------------
# Hugging Face daily_papers JSON

def hf_paper(arxiv_id: str, title: str | None = None, **paper: Any) -> dict[str, Any]:
    """A well-formed daily_papers item for ``arxiv_id``; keyword arguments override ``paper``
    fields (``thumbnail`` and ``numComments`` go on the item)."""
    item: dict[str, Any] = {}
    for key in ("thumbnail", "numComments"):
        if key in paper:
            item[key] = paper.pop(key)
    body: dict[str, Any] = {
        "id": arxiv_id,
        "title": title if title is not None else f"A perfectly normal paper {arxiv_id}",
        "summary": "We study things and find results.",
        "authors": [{"name": "Ada Lovelace", "hidden": False}],
        "publishedAt": "2025-01-02T03:04:05.000Z",
        "upvotes": 7,
    }
    body.update(paper)
    item["paper"] = body
    return item


def hf_json(items: Any) -> bytes:
    """``items`` serialized as a daily_papers response."""
    return json.dumps(items, ensure_ascii=False).encode()


def hf_truncated(items: int = 5) -> bytes:
    """A daily_papers response cut off in the middle (a dropped connection or a full disk)."""
    whole = hf_json([hf_paper(f"2501.9{n:04d}") for n in range(items)])
    return whole[: len(whole) * 2 // 3]


def hf_wrong_shape_object() -> bytes:
    """A JSON object (an API error document) where an array of papers was expected."""
    return hf_json({"error": "Rate limit reached", "papers": None})


def hf_wrong_shape_strings() -> bytes:
    """An array of strings (ids only) where an array of paper objects was expected."""
    return hf_json(["2501.90001", "2501.90002", "2501.90003"])


def hf_bad_items() -> list[tuple[str, Any]]:
    """Items a parser must skip (and count), each with a name: null, wrong types, missing or
    mistyped required fields (id, title)."""
    return [
        ("item null", None),
        ("item a string", "2501.90100"),
        ("item a list", [1, 2, 3]),
        ("paper null", {"paper": None}),
        ("paper a string", {"paper": "2501.90101"}),
        ("id missing", {"paper": {"title": "No id at all"}}),
        ("id null", hf_paper("x", id=None)),
        ("id a number", hf_paper("x", id=2501.90102)),
        ("id a list", hf_paper("x", id=["2501.90103"])),
        ("id not arXiv", hf_paper("not-an-arxiv-id")),
        ("id impossible month", hf_paper("2513.90104")),
        ("title null", {"paper": {"id": "2501.90105", "title": None, "summary": "s"}}),
        ("title missing", {"paper": {"id": "2501.90106", "summary": "s"}}),
        ("title a number", hf_paper("2501.90107", title=42)),  # type: ignore[arg-type]
        ("title only markup", hf_paper("2501.90108", title="<img src=x onerror=alert(1)>")),
        ("title only controls", hf_paper("2501.90109", title="\u0001\u0002\ufffe")),
    ]


def hf_tolerated_items() -> list[tuple[str, Any]]:
    """Items whose required fields are fine but whose optional fields are null or mistyped:
    each is kept, with the bad field dropped."""
    return [
        ("authors a string", hf_paper("2501.90201", authors="Ada Lovelace, Alan Turing")),
        ("authors mixed", hf_paper("2501.90202", authors=[None, 5, {"name": None}, {"name": "Bo"}])),
        ("summary null", hf_paper("2501.90203", summary=None)),
        ("summary a number", hf_paper("2501.90204", summary=3.14)),
        ("publishedAt yesterday", hf_paper("2501.90205", publishedAt="yesterday")),
        ("publishedAt a number", hf_paper("2501.90206", publishedAt=1735787045)),
        ("upvotes a string", hf_paper("2501.90207", upvotes="many")),
        ("upvotes a bool", hf_paper("2501.90208", upvotes=True)),
        ("githubRepo a number", hf_paper("2501.90209", githubRepo=12)),
        ("ai_keywords a string", hf_paper("2501.90210", ai_keywords="llm")),
        ("thumbnail a list", hf_paper("2501.90211", thumbnail=["https://img.example/a.png"])),
        ("numComments a string", hf_paper("2501.90212", numComments="3")),
    ]


def hf_mixed_items() -> bytes:
    """A response where every bad and tolerated item sits between two good neighbours."""
    items: list[Any] = [hf_paper("2501.90001")]
    for n, (_, item) in enumerate(hf_bad_items() + hf_tolerated_items(), start=2):
        items += [item, hf_paper(f"2501.9{n:04d}")]
    return hf_json(items)


# --------------------------------------------------------------------------------------------
# Content attacks

SCRIPT_TITLE = "Attack <img src=x onerror=alert(1)> on <b>bold</b> titles"
ENCODED_SCRIPT_TITLE = "Encoded &lt;script&gt;alert(2)&lt;/script&gt; &lt;img src=x onerror=alert(3)&gt;"
SCRIPT_SUMMARY = (
    "Before <script>alert(4)</script> <iframe src=\"javascript:alert(5)\"></iframe>"
    "<a href=\"javascript:alert(6)\" onclick=\"alert(7)\">click</a> "
    "<svg onload=alert(8)></svg> ]]><script>alert(9)</script><![CDATA[ "
    "&lt;script&gt;alert(10)&lt;/script&gt; <img src=\"data:text/html;base64,PHNjcmlwdD4=\"> after"
)
HOSTILE_URLS = (
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
    "vbscript:msgbox(1)",
    "https://ok.example/\"onmouseover=\"alert(1)",
    "//evil.example/protocol-relative",
)


def hf_content_attacks() -> bytes:
    """Papers with markup and event handlers in titles, scripts, iframes and CDATA tricks in
    summaries and author names, and ``javascript:``/``data:`` URLs in githubRepo, projectPage and
    thumbnail (one paper per hostile URL)."""
    items = [
        hf_paper("2501.90301", SCRIPT_TITLE, summary=SCRIPT_SUMMARY,
                 authors=[{"name": "<img src=x onerror=alert(1)>Mallory"}]),
        hf_paper("2501.90302", ENCODED_SCRIPT_TITLE, summary="&lt;iframe src=javascript:alert(1)&gt;"),
    ]
    for n, url in enumerate(HOSTILE_URLS, start=3):
        items.append(hf_paper(f"2501.903{n:02d}", f"Hostile link paper {n}", githubRepo=url,
                              projectPage=url, thumbnail=url))
    return hf_json(items)


def rss_content_attacks() -> bytes:
    """The same attacks as RSS items: markup in titles, scripts and CDATA in descriptions,
    ``javascript:`` and ``data:`` links."""
    return rss([
        rss_item("Attack &lt;img src=x onerror=alert(1)&gt;", link="https://hostile.example/a1",
                 description="<![CDATA[<script>alert(1)</script><p onclick='alert(2)'>p</p>]]>"),
        rss_item("JS link", link="javascript:alert(1)", guid="hostile-a2"),
        rss_item("Data link", link="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
                 guid="hostile-a3"),
        rss_item("Iframe", link="https://hostile.example/a4",
                 description="&lt;iframe src=&quot;javascript:alert(1)&quot;&gt;&lt;/iframe&gt;"),
    ])


# --------------------------------------------------------------------------------------------
# Dates

HOSTILE_DATES = ("9999-12-31T23:59:59Z", "1800-01-01T00:00:00Z", "yesterday", "", "   ",
                 "2025-01-02T03:04:05", "0000-00-00", "2025-02-30T00:00:00Z", "+275760-09-13")
HOSTILE_RSS_DATES = ("Fri, 31 Dec 9999 23:59:59 GMT", "Wed, 01 Jan 1800 00:00:00 GMT", "yesterday",
                     "", "Thu, 02 Jan 2025 03:04:05", "32 Foo 2025 99:99:99 +9999")


def hf_hostile_dates() -> bytes:
    """One paper per hostile date, in both publishedAt and submittedOnDailyAt."""
    return hf_json([
        hf_paper(f"2501.904{n:02d}", publishedAt=value, submittedOnDailyAt=value)
        for n, value in enumerate(HOSTILE_DATES)
    ])


def rss_hostile_dates() -> bytes:
    """One RSS item per hostile pubDate."""
    return rss([rss_item(f"Dated {n}", link=f"https://hostile.example/d{n}", pub_date=value)
                for n, value in enumerate(HOSTILE_RSS_DATES)])


# --------------------------------------------------------------------------------------------
# Identity

def hf_duplicates() -> bytes:
    """The same paper three times in one response (a version suffix, an HF URL as id, changed
    whitespace in the id and title) next to one other paper: two entries, not four."""
    from feedsmith.sources.hf import HF_HOST

    return hf_json([
        hf_paper("2501.90501", "Duplicated   paper\n title"),
        hf_paper("2501.90501v2", "Duplicated paper title"),
        hf_paper(f"https://{HF_HOST}/papers/2501.90501", " Duplicated paper title "),
        hf_paper(" 2501.90502\n", "The other paper"),
    ])


def rss_identity() -> bytes:
    """Duplicate guids in one feed, items with neither guid nor link, and the same item twice
    with its guid and title differing only in whitespace."""
    return rss([
        rss_item("Dup one", link="https://hostile.example/i1", guid="dup-guid"),
        rss_item("Dup two", link="https://hostile.example/i2", guid="dup-guid"),
        rss_item("No guid, no link", link=None),
        rss_item("No guid, no link either", link=None, description="still nothing to identify"),
        rss_item("Spaced  title", link="https://hostile.example/i3", guid="spaced-guid"),
        rss_item(" Spaced title\n", link="https://hostile.example/i3", guid="  spaced-guid\n"),
    ])


# --------------------------------------------------------------------------------------------
# Compression

GZIP_BOMB_SIZE = 200 * 1024 * 1024


@cache
def gzip_bomb(decompressed_bytes: int = GZIP_BOMB_SIZE, *, chunk: int = 1024 * 1024) -> bytes:
    """A gzip stream that inflates to ``decompressed_bytes`` zeros (200 MB by default, about
    200 KB compressed). One ``chunk`` of zeros is deflated once, ending in a full flush so the
    block stands alone, and repeated: memory stays at ``chunk`` and building takes milliseconds."""
    if decompressed_bytes % chunk:
        raise ValueError("decompressed_bytes must be a multiple of chunk")
    zeros = bytes(chunk)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; we write the gzip framing
    block = raw.compress(zeros) + raw.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    crc = 0
    for _ in range(decompressed_bytes // chunk):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, mtime 0
    trailer = struct.pack("<II", crc, decompressed_bytes & 0xFFFFFFFF)
    return header + block * (decompressed_bytes // chunk) + final + trailer


@cache
def stacked_gzip_bomb(decompressed_bytes: int = 2 * 1024 * 1024 * 1024) -> bytes:
    """``gzip_bomb`` gzipped once more: about 5 KB that two gzip layers (``Content-Encoding:
    gzip, gzip``) inflate to ``decompressed_bytes`` zeros (2 GiB by default)."""
    return gzip.compress(gzip_bomb(decompressed_bytes), 9, mtime=0)


def deeply_nested_json(depth: int = 100_000) -> bytes:
    """A JSON array nested ``depth`` deep (200 KB): a recursive decoder runs out of stack."""
    return b"[" * depth + b"]" * depth


def atom_content_attacks() -> bytes:
    """Atom entries with scripts in an HTML title, a CDATA title with an event handler, an HTML
    summary with an event handler and a ``javascript:`` anchor, XHTML content with a script and
    an iframe, and ``javascript:`` / ``data:`` alternate links."""
    return (b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            b'<title>Hostile Atom</title><id>urn:hostile:atom</id><updated>2025-01-02T03:04:05Z</updated>'
            b'<link href="https://hostile.example/atom"/>'
            b'<entry><id>urn:hostile:atom1</id><updated>2025-01-02T03:04:05Z</updated>'
            b'<title type="html">Atom &lt;script&gt;alert(1)&lt;/script&gt; title</title>'
            b'<link href="https://hostile.example/atom1"/>'
            b'<summary type="html">&lt;img src=x onerror=alert(2)&gt; text '
            b'&lt;a href="javascript:alert(3)"&gt;x&lt;/a&gt;</summary>'
            b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(4)</script>'
            b'<iframe src="javascript:alert(5)"></iframe><p onclick="alert(6)">para</p></div></content>'
            b'</entry>'
            b'<entry><id>urn:hostile:atom2</id><updated>2025-01-02T03:04:05Z</updated>'
            b'<title type="html"><![CDATA[<b onmouseover="alert(7)">CDATA</b> title]]></title>'
            b'<link href="javascript:alert(8)"/><summary>s</summary></entry>'
            b'<entry><id>urn:hostile:atom3</id><updated>2025-01-02T03:04:05Z</updated>'
            b'<title>Data link</title><link href="data:text/html,&lt;script&gt;alert(9)&lt;/script&gt;"/>'
            b'<summary>s</summary></entry>'
            b'</feed>\n')


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""The bidi embedding, override and isolate controls: text displays in another order than it reads."""


def deceptive_text_rss() -> bytes:
    """Guids a reader may take for links (``javascript:``, ``data:``, ``vbscript:``), and bidi
    controls that make a title or an author display in another order than it reads."""
    return rss([
        rss_item("Script id", link="https://hostile.example/g1", guid="javascript:alert(2)"),
        rss_item("Data id", link=None, guid="data:text/html,&lt;script&gt;alert(3)&lt;/script&gt;"),
        rss_item("Bidi \u202eevil\u202c title", link="https://hostile.example/g3",
                 guid="vbscript:msgbox(4)"),
        ("<item><title>Isolated \u2067title\u2069 \u202a\u202b\u202d</title>"
         "<link>https://hostile.example/g4</link><guid>urn:hostile:g4</guid>"
         "<author>Mallory \u2066\u202eyrollaM\u2069</author></item>").encode(),
    ])


def rss_cdata_titles() -> bytes:
    """RSS titles and links hiding markup in CDATA sections (one closing early to smuggle a tag)."""
    return rss([
        b"<item><title><![CDATA[<script>alert(1)</script>CDATA <i>title</i>]]></title>"
        b"<link><![CDATA[javascript:alert(2)]]></link><guid>hostile-cdata-1</guid></item>",
        b"<item><title><![CDATA[Split ]]>&lt;img src=x onerror=alert(3)&gt;<![CDATA[ title]]></title>"
        b"<link>https://hostile.example/cdata2</link>"
        b"<description><![CDATA[<iframe src='data:text/html,x'></iframe>text]]></description></item>",
    ])


def utf16_surrogate_references() -> bytes:
    """The control-character feed in UTF-16: its character references to surrogates are out of
    reach of a byte-level clean-up, and feedparser 6 raises UnicodeEncodeError on them."""
    text = control_characters_rss().replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    return text.decode("utf-8", "replace").encode("utf-16")


def reencoded(document: bytes, encoding: str, *, bom: bool) -> bytes:
    """``document`` (UTF-8, declared as ``RSS_HEAD`` does) in ``encoding``, its XML declaration
    naming it, with or without a byte order mark."""
    declared = encoding.upper().removesuffix("-LE").removesuffix("-BE")
    text = document.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    return ("\ufeff" if bom else "").encode(encoding) + text.encode(encoding)


def in_hidden_encodings(document: bytes) -> dict[str, bytes]:
    """``document`` in every encoding whose bytes hide ``<!ENTITY`` from a byte pattern: UTF-16
    and UTF-32 in both byte orders, with and without a byte order mark; EBCDIC (CP037, told by
    its declaration alone); and UTF-7 with every ``<`` after the declaration's written ``+ADw-``."""
    hidden = {f"{encoding}{'-bom' if bom else ''}": reencoded(document, encoding, bom=bom)
              for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
              for bom in (True, False)}
    hidden["cp037"] = reencoded(document, "cp037", bom=False)
    utf7 = reencoded(document, "utf-7", bom=False)
    hidden["utf-7"] = b"<" + utf7[1:].replace(b"<", b"+ADw-")
    return hidden
