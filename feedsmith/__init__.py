"""feedsmith: trending ML papers in, per-topic Atom/RSS/JSON feeds and HTML pages out."""

from __future__ import annotations

from .config import Config, load_config
from .errors import ConfigError, FeedsmithError, RenderError, SourceError, StoreError
from .model import Entry, Links
from .pipeline import BuildReport, build, crawl_sources

__version__ = "0.1.0"

__all__ = [
    "BuildReport",
    "Config",
    "ConfigError",
    "Entry",
    "FeedsmithError",
    "Links",
    "RenderError",
    "SourceError",
    "StoreError",
    "__version__",
    "build",
    "crawl_sources",
    "load_config",
]
