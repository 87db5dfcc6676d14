"""`feedsmith init`: the project it writes builds as written, never overwrites a file unless told,
lists every setting with its default, and ships a GitHub Pages workflow that passes GitHub's
workflow schema and does what it says (hourly, one run at a time, store restored before the
build, seeded from the published site when the cache is gone, a failed source still deploys)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from feedsmith.cli import main
from feedsmith.config import CRAWL_KEYS, DIGEST_KEYS, EMAIL_KEYS, SITE_KEYS, load_config
from feedsmith.init import (
    REPOSITORY,
    WORKFLOW,
    Requirement,
    init_project,
    installed_requirement,
    project_files,
    requirement_from_direct_url,
)

ROOT = Path(__file__).resolve().parent.parent
LIVE = ROOT / "feeds" / "live.toml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
PROJECT = {".github/workflows/feeds.yml", ".gitignore", "README.md", "feedsmith.toml", "topics.toml"}
PINNED = Requirement("feedsmith @ git+https://example.org/feedsmith.git@0123abc", "a test pin")


def init(*args: str) -> Any:
    return CliRunner().invoke(main, ["init", *args], catch_exceptions=False)


def test_a_demo_project_builds_offline_where_it_was_written(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for variable in ("FEEDSMITH_CONFIG", "FEEDSMITH_OUT", "FEEDSMITH_CACHE_DIR"):
        monkeypatch.delenv(variable, raising=False)
    result = init("my-feeds", "--demo")
    assert result.exit_code == 0, result.output
    project = tmp_path / "my-feeds"
    written = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    assert written == PROJECT | {"hf-trending-snapshot.json"}
    assert all(f"wrote {Path('my-feeds') / name}" in result.output for name in written)
    assert "cd my-feeds && feedsmith build" in result.output

    monkeypatch.chdir(project)
    built = CliRunner().invoke(main, ["build"], catch_exceptions=False)  # no --config: ./feedsmith.toml
    assert built.exit_code == 0, built.output
    assert (project / "site" / "index.html").is_file()
    assert len(feedparser.parse((project / "site" / "all.atom").read_bytes()).entries) == 72
    assert (project / ".cache" / "feedsmith" / "store.sqlite").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-feeds"]  # self-contained


def test_init_names_every_file_that_exists_and_writes_nothing_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "feedsmith.toml").write_text("# mine\n")
    (tmp_path / "README.md").write_text("mine\n")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "README.md" in result.output and "feedsmith.toml" in result.output
    assert "topics.toml" not in result.output and "--force" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "feedsmith.toml"]
    assert (tmp_path / "feedsmith.toml").read_text() == "# mine\n"

    forced = init(str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "feedsmith.toml").read_text().startswith("# feedsmith configuration")
    assert {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} == PROJECT


def test_init_into_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "taken")])
    assert result.exit_code == 2 and "taken" in result.output  # click: not a folder


def _uncommented(text: str) -> str:
    """The configuration with every commented-out setting and table turned on."""
    return re.sub(r"(?m)^# (?=[a-z_]+ = |\[)", "", text)


def test_the_configuration_lists_every_setting_commented_with_its_default(tmp_path: Path) -> None:
    init_project(tmp_path, requirement=PINNED)
    text = (tmp_path / "feedsmith.toml").read_text()
    written = load_config(tmp_path / "feedsmith.toml")
    (tmp_path / "all.toml").write_text(_uncommented(text))
    everything = load_config(tmp_path / "all.toml")
    assert everything.site == written.site and everything.crawl == written.crawl
    assert everything.digest == written.digest and written.email is None
    tables = tomllib.loads(_uncommented(text))
    assert set(tables["site"]) == SITE_KEYS
    assert set(tables["crawl"]) == CRAWL_KEYS
    assert set(tables["digest"]) == DIGEST_KEYS
    assert set(tables["email"]) == EMAIL_KEYS - {"ssl"}  # starttls = true, "or ssl = true"
    assert everything.email is not None and everything.email.password_env == "SMTP_PASSWORD"
    assert written.site.output == tmp_path / "site"
    assert written.site.cache == tmp_path / ".cache" / "feedsmith"
    assert written.site.contact == REPOSITORY and written.site.base_url.endswith("/")


def test_the_live_project_reads_the_live_configurations_sources_and_topics(tmp_path: Path) -> None:
    live = load_config(LIVE)
    init_project(tmp_path / "live", requirement=PINNED)
    project = load_config(tmp_path / "live" / "feedsmith.toml")
    assert project.sources == live.sources and project.topics == live.topics
    assert [s.name for s in project.sources] == ["hf-trending", "hf-daily", "arxiv-rss"]
    # A demo project goes live the way its README says: drop the snapshot, uncomment the rest.
    init_project(tmp_path / "demo", demo=True, requirement=PINNED)
    demo = (tmp_path / "demo" / "feedsmith.toml").read_text()
    assert [s.name for s in load_config(tmp_path / "demo" / "feedsmith.toml").sources] == [
        "hf-trending-snapshot"]
    snapshot = re.search(r'\[\[sources\]\]\nname = "hf-trending-snapshot"\n[^\n]*\n[^\n]*\n', demo)
    assert snapshot is not None
    (tmp_path / "demo" / "feedsmith.toml").write_text(
        _uncommented(demo.replace(snapshot.group(0), "")).replace("# [[sources]]", "[[sources]]"))
    assert load_config(tmp_path / "demo" / "feedsmith.toml").sources == live.sources


def test_topics_are_a_copy_of_the_default_topics(tmp_path: Path) -> None:
    init_project(tmp_path, requirement=PINNED)
    assert (tmp_path / "topics.toml").read_bytes() == (ROOT / "feeds" / "topics.toml").read_bytes()
    assert (tmp_path / ".gitignore").read_text().splitlines()[-2:] == ["/site/", "/.cache/feedsmith/"]


def test_the_workflow_installs_the_source_feedsmith_came_from() -> None:
    git = {"url": "https://github.com/someone/feedsmith", "vcs_info": {
        "vcs": "git", "commit_id": "a" * 40, "requested_revision": "v0.2.0"}}
    pinned = requirement_from_direct_url(git)
    assert pinned.spec == f"feedsmith @ git+https://github.com/someone/feedsmith@{'a' * 40}"
    assert "v0.2.0" in pinned.note
    archive = {"url": "https://example.org/feedsmith-0.2.0.tar.gz", "archive_info": {}}
    assert requirement_from_direct_url(archive).spec == f"feedsmith @ {archive['url']}"
    for unknown in (None, {"url": "file:///home/me/feedsmith", "dir_info": {"editable": True}},
                    {"url": "file:///home/me/feedsmith", "vcs_info": {"vcs": "git", "commit_id": "b"}}):
        placeholder = requirement_from_direct_url(unknown, "0.3.0")
        assert placeholder.spec == f"feedsmith @ git+{REPOSITORY}@v0.3.0"
        assert "pin" in placeholder.note
    # this checkout runs from a folder (editable or PYTHONPATH): no public source to name
    assert installed_requirement().spec.startswith(("feedsmith @ git+", "feedsmith @ http"))
    workflow = project_files(requirement=pinned)[WORKFLOW].decode()
    assert f'pip install "{pinned.spec}"' in workflow and pinned.note in workflow


def test_init_help_shows_an_example() -> None:
    result = CliRunner().invoke(main, ["init", "--help"])
    assert result.exit_code == 0
    assert "Example: feedsmith init my-feeds --demo && cd my-feeds && feedsmith build" in result.output


# the workflow ------------------------------------------------------------------------------------

def check_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    """GitHub's workflow schema, as vendored by check-jsonschema (offline)."""
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def workflow_file(tmp_path: Path) -> Path:
    init_project(tmp_path, requirement=PINNED)
    return tmp_path / WORKFLOW


