"""``feedsmith init``: a folder in, a ready project written into it, the files written out.

The project is ``feedsmith.toml`` (the live sources, or with ``demo`` the bundled snapshot),
``topics.toml`` (a copy of the default topics), ``.gitignore``, a GitHub Actions workflow that
builds and publishes the feeds every hour, and a README of next steps. The templates are package
data (``feedsmith/templates/init/``), rendered with jinja2: later options go into those files.
Nothing is written when any of the files already exists, unless ``force``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from ._version import __version__
from .config import bundled_config_path
from .errors import InitError
from .render.site import write_atomic

# Where feedsmith's source lives: the workflow installs from it when init cannot tell where the
# running copy came from.
REPOSITORY = "https://github.com/feedsmith/feedsmith"
SITE_FOLDER = "site"
STORE_FOLDER = ".cache/feedsmith"
SNAPSHOT = "hf-trending-snapshot.json"
WORKFLOW = ".github/workflows/feeds.yml"


@dataclass(frozen=True)
class Requirement:
    """What the workflow's ``pip install`` names, and a comment that says where it comes from."""

    spec: str
    note: str


def requirement_from_direct_url(direct_url: dict[str, Any] | None, version: str = __version__
                                ) -> Requirement:
    """The requirement that reinstalls the source a distribution came from, read from its
    PEP 610 ``direct_url.json``: a git repository at the commit it was installed from, or an
    archive URL. Anything else (an index, a local folder) gives the project's repository at the
    release tag, with a note to pin it."""
    url = str((direct_url or {}).get("url", ""))
    vcs = (direct_url or {}).get("vcs_info")
    remote = urlsplit(url).scheme in ("https", "http", "ssh")
    if remote and isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        asked = vcs.get("requested_revision")
        return Requirement(f"feedsmith @ git+{url}@{vcs['commit_id']}",
                           "the commit feedsmith init was installed from"
                           + (f" (requested as {asked})" if asked else ""))
    if remote and "archive_info" in (direct_url or {}):
        return Requirement(f"feedsmith @ {url}", "the archive feedsmith init was installed from")
    return Requirement(f"feedsmith @ git+{REPOSITORY}@v{version}",
                       "feedsmith's repository at a release tag: pin the tag or commit you want")


def installed_requirement() -> Requirement:
    """The requirement for the feedsmith that is running, if its installation says where it
    came from (``pip install git+...``), else the project's repository at the release tag."""
    try:
        text = metadata.distribution("feedsmith").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    try:
        direct_url = json.loads(text) if text else None
    except ValueError:
        direct_url = None
    return requirement_from_direct_url(direct_url if isinstance(direct_url, dict) else None)


def _commented(text: str, on: bool) -> str:
    """``text`` with every line that is not blank commented out, when ``on``."""
    if not on:
        return text
    return "".join(f"# {line}" if line.strip() else line for line in text.splitlines(True))


def _environment() -> jinja2.Environment:
    """Delimiters that leave GitHub's ``${{ }}``, TOML's ``[[ ]]`` and shell's ``${#x}`` alone."""
    env = jinja2.Environment(
        variable_start_string="{{=", variable_end_string="=}}",
        comment_start_string="{#=", comment_end_string="=#}",
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True, autoescape=False)  # TOML, YAML and Markdown, not HTML
    env.filters["commented"] = _commented
    return env


def _template(name: str) -> str:
    return (resources.files("feedsmith") / "templates" / "init" / name).read_text(encoding="utf-8")


def project_files(*, demo: bool = False, requirement: Requirement | None = None
                  ) -> dict[str, bytes]:
    """Each file of a new project (its path in the project folder) and its content."""
    requirement = requirement or installed_requirement()
    values = {"demo": demo, "site_folder": SITE_FOLDER, "store_folder": STORE_FOLDER,
              "repository": REPOSITORY, "requirement": requirement.spec,
              "requirement_note": requirement.note}
    env = _environment()
    rendered = {target: env.from_string(_template(name)).render(values)
                for name, target in (("feedsmith.toml", "feedsmith.toml"),
                                     ("gitignore", ".gitignore"), ("feeds.yml", WORKFLOW),
                                     ("README.md", "README.md"))}
    feeds = bundled_config_path().parent
    files = {path: text.encode() for path, text in rendered.items()}
    files["topics.toml"] = (feeds / "topics.toml").read_bytes()
    if demo:
        files[SNAPSHOT] = (feeds / SNAPSHOT).read_bytes()
    return dict(sorted(files.items()))


def init_project(folder: Path, *, demo: bool = False, force: bool = False,
                 requirement: Requirement | None = None) -> list[Path]:
    """Write a new project into ``folder`` (created if missing); the files written. InitError,
    with nothing written, if any of them exists already, unless ``force``."""
    files = project_files(demo=demo, requirement=requirement)
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} is not a folder")
    if not force:
        existing = [name for name in files if (folder / name).exists() or (folder / name).is_symlink()]
        if existing:
            raise InitError(f"{folder} already has {', '.join(existing)}: nothing written "
                            "(--force overwrites them)")
    written = []
    for name, data in files.items():
        path = folder / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        except OSError as exc:
            raise InitError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written
