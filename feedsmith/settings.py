"""Crawl settings: the ``[crawl]`` table of the configuration as frozen values (no I/O, no httpx).

In: nothing (defaults) or the values ``feedsmith.config`` read. Out: ``CrawlSettings``, which the
crawler's ``Fetcher`` obeys, and ``HostLimits`` for per-host politeness.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostLimits:
    """Politeness towards one host: requests in flight at once, seconds between request starts."""

    concurrency: int = 4
    spacing: float = 0.0


ARXIV_LIMITS = HostLimits(concurrency=1, spacing=3.0)
ARXIV_API = "https://export.arxiv.org/api/query"


@dataclass(frozen=True)
class CrawlSettings:
    """How the crawler talks to servers: the ``[crawl]`` table of the configuration."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    source_deadline: float = 120.0
    allow_private_redirects: bool = False
    concurrency: int = 4
    spacing: float = 0.0
    hosts: tuple[tuple[str, HostLimits], ...] = (("arxiv.org", ARXIV_LIMITS),)
    arxiv_api: str = ARXIV_API
    """Where example papers of ``like`` rules that no source brought are fetched from, by id."""

    def limits_for(self, host: str) -> tuple[str, HostLimits]:
        """The gate name and limits for ``host``: a configured host also covers its subdomains
        (so export.arxiv.org and rss.arxiv.org share arxiv.org's one-request-per-3-s gate)."""
        host = host.lower()
        best: tuple[str, HostLimits] | None = None
        for name, limits in self.hosts:
            if (host == name or host.endswith("." + name)) and (best is None or len(name) > len(best[0])):
                best = (name, limits)
        return best or (host, HostLimits(self.concurrency, self.spacing))
