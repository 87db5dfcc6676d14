"""Topics defined by example papers (``like``): TF-IDF similarity over the store's own text.

The default ``similarity`` (0.175) was fixed on development subjects before the seeds here were
chosen (tests/similar_calibration.py); the seeds are the 3 oldest papers (lowest arXiv ids) of
their subject in the snapshot, by the labels."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from feedsmith import similar
from feedsmith.cli import main
from feedsmith.config import load_config
from feedsmith.jobs import crawl_sources
from feedsmith.sources.hf import HF_HOST
from feedsmith.store import open_store
from feedsmith.topics import DEFAULT_SIMILARITY, TopicMatcher, compile_topic, topic_from_table
from tests import quality
from tests.conftest import FIXTURES, SNAPSHOT, write_config

T0 = datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
LABELS = quality.load_labels()["papers"]
SNAPSHOT_IDS = [str(e.arxiv_id) for e in quality.snapshot_entries()]


def subject(slug: str) -> tuple[list[str], set[str]]:
    """The 3 oldest snapshot papers labelled ``slug`` (the seeds) and the others labelled so."""
    members = sorted(a for a in SNAPSHOT_IDS if slug in LABELS[a]["topics"])
    return members[:3], set(members[3:])


def like_config(folder: Path, topics: str, sources: list[tuple[str, str, str]] | None = None,
                extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "like.toml").write_text(topics)
    return write_config(folder, sources or [("snapshot", "hf-daily", str(SNAPSHOT))],
                        topics=folder / "like.toml", extra_site=extra)


def members(config: Path, slug: str) -> set[str]:
    with open_store(load_config(config).site.cache) as store:
        return {k.removeprefix("arxiv:") for k in store.newest_keys(slug, 1000)}


@pytest.mark.parametrize("slug", ["long-context", "surveys"])
def test_a_like_topic_with_the_default_similarity_finds_its_subject(tmp_path: Path,
                                                                    slug: str) -> None:
    seeds, others = subject(slug)
    config = like_config(tmp_path, f"[topics.like]\nlike = {json.dumps(seeds)}\n")
    assert load_config(config).topics[0].similarity == DEFAULT_SIMILARITY == 0.175
    report = crawl_sources(load_config(config), now=T0)
    assert report.notes == ["like: vocabulary refitted on 72 entries"]
    inside = members(config, "like")
    recall = len(inside & others) / len(others)
    outsiders = inside - others - set(seeds)
    assert set(seeds) <= inside
    assert recall >= 0.8, (recall, sorted(others - inside))
    if slug == "long-context":
        # 3 of 3 found, but with 6 papers from outside the subject, none labelled long-context:
        # Yi 0.242 (its 200K model is one variant of several), the LLM-embeddings overview 0.192,
        # DePT 0.185 and sparse fine-tuning 0.184 (PEFT), MM-Embed 0.184, MMIE 0.176; over the
        # issue's 3 at the pre-registered default. (Word pairs as terms as well as words would
        # still let in 4, and the default was calibrated on words: not adopted.)
        assert recall == 1.0 and len(outsiders) == 6, sorted(outsiders)
    else:
        assert recall == 6 / 7 and len(outsiders) <= 3, sorted(outsiders)


@pytest.mark.xfail(strict=True, reason="at the default similarity fixed beforehand (0.175), the "
                   "long-context seeds let in 6 papers from outside the subject, not at most 3")
def test_long_context_like_topic_holds_at_most_3_outsiders(tmp_path: Path) -> None:
    seeds, others = subject("long-context")
    config = like_config(tmp_path, f"[topics.like]\nlike = {json.dumps(seeds)}\n")
    crawl_sources(load_config(config), now=T0)
    assert len(members(config, "like") - others - set(seeds)) <= 3


def test_vectors_are_exactly_those_of_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    entries = quality.labelled_entries(quality.load_labels())
    texts = [similar.document(e.title, e.summary) for e in entries]
    vocabulary = similar.fit(texts[:72])
    reference = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit(texts[:72])
    assert sorted(vocabulary.idf) == list(reference.get_feature_names_out())
    names = reference.get_feature_names_out()
    matrix = reference.transform(texts)  # the fixture and listing papers were not fitted on
    for row, text in enumerate(texts):
        mine = similar.vector(text, vocabulary.idf)
        theirs = matrix.getrow(row)
        assert mine.keys() == {names[i] for i in theirs.indices}
        assert all(abs(mine[names[i]] - w) < 1e-12 for i, w in zip(theirs.indices, theirs.data,
                                                                    strict=True))


def test_the_vocabulary_is_rows_of_the_store_refitted_only_when_the_store_grew(
        tmp_path: Path) -> None:
    topics = '[topics.like]\nlike = ["2309.12307"]\n'
    config = like_config(tmp_path, topics)
    crawl_sources(load_config(config), now=T0)
    database = tmp_path / "cache" / "store.sqlite"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT count(*), min(idf) > 1 FROM similar_terms").fetchone()
        info = json.loads(db.execute("SELECT value FROM meta WHERE name = 'similarity'").fetchone()[0])
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert rows[0] > 500 and rows[1] == 1 and info["documents"] == 72
    assert tables >= {"similar_terms", "similar_examples"}
    fitted = info["vocabulary"]
    again = like_config(tmp_path / "again", topics)  # the same store again: the same vocabulary
    crawl_sources(load_config(again), now=T0)
    with open_store(tmp_path / "again" / "cache") as store:
        assert store.meta("similarity")["vocabulary"] == fitted
        first = {k: e.topics for k, e in ((e.key, e) for e in store.entries())}

    # 3 more entries (+4%): classified with the stored vocabulary, nothing re-classified
    grow = [("snapshot", "hf-daily", str(SNAPSHOT)),
            ("daily", "hf-daily", str(FIXTURES / "hf_daily_papers_3items.json"))]
    config = like_config(tmp_path, topics, grow)
    report = crawl_sources(load_config(config), now=T0 + timedelta(hours=1))
    assert report.new == 3 and not report.reclassified and report.notes == []
    with open_store(tmp_path / "cache") as store:
        assert store.meta("similarity")["vocabulary"] == fitted
    # 6 more (81 > 72 x 1.1): refitted, and the whole store re-classified under it
    grow += [("rss", "arxiv-rss", str(FIXTURES / "arxiv_rss_multi_cat_4items.xml")),
             ("api", "arxiv-api", str(FIXTURES / "arxiv_api_query_cs_CL_2entries.xml")),
             ("ids", "arxiv-api", str(FIXTURES / "arxiv_api_2025-11-11_idlist_regression_links.xml"))]
    config = like_config(tmp_path, topics, grow)
    report = crawl_sources(load_config(config), now=T0 + timedelta(hours=2))
    assert report.new == 6 and report.reclassified  # (one RSS item only updates a paper)
    assert report.notes == ["like: vocabulary refitted on 81 entries"]
    with open_store(tmp_path / "cache") as store:
        assert store.meta("similarity")["documents"] == 81
        assert store.meta("similarity")["vocabulary"] != fitted
        assert "like" in store.get("arxiv:2309.12307").topics  # type: ignore[union-attr]
    assert first["arxiv:2309.12307"] == ("like",)


def test_an_example_nowhere_in_the_store_is_fetched_once_and_never_published(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    api = FIXTURES / "arxiv_api_query_cs_CL_2entries.xml"
    httpserver.expect_request("/api/query", query_string={"id_list": "2605.08083",
                                                          "max_results": "1"}).respond_with_data(
        api.read_bytes(), content_type="application/atom+xml")
    topics = '[topics.test-time]\nlike = ["https://arxiv.org/abs/2605.08083v1"]\nsimilarity = 0.1\n'
    folder = tmp_path / "site"
    config = like_config(folder, topics)
    with open(config, "a") as handle:
        handle.write(f'[crawl]\narxiv_api = "{httpserver.url_for("/api/query")}"\n')
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "(topic rules changed: store re-classified)" in result.output
    assert len(httpserver.log) == 1
    with open_store(folder / "cache") as store:
        assert store.get("arxiv:2605.08083") is None and store.count() == 72
        assert list(store.examples(["2605.08083"])) == ["2605.08083"]
        caught = {k.removeprefix("arxiv:") for k in store.newest_keys("test-time", 100)}
    assert "2310.10047" in caught  # fine-tuning LLMs for math problems: test-time scaling's kin
    site = "".join(p.read_text() for p in (folder / "site").glob("*.json"))
    assert "2605.08083" not in site and "Agentic Discovery" not in site
    result = runner.invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 0 and "re-classified" not in result.output, result.output
    assert len(httpserver.log) == 1  # kept: not fetched again
    result = runner.invoke(main, ["topics", "explain", "2310.10047", "--config", str(config)])
    assert "+ test-time: IN" in result.output
    assert "ok   like: closest example 2605.08083, similarity 0." in result.output


def test_an_example_that_cannot_be_fetched_is_reported_and_ignored(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/api/query").respond_with_data("busy", status=503)
    config = like_config(tmp_path, '[topics.like]\nlike = ["2309.12307", "2402.13753"]\n',
                         extra="")
    with open(config, "a") as handle:
        handle.write(f'[crawl]\narxiv_api = "{httpserver.url_for("/api/query")}"\nretries = 0\n')
    report = crawl_sources(load_config(config), now=T0)
    assert any("like examples 2402.13753:" in n and "HTTP 503" in n for n in report.notes), report.notes
    assert ("like: example papers in neither the store nor arXiv (their topics ignore them): "
            "2402.13753") in report.notes
    assert "2309.12307" in members(config, "like")


def test_explain_shows_the_closest_example_and_try_previews_a_like_rule(tmp_path: Path) -> None:
    seeds, _ = subject("long-context")
    config = like_config(tmp_path, f"[topics.like]\nlike = {json.dumps(seeds)}\n"
                                   '[topics.long]\nany = ["title:long-context"]\n')
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--config", str(config)]).exit_code == 0
    result = runner.invoke(main, ["topics", "explain", "2402.10685", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "+ like: IN" in result.output
    assert "ok   like: closest example 2309.12307, similarity 0.213 >= 0.175" in result.output
    result = runner.invoke(main, ["topics", "explain", "2304.14178", "--config", str(config)])
    assert "FAIL like: closest example" in result.output and "< 0.175" in result.output
    rule = ('like = ["2309.12307", "https://arxiv.org/abs/2309.16039v2", '
            f'"https://{HF_HOST}/papers/2310.19240"]')
    result = runner.invoke(main, ["topics", "try", "--config", str(config), "--topic", "like",
                                  "--rule", rule, "--rule", "similarity = 0.2"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "catches 6 of 72 stored entries (+0 / -6 against like)" in out
    assert ("  2402.10685  LongHeads: Multi-Head Attention is Secretly a Long Context Processor  "
            "[closest example 2309.12307, similarity 0.213 >= 0.2]") in out
    assert "[closest example 2309.12307, similarity 1.000 >= 0.2]" in out
    assert "- 2412.14574  Sliding Windows Are Not the End" in out  # 0.190: it would leave
    result = runner.invoke(main, ["topics", "try", "--config", str(config), "--topic", "like",
                                  "--rule", "similarity = 0.16"])
    assert "catches 18 of 72 stored entries (+6 / -0 against like)" in result.output, result.output
    assert "+ 2308.10462  Exploring Parameter-Efficient Fine-Tuning" in result.output


def test_a_like_configuration_without_scikit_learn_exits_1_saying_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = like_config(tmp_path, '[topics.like]\nlike = ["2309.12307"]\n')
    monkeypatch.setitem(sys.modules, "sklearn", None)
    for command in (["build"], ["crawl"]):
        result = CliRunner().invoke(main, [*command, "--config", str(config)])
        assert result.exit_code == 1, result.output
        assert ("topic 'like' uses `like`, which needs scikit-learn: "
                "pip install 'feedsmith[similar]'") in result.output
    assert not (tmp_path / "cache").exists()
    (tmp_path / "plain").mkdir()
    default = write_config(tmp_path / "plain", [("snapshot", "hf-daily", str(SNAPSHOT))])
    assert CliRunner().invoke(main, ["build", "--config", str(default)]).exit_code == 0


@pytest.mark.parametrize(("table", "message"), [
    ({"like": []}, "key 'like': give at least one example paper"),
    ({"like": ["not an id"]}, "key 'like': 'not an id' is not an arXiv id"),
    ({"any": ["x"], "similarity": 0.3}, "key 'similarity': only a `like` rule has a similarity"),
    ({"like": ["2309.12307"], "similarity": 0}, "key 'similarity': expected a number above 0"),
    ({"like": ["2309.12307"], "similarity": 1.5}, "key 'similarity': expected a number above 0"),
    ({"like": ["2309.12307"], "similarity": True}, "key 'similarity': expected a number above 0"),
])
def test_bad_like_rules_name_the_key(table: dict[str, object], message: str) -> None:
    from feedsmith.errors import ConfigError
    with pytest.raises(ConfigError, match=message):
        topic_from_table("t", table, where="test")


def test_like_ids_are_normalised_and_a_matcher_needs_a_scorer() -> None:
    topic = topic_from_table("t", {"like": ["2309.12307v2", "https://arxiv.org/abs/2309.12307",
                                            f"https://{HF_HOST}/papers/2402.13753"]}, where="test")
    assert topic.like == ("2309.12307", "2402.13753")
    with pytest.raises(ValueError, match="needs a similarity scorer"):
        TopicMatcher([compile_topic(topic)])


def test_the_default_similarity_is_the_one_the_development_subjects_chose() -> None:
    from tests import similar_calibration
    assert similar_calibration.best() == DEFAULT_SIMILARITY
