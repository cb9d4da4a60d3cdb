"""Departments' adapters for llama.cpp: each TinyLoRA file exported once to a GGUF LoRA, cached next to it under
its checksum, checked against the served model's fingerprint, and handed to the engine.

The export and the fingerprint need the model's transformers form (the SVD skeleton and the fingerprint are
computed on it), so the first start after training loads it once; both results are cached, and later starts
read only the adapter files' JSON. A department whose adapter is broken, or was trained on another base
model, answers without it, with a warning; the other departments keep theirs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from chief_of_staff.errors import ChiefOfStaffError
from chief_of_staff.models.gguf_header import GgufHeader
from chief_of_staff.models.llamacpp_engine import EngineAdapter
from chief_of_staff.plugins.manifest import Department
from chief_of_staff.settings import Settings
from chief_of_staff.tinylora.adapter_file import (
    AdapterIdentity,
    AdapterMismatchError,
    read_identity,
)
from chief_of_staff.tinylora.store import AdapterStore

FINGERPRINTS = "gguf-fingerprints.json"
log = logging.getLogger(__name__)


def _transformers_form(settings: Settings):
    from chief_of_staff.models.factory import load_weights

    model, _, _ = load_weights(settings.training_model, settings)
    return model


def served_fingerprint(settings: Settings, gguf: Path) -> str:
    """The base fingerprint of the served GGUF's weights, cached by path, size and modification time."""
    stat = gguf.stat()
    key = f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    path = settings.cache_dir / "tinylora" / FINGERPRINTS
    try:
        known = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        known = {}
    if key not in known:
        from chief_of_staff.tinylora.skeleton import base_fingerprint  # torch: only the first time

        known[key] = base_fingerprint(_transformers_form(settings))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1))
        tmp.replace(path)
    return known[key]


def export_path(adapter_file: Path, identity: AdapterIdentity, settings: Settings) -> Path:
    """Where the GGUF export of this adapter lives: next to it in the user's store, else (a plugin's or a shipped
    adapter) in the cache, so nothing is written into a plugin's or the repository's folders."""
    name = f"adapter.{identity.checksum}.gguf"
    if adapter_file.resolve().is_relative_to(Path(settings.data_dir).resolve()):
        return adapter_file.parent / name
    return Path(settings.cache_dir) / "tinylora" / "gguf" / identity.department / name


def export_adapter(adapter_file: Path, target: Path, header: GgufHeader, settings: Settings) -> Path:
    """Export the TinyLoRA file to a GGUF LoRA at `target` (loads the transformers form: seconds)."""
    from chief_of_staff.tinylora.adapter_file import load_adapter
    from chief_of_staff.tinylora.gguf_lora import write_gguf_lora
    from chief_of_staff.tinylora.skeleton import build_skeleton

    adapter = load_adapter(adapter_file)
    skeleton = build_skeleton(_transformers_form(settings), adapter.spec.r, settings.cache_dir)
    log.info("exporting %s to %s for llama.cpp", adapter_file, target)
    return write_gguf_lora(adapter, skeleton, target, header.architecture, header.head_count or 1,
                           header.head_count_kv)


def engine_adapters(settings: Settings, departments: dict[str, Department], header: GgufHeader
                    ) -> tuple[tuple[EngineAdapter, ...], dict[str, str]]:
    """The adapters llama.cpp should load, and {department: why it answers without one} for the others."""
    store = AdapterStore.for_settings(settings)
    loaded, problems = [], {}
    fingerprint = None
    for name, department in departments.items():
        adapter_file = store.find(department)
        if adapter_file is None:
            continue
        try:
            identity = read_identity(adapter_file)
            fingerprint = fingerprint or served_fingerprint(settings, header.path)
            if identity.base_fingerprint != fingerprint:
                raise AdapterMismatchError(
                    f"adapter {name!r} was trained on another base model (fingerprint {identity.base_fingerprint}, "
                    f"loaded model {fingerprint}); retrain it with `cos adapters train {name}`"
                )
            target = export_path(adapter_file, identity, settings)
            if not target.is_file():
                export_adapter(adapter_file, target, header, settings)
            loaded.append(EngineAdapter(name, target, identity.parameters))
        except ChiefOfStaffError as exc:  # a broken or foreign file, a model transformers cannot read, ...
            problems[name] = str(exc)
            log.warning("department %s answers without its adapter: %s", name, exc)
    return tuple(loaded), problems
