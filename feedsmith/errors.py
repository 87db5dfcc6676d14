"""The exception tree: one root, one class per kind of failure, each mapped to an exit code by the CLI."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit


class FeedsmithError(Exception):
    """Root of every error feedsmith raises on purpose."""


class ConfigError(FeedsmithError):
    """The configuration (TOML, flags, environment, topic rules) is invalid."""


class ArgumentError(ConfigError):
    """A command-line argument is invalid (a bad age, rule, topic or paper reference): a usage
    error, exit code 2 like click's own."""


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


class HTMLPageError(SourceError):
    """A feed source answered with an HTML page; ``feeds``: the feeds it links to (its
    ``<link rel="alternate">`` hrefs, as written in the page or, once ``resolved``, absolute)."""

    def __init__(self, feeds: tuple[str, ...] = ()) -> None:
        self.feeds = feeds
        named = f"; the feed{'s' if len(feeds) > 1 else ''} it links to: {', '.join(feeds)}"
        super().__init__("an HTML page, not a feed" + (named if feeds else ""))

    def resolved(self, page: str) -> HTMLPageError:
        """The same error with each feed made absolute against ``page``, the page's URL; a
        relative link of a local page is shown as written, marked as relative."""
        def absolute(href: str) -> str:
            if urlsplit(href).scheme:
                return href
            if page.startswith(("http://", "https://")):
                return urljoin(page, href)
            return f"(relative: {href})"
        return HTMLPageError(tuple(absolute(href) for href in self.feeds))
