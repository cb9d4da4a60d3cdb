"""Seeded random TinyLoRA adapters of the embedded model, for benchmarks that need departments with adapters.

Built as tests/conftest.py's `make_adapter` builds them (13 parameters, v ~ N(0, 0.05²)): they move the answer's
log-probabilities by about a nat a token and still write English, so an adapter's cost is measured on real work.
Either stored where `cos adapters train` writes them, in a throw-away data directory (`isolated_env` keeps the
user's data and config untouched), or exported straight to a GGUF LoRA for an engine built by hand.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import torch

from chief_of_staff.models.llamacpp_engine import EngineAdapter
from chief_of_staff.settings import load_settings
from chief_of_staff.tinylora.adapter_file import Adapter, save_adapter
from chief_of_staff.tinylora.skeleton import Skeleton
from chief_of_staff.tinylora.spec import TinyLoraSpec
from chief_of_staff.tinylora.store import ADAPTER_FILE

DEPARTMENTS = ("security", "content", "finance", "general")


def isolated_env(root: Path | None = None) -> dict[str, str]:
    """COS_DATA_DIR and COS_CONFIG under a fresh temporary folder (or `root`), to merge into os.environ or a
    subprocess's environment. The model cache stays shared: it is a cache."""
    root = root or Path(tempfile.mkdtemp(prefix="cos-bench-"))
    return {"COS_DATA_DIR": str(root / "data"), "COS_CONFIG": str(root / "config.toml")}


@lru_cache(maxsize=1)
def _skeleton() -> Skeleton:
    from chief_of_staff.models.embedded import load_embedded
    from chief_of_staff.tinylora.skeleton import build_skeleton

    cache_dir = load_settings().cache_dir
    model, _, _ = load_embedded(cache_dir)
    return build_skeleton(model, 2, cache_dir)


def random_adapter(department: str, seed: int = 0, scale: float = 0.05) -> Adapter:
    """A 13-parameter adapter of the embedded model with v drawn from `seed`."""
    skeleton = _skeleton()
    spec = TinyLoraSpec(u=13)
    v = torch.randn(1, 13, generator=torch.Generator().manual_seed(seed)) * scale  # (groups, u)
    return Adapter(department, spec, v, skeleton.base_fingerprint, skeleton.fingerprint(spec))


def store_adapters(data_dir: Path, departments: tuple[str, ...] = DEPARTMENTS) -> list[Path]:
    """Save one adapter per department into `<data_dir>/adapters/<department>/`, as `cos adapters train` does;
    the llama.cpp backend exports and loads them when the model loads."""
    paths = []
    for seed, department in enumerate(departments):
        path = data_dir / "adapters" / department / ADAPTER_FILE
        save_adapter(random_adapter(department, seed), path)
        paths.append(path)
    return paths


def export_adapter(department: str, folder: Path, seed: int = 0) -> EngineAdapter:
    """The adapter exported to a GGUF LoRA in `folder`, ready for EngineConfig(adapters=...)."""
    from chief_of_staff.tinylora.gguf_lora import write_gguf_lora

    adapter = random_adapter(department, seed)
    path = write_gguf_lora(adapter, _skeleton(), folder / f"{department}.gguf", "llama", 9, 3)  # SmolLM2-135M heads
    return EngineAdapter(department, path, adapter.parameters)


def use_isolated_env() -> dict[str, str]:
    """Point this process at a throw-away data dir and config (before any settings are loaded); returns them."""
    env = isolated_env()
    os.environ.update(env)
    return env
