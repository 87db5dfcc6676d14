"""The command line: parse flags, call one library function, print its report.

Exit codes: 0 success; 1 error (configuration, store, render, a mail server that cannot be
reached); 2 usage; 3 the site was built but at least one source failed, or `digest send` sent
the rest but the mail server refused at least one recipient or message.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ._version import __version__
from .config import (
    Config,
    checked_base_url,
    load_config,
    source_from_spec,
    with_added_sources,
    with_overrides,
)
from .entries import parse_age
from .errors import ArgumentError, ConfigError, FeedsmithError, StoreError
from .init import init_project
from .inspection import explain_paper, list_entries, show_entry, topic_summaries, try_rule
from .jobs import build, crawl_sources
from .mail import SendReport, send_digests
from .maintenance import check_store, export_store, import_store, prune_store
from .merge import with_fingerprints
from .model import Entry, entry_to_record
from .periods import CADENCES
from .redact import redact_text, redact_url
from .render.site import write_atomic
from .report import BuildReport, SourceResult
from .serve import make_server
from .store import DEFAULT_LOCK_TIMEOUT

EXIT_SOURCE_FAILED = 3
EXIT_REFUSED = 3


@dataclass(frozen=True)
class GroupOptions:
    """What a command group (``topics``, ``entries``) hands to its subcommands."""

    config_path: Path | None = None
    cache_dir: Path | None = None
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT


class EchoHandler(logging.Handler):
    """Prints the library's warnings (a store conversion, say) as ``feedsmith: ...`` lines on
    the standard error of the moment."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"feedsmith: {record.getMessage()}", err=True)


