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
from .config import Config, load_config, source_from_spec, with_added_sources, with_overrides
from .errors import ConfigError, FeedsmithError
from .pipeline import BuildReport, SourceResult, build, crawl_sources

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
        elif source.not_modified:
            click.echo(f"  {source.name} ({source.kind}): not modified since the last run")
        else:
            skipped = f", {source.skipped} skipped" if source.skipped else ""
            dropped = (f", {source.dropped} replacements of unknown papers ignored"
                       if source.dropped else "")
            click.echo(f"  {source.name} ({source.kind}): {source.entries} entries, "
                       f"{source.new} new{skipped}{dropped}")
    click.echo(f"entries: {report.new} new, {report.changed} changed"
               + (" (topic rules changed: store re-classified)" if report.reclassified else ""))
    counts = ", ".join(f"{slug} {count}" for slug, count in report.topic_counts.items())
    click.echo(f"feeds: {counts}")
    if report.write is not None:
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
@add_source_option
def build_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                  add_sources: tuple[str, ...]) -> None:
    """Read the sources, update the store and write the site.

    Example: feedsmith build --config feeds/feedsmith.toml --out site
    """
    config = with_added_sources(resolve_config(config_path, out, cache_dir), add_sources)
    report = build(config, progress=progress_printer())
    print_report(report)
    if report.failed:
        sys.exit(EXIT_SOURCE_FAILED)


@main.command("crawl")
@config_options
@add_source_option
def crawl_command(config_path: Path | None, out: Path | None, cache_dir: Path | None,
                  add_sources: tuple[str, ...]) -> None:
    """Fetch the sources into the store without writing the site.

    Example: feedsmith crawl --config feeds/live.toml --add-source feed=https://example.org/atom.xml
    """
    config = with_added_sources(resolve_config(config_path, out, cache_dir), add_sources)
    report = crawl_sources(config, progress=progress_printer())
    print_report(report)
    if report.failed:
        sys.exit(EXIT_SOURCE_FAILED)
