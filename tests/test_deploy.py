"""The deploy setups of docs/deploy.md, tried as written where this machine can run them.

- systemd: ``deploy/feedsmith.service`` and ``.timer`` pass ``systemd-analyze verify`` with a
  real ``ExecStart`` path (no systemd as PID 1 needed), and the service's command, run in its
  working directory, builds the site writing nothing outside the unit's ``ReadWritePaths``.
- systemd, digests: ``deploy/feedsmith-digest.service`` verifies beside the others, is pulled in
  by and ordered after each build, and its command mails a digest through a real SMTP server on
  127.0.0.1 writing nothing but the store.
- cron: the crontab lines of docs/deploy.md, run with cron's bare environment, build the site
  (and the second one then mails the digests).
- nginx: a real nginx on 127.0.0.1 with ``deploy/nginx.conf`` over a built site: every file
  kind's Content-Type, 304 for conditional GETs, no listing, no dotfile, and newsboat reading
  every feed through it.
- Hosted (Netlify, Cloudflare Pages, S3; unreachable from here): ``deploy/_headers`` and
  ``deploy/s3-sync.sh`` (run against a stand-in ``aws`` that records its calls) give every file
  kind feedsmith writes its type.

The expected types are ``feedsmith.serve.CONTENT_TYPES`` (docs/output.md). ``make system-deps``
installs nginx, systemd and newsboat; a test is skipped only when its binary is missing. Every
request goes to 127.0.0.1; every build reads the bundled snapshot.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import httpx
import pytest

from feedsmith.config import load_config, with_overrides
from feedsmith.jobs import build
from feedsmith.render.site import MANIFEST
from feedsmith.serve import CONTENT_TYPES
from tests.conftest import ROOT, SNAPSHOT, write_config
from tests.sitecheck import T0
from tests.smtp import PASSWORD, USER, Inbox, MailCA, mail_server
from tests.test_newsboat import NEWSBOAT, newsboat, stored_items, unread_count

DEPLOY = ROOT / "deploy"
SERVICE = DEPLOY / "feedsmith.service"
TIMER = DEPLOY / "feedsmith.timer"
DIGEST_SERVICE = DEPLOY / "feedsmith-digest.service"
NGINX_CONF = DEPLOY / "nginx.conf"
HEADERS = DEPLOY / "_headers"
S3_SYNC = DEPLOY / "s3-sync.sh"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"

INSTALL_DIR = "/srv/feedsmith"  # the layout docs/deploy.md sets up; each test puts it in a temp folder
INSTALLED_FEEDSMITH = f"{INSTALL_DIR}/venv/bin/feedsmith"
NGINX = Path("/usr/sbin/nginx")
SYSTEMD_ANALYZE = Path("/usr/bin/systemd-analyze")
FEED_MAX_AGE = 600
CSS_MAX_AGE = 86400
DOTFILES = (MANIFEST, ".all.atom.abcd1234.tmp", ".git/config")  # none is ever published

needs_nginx = pytest.mark.skipif(not NGINX.exists(),
                                 reason="nginx is not installed (/usr/sbin/nginx): run `make system-deps`")
needs_systemd = pytest.mark.skipif(
    not SYSTEMD_ANALYZE.exists(),
    reason="systemd is not installed (/usr/bin/systemd-analyze): run `make system-deps`")


def installed(text: str, install_dir: Path, feedsmith: Path | None = None) -> str:
    """A deploy file as it reads once installed in ``install_dir`` instead of /srv/feedsmith,
    with the venv's ``feedsmith`` replaced by ``feedsmith`` when given."""
    assert INSTALL_DIR in text
    if feedsmith is not None:
        assert INSTALLED_FEEDSMITH in text
        text = text.replace(INSTALLED_FEEDSMITH, str(feedsmith))
    return text.replace(INSTALL_DIR, str(install_dir))


def feedsmith_script() -> Path:
    """The ``feedsmith`` command of the venv running the tests."""
    script = Path(sys.executable).parent / "feedsmith"
    if not script.exists():
        pytest.skip(f"no feedsmith command beside {sys.executable}: install the project (make test)")
    return script


