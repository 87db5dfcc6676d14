"""The exception tree: one root, one class per kind of failure, each mapped to an exit code by the CLI."""

from __future__ import annotations


class FeedsmithError(Exception):
    """Root of every error feedsmith raises on purpose."""


class ConfigError(FeedsmithError):
    """The configuration (TOML, flags, environment, topic rules) is invalid."""


class SourceError(FeedsmithError):
    """A source could not be fetched or parsed; other sources go on."""


class StoreError(FeedsmithError):
    """The entry store is missing, locked, corrupt or cannot be written."""


class RenderError(FeedsmithError):
    """The site could not be rendered or written."""


class InitError(FeedsmithError):
    """A new project could not be written (its files exist already, or the folder is unusable)."""


class ServeError(FeedsmithError):
    """The preview server could not start (missing folder, port in use)."""


class NotFoundError(SourceError):
    """What a source names does not exist (HTTP 404 or 410, a missing local file)."""
