"""Digest e-mail against a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS with a certificate
made for the test, AUTH): the messages as a mail client parses them, once per recipient and
digest, ``--dry-run``, and the faults (no server, 421 on connect, 550 for one recipient, the
connection dropped after DATA, two runs at once), each followed by another run: nothing lost,
nothing sent twice but the one message whose fate SMTP could not tell, again with its
Message-ID. The HTML part is drawn by headless Chromium.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from feedsmith.cli import main
from feedsmith.config import Config, load_config
from feedsmith.errors import ConfigError
from feedsmith.jobs import build
from feedsmith.mail import SendReport, message_id, send_digests
from feedsmith.store import open_store
from tests.conftest import ROOT, write_config
from tests.smtp import PASSWORD, USER, Inbox, MailCA, closed_port, greeting_server, mail_server
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_digests import hf_items

# aiosmtpd 1.4 sets its own deprecated Session.login_data on every successful AUTH
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)  # Friday
SATURDAY = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)  # Friday's digest is made
SUNDAY = datetime(2026, 3, 15, 1, 0, tzinfo=UTC)  # Saturday's digest is made
ADA, BOB, CAROL = "ada@example.org", "bob@example.org", "carol@example.org"
FRIDAY_ID = "tag:feeds.example.org,2026-03-13:/ml/all/daily/2026-03-13"
SATURDAY_ID = "tag:feeds.example.org,2026-03-14:/ml/all/daily/2026-03-14"
PASSWORD_ENV = "FEEDSMITH_TEST_SMTP_PASSWORD"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose store holds Friday's daily digest: 40 papers first seen on Friday, 32 more
    on Saturday (whose digest a build on Sunday makes)."""
    folder = tmp_path_factory.mktemp("mail-project")
    source = folder / "papers.json"
    items = hf_items({5: 40, 9: 40, 30: 12, 50: 70})
    source.write_text(json.dumps(items[:40]))
    config = load_config(write_config(folder, [("papers", "hf-daily", str(source))]))
    build(config, now=T0)
    source.write_text(json.dumps(items[40:]))
    build(config, now=SATURDAY)
    return folder


@dataclass
class Project:
    """A copy of the built project, configured to mail through a server on 127.0.0.1."""

    folder: Path
    ca: MailCA

    def configure(self, port: int, *, to: tuple[str, ...] = (ADA, BOB), extra: str = "") -> Config:
        text = (self.folder / "base.toml").read_text() + f"""
[email]
to = {json.dumps(list(to))}
from = "ML papers <papers@example.org>"
smtp_host = "127.0.0.1"
smtp_port = {port}
username = "{USER}"
password_env = "{PASSWORD_ENV}"
list_unsubscribe = ["mailto:papers@example.org?subject=unsubscribe", "https://feeds.example.org/unsubscribe"]
periods = ["daily"]
{extra}"""
        (self.folder / "feedsmith.toml").write_text(text)
        return load_config(self.folder / "feedsmith.toml")

    def send(self, config: Config, **options: Any) -> SendReport:
        return send_digests(config, now=options.pop("now", SUNDAY), environ={PASSWORD_ENV: PASSWORD},
                            tls=self.ca.client_context(), **options)

    def cli(self, *args: str) -> Result:
        """``feedsmith digest send`` as typed, trusting the test CA through SSL_CERT_FILE."""
        env = {PASSWORD_ENV: PASSWORD, "SSL_CERT_FILE": str(self.ca_file)}
        return CliRunner().invoke(main, ["digest", "send", "--config",
                                         str(self.folder / "feedsmith.toml"), *args], env=env)

    @property
    def ca_file(self) -> Path:
        path = self.folder / "ca.pem"
        if not path.exists():
            self.ca.ca.cert_pem.write_to_path(str(path))
        return path

    def recorded(self) -> list[tuple[str, str]]:
        with open_store(self.folder / "cache") as store:
            return [(s.digest, s.recipient) for s in store.sent_records()]

    def build(self, now: datetime) -> None:
        build(load_config(self.folder / "feedsmith.toml"), now=now)


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Project:
    folder = tmp_path / "project"
    shutil.copytree(built, folder)
    shutil.copy2(folder / "feedsmith.toml", folder / "base.toml")
    return Project(folder, MailCA())