def bare_env(home: Path) -> dict[str, str]:
    """The environment cron or systemd gives a command (no venv on PATH), plus PYTHONPATH so the
    command runs this checkout's code."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/sh", "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def kind_of(name: str) -> str:
    return Path(name).suffix


def published_files(site: Path) -> list[str]:
    """The files of a built site a host publishes: every one but the dotfiles."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(site).parts))


def max_age(name: str) -> int:
    return CSS_MAX_AGE if kind_of(name) == ".css" else FEED_MAX_AGE


@pytest.fixture
def install_dir(tmp_path: Path) -> Path:
    """The /srv/feedsmith layout of docs/deploy.md in a temp folder: ``feedsmith.toml`` (reading
    the bundled snapshot, with output ``site`` and cache ``cache``) and those two folders."""
    folder = tmp_path / "srv-feedsmith"
    folder.mkdir()
    write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))])
    (folder / "site").mkdir()
    (folder / "cache").mkdir(mode=0o700)
    return folder


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built from the bundled snapshot: every kind of file feedsmith writes."""
    folder = tmp_path_factory.mktemp("built")
    build(load_config(write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))])), now=T0)
    return folder / "site"


@pytest.fixture(scope="module")
def kinds(built_site: Path) -> list[str]:
    found = sorted({kind_of(name) for name in published_files(built_site)})
    assert set(found) <= CONTENT_TYPES.keys()
    assert {".atom", ".rss", ".json", ".opml", ".css", ".html"} <= set(found)
    return found


# systemd ---------------------------------------------------------------------------------------

def unit_settings(text: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of a unit file (all sections), values in order."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def systemd_verify(*units: Path) -> str:
    """What ``systemd-analyze verify`` says of ``units`` (empty when all is well)."""
    env = {**os.environ, "SYSTEMD_LOG_LEVEL": "info", "SYSTEMD_LOG_COLOR": "0"}
    done = subprocess.run([str(SYSTEMD_ANALYZE), "verify", "--man=no", *map(str, units)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    said = done.stdout + done.stderr
    return f"exit {done.returncode}: {said}" if done.returncode else said


@needs_systemd
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    service = units / SERVICE.name
    service.write_text(installed(SERVICE.read_text(), tmp_path / "srv", feedsmith_script()))
    timer = units / TIMER.name
    shutil.copy(TIMER, timer)
    # verify loads the timer's unit from beside it: the timer starts the service of its own name
    assert "Unit" not in unit_settings(timer.read_text()) and timer.stem == service.stem
    assert systemd_verify(service, timer) == ""

    # the check is not vacuous: a misspelt setting or a missing command is reported
    broken = units / "broken.service"
    broken.write_text(service.read_text().replace("ProtectHome=", "ProtectHom="))
    assert "ProtectHom" in systemd_verify(broken)
    broken.write_text(installed(SERVICE.read_text(), tmp_path / "srv", tmp_path / "no-feedsmith"))
    assert "no-feedsmith" in systemd_verify(broken)


def test_units_run_an_unprivileged_sandboxed_build_hourly() -> None:
    service = unit_settings(SERVICE.read_text())
    assert service["Type"] == ["oneshot"]
    assert service["User"] == ["feedsmith"] and service["Group"] == ["feedsmith"]
    assert service["WorkingDirectory"] == [INSTALL_DIR]
    assert service["ProtectSystem"] == ["strict"] and service["NoNewPrivileges"] == ["yes"]
    assert service["ReadWritePaths"] == [f"{INSTALL_DIR}/site {INSTALL_DIR}/cache"]
    timer = unit_settings(TIMER.read_text())
    assert timer["OnCalendar"] == ["hourly"]
    assert timer["Persistent"] == ["true"]
    assert timer["RandomizedDelaySec"] and timer["WantedBy"] == ["timers.target"]


def tree(folder: Path) -> dict[str, int]:
    """Every file and folder below ``folder`` with its mtime."""
    return {p.relative_to(folder).as_posix(): p.lstat().st_mtime_ns for p in folder.rglob("*")}


def test_service_command_builds_writing_only_its_read_write_paths(install_dir: Path) -> None:
    service = unit_settings(installed(SERVICE.read_text(), install_dir, feedsmith_script()))
    writable = [Path(p) for p in service["ReadWritePaths"][0].split()]
    config = load_config(install_dir / "feedsmith.toml")
    assert sorted(writable) == sorted([config.site.output, config.site.cache])
    (command,) = service["ExecStart"]
    (workdir,) = service["WorkingDirectory"]
    before = tree(install_dir)

    done = subprocess.run(shlex.split(command), cwd=workdir, env=bare_env(install_dir),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    assert (config.site.output / "all.atom").is_file()
    changed = {name for name, mtime in tree(install_dir).items() if before.get(name) != mtime}
    outside = [name for name in changed
               if not any((install_dir / name).is_relative_to(path) for path in writable)]
    assert outside == []  # ProtectSystem=strict would have refused these writes


@needs_systemd
def test_the_digest_unit_verifies_and_follows_every_build(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    for unit in (SERVICE, DIGEST_SERVICE):
        (units / unit.name).write_text(installed(unit.read_text(), tmp_path / "srv", feedsmith_script()))
    assert systemd_verify(units / SERVICE.name, units / DIGEST_SERVICE.name) == ""
    digest, build_unit = unit_settings(DIGEST_SERVICE.read_text()), unit_settings(SERVICE.read_text())
    # enabled, it is wanted by the build and ordered after it: it runs after every build,
    # whatever the build's exit code (Wants, not Requires)
    assert digest["WantedBy"] == [SERVICE.name] and digest["After"] == [SERVICE.name]
    assert "Requires" not in digest and "BindsTo" not in digest
    assert digest["Type"] == ["oneshot"] and digest["User"] == ["feedsmith"]
    assert digest["ReadWritePaths"] == [f"{INSTALL_DIR}/cache"]  # the store alone
    sandbox = {key: value for key, value in build_unit.items()
               if key.startswith(("Protect", "Restrict", "SystemCall", "Private", "NoNew", "Lock"))}
    assert {key: digest.get(key) for key in sandbox} == sandbox  # the build's sandbox, every line


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")
def test_the_digest_unit_command_mails_writing_only_the_store(install_dir: Path) -> None:
    config = load_config(install_dir / "feedsmith.toml")
    build(config, now=T0)
    build(config, now=T0 + timedelta(days=1))  # Friday's digest is made
    service = unit_settings(installed(DIGEST_SERVICE.read_text(), install_dir, feedsmith_script()))
    inbox, ca = Inbox(), MailCA()
    ca_file = install_dir.parent / "ca.pem"
    ca.ca.cert_pem.write_to_path(str(ca_file))
    with mail_server(inbox, ca) as server:
        with (install_dir / "feedsmith.toml").open("a") as toml:
            toml.write(f'[email]\nto = ["ada@example.org", "bob@example.org"]\nfrom = "papers@example.org"'
                       f'\nsmtp_host = "127.0.0.1"\nsmtp_port = {server.port}\nusername = "{USER}"\n'
                       'password_env = "SMTP_PASSWORD"\n')
        before = tree(install_dir)
        (command,) = service["ExecStart"]
        env = {**bare_env(install_dir), "SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(ca_file)}
        done = subprocess.run(shlex.split(command), cwd=service["WorkingDirectory"][0], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "digests: 2 of 2 messages sent" in done.stdout
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == ["ada@example.org", "bob@example.org"]
    changed = {name for name, mtime in tree(install_dir).items() if before.get(name) != mtime}
    assert changed and all((install_dir / name).is_relative_to(config.site.cache) for name in changed)


# cron ------------------------------------------------------------------------------------------

def crontab_lines() -> list[tuple[list[str], str]]:
    """The crontab lines of docs/deploy.md: each one's five schedule fields and its command."""
    lines = re.findall(rf"^((?:\S+ ){{5}})(.*{re.escape(INSTALLED_FEEDSMITH)} .*)$",
                       DEPLOY_DOC.read_text(), re.M)
    assert len(lines) == 2, lines  # a build; a build, then the digests by e-mail
    return [(schedule.split(), command) for schedule, command in lines]


