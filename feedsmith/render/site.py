"""Writing the site: file names and bytes in, files on disk out, each one atomically.

Each file goes to a temp file in the same folder, is flushed to disk and ``os.replace``d over the
old one, so a host or reader never sees half a file and a crash leaves the previous version. Temp
files are dot-named (``.<name>.<random>.tmp``: hosts that skip dotfiles never serve them) and the
next ``write_site`` removes those a killed run left behind, so none stays for a host that serves
dotfiles. A file whose bytes did not change is not touched (its mtime is kept). Files this tool
wrote before for a feed that no longer exists are removed; anything else in the folder is left
alone.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RenderError

MANIFEST = ".feedsmith-manifest.json"
_TEMP_FILE = re.compile(r"^\.(?P<name>[^/]+)\.[a-z0-9_]{8}\.tmp$")  # what write_atomic's mkstemp makes


@dataclass
class WriteReport:
    """What ``write_site`` did, by file name."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_atomic(path: Path, data: bytes) -> bool:
    """Put ``data`` at ``path`` atomically unless it is already there; whether it wrote."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return True


def _previous_files(out: Path) -> set[str]:
    try:
        names = json.loads((out / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str) and "/" not in n and not n.startswith(".")}


def remove_stale_temp_files(out: Path, names: set[str]) -> list[str]:
    """Delete the temp files an interrupted write of one of ``names`` left in ``out``; their names.
    Only run while holding the store lock: a temp file of a concurrent writer looks the same."""
    removed = []
    for child in out.iterdir():
        match = _TEMP_FILE.match(child.name)
        if match and match["name"] in names and child.is_file():
            try:
                child.unlink()
                removed.append(child.name)
            except FileNotFoundError:
                pass
    return sorted(removed)


def write_site(out: Path, files: dict[str, bytes]) -> WriteReport:
    """Write ``files`` into folder ``out``; RenderError (nothing half-written) if it cannot."""
    report = WriteReport()
    try:
        out.mkdir(parents=True, exist_ok=True)
        previous = _previous_files(out)
        remove_stale_temp_files(out, previous | set(files) | {MANIFEST})
        for name in sorted(files):
            if write_atomic(out / name, files[name]):
                report.written.append(name)
            else:
                report.unchanged.append(name)
        for name in sorted(previous - set(files)):
            try:
                (out / name).unlink()
                report.removed.append(name)
            except FileNotFoundError:
                pass
        manifest = json.dumps(sorted(files), indent=0).encode() + b"\n"
        write_atomic(out / MANIFEST, manifest)
    except OSError as exc:
        raise RenderError(f"cannot write site to {out}: {exc.strerror or exc}") from None
    return report
