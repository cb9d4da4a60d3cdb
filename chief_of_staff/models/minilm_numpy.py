"""all-MiniLM-L6-v2 (a 6-layer BERT) in NumPy: the router's sentence embeddings without torch or transformers.

Why our own: routing is the only part of `cos chat` and `cos ask` that needed torch once generation moved to
llama.cpp, and importing torch and transformers and building the BERT cost about 2.5 s of a 2-core cold start
(docs/benchmarks.md, cold start). The forward pass is BERT's as transformers computes it (post-LayerNorm
blocks, exact GELU), with the weights read from the same safetensors file and the tokenizer from the same
tokenizer.json; tests/unit/models/test_minilm_numpy.py checks the vectors against transformers' to 1e-5.

The matrices are small (a task is ~20 tokens by 384), and OpenBLAS's threads fight llama.cpp's for the two
cores while `cos serve` answers other turns: a 12x384 product took 23 ms with two BLAS threads on a busy
machine and 0.07 ms with one, so loading the encoder limits NumPy's BLAS to one thread for the process
(threadpoolctl; a per-call limit would race between parallel turns). Nothing else here multiplies large NumPy
matrices: torch, when training loads it, has its own threads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

MAX_TOKENS = 256  # as the transformers path truncated


def erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7, below float32's resolution near 1): NumPy has no erf."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class MiniLM:
    """Mean-pooled, unit-length sentence vectors (N, 384), as sentence-transformers' all-MiniLM-L6-v2 gives."""

    def __init__(self, folder: Path, heads: int = 12) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.w = {k.removeprefix("bert."): v for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.layers = 1 + max(int(k.split(".")[2]) for k in self.w if k.startswith("encoder.layer."))
        self.heads = heads
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        ThreadpoolController().limit(limits=1, user_api="blas")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded])  # (N, T)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)  # (N, T)
        types = np.array([e.type_ids for e in encoded])  # (N, T)
        n, t = ids.shape
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
             + w["embeddings.token_type_embeddings.weight"][types])  # (N, T, D)
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        blocked = (1.0 - mask)[:, None, None, :] * np.finfo(np.float32).min  # (N, 1, 1, T)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            d = x.shape[-1] // self.heads

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(n, t, self.heads, d).transpose(0, 2, 1, 3)  # (N, H, T, d)

            q = split(self._linear(x, f"{p}.attention.self.query"))
            k = split(self._linear(x, f"{p}.attention.self.key"))
            v = split(self._linear(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + blocked  # (N, H, T, T)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attended = (scores / scores.sum(-1, keepdims=True)) @ v  # (N, H, T, d)
            attended = attended.transpose(0, 2, 1, 3).reshape(n, t, -1)  # (N, T, D)
            x = layer_norm(self._linear(attended, f"{p}.attention.output.dense") + x,
                           w[f"{p}.attention.output.LayerNorm.weight"], w[f"{p}.attention.output.LayerNorm.bias"])
            hidden = gelu(self._linear(x, f"{p}.intermediate.dense"))  # (N, T, 4D)
            x = layer_norm(self._linear(hidden, f"{p}.output.dense") + x,
                           w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)  # (N, D)
        return (pooled / np.linalg.norm(pooled, axis=-1, keepdims=True)).astype(np.float32)
