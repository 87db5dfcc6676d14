"""Source kinds: what a kind of source is, and the registry that finds every kind.

A ``SourceKind`` describes one kind completely: its name, the option keys a ``[[sources]]`` table
may give it (each with its check and default), its fetch plan (a configured source and the run's
date in, the URLs to GET out), its parser (bytes in, ``Parsed`` entries out; pure), the merge
family whose fields it wins, and optionally the hosts its credentials go to and a rule that
filters its entries before they are stored. Each kind lives in its own module.

Kinds are found through the entry-point group ``feedsmith.sources``; feedsmith's own kinds are
registered there by its ``pyproject.toml`` exactly as an outside package registers one::

    [project.entry-points."feedsmith.sources"]
    my-kind = "my_package.module:KIND"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.metadata import entry_points
from typing import Any, TypeVar

import httpx

from ..checks import is_count
from ..errors import ConfigError
from ..ids import is_arxiv_category
from ..model import Entry

ENTRY_POINT_GROUP = "feedsmith.sources"
T = TypeVar("T")


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: a unique name, its kind, the URL or local path it reads ("" = the
    kind's default service), and the kind's options (checked against the kind's ``options``)."""

    name: str
    kind: str
    url: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, key: str) -> Any:
        """The value of option ``key``: the configured one, else the kind's default."""
        if key in self.options:
            return self.options[key]
        return kind_named(self.kind).options[key].default


@dataclass(frozen=True)
class Parsed:
    """What one response held: the entries in source order, how many items were skipped, and
    what had to be repaired to read it (one line, or None)."""

    entries: tuple[Entry, ...]
    skipped: int = 0
    warning: str | None = None


@dataclass(frozen=True)
class Step:
    """One resource to GET: its URL, the URL to try instead when it fails, and for a paged
    resource the page size and the test of whether a page held anything (then the next is asked
    for with ``p`` and ``limit``)."""

    url: str
    fallback: str | None = None
    limit: int = 100
    has_items: Callable[[bytes], bool] | None = None


@dataclass(frozen=True)
class Option:
    """One option key of a kind: ``check(value, where)`` returns the value to use or raises
    ConfigError; ``default`` is used when the key is not given."""

    check: Callable[[Any, str], Any]
    default: Any = None


Parser = Callable[..., Parsed]
Plan = Callable[[SourceConfig, date], tuple[Step, ...]]
Admit = Callable[[list[Entry], SourceConfig, Callable[[str], bool]], tuple[list[Entry], int]]


@dataclass(frozen=True)
class SourceKind:
    """Everything feedsmith knows about one kind of source.

    ``family`` (``arxiv``, ``hf`` or ``feed``) decides which merged fields its values win;
    ``validate`` rejects option combinations no plan can serve (ConfigError); ``credentials``
    are (host, environment variable) pairs: the variable's value goes as a bearer token to that
    host and its subdomains only; ``admit`` filters a batch before it is stored, given whether a
    key is stored already, and says how many it dropped."""

    name: str
    parse: Parser
    plan: Plan
    family: str = "feed"
    options: Mapping[str, Option] = field(default_factory=dict)
    validate: Callable[[SourceConfig], None] | None = None
    credentials: tuple[tuple[str, str], ...] = ()
    admit: Admit | None = None


@cache
def registry() -> dict[str, SourceKind]:
    """Every installed source kind by name (the ``feedsmith.sources`` entry points)."""
    kinds: dict[str, SourceKind] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        kind = point.load()
        if not isinstance(kind, SourceKind) or kind.name != point.name:
            raise ConfigError(f"entry point {point.name} = {point.value} is not the SourceKind "
                              f"named {point.name!r}")
        kinds.setdefault(point.name, kind)
    return kinds


def kind_named(name: str) -> SourceKind:
    """The source kind ``name``; ConfigError for an unknown kind."""
    kinds = registry()
    if name not in kinds:
        raise ConfigError(f"unknown source kind {name!r} (known: {', '.join(sorted(kinds))})")
    return kinds[name]


def family_of(kind: str) -> str:
    """The merge family of source kind ``kind`` (``feed`` for a kind that is not installed)."""
    found = registry().get(kind)
    return found.family if found is not None else "feed"


def collect(items: Iterable[T], to_entry: Callable[[T], Entry | None]) -> tuple[list[Entry], int]:
    """The entries ``to_entry`` makes of ``items`` in order, and how many items it refused."""
    entries: list[Entry] = []
    skipped = 0
    for item in items:
        entry = to_entry(item)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    return entries, skipped


def with_params(url: str, **params: str | int) -> str:
    """``url`` with ``params`` added to (or replacing those in) its query string."""
    return str(httpx.URL(url).copy_merge_params({k: str(v) for k, v in params.items()}))


# option checks: a value and where it was given in; the value to use out --------------------------
def text_option(value: Any, where: str) -> str:
    """A non-empty string, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string")
    return value.strip()


def count_option(least: int) -> Callable[[Any, str], int]:
    """A check for a whole number of at least ``least``."""
    def check(value: Any, where: str) -> int:
        if not is_count(value, least):
            raise ConfigError(f"{where} must be a whole number >= {least}")
        return int(value)
    return check


def flag_option(value: Any, where: str) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def categories_option(value: Any, where: str) -> tuple[str, ...]:
    """A list of arXiv categories (or one category as a string)."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(
            isinstance(c, str) and is_arxiv_category(c) for c in values):
        raise ConfigError(f"{where} must be a list of arXiv categories like 'cs.CL'")
    return tuple(values)


__all__ = ["Option", "Parsed", "SourceConfig", "SourceKind", "Step", "collect", "family_of",
           "kind_named", "registry", "with_params"]
