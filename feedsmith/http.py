"""Retrieval: a URL or local path (plus the validators stored for it) in, the body (or "not
modified") and its new validators out. The one place httpx clients are built.

``Fetcher`` wraps an ``httpx.AsyncClient`` per host (its pool as large as the host's concurrency,
every connection kept alive) for one run and adds what httpx leaves out: a per-host
concurrency limit and minimum spacing between requests, a total deadline around each exchange
(httpx timeouts are per read) and a time ``Budget`` for each source, a cap on the bytes decoded
counted as they are produced (``content_coding``), redirects followed up to a limit and never from
a public address to an internal one (``addresses``), retries with jittered exponential backoff on
connect errors, timeouts, 429 and 5xx that honour ``Retry-After`` (capped), conditional GET
(If-None-Match / If-Modified-Since), a User-Agent with a contact, and bearer tokens sent to the
hosts they belong to only (a source kind's ``credentials``). ``LocalFiles`` reads local sources
with the same shape of result.

Every failure is a ``SourceError`` with a one-line reason, its URLs redacted (``redact``); nothing
here writes to the store: the caller saves ``Fetched.validators`` once the body was parsed and
stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpcore
import httpx

from ._version import __version__
from .addresses import Addresses
from .content_coding import ACCEPT_ENCODING, CappedDecoder, CodingError
from .errors import NotFoundError, SourceError
from .redact import redact_text, redact_url
from .settings import CrawlSettings, HostLimits

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


MAX_LOCAL_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """One URL's outcome: the body (None when unchanged since the last run: a 304, or the very
    body of last time) and the validators to store once that body has been parsed and stored."""

    body: bytes | None
    validators: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1


class Retriever(Protocol):
    """What the crawler reads sources through: ``Fetcher`` (http, https) or ``LocalFiles``."""

    async def get(self, url: str, *, stored: Mapping[str, Any] | None = None,
                  budget: Budget | None = None) -> Fetched:
        """``url``'s body, or None with ``stored`` when it did not change since then; ``budget``
        bounds the time of a remote fetch."""


def on_host(host: str, name: str) -> bool:
    """Whether ``host`` is ``name`` or one of its subdomains."""
    host = host.lower().rstrip(".")
    return host == name or host.endswith("." + name)


def user_agent(contact: str) -> str:
    """The User-Agent: feedsmith, its version and the configured contact."""
    return f"feedsmith/{__version__} (+{contact})"


class LocalFiles:
    """Local file sources (a path or ``file://`` URL), read the way ``Fetcher`` reads URLs: at
    most ``max_bytes``, with a SHA-256 of the body as its validator, and None for a body equal to
    the stored one. NotFoundError for a missing file, SourceError for any other failure."""

    def __init__(self, max_bytes: int = MAX_LOCAL_BYTES) -> None:
        self.max_bytes = max_bytes

    async def get(self, url: str, *, stored: Mapping[str, Any] | None = None,
                  budget: Budget | None = None) -> Fetched:
        """The file's body (None if its hash is the stored one) and its validators."""
        path = Path(url.removeprefix("file://"))
        try:
            if path.stat().st_size > self.max_bytes:
                raise SourceError(f"{path}: larger than {self.max_bytes} bytes")
            body = path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"{path}: No such file or directory") from None
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror}") from None
        validators = {"sha256": hashlib.sha256(body).hexdigest()}
        if stored and stored.get("sha256") == validators["sha256"]:
            return Fetched(None, validators)
        return Fetched(body, validators)


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """A ``Retry-After`` header (delay seconds or an HTTP date) as seconds from ``now``."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _RetryableError(Exception):
    """An attempt failed in a way worth retrying; ``wait`` is the server's Retry-After, if any."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _HostGate:
    """At most ``concurrency`` requests in flight to one host, starts at least ``spacing`` apart,
    over a ``client`` of its own whose pool keeps that many connections alive."""

    def __init__(self, limits: HostLimits, sleep: Sleep, clock: Clock, client: httpx.AsyncClient) -> None:
        self.slots = asyncio.Semaphore(max(1, limits.concurrency))
        self.spacing = limits.spacing
        self.turn = asyncio.Lock()
        self.last_start: float | None = None
        self.sleep = sleep
        self.clock = clock
        self.client = client

    async def __aenter__(self) -> None:
        await self.slots.acquire()
        try:
            async with self.turn:
                if self.last_start is not None and self.spacing > 0:
                    wait = self.last_start + self.spacing - self.clock()
                    if wait > 0:
                        await self.sleep(wait)
                self.last_start = self.clock()
        except BaseException:
            self.slots.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()