class Links(HTMLParser):
    """Every tag and every href of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    kinds = [(part.get_content_type(), part.get_content_charset()) for part in message.iter_parts()]
    assert kinds == [("text/plain", "utf-8"), ("text/html", "utf-8")]
    text, html = (part.get_content() for part in message.iter_parts())
    return text, html


# the messages --------------------------------------------------------------------------------------
def test_each_digest_goes_out_once_per_recipient_over_starttls_with_auth(project: Project) -> None:
    inbox = Inbox()
    with mail_server(inbox, project.ca) as server:
        config = project.configure(server.port)
        report = project.send(config)
        assert report.error is None and report.refused == []
        assert [item.describe() for item in report.sent] == [
            f"all daily 2026-03-13 to {ADA}", f"all daily 2026-03-13 to {BOB}"]
        assert inbox.logins == ["PLAIN"]  # one connection, logged in once, after STARTTLS
        assert [(r.mail_from, r.rcpt_tos) for r in inbox.received] == [
            ("papers@example.org", [ADA]), ("papers@example.org", [BOB])]

        digest = report.sent[0].digest
        message = inbox.received[0].message
        assert message["From"] == "ML papers <papers@example.org>" and message["To"] == ADA
        assert message["Subject"] == digest.title == "Top papers of Fri 13 Mar 2026"
        assert message["Message-ID"] == message_id(digest) == inbox.received[1].message["Message-ID"]
        assert message["Message-ID"].startswith("<daily.2026-03-13.all.")
        assert message["Message-ID"].endswith("@feeds.example.org>")
        assert message["List-Unsubscribe"] == ("<mailto:papers@example.org?subject=unsubscribe>, "
                                               "<https://feeds.example.org/unsubscribe>")
        assert message["Auto-Submitted"] == "auto-generated"
        assert parsedate_to_datetime(message["Date"]) == SUNDAY
        text, html = parts(message)

        found = Links()
        found.feed(html)
        assert not found.tags & {"script", "style", "link", "img", "iframe", "object", "form"}
        assert not found.attributes & {"class", "id", "src", "onload", "onclick"}  # inline styles only
        assert all(href.startswith(("https://", "mailto:")) for href in found.hrefs), found.hrefs
        items = digest.items
        assert len(items) == 10 and [i.upvotes for i in items[:4]] == [40, 40, 12, None]
        words = " ".join(text.split())  # the text part is wrapped at 76 columns
        for item in items:
            assert item.links.url in found.hrefs and item.links.url in text
            assert item.title in words and item.title in html
        assert found.hrefs[-3:] == ["https://feeds.example.org/ml/all.daily.html#2026-03-13",
                                    "https://feeds.example.org/ml/all.daily.atom",
                                    "mailto:papers@example.org?subject=unsubscribe"]
        assert "TL;DR: A one-line summary from Hugging Face." in words
        assert "▲ 40 upvotes · trending #6" in text and "▲ 40 upvotes · trending #6" in html
        assert project.recorded() == [(FRIDAY_ID, ADA), (FRIDAY_ID, BOB)]

        again = project.send(config, now=SUNDAY + timedelta(hours=1))
        assert again.due == 0 and again.sent == [] and len(inbox.received) == 2


def test_a_new_digest_reaches_everyone_and_a_new_recipient_starts_with_the_newest(
        project: Project) -> None:
    inbox = Inbox()
    with mail_server(inbox, project.ca) as server:
        config = project.configure(server.port)
        project.send(config, now=SATURDAY + timedelta(minutes=5))
        project.build(SUNDAY)  # Saturday's digest is made
        config = project.configure(server.port, to=(ADA, BOB, CAROL))
        report = project.send(config, now=SUNDAY + timedelta(minutes=5))
        assert [item.describe() for item in report.sent] == [
            f"all daily 2026-03-14 to {who}" for who in (ADA, BOB, CAROL)]
        assert project.send(config, now=SUNDAY + timedelta(hours=1)).due == 0
    assert sorted(project.recorded()) == sorted(
        [(FRIDAY_ID, ADA), (FRIDAY_ID, BOB), (SATURDAY_ID, ADA), (SATURDAY_ID, BOB),
         (SATURDAY_ID, CAROL)])
    assert len(inbox.received) == 5  # Carol never gets the backlog


def test_ssl_speaks_tls_from_the_first_byte(project: Project) -> None:
    inbox = Inbox()
    with mail_server(inbox, project.ca, implicit_tls=True) as server:
        config = project.configure(server.port, extra="ssl = true")
        assert config.email is not None and not config.email.starttls
        report = project.send(config)
    assert report.error is None and len(report.sent) == 2 and inbox.logins == ["PLAIN"]


def test_a_server_without_starttls_gets_no_password_and_no_mail(project: Project) -> None:
    inbox = Inbox()
    with mail_server(inbox) as server:  # no TLS at all
        report = project.send(project.configure(server.port))
    assert report.error is not None and "the server offers no STARTTLS" in report.error
    assert report.sent == [] and inbox.logins == [] and inbox.received == [] and project.recorded() == []


def test_a_store_restored_from_an_export_sends_nothing_twice(project: Project, tmp_path: Path) -> None:
    inbox = Inbox()
    with mail_server(inbox, project.ca) as server:
        config = project.configure(server.port)
        project.send(config)
        runner = CliRunner()
        toml = str(project.folder / "feedsmith.toml")
        backup = tmp_path / "backup.jsonl"
        exported = runner.invoke(main, ["store", "export", str(backup), "--config", toml])
        assert exported.exit_code == 0 and "digests, 2 sent records" in exported.output
        sent = [json.loads(line) for line in backup.read_text().splitlines() if '"sent": 1' in line]
        assert [(r["digest"], r["recipient"], r["reply"]) for r in sent] == [
            (FRIDAY_ID, ADA, "250 2.0.0 Ok: queued as Q1"), (FRIDAY_ID, BOB, "250 2.0.0 Ok: queued as Q2")]
        restored = tmp_path / "restored"
        imported = runner.invoke(main, ["store", "import", str(backup), "--config", toml,
                                        "--cache-dir", str(restored)])
        assert imported.exit_code == 0, imported.output
        again = project.cli("--cache-dir", str(restored))
        assert again.exit_code == 0 and again.output.startswith("nothing to send"), again.output
    assert len(inbox.received) == 2


def test_dry_run_writes_eml_files_a_mail_client_reads_and_sends_nothing(project: Project,
                                                                     tmp_path: Path) -> None:
    project.configure(closed_port())  # a send would fail: nothing listens there
    outbox = tmp_path / "outbox"
    result = CliRunner().invoke(main, ["digest", "send", "--dry-run", str(outbox), "--config",
                                       str(project.folder / "feedsmith.toml")], env={PASSWORD_ENV: None})
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in outbox.iterdir())
    assert names == [f"all.daily.2026-03-13.{ADA}.eml", f"all.daily.2026-03-13.{BOB}.eml"]
    assert "dry run: 2 messages written" in result.output
    for name in names:
        data = (outbox / name).read_bytes()
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF, as on the wire
        message = message_from_bytes(data, policy=default)
        assert isinstance(message, EmailMessage)
        assert message["To"] in name and message["Subject"] == "Top papers of Fri 13 Mar 2026"
        text, html = parts(message)
        assert "https://arxiv.org/abs/" in text and "<!doctype html>" in html
    assert project.recorded() == []


# faults, each followed by a run that delivers -----------------------------------------------------
def delivered_once(inbox: Inbox, project: Project) -> None:
    """Friday's digest reached Ada and Bob exactly once each, and the store says so."""
    digest_id = inbox.received[0].message["Message-ID"]
    assert sorted(inbox.delivered()) == [(digest_id, ADA), (digest_id, BOB)]
    assert sorted(project.recorded()) == [(FRIDAY_ID, ADA), (FRIDAY_ID, BOB)]