def run_cron_line(index: int, install_dir: Path) -> None:
    schedule, command = crontab_lines()[index]
    minute, *rest = schedule
    assert 0 <= int(minute) <= 59 and rest == ["*", "*", "*", "*"]  # once an hour
    command = installed(command, install_dir, feedsmith_script())
    done = subprocess.run(["/bin/sh", "-c", command], cwd=install_dir, env=bare_env(install_dir),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout == done.stderr == "", done
    assert (install_dir / "site" / "all.atom").is_file()
    log = (install_dir / "build.log").read_text()
    assert "sources: 1 read, 0 failed" in log and "site: " in log


def test_cron_line_builds_as_written(install_dir: Path) -> None:
    run_cron_line(0, install_dir)


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")
def test_cron_line_with_digests_builds_then_mails_as_written(install_dir: Path) -> None:
    """The store already holds papers first seen two days ago (by the wall clock: cron's run
    reads it), so the build makes their day's digest and the send mails it."""
    config = load_config(install_dir / "feedsmith.toml")
    build(config, now=datetime.now(UTC) - timedelta(days=2))
    inbox, ca = Inbox(), MailCA()
    ca.ca.cert_pem.write_to_path(str(install_dir / "ca.pem"))
    (install_dir / "smtp.env").write_text(f"export SMTP_PASSWORD={PASSWORD}\n"
                                          f"export SSL_CERT_FILE={install_dir / 'ca.pem'}\n")
    with mail_server(inbox, ca) as server:
        with (install_dir / "feedsmith.toml").open("a") as toml:
            toml.write(f'[email]\nto = "ada@example.org"\nfrom = "papers@example.org"\n'
                       f'smtp_host = "127.0.0.1"\nsmtp_port = {server.port}\nusername = "{USER}"\n'
                       'password_env = "SMTP_PASSWORD"\nperiods = ["daily"]\n')
        run_cron_line(1, install_dir)
    log = (install_dir / "build.log").read_text()
    assert "digests: 1 of 1 messages sent" in log, log
    (received,) = inbox.received
    assert received.rcpt_tos == ["ada@example.org"]
    assert received.message["Subject"].startswith("Top papers of ")


# nginx -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_server_block(root: Path, port: int) -> str:
    """deploy/nginx.conf with its site folder at ``root`` and listening on 127.0.0.1:``port``."""
    text = installed(NGINX_CONF.read_text(), root.parent)
    assert f"root {root};" in text and root.name == "site"
    for listen in ("listen 80;", "listen [::]:80;"):
        assert text.count(listen) == 1
    return (text.replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("listen [::]:80;\n", ""))


def nginx_main_conf(folder: Path, server_block: Path) -> str:
    """A top-level nginx.conf keeping every file nginx writes in ``folder``."""
    temp_paths = "\n".join(f"    {kind}_temp_path {folder / kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n    access_log off;\n{temp_paths}\n    include {server_block};\n}}\n")


@pytest.fixture(scope="module")
def nginx_site() -> Iterator[tuple[str, Path]]:
    """(base URL, site folder): a real nginx serving a built site with deploy/nginx.conf. The
    folder is under the system temp dir with every component world-readable, because nginx's
    workers run as nobody when the tests run as root."""
    if not NGINX.exists():
        pytest.skip("nginx is not installed (/usr/sbin/nginx): run `make system-deps`")
    folder = Path(tempfile.mkdtemp(prefix="feedsmith-nginx-"))
    folder.chmod(0o755)
    for parent in folder.parents:
        assert parent.stat().st_mode & 0o005 == 0o005, f"{parent} is not world-readable"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    config = with_overrides(load_config(write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))])),
                            base_url=url)
    build(config, now=T0)
    site = config.site.output
    for name in DOTFILES:
        (site / name).parent.mkdir(exist_ok=True)
        (site / name).write_text("not for the public\n")
    (site / "drafts").mkdir()
    (site / "drafts" / "notes.txt").write_text("notes\n")
    for path in (site, *site.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)

    conf_dir = folder / "nginx"
    conf_dir.mkdir()
    (conf_dir / "feedsmith.conf").write_text(nginx_server_block(site, port))
    (conf_dir / "nginx.conf").write_text(nginx_main_conf(conf_dir, conf_dir / "feedsmith.conf"))
    error_log = conf_dir / "error.log"
    args = [str(NGINX), "-p", str(conf_dir), "-e", str(error_log), "-c", str(conf_dir / "nginx.conf")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0 and "[warn]" not in check.stderr, check.stderr
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, f"nginx exited: {error_log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
        yield url, site
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder)


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=10)


