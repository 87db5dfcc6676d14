"""A preview server for the output folder: a folder in, HTTP on 127.0.0.1 out.

Static files only, with the Content-Type each extension gets on a well-configured host (Atom,
RSS, JSON Feed, OPML, CSS, HTML; all text as UTF-8). ``start_server`` runs it in a thread (tests,
``feedsmith serve``); ``serve_forever`` blocks until Ctrl-C. Not for production: publish the
folder on a static host instead.

It serves only what is inside the folder: every path is resolved (symlinks included) and one that
leads out of the folder is 404; no directory is listed (a directory request serves its
``index.html``, else 404); no dotfile or dot-directory is served (404), so the manifest and a
``.git`` folder stay private.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .errors import ServeError

HOST = "127.0.0.1"
CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",  # the search (Pagefind) runs in the browser
    # Pagefind's index: binary pieces the search script fetches
    ".pagefind": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
}


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Serves one folder with feedsmith's Content-Types; logs only when ``quiet`` is off."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}
    quiet = False

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def translate_path(self, path: str) -> str:
        """The real file (or, for a directory request without its ``/``, the directory the base
        class redirects) that request ``path`` may be answered with; ``""`` when none (404)."""
        url_path = unquote(path.split("?", 1)[0].split("#", 1)[0])
        words = [w for w in url_path.split("/") if w]
        if any(w.startswith(".") for w in words):  # dotfiles, dot-directories, ".."
            return ""
        real = self._inside(Path(self.directory).joinpath(*words))
        if real is not None and real.is_dir():
            index = self._inside(real / "index.html")
            if index is None or not index.is_file():
                return ""
            return str(index) if url_path.endswith("/") else str(real)
        if real is None or not real.is_file() or url_path.endswith("/"):
            return ""
        return str(real)

    def _inside(self, path: Path) -> Path | None:
        """``path`` with every symlink resolved, if it exists, lies inside the served folder and
        passes through no dot-named file or folder there; else None."""
        root = Path(self.directory).resolve()
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError, ValueError):  # missing, a symlink loop, a NUL byte
            return None
        if real != root and root not in real.parents:
            return None
        if any(part.startswith(".") for part in real.relative_to(root).parts):
            return None
        return real

    def send_head(self) -> Any:
        if not self.translate_path(self.path):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def list_directory(self, path: Any) -> Any:
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None


@dataclass(frozen=True)
class RunningServer:
    """A preview server running in a background thread; ``stop()`` shuts it down."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """The server's base URL, ending in ``/``."""
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def make_server(directory: Path, *, port: int = 8000, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for ``directory`` bound to 127.0.0.1:``port`` (0 picks a free port)."""
    if not Path(directory).is_dir():
        raise ServeError(f"{directory}: no such folder (run `feedsmith build` first)")
    handler = functools.partial(
        type("Handler", (SiteRequestHandler,), {"quiet": quiet}),
        directory=str(Path(directory).resolve()))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None


def start_server(directory: Path, *, port: int = 0, quiet: bool = True) -> RunningServer:
    """Serve ``directory`` from a daemon thread; the caller stops it with ``.stop()``."""
    server = make_server(directory, port=port, quiet=quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="feedsmith-serve", daemon=True)
    thread.start()
    return RunningServer(server, thread)
