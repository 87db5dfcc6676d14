"""Faults against the real CLI in a subprocess: a kill mid-write, an output folder that cannot be
written or is full, a store folder that cannot be written.

What must hold: every published file is whole (the old or the new version, never a mix), no temp
file is left for a host to serve after the next run, a fault gives one clear line and exit 1 with
no traceback, and the store is unharmed (the next normal build succeeds with every entry).

Permissions: as root, ``chmod`` stops nothing, so the subprocess drops CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH and CAP_FOWNER from its capability bounding set before exec (the
interpreter lives under /root, so switching to user nobody is not possible here). A full disk is
RLIMIT_FSIZE with SIGXFSZ ignored: writes past the limit fail with EFBIG; a really full disk is a
small tmpfs mounted under the test's folder (root only: skipped with the reason elsewhere).
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest

from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import site_state

TEMP_FILE = re.compile(r"^\..+\.tmp$")
PR_CAPBSET_DROP = 24
DAC_CAPABILITIES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
TIMEOUT = 60


def without_root_override() -> None:
    """In the child before exec: make file permissions apply even to root."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in DAC_CAPABILITIES:
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def file_size_limit(limit: int) -> Callable[[], None]:
    """In the child before exec: any write past ``limit`` bytes fails with EFBIG (a full disk)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def command(config: Path, *extra: str) -> list[str]:
    """The real CLI: ``python -m feedsmith build --config config``."""
    return [sys.executable, "-m", "feedsmith", "build", "--config", str(config), *extra]


def run(config: Path, *extra: str,
        preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """One build in a subprocess, bounded to ``TIMEOUT`` seconds."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(command(config, *extra), capture_output=True, text=True,
                          timeout=TIMEOUT, preexec_fn=preexec, env=env)


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1, one error line on stderr naming the problem (besides per-source progress lines),
    no traceback."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith("feedsmith: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def published(site: Path) -> dict[str, bytes]:
    """What a host serves: every file whose name does not start with a dot (the search bundle's
    in its subfolder too)."""
    return {name: data for name, data in site_state(site).items() if not name.startswith(".")}


def temp_files(site: Path) -> list[str]:
    """Temp files of an interrupted write (in the search bundle's subfolders too)."""
    return sorted(os.path.relpath(os.path.join(folder, n), site) for folder, _, names in os.walk(site)
                  for n in names if TEMP_FILE.match(n))


def atom_ids(site: Path, name: str = "all.atom") -> set[str]:
    """Entry ids of one Atom feed; its parse must be clean."""
    parsed = feedparser.parse((site / name).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {e.id for e in parsed.entries}


def snapshot_items(papers: int | None = None, *, suffix: str = "") -> bytes:
    """The bundled snapshot (its first ``papers``), every title ending in ``suffix``."""
    items = json.loads(SNAPSHOT.read_bytes())[:papers]
    for item in items:
        item["paper"]["title"] += suffix
    return json.dumps(items).encode()


# ------------------------------------------------------------------------------------------
# SIGKILL during the write phase

def kill_at_first_temp_file(config: Path, site: Path) -> bool:
    """Start a build, SIGKILL it as soon as a temp file appears in ``site``; whether it was
    caught writing (False: it finished first)."""
    process = subprocess.Popen(command(config), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if any(TEMP_FILE.match(n) for n in os.listdir(site)):
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=TIMEOUT)
                return True
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)