def test_the_workflow_passes_the_github_workflow_schema(workflow_file: Path, tmp_path: Path) -> None:
    result = check_workflow(workflow_file)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"  # the check has teeth: a job without runs-on is refused
    broken.write_text(workflow_file.read_text().replace("    runs-on: ubuntu-latest\n", "", 1))
    assert check_workflow(broken).returncode == 1


def load_workflow(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text())
    return data


def step_index(steps: list[dict[str, Any]], uses: str = "", run: str = "") -> int:
    found = [i for i, step in enumerate(steps) if (uses and step.get("uses", "").startswith(uses))
             or (run and run in step.get("run", ""))]
    assert len(found) == 1, (uses, run, steps)
    return found[0]


def test_the_workflow_runs_hourly_one_at_a_time_and_deploys_to_pages(workflow_file: Path) -> None:
    workflow = load_workflow(workflow_file)
    (schedule,) = workflow["on"]["schedule"]
    minute, *rest = schedule["cron"].split()
    assert 0 <= int(minute) < 60 and rest == ["*", "*", "*", "*"]  # once an hour
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"

    steps = workflow["jobs"]["build"]["steps"]
    install = steps[step_index(steps, run="pip install")]["run"]
    assert install == f'pip install "{PINNED.spec}"'
    pages = step_index(steps, uses="actions/configure-pages@")
    restore = step_index(steps, uses="actions/cache/restore@")
    build = step_index(steps, run="feedsmith build")
    save = step_index(steps, uses="actions/cache/save@")
    upload = step_index(steps, uses="actions/upload-pages-artifact@")
    assert pages < build and restore < build < save < upload

    config = load_config(workflow_file.parent.parent.parent / "feedsmith.toml")
    project = workflow_file.parent.parent.parent
    cache = steps[restore]["with"]
    assert cache["path"] == str(config.site.cache.relative_to(project))
    assert "${{ github.run_id }}" in cache["key"] and cache["key"].startswith(cache["restore-keys"])
    assert steps[save]["with"] == {"path": cache["path"], "key": cache["key"]}
    assert steps[upload]["with"]["path"] == str(config.site.output.relative_to(project))

    env = steps[build]["env"]
    assert env["HF_TOKEN"] == "${{ secrets.HF_TOKEN }}"
    assert steps[restore]["id"] == "cache" and "steps.cache.outputs.cache-matched-key" in str(env)
    assert steps[pages]["id"] == "pages" and "steps.pages.outputs.base_url" in str(env)
    assert "--seed-from" in steps[build]["run"]

    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_the_optional_send_step_runs_after_the_build_and_before_the_store_is_saved(
        workflow_file: Path, tmp_path: Path) -> None:
    text = workflow_file.read_text()
    assert not any("digest send" in step.get("run", "")  # commented out: off until configured
                   for step in load_workflow(workflow_file)["jobs"]["build"]["steps"])
    step = re.search(r"(?m)^      # - name: Send the digests\n(?:      #   .*\n)+", text)
    assert step is not None
    on = workflow_file.with_name("with-send.yml")
    on.write_text(text.replace(step.group(0), re.sub(r"(?m)^      # ", "      ", step.group(0))))
    assert check_workflow(on).returncode == 0, check_workflow(on).stdout
    steps = load_workflow(on)["jobs"]["build"]["steps"]
    send = step_index(steps, run="feedsmith digest send")
    assert step_index(steps, run="feedsmith build") < send < step_index(steps, uses="actions/cache/save@")
    assert steps[send]["continue-on-error"] is True  # a mail failure never stops the deploy
    assert steps[send]["env"] == {"SMTP_PASSWORD": "${{ secrets.SMTP_PASSWORD }}"}


