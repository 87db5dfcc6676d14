"""Type checks for values read from TOML: a value in, whether it is of the kind wanted out.

TOML booleans are Python ``bool``, a subclass of ``int``: every check here refuses them, so
``limit = true`` is an error rather than a limit of 1.
"""

from __future__ import annotations


def is_number(value: object) -> bool:
    """Whether ``value`` is an int or a float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_count(value: object, least: int = 0) -> bool:
    """Whether ``value`` is a whole number (not a bool) of at least ``least``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