def test_sigkill_while_writing_leaves_whole_files_and_no_temp_file(tmp_path: Path) -> None:
    source = tmp_path / "papers.json"
    source.write_bytes(snapshot_items())
    config = write_config(tmp_path, [("papers", "hf-daily", str(source))])
    assert run(config).returncode == 0  # real time, like the runs below: all 72 in the window
    site = tmp_path / "site"
    old = published(site)
    source.write_bytes(snapshot_items(suffix=" (revised)"))  # every feed file changes
    caught = kill_at_first_temp_file(config, site)
    assert caught, "the build finished before a temp file was seen"
    after_kill = published(site)
    finished = run(config)
    assert finished.returncode == 0, finished.stderr
    new = published(site)
    # the same names (but the search index's chunks, named by their content)
    assert {n for n in after_kill if "/" not in n} == {n for n in old if "/" not in n} \
        == {n for n in new if "/" not in n}
    mixed = [n for n in after_kill if after_kill[n] not in (old.get(n), new.get(n))]
    assert mixed == []  # each file is whole: the old version or the new one
    assert any(after_kill[n] != new[n] for n in after_kill)  # the kill did interrupt the write
    assert temp_files(site) == []  # the next run removed what the killed one left behind
    assert len(atom_ids(site)) == 72


# ------------------------------------------------------------------------------------------
# an output folder that cannot be written, or is full

def test_read_only_output_folder_is_a_clear_error_and_the_store_is_unharmed(tmp_path: Path) -> None:
    source = tmp_path / "papers.json"
    source.write_bytes(snapshot_items(20))
    config = write_config(tmp_path, [("papers", "hf-daily", str(source))])
    site = tmp_path / "site"
    assert run(config).returncode == 0
    before = published(site)
    source.write_bytes(snapshot_items(30))  # ten new papers: the site must change
    site.chmod(0o555)
    try:
        result = run(config, preexec=without_root_override)
    finally:
        site.chmod(0o755)
    assert_clean_failure(result, "cannot write site", str(site), "Permission denied")
    assert published(site) == before and temp_files(site) == []
    again = run(config)
    assert again.returncode == 0, again.stderr
    assert len(atom_ids(site)) == 30


@pytest.mark.parametrize(("flag", "folder", "word"), [("--out", "site", "cannot write site"),
                                                     ("--cache-dir", "cache", "store")])
def test_output_or_store_under_a_regular_file_is_a_clear_error(tmp_path: Path, flag: str,
                                                               folder: str, word: str) -> None:
    (tmp_path / "papers.json").write_bytes(snapshot_items(5))
    (tmp_path / "blocker").write_text("a file where a folder should be")
    config = write_config(tmp_path, [("papers", "hf-daily", "papers.json")])
    result = run(config, flag, str(tmp_path / "blocker" / folder))
    assert_clean_failure(result, word, "Not a directory")


def test_full_output_disk_is_a_clear_error_and_the_store_is_unharmed(tmp_path: Path) -> None:
    (tmp_path / "papers.json").write_bytes(snapshot_items())
    config = write_config(tmp_path, [("papers", "hf-daily", "papers.json")])
    assert run(config).returncode == 0  # the store holds all 72; the next run only reads it
    full = tmp_path / "full"
    # above every page and search file (made in a temporary folder first), below all.atom (330 KB)
    result = run(config, "--out", str(full), preexec=file_size_limit(250_000))
    assert_clean_failure(result, "cannot write site", "File too large")
    assert temp_files(full) == []
    for name, data in published(full).items():  # what was written is whole
        if name.endswith((".atom", ".rss")):
            assert feedparser.parse(data).bozo == 0, name
    again = run(config, "--out", str(full))
    assert again.returncode == 0, again.stderr
    assert len(atom_ids(full)) == 72


@pytest.mark.parametrize("limit", [8_000, 100_000])  # its shared-memory file cannot grow; a write fails
def test_full_disk_while_the_store_writes_is_a_clear_error_and_the_store_survives(
        tmp_path: Path, limit: int) -> None:
    (tmp_path / "papers.json").write_bytes(snapshot_items(10))
    config = write_config(tmp_path, [("papers", "hf-daily", "papers.json")])
    assert run(config).returncode == 0
    (tmp_path / "papers.json").write_bytes(snapshot_items())  # 62 new papers to store
    result = run(config, preexec=file_size_limit(limit))
    assert_clean_failure(result, f"store {tmp_path / 'cache'}")
    assert "damaged" not in result.stderr and "Restore" not in result.stderr
    again = run(config)
    assert again.returncode == 0, again.stderr
    assert len(atom_ids(tmp_path / "site")) == 72


