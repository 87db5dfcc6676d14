"""Site search: the site's HTML pages in, Pagefind's search bundle (``pagefind/...``) out.

Pagefind (the ``pagefind[bin]`` package ships its binary) indexes the pages and writes a static
bundle: the search UI, a WebAssembly search engine and the index split in content-hashed chunks,
which the browser fetches over HTTP (not from ``file://``) when someone searches on
``search.html``. Only the topic pages are indexed (they mark their ``<main>`` with
``data-pagefind-body``); each paper's ``<h2 id>`` makes it a sub-result that links to it, and
the live numbers are left out (``data-pagefind-ignore``).

The pages are written to a private temporary folder and Pagefind runs there with fixed flags, a
fixed language and an environment without ``PAGEFIND_*`` variables (no configuration file or
variable of the user's can change the output), so the same pages give the same bytes: Pagefind
1.5 is deterministic (checked run to run, with the pages copied in shuffled order, and under
load). ``input_fingerprint`` names what a bundle was made from, so a build whose pages did not
change reuses the bundle on disk without running Pagefind (``publish``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from pagefind.service import get_executable

from ..errors import RenderError

FOLDER = "pagefind"
# Files every bundle has, whatever the pages: known before a build reads anything, so that a
# Pagefind bundle someone else put in the output folder is never overwritten unasked.
FIXED_FILES = tuple(f"{FOLDER}/{name}" for name in (
    "pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"))
_FLAGS = ("--force-language", "en", "--silent")
TIMEOUT = 300.0


def pages_to_index(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files Pagefind reads: every HTML page of the site (it indexes those that mark a
    ``data-pagefind-body``)."""
    return {name: data for name, data in files.items() if name.endswith(".html") and "/" not in name}


@cache
def _executable() -> str:
    found = get_executable()
    if found is None or not found.is_file():
        raise RenderError("the site search needs Pagefind, which is not installed: "
                          "pip install 'pagefind[bin]'")
    return str(found)


@cache
def pagefind_version() -> str:
    """What ``pagefind --version`` says (``pagefind 1.5.2``)."""
    return _run([_executable(), "--version"], cwd=None).strip()


def input_fingerprint(pages: dict[str, bytes]) -> str:
    """A hash of everything a bundle is made from: Pagefind's version, its flags and the pages."""
    digest = hashlib.sha256(f"{pagefind_version()}\n{' '.join(_FLAGS)}\n".encode())
    for name in sorted(pages):
        digest.update(f"{name}\n{len(pages[name])}\n".encode())
        digest.update(pages[name])
    return digest.hexdigest()


def search_bundle(pages: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle for ``pages`` by file name (``pagefind/...``); RenderError if it fails."""
    try:
        with tempfile.TemporaryDirectory(prefix="feedsmith-search-") as temp:
            site, bundle = Path(temp, "site"), Path(temp, "bundle")
            site.mkdir()
            for name, data in pages.items():
                (site / name).write_bytes(data)
            _run([_executable(), "--site", str(site), "--output-path", str(bundle), *_FLAGS], cwd=temp)
            return {f"{FOLDER}/{path.relative_to(bundle).as_posix()}": path.read_bytes()
                    for path in sorted(bundle.rglob("*")) if path.is_file()}
    except OSError as exc:  # the temporary folder: full, or over a size limit
        raise RenderError(f"cannot write site search index in {tempfile.gettempdir()}: "
                          f"{exc.strerror or exc}") from None


def _run(args: list[str], *, cwd: str | None) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAGEFIND_")}
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"the site search could not be built: pagefind: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [f"exit {done.returncode}"]
        raise RenderError(f"the site search could not be built: pagefind: {detail[0]}")
    return done.stdout
