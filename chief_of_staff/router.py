"""Task -> department, with a score in [0, 1]. Deterministic: no generation, no tool-call handoffs.

Each department is described by its routing examples, keywords and description. A task's score for a
department mixes two signals:
  semantic: mean cosine similarity of the task's sentence embedding to the department's 5 nearest examples
  lexical:  TF-IDF cosine (word unigrams and bigrams, light stemming) to the 3 nearest examples, plus a
            keyword bonus
score = 0.8 * semantic + 0.2 * lexical (lexical alone when no embedder is installed). The best department
wins; below `min_score` the task goes to the fallback department (general). Small models loop on
tool-call handoffs, so routing stays outside them. docs/benchmarks.md records accuracy and how the weights
were chosen.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from chief_of_staff.plugins.manifest import Department

STOPWORDS = frozenset(
    "a an the and or but if of to in on at for from by with about as is are was were be been being it its this "
    "that these those i me my we our us you your he she they them their what which who whom how when where why "
    "can could would should will shall do does did done have has had please pls can't dont don't im i'm let "
    "lets let's up out so than then there here just also into over any some all more most very too not no".split()
)
SUFFIXES = ("ing", "ed", "es", "s", "ly")
LEXICAL_TOP_K = 3
SEMANTIC_TOP_K = 5
KEYWORD_WEIGHT = 0.35
SEMANTIC_WEIGHT = 0.8

Embed = Callable[[list[str]], np.ndarray]  # texts -> (N, D) unit vectors


@dataclass(frozen=True)
class Route:
    """The router's verdict for one task."""

    department: str
    score: float
    scores: dict[str, float]


def _stem(word: str) -> str:
    for suffix in SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Unigrams and bigrams of the stemmed, stop-word-free words of `text`."""
    words = [_stem(w) for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower()) if w not in STOPWORDS]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def _normalise(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _mean_top(values: list[float], k: int) -> float:
    return sum(sorted(values, reverse=True)[:k]) / k if values else 0.0


class Router:
    """Scores every department for a task; built once from the loaded departments."""

    def __init__(self, departments: Iterable[Department], embed: Embed | None = None, min_score: float = 0.15) -> None:
        self.departments = {d.name: d for d in departments}
        if not self.departments:
            raise ValueError("a router needs at least one department")
        self.fallback = next((d.name for d in self.departments.values() if d.manifest.fallback), None)
        self.min_score = min_score
        documents = {name: [*d.manifest.examples, d.manifest.description] for name, d in self.departments.items()}
        all_docs = [terms(doc) for docs in documents.values() for doc in docs]
        doc_freq = Counter(t for doc in all_docs for t in set(doc))
        self._idf = {t: math.log((1 + len(all_docs)) / (1 + df)) + 1.0 for t, df in doc_freq.items()}
        self._vectors = {name: [self._tfidf(doc) for doc in docs] for name, docs in documents.items()}
        self._keywords = {name: [set(terms(k)) for k in d.manifest.keywords] for name, d in self.departments.items()}
        self._embed = embed
        self._embeddings = {name: embed(docs) for name, docs in documents.items()} if embed else {}

    @property
    def embed(self) -> Embed | None:
        """The sentence embedder (None: lexical routing only); department tools are chosen with it too."""
        return self._embed

    @property
    def method(self) -> str:
        return "semantic+lexical" if self._embed else "lexical"

    def _tfidf(self, text: str) -> dict[str, float]:
        counts = Counter(terms(text))
        return _normalise({t: (1 + math.log(c)) * self._idf.get(t, 1.0) for t, c in counts.items()})

    def _lexical(self, text: str) -> dict[str, float]:
        vector, task_terms = self._tfidf(text), set(terms(text))
        scores = {}
        for name, examples in self._vectors.items():
            similarity = _mean_top([_cosine(vector, e) for e in examples], LEXICAL_TOP_K)
            hits = sum(1 for kw in self._keywords[name] if kw and kw <= task_terms)
            scores[name] = (1 - KEYWORD_WEIGHT) * similarity + KEYWORD_WEIGHT * min(1.0, hits / 2)
        return scores

    def score(self, text: str) -> dict[str, float]:
        """Each department's score in [0, 1] for `text`."""
        lexical = self._lexical(text)
        if not self._embed:
            return lexical
        query = self._embed([text])[0]  # (D,)
        scores = {}
        for name, examples in self._embeddings.items():
            semantic = max(0.0, _mean_top((examples @ query).tolist(), SEMANTIC_TOP_K))
            scores[name] = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical[name]
        return scores

    def route(self, text: str) -> Route:
        """The best department for `text`, or the fallback when nothing scores at least `min_score`."""
        scores = self.score(text)
        best = max(sorted(scores), key=lambda n: scores[n])
        if scores[best] < self.min_score and self.fallback:
            best = self.fallback
        return Route(department=best, score=round(min(1.0, scores[best]), 4), scores=scores)
