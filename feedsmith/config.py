"""Configuration: one TOML file (plus the files it includes) in, a frozen ``Config`` out.

Precedence: command-line flag > environment variable > file > default. Relative paths in a file
resolve against that file's folder, except in the configuration bundled with the package, whose
output and cache go to ``site`` and ``.cache/feedsmith`` in the working directory.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.utils import parseaddr
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .checks import is_count, is_number, unknown_key
from .errors import ConfigError
from .periods import CADENCES
from .redact import redact_text
from .settings import CrawlSettings, HostLimits
from .sources import SourceConfig, kind_named
from .topics import ALL, Topic, topic_from_table

DEFAULT_CONFIG = Path("feeds") / "feedsmith.toml"
# Where a run without --config looks, in the working directory: a project made by `feedsmith init`,
# then a checkout of this repository.
DEFAULT_CONFIGS = (Path("feedsmith.toml"), DEFAULT_CONFIG)
SITE_KEYS = frozenset({
    "title", "description", "base_url", "author", "output", "cache",
    "window_days", "min_entries", "max_entries", "contact",
})
SOURCE_KEYS = frozenset({"name", "kind", "url"})
TOP_KEYS = frozenset({"include", "site", "sources", "topics", "crawl", "digest", "email"})
DIGEST_KEYS = frozenset({"periods", "top", "keep"})
EMAIL_KEYS = frozenset({"to", "from", "smtp_host", "smtp_port", "starttls", "ssl", "username",
                        "password_env", "list_unsubscribe", "topics", "periods", "timeout"})
CRAWL_NUMBERS = frozenset({"connect_timeout", "read_timeout", "deadline", "source_deadline",
                           "backoff_base", "backoff_cap", "spacing"})
CRAWL_COUNTS = frozenset({"max_bytes", "max_redirects", "retries", "concurrency"})
CRAWL_FLAGS = frozenset({"allow_private_redirects"})
CRAWL_URLS = frozenset({"arxiv_api"})
CRAWL_KEYS = CRAWL_NUMBERS | CRAWL_COUNTS | CRAWL_FLAGS | CRAWL_URLS | {"hosts"}
HOST_KEYS = frozenset({"concurrency", "spacing"})


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
class DigestConfig:
    """The ``[digest]`` table: which digest feeds are made, and how many papers and digests."""

    periods: tuple[str, ...] = CADENCES
    top: int = 10
    keep: int = 30


@dataclass(frozen=True)
class EmailConfig:
    """The ``[email]`` table: who gets the digests, from whom, through which SMTP server. The
    password is never here: ``password_env`` names the environment variable that holds it."""

    to: tuple[str, ...]
    sender: str
    smtp_host: str
    smtp_port: int | None = None
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    list_unsubscribe: tuple[str, ...] = ()
    topics: tuple[str, ...] = (ALL,)
    periods: tuple[str, ...] | None = None
    timeout: float = 60.0

    @property
    def port(self) -> int:
        """The configured port, else the usual one: 465 for ``ssl``, 587 for STARTTLS, else 25."""
        return self.smtp_port or (465 if self.ssl else 587 if self.starttls else 25)


@dataclass(frozen=True)
class Config:
    """Everything one run needs to know."""

    path: Path | None
    site: SiteConfig = field(default_factory=SiteConfig)
    sources: tuple[SourceConfig, ...] = ()
    topics: tuple[Topic, ...] = ()
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    digest: DigestConfig = field(default_factory=DigestConfig)
    email: EmailConfig | None = None


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
        raise ConfigError(f"{where}: {unknown_key(extra[0], known)}")


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
            if not is_number(value) or value <= 0:
                raise ConfigError(f"{here}: expected a positive number of days")
            values["window"] = timedelta(days=value)
        elif key in ("min_entries", "max_entries"):
            if not is_count(value):
                raise ConfigError(f"{here}: expected a whole number >= 0")
            values[key] = value
        elif key == "base_url":
            values[key] = checked_base_url(value, where=here)
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{here}: expected a string")
            values[key] = value
    return values


def _entries(table: Any, name: str, known: frozenset[str], where: str) -> Iterator[tuple[str, Any, str]]:
    """Each key and value of one file's ``[name]`` table, with where it is for messages;
    ConfigError if it is no table or has an unknown key."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [{name}] must be a table")
    _unknown(table, known, f"{where}: [{name}]")
    for key, value in table.items():
        yield key, value, f"{where}: [{name}] {key}"