class Budget:
    """The time one source may still spend, on the fetcher's clock: ``source_deadline`` seconds
    from the start of its fetch, for every attempt, backoff wait, redirect and turn at its host
    of every URL of its plan."""

    def __init__(self, seconds: float, clock: Clock) -> None:
        self.seconds = seconds
        self._clock = clock
        self._until = clock() + seconds

    def left(self) -> float:
        """Seconds left (none when zero or less)."""
        return self._until - self._clock()


def connection_host(url: str) -> str:
    """The host of ``url`` as its connection resolves it (lowercase, IDNA-encoded)."""
    return httpx.URL(url).raw_host.decode("ascii")


def gate_of(settings: CrawlSettings, url: str) -> tuple[str, HostLimits]:
    """The gate a request to ``url`` waits at, and its limits: one gate per configured host
    (covering its subdomains), else one per host and port (two services on one machine are two
    hosts)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    name, limits = settings.limits_for(host)
    if name == host.lower() and parts.port is not None:
        name = f"{name}:{parts.port}"
    return name, limits


class _Pool(httpcore.AsyncConnectionPool):
    """httpcore's pool, taking its TLS context from ``tls`` at its first https connection (the
    fetcher makes one for all its pools when the first needs it: loading the CA bundle took
    0.07-0.15 s, twice per run before, and a crawl of http sources never needs it)."""

    def __init__(self, tls: Callable[[], ssl.SSLContext], **limits: Any) -> None:
        super().__init__(ssl_context=None, **limits)
        self._tls = tls

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        if origin.scheme == b"https" and self._ssl_context is None:
            self._ssl_context = self._tls()
        return super().create_connection(origin)


def pinned_transport(addresses: Addresses, connections: int,
                     tls: Callable[[], ssl.SSLContext]) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (request and error mapping), its connections opened through
    ``addresses``: httpx 0.28 takes no network backend, so its pool is replaced by one that does
    (``_Pool``, which verifies certificates with ``tls()``), keeping ``connections`` open and
    alive. The transport's own pool is never used, so it is made without a TLS context of its
    own (``verify=False`` loads no CA bundle)."""
    transport = httpx.AsyncHTTPTransport(verify=False)
    transport._pool = _Pool(
        tls, max_connections=connections, max_keepalive_connections=connections,
        keepalive_expiry=httpx.Limits().keepalive_expiry,
        network_backend=addresses.backend())
    return transport


