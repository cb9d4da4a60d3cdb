"""Where departments' adapters live, per base model, and which one wins.

An adapter belongs to the base model it was trained on, so the store keeps one per department and model:
`<data dir>/adapters/<model>/<department>/`, where <model> is the served model's key (`served_model_key`: its
catalogue name, or a GGUF's or folder's name). For the model in use, adapters are looked up in order: the
user's store (written by `cos adapters train`), the department's own `[adapter] path` when its `base_model` is
this model (a plugin may ship one), then the adapters shipped in this repository (`adapters/<model>/<department>/`).
Adapters trained before models had keys (`<data dir>/adapters/<department>/`) were trained on smollm2-135m, the
only model then, and count as its. Each store folder holds adapter.tinylora.json, report.json, report.md and,
while training, checkpoint.pt. Fingerprints still decide at load time (adapter_file.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from chief_of_staff.plugins.manifest import Department
from chief_of_staff.tinylora.adapter_file import AdapterFileError, load_adapter

if TYPE_CHECKING:
    from chief_of_staff.settings import Settings

ADAPTER_FILE = "adapter.tinylora.json"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
SHIPPED_ROOT = Path(__file__).resolve().parents[2] / "adapters"
LEGACY_MODEL = "smollm2-135m"  # the base of adapters stored before the store kept one per model


class AdapterStore:
    def __init__(self, user_root: Path, model_key: str, shipped_root: Path = SHIPPED_ROOT) -> None:
        self.user_root = user_root
        self.model_key = model_key
        self.shipped_root = shipped_root

    @classmethod
    def for_settings(cls, settings: Settings) -> AdapterStore:
        """The user's store, `<data dir>/adapters/`, over the shipped adapters, for the model in use."""
        from chief_of_staff.models.catalogue import served_model_key

        return cls(settings.data_dir / "adapters", served_model_key(settings))

    def folder(self, department: str) -> Path:
        """Where `cos adapters train` writes this department's adapter for the model in use."""
        return self.user_root / self.model_key / department

    def _candidates(self, department: Department, model_key: str) -> list[Path]:
        candidates = [self.user_root / model_key / department.name / ADAPTER_FILE]
        if model_key == LEGACY_MODEL:
            candidates.append(self.user_root / department.name / ADAPTER_FILE)
        ref = department.manifest.adapter
        if ref and ref.base_model == model_key:
            candidates.append(department.folder / ref.path)
        candidates.append(self.shipped_root / model_key / department.name / ADAPTER_FILE)
        return candidates

    def find(self, department: Department) -> Path | None:
        """The adapter file that answers for `department` on the model in use, or None."""
        return next((c for c in self._candidates(department, self.model_key) if c.is_file()), None)

    def models_with_adapters(self, department: Department) -> dict[str, Path]:
        """{model key: adapter file} for every base model this department has an adapter for."""
        keys = {LEGACY_MODEL, self.model_key}
        for root in (self.user_root, self.shipped_root):
            if root.is_dir():
                keys |= {d.name for d in root.iterdir() if (d / department.name / ADAPTER_FILE).is_file()}
        if department.manifest.adapter:
            keys.add(department.manifest.adapter.base_model)
        found = {key: next((c for c in self._candidates(department, key) if c.is_file()), None) for key in keys}
        return {key: path for key, path in sorted(found.items()) if path is not None}

    def missing_note(self, department: Department, model_name: str) -> str | None:
        """What to tell a user whose department has adapters for other models but none for this one."""
        if self.find(department) is not None:
            return None
        others = sorted(self.models_with_adapters(department))
        if not others:
            return None
        return (f"{department.name} has no adapter for {model_name} (it has one for {', '.join(others)}): "
                f"answering without one; `cos adapters train {department.name}` trains one for this model")

    def report(self, adapter_path: Path) -> dict:
        path = adapter_path.parent / REPORT_JSON
        try:
            return json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, json.JSONDecodeError):
            return {}


def adapter_summary(store: AdapterStore, department: Department, path: Path | None = None) -> dict | None:
    """What `cos adapters list` and the departments page show of an adapter of `department` (default: the one
    that answers on the model in use): parameters, bytes, base model, held-out metric before and after;
    {"error": ...} for an unreadable file; None when the department has no adapter."""
    path = path or store.find(department)
    if path is None:
        return None
    try:
        adapter = load_adapter(path)
    except AdapterFileError as exc:
        return {"department": department.name, "path": str(path), "error": str(exc)}
    r = adapter.report
    return {"department": department.name, "params": adapter.parameters, "bytes": path.stat().st_size,
            "base_model": r.get("base_model"), "trained_at": r.get("trained_at"), "eval": r.get("eval"),
            "steps": r.get("steps"), "seed": r.get("seed"), "path": str(path), "arms": _arms(path)}


def _arms(adapter_path: Path) -> dict | None:
    """The four arms a house-style training run measured (in report.json beside the adapter), or None."""
    try:
        return json.loads((adapter_path.parent / "report.json").read_text()).get("arms")
    except (OSError, ValueError, AttributeError):
        return None