def _periods(value: Any, here: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(v in CADENCES for v in value):
        raise ConfigError(f"{here}: expected a list of {' and '.join(repr(c) for c in CADENCES)}")
    return tuple(c for c in CADENCES if c in value)


def _digest(table: Any, where: str, values: dict[str, Any]) -> None:
    """Fold one file's [digest] table into ``values``."""
    for key, value, here in _entries(table, "digest", DIGEST_KEYS, where):
        if key == "periods":
            values[key] = _periods(value, here)
        elif not is_count(value, 1):
            raise ConfigError(f"{here}: expected a whole number >= 1")
        else:
            values[key] = value


_ADDRESS = re.compile(r"[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+")


def _address(value: Any, here: str, *, named: bool = False) -> str:
    """An e-mail address (``named``: also ``Name <address>``), checked so that it cannot carry a
    second header or recipient."""
    text = value if isinstance(value, str) else ""
    name, address = parseaddr(text) if named else ("", text)
    if not _ADDRESS.fullmatch(address) or any(c in text for c in "\r\n") or (not named and name):
        raise ConfigError(f"{here}: {value!r} is not an e-mail address"
                          + (" (like 'Papers <papers@example.org>')" if named else ""))
    return text


def _strings(value: Any, here: str, check: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{here}: expected a string or a non-empty list of strings")
    return tuple(check(item, here) for item in items)


def _unsubscribe(value: Any, here: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"(?:mailto:|https?://)[^\s<>,]+", value):
        raise ConfigError(f"{here}: {value!r} is not a mailto: or http(s) URL")
    return value


def _email(table: Any, where: str) -> dict[str, Any]:
    """The values of one file's [email] table (a later file's table replaces an earlier one)."""
    if isinstance(table, Mapping) and "password" in table:
        raise ConfigError(f"{where}: [email] password: the password is never read from a file; "
                          "set password_env to the name of the environment variable that holds it")
    values: dict[str, Any] = {}
    for key, value, here in _entries(table, "email", EMAIL_KEYS, where):
        if key == "to":
            values["to"] = _strings(value, here, _address)
        elif key == "from":
            values["sender"] = _address(value, here, named=True)
        elif key == "list_unsubscribe":
            values[key] = _strings(value, here, _unsubscribe)
        elif key == "topics":
            values[key] = _strings(value, here, lambda v, _: v if isinstance(v, str) else "")
        elif key == "periods":
            values[key] = _periods(value, here)
        elif key in ("starttls", "ssl"):
            if not isinstance(value, bool):
                raise ConfigError(f"{here}: expected true or false")
            values[key] = value
        elif key == "smtp_port":
            if not is_count(value, 1) or value > 65535:
                raise ConfigError(f"{here}: expected a port number (1-65535)")
            values[key] = value
        elif key == "timeout":
            if not is_number(value) or value <= 0:
                raise ConfigError(f"{here}: expected a positive number of seconds")
            values[key] = float(value)
        elif not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
            raise ConfigError(f"{here}: expected a non-empty string without spaces")
        else:
            values[key] = value
    for key in ("to", "from", "smtp_host"):
        if key not in table:
            raise ConfigError(f"{where}: [email] needs {key!r}")
    if values.get("ssl") and values.get("starttls"):
        raise ConfigError(f"{where}: [email] ssl and starttls: choose one (ssl: TLS from the first "
                          "byte, usually port 465; starttls: upgraded, usually port 587)")
    if values.get("ssl"):
        values["starttls"] = False
    if "username" in values and not (values.get("ssl") or values.get("starttls", True)):
        raise ConfigError(f"{where}: [email] username without ssl or starttls would send the "
                          "password in clear; turn one of them on")
    if "username" in values and "password_env" not in values:
        raise ConfigError(f"{where}: [email] username needs password_env: the name of the "
                          "environment variable that holds the password")
    return values


def _source(table: Any, where: str, base: Path) -> SourceConfig:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: each [[sources]] entry must be a table")
    for key in ("name", "kind"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{where}: [[sources]] needs a non-empty string {key!r}")
    try:
        kind = kind_named(table["kind"])
    except ConfigError as exc:
        raise ConfigError(f"{where}: source {table['name']!r}: {exc}") from None
    here = f"{where}: source {table['name']!r}"
    known = SOURCE_KEYS | set(kind.options)
    extra = sorted(set(table) - known)
    if extra:
        raise ConfigError(f"{here}: " + unknown_key(
            extra[0], known, what=f"key {extra[0]!r} does not apply to kind {kind.name!r}"))
    url = table.get("url", "")
    if not isinstance(url, str) or ("url" in table and not url.strip()):
        raise ConfigError(f"{here}: 'url' must be a non-empty string")
    options = {key: kind.options[key].check(value, f"{here}: {key!r}")
               for key, value in table.items() if key not in SOURCE_KEYS}
    source = SourceConfig(table["name"], kind.name, resolve_location(url, base) if url else "",
                          options)
    if kind.validate is not None:
        try:
            kind.validate(source)
        except ConfigError as exc:
            raise ConfigError(f"{here}: {exc}") from None
    return source


def _crawl(table: Any, where: str, values: dict[str, Any]) -> None:
    """Fold one file's [crawl] table into ``values`` (per-host tables merge host by host)."""
    for key, value, here in _entries(table, "crawl", CRAWL_KEYS, where):
        if key in CRAWL_NUMBERS:
            if not is_number(value) or value < 0 or (
                    value == 0 and key not in ("spacing", "backoff_base")):
                raise ConfigError(f"{here}: expected a positive number of seconds")
            values[key] = float(value)
        elif key in CRAWL_COUNTS:
            least = 0 if key in ("retries", "max_redirects") else 1
            if not is_count(value, least):
                raise ConfigError(f"{here}: expected a whole number >= {least}")
            values[key] = value
        elif key in CRAWL_FLAGS:
            if not isinstance(value, bool):
                raise ConfigError(f"{here}: expected true or false")
            values[key] = value
        elif key in CRAWL_URLS:
            parts = urlsplit(value) if isinstance(value, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{here}: expected an absolute http(s) URL")
            values[key] = value
        else:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{here}: expected [crawl.hosts.\"<host>\"] tables")
            hosts = dict(values.get("hosts", CrawlSettings().hosts))
            for host, limits in value.items():
                hosts[host.lower()] = _host_limits(limits, f"{here}.{host}",
                                                   hosts.get(host.lower(), HostLimits()))
            values["hosts"] = tuple(hosts.items())


def _host_limits(table: Any, here: str, base: HostLimits) -> HostLimits:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{here}: expected a table with concurrency and/or spacing")
    _unknown(table, HOST_KEYS, here)
    concurrency = table.get("concurrency", base.concurrency)
    spacing = table.get("spacing", base.spacing)
    if not is_count(concurrency, 1):
        raise ConfigError(f"{here}: concurrency must be a whole number >= 1")
    if not is_number(spacing) or spacing < 0:
        raise ConfigError(f"{here}: spacing must be a number of seconds >= 0")
    return HostLimits(concurrency, float(spacing))


def resolve_location(url: str, base: Path) -> str:
    """An http(s) URL unchanged; a ``file://`` URL or local path made absolute against ``base``."""
    if url.startswith(("http://", "https://")):
        return url
    path = Path(url.removeprefix("file://"))
    return str(path if path.is_absolute() else (base / path).resolve())


def default_config_path() -> Path | None:
    """The configuration a run without ``--config`` reads from the working directory, if any:
    ``feedsmith.toml`` (a project ``feedsmith init`` wrote), else ``feeds/feedsmith.toml``."""
    return next((path for path in DEFAULT_CONFIGS if path.is_file()), None)


def load_config(path: Path | None = None) -> Config:
    """The configuration in ``path`` (default: ``feedsmith.toml`` or ``feeds/feedsmith.toml`` in
    the working directory, else the bundled demo)."""
    bundled = False
    if path is None:
        path = default_config_path()
        if path is None:
            path, bundled = bundled_config_path(), True
    site: dict[str, Any] = {}
    sources: dict[str, SourceConfig] = {}
    topics: dict[str, Topic] = {}
    crawl: dict[str, Any] = {}
    digest: dict[str, Any] = {}
    email: dict[str, Any] | None = None
    for file, data in _merged_tables(path):
        where = str(file)
        site.update(_site(data.get("site", {}), where, file.parent))
        _crawl(data.get("crawl", {}), where, crawl)
        _digest(data.get("digest", {}), where, digest)
        if "email" in data:
            email = _email(data["email"], where)
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
                    sources=tuple(sources.values()), topics=tuple(topics.values()),
                    crawl=CrawlSettings(**crawl), digest=DigestConfig(**digest),
                    email=EmailConfig(**email) if email is not None else None)
    if config.site.min_entries > config.site.max_entries:
        raise ConfigError(f"{path}: [site] min_entries is larger than max_entries")
    check_email_digests(config)
    check_site_folders(config.site)
    return config


def check_email_digests(config: Config) -> None:
    """ConfigError if [email] names a topic that is not configured or a period [digest] does not
    make."""
    if config.email is None:
        return
    slugs = {ALL, *(t.slug for t in config.topics)}
    unknown = [slug for slug in config.email.topics if slug not in slugs]
    if unknown:
        raise ConfigError(f"{config.path}: [email] topics: {unknown[0]!r} is not a topic "
                          f"(known: {', '.join(sorted(slugs))})")
    missing = [p for p in config.email.periods or () if p not in config.digest.periods]
    if missing:
        raise ConfigError(f"{config.path}: [email] periods: [digest] makes no {missing[0]} digests "
                          f"(its periods: {', '.join(config.digest.periods) or 'none'})")


def check_site_folders(site: SiteConfig) -> None:
    """ConfigError if the output or cache folder is one a build must not write into."""
    check_output_folder(site)
    check_store_outside_site(site)


def check_output_folder(site: SiteConfig) -> None:
    """ConfigError if the output folder is a filesystem root, the home folder or a folder above
    it: a build replaces and deletes files there by name."""
    out = site.output.resolve()
    try:
        home: Path | None = Path.home().resolve()
    except RuntimeError:  # no home folder known
        home = None
    where = ("is the root of the filesystem" if out == Path(out.anchor) else
             "is the home folder" if out == home else
             "contains the home folder" if home is not None and out in home.parents else "")
    if where:
        raise ConfigError(f"output folder {site.output} {where}: a build writes and replaces "
                          "files there; give the site a folder of its own (such as site)")


def checked_base_url(value: object, *, where: str = "base_url") -> str:
    """``value`` as a base URL: an absolute http(s) URL with a host, ending in ``/`` (added when
    missing); ConfigError naming the value for anything else."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
            or parts.query or parts.fragment or any(c.isspace() for c in str(value)):
        raise ConfigError(f"{where}: {value!r} is not an absolute http(s) URL "
                          "(like https://me.github.io/papers/)")
    text = str(value)
    return text if text.endswith("/") else text + "/"


def check_store_outside_site(site: SiteConfig) -> None:
    """ConfigError if the cache folder is the output folder, inside it or around it: the store
    (crawl validators of every source URL included) would be published with the site."""
    cache, out = site.cache.resolve(), site.output.resolve()
    if cache == out or out in cache.parents or cache in out.parents:
        where = ("is the output folder" if cache == out else
                 "is inside the output folder" if out in cache.parents else
                 "contains the output folder")
        raise ConfigError(f"cache folder {site.cache} {where} {site.output}: the store would be "
                          "published with the site; keep the cache folder outside it")


def with_overrides(config: Config, *, output: Path | None = None, cache: Path | None = None,
                   base_url: str | None = None) -> Config:
    """``config`` with the values given on the command line or in the environment."""
    site = config.site
    if output is not None:
        site = replace(site, output=output)
    if cache is not None:
        site = replace(site, cache=cache)
    if base_url is not None:
        site = replace(site, base_url=checked_base_url(base_url, where="FEEDSMITH_BASE_URL"))
    check_site_folders(site)
    return replace(config, site=site)


def source_name_for(url: str) -> str:
    """A readable source name derived from ``url``: host and path as lowercase words."""
    parts = urlsplit(url)
    text = f"{parts.hostname or ''}{parts.path}" if parts.scheme in ("http", "https") \
        else Path(url.removeprefix("file://")).stem
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return name or "source"


def source_from_spec(spec: str, *, base: Path | None = None) -> SourceConfig:
    """A ``KIND=URL`` value of ``--add-source`` as a source; ConfigError if it is not valid."""
    kind, sep, url = spec.partition("=")
    kind, url = kind.strip(), url.strip()
    shown = repr(redact_text(spec))
    if not sep or not kind or not url:
        raise ConfigError(f"{shown}: expected KIND=URL, e.g. feed=https://example.org/atom.xml")
    kind_named(kind)
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise ConfigError(f"{shown}: the URL has no host")
    elif parts.scheme not in ("", "file") or not url:
        raise ConfigError(f"{shown}: expected an http(s) URL, a file:// URL or a local path")
    return SourceConfig(source_name_for(url), kind, resolve_location(url, base or Path.cwd()))


def with_added_sources(config: Config, specs: tuple[str, ...] | list[str]) -> Config:
    """``config`` plus one source per ``KIND=URL`` spec; a derived name that is taken gets a
    ``-2``, ``-3``... suffix. ConfigError if a spec is not valid."""
    sources = list(config.sources)
    taken = {s.name for s in sources}
    for spec in specs:
        source = source_from_spec(spec)
        name, n = source.name, 1
        while name in taken:
            n += 1
            name = f"{source.name}-{n}"
        taken.add(name)
        sources.append(replace(source, name=name))
    return replace(config, sources=tuple(sources))
