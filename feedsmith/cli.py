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
def build_command(config_path: Path | None, out: Path | None, cache_dir: Path | None) -> None:
    """Read the sources, update the store and write the site.

    Example: feedsmith build --config feeds/feedsmith.toml --out site
    """
    config = resolve_config(config_path, out, cache_dir)
    report = build(config)
    print_report(report)
    if report.failed:
        sys.exit(EXIT_SOURCE_FAILED)


@main.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=Path("site"),
              show_default=True, help="The output folder to preview.")
def serve_command(port: int, directory: Path) -> None:
    """Preview the output folder over HTTP on 127.0.0.1 with each file's Content-Type.

    Example: feedsmith serve --port 8000 --dir site
    """
    from .render.serve import make_server

    server = make_server(directory, port=port)
    click.echo(f"serving {directory} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
