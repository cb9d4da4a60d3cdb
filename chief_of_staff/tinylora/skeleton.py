"""The frozen skeleton of a base model: rank-r SVD factors (canonical signs) and seeded projections per module.

Computed once per (base model, r, u, seed) and cached on disk; every department's adapter shares it. A/B come
from LAPACK, whose low bits and singular-vector signs may differ between machines: we fix the signs (the
largest-magnitude entry of each left singular vector is positive, as sklearn's svd_flip), and the fingerprint
hashes only what is stable (names, shapes, singular values and projections to 6 significant digits).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from chief_of_staff.tinylora.spec import TinyLoraSpec

log = logging.getLogger(__name__)
SKELETON_FORMAT = 1


def target_module_names(model: nn.Module) -> list[str]:
    """PEFT's 'all-linear': every nn.Linear except the output layer, in named_modules() order."""
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    return [name for name, module in model.named_modules() if isinstance(module, nn.Linear) and module is not output]


def _digest(values: torch.Tensor) -> bytes:
    flat = values.detach().float().flatten().tolist()
    return ",".join(f"{x:.5e}" for x in flat).encode()


def base_fingerprint(model: nn.Module) -> str:
    """Identifies a base model's weights: config, every tensor's name and shape, and a sample of its values."""
    h = hashlib.sha256()
    config = getattr(model, "config", None)
    for key in ("model_type", "hidden_size", "num_hidden_layers", "vocab_size", "intermediate_size"):
        h.update(f"{key}={getattr(config, key, None)};".encode())
    for name, tensor in model.state_dict().items():
        flat = tensor.detach().flatten().double()
        moments = torch.stack([flat.sum(), flat.abs().sum(), (flat * flat).sum()])  # any real change moves these
        h.update(f"{name}{tuple(tensor.shape)}".encode())
        h.update(_digest(torch.cat([moments, flat[:16], flat[-16:]])))
    return h.hexdigest()[:16]


def canonical_svd(weight: torch.Tensor, r: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(A, B, S): A = sqrt(S) Vh (r, in), B = U sqrt(S) (out, r), with canonical signs; as PEFT splits S."""
    U, S, Vh = torch.linalg.svd(weight.detach().float(), full_matrices=False)  # (out, k), (k,), (k, in)
    r = min(r, S.shape[0])
    U, S, Vh = U[:, :r], S[:r], Vh[:r]
    signs = torch.sign(U.gather(0, U.abs().argmax(0, keepdim=True)))[0]  # (r,)
    signs[signs == 0] = 1.0
    U, Vh = U * signs, Vh * signs[:, None]
    root = S.sqrt()
    return (root[:, None] * Vh).contiguous(), (U * root).contiguous(), S


def projections(spec: TinyLoraSpec, module_index: int, r: int) -> torch.Tensor:
    """P (u, r, r) ~ N(0, 1/r), seeded by projection_seed + module index exactly as PEFT does."""
    generator = torch.Generator().manual_seed(spec.projection_seed + module_index)
    return torch.normal(0.0, 1.0 / r**0.5, size=(spec.u, r, r), generator=generator)


@dataclass
class Skeleton:
    """The rank-r SVD factors of every target module of one base model; shared by every department."""

    r: int
    base_fingerprint: str
    names: list[str]
    A: list[torch.Tensor]  # per module (r, in)
    B: list[torch.Tensor]  # per module (out, r)
    S: list[torch.Tensor]  # per module (r,)

    @property
    def num_modules(self) -> int:
        return len(self.names)

    def projections(self, spec: TinyLoraSpec) -> list[torch.Tensor]:
        """P per module (u, r, r) for `spec`: regenerated from the seed, never stored."""
        return [projections(spec, i, a.shape[0]) for i, a in enumerate(self.A)]

    def groups(self, spec: TinyLoraSpec) -> list[int]:
        return [spec.group_of(i, self.num_modules) for i in range(self.num_modules)]

    def fingerprint(self, spec: TinyLoraSpec) -> str:
        """Stable across machines: names, shapes, singular values and P to 6 significant digits."""
        h = hashlib.sha256(f"{SKELETON_FORMAT};{self.base_fingerprint};{spec.to_dict()}".encode())
        for name, a, b, s, p in zip(self.names, self.A, self.B, self.S, self.projections(spec)):
            h.update(f"{name}{tuple(a.shape)}{tuple(b.shape)}".encode())
            h.update(_digest(s))
            h.update(_digest(p))
        return h.hexdigest()[:16]


def _factor_cache(cache_dir: Path, base_fp: str, r: int) -> Path:
    return cache_dir / "tinylora" / f"skeleton-{base_fp}-r{r}-v{SKELETON_FORMAT}.safetensors"


def _compute_factors(model: nn.Module, names: list[str], r: int) -> dict[str, torch.Tensor]:
    modules = dict(model.named_modules())
    factors = {}
    for name in names:
        A, B, S = canonical_svd(modules[name].weight, r)
        factors[f"{name}.A"], factors[f"{name}.B"], factors[f"{name}.S"] = A, B, S
    return factors


def build_skeleton(model: nn.Module, r: int = 2, cache_dir: Path | None = None) -> Skeleton:
    """The skeleton of `model`, read from the cache when computed before (SVD of every module: seconds)."""
    names = target_module_names(model)
    base_fp = base_fingerprint(model)
    factors = None
    path = _factor_cache(cache_dir, base_fp, r) if cache_dir else None
    if path and path.is_file():
        try:
            factors = load_file(path)
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("skeleton cache %s unreadable (%s); recomputing", path, exc)
    if factors is None or any(f"{n}.A" not in factors for n in names):
        factors = _compute_factors(model, names, r)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            save_file(factors, str(tmp))
            tmp.replace(path)
    return Skeleton(
        r=r,
        base_fingerprint=base_fp,
        names=names,
        A=[factors[f"{n}.A"] for n in names],
        B=[factors[f"{n}.B"] for n in names],
        S=[factors[f"{n}.S"] for n in names],
    )