class Fetcher:
    """One run's HTTP client; use as ``async with Fetcher(settings, contact=...) as fetcher``.
    ``addresses`` resolves, classifies and connects (injectable, so tests reach no other host)."""

    def __init__(self, settings: CrawlSettings, *, contact: str, sleep: Sleep | None = None,
                 clock: Clock | None = None, wall_clock: Callable[[], datetime] | None = None,
                 jitter: Callable[[], float] | None = None,
                 tokens: Mapping[str, str] | None = None,
                 addresses: Addresses | None = None) -> None:
        self.settings = settings
        self.sleep: Sleep = sleep or asyncio.sleep
        self.clock: Clock = clock or time.monotonic
        self.wall_clock = wall_clock or (lambda: datetime.now(UTC))
        self.jitter = jitter or random.random
        self._tokens = dict(tokens or {})
        self._user_agent = user_agent(contact)
        self._addresses = addresses or Addresses()
        self._gates: dict[str, _HostGate] = {}
        self._open = False
        self._tls_context: ssl.SSLContext | None = None

    async def __aenter__(self) -> Fetcher:
        self._open = True
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        gates, self._gates, self._open = self._gates, {}, False
        for gate in gates.values():
            await gate.client.aclose()

    # public --------------------------------------------------------------------------------
    def budget(self) -> Budget:
        """A source's time budget, starting now: ``source_deadline`` seconds."""
        return Budget(self.settings.source_deadline, self.clock)

    async def get(self, url: str, *, stored: Mapping[str, Any] | None = None,
                  budget: Budget | None = None) -> Fetched:
        """GET ``url`` with retries; ``stored`` holds the validators saved after the last run
        (etag, last_modified, sha256), making it a conditional GET; ``budget`` is the time its
        source has left (a new one if not given). SourceError on failure."""
        s = self.settings
        budget = budget or self.budget()
        shown = redact_url(url)
        attempt = 0
        while True:
            attempt += 1
            try:
                status, body, headers = await self._exchange(url, stored, budget)
            except _RetryableError as exc:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                if attempt > s.retries:
                    raise SourceError(f"{shown}: {exc.reason}{tries}") from None
                wait = self._backoff(attempt, exc.wait, shown, exc.reason)
                if wait >= budget.left():
                    raise SourceError(f"{shown}: {exc.reason}{tries}; no time for another attempt "
                                      f"within the {s.source_deadline:g} s source deadline") from None
                await self.sleep(wait)
                continue
            return self._outcome(shown, status, body, headers, stored, attempt)

    # plumbing ------------------------------------------------------------------------------
    def _backoff(self, attempt: int, retry_after: float | None, shown: str, reason: str) -> float:
        s = self.settings
        if retry_after is not None:
            if retry_after > s.backoff_cap:
                raise SourceError(f"{shown}: throttled ({reason}; Retry-After {retry_after:g} s is "
                                  f"longer than the {s.backoff_cap:g} s cap)")
            return retry_after
        full = min(s.backoff_cap, s.backoff_base * 2.0 ** (attempt - 1))
        return full / 2 + self.jitter() * full / 2

    def _gate(self, url: str) -> _HostGate:
        """The gate of ``url``'s host (``gate_of``), with its client.

        A client per host, its pool as large as the host's concurrency: a request reaches a pool
        only once its gate admits it, so none waits there, and every connection is kept alive.
        httpcore's pool scans every idle connection against all the others each time a request
        arrives or leaves: in S6 (200 requests to 20 hosts x 2) one pool of 40 connections spent
        0.14-0.27 s there, a pool per host 0.01 s."""
        name, limits = gate_of(self.settings, url)
        gate = self._gates.get(name)
        if gate is None:
            assert self._open, "use Fetcher as an async context manager"
            s = self.settings
            client = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                headers={"User-Agent": self._user_agent, "Accept-Encoding": ACCEPT_ENCODING},
                transport=pinned_transport(self._addresses, max(1, limits.concurrency), self._tls))
            gate = self._gates[name] = _HostGate(limits, self.sleep, self.clock, client)
        return gate

    def _tls(self) -> ssl.SSLContext:
        """The TLS context of every pool (httpx's: certifi's CA bundle, or SSL_CERT_FILE), made
        when the first https connection needs it."""
        if self._tls_context is None:
            self._tls_context = httpx.create_ssl_context()
        return self._tls_context

    def request_headers(self, url: str, first_hop: bool, stored: Mapping[str, Any] | None) -> dict[str, str]:
        """The headers of a GET of ``url`` besides the User-Agent: the conditional ones on the
        first hop, and ``Authorization`` with HF_TOKEN when ``url`` is on a Hugging Face host."""
        headers: dict[str, str] = {}
        if first_hop and stored:
            if stored.get("etag"):
                headers["If-None-Match"] = str(stored["etag"])
            if stored.get("last_modified"):
                headers["If-Modified-Since"] = str(stored["last_modified"])
        host = urlsplit(url).hostname or ""
        for name, token in self._tokens.items():
            if on_host(host, name):
                headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _exchange(self, url: str, stored: Mapping[str, Any] | None, budget: Budget
                        ) -> tuple[int, bytes, httpx.Headers]:
        """One attempt: follow redirects, read the final body; retryable failures raise
        ``_RetryableError``, final ones ``SourceError``."""
        s = self.settings
        shown = redact_url(url)
        seen = {url}
        current = url
        for hop in range(s.max_redirects + 1):
            origin = None if hop == 0 or s.allow_private_redirects else url
            status, body, headers = await self._one_request(current, hop == 0, stored, budget, origin)
            if status in REDIRECT_STATUSES and headers.get("location"):
                target = str(httpx.URL(current).join(headers["location"]))
                if urlsplit(target).scheme not in ("http", "https"):
                    raise SourceError(f"{shown}: redirect to a non-HTTP URL {redact_url(target)}")
                if target in seen:
                    raise SourceError(f"{shown}: redirect loop at {redact_url(target)}")
                seen.add(target)
                current = target
                continue
            if status == 429 or status in RETRY_STATUSES:
                wait = retry_after_seconds(headers.get("retry-after"), now=self.wall_clock())
                raise _RetryableError(f"HTTP {status}", wait)
            if status == 304 or 200 <= status < 300:
                return status, body, headers
            error = NotFoundError if status in (404, 410) else SourceError
            via = f" (from {redact_url(current)})" if current != url else ""
            raise error(f"{shown}: HTTP {status}{via}")
        raise SourceError(f"{shown}: too many redirects (more than {s.max_redirects})")

    async def _refuse_internal(self, origin: str, url: str) -> None:
        """SourceError if ``url`` (a redirect target) is on an internal address while ``origin``,
        the URL its chain started at, is not."""
        internal = self._addresses.internal
        if await internal(connection_host(url)) and not await internal(connection_host(origin)):
            raise SourceError(f"{redact_url(origin)}: redirect to an internal address refused "
                              f"({redact_url(url)}; [crawl] allow_private_redirects allows it)")

    async def _one_request(self, url: str, first_hop: bool, stored: Mapping[str, Any] | None,
                           budget: Budget, origin: str | None) -> tuple[int, bytes, httpx.Headers]:
        """One GET of ``url`` within its deadline and what is left of ``budget``; ``origin`` (the
        URL a redirect chain started at) when ``url`` may be internal only if that one is."""
        s = self.settings
        whole = asyncio.timeout(budget.left())
        try:
            async with whole:
                if origin is not None:
                    await self._refuse_internal(origin, url)
                gate = self._gate(url)
                async with gate, asyncio.timeout(s.deadline):
                    return await self._read(gate.client, url, first_hop, stored)
        except TimeoutError:
            if whole.expired():
                raise SourceError(f"{redact_url(url)}: no complete response within the "
                                  f"{s.source_deadline:g} s source deadline") from None
            raise _RetryableError(f"no complete response within the {s.deadline:g} s deadline") from None
        except CodingError as exc:
            raise SourceError(f"{redact_url(url)}: {exc}") from None
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out ({type(exc).__name__})") from None
        except (httpx.ConnectError, httpcore.ConnectError) as exc:
            raise _RetryableError(f"cannot connect: {exc}") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"{redact_url(url)}: {type(exc).__name__}: {redact_text(str(exc))}") from None

    async def _read(self, client: httpx.AsyncClient, url: str, first_hop: bool,
                    stored: Mapping[str, Any] | None) -> tuple[int, bytes, httpx.Headers]:
        """Status, body (decoded under the byte cap; empty unless 2xx) and headers of one GET."""
        request = client.build_request("GET", url, headers=self.request_headers(url, first_hop, stored))
        response = await client.send(request, stream=True)
        try:
            if response.status_code == 304:
                # A 304 has no body; reading to its end lets the connection serve the next request
                # to its host (closed unread, httpcore closes it: S6 opened 200 connections, not 40)
                await response.aread()
            if not 200 <= response.status_code < 300:
                return response.status_code, b"", response.headers
            decoder = CappedDecoder(response.headers.get_list("content-encoding", split_commas=True),
                                    self.settings.max_bytes)
            body = io.BytesIO()  # grows in place, and getvalue() hands over its buffer: no copy
            async for raw in response.aiter_raw():
                for piece in decoder.decode(raw):
                    body.write(piece)
            return response.status_code, body.getvalue(), response.headers
        finally:
            await response.aclose()

    def _outcome(self, shown: str, status: int, body: bytes, headers: httpx.Headers,
                 stored: Mapping[str, Any] | None, attempts: int) -> Fetched:
        if status == 304:
            if not stored:
                raise SourceError(f"{shown}: HTTP 304 to a request that was not conditional")
            return Fetched(None, dict(stored), attempts)
        digest = hashlib.sha256(body).hexdigest()
        validators: dict[str, Any] = {"sha256": digest, "size": len(body)}
        if headers.get("etag") is not None:
            validators["etag"] = headers["etag"]
        if headers.get("last-modified") is not None:
            validators["last_modified"] = headers["last-modified"]
        if stored and stored.get("sha256") == digest:
            return Fetched(None, {**dict(stored), **validators}, attempts)
        return Fetched(body, validators, attempts)