# ------------------------------------------------------------------------------------------
# a store folder that cannot be written

def test_read_only_store_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "papers.json").write_bytes(snapshot_items(5))
    config = write_config(tmp_path, [("papers", "hf-daily", "papers.json")])
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        result = run(config, preexec=without_root_override)
    finally:
        cache.chmod(0o700)
    assert_clean_failure(result, "store", str(cache), "Permission denied")
    assert not (tmp_path / "site").exists()


def test_read_only_existing_store_is_a_clear_error_and_stays_usable(tmp_path: Path) -> None:
    (tmp_path / "papers.json").write_bytes(snapshot_items(5))
    config = write_config(tmp_path, [("papers", "hf-daily", "papers.json")])
    assert run(config).returncode == 0
    cache = tmp_path / "cache"
    modes = {p: p.stat().st_mode for p in [cache, *cache.iterdir()]}
    for path in modes:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        (tmp_path / "papers.json").write_bytes(snapshot_items(8))
        result = run(config, preexec=without_root_override)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert_clean_failure(result, "store", str(cache))
    again = run(config)
    assert again.returncode == 0, again.stderr
    assert len(atom_ids(tmp_path / "site")) == 8


def test_stale_temp_cleanup_touches_only_our_own_temp_files(tmp_path: Path) -> None:
    from feedsmith.render.site import write_site

    site = tmp_path / "site"
    site.mkdir()
    (site / ".all.atom.abcd1234.tmp").write_bytes(b"<feed")  # a killed run's leftover
    (site / ".well-known").mkdir()
    (site / ".htaccess").write_text("keep me")
    (site / ".other.abcd1234.tmp").write_text("not one of our files")
    write_site(site, {"all.atom": b"<feed/>\n"})
    assert temp_files(site) == [".other.abcd1234.tmp"]
    assert (site / ".htaccess").read_text() == "keep me" and (site / ".well-known").is_dir()


# ------------------------------------------------------------------------------------------
# a disk that is really full (a small tmpfs)

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted at ``tmp_path / "disk"`` for the test (needs root and the right to
    mount, as in a container run with CAP_SYS_ADMIN: skipped otherwise)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path, *, leave: int) -> Path:
    """A file taking all the free space of ``disk`` but ``leave`` bytes."""
    stats = os.statvfs(disk)
    filler = disk / "filler"
    with filler.open("wb") as out:
        os.posix_fallocate(out.fileno(), 0, max(stats.f_bavail * stats.f_frsize - leave, 1))
    return filler


# At the time of writing, 0 KB left fails opening the store (its shared-memory file cannot grow,
# which SQLite reports as an I/O error), 64 KB fails the write (and the crawl cache is not used),
# 400 KB fails the final checkpoint after the site was written (this run stays in the WAL).
@pytest.mark.parametrize("free_kb", [0, 64, 400])
def test_a_full_disk_under_the_store_is_disk_full_and_the_next_run_reads_the_store(
        tmp_path: Path, small_disk: Path, free_kb: int) -> None:
    (tmp_path / "papers.json").write_bytes(snapshot_items(10))
    config = write_config(tmp_path, [("papers", "hf-daily", "papers.json")])
    cache = small_disk / "cache"
    assert run(config, "--cache-dir", str(cache)).returncode == 0
    (tmp_path / "papers.json").write_bytes(snapshot_items())  # 62 new papers to store
    filler = fill(small_disk, leave=free_kb * 1024)
    for _ in range(2):  # the next run on the same full disk says the same, never "damaged"
        result = run(config, "--cache-dir", str(cache))
        assert_clean_failure(result, f"store {cache}: disk full")
    filler.unlink()
    again = run(config, "--cache-dir", str(cache))
    assert again.returncode == 0, again.stderr
    assert len(atom_ids(tmp_path / "site")) == 72
