"""Similarity for ``like`` rules: the store's text in; a TF-IDF vocabulary kept in the store and a
``SimilarityScorer`` for the topics engine out.

- The vocabulary (terms and IDF weights) is fitted with scikit-learn (the optional extra
  ``feedsmith[similar]``) on the title (counted ``TITLE_WEIGHT`` times) and abstract of every
  stored entry, in key order: the same store gives the same vocabulary. It is kept as rows of the
  store (``similar_terms``), and refitted only when the store holds more than ``REFIT_GROWTH``
  more entries than it was fitted on, so an incremental build stays incremental; a refit changes
  every score, so it counts as a change of the rules (the store is re-classified).
- An entry's vector is computed here from the stored vocabulary exactly as scikit-learn's
  ``TfidfVectorizer.transform`` computes it (lowercase, its token pattern, ``1 + ln(tf)`` times
  IDF, unit length), so classifying needs no scikit-learn call per entry. Similarity is the
  cosine of two vectors, 0 to 1.
- Example papers are read from the store (an entry of any source), else from the examples
  fetched earlier (``similar_examples``), else fetched once from the arXiv API by id and kept
  there: never entries, never published.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .addresses import Addresses
from .config import Config
from .errors import ConfigError, SourceError
from .http import Fetcher, Sleep
from .ids import ArxivId, arxiv_key
from .model import Entry
from .sources import kind_named, with_params
from .store import Store
from .topics import Topic

TITLE_WEIGHT = 2
MIN_DF = 2
REFIT_GROWTH = 0.10
SETTINGS = {"title_weight": TITLE_WEIGHT, "min_df": MIN_DF, "stop_words": "english",
            "sublinear_tf": True, "ngrams": 1}
INSTALL = "pip install 'feedsmith[similar]'"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
Fetch = Callable[[Sequence[str]], Mapping[str, tuple[str, str]]]


def like_topics(topics: Iterable[Topic]) -> list[Topic]:
    """The topics whose rule uses ``like``."""
    return [t for t in topics if t.like]


def sklearn_installed() -> bool:
    """Whether scikit-learn can be imported (without importing it: that takes most of a second)."""
    try:
        return importlib.util.find_spec("sklearn") is not None
    except (ImportError, ValueError):
        return False


def check_available(topics: Iterable[Topic]) -> None:
    """ConfigError, saying what to install, when a topic uses ``like`` and scikit-learn is missing."""
    using = like_topics(topics)
    if using and not sklearn_installed():
        raise ConfigError(f"topic {using[0].slug!r} uses `like`, which needs scikit-learn: "
                          f"{INSTALL}")


def document(title: str, summary: str) -> str:
    """The text a paper is compared by: its title ``TITLE_WEIGHT`` times, then its abstract."""
    return "\n".join([title] * TITLE_WEIGHT + [summary])


@dataclass(frozen=True)
class Vocabulary:
    """A fitted TF-IDF vocabulary: term -> IDF weight, and how many entries it was fitted on."""

    idf: Mapping[str, float]
    documents: int
    id: str = field(default="", compare=False)

    @staticmethod
    def of(idf: Mapping[str, float], documents: int) -> Vocabulary:
        """A vocabulary with its id: a digest of its terms and weights and of the settings."""
        digest = hashlib.sha256(json.dumps([SETTINGS, sorted(idf.items())]).encode()).hexdigest()
        return Vocabulary(idf, documents, digest)

    def stale(self, entries: int) -> bool:
        """Whether a store of ``entries`` entries has outgrown this vocabulary."""
        return entries > self.documents * (1 + REFIT_GROWTH)


def fit(texts: Iterable[str]) -> Vocabulary:
    """The vocabulary of ``texts`` (``document`` of each entry, in key order), read once."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # optional: feedsmith[similar]
    counted = _Counted(texts)
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=MIN_DF)
    try:
        vectorizer.fit(counted)
    except ValueError:  # too few texts, or no term in MIN_DF of them
        return Vocabulary.of({}, counted.count)
    terms = vectorizer.get_feature_names_out()
    return Vocabulary.of({str(t): float(w) for t, w in zip(terms, vectorizer.idf_, strict=True)},
                         counted.count)


