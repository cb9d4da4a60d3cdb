"""The router's NumPy MiniLM gives the sentence vectors transformers gives for the same weights."""

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from chief_of_staff.models.embedder import embedder_folder, load_embedder
from chief_of_staff.models.minilm_numpy import MiniLM, erf

TEXTS = ["Is this email a phishing attempt?", "Write a tweet about our new sourdough loaf 🍞 #fresh",
         "VAT", "Who hasn't paid their invoice yet? " * 40]  # the last one is cut at 256 tokens


@torch.inference_mode()
def transformers_vectors(texts: list[str]) -> np.ndarray:
    folder = embedder_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
    batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    hidden = model(**batch).last_hidden_state  # (N, T, 384)
    mask = batch["attention_mask"].unsqueeze(-1).float()  # (N, T, 1)
    pooled = (hidden * mask).sum(1) / mask.sum(1)  # (N, 384)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def test_vectors_match_transformers_with_padding_and_truncation():
    ours = MiniLM(embedder_folder())(TEXTS)
    assert ours.shape == (4, 384) and np.abs(ours - transformers_vectors(TEXTS)).max() < 1e-5
    alone = MiniLM(embedder_folder())(TEXTS[:1])
    assert np.abs(alone[0] - ours[0]).max() < 1e-5, "padding in a batch changes nothing"


def test_erf_matches_the_exact_function_to_float32_precision():
    import math

    x = np.linspace(-6, 6, 2001)
    assert np.abs(erf(x) - np.array([math.erf(v) for v in x])).max() < 2e-7


def test_the_embedder_caches_example_vectors_on_disk(tmp_path):
    embed = load_embedder(tmp_path)
    first = embed(TEXTS[:2])
    [cached] = list((tmp_path / "embeddings").glob("*.npy"))
    assert np.array_equal(embed(TEXTS[:2]), first) and cached.stat().st_size > 2 * 384 * 4
    cached.write_bytes(b"garbage")
    assert np.allclose(embed(TEXTS[:2]), first), "an unreadable cache is recomputed"
