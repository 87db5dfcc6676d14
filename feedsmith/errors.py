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


class ServeError(FeedsmithError):
    """The preview server could not start (missing folder, port in use)."""


class HTTPStatusError(SourceError):
    """A server answered with an HTTP status that is neither success nor a redirect."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
