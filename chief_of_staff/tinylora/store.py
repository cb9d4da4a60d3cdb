"""Where departments' adapters live, and which one wins.

Looked up in order: the user's store (`<data dir>/adapters/<department>/`, written by `cos adapters train`),
the department's own `[adapter] path` (a plugin may ship one), then the adapters shipped in this repository
(`adapters/<department>/`). Each store folder holds adapter.tinylora.json, report.json, report.md and, while
training, checkpoint.pt.
"""

from __future__ import annotations

import json
from pathlib import Path

from chief_of_staff.plugins.manifest import Department
from chief_of_staff.tinylora.adapter_file import AdapterFileError, load_adapter

ADAPTER_FILE = "adapter.tinylora.json"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
SHIPPED_ROOT = Path(__file__).resolve().parents[2] / "adapters"


class AdapterStore:
    def __init__(self, user_root: Path, shipped_root: Path = SHIPPED_ROOT) -> None:
        self.user_root = user_root
        self.shipped_root = shipped_root

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> AdapterStore:
        """The user's store, `<data dir>/adapters/`, over the shipped adapters."""
        return cls(data_dir / "adapters")

    def folder(self, department: str) -> Path:
        """Where `cos adapters train` writes this department's adapter."""
        return self.user_root / department

    def find(self, department: Department) -> Path | None:
        """The adapter file that answers for `department`, or None."""
        candidates = [self.user_root / department.name / ADAPTER_FILE]
        if department.manifest.adapter:
            candidates.append(department.folder / department.manifest.adapter.path)
        candidates.append(self.shipped_root / department.name / ADAPTER_FILE)
        return next((c for c in candidates if c.is_file()), None)

    def report(self, adapter_path: Path) -> dict:
        path = adapter_path.parent / REPORT_JSON
        try:
            return json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, json.JSONDecodeError):
            return {}


def adapter_summary(store: AdapterStore, department: Department) -> dict | None:
    """What `cos adapters list` and the departments page show of the adapter that answers for `department`:
    parameters, bytes, base model, held-out metric before and after; {"error": ...} for an unreadable file;
    None when the department has no adapter."""
    path = store.find(department)
    if path is None:
        return None
    try:
        adapter = load_adapter(path)
    except AdapterFileError as exc:
        return {"department": department.name, "path": str(path), "error": str(exc)}
    r = adapter.report
    return {"department": department.name, "params": adapter.parameters, "bytes": path.stat().st_size,
            "base_model": r.get("base_model"), "trained_at": r.get("trained_at"), "eval": r.get("eval"),
            "steps": r.get("steps"), "seed": r.get("seed"), "path": str(path)}
