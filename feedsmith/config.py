"""Configuration: one TOML file (plus the files it includes) in, a frozen ``Config`` out.

Precedence: command-line flag > environment variable > file > default. Relative paths in a file
resolve against that file's folder, except in the configuration bundled with the package, whose
output and cache go to ``site`` and ``.cache/feedsmith`` in the working directory.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .sources import parser_for
from .topics import Topic, topic_from_table

DEFAULT_CONFIG = Path("feeds") / "feedsmith.toml"
SITE_KEYS = frozenset({
    "title", "description", "base_url", "author", "output", "cache",
    "window_days", "min_entries", "max_entries", "contact",
})
SOURCE_KEYS = frozenset({"name", "kind", "url"})
TOP_KEYS = frozenset({"include", "site", "sources", "topics"})


@dataclass(frozen=True)
class SiteConfig:
    """How the site looks, where it goes, and how many entries a feed holds."""

    title: str = "feedsmith"
    description: str = "Trending machine-learning papers, one feed per topic."
    base_url: str = "http://127.0.0.1:8000/"
    author: str = "feedsmith"
    output: Path = Path("site")
    cache: Path = Path(".cache/feedsmith")
    window: timedelta = timedelta(days=14)
    min_entries: int = 20
    max_entries: int = 500
    contact: str = "https://github.com/feedsmith/feedsmith"


@dataclass(frozen=True)
class SourceConfig:
    """One source: a unique name, its kind, and the URL or local path it reads."""

    name: str
    kind: str
    url: str


@dataclass(frozen=True)
class Config:
    """Everything one run needs to know."""

    path: Path | None
    site: SiteConfig = field(default_factory=SiteConfig)
    sources: tuple[SourceConfig, ...] = ()
    topics: tuple[Topic, ...] = ()


def bundled_config_path() -> Path:
    """The demo configuration shipped inside the package (or the repository's ``feeds/``)."""
    packaged = Path(str(resources.files("feedsmith"))) / "feeds" / "feedsmith.toml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / DEFAULT_CONFIG


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise ConfigError(f"{where}: unknown key {extra[0]!r} (known: {', '.join(sorted(known))})")


def _merged_tables(path: Path, seen: tuple[Path, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    """``path`` and the files it includes, includes first, each with its own folder."""
    path = path.resolve()
    if path in seen:
        raise ConfigError(f"{path}: include loop")
    data = _read_toml(path)
    _unknown(data, TOP_KEYS, str(path))
    includes = data.get("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ConfigError(f"{path}: 'include' must be a list of file names")
    tables: list[tuple[Path, dict[str, Any]]] = []
    for name in includes:
        tables.extend(_merged_tables(path.parent / name, (*seen, path)))
    tables.append((path, data))
    return tables


def _site(table: Any, where: str, base: Path) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [site] must be a table")
    _unknown(table, SITE_KEYS, f"{where}: [site]")
    values: dict[str, Any] = {}
    for key, value in table.items():
        here = f"{where}: [site] {key}"
        if key in ("output", "cache"):
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{here}: expected a path")
            values[key] = (base / value).resolve()
        elif key == "window_days":
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{here}: expected a positive number of days")
            values["window"] = timedelta(days=value)
        elif key in ("min_entries", "max_entries"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{here}: expected a whole number >= 0")
            values[key] = value
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{here}: expected a string")
            values[key] = value
    return values


def _source(table: Any, where: str, base: Path) -> SourceConfig:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: each [[sources]] entry must be a table")
    _unknown(table, SOURCE_KEYS, f"{where}: [[sources]]")
    for key in ("name", "kind", "url"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{where}: [[sources]] needs a non-empty string {key!r}")
    try:
        parser_for(table["kind"])
    except ConfigError as exc:
        raise ConfigError(f"{where}: source {table['name']!r}: {exc}") from None
    return SourceConfig(table["name"], table["kind"], resolve_location(table["url"], base))


def resolve_location(url: str, base: Path) -> str:
    """An http(s) URL unchanged; a ``file://`` URL or local path made absolute against ``base``."""
    if url.startswith(("http://", "https://")):
        return url
    path = Path(url.removeprefix("file://"))
    return str(path if path.is_absolute() else (base / path).resolve())


def load_config(path: Path | None = None) -> Config:
    """The configuration in ``path`` (default: ``feeds/feedsmith.toml``, else the bundled demo)."""
    bundled = False
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else bundled_config_path()
        bundled = path.resolve() == bundled_config_path().resolve() and not DEFAULT_CONFIG.is_file()
    site: dict[str, Any] = {}
    sources: dict[str, SourceConfig] = {}
    topics: dict[str, Topic] = {}
    for file, data in _merged_tables(path):
        where = str(file)
        site.update(_site(data.get("site", {}), where, file.parent))
        raw_sources = data.get("sources", [])
        if not isinstance(raw_sources, list):
            raise ConfigError(f"{where}: 'sources' must be an array of tables ([[sources]])")
        for table in raw_sources:
            source = _source(table, where, file.parent)
            if source.name in sources:
                raise ConfigError(f"{where}: duplicate source name {source.name!r}")
            sources[source.name] = source
        raw_topics = data.get("topics", {})
        if not isinstance(raw_topics, Mapping):
            raise ConfigError(f"{where}: 'topics' must be a table of [topics.<slug>] tables")
        for slug, table in raw_topics.items():
            if slug in topics:
                raise ConfigError(f"{where}: topic {slug!r}: duplicate slug")
            topics[slug] = topic_from_table(slug, table, where=where)
    if bundled:  # the demo inside an installed package writes into the working directory
        site.update(output=Path.cwd() / "site", cache=Path.cwd() / ".cache" / "feedsmith")
    config = Config(path=path.resolve(), site=SiteConfig(**site),
                    sources=tuple(sources.values()), topics=tuple(topics.values()))
    if config.site.min_entries > config.site.max_entries:
        raise ConfigError(f"{path}: [site] min_entries is larger than max_entries")
    return config


def with_overrides(config: Config, *, output: Path | None = None, cache: Path | None = None,
                   base_url: str | None = None) -> Config:
    """``config`` with the values given on the command line or in the environment."""
    site = config.site
    if output is not None:
        site = replace(site, output=output)
    if cache is not None:
        site = replace(site, cache=cache)
    if base_url is not None:
        site = replace(site, base_url=base_url)
    return replace(config, site=site)


def env_path(name: str) -> Path | None:
    """The path in environment variable ``name``, if set and non-empty."""
    value = os.environ.get(name)
    return Path(value) if value else None
