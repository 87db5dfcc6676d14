"""Content codings under a byte cap: a response's raw bytes (and its ``Content-Encoding``) in,
the decoded bytes out, counted as they are produced.

httpx decodes a whole chunk through every coding layer before its caller can count anything, so
a 2 KB body coded twice (``gzip, gzip``) grows to gigabytes before a cap applies. Here zlib
inflates each raw chunk in pieces of at most ``PIECE`` bytes and stops one byte past the cap, so
decoding never holds more than the cap plus one piece, one raw chunk and zlib's 32 KiB window.
One coding layer at most, ``gzip`` or ``deflate`` (zlib-wrapped or raw, as servers send it);
more than one, or any other, is refused before a byte is decoded. feedsmith asks for
``ACCEPT_ENCODING`` only.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024  # the most one inflate step produces
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class CodingError(Exception):
    """A body that cannot be decoded within the rules; the message is the one-line reason."""


class CappedDecoder:
    """Decodes one response body coded with ``codings`` (its Content-Encoding values), raising
    ``CodingError`` as soon as the decoded bytes pass ``limit``."""

    def __init__(self, codings: Sequence[str], limit: int) -> None:
        layers = [c.strip().lower() for c in codings if c.strip().lower() not in ("", "identity")]
        if len(layers) > 1:
            raise CodingError(f"more than one content coding ({', '.join(layers)}); feedsmith "
                              "decodes one layer at most")
        if layers and layers[0] not in _WBITS:
            raise CodingError(f"unsupported content coding {layers[0]!r} (feedsmith asks for "
                              f"{ACCEPT_ENCODING})")
        self.coding = layers[0] if layers else None
        self.limit = limit
        self.size = 0
        self._inflater = zlib.decompressobj(_WBITS[self.coding]) if self.coding else None
        self._may_be_raw = self.coding == "deflate"  # until the first chunk inflated

    def decode(self, chunk: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next raw ``chunk``, piece by piece."""
        if self._inflater is None:
            yield self._count(chunk)
            return
        while chunk and not self._inflater.eof:  # bytes after the end of the stream are ignored
            try:
                out = self._inflater.decompress(chunk, min(PIECE, self.limit - self.size + 1))
            except zlib.error as exc:
                if not self._may_be_raw:
                    raise CodingError(f"cannot decode the {self.coding} body ({exc})") from None
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without zlib header
                self._may_be_raw = False
                continue
            self._may_be_raw = False
            yield self._count(out)
            chunk = self._inflater.unconsumed_tail

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise CodingError(f"response larger than {self.limit} bytes")
        return data