class _Counted:
    """An iterable of texts that counts them as they are read."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = texts
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for text in self._texts:
            self.count += 1
            yield text


def vector(text: str, idf: Mapping[str, float]) -> dict[str, float]:
    """The unit TF-IDF vector of ``text`` (term -> weight), as ``TfidfVectorizer.transform``
    with ``sublinear_tf`` gives it; empty when no term of it is in the vocabulary."""
    counts = Counter(t for t in _TOKEN.findall(text.lower()) if t in idf)
    weights = {t: (1.0 + math.log(n)) * idf[t] for t, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


class Scorer:
    """A ``SimilarityScorer``: an entry in, its cosine similarity to each example paper out.
    ``fingerprint`` changes with the vocabulary and with any example's text."""

    def __init__(self, vocabulary: Vocabulary, examples: Mapping[str, str],
                 missing: Sequence[str] = ()) -> None:
        self.vocabulary = vocabulary
        self.examples = dict(examples)
        self.missing = tuple(missing)
        self._postings: dict[str, list[tuple[str, float]]] = {}
        for example, text in sorted(self.examples.items()):
            for term, weight in vector(text, vocabulary.idf).items():
                self._postings.setdefault(term, []).append((example, weight))
        texts = sorted((e, hashlib.sha256(t.encode()).hexdigest()) for e, t in self.examples.items())
        self.fingerprint = hashlib.sha256(json.dumps([vocabulary.id, texts]).encode()).hexdigest()

    def __call__(self, entry: Entry) -> dict[str, float]:
        scores = dict.fromkeys(self.examples, 0.0)
        if not self._postings:
            return scores
        for term, weight in vector(document(entry.title, entry.summary), self.vocabulary.idf).items():
            for example, other in self._postings.get(term, ()):
                scores[example] += weight * other
        return {example: min(score, 1.0) for example, score in scores.items()}


# the vocabulary in the store ------------------------------------------------------------------
def stored_vocabulary(store: Store) -> Vocabulary | None:
    """The vocabulary kept in ``store``, if one was fitted with the current settings."""
    info = store.meta("similarity")
    if not isinstance(info, dict) or info.get("settings") != SETTINGS:
        return None
    return Vocabulary(store.similarity_terms(), int(info["documents"]), str(info["vocabulary"]))


def fit_store(store: Store) -> Vocabulary:
    """A vocabulary fitted on every entry of ``store`` (not saved), read a batch at a time."""
    return fit(document(title, summary) for _, title, summary in store.texts())


def refit(store: Store, now: datetime) -> Vocabulary:
    """Fit the vocabulary on ``store`` and keep it there."""
    vocabulary = fit_store(store)
    store.set_similarity_terms(vocabulary.idf, {
        "documents": vocabulary.documents, "vocabulary": vocabulary.id, "settings": SETTINGS,
        "fitted": now.isoformat()})
    return vocabulary


# example papers --------------------------------------------------------------------------------
def example_texts(store: Store, ids: Sequence[str], fetch: Fetch | None = None,
                  now: datetime | None = None) -> tuple[dict[str, str], list[str]]:
    """The ``document`` of each example paper (stored entry, else fetched earlier, else fetched
    now with ``fetch``: kept in the store when ``now`` is given), and the ids of those that could
    not be read."""
    texts: dict[str, str] = {}
    for arxiv_id in ids:
        entry = store.get(arxiv_key(ArxivId(arxiv_id)))
        if entry is not None:
            texts[arxiv_id] = document(entry.title, entry.summary)
    kept = store.examples([i for i in ids if i not in texts])
    texts.update((i, document(*pair)) for i, pair in kept.items())
    wanted = [i for i in ids if i not in texts]
    if wanted and fetch is not None:
        fetched = fetch(wanted)
        if fetched and now is not None:
            store.add_examples(fetched, now)
        texts.update((i, document(*pair)) for i, pair in fetched.items())
    return texts, [i for i in ids if i not in texts]


