"""A wheelhouse for an offline install: feedsmith's wheel and one wheel per runtime dependency,
made from what this venv has installed, with no network.

``pip download`` needs the network, and pip's cache does not keep the wheels it installs from a
local index or a wheel file; so each installed runtime distribution is packed back into a wheel
from its RECORD (the files it installed, less the scripts and bytecode pip writes itself, with a
new RECORD). feedsmith's own wheel is built from the source tree by hatchling (no build
isolation: nothing to download). ``pip install --no-index --find-links DIR feedsmith`` then
installs from DIR alone.

Usage: python -m tests.wheelhouse DIR   (``make wheelhouse``)
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# Written by the installer, not part of a wheel.
INSTALLER_FILES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """The ``[project] dependencies`` of the source tree (no extras)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def runtime_distributions(requirements: list[Requirement]) -> list[metadata.Distribution]:
    """The installed distributions ``requirements`` need on this interpreter, transitively, with
    what their requested extras pull in (``pagefind[bin]``); LookupError naming a requirement that
    is not installed."""
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()  # (distribution, extra) already followed
    todo = [(requirement, "") for requirement in requirements]
    while todo:
        requirement, wanted_by = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": wanted_by}):
            continue
        name = canonicalize_name(requirement.name)
        try:
            dist = found.get(name) or metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise LookupError(f"{requirement} is not installed: run `make test` (or pip install "
                              "-e .) first") from None
        found[name] = dist
        for extra in {"", *requirement.extras}:
            if (name, extra) not in done:
                done.add((name, extra))
                todo.extend((Requirement(line), extra) for line in dist.requires or [])
    return [found[name] for name in sorted(found)]


def _wheel_tag(wheel_text: str) -> str:
    """The compressed tag set of a WHEEL file's ``Tag:`` lines (``py2.py3-none-any``)."""
    tags = [line.split(":", 1)[1].strip().split("-") for line in wheel_text.splitlines()
            if line.startswith("Tag:")]
    return "-".join(".".join(sorted({tag[i] for tag in tags})) for i in range(3))


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """``dist`` (installed) packed back into a wheel in ``folder``; its path."""
    files = [f for f in dist.files or [] if not f.parts[0] == ".."
             and "__pycache__" not in f.parts and f.suffix != ".pyc"]
    info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    name, version = info.removesuffix(".dist-info").rsplit("-", 1)
    wheel_text = dist.read_text("WHEEL") or ""
    wheel = folder / f"{re.sub(r'[-_.]+', '_', name)}-{version}-{_wheel_tag(wheel_text)}.whl"
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for file in files:
            if file.parts[0] == info and file.name in INSTALLER_FILES:
                continue
            path = Path(str(dist.locate_file(file)))
            data = path.read_bytes()
            entry = zipfile.ZipInfo(file.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = path.stat().st_mode << 16  # file type and mode: a binary stays executable
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
            record.append(f"{file.as_posix()},{_record_hash(data)},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


def build_feedsmith_wheel(folder: Path) -> Path:
    """feedsmith's wheel, built from the source tree into ``folder`` without the network."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "-w", str(folder), str(ROOT)],
                   check=True, timeout=120)
    return next(folder.glob("feedsmith-*.whl"))


def make_wheelhouse(folder: Path) -> list[Path]:
    """feedsmith's wheel and a wheel of each installed runtime dependency, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    dependencies = runtime_distributions(runtime_requirements())
    return [build_feedsmith_wheel(folder)] + [repack(dist, folder) for dist in dependencies]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    for wheel in make_wheelhouse(Path(argv[0])):
        print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
