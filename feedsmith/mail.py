"""Digest e-mail: the closed digests a recipient has not had in, one message each out, handed to
the SMTP server of ``[email]`` with each outcome recorded.

Which messages are due (``due``): for each recipient and each feed and cadence asked for, every
digest with papers that closed since the first one the server accepted for them, minus those it
accepted already; a recipient new to a feed and cadence starts with its newest digest, not the
backlog. Only the digests the feeds hold (the newest ``[digest] keep``) are sent. A message
(``compose``) is ``multipart/alternative``: a plain-text part and an HTML part with inline
styles only, no images, no scripts; its ``Message-ID`` is derived from the digest's id alone,
so a message sent again is recognisably the same one.

Once, as far as SMTP allows (``deliver``): one connection, one transaction per message; a
message is recorded as sent (``Store.record_sent``, committed at once) only after the server
answered its DATA with 250. A refused sender, recipient or message is reported with the server's
reply and tried again next run; a connection that fails or drops stops the run, and a message
whose DATA got no answer counts as not sent: it goes again next run, with the same Message-ID
(at least once, never silently lost). The store's lock is held from choosing to recording, so
two runs never send the same message.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

from .config import Config, EmailConfig
from .errors import ArgumentError, ConfigError, RenderError
from .model import Digest, SentRecord
from .render.digests import MailLinks, email_html, email_text
from .render.site import write_atomic
from .store import DEFAULT_LOCK_TIMEOUT, open_store
from .topics import ALL


@dataclass(frozen=True)
class Outgoing:
    """One message to hand to the server: a digest for one recipient."""

    digest: Digest
    recipient: str
    message: EmailMessage

    def describe(self) -> str:
        """``all daily 2026-03-12 to ada@example.org``: which digest, to whom."""
        return f"{self.digest.slug} {self.digest.cadence} {self.digest.period} to {self.recipient}"


@dataclass
class SendReport:
    """What ``send_digests`` did: messages accepted, refused (with the server's reply), written
    (a dry run), left for the next run, and the error that stopped the run, if one did."""

    sent: list[Outgoing] = field(default_factory=list)
    refused: list[tuple[Outgoing, str]] = field(default_factory=list)
    written: list[tuple[Outgoing, Path]] = field(default_factory=list)
    unsent: list[Outgoing] = field(default_factory=list)
    unknown: Outgoing | None = None
    """The message whose DATA got no answer: perhaps delivered; sent again next run."""
    error: str | None = None
    due: int = 0


def message_id(digest: Digest) -> str:
    """The ``Message-ID`` of ``digest``'s messages, from its id alone: the same in every run."""
    host = re.sub(r"[^A-Za-z0-9.-]", "", digest.guid.removeprefix("tag:").split(",", 1)[0])
    tag = hashlib.sha256(digest.guid.encode()).hexdigest()[:16]
    return f"<{digest.cadence}.{digest.period}.{digest.slug}.{tag}@{host or 'feedsmith.invalid'}>"


def digest_urls(config: Config, digest: Digest) -> tuple[str, str]:
    """Where ``digest`` is on the site: its anchor on its digest page, and its Atom feed."""
    stem = f"{config.site.base_url}{digest.slug}.{digest.cadence}"
    return f"{stem}.html#{digest.period}", f"{stem}.atom"


def compose(config: Config, email: EmailConfig, digest: Digest, recipient: str,
            now: datetime) -> EmailMessage:
    """The message that brings ``digest`` to ``recipient``: text and HTML alternatives."""
    page, feed = digest_urls(config, digest)
    links = MailLinks(config.site.title, page, feed, next(iter(email.list_unsubscribe), None))
    message = EmailMessage(policy=SMTP)
    message["From"] = email.sender
    message["To"] = recipient
    message["Subject"] = digest.title
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = message_id(digest)
    if email.list_unsubscribe:
        message["List-Unsubscribe"] = ", ".join(f"<{uri}>" for uri in email.list_unsubscribe)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(email_text(digest, links), cte="quoted-printable")
    message.add_alternative(email_html(digest, links), subtype="html", cte="quoted-printable")
    return message


def due(digests: Iterable[Digest], sent: Iterable[SentRecord], recipients: Iterable[str]
        ) -> list[tuple[Digest, str]]:
    """(digest, recipient) for every message due, oldest digest first: per recipient, feed and
    cadence, each digest from the first one the server accepted for them on that it has not
    accepted yet; with none accepted yet, only the newest."""
    accepted = {(s.digest, s.recipient) for s in sent}
    groups: dict[tuple[str, str], list[Digest]] = {}
    for digest in sorted(digests, key=lambda d: (d.end, d.slug, d.cadence)):
        groups.setdefault((digest.slug, digest.cadence), []).append(digest)
    wanted = []
    for recipient in recipients:
        for group in groups.values():
            had = [d.end for d in group if (d.guid, recipient) in accepted]
            if not had:
                wanted.append((group[-1], recipient))
                continue
            wanted += [(d, recipient) for d in group
                       if d.end >= min(had) and (d.guid, recipient) not in accepted]
    return sorted(wanted, key=lambda pair: (pair[0].end, pair[0].slug, pair[0].cadence,
                                            pair[0].period))


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(said.split())}".strip()


