"""A TinyLoRA adapter as a GGUF LoRA adapter that llama.cpp loads: delta W = (B R) A, so lora_b = B R (out, r)
and lora_a = A (r, in), rank r = 2, in F32, written with the `gguf` package's writer.

What llama.cpp's loader requires (src/llama-adapter.cpp): `general.type = adapter`, `adapter.type = lora`,
`general.architecture` equal to the model's, tensors `blk.N.<module>.weight.lora_a/.lora_b`. It scales by
alpha / rank, so `adapter.lora.alpha = r` applies the update exactly once.

llama.cpp's HF-to-GGUF conversion permutes the rows of attn_q and attn_k for the llama architecture (its rope
pairs dimensions differently from transformers'), and transformers undoes it when it reads the GGUF. Our
skeleton comes from the transformers weights, so lora_b of q and k must be permuted the same way, as
convert_lora_to_gguf.py does (lora_a is untouched: it acts on the input, whose order does not change).
Without it the adapter loads and is silently wrong; tests/unit/tinylora/test_gguf_lora.py shows both.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.tinylora.adapter_file import Adapter
from chief_of_staff.tinylora.interop import delta_factors
from chief_of_staff.tinylora.skeleton import Skeleton

GGUF_MODULES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
                "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}
ROPE_PERMUTED = {"llama"}  # architectures whose q/k rows convert_hf_to_gguf.py permutes (qwen2 is not one)
_LAYER = re.compile(r"(?:^|\.)layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)$")


def gguf_tensor_name(hf_name: str) -> str:
    """'model.layers.3.self_attn.q_proj' -> 'blk.3.attn_q.weight'."""
    match = _LAYER.search(hf_name)
    if not match or match.group(2) not in GGUF_MODULES:
        raise ChiefOfStaffError(f"no llama.cpp tensor for module {hf_name}: this architecture's adapters cannot be "
                                "exported to GGUF yet")
    return f"blk.{match.group(1)}.{GGUF_MODULES[match.group(2)]}.weight"


def permute_rows(weight: np.ndarray, n_head: int, n_head_kv: int | None = None) -> np.ndarray:
    """llama.cpp's LlamaModel.permute: within each head, interleaved rope pairs become two halves."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    rows = weight.shape[0]
    return (weight.reshape(n_head, 2, rows // n_head // 2, *weight.shape[1:])  # (h, 2, d/2, ...)
            .swapaxes(1, 2)  # (h, d/2, 2, ...)
            .reshape(weight.shape))


def write_gguf_lora(adapter: Adapter, skeleton: Skeleton, path: Path, architecture: str, n_head: int,
                    n_head_kv: int | None, permute: bool = True) -> Path:
    """Write the adapter as a GGUF LoRA at `path`, atomically. `permute=False` only to show what goes wrong."""
    import gguf

    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(tmp), architecture)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(skeleton.r))  # scale = alpha / rank = 1
    for name, (BR, A) in zip(skeleton.names, delta_factors(adapter, skeleton)):
        target = gguf_tensor_name(name)
        lora_b = BR.numpy().astype(np.float32)  # (out, r)
        if permute and architecture in ROPE_PERMUTED:
            if ".attn_q." in target:
                lora_b = permute_rows(lora_b, n_head, n_head)
            elif ".attn_k." in target:
                lora_b = permute_rows(lora_b, n_head, n_head_kv)
        writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(A.numpy().astype(np.float32)))  # (r, in)
        writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(lora_b))  # (out, r)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(path)
    return path
