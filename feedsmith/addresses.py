"""Where connections go: a host name in, the addresses it resolves to (pinned for the run) and
whether any of them is internal out, plus the httpcore network backend that connects to exactly
those addresses.

``http.Fetcher`` asks ``Addresses.internal(host)`` before it follows a redirect and opens every
connection through ``Addresses.backend()``. A host is resolved once per run and every connection
to it goes to the addresses that were checked, so a DNS answer that changes between the check
and the connect (rebinding) cannot reach an address the check did not see; TLS still verifies
the host name (SNI and the Host header are the URL's). Internal means loopback, private (10/8,
172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the cloud metadata address,
fe80::/10), multicast, reserved or unspecified, IPv4 ones written as IPv6 included. The resolver,
the classifier and the backend that opens the sockets are injectable, for tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore

Resolve = Callable[[str], Awaitable[Sequence[str]]]
Classify = Callable[[str], bool]


def is_internal(address: str) -> bool:
    """Whether an IP address is loopback, private, link-local, multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.partition("%")[0])  # fe80::1%eth0: the zone is not the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


async def system_resolve(host: str) -> list[str]:
    """The addresses the system resolver gives ``host``, in its order of preference."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Addresses:
    """One run's resolved hosts: each resolved once, classified by ``classify``, connected to
    through ``network`` (httpcore's own backend unless a test gives another)."""

    def __init__(self, *, resolve: Resolve = system_resolve, classify: Classify = is_internal,
                 network: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._resolve = resolve
        self._classify = classify
        self._network = network or httpcore.AnyIOBackend()
        self._pinned: dict[str, tuple[str, ...]] = {}

    async def of(self, host: str) -> tuple[str, ...]:
        """The addresses of ``host``, resolved on first use; httpcore.ConnectError if none."""
        pinned = self._pinned.get(host)
        if pinned is None:
            try:
                found = tuple(await self._resolve(host))
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
            if not found:
                raise httpcore.ConnectError(f"cannot resolve {host}: no address")
            pinned = self._pinned.setdefault(host, found)
        return pinned

    async def internal(self, host: str) -> bool:
        """Whether any address of ``host`` is internal."""
        return any(self._classify(address) for address in await self.of(host))

    def backend(self) -> httpcore.AsyncNetworkBackend:
        """The network backend that connects to a host's pinned addresses, in order."""
        return _PinnedBackend(self, self._network)


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, addresses: Addresses, network: httpcore.AsyncNetworkBackend) -> None:
        self._addresses = addresses
        self._network = network

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in await self._addresses.of(host):
            try:
                return await self._network.connect_tcp(address, port, timeout=timeout,
                                                       local_address=local_address,
                                                       socket_options=socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # of() never returns no address
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)
