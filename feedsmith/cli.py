"""The command line: parse flags, call one library function, print its report.

Exit codes: 0 success; 1 error (configuration, store, render); 2 usage; 3 the site was built but
at least one source failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import Config, load_config, with_overrides
from .errors import FeedsmithError
from .pipeline import BuildReport, build
from .store import DEFAULT_LOCK_TIMEOUT

EXIT_SOURCE_FAILED = 3


class FeedsmithGroup(click.Group):
    """A click group that turns every ``FeedsmithError`` into exit code 1 with a one-line message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FeedsmithError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=FeedsmithGroup)
@click.version_option(__version__, prog_name="feedsmith")
def main() -> None:
    """feedsmith turns trending ML papers into per-topic feeds on a static site.

    Example: feedsmith build --config feeds/feedsmith.toml
    """


def config_options(func: Any) -> Any:
    """The options every command that reads the configuration takes."""
    func = click.option("--cache-dir", type=click.Path(path_type=Path), envvar="FEEDSMITH_CACHE_DIR",
                        help="Entry store folder (env FEEDSMITH_CACHE_DIR).")(func)
    func = click.option("--out", type=click.Path(path_type=Path), envvar="FEEDSMITH_OUT",
                        help="Output folder for the site (env FEEDSMITH_OUT).")(func)
    func = click.option("--config", "config_path", type=click.Path(path_type=Path),
                        envvar="FEEDSMITH_CONFIG",
                        help="TOML configuration (default: feeds/feedsmith.toml, else the demo).")(func)
    return func


def lock_timeout_option(func: Any) -> Any:
    """The ``--lock-timeout`` option of every command that opens the store."""
    return click.option("--lock-timeout", type=click.FloatRange(min=0), default=DEFAULT_LOCK_TIMEOUT,
                        show_default=True, envvar="FEEDSMITH_LOCK_TIMEOUT",
                        help="Seconds to wait for another run to release the store, then exit 1 "
                             "(env FEEDSMITH_LOCK_TIMEOUT).")(func)


def resolve_config(config_path: Path | None, out: Path | None, cache_dir: Path | None) -> Config:
    """The configuration with command-line and environment overrides applied."""
    return with_overrides(load_config(config_path), output=out, cache=cache_dir)


def print_report(report: BuildReport) -> None:
    """The end-of-run summary: sources, entries, topics, files."""
    failed = report.failed
    click.echo(f"sources: {len(report.sources) - len(failed)} read, {len(failed)} failed")
    for source in report.sources:
        if source.error:
            click.echo(f"  FAILED {source.name} ({source.kind}): {source.error}", err=True)
        else:
            skipped = f", {source.skipped} skipped" if source.skipped else ""
            click.echo(f"  {source.name} ({source.kind}): {source.entries} entries, "
                       f"{source.new} new{skipped}")
    click.echo(f"entries: {report.new} new, {report.changed} changed"
               + (" (topic rules changed: store re-classified)" if report.reclassified else ""))
    counts = ", ".join(f"{slug} {count}" for slug, count in report.topic_counts.items())
    click.echo(f"feeds: {counts}")
    if report.write is not None:
        click.echo(f"files: {len(report.write.written)} written, {len(report.write.unchanged)} "
                   f"unchanged, {len(report.write.removed)} removed")
        click.echo(f"site: {report.output}/index.html")


@main.command("build")
@config_options
@click.option("--seed-from", metavar="URL-OR-FOLDER", envvar="FEEDSMITH_SEED_FROM",
              help="Previously published site (folder or URL): its all.atom ids and dates seed "
                   "a lost store (env FEEDSMITH_SEED_FROM).")
@lock_timeout_option
def build_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                  seed_from: str | None = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """Read the sources, update the store and write the site.

    Example: feedsmith build --config feeds/feedsmith.toml --out site
    """
    config = resolve_config(config_path, out, cache_dir)
    report = build(config, lock_timeout=lock_timeout, seed_from=seed_from)
    if report.seeded is not None:
        click.echo(f"seeded: {report.seeded} ids from {seed_from}")
    print_report(report)
    if report.failed:
        sys.exit(EXIT_SOURCE_FAILED)


# store maintenance and inspection ---------------------------------------------------------------

@main.command("prune")
@config_options
@lock_timeout_option
@click.option("--older-than", required=True, metavar="AGE",
              help="Remove entries first seen longer ago than AGE: 90d, 2w, 365d, 12h.")
