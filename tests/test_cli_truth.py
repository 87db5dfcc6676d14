"""The CLI tells the truth (issue 15): summaries name what failed, wrong arguments are usage
errors (exit 2), an HTML page given as a feed is called one, `entries --text` matches as topic
rules do, options go where users type them, and the help shows every command whole."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from feedsmith.cli import main
from feedsmith.config import load_config
from feedsmith.errors import HTMLPageError
from feedsmith.render.site import MANIFEST
from feedsmith.sources.feed import parse
from feedsmith.topics import topic_from_table
from feedsmith.topics.rules import toml_table
from tests.conftest import ROOT, SNAPSHOT, write_config

LORA_PAPERS = {"2304.14178", "2401.16160", "2309.12307", "2311.09216", "2401.16405"}
EXPLORATION_ONLY = {"2310.10047", "2407.03040", "2404.15100", "2311.07575", "2403.14469",
                    "2402.18041"}


def cli(*args: str, **extra: object) -> Result:
    return CliRunner().invoke(main, list(args), **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A configuration whose store and site were built once from the snapshot."""
    folder = tmp_path_factory.mktemp("built")
    config = write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))])
    result = cli("build", "--config", str(config))
    assert result.exit_code == 0, result.output
    return config


def listed_ids(output: str) -> set[str]:
    """The arXiv ids of the lines `feedsmith entries` printed."""
    return {line.split()[1].removeprefix("https://arxiv.org/abs/") for line in output.splitlines()}


# a failed source is named, with its reason, in the summary ----------------------------------

def test_the_summary_on_stdout_names_each_failed_source_and_its_reason(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT)),
                                     ("gone", "hf-daily", "missing.json")])
    result = cli("build", "--config", str(config))
    assert result.exit_code == 3, result.output
    assert "sources: 1 read, 1 failed" in result.stdout
    (line,) = [line for line in result.stdout.splitlines() if "gone" in line]
    assert line.startswith("  FAILED gone (hf-daily): ") and "missing.json" in line
    assert "No such file" in line


