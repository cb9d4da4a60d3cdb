"""The adapter file: only what was trained (v), its spec, fingerprints and a report; under 1 KB at 13 parameters.

JSON, with v as base64 of little-endian float32 bytes (exact round trip) and a SHA-256 checksum over the body,
so a truncated or edited file is refused with a clear message instead of loading wrong numbers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.tinylora.spec import TinyLoraSpec

if TYPE_CHECKING:
    import torch

FORMAT = "cos-tinylora/1"
SUFFIX = ".tinylora.json"


class AdapterFileError(ChiefOfStaffError):
    """An adapter file is unreadable, corrupt or incompatible; the message says which and what to do."""


class AdapterMismatchError(AdapterFileError):
    """The adapter was trained on another base model or skeleton."""


@dataclass
class Adapter:
    """A department's trained update: v has shape (groups, u)."""

    department: str
    spec: TinyLoraSpec
    v: torch.Tensor
    base_fingerprint: str
    skeleton_fingerprint: str
    sign_flips: list[list[float]] | None = None  # per module (r,) only for adapters imported from PEFT
    report: dict[str, Any] = field(default_factory=dict)  # trained_at, steps, seed, eval {...}, ...

    @property
    def parameters(self) -> int:
        return self.v.numel()


def _encode(v: torch.Tensor) -> str:
    import torch

    return base64.b64encode(v.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()).decode()


def _decode(text: str, shape: list[int]) -> torch.Tensor:
    import numpy as np
    import torch

    raw = base64.b64decode(text.encode(), validate=True)
    values = np.frombuffer(raw, dtype="<f4")
    if values.size != math.prod(shape):
        raise ValueError(f"v holds {values.size} numbers, expected {shape}")
    return torch.from_numpy(values.copy()).reshape(shape)


def _body(adapter: Adapter) -> dict[str, Any]:
    body = {
        "format": FORMAT,
        "department": adapter.department,
        "spec": adapter.spec.to_dict(),
        "shape": list(adapter.v.shape),
        "v": _encode(adapter.v),
        "base_fingerprint": adapter.base_fingerprint,
        "skeleton_fingerprint": adapter.skeleton_fingerprint,
        "report": adapter.report,
    }
    if adapter.sign_flips is not None:
        body["sign_flips"] = adapter.sign_flips
    return body


def _checksum(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def save_adapter(adapter: Adapter, path: Path) -> int:
    """Write atomically; returns the file size in bytes."""
    body = _body(adapter)
    text = json.dumps({**body, "checksum": _checksum(body)}, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return len(text.encode())


RETRAIN = "retrain it with `cos adapters train` or restore the file"


def _verified_body(path: Path) -> tuple[dict[str, Any], str]:
    """The file's body and checksum, verified (no torch: llama.cpp's start-up reads adapters this way)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AdapterFileError(f"no adapter file at {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise AdapterFileError(f"adapter file {path} is corrupt (not valid JSON: {exc}); {RETRAIN}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AdapterFileError(f"{path} is not a {FORMAT} adapter file; {RETRAIN}")
    checksum = data.pop("checksum", None)
    if checksum != _checksum(data):
        raise AdapterFileError(f"adapter file {path} is corrupt (checksum mismatch); {RETRAIN}")
    return data, checksum


@dataclass(frozen=True)
class AdapterIdentity:
    """What identifies an adapter file without decoding it."""

    department: str
    checksum: str
    base_fingerprint: str
    parameters: int


def read_identity(path: Path) -> AdapterIdentity:
    data, checksum = _verified_body(path)
    try:
        return AdapterIdentity(data["department"], checksum, data["base_fingerprint"], math.prod(data["shape"]))
    except (KeyError, TypeError) as exc:
        raise AdapterFileError(f"adapter file {path} is corrupt ({exc}); {RETRAIN}") from exc


def load_adapter(path: Path) -> Adapter:
    """Read and verify an adapter file; fingerprints are checked against a model by AdapterBank.add."""
    data, _ = _verified_body(path)
    retrain = RETRAIN
    try:
        return Adapter(
            department=data["department"],
            spec=TinyLoraSpec(**data["spec"]),
            v=_decode(data["v"], data["shape"]),
            base_fingerprint=data["base_fingerprint"],
            skeleton_fingerprint=data["skeleton_fingerprint"],
            sign_flips=data.get("sign_flips"),
            report=data.get("report", {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AdapterFileError(f"adapter file {path} is corrupt ({exc}); {retrain}") from exc
