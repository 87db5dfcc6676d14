"""Site search: the site's HTML pages in, Pagefind's search bundle (``pagefind/...``) out.

Pagefind (the ``pagefind[bin]`` package ships its binary) indexes the pages and writes a static
bundle: the search UI, a WebAssembly search engine and the index split in content-hashed chunks,
which the browser fetches over HTTP (not from ``file://``) when someone searches on
``search.html``. Only the topic pages are indexed (they mark their ``<main>`` with
``data-pagefind-body``); each paper's ``<h2 id>`` makes it a sub-result that links to it, and
the live numbers are left out (``data-pagefind-ignore``): Pagefind is given only those pages,
without what it leaves out (``pages_to_index``).

The pages are written to a private temporary folder and Pagefind runs there with fixed flags, a
fixed language and an environment without ``PAGEFIND_*`` variables (no configuration file or
variable of the user's can change the output), so the same pages give the same bytes: Pagefind
1.5 is deterministic (checked run to run, with the pages copied in shuffled order, and under
load). ``input_fingerprint`` names what a bundle was made from, so a build whose pages did not
change reuses the bundle on disk without running Pagefind (``publish``). ``started`` runs it in
the background, so the feeds render meanwhile.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path

from pagefind.service import get_executable

from ..errors import RenderError

FOLDER = "pagefind"
# Files every bundle has, whatever the pages: known before a build reads anything, so that a
# Pagefind bundle someone else put in the output folder is never overwritten unasked.
FIXED_FILES = tuple(f"{FOLDER}/{name}" for name in (
    "pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"))
_FLAGS = ("--force-language", "en", "--silent")
_BODY = b"data-pagefind-body"
# An element Pagefind ignores, with all it holds, up to the first closing tag of its name; one
# that holds an element of its own name (which that tag might close) is left whole.
_IGNORED = re.compile(rb"<(div|p|span|article)\b[^>]*\sdata-pagefind-ignore\b[^>]*>"
                      rb"(?:[^<]+|<(?!\1[\s>]))*?</\1>")
TIMEOUT = 300.0


def pages_to_index(files: dict[str, bytes]) -> dict[str, bytes]:
    """What Pagefind reads: the pages it indexes (those that mark a ``data-pagefind-body``: the
    topic pages), without the elements it ignores. The bundle is the same bytes as from the whole
    pages (tests/test_search.py) from a fifth less input (scale 1: 10.3 MB, not 13.0 MB), and
    what it is made from no longer moves with what Pagefind ignores (live numbers, dates, topic
    lines): a build that changed only those keeps the bundle on disk without running Pagefind
    (scale 1, 200 entries' upvotes changed: 1.2 s and 1.2 s CPU, not 2.5 s and 3.5 s)."""
    return {name: _IGNORED.sub(b"", data) for name, data in files.items()
            if name.endswith(".html") and "/" not in name and _BODY in data}


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
    return _finish(_start([_executable(), "--version"], cwd=None)).strip()


def input_fingerprint(pages: dict[str, bytes]) -> str:
    """A hash of everything a bundle is made from: Pagefind's version, its flags and the pages."""
    digest = hashlib.sha256(f"{pagefind_version()}\n{' '.join(_FLAGS)}\n".encode())
    for name in sorted(pages):
        digest.update(f"{name}\n{len(pages[name])}\n".encode())
        digest.update(pages[name])
    return digest.hexdigest()


def search_bundle(pages: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle for ``pages`` by file name (``pagefind/...``); RenderError if it fails."""
    with started(pages) as bundle:
        return bundle()


@contextmanager
def started(pages: dict[str, bytes]) -> Iterator[Callable[[], dict[str, bytes]]]:
    """Pagefind indexing ``pages`` in the background while the body runs (the caller renders
    the feeds meanwhile, on the core the render leaves idle); calling what it gives waits for
    the bundle (``search_bundle``). Pagefind is stopped if the body fails."""
    try:
        holder = tempfile.TemporaryDirectory(prefix="feedsmith-search-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise _temp_error(exc) from None
    with holder as temp:
        site, bundle = Path(temp, "site"), Path(temp, "bundle")
        try:
            site.mkdir()
            for name, data in pages.items():
                (site / name).write_bytes(data)
        except OSError as exc:
            raise _temp_error(exc) from None
        process = _start([_executable(), "--site", str(site), "--output-path", str(bundle), *_FLAGS],
                         cwd=temp)
        try:
            yield partial(_collect, process, bundle)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()


def _temp_error(exc: OSError) -> RenderError:
    """The temporary folder is full, or over a size limit."""
    return RenderError(f"cannot write site search index in {tempfile.gettempdir()}: "
                       f"{exc.strerror or exc}")


def _collect(process: subprocess.Popen[str], bundle: Path) -> dict[str, bytes]:
    _finish(process)
    try:
        return {f"{FOLDER}/{path.relative_to(bundle).as_posix()}": path.read_bytes()
                for path in sorted(bundle.rglob("*")) if path.is_file()}
    except OSError as exc:
        raise _temp_error(exc) from None


def _start(args: list[str], *, cwd: str | None) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAGEFIND_")}
    try:
        return subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    except OSError as exc:
        raise RenderError(f"the site search could not be built: pagefind: {exc}") from None


def _finish(process: subprocess.Popen[str]) -> str:
    """What ``process`` printed; RenderError if it fails or takes over ``TIMEOUT``."""
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        process.communicate()
        raise RenderError(f"the site search could not be built: pagefind: {exc}") from None
    if process.returncode != 0:
        detail = (err.strip() or out.strip()).splitlines()[-1:] or [f"exit {process.returncode}"]
        raise RenderError(f"the site search could not be built: pagefind: {detail[0]}")
    return out
