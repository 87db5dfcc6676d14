"""Unsafe output settings: a folder a build must not write into, files feedsmith did not write,
and slugs too long to be file names are refused before anything is read or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.config import load_config, with_overrides
from feedsmith.errors import ConfigError, RenderError
from feedsmith.render import site_file_names, site_files
from feedsmith.render.search import FIXED_FILES
from feedsmith.render.site import MANIFEST, foreign_files, write_site
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import fixed_site


def snapshot_config(folder: Path, *, output: str = "site") -> Path:
    path = write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))])
    path.write_text(path.read_text().replace('output = "site"', f'output = "{output}"'))
    return path


def run_build(config: Path, *flags: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--config", str(config), *flags])
    return result.exit_code, result.output


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# output folders a build must not write into ------------------------------------------------------

def test_the_filesystem_root_is_refused_as_output(tmp_path: Path) -> None:
    config = snapshot_config(tmp_path, output="/")
    with pytest.raises(ConfigError, match="output folder / is the root of the filesystem"):
        load_config(config)
    code, output = run_build(config)
    assert code == 1 and "root of the filesystem" in output
    assert not (tmp_path / "cache").exists()  # the store was not even created


def test_the_home_folder_and_folders_above_it_are_refused_as_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "me"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for folder, why in ((home, "is the home folder"), (home.parent, "contains the home folder")):
        with pytest.raises(ConfigError, match=why):
            load_config(snapshot_config(tmp_path, output=str(folder)))
    config = snapshot_config(tmp_path)
    with pytest.raises(ConfigError, match="is the home folder"):
        with_overrides(load_config(config), output=home / "." / "sub" / "..")
    code, output = run_build(config, "--out", str(home))
    assert code == 1 and "is the home folder" in output, output
    assert sorted(p.name for p in home.iterdir()) == [] and not (tmp_path / "cache").exists()
    assert load_config(snapshot_config(tmp_path, output=str(home / "site"))).site.output \
        == home / "site"


# files feedsmith did not write ------------------------------------------------------------------

def test_a_build_refuses_to_overwrite_files_it_did_not_write_unless_forced(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("my own home page")
    (site / "style.css").write_text("body { color: hotpink }")
    (site / "pagefind").mkdir()
    (site / "pagefind" / "pagefind.js").write_text("// my own search")
    (site / "CNAME").write_text("papers.example.org")
    (site / "all.atom").symlink_to(tmp_path / "elsewhere.atom")  # even a dangling link is theirs
    config = snapshot_config(tmp_path)
    before = folder_state(site)

    code, output = run_build(config)
    assert code == 1, output
    assert ("holds files feedsmith did not write: all.atom, index.html, pagefind/pagefind.js, "
            "style.css") in output
    assert "--force" in output
    assert folder_state(site) == before and sorted(p.name for p in site.iterdir()) == [
        "CNAME", "all.atom", "index.html", "pagefind", "style.css"]
    assert not (tmp_path / "cache").exists()  # nothing read, the store untouched

    code, output = run_build(config, "--force")
    assert code == 0, output
    assert b"my own home page" not in (site / "index.html").read_bytes()
    assert (site / "all.atom").is_file() and not (site / "all.atom").is_symlink()
    assert (site / "CNAME").read_text() == "papers.example.org"  # not a file feedsmith writes
    code, output = run_build(config)  # now they are feedsmith's own
    assert code == 0, output


def test_a_first_build_into_a_folder_of_unrelated_files_goes_ahead(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / ".git").mkdir(parents=True)
    (site / "CNAME").write_text("papers.example.org")
    (site / "README.md").write_text("my notes")
    (site / "old.atom").write_text("a feed of mine")
    code, output = run_build(snapshot_config(tmp_path))
    assert code == 0, output
    assert (site / "index.html").is_file() and (site / ".git").is_dir()
    assert (site / "CNAME").read_text() == "papers.example.org"
    assert (site / "README.md").read_text() == "my notes"
    assert (site / "old.atom").read_text() == "a feed of mine"


def test_every_file_is_in_the_manifest_before_it_exists_and_pages_come_last(tmp_path: Path) -> None:
    """A write that fails halfway (here a name too long for the filesystem) leaves only files the
    manifest names (so the next build does not take them for a user's) and no index or OPML list
    linking to a feed that was not written."""
    files = site_files(fixed_site())
    files["x" * 300 + ".atom"] = b"<feed/>\n"
    with pytest.raises(RenderError, match="cannot write site"):
        write_site(tmp_path, files)
    written = {p.name for p in tmp_path.iterdir()} - {MANIFEST}
    assert written and "index.html" not in written and "feeds.opml" not in written
    assert not any(name.endswith(".html") for name in written)
    assert foreign_files(tmp_path, files) == []
    del files["x" * 300 + ".atom"]
    report = write_site(tmp_path, files)
    assert set(report.written) | set(report.unchanged) == set(files)
    assert report.written == sorted(report.written)


def test_site_file_names_are_the_names_site_files_writes_and_every_search_bundle_has() -> None:
    site = fixed_site()
    assert site_file_names(v.slug for v in site.feeds) == set(site_files(site)) | set(FIXED_FILES)


def test_the_search_subfolder_never_leads_a_write_or_a_removal_outside_the_folder(
        tmp_path: Path) -> None:
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    (elsewhere / "victim").write_text("keep me")
    (site / "pagefind").symlink_to(elsewhere)
    files = {**site_files(fixed_site()), "pagefind/pagefind.js": b"// search\n"}
    with pytest.raises(RenderError, match="pagefind is a symlink"):
        write_site(site, files)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["victim"]
    (site / "pagefind").unlink()
    # a manifest that names paths outside the folder (or into a folder feedsmith does not write)
    # has those names ignored: a build never deletes them
    (site / "notes").mkdir()
    (site / "notes" / "mine.txt").write_text("mine")
    (site / MANIFEST).write_text(json.dumps(["../elsewhere/victim", "pagefind/../../elsewhere/victim",
                                             str(elsewhere / "victim"), "notes/mine.txt"]))
    report = write_site(site, files)
    assert report.removed == [] and (elsewhere / "victim").read_text() == "keep me"
    assert (site / "notes" / "mine.txt").read_text() == "mine"
    assert (site / "pagefind" / "pagefind.js").read_bytes() == b"// search\n"
    # a stale file in the subfolder goes, and so does the subfolder once empty
    del files["pagefind/pagefind.js"]
    assert write_site(site, files).removed == ["pagefind/pagefind.js"]
    assert not (site / "pagefind").exists()


# topic slugs ------------------------------------------------------------------------------------

def config_with_topic(folder: Path, slug: str) -> Path:
    path = write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))], topics=None)
    path.write_text(path.read_text() + f'[topics.{slug}]\nany = ["model"]\n')
    return path


def test_a_slug_longer_than_64_characters_is_refused_when_the_configuration_loads(
        tmp_path: Path) -> None:
    longest = "-".join(["word"] * 12) + "-abcd"  # 64 characters
    assert len(longest) == 64
    assert [t.slug for t in load_config(config_with_topic(tmp_path, longest)).topics] == [longest]
    too_long = "a" * 263
    config = config_with_topic(tmp_path, too_long)
    with pytest.raises(ConfigError, match="slug is 263 characters long; at most 64 are allowed"):
        load_config(config)
    code, output = run_build(config)
    assert code == 1 and "at most 64" in output
    assert not (tmp_path / "site").exists() and not (tmp_path / "cache").exists()
