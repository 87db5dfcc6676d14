"""``feedsmith serve``: the output folder over HTTP on 127.0.0.1 with each extension's Content-Type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.errors import ServeError
from feedsmith.render import site_files
from feedsmith.render.site import write_site
from feedsmith.serve import RunningServer, make_server, start_server
from tests.sitecheck import fixed_site


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    write_site(folder, site_files(fixed_site()))
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
    ("feed.css", "text/css; charset=utf-8"),
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
