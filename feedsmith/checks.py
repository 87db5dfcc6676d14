"""Checks for values read from TOML: a value in, whether it is of the kind wanted out; and the
message for a key that is not known.

TOML booleans are Python ``bool``, a subclass of ``int``: every check here refuses them, so
``limit = true`` is an error rather than a limit of 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches

# An arXiv category: an archive (cs, hep-th, q-bio), optionally a dot and a subject class (CL, NC).
_ARXIV_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$")
ARXIV_CATEGORY_FORM = "arXiv categories like 'cs.CL' (an archive, optionally .SUBJECT)"


def is_number(value: object) -> bool:
    """Whether ``value`` is an int or a float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_count(value: object, least: int = 0) -> bool:
    """Whether ``value`` is a whole number (not a bool) of at least ``least``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def is_arxiv_category(value: object, *, any_case: bool = False) -> bool:
    """Whether ``value`` is a string of the form of an arXiv category (``cs.CL``, ``hep-th``);
    with ``any_case``, in any letter case (``CS.cl``)."""
    return isinstance(value, str) and bool(
        _ARXIV_CATEGORY.match(value.lower() if any_case else value))


def unknown_key(key: str, known: Iterable[str], *, what: str | None = None) -> str:
    """The message for an unknown ``key`` (``what``: how to say it is unknown): the closest
    known key as a suggestion, when one is close, and every known key."""
    names = sorted(known)
    close = get_close_matches(key, names, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    return f"{what or f'unknown key {key!r}'}{guess} (known: {', '.join(names)})"
