"""One folder a GPU server can serve with vLLM: the base model's transformers weights (the very weights the
adapters were trained on), every department's adapter as a standard LoRA folder, and `vllm-serve.sh` with the
exact flags that load them under the departments' names (what `COS_OPENAI_ADAPTERS=model` asks for).
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from chief_of_staff.tinylora.adapter_file import Adapter
from chief_of_staff.tinylora.interop import export_lora
from chief_of_staff.tinylora.skeleton import Skeleton

SCRIPT = "vllm-serve.sh"
BASE = "base"


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)  # the weights are large and never written in place: share them when we can
    except OSError:
        shutil.copy2(source, target)


def vllm_flags(served_name: str, departments: list[str], rank: int) -> list[str]:
    """`vllm serve` arguments for the bundle, relative to its folder."""
    flags = [f"./{BASE}", "--served-model-name", served_name]
    if departments:
        flags += ["--enable-lora", "--max-lora-rank", str(rank), "--max-loras", str(len(departments)),
                  "--lora-modules", *(f"{name}=./{name}" for name in departments)]
    return flags


def write_vllm_bundle(out_dir: Path, adapters: dict[str, Adapter], skeleton: Skeleton, base_folder: Path,
                      served_name: str, rank: int = 8) -> Path:
    """Write the bundle (replacing `out_dir`'s own entries, nothing else) and return its serve script."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / BASE
    if base.exists():
        shutil.rmtree(base)
    shutil.copytree(base_folder, base, copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns("cos-source.json"))
    for name, adapter in adapters.items():
        if (out_dir / name).exists():
            shutil.rmtree(out_dir / name)
        export_lora(adapter, skeleton, out_dir / name, rank, served_name)
    command = shlex.join(["vllm", "serve", *vllm_flags(served_name, list(adapters), rank)])
    script = out_dir / SCRIPT
    script.write_text(
        "#!/bin/sh\n"
        "# Written by `cos adapters export --format vllm`: the base model and every department's adapter.\n"
        "# Extra flags pass through, e.g. ./vllm-serve.sh --host 0.0.0.0 --port 8000 --api-key \"$KEY\"\n"
        "# Replicas: COS_BACKEND=openai COS_OPENAI_ADAPTERS=model COS_OPENAI_BASE_URL=http://<this host>:8000/v1\n"
        'cd "$(dirname "$0")" || exit 1\n'
        f'exec {command} "$@"\n'
    )
    script.chmod(0o755)
    return script
