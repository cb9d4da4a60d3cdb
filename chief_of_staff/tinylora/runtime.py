"""Putting adapters on a loaded model: one skeleton and one bank per base model, every department's adapter in it."""

from __future__ import annotations

import logging
from pathlib import Path

from torch import nn

from chief_of_staff.plugins.manifest import Department
from chief_of_staff.tinylora.adapter_file import AdapterFileError, load_adapter
from chief_of_staff.tinylora.layer import AdapterBank, attach
from chief_of_staff.tinylora.skeleton import build_skeleton
from chief_of_staff.tinylora.store import AdapterStore

log = logging.getLogger(__name__)


def bank_for(model: nn.Module, cache_dir: Path, r: int = 2) -> AdapterBank:
    """The model's adapter bank, attaching TinyLoRA layers the first time."""
    bank = getattr(model, "_tinylora_bank", None)
    if bank is None:
        bank = attach(model, build_skeleton(model, r, cache_dir))
    return bank


def load_department_adapters(
    bank: AdapterBank, departments: dict[str, Department], store: AdapterStore
) -> dict[str, str]:
    """Make the bank hold exactly the departments' adapters that load; returns {department: problem} for the
    others. A model reused within one process (a server, the tests) never keeps an adapter that is gone."""
    bank.clear()
    problems = {}
    for name, department in departments.items():
        path = store.find(department)
        if path is None:
            continue
        try:
            bank.add(name, load_adapter(path))
        except AdapterFileError as exc:
            problems[name] = str(exc)
            log.warning("department %s answers without its adapter: %s", name, exc)
    return problems