def test_no_server_listening_exits_1_and_the_next_run_sends_everything(project: Project) -> None:
    project.configure(closed_port())
    down = project.cli()
    assert down.exit_code == 1
    assert "Connection refused" in down.output and "nothing was sent, 2 messages go next run" in down.output
    assert project.recorded() == []
    inbox = Inbox()
    with mail_server(inbox, project.ca) as server:
        project.configure(server.port)
        up = project.cli()
        assert up.exit_code == 0, up.output
        assert "digests: 2 of 2 messages sent" in up.output
    delivered_once(inbox, project)


def test_421_on_connect_exits_1_with_the_reply_and_the_next_run_sends_everything(
        project: Project) -> None:
    with greeting_server(b"421 4.3.2 Service not available, closing channel\r\n") as busy:
        project.configure(busy.port)
        refused = project.cli()
    assert refused.exit_code == 1
    assert "the server answered 421 4.3.2 Service not available, closing channel" in refused.output
    assert project.recorded() == []
    inbox = Inbox()
    with mail_server(inbox, project.ca) as server:
        project.configure(server.port)
        assert project.cli().exit_code == 0
    delivered_once(inbox, project)


def test_550_for_one_recipient_exits_3_with_the_reply_and_the_rest_is_sent(project: Project) -> None:
    inbox = Inbox(refuse={BOB: "550 5.1.1 <bob@example.org>: Recipient address rejected"})
    with mail_server(inbox, project.ca) as server:
        project.configure(server.port)
        partly = project.cli()
        assert partly.exit_code == 3, partly.output
        assert (f"REFUSED all daily 2026-03-13 to {BOB}: 550 5.1.1 <bob@example.org>: Recipient "
                "address rejected") in partly.output
        assert "digests: 1 of 2 messages sent, 1 refused (tried again next run)" in partly.output
        assert project.recorded() == [(FRIDAY_ID, ADA)]
        inbox.refuse.clear()  # the mailbox exists again
        later = project.cli()
        assert later.exit_code == 0, later.output
        assert f"sent all daily 2026-03-13 to {BOB}" in later.output and ADA not in later.output
    delivered_once(inbox, project)


