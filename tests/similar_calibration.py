"""How the default ``similarity`` of a ``like`` topic was chosen, before any test seeds were.

TF-IDF over the bundled snapshot (72 papers: the store a build of it makes), with the settings
``feedsmith.similar`` uses: unigrams, English stop words, sublinear term frequency, terms in at
least 2 papers, the title counted twice. For each development subject (topics that the `like`
tests do not use: not long-context, not surveys), the 3 oldest papers labelled with it (lowest
arXiv ids) are the examples; every threshold from 0.05 to 0.475 is scored by the F1 of the other
papers of that subject against everything else it lets in, averaged over the subjects. The best
(0.175) is ``DEFAULT_SIMILARITY``. The `like` tests take their examples by the same rule (the 3
oldest papers of their subject), chosen after this default was committed.

    python -m tests.similar_calibration
"""

from __future__ import annotations

from typing import Any

from feedsmith import similar
from tests import quality

DEV_SUBJECTS = ("embeddings-retrieval", "efficiency", "evaluation", "data", "multimodal",
                "fine-tuning")
SEEDS = 3
THRESHOLDS = tuple(round(0.05 + 0.025 * n, 3) for n in range(18))


def similarities() -> tuple[list[str], Any]:
    """The snapshot's arXiv ids and the cosine similarity of every pair of its papers, as
    ``feedsmith.similar`` computes them on a store of the snapshot."""
    entries = quality.snapshot_entries()
    texts = [similar.document(e.title, e.summary) for e in entries]
    vocabulary = similar.fit(texts)  # (document frequencies: the order does not matter)
    vectors = [similar.vector(t, vocabulary.idf) for t in texts]
    return [str(e.arxiv_id) for e in entries], [
        [sum(w * b.get(term, 0.0) for term, w in a.items()) for b in vectors] for a in vectors]


def best(verbose: bool = False) -> float:
    """The threshold with the best mean F1 over the development subjects (ties: the lowest)."""
    ids, similar_to = similarities()
    papers = quality.load_labels()["papers"]
    found: tuple[float, float] = (-1.0, 0.0)
    for threshold in THRESHOLDS:
        cells, f1s = [], []
        for subject in DEV_SUBJECTS:
            members = [i for i, a in enumerate(ids) if subject in papers[a]["topics"]]
            seeds = sorted(members, key=lambda i: ids[i])[:SEEDS]
            others = set(members) - set(seeds)
            caught = {i for i in range(len(ids))
                      if i not in seeds and max(similar_to[i][s] for s in seeds) >= threshold}
            hits = len(caught & others)
            precision = hits / len(caught) if caught else 1.0
            recall = hits / len(others)
            f1s.append(2 * precision * recall / (precision + recall) if hits else 0.0)
            cells.append(f"{subject[:10]} {hits}/{len(others)} +{len(caught) - hits}")
        mean = sum(f1s) / len(f1s)
        found = max(found, (mean, -threshold))
        if verbose:
            print(f"{threshold:.3f}  F1 {mean:.3f}  " + " | ".join(cells))
    if verbose:
        print(f"best: {-found[1]:.3f} (mean F1 {found[0]:.3f})")
    return -found[1]


def main() -> int:
    """Print, per threshold, each development subject's caught/other papers and outsiders."""
    best(verbose=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
