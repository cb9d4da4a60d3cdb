"""Imports one Python file of a plugin folder (hooks.py, tools.py) as a module; any error in it becomes a
PluginError naming the file and the fix, never an exception that stops the other plugins."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from chief_of_staff.errors import PluginError


def import_plugin_file(path: Path, module_name: str, fix: str) -> ModuleType:
    """The module in `path`; `fix` tells the user what to do when it fails to import."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {path.name}", str(path), f"make {path.name} a plain Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # any error in third-party code must not stop the other plugins
        raise PluginError(f"{path.name} failed to import: {type(exc).__name__}: {exc}", str(path), fix) from exc
    return module
