"""feedsmith: trending ML papers in, per-topic Atom/RSS/JSON feeds and HTML pages out."""

from __future__ import annotations

from ._version import __version__
from .config import Config, load_config
from .errors import ConfigError, FeedsmithError, InitError, RenderError, SourceError, StoreError
from .init import init_project
from .jobs import build, crawl_sources
from .mail import SendReport, send_digests
from .model import Entry, Links
from .report import BuildReport

__all__ = [
    "BuildReport",
    "Config",
    "ConfigError",
    "Entry",
    "FeedsmithError",
    "InitError",
    "Links",
    "RenderError",
    "SendReport",
    "SourceError",
    "StoreError",
    "__version__",
    "build",
    "crawl_sources",
    "init_project",
    "load_config",
    "send_digests",
]