def prune_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                  lock_timeout: float, older_than: str) -> None:
    """Remove entries first seen before a cutoff (the store keeps everything by default).

    Example: feedsmith prune --older-than 90d
    """
    from datetime import UTC, datetime

    from .entries import parse_age
    from .store import open_store

    age = parse_age(older_than)
    config = resolve_config(config_path, out, cache_dir)
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        removed = store.prune(datetime.now(UTC) - age)
        left = store.count()
    click.echo(f"pruned {removed} entries first seen more than {older_than} ago; {left} left")


@main.group("store")
def store_group() -> None:
    """Verify, back up and restore the entry store.

    Example: feedsmith store export backup.jsonl
    """


@store_group.command("check")
@config_options
@lock_timeout_option
def store_check_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                        lock_timeout: float) -> None:
    """Verify the store: SQLite integrity, its marker, every record; exit 1 if damaged.

    Example: feedsmith store check --cache-dir .cache/feedsmith
    """
    from .errors import StoreError
    from .store import open_store

    config = resolve_config(config_path, out, cache_dir)
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        problems = store.check()
        count = store.count()
    if problems:
        raise StoreError(f"store {config.site.cache} is damaged: " + "; ".join(problems))
    click.echo(f"store {config.site.cache}: ok, {count} entries")


@store_group.command("export")
@config_options
@lock_timeout_option
@click.argument("file", required=False, type=click.Path(path_type=Path))
def store_export_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                         lock_timeout: float, file: Path | None) -> None:
    """Write every stored entry as JSON Lines to FILE (default: standard output).

    Example: feedsmith store export backup.jsonl
    """
    import io

    from .render.site import write_atomic
    from .store import open_store

    config = resolve_config(config_path, out, cache_dir)
    buffer = io.StringIO()
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        count = store.export_jsonl(buffer)
    if file is None:
        click.echo(buffer.getvalue(), nl=False)
    else:
        try:
            write_atomic(file, buffer.getvalue().encode())
        except OSError as exc:
            raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
        click.echo(f"exported {count} entries to {file}", err=True)


@store_group.command("import")
@config_options
@lock_timeout_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def store_import_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                         lock_timeout: float, file: Path) -> None:
    """Load a `store export` file into an empty store (use `-` for standard input).

    Example: feedsmith store import backup.jsonl --cache-dir .cache/feedsmith
    """
    from .store import open_store

    config = resolve_config(config_path, out, cache_dir)
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        count = store.import_jsonl(text.splitlines(), name=str(file))
    click.echo(f"imported {count} entries into {config.site.cache}")


@main.group("entries", invoke_without_command=True)
@config_options
@lock_timeout_option
@click.option("--topic", help="Only entries in this topic slug.")
@click.option("--source", help="Only entries delivered by this source name (or kind).")
@click.option("--text", help="Only entries whose title, abstract or authors contain this text.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Only entries first seen on or after this date (UTC), e.g. 2026-03-01.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (one entry record a line).")
@click.pass_context
def entries_group(ctx: click.Context, config_path: Path | None, out: Path | None,
                  cache_dir: Path | None, lock_timeout: float, topic: str | None,
                  source: str | None, text: str | None, since: Any, as_json: bool) -> None:
    """List stored entries, newest first; `entries show ID` explains one.

    Example: feedsmith entries --topic reasoning --since 2026-03-01
    """
    ctx.obj = (config_path, out, cache_dir, lock_timeout)
    if ctx.invoked_subcommand is not None:
        return
    import json
    from datetime import UTC

    from .entries import select_entries
    from .model import entry_to_record
    from .store import open_store

    config = resolve_config(config_path, out, cache_dir)
    since_utc = since.replace(tzinfo=UTC) if since is not None else None
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        for entry in select_entries(store, topic=topic, source=source, text=text, since=since_utc):
            if as_json:
                click.echo(json.dumps(entry_to_record(entry), sort_keys=True, ensure_ascii=False))
            else:
                first = entry.first_seen.date().isoformat() if entry.first_seen else "-"
                click.echo(f"{first}  {entry.guid}  {entry.title}")


@entries_group.command("show")
@click.argument("reference")
@click.pass_obj
def entries_show_command(obj: tuple[Any, ...], reference: str) -> None:
    """Print one entry (arXiv id, URL or guid): sources, merge history and topics.

    Example: feedsmith entries show 2410.00086
    """
    from .entries import describe_entry, find_entry
    from .errors import StoreError
    from .store import open_store
    from .topics import compile_topic

    config_path, out, cache_dir, lock_timeout = obj
    config = resolve_config(config_path, out, cache_dir)
    with open_store(config.site.cache, lock_timeout=lock_timeout) as store:
        entry = find_entry(store, reference)
    if entry is None:
        raise StoreError(f"no stored entry for {reference!r}")
    compiled = tuple(compile_topic(t) for t in config.topics)
    for line in describe_entry(entry, compiled):
        click.echo(line)