class FeedsmithGroup(click.Group):
    """A click group that turns every ``FeedsmithError`` into exit code 1 with a one-line message,
    and an ``ArgumentError`` (a bad argument the library found) into a usage error, exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArgumentError as exc:
            raise click.UsageError(redact_text(str(exc))) from None
        except FeedsmithError as exc:
            raise click.ClickException(redact_text(str(exc))) from None


@click.group(cls=FeedsmithGroup)
@click.version_option(__version__, prog_name="feedsmith")
def main() -> None:
    """feedsmith turns trending ML papers into per-topic feeds on a static site.

    Example: feedsmith build --config feeds/feedsmith.toml
    """
    logger = logging.getLogger("feedsmith")
    if not any(isinstance(h, EchoHandler) for h in logger.handlers):
        logger.addHandler(EchoHandler())


def config_option(func: Any) -> Any:
    """``--config``, for every command that reads the configuration."""
    return click.option("--config", "config_path", type=click.Path(path_type=Path),
                        envvar="FEEDSMITH_CONFIG",
                        help="TOML configuration (env FEEDSMITH_CONFIG; default: feedsmith.toml, "
                             "else feeds/feedsmith.toml, else the demo).")(func)


def config_options(func: Any) -> Any:
    """The options every command that reads the configuration and the store takes."""
    func = click.option("--cache-dir", type=click.Path(path_type=Path), envvar="FEEDSMITH_CACHE_DIR",
                        help="Entry store folder (env FEEDSMITH_CACHE_DIR).")(func)
    return config_option(func)


def lock_timeout_option(func: Any) -> Any:
    """The ``--lock-timeout`` option of every command that opens the store (on a subcommand,
    the group's value unless given there too)."""
    return click.option("--lock-timeout", type=click.FloatRange(min=0), default=DEFAULT_LOCK_TIMEOUT,
                        show_default=True, envvar="FEEDSMITH_LOCK_TIMEOUT",
                        help="Seconds to wait for another run to release the store, then exit 1 "
                             "(env FEEDSMITH_LOCK_TIMEOUT).")(func)


def out_option(func: Any) -> Any:
    """``--out``, for the command that writes the site."""
    return click.option("--out", type=click.Path(path_type=Path), envvar="FEEDSMITH_OUT",
                        help="Output folder for the site (env FEEDSMITH_OUT).")(func)


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A bad ``--base-url`` flag is a usage error (exit 2); a bad FEEDSMITH_BASE_URL is left to
    the configuration, where it is an error of the settings (exit 1)."""
    if value is not None and ctx.get_parameter_source("base_url") == ParameterSource.COMMANDLINE:
        try:
            return checked_base_url(value, where="--base-url")
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def base_url_option(func: Any) -> Any:
    """``--base-url``, for the command that writes the site's absolute URLs."""
    return click.option("--base-url", envvar="FEEDSMITH_BASE_URL", metavar="URL",
                        callback=_check_base_url,
                        help="Where the site is served, e.g. https://me.github.io/papers/: every "
                             "absolute URL in the feeds starts with it (env FEEDSMITH_BASE_URL).")(func)


def resolve_config(config_path: Path | None, cache_dir: Path | None, out: Path | None = None,
                   base_url: str | None = None) -> Config:
    """The configuration with command-line and environment overrides applied."""
    return with_overrides(load_config(config_path), output=out, cache=cache_dir, base_url=base_url)


def print_report(report: BuildReport) -> None:
    """The end-of-run summary: sources (each failed one named, with its reason), entries and,
    for a build, feeds and files."""
    failed = report.failed
    click.echo(f"sources: {len(report.sources) - len(failed)} read, {len(failed)} failed")
    for source in report.sources:
        took = f" [{source.elapsed:.2f} s]"
        if source.error:
            click.echo(f"  FAILED {source.name} ({source.kind}): {source.error}{took}")
        elif source.not_modified:
            click.echo(f"  {source.name} ({source.kind}): not modified since the last run{took}")
        else:
            skipped = f", {source.skipped} skipped" if source.skipped else ""
            dropped = (f", {source.dropped} ignored (papers this source may only update)"
                       if source.dropped else "")
            warning = f" (warning: {source.warning})" if source.warning else ""
            click.echo(f"  {source.name} ({source.kind}): {source.entries} entries, "
                       f"{source.new} new{skipped}{dropped}{warning}{took}")
    click.echo(f"entries: {report.new} new, {report.changed} changed"
               + (" (topic rules changed: store re-classified)" if report.reclassified else ""))
    if report.digests:
        click.echo(f"digests: {report.digests} made (of the periods that closed since the last build)")
    for note in report.notes:
        click.echo(f"note: {note}")
    if report.write is not None:
        counts = ", ".join(f"{slug} {count}" for slug, count in report.topic_counts.items())
        click.echo(f"feeds: {counts}")
        click.echo(f"files: {len(report.write.written)} written, {len(report.write.unchanged)} "
                   f"unchanged, {len(report.write.removed)} removed")
        click.echo(f"site: {report.output}/index.html")


def _check_source_specs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
                        ) -> tuple[str, ...]:
    for spec in value:
        try:
            source_from_spec(spec)
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def add_source_option(func: Any) -> Any:
    """``--add-source KIND=URL`` (repeatable): a source for this run only."""
    return click.option("--add-source", "add_sources", multiple=True, metavar="KIND=URL",
                        callback=_check_source_specs,
                        help="Add a source for this run only, e.g. feed=https://example.org/atom.xml "
                             "(repeatable).")(func)


def progress_printer() -> Any:
    """One line per source as its fetch finishes: counted on a terminal, plain log lines elsewhere."""
    terminal = sys.stderr.isatty()
    done = {"n": 0}

    def show(result: SourceResult) -> None:
        done["n"] += 1
        state = (f"failed: {result.error}" if result.error else
                 "not modified" if result.not_modified else "fetched")
        prefix = f"[{done['n']}] " if terminal else "feedsmith: "
        click.echo(f"{prefix}{result.name} ({result.kind}) {state}", err=True)
    return show


@main.command("build")
@config_options
@out_option
@base_url_option
@add_source_option
@click.option("--seed-from", metavar="URL-OR-FOLDER", envvar="FEEDSMITH_SEED_FROM",
              help="Previously published site (folder or URL): the ids and dates of every feed "
                   "it published seed a lost store (env FEEDSMITH_SEED_FROM).")
@click.option("--force", is_flag=True,
              help="Overwrite files in the output folder that feedsmith did not write "
                   "(by default the build refuses and names them).")