# an HTML page given as a feed ---------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>A blog</title>
<link rel="stylesheet" href="style.css">
<link rel="alternate" type="application/atom+xml" title="Atom" href="{href}">
<link rel="alternate" type="text/html" href="other.html">
</head>
<body><p>Hello<br>world</p></body>
</html>
"""


@pytest.mark.parametrize(("path", "href", "expected"), [
    ("/blog/", "atom.xml", "/blog/atom.xml"),
    ("/blog/index.html", "/feeds/all.rss", "/feeds/all.rss"),
    ("/page", "https://elsewhere.example/feed.xml", "https://elsewhere.example/feed.xml"),
])
def test_an_html_page_given_as_a_feed_is_called_one_and_its_feed_is_named(
        tmp_path: Path, httpserver: HTTPServer, path: str, href: str, expected: str) -> None:
    httpserver.expect_request(path).respond_with_data(PAGE.format(href=href),
                                                      content_type="text/html")
    config = write_config(tmp_path, [])
    url = httpserver.url_for(path)
    result = cli("crawl", "--config", str(config), "--add-source", f"feed={url}")
    assert result.exit_code == 3, result.output
    feed = expected if expected.startswith("https:") else httpserver.url_for(expected)
    assert f"an HTML page, not a feed; the feed it links to: {feed}" in result.stdout
    assert "mismatched tag" not in result.output and "other.html" not in result.output


def test_an_html_page_without_a_feed_link_is_called_one(tmp_path: Path,
                                                        httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(
        "<html><head><title>x</title></head><body><p>no feed here<br></body></html>",
        content_type="text/html")
    config = write_config(tmp_path, [])
    result = cli("crawl", "--config", str(config), "--add-source",
                 f"feed={httpserver.url_for('/')}")
    assert result.exit_code == 3, result.output
    assert re.search(r"FAILED \S+ \(feed\): an HTML page, not a feed \[", result.stdout), \
        result.stdout


def test_the_parser_keeps_only_feed_links_it_can_name() -> None:
    page = PAGE.replace("</head>", '<link rel="Alternate feed" type="application/rss+xml" '
                                   'href="javascript:alert(1)">'
                                   '<link rel="alternate" type="application/rss+xml" '
                                   'href="/rss.xml">'
                                   '<link rel="alternate" type="application/atom+xml" '
                                   'href="x.atom">\n</head>')
    with pytest.raises(HTMLPageError) as error:
        parse(page.format(href="atom.xml").encode(), source="s")
    assert error.value.feeds == ("atom.xml", "/rss.xml", "x.atom")
    # a local page: relative links are shown as written, marked as relative
    config_dir = Path(__file__).parent
    assert "relative" in str(error.value.resolved(str(config_dir / "page.html")))


# entries: the same phrase matching as topic rules; unknown topics ---------------------------

def test_entries_text_matches_whole_words_as_topic_rules_do(built: Path) -> None:
    result = cli("entries", "--config", str(built), "--text", "LoRA")
    assert result.exit_code == 0, result.output
    assert listed_ids(result.output) == LORA_PAPERS  # not the six that only say "exploration"
    by_author = cli("entries", "--config", str(built), "--text", "yukang chen")
    assert listed_ids(by_author.output) == {"2309.12307"}
    in_title = cli("entries", "--config", str(built), "--text", "title:LoRA")
    assert listed_ids(in_title.output) == {"2401.16160"}  # LongLoRA is one word


def test_entries_unknown_topic_is_a_usage_error_listing_the_known_ones(built: Path) -> None:
    result = cli("entries", "--config", str(built), "--topic", "nosuch")
    assert result.exit_code == 2, result.output
    assert "'nosuch'" in result.output and "long-context" in result.output
    assert "reasoning" in result.output


# options go where users type them -----------------------------------------------------------

def test_entries_show_takes_the_options_after_the_subcommand(built: Path) -> None:
    cache = built.parent / "cache"
    result = cli("entries", "show", "2309.12307", "--config", str(built), "--cache-dir",
                 str(cache), "--lock-timeout", "5")
    assert result.exit_code == 0, result.output
    assert "title:      LongLoRA" in result.output
    before = cli("entries", "--config", str(built), "show", "2309.12307")
    assert before.exit_code == 0 and before.output == result.output


# crawl and seeding say what happened ---------------------------------------------------------

def test_crawl_prints_no_feeds_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("snap", "hf-daily", str(SNAPSHOT))])
    result = cli("crawl", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "feeds:" not in result.output and "entries: 72 new" in result.output


def test_seeding_counts_entries_and_a_missing_folder_is_an_error(built: Path,
                                                                 tmp_path: Path) -> None:
    site = built.parent / "site"
    seeded = cli("build", "--config", str(built), "--cache-dir", str(tmp_path / "c"), "--out",
                 str(tmp_path / "site"), "--seed-from", str(site))
    assert seeded.exit_code == 0, seeded.output
    assert f"seeded: 72 entries from {site}" in seeded.output
    missing = cli("build", "--config", str(built), "--cache-dir", str(tmp_path / "c2"), "--out",
                  str(tmp_path / "site2"), "--seed-from", str(tmp_path / "no-such-site"))
    assert missing.exit_code == 1, missing.output
    assert "no-such-site" in missing.output and "no such file or folder" in missing.output
    assert not (tmp_path / "site2").exists()


# topics try echoes TOML ---------------------------------------------------------------------

def test_try_echoes_the_rule_as_toml_to_paste_into_the_configuration(built: Path) -> None:
    result = cli("topics", "try", "--config", str(built), "--rule", 'any = ["LoRA"]',
                 "--rule", "none = ['multi\"modal', 're:\\bvideo\\b']")
    assert result.exit_code == 0, result.output
    block = result.output.split("\n\n")[0]
    assert block.splitlines()[1] == "[topics.trial]", result.output
    table = tomllib.loads(block.split("\n", 1)[1])["topics"]["trial"]
    assert table == {"any": ["LoRA"], "none": ['multi"modal', r"re:\bvideo\b"]}
    topic_from_table("trial", table, where="pasted")
    based = cli("topics", "try", "--config", str(built), "--topic", "long-context", "--rule",
                'none = ["LoRA"]')
    assert "[topics.long-context]\n" in based.output and "'dict'" not in based.output
    assert "{'" not in based.output


toml_values = st.recursive(
    st.text() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4), max_leaves=8)


@given(st.dictionaries(st.sampled_from(["any", "all", "none", "regex", "window_days", "x_y"]),
                       toml_values, max_size=6),
       st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True))
def test_the_toml_writer_round_trips_every_value_a_rule_holds(table: dict[str, object],
                                                              slug: str) -> None:
    text = toml_table(f"topics.{slug}", table)
    assert tomllib.loads(text) == {"topics": {slug: table}}


# bad arguments are usage errors; unknown keys suggest the closest ------------------------

@pytest.mark.parametrize("args", [
    ["prune", "--older-than", "3m"],
    ["topics", "try", "--rule", "any = [unquoted]"],
    ["topics", "try", "--rule", "any = 5"],
    ["topics", "try", "--rule", "anyy = ['x']"],
    ["topics", "try", "--topic", "nosuch", "--rule", "any = ['x']"],
    ["topics", "explain", "not-a-paper"],
    ["entries", "--text", "re:(unclosed"],
    ["entries", "--since", "yesterday"],
])
def test_bad_arguments_exit_2(built: Path, args: list[str]) -> None:
    result = cli(*args[:1], "--config", str(built), *args[1:])
    assert result.exit_code == 2, result.output
    assert "Error: " in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("text", "suggestion"), [
    ('sources = []\n[site]\ntittle = "x"\n', "'title'"),
    ('[[source]]\nname = "a"\n', "'sources'"),
    ('[crawl]\nretires = 2\n', "'retries'"),
    ('[crawl.hosts."x.org"]\nspacng = 2\n', "'spacing'"),
    ('[[sources]]\nname = "a"\nkind = "arxiv-api"\ncategores = ["cs.CL"]\n', "'categories'"),
    ('[[sources]]\nname = "a"\nkind = "feed"\nurll = "https://x.org/feed"\n', "'url'"),
    ('[topics.x]\nany = ["a"]\nnonee = ["b"]\n', "'none'"),
    ('[topics.x]\nany = ["a"]\nwindow = 3\n', "'window_days'"),
])
def test_an_unknown_configuration_key_suggests_the_closest(tmp_path: Path, text: str,
                                                           suggestion: str) -> None:
    path = tmp_path / "feedsmith.toml"
    path.write_text(text)
    result = cli("build", "--config", str(path))
    assert result.exit_code == 1, result.output
    assert f"did you mean {suggestion}?" in result.output


# help --------------------------------------------------------------------------------------

def _groups(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], click.Group]]:
    if isinstance(command, click.Group):
        yield path, command
        for name, sub in command.commands.items():
            yield from _groups(sub, (*path, name))


def test_every_command_is_listed_whole_and_the_help_names_its_environment() -> None:
    for path, group in _groups(main):
        result = cli(*path, "--help", terminal_width=80)
        assert result.exit_code == 0, result.output
        listing = result.output.split("Commands:\n", 1)[1]
        assert "..." not in listing, (path, listing)
        assert {line.split()[0] for line in listing.splitlines() if line.strip()} \
            == set(group.commands), (path, listing)
    for args in (["build"], ["crawl"], ["topics"], ["topics", "try"], ["entries"],
                 ["entries", "show"], ["store", "check"], ["prune"], ["serve"]):
        result = cli(*args, "--help", terminal_width=100)
        assert "FEEDSMITH_CONFIG" in " ".join(result.output.split()), args
    entries = cli("entries", "--help", terminal_width=100).output
    assert re.search(r"--since DATE\s", entries), entries


# serve ---------------------------------------------------------------------------------------

def _serving_line(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], 30)
    assert ready, "serve printed nothing"
    return child.stdout.readline()


def test_serve_takes_config_and_serves_its_output_folder(built: Path, tmp_path: Path) -> None:
    site = built.parent / "site"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "index.html").write_text("<p>other</p>")
    for extra, folder in (([], site), (["--dir", str(tmp_path / "other")], tmp_path / "other")):
        args = [sys.executable, "-m", "feedsmith", "serve", "--config", str(built), "--port", "0",
                *extra]
        env = {k: v for k, v in os.environ.items() if k != "FEEDSMITH_OUT"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=tmp_path, env=env) as child:
            try:
                line = _serving_line(child)
                assert line.startswith(f"serving {folder} at http://127.0.0.1:"), (
                    line, child.stderr.read() if child.poll() is not None and child.stderr else "")
                url = line.split(" at ", 1)[1].split()[0]
                index = httpx.get(url)
                assert index.status_code == 200
                assert index.content == (folder / "index.html").read_bytes()
                assert httpx.get(url + MANIFEST).status_code == 404
            finally:
                child.terminate()
    assert (site / MANIFEST).is_file()


# categories ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    '[topics.x]\ncategories = ["computer vision"]\n',
    '[topics.x]\ncategories = "cs.CV cs.CL"\n',
    '[[sources]]\nname = "a"\nkind = "arxiv-api"\ncategories = ["computer vision"]\n',
    '[[sources]]\nname = "a"\nkind = "arxiv-rss"\ncategories = ["cs.CV", "cs CL"]\n',
])
def test_a_category_that_is_not_an_arxiv_category_is_refused_at_load(tmp_path: Path,
                                                                      text: str) -> None:
    path = tmp_path / "feedsmith.toml"
    path.write_text(text)
    result = cli("build", "--config", str(path))
    assert result.exit_code == 1, result.output
    assert "arXiv categories like 'cs.CL'" in result.output
    assert not (tmp_path / "site").exists()


def test_arxiv_categories_of_every_form_load(tmp_path: Path) -> None:
    path = tmp_path / "feedsmith.toml"
    path.write_text('[topics.x]\n'
                    'categories = ["cs.CL", "CS.cv", "hep-th", "q-bio.NC", "cond-mat.str-el"]\n'
                    '[[sources]]\nname = "a"\nkind = "arxiv-rss"\ncategories = ["cs.CL", "hep-th"]\n')
    config = load_config(path)
    assert config.topics[0].categories == ("cs.CL", "CS.cv", "hep-th", "q-bio.NC", "cond-mat.str-el")
    assert config.sources[0].option("categories") == ("cs.CL", "hep-th")
