"""Conversions of our adapters: to and from PEFT's TinyLoRA format, to a plain LoRA (vLLM, Ollama), merged weights.

A TinyLoRA update is exactly a rank-r LoRA: delta W = B R A, so lora_B = B R and lora_A = A, with
lora_alpha = rank so that PEFT's scaling is 1; we zero-pad to a rank servers accept (vLLM: 8, 16, 32, ...).
PEFT computes the SVD without fixing signs, so an imported PEFT adapter records per-module sign flips D
(B_peft = B D, A_peft = D A) and our R becomes D R D; exporting applies them back.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from chief_of_staff.tinylora.adapter_file import Adapter, AdapterFileError
from chief_of_staff.tinylora.layer import AdapterMismatchError, Trainable
from chief_of_staff.tinylora.skeleton import Skeleton
from chief_of_staff.tinylora.spec import TinyLoraSpec

PEFT_WEIGHTS = "adapter_model.safetensors"
PEFT_CONFIG = "adapter_config.json"


def _flips(adapter: Adapter, skeleton: Skeleton) -> torch.Tensor:
    if adapter.sign_flips is None:
        return torch.ones(skeleton.num_modules, skeleton.r)
    return torch.tensor(adapter.sign_flips, dtype=torch.float32)  # (n, r)


def delta_factors(adapter: Adapter, skeleton: Skeleton) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per module (B R (out, r), A (r, in)) in canonical signs: delta W = (B R) A."""
    with torch.no_grad():
        R = Trainable(skeleton, adapter.spec, adapter.v).all_R()  # (n, r, r)
        D = _flips(adapter, skeleton)
        R = D[:, :, None] * R * D[:, None, :]
        return [(B @ R[i], A) for i, (A, B) in enumerate(zip(skeleton.A, skeleton.B))]


def export_peft(adapter: Adapter, skeleton: Skeleton, out_dir: Path, base_model_name: str = "") -> Path:
    """PEFT TinyLoRA adapter folder (PeftModel.from_pretrained loads it) giving the same outputs."""
    D = _flips(adapter, skeleton)
    P = skeleton.projections(adapter.spec)
    tensors = {}
    for i, name in enumerate(skeleton.names):
        prefix = f"base_model.model.{name}"
        tensors[f"{prefix}.tinylora_A"] = (D[i][:, None] * skeleton.A[i]).contiguous()  # (r, in)
        tensors[f"{prefix}.tinylora_B"] = (skeleton.B[i] * D[i]).contiguous()  # (out, r)
        tensors[f"{prefix}.tinylora_P"] = P[i].contiguous()  # (u, r, r)
    for g in range(adapter.v.shape[0]):
        tensors[f"base_model.tinylora_v.{g}"] = adapter.v[g].detach().float().contiguous()  # (u,)
    config = {
        "peft_type": "TINYLORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model_name or None,
        "target_modules": skeleton.names,
        "save_projection": True,
        "inference_mode": True,
        **{k: v for k, v in adapter.spec.to_dict().items() if k != "target_modules"},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_dir / PEFT_WEIGHTS))
    (out_dir / PEFT_CONFIG).write_text(json.dumps(config, indent=2))
    return out_dir