def run_build_step(step: dict[str, Any], tmp_path: Path, *, restored: str, exit_code: int
                   ) -> tuple[int, list[str]]:
    """The build step's script under bash as GitHub runs it (``bash -e``), with the step's env as
    GitHub would fill it in and a stand-in ``feedsmith`` that records its arguments and exits
    with ``exit_code``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    args_file = tmp_path / "args"
    fake = bin_dir / "feedsmith"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {args_file}\nexit {exit_code}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    filled = {"${{ secrets.HF_TOKEN }}": "", "${{ steps.cache.outputs.cache-matched-key }}": restored,
              "${{ steps.pages.outputs.base_url }}": "https://me.github.io/papers"}
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for name, value in step["env"].items():
        for expression, filled_in in filled.items():
            value = value.replace(expression, filled_in)
        assert "${{" not in value, value
        env[name] = value
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    done = subprocess.run([shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail",
                           str(script)], env=env, capture_output=True, text=True, timeout=30)
    return done.returncode, args_file.read_text().splitlines()


def test_the_build_step_seeds_only_without_a_store_and_deploys_after_a_failed_source(
        workflow_file: Path, tmp_path: Path) -> None:
    steps = load_workflow(workflow_file)["jobs"]["build"]["steps"]
    step = steps[step_index(steps, run="feedsmith build")]
    assert run_build_step(step, tmp_path, restored="feedsmith-store-41-1", exit_code=0) == (0, ["build"])
    assert run_build_step(step, tmp_path, restored="", exit_code=0) == (
        0, ["build", "--seed-from", "https://me.github.io/papers/"])
    # exit 3: a source failed but the site was built: the job goes on to save and deploy
    assert run_build_step(step, tmp_path, restored="k", exit_code=3)[0] == 0
    assert run_build_step(step, tmp_path, restored="k", exit_code=1)[0] != 0