@needs_nginx
def test_nginx_serves_every_kind_with_its_type_and_cache_lifetime(nginx_site: tuple[str, Path],
                                                                  kinds: list[str]) -> None:
    url, site = nginx_site
    names = [name for name in published_files(site) if not name.startswith("drafts/")]
    assert {kind_of(name) for name in names} == set(kinds)
    for name in names:
        response = get(url + name)
        assert response.status_code == 200, name
        assert response.headers["content-type"] == CONTENT_TYPES[kind_of(name)], name
        assert response.headers["cache-control"] == f"max-age={max_age(name)}", name
        assert response.content == (site / name).read_bytes(), name
    index = get(url)
    assert index.headers["content-type"] == CONTENT_TYPES[".html"]
    assert index.content == (site / "index.html").read_bytes()


@needs_nginx
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_nginx_answers_conditional_gets_with_304(nginx_site: tuple[str, Path], encoding: str) -> None:
    url, _ = nginx_site
    for name in ("all.atom", "all.rss", "all.json", "feeds.opml", "style.css", "index.html"):
        first = get(url + name, **{"Accept-Encoding": encoding})
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert first.status_code == 200 and etag and modified
        for validator in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
            again = get(url + name, **{"Accept-Encoding": encoding}, **validator)
            assert again.status_code == 304 and again.content == b"", (name, validator)
            assert again.headers["etag"].removeprefix("W/") == etag.removeprefix("W/")
        assert get(url + name, **{"If-None-Match": '"other"'}).status_code == 200