def _address_literal(smtp: smtplib.SMTP) -> str:
    """This end of the connection as an EHLO address literal (``[192.0.2.1]``, ``[IPv6:...]``):
    no name lookup, and no host name given away (mail clients do the same)."""
    address = str(smtp.sock.getsockname()[0]) if smtp.sock else "127.0.0.1"
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _connect(email: EmailConfig, password: str | None, tls: ssl.SSLContext) -> smtplib.SMTP:
    """A connection to the server, upgraded to TLS and logged in as ``[email]`` says."""
    smtp: smtplib.SMTP
    # local_hostname: set to the address literal once connected (smtplib would look up the FQDN)
    if email.ssl:
        smtp = smtplib.SMTP_SSL(email.smtp_host, email.port, timeout=email.timeout, context=tls,
                                local_hostname="localhost")
    else:
        smtp = smtplib.SMTP(email.smtp_host, email.port, timeout=email.timeout,
                            local_hostname="localhost")
    try:
        smtp.local_hostname = _address_literal(smtp)
        smtp.ehlo()
        if email.starttls:
            if not smtp.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("the server offers no STARTTLS (starttls = "
                                                    "false sends everything in clear)")
            smtp.starttls(context=tls)
            smtp.ehlo()
        if email.username is not None and password is not None:
            smtp.login(email.username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _failure(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed: {exc}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__


Record = Callable[[Outgoing, str], None]


def deliver(outbox: list[Outgoing], email: EmailConfig, *, password: str | None,
            tls: ssl.SSLContext, record: Record, report: SendReport) -> None:
    """Hand each message of ``outbox`` to the server on one connection; ``record`` each one the
    server accepted, at once. Fills ``report``; a connection that fails or drops ends the run
    (``report.error``) and leaves the rest in ``report.unsent``."""
    where = f"{email.smtp_host}:{email.port}"
    envelope_from = parseaddr(email.sender)[1]
    try:
        smtp = _connect(email, password, tls)
    except (OSError, smtplib.SMTPException) as exc:
        report.unsent = list(outbox)
        report.error = (f"cannot send through {where}: {_failure(exc)}; nothing was sent, "
                        f"{len(outbox)} messages go next run")
        return
    left = list(outbox)
    try:
        while left:
            item = left[0]
            said: bytes | str
            code, said = smtp.mail(envelope_from)
            if code == 250:
                code, said = smtp.rcpt(item.recipient)
            if code not in (250, 251):
                report.refused.append((item, _reply(code, said)))
                smtp.rset()
                left.pop(0)
                continue
            report.unknown = item  # from here until the server answers DATA
            try:
                code, said = smtp.data(item.message.as_bytes())
            except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was sent
                code, said = exc.smtp_code, exc.smtp_error
            report.unknown = None
            left.pop(0)
            if code != 250:
                report.refused.append((item, _reply(code, said)))
                smtp.rset()
                continue
            record(item, _reply(code, said))
            report.sent.append(item)
    except (OSError, smtplib.SMTPException) as exc:
        report.unsent = [item for item in left if item is not report.unknown]
        lost = (f"; the answer to {report.unknown.describe()} never came, so it goes again next "
                "run with the same Message-ID" if report.unknown else "")
        report.error = (f"sending through {where} stopped: {_failure(exc)}{lost}; "
                        f"{len(report.unsent)} more messages go next run")
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _file_name(item: Outgoing) -> str:
    d = item.digest
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", f"{d.slug}.{d.cadence}.{d.period}.{item.recipient}") + ".eml"


def send_digests(config: Config, *, periods: Iterable[str] = (), topics: Iterable[str] = (),
                 dry_run: Path | None = None, now: datetime | None = None,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT, environ: Mapping[str, str] | None = None,
                 tls: ssl.SSLContext | None = None) -> SendReport:
    """E-mail every closed digest (of ``topics`` and ``periods``; default: ``[email]``'s) that a
    recipient has not had; with ``dry_run``, write each message as ``<dry_run>/<...>.eml`` and
    send nothing. ``environ`` holds the password (default: the environment); ``tls`` replaces
    the system's certificate authorities (tests)."""
    email = config.email
    if email is None:
        raise ConfigError(f"{config.path}: no [email] table: say who gets the digests and through "
                          "which server (docs/configuration.md#email)")
    periods = tuple(periods) or email.periods or config.digest.periods
    topics = tuple(topics) or email.topics
    known = {ALL, *(t.slug for t in config.topics)}
    for slug in topics:
        if slug not in known:
            raise ArgumentError(f"--topic {slug}: not a topic (known: {', '.join(sorted(known))})")
    for period in periods:
        if period not in config.digest.periods:
            raise ArgumentError(f"--period {period}: [digest] makes no {period} digests")
    password = None
    if email.username is not None and dry_run is None:
        password = (os.environ if environ is None else environ).get(email.password_env or "")
        if not password:
            raise ConfigError(f"[email] password_env: the environment variable "
                              f"{email.password_env} that holds the password is not set")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    report = SendReport()
    with open_store(config.site.cache, lock_timeout=lock_timeout, create=False) as store:
        recent = store.digests(topics, periods, limit=config.digest.keep)  # what the feeds hold
        pairs = due(recent, store.sent_records(), email.to)
        outbox = [Outgoing(d, r, compose(config, email, d, r, now)) for d, r in pairs]
        report.due = len(outbox)
        if dry_run is not None:
            try:
                dry_run.mkdir(parents=True, exist_ok=True)
                for item in outbox:
                    path = dry_run / _file_name(item)
                    write_atomic(path, item.message.as_bytes())
                    report.written.append((item, path))
            except OSError as exc:
                raise RenderError(f"cannot write {dry_run}: {exc.strerror or exc}") from None
            return report

        def record(item: Outgoing, reply: str) -> None:
            store.record_sent(SentRecord(item.digest.guid, item.recipient,
                                         str(item.message["Message-ID"]), now, reply))

        if outbox:
            deliver(outbox, email, password=password, tls=tls or ssl.create_default_context(),
                    record=record, report=report)
    return report
