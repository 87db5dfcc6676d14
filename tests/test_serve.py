"""``feedsmith serve``: the output folder over HTTP on 127.0.0.1 with each extension's Content-Type."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.errors import ServeError
from feedsmith.render import site_files
from feedsmith.render.site import MANIFEST, write_site
from feedsmith.serve import RunningServer, make_server, start_server
from tests.sitecheck import fixed_site

SECRET = b"root:x:0:0:secret outside the folder\n"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built site plus links out of it, dotfiles and directories with and without an index."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "passwd").write_bytes(SECRET)
    (outside / "index.html").write_bytes(SECRET)
    folder = tmp_path_factory.mktemp("site")
    write_site(folder, site_files(fixed_site()))
    (folder / "passwd.html").symlink_to(outside / "passwd")
    (folder / "etc").symlink_to(outside)
    (folder / "loop.html").symlink_to(folder / "loop.html")
    (folder / "copy.atom").symlink_to(folder / "all.atom")  # a link that stays inside is fine
    (folder / ".env").write_bytes(SECRET)
    (folder / "env.txt").symlink_to(folder / ".env")  # a link to a dotfile is a dotfile
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_bytes(SECRET)
    (folder / "drafts").mkdir()
    (folder / "drafts" / "notes.txt").write_bytes(b"notes")
    (folder / "archive").mkdir()
    (folder / "archive" / "index.html").write_bytes(b"<p>archive</p>")
    (folder / "linked").mkdir()
    (folder / "linked" / "index.html").symlink_to(outside / "index.html")
    return folder


@pytest.fixture(scope="module")
def served(site_dir: Path) -> Iterator[RunningServer]:
    server = start_server(site_dir)
    yield server
    server.stop()


@pytest.mark.parametrize(("name", "content_type"), [
    ("all.atom", "application/atom+xml; charset=utf-8"),
    ("all.rss", "application/rss+xml; charset=utf-8"),
    ("all.json", "application/feed+json; charset=utf-8"),
    ("feeds.opml", "text/x-opml; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("index.html", "text/html; charset=utf-8"),
    ("vision.html", "text/html; charset=utf-8"),
])
def test_each_file_is_served_with_its_content_type(served: RunningServer, name: str,
                                                   content_type: str, site_dir: Path) -> None:
    response = httpx.get(served.url + name)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == (site_dir / name).read_bytes()
    assert served.url.startswith("http://127.0.0.1:")


def test_root_serves_the_index_and_missing_files_are_404(served: RunningServer) -> None:
    assert "Test site" in httpx.get(served.url).text
    assert httpx.get(served.url + "nope.atom").status_code == 404


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="no such folder"):
        make_server(tmp_path / "absent", port=0)
    result = CliRunner().invoke(main, ["serve", "--dir", str(tmp_path / "absent"), "--port", "0"])
    assert result.exit_code == 1 and "no such folder" in result.output


def test_port_in_use_is_a_clear_error(served: RunningServer, tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="cannot listen on 127.0.0.1"):
        make_server(tmp_path, port=served.server.server_address[1])


def test_serve_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "Example: feedsmith serve" in result.output


# serving only what is inside the folder -------------------------------------------------------

def raw_get(server: RunningServer, path: str, method: str = "GET") -> tuple[int, bytes]:
    """The status and body for ``path`` sent exactly as written (no client normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.server.server_address[1],
                                            timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", [
    "/passwd.html", "/etc/passwd", "/etc/", "/etc", "/linked/", "/linked/index.html",
    "/loop.html", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/drafts/../../passwd",
])
def test_a_path_that_leads_out_of_the_folder_is_404(served: RunningServer,
                                                    path: str) -> None:
    status, body = raw_get(served, path)
    assert status == 404, (path, body[:200])
    assert b"secret outside" not in body


@pytest.mark.parametrize("path", [
    "/.env", "/env.txt", "/.git/config", "/.git/", "/.git", f"/{MANIFEST}", "/drafts/.%2e/.env",
    "/%2egit/config",
])
def test_dotfiles_and_dot_directories_are_404(served: RunningServer, path: str) -> None:
    status, body = raw_get(served, path)
    assert status == 404, (path, body[:200])
    assert b"secret outside" not in body and b"[]" not in body


def test_no_directory_is_listed(served: RunningServer, site_dir: Path) -> None:
    for path in ("/drafts/", "/drafts"):
        status, body = raw_get(served, path)
        assert status == 404 and b"notes.txt" not in body, path
    assert raw_get(served, "/drafts/notes.txt") == (200, b"notes")
    assert raw_get(served, "/archive/") == (200, b"<p>archive</p>")
    response = httpx.get(served.url + "archive", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == "/archive/"
    assert raw_get(served, "/index.html/")[0] == 404
    assert raw_get(served, "/copy.atom") == (200, (site_dir / "all.atom").read_bytes())
    assert raw_get(served, "/", "HEAD")[0] == 200


def test_a_folder_without_an_index_lists_nothing(tmp_path: Path) -> None:
    (tmp_path / "all.atom").write_bytes(b"<feed/>")
    server = start_server(tmp_path)
    try:
        status, body = raw_get(server, "/")
        assert status == 404 and b"all.atom" not in body
        assert raw_get(server, "/all.atom") == (200, b"<feed/>")
    finally:
        server.stop()