@lock_timeout_option
def build_command(config_path: Path | None, out: Path | None, base_url: str | None,
                  cache_dir: Path | None, add_sources: tuple[str, ...], seed_from: str | None = None,
                  force: bool = False, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """Read the sources, update the store and write the site.

    Example: feedsmith build --config feeds/feedsmith.toml --out site
    """
    config = with_added_sources(resolve_config(config_path, cache_dir, out, base_url), add_sources)
    report = build(config, progress=progress_printer(), lock_timeout=lock_timeout,
                   seed_from=seed_from, force=force)
    if report.seeded is not None:
        click.echo(f"seeded: {report.seeded} entries from {redact_url(seed_from or '')}")
    print_report(report)
    if report.failed:
        sys.exit(EXIT_SOURCE_FAILED)


@main.command("init", short_help="Write a ready project: configuration, topics, a Pages workflow.")
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--demo", is_flag=True,
              help="Read the bundled snapshot (72 papers, copied into the project) instead of the "
                   "live sources: the project builds offline.")
@click.option("--force", is_flag=True, help="Overwrite files that exist already (by default init "
                                            "names them and writes nothing).")
def init_command(folder: Path, demo: bool, force: bool) -> None:
    """Write a ready project into FOLDER (default: the current folder): feedsmith.toml,
    topics.toml, .gitignore, a GitHub Pages workflow and a README of next steps.

    Example: feedsmith init my-feeds --demo && cd my-feeds && feedsmith build
    """
    written = init_project(folder, demo=demo, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {shlex.quote(str(folder))} && "
    click.echo(f"next: {go}feedsmith build   (then see {folder / 'README.md'})")


@main.command("crawl")
@config_options
@add_source_option
@lock_timeout_option
def crawl_command(config_path: Path | None, cache_dir: Path | None,
                  add_sources: tuple[str, ...], lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """Fetch the sources into the store without writing the site.

    Example: feedsmith crawl --config feeds/live.toml --add-source feed=https://example.org/atom.xml
    """
    config = with_added_sources(resolve_config(config_path, cache_dir), add_sources)
    report = crawl_sources(config, progress=progress_printer(), lock_timeout=lock_timeout)
    print_report(report)
    if report.failed:
        sys.exit(EXIT_SOURCE_FAILED)


def _paper_label(entry: Entry) -> str:
    return entry.arxiv_id or entry.key


@main.group("topics", invoke_without_command=True)
@config_options
@lock_timeout_option
@click.pass_context
def topics_command(ctx: click.Context, config_path: Path | None, cache_dir: Path | None,
                   lock_timeout: float) -> None:
    """List the topics with their stored entry counts and newest entry.

    Example: feedsmith topics --config feeds/feedsmith.toml
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = GroupOptions(config_path, cache_dir, lock_timeout)
        return
    for summary in topic_summaries(resolve_config(config_path, cache_dir), lock_timeout=lock_timeout):
        newest = (f"newest {_paper_label(summary.newest)} {summary.newest.title}"
                  if summary.newest else "no entries")
        click.echo(f"{summary.slug:<22} {summary.count:>5}  {newest}")


def _inherited(ctx: click.Context, config_path: Path | None, cache_dir: Path | None,
               lock_timeout: float) -> tuple[Config, float]:
    """The configuration and lock timeout from this subcommand's options, else from those given
    to its group (`topics`, `entries`): options go before or after the subcommand alike."""
    parent = ctx.obj or GroupOptions()
    if ctx.get_parameter_source("lock_timeout") == ParameterSource.DEFAULT:
        lock_timeout = parent.lock_timeout
    return (resolve_config(config_path or parent.config_path, cache_dir or parent.cache_dir),
            lock_timeout)


@topics_command.command("explain", short_help="Say why a stored paper is or is not in each topic.")
@click.argument("paper")
@config_options
@lock_timeout_option
@click.pass_context
def topics_explain_command(ctx: click.Context, paper: str, config_path: Path | None,
                           cache_dir: Path | None, lock_timeout: float) -> None:
    """Show, for every topic, which rule and words put a stored paper in it, or why not.

    PAPER is an arXiv id (2309.12307, 2309.12307v3) or an arXiv / Hugging Face paper URL.

    Example: feedsmith topics explain 2309.12307
    """
    config, lock_timeout = _inherited(ctx, config_path, cache_dir, lock_timeout)
    result = explain_paper(config, paper, lock_timeout=lock_timeout)
    entry = result.entry
    click.echo(f"{_paper_label(entry)}  {entry.title}")
    click.echo(f"in: {', '.join(result.topics) or '(no topic)'}")
    if set(entry.topics) != set(result.topics):
        click.echo(f"stored under older rules as: {', '.join(entry.topics) or '(no topic)'} "
                   "(the next build re-classifies)")
    for match in result.matches:
        click.echo(f"{'+' if match.matched else '-'} {match.slug}: "
                   f"{'IN' if match.matched else 'OUT'}")
        for check in match.checks:
            mark = "ok  " if check.passed else "FAIL"
            click.echo(f"    {mark} {check.rule}: {check.detail}")
            for hit in check.hits:
                click.echo(f"           {hit.phrase!r} -> \"{hit.text}\" in {hit.field}")


@topics_command.command("try", short_help="Preview what a rule would catch in the store.")
@click.option("--rule", "rules", multiple=True, required=True,
              help="One TOML `key = value` line of a topic rule, e.g. 'any = [\"long context\"]'; "
                   "repeat for more keys.")
@click.option("--topic", "base", help="Start from this configured topic's rule and show what "
                                      "the --rule lines add (+) and drop (-).")
@click.option("--limit", default=50, show_default=True, help="Show at most this many entries.")
@config_options
@lock_timeout_option
@click.pass_context
def topics_try_command(ctx: click.Context, rules: tuple[str, ...], base: str | None, limit: int,
                       config_path: Path | None, cache_dir: Path | None,
                       lock_timeout: float) -> None:
    """Preview what a rule would catch in the store, without changing the configuration.

    Example: feedsmith topics try --rule 'any = ["long context", "context window"]'
    --rule 'none = ["video"]'
    """
    config, lock_timeout = _inherited(ctx, config_path, cache_dir, lock_timeout)
    result = try_rule(config, rules, base=base, lock_timeout=lock_timeout)
    click.echo(f"the rule keys of {base} as TOML (its other keys stay as they are):" if base
               else "the rule as TOML for the configuration:")
    click.echo(result.toml)
    click.echo(f"catches {len(result.caught)} of {result.total} stored entries"
               + (f" (+{len(result.added)} / -{len(result.dropped)} against {base})" if base else ""))
    if result.missing:
        click.echo(f"like: example papers in neither the store nor arXiv (ignored): "
                   f"{', '.join(result.missing)}")
    for entry, match in result.caught[:limit]:
        mark = "+ " if entry.key in result.added else "  "
        click.echo(f"{mark}{_paper_label(entry)}  {entry.title}  "
                   f"[{', '.join(match.words) or match.reason}]")
    if len(result.caught) > limit:
        click.echo(f"  ... {len(result.caught) - limit} more (--limit)")
    for entry in result.dropped[:limit]:
        click.echo(f"- {_paper_label(entry)}  {entry.title}")


@main.group("digest", short_help="E-mail the digests: the top papers of each closed day or week.")
def digest_group() -> None:
    """Digests: the top papers of each closed day or week, as feeds (written by `build`) and
    by e-mail.

    Example: feedsmith digest send --dry-run outbox
    """


def print_send_report(report: SendReport, dry_run: Path | None) -> None:
    """One line per message (written, sent or refused with the server's reply), then a summary."""
    for item, path in report.written:
        click.echo(f"wrote {path} ({item.describe()})")
    for item in report.sent:
        click.echo(f"sent {item.describe()}: {item.digest.title}")
    for item, reply in report.refused:
        click.echo(f"REFUSED {item.describe()}: {reply}", err=True)
    if dry_run is not None:
        click.echo(f"dry run: {len(report.written)} messages written to {dry_run}, nothing sent")
    elif not report.due:
        click.echo("nothing to send: every closed digest has reached every recipient")
    else:
        refused = (f", {len(report.refused)} refused (tried again next run)"
                   if report.refused else "")
        left = len(report.unsent) + (report.unknown is not None)
        click.echo(f"digests: {len(report.sent)} of {report.due} messages sent{refused}"
                   + (f", {left} go next run" if left else ""))


@digest_group.command("send", short_help="E-mail each closed digest a recipient has not had.")
@config_options
@lock_timeout_option
@click.option("--period", "periods", type=click.Choice(CADENCES), multiple=True,
              help="Only digests of this period (repeatable; default: [email] periods, else every "
                   "[digest] period).")
@click.option("--topic", "topics", multiple=True, metavar="SLUG",
              help="Only this feed's digests: all or a topic slug (repeatable; default: [email] "
                   "topics, else all).")
@click.option("--dry-run", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Write each message as DIR/<slug>.<period>.<date>.<recipient>.eml; send and "
                   "record nothing.")
def digest_send_command(config_path: Path | None, cache_dir: Path | None, lock_timeout: float,
                        periods: tuple[str, ...], topics: tuple[str, ...],
                        dry_run: Path | None) -> None:
    """E-mail each closed digest to the [email] recipients that have not had it: exit 3 if the
    server refused one (the reply is printed), 1 if it could not be reached (nothing is lost:
    what was not accepted goes next run).

    Example: feedsmith build && feedsmith digest send --period daily
    """
    report = send_digests(resolve_config(config_path, cache_dir), periods=periods, topics=topics,
                          dry_run=dry_run, lock_timeout=lock_timeout)
    print_send_report(report, dry_run)
    if report.error:
        raise click.ClickException(report.error)
    if report.refused:
        sys.exit(EXIT_REFUSED)


@main.command("serve", short_help="Preview the output folder over HTTP on 127.0.0.1.")
@config_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--dir", "directory", type=click.Path(path_type=Path), envvar="FEEDSMITH_OUT",
              help="The folder to preview (env FEEDSMITH_OUT; default: the configuration's "
                   "output folder).")
def serve_command(config_path: Path | None, port: int, directory: Path | None) -> None:
    """Preview the output folder over HTTP on 127.0.0.1 with each file's Content-Type.

    Example: feedsmith serve --config feeds/feedsmith.toml --port 8000
    """
    if directory is None:
        directory = load_config(config_path).site.output
    server = make_server(directory, port=port)
    click.echo(f"serving {directory} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# store maintenance and inspection ---------------------------------------------------------------

@main.command("prune", short_help="Remove entries first seen before a cutoff.")
@config_options
@lock_timeout_option
@click.option("--older-than", required=True, metavar="AGE",
              help="Remove entries first seen longer ago than AGE: 90d, 2w, 365d, 12h.")
def prune_command(config_path: Path | None, cache_dir: Path | None, lock_timeout: float,
                  older_than: str) -> None:
    """Remove entries first seen before a cutoff (the store keeps everything by default).

    Example: feedsmith prune --older-than 90d
    """
    removed, left = prune_store(resolve_config(config_path, cache_dir), parse_age(older_than),
                                now=datetime.now(UTC), lock_timeout=lock_timeout)
    click.echo(f"pruned {removed} entries first seen more than {older_than} ago; {left} left")


@main.group("store")
def store_group() -> None:
    """Verify, back up and restore the entry store.

    Example: feedsmith store export backup.jsonl
    """


@store_group.command("check", short_help="Verify the store; exit 1 if it is damaged.")
@config_options
@lock_timeout_option
def store_check_command(config_path: Path | None, cache_dir: Path | None,
                        lock_timeout: float) -> None:
    """Verify the store: SQLite integrity, its marker, every record; exit 1 if damaged.

    Example: feedsmith store check --cache-dir .cache/feedsmith
    """
    config = resolve_config(config_path, cache_dir)
    count, problems = check_store(config, lock_timeout=lock_timeout)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise StoreError(f"store {config.site.cache} is damaged: {len(problems)} problems (listed "
                         "above); `feedsmith store export --salvage` saves every readable entry")
    click.echo(f"store {config.site.cache}: ok, {count} entries")


@store_group.command("export", short_help="Write every stored entry as JSON Lines (a backup).")
@config_options
@lock_timeout_option
@click.option("--salvage", is_flag=True,
              help="Skip damaged records (each is listed) instead of stopping; exit 1 if any.")
@click.argument("file", required=False, type=click.Path(path_type=Path))
def store_export_command(config_path: Path | None, cache_dir: Path | None,
                         lock_timeout: float, salvage: bool, file: Path | None) -> None:
    """Write every stored entry as JSON Lines to FILE (default: standard output).

    Example: feedsmith store export backup.jsonl
    """
    text, result = export_store(resolve_config(config_path, cache_dir), salvage=salvage,
                                lock_timeout=lock_timeout)
    if file is None:
        click.echo(text, nl=False)
    else:
        try:
            write_atomic(file, text.encode())
        except OSError as exc:
            raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
        digests = (f" and {result.digests} digests, {result.sent} sent records"
                   if result.digests or result.sent else "")
        click.echo(f"exported {result.count} entries{digests} to {file}", err=True)
    if result.skipped:
        for skipped in result.skipped:
            click.echo(f"skipped damaged {skipped}", err=True)
        raise click.ClickException(f"skipped {len(result.skipped)} damaged records (listed above)")


@store_group.command("import", short_help="Load a `store export` file into an empty store.")
@config_options
@lock_timeout_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def store_import_command(config_path: Path | None, cache_dir: Path | None,
                         lock_timeout: float, file: Path) -> None:
    """Load a `store export` file into an empty store (use `-` for standard input).

    Example: feedsmith store import backup.jsonl --cache-dir .cache/feedsmith
    """
    config = resolve_config(config_path, cache_dir)
    try:  # read line by line as the import goes: a failure on the way imports nothing
        with contextlib.nullcontext(sys.stdin) if str(file) == "-" else file.open(
                encoding="utf-8") as lines:
            count = import_store(config, lines, name=str(file), lock_timeout=lock_timeout)
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    click.echo(f"imported {count} entries into {config.site.cache}")


@main.group("entries", invoke_without_command=True,
            short_help="List stored entries, newest first; `entries show` explains one.")
@config_options
@lock_timeout_option
@click.option("--topic", help="Only entries in this topic slug.")
@click.option("--source", help="Only entries delivered by this source name (or kind).")
@click.option("--text", metavar="PHRASE",
              help="Only entries with this phrase in title, abstract or authors, matched as in "
                   "topic rules: whole words, 'title:' and 're:' prefixes.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              metavar="DATE",
              help="Only entries first seen on or after this date (UTC), e.g. 2026-03-01.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines (one entry record a line).")
@click.pass_context
def entries_group(ctx: click.Context, config_path: Path | None,
                  cache_dir: Path | None, lock_timeout: float, topic: str | None,
                  source: str | None, text: str | None, since: Any, as_json: bool) -> None:
    """List stored entries, newest first; `entries show ID` explains one.

    Example: feedsmith entries --topic reasoning --since 2026-03-01
    """
    ctx.obj = GroupOptions(config_path, cache_dir, lock_timeout)
    if ctx.invoked_subcommand is not None:
        return
    since_utc = since.replace(tzinfo=UTC) if since is not None else None
    for entry in list_entries(resolve_config(config_path, cache_dir), topic=topic, source=source,
                              text=text, since=since_utc, lock_timeout=lock_timeout):
        if as_json:
            click.echo(json.dumps(entry_to_record(with_fingerprints(entry)), sort_keys=True,
                                  ensure_ascii=False))
        else:
            first = entry.first_seen.date().isoformat() if entry.first_seen else "-"
            click.echo(f"{first}  {entry.guid}  {entry.title}")


@entries_group.command("show", short_help="One entry: its sources, merge history and topics.")
@click.argument("reference")
@config_options
@lock_timeout_option
@click.pass_context
def entries_show_command(ctx: click.Context, reference: str, config_path: Path | None,
                         cache_dir: Path | None, lock_timeout: float) -> None:
    """Print one entry (arXiv id, URL or guid): sources, merge history and topics.

    Example: feedsmith entries show 2410.00086 --config feeds/feedsmith.toml
    """
    config, lock_timeout = _inherited(ctx, config_path, cache_dir, lock_timeout)
    for line in show_entry(config, reference, lock_timeout=lock_timeout):
        click.echo(line)