@needs_nginx
def test_nginx_lists_no_folder_and_serves_no_dotfile(nginx_site: tuple[str, Path]) -> None:
    url, site = nginx_site
    listing = get(url + "drafts/")
    assert listing.status_code in (403, 404) and "notes.txt" not in listing.text
    assert get(url + "drafts/notes.txt").status_code == 200  # the folder is there and readable
    for name in DOTFILES:
        assert (site / name).is_file()
        response = get(url + name)
        assert response.status_code == 404 and "not for the public" not in response.text, name


@needs_nginx
@pytest.mark.reader
@pytest.mark.skipif(not NEWSBOAT.exists(),
                    reason="newsboat is not installed (/usr/bin/newsboat): run `make system-deps`")
def test_newsboat_reads_every_feed_through_nginx(nginx_site: tuple[str, Path], tmp_path: Path) -> None:
    url, site = nginx_site
    listed = [o.attrib["xmlUrl"] for o in ET.fromstring((site / "feeds.opml").read_bytes()).iter("outline")
              if "xmlUrl" in o.attrib]
    assert listed and all(u.startswith(url) for u in listed)
    ids = {entry.id for entry in feedparser.parse((site / "all.atom").read_bytes()).entries}
    settings = "reload-threads 1\ndownload-retries 1\ndownload-timeout 30\n"

    subscribed = tmp_path / "opml"  # every Atom feed, found through feeds.opml
    subscribed.mkdir()
    (subscribed / "urls").write_text("")
    (subscribed / "config").write_text(f'{settings}urls-source "opml"\nopml-url "{url}feeds.opml"\n')
    newsboat(subscribed, "reload")
    assert {guid for guid, _ in stored_items(subscribed)} == ids
    assert unread_count(subscribed) == len(ids)
    with sqlite3.connect(subscribed / "cache.db") as db:
        assert sorted(u for (u,) in db.execute("SELECT rssurl FROM rss_feed")) == sorted(listed)

    rss = tmp_path / "rss"
    rss.mkdir()
    (rss / "urls").write_text(f"{url}all.rss\n")
    (rss / "config").write_text(settings)
    newsboat(rss, "reload")
    assert {guid for guid, _ in stored_items(rss)} == ids


# Hosted: checked statically ---------------------------------------------------------------------

def header_rules(text: str) -> list[tuple[str, dict[str, list[str]]]]:
    """(URL pattern, headers) of each rule of a Netlify / Cloudflare Pages ``_headers`` file."""
    rules: list[tuple[str, dict[str, list[str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), {}))
        else:
            name, _, value = line.strip().partition(":")
            rules[-1][1].setdefault(name.strip().lower(), []).append(value.strip())
    return rules


def headers_for(rules: list[tuple[str, dict[str, list[str]]]], path: str) -> dict[str, list[str]]:
    """The headers a host sends for ``path``: those of every rule whose pattern matches it."""
    found: dict[str, list[str]] = {}
    for pattern, headers in rules:
        if re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), path):
            for name, values in headers.items():
                found.setdefault(name, []).extend(values)
    return found


