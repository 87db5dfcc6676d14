"""Shared test helpers: paths to recorded fixtures and a small configuration factory."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SNAPSHOT = ROOT / "feeds" / "hf-trending-snapshot.json"
TOPICS = ROOT / "feeds" / "topics.toml"


def write_config(folder: Path, sources: list[tuple[str, str, str]], *, extra_site: str = "",
                 topics: Path | None = TOPICS) -> Path:
    """A configuration file in ``folder`` with ``sources`` (name, kind, url), the default topics,
    and output/cache inside ``folder``."""
    lines = []
    if topics is not None:
        lines.append(f'include = ["{topics}"]')
    lines += ["[site]", 'base_url = "https://feeds.example.org/ml/"', 'output = "site"',
              'cache = "cache"', extra_site]
    for name, kind, url in sources:
        lines += ["[[sources]]", f'name = "{name}"', f'kind = "{kind}"', f'url = "{url}"']
    path = folder / "feedsmith.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def snapshot_config(tmp_path: Path) -> Path:
    """A configuration reading the bundled snapshot, writing into ``tmp_path``."""
    return write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT))])


GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` (or env FEEDSMITH_UPDATE_GOLDEN=1) rewrites tests/golden/ from the
    current renderer instead of comparing against it."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files in tests/golden/ instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are being regenerated in this run."""
    import os

    return bool(request.config.getoption("--update-golden")
                or os.environ.get("FEEDSMITH_UPDATE_GOLDEN") == "1")


def assert_golden(rendered: bytes, name: str, update: bool) -> None:
    """``rendered`` equals ``tests/golden/<name>`` (with ``update``: is written there first)."""
    golden = GOLDEN / name
    if update:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(rendered)
    assert golden.is_file(), f"{golden} missing: run pytest --update-golden"
    assert rendered == golden.read_bytes(), f"{name} differs from {golden} (--update-golden)"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1 (not "localhost", which may resolve to ::1 first)."""
    return ("127.0.0.1", 0)


class Waits:
    """An injected sleep: records every wait and returns at once. ``clock`` is a monotonic clock
    that the recorded waits move on, as if they had been slept."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)

    def clock(self) -> float:
        """Seconds on the real monotonic clock plus every wait recorded so far."""
        return time.monotonic() + sum(self.seconds)
