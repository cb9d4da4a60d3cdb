"""`cos models`: which local model answers, on which backend, with which adapters; choosing another one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chief_of_staff.cli.common import loading, out, user_errors
from chief_of_staff.errors import ConfigError
from chief_of_staff.models.embedder import EMBEDDER_NAME, embedder_folder
from chief_of_staff.models.factory import load_chat_model
from chief_of_staff.settings import load_settings, set_config_value

models_app = typer.Typer(no_args_is_help=True)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def model_info() -> dict:
    from chief_of_staff.plugins.discovery import discover_departments

    settings = load_settings()
    departments = discover_departments(settings).departments if settings.backend == "llamacpp" else None
    model = load_chat_model(settings, departments)
    info = {
        "name": model.model_name,
        "backend": settings.backend,
        "source": model.source,
        "device": model.device,
        "parameters": model.parameter_count,
        "context_window": model.context_window,
    }
    if settings.backend == "llamacpp":
        engine = model.engine
        info.update({
            "architecture": engine.header.architecture,
            "gguf": str(engine.config.model),
            "gguf_bytes": engine.header.size_bytes,
            "serve_parallel": settings.parallel,
            "threads": engine.config.threads or "llama.cpp's choice",
            "adapters": [{"department": a.department, "params": a.params, "gguf": str(a.gguf)}
                         for a in engine.config.adapters],
        })
    elif settings.backend == "transformers":
        kind, _, path = model.source.partition(":")
        info["bytes_on_disk"] = _size(Path(path))
        info["loaded_from"] = kind
    else:
        info.update(model.info())
    folder = embedder_folder()
    info["router_embedder"] = {"name": EMBEDDER_NAME, "path": str(folder) if folder else None}
    return info


@models_app.command("info", help="Show the local model: backend, file, context, the adapters loaded.")
@user_errors
def info(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    with loading("Loading the model"):
        details = model_info()
    if json_output:
        print(json.dumps(details, indent=2))
        return
    for key, value in details.items():
        if isinstance(value, int) and key.endswith(("bytes", "bytes_on_disk", "parameters")):
            value = f"{value:,}"
        out.print(f"[bold]{key:<16}[/] {value}")


@models_app.command("use", help="Answer on another model: 'embedded' or a GGUF file (any llama.cpp supports).")
@user_errors
def use(model: Annotated[str, typer.Argument(help="'embedded' or PATH.gguf")]) -> None:
    from chief_of_staff.models.gguf_header import read_header

    if model != "embedded":
        path = Path(model).expanduser().resolve()
        if path.suffix.lower() != ".gguf":
            raise ConfigError(f"{model} is not a .gguf file: give a GGUF model file, or 'embedded'")
        header = read_header(path)  # missing, not a GGUF, damaged or unsupported: refused here, with why
        if header.file_type != "model":
            raise ConfigError(f"{path} is a GGUF {header.file_type}, not a model")
        model = str(path)
        described = f"{header.name} ({header.architecture}, {header.size_bytes / 2**20:,.0f} MiB)"
    else:
        described = "the embedded SmolLM2-135M-Instruct"
    written = set_config_value("model", model)
    backend = load_settings().backend
    out.print(f"chat, ask and serve now answer on {described}" + ("" if backend == "llamacpp" else
              f" (on the {backend} backend: a GGUF needs `llamacpp` or `transformers`)") + f"; saved in {written}")


@models_app.command("prepare", help="Load the configured model once (on transformers, convert its cache now).")
@user_errors
def prepare() -> None:
    with loading("Preparing the local model"):
        details = model_info()
    out.print(f"ready: {details['name']} on {details['backend']} from {details['source']}")
