"""XML made safe to parse: a document in any encoding in, UTF-8 bytes with no DTD out (``defuse``).

An entity declaration hides from byte patterns in any encoding that is not ASCII-compatible
(UTF-16 and UTF-32 with or without a byte order mark, EBCDIC, UTF-7). So the document is decoded
to text first, in the order XML 1.0 (appendix F) gives: a byte order mark, else the pattern of
zero bytes its first characters make (UTF-16 or UTF-32, either byte order), else the encoding its
XML declaration names, else UTF-8. The parser is never handed an HTTP charset, so that one has no
say. Then the text is defused: the prolog cut down to its XML declaration (no DOCTYPE, no ENTITY
declaration), references to the entities it declared removed, character references to characters
XML forbids removed (feedparser raises on some). What the parser gets is that text as UTF-8, its
declaration saying so: a parser never decodes or expands anything this module has not seen.
"""

from __future__ import annotations

import codecs
import re

from ..errors import SourceError

_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
# Without a byte order mark, which of the first four bytes are zero tells UTF-16 and UTF-32 (and
# their byte order) from the ASCII-compatible encodings; "<?xm" in EBCDIC is 4C 6F A7 94.
_ZERO_BYTES: dict[tuple[bool, ...], str] = {
    (True, True, True, False): "utf-32-be", (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be", (False, True, False, True): "utf-16-le"}
_EBCDIC = b"\x4c\x6f\xa7\x94"
_DECLARATION_BYTES = 1024
"""How much of the document is read to find its XML declaration."""
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
# Text codecs that are not character sets: Punycode (and IDNA) take quadratic time, escapes
# decode to anything; UTF-16 and UTF-32 are told by the bytes, never by a declaration.
_NOT_CHARSETS = ("idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape",
                 "utf-16", "utf-32")

# Possessive quantifiers (*+, ++): a hostile prolog fails in linear time, without backtracking.
_PROLOG_PART = re.compile(
    r"""\s++
    | <\?xml\s(?:[^?]++|\?(?!>))*+\?>                                # the XML declaration (kept)
    | <\?(?:[^?]++|\?(?!>))*+\?>                                     # other processing instructions
    | <!--(?:[^-]++|-(?!->))*+-->                                    # comments
    | <!DOCTYPE(?:[^\[\]>"']++|"[^"]*+"|'[^']*+'
        |\[(?:[^\]"']++|"[^"]*+"|'[^']*+')*+\])*+>                    # DOCTYPE, internal subset too
    | <!ENTITY(?:[^>"']++|"[^"]*+"|'[^']*+')*+>                      # stray ENTITY declarations
    """,
    re.VERBOSE | re.IGNORECASE,
)
_ENTITY_NAME = re.compile(r"""<!ENTITY\s+(?:%\s+)?([^\s"'>%]+)""", re.IGNORECASE)
_ENTITY_REFERENCE = re.compile(r"""&([^\s&;<>"']++);""")
# What split_prolog could not take apart (an unclosed or malformed DOCTYPE) is refused.
_LEFTOVER_DECLARATION = re.compile(r"(?:<\?xml\s[^>]*+>)?\s*+<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_ENCODING_ATTRIBUTE = re.compile(r"""\sencoding\s*=\s*(?:"[^"]*+"|'[^']*+')""")


def xml_allows(code: int) -> bool:
    """Whether XML 1.0 allows the character ``code`` (no C0 controls but tab/LF/CR, no surrogates,
    no U+FFFE/U+FFFF, nothing past U+10FFFF)."""
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def _charset(name: str) -> str | None:
    """The codec of the character set ``name``, if Python reads it and it may be declared."""
    try:
        codec = codecs.lookup(name).name
        b"<".decode(codec)  # LookupError for a codec that is not a text encoding (base64, zlib)
    except (LookupError, UnicodeError):
        return None
    return None if codec.startswith(_NOT_CHARSETS) else codec


def decode(data: bytes) -> tuple[str, list[str]]:
    """``data`` as text (by byte order mark, zero-byte pattern, then declaration), and the
    repairs that took: an encoding declared that cannot be used, undecodable bytes replaced."""
    repairs: list[str] = []
    bom, encoding = next(((b, e) for b, e in _BOMS if data.startswith(b)), (b"", ""))
    data = data[len(bom):]
    if not encoding:
        encoding = _ZERO_BYTES.get(tuple(byte == 0 for byte in data[:4]), "")
    if not encoding:
        encoding = "cp500" if data.startswith(_EBCDIC) else "utf-8"
        declared = _DECLARED_ENCODING.match(data[:_DECLARATION_BYTES].decode(encoding, "replace"))
        if declared:
            charset = _charset(declared.group(1))
            if charset is None:
                repairs.append(f"ignored the declared encoding {declared.group(1)!r}, read as "
                               f"{encoding.upper()}")
            encoding = charset or encoding
    try:
        return data.decode(encoding), repairs
    except UnicodeDecodeError:
        return data.decode(encoding, "replace"), [*repairs, f"replaced invalid {encoding.upper()}"]


def split_prolog(text: str) -> tuple[str, int]:
    """The XML declaration of ``text`` (or "") and where the prolog around it ends."""
    position = 1 if text.startswith("\ufeff") else 0
    kept = ""
    while True:
        match = _PROLOG_PART.match(text, position)
        if match is None or match.end() == position:
            break
        if match.group().lower().startswith("<?xml") and not kept:
            kept = match.group()
        position = match.end()
    return kept, position


def _drop_illegal_reference(match: re.Match[str]) -> str:
    hex_digits, decimal = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(decimal)
    return match.group() if xml_allows(code) else ""


def defuse(data: bytes) -> tuple[bytes, list[str]]:
    """``data`` made safe for a parser, as UTF-8 (``decode``), and what had to be repaired: the
    prolog stripped to the XML declaration (``split_prolog``), which now says UTF-8; references to
    the entities the prolog declared removed; character references to characters XML forbids
    removed. SourceError if a DOCTYPE or ENTITY declaration is left after that."""
    text, decoding = decode(data)
    kept, position = split_prolog(text)
    body = _ENCODING_ATTRIBUTE.sub(' encoding="utf-8"', kept, count=1) + text[position:]
    if _LEFTOVER_DECLARATION.match(body):
        raise SourceError("a DOCTYPE or ENTITY declaration that cannot be removed safely "
                          "(refused unread)")
    repairs: list[str] = []
    names = set(_ENTITY_NAME.findall(text, 0, position))
    if names:
        repairs.append(f"ignored {len(names)} XML entity declaration(s)")
        body = _ENTITY_REFERENCE.sub(lambda m: "" if m.group(1) in names else m.group(), body)
    cleaned = _CHARACTER_REFERENCE.sub(_drop_illegal_reference, body)
    if cleaned != body:
        repairs.append("removed character references to characters XML forbids")
        body = cleaned
    return body.encode("utf-8", "replace"), repairs + decoding
