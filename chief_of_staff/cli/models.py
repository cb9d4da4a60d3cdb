"""`cos models`: what local model is loaded, from where, its size and parameter count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from chief_of_staff.cli.common import loading, out, user_errors
from chief_of_staff.models.embedder import EMBEDDER_NAME, embedder_folder
from chief_of_staff.models.factory import load_chat_model
from chief_of_staff.settings import load_settings

models_app = typer.Typer(no_args_is_help=True)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def model_info() -> dict:
    settings = load_settings()
    model = load_chat_model(settings)
    info = {
        "name": model.model_name,
        "backend": settings.backend,
        "source": model.source,
        "device": model.device,
        "parameters": model.parameter_count,
        "context_window": model.context_window,
    }
    if settings.backend == "transformers":
        kind, _, path = model.source.partition(":")
        info["bytes_on_disk"] = _size(Path(path))
        info["loaded_from"] = kind
        if settings.model == "embedded":
            from chief_of_staff.models.embedded import embedded_gguf

            gguf = embedded_gguf()
            info["gguf"] = str(gguf)
            info["gguf_bytes"] = gguf.stat().st_size
    else:
        info.update(model.info())
    folder = embedder_folder()
    info["router_embedder"] = {"name": EMBEDDER_NAME, "path": str(folder) if folder else None}
    return info


@models_app.command("info", help="Show the configured local model: name, source, size, parameters.")
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


@models_app.command("prepare", help="Convert the embedded GGUF to the safetensors cache now (once, ~20 s).")
@user_errors
def prepare() -> None:
    with loading("Converting the embedded model (once)"):
        details = model_info()
    out.print(f"ready: {details['name']} from {details['source']}")
