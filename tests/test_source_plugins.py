"""A source kind from outside feedsmith: one module and one entry point, no feedsmith file touched.

The plugin package is put on ``sys.path`` of a child process with its own ``dist-info`` folder
(``entry_points.txt`` in the ``feedsmith.sources`` group), exactly what ``pip install`` of a
plugin would leave behind, and a configuration uses its kind like a built-in one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, write_config

PLUGIN = '''
"""A tiny source kind: a text file, one paper title per line, ``prefix`` before each."""
from datetime import date

from feedsmith.model import Entry
from feedsmith.sources import Option, Parsed, SourceConfig, SourceKind, Step, collect, text_option


def parse(data: bytes, *, source: str) -> Parsed:
    def entry(line: str) -> Entry | None:
        title = line.strip()
        return Entry(key="tiny:" + title.lower(), guid="tag:tiny.example,2026:" + title.lower(),
                     title=title, sources=(source,)) if title else None
    entries, skipped = collect(data.decode().splitlines(), entry)
    return Parsed(tuple(entries), skipped)


def plan(source: SourceConfig, today: date) -> tuple[Step, ...]:
    return (Step(source.url),)


KIND = SourceKind(name="tiny-lines", parse=parse, plan=plan,
                  options={"prefix": Option(text_option, "")})
'''


def install_plugin(folder: Path) -> None:
    (folder / "tinykind.py").write_text(PLUGIN)
    info = folder / "tinykind-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinykind\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[feedsmith.sources]\ntiny-lines = tinykind:KIND\n")


def test_a_kind_registered_by_another_package_is_used_from_a_configuration(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    install_plugin(plugins)
    (tmp_path / "papers.txt").write_text("A tiny paper\n\nAnother tiny paper\n")
    config = write_config(tmp_path, [("lines", "tiny-lines", "papers.txt")])
    with config.open("a") as handle:
        handle.write('prefix = "x"\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "feedsmith", "build", "--config", str(config)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "lines (tiny-lines): 2 entries, 2 new, 1 skipped" in done.stdout
    feed = json.loads((tmp_path / "site" / "all.json").read_text())
    assert sorted(item["title"] for item in feed["items"]) == ["A tiny paper", "Another tiny paper"]
    unknown = write_config(tmp_path, [("lines", "tiny-lines", "papers.txt")])
    done = subprocess.run([sys.executable, "-m", "feedsmith", "build", "--config", str(unknown)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1 and "unknown source kind 'tiny-lines'" in done.stderr