def test_a_connection_dropped_after_data_is_sent_again_with_the_same_message_id(
        project: Project) -> None:
    inbox = Inbox(drop_after_data=1)
    with mail_server(inbox, project.ca) as server:
        project.configure(server.port)
        dropped = project.cli()
        assert dropped.exit_code == 1
        assert (f"the answer to all daily 2026-03-13 to {ADA} never came, so it goes again next "
                "run with the same Message-ID; 1 more messages go next run") in dropped.output
        assert project.recorded() == []  # the server may have it; nothing is recorded as sent
        assert [r.rcpt_tos for r in inbox.received] == [[ADA]]
        retry = project.cli()
        assert retry.exit_code == 0, retry.output
        assert project.cli().output.startswith("nothing to send")
    first, again, bob = (r.message for r in inbox.received)
    assert (first["To"], again["To"], bob["To"]) == (ADA, ADA, BOB)
    assert first["Message-ID"] == again["Message-ID"] == bob["Message-ID"]  # a duplicate mail
    assert sorted(project.recorded()) == [(FRIDAY_ID, ADA), (FRIDAY_ID, BOB)]  # clients recognise


def test_two_runs_at_once_send_each_message_once(project: Project) -> None:
    """The second run waits for the store lock the first holds from choosing the messages to
    recording them (the server holds the first run's first DATA until the second is waiting)."""
    inbox = Inbox()
    with mail_server(inbox, project.ca) as server:
        project.configure(server.port)
        env = {**os.environ, PASSWORD_ENV: PASSWORD, "SSL_CERT_FILE": str(project.ca_file),
               "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "feedsmith", "digest", "send", "--config",
                   str(project.folder / "feedsmith.toml")]
        inbox.hold.clear()
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        assert inbox.holding.wait(60), "the first run never reached DATA"
        second = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        try:
            # filelock polls: the second run has the lock file open only while it tries it, so
            # seeing it is likely, not certain; either way the outcome below must hold
            wait_until(lambda: opened(second.pid, project.folder / "cache" / "lock"), seconds=30)
        finally:
            inbox.hold.set()
            outputs = [process.communicate(timeout=120) for process in (first, second)]
        assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert "digests: 2 of 2 messages sent" in outputs[0][0]
    assert outputs[1][0].startswith("nothing to send")
    delivered_once(inbox, project)