def test_headers_file_gives_every_kind_its_type(built_site: Path, kinds: list[str]) -> None:
    rules = header_rules(HEADERS.read_text())
    for name in published_files(built_site):
        headers = headers_for(rules, "/" + name)
        # hosts join a header set by two matching rules with a comma: exactly one rule may set it
        assert headers["content-type"] == [CONTENT_TYPES[kind_of(name)]], name
        assert headers["cache-control"] == [f"public, max-age={max_age(name)}"], name
    assert {kind_of(pattern) for pattern, _ in rules} == set(kinds)


def test_nginx_conf_names_every_type(kinds: list[str]) -> None:
    text = NGINX_CONF.read_text()
    (block,) = re.findall(r"^\s*types \{([^}]*)\}", text, re.M)
    types = {f".{ext}": mime for line in block.split(";") if line.strip()
             for mime, *exts in [line.split()] for ext in exts}
    (charset_types,) = re.findall(r"^\s*charset_types ([^;]*);", text, re.M)
    assert re.search(r"^\s*charset utf-8;", text, re.M)
    for kind in kinds:
        if "charset" not in CONTENT_TYPES[kind]:  # a binary piece of the search index
            assert kind not in types and re.search(rf"default_type {CONTENT_TYPES[kind]};", text)
            continue
        assert f"{types[kind]}; charset=utf-8" == CONTENT_TYPES[kind]
        assert types[kind] == "text/html" or types[kind] in charset_types.split()  # html always is
    assert f"root {INSTALL_DIR}/site;" in text  # the folder the systemd unit writes


def s3_calls(site: Path, tmp_path: Path) -> list[list[str]]:
    """Run deploy/s3-sync.sh with a stand-in ``aws`` on PATH; the arguments of each call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "aws.log"
    aws = bin_dir / "aws"
    aws.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                   "with open(os.environ['AWS_LOG'], 'a') as log:\n"
                   "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n")
    aws.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "AWS_LOG": str(log)}
    done = subprocess.run(["/bin/sh", str(S3_SYNC), str(site), "s3://bucket/papers"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def s3_uploads(call: list[str], site: Path, names: list[str]) -> set[str]:
    """Which of ``names`` one ``aws s3 sync`` call takes: its --exclude/--include filters in
    order, the last that matches a file deciding (every file is taken when none does)."""
    assert call[:4] == ["s3", "sync", str(site), "s3://bucket/papers"], call
    filters = [(flag, call[i + 1]) for i, flag in enumerate(call) if flag in ("--exclude", "--include")]
    taken = set()
    for name in names:
        take = True
        for flag, pattern in filters:
            if fnmatch.fnmatchcase(name, pattern):
                take = flag == "--include"
        if take:
            taken.add(name)
    return taken


def option(call: list[str], name: str) -> str | None:
    return call[call.index(name) + 1] if name in call else None


def test_s3_script_gives_every_kind_its_type(built_site: Path, kinds: list[str], tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    for name in DOTFILES:
        (site / name).parent.mkdir(exist_ok=True)
        (site / name).write_text("not for the public\n")
    every_file = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    published = published_files(site)
    calls = s3_calls(site, tmp_path)
    *typed, last = calls
    uploaded: dict[str, list[list[str]]] = {}
    for call in typed:
        for name in s3_uploads(call, site, every_file):
            uploaded.setdefault(name, []).append(call)
    assert sorted(uploaded) == published  # no dotfile
    for name, by in uploaded.items():
        assert len(by) == 1, name
        assert option(by[0], "--content-type") == CONTENT_TYPES[kind_of(name)], name
        assert option(by[0], "--cache-control") == f"public, max-age={max_age(name)}", name
        assert "--delete" not in by[0]
    # the last pass only deletes: it takes exactly the files already up, with no type to set
    assert "--delete" in last and option(last, "--content-type") is None
    assert sorted(s3_uploads(last, site, every_file)) == published
    # feeds go up before the pages and the list that link to them
    order = [kind_of(option(call, "--include") or "") for call in typed]
    assert sorted(order) == sorted(kinds)
    assert max(order.index(k) for k in (".atom", ".rss", ".json")) < order.index(".html")
    assert max(order.index(k) for k in (".atom", ".rss", ".json")) < order.index(".opml")
