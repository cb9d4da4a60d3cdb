"""Finds department folders and loads each through one path; a broken one never stops the others.

Sources, in order: the built-in `departments/`, `./departments` of the working directory, every folder in
`COS_DEPARTMENTS_PATH`, then pip-installed packages registered in the `chief_of_staff.departments`
entry-point group (the package's own folder is the department folder). The first department of a name wins;
a later one with the same name is reported as a duplicate.
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from pydantic import ValidationError

from chief_of_staff.errors import PluginError, UnknownDepartmentError
from chief_of_staff.plugins.manifest import (
    HOOK_NAMES,
    HOOKS_FILE,
    MANIFEST_FILE,
    PROMPT_FILE,
    Department,
    DepartmentManifest,
)
from chief_of_staff.plugins.module_file import import_plugin_file
from chief_of_staff.settings import Settings
from chief_of_staff.tools.contract import load_tools

ENTRY_POINT_GROUP = "chief_of_staff.departments"
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "departments"


@dataclass
class BrokenPlugin:
    """A plugin that failed to load: where, why and how to fix it."""

    source: str
    path: str
    error: str
    fix: str


@dataclass
class Registry:
    """Every department that loaded, by name, and every plugin that did not."""

    departments: dict[str, Department] = field(default_factory=dict)
    broken: list[BrokenPlugin] = field(default_factory=list)

    def require(self, name: str) -> Department:
        """The department called `name`, or an error listing the known ones."""
        if name not in self.departments:
            raise UnknownDepartmentError.naming(name, self.departments)
        return self.departments[name]

    @property
    def fallback(self) -> Department | None:
        return next((d for d in self.departments.values() if d.manifest.fallback), None)


def _read_manifest(folder: Path) -> DepartmentManifest:
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise PluginError(f"missing {MANIFEST_FILE}", str(path), f"create {path} (see `cos departments new`)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PluginError(f"{MANIFEST_FILE} is not valid TOML: {exc}", str(path), "fix the TOML syntax") from exc
    try:
        return DepartmentManifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'manifest'}: {e['msg']}" for e in exc.errors())
        raise PluginError(f"invalid manifest: {problems}", str(path), "correct the fields named above") from exc


def _read_prompt(folder: Path) -> str:
    path = folder / PROMPT_FILE
    if not path.is_file():
        raise PluginError(f"missing {PROMPT_FILE}", str(path), f"write the department's system prompt in {path}")
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise PluginError(f"{PROMPT_FILE} is empty", str(path), "write the department's system prompt in it")
    return text


def _load_hooks(folder: Path, name: str) -> dict:
    path = folder / HOOKS_FILE
    if not path.is_file():
        return {}
    module = import_plugin_file(path, f"chief_of_staff_department_hooks.{name}", "fix the error in hooks.py")
    hooks = {n: getattr(module, n) for n in HOOK_NAMES if callable(getattr(module, n, None))}
    return hooks


def load_department(folder: Path, source: str) -> Department:
    """Load one department folder; raises PluginError naming the file and the fix."""
    manifest = _read_manifest(folder)
    if folder.name != manifest.name and not source.startswith("entry-point"):
        raise PluginError(
            f"manifest name {manifest.name!r} differs from folder name {folder.name!r}",
            str(folder / MANIFEST_FILE),
            f"rename the folder to {manifest.name!r} or set name = {folder.name!r}",
        )
    return Department(
        manifest=manifest,
        system_prompt=_read_prompt(folder),
        folder=folder,
        source=source,
        hooks=_load_hooks(folder, manifest.name),
    )


def _folders_in(parent: Path) -> list[Path]:
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _entry_point_folders() -> list[tuple[str, Path | PluginError]]:
    found: list[tuple[str, Path | PluginError]] = []
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        source = f"entry-point:{ep.dist.name if ep.dist else ep.name}"
        try:
            spec = importlib.util.find_spec(ep.value)
        except (ImportError, ValueError) as exc:
            spec, error = None, exc
        else:
            error = None
        if spec is None or not spec.submodule_search_locations:
            found.append((source, PluginError(
                f"entry point {ep.name} = {ep.value!r} is not an importable package ({error or 'not found'})",
                ep.value, f"reinstall the package that provides {ep.name!r} or uninstall it",
            )))
            continue
        found.append((source, Path(next(iter(spec.submodule_search_locations)))))
    return found


def candidate_folders(settings: Settings, cwd: Path | None = None) -> list[tuple[str, Path | PluginError]]:
    """Every place a department may come from, in discovery order."""
    local = (cwd or Path.cwd()) / "departments"
    candidates: list[tuple[str, Path | PluginError]] = [("builtin", f) for f in _folders_in(BUILTIN_DIR)]
    if local.resolve() != BUILTIN_DIR:
        candidates += [("cwd", f) for f in _folders_in(local)]
    for parent in settings.extra_department_dirs:
        candidates += [("path", f) for f in _folders_in(parent)]
    return candidates + _entry_point_folders()


def discover_departments(settings: Settings, cwd: Path | None = None) -> Registry:
    """Load every department; broken ones are recorded (or raised when settings.strict_plugins)."""
    registry = Registry()
    for source, folder in candidate_folders(settings, cwd):
        try:
            if isinstance(folder, PluginError):
                raise folder
            department = load_department(folder, source)
            if department.name in registry.departments:
                first = registry.departments[department.name]
                raise PluginError(
                    f"duplicate department {department.name!r}: already loaded from {first.folder} ({first.source})",
                    str(folder / MANIFEST_FILE),
                    "rename one of them (name in department.toml and the folder)",
                )
            registry.departments[department.name] = department
            _attach_tools(registry, department, source, settings.strict_plugins)
        except PluginError as exc:
            if settings.strict_plugins:
                raise PluginError(f"{exc} [{exc.path}] fix: {exc.fix}", exc.path, exc.fix) from exc
            registry.broken.append(BrokenPlugin(source=source, path=exc.path, error=str(exc), fix=exc.fix))
    return registry


def _attach_tools(registry: Registry, department: Department, source: str, strict: bool) -> None:
    """The department's tools; a broken tools.py is reported and the department answers without tools."""
    try:
        department.tools, department.no_tool_examples = load_tools(department.folder, department.name)
    except PluginError as exc:
        if strict:
            raise
        registry.broken.append(BrokenPlugin(source=source, path=exc.path, error=str(exc), fix=exc.fix))