def opened(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (it is waiting for that lock, or holds it)."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    return any(_target(fd) == str(path) for fd in fds)


def _target(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""


def wait_until(condition: Any, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# configuration ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("table", "message"), [
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\npassword = "x"',
     "the password is never read from a file"),
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\nstarttls = false\nusername = "u"\n'
     'password_env = "P"', "would send the password in clear"),
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\nusername = "u"', "needs password_env"),
    ('to = ["a@example.org\\nBcc: eve@example.org"]\nfrom = "b@example.org"\nsmtp_host = "h"',
     "is not an e-mail address"),
    ('to = []\nfrom = "b@example.org"\nsmtp_host = "h"', "a non-empty list"),
    ('to = "a@example.org"\nsmtp_host = "h"', "needs 'from'"),
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\nssl = true\nstarttls = true',
     "choose one"),
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\ntopics = ["nope"]',
     "'nope' is not a topic"),
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\nlist_unsubscribe = "javascript:x"',
     "is not a mailto: or http(s) URL"),
    ('to = "a@example.org"\nfrom = "b@example.org"\nsmtp_host = "h"\nsmtp_prot = 25',
     "did you mean 'smtp_port'"),
])
def test_an_email_table_that_would_misbehave_is_refused(tmp_path: Path, table: str, message: str) -> None:
    path = write_config(tmp_path, [])
    path.write_text(path.read_text() + "[email]\n" + table + "\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)


def test_digest_periods_the_email_asks_for_must_be_made(tmp_path: Path) -> None:
    path = write_config(tmp_path, [])
    path.write_text(path.read_text() + '[digest]\nperiods = ["weekly"]\n[email]\nto = "a@example.org"\n'
                    'from = "b@example.org"\nsmtp_host = "h"\nperiods = ["daily"]\n')
    with pytest.raises(ConfigError, match="makes no daily digests"):
        load_config(path)


def test_a_missing_password_or_email_table_or_unknown_topic_says_so(project: Project) -> None:
    project.configure(closed_port())
    no_password = CliRunner().invoke(main, ["digest", "send", "--config",
                                            str(project.folder / "feedsmith.toml")],
                                     env={PASSWORD_ENV: None})
    assert no_password.exit_code == 1
    assert f"the environment variable {PASSWORD_ENV} that holds the password is not set" in \
        no_password.output
    assert project.cli("--topic", "nope").exit_code == 2
    assert project.cli("--period", "hourly").exit_code == 2
    bare = CliRunner().invoke(main, ["digest", "send", "--config", str(project.folder / "base.toml")])
    assert bare.exit_code == 1 and "no [email] table" in bare.output
    helped = CliRunner().invoke(main, ["digest", "send", "--help"])
    assert "Example: feedsmith build && feedsmith digest send" in helped.output


# the HTML part in a browser -----------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="chromium is not installed (/usr/bin/chromium): run `make system-deps`")
@pytest.mark.parametrize("width", [720, 360])
def test_the_html_part_draws_in_chromium_with_no_error_and_no_request(project: Project, tmp_path: Path,
                                                                      width: int) -> None:
    from playwright.sync_api import sync_playwright

    project.configure(closed_port())
    report = project.send(load_config(project.folder / "feedsmith.toml"), dry_run=tmp_path / "outbox")
    message = message_from_bytes(report.written[0][1].read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    _, html = parts(message)
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": width, "height": 900}, java_script_enabled=False)
        try:
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda line: errors.append(line.text) if line.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.set_content(html, wait_until="load")
            assert page.title() == message["Subject"]
            assert page.locator("h1").inner_text() == message["Subject"]
            titles = page.locator("p[style*=\"font-size:16px\"] > a")  # each paper's title
            assert titles.count() == 10 and titles.first.is_visible()
            assert titles.first.evaluate("a => getComputedStyle(a).color") == "rgb(6, 69, 173)"
            assert page.evaluate("document.styleSheets.length") == 0  # inline styles only
            # nothing is wider than the screen: long titles wrap, the column narrows
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(tmp_path / f"digest-email-{width}.png"), full_page=True)
        finally:
            context.close()
    assert requests == [] and errors == []  # no remote images, fonts or scripts, nothing broken