def arxiv_fetcher(config: Config, *, sleep: Sleep | None = None,
                  addresses: Addresses | None = None,
                  errors: list[str] | None = None) -> Fetch:
    """A ``Fetch`` that asks the arXiv API (``[crawl] arxiv_api``) for papers by id; a failure is
    appended to ``errors`` and fetches nothing."""
    def fetch(ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        try:
            return asyncio.run(_fetch(config, ids, sleep, addresses))
        except SourceError as exc:
            if errors is not None:
                errors.append(f"like examples {', '.join(ids)}: {exc}")
            return {}
    return fetch


async def _fetch(config: Config, ids: Sequence[str], sleep: Sleep | None,
                 addresses: Addresses | None) -> dict[str, tuple[str, str]]:
    url = with_params(config.crawl.arxiv_api, id_list=",".join(ids), max_results=len(ids))
    async with Fetcher(config.crawl, contact=config.site.contact, sleep=sleep,
                       addresses=addresses) as fetcher:
        body = (await fetcher.get(url)).body or b""
    # the kind from the registry, as the crawler does: its parser (and feedparser) load only now
    parsed = kind_named("arxiv-api").parse(body, source="like")
    return {e.arxiv_id: (e.title, e.summary) for e in parsed.entries
            if e.arxiv_id is not None and e.arxiv_id in ids}


# putting it together ---------------------------------------------------------------------------
def example_ids(topics: Iterable[Topic]) -> list[str]:
    """Every example paper of the ``like`` topics, once, in configuration order."""
    return list(dict.fromkeys(i for t in like_topics(topics) for i in t.like))


def prepare(store: Store, topics: Sequence[Topic], now: datetime) -> Scorer | None:
    """Before a crawl: the scorer of ``topics`` (None if none uses ``like``) on the stored
    vocabulary, fitted first if there is none or the store has outgrown it, with the example
    papers the store has."""
    if not like_topics(topics):
        return None
    check_available(topics)
    vocabulary = stored_vocabulary(store)
    if vocabulary is None or vocabulary.stale(store.count()):
        vocabulary = refit(store, now)
    texts, missing = example_texts(store, example_ids(topics))
    return Scorer(vocabulary, texts, missing)


def settle(store: Store, scorer: Scorer, topics: Sequence[Topic], now: datetime,
           fetch: Fetch | None = None) -> Scorer:
    """After a crawl: ``scorer`` itself if nothing changed; else a new one, on a vocabulary
    refitted if the crawl made the store outgrow it, and with the example papers the crawl
    brought or ``fetch`` fetched (kept in the store). A new one's fingerprint differs: the store
    must be re-classified."""
    vocabulary = scorer.vocabulary
    if vocabulary.stale(store.count()):
        vocabulary = refit(store, now)
    texts, missing = scorer.examples, list(scorer.missing)
    if missing:
        found, missing = example_texts(store, missing, fetch, now)
        texts = {**texts, **found}
    if vocabulary is scorer.vocabulary and not set(texts) - set(scorer.examples):
        return scorer
    ordered = {i: texts[i] for i in example_ids(topics) if i in texts}
    return Scorer(vocabulary, ordered, missing)


def read_only(store: Store, topics: Sequence[Topic], fetch: Fetch | None = None) -> Scorer | None:
    """For the inspection commands: the scorer of ``topics`` without writing the store: the
    stored vocabulary (else one fitted now, as a build would), examples from the store, else
    fetched with ``fetch`` and not kept."""
    if not like_topics(topics):
        return None
    check_available(topics)
    vocabulary = stored_vocabulary(store) or fit_store(store)
    texts, missing = example_texts(store, example_ids(topics), fetch)
    return Scorer(vocabulary, texts, missing)
