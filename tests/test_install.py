"""The install a user makes: feedsmith's wheel with its runtime dependencies only, from a
wheelhouse with no network, in a fresh venv, then `feedsmith init --demo` and `feedsmith build`;
and `make run` installing the runtime dependencies without the dev toolchain."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import feedparser
import pytest

from tests.test_init import check_workflow
from tests.wheelhouse import make_wheelhouse

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = ("pytest", "playwright", "mypy", "ruff", "hypothesis", "check-jsonschema")


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user's shell: none of this checkout on the import path, no pip
    settings (indexes, find-links) of this machine."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PIP_", "PYTHON", "FEEDSMITH_", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1")
    return env


@pytest.mark.slow
def test_the_wheel_installs_offline_and_builds_a_demo_project(tmp_path: Path) -> None:
    house = tmp_path / "wheelhouse"
    make_wheelhouse(house)
    env = clean_env(tmp_path)
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python, feedsmith = fresh / "bin" / "python", fresh / "bin" / "feedsmith"

    def run(*args: str | Path, cwd: Path = tmp_path) -> str:
        done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", house, "feedsmith")
    installed = run(python, "-m", "pip", "list", "--format=freeze").lower()
    assert "feedsmith==" in installed and not [d for d in DEV_ONLY if f"{d}==" in installed]
    where = run(python, "-c", "import feedsmith; print(feedsmith.__file__)")
    assert Path(where.strip()).is_relative_to(fresh)  # the installed wheel, not this checkout

    run(feedsmith, "init", "--demo", "site-test")
    project = tmp_path / "site-test"
    report = run(feedsmith, "build", cwd=project)
    assert "entries: 72 new" in report
    site = project / "site"
    assert "<html" in (site / "index.html").read_text()
    atom = feedparser.parse((site / "all.atom").read_bytes())
    assert atom.bozo == 0 and len(atom.entries) == 72
    # the workflow the installed package wrote passes GitHub's schema
    check = check_workflow(project / ".github" / "workflows" / "feeds.yml")
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_the_runtime_only_and_make_test_adds_the_dev_extras(tmp_path: Path) -> None:
    def recipe(target: str) -> str:
        # -n: print the commands without running them; -B: as if nothing were installed yet
        done = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), target, f"VENV={tmp_path}/v"],
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    run = recipe("run")
    assert "pip install --quiet -e .\n" in run and "[dev" not in run
    assert "feedsmith build" in run
    for target in ("test", "lint"):
        commands = recipe(target)
        assert "pip install --quiet -e .\n" in commands and "-e '.[dev]'" in commands
