"""Real SMTP servers on 127.0.0.1 for the mail tests: aiosmtpd in a thread of its own.

``mail_server`` speaks STARTTLS with a certificate a test CA (``trustme``) issued for 127.0.0.1
and requires AUTH after it; ``Inbox`` keeps every message it accepted, can refuse a recipient
with a given reply and can drop the connection after a message's DATA instead of answering.
``greeting_server`` answers every connection with one fixed line (``421 ...``) and hangs up;
``closed_port`` is a port nothing listens on. Nothing here resolves a name: every server is
given its own host name and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER = "digest-bot"
PASSWORD = "s3cret-for-tests"


@dataclass
class Received:
    """One message the server accepted: its envelope and the message parsed by ``email``."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Inbox:
    """An aiosmtpd handler: accepts everything but the recipients in ``refuse`` (address ->
    reply), hangs up instead of answering DATA ``drop_after_data`` times, and holds DATA while
    ``hold`` is cleared."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    drop_after_data: int = 0
    logins: list[str] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    """Cleared: DATA waits (``holding`` set) until the test sets it again."""
    holding: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.hold.set()

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if not self.hold.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.drop_after_data:
            self.drop_after_data -= 1
            server.transport.abort()  # the message is in, the answer never goes out
            return "250 never sent"
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def delivered(self) -> list[tuple[str, str]]:
        """(Message-ID, recipient) of every message received, in order."""
        return [(str(r.message["Message-ID"]), rcpt) for r in self.received for rcpt in r.rcpt_tos]


@dataclass
class Running:
    """A server listening on 127.0.0.1:``port``."""

    port: int
    loop: asyncio.AbstractEventLoop


@contextmanager
def _serving(factory: Callable[[], asyncio.Protocol] | None = None,
             client: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any] | None = None,
             tls: ssl.SSLContext | None = None) -> Iterator[Running]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def start() -> None:
        if factory is not None:
            box["server"] = await loop.create_server(factory, "127.0.0.1", 0, ssl=tls)
        else:
            assert client is not None
            box["server"] = await asyncio.start_server(client, "127.0.0.1", 0)
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "the test SMTP server did not start"
    try:
        yield Running(box["server"].sockets[0].getsockname()[1], loop)
    finally:
        async def stop() -> None:
            box["server"].close()
            await box["server"].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@dataclass
class MailCA:
    """A certificate authority made for one test run, and the server certificate it issued."""

    ca: trustme.CA = field(default_factory=trustme.CA)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1").configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def _authenticate(inbox: Inbox) -> Callable[..., AuthResult]:
    def check(server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and data.login.decode() == USER
              and data.password.decode() == PASSWORD)
        if ok:
            inbox.logins.append(mechanism)
        return AuthResult(success=ok, handled=False)
    return check


@contextmanager
def mail_server(inbox: Inbox, ca: MailCA | None = None, *, implicit_tls: bool = False
                ) -> Iterator[Running]:
    """aiosmtpd on 127.0.0.1 with ``inbox`` as its handler; with ``ca``, AUTH is required after
    STARTTLS, or (``implicit_tls``) offered on a connection that is TLS from the first byte."""
    options: dict[str, Any] = {"hostname": "mail.test", "ident": "test SMTP"}
    if ca is not None and not implicit_tls:
        options.update(authenticator=_authenticate(inbox), auth_required=True,
                       tls_context=ca.server_context(), require_starttls=True, auth_require_tls=True)
    elif ca is not None:  # aiosmtpd counts only STARTTLS as TLS: AUTH offered, not required
        options.update(authenticator=_authenticate(inbox), auth_require_tls=False)
    tls = ca.server_context() if ca is not None and implicit_tls else None
    try:
        with _serving(factory=lambda: SMTP(inbox, **options), tls=tls) as running:
            yield running
    finally:
        inbox.hold.set()  # a test that failed while DATA was held leaves no thread waiting


@contextmanager
def greeting_server(line: bytes) -> Iterator[Running]:
    """A server that answers every connection with ``line`` and hangs up (``421 ...``)."""
    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(line)
        await writer.drain()
        writer.close()

    with _serving(client=greet) as running:
        yield running


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
