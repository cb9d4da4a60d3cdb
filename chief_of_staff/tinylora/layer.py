"""TinyLoRA layers on one shared base model, and the bank that holds every department's adapter.

A TinyLoraLinear wraps a frozen nn.Linear and adds B R A x, where R (r, r) comes from the bank's active adapter;
with no active adapter it is exactly the base layer. Each loaded adapter's R for every module is computed once
when it is added (R_m = sum_i v[g(m), i] P_m[i]), so switching departments is a pointer swap, not a module walk.
While training, R is computed from the trainable v on every forward so gradients reach v (and only v).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.tinylora.adapter_file import Adapter, AdapterMismatchError
from chief_of_staff.tinylora.skeleton import Skeleton
from chief_of_staff.tinylora.spec import TinyLoraSpec


class Trainable(nn.Module):
    """The trainable v (groups, u) of one spec, with the projections and groups it multiplies."""

    def __init__(self, skeleton: Skeleton, spec: TinyLoraSpec, init: torch.Tensor | None = None) -> None:
        super().__init__()
        if spec.r != skeleton.r:
            raise ChiefOfStaffError(f"spec rank r={spec.r} differs from the loaded skeleton's r={skeleton.r}")
        self.spec = spec
        shape = (spec.num_groups(skeleton.num_modules), spec.u)
        self.v = nn.Parameter(init.clone().float().reshape(shape) if init is not None else torch.zeros(shape))
        self.register_buffer("P", torch.stack(skeleton.projections(spec)), persistent=False)  # (n, u, r, r)
        self.register_buffer("group", torch.tensor(skeleton.groups(spec)), persistent=False)  # (n,)

    def R(self, index: int) -> torch.Tensor:
        return torch.einsum("i,ijk->jk", self.v[self.group[index]], self.P[index])  # (r, r)

    def all_R(self) -> torch.Tensor:
        return torch.einsum("ni,nijk->njk", self.v[self.group], self.P)  # (n, r, r)


class AdapterBank:
    """Every department's adapter for one base model; at most one active (or one being trained)."""

    def __init__(self, skeleton: Skeleton) -> None:
        self.skeleton = skeleton
        self.adapters: dict[str, Adapter] = {}
        self._R: dict[str, torch.Tensor] = {}  # name -> (n, r, r)
        self.active: str | None = None
        self.active_R: torch.Tensor | None = None
        self.trainable: Trainable | None = None

    def add(self, name: str, adapter: Adapter) -> None:
        """Verify the fingerprints, then precompute the adapter's R for every module."""
        if adapter.base_fingerprint != self.skeleton.base_fingerprint:
            raise AdapterMismatchError(
                f"adapter {name!r} was trained on another base model (fingerprint {adapter.base_fingerprint}, "
                f"loaded model {self.skeleton.base_fingerprint}); retrain it with `cos adapters train {name}`"
            )
        expected = self.skeleton.fingerprint(adapter.spec)
        if adapter.skeleton_fingerprint != expected:
            raise AdapterMismatchError(
                f"adapter {name!r} does not match this model's TinyLoRA skeleton ({adapter.skeleton_fingerprint} "
                f"!= {expected}); retrain it with `cos adapters train {name}`"
            )
        with torch.no_grad():
            R = Trainable(self.skeleton, adapter.spec, adapter.v).all_R()  # (n, r, r)
            if adapter.sign_flips is not None:
                D = torch.tensor(adapter.sign_flips, dtype=R.dtype)  # (n, r)
                R = D[:, :, None] * R * D[:, None, :]  # D R D: PEFT's signs -> canonical signs
        self.adapters[name] = adapter
        self._R[name] = R
        if self.active == name:
            self.active_R = R

    def remove(self, name: str) -> None:
        """Forget one adapter (the plain base model answers if it was the active one)."""
        self.adapters.pop(name, None)
        self._R.pop(name, None)
        if self.active == name:
            self.activate(None)

    def clear(self) -> None:
        """Forget every adapter (the model answers as the plain base model)."""
        self.adapters.clear()
        self._R.clear()
        self.activate(None)

    def activate(self, name: str | None) -> None:
        """Make `name`'s adapter answer (None: the plain base model). Costs a dictionary lookup."""
        if name is not None and name not in self._R:
            raise ChiefOfStaffError(f"no adapter loaded for {name!r}: run `cos adapters train {name}`")
        self.active = name
        self.active_R = self._R[name] if name is not None else None

    def R(self, index: int) -> torch.Tensor | None:
        if self.trainable is not None:
            return self.trainable.R(index)
        return None if self.active_R is None else self.active_R[index]


class TinyLoraLinear(nn.Module):
    """A frozen nn.Linear plus the active adapter's B R A; a no-op while no adapter is active."""

    def __init__(self, base: nn.Linear, index: int, A: torch.Tensor, B: torch.Tensor, bank: AdapterBank) -> None:
        super().__init__()
        self.base = base
        self.index = index
        self.register_buffer("A", A.to(base.weight.dtype), persistent=False)  # (r, in)
        self.register_buffer("B", B.to(base.weight.dtype), persistent=False)  # (out, r)
        self.bank = bank

    @property
    def weight(self) -> torch.Tensor:  # code that inspects `.weight` (e.g. dtype checks) sees the base weight
        return self.base.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)  # (..., out)
        R = self.bank.R(self.index)
        if R is None:
            return out
        h = F.linear(x, self.A)  # (..., r)
        h = F.linear(h, R.to(h.device, h.dtype))  # (..., r)  h @ R^T, as PEFT (R is tiny: moved per call)
        return out + F.linear(h, self.B)  # (..., out)


def attach(model: nn.Module, skeleton: Skeleton) -> AdapterBank:
    """Wrap every target module of `model` in place; returns the bank that drives them."""
    bank = AdapterBank(skeleton)
    modules = dict(model.named_modules())
    for index, name in enumerate(skeleton.names):
        parent_name, _, child = name.rpartition(".")
        base = modules[name]
        if isinstance(base, TinyLoraLinear):
            raise ChiefOfStaffError(f"TinyLoRA is already attached to {name}")
        device = base.weight.device
        wrapped = TinyLoraLinear(base, index, skeleton.A[index].to(device), skeleton.B[index].to(device), bank)
        setattr(modules[parent_name] if parent_name else model, child, wrapped)
    model._tinylora_bank = bank
    return bank


def snapshot(trainable: Trainable, skeleton: Skeleton, department: str, report: dict | None = None) -> Adapter:
    """The adapter file content for the current value of a trainable v."""
    return Adapter(
        department=department,
        spec=trainable.spec,
        v=trainable.v.detach().clone().float(),
        base_fingerprint=skeleton.base_fingerprint,
        skeleton_fingerprint=skeleton.fingerprint(trainable.spec),
        report=dict(report or {}),
    )
