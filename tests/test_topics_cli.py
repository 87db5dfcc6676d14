"""The topics commands through the CLI, re-classification paths and invalid rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedsmith.cli import main
from feedsmith.config import load_config
from feedsmith.jobs import build
from feedsmith.sources.hf import HF_HOST
from feedsmith.store import open_store
from tests.conftest import SNAPSHOT, TOPICS, write_config

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A configuration whose store and site were built once from the snapshot."""
    folder = tmp_path_factory.mktemp("built")
    config = write_config(folder, [("snapshot", "hf-daily", str(SNAPSHOT))])
    result = CliRunner().invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return config


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_explain_names_the_rule_and_words_that_place_longlora(built: Path) -> None:
    code, out = run("topics", "explain", "2309.12307", "--config", str(built))
    assert code == 0, out
    assert out.startswith("2309.12307  LongLoRA: Efficient Fine-tuning of Long-Context")
    assert "+ long-context: IN" in out and "+ fine-tuning: IN" in out
    assert "'title:long-context' -> \"Long-Context\" in title" in out
    assert "'title:fine-tuning' -> \"Fine-tuning\" in title" in out
    assert "'computation saving' -> \"computation saving\" in abstract" in out
    assert "- multimodal: OUT" in out and "FAIL any: no `any` phrase matched" in out


@pytest.mark.parametrize("reference", ["2309.12307v2", "https://arxiv.org/abs/2309.12307v1",
                                       "https://arxiv.org/pdf/2309.12307", "hf"])
def test_explain_accepts_versioned_ids_and_paper_urls(built: Path, reference: str) -> None:
    if reference == "hf":
        reference = f"https://{HF_HOST}/papers/2309.12307"
    code, out = run("topics", "--config", str(built), "explain", reference)
    assert code == 0, out
    assert out.startswith("2309.12307  LongLoRA")


def test_explain_unknown_paper_or_missing_store_is_exit_1(built: Path, tmp_path: Path) -> None:
    code, out = run("topics", "explain", "2101.00001", "--config", str(built))
    assert code == 1 and "not in the store" in out
    code, out = run("topics", "explain", "2309.12307", "--config", str(built),
                    "--cache-dir", str(tmp_path / "none"))
    assert code == 1 and "run feedsmith build first" in out
    assert not (tmp_path / "none").exists()


def test_topics_lists_counts_and_newest_entry(built: Path) -> None:
    code, out = run("topics", "--config", str(built))
    assert code == 0, out
    rows = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()}
    config = load_config(built)
    with open_store(config.site.cache) as store:
        counted = {topic.slug: sum(topic.slug in e.topics for e in store.entries())
                   for topic in config.topics}
    assert rows == counted and len(rows) == 12 and rows["long-context"] >= 6
    assert "newest 2309.12307 LongLoRA: Efficient Fine-tuning" in out


def test_try_previews_a_new_rule_and_a_change_to_a_topic(built: Path) -> None:
    code, out = run("topics", "try", "--config", str(built), "--rule", 'any = ["LoRA"]',
                    "--rule", 'none = ["multimodal"]')
    assert code == 0, out
    assert "catches 3 of 72 stored entries" in out
    assert "2309.12307  LongLoRA" in out and "LLaVA-MoLE" not in out
    code, out = run("topics", "try", "--config", str(built), "--topic", "long-context",
                    "--rule", 'none = ["LoRA"]')
    assert code == 0, out
    assert "(+0 / -1 against long-context)" in out
    assert "- 2309.12307  LongLoRA" in out
    code, out = run("topics", "try", "--config", str(built), "--rule", "any = [unquoted]")
    assert code == 2 and "--rule" in out  # a usage error


def _topics_file(folder: Path, long_context_rule: str) -> Path:
    text = TOPICS.read_text()
    start = text.index("[topics.long-context]")
    end = text.index("[topics.reasoning]")
    rules = folder / "topics.toml"
    rules.write_text(text[:start] + "[topics.long-context]\n" + long_context_rule + "\n\n"
                     + text[end:])
    return rules


def test_changed_rule_reclassifies_the_store_and_unchanged_rules_do_not(tmp_path: Path) -> None:
    rules = _topics_file(tmp_path, 'any = ["title:long-context", "context extension"]')
    config_path = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT))], topics=rules)
    first = build(load_config(config_path), now=T0)
    assert not first.reclassified  # a new store: entries are classified as they arrive
    again = build(load_config(config_path), now=T0)
    assert not again.reclassified and again.topic_counts["long-context"] == 6
    with open_store(tmp_path / "cache") as store:
        assert "long-context" in store.get("arxiv:2309.12307").topics  # type: ignore[union-attr]
    # One rule changes (an exclusion): the whole store is re-classified and LongLoRA moves out.
    _topics_file(tmp_path, 'any = ["title:long-context", "context extension"]\nnone = ["LoRA"]')
    changed = build(load_config(config_path), now=T0)
    assert changed.reclassified and changed.new == 0
    assert changed.topic_counts["long-context"] == 5
    with open_store(tmp_path / "cache") as store:
        longlora = store.get("arxiv:2309.12307")
        assert longlora is not None and "long-context" not in longlora.topics
        assert "fine-tuning" in longlora.topics
    assert "2309.12307" not in (tmp_path / "site" / "long-context.atom").read_text()


@pytest.mark.parametrize(
    ("topics", "topic", "message"),
    [
        ('[topics.x]\nany = ["a"]\nanyy = ["b"]\n', "'x'", "unknown key 'anyy'"),
        ('[topics.x]\nany = ["a"]\nregex = "(unclosed"\n', "'x'", "key 'regex': invalid regular"),
        ('[topics.x]\nany = ["re:(unclosed"]\n', "'x'", "key 'any': invalid regular"),
        ('[topics.x]\nany = ["heading:a"]\n', "'x'", "key 'any': unknown field 'heading'"),
        ('[topics.x]\nany = ["a"]\nfields = ["body"]\n', "'x'", "key 'fields'"),
        ('[topics.x]\nany = ["a"]\nsort = "random"\n', "'x'", "key 'sort'"),
        ('[topics.x]\nany = ["a"]\nmin_upvotes = -1\n', "'x'", "key 'min_upvotes'"),
        ('[topics.Long_Context]\nany = ["a"]\n', "'Long_Context'", "slug must match"),
        ('[topics.index]\nany = ["a"]\n', "'index'", "reserved"),
        ('[topics.all]\nany = ["a"]\n', "'all'", "reserved"),
        ('[topics.long-context]\nany = ["a"]\n', "'long-context'", "duplicate slug"),
        ('[topics.x]\nnone = ["a"]\n', "'x'", "key 'any': give at least one phrase"),
    ],
)
def test_invalid_rules_exit_1_naming_file_topic_and_key(tmp_path: Path, topics: str, topic: str,
                                                        message: str) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(topics)
    config = write_config(tmp_path, [("snapshot", "hf-daily", str(SNAPSHOT))])
    config.write_text(config.read_text().replace('include = ["', 'include = ["extra.toml", "', 1)
                      if "duplicate" not in message else
                      config.read_text().replace(f'include = ["{TOPICS}"]',
                                                 f'include = ["{TOPICS}", "extra.toml"]'))
    code, out = run("build", "--config", str(config))
    assert code == 1, out
    assert str(extra) in out and f"topic {topic}" in out and message in out, out
    assert not (tmp_path / "site").exists() and not (tmp_path / "cache").exists()