def import_peft(folder: Path, skeleton: Skeleton, department: str) -> Adapter:
    """Our adapter from a PEFT TinyLoRA folder trained on the same base model (exact, via sign flips)."""
    try:
        config = json.loads((folder / PEFT_CONFIG).read_text())
        tensors = load_file(str(folder / PEFT_WEIGHTS))
    except (OSError, json.JSONDecodeError, ValueError) as exc:
        raise AdapterFileError(f"{folder} is not a readable PEFT adapter folder: {exc}") from exc
    if config.get("peft_type") != "TINYLORA":
        raise AdapterFileError(f"{folder} holds a {config.get('peft_type')} adapter, not TINYLORA")
    spec = TinyLoraSpec(r=config["r"], u=config["u"], weight_tying=config["weight_tying"],
                        projection_seed=config["projection_seed"])
    groups = spec.num_groups(skeleton.num_modules)
    try:
        v = torch.stack([tensors[f"base_model.tinylora_v.{g}"].float() for g in range(groups)])  # (groups, u)
    except KeyError as exc:
        raise AdapterFileError(f"{folder} lacks trained vector {exc}; it is not a complete TinyLoRA adapter") from exc
    flips = []
    ours_P = skeleton.projections(spec)
    for i, name in enumerate(skeleton.names):
        theirs = tensors.get(f"base_model.model.{name}.tinylora_B")
        if theirs is None:
            raise AdapterMismatchError(f"PEFT adapter has no module {name}: it targets another model")
        ours = skeleton.B[i]
        dots = (theirs.float() * ours).sum(0)  # (r,)
        if theirs.shape != ours.shape or not torch.allclose(dots.abs(), (ours * ours).sum(0), rtol=1e-3):
            raise AdapterMismatchError(f"PEFT adapter's SVD of {name} does not match this base model")
        flips.append(torch.sign(dots).tolist())
        P = tensors.get(f"base_model.model.{name}.tinylora_P")
        if P is not None and not torch.allclose(P.float(), ours_P[i], atol=1e-6):
            raise AdapterMismatchError(f"PEFT adapter's projections for {name} differ from seed {spec.projection_seed}")
    identity = all(f == [1.0] * len(f) for f in flips)
    return Adapter(
        department=department,
        spec=spec,
        v=v,
        base_fingerprint=skeleton.base_fingerprint,
        skeleton_fingerprint=skeleton.fingerprint(spec),
        sign_flips=None if identity else flips,
        report={"imported_from": str(folder)},
    )


def export_lora(adapter: Adapter, skeleton: Skeleton, out_dir: Path, rank: int = 8, base_model_name: str = "") -> Path:
    """A standard PEFT LoRA folder (vLLM --enable-lora, Ollama ADAPTER) with the same delta W."""
    if rank < skeleton.r:
        raise ValueError(f"LoRA rank {rank} must be at least the TinyLoRA rank {skeleton.r}")
    tensors = {}
    for name, (BR, A) in zip(skeleton.names, delta_factors(adapter, skeleton)):
        lora_A = torch.zeros(rank, A.shape[1])
        lora_A[: A.shape[0]] = A
        lora_B = torch.zeros(BR.shape[0], rank)
        lora_B[:, : BR.shape[1]] = BR
        tensors[f"base_model.model.{name}.lora_A.weight"] = lora_A.contiguous()  # (rank, in)
        tensors[f"base_model.model.{name}.lora_B.weight"] = lora_B.contiguous()  # (out, rank)
    config = {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model_name or None,
        "r": rank,
        "lora_alpha": rank,  # scaling = alpha / r = 1: the exported delta equals B R A exactly
        "lora_dropout": 0.0,
        "bias": "none",
        "target_modules": sorted({name.rsplit(".", 1)[-1] for name in skeleton.names}),
        "inference_mode": True,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_dir / PEFT_WEIGHTS))
    (out_dir / PEFT_CONFIG).write_text(json.dumps(config, indent=2))
    return out_dir


def merge_into(model: torch.nn.Module, adapter: Adapter, skeleton: Skeleton) -> None:
    """Add the adapter's delta W to the (unwrapped) base model's weights in place."""
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, (BR, A) in zip(skeleton.names, delta_factors(adapter, skeleton)):
            weight = modules[name].weight
            weight += (BR @ A).to(weight.dtype)


def write_ollama_modelfile(out_dir: Path, ollama_base: str, department_prompt: str) -> Path:
    """Modelfile next to an exported LoRA: `ollama create NAME -f Modelfile` serves the department."""
    prompt = department_prompt.replace('"""', "'''")
    path = out_dir / "Modelfile"
    path.write_text(f'FROM {ollama_base}\nADAPTER .\nSYSTEM """{prompt}"""\nPARAMETER temperature 0\n')
    return path
