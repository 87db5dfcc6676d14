"""How well the default topic rules sort the bundled snapshot, against hand labels.

In: ``feeds/topics.toml`` (the rules), ``feeds/hf-trending-snapshot.json`` (72 real papers) and
``tests/data/topic_labels.json`` (arXiv id -> the topics a subscriber would want it in, with each
topic's definition). Out: per-topic and overall precision/recall over (paper, topic) pairs.
No store, no build: the rules are applied to the parsed papers directly.

    python -m tests.quality            # the table (make quality)
    python -m tests.quality --misses   # plus every false positive / negative, with the words
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from feedsmith.config import load_config
from feedsmith.sources import kind_named
from feedsmith.topics import TopicMatcher, compile_topic

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "feeds" / "topics.toml"
SNAPSHOT = ROOT / "feeds" / "hf-trending-snapshot.json"
LABELS = Path(__file__).resolve().parent / "data" / "topic_labels.json"
MIN_PRECISION = 0.90
MIN_RECALL = 0.95


@dataclass
class Tally:
    """True positives, false positives and false negatives of one topic (or of all)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of assigned pairs that are labelled (1.0 when nothing was assigned)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of labelled pairs that were assigned (1.0 when nothing is labelled)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(rules: Path = RULES, snapshot: Path = SNAPSHOT,
          labels: Path = LABELS) -> tuple[dict[str, Tally], Tally]:
    """Per-topic tallies (in configuration order) and the overall tally."""
    compiled = tuple(compile_topic(t) for t in load_config(rules).topics)
    matcher = TopicMatcher(compiled)
    wanted: dict[str, list[str]] = json.loads(labels.read_text())["papers"]
    entries = kind_named("hf-daily").parse(snapshot.read_bytes(), source="snapshot").entries
    per_topic = {c.topic.slug: Tally() for c in compiled}
    overall = Tally()
    for entry in entries:
        assert entry.arxiv_id is not None
        want = set(wanted[entry.arxiv_id])
        for match in matcher.explain(entry):
            slug = match.slug
            tally = per_topic[slug]
            if match.matched and slug in want:
                tally.tp += 1
            elif match.matched:
                tally.fp += 1
                words = ", ".join(match.words)
                tally.misses.append(f"FP {entry.arxiv_id} {entry.title[:60]!r} [{words}]")
            elif slug in want:
                tally.fn += 1
                tally.misses.append(f"FN {entry.arxiv_id} {entry.title[:60]!r} ({match.reason})")
    for tally in per_topic.values():
        overall.tp += tally.tp
        overall.fp += tally.fp
        overall.fn += tally.fn
    return per_topic, overall


def table(per_topic: dict[str, Tally], overall: Tally, *, misses: bool = False) -> str:
    """The per-topic table, one row per topic and an overall row."""
    lines = [f"{'topic':<22}{'precision':>10}{'recall':>8}{'TP':>5}{'FP':>5}{'FN':>5}"]
    rows = [*per_topic.items(), ("overall", overall)]
    for slug, t in rows:
        lines.append(f"{slug:<22}{t.precision:>10.3f}{t.recall:>8.3f}{t.tp:>5}{t.fp:>5}{t.fn:>5}")
    if misses:
        for slug, t in per_topic.items():
            lines.extend(f"  {slug}: {m}" for m in t.misses)
    return "\n".join(lines)


def main() -> int:
    """Print the table; exit 1 if an overall figure is below its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every FP and FN")
    args = parser.parse_args()
    per_topic, overall = score()
    print(table(per_topic, overall, misses=args.misses))
    ok = overall.precision >= MIN_PRECISION and overall.recall >= MIN_RECALL
    print(f"targets: precision >= {MIN_PRECISION}, recall >= {MIN_RECALL}: "
          f"{'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
